//! Scenarios: loaded from a built-in name, a file or text, with the
//! command line's overrides, and read by key.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use canopy_model::scenario::params::{DEAL_PARAMS, PARAMS};
use canopy_model::{ValidScenario, Value, builtin};
use canopy_output::scenario_source::{self as source, Request};
use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString};

use crate::errors::{from_scenario_error, plain_problem};

/// The built-in scenarios already loaded, by name: a run of a built-in
/// scenario without overrides need not read its text again.
static BUILTINS: OnceLock<Mutex<HashMap<String, NativeScenario>>> = OnceLock::new();

/// A scenario, checked and ready to run.
#[pyclass(module = "canopy._canopy", frozen, name = "NativeScenario")]
pub(crate) struct NativeScenario {
    /// The name it was loaded by (a built-in name or a path), as messages give it.
    pub(crate) name: String,
    /// The scenario itself.
    pub(crate) scenario: Arc<ValidScenario>,
    /// Its source: the text it was read from, with the `--months` and the
    /// `--set`s applied to it, in order. More overrides are applied to the
    /// same source after these, as the command line applies its own: a
    /// default that follows another key (a deal's id, its counterparty's)
    /// follows it still.
    text: Arc<str>,
    months: Option<String>,
    set: Vec<String>,
}

/// The text of a built-in scenario or a scenario file, as
/// [`source::resolve`] reads it; `None` when it cannot (resolve says why).
pub(crate) fn source_text(scenario: &str) -> Option<String> {
    let path = Path::new(scenario);
    match builtin::text(scenario) {
        Some(text) if !path.is_file() => Some(text.to_string()),
        _ => source::read_capped(path).ok(),
    }
}

#[pymethods]
impl NativeScenario {
    /// The name it was loaded by.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// The full scenario as TOML, every default filled in.
    fn to_toml(&self) -> String {
        self.scenario.to_toml()
    }

    /// The value at a dotted key (`deal[13].leaf_pair.amount`).
    fn get(&self, py: Python<'_>, key: &str) -> PyResult<Py<PyAny>> {
        let value = self.scenario.get(key).map_err(PyKeyError::new_err)?;
        Ok(to_python(py, value)?.unbind())
    }

    /// Every dotted key the scenario has, in the parameter table's order,
    /// each deal's keys as `deal[i].key` (a part the deal lacks has none).
    fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = PARAMS.iter().map(|p| p.path.to_string()).collect();
        for (i, d) in self.scenario.deals.iter().enumerate() {
            for p in DEAL_PARAMS {
                if (p.get)(d).is_some() {
                    keys.push(format!("deal[{i}].{}", p.path));
                }
            }
        }
        keys
    }

    /// The scenario as nested dicts, as its TOML reads: tables as dicts,
    /// the deals as a list of dicts under `deal`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let top = PyDict::new(py);
        for p in PARAMS {
            put(&top, p.path, to_python(py, (p.get)(&self.scenario))?)?;
        }
        top.set_item("deal", self.deals(py)?)?;
        Ok(top)
    }

    /// The deals, each as a dict of its keys (its parts as dicts).
    fn deals<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for d in &self.scenario.deals {
            let deal = PyDict::new(py);
            for p in DEAL_PARAMS {
                if let Some(v) = (p.get)(d) {
                    put(&deal, p.path, to_python(py, v)?)?;
                }
            }
            list.append(deal)?;
        }
        Ok(list)
    }

    /// A copy with values changed by dotted key, typed (no TOML is read):
    /// each checked as `--set` checks it, then the whole scenario as a file
    /// is. Every problem is reported together; the scenario is unchanged.
    fn with_(&self, py: Python<'_>, changes: &Bound<'_, PyDict>) -> PyResult<NativeScenario> {
        let mut typed = Vec::with_capacity(changes.len());
        for (key, value) in changes.iter() {
            let key = key.cast_into::<PyString>().map_err(|k| {
                PyTypeError::new_err(format!(
                    "with_: a key is a dotted key path (a str), not {}",
                    type_name(k.into_inner().as_any())
                ))
            })?;
            let key = key.to_cow()?.into_owned();
            let value = from_python(&key, &value)?;
            typed.push((key, value));
        }
        let changes: Vec<(&str, Value)> =
            typed.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let changed = self.scenario.with(&changes).map_err(|mut e| {
            e.source_name.clone_from(&self.name);
            from_scenario_error(py, e)
        })?;
        let mut set = self.set.clone();
        set.extend(typed.iter().map(|(k, v)| format!("{k}={}", v.show())));
        Ok(NativeScenario {
            name: self.name.clone(),
            scenario: Arc::new(changed),
            text: Arc::clone(&self.text),
            months: self.months.clone(),
            set,
        })
    }

    /// Where it came from, to pickle it: its source text, its `months` and
    /// `set` overrides, and its full TOML (which gives it back exactly).
    fn source(&self) -> (String, Option<String>, Vec<String>, String) {
        (
            self.text.to_string(),
            self.months.clone(),
            self.set.clone(),
            self.scenario.to_toml(),
        )
    }

    /// The number of months it runs.
    #[getter]
    fn months(&self) -> u32 {
        self.scenario.simulation.months
    }

    /// The number of deals.
    #[getter]
    fn deal_count(&self) -> usize {
        self.scenario.deals.len()
    }
}

