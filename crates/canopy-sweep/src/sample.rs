//! The distributions of `[[sample]]` and one draw from each.

use rand::RngExt;
use rand_distr::{LogNormal, Normal, Triangular, Uniform};

/// A distribution a sampled key is drawn from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Distribution {
    /// Uniform on [low, high).
    Uniform {
        /// Lowest value.
        low: f64,
        /// Upper end (not drawn).
        high: f64,
    },
    /// Normal with this mean and standard deviation.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation, >= 0.
        sd: f64,
    },
    /// Log-normal: the logarithm is normal with mean `mu` and standard deviation `sigma`.
    LogNormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm, >= 0.
        sigma: f64,
    },
    /// Triangular from `low` to `high`, peaking at `mode`.
    Triangular {
        /// Lowest value.
        low: f64,
        /// Most likely value.
        mode: f64,
        /// Highest value.
        high: f64,
    },
}

impl Distribution {
    /// The names of the distributions, as sweep files write them.
    pub const NAMES: [&'static str; 4] = ["uniform", "normal", "lognormal", "triangular"];

    /// The parameters of the distribution `name`, in file order.
    pub fn parameters(name: &str) -> &'static [&'static str] {
        match name {
            "uniform" => &["low", "high"],
            "normal" => &["mean", "sd"],
            "lognormal" => &["mu", "sigma"],
            _ => &["low", "mode", "high"],
        }
    }

    /// The distribution `name` with its parameters `xs` (in the order of
    /// [`Distribution::parameters`]), or what is wrong with them.
    pub fn new(name: &str, xs: &[f64]) -> Result<Distribution, String> {
        // The parameters are finite (the reader checks), so plain
        // comparisons suffice.
        let d = match (name, xs) {
            ("uniform", &[low, high]) => Distribution::Uniform { low, high },
            ("normal", &[mean, sd]) => Distribution::Normal { mean, sd },
            ("lognormal", &[mu, sigma]) => Distribution::LogNormal { mu, sigma },
            ("triangular", &[low, mode, high]) => Distribution::Triangular { low, mode, high },
            _ => return Err(format!("`{name}` is not a distribution")),
        };
        match d {
            Distribution::Uniform { low, high } if low >= high => Err(format!(
                "low ({}) must be below high ({})",
                show(low),
                show(high)
            )),
            // Drawing takes high - low, which must be a number too.
            Distribution::Uniform { low, high } if !(high - low).is_finite() => Err(format!(
                "the range from {} to {} is wider than a number can hold (about 1.8e308)",
                show(low),
                show(high)
            )),
            Distribution::Triangular { low, high, .. } if !(high - low).is_finite() => {
                Err(format!(
                    "the range from {} to {} is wider than a number can hold (about 1.8e308)",
                    show(low),
                    show(high)
                ))
            }
            Distribution::Normal { sd: s, .. } | Distribution::LogNormal { sigma: s, .. }
                if s <= 0.0 || s.is_nan() =>
            {
                // A spread of 0 draws one value, as uniform low = high would.
                Err(format!(
                    "the standard deviation {} is not allowed: expected a number > 0 (for one value, set the key in [set])",
                    show(s)
                ))
            }
            Distribution::Triangular { low, mode, high }
                if !(low <= mode && mode <= high && low < high) =>
            {
                Err(format!(
                    "expected low <= mode <= high with low below high; found low {}, mode {}, high {}",
                    show(low),
                    show(mode),
                    show(high)
                ))
            }
            d => Ok(d),
        }
    }

    /// The name in a sweep file.
    pub fn name(&self) -> &'static str {
        match self {
            Distribution::Uniform { .. } => "uniform",
            Distribution::Normal { .. } => "normal",
            Distribution::LogNormal { .. } => "lognormal",
            Distribution::Triangular { .. } => "triangular",
        }
    }

    /// The parameters' values, in the order of [`Distribution::parameters`].
    pub fn values(&self) -> Vec<f64> {
        match *self {
            Distribution::Uniform { low, high } => vec![low, high],
            Distribution::Normal { mean, sd } => vec![mean, sd],
            Distribution::LogNormal { mu, sigma } => vec![mu, sigma],
            Distribution::Triangular { low, mode, high } => vec![low, mode, high],
        }
    }

    /// One draw, with `rand_distr`'s samplers: `Uniform::new(low, high)`,
    /// `Normal::new(mean, sd)`, `LogNormal::new(mu, sigma)` and
    /// `Triangular::new(low, high, mode)` (note its order).
    pub fn draw<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        // The parameters were checked by `new`, so these cannot fail; NaN
        // stands for a distribution that somehow could not be made, and
        // is refused by the key's check.
        match *self {
            Distribution::Uniform { low, high } => {
                Uniform::new(low, high).map_or(f64::NAN, |d| rng.sample(d))
            }
            Distribution::Normal { mean, sd } => {
                Normal::new(mean, sd).map_or(f64::NAN, |d| rng.sample(d))
            }
            Distribution::LogNormal { mu, sigma } => {
                LogNormal::new(mu, sigma).map_or(f64::NAN, |d| rng.sample(d))
            }
            Distribution::Triangular { low, mode, high } => {
                Triangular::new(low, high, mode).map_or(f64::NAN, |d| rng.sample(d))
            }
        }
    }
}

fn show(x: f64) -> String {
    canopy_model::scenario::params::float_text(x)
}
