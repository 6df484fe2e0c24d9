//! The statistics decisions are judged by: exact binomial intervals
//! (Clopper-Pearson), the expected shortfall of a tail, Student's t
//! interval of a mean and McNemar's exact test of paired outcomes.
//!
//! The special functions come from statrs (the inverse regularised
//! incomplete beta function and the t and binomial distributions); the
//! Python tests check every figure against scipy.

use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, StudentsT};
use statrs::function::beta::inv_beta_reg;

/// The two-sided Clopper-Pearson interval of a probability from `k`
/// successes in `n` trials at `confidence` (0.95: each tail 2.5 %);
/// `lo = 0` when `k = 0` and `hi = 1` when `k = n`. `None` when `n = 0`.
pub fn clopper_pearson(k: u64, n: u64, confidence: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let alpha = 1.0 - confidence;
    let lo = if k == 0 {
        0.0
    } else {
        inv_beta_reg(k as f64, (n - k + 1) as f64, alpha / 2.0)
    };
    let hi = if k >= n {
        1.0
    } else {
        inv_beta_reg((k + 1) as f64, (n - k) as f64, 1.0 - alpha / 2.0)
    };
    Some((lo, hi))
}

/// The one-sided Clopper-Pearson upper bound at `confidence`: the
/// probability that `k` or fewer of `n` would be met with chance
/// 1 - `confidence`; 1 when `k = n` or `n = 0`.
pub fn upper_bound(k: u64, n: u64, confidence: f64) -> f64 {
    if k >= n {
        return 1.0;
    }
    inv_beta_reg((k + 1) as f64, (n - k) as f64, confidence)
}

/// The expected shortfall of `sorted` (ascending) at tail `t`: the mean of
/// its ceil(t x n) lowest values; `None` when there are none.
pub fn expected_shortfall(sorted: &[f64], t: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    // A product just above a whole number by rounding (0.05 x 100) is that
    // whole number, as the spec's arithmetic means it.
    let exact = t * n as f64;
    let rounded = exact.round();
    let count = if (exact - rounded).abs() <= 1e-9 * exact.max(1.0) {
        rounded
    } else {
        exact.ceil()
    };
    let count = (count as usize).clamp(1, n);
    Some(sorted[..count].iter().sum::<f64>() / count as f64)
}

/// The mean of `xs` and Student's t interval of it at `confidence`;
/// `None` for the interval with fewer than 2 values, and for everything
/// with none.
pub fn mean_interval(xs: &[f64], confidence: f64) -> Option<(f64, Option<(f64, f64)>)> {
    let n = xs.len();
    if n == 0 {
        return None;
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Some((mean, None));
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    let se = (var / n as f64).sqrt();
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .map(|d| d.inverse_cdf(0.5 + confidence / 2.0))
        .unwrap_or(f64::NAN);
    Some((mean, Some((mean - t * se, mean + t * se))))
}

/// McNemar's exact test: the two-sided binomial test (p = 1/2) on the
/// discordant pairs, `only_a` against `only_b`; 1 when there are none.
pub fn mcnemar(only_a: u64, only_b: u64) -> f64 {
    let n = only_a + only_b;
    if n == 0 {
        return 1.0;
    }
    let small = only_a.min(only_b);
    let tail = Binomial::new(0.5, n).map_or(1.0, |b| b.cdf(small));
    (2.0 * tail).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) {
        assert!((a - b).abs() <= rel * b.abs().max(1e-300), "{a} vs {b}");
    }

    #[test]
    fn clopper_pearson_matches_known_values() {
        // scipy.stats.binomtest(3, 20).proportion_ci(0.95, "exact")
        let (lo, hi) = clopper_pearson(3, 20, 0.95).unwrap();
        close(lo, 0.032_070_937_185_544_77, 1e-8);
        close(hi, 0.378_926_826_545_295_64, 1e-8);
        assert_eq!(clopper_pearson(0, 10, 0.95).unwrap().0, 0.0);
        assert_eq!(clopper_pearson(10, 10, 0.95).unwrap().1, 1.0);
        assert_eq!(clopper_pearson(0, 0, 0.95), None);
        // With none met, the two-sided upper bound is 1 - (alpha/2)^(1/n).
        close(
            clopper_pearson(0, 10, 0.95).unwrap().1,
            1.0 - 0.025f64.powf(0.1),
            1e-10,
        );
    }

    #[test]
    fn the_upper_bound_with_none_met_is_the_rule_of_three_exactly() {
        // P(0 of n) = (1 - p)^n = 1 - confidence.
        close(upper_bound(0, 100, 0.95), 1.0 - 0.05f64.powf(0.01), 1e-10);
        assert_eq!(upper_bound(5, 5, 0.95), 1.0);
    }

    #[test]
    fn expected_shortfall_takes_the_lowest_ceil_t_n() {
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(expected_shortfall(&xs, 0.05), Some(3.0));
        assert_eq!(expected_shortfall(&xs, 0.025), Some(2.0));
        assert_eq!(expected_shortfall(&xs[..10], 0.05), Some(1.0));
        assert_eq!(expected_shortfall(&[], 0.05), None);
    }

    #[test]
    fn mean_interval_uses_student_t() {
        let (m, ci) = mean_interval(&[1.0, 2.0, 3.0, 4.0], 0.95).unwrap();
        assert_eq!(m, 2.5);
        // t(0.975, 3) = 3.182446305284263; sd = 1.2909944487358056
        let half = 3.182_446_305_283_707_8 * 1.290_994_448_735_805_6 / 2.0;
        let (lo, hi) = ci.unwrap();
        close(lo, 2.5 - half, 1e-9);
        close(hi, 2.5 + half, 1e-9);
        assert_eq!(mean_interval(&[7.0], 0.95), Some((7.0, None)));
    }

    #[test]
    fn mcnemar_is_the_exact_binomial_test() {
        assert_eq!(mcnemar(0, 0), 1.0);
        // scipy.stats.binomtest(1, 10).pvalue = 0.021484375
        close(mcnemar(1, 9), 0.021_484_375, 1e-10);
        close(mcnemar(9, 1), 0.021_484_375, 1e-10);
        assert_eq!(mcnemar(5, 5), 1.0);
    }
}
