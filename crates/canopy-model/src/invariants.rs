//! Conservation checks run at the end of every month.

use crate::failure::Failure;
use crate::record::ValueParts;

/// Cumulative flows across the system boundary, for the conservation sums.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ledger {
    /// LEAF taken out by expired pairs.
    pub withdrawn_leaf: f64,
    /// USDC taken out by expired pairs.
    pub withdrawn_usdc: f64,
    /// LEAF paid to redeemers.
    pub paid_leaf: f64,
    /// USDC paid to redeemers.
    pub paid_usdc: f64,
    /// Revenue paid into AEGIS.
    pub revenue_in: f64,
    /// LEAF the market put into the pairs (net).
    pub market_leaf_in: f64,
    /// USDC the market put into the pairs (net).
    pub market_usdc_in: f64,
}

/// The balances to check, at the end of a month.
#[derive(Clone, Debug, PartialEq)]
pub struct Balances {
    /// AEGIS LEAF.
    pub aegis_leaf: f64,
    /// AEGIS USDC.
    pub aegis_usdc: f64,
    /// LEAF in pairs that have started and not been withdrawn.
    pub pairs_leaf: f64,
    /// USDC in those pairs.
    pub pairs_usdc: f64,
    /// The smallest balance, LEAF or USDC, of any of those pairs (0 if none).
    pub pairs_min: f64,
    /// Initial AEGIS LEAF.
    pub initial_aegis_leaf: f64,
    /// Initial AEGIS USDC.
    pub initial_aegis_usdc: f64,
    /// Initial LEAF of the pairs that have started.
    pub initial_pairs_leaf: f64,
    /// Initial USDC of the pairs that have started.
    pub initial_pairs_usdc: f64,
    /// OAK distributed.
    pub oak_distributed: f64,
    /// OAK allocated to deals.
    pub oak_allocated: f64,
    /// OAK supply.
    pub oak_supply: f64,
    /// OAK redeemed.
    pub oak_redeemed: f64,
    /// OAK redeemed this month.
    pub oak_redeemed_month: f64,
    /// The most OAK that may be redeemed in a month.
    pub oak_month_limit: f64,
    /// OAK waiting in the redemption queue.
    pub oak_queued: f64,
    /// Value per OAK just before and just after the month's redemption
    /// payouts, where something was paid and some OAK is left to value.
    pub redemption_value_per_oak: Option<(f64, f64)>,
}

/// Relative tolerance of the checks.
pub const TOLERANCE: f64 = 1e-6;

#[inline]
fn close(a: f64, b: f64) -> bool {
    let d = (a - b).abs();
    // |a| is no larger than the scale: within the tolerance of it is within
    // the tolerance of the scale, and the full rule is needed only where
    // that says no.
    d <= TOLERANCE * a.abs() || d <= TOLERANCE * a.abs().max(b.abs()).max(1.0)
}

fn at_most(a: f64, b: f64) -> bool {
    a <= b + TOLERANCE * a.abs().max(b.abs()).max(1.0)
}

/// Whether every invariant plainly holds: each sum within the tolerance of
/// its own size and every bound exact, which is what almost every month
/// gives. `true` means [`check`] finds nothing; `false` means only that
/// [`check`] must look.
#[inline]
pub fn hold_plainly(b: &Balances, l: &Ledger, check_usdc: bool) -> bool {
    let leaf_have = b.aegis_leaf + b.pairs_leaf + l.withdrawn_leaf + l.paid_leaf;
    let leaf_want = b.initial_aegis_leaf + b.initial_pairs_leaf + l.market_leaf_in;
    let usdc_have = b.aegis_usdc + b.pairs_usdc + l.withdrawn_usdc + l.paid_usdc;
    let usdc_want = b.initial_aegis_usdc + b.initial_pairs_usdc + l.revenue_in + l.market_usdc_in;
    // The first half of `close`, which implies it.
    let near = |a: f64, b: f64| (a - b).abs() <= TOLERANCE * a.abs();
    near(leaf_have, leaf_want)
        & (!check_usdc | near(usdc_have, usdc_want))
        & (b.aegis_leaf >= 0.0)
        & (b.aegis_usdc >= 0.0)
        & (b.pairs_min >= 0.0)
        & (b.oak_distributed <= b.oak_allocated)
        & (b.oak_allocated <= b.oak_supply)
        & (b.oak_redeemed <= b.oak_distributed)
        & (b.oak_redeemed_month <= b.oak_month_limit)
        & (b.oak_queued <= b.oak_distributed - b.oak_redeemed)
        & b.redemption_value_per_oak
            .is_none_or(|(before, after)| near(before, after))
}

