//! Bands: for one point, per month and kept metric, how many runs had a
//! value (`n`), their mean and their quantiles (SWEEP.md, `bands.csv`).
//!
//! Quantiles are exact, by linear interpolation between order statistics,
//! as numpy's default (`method='linear'`) computes them: see [`quantile`].
//!
//! **Memory.** A [`Bands`] accumulator holds every defined value of one
//! point: at most runs × months × kept metrics `f64`s (8 bytes each; 10,000
//! runs of 60 months with the 7 default metrics is 4.2 million values,
//! about 34 MB), plus one small vector per month and metric. A sweep
//! accumulates one point at a time and drops it once its rows are made.

use arrow_buffer::Buffer;
use canopy_model::{Column, MonthRecord, column};

/// The `q` quantile (`q` in 0..=1) of `sorted` (ascending), by linear
/// interpolation between order statistics (numpy's default): with
/// `h = (n - 1) q`, `x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])`.
/// `None` when `sorted` is empty.
///
/// The interpolation is evaluated as numpy evaluates it, from the nearer
/// end (`b - (b - a)(1 - t)` when `t >= 0.5`), so that results agree with
/// numpy to the last bit.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let last = (n - 1) as f64;
    let h = last * q;
    if h >= last {
        return Some(sorted[n - 1]);
    }
    if h <= 0.0 {
        return Some(sorted[0]);
    }
    let lo = h.floor();
    let t = h - lo;
    // 0 < h < n - 1, so floor(h) + 1 <= n - 1.
    let i = lo as usize;
    let (a, b) = (sorted[i], sorted[i + 1]);
    let d = b - a;
    Some(if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    })
}

/// The `q` quantile of `values` in any order, exactly as [`quantile`]
/// gives it of the sorted values, found by selection (linear time); the
/// values are reordered.
pub fn quantile_of(values: &mut [f64], q: f64) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let last = (n - 1) as f64;
    let h = last * q;
    let nth = |values: &mut [f64], i: usize| *values.select_nth_unstable_by(i, f64::total_cmp).1;
    if h >= last {
        return Some(nth(values, n - 1));
    }
    if h <= 0.0 {
        return Some(nth(values, 0));
    }
    let lo = h.floor();
    let t = h - lo;
    let i = lo as usize;
    let a = nth(values, i);
    // After the selection, the values past i are the larger ones.
    let b = values[i + 1..]
        .iter()
        .copied()
        .min_by(f64::total_cmp)
        .unwrap_or(a);
    let d = b - a;
    Some(if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    })
}

pub use crate::defaults::quantile_name;

/// The summary of some values: how many, their mean and quantiles.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// How many values.
    pub n: u64,
    /// Their mean; `None` when `n` is 0.
    pub mean: Option<f64>,
    /// Their quantiles, in the order asked for; each `None` when `n` is 0.
    pub quantiles: Vec<Option<f64>>,
}

/// The band of `values` at `quantiles` (each in 0..=1). Sorts `values` in
/// place; the mean sums them in ascending order, so that it does not depend
/// on the order they came in (runs done by any number of jobs, shards or
/// resumes give the same mean).
pub fn band(values: &mut Vec<f64>, quantiles: &[f64]) -> Band {
    sort_total(values);
    band_of_sorted(values, quantiles)
}

/// Sorts `values` ascending in [`f64::total_cmp`]'s order, as the
/// unsigned integers that order the same way: the same result, bit for
/// bit, in about half the time (a comparison of integers is one
/// instruction; `total_cmp` is not inlined into the sort).
pub fn sort_total(values: &mut Vec<f64>) {
    if values.len() < 2 {
        return;
    }
    // The same memory seen as integers (f64 and u64 share a layout), then
    // as floats again: no copy.
    match Buffer::from_vec(std::mem::take(values)).into_vec::<u64>() {
        Ok(mut keys) => {
            keys.iter_mut().for_each(|k| *k = order_key(*k));
            keys.sort_unstable();
            keys.iter_mut().for_each(|k| *k = from_order_key(*k));
            *values = Buffer::from_vec(keys)
                .into_vec::<f64>()
                .unwrap_or_else(|b| b.typed_data::<f64>().to_vec());
        }
        Err(b) => {
            *values = b.typed_data::<f64>().to_vec();
            values.sort_unstable_by(f64::total_cmp);
        }
    }
}

/// The sign bit of an f64's bits.
const SIGN: u64 = 1 << 63;

