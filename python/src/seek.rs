//! Seeks (`canopy seek FILE`): the seek file read, its values evaluated
//! with the GIL released, and its files written elsewhere.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use canopy_output::atomic::write_atomic;
use canopy_output::scenario_source::load_for_sweep;
use canopy_sweep::seek::{self as seeking, Answer, SEEK_CSV, SEEK_JSON, SeekError, SeekOptions};
use canopy_sweep::{CommandLine, folder};
use canopy_sweep::{SeekFile, read_seek};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;

use crate::VERSION;
use crate::errors::{from_sweep_error, sweep_failure};
use crate::progress::stoppable;
use crate::sweep::folder_or_temporary;

/// A finished seek's files in a folder (a temporary one unless the caller
/// gave `out`), with what writing them elsewhere needs.
#[pyclass(module = "canopy._canopy", frozen, name = "NativeSeek")]
pub(crate) struct NativeSeek {
    dir: PathBuf,
    /// The temporary folder, removed when the seek is dropped.
    _temp: Option<tempfile::TempDir>,
    file: SeekFile,
    answer: Answer,
}

#[pymethods]
impl NativeSeek {
    /// The folder that holds the seek's files.
    #[getter]
    fn path(&self) -> PathBuf {
        self.dir.clone()
    }

    /// The answer in one line, as `canopy seek` prints it.
    #[getter]
    fn line(&self) -> String {
        seeking::answer_line(&self.file, &self.answer)
    }

    /// Writes the files `canopy seek --out out` writes (the report and its
    /// charts unless `report` is false).
    #[pyo3(signature = (out, report))]
    fn write(&self, py: Python<'_>, out: PathBuf, report: bool) -> PyResult<()> {
        py.detach(|| self.write_to(&out, report)).map_err(|e| {
            PyOSError::new_err(format!(
                "cannot write the seek to {}: {}",
                out.display(),
                canopy_output::describe_as(&e, "out=")
            ))
        })
    }
}

impl NativeSeek {
    fn write_to(&self, out: &Path, report: bool) -> io::Result<()> {
        let runs = self.dir.join(folder::RUNS);
        if !runs.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "the seek's files are gone from {} (the folder was removed or emptied \
                     after it ran); run it again, or give it out= to keep its files",
                    self.dir.display()
                ),
            ));
        }
        if fs::canonicalize(out).ok() == Some(fs::canonicalize(&self.dir)?) {
            return Err(io::Error::other("it is the folder the seek's files are in"));
        }
        fs::create_dir_all(out)?;
        // The answer last: a folder half written holds no seek.json.
        folder::remove_if_there(&out.join(SEEK_JSON))?;
        folder::remove_if_there(&out.join(SEEK_CSV))?;
        write_atomic(&out.join(folder::RUNS), &fs::read(&runs)?)?;
        let opts = SeekOptions {
            out: out.to_path_buf(),
            jobs: 1,
            report,
            version: VERSION.into(),
        };
        seeking::write_files(out, &self.file, &self.answer, &opts)
    }
}

/// Runs a seek given as the text of a seek file (named `name`, its
/// scenario files relative to `base`), the GIL released; Ctrl-C stops it.
#[pyfunction]
#[pyo3(signature = (text, name, base, set, jobs, out, report, progress, lines))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn seek(
    py: Python<'_>,
    text: &str,
    name: &str,
    base: PathBuf,
    set: Vec<String>,
    jobs: usize,
    out: Option<PathBuf>,
    report: bool,
    progress: bool,
    lines: Option<Vec<String>>,
) -> PyResult<NativeSeek> {
    let command_line = CommandLine {
        sets: set,
        ..CommandLine::default()
    };
    let file = py
        .detach(|| read_seek(name, text, &command_line))
        .map_err(|e| from_sweep_error(py, e, lines.as_deref()))?;
    let (temp, root) = folder_or_temporary(out, "canopy-seek-")?;
    let opts = SeekOptions {
        out: root,
        jobs,
        // A temporary folder's report is drawn only if it is written out.
        report: report && temp.is_none(),
        version: VERSION.into(),
    };
    let answer = stoppable(py, "seek", progress, |shown| {
        let load = |scenario: &str| load_for_sweep(&base, scenario);
        seeking::run(&file, &load, &opts, shown)
    })?
    .map_err(|e| match e {
        SeekError::Invalid(e) => from_sweep_error(py, e, lines.as_deref()),
        SeekError::Failed(e) => sweep_failure(py, e),
    })?;
    Ok(NativeSeek {
        dir: opts.out,
        _temp: temp,
        file,
        answer,
    })
}
