//! The month's IRR before its power is taken: `growth^power - 1`, with the
//! projected value per OAK over today's as the growth and twelve over the
//! months left as the power.
//!
//! The power (`powf`) was a fifth of a run's time, yet most months need
//! only to know whether the IRR is below a threshold, which cheap bounds on
//! the power settle, and a sweep reads few months' IRR. So the power is
//! taken where a reader asks for the number or the bounds do not settle a
//! decision, and every decision is the one the number itself gives.

use std::ops::RangeInclusive;

/// Growths whose bounds below are trusted: within them, with the powers of
/// [`MOST_POWER`], the rounding of the bounds' own arithmetic stays below
/// 1e-12 of a target in [`TARGETS`], far inside [`MARGIN`].
const GROWTHS: RangeInclusive<f64> = (1.0 / 256.0)..=256.0;
/// The largest power the bounds take: twelve over one month left.
const MOST_POWER: f64 = 12.0;
/// One plus the thresholds the bounds decide against (others take the power).
const TARGETS: RangeInclusive<f64> = 0.5..=1e6;
/// How far, relatively, a bound must clear the target to decide: a million
/// times the rounding of the bounds and of `powf` (under 1e-15).
const MARGIN: f64 = 1e-6;

/// `growth^power`, its power not yet taken.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    /// The value per OAK projected at the window's end over today's.
    pub growth: f64,
    /// Twelve over the months left: the growth as a yearly rate.
    pub power: f64,
}

impl Projection {
    /// The IRR: `growth^power - 1`, as `powf` gives it.
    #[inline]
    pub fn irr(self) -> f64 {
        self.growth.powf(self.power) - 1.0
    }

    /// Whether the IRR is below `threshold` (`threshold > irr`): what the
    /// number itself says, worked out only where bounds on the power do
    /// not settle it.
    #[inline(always)]
    pub fn below(self, threshold: f64) -> bool {
        match self.bounded_below(threshold) {
            Some(below) => below,
            None => self.below_exactly(threshold),
        }
    }

    /// [`Projection::below`] from the number itself, out of line: the
    /// bounds settle most months.
    #[cold]
    #[inline(never)]
    fn below_exactly(self, threshold: f64) -> bool {
        threshold > self.irr()
    }

    /// Whether bounds on `growth^power` settle that the IRR is below
    /// `threshold` (`Some(true)`) or not (`Some(false)`).
    ///
    /// With `g` the growth and `e` the power, `g^e = exp(e ln g)`, and
    /// `exp(y) >= 1 + y`, `ln g >= 1 - 1/g` give `g^e >= 1 + e (g - 1) / g`;
    /// for `e >= 1` Bernoulli's inequality gives the closer
    /// `g^e >= 1 + e (g - 1)`, and for `e <= 1` the same bound from above.
    /// For `e > 1`, `g^-e >= 1 + e (1 - g)` (the first bound, of `1 / g`)
    /// gives `g^e <= 1 / (1 - e (g - 1))` where that is positive. The IRR
    /// is below the threshold exactly when `g^e < 1 + threshold`, up to
    /// `powf`'s rounding (under 1e-15), so a bound that clears `1 +
    /// threshold` by [`MARGIN`] decides as the number would.
    #[inline(always)]
    fn bounded_below(self, threshold: f64) -> Option<bool> {
        let (g, e) = (self.growth, self.power);
        let target = 1.0 + threshold;
        // Written so that NaN anywhere falls through to the number itself.
        if !(GROWTHS.contains(&g) && e > 0.0 && e <= MOST_POWER && TARGETS.contains(&target)) {
            return None;
        }
        let rise = e * (g - 1.0);
        let lower = if e >= 1.0 { 1.0 + rise } else { 1.0 + rise / g };
        if lower >= target * (1.0 + MARGIN) {
            return Some(false);
        }
        let upper = if e <= 1.0 {
            1.0 + rise
        } else if rise < 0.999 {
            1.0 / (1.0 - rise)
        } else {
            return None;
        };
        (upper <= target * (1.0 - MARGIN)).then_some(true)
    }

