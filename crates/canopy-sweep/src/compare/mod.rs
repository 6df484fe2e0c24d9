//! `canopy compare A B` (DECIDE.md, "Compare"): two scenarios run with the
//! same seeds, run r of A beside run r of B, so that every difference is
//! paired (common random numbers).
//!
//! A comparison is a sweep of two points, A (point 0) and B (point 1), on
//! the `scenario` axis: [`plan`] builds it, the sweep runner runs it into
//! the folder (so `runs.parquet` and `months.parquet` read as any sweep's),
//! and [`run`] writes what the pairs say: `diff.csv`, `diff_bands.csv`,
//! `crossing.csv`, `criteria.csv`, `changes.csv` and the report's figures.
//! The pairs are gathered from the runner's chunks while it has them in
//! memory, not read back from the files ([`finish`] reads them so).

mod changes;
mod pairs;
mod report;

use std::path::Path;

use canopy_model::scenario::validate::{Given, Where};
use canopy_model::{ValidScenario, Value};

use crate::axis::AxisSpec;
use crate::criteria;
use crate::defaults::{DEFAULT_CONFIDENCE, DEFAULT_KEEP_MONTHS, DEFAULT_QUANTILES, DEFAULT_TAIL};
use crate::error::{Problem, SweepError};
use crate::file::{Axis, Key, Mode, Sweep};
use crate::points::{Plan, Point, PointScenario};

pub use changes::{Change, changes, write as write_changes};
pub use pairs::{
    CRITERIA_CSV, CROSSING_CSV, CriterionPair, Crossing, DIFF_BANDS_CSV, DIFF_CSV, DiffBand,
    DiffRow, Findings, MonthlyDiff, finish,
};

/// `changes.csv`.
pub const CHANGES_CSV: &str = "changes.csv";

/// The files a comparison writes besides the sweep's.
pub const COMPARE_FILES: [&str; 5] = [
    pairs::DIFF_CSV,
    pairs::DIFF_BANDS_CSV,
    pairs::CROSSING_CSV,
    pairs::CRITERIA_CSV,
    CHANGES_CSV,
];

/// Runs per side when none is asked for and either scenario is random.
pub const DEFAULT_RANDOM_RUNS: u64 = 100;

/// What to compare, as the front end was given it.
#[derive(Clone, Debug, Default)]
pub struct Question {
    /// A: a built-in name or a scenario file, as given.
    pub a: String,
    /// B.
    pub b: String,
    /// Runs per side; `None`: 1 when neither scenario is random, else
    /// [`DEFAULT_RANDOM_RUNS`].
    pub runs: Option<i64>,
    /// The base seed; `None`: A's `simulation.seed`.
    pub seed: Option<i64>,
    /// Criteria as text, in order.
    pub criteria: Vec<String>,
    /// The metrics kept month by month; `None`: the sweep's default.
    pub keep: Option<Vec<String>>,
}