/// The names of the built-in scenarios.
#[pyfunction]
pub(crate) fn builtin_scenarios() -> Vec<&'static str> {
    builtin::names().collect()
}

impl NativeScenario {
    /// Its source text and the `--months` and `--set`s applied to it, for
    /// loading it again with more.
    pub(crate) fn overrides(&self) -> (Arc<str>, Option<String>, Vec<String>) {
        (
            Arc::clone(&self.text),
            self.months.clone(),
            self.set.clone(),
        )
    }

    /// The same scenario, shared.
    pub(crate) fn same(&self) -> NativeScenario {
        NativeScenario {
            name: self.name.clone(),
            scenario: Arc::clone(&self.scenario),
            text: Arc::clone(&self.text),
            months: self.months.clone(),
            set: self.set.clone(),
        }
    }
}

/// Loads text (named `name` in messages) with overrides, remembering them.
pub(crate) fn load_source(
    py: Python<'_>,
    name: &str,
    text: Arc<str>,
    months: Option<String>,
    set: Vec<String>,
) -> PyResult<NativeScenario> {
    let request = Request {
        scenario: name.to_string(),
        months,
        set,
    };
    let loaded = py
        .detach(|| source::load_text(name, &text, &request))
        .map_err(|e| from_scenario_error(py, e))?;
    Ok(NativeScenario {
        name: name.to_string(),
        scenario: Arc::new(loaded),
        text,
        months: request.months,
        set: request.set,
    })
}

/// Loads a built-in scenario or a scenario file, with `--months` and
/// `--set` overrides as the command line takes them.
#[pyfunction]
#[pyo3(signature = (scenario, months, set))]
pub(crate) fn load(
    py: Python<'_>,
    scenario: String,
    months: Option<String>,
    set: Vec<String>,
) -> PyResult<NativeScenario> {
    let plain = months.is_none() && set.is_empty();
    // A file of the built-in's name comes first, as on the command line.
    let cached = plain && builtin::text(&scenario).is_some() && !Path::new(&scenario).is_file();
    if cached {
        let cache = BUILTINS.get_or_init(Mutex::default);
        if let Some(s) = cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&scenario)
        {
            return Ok(s.same());
        }
    }
    let Some(text) = py.detach(|| source_text(&scenario)) else {
        // It cannot be read: the command line's message says why.
        let request = Request {
            scenario: scenario.clone(),
            months,
            set,
        };
        return Err(match py.detach(|| source::resolve(&request)) {
            Err(e) => from_scenario_error(py, e),
            Ok(_) => plain_problem(py, &scenario, format!("cannot read {scenario}")),
        });
    };
    let loaded = load_source(py, &scenario, Arc::from(text), months, set)?;
    if cached {
        let cache = BUILTINS.get_or_init(Mutex::default);
        cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(scenario.clone(), loaded.same());
    }
    Ok(loaded)
}

/// Loads scenario text (named `name` in messages), with overrides.
#[pyfunction]
#[pyo3(signature = (text, name, months, set))]
pub(crate) fn loads(
    py: Python<'_>,
    text: &str,
    name: &str,
    months: Option<String>,
    set: Vec<String>,
) -> PyResult<NativeScenario> {
    load_source(py, name, Arc::from(text), months, set)
}

