//! `sensitivity.csv` (and `sensitivity_s2.csv`) from a finished sweep's
//! `runs.parquet` and `months.parquet`, in the step that writes the bands:
//! each row's value is the mean of its runs' values; the indices of every
//! main metric at the last month, then of every kept metric at every
//! month. One metric's row values are held at a time.

use std::io;
use std::path::{Path, PathBuf};

use arrow_array::{Array, RecordBatch, UInt32Array};
use canopy_output::atomic;
use canopy_output::csv_cell as cell;
use rayon::prelude::*;

use super::layout::{Trajectory, delta, trajectories};
use super::{morris, resamples, sobol, z};
use crate::columns::{Numbers, point_column, status_column};
use crate::defaults::MAIN_METRICS;
use crate::file::{Method, Sensitivity, Sweep};
use crate::folder::{MONTHS, SENSITIVITY, SENSITIVITY_S2, remove_if_there};
use crate::parquet_io;

/// One metric's factors ranked by ST (Sobol) or mu_star (Morris) at the
/// last month, with their intervals.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranking {
    /// The metric.
    pub metric: String,
    /// Factor keys, most important first.
    pub factors: Vec<String>,
    /// Their ST or mu_star.
    pub value: Vec<f64>,
    /// The interval's low end.
    pub lo: Vec<f64>,
    /// The interval's high end.
    pub hi: Vec<f64>,
    /// Sobol: their S1 (to read against ST); Morris: sigma.
    pub second: Vec<f64>,
}

/// One kept metric's ST (or mu_star) of every factor, month by month.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexSeries {
    /// The metric.
    pub metric: String,
    /// Months, from 1.
    pub months: Vec<u32>,
    /// Per factor (in file order), its index each month (`None` where a
    /// row had no value).
    pub values: Vec<Vec<Option<f64>>>,
}

/// What the report draws of a sensitivity sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct SensitivityFindings {
    /// "ST" or "mu_star": the index that ranks.
    pub index: &'static str,
    /// The factor keys, in file order.
    pub factors: Vec<String>,
    /// Per main metric with values, its ranking.
    pub rankings: Vec<Ranking>,
    /// Per kept metric, its index over the months.
    pub series: Vec<IndexSeries>,
    /// Base samples (Sobol) or trajectories (Morris).
    pub samples: u64,
    /// Bootstrap resamples.
    pub resamples: u32,
    /// The intervals' confidence.
    pub confidence: f64,
}

/// The indices of one output, Sobol's or Morris's.
enum Indices {
    Sobol(sobol::SobolIndices),
    Morris(Vec<morris::Measures>),
}

/// What the estimators need, made once for every output.
struct Analysis<'a> {
    s: &'a Sensitivity,
    resamples: Vec<Vec<u32>>,
    trajectories: Vec<Trajectory>,
    z: f64,
}

impl Analysis<'_> {
    fn of(s: &Sensitivity, seed: u64) -> Analysis<'_> {
        let (n, trajectories) = match s.method {
            Method::Sobol { .. } => (s.samples as usize, Vec::new()),
            Method::Morris { levels } => (
                s.samples as usize,
                trajectories(s.factors.len(), s.samples, levels, seed),
            ),
        };
        Analysis {
            s,
            resamples: resamples(n, s.resamples as usize, seed),
            trajectories,
            z: z(s.confidence),
        }
    }

    fn run(&self, y: &[f64]) -> Option<Indices> {
        let d = self.s.factors.len();
        match self.s.method {
            Method::Sobol { second_order } => {
                sobol::analyze(y, d, second_order, &self.resamples, self.z).map(Indices::Sobol)
            }
            Method::Morris { levels } => morris::analyze(
                y,
                &self.trajectories,
                delta(levels),
                &self.resamples,
                self.z,
            )
            .map(Indices::Morris),
        }
    }
}

/// The header of `sensitivity.csv`.
pub fn header(method: Method) -> Vec<&'static str> {
    let mut h = vec!["metric", "month", "factor"];
    match method {
        Method::Sobol { .. } => h.extend(["S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"]),
        Method::Morris { .. } => h.extend(["mu", "mu_star", "sigma", "mu_star_lo", "mu_star_hi"]),
    }
    h
}

/// The header of `sensitivity_s2.csv`.
pub const S2_HEADER: [&str; 7] = [
    "metric", "month", "factor_1", "factor_2", "S2", "S2_lo", "S2_hi",
];

