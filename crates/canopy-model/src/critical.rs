//! Critical events: the few things in a run that a person watching it
//! should not miss. [`Watch`] picks them out of the engine's events and
//! records as the months end; front ends print or count them.
//!
//! Discrete happenings (a large redemption, a queued request, a need AEGIS
//! could not fill, an unfilled market flow) are reported each time. States
//! that can last for months (the price at its floor, cap or impact limit,
//! AEGIS's USDC below its threshold) are reported in the month they begin,
//! so that a price resting on its floor for a year is one line, not twelve.

use std::ops::ControlFlow;

use crate::observer::{Event, Observer};
use crate::record::MonthRecord;
use crate::scenario::{PriceModel, Scenario};
use crate::state::State;

/// A redemption is critical when it pays out more than this share of
/// AEGIS's value (before the month's payouts).
pub const LARGE_REDEMPTION_SHARE: f64 = 0.05;

/// AEGIS's USDC is critical below this share of its starting balance.
pub const LOW_USDC_SHARE: f64 = 0.10;

/// One critical event.
#[derive(Clone, Debug, PartialEq)]
pub enum Critical {
    /// A holder's payout was worth more than [`LARGE_REDEMPTION_SHARE`] of
    /// AEGIS's value.
    LargeRedemption {
        /// The deal: its index in `Scenario::deals`.
        deal: usize,
        /// The payout's value at the month's price, USD.
        value: f64,
        /// AEGIS's value before the month's payouts, USD.
        aegis_value: f64,
    },
    /// A redemption request (or what the monthly limit left of it) was
    /// queued.
    Queued {
        /// The deal: its index in `Scenario::deals`.
        deal: usize,
        /// OAK queued.
        amount: f64,
    },
    /// The pairs needed more LEAF than AEGIS held.
    ShortOfLeaf {
        /// LEAF the pairs needed.
        needed: f64,
        /// LEAF AEGIS sold.
        sold: f64,
    },
    /// The pairs offered more LEAF than AEGIS's USDC could pay for.
    ShortOfUsdc {
        /// LEAF the pairs offered.
        offered: f64,
        /// LEAF AEGIS bought.
        bought: f64,
    },
    /// The market price reached its floor (`leaf_price.min`).
    PriceAtFloor {
        /// The price, USD.
        price: f64,
    },
    /// The market price reached its cap (`leaf_price.max`).
    PriceAtCap {
        /// The price, USD.
        price: f64,
    },
    /// Last month's flow moved the price by the most allowed
    /// (`leaf_price.max_monthly_impact`).
    ImpactAtLimit {
        /// The impact applied (signed).
        impact: f64,
    },
    /// Part of the market flow could not be filled by the pairs.
    FlowUnfilled {
        /// USD the market wanted to trade.
        wanted: f64,
        /// USD the pairs filled.
        executed: f64,
    },
    /// AEGIS's USDC fell below [`LOW_USDC_SHARE`] of its starting balance.
    LowUsdc {
        /// USDC at the month's end.
        usdc: f64,
        /// USDC at the start.
        start: f64,
    },
}

/// The kinds of critical event, in the order summaries list them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// [`Critical::LargeRedemption`].
    LargeRedemption,
    /// [`Critical::Queued`].
    Queued,
    /// [`Critical::ShortOfLeaf`].
    ShortOfLeaf,
    /// [`Critical::ShortOfUsdc`].
    ShortOfUsdc,
    /// [`Critical::PriceAtFloor`].
    PriceAtFloor,
    /// [`Critical::PriceAtCap`].
    PriceAtCap,
    /// [`Critical::ImpactAtLimit`].
    ImpactAtLimit,
    /// [`Critical::FlowUnfilled`].
    FlowUnfilled,
    /// [`Critical::LowUsdc`].
    LowUsdc,
}

impl Kind {
    /// Every kind, in order.
    pub const ALL: [Kind; 9] = [
        Kind::LargeRedemption,
        Kind::Queued,
        Kind::ShortOfLeaf,
        Kind::ShortOfUsdc,
        Kind::PriceAtFloor,
        Kind::PriceAtCap,
        Kind::ImpactAtLimit,
        Kind::FlowUnfilled,
        Kind::LowUsdc,
    ];

    /// A short name, for counts ("large redemptions: 3").
    pub fn name(self) -> &'static str {
        match self {
            Kind::LargeRedemption => "large redemptions",
            Kind::Queued => "requests queued",
            Kind::ShortOfLeaf => "AEGIS short of LEAF",
            Kind::ShortOfUsdc => "AEGIS short of USDC",
            Kind::PriceAtFloor => "LEAF price at floor",
            Kind::PriceAtCap => "LEAF price at cap",
            Kind::ImpactAtLimit => "price impact at limit",
            Kind::FlowUnfilled => "market flows unfilled",
            Kind::LowUsdc => "AEGIS USDC low",
        }
    }
}

