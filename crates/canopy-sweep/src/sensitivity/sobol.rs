//! Sobol indices from Saltelli's rows, as SALib's `analyze.sobol`: outputs
//! standardised first, S1 by Saltelli (2010), ST by Jansen, S2 by Saltelli
//! (2002), each with a bootstrap interval (the estimate plus or minus z
//! times the standard deviation of the resampled estimates).

use rayon::prelude::*;

use super::sum::{mean, pairwise_sum, ptp, std_ddof1, var};

/// A variance this small or less counts as none (numpy's float eps).
const EPS: f64 = f64::EPSILON;

/// One factor's first and total order indices and their half-widths.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Order {
    /// S1.
    pub s1: f64,
    /// z times the bootstrap standard deviation of S1.
    pub s1_conf: f64,
    /// ST.
    pub st: f64,
    /// z times the bootstrap standard deviation of ST.
    pub st_conf: f64,
}

/// A pair's second-order index.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    /// The first factor (index).
    pub j: usize,
    /// The second factor, after `j`.
    pub k: usize,
    /// S2.
    pub s2: f64,
    /// z times the bootstrap standard deviation of S2.
    pub s2_conf: f64,
}

/// The indices of one output.
#[derive(Clone, Debug, PartialEq)]
pub struct SobolIndices {
    /// Per factor, in order.
    pub orders: Vec<Order>,
    /// Per pair j < k, in order (empty without second order).
    pub pairs: Vec<Pair>,
}

/// The outputs split as SALib's `separate_output_values`: A, B, and AB and
/// BA row-major (sample i's D values together).
struct Split {
    n: usize,
    d: usize,
    a: Vec<f64>,
    b: Vec<f64>,
    ab: Vec<f64>,
    ba: Vec<f64>,
}

impl Split {
    fn ab(&self, j: usize) -> Vec<f64> {
        (0..self.n).map(|i| self.ab[i * self.d + j]).collect()
    }

    fn ba(&self, j: usize) -> Vec<f64> {
        (0..self.n).map(|i| self.ba[i * self.d + j]).collect()
    }
}

/// SALib's `first_order` on whole vectors.
fn first_order(a: &[f64], ab: &[f64], b: &[f64], y_ptp: f64, y_var: f64) -> f64 {
    if y_ptp <= EPS || y_var.is_nan() || y_var <= EPS {
        return 0.0;
    }
    let terms: Vec<f64> = b
        .iter()
        .zip(ab.iter().zip(a))
        .map(|(b, (ab, a))| b * (ab - a))
        .collect();
    mean(&terms) / y_var
}

/// SALib's `total_order` on whole vectors.
fn total_order(a: &[f64], ab: &[f64], y_ptp: f64, y_var: f64) -> f64 {
    if y_ptp <= EPS || y_var.is_nan() || y_var <= EPS {
        return 0.0;
    }
    let terms: Vec<f64> = a
        .iter()
        .zip(ab)
        .map(|(a, ab)| {
            let d = a - ab;
            d * d
        })
        .collect();
    0.5 * mean(&terms) / y_var
}

/// Which rows each bootstrap resample draws: `resamples` lists of `n`
/// sample indices.
pub type Resamples = [Vec<u32>];