/// Writes `sensitivity.csv` (and `sensitivity_s2.csv` with second order)
/// for a sensitivity sweep in `dir` whose runs' rows are in `runs` (its
/// `runs.parquet`, or the chunks it is joined from), whose base seed is
/// `seed` and whose rows have `months` months; for another sweep, removes
/// them. Gives what the report draws.
pub fn write(
    dir: &Path,
    runs: &[PathBuf],
    sweep: &Sweep,
    seed: u64,
    months: u32,
) -> io::Result<Option<SensitivityFindings>> {
    let Some(s) = &sweep.sensitivity else {
        remove_if_there(&dir.join(SENSITIVITY))?;
        remove_if_there(&dir.join(SENSITIVITY_S2))?;
        return Ok(None);
    };
    let rows = s.rows() as usize;
    let analysis = Analysis::of(s, seed);
    let factors: Vec<String> = s.factors.iter().map(|f| f.key.path.clone()).collect();
    let second_order = matches!(s.method, Method::Sobol { second_order: true });
    let mut csv = csv::Writer::from_writer(Vec::new());
    let width = header(s.method).len();
    csv.write_record(header(s.method))?;
    let mut s2 = csv::Writer::from_writer(Vec::new());
    s2.write_record(S2_HEADER)?;
    let mut findings = SensitivityFindings {
        index: match s.method {
            Method::Sobol { .. } => "ST",
            Method::Morris { .. } => "mu_star",
        },
        factors: factors.clone(),
        rankings: Vec::new(),
        series: Vec::new(),
        samples: s.samples,
        resamples: s.resamples,
        confidence: s.confidence,
    };

    // The main metrics at the last month, one at a time (each one's
    // resamples in parallel).
    for m in MAIN_METRICS {
        let r = analysis.run(&row_means(runs, m, rows)?);
        write_rows(&mut csv, &mut s2, m, None, &factors, r.as_ref(), width)?;
        if let Some(r) = &r {
            findings.rankings.push(ranking(m, &factors, r));
        }
    }

    // Every kept metric at every month, one metric's rows at a time.
    if months > 0 && dir.join(MONTHS).is_file() {
        for m in &sweep.keep_months {
            let by_month = month_means(dir, m, rows, months)?;
            let results: Vec<Option<Indices>> =
                by_month.par_iter().map(|y| analysis.run(y)).collect();
            let mut series = IndexSeries {
                metric: m.clone(),
                months: (1..=months).collect(),
                values: vec![Vec::new(); factors.len()],
            };
            for (month, r) in (1..=months).zip(&results) {
                write_rows(
                    &mut csv,
                    &mut s2,
                    m,
                    Some(month),
                    &factors,
                    r.as_ref(),
                    width,
                )?;
                for (j, v) in series.values.iter_mut().enumerate() {
                    v.push(r.as_ref().map(|r| ranked_value(r, j)));
                }
            }
            findings.series.push(series);
        }
    }
    let bytes = csv
        .into_inner()
        .map_err(|e| io::Error::other(e.to_string()))?;
    atomic::write_atomic(&dir.join(SENSITIVITY), &bytes)?;
    if second_order {
        let bytes = s2
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))?;
        atomic::write_atomic(&dir.join(SENSITIVITY_S2), &bytes)?;
    } else {
        remove_if_there(&dir.join(SENSITIVITY_S2))?;
    }
    Ok(Some(findings))
}

/// ST or mu_star of factor `j`.
fn ranked_value(r: &Indices, j: usize) -> f64 {
    match r {
        Indices::Sobol(s) => s.orders[j].st,
        Indices::Morris(m) => m[j].mu_star,
    }
}

fn ranking(metric: &str, factors: &[String], r: &Indices) -> Ranking {
    let (value, conf, second): (Vec<f64>, Vec<f64>, Vec<f64>) = match r {
        Indices::Sobol(s) => (
            s.orders.iter().map(|o| o.st).collect(),
            s.orders.iter().map(|o| o.st_conf).collect(),
            s.orders.iter().map(|o| o.s1).collect(),
        ),
        Indices::Morris(m) => (
            m.iter().map(|x| x.mu_star).collect(),
            m.iter().map(|x| x.mu_star_conf).collect(),
            m.iter().map(|x| x.sigma).collect(),
        ),
    };
    let mut order: Vec<usize> = (0..factors.len()).collect();
    // Most important first; ties keep file order.
    order.sort_by(|&a, &b| value[b].total_cmp(&value[a]));
    Ranking {
        metric: metric.to_string(),
        factors: order.iter().map(|&j| factors[j].clone()).collect(),
        value: order.iter().map(|&j| value[j]).collect(),
        lo: order.iter().map(|&j| value[j] - conf[j]).collect(),
        hi: order.iter().map(|&j| value[j] + conf[j]).collect(),
        second: order.iter().map(|&j| second[j]).collect(),
    }
}

