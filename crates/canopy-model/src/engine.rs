//! The monthly loop, in the seed's order.

use crate::aegis::Aegis;
use crate::invariants::{self, Balances, Ledger};
use crate::leaf_pairs::LeafPairs;
use crate::market;
use crate::oak::{Irr, Oak};
use crate::price::Price;
use crate::random::ShockStream;
use crate::record::MonthRecord;
use crate::revenue::{self, RateAdjustments};
use crate::scenario::{Deal, Scenario, TvlKind, ValidScenario};
use crate::tvl::{Contribution, TvlBook};

/// Something worth a line in the run's log.
#[derive(Clone, Debug, PartialEq)]
pub enum Event<'a> {
    /// A deal's first month.
    DealStarts {
        /// The deal.
        deal: &'a Deal,
    },
    /// A recurring contract was added.
    RecurringContract {
        /// Its amount, USD.
        amount: f64,
    },
    /// The month's price.
    Price {
        /// LEAF price.
        price: f64,
        /// Impact taken from last month's flow.
        impact: f64,
        /// The pairs' USD liquidity read before pricing.
        liquidity: f64,
    },
    /// AEGIS sold LEAF to pairs below target.
    LeafSold {
        /// LEAF sold.
        leaf: f64,
        /// LEAF the pairs needed (more than `leaf` when AEGIS ran short).
        needed: f64,
        /// Price.
        price: f64,
    },
    /// AEGIS bought LEAF from pairs above target.
    LeafBought {
        /// LEAF bought.
        leaf: f64,
        /// LEAF offered (more than `leaf` when AEGIS's USDC ran short).
        offered: f64,
        /// Price.
        price: f64,
    },
    /// Revenue paid into AEGIS.
    RevenueIn {
        /// USDC.
        usdc: f64,
    },
    /// A pair's deal ended and its balances left.
    PairWithdrawn {
        /// The deal.
        deal: &'a Deal,
        /// LEAF withdrawn.
        leaf: f64,
        /// USDC withdrawn.
        usdc: f64,
    },
    /// A deal's OAK allocation was distributed.
    OakDistributed {
        /// The deal.
        deal: &'a Deal,
        /// OAK.
        amount: f64,
    },
    /// A holder redeemed.
    Redemption {
        /// The deal.
        deal: &'a Deal,
        /// OAK redeemed.
        amount: f64,
        /// The month's IRR rule.
        irr: Irr,
        /// The holder's threshold.
        threshold: f64,
        /// USDC paid.
        usdc: f64,
        /// LEAF paid.
        leaf: f64,
    },
    /// The month's market flow against the pairs.
    MarketFlow {
        /// USD the market wanted to trade (buys positive).
        wanted: f64,
        /// USD the pairs could fill.
        executed: f64,
        /// Depth the flow traded against.
        depth: f64,
    },
}

/// Watches a run as it goes; every method does nothing unless overridden.
pub trait Observer {
    /// Whether [`Observer::contribution`] is to be called (a pass over every
    /// contribution each month, skipped when nobody listens).
    const WANTS_CONTRIBUTIONS: bool = false;

