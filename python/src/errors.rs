//! The package's exceptions made from the engine's errors:
//! `canopy.ScenarioError` from a scenario's or sweep's problems,
//! `canopy.RunError` from a failed run.

use canopy_model::scenario::validate::{Problem, Where};
use canopy_sweep::SweepFailure;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// `canopy.ScenarioError`, holding `message` (every problem line as the
/// command line prints them, its flags worded as the package's arguments)
/// and `problems` as dicts.
pub(crate) fn scenario_error(
    py: Python<'_>,
    source: &str,
    message: String,
    problems: &[Problem],
) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let list = PyList::empty(py);
        for p in problems {
            let d = PyDict::new(py);
            let (line, column) = match p.at {
                Where::Text { line, column } => (Some(line), Some(column)),
                _ => (None, None),
            };
            let at = match &p.at {
                Where::Override(label) => Some(label.as_str()),
                _ => None,
            };
            d.set_item("file", source)?;
            d.set_item("line", line)?;
            d.set_item("column", column)?;
            d.set_item("key", (!p.path.is_empty()).then_some(p.path.as_str()))?;
            d.set_item("message", &p.message)?;
            d.set_item("at", at)?;
            list.append(d)?;
        }
        let class = py.import("canopy._errors")?.getattr("ScenarioError")?;
        Ok(PyErr::from_value(class.call1((message, list))?))
    })();
    made.unwrap_or_else(|e| e)
}

/// A scenario error as the `ScenarioError` of the Python package, its
/// overrides named as the arguments that gave them.
pub(crate) fn from_scenario_error(py: Python<'_>, mut e: canopy_model::ScenarioError) -> PyErr {
    pythonic(&mut e.problems);
    scenario_error(py, &e.source_name, e.to_string(), &e.problems)
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
    pythonic(&mut e.problems);
    scenario_error(py, &e.source_name, e.to_string(), &e.problems)
}

/// Problems of TOML made from a dict, placed at the dict paths that made
/// their lines (`sweep["axis"][0]["values"]`).
fn at_dict_paths(problems: &mut [Problem], lines: &[String]) {
    for p in problems {
        if let Where::Text { line, .. } = p.at
            && let Some(path) = lines.get(line.wrapping_sub(1))
        {
            p.at = Where::Override(path.clone());
        }
    }
}

/// The command line's flags, as the package's arguments: `--months` is
/// `months=`, `--out` is `out`. Python users never typed a flag.
pub(crate) fn python_words(text: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        (
            "--months and --set simulation.months both set the months",
            "months= and set={\"simulation.months\": ...} both set the months",
        ),
        ("as --set takes it", "as set= takes it"),
        ("for --out", "for out="),
        ("--out needs a folder", "out= needs a folder"),
        ("(--out)", "(out=)"),
        ("run without --resume to replace it", "give another out="),
        ("run without --resume to replace them", "give another out="),
        ("run it again with --resume", "run it again"),
        ("--fail-fast", "fail_fast=True"),
        ("--months", "months="),
        ("--set", "set="),
        ("--runs", "runs="),
        ("--seed", "seed="),
        ("--jobs", "jobs="),
        ("--out", "out="),
        ("--shard", "shard="),
    ];
    let mut text = text.to_string();
    for (flag, word) in WORDS {
        if text.contains(flag) {
            text = text.replace(flag, word);
        }
    }
    text
}

/// An override's label (`--months 0`, `--set k=v`, the library's `set k =
/// v`) as the Python argument that gave it.
fn python_label(label: &str) -> String {
    if let Some(n) = label.strip_prefix("--months ") {
        return format!("months={n}");
    }
    for flag in ["runs", "seed"] {
        if let Some(n) = label.strip_prefix(&format!("--{flag} ")) {
            return format!("{flag}={n}");
        }
    }
    if let Some((key, value)) = label
        .strip_prefix("--set ")
        .and_then(|kv| kv.split_once('='))
    {
        return format!("set={{{:?}: {}}}", key.trim(), value.trim());
    }
    if let Some((key, value)) = label
        .strip_prefix("set ")
        .and_then(|kv| kv.split_once(" = "))
    {
        return format!("with_({{{key:?}: {value}}})");
    }
    python_words(label)
}

/// Problems worded for Python: override labels as the arguments that gave
/// them, flags in messages as argument names.
pub(crate) fn pythonic(problems: &mut [Problem]) {
    for p in problems {
        if let Where::Override(label) = &p.at {
            p.at = Where::Override(python_label(label));
        }
        p.message = python_words(&p.message);
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
        SweepFailure::Refused(m) => PyValueError::new_err(python_words(&m)),
        SweepFailure::Io(e) => PyOSError::new_err(python_words(&canopy_output::describe(&e))),
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
        e => PyRuntimeError::new_err(python_words(&e.to_string())),
    }
}
