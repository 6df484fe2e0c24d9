//! A finished run and its tables: metrics, deals, scorecard, events, the
//! final summary, and the files the command line writes.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use canopy_model::ValidScenario;
use canopy_model::scorecard::{self, DealScore};
use canopy_output::{RunOptions, RunOutcome, run_whole};
use pyo3::exceptions::{PyOSError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrow::metrics_table;
use crate::events;
use crate::scenario::NativeScenario;

/// A finished run: its months, and what can be worked out from them.
#[pyclass(module = "canopy._canopy", frozen, name = "NativeRun")]
pub(crate) struct NativeRun {
    name: String,
    scenario: Arc<ValidScenario>,
    /// The scenario it ran, with its source (to pickle the run as it).
    source: NativeScenario,
    /// The whole run: its months, deals and summary (its scorecard is
    /// worked out when first asked for: it costs a run per deal). Behind a
    /// lock because the deal log is not shared between threads.
    outcome: Mutex<RunOutcome>,
    scorecard: OnceLock<Vec<DealScore>>,
}

impl NativeRun {
    /// The run again, with an observer (the engine is deterministic: the
    /// same months come out).
    fn again<O: canopy_model::Observer>(&self, observer: &mut O) {
        let _ = canopy_model::run_observed(&self.scenario, observer);
    }

    fn outcome(&self) -> MutexGuard<'_, RunOutcome> {
        self.outcome.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn card(&self) -> &[DealScore] {
        self.scorecard
            .get_or_init(|| scorecard::card(&self.scenario, &self.outcome().records))
    }
}

#[pymethods]
impl NativeRun {
    /// The scenario it ran.
    fn scenario(&self) -> NativeScenario {
        self.source.same()
    }

    /// `metrics.csv` as a `pyarrow.Table`.
    fn metrics(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        metrics_table(py, &self.outcome().records)
    }

    /// The SVG of the report's chart `stem`, as `canopy run` writes it.
    fn chart_svg(&self, py: Python<'_>, stem: &str) -> PyResult<String> {
        let Some(chart) = canopy_output::charts::Chart::by_stem(stem) else {
            let stems: Vec<&str> = canopy_output::charts::Chart::ALL
                .iter()
                .map(|c| c.stem)
                .collect();
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "no chart is called `{stem}`; the charts: {}",
                stems.join(", ")
            )));
        };
        let records = self.outcome().records.clone();
        py.detach(|| canopy_output::charts::svg(*chart, &records).map_err(|e| e.to_string()))
            .map_err(|e| PyRuntimeError::new_err(format!("chart {stem}: {e}")))
    }

    /// The bytes of `deals.csv`.
    fn deals_csv(&self) -> Vec<u8> {
        self.outcome().deals.csv().unwrap_or_default().to_vec()
    }

    /// The bytes of `scorecard.csv` (a run per deal, the first time).
    fn scorecard_csv(&self, py: Python<'_>) -> PyResult<Vec<u8>> {
        py.detach(|| canopy_output::scorecard_csv(self.card()))
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// The run's events, as dicts with `month` and `kind`.
    fn events(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let mut gathered = events::Gathered::default();
        py.detach(|| self.again(&mut gathered));
        events::to_python(py, &self.scenario, &gathered.events)
    }

    /// The final summary's figures ([`canopy_output::FinalSummary`], one
    /// key per figure) and the scenario's name.
    fn summary(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let d = PyDict::new(py);
        d.set_item("scenario", &self.name)?;
        let Some(summary) = self.outcome().summary.clone() else {
            d.set_item("month", 0)?;
            return Ok(d.into_any().unbind());
        };
        let figures = serde_json::to_value(&summary)
            .map_err(|e| PyRuntimeError::new_err(format!("cannot give the summary: {e}")))?;
        for (key, value) in figures.as_object().into_iter().flatten() {
            match value {
                serde_json::Value::Number(n) if n.is_u64() => d.set_item(key, n.as_u64())?,
                serde_json::Value::Number(n) => d.set_item(key, n.as_f64())?,
                _ => d.set_item(key, py.None())?,
            }
        }
        Ok(d.into_any().unbind())
    }

    /// Writes the files `canopy run --out out` writes (charts and report
    /// unless `charts` is false, scorecard.csv unless `scorecard` is false).
    #[pyo3(signature = (out, charts, scorecard))]
    fn write(&self, py: Python<'_>, out: PathBuf, charts: bool, scorecard: bool) -> PyResult<()> {
        py.detach(|| {
            let card = scorecard.then(|| self.card());
            let outcome = self.outcome();
            let mut run = outcome.as_run(&self.name, &self.scenario);
            run.scorecard = card;
            canopy_output::write(&out, &run, charts)
        })
        .map_err(|e| {
            PyOSError::new_err(format!(
                "cannot write results to {}: {}",
                out.display(),
                canopy_output::describe_as(&e, "out=")
            ))
        })
    }
}

/// Runs a scenario, the GIL released. A numeric failure raises
/// `canopy.RunError` with the months before it.
#[pyfunction]
pub(crate) fn run(py: Python<'_>, scenario: &NativeScenario) -> PyResult<NativeRun> {
    let s = &scenario.scenario;
    // The scorecard is worked out when first asked for.
    let mut outcome = py.detach(|| {
        run_whole(RunOptions {
            scorecard: false,
            ..RunOptions::new(s)
        })
    });
    match outcome.failure.take() {
        None => Ok(NativeRun {
            name: scenario.name.clone(),
            scenario: Arc::clone(s),
            source: scenario.same(),
            outcome: Mutex::new(outcome),
            scorecard: OnceLock::new(),
        }),
        Some(e) => {
            let made = (|| -> PyResult<PyErr> {
                let metrics = metrics_table(py, &e.records)?;
                let class = py.import("canopy._errors")?.getattr("RunError")?;
                Ok(PyErr::from_value(class.call1((
                    e.stopped(),
                    e.month,
                    e.quantity(),
                    e.detail(),
                    metrics,
                ))?))
            })();
            Err(made.unwrap_or_else(|e| e))
        }
    }
}

/// What `canopy explain NAME` prints; a name it does not know raises
/// `ValueError` with the nearest name.
#[pyfunction]
pub(crate) fn explain(name: &str) -> PyResult<String> {
    canopy_sweep::reference::explain(name)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}