/// The first invariant broken, with the numbers it compared; `check_usdc`
/// is false where a quirk creates USDC.
pub fn check(b: &Balances, l: &Ledger, check_usdc: bool) -> Option<Failure> {
    let leaf_have = b.aegis_leaf + b.pairs_leaf + l.withdrawn_leaf + l.paid_leaf;
    let leaf_want = b.initial_aegis_leaf + b.initial_pairs_leaf + l.market_leaf_in;
    if !close(leaf_have, leaf_want) {
        return Some(Failure::LeafConservation {
            have: leaf_have,
            want: leaf_want,
        });
    }
    let usdc_have = b.aegis_usdc + b.pairs_usdc + l.withdrawn_usdc + l.paid_usdc;
    let usdc_want = b.initial_aegis_usdc + b.initial_pairs_usdc + l.revenue_in + l.market_usdc_in;
    if check_usdc && !close(usdc_have, usdc_want) {
        return Some(Failure::UsdcConservation {
            have: usdc_have,
            want: usdc_want,
        });
    }
    // The bounds below hold exactly in almost every month, and exactly is
    // within the tolerance: one test of them all first. (Exactly holds
    // even where the tolerance's sum cannot, at infinities: then too the
    // bounds hold, whether or not a redemption was paid.)
    let exact = (b.aegis_leaf >= 0.0)
        & (b.aegis_usdc >= 0.0)
        & (b.pairs_min >= 0.0)
        & (b.oak_distributed <= b.oak_allocated)
        & (b.oak_allocated <= b.oak_supply)
        & (b.oak_redeemed <= b.oak_distributed)
        & (b.oak_redeemed_month <= b.oak_month_limit)
        & (b.oak_queued <= b.oak_distributed - b.oak_redeemed);
    if !exact {
        if !at_most(0.0, b.aegis_leaf) {
            return Some(Failure::NegativeAegisLeaf { leaf: b.aegis_leaf });
        }
        if !at_most(0.0, b.aegis_usdc) {
            return Some(Failure::NegativeAegisUsdc { usdc: b.aegis_usdc });
        }
        if !at_most(0.0, b.pairs_min) {
            return Some(Failure::NegativePairBalance {
                balance: b.pairs_min,
            });
        }
        if !at_most(b.oak_distributed, b.oak_allocated) || !at_most(b.oak_allocated, b.oak_supply) {
            return Some(Failure::OakSupply {
                distributed: b.oak_distributed,
                allocated: b.oak_allocated,
                supply: b.oak_supply,
            });
        }
        if !at_most(b.oak_redeemed, b.oak_distributed) {
            return Some(Failure::OakRedeemed {
                redeemed: b.oak_redeemed,
                distributed: b.oak_distributed,
            });
        }
        if !at_most(b.oak_redeemed_month, b.oak_month_limit) {
            return Some(Failure::OakMonthLimit {
                redeemed: b.oak_redeemed_month,
                limit: b.oak_month_limit,
            });
        }
        let held = b.oak_distributed - b.oak_redeemed;
        if !at_most(b.oak_queued, held) {
            return Some(Failure::OakQueued {
                queued: b.oak_queued,
                held,
            });
        }
    }
    if let Some((before, after)) = b.redemption_value_per_oak
        && !close(before, after)
    {
        return Some(Failure::ValuePerOakMoved { before, after });
    }
    None
}

/// Relative tolerance of the check that the parts of AEGIS's value change
/// add up (they are exact but for rounding).
pub const PARTS_TOLERANCE: f64 = 1e-9;