impl Kind {
    /// Its identifier, as `canopy explain` and the reference take it
    /// (`large_redemption`).
    pub const fn id(self) -> &'static str {
        match self {
            Kind::LargeRedemption => "large_redemption",
            Kind::Queued => "queued",
            Kind::ShortOfLeaf => "short_of_leaf",
            Kind::ShortOfUsdc => "short_of_usdc",
            Kind::PriceAtFloor => "price_at_floor",
            Kind::PriceAtCap => "price_at_cap",
            Kind::ImpactAtLimit => "impact_at_limit",
            Kind::FlowUnfilled => "flow_unfilled",
            Kind::LowUsdc => "low_usdc",
        }
    }

    /// When it is reported, in a sentence or two.
    pub fn doc(self) -> &'static str {
        match self {
            Kind::LargeRedemption => {
                "A holder's redemption paid out more than 5 % of AEGIS's value (before the month's payouts). Reported for each such payout."
            }
            Kind::Queued => {
                "A redemption request, or what the monthly limit (`oak.max_redemption_per_month`) left of it, joined the queue. Reported for each request."
            }
            Kind::ShortOfLeaf => {
                "The pairs needed more LEAF to reach their target than AEGIS held; AEGIS sold what it had. Reported each month it happens."
            }
            Kind::ShortOfUsdc => {
                "The pairs offered more LEAF than AEGIS's USDC could pay for; AEGIS bought what it could. Reported each month it happens."
            }
            Kind::PriceAtFloor => {
                "The market price reached its floor (`leaf_price.min`). Reported in the month it begins, not while it lasts."
            }
            Kind::PriceAtCap => {
                "The market price reached its cap (`leaf_price.max`). Reported in the month it begins, not while it lasts."
            }
            Kind::ImpactAtLimit => {
                "Last month's market flow moved the price by the most allowed (`leaf_price.max_monthly_impact`): a larger flow would have moved it no further. Reported in the month it begins (or changes direction)."
            }
            Kind::FlowUnfilled => {
                "Part of the month's market flow could not be filled by the pairs (not enough USDC for sellers or LEAF for buyers). Reported each month it happens."
            }
            Kind::LowUsdc => {
                "AEGIS's USDC fell below 10 % of its starting balance. Reported in the month it begins, not while it lasts."
            }
        }
    }
}

impl Critical {
    /// Its kind.
    pub fn kind(&self) -> Kind {
        match self {
            Critical::LargeRedemption { .. } => Kind::LargeRedemption,
            Critical::Queued { .. } => Kind::Queued,
            Critical::ShortOfLeaf { .. } => Kind::ShortOfLeaf,
            Critical::ShortOfUsdc { .. } => Kind::ShortOfUsdc,
            Critical::PriceAtFloor { .. } => Kind::PriceAtFloor,
            Critical::PriceAtCap { .. } => Kind::PriceAtCap,
            Critical::ImpactAtLimit { .. } => Kind::ImpactAtLimit,
            Critical::FlowUnfilled { .. } => Kind::FlowUnfilled,
            Critical::LowUsdc { .. } => Kind::LowUsdc,
        }
    }
}

/// Whether `wanted` and `executed` differ by more than rounding.
fn unfilled(wanted: f64, executed: f64) -> bool {
    (wanted - executed).abs() > 1e-9 * wanted.abs().max(1.0)
}

/// Watches a run for critical events: after each month's end,
/// [`Watch::month`] holds that month's, and [`Watch::counts`] the run's so
/// far.
#[derive(Clone, Debug)]
pub struct Watch {
    market_price: bool,
    floor: f64,
    cap: f64,
    impact_limit: f64,
    start_usdc: f64,
    /// The month's LEAF price.
    price: f64,
    /// The sign of the last impact.
    impact_sign: f64,
    /// Whether each lasting state held last month: floor, cap, impact
    /// limit, low USDC.
    held: [bool; 4],
    month_no: u32,
    month: Vec<Critical>,
    counts: [usize; Kind::ALL.len()],
}

impl Watch {
    /// A watch for a run of `s`.
    pub fn new(s: &Scenario) -> Self {
        Watch {
            market_price: s.leaf_price.model == PriceModel::Market,
            floor: s.leaf_price.min,
            cap: s.leaf_price.max,
            impact_limit: s.leaf_price.max_monthly_impact,
            start_usdc: s.aegis.initial_usdc,
            price: s.leaf_price.initial,
            impact_sign: 0.0,
            held: [false; 4],
            month_no: 0,
            month: Vec::new(),
            counts: [0; Kind::ALL.len()],
        }
    }

