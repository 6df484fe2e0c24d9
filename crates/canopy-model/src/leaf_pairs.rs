//! LEAF pairs: counterparties' liquidity that must hold a target share of
//! LEAF, rebalanced against AEGIS, withdrawn when the deal ends, and traded
//! against by the market.

use std::sync::Arc;

use crate::aegis::Aegis;
use crate::order::{by_start, share};
use crate::scenario::{Rebalance, Scenario};

/// One pair's balances and terms.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    /// Index of its deal.
    pub deal: usize,
    /// LEAF held.
    pub leaf: f64,
    /// USDC held.
    pub usdc: f64,
    /// Target share of value in LEAF.
    pub target_ratio: f64,
    /// Liquidity concentration, for market depth.
    pub base_concentration: f64,
    /// First month.
    pub start: u32,
    /// First month after its last (exclusive).
    pub end: u32,
    /// LEAF it started with.
    pub initial_leaf: f64,
    /// USDC it started with.
    pub initial_usdc: f64,
    /// Whether its balances have left with the counterparty.
    pub withdrawn: bool,
    /// LEAF above (+) or below (-) target when this month's rebalancing began.
    excess_now: f64,
}

impl Pair {
    /// Whether it runs in month `m`.
    pub fn active(&self, m: u32) -> bool {
        self.start <= m && m < self.end
    }

    /// Value in USD at price `p`.
    pub fn value(&self, p: f64) -> f64 {
        self.leaf * p + self.usdc
    }

    /// LEAF above (positive) or below (negative) its target at price `p`.
    fn excess(&self, p: f64) -> f64 {
        (self.leaf * p - self.value(p) * self.target_ratio) / p
    }
}

/// What one rebalancing did.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rebalanced {
    /// LEAF AEGIS sold to pairs below target.
    pub sold: f64,
    /// LEAF the pairs needed.
    pub needed: f64,
    /// LEAF AEGIS bought from pairs above target.
    pub bought: f64,
    /// LEAF the pairs above target offered.
    pub offered: f64,
}

/// What a market flow did to the pairs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FlowFill {
    /// USD executed (buys positive).
    pub executed: f64,
    /// Depth of the pairs it traded against (sum of value x 10 x concentration).
    pub depth: f64,
    /// LEAF the flow put into the pairs (negative when it took LEAF out).
    pub leaf_in: f64,
    /// USDC the flow put into the pairs (negative when it took USDC out).
    pub usdc_in: f64,
}

/// Sums of the active pairs' balances.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PairTotals {
    /// Number of active pairs.
    pub count: u32,
    /// Their LEAF.
    pub leaf: f64,
    /// Their USDC.
    pub usdc: f64,
}

/// What the pairs hold, for the conservation checks.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Held {
    /// LEAF in pairs that have started and not been withdrawn.
    pub leaf: f64,
    /// USDC in those pairs.
    pub usdc: f64,
    /// The smallest balance, LEAF or USDC, of any of them (0 if none is below 0).
    pub min: f64,
    /// Initial LEAF of every pair that has started.
    pub initial_leaf: f64,
    /// Initial USDC of every pair that has started.
    pub initial_usdc: f64,
}

/// Adds pair `x` to month `m`'s totals `t` (if active) and to what the
/// pairs hold, `h` (if started and not withdrawn).
#[inline]
fn tally_one(x: &Pair, m: u32, t: &mut PairTotals, h: &mut Held) {
    if x.active(m) {
        t.count += 1;
        t.leaf += x.leaf;
        t.usdc += x.usdc;
    }
    if x.start <= m && !x.withdrawn {
        h.leaf += x.leaf;
        h.usdc += x.usdc;
        h.min = h.min.min(x.leaf).min(x.usdc);
    }
}