/// Whether the parts of AEGIS's value change plainly add up: within the
/// tolerance of the value alone, which is no larger than the scale
/// [`check_value_parts`] uses. `true` means it finds nothing.
#[inline]
pub fn value_parts_add_up_plainly(value: f64, change: f64, parts: &ValueParts) -> bool {
    (parts.sum() - change).abs() <= PARTS_TOLERANCE * value.abs()
}

/// Whether the parts of what moved AEGIS's value add up to its change, to
/// rounding: 1e-9 relative to the largest of the value, the change and
/// the parts (a part can be larger than both where two cancel, and its
/// rounding is then the larger).
pub fn check_value_parts(value: f64, change: f64, parts: &ValueParts) -> Option<Failure> {
    let sum = parts.sum();
    let d = (sum - change).abs();
    let scale = parts
        .all()
        .iter()
        .fold(value.abs().max(change.abs()), |m, x| m.max(x.abs()));
    if d <= PARTS_TOLERANCE * scale {
        None
    } else {
        Some(Failure::AegisValueParts { change, parts: sum })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// Books that balance, every number different from the others (each
    /// sum has several terms, each bound some room).
    fn full_books() -> (Balances, Ledger) {
        let b = Balances {
            aegis_leaf: 60.0,
            aegis_usdc: 40.0,
            pairs_leaf: 30.0,
            pairs_usdc: 20.0,
            pairs_min: 10.0,
            initial_aegis_leaf: 65.0,
            initial_aegis_usdc: 30.0,
            initial_pairs_leaf: 33.0,
            initial_pairs_usdc: 18.0,
            ..balanced()
        };
        let l = Ledger {
            withdrawn_leaf: 6.0,
            withdrawn_usdc: 5.0,
            paid_leaf: 4.0,
            paid_usdc: 5.0,
            revenue_in: 20.0,
            market_leaf_in: 2.0,
            market_usdc_in: 2.0,
        };
        (b, l)
    }

    #[test]
    fn what_plainly_holds_passes_every_check() {
        // Every number of balanced books nudged by a few times the
        // tolerance, or now and then made zero, negative, huge, infinite
        // or NaN: wherever the quick tests say yes, the full checks find
        // nothing. Both answers come up often, so the test is not empty.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
        // Cases the quick tests said no and yes to.
        let (mut books, mut sums) = ([0; 2], [0; 2]);
        for case in 0..200_000 {
            let (mut b, mut l) = full_books();
            let (mut before, mut after) = (1.5, 1.5);
            let fields = [
                &mut b.aegis_leaf,
                &mut b.aegis_usdc,
                &mut b.pairs_leaf,
                &mut b.pairs_usdc,
                &mut b.pairs_min,
                &mut b.initial_aegis_leaf,
                &mut b.initial_aegis_usdc,
                &mut b.initial_pairs_leaf,
                &mut b.initial_pairs_usdc,
                &mut b.oak_distributed,
                &mut b.oak_allocated,
                &mut b.oak_supply,
                &mut b.oak_redeemed,
                &mut b.oak_redeemed_month,
                &mut b.oak_month_limit,
                &mut b.oak_queued,
                &mut before,
                &mut after,
                &mut l.withdrawn_leaf,
                &mut l.withdrawn_usdc,
                &mut l.paid_leaf,
                &mut l.paid_usdc,
                &mut l.revenue_in,
                &mut l.market_leaf_in,
                &mut l.market_usdc_in,
            ];
            // A few numbers a case, so that a case breaks one or two
            // things at a time.
            for x in fields {
                if rng.random_bool(0.1) {
                    *x = match rng.random_range(0..40) {
                        0 => 0.0,
                        1 => -1e-9,
                        2 => 1e300,
                        3 => f64::INFINITY,
                        4 => f64::NEG_INFINITY,
                        5 => f64::NAN,
                        _ => *x * (1.0 + rng.random_range(-3.0..3.0) * TOLERANCE),
                    };
                }
            }
            b.redemption_value_per_oak = (case % 2 == 0).then_some((before, after));
            for check_usdc in [true, false] {
                let plain = hold_plainly(&b, &l, check_usdc);
                if plain {
                    assert_eq!(check(&b, &l, check_usdc), None, "{b:?} {l:?}");
                }
                books[usize::from(plain)] += 1;
            }
            // Parts that add up to 23 but for up to 6e-8, against values
            // of 40 (the value is the scale), 0.5 (the change is) and NaN.
            let parts = ValueParts {
                revenue: 20.0,
                pairs: 4.0 - 6.0,
                oak: -5.0,
                price: 10.0,
                other: rng.random_range(-6e-8..6e-8),
            };
            let value = [40.0, 0.5, b.aegis_usdc][case % 3];
            let plain = value_parts_add_up_plainly(value, 23.0, &parts);
            if plain {
                assert_eq!(check_value_parts(value, 23.0, &parts), None);
            }
            sums[usize::from(plain)] += 1;
        }
        assert!(books.iter().all(|&n| n > 50_000), "books: {books:?}");
        assert!(sums.iter().all(|&n| n > 30_000), "parts: {sums:?}");
    }

    #[test]
    fn the_quick_tests_say_yes_to_a_plain_month_and_no_to_a_broken_one() {
        // The property above holds trivially if the quick tests never say
        // yes: they do for balanced books, and not for broken ones.
        let l = Ledger::default();
        assert!(hold_plainly(&balanced(), &l, true));
        let b = Balances {
            aegis_leaf: 90.0,
            ..balanced()
        };
        assert!(!hold_plainly(&b, &l, true));
        let b = Balances {
            oak_queued: 6.0,
            ..balanced()
        };
        assert!(!hold_plainly(&b, &l, true));
        let b = Balances {
            redemption_value_per_oak: Some((1.5, 1.6)),
            ..balanced()
        };
        assert!(!hold_plainly(&b, &l, true));
        let parts = ValueParts {
            revenue: 1000.0,
            pairs: 0.0,
            oak: -200.0,
            price: 100.0,
            other: 0.0,
        };
        assert!(value_parts_add_up_plainly(1e6, 900.0, &parts));
        assert!(!value_parts_add_up_plainly(1e6, 901.0, &parts));
    }

    /// Balances that pass every check: 100 LEAF and 50 USDC, all in AEGIS.
    fn balanced() -> Balances {
        Balances {
            aegis_leaf: 100.0,
            aegis_usdc: 50.0,
            pairs_leaf: 0.0,
            pairs_usdc: 0.0,
            pairs_min: 0.0,
            initial_aegis_leaf: 100.0,
            initial_aegis_usdc: 50.0,
            initial_pairs_leaf: 0.0,
            initial_pairs_usdc: 0.0,
            oak_distributed: 10.0,
            oak_allocated: 20.0,
            oak_supply: 30.0,
            oak_redeemed: 5.0,
            oak_redeemed_month: 2.0,
            oak_month_limit: 3.0,
            oak_queued: 4.0,
            redemption_value_per_oak: Some((1.5, 1.5)),
        }
    }

    #[test]
    fn the_parts_of_the_value_change_must_add_up() {
        // 1000 USDC of revenue, 200 paid out, 50 LEAF revalued by +2: +900.
        let parts = ValueParts {
            revenue: 1000.0,
            pairs: 0.0,
            oak: -200.0,
            price: 100.0,
            other: 0.0,
        };
        assert_eq!(check_value_parts(1e6, 900.0, &parts), None);
        // A flow none of the parts counts: 1 USD is 1e-6 of the value.
        let f = check_value_parts(1e6, 901.0, &parts).unwrap();
        assert_eq!(
            f,
            Failure::AegisValueParts {
                change: 901.0,
                parts: 900.0
            }
        );
        assert_eq!(f.quantity(), "AEGIS value change");
        assert_eq!(
            f.to_string(),
            "AEGIS value change: 901 this month, but its parts add up to 900"
        );
        // Rounding (1e-12 of the value) is not a failure.
        assert_eq!(check_value_parts(1e6, 900.0 + 1e-6, &parts), None);
    }

    #[test]
    fn each_broken_invariant_is_its_own_variant_with_its_numbers() {
        let l = Ledger::default();
        assert_eq!(check(&balanced(), &l, true), None);

        let b = Balances {
            aegis_leaf: 90.0,
            ..balanced()
        };
        assert_eq!(
            check(&b, &l, true),
            Some(Failure::LeafConservation {
                have: 90.0,
                want: 100.0
            })
        );

        // 10 USDC paid out that AEGIS still holds: 60 held or paid, 50 came in.
        let paid = Ledger {
            paid_usdc: 10.0,
            ..Ledger::default()
        };
        let f = check(&balanced(), &paid, true).unwrap();
        assert_eq!(
            f,
            Failure::UsdcConservation {
                have: 60.0,
                want: 50.0
            }
        );
        assert_eq!(
            f.to_string(),
            "USDC conservation: AEGIS + pairs + withdrawn + paid out = 60, but initial + revenue + market = 50"
        );
        assert_eq!(check(&balanced(), &paid, false), None, "USDC not checked");

        // AEGIS sold 150 LEAF of its 100 into the pairs: conserved, negative.
        let b = Balances {
            aegis_leaf: -50.0,
            pairs_leaf: 150.0,
            ..balanced()
        };
        assert_eq!(
            check(&b, &l, true),
            Some(Failure::NegativeAegisLeaf { leaf: -50.0 })
        );
        let b = Balances {
            aegis_usdc: -1.0,
            pairs_usdc: 51.0,
            ..balanced()
        };
        assert_eq!(
            check(&b, &l, true),
            Some(Failure::NegativeAegisUsdc { usdc: -1.0 })
        );
        let b = Balances {
            pairs_min: -2.0,
            ..balanced()
        };
        let f = check(&b, &l, true).unwrap();
        assert_eq!(f, Failure::NegativePairBalance { balance: -2.0 });
        assert_eq!(f.to_string(), "a pair's balance: -2 is negative");

        let b = Balances {
            oak_allocated: 40.0,
            ..balanced()
        };
        let f = check(&b, &l, true).unwrap();
        assert_eq!(
            f,
            Failure::OakSupply {
                distributed: 10.0,
                allocated: 40.0,
                supply: 30.0
            }
        );
        assert_eq!(
            f.to_string(),
            "OAK supply: distributed 10 <= allocated 40 <= supply 30 does not hold"
        );
        assert_eq!(
            f.detail(),
            "distributed 10 <= allocated 40 <= supply 30 does not hold"
        );

        let b = Balances {
            oak_redeemed: 11.0,
            ..balanced()
        };
        assert_eq!(
            check(&b, &l, true),
            Some(Failure::OakRedeemed {
                redeemed: 11.0,
                distributed: 10.0
            })
        );
        let b = Balances {
            oak_redeemed_month: 3.5,
            ..balanced()
        };
        assert_eq!(
            check(&b, &l, true),
            Some(Failure::OakMonthLimit {
                redeemed: 3.5,
                limit: 3.0
            })
        );
        // 10 distributed, 5 redeemed: at most 5 can wait in the queue.
        let b = Balances {
            oak_queued: 6.0,
            ..balanced()
        };
        assert_eq!(
            check(&b, &l, true),
            Some(Failure::OakQueued {
                queued: 6.0,
                held: 5.0
            })
        );
        let b = Balances {
            redemption_value_per_oak: Some((1.5, 1.4)),
            ..balanced()
        };
        let f = check(&b, &l, true).unwrap();
        assert_eq!(
            f,
            Failure::ValuePerOakMoved {
                before: 1.5,
                after: 1.4
            }
        );
        assert_eq!(f.quantity(), "value per OAK");
        // Within the tolerance (1e-6 relative) is not a failure.
        let b = Balances {
            aegis_leaf: 100.0 + 1e-5,
            ..balanced()
        };
        assert_eq!(check(&b, &l, true), None);
    }
}