/// One output's rows of both files: every factor (and pair), its cells
/// empty when a row had no value.
fn write_rows(
    csv: &mut csv::Writer<Vec<u8>>,
    s2: &mut csv::Writer<Vec<u8>>,
    metric: &str,
    month: Option<u32>,
    factors: &[String],
    r: Option<&Indices>,
    width: usize,
) -> io::Result<()> {
    let month = month.map(|m| m.to_string()).unwrap_or_default();
    let c = |x: f64| cell(Some(x));
    for (j, f) in factors.iter().enumerate() {
        let mut row = vec![metric.to_string(), month.clone(), f.clone()];
        match r {
            Some(Indices::Sobol(s)) => {
                let o = s.orders[j];
                row.extend([
                    c(o.s1),
                    c(o.s1 - o.s1_conf),
                    c(o.s1 + o.s1_conf),
                    c(o.st),
                    c(o.st - o.st_conf),
                    c(o.st + o.st_conf),
                ]);
            }
            Some(Indices::Morris(m)) => {
                let x = m[j];
                row.extend([
                    c(x.mu),
                    c(x.mu_star),
                    c(x.sigma),
                    c(x.mu_star - x.mu_star_conf),
                    c(x.mu_star + x.mu_star_conf),
                ]);
            }
            None => row.resize(width, String::new()),
        }
        csv.write_record(&row)?;
    }
    if let Some(Indices::Sobol(s)) = r {
        for p in &s.pairs {
            s2.write_record([
                metric.to_string(),
                month.clone(),
                factors[p.j].clone(),
                factors[p.k].clone(),
                c(p.s2),
                c(p.s2 - p.s2_conf),
                c(p.s2 + p.s2_conf),
            ])?;
        }
    }
    Ok(())
}

/// Each row's mean of `metric` over its ok runs in `runs` (NaN where none
/// has a value).
fn row_means(runs: &[PathBuf], metric: &str, rows: usize) -> io::Result<Vec<f64>> {
    let mut sum = vec![0.0; rows];
    let mut n = vec![0u32; rows];
    for batch in parquet_io::read_files(runs, Some(&["point", "status", metric])) {
        let (path, batch) = batch?;
        let point = point_column(&batch)?;
        let status = status_column(&batch, path)?;
        let values = Numbers::of(&batch, metric);
        for i in 0..batch.num_rows() {
            let p = point.value(i) as usize;
            if let (true, Some(x), true) = (status.value(i) == "ok", values.get(i), p < rows) {
                sum[p] += x;
                n[p] += 1;
            }
        }
    }
    Ok(means(sum, &n))
}

/// Each month's row means of a kept metric in `months.parquet` (every run
/// with a value that month, as the bands count them).
fn month_means(dir: &Path, metric: &str, rows: usize, months: u32) -> io::Result<Vec<Vec<f64>>> {
    let path = dir.join(MONTHS);
    let cells = rows * months as usize;
    let mut sum = vec![0.0; cells];
    let mut n = vec![0u32; cells];
    for batch in parquet_io::read(&path, Some(&["point", "month", metric]))? {
        let batch = batch?;
        let point = point_column(&batch)?;
        let month = month_column(&batch)?;
        let values = Numbers::of(&batch, metric);
        for i in 0..batch.num_rows() {
            let (p, m) = (point.value(i) as usize, month.value(i));
            if let (Some(x), true) = (values.get(i), p < rows && (1..=months).contains(&m)) {
                let c = (m as usize - 1) * rows + p;
                sum[c] += x;
                n[c] += 1;
            }
        }
    }
    let all = means(sum, &n);
    Ok(all.chunks(rows.max(1)).map(<[f64]>::to_vec).collect())
}

fn means(mut sum: Vec<f64>, n: &[u32]) -> Vec<f64> {
    for (s, &k) in sum.iter_mut().zip(n) {
        *s = if k == 0 { f64::NAN } else { *s / f64::from(k) };
    }
    sum
}

fn month_column(batch: &RecordBatch) -> io::Result<&UInt32Array> {
    batch
        .column_by_name("month")
        .and_then(|a| a.as_any().downcast_ref::<UInt32Array>())
        .filter(|a| a.null_count() == 0)
        .ok_or_else(|| io::Error::other("months.parquet without a uint32 `month` column"))
}