/// Plans the comparison of the scenarios `a` and `b` (loaded, every
/// override applied): a sweep of two points whose files every sweep tool
/// reads. Every problem of the question is reported at once.
pub fn plan(question: &Question, a: ValidScenario, b: ValidScenario) -> Result<Plan, SweepError> {
    let mut problems = Vec::new();
    let mut problem = |given: Option<Given>, path: &str, message: String| {
        problems.push(Problem {
            at: given.map_or(Where::Nowhere, Where::Override),
            path: path.into(),
            deal: None,
            message,
        })
    };
    let random = a.is_random() || b.is_random();
    let runs = match question.runs {
        None if random => DEFAULT_RANDOM_RUNS,
        None => 1,
        Some(n) if (1..=crate::defaults::MAX_RUNS).contains(&n) => n as u64,
        Some(n) => {
            problem(
                Some(Given::Runs(n)),
                "runs",
                format!(
                    "{n} is not allowed: expected a whole number from 1 to {}",
                    crate::defaults::MAX_RUNS
                ),
            );
            1
        }
    };
    let seed = match question.seed {
        None => a.simulation.seed,
        Some(s) if s >= 0 => s as u64,
        Some(s) => {
            problem(
                Some(Given::Seed(s)),
                "seed",
                format!(
                    "{s} is not allowed: expected a whole number from 0 to {}",
                    i64::MAX
                ),
            );
            0
        }
    };
    let keep = match &question.keep {
        None => DEFAULT_KEEP_MONTHS.iter().map(|s| s.to_string()).collect(),
        Some(names) => {
            let mut out: Vec<String> = Vec::new();
            for name in names {
                match criteria::metric(name) {
                    Ok(c) if out.iter().any(|o| o == c.name) => {
                        problem(None, "keep", format!("`{name}` is listed twice"))
                    }
                    Ok(c) => out.push(c.name.to_string()),
                    Err(m) => problem(None, "keep", m),
                }
            }
            out
        }
    };
    let mut read = Vec::new();
    for text in &question.criteria {
        let given = Given::Criterion(text.clone());
        match criteria::parse(text, &format!("c{}", read.len() + 1)) {
            Ok(mut c) => {
                c.at = Where::Override(given);
                read.push(c);
            }
            Err(m) => problem(Some(given), "", m),
        }
    }
    for (i, m) in criteria::check_all(&read, None) {
        problems.push(Problem {
            at: read[i].at.clone(),
            path: String::new(),
            deal: None,
            message: m,
        });
    }
    let names = [question.a.clone(), question.b.clone()];
    let sweep = Sweep {
        source_name: format!("compare {} {}", names[0], names[1]),
        scenario: None,
        scenario_at: Where::Nowhere,
        runs,
        seed: Some(seed),
        mode: Mode::Grid,
        common_random_numbers: true,
        keep_months: keep,
        quantiles: DEFAULT_QUANTILES.to_vec(),
        set: Vec::new(),
        axes: vec![Axis {
            key: Key {
                path: crate::defaults::SCENARIO_AXIS.into(),
                kind: None,
            },
            spec: AxisSpec::Values(names.iter().map(|n| Value::Str(n.clone())).collect()),
            values: names.iter().map(|n| Value::Str(n.clone())).collect(),
            value_at: vec![Where::Nowhere; 2],
            at: Where::Nowhere,
        }],
        samples: Vec::new(),
        criteria: read,
        confidence: DEFAULT_CONFIDENCE,
        tail: DEFAULT_TAIL,
        sensitivity: None,
    };
    let points: Vec<PointScenario> = [a, b]
        .into_iter()
        .enumerate()
        .map(|(i, scenario)| PointScenario {
            point: Point {
                index: i,
                picks: vec![Some(i)],
                values: vec![Some(Value::Str(names[i].clone()))],
            },
            scenario_name: names[i].clone(),
            scenario: scenario.into(),
            values: vec![Value::Str(names[i].clone())],
        })
        .collect();
    problems.extend(crate::points::criteria_problems(&sweep.criteria, &points));
    if !problems.is_empty() {
        return Err(SweepError::new(&sweep.source_name, problems));
    }
    Ok(Plan {
        sweep,
        seed,
        points,
    })
}

/// Removes an earlier comparison's own files from `dir` (the sweep's are
/// the runner's to replace); a folder where one of them goes is an error.
pub fn remove_stale(dir: &Path) -> std::io::Result<()> {
    for name in COMPARE_FILES {
        crate::folder::remove_if_there(&dir.join(name))?;
    }
    Ok(())
}

/// A finished comparison: the sweep's tally, what the pairs say, and what
/// changed between A and B.
#[derive(Clone, Debug)]
pub struct Compared {
    /// The runs, as a sweep counts them.
    pub tally: crate::Tally,
    /// What the pairs say.
    pub findings: Findings,
    /// `changes.csv`.
    pub changes: Vec<Change>,
}

/// Runs the comparison `plan` (from [`plan`]) into `opts.out` with the
/// sweep runner, then writes the comparison's own files and (if
/// `opts.report`) its report. `opts.shard` and `opts.resume` are not used.
pub fn run(
    plan: &Plan,
    opts: &crate::Options,
    progress: &dyn crate::Progress,
) -> Result<Compared, crate::SweepFailure> {
    let sweep_opts = crate::Options {
        shard: None,
        resume: false,
        report: false,
        ..opts.clone()
    };
    if opts.out.is_dir() {
        remove_stale(&opts.out)?;
    }
    // The pairs are gathered from the chunks as they are computed, and
    // what they say found while the sweep's files are sealed (unless that
    // would set aside too much memory before the runs).
    let pairing = pairs::Pairing::new(plan);
    let watch = pairing.as_ref().map(|p| p as &dyn crate::runner::Watch);
    let tally = crate::runner::run_watched(plan, &sweep_opts, progress, watch)?;
    let dir = &tally.dir;
    let findings = match pairing.and_then(pairs::Pairing::findings) {
        Some(found) => {
            pairs::write(dir, plan.sweep.confidence, &found)?;
            found
        }
        None => finish(dir, plan)?,
    };
    let changes = changes(&plan.points[0].scenario, &plan.points[1].scenario);
    write_changes(dir, &changes)?;
    let done = Compared {
        tally,
        findings,
        changes,
    };
    if opts.report {
        write_report(&done.tally.dir, plan, &done, &opts.version)?;
    }
    Ok(done)
}

