//! Sweeps: planned from a sweep file's text, run with the GIL released,
//! merged from shards' parts, and written elsewhere.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use canopy_output::atomic::write_atomic;
use canopy_sweep::folder;
use canopy_sweep::{CommandLine, Options, Sealing, Shard, SweepFailure};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

use crate::VERSION;
use crate::errors::{from_sweep_error, sweep_failure};
use crate::progress::stoppable;

/// A folder's files: each name and its bytes.
type Files = Vec<(String, Vec<u8>)>;

/// A sweep's files in a folder (a temporary one unless the caller gave
/// `out`), with what `write` needs to write them elsewhere.
#[pyclass(module = "canopy._canopy", frozen, name = "NativeSweep")]
pub(crate) struct NativeSweep {
    /// Where the files are (the part's folder, for a shard).
    dir: PathBuf,
    /// The temporary folder, removed when the sweep is dropped.
    _temp: Option<tempfile::TempDir>,
    /// What sealing a copy of its folder needs.
    sealing: Sealing,
}

#[pymethods]
impl NativeSweep {
    /// The folder that holds the sweep's files.
    #[getter]
    fn path(&self) -> PathBuf {
        self.dir.clone()
    }

    /// Writes the files `canopy sweep --out out` writes (the report and
    /// its charts unless `report` is false).
    #[pyo3(signature = (out, report))]
    fn write(&self, py: Python<'_>, out: PathBuf, report: bool) -> PyResult<()> {
        py.detach(|| self.write_to(&out, report)).map_err(|e| {
            PyOSError::new_err(format!(
                "cannot write the sweep to {}: {}",
                out.display(),
                canopy_output::describe_as(&e, "out=")
            ))
        })
    }

    /// Its files (name and bytes) and each point's months, to pickle it.
    fn state(&self, py: Python<'_>) -> PyResult<(Files, Vec<u32>)> {
        self.present()
            .map_err(|e| PyOSError::new_err(e.to_string()))?;
        let files = py
            .detach(|| -> io::Result<Files> {
                let mut files = Vec::new();
                for entry in fs::read_dir(&self.dir)? {
                    let entry = entry?;
                    if entry.file_type()?.is_file() {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        files.push((name, fs::read(entry.path())?));
                    }
                }
                files.sort();
                Ok(files)
            })
            .map_err(|e| PyOSError::new_err(canopy_output::describe(&e)))?;
        Ok((files, self.sealing.point_months.clone()))
    }
}

impl NativeSweep {
    /// Whether the sweep's files are still there: a temporary folder can be
    /// removed under it (a system's clean-up, a user's `rm`).
    fn present(&self) -> io::Result<()> {
        if self.dir.join(folder::IDENTITY).is_file() && self.dir.join(folder::RUNS).is_file() {
            return Ok(());
        }
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "the sweep's files are gone from {} (the folder was removed or emptied \
                 after the sweep); run the sweep again, or give it out= to keep its files",
                self.dir.display()
            ),
        ))
    }

    fn write_to(&self, out: &Path, report: bool) -> io::Result<()> {
        self.present()?;
        if fs::canonicalize(out).ok() == Some(fs::canonicalize(&self.dir)?) {
            return Err(io::Error::other(
                "it is the folder the sweep's files are in",
            ));
        }
        fs::create_dir_all(out)?;
        folder::remove_results(out)?;
        for name in [folder::RUNS, folder::MONTHS, folder::FAILURES] {
            let from = self.dir.join(name);
            if from.exists() {
                write_atomic(&out.join(name), &fs::read(&from)?)?;
            }
        }
        // Bands, points and the report follow from the runs, then
        // `sweep.toml` and the identity, as after a sweep.
        self.sealing.seal(out, VERSION, report)?;
        Ok(())
    }
}

/// The folder to write into: `out`, or a new temporary folder (named
/// `prefix`...) that lives as long as what holds it.
pub(crate) fn folder_or_temporary(
    out: Option<PathBuf>,
    prefix: &str,
) -> PyResult<(Option<tempfile::TempDir>, PathBuf)> {
    match out {
        Some(out) => Ok((None, out)),
        None => {
            let temp = tempfile::Builder::new()
                .prefix(prefix)
                .tempdir()
                .map_err(|e| PyOSError::new_err(format!("cannot make a temporary folder: {e}")))?;
            let root = temp.path().to_path_buf();
            Ok((Some(temp), root))
        }
    }
}