    /// Whether the power is surely finite, without taking it: a growth in
    /// [`GROWTHS`] to a power in `(0, MOST_POWER]` is between 2^-96 and
    /// 2^96.
    #[inline]
    pub fn surely_finite(self) -> bool {
        GROWTHS.contains(&self.growth) && self.power > 0.0 && self.power <= MOST_POWER
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bounds_hold_the_power_between_them() {
        // Each bound on its side of the power, over the whole domain.
        let growths = [
            1.0 / 256.0,
            0.01,
            0.3,
            0.9,
            0.999,
            1.0,
            1.001,
            1.1,
            2.0,
            17.0,
            256.0,
        ];
        let powers = [1e-6, 0.05, 0.25, 0.5, 1.0, 1.5, 2.0, 6.0, 12.0];
        for &g in &growths {
            for &e in &powers {
                let p = Projection {
                    growth: g,
                    power: e,
                };
                let exact = g.powf(e);
                for t in [-0.5, -0.2, 0.0, 0.05, 0.1, 0.3, 1.0, 10.0, 1e5] {
                    assert_eq!(p.below(t), t > p.irr(), "g {g} e {e} t {t}");
                }
                // At the number itself and either side of it.
                for t in [
                    exact - 1.0,
                    (exact - 1.0) * (1.0 + 1e-9),
                    (exact - 1.0) * (1.0 - 1e-9),
                ] {
                    assert_eq!(p.below(t), t > p.irr(), "g {g} e {e} t {t}");
                }
            }
        }
    }

    #[test]
    fn the_bounds_settle_most_decisions_away_from_the_threshold() {
        // An IRR of about 25 % a year two years out, against 10 % and 50 %.
        let p = Projection {
            growth: 1.25f64.powi(2),
            power: 0.5,
        };
        assert_eq!(p.bounded_below(0.10), Some(false));
        assert_eq!(p.bounded_below(0.50), Some(true));
        // Near the IRR itself only the number decides.
        assert_eq!(p.bounded_below(0.25), None);
        assert!(!p.below(0.2499) && p.below(0.2501));
    }

    #[test]
    fn outside_the_trusted_range_the_number_decides() {
        for p in [
            Projection {
                growth: 1e9,
                power: 0.5,
            },
            Projection {
                growth: 1e-9,
                power: 2.0,
            },
            Projection {
                growth: 1.1,
                power: 24.0,
            },
            Projection {
                growth: f64::NAN,
                power: 1.0,
            },
            Projection {
                growth: 1.1,
                power: f64::NAN,
            },
            Projection {
                growth: f64::INFINITY,
                power: 1.0,
            },
        ] {
            assert_eq!(p.bounded_below(0.1), None, "{p:?}");
            assert_eq!(p.below(0.1), 0.1 > p.irr(), "{p:?}");
        }
        let p = Projection {
            growth: 1.1,
            power: 1.0,
        };
        assert_eq!(p.bounded_below(-0.9), None, "a threshold below -50 %");
        assert_eq!(p.bounded_below(f64::NAN), None);
        assert!(!p.below(f64::NAN));
    }

    #[test]
    fn surely_finite_powers_are_finite() {
        for g in [1.0 / 256.0, 256.0] {
            for e in [1e-300, 12.0] {
                let p = Projection {
                    growth: g,
                    power: e,
                };
                assert!(p.surely_finite() && p.irr().is_finite());
            }
        }
        assert!(
            !Projection {
                growth: 1e200,
                power: 12.0
            }
            .surely_finite()
        );
        assert!(
            !Projection {
                growth: 1.0,
                power: 0.0
            }
            .surely_finite()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        /// Every decision is the number's, over the trusted range and past
        /// it, thresholds near the IRR included.
        #[test]
        fn below_is_the_numbers_own_decision(
            log_g in -6.0f64..6.0,
            left in 1u32..=120,
            t in -0.6f64..3.0,
            near in proptest::bool::ANY,
            nudge in -1e-6f64..1e-6,
        ) {
            let p = Projection { growth: log_g.exp(), power: 12.0 / f64::from(left) };
            let t = if near { p.irr() * (1.0 + nudge) } else { t };
            prop_assert_eq!(p.below(t), t > p.irr());
        }
    }
}
