//! A finished run and its tables: metrics, deals, scorecard, events, the
//! final summary, and the files the command line writes.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use canopy_model::scorecard::{self, DealScore};
use canopy_model::{MonthRecord, ValidScenario, record, run_observed};
use canopy_output::DealLog;
use pyo3::exceptions::{PyOSError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrow::metrics_table;
use crate::errors::python_words;
use crate::events;
use crate::scenario::NativeScenario;

/// A finished run: its months, and what can be worked out from them.
#[pyclass(module = "canopy._canopy", frozen, name = "NativeRun")]
pub(crate) struct NativeRun {
    name: String,
    scenario: Arc<ValidScenario>,
    /// The scenario it ran, with its source (to pickle the run as it).
    source: NativeScenario,
    records: Vec<MonthRecord>,
    scorecard: OnceLock<Vec<DealScore>>,
}

impl NativeRun {
    /// The run again, with an observer (the engine is deterministic: the
    /// same months come out).
    fn again<O: canopy_model::Observer>(&self, observer: &mut O) {
        let _ = run_observed(&self.scenario, observer);
    }

    fn card(&self) -> &[DealScore] {
        self.scorecard
            .get_or_init(|| scorecard::card(&self.scenario, &self.records))
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
        metrics_table(py, &self.records)
    }

    /// The bytes of `deals.csv`.
    fn deals_csv(&self, py: Python<'_>) -> Vec<u8> {
        py.detach(|| {
            let mut deals = DealLog::new(&self.scenario);
            self.again(&mut deals);
            deals.csv().unwrap_or_default().to_vec()
        })
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

    /// The final summary's figures: the last month's, and the last IRR.
    fn summary(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let d = PyDict::new(py);
        d.set_item("scenario", &self.name)?;
        let Some(last) = self.records.last() else {
            d.set_item("month", 0)?;
            return Ok(d.into_any().unbind());
        };
        d.set_item("month", last.month)?;
        for name in [
            "tvl_protocol_locked",
            "tvl_contracted",
            "tvl_organic",
            "tvl_boosted",
            "tvl_total",
            "revenue_total",
            "revenue_cumulative",
            "aegis_leaf",
            "aegis_usdc",
            "leaf_price",
            "aegis_value",
            "oak_distributed",
            "oak_redeemed",
            "oak_unredeemed",
            "value_per_oak",
        ] {
            d.set_item(name, record::column(name).and_then(|c| (c.get)(last)))?;
        }
        let irr = self
            .records
            .iter()
            .rev()
            .find_map(|r| r.irr.map(|v| (r.month, v)));
        d.set_item("last_irr", irr.map(|(_, v)| v))?;
        d.set_item("last_irr_month", irr.map(|(m, _)| m))?;
        Ok(d.into_any().unbind())
    }

    /// Writes the files `canopy run --out out` writes (charts and report
    /// unless `charts` is false, scorecard.csv unless `scorecard` is false).
    #[pyo3(signature = (out, charts, scorecard))]
    fn write(&self, py: Python<'_>, out: PathBuf, charts: bool, scorecard: bool) -> PyResult<()> {
        py.detach(|| {
            let mut deals = DealLog::new(&self.scenario);
            self.again(&mut deals);
            let card = scorecard.then(|| self.card());
            let run = canopy_output::Run {
                name: &self.name,
                scenario: &self.scenario,
                records: &self.records,
                deals: &deals,
                stopped: None,
                scorecard: card,
            };
            canopy_output::write(&out, &run, charts)
        })
        .map_err(|e| {
            PyOSError::new_err(python_words(&format!(
                "cannot write results to {}: {}",
                out.display(),
                canopy_output::describe(&e)
            )))
        })
    }
}

/// Runs a scenario, the GIL released. A numeric failure raises
/// `canopy.RunError` with the months before it.
#[pyfunction]
pub(crate) fn run(py: Python<'_>, scenario: &NativeScenario) -> PyResult<NativeRun> {
    let s = &scenario.scenario;
    match py.detach(|| canopy_model::run(s)) {
        Ok(records) => Ok(NativeRun {
            name: scenario.name.clone(),
            scenario: Arc::clone(s),
            source: scenario.same(),
            records,
            scorecard: OnceLock::new(),
        }),
        Err(e) => {
            let made = (|| -> PyResult<PyErr> {
                let metrics = metrics_table(py, &e.records)?;
                let message = format!(
                    "the run stopped in month {}: {} ({})",
                    e.month,
                    e.quantity(),
                    e.detail()
                );
                let class = py.import("canopy._errors")?.getattr("RunError")?;
                Ok(PyErr::from_value(class.call1((
                    message,
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