/// `total_cmp`'s own map of an f64's bits to a signed integer that orders
/// as the floats do: a negative number's bits but the sign flipped. It
/// keeps the sign bit, so applied twice it gives the bits back.
fn total_order(i: i64) -> i64 {
    i ^ (((i >> 63) as u64) >> 1) as i64
}

/// An f64's bits as an unsigned integer that orders as [`f64::total_cmp`]
/// orders the floats: [`total_order`], its sign bit flipped.
fn order_key(bits: u64) -> u64 {
    total_order(bits as i64) as u64 ^ SIGN
}

/// The f64 bits whose [`order_key`] is `key`.
fn from_order_key(key: u64) -> u64 {
    total_order((key ^ SIGN) as i64) as u64
}

/// [`band`] of `values` already in order.
pub fn band_of_sorted(values: &[f64], quantiles: &[f64]) -> Band {
    debug_assert!(values.is_sorted_by(|a, b| a.total_cmp(b).is_le()));
    let n = values.len();
    let mean = (n > 0).then(|| {
        let mean = values.iter().sum::<f64>() / n as f64;
        // A sum past the largest f64 (values near 1e308) is not the mean's
        // fault: then sum the values divided by n.
        if mean.is_finite() {
            mean
        } else {
            values.iter().map(|x| x / n as f64).sum()
        }
    });
    Band {
        n: n as u64,
        mean,
        quantiles: quantiles.iter().map(|&q| quantile(values, q)).collect(),
    }
}

/// One row of `bands.csv` for a point: a month and a kept metric.
#[derive(Clone, Debug, PartialEq)]
pub struct BandRow {
    /// The month, from 1.
    pub month: u32,
    /// The metric (a metrics.csv column).
    pub metric: &'static str,
    /// Its band over the point's runs with a value that month.
    pub band: Band,
}

/// One point's values, gathered run by run, per month and kept metric
/// (see the module's note on memory); or only those of a range of its
/// cells (a month and a metric), to keep memory bounded when a point has
/// many runs.
#[derive(Clone, Debug)]
pub struct Bands {
    metrics: Vec<&'static Column>,
    months: u32,
    /// The cells gathered: cell `(m - 1) * metrics.len() + k` is month `m`
    /// (from 1) and metric `k`. An end of `usize::MAX`: every cell from
    /// the start, months past `months` too.
    window: std::ops::Range<usize>,
    /// The values of cell `window.start + i` at `i`.
    values: Vec<Vec<f64>>,
}

impl Bands {
    /// An empty accumulator for `metrics` over months `1..=months`.
    pub fn new(metrics: Vec<&'static Column>, months: u32) -> Self {
        Bands::window(metrics, months, 0..usize::MAX)
    }

    /// An empty accumulator for the cells `cells` only of `metrics` over
    /// months `1..=months` (see [`Bands`]).
    pub fn window(
        metrics: Vec<&'static Column>,
        months: u32,
        cells: std::ops::Range<usize>,
    ) -> Self {
        let all = months as usize * metrics.len();
        let len = all.min(cells.end).saturating_sub(cells.start);
        Bands {
            metrics,
            months,
            window: cells,
            values: vec![Vec::new(); len],
        }
    }