/// All pairs of a run.
///
/// Each month's passes visit only the pairs that have started and are not
/// withdrawn (`live`, in deal order, the order of every sum), so a month
/// costs what runs in it, not what the whole run holds.
#[derive(Clone, Debug)]
pub struct LeafPairs {
    pairs: Vec<Pair>,
    /// Indices of the pairs in order of their first month (then index):
    /// the order they join `live`.
    by_start: Arc<[usize]>,
    /// How many of `by_start` have joined `live`.
    joined: usize,
    /// The first month of the next pair to join (`u32::MAX`: none left).
    next_start: u32,
    /// The first month in which a live pair may be withdrawn (no live
    /// pair ends before it).
    next_end: u32,
    /// The pairs that have started by `month` and are not withdrawn, in
    /// index order.
    live: Vec<usize>,
    /// The month `live` is for (0: before the first).
    month: u32,
    /// Initial LEAF and USDC of every pair that has started by `month`.
    started_initial: (f64, f64),
    rebalance: Rebalance,
    purchase_mints_usdc: bool,
    lag_one_month: bool,
}

impl LeafPairs {
    /// Makes these pairs `start` again, in the memory they have (see
    /// [`crate::tvl::TvlBook::restart_from`]).
    pub(crate) fn restart_from(&mut self, start: &LeafPairs) {
        let LeafPairs {
            pairs,
            by_start,
            joined,
            next_start,
            next_end,
            live,
            month,
            started_initial,
            rebalance,
            purchase_mints_usdc,
            lag_one_month,
        } = start;
        self.pairs.clone_from(pairs);
        share(&mut self.by_start, by_start);
        self.joined = *joined;
        self.next_start = *next_start;
        self.next_end = *next_end;
        self.live.clone_from(live);
        self.month = *month;
        self.started_initial = *started_initial;
        self.rebalance = *rebalance;
        self.purchase_mints_usdc = *purchase_mints_usdc;
        self.lag_one_month = *lag_one_month;
    }

    /// The pairs of `s`'s deals, at their initial balances.
    pub fn new(s: &Scenario) -> Self {
        // Sized for every deal: one allocation, not a few growing ones.
        let mut pairs = Vec::with_capacity(s.deals.len());
        pairs.extend(s.deals.iter().enumerate().filter_map(|(i, d)| {
            let lp = d.leaf_pair.as_ref().filter(|_| d.enabled)?;
            let usdc = lp.amount - lp.leaf_tokens * s.leaf_price.initial;
            Some(Pair {
                deal: i,
                leaf: lp.leaf_tokens,
                usdc,
                target_ratio: lp.target_ratio,
                base_concentration: lp.base_concentration,
                start: d.start_month,
                end: d.start_month + lp.duration_months,
                initial_leaf: lp.leaf_tokens,
                initial_usdc: usdc,
                withdrawn: false,
                excess_now: 0.0,
            })
        }));
        LeafPairs {
            by_start: by_start(&pairs, |x| x.start),
            live: Vec::with_capacity(pairs.len()),
            pairs,
            joined: 0,
            next_start: 0,
            next_end: 0,
            month: 0,
            started_initial: (0.0, 0.0),
            rebalance: s.leaf_pairs.rebalance,
            purchase_mints_usdc: s.compat.pair_purchase_mints_usdc,
            lag_one_month: s.compat.pairs_lag_one_month,
        }
    }

    /// Moves `live` to month `m`: the pairs starting by then join it (a
    /// month before the current one is worked out again from scratch).
    #[inline]
    pub(crate) fn open(&mut self, m: u32) {
        // Most months no pair joins: that test is inline.
        if m < self.month || m >= self.next_start {
            self.open_month(m);
        }
        self.month = m;
    }

    fn open_month(&mut self, m: u32) {
        if m < self.month {
            self.month = 0;
            self.joined = 0;
            self.live.clear();
            self.started_initial = (0.0, 0.0);
            self.next_end = u32::MAX;
        }
        if self.live.capacity() == 0 {
            // One allocation (copied pairs start with none).
            self.live.reserve(self.pairs.len());
        }
        let first_new = self.live.len();
        while let Some(&i) = self.by_start.get(self.joined) {
            let x = &self.pairs[i];
            if x.start > m {
                break;
            }
            self.joined += 1;
            self.started_initial.0 += x.initial_leaf;
            self.started_initial.1 += x.initial_usdc;
            if !x.withdrawn {
                self.live.push(i);
            }
        }
        if self.live.len() > first_new {
            let ends = self.live[first_new..].iter().map(|&i| self.pairs[i].end);
            self.next_end = self.next_end.min(ends.min().unwrap_or(u32::MAX));
            crate::order::sort_appended(&mut self.live, first_new);
        }
        self.next_start =
            (self.by_start.get(self.joined)).map_or(u32::MAX, |&i| self.pairs[i].start);
        self.month = m;
    }