    /// The critical events of the last month that ended (or of the month
    /// under way, before its end).
    pub fn month(&self) -> &[Critical] {
        &self.month
    }

    /// How many critical events of each kind in the months ended so far,
    /// in [`Kind::ALL`]'s order.
    pub fn counts(&self) -> [usize; Kind::ALL.len()] {
        self.counts
    }

    /// How many critical events in the months ended so far.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    fn enter(&mut self, m: u32) {
        if m != self.month_no {
            self.month_no = m;
            self.month.clear();
        }
    }

    /// Adds `c` to the month under way; it counts once the month ends (a
    /// month that fails its checks never ends, and is not counted).
    fn push(&mut self, c: Critical) {
        self.month.push(c);
    }

    /// Records `c` if state `i` now holds and did not last month.
    fn state(&mut self, i: usize, holds: bool, c: impl FnOnce() -> Critical) {
        if holds && !self.held[i] {
            self.push(c());
        }
        self.held[i] = holds;
    }
}

impl Observer for Watch {
    fn event(&mut self, m: u32, event: &Event) {
        self.enter(m);
        match *event {
            Event::Price { price, impact, .. } => {
                self.price = price;
                if self.market_price {
                    self.state(0, price <= self.floor, || Critical::PriceAtFloor { price });
                    self.state(1, price >= self.cap, || Critical::PriceAtCap { price });
                    // The clamp gives the limit to the last bit or one
                    // below it; a change of direction starts the state anew.
                    let limit =
                        self.impact_limit > 0.0 && impact.abs() >= self.impact_limit * (1.0 - 1e-9);
                    let turned = impact.signum() != self.impact_sign;
                    if limit && turned {
                        self.held[2] = false;
                    }
                    self.impact_sign = impact.signum();
                    self.state(2, limit, || Critical::ImpactAtLimit { impact });
                }
            }
            Event::Redemption {
                deal,
                usdc,
                leaf,
                aegis_value,
                ..
            } => {
                // The payout at the month's price: AEGIS's value falls by it.
                let value = usdc + leaf * self.price;
                if value > LARGE_REDEMPTION_SHARE * aegis_value {
                    self.push(Critical::LargeRedemption {
                        deal,
                        value,
                        aegis_value,
                    });
                }
            }
            Event::RedemptionQueued { deal, amount, .. } => {
                self.push(Critical::Queued { deal, amount });
            }
            Event::LeafSold { leaf, needed, .. } if leaf < needed => {
                self.push(Critical::ShortOfLeaf { needed, sold: leaf });
            }
            Event::LeafBought { leaf, offered, .. } if leaf < offered => {
                self.push(Critical::ShortOfUsdc {
                    offered,
                    bought: leaf,
                });
            }
            Event::MarketFlow {
                wanted, executed, ..
            } if unfilled(wanted, executed) => {
                self.push(Critical::FlowUnfilled { wanted, executed });
            }
            _ => {}
        }
    }

    fn month_end(&mut self, r: &MonthRecord, _state: &State<'_>) -> ControlFlow<()> {
        self.record(r);
        ControlFlow::Continue(())
    }
}

