//! `canopy._canopy`: the engine, the output writers and the sweep runner
//! behind the `canopy` Python package (PYTHON.md). The package's Python
//! layer (`canopy/__init__.py`) gives it its public face; this module keeps
//! to what must be Rust: runs, sweeps, and results handed over as Arrow
//! through the C data interface.

mod events;

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use arrow_array::RecordBatchReader;
use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer};
use arrow_data::ArrayData;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use canopy_model::scenario::validate::{Problem, Where};
use canopy_model::scorecard::{self, DealScore};
use canopy_model::{COLUMNS, MonthRecord, ValidScenario, Value, builtin, record, run_observed};
use canopy_output::DealLog;
use canopy_output::atomic::write_atomic;
use canopy_output::scenario_source::{self as source, Request};
use canopy_sweep::folder;
use canopy_sweep::{CommandLine, Options, Progress, Shard, Sweep, SweepFailure};
use pyo3::exceptions::{PyKeyError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList};

/// The version written into `sweep.toml`, as the command line writes it.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `canopy.ScenarioError`, holding `message` (every problem line as the
/// command line prints them) and `problems` as dicts.
fn scenario_error(py: Python<'_>, source: &str, message: String, problems: &[Problem]) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let list = PyList::empty(py);
        for p in problems {
            let d = PyDict::new(py);
            let (line, column) = match p.at {
                Where::Text { line, column } => (Some(line), Some(column)),
                _ => (None, None),
            };
            d.set_item("file", source)?;
            d.set_item("line", line)?;
            d.set_item("column", column)?;
            d.set_item("key", (!p.path.is_empty()).then_some(p.path.as_str()))?;
            d.set_item("message", &p.message)?;
            list.append(d)?;
        }
        let class = py.import("canopy._errors")?.getattr("ScenarioError")?;
        Ok(PyErr::from_value(class.call1((message, list))?))
    })();
    made.unwrap_or_else(|e| e)
}

/// A scenario error as the `ScenarioError` of the Python package.
fn from_scenario_error(py: Python<'_>, e: &canopy_model::ScenarioError) -> PyErr {
    scenario_error(py, &e.source_name, e.to_string(), &e.problems)
}

/// A one-line problem about `source` (a file that cannot be read).
fn plain_problem(py: Python<'_>, source: &str, message: String) -> PyErr {
    let problem = Problem {
        at: Where::Nowhere,
        path: String::new(),
        deal: None,
        message: message.clone(),
    };
    scenario_error(py, source, message, &[problem])
}

/// What the Arrow export needs from pyarrow, looked up once: the import of
/// a record batch, `Table.from_batches`, and the metrics' schema as a
/// `pyarrow.Schema` (the same for every run, so it crosses once).
struct Pyarrow {
    import_batch: Py<PyAny>,
    from_batches: Py<PyAny>,
    metrics_schema: Py<PyAny>,
}

static PYARROW: PyOnceLock<Pyarrow> = PyOnceLock::new();

/// The schema of `metrics.csv` as a table: its columns in its order,
/// counts uint32 and the rest float64, every column nullable.
fn metrics_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(
                COLUMNS
                    .iter()
                    .map(|c| {
                        let ty = if c.is_count() {
                            DataType::UInt32
                        } else {
                            DataType::Float64
                        };
                        Field::new(c.name, ty, true)
                    })
                    .collect::<Vec<_>>(),
            ))
        })
        .clone()
}

fn pyarrow(py: Python<'_>) -> PyResult<&Pyarrow> {
    PYARROW.get_or_try_init(py, || -> PyResult<Pyarrow> {
        let pa = py.import("pyarrow")?;
        let schema = FFI_ArrowSchema::try_from(metrics_schema().as_ref()).map_err(|e| {
            PyRuntimeError::new_err(format!("cannot export the metrics schema: {e}"))
        })?;
        let mut schema = Box::new(schema);
        // pyarrow moves the schema out (leaving it released): dropping the
        // box afterwards frees only the box.
        let address = std::ptr::addr_of_mut!(*schema) as usize;
        let metrics_schema = pa
            .getattr("Schema")?
            .call_method1("_import_from_c", (address,))?
            .unbind();
        drop(schema);
        Ok(Pyarrow {
            import_batch: pa
                .getattr("RecordBatch")?
                .getattr("_import_from_c")?
                .unbind(),
            from_batches: pa.getattr("Table")?.getattr("from_batches")?.unbind(),
            metrics_schema,
        })
    })
}