    /// Calls `f` with every pair that may pass a filter of month `m` that
    /// requires a started pair not withdrawn, in index order: the live
    /// pairs when they are `m`'s, else every pair.
    fn each_live(&self, m: u32, mut f: impl FnMut(&Pair)) {
        if m == self.month {
            self.live.iter().for_each(|&i| f(&self.pairs[i]));
        } else {
            self.pairs.iter().for_each(f);
        }
    }

    /// Every pair, active or not.
    pub fn pairs(&self) -> &[Pair] {
        &self.pairs
    }

    /// The pairs without deal `deal`'s (which must not have started: a
    /// pair before its start is only ever skipped, or adds nothing).
    pub(crate) fn without_deal(&self, deal: usize) -> LeafPairs {
        let pairs: Vec<Pair> = (self.pairs.iter())
            .filter(|x| x.deal != deal)
            .cloned()
            .collect();
        let mut without = LeafPairs {
            by_start: by_start(&pairs, |x| x.start),
            pairs,
            joined: 0,
            live: Vec::new(),
            next_start: 0,
            next_end: 0,
            month: 0,
            started_initial: (0.0, 0.0),
            ..*self
        };
        without.open(self.month);
        without
    }

    /// Total USD liquidity of the pairs active in month `m` at price `p`.
    pub fn usd_liquidity(&self, m: u32, p: f64) -> f64 {
        let mut total = 0.0;
        self.each_live(m, |x| {
            if x.active(m) {
                total += x.value(p);
            }
        });
        total
    }

    /// Balances of the pairs active in month `m`.
    pub fn totals(&self, m: u32) -> PairTotals {
        self.tally(m).0
    }

    /// Balances of the pairs that have started and not been withdrawn, and
    /// the initial balances of every pair that has started, for the checks.
    pub fn held(&self, m: u32) -> Held {
        self.tally(m).1
    }

    /// [`LeafPairs::totals`] and [`LeafPairs::held`] of month `m`, in one
    /// pass over the pairs.
    #[inline]
    pub fn tally(&self, m: u32) -> (PairTotals, Held) {
        if m != self.month {
            return self.tally_any(m);
        }
        let mut t = PairTotals::default();
        let mut h = Held::default();
        for &i in &self.live {
            tally_one(&self.pairs[i], m, &mut t, &mut h);
        }
        (h.initial_leaf, h.initial_usdc) = self.started_initial;
        (t, h)
    }

    /// [`LeafPairs::tally`] of a month other than the last one opened.
    #[cold]
    #[inline(never)]
    fn tally_any(&self, m: u32) -> (PairTotals, Held) {
        let mut t = PairTotals::default();
        let mut h = Held::default();
        for x in &self.pairs {
            tally_one(x, m, &mut t, &mut h);
            if x.start <= m {
                h.initial_leaf += x.initial_leaf;
                h.initial_usdc += x.initial_usdc;
            }
        }
        (t, h)
    }

