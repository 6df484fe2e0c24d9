//! TVL contributions: deals, organic twins, recurring contracts, decay, and
//! the chain-driven organic TVL of the `tvl.market` model.

use crate::revenue;
use crate::scenario::{ChainTvl, Scenario, TvlKind};

/// Where a contribution came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The `tvl` part of the deal at this index.
    Deal(usize),
    /// The recurring contract added in this month.
    Recurring(u32),
}

/// One block of TVL earning revenue over a span of months.
#[derive(Clone, Debug, PartialEq)]
pub struct Contribution {
    /// Its kind.
    pub kind: TvlKind,
    /// USD at its start.
    pub amount: f64,
    /// Annual revenue rate.
    pub rate: f64,
    /// First month.
    pub start: u32,
    /// First month after its end (exclusive).
    pub end: u32,
    /// Monthly decay of the amount.
    pub decay: f64,
    /// What it came from.
    pub source: Source,
    /// True for the organic twin of a contracted contribution.
    pub twin: bool,
    /// Its amount in the month last stepped (0 when not active then).
    pub current: f64,
    /// Its revenue in that month before rate adjustments: amount x rate / 12
    /// (on the undecayed amount under the `revenue_ignores_decay` quirk).
    pub base_revenue: f64,
}

impl Contribution {
    /// Whether it counts in month `m`.
    pub fn active(&self, m: u32) -> bool {
        self.start <= m && m < self.end
    }

    /// Its amount in month `m`, after decay.
    pub fn amount_in(&self, m: u32) -> f64 {
        if self.decay == 0.0 {
            self.amount
        } else {
            // `powf`, like the original's `**`: `powi` differs in the last bit.
            self.amount * (1.0 - self.decay).powf(f64::from(m - self.start))
        }
    }
}

/// TVL and revenue before rate adjustments, by kind, in one month.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TvlMonth {
    /// TVL by kind.
    pub tvl: [f64; 4],
    /// Revenue by kind before rate adjustments.
    pub base_revenue: [f64; 4],
}

/// The chain's TVL and Canopy's share of it in one month.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChainMonth {
    /// Chain TVL, USD.
    pub chain_tvl: f64,
    /// Canopy's share of it.
    pub market_share: f64,
    /// Organic TVL the chain adds on top of the deals' TVL.
    pub organic: f64,
}

/// Chain TVL path: compounding yearly growth with optional volatility.
#[derive(Clone, Debug)]
struct Chain {
    params: ChainTvl,
    tvl: f64,
}

impl Chain {
    fn step(&mut self, m: u32, z3: f64) -> (f64, f64) {
        let p = &self.params;
        let year = m.div_ceil(12) as usize;
        let g = p.growth_rates[(year.max(1) - 1).min(p.growth_rates.len() - 1)];
        let vol = p.volatility;
        self.tvl *= (1.0 + g).powf(1.0 / 12.0) * (vol * z3 - vol * vol / 2.0).exp();
        let share = p.min_share
            + (p.initial_share - p.min_share) * (-p.share_decay * f64::from(m) / 12.0).exp();
        (self.tvl, share)
    }
}

/// All TVL contributions of a run.
#[derive(Clone, Debug)]
pub struct TvlBook {
    contributions: Vec<Contribution>,
    twin_ratio: f64,
    twin_rate: f64,
    twin_decay: f64,
    twin_duration: u32,
    spawn_twins: bool,
    recurring_after: u32,
    recurring_amount: f64,
    recurring_rate: f64,
    recurring_duration: u32,
    chain: Option<Chain>,
    /// Revenue on undecayed amounts (the original model's quirk).
    ignore_decay: bool,
    /// (1 - decay)^k for the twins' ages k, computed once rather than per
    /// contribution and month (the same numbers `amount_in` uses).
    decay_powers: Vec<f64>,
}

impl TvlBook {
    /// The deals' contributions (and their twins) of `s`.
    pub fn new(s: &Scenario) -> Self {
        let chain = s.tvl.market.enabled.then(|| Chain {
            params: s.tvl.market.clone(),
            tvl: s.tvl.market.chain_initial,
        });
        let mut book = TvlBook {
            contributions: Vec::with_capacity(s.deals.len() * 2 + 2 * s.simulation.months as usize),
            twin_ratio: s.tvl.organic.conversion_ratio,
            twin_rate: s.tvl.revenue_rates.organic,
            twin_decay: s.tvl.organic.decay_rate,
            twin_duration: s.tvl.organic.duration_months,
            spawn_twins: chain.is_none(),
            ignore_decay: s.compat.revenue_ignores_decay,
            // A twin is at most `months - 1` months old within the run.
            decay_powers: (0..s.tvl.organic.duration_months.min(s.simulation.months))
                .map(|k| (1.0 - s.tvl.organic.decay_rate).powf(f64::from(k)))
                .collect(),
            recurring_after: s.tvl.recurring_contracts.after_month,
            recurring_amount: s.tvl.recurring_contracts.amount,
            recurring_rate: s.tvl.recurring_contracts.revenue_rate,
            recurring_duration: s.tvl.recurring_contracts.duration_months,
            chain,
        };
        for (i, d) in s.deals.iter().enumerate() {
            if let Some(t) = &d.tvl {
                book.add(Contribution {
                    kind: t.kind,
                    amount: t.amount,
                    rate: t.revenue_rate,
                    start: d.start_month,
                    end: d.start_month + t.duration_months,
                    decay: 0.0,
                    source: Source::Deal(i),
                    twin: false,
                    current: 0.0,
                    base_revenue: 0.0,
                });
            }
        }
        book
    }