    /// An empty accumulator for the metrics named `names` (as a sweep's
    /// `keep_months`); `Err` names the first name that is not a
    /// metrics.csv column.
    pub fn with_names<S: AsRef<str>>(names: &[S], months: u32) -> Result<Self, String> {
        let metrics = names
            .iter()
            .map(|n| column(n.as_ref()).ok_or_else(|| n.as_ref().to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Bands::new(metrics, months))
    }

    /// The metrics kept, in order.
    pub fn metrics(&self) -> &[&'static Column] {
        &self.metrics
    }

    /// Adds a run's records: the months it completed (all of them for an ok
    /// run, those before the failure for a failed one, none for an invalid
    /// one). Undefined values are skipped; records of months outside
    /// `1..=months` are ignored.
    pub fn add_run(&mut self, records: &[MonthRecord]) {
        let k = self.metrics.len();
        for r in records {
            if r.month == 0 || r.month > self.months {
                continue;
            }
            let base = (r.month as usize - 1) * k;
            for j in 0..k {
                if let Some(x) = (self.metrics[j].get)(r)
                    && let Some(cell) = self.cell(base + j)
                {
                    cell.push(x);
                }
            }
        }
    }

    /// The values of cell `i`, if it is gathered here.
    fn cell(&mut self, i: usize) -> Option<&mut Vec<f64>> {
        if !self.window.contains(&i) {
            return None;
        }
        self.values.get_mut(i - self.window.start)
    }

    /// Adds one run's values of month `month` (from 1), one per kept
    /// metric in order, `None` where undefined; a month past those known
    /// adds rows up to it (when the accumulator's cells have no end).
    pub fn add_month(&mut self, month: u32, values: impl Iterator<Item = Option<f64>>) {
        if month == 0 {
            return;
        }
        let k = self.metrics.len();
        if month > self.months && self.window.end == usize::MAX {
            self.months = month;
            let len = (month as usize * k).saturating_sub(self.window.start);
            self.values.resize(len, Vec::new());
        }
        let base = (month as usize - 1) * k;
        for (j, x) in values.enumerate().take(k) {
            if let Some(x) = x
                && let Some(cell) = self.cell(base + j)
            {
                cell.push(x);
            }
        }
    }

    /// The point's rows (of its cells gathered), ordered by month then
    /// metric, with the quantiles `quantiles` (each in 0..=1). Consumes
    /// the accumulator (its values are sorted in place).
    pub fn finish(self, quantiles: &[f64]) -> Vec<BandRow> {
        let k = self.metrics.len();
        let metrics = self.metrics;
        let start = self.window.start;
        self.values
            .into_iter()
            .enumerate()
            .map(|(i, mut values)| BandRow {
                month: ((start + i) / k) as u32 + 1,
                metric: metrics[(start + i) % k].name,
                band: band(&mut values, quantiles),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorting_as_integers_gives_total_cmps_order_bit_for_bit() {
        let special = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::from_bits(0x7ff0_0000_0000_0001),
            f64::from_bits(0xfff8_0000_0000_0001),
        ];
        let mut x: u64 = 11;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x
        };
        for n in [0, 1, 2, 3, 17, 1000, 5000] {
            // Any bit pattern at all, ordinary numbers with repeats, and
            // every special value.
            let mut values: Vec<f64> = (0..n)
                .map(|i| match i % 3 {
                    0 => f64::from_bits(next()),
                    1 => (next() % 50) as f64 - 25.0,
                    _ => special[(next() % special.len() as u64) as usize],
                })
                .collect();
            values.extend_from_slice(&special[..n.min(special.len())]);
            let mut want = values.clone();
            want.sort_unstable_by(f64::total_cmp);
            let before = values.as_ptr();
            sort_total(&mut values);
            if n > 1 {
                assert_eq!(values.as_ptr(), before, "sorted where they were");
            }
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&values), bits(&want), "{n} values");
        }
        for b in [0, 1, SIGN - 1, SIGN, u64::MAX, 0x7ff8_0000_0000_0000] {
            assert_eq!(from_order_key(order_key(b)), b);
        }
    }

