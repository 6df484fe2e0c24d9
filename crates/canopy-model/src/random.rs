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

/// The run's generator (none when nothing in the run is random).
#[derive(Clone, Debug)]
pub struct ShockStream(Option<ChaCha8Rng>);

impl ShockStream {
    /// The stream for `seed`; with `used` false every draw is 0 and none is made.
    pub fn new(seed: u64, used: bool) -> Self {
        ShockStream(used.then(|| ChaCha8Rng::seed_from_u64(seed)))
    }

    /// The next month's three draws, always all three, in order.
    pub fn next_month(&mut self) -> Shocks {
        match &mut self.0 {
            Some(rng) => {
                let z1 = rng.sample(StandardNormal);
                let z2 = rng.sample(StandardNormal);
                let z3 = rng.sample(StandardNormal);
                Shocks { z1, z2, z3 }
            }
            None => Shocks {
                z1: 0.0,
                z2: 0.0,
                z3: 0.0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_standard_normals_from_chacha8_seeded_by_u64() {
        let mut a = ShockStream::new(42, true);
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        for _ in 0..10 {
            let want: [f64; 3] = std::array::from_fn(|_| rng.sample(StandardNormal));
            let got = a.next_month();
            assert_eq!([got.z1, got.z2, got.z3], want);
        }
        let draws: Vec<f64> = (0..2000).map(|_| a.next_month().z1).collect();
        let mean = draws.iter().sum::<f64>() / 2000.0;
        let var = draws.iter().map(|z| (z - mean) * (z - mean)).sum::<f64>() / 2000.0;
        assert!(mean.abs() < 0.1 && (var - 1.0).abs() < 0.1, "{mean} {var}");
        assert_eq!(
            ShockStream::new(42, false).next_month(),
            Shocks {
                z1: 0.0,
                z2: 0.0,
                z3: 0.0
            }
        );
    }
}
