//! The unscrambled Sobol sequence of scipy.stats.qmc.Sobol(d,
//! scramble=False): Joe-Kuo 6.21201 direction numbers ([`super::joe_kuo`]),
//! 30 bits, points in Antonov-Saleev (Gray code) order, the first point 0.

use super::joe_kuo::{DIMENSIONS, TABLE};

/// Bits of each coordinate, as scipy's default.
const BITS: usize = 30;

/// The most dimensions this sequence has (the table's).
pub const MAX_DIMENSIONS: usize = DIMENSIONS;

/// The Sobol sequence of some dimension: its direction numbers.
#[derive(Clone, Debug)]
pub struct SobolSequence {
    /// For each dimension, its direction numbers v_1..v_30, scaled to 30 bits.
    directions: Vec<[u32; BITS]>,
}

impl SobolSequence {
    /// The sequence of `dims` dimensions; `None` past [`MAX_DIMENSIONS`].
    pub fn new(dims: usize) -> Option<SobolSequence> {
        if dims > MAX_DIMENSIONS {
            return None;
        }
        let directions = TABLE[..dims]
            .iter()
            .enumerate()
            .map(|(d, (poly, init))| {
                let mut v = [0u32; BITS];
                if d == 0 {
                    v = [1; BITS];
                } else {
                    let m = (32 - poly.leading_zeros() - 1) as usize;
                    v[..m].copy_from_slice(init);
                    // Bratley and Fox's recurrence, as scipy's `_initialize_v`.
                    for j in m..BITS {
                        let mut new = v[j - m];
                        let mut pow2 = 1u32;
                        for k in 0..m {
                            pow2 <<= 1;
                            if (poly >> (m - 1 - k)) & 1 == 1 {
                                new ^= pow2 * v[j - k - 1];
                            }
                        }
                        v[j] = new;
                    }
                }
                for (j, x) in v.iter_mut().enumerate() {
                    *x <<= BITS - 1 - j;
                }
                v
            })
            .collect();
        Some(SobolSequence { directions })
    }

    /// Its dimensions.
    pub fn dims(&self) -> usize {
        self.directions.len()
    }

    /// Point `i` (from 0), each coordinate in [0, 1): the XOR of the
    /// direction numbers of the bits of `i`'s Gray code, which is what
    /// scipy's recursive draw gives at step `i`. `i` below 2^30.
    pub fn point(&self, i: u64) -> Vec<f64> {
        let gray = i ^ (i >> 1);
        let scale = 1.0 / f64::from(1u32 << BITS);
        self.directions
            .iter()
            .map(|v| {
                let mut x = 0u32;
                for (bit, d) in v.iter().enumerate() {
                    if (gray >> bit) & 1 == 1 {
                        x ^= d;
                    }
                }
                f64::from(x) * scale
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_points_are_scipys() {
        // scipy.stats.qmc.Sobol(4, scramble=False).random(8)
        let want = [
            [0.0, 0.0, 0.0, 0.0],
            [0.5, 0.5, 0.5, 0.5],
            [0.75, 0.25, 0.25, 0.25],
            [0.25, 0.75, 0.75, 0.75],
            [0.375, 0.375, 0.625, 0.875],
            [0.875, 0.875, 0.125, 0.375],
            [0.625, 0.125, 0.875, 0.625],
            [0.125, 0.625, 0.375, 0.125],
        ];
        let s = SobolSequence::new(4).unwrap();
        for (i, w) in want.iter().enumerate() {
            assert_eq!(s.point(i as u64), w.to_vec(), "point {i}");
        }
    }

    #[test]
    fn far_points_in_high_dimensions_are_scipys() {
        // scipy.stats.qmc.Sobol(200, scramble=False).random(1024)[i, [1, 57, 150, 199]]
        let want = [
            (100, [0.2578125, 0.2734375, 0.6171875, 0.1328125]),
            (
                777,
                [0.9365234375, 0.6455078125, 0.4775390625, 0.1435546875],
            ),
            (
                1023,
                [0.7529296875, 0.8603515625, 0.5751953125, 0.1865234375],
            ),
        ];
        let s = SobolSequence::new(200).unwrap();
        for (i, w) in want {
            let p = s.point(i);
            assert_eq!([p[1], p[57], p[150], p[199]], w, "point {i}");
        }
    }

    #[test]
    fn every_coordinate_of_the_first_power_of_two_points_is_a_stratum() {
        // A (0, m, 1) net in each dimension: 2^m points, one per 1/2^m.
        let s = SobolSequence::new(MAX_DIMENSIONS).unwrap();
        let n = 64u64;
        let points: Vec<Vec<f64>> = (0..n).map(|i| s.point(i)).collect();
        for d in 0..MAX_DIMENSIONS {
            let mut cells: Vec<u64> = points.iter().map(|p| (p[d] * n as f64) as u64).collect();
            cells.sort();
            assert_eq!(cells, (0..n).collect::<Vec<_>>(), "dimension {d}");
        }
        assert!(SobolSequence::new(MAX_DIMENSIONS + 1).is_none());
    }
}
