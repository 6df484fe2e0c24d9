//! What the pairs of a comparison say: run r of A (point 0) against run r
//! of B (point 1), gathered from the runner's chunks as they are computed
//! ([`Pairing`]) or read back from `runs.parquet` and `months.parquet`
//! ([`finish`]).

use std::io;
use std::path::Path;
use std::sync::Mutex;

use arrow_array::{RecordBatch, UInt32Array};
use canopy_model::column;
use canopy_output::atomic;
use canopy_output::csv_cell as cell;

use rayon::prelude::*;

use crate::bands::{quantile, quantile_of};
use crate::chunk::ChunkResult;
use crate::columns::{Numbers, flag, point_column, status_column};
use crate::criteria::{Count, Met};
use crate::folder::{MONTHS, RUNS};
use crate::intervals::{clopper_pearson, mcnemar, mean_interval};
use crate::parquet_io;
use crate::points::Plan;
use crate::runner::Watch;
use crate::summary::{Compute, SUMMARY_COLUMNS};

/// `diff.csv`.
pub const DIFF_CSV: &str = "diff.csv";
/// `diff_bands.csv`.
pub const DIFF_BANDS_CSV: &str = "diff_bands.csv";
/// `crossing.csv`.
pub const CROSSING_CSV: &str = "crossing.csv";
/// `criteria.csv`.
pub const CRITERIA_CSV: &str = "criteria.csv";

/// The quantiles of the paired differences: numpy's linear method.
const DIFF_QUANTILES: [f64; 3] = [0.05, 0.5, 0.95];

/// One row of `diff.csv`: a metric in the last month (or a `min_` column
/// of runs.parquet), A against B.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DiffRow {
    /// The metric.
    pub metric: String,
    /// Mean of A over its ok runs where the metric is defined.
    pub a_mean: Option<f64>,
    /// Mean of B likewise.
    pub b_mean: Option<f64>,
    /// Median of A.
    pub a_p50: Option<f64>,
    /// Median of B.
    pub b_p50: Option<f64>,
    /// Mean of B - A over the pairs where both are ok and defined.
    pub diff_mean: Option<f64>,
    /// Student t interval of that mean (fewer than 2 pairs: none).
    pub diff_ci: Option<(f64, f64)>,
    /// 5 %, 50 % and 95 % quantiles of the differences.
    pub diff_q: [Option<f64>; 3],
    /// Share of pairs with B > A.
    pub b_greater: Option<f64>,
    /// Pairs.
    pub n: u64,
}

/// One row of `diff_bands.csv`: a kept metric's paired differences in one
/// month.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DiffBand {
    /// The month.
    pub month: u32,
    /// Pairs defined in that month.
    pub n: u64,
    /// Their mean.
    pub mean: Option<f64>,
    /// 5 %, 50 % and 95 % quantiles.
    pub q: [Option<f64>; 3],
}

/// A kept metric month by month: both medians and the differences.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MonthlyDiff {
    /// The metric.
    pub metric: String,
    /// Months, from 1: the longer of the two sides.
    pub months: Vec<u32>,
    /// A's median over its ok runs, per month.
    pub a_p50: Vec<Option<f64>>,
    /// B's median, per month.
    pub b_p50: Vec<Option<f64>>,
    /// The differences, per month.
    pub bands: Vec<DiffBand>,
}

/// A month where a kept metric's median difference changes sign.
#[derive(Clone, Debug, PartialEq)]
pub struct Crossing {
    /// The metric.
    pub metric: String,
    /// The first month of the new sign.
    pub month: u32,
    /// The median difference in the last month of the old sign.
    pub before: f64,
    /// The median difference in `month`.
    pub after: f64,
}

/// A criterion on both sides, and on the pairs.
#[derive(Clone, Debug, PartialEq)]
pub struct CriterionPair {
    /// Its name.
    pub name: String,
    /// Its condition.
    pub condition: String,
    /// A's count.
    pub a: Count,
    /// B's count.
    pub b: Count,
    /// Pairs (both ok) where A met it and B did not.
    pub only_a: u64,
    /// Pairs where B met it and A did not.
    pub only_b: u64,
    /// McNemar's exact two-sided p-value.
    pub mcnemar_p: f64,
}

