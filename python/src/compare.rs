//! Comparisons (`canopy compare A B`): both scenarios loaded with their
//! overrides, the seed-paired runs run with the GIL released, and their
//! files written elsewhere.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use canopy_model::scenario::validate::{Problem, Wording};
use canopy_model::{ScenarioError, ValidScenario};
use canopy_output::atomic::write_atomic;
use canopy_output::scenario_source::{self as source, Request};
use canopy_sweep::compare::{self as pairs, COMPARE_FILES, Compared, Question};
use canopy_sweep::{Options, Plan, folder};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;

use crate::VERSION;
use crate::errors::{SideArguments, from_sweep_error, scenario_error_of, sweep_failure};
use crate::progress::stoppable;
use crate::scenario::NativeScenario;
use crate::sweep::folder_or_temporary;

/// The files of a comparison that come from its runs, copied as they are
/// (the report is drawn again where they are written).
const COPIED: [&str; 7] = [
    folder::RUNS,
    folder::MONTHS,
    folder::BANDS_CSV,
    folder::BANDS_PARQUET,
    folder::POINTS,
    folder::FAILURES,
    folder::SWEEP_TOML,
];

/// A finished comparison's files in a folder (a temporary one unless the
/// caller gave `out`), with what writing its report elsewhere needs.
#[pyclass(module = "canopy._canopy", frozen, name = "NativeCompare")]
pub(crate) struct NativeCompare {
    dir: PathBuf,
    /// The temporary folder, removed when the comparison is dropped.
    _temp: Option<tempfile::TempDir>,
    plan: Plan,
    done: Compared,
}

#[pymethods]
impl NativeCompare {
    /// The folder that holds the comparison's files.
    #[getter]
    fn path(&self) -> PathBuf {
        self.dir.clone()
    }

    /// Writes the files `canopy compare --out out` writes (the report and
    /// its charts unless `report` is false).
    #[pyo3(signature = (out, report))]
    fn write(&self, py: Python<'_>, out: PathBuf, report: bool) -> PyResult<()> {
        py.detach(|| self.write_to(&out, report)).map_err(|e| {
            PyOSError::new_err(format!(
                "cannot write the comparison to {}: {}",
                out.display(),
                canopy_output::describe_as(&e, "out=")
            ))
        })
    }
}

impl NativeCompare {
    fn write_to(&self, out: &Path, report: bool) -> io::Result<()> {
        if !self.dir.join(folder::RUNS).is_file() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "the comparison's files are gone from {} (the folder was removed or \
                     emptied after it ran); run it again, or give it out= to keep its files",
                    self.dir.display()
                ),
            ));
        }
        if fs::canonicalize(out).ok() == Some(fs::canonicalize(&self.dir)?) {
            return Err(io::Error::other(
                "it is the folder the comparison's files are in",
            ));
        }
        fs::create_dir_all(out)?;
        folder::remove_results(out)?;
        pairs::remove_stale(out)?;
        for name in COPIED.iter().chain(COMPARE_FILES.iter()) {
            let from = self.dir.join(name);
            if from.is_file() {
                write_atomic(&out.join(name), &fs::read(&from)?)?;
            }
        }
        if report {
            pairs::write_report(out, &self.plan, &self.done, VERSION)?;
        }
        // Last, as after a sweep: a folder half written is no sweep's.
        let identity = self.dir.join(folder::IDENTITY);
        if identity.is_file() {
            write_atomic(&out.join(folder::IDENTITY), &fs::read(&identity)?)?;
        }
        Ok(())
    }
}

/// One side of a comparison as given: a built-in name or a path, or a
/// scenario already loaded.
#[derive(FromPyObject)]
pub(crate) enum Side<'py> {
    /// A loaded scenario.
    Loaded(PyRef<'py, NativeScenario>),
    /// A built-in name or a path.
    Named(String),
}

/// Loads one side with the overrides `sets` (`--set` then its own).
fn load_side(side: &Side<'_>, sets: Vec<String>) -> Result<(String, ValidScenario), ScenarioError> {
    match side {
        Side::Named(name) => {
            let request = Request {
                scenario: name.clone(),
                months: None,
                set: sets,
            };
            Ok((name.clone(), source::resolve(&request)?))
        }
        Side::Loaded(s) if sets.is_empty() => Ok((s.name.clone(), (*s.scenario).clone())),
        Side::Loaded(s) => {
            let (text, months, mut all) = s.overrides();
            all.extend(sets);
            let request = Request {
                scenario: s.name.clone(),
                months,
                set: all,
            };
            Ok((s.name.clone(), source::load_text(&s.name, &text, &request)?))
        }
    }
}

/// Compares `a` with `b`: run r of each with the seed `seed + r`, into
/// `out` (a temporary folder when not given), the GIL released; Ctrl-C
/// stops it. Problems of both scenarios are raised together.
#[pyfunction]
#[pyo3(signature = (a, b, set, set_a, set_b, runs, seed, criteria, keep, jobs, out, report, progress))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn compare(
    py: Python<'_>,
    a: Side<'_>,
    b: Side<'_>,
    set: Vec<String>,
    set_a: Vec<String>,
    set_b: Vec<String>,
    runs: Option<i64>,
    seed: Option<i64>,
    criteria: Vec<String>,
    keep: Option<Vec<String>>,
    jobs: usize,
    out: Option<PathBuf>,
    report: bool,
    progress: bool,
) -> PyResult<NativeCompare> {
    let both = |own: &[String]| set.iter().chain(own).cloned().collect::<Vec<_>>();
    let (sets_a, sets_b) = (both(&set_a), both(&set_b));
    let (loaded_a, loaded_b) = (load_side(&a, sets_a), load_side(&b, sets_b));
    let ((a_name, a), (b_name, b)) = match (loaded_a, loaded_b) {
        (Ok(a), Ok(b)) => (a, b),
        (ra, rb) => {
            let wording_a = SideArguments {
                argument: "set_a",
                own: &set_a,
            };
            let wording_b = SideArguments {
                argument: "set_b",
                own: &set_b,
            };
            let errors = [("A", ra.err(), &wording_a), ("B", rb.err(), &wording_b)];
            let mut lines = Vec::new();
            let mut parts: Vec<(&str, &[Problem], &dyn Wording)> = Vec::new();
            for (which, e, wording) in &errors {
                if let Some(e) = e {
                    lines.push(format!("scenario {which}: {}", e.worded(*wording)));
                    parts.push((&e.source_name, &e.problems, *wording));
                }
            }
            return Err(scenario_error_of(py, lines.join("\n"), &parts));
        }
    };
    let question = Question {
        a: a_name,
        b: b_name,
        runs,
        seed,
        criteria,
        keep,
    };
    let plan = py
        .detach(|| pairs::plan(&question, a, b))
        .map_err(|e| from_sweep_error(py, e, None))?;
    let (temp, root) = folder_or_temporary(out, "canopy-compare-")?;
    let opts = Options {
        out: root,
        jobs,
        shard: None,
        resume: false,
        fail_fast: false,
        // A temporary folder's report is drawn only if it is written out.
        report: report && temp.is_none(),
        version: VERSION.into(),
        chunk_runs: None,
    };
    let done = stoppable(py, "compare", progress, |shown| {
        pairs::run(&plan, &opts, shown)
    })?
    .map_err(|e| sweep_failure(py, e))?;
    Ok(NativeCompare {
        dir: done.tally.dir.clone(),
        _temp: temp,
        plan,
        done,
    })
}
