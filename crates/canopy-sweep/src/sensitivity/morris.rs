//! Morris's elementary effects from trajectories, as SALib's
//! `analyze.morris` (unscaled): mu, mu_star, sigma, and the bootstrap
//! interval of mu_star.

use super::layout::Trajectory;
use super::sum::std_ddof1;

/// One factor's Morris measures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measures {
    /// The mean elementary effect.
    pub mu: f64,
    /// The mean absolute elementary effect.
    pub mu_star: f64,
    /// The standard deviation of the elementary effects (ddof 1).
    pub sigma: f64,
    /// z times the bootstrap standard deviation of mu_star.
    pub mu_star_conf: f64,
}

/// The elementary effects of outputs `y` (one per row, D + 1 rows per
/// trajectory), per factor then trajectory: (y where the factor is high -
/// y where it is low) / delta.
pub fn elementary_effects(y: &[f64], trajectories: &[Trajectory], delta: f64) -> Vec<Vec<f64>> {
    let d = trajectories.first().map_or(0, |t| t.order.len());
    let mut ee = vec![Vec::with_capacity(trajectories.len()); d];
    for (t, rows) in trajectories.iter().zip(y.chunks(d + 1)) {
        for (j, e) in ee.iter_mut().enumerate() {
            let k = t.order[j];
            let (before, after) = (rows[k - 1], rows[k]);
            let (high, low) = if t.up[j] {
                (after, before)
            } else {
                (before, after)
            };
            e.push((high - low) / delta);
        }
    }
    ee
}

/// The measures of outputs `y` over `trajectories` (step `delta`), the
/// interval from `resamples` (lists of trajectory indices) at z = `z`.
/// `None` when a row has no value (NaN) or the rows do not fit.
pub fn analyze(
    y: &[f64],
    trajectories: &[Trajectory],
    delta: f64,
    resamples: &[Vec<u32>],
    z: f64,
) -> Option<Vec<Measures>> {
    let d = trajectories.first()?.order.len();
    if y.len() != trajectories.len() * (d + 1) || y.iter().any(|x| x.is_nan()) {
        return None;
    }
    let ee = elementary_effects(y, trajectories, delta);
    Some(
        ee.iter()
            .map(|e| {
                let abs: Vec<f64> = e.iter().map(|x| x.abs()).collect();
                let boot: Vec<f64> = resamples
                    .iter()
                    .map(|draw| {
                        draw.iter().map(|&i| abs[i as usize]).sum::<f64>() / draw.len() as f64
                    })
                    .collect();
                Measures {
                    mu: running_mean(e),
                    mu_star: running_mean(&abs),
                    sigma: running_std_ddof1(e),
                    mu_star_conf: z * std_ddof1(&boot),
                }
            })
            .collect(),
    )
}

/// The mean with the values added one after another: SALib's effects
/// are a Fortran-ordered array, which numpy sums along a row in order, not
/// pairwise. A factor whose effects are all alike has a sigma of rounding
/// noise, which only the same order reproduces.
fn running_mean(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |s, x| s + x) / a.len() as f64
}

/// `np.std(ddof=1)` along a Fortran-ordered row: deviations from the
/// running mean, their squares added in order.
fn running_std_ddof1(a: &[f64]) -> f64 {
    let m = running_mean(a);
    let sq = a.iter().fold(0.0, |s, x| {
        let d = x - m;
        s + d * d
    });
    (sq / (a.len() as f64 - 1.0)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensitivity::layout::{delta, trajectories};
    use crate::sensitivity::resamples;

    #[test]
    fn a_linear_model_has_its_slopes_as_effects() {
        // y = 3 x0 - 2 x1 + 0 x2: every elementary effect is the slope.
        let (d, levels) = (3, 4);
        let ts = trajectories(d, 40, levels, 11);
        let dl = delta(levels);
        let y: Vec<f64> = ts
            .iter()
            .flat_map(|t| (0..=d).map(move |k| t.row(k, dl)))
            .map(|x| 3.0 * x[0] - 2.0 * x[1])
            .collect();
        let m = analyze(&y, &ts, dl, &resamples(40, 50, 3), 1.96).unwrap();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(m[0].mu, 3.0) && close(m[0].mu_star, 3.0) && m[0].sigma < 1e-12);
        assert!(close(m[1].mu, -2.0) && close(m[1].mu_star, 2.0));
        assert!(close(m[2].mu_star, 0.0) && m[2].mu_star_conf < 1e-12);
    }

    #[test]
    fn an_interaction_spreads_the_effects() {
        // y = x0 x1: effects of x0 depend on x1, so sigma > 0.
        let (d, levels) = (2, 6);
        let ts = trajectories(d, 200, levels, 5);
        let dl = delta(levels);
        let y: Vec<f64> = ts
            .iter()
            .flat_map(|t| (0..=d).map(move |k| t.row(k, dl)))
            .map(|x| x[0] * x[1])
            .collect();
        let m = analyze(&y, &ts, dl, &resamples(200, 100, 3), 1.96).unwrap();
        // E[x1] over the trajectories' values is near 0.5.
        assert!((m[0].mu - 0.5).abs() < 0.1, "{:?}", m[0]);
        assert!(m[0].sigma > 0.1 && m[0].mu_star_conf > 0.0);
        let mut bad = y.clone();
        bad[0] = f64::NAN;
        assert!(analyze(&bad, &ts, dl, &resamples(200, 10, 3), 1.96).is_none());
    }
}