    /// Brings the pairs toward their targets at price `p` in month `m`:
    /// AEGIS sells to those below target, then (with `rebalance = "both"`)
    /// buys from those above.
    // Inline in the month's step, where its call and saved registers were
    // about 20 instructions a month of a pass of a few dozen.
    #[inline(always)]
    pub fn rebalance(&mut self, m: u32, p: f64, aegis: &mut Aegis) -> Rebalanced {
        let set_month = if self.lag_one_month {
            m.wrapping_sub(1)
        } else {
            m
        };
        self.open(m);
        let mut out = Rebalanced::default();
        // Each pair's excess is taken once, before any trade: a pair topped
        // up to its target must not then sell back a rounding error. Only
        // live pairs can be active and not withdrawn.
        for &i in &self.live {
            let x = &mut self.pairs[i];
            x.excess_now = if m >= 1 && x.active(set_month) && !x.withdrawn {
                x.excess(p)
            } else {
                0.0
            };
            if x.excess_now < 0.0 {
                out.needed -= x.excess_now;
            } else {
                out.offered += x.excess_now;
            }
        }
        if out.needed > 0.0 {
            out.sold = aegis.sell_leaf(out.needed, p);
            for &i in &self.live {
                let x = &mut self.pairs[i];
                if x.excess_now < 0.0 {
                    let got = out.sold * (-x.excess_now / out.needed);
                    x.leaf += got;
                    if !self.purchase_mints_usdc {
                        x.usdc -= got * p;
                    }
                }
            }
        }
        if self.rebalance == Rebalance::BuyOnly {
            out.offered = 0.0;
        } else if out.offered > 0.0 {
            out.bought = aegis.buy_leaf(out.offered, p);
            for &i in &self.live {
                let x = &mut self.pairs[i];
                if x.excess_now > 0.0 {
                    let gave = out.bought * (x.excess_now / out.offered);
                    x.leaf -= gave;
                    x.usdc += gave * p;
                }
            }
        }
        out
    }

    /// Withdraws the pairs whose last month was before `m`; calls `each`
    /// with every pair withdrawn and returns the (LEAF, USDC) that left.
    pub fn expire(&mut self, m: u32, mut each: impl FnMut(&Pair)) -> (f64, f64) {
        self.open(m);
        let mut out = (0.0, 0.0);
        if m < self.next_end {
            return out;
        }
        let pairs = &mut self.pairs;
        let mut next_end = u32::MAX;
        self.live.retain(|&i| {
            let x = &mut pairs[i];
            if x.withdrawn || x.end > m {
                next_end = next_end.min(x.end);
                return true;
            }
            x.withdrawn = true;
            out.0 += x.leaf;
            out.1 += x.usdc;
            each(x);
            false
        });
        self.next_end = next_end;
        out
    }

