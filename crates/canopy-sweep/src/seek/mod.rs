//! `canopy seek FILE` (DECIDE.md, "Seek"): the largest (or smallest) value
//! of a numeric key whose criterion stays rare, judged by the one-sided
//! Clopper-Pearson upper bound of its probability.
//!
//! Seek evaluates an even scan of the range, finds every place where
//! safety changes between neighbouring values, and bisects each to the
//! tolerance. Safety that changes more than once means the probability is
//! not monotone in the key: every safe interval is reported. Run r of
//! every value uses the seed `seed + r` and the same sampled values, so the
//! values differ only by the key.

mod files;

use std::io;
use std::path::Path;

use arrow_array::{Array, BooleanArray, StringArray};
use canopy_model::scenario::params::float_text;
use canopy_model::{ScenarioError, ValidScenario, Value};
use rayon::prelude::*;

use crate::axis::AxisSpec;
use crate::chunk::{self, ChunkResult};
use crate::error::SweepError;
use crate::file::{Axis, Goal, SeekFile};
use crate::intervals::upper_bound;
use crate::layout::Layout;
use crate::points::{Plan, plan};
use crate::{Progress, SweepFailure};

pub use files::{SEEK_CSV, SEEK_JSON};

/// Writes `seek.csv`, `seek.json` and (if `opts.report`) the report of
/// the finished seek `answer` into `dir`, as [`run`] writes them after its
/// runs: for a front end that writes a seek's files elsewhere later.
pub fn write_files(
    dir: &Path,
    file: &SeekFile,
    answer: &Answer,
    opts: &SeekOptions,
) -> io::Result<()> {
    files::write(dir, file, answer, opts)
}

/// Runs per unit of work on a thread: small enough to share a value's runs
/// among the cores, large enough that scheduling costs nothing.
const CHUNK: u64 = 64;

/// One evaluated value.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The key's value.
    pub value: f64,
    /// Runs.
    pub runs: u64,
    /// Ok runs.
    pub n: u64,
    /// Ok runs that met the criterion.
    pub k: u64,
    /// The one-sided upper bound of the probability.
    pub hi: f64,
    /// Whether the upper bound is at most the largest safe probability.
    pub safe: bool,
}

impl Evaluation {
    /// k / n; `None` without ok runs.
    pub fn p(&self) -> Option<f64> {
        (self.n > 0).then(|| self.k as f64 / self.n as f64)
    }
}

/// What a seek found.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The largest (smallest) safe value; `None` when no value is safe.
    pub answer: Option<f64>,
    /// The answer and its unsafe neighbour within the tolerance (the
    /// answer twice at an end of the range).
    pub bracket: Option<(f64, f64)>,
    /// Whether safety changed at most once over the scan.
    pub monotone: bool,
    /// Every safe interval found, by value.
    pub safe_intervals: Vec<(f64, f64)>,
    /// Every value evaluated, in the order evaluated.
    pub evaluations: Vec<Evaluation>,
    /// The command line that reproduces run 0 at the answer.
    pub command: Option<String>,
}

/// How to run a seek.
#[derive(Clone, Debug)]
pub struct SeekOptions {
    /// The output folder.
    pub out: std::path::PathBuf,
    /// Threads; 0: every core.
    pub jobs: usize,
    /// Write the report.
    pub report: bool,
    /// The program's version.
    pub version: String,
}

/// The sweep of one value: the key as a one-value axis.
fn at_value(file: &SeekFile, value: f64) -> crate::file::Sweep {
    let v = if file.key.is_whole() {
        Value::Int(value.round() as i64)
    } else {
        Value::Float(value)
    };
    let mut sweep = file.sweep.clone();
    sweep.axes = vec![Axis {
        key: file.key.clone(),
        spec: AxisSpec::Values(vec![v.clone()]),
        values: vec![v],
        value_at: vec![file.key_at.clone()],
        at: file.key_at.clone(),
    }];
    sweep
}