    /// Adds a contribution, and its organic twin if it is contracted.
    fn add(&mut self, c: Contribution) {
        let twin = (self.spawn_twins && c.kind == TvlKind::Contracted).then(|| Contribution {
            kind: TvlKind::Organic,
            amount: c.amount * self.twin_ratio,
            rate: self.twin_rate,
            start: c.start,
            end: c.start + self.twin_duration,
            decay: self.twin_decay,
            source: c.source,
            twin: true,
            current: 0.0,
            base_revenue: 0.0,
        });
        self.contributions.push(c);
        self.contributions.extend(twin);
    }

    /// Adds month `m`'s recurring contract, if one is due; returns its amount.
    pub fn add_recurring(&mut self, m: u32) -> Option<f64> {
        if m <= self.recurring_after || self.recurring_amount == 0.0 {
            return None;
        }
        self.add(Contribution {
            kind: TvlKind::Contracted,
            amount: self.recurring_amount,
            rate: self.recurring_rate,
            start: m,
            end: m + self.recurring_duration,
            decay: 0.0,
            source: Source::Recurring(m),
            twin: false,
            current: 0.0,
            base_revenue: 0.0,
        });
        Some(self.recurring_amount)
    }

    /// Moves to month `m`: sets each contribution's `current` amount and
    /// `base_revenue` (0 when not active), and returns TVL and base revenue by
    /// kind. One pass does both, since this loop is most of a run's time.
    /// Ended contributions never return and are dropped.
    pub fn step(&mut self, m: u32) -> TvlMonth {
        let mut out = TvlMonth::default();
        let mut ended = 0;
        for c in &mut self.contributions {
            if c.end <= m || c.start > m {
                ended += usize::from(c.end <= m);
                c.current = 0.0;
                c.base_revenue = 0.0;
                continue;
            }
            // Only twins decay, all at the organic rate: a table lookup.
            c.current = if c.twin {
                c.amount * self.decay_powers[(m - c.start) as usize]
            } else {
                c.amount
            };
            let earning = if self.ignore_decay {
                c.amount
            } else {
                c.current
            };
            c.base_revenue = revenue::monthly(earning, c.rate);
            let k = c.kind.index();
            out.tvl[k] += c.current;
            out.base_revenue[k] += c.base_revenue;
        }
        // Removing one ended contribution shifts all after it, so they are
        // dropped in batches, once they are half of the list.
        if ended * 2 > self.contributions.len() {
            self.contributions.retain(|c| c.end > m);
        }
        out
    }

    /// The contributions still held.
    pub fn contributions(&self) -> &[Contribution] {
        &self.contributions
    }