/// The indices of outputs `y` (one per row, in row order) of a sweep with
/// `d` factors, `second_order` as laid out, resampled by `resamples`, with
/// intervals of z = `z`. `None` when a row has no value (NaN) or the rows
/// are not a whole number of samples. Constant outputs give zeros, as
/// SALib's do.
pub fn analyze(
    y: &[f64],
    d: usize,
    second_order: bool,
    resamples: &Resamples,
    z: f64,
) -> Option<SobolIndices> {
    let step = if second_order { 2 * d + 2 } else { d + 2 };
    if d == 0 || y.is_empty() || !y.len().is_multiple_of(step) || y.iter().any(|x| x.is_nan()) {
        return None;
    }
    let n = y.len() / step;
    let (m, sd) = (mean(y), var(y).sqrt());
    let y: Vec<f64> = y.iter().map(|x| (x - m) / sd).collect();
    let mut s = Split {
        n,
        d,
        a: Vec::with_capacity(n),
        b: Vec::with_capacity(n),
        ab: Vec::with_capacity(n * d),
        ba: Vec::with_capacity(if second_order { n * d } else { 0 }),
    };
    for row in y.chunks(step) {
        s.a.push(row[0]);
        s.ab.extend_from_slice(&row[1..=d]);
        if second_order {
            s.ba.extend_from_slice(&row[d + 1..=2 * d]);
        }
        s.b.push(row[step - 1]);
    }
    let both: Vec<f64> = s.a.iter().chain(&s.b).copied().collect();
    let (y_ptp, y_var) = (ptp(&both), var(&both));
    let boot = Bootstrap::of(&s, resamples, second_order);
    let orders = (0..d)
        .map(|j| {
            let ab = s.ab(j);
            let conf = |xs: &[f64]| {
                if boot.constant {
                    0.0
                } else {
                    z * std_ddof1(xs)
                }
            };
            Order {
                s1: first_order(&s.a, &ab, &s.b, y_ptp, y_var),
                s1_conf: conf(&boot.s1[j]),
                st: total_order(&s.a, &ab, y_ptp, y_var),
                st_conf: conf(&boot.st[j]),
            }
        })
        .collect::<Vec<_>>();
    let mut pairs = Vec::new();
    if second_order {
        let mut p = 0;
        for j in 0..d {
            let (abj, baj) = (s.ab(j), s.ba(j));
            for k in j + 1..d {
                let abk = s.ab(k);
                let s2 = if y_ptp <= EPS || y_var.is_nan() || y_var <= EPS {
                    0.0
                } else {
                    let terms: Vec<f64> =
                        (0..n).map(|i| baj[i] * abk[i] - s.a[i] * s.b[i]).collect();
                    let vjk = pairwise_sum(&terms) / n as f64 / y_var;
                    vjk - first_order(&s.a, &abj, &s.b, y_ptp, y_var)
                        - first_order(&s.a, &abk, &s.b, y_ptp, y_var)
                };
                pairs.push(Pair {
                    j,
                    k,
                    s2,
                    s2_conf: z * std_ddof1(&boot.s2[p]),
                });
                p += 1;
            }
        }
    }
    Some(SobolIndices { orders, pairs })
}

/// The estimates of every bootstrap resample.
struct Bootstrap {
    /// Per factor, S1 of each resample.
    s1: Vec<Vec<f64>>,
    /// Per factor, ST of each resample.
    st: Vec<Vec<f64>>,
    /// Per pair, S2 of each resample.
    s2: Vec<Vec<f64>>,
    /// Whether every resampled output is the same (SALib then gives
    /// intervals of 0 for S1 and ST).
    constant: bool,
}

impl Bootstrap {
    /// Each resample's estimates, with the estimators above written as
    /// one pass over the resample's rows (the order of additions is not
    /// numpy's: intervals are not compared to the bit).
    fn of(s: &Split, resamples: &Resamples, second_order: bool) -> Bootstrap {
        let d = s.d;
        let pairs = if second_order {
            d * d.saturating_sub(1) / 2
        } else {
            0
        };
        // Each resample on its own, in parallel: the numbers do not depend
        // on the threads, only on the resample.
        let each: Vec<Resampled> = resamples
            .par_iter()
            .map(|draw| resample(s, draw, pairs))
            .collect();
        let lo = each.iter().map(|r| r.lo).fold(f64::INFINITY, f64::min);
        let hi = each.iter().map(|r| r.hi).fold(f64::NEG_INFINITY, f64::max);
        let column = |pick: &dyn Fn(&Resampled) -> &[f64], k: usize| -> Vec<f64> {
            if hi - lo <= EPS {
                // SALib's estimators give 0 when the resampled outputs are all alike.
                vec![0.0; each.len()]
            } else {
                each.iter().map(|r| pick(r)[k]).collect()
            }
        };
        Bootstrap {
            s1: (0..d).map(|j| column(&|r| &r.s1, j)).collect(),
            st: (0..d).map(|j| column(&|r| &r.st, j)).collect(),
            s2: (0..pairs).map(|p| column(&|r| &r.s2, p)).collect(),
            constant: hi - lo == 0.0,
        }
    }
}

/// One bootstrap resample's estimates, and the range of its outputs.
struct Resampled {
    s1: Vec<f64>,
    st: Vec<f64>,
    s2: Vec<f64>,
    lo: f64,
    hi: f64,
}

