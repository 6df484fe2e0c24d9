//! The rows of a sensitivity sweep in unit values, laid out exactly as
//! SALib lays them out: Saltelli's rows on the unscrambled Sobol sequence
//! (`SALib.sample.sobol.sample(..., scramble=False)`), and Morris's
//! trajectories (`SALib.sample.morris.sample`, no optimal selection),
//! drawn from the sweep's seed.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::sobol_sequence::SobolSequence;
use crate::file::{Method, Sensitivity};

/// The stream of the sweep's seed that draws Morris trajectories (stream 1
/// draws a run's samples).
pub const MORRIS_STREAM: u64 = 2;

/// One Morris trajectory: a base point on the grid and, for each factor,
/// its direction and the step at which it moves.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// Each factor's base value on the grid (0 .. 1 - delta).
    pub base: Vec<f64>,
    /// Whether each factor moves up (else it starts a step up and moves down).
    pub up: Vec<bool>,
    /// The step (1 ..= D) at which each factor moves: row `order[j]` is
    /// the first row where factor j has moved.
    pub order: Vec<usize>,
}

/// Morris's step in unit values: levels / (2 (levels - 1)).
pub fn delta(levels: u32) -> f64 {
    f64::from(levels) / (2.0 * (f64::from(levels) - 1.0))
}

/// The Morris trajectories of a sweep: for each, in order, each factor's
/// grid level (uniform over levels / 2), then each factor's direction (up
/// or down, even odds), then the order in which factors move (a uniform
/// permutation, Fisher-Yates from the last), all from ChaCha8 seeded with
/// `seed`, stream [`MORRIS_STREAM`].
pub fn trajectories(factors: usize, count: u64, levels: u32, seed: u64) -> Vec<Trajectory> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(MORRIS_STREAM);
    let delta = delta(levels);
    // The grid as numpy's linspace(0, 1 - delta, levels / 2) gives it.
    let n = (levels / 2) as usize;
    let bound = 1.0 - delta;
    let grid: Vec<f64> = (0..n)
        .map(|i| {
            if n == 1 {
                0.0
            } else if i == n - 1 {
                bound
            } else {
                i as f64 * (bound / (n - 1) as f64)
            }
        })
        .collect();
    (0..count)
        .map(|_| {
            let base = (0..factors).map(|_| grid[rng.random_range(0..n)]).collect();
            let up = (0..factors).map(|_| rng.random_bool(0.5)).collect();
            let mut perm: Vec<usize> = (0..factors).collect();
            for i in (1..factors).rev() {
                let j = rng.random_range(0..=i);
                perm.swap(i, j);
            }
            let mut order = vec![0; factors];
            for (step, &j) in perm.iter().enumerate() {
                order[j] = step + 1;
            }
            Trajectory { base, up, order }
        })
        .collect()
}

impl Trajectory {
    /// Row `k` (0 ..= D) of the trajectory in unit values, as SALib's
    /// B* = x* + (delta / 2) ((2 B P* - J) D* + J).
    pub fn row(&self, k: usize, delta: f64) -> Vec<f64> {
        self.base
            .iter()
            .zip(&self.up)
            .zip(&self.order)
            .map(|((&x, &up), &step)| {
                let moved = step <= k;
                let d = if up { 1.0 } else { -1.0 };
                let c = if moved { 2.0 } else { 0.0 };
                x + (delta / 2.0) * ((c - 1.0) * d + 1.0)
            })
            .collect()
    }
}

/// Every row of a sensitivity sweep in unit values, in order; `seed`
/// draws Morris's trajectories.
pub fn unit_rows(s: &Sensitivity, seed: u64) -> Vec<Vec<f64>> {
    let d = s.factors.len();
    match s.method {
        Method::Sobol { second_order } => saltelli(d, s.samples, second_order),
        Method::Morris { levels } => {
            let delta = delta(levels);
            trajectories(d, s.samples, levels, seed)
                .iter()
                .flat_map(|t| (0..=d).map(move |k| t.row(k, delta)))
                .collect()
        }
    }
}

/// Saltelli's rows for `d` factors and `n` base samples: for sample i, A
/// (the first d coordinates of Sobol point i of dimension 2d), AB_1..AB_d
/// (A with coordinate j from B), with second order BA_1..BA_d (B with
/// coordinate j from A), then B (the last d coordinates).
pub fn saltelli(d: usize, n: u64, second_order: bool) -> Vec<Vec<f64>> {
    let Some(seq) = SobolSequence::new(2 * d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for i in 0..n {
        let p = seq.point(i);
        let (a, b) = p.split_at(d);
        out.push(a.to_vec());
        for j in 0..d {
            let mut row = a.to_vec();
            row[j] = b[j];
            out.push(row);
        }
        if second_order {
            for j in 0..d {
                let mut row = b.to_vec();
                row[j] = a[j];
                out.push(row);
            }
        }
        out.push(b.to_vec());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saltelli_rows_cross_a_and_b() {
        let rows = saltelli(2, 3, true);
        assert_eq!(rows.len(), 3 * 6);
        // Sobol point 1 of dimension 4 is all 0.5; point 2 is
        // [0.75, 0.25, 0.25, 0.25].
        assert_eq!(rows[6], vec![0.5, 0.5]);
        let s2 = &rows[12..18];
        assert_eq!(s2[0], vec![0.75, 0.25], "A");
        assert_eq!(s2[1], vec![0.25, 0.25], "AB_1");
        assert_eq!(s2[2], vec![0.75, 0.25], "AB_2");
        assert_eq!(s2[3], vec![0.75, 0.25], "BA_1");
        assert_eq!(s2[4], vec![0.25, 0.25], "BA_2");
        assert_eq!(s2[5], vec![0.25, 0.25], "B");
    }

    #[test]
    fn each_morris_step_moves_one_factor_by_delta() {
        for levels in [2, 4, 6, 10] {
            let delta = delta(levels);
            let d = 5;
            for t in trajectories(d, 50, levels, 7) {
                let rows: Vec<Vec<f64>> = (0..=d).map(|k| t.row(k, delta)).collect();
                let mut moved = vec![false; d];
                for k in 1..=d {
                    let changed: Vec<usize> =
                        (0..d).filter(|&j| rows[k][j] != rows[k - 1][j]).collect();
                    assert_eq!(changed.len(), 1, "step {k}");
                    let j = changed[0];
                    assert!(!moved[j]);
                    moved[j] = true;
                    let step = rows[k][j] - rows[k - 1][j];
                    assert!((step.abs() - delta).abs() < 1e-15);
                    assert_eq!(step > 0.0, t.up[j]);
                }
                for row in &rows {
                    assert!(row.iter().all(|x| (0.0..=1.0 + 1e-15).contains(x)));
                }
            }
        }
        assert_eq!(trajectories(3, 4, 4, 1), trajectories(3, 4, 4, 1));
        assert_ne!(trajectories(3, 4, 4, 1), trajectories(3, 4, 4, 2));
    }
}