/// The months as a `pyarrow.Table` with `metrics.csv`'s columns, through
/// the Arrow C data interface: pyarrow takes the buffers over, nothing is
/// copied or made per cell.
fn metrics_table(py: Python<'_>, records: &[MonthRecord]) -> PyResult<Py<PyAny>> {
    let pa = pyarrow(py)?;
    let data = metrics_data(records);
    let mut array = Box::new(FFI_ArrowArray::new(&data));
    let address = std::ptr::addr_of_mut!(*array) as usize;
    let batch = pa
        .import_batch
        .bind(py)
        .call1((address, pa.metrics_schema.bind(py)))?;
    drop(array);
    let table = pa.from_batches.bind(py).call1((vec![batch],))?;
    Ok(table.unbind())
}

/// `metrics.csv` as one struct array (a record batch's layout) of
/// [`metrics_schema`]: null where a value is undefined. Every column's
/// values are a slice of one allocation (and every validity bitmap of
/// another): allocations, not values, are most of a small table's cost.
fn metrics_data(records: &[MonthRecord]) -> ArrayData {
    let n = records.len();
    let counts = COLUMNS.iter().filter(|c| c.is_count()).count();
    let mut floats: Vec<f64> = Vec::with_capacity((COLUMNS.len() - counts) * n);
    let mut whole: Vec<u32> = Vec::with_capacity(counts * n);
    // Bitmaps start on whole bytes, one per column that needs one.
    let bitmap_bytes = n.div_ceil(8);
    let mut bits: Vec<u8> = Vec::new();
    let mut layout = Vec::with_capacity(COLUMNS.len());
    for c in COLUMNS.iter() {
        let value = |r: &MonthRecord| (c.get)(r);
        let at = if c.is_count() {
            let at = whole.len();
            // Counts are whole numbers well inside u32.
            whole.extend(records.iter().map(|r| value(r).map_or(0, |x| x as u32)));
            at
        } else {
            let at = floats.len();
            floats.extend(records.iter().map(|r| value(r).unwrap_or(0.0)));
            at
        };
        let bitmap = (c.optional && records.iter().any(|r| value(r).is_none())).then(|| {
            let start = bits.len();
            bits.resize(start + bitmap_bytes, 0);
            for (i, r) in records.iter().enumerate() {
                if value(r).is_some() {
                    bits[start + i / 8] |= 1 << (i % 8);
                }
            }
            start
        });
        layout.push((c.is_count(), at, bitmap));
    }
    let floats = Buffer::from_vec(floats);
    let whole = Buffer::from_vec(whole);
    let bits = Buffer::from_vec(bits);
    let children = layout
        .into_iter()
        .map(|(count, at, bitmap)| {
            let (ty, values) = if count {
                (DataType::UInt32, whole.slice_with_length(at * 4, n * 4))
            } else {
                (DataType::Float64, floats.slice_with_length(at * 8, n * 8))
            };
            let nulls = bitmap.map(|start| {
                NullBuffer::new(BooleanBuffer::new(
                    bits.slice_with_length(start, bitmap_bytes),
                    0,
                    n,
                ))
            });
            // SAFETY: `n` values of the type (aligned: each slice starts
            // at a whole value of its own allocation), and a validity
            // bitmap of `n` bits when there is one: a valid primitive array.
            unsafe {
                ArrayData::builder(ty)
                    .len(n)
                    .add_buffer(values)
                    .nulls(nulls)
                    .build_unchecked()
            }
        })
        .collect();
    let fields = metrics_schema().fields().clone();
    // SAFETY: a struct of `n` rows whose children are the fields' arrays,
    // in order, each of `n` values.
    unsafe {
        ArrayData::builder(DataType::Struct(fields))
            .len(n)
            .child_data(children)
            .build_unchecked()
    }
}

/// The built-in scenarios already loaded, by name: a run of a built-in
/// scenario without overrides need not read its text again.
static BUILTINS: OnceLock<Mutex<HashMap<String, NativeScenario>>> = OnceLock::new();