    /// Steps the chain model (if on) to month `m`, given the deals' TVL.
    pub fn chain_step(&mut self, m: u32, z3: f64, deals_tvl: f64) -> Option<ChainMonth> {
        let chain = self.chain.as_mut()?;
        let (chain_tvl, market_share) = chain.step(m, z3);
        Some(ChainMonth {
            chain_tvl,
            market_share,
            organic: (chain_tvl * market_share - deals_tvl).max(0.0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;

    fn book(text: &str) -> TvlBook {
        TvlBook::new(&load("t", text, &[]).unwrap())
    }

    const DEAL: &str = "[tvl.recurring_contracts]\namount = 0\n[[deal]]\ncounterparty = \"A\"\nstart_month = 2\n\
                        tvl = { kind = \"contracted\", amount = 100, revenue_rate = 0.12, duration_months = 3 }\n";

    #[test]
    fn a_contracted_deal_spawns_a_decaying_organic_twin() {
        let mut b = book(DEAL);
        assert_eq!(b.contributions().len(), 2);
        let twin = &b.contributions()[1];
        assert!(twin.twin && twin.source == Source::Deal(0) && twin.rate == 0.02);
        assert_eq!(b.step(1).tvl, [0.0; 4]);
        assert_eq!(b.step(2).tvl, [0.0, 100.0, 20.0, 0.0]);
        // Twin: 20 x 0.95^2 two months later; the contract ends after month 4.
        let m4 = b.step(4).tvl;
        assert_eq!(m4[1], 100.0);
        assert!((m4[2] - 20.0 * 0.95 * 0.95).abs() < 1e-12);
        assert_eq!(b.step(5).tvl[1], 0.0);
        // The twin lives 36 months from its start: months 2..=37.
        assert!(b.step(37).tvl[2] > 0.0);
        assert_eq!(b.step(38).tvl[2], 0.0);
        assert!(
            b.contributions().is_empty(),
            "both have ended and are dropped"
        );
    }

    #[test]
    fn revenue_before_adjustments_is_amount_times_rate_over_twelve() {
        let mut b = book(DEAL);
        // 100 at 12 % a year, and the twin's 20 at the organic 2 %.
        let m2 = b.step(2).base_revenue;
        assert_eq!(m2, [0.0, 1.0, 20.0 * 0.02 / 12.0, 0.0]);
        // Two months later the twin has decayed to 20 x 0.95^2, and earns on that...
        let m4 = b.step(4).base_revenue;
        assert_eq!(m4[2], 20.0 * 0.95f64.powi(2) * 0.02 / 12.0);
        // ...unless the original model's quirk has it earn on its undecayed amount.
        let mut quirk = book(&format!("[compat]\nrevenue_ignores_decay = true\n{DEAL}"));
        assert_eq!(quirk.step(4).base_revenue[2], 20.0 * 0.02 / 12.0);
        assert_eq!(
            quirk.step(4).tvl[2],
            20.0 * 0.95f64.powi(2),
            "TVL still decays"
        );
    }

    #[test]
    fn stepped_amounts_are_the_decay_formula() {
        let s = load("d", crate::builtin::text("default").unwrap(), &[]).unwrap();
        let mut b = TvlBook::new(&s);
        for m in 1..=60 {
            b.add_recurring(m);
            b.step(m);
            for c in b.contributions() {
                let want = if c.active(m) { c.amount_in(m) } else { 0.0 };
                assert_eq!(c.current, want, "month {m}: {c:?}");
            }
        }
    }

    #[test]
    fn only_contracted_tvl_has_a_twin() {
        let mut b = book(&DEAL.replace("contracted", "boosted"));
        assert_eq!(b.contributions().len(), 1);
        assert_eq!(b.step(2).tvl, [0.0, 0.0, 0.0, 100.0]);
    }

    #[test]
    fn recurring_contracts_start_after_their_month() {
        let mut b =
            book("[tvl.recurring_contracts]\nafter_month = 3\namount = 10\nduration_months = 2\n");
        assert_eq!(b.add_recurring(3), None);
        assert_eq!(b.add_recurring(4), Some(10.0));
        assert_eq!(b.step(4).tvl, [0.0, 10.0, 2.0, 0.0]);
        assert_eq!(b.add_recurring(5), Some(10.0));
        assert_eq!(b.step(5).tvl[1], 20.0);
        // The month-4 contract ends after month 5.
        assert_eq!(b.step(6).tvl[1], 10.0);
        let active = b.contributions().iter().filter(|c| c.active(6)).count();
        assert_eq!(
            active, 3,
            "the month-4 contract has ended, its twin runs on"
        );
    }

    #[test]
    fn chain_tvl_follows_its_formulas() {
        let text = "[tvl.market]\nenabled = true\nchain_initial = 1000\ngrowth_rates = [1.0, 0.5]\n\
                    initial_share = 0.5\nmin_share = 0.1\nshare_decay = 0.2\n";
        let mut b = book(&format!("{text}{DEAL}"));
        assert_eq!(
            b.contributions().len(),
            1,
            "no organic twins with the chain model"
        );
        let mut chain = 1000.0;
        for m in 1..=30u32 {
            let g: f64 = if m <= 12 { 1.0 } else { 0.5 };
            chain *= (1.0 + g).powf(1.0 / 12.0);
            let share = 0.1 + 0.4 * (-0.2 * f64::from(m) / 12.0).exp();
            let c = b.chain_step(m, 0.0, 100.0).unwrap();
            assert!((c.chain_tvl - chain).abs() < 1e-9 * chain, "month {m}");
            assert!((c.market_share - share).abs() < 1e-15, "month {m}");
            assert!((c.organic - (chain * share - 100.0).max(0.0)).abs() < 1e-9);
        }
        // After twelve months of 100 % growth the chain has doubled.
        let mut b = book(text);
        let c12 = (1..=12)
            .map(|m| b.chain_step(m, 0.0, 0.0).unwrap())
            .last()
            .unwrap();
        assert!((c12.chain_tvl - 2000.0).abs() < 1e-9);
    }
}