/// The plans at both ends of the range: every problem of the seek found
/// before any run (a key the scenario lacks, an end its range refuses).
pub fn check(
    file: &SeekFile,
    load: &dyn Fn(&str) -> Result<ValidScenario, ScenarioError>,
) -> Result<Plan, SweepError> {
    let low = plan(&at_value(file, file.low), load);
    let high = plan(&at_value(file, file.high), load);
    match (low, high) {
        (Ok(p), Ok(_)) => Ok(p),
        (Err(mut a), Err(b)) => {
            for p in b.problems {
                if !a.problems.contains(&p) {
                    a.problems.push(p);
                }
            }
            Err(a)
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// The scan's values: `scan` evenly spaced from low to high, both included
/// (rounded, and each once, on whole-number keys).
pub fn scan_values(file: &SeekFile) -> Vec<f64> {
    let n = file.scan.max(2);
    let mut out: Vec<f64> = (0..n)
        .map(|i| {
            let x = if i == n - 1 {
                file.high
            } else {
                file.low + (file.high - file.low) * i as f64 / (n - 1) as f64
            };
            if file.key.is_whole() { x.round() } else { x }
        })
        .collect();
    out.dedup();
    out
}

/// Runs one value's runs on `pool` and counts its criterion.
fn evaluate(
    file: &SeekFile,
    planned: &Plan,
    value: f64,
    pool: &rayon::ThreadPool,
    progress: &dyn Progress,
) -> Result<(Evaluation, Vec<ChunkResult>), SweepFailure> {
    let layout = Layout::of(planned);
    let runs = planned.sweep.runs;
    let starts: Vec<u64> = (0..runs).step_by(CHUNK as usize).collect();
    // A stop is seen between chunks: a value of many runs stops promptly.
    let chunks: Option<Vec<ChunkResult>> = pool.install(|| {
        starts
            .par_iter()
            .map(|&s| {
                if progress.stopped() {
                    return None;
                }
                let end = (s + CHUNK).min(runs);
                let c = chunk::compute(planned, &layout, s..end);
                progress.advance(end - s);
                Some(c)
            })
            .collect()
    });
    let Some(chunks) = chunks.filter(|_| !progress.stopped()) else {
        return Err(SweepFailure::Stopped);
    };
    let name = &planned.sweep.criteria[0].name;
    let (mut n, mut k) = (0, 0);
    for c in &chunks {
        let status = c
            .runs
            .column_by_name("status")
            .and_then(|a| a.as_any().downcast_ref::<StringArray>());
        let met = c
            .runs
            .column_by_name(name)
            .and_then(|a| a.as_any().downcast_ref::<BooleanArray>());
        let (Some(status), Some(met)) = (status, met) else {
            continue;
        };
        for i in 0..c.runs.num_rows() {
            if status.value(i) == "ok" && met.is_valid(i) {
                n += 1;
                k += u64::from(met.value(i));
            }
        }
    }
    let hi = upper_bound(k, n, planned.sweep.confidence);
    Ok((
        Evaluation {
            value,
            runs,
            n,
            k,
            hi,
            safe: n > 0 && hi <= file.max_probability,
        },
        chunks,
    ))
}

/// The midpoint of a bracket; `None` when it is as narrow as the
/// tolerance allows (or, on whole numbers, has no value between).
fn midpoint(file: &SeekFile, a: f64, b: f64) -> Option<f64> {
    if (b - a).abs() <= file.tolerance {
        return None;
    }
    let mid = (a + b) / 2.0;
    let mid = if file.key.is_whole() {
        mid.round()
    } else {
        mid
    };
    (mid != a && mid != b).then_some(mid)
}

/// Runs the seek `file` into `opts.out`: the scan, the bisections, then
/// `seek.csv`, `seek.json`, `runs.parquet` and (if asked) the report.
pub fn run(
    file: &SeekFile,
    load: &dyn Fn(&str) -> Result<ValidScenario, ScenarioError>,
    opts: &SeekOptions,
    progress: &dyn Progress,
) -> Result<Answer, SeekError> {
    check(file, load)?;
    crate::runner::check_folder(&opts.out)?;
    std::fs::create_dir_all(&opts.out)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", opts.out.display())))?;
    let _lock = crate::runner::lock_folder(&opts.out)?;
    let threads = if opts.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.jobs
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| io::Error::other(e.to_string()))?;
    let mut writer = files::RunsWriter::new(&opts.out)?;
    let mut evaluations: Vec<Evaluation> = Vec::new();
    let mut planned_runs = 0u64;
    let runs = file.sweep.runs;
    let eval = |value: f64,
                evaluations: &mut Vec<Evaluation>,
                writer: &mut files::RunsWriter|
     -> Result<Evaluation, SeekError> {
        let planned = plan(&at_value(file, value), load)?;
        let (e, chunks) = evaluate(file, &planned, value, &pool, progress)?;
        writer.write(&planned, value, &chunks)?;
        evaluations.push(e.clone());
        Ok(e)
    };
    let scan = scan_values(file);
    planned_runs += scan.len() as u64 * runs;
    progress.begin(planned_runs, 0);
    let mut scanned = Vec::with_capacity(scan.len());
    for &v in &scan {
        scanned.push(eval(v, &mut evaluations, &mut writer)?);
    }
    // Every neighbouring pair whose safety differs is a bracket.
    let brackets: Vec<(usize, usize)> = (1..scanned.len())
        .filter(|&i| scanned[i - 1].safe != scanned[i].safe)
        .map(|i| (i - 1, i))
        .collect();
    let monotone = brackets.len() <= 1;
    let steps = |a: f64, b: f64| -> u64 {
        let w = (b - a).abs() / file.tolerance;
        if w <= 1.0 { 0 } else { w.log2().ceil() as u64 }
    };
    planned_runs += brackets
        .iter()
        .map(|&(i, j)| steps(scanned[i].value, scanned[j].value) * runs)
        .sum::<u64>();
    progress.grow(planned_runs);
    // Each bracket narrowed: (safe end, unsafe end) with their evaluations.
    let mut edges: Vec<(Evaluation, Evaluation)> = Vec::new();
    for &(i, j) in &brackets {
        let (mut safe, mut unsafe_) = if scanned[i].safe {
            (scanned[i].clone(), scanned[j].clone())
        } else {
            (scanned[j].clone(), scanned[i].clone())
        };
        while let Some(mid) = midpoint(file, safe.value, unsafe_.value) {
            let e = eval(mid, &mut evaluations, &mut writer)?;
            if e.safe {
                safe = e;
            } else {
                unsafe_ = e;
            }
        }
        edges.push((safe, unsafe_));
    }
    progress.finishing();
    let safe_intervals = intervals(&scanned, &brackets, &edges);
    let answer = match file.goal {
        Goal::Largest => safe_intervals.iter().map(|s| s.1).reduce(f64::max),
        Goal::Smallest => safe_intervals.iter().map(|s| s.0).reduce(f64::min),
    };
    let bracket = answer.map(|a| {
        let beyond = edges
            .iter()
            .find(|(s, _)| s.value == a)
            .map_or(a, |(_, u)| u.value);
        (a.min(beyond), a.max(beyond))
    });
    let command = match answer {
        Some(a) => {
            let p = plan(&at_value(file, a), load)?;
            Some(p.command_line(&p.run_spec(0, 0)))
        }
        None => None,
    };
    let found = Answer {
        answer,
        bracket,
        monotone,
        safe_intervals,
        evaluations,
        command,
    };
    writer.finish()?;
    files::write(&opts.out, file, &found, opts)?;
    Ok(found)
}

/// The safe intervals: each run of safe scan values, its ends moved out to
/// the safe end of the bracket beside it (`brackets[b]`, the scan values
/// whose safety differs, narrowed to `edges[b]`).
fn intervals(
    scanned: &[Evaluation],
    brackets: &[(usize, usize)],
    edges: &[(Evaluation, Evaluation)],
) -> Vec<(f64, f64)> {
    let edge = |i: usize, j: usize| {
        brackets
            .iter()
            .position(|b| *b == (i, j))
            .map(|b| edges[b].0.value)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < scanned.len() {
        if !scanned[i].safe {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < scanned.len() && scanned[i + 1].safe {
            i += 1;
        }
        // Past the scan's safe values, up to the bisected edge.
        let lo = if start > 0 {
            edge(start - 1, start).unwrap_or(scanned[start].value)
        } else {
            scanned[start].value
        };
        let hi = if i + 1 < scanned.len() {
            edge(i, i + 1).unwrap_or(scanned[i].value)
        } else {
            scanned[i].value
        };
        out.push((lo, hi));
        i += 1;
    }
    out
}

/// The answer in one line, as `canopy seek` prints it.
pub fn answer_line(file: &SeekFile, a: &Answer) -> String {
    let name = &file.sweep.criteria[0].name;
    let percent = |p: f64| format!("{} %", trim(p * 100.0));
    let question = format!(
        "{} {} with P({name}) <= {} at {} confidence",
        file.goal.name(),
        file.key.path,
        percent(file.max_probability),
        percent(file.sweep.confidence)
    );
    match (a.answer, a.bracket) {
        (Some(v), Some((lo, hi))) => {
            let e = a.evaluations.iter().find(|e| e.value == v);
            let there = e.map_or_else(String::new, |e| {
                format!(
                    "; there {} of {} runs, {}, upper bound {}",
                    e.k,
                    e.n,
                    percent(e.p().unwrap_or(0.0)),
                    percent(e.hi)
                )
            });
            let shape = if a.monotone {
                String::new()
            } else {
                format!(
                    "; not monotone: safe on {}",
                    a.safe_intervals
                        .iter()
                        .map(|(x, y)| format!("{} to {}", number(*x), number(*y)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            format!(
                "{question}: {} (bracket {} to {}{there}){shape}",
                number(v),
                number(lo),
                number(hi)
            )
        }
        _ => {
            let best = a
                .evaluations
                .iter()
                .min_by(|x, y| x.hi.total_cmp(&y.hi))
                .map_or_else(String::new, |e| {
                    format!(
                        "; the lowest upper bound is {} at {}",
                        percent(e.hi),
                        number(e.value)
                    )
                });
            format!(
                "{question}: no safe value in {} to {}{best}",
                number(file.low),
                number(file.high)
            )
        }
    }
}

/// A value for the answer line: thousands separators, no needless digits.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        canopy_output::numbers::thousands(x, 0)
    } else if x.abs() >= 1000.0 && x.abs() < 1e15 {
        // Cents are plenty beside thousands; the files keep every digit.
        let s = canopy_output::numbers::thousands(x, 2);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        float_text(x)
    }
}

/// A percentage with at most two decimals and none needless.
fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Why a seek did not finish.
#[derive(Debug, thiserror::Error)]
pub enum SeekError {
    /// The seek file, its scenario or a value is not right: every problem.
    #[error("{0}")]
    Invalid(#[from] SweepError),
    /// The folder, or a run, went wrong.
    #[error("{0}")]
    Failed(#[from] SweepFailure),
}

impl From<io::Error> for SeekError {
    fn from(e: io::Error) -> Self {
        SeekError::Failed(SweepFailure::Io(e))
    }
}