/// Everything a comparison finds, for its report.
#[derive(Clone, Debug, Default)]
pub struct Findings {
    /// Runs per side.
    pub runs: u64,
    /// A's runs that were not ok.
    pub a_not_ok: u64,
    /// B's.
    pub b_not_ok: u64,
    /// `diff.csv`.
    pub diff: Vec<DiffRow>,
    /// Each kept metric month by month.
    pub monthly: Vec<MonthlyDiff>,
    /// `crossing.csv`.
    pub crossings: Vec<Crossing>,
    /// `criteria.csv`.
    pub criteria: Vec<CriterionPair>,
}

/// The metrics of `diff.csv`, in order: every metrics.csv column but month
/// (their last month), then the `min_` columns of runs.parquet.
pub fn diff_metrics() -> Vec<&'static str> {
    let last = SUMMARY_COLUMNS
        .iter()
        .filter(|c| matches!(c.compute, Compute::Last(_)))
        .map(|c| c.name);
    let mins = SUMMARY_COLUMNS
        .iter()
        .filter(|c| c.name.starts_with("min_"))
        .map(|c| c.name);
    last.chain(mins).collect()
}

/// Sorted copy of the defined values.
fn sorted(xs: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = xs.collect();
    crate::bands::sort_total(&mut v);
    v
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// One side's values of the diff metrics (and status, criteria) by run:
/// `values[k][run]`.
struct Side {
    ok: Vec<bool>,
    values: Vec<Vec<Option<f64>>>,
    met: Vec<Vec<Option<Met>>>,
}

/// What the pairs need of a comparison's rows, gathered batch by batch:
/// from its chunks while the runner has them in memory ([`Pairing`]), or
/// read back from its files ([`finish`]); both give the same findings.
///
/// **Memory.** Each kept metric's values of both sides, by month and run:
/// 8 bytes each (10,000 runs a side of 60 months with the 7 default
/// metrics: 67 MB, what reading `months.parquet` back held), and 16 bytes
/// a run and side for each metric of `diff.csv`.
struct Gathered {
    runs: usize,
    months: [u32; 2],
    names: Vec<&'static str>,
    /// Each criterion's name and condition, and its columns in runs.parquet.
    criteria: Vec<(String, String, [String; 2])>,
    confidence: f64,
    kept: Vec<&'static str>,
    sides: [Side; 2],
    /// Each kept metric's values on each side: month `m` (from 1) of run
    /// `r` at `(m - 1) * runs + r`, so that a month's values lie together;
    /// NaN where undefined, not there, or the run is not ok. They start at
    /// 0.0 (memory the system gives zeroed, at no cost) and each run's
    /// cells are written as its rows come; [`Gathered::complete`] says
    /// whether every cell was.
    monthly: Vec<[Vec<f64>; 2]>,
    /// Rows of `runs.parquet` added.
    runs_seen: u64,
    /// Rows of `months.parquet` added, of ok runs.
    ok_rows: u64,
}

impl Gathered {
    /// Nothing gathered yet of the comparison `plan`.
    fn new(plan: &Plan) -> Gathered {
        let runs = plan.sweep.runs as usize;
        let names = diff_metrics();
        let criteria: Vec<(String, String, [String; 2])> = plan
            .sweep
            .criteria
            .iter()
            .map(|c| (c.name.clone(), c.condition(), c.run_columns()))
            .collect();
        let months = [0, 1].map(|p| plan.points[p].scenario.simulation.months);
        let kept: Vec<&'static str> = plan
            .sweep
            .keep_months
            .iter()
            .filter_map(|n| column(n).map(|c| c.name))
            .collect();
        let side = || Side {
            ok: vec![false; runs],
            values: vec![vec![None; runs]; names.len()],
            met: vec![vec![None; runs]; criteria.len()],
        };
        let monthly = kept
            .iter()
            .map(|_| [0, 1].map(|p| vec![0.0; runs * months[p] as usize]))
            .collect();
        Gathered {
            runs,
            months,
            sides: [side(), side()],
            names,
            criteria,
            confidence: plan.sweep.confidence,
            kept,
            monthly,
            runs_seen: 0,
            ok_rows: 0,
        }
    }

    /// Whether every run of both sides was added once, and each ok run's
    /// every month: then every cell of the kept metrics is written.
    fn complete(&self) -> bool {
        let ok_cells: u64 = (0..2)
            .map(|p| {
                let ok = self.sides[p].ok.iter().filter(|o| **o).count() as u64;
                ok * u64::from(self.months[p])
            })
            .sum();
        self.runs_seen == 2 * self.runs as u64 && self.ok_rows == ok_cells
    }

    /// Reads what the pairs need from `runs.parquet` and `months.parquet`
    /// in `dir`.
    fn read(dir: &Path, plan: &Plan) -> io::Result<Gathered> {
        let mut g = Gathered::new(plan);
        // A file may lack rows: every cell starts not there.
        for v in g.monthly.iter_mut().flatten() {
            v.fill(f64::NAN);
        }
        let path = dir.join(RUNS);
        let mut wanted: Vec<&str> = vec!["point", "run", "status"];
        wanted.extend(&g.names);
        wanted.extend(g.criteria.iter().flat_map(|c| &c.2).map(String::as_str));
        let batches = parquet_io::read(&path, Some(&wanted))?;
        for batch in batches {
            let batch = batch?;
            g.add_runs(&batch, &path)?;
        }
        if g.kept.is_empty() {
            return Ok(g);
        }
        let path = dir.join(MONTHS);
        let mut wanted = vec!["point", "run", "month"];
        wanted.extend(&g.kept);
        for batch in parquet_io::read(&path, Some(&wanted))? {
            let batch = batch?;
            g.add_months(&batch)?;
        }
        Ok(g)
    }

    /// Adds rows of `runs.parquet` (read from `path`).
    fn add_runs(&mut self, batch: &RecordBatch, path: &Path) -> io::Result<()> {
        let runs = self.runs;
        let point = point_column(batch)?;
        let status = status_column(batch, path)?;
        let run = batch
            .column_by_name("run")
            .and_then(|a| a.as_any().downcast_ref::<UInt32Array>())
            .ok_or_else(|| io::Error::other(format!("{}: no run column", path.display())))?;
        let columns: Vec<Numbers> = self.names.iter().map(|n| Numbers::of(batch, n)).collect();
        for i in 0..batch.num_rows() {
            let (p, r) = (point.value(i) as usize, run.value(i) as usize);
            let Some(side) = self.sides.get_mut(p) else {
                continue;
            };
            if r >= runs {
                continue;
            }
            let ok = status.value(i) == "ok";
            side.ok[r] = ok;
            self.runs_seen += 1;
            if !ok {
                let months = self.months[p] as usize;
                for v in &mut self.monthly {
                    for m in 0..months {
                        v[p][m * runs + r] = f64::NAN;
                    }
                }
            }
            for (k, c) in columns.iter().enumerate() {
                side.values[k][r] = if ok { c.get(i) } else { None };
            }
            for (k, (_, _, [met, month])) in self.criteria.iter().enumerate() {
                side.met[k][r] = ok.then(|| flag(batch, met, i)).flatten().map(|m| Met {
                    met: m,
                    month: Numbers::of(batch, month).get(i).map(|x| x as u32),
                });
            }
        }
        Ok(())
    }

    /// Adds rows of `months.parquet`: only those of runs already added
    /// (by [`Gathered::add_runs`]) as ok.
    fn add_months(&mut self, batch: &RecordBatch) -> io::Result<()> {
        let (runs, months) = (self.runs, self.months);
        let point = point_column(batch)?;
        let run = Numbers::of(batch, "run");
        let month = Numbers::of(batch, "month");
        let values: Vec<Numbers> = self.kept.iter().map(|m| Numbers::of(batch, m)).collect();
        // Where each row's values go, found once; then one metric at a
        // time, so that a batch's writes stay within a few pages.
        let mut to: Vec<Option<(usize, usize)>> = Vec::with_capacity(batch.num_rows());
        for i in 0..batch.num_rows() {
            let p = point.value(i) as usize;
            let (Some(r), Some(m)) = (run.get(i), month.get(i)) else {
                to.push(None);
                continue;
            };
            let (r, m) = (r as usize, m as usize);
            if p > 1 || r >= runs || m == 0 || m > months[p] as usize || !self.sides[p].ok[r] {
                to.push(None);
                continue;
            }
            self.ok_rows += 1;
            to.push(Some((p, (m - 1) * runs + r)));
        }
        for (v, sides) in values.iter().zip(&mut self.monthly) {
            for (i, at) in to.iter().enumerate() {
                if let Some((p, at)) = *at {
                    sides[p][at] = v.get(i).unwrap_or(f64::NAN);
                }
            }
        }
        Ok(())
    }

    /// What the pairs say. Each metric is done on its own, the cores
    /// sharing them (their order kept); each kept metric's values are
    /// dropped once its months are done.
    fn findings(self) -> Findings {
        let Gathered {
            runs,
            months,
            names,
            criteria,
            confidence,
            kept,
            sides: [a, b],
            monthly: values,
            ..
        } = self;
        let (diff, monthly_diffs) = rayon::join(
            || {
                names
                    .par_iter()
                    .enumerate()
                    .map(|(k, m)| diff_row(m, &a.values[k], &b.values[k], confidence))
                    .collect::<Vec<DiffRow>>()
            },
            || {
                kept.par_iter()
                    .zip(values)
                    .map(|(name, v)| monthly(name, &v, runs, months))
                    .collect::<Vec<MonthlyDiff>>()
            },
        );
        let crossings: Vec<Crossing> = monthly_diffs.iter().flat_map(crossings).collect();
        let criteria = criteria
            .into_iter()
            .enumerate()
            .map(|(k, (name, condition, _))| {
                let mut pair = CriterionPair {
                    name,
                    condition,
                    a: Count::default(),
                    b: Count::default(),
                    only_a: 0,
                    only_b: 0,
                    mcnemar_p: 1.0,
                };
                for r in 0..runs {
                    let (x, y) = (a.met[k][r], b.met[k][r]);
                    pair.a.add(x);
                    pair.b.add(y);
                    match (x.map(|m| m.met), y.map(|m| m.met)) {
                        (Some(true), Some(false)) => pair.only_a += 1,
                        (Some(false), Some(true)) => pair.only_b += 1,
                        _ => {}
                    }
                }
                pair.mcnemar_p = mcnemar(pair.only_a, pair.only_b);
                pair
            })
            .collect();
        Findings {
            runs: runs as u64,
            a_not_ok: a.ok.iter().filter(|o| !**o).count() as u64,
            b_not_ok: b.ok.iter().filter(|o| !**o).count() as u64,
            diff,
            monthly: monthly_diffs,
            crossings,
            criteria,
        }
    }
}

fn diff_row(metric: &str, a: &[Option<f64>], b: &[Option<f64>], confidence: f64) -> DiffRow {
    let a_sorted = sorted(a.iter().flatten().copied());
    let b_sorted = sorted(b.iter().flatten().copied());
    let diffs: Vec<f64> = a
        .iter()
        .zip(b)
        .filter_map(|(x, y)| Some((*y)? - (*x)?))
        .collect();
    let n = diffs.len() as u64;
    let interval = mean_interval(&diffs, confidence);
    let greater = diffs.iter().filter(|d| **d > 0.0).count();
    let ds = sorted(diffs.iter().copied());
    DiffRow {
        metric: metric.to_string(),
        a_mean: mean(&a_sorted),
        b_mean: mean(&b_sorted),
        a_p50: quantile(&a_sorted, 0.5),
        b_p50: quantile(&b_sorted, 0.5),
        diff_mean: interval.map(|i| i.0),
        diff_ci: interval.and_then(|i| i.1),
        diff_q: DIFF_QUANTILES.map(|q| quantile(&ds, q)),
        b_greater: (n > 0).then(|| greater as f64 / n as f64),
        n,
    }
}

fn monthly(metric: &str, values: &[Vec<f64>; 2], runs: usize, months: [u32; 2]) -> MonthlyDiff {
    let longest = months[0].max(months[1]);
    // A side's values in month m, by run; none past its last month.
    let month = |p: usize, m: u32| -> &[f64] {
        if m <= months[p] {
            let m = m as usize;
            &values[p][(m - 1) * runs..m * runs]
        } else {
            &[]
        }
    };
    let defined = |x: &&f64| !x.is_nan();
    let mut out = MonthlyDiff {
        metric: metric.to_string(),
        ..MonthlyDiff::default()
    };
    // Quantiles by selection: a month's values need no full sort.
    let (mut a, mut b, mut d) = (Vec::new(), Vec::new(), Vec::new());
    for m in 1..=longest {
        let (x, y) = (month(0, m), month(1, m));
        a.clear();
        b.clear();
        d.clear();
        a.extend(x.iter().filter(defined));
        b.extend(y.iter().filter(defined));
        // Run by run, where both sides have a value.
        d.extend(
            x.iter()
                .zip(y)
                .filter(|(x, y)| !x.is_nan() && !y.is_nan())
                .map(|(x, y)| y - x),
        );
        out.months.push(m);
        out.a_p50.push(quantile_of(&mut a, 0.5));
        out.b_p50.push(quantile_of(&mut b, 0.5));
        let mean = mean(&d);
        out.bands.push(DiffBand {
            month: m,
            n: d.len() as u64,
            mean,
            q: DIFF_QUANTILES.map(|q| quantile_of(&mut d, q)),
        });
    }
    out
}

/// The months where the median difference takes the other sign than the
/// last month with a sign (a zero has none).
fn crossings(m: &MonthlyDiff) -> Vec<Crossing> {
    let mut out = Vec::new();
    let mut last: Option<(f64, u32)> = None;
    for b in &m.bands {
        let Some(x) = b.q[1].filter(|x| *x != 0.0) else {
            continue;
        };
        if let Some((before, _)) = last
            && (before > 0.0) != (x > 0.0)
        {
            out.push(Crossing {
                metric: m.metric.clone(),
                month: b.month,
                before,
                after: x,
            });
        }
        last = Some((x, b.month));
    }
    out
}

fn write_csv(dir: &Path, name: &str, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(r)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| io::Error::other(e.to_string()))?;
    atomic::write_atomic(&dir.join(name), &bytes)
}