    /// Trades a market flow of `flow` USD (buys positive) at price `p`
    /// against the pairs active in month `m`, spread by value. A pair fills
    /// what its balances allow; the rest is dropped.
    pub fn trade(&mut self, m: u32, p: f64, flow: f64) -> FlowFill {
        self.open(m);
        let mut fill = FlowFill::default();
        let total: f64 = self.usd_liquidity(m, p);
        if total <= 0.0 || flow == 0.0 {
            return fill;
        }
        for &i in &self.live {
            let x = &mut self.pairs[i];
            if !x.active(m) {
                continue;
            }
            let value = x.value(p);
            fill.depth += value * 10.0 * x.base_concentration;
            let want = flow * (value / total);
            if want < 0.0 {
                // A sale: LEAF in, USDC out.
                let usd = (-want).min(x.usdc.max(0.0));
                x.usdc -= usd;
                x.leaf += usd / p;
                fill.executed -= usd;
                fill.usdc_in -= usd;
                fill.leaf_in += usd / p;
            } else {
                // A buy: USDC in, LEAF out.
                let usd = want.min(x.leaf.max(0.0) * p);
                x.usdc += usd;
                x.leaf -= usd / p;
                fill.executed += usd;
                fill.usdc_in += usd;
                fill.leaf_in -= usd / p;
            }
        }
        fill
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load;

    /// Pair A: 1000 USDC, no LEAF, target 30 %. Pair B: 800 LEAF and 200
    /// USDC, target 50 %. At a price of 1, A needs 300 LEAF and B has 300 too many.
    fn two_pairs(extra: &str) -> LeafPairs {
        let text = format!(
            "{extra}\n[[deal]]\ncounterparty = \"A\"\nstart_month = 1\n\
             leaf_pair = {{ amount = 1000, leaf_tokens = 0, target_ratio = 0.3, duration_months = 2 }}\n\
             [[deal]]\ncounterparty = \"B\"\nstart_month = 1\n\
             leaf_pair = {{ amount = 1000, leaf_tokens = 800, target_ratio = 0.5, duration_months = 5 }}\n"
        );
        LeafPairs::new(&load("t", &text, &[]).unwrap())
    }

    fn balances(p: &LeafPairs) -> Vec<(f64, f64)> {
        p.pairs().iter().map(|x| (x.leaf, x.usdc)).collect()
    }

    #[test]
    fn pairs_buy_below_target_and_sell_above_it() {
        let mut pairs = two_pairs("");
        let mut aegis = Aegis {
            leaf: 1000.0,
            usdc: 1000.0,
        };
        let r = pairs.rebalance(1, 1.0, &mut aegis);
        assert_eq!(
            (r.needed, r.sold, r.offered, r.bought),
            (300.0, 300.0, 300.0, 300.0)
        );
        assert_eq!(balances(&pairs), vec![(300.0, 700.0), (500.0, 500.0)]);
        assert_eq!(
            aegis,
            Aegis {
                leaf: 1000.0,
                usdc: 1000.0
            }
        );
        // At target now: nothing more happens.
        let r = pairs.rebalance(2, 1.0, &mut aegis);
        assert_eq!((r.sold, r.bought), (0.0, 0.0));
    }

    #[test]
    fn buy_only_pairs_never_sell() {
        let mut pairs = two_pairs("[leaf_pairs]\nrebalance = \"buy-only\"");
        let mut aegis = Aegis {
            leaf: 1000.0,
            usdc: 1000.0,
        };
        let r = pairs.rebalance(1, 1.0, &mut aegis);
        assert_eq!((r.sold, r.bought, r.offered), (300.0, 0.0, 0.0));
        assert_eq!(balances(&pairs), vec![(300.0, 700.0), (800.0, 200.0)]);
        assert_eq!(
            aegis,
            Aegis {
                leaf: 700.0,
                usdc: 1300.0
            }
        );
    }

    #[test]
    fn at_another_price_deficits_are_counted_in_leaf() {
        let mut pairs = two_pairs("[leaf_pairs]\nrebalance = \"buy-only\"");
        let mut aegis = Aegis {
            leaf: 1000.0,
            usdc: 0.0,
        };
        // At 2 USD, A (1000 USD) wants 300 USD of LEAF: 150 LEAF.
        let r = pairs.rebalance(1, 2.0, &mut aegis);
        assert_eq!(r.sold, 150.0);
        assert_eq!(balances(&pairs)[0], (150.0, 700.0));
        assert_eq!(
            aegis,
            Aegis {
                leaf: 850.0,
                usdc: 300.0
            }
        );
    }

    #[test]
    fn a_short_aegis_shares_what_it_has_by_deficit() {
        let text = "[[deal]]\ncounterparty = \"A\"\nstart_month = 1\n\
                    leaf_pair = { amount = 1000, target_ratio = 0.3, duration_months = 2 }\n\
                    [[deal]]\ncounterparty = \"B\"\nstart_month = 1\n\
                    leaf_pair = { amount = 1000, target_ratio = 0.1, duration_months = 2 }\n";
        let mut pairs = LeafPairs::new(&load("t", text, &[]).unwrap());
        let mut aegis = Aegis {
            leaf: 200.0,
            usdc: 0.0,
        };
        let r = pairs.rebalance(1, 1.0, &mut aegis);
        assert_eq!((r.needed, r.sold), (400.0, 200.0));
        assert_eq!(balances(&pairs), vec![(150.0, 850.0), (50.0, 950.0)]);
        assert_eq!(aegis.leaf, 0.0);
    }

    #[test]
    fn the_original_model_mints_usdc_and_lags_a_month() {
        let mut pairs = two_pairs(
            "[leaf_pairs]\nrebalance = \"buy-only\"\n[compat]\npair_purchase_mints_usdc = true\npairs_lag_one_month = true",
        );
        let mut aegis = Aegis {
            leaf: 1000.0,
            usdc: 0.0,
        };
        assert_eq!(
            pairs.rebalance(1, 1.0, &mut aegis).sold,
            0.0,
            "month 1 uses month 0's (empty) set"
        );
        let r = pairs.rebalance(2, 1.0, &mut aegis);
        assert_eq!(r.sold, 300.0);
        assert_eq!(
            balances(&pairs)[0],
            (300.0, 1000.0),
            "the pair kept its USDC"
        );
        assert_eq!(
            aegis,
            Aegis {
                leaf: 700.0,
                usdc: 300.0
            }
        );
        // A ran months 1-2; with the lag it is still rebalanced in month 3.
        let r = pairs.rebalance(3, 1.0, &mut aegis);
        assert!(r.sold > 0.0);
    }

    #[test]
    fn expired_pairs_leave_with_their_balances() {
        let mut pairs = two_pairs("");
        let mut seen = Vec::new();
        assert_eq!(pairs.expire(2, |x| seen.push(x.deal)), (0.0, 0.0));
        assert_eq!(pairs.expire(3, |x| seen.push(x.deal)), (0.0, 1000.0));
        assert_eq!(seen, vec![0]);
        assert_eq!(pairs.expire(4, |_| {}), (0.0, 0.0), "withdrawn once");
        assert_eq!(
            pairs.totals(3),
            PairTotals {
                count: 1,
                leaf: 800.0,
                usdc: 200.0
            }
        );
        // What the pairs hold: B alone (A is withdrawn), from the live pairs
        // in the last month opened (4) and from every pair in another; the
        // initial balances are those of every pair that has started.
        let only_b = Held {
            leaf: 800.0,
            usdc: 200.0,
            min: 0.0,
            initial_leaf: 800.0,
            initial_usdc: 1200.0,
        };
        assert_eq!(pairs.held(4), only_b);
        assert_eq!(pairs.held(2), only_b);
        assert_eq!(pairs.held(0), Held::default(), "none started");
        // A month's totals count the pairs active in it, as they are now.
        assert_eq!(
            pairs.totals(2),
            PairTotals {
                count: 2,
                leaf: 800.0,
                usdc: 1200.0
            }
        );
        assert_eq!(
            pairs.totals(4),
            PairTotals {
                count: 1,
                leaf: 800.0,
                usdc: 200.0
            }
        );
        let mut aegis = Aegis {
            leaf: 1000.0,
            usdc: 1000.0,
        };
        pairs.rebalance(3, 1.0, &mut aegis);
        assert_eq!(
            balances(&pairs)[0],
            (0.0, 1000.0),
            "a withdrawn pair no longer trades"
        );
    }

    #[test]
    fn market_flows_spread_by_value_and_drop_what_a_pair_cannot_fill() {
        let mut pairs = two_pairs("");
        // Values 1000 and 1000 at a price of 1: a 400 USD sale splits 200/200,
        // and A's 1000 USDC and B's 200 USDC both fill it.
        let f = pairs.trade(1, 1.0, -400.0);
        assert_eq!(f.executed, -400.0);
        assert_eq!(f.depth, 2.0 * 1000.0 * 10.0 * 0.5);
        assert_eq!((f.leaf_in, f.usdc_in), (400.0, -400.0));
        assert_eq!(balances(&pairs), vec![(200.0, 800.0), (1000.0, 0.0)]);
        // A second sale: B has no USDC left, so its half is dropped.
        let f = pairs.trade(1, 1.0, -400.0);
        assert_eq!(f.executed, -200.0);
        assert_eq!(balances(&pairs), vec![(400.0, 600.0), (1000.0, 0.0)]);
        // A buy takes LEAF out, limited by the LEAF a pair holds.
        let f = pairs.trade(1, 1.0, 3000.0);
        assert_eq!(f.executed, 1400.0);
        assert_eq!(balances(&pairs), vec![(0.0, 1000.0), (0.0, 1000.0)]);
        assert_eq!(
            pairs.trade(9, 1.0, 100.0),
            FlowFill::default(),
            "no active pair, nothing traded"
        );
    }
}
