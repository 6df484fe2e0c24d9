//! Seeded shocks: three standard normals a month from one ChaCha8 stream.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// One month's draws.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shocks {
    /// Price shock.
    pub z1: f64,
    /// Demand noise.
    pub z2: f64,
    /// Chain TVL shock.
    pub z3: f64,
}

/// The run's generator.
#[derive(Clone, Debug)]
pub struct ShockStream(ChaCha8Rng);

impl ShockStream {
    /// The stream for `seed`.
    pub fn new(seed: u64) -> Self {
        ShockStream(ChaCha8Rng::seed_from_u64(seed))
    }

    /// The next month's three draws, always all three.
    pub fn next_month(&mut self) -> Shocks {
        let z1 = self.0.sample(StandardNormal);
        let z2 = self.0.sample(StandardNormal);
        let z3 = self.0.sample(StandardNormal);
        Shocks { z1, z2, z3 }
    }
}
