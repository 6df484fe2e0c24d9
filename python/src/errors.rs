//! The package's exceptions made from the engine's errors:
//! `canopy.ScenarioError` from a scenario's or sweep's problems,
//! `canopy.RunError` from a failed run.

use canopy_model::scenario::validate::{Given, Problem, Where, Wording};
use canopy_sweep::SweepFailure;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// The origins of overrides as the package's arguments: `months=0`,
/// `set={"K": V}`, `runs=3`, `seed=7`, `with_({"K": V})`.
pub(crate) struct Arguments;

impl Wording for Arguments {
    fn given(&self, given: &Given) -> String {
        match given {
            Given::Set(text) => match text.split_once('=') {
                Some((key, value)) => format!("set={{{:?}: {}}}", key.trim(), value.trim()),
                None => format!("set={{{text:?}}}"),
            },
            Given::Months(n) => format!("months={n}"),
            Given::Runs(n) => format!("runs={n}"),
            Given::Seed(n) => format!("seed={n}"),
            Given::Edit { key, value } => format!("with_({{{key:?}: {value}}})"),
            Given::Place(place) => place.clone(),
            Given::Criterion(text) => format!("criteria=[{text:?}]"),
        }
    }
}

/// `canopy.ScenarioError`, holding `message` (every problem line as the
/// command line prints them, overrides named as the package's arguments)
/// and `problems` as dicts.
pub(crate) fn scenario_error(
    py: Python<'_>,
    source: &str,
    message: String,
    problems: &[Problem],
) -> PyErr {
    scenario_error_of(py, message, &[(source, problems, &Arguments)])
}

/// `canopy.ScenarioError` from the problems of several sources (each with
/// the wording of the arguments that gave its overrides).
pub(crate) fn scenario_error_of(
    py: Python<'_>,
    message: String,
    parts: &[(&str, &[Problem], &dyn Wording)],
) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let list = PyList::empty(py);
        for (source, problems, wording) in parts {
            for p in problems.iter() {
                let d = PyDict::new(py);
                let (line, column) = match p.at {
                    Where::Text { line, column } => (Some(line), Some(column)),
                    _ => (None, None),
                };
                let at = match &p.at {
                    Where::Override(given) => Some(wording.given(given)),
                    _ => None,
                };
                d.set_item("file", *source)?;
                d.set_item("line", line)?;
                d.set_item("column", column)?;
                d.set_item("key", (!p.path.is_empty()).then_some(p.path.as_str()))?;
                d.set_item("message", &p.message)?;
                d.set_item("at", at)?;
                list.append(d)?;
            }
        }
        let class = py.import("canopy._errors")?.getattr("ScenarioError")?;
        Ok(PyErr::from_value(class.call1((message, list))?))
    })();
    made.unwrap_or_else(|e| e)
}

/// The origins of one side's overrides in a comparison: a `set` that came
/// from `argument` (`set_a`) is named so; the rest as [`Arguments`] names them.
pub(crate) struct SideArguments<'a> {
    /// The argument (`set_a` or `set_b`).
    pub(crate) argument: &'static str,
    /// The overrides it gave, as `KEY=VALUE` texts.
    pub(crate) own: &'a [String],
}

impl Wording for SideArguments<'_> {
    fn given(&self, given: &Given) -> String {
        match given {
            Given::Set(text) if self.own.contains(text) => {
                let argument = self.argument;
                match text.split_once('=') {
                    Some((key, value)) => {
                        format!("{argument}={{{:?}: {}}}", key.trim(), value.trim())
                    }
                    None => format!("{argument}={{{text:?}}}"),
                }
            }
            other => Arguments.given(other),
        }
    }
}

/// A scenario error as the `ScenarioError` of the Python package, its
/// overrides named as the arguments that gave them.
pub(crate) fn from_scenario_error(py: Python<'_>, e: canopy_model::ScenarioError) -> PyErr {
    let message = e.worded(&Arguments).to_string();
    scenario_error(py, &e.source_name, message, &e.problems)
}

/// A sweep's problems as a `ScenarioError`. For a sweep given as a dict,
/// `lines` holds the dict path each line of its TOML was made from: a
/// problem is placed at the path the user wrote, not at a line they never saw.
pub(crate) fn from_sweep_error(
    py: Python<'_>,
    mut e: canopy_sweep::SweepError,
    lines: Option<&[String]>,
) -> PyErr {
    if let Some(lines) = lines {
        at_dict_paths(&mut e.problems, lines);
    }
    let message = e.worded(&Arguments).to_string();
    scenario_error(py, &e.source_name, message, &e.problems)
}

/// Problems of TOML made from a dict, placed at the dict paths that made
/// their lines (`sweep["axis"][0]["values"]`).
fn at_dict_paths(problems: &mut [Problem], lines: &[String]) {
    for p in problems {
        if let Where::Text { line, .. } = p.at
            && let Some(path) = lines.get(line.wrapping_sub(1))
        {
            p.at = Where::Override(Given::Place(path.clone()));
        }
    }
}

/// A one-line problem about `source` (a file that cannot be read).
pub(crate) fn plain_problem(py: Python<'_>, source: &str, message: String) -> PyErr {
    let problem = Problem {
        at: Where::Nowhere,
        path: String::new(),
        deal: None,
        message: message.clone(),
    };
    scenario_error(py, source, message, &[problem])
}

/// A sweep failure as a Python exception: a run that failed under
/// `fail_fast` as `canopy.RunError`, with the run's point, number and seed.
pub(crate) fn sweep_failure(py: Python<'_>, e: SweepFailure) -> PyErr {
    match e {
        SweepFailure::Refused(m) => PyValueError::new_err(m),
        SweepFailure::Io(e) => PyOSError::new_err(canopy_output::describe_as(&e, "out=")),
        SweepFailure::FailFast {
            ref failure,
            ref command,
        } => {
            let text = e.to_string();
            let made = (|| -> PyResult<PyErr> {
                let class = py.import("canopy._errors")?.getattr("RunError")?;
                let extra = PyDict::new(py);
                extra.set_item("point", failure.point)?;
                extra.set_item("run", failure.run)?;
                extra.set_item("seed", failure.seed)?;
                extra.set_item("command", command)?;
                Ok(PyErr::from_value(class.call(
                    (
                        text,
                        failure.month,
                        failure.quantity.as_str(),
                        failure.message.as_str(),
                        py.None(),
                    ),
                    Some(&extra),
                )?))
            })();
            made.unwrap_or_else(|e| e)
        }
        e => PyRuntimeError::new_err(e.to_string()),
    }
}