/// Writes the report of the finished comparison `done` (of `plan`) and
/// its charts into `dir`: what [`run`] writes when asked for a report, for
/// a front end that writes the comparison's files elsewhere later.
pub fn write_report(
    dir: &Path,
    plan: &Plan,
    done: &Compared,
    version: &str,
) -> std::io::Result<()> {
    let report = report::of(plan, &done.findings, &done.changes, version);
    canopy_output::sweep_report::write_compare(dir, &report)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use canopy_model::{builtin, load};

    /// The pairs gathered from the chunks as they are computed (many small
    /// chunks on two threads, in any order) give the files and findings
    /// that reading `runs.parquet` and `months.parquet` back gives.
    #[test]
    fn pairs_gathered_from_the_chunks_are_the_pairs_read_back() {
        let side = |name: &str, months: i64, usdc: f64| {
            let text = builtin::text(name).unwrap();
            let s = load(name, text, &[]).unwrap();
            s.with(&[
                ("leaf_price.model", Value::Str("market".into())),
                ("leaf_price.volatility", Value::Float(0.3)),
                ("simulation.months", Value::Int(months)),
                ("aegis.initial_usdc", Value::Float(usdc)),
            ])
            .unwrap()
        };
        // B runs longer than A: its last months have no pairs.
        let (a, b) = (side("default", 14, 6e7), side("guarded", 17, 4e7));
        let question = Question {
            a: "default".into(),
            b: "guarded".into(),
            runs: Some(23),
            seed: Some(5),
            criteria: vec![
                "aegis_usdc < 5e7".into(),
                "low: aegis_value < 2e8 at end".into(),
            ],
            keep: None,
        };
        let huge = Question {
            runs: Some(100_000_000),
            ..question.clone()
        };
        assert!(
            pairs::Pairing::new(&plan(&huge, a.clone(), b.clone()).unwrap()).is_none(),
            "a comparison too large to gather reads its files back"
        );
        let plan = plan(&question, a, b).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let opts = crate::Options {
            out: dir.path().to_path_buf(),
            jobs: 2,
            shard: None,
            resume: false,
            fail_fast: false,
            report: false,
            version: "test".into(),
            chunk_runs: Some(3),
        };
        let pairing = pairs::Pairing::new(&plan).expect("a small comparison");
        crate::runner::run_watched(&plan, &opts, &crate::Quiet, Some(&pairing)).unwrap();
        let found = pairing.findings().expect("every chunk was watched");
        pairs::write(dir.path(), plan.sweep.confidence, &found).unwrap();
        let files = &COMPARE_FILES[..4];
        let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
        let gathered: Vec<Vec<u8>> = files.iter().map(|n| read(n)).collect();
        let again = finish(dir.path(), &plan).unwrap();
        let from_files: Vec<Vec<u8>> = files.iter().map(|n| read(n)).collect();
        assert_eq!(gathered, from_files);
        assert_eq!(again.diff, found.diff);
        assert_eq!(again.monthly, found.monthly);
        assert_eq!(again.crossings, found.crossings);
        assert_eq!(again.criteria, found.criteria);
        assert_eq!(
            (again.a_not_ok, again.b_not_ok),
            (found.a_not_ok, found.b_not_ok)
        );
        // Every run of both sides counted, each month of the longer side.
        let n = found.diff.iter().map(|d| d.n).max();
        assert_eq!(n, Some(23));
        assert_eq!(found.monthly[0].months.len(), 17);
        assert_eq!(found.monthly[0].bands[16].n, 0);
        assert_eq!(found.monthly[0].bands[13].n, 23);
        assert_eq!(found.criteria[1].a.n, 23);
    }
}
