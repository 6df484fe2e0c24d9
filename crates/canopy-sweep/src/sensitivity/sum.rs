//! Sums and moments as numpy computes them, so that canopy's indices equal
//! SALib's to the last bits: numpy adds a contiguous array pairwise
//! (blocks of 128 with eight running sums, halves above).

/// numpy's `np.sum` of a contiguous float64 array.
pub fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut s = -0.0;
        for x in a {
            s += x;
        }
        s
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let whole = n - n % 8;
        let mut i = 8;
        while i < whole {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for x in &a[whole..] {
            s += x;
        }
        s
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// numpy's `np.mean`.
pub fn mean(a: &[f64]) -> f64 {
    pairwise_sum(a) / a.len() as f64
}

/// numpy's `np.var` (ddof 0): the mean of squared deviations from the mean.
pub fn var(a: &[f64]) -> f64 {
    mean(&squared_deviations(a))
}

/// Each value's squared deviation from the mean of `a`.
fn squared_deviations(a: &[f64]) -> Vec<f64> {
    let m = mean(a);
    a.iter()
        .map(|x| {
            let d = x - m;
            d * d
        })
        .collect()
}

/// numpy's `np.std(ddof=1)` of a few values (the bootstrap's estimates).
pub fn std_ddof1(a: &[f64]) -> f64 {
    (pairwise_sum(&squared_deviations(a)) / (a.len() as f64 - 1.0)).sqrt()
}

/// The largest value less the smallest (`np.ptp`); NaN if any is NaN.
pub fn ptp(a: &[f64]) -> f64 {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for &x in a {
        if x.is_nan() {
            return f64::NAN;
        }
        lo = lo.min(x);
        hi = hi.max(x);
    }
    hi - lo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sums_differ_from_a_running_sum_as_numpys_do() {
        // 1 then 300 values of 1e-16: a running sum loses every small one;
        // numpy's blocks add the small ones together first.
        let mut a = vec![1.0];
        a.extend(std::iter::repeat_n(1e-16, 300));
        let running: f64 = a.iter().sum();
        assert_eq!(running, 1.0);
        assert!(pairwise_sum(&a) > 1.0);
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
        assert_eq!(mean(&[1.0, 2.0, 3.0, 4.0]), 2.5);
        assert_eq!(var(&[1.0, 2.0, 3.0, 4.0]), 1.25);
        assert!((std_ddof1(&[1.0, 2.0, 3.0, 4.0]) - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(ptp(&[3.0, -1.0, 2.0]), 4.0);
    }
}