impl Watch {
    /// The checks on a month's record (what [`Observer::month_end`] does).
    pub fn record(&mut self, r: &MonthRecord) {
        self.enter(r.month);
        let low = r.aegis_usdc < LOW_USDC_SHARE * self.start_usdc;
        let (usdc, start) = (r.aegis_usdc, self.start_usdc);
        self.state(3, low, || Critical::LowUsdc { usdc, start });
        for c in &self.month {
            // Kinds are declared in `Kind::ALL`'s order.
            self.counts[c.kind() as usize] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oak::Irr;

    fn market() -> Scenario {
        let mut s = Scenario::default();
        s.leaf_price.model = PriceModel::Market;
        s.leaf_price.min = 0.5;
        s.leaf_price.max = 2.0;
        s.leaf_price.max_monthly_impact = 0.1;
        s.aegis.initial_usdc = 1000.0;
        s
    }

    fn price(price: f64, impact: f64) -> Event {
        Event::Price {
            price,
            impact,
            liquidity: 0.0,
        }
    }

    fn paid(usdc: f64, leaf: f64, aegis_value: f64) -> Event {
        Event::Redemption {
            deal: 4,
            amount: 1.0,
            irr: Irr::Value(0.01),
            threshold: 0.2,
            usdc,
            leaf,
            queued_since: None,
            aegis_value,
        }
    }

    fn usdc(month: u32, usdc: f64) -> MonthRecord {
        MonthRecord {
            month,
            aegis_usdc: usdc,
            ..MonthRecord::default()
        }
    }

    #[test]
    fn a_redemption_is_large_above_five_percent_of_aegis_value_at_the_month_price() {
        let mut w = Watch::new(&market());
        w.event(1, &price(1.5, 0.0));
        // 30 USDC + 20 LEAF at 1.5 USD = 60 USD = 6 % of 1000.
        w.event(1, &paid(30.0, 20.0, 1000.0));
        // 20 + 20 x 1.5 = 50 = exactly 5 %: not above it.
        w.event(1, &paid(20.0, 20.0, 1000.0));
        assert_eq!(
            w.month(),
            [Critical::LargeRedemption {
                deal: 4,
                value: 60.0,
                aegis_value: 1000.0
            }]
        );
        // Counted once the month has ended: a month that fails never does.
        assert_eq!(w.total(), 0);
        w.record(&usdc(1, 1000.0));
        assert_eq!(w.total(), 1);
    }

    #[test]
    fn lasting_states_are_reported_in_the_month_they_begin() {
        let mut w = Watch::new(&market());
        let months = [
            (0.5, 0.0),                 // 1: floor begins
            (0.5, -0.1),                // 2: still at the floor; impact at its limit begins
            (1.0, -0.1),                // 3: impact still at its limit
            (2.0, 0.05),                // 4: cap begins
            (0.5, 0.1),                 // 5: floor again, impact at its limit again
            (1.0, 0.09999999999999999), // 6: still at the limit (rounding)
            (1.0, -0.1),                // 7: the limit the other way: anew
        ];
        let mut seen = Vec::new();
        for (m, (p, i)) in (1..).zip(months) {
            w.event(m, &price(p, i));
            w.record(&usdc(m, 1000.0));
            seen.push(w.month().iter().map(Critical::kind).collect::<Vec<_>>());
        }
        use Kind::*;
        assert_eq!(
            seen,
            [
                vec![PriceAtFloor],
                vec![ImpactAtLimit],
                vec![],
                vec![PriceAtCap],
                vec![PriceAtFloor, ImpactAtLimit],
                vec![],
                vec![ImpactAtLimit],
            ]
        );
        let counts = w.counts();
        assert_eq!((counts[4], counts[5], counts[6]), (2, 1, 3));
    }

    #[test]
    fn a_fixed_price_is_never_at_a_bound() {
        let mut s = market();
        s.leaf_price.model = PriceModel::Fixed;
        let mut w = Watch::new(&s);
        w.event(1, &price(0.5, 0.1));
        w.record(&usdc(1, 1000.0));
        assert!(w.month().is_empty());
        w.event(2, &price(2.0, -0.1));
        w.record(&usdc(2, 1000.0));
        assert_eq!(w.total(), 0);
    }

    #[test]
    fn low_usdc_starts_below_ten_percent_of_the_start_and_can_start_again() {
        let mut w = Watch::new(&market());
        let mut months = Vec::new();
        // 100 is 10 % of 1000: not below it.
        for (m, u) in (1..).zip([500.0, 100.0, 99.0, 20.0, 300.0, 50.0]) {
            w.record(&usdc(m, u));
            if !w.month().is_empty() {
                months.push(m);
            }
        }
        assert_eq!(months, [3, 6]);
        assert_eq!(
            w.month(),
            [Critical::LowUsdc {
                usdc: 50.0,
                start: 1000.0
            }]
        );
    }

    #[test]
    fn shortfalls_queues_and_unfilled_flows_are_reported_each_time() {
        let mut w = Watch::new(&market());
        let events = [
            Event::LeafSold {
                leaf: 5.0,
                needed: 8.0,
                price: 1.0,
            },
            Event::LeafSold {
                leaf: 8.0,
                needed: 8.0,
                price: 1.0,
            },
            Event::LeafBought {
                leaf: 0.0,
                offered: 3.0,
                price: 1.0,
            },
            Event::RedemptionQueued {
                deal: 2,
                amount: 7.0,
                requested: 9.0,
                irr: Irr::Lowest,
                threshold: 0.3,
            },
            Event::MarketFlow {
                wanted: -100.0,
                executed: -40.0,
                depth: 1e6,
            },
            Event::MarketFlow {
                wanted: -100.0,
                executed: -100.0 * (1.0 - 1e-12),
                depth: 1e6,
            },
        ];
        for m in 1..=2 {
            for e in &events {
                w.event(m, e);
            }
            w.record(&usdc(m, 1000.0));
            assert_eq!(w.month().len(), 4, "month {m}: {:?}", w.month());
        }
        assert_eq!(
            w.month()[2],
            Critical::Queued {
                deal: 2,
                amount: 7.0
            }
        );
        assert_eq!(w.counts()[..4], [0, 2, 2, 2]);
        assert_eq!(w.counts()[7], 2);
        assert_eq!(w.total(), 8);
    }
}