/// The estimators on the rows `draw` picks, written as one pass over them
/// (the order of additions is not numpy's: intervals are not compared to
/// the bit).
fn resample(s: &Split, draw: &[u32], pairs: usize) -> Resampled {
    let (n, d) = (s.n, s.d);
    let mut s1 = vec![0.0; d];
    let mut st = vec![0.0; d];
    let mut v2 = vec![0.0; pairs];
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut sum, mut sum_sq, mut mean_ab) = (0.0, 0.0, 0.0);
    for &ri in draw {
        let ri = ri as usize;
        let (a, b) = (s.a[ri], s.b[ri]);
        lo = lo.min(a).min(b);
        hi = hi.max(a).max(b);
        sum += a + b;
        sum_sq += a * a + b * b;
        let row = &s.ab[ri * d..(ri + 1) * d];
        for ((x, s1), st) in row.iter().zip(&mut s1).zip(&mut st) {
            let diff = x - a;
            *s1 += b * diff;
            *st += diff * diff;
        }
        if pairs > 0 {
            let ba = &s.ba[ri * d..(ri + 1) * d];
            mean_ab += a * b;
            let mut p = 0;
            for (j, baj) in ba.iter().enumerate() {
                for abk in &row[j + 1..] {
                    v2[p] += baj * abk;
                    p += 1;
                }
            }
        }
    }
    let nn = (2 * n) as f64;
    let m = sum / nn;
    let y_var = sum_sq / nn - m * m;
    let ok = y_var > EPS;
    let per = |x: f64| if ok { x / n as f64 / y_var } else { 0.0 };
    let f1: Vec<f64> = s1.iter().map(|x| per(*x)).collect();
    let mut s2 = Vec::with_capacity(pairs);
    let mut p = 0;
    for j in 0..d {
        for k in j + 1..d {
            if p < pairs {
                s2.push(per(v2[p] - mean_ab) - f1[j] - f1[k]);
            }
            p += 1;
        }
    }
    Resampled {
        st: st.iter().map(|x| 0.5 * per(*x)).collect(),
        s1: f1,
        s2,
        lo,
        hi,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensitivity::layout::saltelli;
    use crate::sensitivity::resamples;

    fn ishigami(x: &[f64]) -> f64 {
        let pi = std::f64::consts::PI;
        let (x1, x2, x3) = (
            -pi + 2.0 * pi * x[0],
            -pi + 2.0 * pi * x[1],
            -pi + 2.0 * pi * x[2],
        );
        x1.sin() + 7.0 * x2.sin().powi(2) + 0.1 * x3.powi(4) * x1.sin()
    }

    #[test]
    fn ishigami_indices_are_the_analytic_ones() {
        // Ishigami (a = 7, b = 0.1): analytic S1 = 0.3139, 0.4424, 0 and
        // ST = 0.5576, 0.4424, 0.2437 (Saltelli et al. 2008, 4.6).
        let n = 1 << 15;
        let y: Vec<f64> = saltelli(3, n, true).iter().map(|x| ishigami(x)).collect();
        let r = resamples(n as usize, 100, 7);
        let s = analyze(&y, 3, true, &r, 1.959963984540054).unwrap();
        let s1 = [0.3139, 0.4424, 0.0];
        let st = [0.5576, 0.4424, 0.2437];
        for j in 0..3 {
            let o = s.orders[j];
            assert!((o.s1 - s1[j]).abs() < 0.01, "S1[{j}] = {}", o.s1);
            assert!((o.st - st[j]).abs() < 0.01, "ST[{j}] = {}", o.st);
            // The intervals hold the truth, and are narrow at this N.
            assert!((o.s1 - s1[j]).abs() < o.s1_conf + 0.003, "{o:?}");
            assert!(o.s1_conf > 0.0 && o.s1_conf < 0.05, "{o:?}");
            assert!(o.st_conf > 0.0 && o.st_conf < 0.05, "{o:?}");
        }
        // Only x1 and x3 interact: S13 = ST1 - S1 = 0.2437; the others 0.
        let pair = |j, k| s.pairs.iter().find(|p| p.j == j && p.k == k).unwrap().s2;
        assert!((pair(0, 2) - 0.2437).abs() < 0.02, "S13 = {}", pair(0, 2));
        assert!(pair(0, 1).abs() < 0.02);
        assert!(pair(1, 2).abs() < 0.02);
    }

    #[test]
    fn constant_or_missing_outputs() {
        let r = resamples(4, 10, 1);
        let s = analyze(&[2.0; 16], 2, false, &r, 2.0).unwrap();
        assert!(s.orders.iter().all(|o| *o
            == Order {
                s1: 0.0,
                s1_conf: 0.0,
                st: 0.0,
                st_conf: 0.0
            }));
        let mut y = vec![1.0; 16];
        y[3] = f64::NAN;
        assert!(analyze(&y, 2, false, &r, 2.0).is_none());
        assert!(analyze(&[1.0; 15], 2, false, &r, 2.0).is_none());
    }
}
