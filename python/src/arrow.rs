//! Tables handed to pyarrow through the Arrow C data interface: a run's
//! months as `metrics.csv`'s columns, and Parquet files written from
//! pyarrow tables.

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use arrow_array::RecordBatchReader;
use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer};
use arrow_data::ArrayData;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use canopy_model::scorecard;
use canopy_model::{COLUMNS, MonthRecord};
use canopy_output::deals;
use canopy_sweep::metric_type;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// What the Arrow export needs from pyarrow, looked up once: the import of
/// a record batch, `Table.from_batches`, and the metrics' schema as a
/// `pyarrow.Schema` (the same for every run, so it crosses once).
pub(crate) struct Pyarrow {
    import_batch: Py<PyAny>,
    from_batches: Py<PyAny>,
    metrics_schema: Py<PyAny>,
}

static PYARROW: PyOnceLock<Pyarrow> = PyOnceLock::new();

/// The schema of `metrics.csv` as a table: its columns in its order, each
/// of the Arrow type a sweep's files give it, every column nullable.
pub(crate) fn metrics_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(
                COLUMNS
                    .iter()
                    .map(|c| Field::new(c.name, metric_type(c.ty), true))
                    .collect::<Vec<_>>(),
            ))
        })
        .clone()
}

/// The Arrow type of a declared cell: text utf8, whole numbers uint32,
/// amounts float64.
fn cell_type(text: bool, count: bool) -> DataType {
    match (text, count) {
        (true, _) => DataType::Utf8,
        (false, true) => DataType::UInt32,
        (false, false) => DataType::Float64,
    }
}

/// The schema of `scorecard.csv`, from its declared columns
/// ([`scorecard::COLUMNS`]).
fn scorecard_schema() -> Schema {
    use scorecard::CellType as T;
    Schema::new(
        scorecard::COLUMNS
            .iter()
            .map(|c| Field::new(c.name, cell_type(c.ty == T::Text, c.ty == T::Count), true))
            .collect::<Vec<_>>(),
    )
}

/// The schema of `deals.csv`, from its declared columns
/// ([`deals::DEAL_COLUMNS`]).
fn deals_schema() -> Schema {
    use deals::CellType as T;
    Schema::new(
        deals::DEAL_COLUMNS
            .iter()
            .map(|c| Field::new(c.name, cell_type(c.ty == T::Text, c.ty == T::Count), true))
            .collect::<Vec<_>>(),
    )
}

/// A schema as a `pyarrow.Schema`, through the Arrow C data interface.
fn to_pyarrow_schema(py: Python<'_>, schema: &Schema) -> PyResult<Py<PyAny>> {
    let exported = FFI_ArrowSchema::try_from(schema)
        .map_err(|e| PyRuntimeError::new_err(format!("cannot export a schema: {e}")))?;
    let mut exported = Box::new(exported);
    // pyarrow moves the schema out (leaving it released): dropping the
    // box afterwards frees only the box.
    let address = std::ptr::addr_of_mut!(*exported) as usize;
    let schema = py
        .import("pyarrow")?
        .getattr("Schema")?
        .call_method1("_import_from_c", (address,))?
        .unbind();
    drop(exported);
    Ok(schema)
}

/// The Arrow types of a file a run writes (`"scorecard.csv"` or
/// `"deals.csv"`), as its declared columns give them: a `pyarrow.Schema`.
#[pyfunction]
pub(crate) fn csv_schema(py: Python<'_>, file: &str) -> PyResult<Py<PyAny>> {
    match file {
        "scorecard.csv" => to_pyarrow_schema(py, &scorecard_schema()),
        "deals.csv" => to_pyarrow_schema(py, &deals_schema()),
        _ => Err(PyValueError::new_err(format!(
            "{file:?} has no declared columns"
        ))),
    }
}

pub(crate) fn pyarrow(py: Python<'_>) -> PyResult<&Pyarrow> {
    PYARROW.get_or_try_init(py, || -> PyResult<Pyarrow> {
        let pa = py.import("pyarrow")?;
        let metrics_schema = to_pyarrow_schema(py, &metrics_schema())?;
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
pub(crate) fn metrics_table(py: Python<'_>, records: &[MonthRecord]) -> PyResult<Py<PyAny>> {
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
pub(crate) fn metrics_data(records: &[MonthRecord]) -> ArrayData {
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
    let fields = metrics_schema().fields().clone();
    let children = layout
        .into_iter()
        .zip(fields.iter())
        .map(|((count, at, bitmap), field)| {
            // The declared type: uint32 for counts, float64 otherwise.
            let ty = field.data_type().clone();
            let values = if count {
                whole.slice_with_length(at * 4, n * 4)
            } else {
                floats.slice_with_length(at * 8, n * 8)
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
    // SAFETY: a struct of `n` rows whose children are the fields' arrays,
    // in order, each of `n` values.
    unsafe {
        ArrayData::builder(DataType::Struct(fields))
            .len(n)
            .child_data(children)
            .build_unchecked()
    }
}

/// Writes an Arrow table (a `pyarrow.Table`, taken over through the Arrow
/// C stream interface) to a Parquet file as a sweep writes its own: a
/// shard's table that crossed the network becomes its part's file again.
#[pyfunction]
pub(crate) fn write_parquet(
    py: Python<'_>,
    path: PathBuf,
    table: &Bound<'_, PyAny>,
) -> PyResult<()> {
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