fn opt_ci(ci: Option<(f64, f64)>) -> [String; 2] {
    [cell(ci.map(|c| c.0)), cell(ci.map(|c| c.1))]
}

/// Writes `diff.csv`, `diff_bands.csv`, `crossing.csv` and `criteria.csv`
/// for the comparison `plan` run into `dir`, read back from its
/// `runs.parquet` and `months.parquet`, and gives what they hold.
pub fn finish(dir: &Path, plan: &Plan) -> io::Result<Findings> {
    let found = Gathered::read(dir, plan)?.findings();
    write(dir, plan.sweep.confidence, &found)?;
    Ok(found)
}

/// Gathers a comparison's pairs from the runner's chunks as they are
/// computed (instead of reading its files back), and finds what they say
/// while the runner joins and seals its files.
pub(crate) struct Pairing {
    gathered: Mutex<Option<Gathered>>,
    found: Mutex<Option<Findings>>,
}

/// The most memory a [`Pairing`] may set aside before the runs: beyond it
/// the comparison reads its files back once the sweep is done (its memory
/// then grows with the runs actually made, and a comparison stopped early
/// never needs it).
const PAIRING_BYTES: u64 = 512 << 20;

impl Pairing {
    /// Nothing gathered yet of the comparison `plan`; `None` where what it
    /// would hold passes [`PAIRING_BYTES`].
    pub(crate) fn new(plan: &Plan) -> Option<Pairing> {
        let runs = plan.sweep.runs;
        let per_run = 1 + 16 * (diff_metrics().len() + plan.sweep.criteria.len()) as u64;
        let months: u64 = (0..2)
            .map(|p| u64::from(plan.points[p].scenario.simulation.months))
            .sum();
        let kept = plan.sweep.keep_months.len() as u64;
        let bytes = runs.saturating_mul(2 * per_run + 8 * kept * months);
        (bytes <= PAIRING_BYTES).then(|| Pairing {
            gathered: Mutex::new(Some(Gathered::new(plan))),
            found: Mutex::new(None),
        })
    }