/// Reads a sweep's text and plans it: every point's scenario built and
/// checked, scenario files named as a shell here names them.
#[allow(clippy::too_many_arguments)]
pub(crate) fn planned(
    py: Python<'_>,
    text: &str,
    name: &str,
    base: &Path,
    runs: Option<i64>,
    seed: Option<i64>,
    set: Vec<String>,
    criteria: Vec<String>,
    lines: Option<&[String]>,
) -> PyResult<canopy_sweep::Plan> {
    let command_line = CommandLine {
        runs,
        seed,
        sets: set,
        criteria,
    };
    py.detach(|| canopy_sweep::plan_text(name, text, base, &command_line))
        .map_err(|e| from_sweep_error(py, e, lines))
}

/// Checks a sweep without running it; gives its number of runs.
#[pyfunction]
#[pyo3(signature = (text, name, base, runs, seed, set, criteria, lines))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_sweep(
    py: Python<'_>,
    text: &str,
    name: &str,
    base: PathBuf,
    runs: Option<i64>,
    seed: Option<i64>,
    set: Vec<String>,
    criteria: Vec<String>,
    lines: Option<Vec<String>>,
) -> PyResult<u64> {
    let plan = planned(
        py,
        text,
        name,
        &base,
        runs,
        seed,
        set,
        criteria,
        lines.as_deref(),
    )?;
    Ok(plan.points.len() as u64 * plan.sweep.runs)
}

/// Runs a sweep given as the text of a sweep file (named `name`, its
/// scenario files relative to `base`), the GIL released; Ctrl-C stops it.
#[pyfunction]
#[pyo3(signature = (text, name, base, runs, seed, set, criteria, jobs, shard, out, report, fail_fast, progress, lines))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn sweep(
    py: Python<'_>,
    text: &str,
    name: &str,
    base: PathBuf,
    runs: Option<i64>,
    seed: Option<i64>,
    set: Vec<String>,
    criteria: Vec<String>,
    jobs: usize,
    shard: Option<(u64, u64)>,
    out: Option<PathBuf>,
    report: bool,
    fail_fast: bool,
    progress: bool,
    lines: Option<Vec<String>>,
) -> PyResult<NativeSweep> {
    let plan = planned(
        py,
        text,
        name,
        &base,
        runs,
        seed,
        set,
        criteria,
        lines.as_deref(),
    )?;
    let shard = match shard {
        Some((k, n)) if k >= 1 && k <= n => Some(Shard { k, n }),
        Some((k, n)) => {
            return Err(PyValueError::new_err(format!(
                "shard {k}/{n} is not K/N with 1 <= K <= N"
            )));
        }
        None => None,
    };
    let (temp, root) = folder_or_temporary(out, "canopy-sweep-")?;
    let opts = Options {
        out: root,
        jobs,
        shard,
        resume: false,
        fail_fast,
        report: report && temp.is_none(),
        version: VERSION.into(),
        chunk_runs: None,
    };
    let result = stoppable(py, "sweep", progress, |shown| {
        canopy_sweep::run(&plan, &opts, shown)
    })?;
    let done = result.map_err(|e| sweep_failure(py, e))?;
    Ok(NativeSweep {
        dir: done.dir,
        _temp: temp,
        sealing: Sealing::of(&plan, VERSION),
    })
}

/// Merges the parts in `dir` (`part-K-of-N/`, as shards write them) into
/// the sweep's files there (`canopy sweep merge`).
#[pyfunction]
#[pyo3(signature = (dir, report))]
pub(crate) fn merge(py: Python<'_>, dir: PathBuf, report: bool) -> PyResult<NativeSweep> {
    py.detach(|| -> Result<NativeSweep, SweepFailure> {
        canopy_sweep::merge(&dir, VERSION, report)?;
        // The sweep and each point's months, as the parts keep them.
        let sealing = Sealing::read(&dir)?;
        Ok(NativeSweep {
            dir,
            _temp: None,
            sealing,
        })
    })
    .map_err(|e| sweep_failure(py, e))
}

/// A sweep back from what `NativeSweep.state` gave: its files in a
/// temporary folder of its own.
#[pyfunction]
pub(crate) fn restore_sweep(
    py: Python<'_>,
    files: Files,
    months: Vec<u32>,
) -> PyResult<NativeSweep> {
    py.detach(|| -> Result<NativeSweep, SweepFailure> {
        let temp = tempfile::Builder::new().prefix("canopy-sweep-").tempdir()?;
        let dir = temp.path().to_path_buf();
        for (name, data) in &files {
            // Names come from a folder's listing: a plain file name only.
            if name.contains(['/', '\\']) || name == ".." || name == "." {
                return Err(SweepFailure::Refused(format!(
                    "{name:?} is not a file name"
                )));
            }
            fs::write(dir.join(name), data)?;
        }
        let mut sealing = Sealing::read(&dir)?;
        // A whole sweep's folder keeps no months of its points: the state does.
        sealing.point_months = months;
        Ok(NativeSweep {
            dir,
            _temp: Some(temp),
            sealing,
        })
    })
    .map_err(|e| sweep_failure(py, e))
}