    #[test]
    fn a_quantile_by_selection_is_the_sorted_ones_bit_for_bit() {
        let mut x: u64 = 7;
        let mut values: Vec<f64> = (0..1001)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 11) as f64 / 9.0e15 - 0.3
            })
            .collect();
        values.extend([0.25, 0.25, -0.0, 0.0]);
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        for q in [0.0, 0.05, 0.1, 1.0 / 3.0, 0.5, 0.95, 0.975, 1.0] {
            for n in [1, 2, 3, 10, values.len()] {
                let mut some = values[..n].to_vec();
                let mut s = some.clone();
                s.sort_by(f64::total_cmp);
                assert_eq!(
                    quantile_of(&mut some, q).map(f64::to_bits),
                    quantile(&s, q).map(f64::to_bits),
                    "q {q}, n {n}"
                );
            }
        }
        assert_eq!(quantile_of(&mut [], 0.5), None);
        let _ = sorted;
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() <= 1e-12 * b.abs().max(1.0))
    }

    #[test]
    fn quantile_names_have_ten_significant_digits_and_no_trailing_zeros() {
        assert_eq!(quantile_name(0.05), "p5");
        assert_eq!(quantile_name(0.25), "p25");
        assert_eq!(quantile_name(0.5), "p50");
        assert_eq!(quantile_name(0.025), "p2.5");
        assert_eq!(quantile_name(0.999), "p99.9");
        assert_eq!(quantile_name(1.0 / 3.0), "p33.33333333");
        assert_eq!(quantile_name(0.0), "p0");
        assert_eq!(quantile_name(1.0), "p100");
        assert_eq!(quantile_name(0.95), "p95");
        assert_eq!(quantile_name(0.07), "p7");
        assert_eq!(quantile_name(0.123_456_789_012_3), "p12.3456789");
    }

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        // x = 10, 20, 30, 40, 50: h = 4q.
        let x = [10.0, 20.0, 30.0, 40.0, 50.0];
        assert_eq!(quantile(&x, 0.0), Some(10.0));
        assert_eq!(quantile(&x, 1.0), Some(50.0));
        assert_eq!(quantile(&x, 0.5), Some(30.0)); // h = 2
        assert_eq!(quantile(&x, 0.25), Some(20.0)); // h = 1
        // h = 0.2: 10 + 0.2 * 10 = 12.
        assert!(close(quantile(&x, 0.05), 12.0));
        // h = 3.8: 40 + 0.8 * 10 = 48.
        assert!(close(quantile(&x, 0.95), 48.0));
        // h = 4/3: 20 + (1/3) * 10 = 23.333...
        assert!(close(quantile(&x, 1.0 / 3.0), 70.0 / 3.0));
        // x = 1, 2, 4, 8: h = 3q; q = 0.5: h = 1.5, 2 + 0.5 * 2 = 3.
        let y = [1.0, 2.0, 4.0, 8.0];
        assert_eq!(quantile(&y, 0.5), Some(3.0));
        // q = 0.9: h = 2.7, 4 + 0.7 * 4 = 6.8.
        assert!(close(quantile(&y, 0.9), 6.8));
        // One value: every quantile is it; none: no quantile.
        assert_eq!(quantile(&[7.5], 0.3), Some(7.5));
        assert_eq!(quantile(&[], 0.5), None);
        // Equal neighbours give exactly their value.
        assert_eq!(quantile(&[0.1, 0.1, 0.1], 0.7), Some(0.1));
    }

    #[test]
    fn a_band_sorts_and_gives_n_mean_and_quantiles() {
        let mut v = vec![40.0, 10.0, 50.0, 30.0, 20.0];
        let b = band(&mut v, &[0.5, 0.05, 1.0]);
        assert_eq!(v, [10.0, 20.0, 30.0, 40.0, 50.0]);
        assert_eq!(b.n, 5);
        assert_eq!(b.mean, Some(30.0));
        assert_eq!(b.quantiles[0], Some(30.0));
        assert!(close(b.quantiles[1], 12.0));
        assert_eq!(b.quantiles[2], Some(50.0));
        let empty = band(&mut Vec::new(), &[0.5, 0.95]);
        assert_eq!(
            empty,
            Band {
                n: 0,
                mean: None,
                quantiles: vec![None, None]
            }
        );
    }

    /// numpy 2.4.6, `np.quantile(x, qs)` (default method 'linear') and
    /// `np.mean`, run once by hand (numpy not being a
    /// dependency); the literals are its output (`repr`).
    #[test]
    fn quantiles_agree_with_numpy_to_the_bit() {
        let qs = [0.0, 0.05, 0.25, 1.0 / 3.0, 0.5, 0.75, 0.95, 0.999, 1.0];
        for (x, expected, mean) in NUMPY_CASES {
            let mut v = x.to_vec();
            let b = band(&mut v, &qs);
            for ((q, got), want) in qs.iter().zip(&b.quantiles).zip(expected) {
                assert_eq!(*got, Some(want), "x = {x:?}, q = {q}");
            }
            // numpy sums pairwise, so the mean may differ in the last bit.
            assert!(close(b.mean, mean), "x = {x:?}: mean {:?}", b.mean);
        }
    }

    // Filled in from numpy; see `quantiles_agree_with_numpy_to_the_bit`.
    const NUMPY_CASES: [(&[f64], [f64; 9], f64); 3] = [
        (
            &[3.7, -1.2, 0.0, 8.25, 2.5, 2.5, 10.0, -4.4, 6.1],
            [
                -4.4,
                -3.12,
                0.0,
                1.6666666666666663,
                2.5,
                6.1,
                9.299999999999999,
                9.986,
                10.0,
            ],
            3.05,
        ),
        (
            &[0.1, 0.7, 0.3, 0.2, 0.9, 0.6, 0.4],
            [
                0.1,
                0.13,
                0.25,
                0.3,
                0.4,
                0.6499999999999999,
                0.8399999999999999,
                0.8987999999999999,
                0.9,
            ],
            0.45714285714285713,
        ),
        (
            &[1e6, 1.000_001e6, 3.3e-3, 2.0 / 3.0],
            [
                0.0033,
                0.10280500000000001,
                0.500825,
                0.6666666666666666,
                500000.3333333333,
                1000000.25,
                1000000.85,
                1000000.997,
                1000001.0,
            ],
            500000.4174916666,
        ),
    ];

    fn rec(month: u32, price: f64, irr: Option<f64>) -> MonthRecord {
        MonthRecord {
            month,
            leaf_price: price,
            irr: irr.into(),
            ..Default::default()
        }
    }

    #[test]
    fn bands_count_failed_runs_for_their_months_and_skip_undefined_values() {
        let mut bands = Bands::with_names(&["leaf_price", "irr"], 3).unwrap();
        assert_eq!(bands.metrics().len(), 2);
        // An ok run.
        bands.add_run(&[
            rec(1, 1.0, Some(0.1)),
            rec(2, 2.0, Some(0.2)),
            rec(3, 3.0, Some(0.3)),
        ]);
        // A run that failed in month 3: months 1 and 2 count.
        bands.add_run(&[rec(1, 3.0, None), rec(2, 4.0, Some(0.4))]);
        // An invalid run: nothing.
        bands.add_run(&[]);
        // Another ok run, irr undefined in month 2.
        bands.add_run(&[rec(1, 2.0, Some(0.3)), rec(2, 9.0, None), rec(3, 5.0, None)]);
        let rows = bands.finish(&[0.5, 0.25]);
        let order: Vec<(u32, &str)> = rows.iter().map(|r| (r.month, r.metric)).collect();
        assert_eq!(
            order,
            [
                (1, "leaf_price"),
                (1, "irr"),
                (2, "leaf_price"),
                (2, "irr"),
                (3, "leaf_price"),
                (3, "irr")
            ]
        );
        let b = |i: usize| &rows[i].band;
        // Month 1 prices 1, 3, 2: mean 2, median 2, p25 (h = 0.5) 1.5.
        assert_eq!(b(0).n, 3);
        assert_eq!(b(0).mean, Some(2.0));
        assert_eq!(b(0).quantiles, [Some(2.0), Some(1.5)]);
        // Month 1 irr 0.1, 0.3 (one undefined): n 2, mean 0.2,
        // median (h = 0.5) 0.2, p25 (h = 0.25) 0.15.
        assert_eq!(b(1).n, 2);
        assert!(close(b(1).mean, 0.2));
        assert!(close(b(1).quantiles[0], 0.2));
        assert!(close(b(1).quantiles[1], 0.15));
        // Month 2 prices 2, 4, 9: mean 5, median 4, p25 3.
        assert_eq!(b(2).n, 3);
        assert_eq!(b(2).mean, Some(5.0));
        assert_eq!(b(2).quantiles, [Some(4.0), Some(3.0)]);
        // Month 2 irr 0.2, 0.4: median 0.3, p25 0.25.
        assert_eq!(b(3).n, 2);
        assert!(close(b(3).quantiles[0], 0.3));
        assert!(close(b(3).quantiles[1], 0.25));
        // Month 3 prices 3, 5 (the failed run stopped): mean 4, p25 3.5.
        assert_eq!(b(4).n, 2);
        assert_eq!(b(4).mean, Some(4.0));
        assert_eq!(b(4).quantiles, [Some(4.0), Some(3.5)]);
        // Month 3 irr: 0.3 only.
        assert_eq!(b(5).n, 1);
        assert_eq!(b(5).quantiles, [Some(0.3), Some(0.3)]);
    }

    #[test]
    fn months_no_run_reached_have_n_0_and_no_values() {
        let mut bands = Bands::with_names(&["aegis_value"], 2).unwrap();
        let mut r = MonthRecord {
            month: 1,
            aegis_value: 7.0,
            ..Default::default()
        };
        bands.add_run(std::slice::from_ref(&r));
        r.month = 3; // past the point's months: ignored
        bands.add_run(&[r]);
        let rows = bands.finish(&[0.05]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].band.n, 1);
        assert_eq!(rows[0].band.quantiles, [Some(7.0)]);
        assert_eq!(
            rows[1].band,
            Band {
                n: 0,
                mean: None,
                quantiles: vec![None]
            }
        );
        assert_eq!(
            Bands::with_names(&["leaf_price", "nope"], 1).unwrap_err(),
            "nope"
        );
        assert!(
            Bands::with_names::<&str>(&[], 5)
                .unwrap()
                .finish(&[0.5])
                .is_empty()
        );
    }
}