    /// An event in month `month`.
    fn event(&mut self, _month: u32, _event: &Event<'_>) {}

    /// A contribution active in `month`, with its TVL and revenue; called
    /// only when [`Observer::WANTS_CONTRIBUTIONS`] is true.
    fn contribution(&mut self, _month: u32, _c: &Contribution, _amount: f64, _revenue: f64) {}

    /// The state at the end of `month`, after its record was taken.
    fn month_end(&mut self, _state: &State<'_>) {}
}

/// Two observers watching the same run.
impl<A: Observer, B: Observer> Observer for (A, B) {
    const WANTS_CONTRIBUTIONS: bool = A::WANTS_CONTRIBUTIONS || B::WANTS_CONTRIBUTIONS;

    fn event(&mut self, month: u32, event: &Event<'_>) {
        self.0.event(month, event);
        self.1.event(month, event);
    }

    fn contribution(&mut self, month: u32, c: &Contribution, amount: f64, revenue: f64) {
        self.0.contribution(month, c, amount, revenue);
        self.1.contribution(month, c, amount, revenue);
    }

    fn month_end(&mut self, state: &State<'_>) {
        self.0.month_end(state);
        self.1.month_end(state);
    }
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {}

/// Why a run stopped early.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("month {month}: {quantity}: {detail}")]
pub struct RunError {
    /// The month that failed.
    pub month: u32,
    /// What failed.
    pub quantity: String,
    /// The numbers.
    pub detail: String,
    /// The months recorded before it.
    pub records: Vec<MonthRecord>,
}

/// Runs `s` and returns one record per month.
pub fn run(s: &ValidScenario) -> Result<Vec<MonthRecord>, RunError> {
    run_observed(s, &mut Silent)
}

/// Runs `s`, telling `obs` what happens.
pub fn run_observed<O: Observer>(
    s: &ValidScenario,
    obs: &mut O,
) -> Result<Vec<MonthRecord>, RunError> {
    let mut state = State::new(s);
    let mut records = Vec::with_capacity(s.simulation.months as usize);
    for m in 1..=s.simulation.months {
        match state.step(m, obs) {
            Ok(record) => {
                obs.month_end(&state);
                records.push(record);
            }
            Err((quantity, detail)) => {
                return Err(RunError {
                    month: m,
                    quantity: quantity.to_string(),
                    detail,
                    records,
                });
            }
        }
    }
    Ok(records)
}

/// Whether any draw can change a number: otherwise drawing is skipped, which
/// cannot change any result.
fn uses_randomness(s: &Scenario) -> bool {
    (s.leaf_price.model == crate::scenario::PriceModel::Market && s.leaf_price.volatility > 0.0)
        || (s.market.enabled() && s.market.demand_noise_usd > 0.0)
        || (s.tvl.market.enabled && s.tvl.market.volatility > 0.0)
}

/// Per deal: where to find its parts.
#[derive(Clone, Debug)]
struct DealSpans {
    start: u32,
    tvl_end: u32,
    pair_end: u32,
    holder: Option<usize>,
}

/// The whole model between two months.
pub struct State<'s> {
    /// The scenario.
    pub scenario: &'s Scenario,
    /// TVL contributions.
    pub tvl: TvlBook,
    /// The pairs.
    pub pairs: LeafPairs,
    /// The treasury.
    pub aegis: Aegis,
    /// OAK.
    pub oak: Oak,
    /// Cumulative flows across the boundary.
    pub ledger: Ledger,
    price: Price,
    rates: RateAdjustments,
    shocks: ShockStream,
    deals: Vec<DealSpans>,
    /// OAK allocated to deals (fixed for the run).
    oak_allocated: f64,
    month: u32,
    revenue_cumulative: f64,
}

impl<'s> State<'s> {
    fn new(s: &'s ValidScenario) -> Self {
        let s = s.get();
        let oak = Oak::new(s);
        let oak_allocated = oak.holders().iter().map(|h| h.amount).sum();
        let deals = s
            .deals
            .iter()
            .enumerate()
            .map(|(i, d)| DealSpans {
                start: d.start_month,
                tvl_end: d
                    .tvl
                    .as_ref()
                    .map_or(0, |t| d.start_month + t.duration_months),
                pair_end: d
                    .leaf_pair
                    .as_ref()
                    .map_or(0, |p| d.start_month + p.duration_months),
                holder: oak.holders().iter().position(|h| h.deal == i),
            })
            .collect();
        State {
            scenario: s,
            tvl: TvlBook::new(s),
            pairs: LeafPairs::new(s),
            aegis: Aegis {
                leaf: s.aegis.initial_leaf,
                usdc: s.aegis.initial_usdc,
            },
            oak,
            ledger: Ledger::default(),
            price: Price::new(&s.leaf_price),
            rates: RateAdjustments::new(s),
            shocks: ShockStream::new(s.simulation.seed, uses_randomness(s)),
            deals,
            oak_allocated,
            month: 0,
            revenue_cumulative: 0.0,
        }
    }

    /// The last month simulated (0 before the first).
    pub fn current_month(&self) -> u32 {
        self.month
    }

    fn active_deals(&self, m: u32) -> u32 {
        let holders = self.oak.holders();
        self.deals
            .iter()
            .filter(|d| {
                d.start <= m
                    && (d.holder.is_some_and(|h| !holders[h].distributed)
                        || m < d.tvl_end
                        || m < d.pair_end)
            })
            .count() as u32
    }

    /// Simulates month `m`; an error names the quantity that failed.
    fn step<O: Observer>(
        &mut self,
        m: u32,
        obs: &mut O,
    ) -> Result<MonthRecord, (&'static str, String)> {
        let s = self.scenario;
        self.month = m;
        let z = self.shocks.next_month();

        // 1. The month's recurring contract; TVL by kind.
        if let Some(amount) = self.tvl.add_recurring(m) {
            obs.event(m, &Event::RecurringContract { amount });
        }
        let month_tvl = self.tvl.step(m);
        let mut tvl = month_tvl.tvl;
        let chain = self.tvl.chain_step(m, z.z3, tvl.iter().sum());
        if let Some(c) = &chain {
            tvl[TvlKind::Organic.index()] += c.organic;
        }

        // 2. The active deals.
        let active_deals = self.active_deals(m);
        for d in s.deals.iter().filter(|d| d.start_month == m) {
            obs.event(m, &Event::DealStarts { deal: d });
        }

        // 3. The pairs' liquidity, at last month's price.
        let liquidity = self.pairs.usd_liquidity(m, self.price_before());

        // 4. The month's LEAF price.
        let pm = self.price.step(z.z1);
        let p = pm.price;
        obs.event(
            m,
            &Event::Price {
                price: p,
                impact: pm.impact,
                liquidity,
            },
        );

        // Revenue is needed by step 6, so it is computed here.
        let mult = self.rates.multipliers(m, p);
        let mut rev = revenue::adjust(&month_tvl.base_revenue, &mult);
        if O::WANTS_CONTRIBUTIONS {
            for c in self.tvl.contributions().iter().filter(|c| c.active(m)) {
                obs.contribution(m, c, c.current, c.base_revenue * mult[c.kind.index()]);
            }
        }
        if let Some(c) = &chain {
            rev[TvlKind::Organic.index()] += revenue::chain_organic(c.organic, s, &mult);
        }
        let revenue_total: f64 = rev.iter().sum();

        // 5. Rebalance the pairs against AEGIS.
        let rb = self.pairs.rebalance(m, p, &mut self.aegis);
        if rb.needed > 0.0 {
            obs.event(
                m,
                &Event::LeafSold {
                    leaf: rb.sold,
                    needed: rb.needed,
                    price: p,
                },
            );
        }
        if rb.offered > 0.0 {
            obs.event(
                m,
                &Event::LeafBought {
                    leaf: rb.bought,
                    offered: rb.offered,
                    price: p,
                },
            );
        }

        // 6. AEGIS takes its share of revenue; expired pairs leave.
        let revenue_in = s.aegis.revenue_share * revenue_total;
        self.aegis.receive(revenue_in);
        self.ledger.revenue_in += revenue_in;
        if revenue_in > 0.0 {
            obs.event(m, &Event::RevenueIn { usdc: revenue_in });
        }
        let (withdrawn_leaf, withdrawn_usdc) = self.pairs.expire(m, |x| {
            obs.event(
                m,
                &Event::PairWithdrawn {
                    deal: &s.deals[x.deal],
                    leaf: x.leaf,
                    usdc: x.usdc,
                },
            )
        });
        self.ledger.withdrawn_leaf += withdrawn_leaf;
        self.ledger.withdrawn_usdc += withdrawn_usdc;

        // 7. OAK: distributions, then IRR and redemptions; then the market.
        self.oak.distribute(m, |h| {
            obs.event(
                m,
                &Event::OakDistributed {
                    deal: &s.deals[h.deal],
                    amount: h.amount,
                },
            )
        });
        let irr = self.oak.irr(m, self.aegis.value(p), revenue_in);
        let (mut redeemed, mut usdc_out, mut leaf_out) = (0.0, 0.0, 0.0);
        self.oak.redeem(irr, &mut self.aegis, |r| {
            redeemed += r.amount;
            usdc_out += r.usdc;
            leaf_out += r.leaf;
            obs.event(
                m,
                &Event::Redemption {
                    deal: &s.deals[r.deal],
                    amount: r.amount,
                    irr,
                    threshold: r.threshold,
                    usdc: r.usdc,
                    leaf: r.leaf,
                },
            )
        });
        self.ledger.paid_usdc += usdc_out;
        self.ledger.paid_leaf += leaf_out;
        let market_flow = s.market.enabled().then(|| {
            let wanted = market::flow(&s.market, m, z.z2, leaf_out, p);
            let fill = self.pairs.trade(m, p, wanted);
            self.price.record_flow(fill.executed, fill.depth);
            self.ledger.market_leaf_in += fill.leaf_in;
            self.ledger.market_usdc_in += fill.usdc_in;
            obs.event(
                m,
                &Event::MarketFlow {
                    wanted,
                    executed: fill.executed,
                    depth: fill.depth,
                },
            );
            fill.executed
        });

        // 8. The month's record.
        self.revenue_cumulative += revenue_total;
        let pairs = self.pairs.totals(m);
        let aegis_value = self.aegis.value(p);
        let record = MonthRecord {
            month: m,
            leaf_price: p,
            tvl,
            revenue: rev,
            revenue_cumulative: self.revenue_cumulative,
            aegis_leaf: self.aegis.leaf,
            aegis_usdc: self.aegis.usdc,
            pairs_active: pairs.count,
            pairs_leaf: pairs.leaf,
            pairs_usdc: pairs.usdc,
            oak_distributed: self.oak.distributed,
            oak_redeemed: self.oak.redeemed,
            oak_unredeemed: self.oak.unredeemed(),
            value_per_oak: self.oak.value_per_oak(aegis_value),
            irr: irr.recorded(),
            aegis_value,
            pairs_value: pairs.leaf * p + pairs.usdc,
            aegis_leaf_sold: rb.sold - rb.bought,
            aegis_revenue_in: revenue_in,
            oak_redeemed_month: redeemed,
            redemption_usdc_out: usdc_out,
            redemption_leaf_out: leaf_out,
            pairs_withdrawn_leaf: withdrawn_leaf,
            pairs_withdrawn_usdc: withdrawn_usdc,
            irr_threshold_weighted: self.oak.threshold_weighted(),
            active_deals,
            market_flow_usd: market_flow,
            price_impact: self.price.is_market().then_some(pm.impact),
            chain_tvl: chain.map(|c| c.chain_tvl),
            market_share: chain.map(|c| c.market_share),
        };
        self.check(m, &record)?;
        Ok(record)
    }

    /// The price of the month before (the initial price before month 1).
    fn price_before(&self) -> f64 {
        self.price.current()
    }

    fn check(&self, m: u32, record: &MonthRecord) -> Result<(), (&'static str, String)> {
        if let Some(name) = record.first_non_finite() {
            return Err((name, "is not a finite number".to_string()));
        }
        let s = self.scenario;
        let held = self.pairs.held(m);
        let balances = Balances {
            aegis_leaf: self.aegis.leaf,
            aegis_usdc: self.aegis.usdc,
            pairs_leaf: held.leaf,
            pairs_usdc: held.usdc,
            pairs_min: held.min,
            initial_aegis_leaf: s.aegis.initial_leaf,
            initial_aegis_usdc: s.aegis.initial_usdc,
            initial_pairs_leaf: held.initial_leaf,
            initial_pairs_usdc: held.initial_usdc,
            oak_distributed: self.oak.distributed,
            oak_allocated: self.oak_allocated,
            oak_supply: s.oak.total_supply,
            oak_redeemed: self.oak.redeemed,
        };
        match invariants::check(&balances, &self.ledger, !s.compat.pair_purchase_mints_usdc) {
            Some((what, detail)) => Err((what, detail)),
            None => Ok(()),
        }
    }
}
