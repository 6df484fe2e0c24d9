//! MODEL.md's rule for when a deal is *active*, in one place: the engine
//! counts `active_deals` with it and the report shows each deal's active
//! months with it.
//!
//! A deal is active in month m if it has started (start_month <= m) and its
//! OAK allocation is not yet distributed, or its `tvl` part or its
//! `leaf_pair` part is running in m (start <= m < start + that part's
//! duration). The allocation counts as not yet distributed in the month it
//! is distributed: the engine notes the active deals before it distributes.

use crate::scenario::Deal;

/// The months of a deal that the rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DealSpan {
    /// First month.
    pub start: u32,
    /// First month after its `tvl` part (exclusive), if it has one.
    pub tvl_end: Option<u32>,
    /// First month after its `leaf_pair` part (exclusive), if it has one.
    pub pair_end: Option<u32>,
    /// Whether it has an OAK part.
    pub has_oak: bool,
}

impl DealSpan {
    /// The span of `d`.
    pub fn of(d: &Deal) -> Self {
        DealSpan {
            start: d.start_month,
            tvl_end: d
                .tvl
                .as_ref()
                .map(|t| d.start_month.saturating_add(t.duration_months)),
            pair_end: d
                .leaf_pair
                .as_ref()
                .map(|p| d.start_month.saturating_add(p.duration_months)),
            has_oak: d.oak.is_some(),
        }
    }

    /// Whether the deal is active in month `m`; `oak_pending` is whether
    /// its OAK allocation was still undistributed at the start of `m`
    /// (false without an OAK part).
    #[inline]
    pub fn active(&self, m: u32, oak_pending: bool) -> bool {
        self.start <= m
            && (oak_pending
                || self.tvl_end.is_some_and(|e| m < e)
                || self.pair_end.is_some_and(|e| m < e))
    }

    /// The first and last month of `1..=months` in which the deal is
    /// active, given the month its OAK was distributed (`None`: not within
    /// the run); `None` when it is active in none of them. The active
    /// months are contiguous: every condition of the rule holds from the
    /// start month until some month and never again.
    pub fn active_months(&self, distributed_in: Option<u32>, months: u32) -> Option<(u32, u32)> {
        if self.start > months {
            return None;
        }
        let oak_last = if self.has_oak {
            Some(distributed_in.unwrap_or(months))
        } else {
            None
        };
        let last = [
            oak_last,
            self.tvl_end.map(|e| e.saturating_sub(1)),
            self.pair_end.map(|e| e.saturating_sub(1)),
        ]
        .into_iter()
        .flatten()
        .max()?
        .min(months);
        (last >= self.start).then_some((self.start, last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The months the rule holds in, month by month.
    fn brute(s: &DealSpan, distributed_in: Option<u32>, months: u32) -> Option<(u32, u32)> {
        let on: Vec<u32> = (1..=months)
            .filter(|&m| s.active(m, s.has_oak && distributed_in.is_none_or(|d| m <= d)))
            .collect();
        Some((*on.first()?, *on.last()?))
    }

    #[test]
    fn active_months_are_the_months_the_rule_holds_in() {
        for start in 1..6 {
            for tvl in [None, Some(1), Some(3)] {
                for pair in [None, Some(1), Some(4)] {
                    for has_oak in [false, true] {
                        let s = DealSpan {
                            start,
                            tvl_end: tvl.map(|d| start + d),
                            pair_end: pair.map(|d| start + d),
                            has_oak,
                        };
                        for dist in [None, Some(start), Some(start + 2)] {
                            for months in 1..10 {
                                assert_eq!(
                                    s.active_months(dist, months),
                                    brute(&s, dist, months),
                                    "{s:?} {dist:?} {months}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_deal_is_active_while_a_part_runs() {
        // Starts in month 3; TVL for 2 months (3, 4); pair for 4 (3..=6).
        let s = DealSpan {
            start: 3,
            tvl_end: Some(5),
            pair_end: Some(7),
            has_oak: false,
        };
        let on: Vec<u32> = (1..10).filter(|&m| s.active(m, false)).collect();
        assert_eq!(on, [3, 4, 5, 6]);
        assert_eq!(s.active_months(None, 5), Some((3, 5)));
        assert_eq!(s.active_months(None, 2), None);
        // OAK distributed in month 8 keeps it active through month 8.
        let oak = DealSpan { has_oak: true, ..s };
        assert_eq!(oak.active_months(Some(8), 12), Some((3, 8)));
        assert!(oak.active(8, true) && !oak.active(9, false));
    }
}