/// A scenario, checked and ready to run.
#[pyclass(module = "canopy._canopy", frozen, name = "NativeScenario")]
struct NativeScenario {
    /// The name it was loaded by (a built-in name or a path), as messages give it.
    name: String,
    scenario: Arc<ValidScenario>,
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
fn source_text(scenario: &str) -> Option<String> {
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
        Ok(match value {
            Value::Float(x) => x.into_pyobject(py)?.into_any().unbind(),
            Value::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
            Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
            Value::Str(s) => s.into_pyobject(py)?.into_any().unbind(),
            Value::List(xs) => PyList::new(py, xs)?.into_any().unbind(),
        })
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
fn builtin_scenarios() -> Vec<&'static str> {
    builtin::names().collect()
}

impl NativeScenario {
    fn same(&self) -> NativeScenario {
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
fn load_source(
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
        .map_err(|e| from_scenario_error(py, &e))?;
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
fn load(
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
            Err(e) => from_scenario_error(py, &e),
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
fn loads(
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
fn reload(
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

/// A finished run: its months, and what can be worked out from them.
#[pyclass(module = "canopy._canopy", frozen, name = "NativeRun")]
struct NativeRun {
    name: String,
    scenario: Arc<ValidScenario>,
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
            PyOSError::new_err(format!(
                "cannot write results to {}: {}",
                out.display(),
                canopy_output::describe(&e)
            ))
        })
    }
}

/// Runs a scenario, the GIL released. A numeric failure raises
/// `canopy.RunError` with the months before it.
#[pyfunction]
fn run(py: Python<'_>, scenario: &NativeScenario) -> PyResult<NativeRun> {
    let s = &scenario.scenario;
    match py.detach(|| canopy_model::run(s)) {
        Ok(records) => Ok(NativeRun {
            name: scenario.name.clone(),
            scenario: Arc::clone(s),
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

/// Reads a sweep or scenario file as the command line does (at most the
/// size a scenario may be, UTF-8), raising `ScenarioError` when it cannot.
#[pyfunction]
fn read_text(py: Python<'_>, path: PathBuf, what: &str) -> PyResult<String> {
    source::read_capped(&path).map_err(|e| {
        let name = path.display().to_string();
        plain_problem(
            py,
            &name,
            format!("cannot read the {what} file {name}: {e}"),
        )
    })
}

/// How far a sweep is, and the flag that stops it. The thread that waits
/// for the sweep shows it, through Python's `sys.stderr` (so that a
/// notebook shows it too).
struct Shown {
    stop: AtomicBool,
    total: AtomicU64,
    done: AtomicU64,
    finishing: AtomicBool,
}

impl Progress for Shown {
    fn begin(&self, total: u64, done: u64) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(done, Ordering::Relaxed);
    }

    fn advance(&self, runs: u64) {
        self.done.fetch_add(runs, Ordering::Relaxed);
    }

    fn finishing(&self) {
        self.finishing.store(true, Ordering::Relaxed);
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

impl Shown {
    /// Writes the progress line to `sys.stderr` (`end`: the last one).
    fn show(&self, py: Python<'_>, end: bool) -> PyResult<()> {
        let total = self.total.load(Ordering::Relaxed);
        let done = self.done.load(Ordering::Relaxed);
        let mut line = format!("\rsweep: {done} of {total} runs");
        if self.finishing.load(Ordering::Relaxed) {
            line.push_str("; writing the tables");
        }
        if end {
            line.push('\n');
        }
        let stderr = py.import("sys")?.getattr("stderr")?;
        stderr.call_method1("write", (line,))?;
        stderr.call_method0("flush")?;
        Ok(())
    }
}

/// A sweep's files in a folder (a temporary one unless the caller gave
/// `out`), with what `write` needs to write them elsewhere.
#[pyclass(module = "canopy._canopy", frozen, name = "NativeSweep")]
struct NativeSweep {
    /// Where the files are (the part's folder, for a shard).
    dir: PathBuf,
    /// The temporary folder, removed when the sweep is dropped.
    _temp: Option<tempfile::TempDir>,
    sweep: Sweep,
    seed: u64,
    months: Vec<u32>,
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
                canopy_output::describe(&e)
            ))
        })
    }
}

impl NativeSweep {
    fn write_to(&self, out: &Path, report: bool) -> io::Result<()> {
        if fs::canonicalize(out).ok() == fs::canonicalize(&self.dir).ok() {
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
        // Bands, points and the report follow from the runs, as after a sweep.
        canopy_sweep::finish::finish(out, &self.sweep, self.seed, VERSION, report, &self.months)?;
        write_atomic(
            &out.join(folder::SWEEP_TOML),
            &fs::read(self.dir.join(folder::SWEEP_TOML))?,
        )?;
        // The identity goes last: it marks the folder a finished sweep.
        write_atomic(
            &out.join(folder::IDENTITY),
            &fs::read(self.dir.join(folder::IDENTITY))?,
        )?;
        Ok(())
    }
}

/// A sweep failure as a Python exception: a run that failed under
/// `fail_fast` as `canopy.RunError`, with the run's point, number and seed.
fn sweep_failure(py: Python<'_>, e: SweepFailure) -> PyErr {
    match e {
        SweepFailure::Refused(m) => PyValueError::new_err(m),
        SweepFailure::Io(e) => PyOSError::new_err(canopy_output::describe(&e)),
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

/// Reads a sweep's text and plans it: every point's scenario built and
/// checked, scenario files named as a shell here names them.
fn planned(
    py: Python<'_>,
    text: &str,
    name: &str,
    base: &Path,
    runs: Option<i64>,
    seed: Option<i64>,
    set: Vec<String>,
) -> PyResult<canopy_sweep::Plan> {
    let command_line = CommandLine {
        runs,
        seed,
        sets: set,
    };
    let read = canopy_sweep::read_with(name, text, &command_line)
        .map_err(|e| scenario_error(py, &e.source_name, e.to_string(), &e.problems))?;
    let mut plan = py
        .detach(|| canopy_sweep::plan(&read, |s| source::load_for_sweep(base, s)))
        .map_err(|e| scenario_error(py, &e.source_name, e.to_string(), &e.problems))?;
    for point in &mut plan.points {
        point.scenario_name = source::scenario_path(base, &point.scenario_name);
    }
    Ok(plan)
}

/// Checks a sweep without running it; gives its number of runs.
#[pyfunction]
#[pyo3(signature = (text, name, base, runs, seed, set))]
fn check_sweep(
    py: Python<'_>,
    text: &str,
    name: &str,
    base: PathBuf,
    runs: Option<i64>,
    seed: Option<i64>,
    set: Vec<String>,
) -> PyResult<u64> {
    let plan = planned(py, text, name, &base, runs, seed, set)?;
    Ok(plan.points.len() as u64 * plan.sweep.runs)
}

/// Runs a sweep given as the text of a sweep file (named `name`, its
/// scenario files relative to `base`), the GIL released; Ctrl-C stops it.
#[pyfunction]
#[pyo3(signature = (text, name, base, runs, seed, set, jobs, shard, out, report, fail_fast, progress))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    text: &str,
    name: &str,
    base: PathBuf,
    runs: Option<i64>,
    seed: Option<i64>,
    set: Vec<String>,
    jobs: usize,
    shard: Option<(u64, u64)>,
    out: Option<PathBuf>,
    report: bool,
    fail_fast: bool,
    progress: bool,
) -> PyResult<NativeSweep> {
    let plan = planned(py, text, name, &base, runs, seed, set)?;
    let shard = match shard {
        Some((k, n)) if k >= 1 && k <= n => Some(Shard { k, n }),
        Some((k, n)) => {
            return Err(PyValueError::new_err(format!(
                "shard {k}/{n} is not K/N with 1 <= K <= N"
            )));
        }
        None => None,
    };
    let (temp, root) = match out {
        Some(out) => (None, out),
        None => {
            let temp = tempfile::Builder::new()
                .prefix("canopy-sweep-")
                .tempdir()
                .map_err(|e| PyOSError::new_err(format!("cannot make a temporary folder: {e}")))?;
            let root = temp.path().to_path_buf();
            (Some(temp), root)
        }
    };
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
    let shown = Shown {
        stop: AtomicBool::new(false),
        total: AtomicU64::new(0),
        done: AtomicU64::new(0),
        finishing: AtomicBool::new(false),
    };
    // The sweep runs on a thread of its own while this one, between short
    // waits without the GIL, lets Python see Ctrl-C.
    let (tx, rx) = mpsc::channel();
    // Behind a lock, so that the waits without the GIL may borrow it.
    let rx = Mutex::new(rx);
    let wait = |timeout: Option<Duration>| {
        let rx = rx.lock().unwrap_or_else(|e| e.into_inner());
        match timeout {
            Some(t) => rx.recv_timeout(t),
            None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
        }
    };
    let result = std::thread::scope(|scope| -> PyResult<canopy_sweep::Done> {
        let (plan, opts, shown) = (&plan, &opts, &shown);
        scope.spawn(move || {
            let _ = tx.send(canopy_sweep::run(plan, opts, shown));
        });
        let mut shown_at = Instant::now();
        loop {
            match py.detach(|| wait(Some(Duration::from_millis(100)))) {
                Ok(result) => {
                    if progress {
                        let _ = shown.show(py, true);
                    }
                    return result.map_err(|e| sweep_failure(py, e));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if progress && shown_at.elapsed() >= Duration::from_millis(500) {
                        shown_at = Instant::now();
                        let _ = shown.show(py, false);
                    }
                    if let Err(interrupt) = py.check_signals() {
                        shown.stop.store(true, Ordering::Relaxed);
                        let _ = py.detach(|| wait(None));
                        return Err(interrupt);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err("the sweep's thread stopped"));
                }
            }
        }
    });
    let done = result?;
    let months = plan
        .points
        .iter()
        .map(|p| p.scenario.simulation.months)
        .collect();
    Ok(NativeSweep {
        dir: done.dir,
        _temp: temp,
        seed: plan.seed,
        sweep: plan.sweep,
        months,
    })
}

/// Writes an Arrow table (a `pyarrow.Table`, taken over through the Arrow
/// C stream interface) to a Parquet file as a sweep writes its own: a
/// shard's table that crossed the network becomes its part's file again.
#[pyfunction]
fn write_parquet(py: Python<'_>, path: PathBuf, table: &Bound<'_, PyAny>) -> PyResult<()> {
    let mut stream = Box::new(FFI_ArrowArrayStream::empty());
    let address = std::ptr::addr_of_mut!(*stream) as usize;
    table
        .call_method0("to_reader")?
        .call_method1("_export_to_c", (address,))?;
    let reader = ArrowArrayStreamReader::try_new(*stream)
        .map_err(|e| PyValueError::new_err(format!("cannot read the table: {e}")))?;
    py.detach(|| -> io::Result<()> {
        let mut writer = canopy_sweep::parquet_io::Writer::create(&path, reader.schema())?;
        for batch in reader {
            writer.write(
                &batch.map_err(|e| io::Error::other(format!("cannot read the table: {e}")))?,
            )?;
        }
        writer.finish()
    })
    .map_err(|e| {
        PyOSError::new_err(format!(
            "{}: {}",
            path.display(),
            canopy_output::describe(&e)
        ))
    })
}

/// Merges the parts in `dir` (`part-K-of-N/`, as shards write them) into
/// the sweep's files there (`canopy sweep merge`).
#[pyfunction]
#[pyo3(signature = (dir, report))]
fn merge(py: Python<'_>, dir: PathBuf, report: bool) -> PyResult<NativeSweep> {
    py.detach(|| -> Result<NativeSweep, SweepFailure> {
        canopy_sweep::merge(&dir, VERSION, report)?;
        let toml = dir.join(folder::SWEEP_TOML);
        let text = fs::read_to_string(&toml)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", toml.display())))?;
        let sweep = canopy_sweep::read(&toml.display().to_string(), &text)
            .map_err(|e| SweepFailure::Refused(e.to_string()))?;
        // Each point's months, as the parts keep them.
        let mut months = Vec::new();
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path().join(folder::POINT_MONTHS);
            if let Ok(text) = fs::read_to_string(&path) {
                months = text
                    .lines()
                    .map(|l| l.trim().parse().unwrap_or(0))
                    .collect();
                break;
            }
        }
        Ok(NativeSweep {
            seed: sweep.seed.unwrap_or(0),
            dir,
            _temp: None,
            sweep,
            months,
        })
    })
    .map_err(|e| sweep_failure(py, e))
}

/// The extension module.
#[pymodule]
fn _canopy(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeScenario>()?;
    m.add_class::<NativeRun>()?;
    m.add_class::<NativeSweep>()?;
    m.add_function(wrap_pyfunction!(builtin_scenarios, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(loads, m)?)?;
    m.add_function(wrap_pyfunction!(reload, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(read_text, m)?)?;
    m.add_function(wrap_pyfunction!(check_sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add_function(wrap_pyfunction!(write_parquet, m)?)?;
    m.add("__version__", VERSION)?;
    Ok(())
}