/// A scenario with more overrides: its source loaded again with its own
/// overrides and then these, as the command line applies `--set`s in
/// order (`months` takes the place of its own `--months`).
#[pyfunction]
#[pyo3(signature = (scenario, months, set))]
pub(crate) fn reload(
    py: Python<'_>,
    scenario: &NativeScenario,
    months: Option<String>,
    set: Vec<String>,
) -> PyResult<NativeScenario> {
    if months.is_none() && set.is_empty() {
        return Ok(scenario.same());
    }
    let months = months.or_else(|| scenario.months.clone());
    let mut all = scenario.set.clone();
    all.extend(set);
    load_source(py, &scenario.name, Arc::clone(&scenario.text), months, all)
}

/// Reads a sweep or scenario file as the command line does (at most the
/// size a scenario may be, UTF-8), raising `ScenarioError` when it cannot.
#[pyfunction]
pub(crate) fn read_text(py: Python<'_>, path: PathBuf, what: &str) -> PyResult<String> {
    source::read_capped(&path).map_err(|e| {
        let name = path.display().to_string();
        plain_problem(
            py,
            &name,
            format!("cannot read the {what} file {name}: {e}"),
        )
    })
}

/// A scenario back from what [`NativeScenario::source`] gave: its values
/// from its full TOML, its source kept for later overrides.
#[pyfunction]
#[pyo3(signature = (name, text, months, set, full))]
pub(crate) fn restore(
    py: Python<'_>,
    name: &str,
    text: &str,
    months: Option<String>,
    set: Vec<String>,
    full: &str,
) -> PyResult<NativeScenario> {
    let none = Request {
        scenario: name.to_string(),
        months: None,
        set: Vec::new(),
    };
    let loaded = py
        .detach(|| source::load_text(name, full, &none))
        .map_err(|e| from_scenario_error(py, e))?;
    Ok(NativeScenario {
        name: name.to_string(),
        scenario: Arc::new(loaded),
        text: Arc::from(text),
        months,
        set,
    })
}

/// A parameter's value as Python's: float, int, bool, str or a list of floats.
fn to_python(py: Python<'_>, value: Value) -> PyResult<Bound<'_, PyAny>> {
    Ok(match value {
        Value::Float(x) => x.into_pyobject(py)?.into_any(),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Str(s) => s.into_pyobject(py)?.into_any(),
        Value::List(xs) => PyList::new(py, xs)?.into_any(),
    })
}

/// A Python value as a parameter's, typed as given: a bool, an int (one
/// past i64 a float, refused where a whole number goes), a float (numpy's
/// scalars too), a str, or a sequence of numbers.
fn from_python(key: &str, value: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(x) = value.cast::<PyFloat>() {
        return Ok(Value::Float(x.value()));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::Str(s.to_cow()?.into_owned()));
    }
    if let Ok(i) = value.extract::<i64>() {
        return Ok(Value::Int(i));
    }
    if let Ok(i) = value.extract::<u64>() {
        return Ok(Value::from(i));
    }
    // numpy's bool_ (pyo3 takes it as a bool, never an int).
    if let Ok(b) = value.extract::<bool>() {
        return Ok(Value::Bool(b));
    }
    if value.hasattr("__float__")? {
        return Ok(Value::Float(value.extract::<f64>()?));
    }
    if !value.is_instance_of::<PyDict>()
        && let Ok(xs) = value.extract::<Vec<f64>>()
    {
        return Ok(Value::List(xs));
    }
    Err(PyTypeError::new_err(format!(
        "with_: {key} takes a number, a string, a boolean or a list of numbers, not {}",
        type_name(value)
    )))
}

/// The name of a value's type, for messages.
pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "an unknown type".into(), |n| n.to_string())
}

/// Puts `value` at a dotted `path` in nested dicts, making the tables.
fn put(top: &Bound<'_, PyDict>, path: &str, value: Bound<'_, PyAny>) -> PyResult<()> {
    let py = top.py();
    let mut table = top.clone();
    let mut keys = path.split('.').peekable();
    while let Some(key) = keys.next() {
        if keys.peek().is_none() {
            table.set_item(key, value)?;
            break;
        }
        table = match table.get_item(key)? {
            Some(t) => t.cast_into::<PyDict>()?,
            None => {
                let t = PyDict::new(py);
                table.set_item(key, &t)?;
                t
            }
        };
    }
    Ok(())
}
