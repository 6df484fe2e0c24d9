//! Global sensitivity (DECIDE.md "Sensitivity"): the rows of a Sobol or
//! Morris sweep laid out as SALib lays them out ([`layout`], on the
//! unscrambled Sobol sequence of [`sobol_sequence`]), the estimators of
//! SALib's `analyze.sobol` ([`sobol`]) and `analyze.morris` ([`morris`])
//! with bootstrap intervals, and `sensitivity.csv` written from a finished
//! sweep's files ([`finish`]).

pub mod finish;
pub mod joe_kuo;
pub mod layout;
pub mod morris;
pub mod rows;
pub mod sobol;
pub mod sobol_sequence;
pub mod sum;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, Normal};

pub use finish::{IndexSeries, Ranking, SensitivityFindings, write};
pub use rows::plan_rows;

/// The most factors: the Sobol sequence needs two dimensions per factor.
pub const MAX_FACTORS: usize = sobol_sequence::MAX_DIMENSIONS / 2;

/// The stream of the sweep's seed that draws the bootstrap resamples.
pub const BOOTSTRAP_STREAM: u64 = 3;

/// `count` bootstrap resamples of `n` indices each (uniform in 0..n, with
/// replacement), from ChaCha8 seeded with `seed`, stream
/// [`BOOTSTRAP_STREAM`]: resample by resample, index by index.
pub fn resamples(n: usize, count: usize, seed: u64) -> Vec<Vec<u32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(BOOTSTRAP_STREAM);
    (0..count)
        .map(|_| (0..n).map(|_| rng.random_range(0..n as u32)).collect())
        .collect()
}

/// The normal quantile of a two-sided interval at `confidence`:
/// Φ⁻¹(0.5 + confidence / 2), as SALib's `norm.ppf`.
pub fn z(confidence: f64) -> f64 {
    Normal::standard().inverse_cdf(0.5 + confidence / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_is_the_normal_quantile() {
        assert!((z(0.95) - 1.959_963_984_540_054).abs() < 1e-9);
        assert!((z(0.9) - 1.644_853_626_951_472_2).abs() < 1e-9);
    }

    #[test]
    fn resamples_are_reproducible_and_in_range() {
        let r = resamples(10, 5, 3);
        assert_eq!(r, resamples(10, 5, 3));
        assert_ne!(r, resamples(10, 5, 4));
        assert!(r.iter().all(|d| d.len() == 10 && d.iter().all(|&i| i < 10)));
    }
}