    /// What the pairs say, once the runner has run every chunk; `None`
    /// when it did not give every run.
    pub(crate) fn findings(self) -> Option<Findings> {
        self.found.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl Watch for Pairing {
    fn chunk(&self, chunk: &ChunkResult) -> io::Result<()> {
        let mut gathered = self.gathered.lock().unwrap_or_else(|e| e.into_inner());
        let Some(g) = gathered.as_mut() else {
            return Ok(());
        };
        // Runs first: a run's months count only if it is ok.
        g.add_runs(&chunk.runs, Path::new(RUNS))?;
        if let Some(months) = &chunk.months {
            g.add_months(months)?;
        }
        Ok(())
    }

    fn runs_done(&self) {
        let gathered = self
            .gathered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        // A run not given (none is, in a sweep run whole) leaves cells
        // unwritten: then the files are read back instead.
        if let Some(g) = gathered.filter(Gathered::complete) {
            let found = g.findings();
            *self.found.lock().unwrap_or_else(|e| e.into_inner()) = Some(found);
        }
    }
}

/// Writes the files of `found`: `diff.csv`, `diff_bands.csv`,
/// `crossing.csv` and `criteria.csv` (intervals at `confidence`).
pub(crate) fn write(dir: &Path, confidence: f64, found: &Findings) -> io::Result<()> {
    let rows: Vec<Vec<String>> = found
        .diff
        .iter()
        .map(|d| {
            let [lo, hi] = opt_ci(d.diff_ci);
            vec![
                d.metric.clone(),
                cell(d.a_mean),
                cell(d.b_mean),
                cell(d.diff_mean),
                lo,
                hi,
                cell(d.diff_q[0]),
                cell(d.diff_q[1]),
                cell(d.diff_q[2]),
                cell(d.b_greater),
                d.n.to_string(),
            ]
        })
        .collect();
    write_csv(
        dir,
        DIFF_CSV,
        &[
            "metric",
            "a_mean",
            "b_mean",
            "diff_mean",
            "diff_lo",
            "diff_hi",
            "diff_p5",
            "diff_p50",
            "diff_p95",
            "b_greater",
            "n",
        ],
        &rows,
    )?;

    let mut band_rows = Vec::new();
    let longest = found.monthly.first().map_or(0, |m| m.bands.len());
    for i in 0..longest {
        for m in &found.monthly {
            let b = &m.bands[i];
            band_rows.push(vec![
                b.month.to_string(),
                m.metric.clone(),
                b.n.to_string(),
                cell(b.mean),
                cell(b.q[0]),
                cell(b.q[1]),
                cell(b.q[2]),
            ]);
        }
    }
    write_csv(
        dir,
        DIFF_BANDS_CSV,
        &["month", "metric", "n", "mean", "p5", "p50", "p95"],
        &band_rows,
    )?;
    let rows: Vec<Vec<String>> = found
        .crossings
        .iter()
        .map(|c| {
            vec![
                c.metric.clone(),
                c.month.to_string(),
                cell(Some(c.before)),
                cell(Some(c.after)),
            ]
        })
        .collect();
    write_csv(
        dir,
        CROSSING_CSV,
        &["metric", "month", "diff_p50_before", "diff_p50"],
        &rows,
    )?;

    let side = |count: &Count| {
        let [lo, hi] = opt_ci(clopper_pearson(count.k, count.n, confidence));
        vec![
            count.k.to_string(),
            count.n.to_string(),
            cell(count.p()),
            lo,
            hi,
        ]
    };
    let rows: Vec<Vec<String>> = found
        .criteria
        .iter()
        .map(|c| {
            let mut row = vec![c.name.clone(), c.condition.clone()];
            row.extend(side(&c.a));
            row.extend(side(&c.b));
            row.extend([
                c.only_a.to_string(),
                c.only_b.to_string(),
                cell(Some(c.mcnemar_p)),
            ]);
            row
        })
        .collect();
    write_csv(
        dir,
        CRITERIA_CSV,
        &[
            "criterion",
            "condition",
            "a_k",
            "a_n",
            "a_p",
            "a_lo",
            "a_hi",
            "b_k",
            "b_n",
            "b_p",
            "b_lo",
            "b_hi",
            "only_a",
            "only_b",
            "mcnemar_p",
        ],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossings_skip_zeros_and_mark_each_change_of_sign() {
        let band = |month, x: f64| DiffBand {
            month,
            n: 1,
            mean: Some(x),
            q: [Some(x), Some(x), Some(x)],
        };
        let m = MonthlyDiff {
            metric: "m".into(),
            bands: vec![
                band(1, 0.0),
                band(2, 2.0),
                band(3, 0.0),
                band(4, -1.0),
                band(5, 3.0),
            ],
            ..MonthlyDiff::default()
        };
        let c = crossings(&m);
        assert_eq!(c.iter().map(|c| c.month).collect::<Vec<_>>(), vec![4, 5]);
        assert_eq!((c[0].before, c[0].after), (2.0, -1.0));
    }

    #[test]
    fn a_diff_row_pairs_by_run_and_skips_undefined_pairs() {
        let a = [Some(1.0), Some(2.0), None, Some(4.0)];
        let b = [Some(2.0), Some(1.0), Some(5.0), Some(8.0)];
        let d = diff_row("x", &a, &b, 0.95);
        assert_eq!(d.n, 3);
        assert_eq!(d.diff_mean, Some((1.0 - 1.0 + 4.0) / 3.0));
        assert_eq!(d.b_greater, Some(2.0 / 3.0));
        assert_eq!(d.a_mean, Some(7.0 / 3.0));
        assert_eq!(d.b_mean, Some(4.0));
        assert_eq!(d.diff_q[1], Some(1.0));
    }
}
