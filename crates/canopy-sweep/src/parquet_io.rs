//! Parquet files: written whole or not at all, read back batch by batch,
//! and joined without decoding (row groups copied as they are).
//!
//! The files go through the `parquet` crate's own column writers and
//! readers, not its Arrow layer (which doubles what a release build
//! compiles for Parquet): each Arrow array of a batch becomes a flat
//! column's values and definition levels, and back. Sweep files hold only
//! flat columns of six types (f64, i64, u32, u64, bool, text), nullable
//! or not; anything else is refused by name.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

use arrow_array::types::{Float64Type, Int64Type, UInt32Type, UInt64Type};
use arrow_array::{
    Array, ArrayRef, ArrowPrimitiveType, BooleanArray, Float64Array, Int64Array, PrimitiveArray,
    RecordBatch, RecordBatchOptions, StringArray, UInt32Array, UInt64Array,
};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use canopy_output::atomic;
use parquet::basic::{Compression, IntType, LogicalType, Repetition, Type as PhysicalType};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::column::writer::{ColumnCloseResult, ColumnWriter, get_column_writer};
use parquet::data_type::{ByteArray, DataType as PhysicalValues};
use parquet::errors::ParquetError;
use parquet::file::metadata::{
    ColumnChunkMetaData, FileMetaData, LevelHistogram, ParquetMetaData, ParquetMetaDataReader,
    ParquetMetaDataWriter, RowGroupMetaData,
};
use parquet::file::properties::{
    EnabledStatistics, ReaderProperties, WriterProperties, WriterPropertiesPtr,
};
use parquet::file::reader::RowGroupReader;
use parquet::file::serialized_reader::SerializedRowGroupReader;
use parquet::file::statistics::{Statistics, ValueStatistics};
use parquet::file::writer::{SerializedFileWriter, SerializedPageWriter, TrackedWrite};
use parquet::schema::types::{ColumnDescPtr, ColumnDescriptor, Type};

/// Rows per batch when a file is read back.
const READ_BATCH: usize = 8_192;

/// How every sweep file is written: snappy, statistics on, and row groups
/// as large as the batches written (a chunk of runs is one row group).
/// Dictionary encoding only for the text columns (`status`, `metric`),
/// whose few values repeat: numbers rarely do, and hashing each one costs
/// more than the encoding saves.
fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_dictionary_enabled(false)
        .set_column_dictionary_enabled("status".into(), true)
        .set_column_dictionary_enabled("metric".into(), true)
        .set_column_dictionary_enabled("scenario".into(), true)
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(usize::MAX))
        .set_created_by(format!("canopy {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// The buffer a file is written through, behind the Parquet writer's own
/// (8 KiB): the writer passes each page larger than that straight on, and
/// a chunk's pages mostly are, so that behind a buffer of the same 8 KiB
/// each was a write call of its own.
const WRITE_BUFFER: usize = 1 << 20;

/// A parquet error as an I/O error that names the file.
pub fn io_error(e: ParquetError, path: &Path) -> io::Error {
    match e {
        ParquetError::External(inner) => io::Error::other(format!("{}: {inner}", path.display())),
        e => io::Error::other(format!("{}: {e}", path.display())),
    }
}

/// The Parquet schema of the Arrow schema `schema`: each column a leaf of
/// its physical type (unsigned integers and text annotated as such),
/// optional where the field is nullable.
fn parquet_schema(schema: &Schema) -> io::Result<Arc<Type>> {
    let mut fields = Vec::with_capacity(schema.fields().len());
    for f in schema.fields() {
        let (physical, logical) = match f.data_type() {
            DataType::Float64 => (PhysicalType::DOUBLE, None),
            DataType::Int64 => (PhysicalType::INT64, None),
            DataType::UInt32 => (
                PhysicalType::INT32,
                Some(LogicalType::Integer(IntType {
                    bit_width: 32,
                    is_signed: false,
                })),
            ),
            DataType::UInt64 => (
                PhysicalType::INT64,
                Some(LogicalType::Integer(IntType {
                    bit_width: 64,
                    is_signed: false,
                })),
            ),
            DataType::Boolean => (PhysicalType::BOOLEAN, None),
            DataType::Utf8 => (PhysicalType::BYTE_ARRAY, Some(LogicalType::String)),
            other => {
                return Err(io::Error::other(format!(
                    "column {}: {other} is not a type sweep files hold",
                    f.name()
                )));
            }
        };
        let repetition = if f.is_nullable() {
            Repetition::OPTIONAL
        } else {
            Repetition::REQUIRED
        };
        let leaf = Type::primitive_type_builder(f.name(), physical)
            .with_repetition(repetition)
            .with_logical_type(logical)
            .build()
            .map_err(io::Error::other)?;
        fields.push(Arc::new(leaf));
    }
    let root = Type::group_type_builder("arrow_schema")
        .with_fields(fields)
        .build()
        .map_err(io::Error::other)?;
    Ok(Arc::new(root))
}

/// The Arrow field of a Parquet column written by [`parquet_schema`].
fn arrow_field(c: &ColumnDescriptor) -> io::Result<Field> {
    // Sweep files are flat: a column nested in a group or a list has
    // levels that these readers do not spread.
    if c.max_def_level() > 1 || c.max_rep_level() > 0 {
        return Err(io::Error::other(format!(
            "column {}: nested columns are not what sweep files hold",
            c.path()
        )));
    }
    let unsigned = matches!(
        c.logical_type_ref(),
        Some(LogicalType::Integer(IntType {
            is_signed: false,
            ..
        }))
    );
    let data_type = match c.physical_type() {
        PhysicalType::DOUBLE => DataType::Float64,
        PhysicalType::INT32 if unsigned => DataType::UInt32,
        PhysicalType::INT64 if unsigned => DataType::UInt64,
        PhysicalType::INT64 => DataType::Int64,
        PhysicalType::BOOLEAN => DataType::Boolean,
        PhysicalType::BYTE_ARRAY => DataType::Utf8,
        other => {
            return Err(io::Error::other(format!(
                "column {}: {other} is not a type sweep files hold",
                c.name()
            )));
        }
    };
    Ok(Field::new(c.name(), data_type, c.max_def_level() > 0))
}

/// The definition levels of `a` (1 where a value is present, 0 where
/// null), or `None` where the column is required.
fn levels(a: &dyn Array, nullable: bool) -> Option<Vec<i16>> {
    nullable.then(|| match a.nulls() {
        // A column of nulls only (a sweep's `failed_month` when every
        // run is ok, a model the scenario leaves off): no bit to read.
        Some(n) if n.null_count() == a.len() => vec![0; a.len()],
        Some(n) if n.null_count() > 0 => n.iter().map(i16::from).collect(),
        _ => vec![1; a.len()],
    })
}

/// The values of `a` that are present, in order: `values` itself where
/// none is null.
fn present<'a, T: Copy>(values: &'a [T], a: &dyn Array) -> std::borrow::Cow<'a, [T]> {
    match a.nulls() {
        Some(n) if n.null_count() == a.len() => std::borrow::Cow::Borrowed(&[]),
        Some(n) if n.null_count() > 0 => values
            .iter()
            .zip(n.iter())
            .filter(|&(_, valid)| valid)
            .map(|(v, _)| *v)
            .collect(),
        _ => std::borrow::Cow::Borrowed(values),
    }
}

/// Writes column `a` of Arrow type `t` into `w`, nullable or not.
fn write_column(
    w: &mut ColumnWriter<'_>,
    a: &ArrayRef,
    nullable: bool,
) -> parquet::errors::Result<()> {
    let defs = levels(a.as_ref(), nullable);
    let defs = defs.as_deref();
    let any = a.as_any();
    match w {
        ColumnWriter::DoubleColumnWriter(w) => {
            let a = any.downcast_ref::<Float64Array>().ok_or_else(mismatch)?;
            w.write_batch(&present(a.values(), a), defs, None)?;
        }
        ColumnWriter::Int32ColumnWriter(w) => {
            let a = any.downcast_ref::<UInt32Array>().ok_or_else(mismatch)?;
            // Unsigned values are stored in the signed type, bit for bit.
            let v: Vec<i32> = present(a.values(), a).iter().map(|&x| x as i32).collect();
            w.write_batch(&v, defs, None)?;
        }
        ColumnWriter::Int64ColumnWriter(w) => {
            let v: Vec<i64> = if let Some(a) = any.downcast_ref::<UInt64Array>() {
                present(a.values(), a).iter().map(|&x| x as i64).collect()
            } else {
                let a = any.downcast_ref::<Int64Array>().ok_or_else(mismatch)?;
                present(a.values(), a).into_owned()
            };
            w.write_batch(&v, defs, None)?;
        }
        ColumnWriter::BoolColumnWriter(w) => {
            let a = any.downcast_ref::<BooleanArray>().ok_or_else(mismatch)?;
            let v: Vec<bool> = a.iter().flatten().collect();
            w.write_batch(&v, defs, None)?;
        }
        ColumnWriter::ByteArrayColumnWriter(w) => {
            let a = any.downcast_ref::<StringArray>().ok_or_else(mismatch)?;
            // Each value a slice of one copy of the array's text (only its
            // own rows', where it is a slice of a larger array): no
            // allocation per value.
            let offsets: Vec<usize> = a.value_offsets().iter().map(|&o| o as usize).collect();
            let (first, last) = (offsets[0], offsets[a.len()]);
            let data = bytes::Bytes::copy_from_slice(&a.value_data()[first..last]);
            let v: Vec<ByteArray> = (0..a.len())
                .filter(|&i| a.is_valid(i))
                .map(|i| ByteArray::from(data.slice(offsets[i] - first..offsets[i + 1] - first)))
                .collect();
            w.write_batch(&v, defs, None)?;
        }
        _ => return Err(mismatch()),
    }
    Ok(())
}

/// The properties of a column written by [`write_with_statistics`]: those
/// of every file, but the statistics left to it.
fn own_statistics_properties() -> WriterPropertiesPtr {
    static PROPS: std::sync::OnceLock<WriterPropertiesPtr> = std::sync::OnceLock::new();
    PROPS
        .get_or_init(|| {
            Arc::new(
                properties()
                    .into_builder()
                    .set_statistics_enabled(EnabledStatistics::None)
                    .build(),
            )
        })
        .clone()
}

/// Whether a column of type `t` can be written by [`write_with_statistics`].
fn has_own_statistics(t: &DataType) -> bool {
    matches!(t, DataType::Float64 | DataType::UInt32 | DataType::UInt64)
}

/// Writes the column `descr` (float, uint32 or uint64) from `arrays`, one
/// after another, into a column chunk of its own, for
/// [`SerializedRowGroupWriter::append_column`]: its bytes, and its
/// metadata with the statistics Parquet's writer gives (least and greatest
/// value, floats but NaN, a float zero least as -0.0 and greatest as 0.0,
/// unsigned numbers compared as such; the nulls; the definition levels'
/// counts), worked out here in one plain pass over the values, where
/// Parquet's writer compares each value through a call that weighs its
/// type.
fn write_with_statistics(
    descr: &ColumnDescPtr,
    arrays: &[&ArrayRef],
) -> parquet::errors::Result<(bytes::Bytes, ColumnCloseResult)> {
    let nullable = descr.max_def_level() > 0;
    let signed = descr.sort_order().is_signed();
    let mut nulls = 0;
    let statistics = match arrays.first().map(|a| a.data_type()) {
        Some(DataType::Float64) => {
            let e = extremes::<Float64Type>(arrays, &mut nulls, least_and_greatest)?;
            let e = e.map(|(lo, hi)| (zero_as(lo, -0.0), zero_as(hi, 0.0)));
            Statistics::Double(value_statistics(e, nulls, signed))
        }
        // Unsigned numbers are stored in the signed type, bit for bit.
        Some(DataType::UInt32) => {
            let e = extremes::<UInt32Type>(arrays, &mut nulls, least_and_greatest_whole)?;
            let e = e.map(|(lo, hi)| (lo as i32, hi as i32));
            Statistics::Int32(value_statistics(e, nulls, signed))
        }
        Some(DataType::UInt64) => {
            let e = extremes::<UInt64Type>(arrays, &mut nulls, least_and_greatest_whole)?;
            let e = e.map(|(lo, hi)| (lo as i64, hi as i64));
            Statistics::Int64(value_statistics(e, nulls, signed))
        }
        _ => return Err(mismatch()),
    };
    let mut sink = TrackedWrite::new(Vec::new());
    let close = {
        let pages = Box::new(SerializedPageWriter::new(&mut sink));
        let mut writer = get_column_writer(descr.clone(), own_statistics_properties(), pages);
        for a in arrays {
            write_column(&mut writer, a, nullable)?;
        }
        match writer {
            ColumnWriter::DoubleColumnWriter(w) => w.close()?,
            ColumnWriter::Int32ColumnWriter(w) => w.close()?,
            ColumnWriter::Int64ColumnWriter(w) => w.close()?,
            _ => return Err(mismatch()),
        }
    };
    let values = close.metadata.num_values() as u64;
    let levels = LevelHistogram::try_new(descr.max_def_level()).map(|mut h| {
        h.increment_by(0, nulls as i64);
        h.increment_by(1, (values - nulls) as i64);
        h
    });
    let metadata = close
        .metadata
        .clone()
        .into_builder()
        .set_statistics(statistics)
        .set_definition_level_histogram(if nullable { levels } else { None })
        .build()?;
    let bytes = bytes::Bytes::from(sink.into_inner()?);
    Ok((bytes, ColumnCloseResult { metadata, ..close }))
}

/// The least and greatest of some values, if there are any.
type Extremes<T> = Option<(T, T)>;

/// A column chunk's statistics as Parquet's writer records them: its
/// extremes, its nulls, and the deprecated min and max too where the order
/// is `signed`.
fn value_statistics<T>(extremes: Extremes<T>, nulls: u64, signed: bool) -> ValueStatistics<T> {
    let (min, max) = extremes.unzip();
    ValueStatistics::new(min, max, None, Some(nulls), false)
        .with_backwards_compatible_min_max(signed)
}

/// The least and greatest present value of `arrays`, each array's by
/// `of`; adds their nulls to `nulls`.
fn extremes<T: ArrowPrimitiveType>(
    arrays: &[&ArrayRef],
    nulls: &mut u64,
    of: fn(&[T::Native]) -> Extremes<T::Native>,
) -> parquet::errors::Result<Extremes<T::Native>> {
    let mut out = None;
    for a in arrays {
        let a = a
            .as_any()
            .downcast_ref::<PrimitiveArray<T>>()
            .ok_or_else(mismatch)?;
        *nulls += a.null_count() as u64;
        out = match (out, of(&present(a.values(), a))) {
            (Some((lo, hi)), Some((l, h))) => {
                Some((if l < lo { l } else { lo }, if h > hi { h } else { hi }))
            }
            (a, b) => a.or(b),
        };
    }
    Ok(out)
}

/// The least and greatest of whole numbers `values`; `None` if there are
/// none.
fn least_and_greatest_whole<T: Ord + Copy>(values: &[T]) -> Option<(T, T)> {
    Some((*values.iter().min()?, *values.iter().max()?))
}

/// The least and greatest of `values` but NaN, compared as numbers (of
/// 0.0 and -0.0, either); `None` if every value is NaN.
fn least_and_greatest(values: &[f64]) -> Option<(f64, f64)> {
    // Four lanes of plain comparisons, which a NaN never wins: the
    // compiler makes them vector instructions.
    let (mut lo, mut hi) = ([f64::INFINITY; 4], [f64::NEG_INFINITY; 4]);
    let lanes = values.chunks_exact(4);
    let rest = lanes.remainder();
    for four in lanes {
        for k in 0..4 {
            lo[k] = if four[k] < lo[k] { four[k] } else { lo[k] };
            hi[k] = if four[k] > hi[k] { four[k] } else { hi[k] };
        }
    }
    for (k, &v) in rest.iter().enumerate() {
        lo[k] = if v < lo[k] { v } else { lo[k] };
        hi[k] = if v > hi[k] { v } else { hi[k] };
    }
    let least = lo
        .into_iter()
        .fold(f64::INFINITY, |a, b| if b < a { b } else { a });
    let greatest = hi
        .into_iter()
        .fold(f64::NEG_INFINITY, |a, b| if b > a { b } else { a });
    // Still at its start: every value NaN, or each one +inf.
    if least == f64::INFINITY && values.iter().all(|v| v.is_nan()) {
        return None;
    }
    Some((least, greatest))
}

/// `x`, or `zero` where `x` is a zero of either sign: the statistics hold
/// -0.0 as a least zero and 0.0 as a greatest one.
fn zero_as(x: f64, zero: f64) -> f64 {
    if x == 0.0 { zero } else { x }
}

fn mismatch() -> ParquetError {
    ParquetError::General("a column's values do not match the file's schema".into())
}

/// A Parquet file being written through a temporary, placed by
/// [`Writer::finish`]; dropped unfinished, it leaves nothing behind.
pub struct Writer {
    inner: Option<SerializedFileWriter<BufWriter<File>>>,
    schema: SchemaRef,
    tmp: std::path::PathBuf,
    path: std::path::PathBuf,
    /// A chunk to be joined: see [`write_chunk_unsynced`].
    chunk: bool,
}

impl Writer {
    /// Starts `path` with `schema`.
    pub fn create(path: &Path, schema: SchemaRef) -> io::Result<Writer> {
        let (tmp, file) = atomic::create_temporary(path)?;
        let inner = parquet_schema(&schema).and_then(|root| {
            SerializedFileWriter::new(
                BufWriter::with_capacity(WRITE_BUFFER, file),
                root,
                Arc::new(properties()),
            )
            .map_err(|e| io_error(e, path))
        });
        let inner = match inner {
            Ok(w) => w,
            Err(e) => {
                atomic::discard(&tmp);
                return Err(e);
            }
        };
        Ok(Writer {
            inner: Some(inner),
            schema,
            tmp,
            path: path.to_path_buf(),
            chunk: false,
        })
    }

    /// Writes `batch` as one row group.
    pub fn write(&mut self, batch: &RecordBatch) -> io::Result<()> {
        self.write_group(std::slice::from_ref(batch))
    }

    /// Writes `batches`, one after another, as one row group: they have the
    /// file's schema.
    pub fn write_group(&mut self, batches: &[RecordBatch]) -> io::Result<()> {
        let w = self.inner.as_mut().expect("not finished");
        let path = &self.path;
        if let Some(b) = batches
            .iter()
            .find(|b| b.num_columns() != self.schema.fields().len())
        {
            return Err(io::Error::other(format!(
                "{}: a batch of {} columns, where the file has {}",
                path.display(),
                b.num_columns(),
                self.schema.fields().len()
            )));
        }
        let descriptors = w.schema_descr().columns().to_vec();
        let mut rg = w.next_row_group().map_err(|e| io_error(e, path))?;
        for (i, field) in self.schema.fields().iter().enumerate() {
            let arrays = batches
                .iter()
                .map(|b| {
                    b.columns()
                        .get(i)
                        .filter(|a| a.data_type() == field.data_type())
                        .ok_or_else(|| {
                            io::Error::other(format!(
                                "{}: a batch's column {} is not the file's {}",
                                path.display(),
                                field.name(),
                                field.data_type()
                            ))
                        })
                })
                .collect::<io::Result<Vec<_>>>()?;
            let in_column = |e: ParquetError| {
                io::Error::other(format!("{}: column {}: {e}", path.display(), field.name()))
            };
            // (No batch at all: Parquet's writer, which needs no value's type.)
            if let (true, Some(descr)) = (
                self.chunk && !arrays.is_empty() && has_own_statistics(field.data_type()),
                descriptors.get(i),
            ) {
                let (bytes, close) = write_with_statistics(descr, &arrays).map_err(in_column)?;
                rg.append_column(&bytes, close)
                    .map_err(|e| io_error(e, path))?;
                continue;
            }
            let mut col = rg
                .next_column()
                .map_err(|e| io_error(e, path))?
                .ok_or_else(|| {
                    io::Error::other(format!("{}: fewer columns than the schema", path.display()))
                })?;
            for a in arrays {
                write_column(col.untyped(), a, field.is_nullable()).map_err(in_column)?;
            }
            col.close().map_err(|e| io_error(e, path))?;
        }
        rg.close().map_err(|e| io_error(e, path))?;
        Ok(())
    }

    /// Ends the file and renames it into place.
    pub fn finish(self) -> io::Result<()> {
        self.finish_unsynced()?.place()
    }

    /// Ends the file, written whole to its temporary, but leaves syncing
    /// it and renaming it into place to [`Unsynced::place`], which another
    /// thread may call while this one goes on.
    pub fn finish_unsynced(mut self) -> io::Result<Unsynced> {
        let w = self.inner.take().expect("not finished");
        let unsynced = |file| Unsynced {
            file: Some(file),
            tmp: self.tmp.clone(),
            path: self.path.clone(),
        };
        let file = w.into_inner().map_err(|e| {
            atomic::discard(&self.tmp);
            io_error(e, &self.path)
        })?;
        file.into_inner().map(unsynced).map_err(|e| {
            atomic::discard(&self.tmp);
            io::Error::other(format!("{}: {e}", self.path.display()))
        })
    }
}

/// A file written whole to its temporary, not yet synced nor in place;
/// dropped unplaced, it leaves nothing behind.
pub struct Unsynced {
    file: Option<File>,
    tmp: std::path::PathBuf,
    path: std::path::PathBuf,
}

impl Unsynced {
    /// Syncs the file and renames it into place.
    pub fn place(mut self) -> io::Result<()> {
        let file = self.file.take().expect("placed once");
        file.sync_all().map_err(named(&self.path))?;
        atomic::place(&self.tmp, &self.path)
    }
}

impl Drop for Unsynced {
    fn drop(&mut self) {
        // A no-op once placed: the temporary is no longer this process's.
        atomic::discard(&self.tmp);
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.inner.is_some() {
            atomic::discard(&self.tmp);
        }
    }
}

/// Writes `batch` to `path` as a whole file of one row group.
pub fn write_batch(path: &Path, batch: &RecordBatch) -> io::Result<()> {
    write_batch_unsynced(path, batch)?.place()
}

/// [`write_batch`], its syncing and renaming left to [`Unsynced::place`].
pub fn write_batch_unsynced(path: &Path, batch: &RecordBatch) -> io::Result<Unsynced> {
    let mut w = Writer::create(path, batch.schema())?;
    w.write(batch)?;
    w.finish_unsynced()
}

/// [`write_batch_unsynced`] for a chunk of a file that [`Joining`] will
/// join, which keeps the chunks' statistics but not their column index:
/// its number columns are written without one, their statistics worked out by
/// [`write_with_statistics`] (a sweep's chunks are most of what it writes).
/// The file joined is the same, byte for byte.
pub fn write_chunk_unsynced(path: &Path, batch: &RecordBatch) -> io::Result<Unsynced> {
    let mut w = Writer::create(path, batch.schema())?;
    w.chunk = true;
    w.write(batch)?;
    w.finish_unsynced()
}

/// A Parquet file read batch by batch: at most `READ_BATCH` rows of one
/// row group at a time.
pub struct Batches {
    file: Arc<File>,
    metadata: Arc<ParquetMetaData>,
    /// The file's index of each column read, in the batch's order.
    indices: Vec<usize>,
    schema: SchemaRef,
    /// The next row group to open.
    next_group: usize,
    /// The readers of the open row group, and its rows not read yet.
    readers: Vec<ColumnReader>,
    rows_left: usize,
    path: std::path::PathBuf,
}

impl Batches {
    /// The schema of the batches.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The one value of the text column `name` in every row, if the
    /// file's statistics say so (each row group's least and greatest
    /// exactly that value, and no null): the column is then left out of
    /// the batches, its values known without decoding them. `None`, and
    /// the column read as asked, otherwise or once reading has begun.
    pub fn take_constant(&mut self, name: &str) -> Option<String> {
        self.take_constant_as(name, &DataType::Utf8, |v| {
            String::from_utf8(v.to_vec()).ok()
        })
    }

    /// [`Batches::take_constant`] for the uint32 column `name` (a chunk's
    /// `point`, when every run in it is of one point).
    pub fn take_constant_u32(&mut self, name: &str) -> Option<u32> {
        // The statistics hold the value as Parquet stores it: 4 bytes,
        // little-endian.
        self.take_constant_as(name, &DataType::UInt32, |v| {
            Some(u32::from_le_bytes(v.try_into().ok()?))
        })
    }

    /// The rows of the file, all its row groups'; `None` where a row
    /// group's count is not one (a damaged file, which reading tells).
    pub fn rows(&self) -> Option<u64> {
        let groups = self.metadata.row_groups().iter();
        groups.map(|rg| u64::try_from(rg.num_rows()).ok()).sum()
    }

    /// The one value of the column `name` of type `ty`, as `value` makes
    /// it of the bytes the statistics store: see
    /// [`Batches::take_constant`]. The column is left out only once
    /// `value` has made it.
    fn take_constant_as<T>(
        &mut self,
        name: &str,
        ty: &DataType,
        value: impl FnOnce(&[u8]) -> Option<T>,
    ) -> Option<T> {
        if self.next_group != 0 || self.metadata.num_row_groups() == 0 {
            return None;
        }
        let at = self
            .schema
            .fields()
            .iter()
            .position(|f| f.name() == name && f.data_type() == ty)?;
        let column = self.indices[at];
        let mut one: Option<&[u8]> = None;
        for rg in self.metadata.row_groups() {
            let stats = rg.column(column).statistics()?;
            let (min, max) = (stats.min_bytes_opt()?, stats.max_bytes_opt()?);
            let exact = stats.min_is_exact() && stats.max_is_exact();
            if !exact || min != max || stats.null_count_opt() != Some(0) {
                return None;
            }
            if one.is_some_and(|v| v != min) {
                return None;
            }
            one = Some(min);
        }
        let value = value(one?)?;
        self.indices.remove(at);
        let fields: Vec<_> = (self.schema.fields().iter())
            .enumerate()
            .filter(|&(i, _)| i != at)
            .map(|(_, f)| f.clone())
            .collect();
        self.schema = Arc::new(Schema::new(fields));
        Some(value)
    }

    fn open_group(&mut self) -> parquet::errors::Result<()> {
        let rg = self.metadata.row_group(self.next_group);
        let reader = SerializedRowGroupReader::new(
            self.file.clone(),
            rg,
            None,
            Arc::new(ReaderProperties::builder().build()),
        )?;
        self.readers = self
            .indices
            .iter()
            .map(|&i| reader.get_column_reader(i))
            .collect::<parquet::errors::Result<_>>()?;
        self.rows_left = usize::try_from(rg.num_rows()).map_err(|_| {
            ParquetError::General(format!(
                "row group {} has {} rows",
                self.next_group,
                rg.num_rows()
            ))
        })?;
        self.next_group += 1;
        Ok(())
    }

    fn next_batch(&mut self) -> parquet::errors::Result<Option<RecordBatch>> {
        while self.rows_left == 0 {
            if self.next_group >= self.metadata.num_row_groups() {
                return Ok(None);
            }
            self.open_group()?;
        }
        let rows = self.rows_left.min(READ_BATCH);
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.readers.len());
        for (r, field) in self.readers.iter_mut().zip(self.schema.fields()) {
            columns.push(
                read_column(r, field, rows)
                    .map_err(|e| ParquetError::General(format!("column {}: {e}", field.name())))?,
            );
        }
        self.rows_left -= rows;
        // The row count is given: a projection may keep no column.
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        RecordBatch::try_new_with_options(self.schema.clone(), columns, &options)
            .map(Some)
            .map_err(|e| ParquetError::General(e.to_string()))
    }
}

impl Iterator for Batches {
    type Item = io::Result<RecordBatch>;

    fn next(&mut self) -> Option<io::Result<RecordBatch>> {
        // parquet's decoders assert on some damaged pages rather than
        // return an error: a damaged file is an error naming it, not a crash.
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.next_batch()))
            .unwrap_or_else(|_| Err(ParquetError::General("the file is damaged".into())));
        if read.is_err() {
            // Nothing after an error: the file is not read further.
            self.rows_left = 0;
            self.next_group = self.metadata.num_row_groups();
        }
        read.map_err(|e| io_error(e, &self.path)).transpose()
    }
}

/// Reads `rows` records of one column into an Arrow array of `field`'s type.
fn read_column(
    r: &mut ColumnReader,
    field: &Field,
    rows: usize,
) -> parquet::errors::Result<ArrayRef> {
    let nullable = field.is_nullable();
    let mut defs = Vec::new();
    let defs_out = nullable.then_some(&mut defs);
    let array: ArrayRef = match (r, field.data_type()) {
        (ColumnReader::DoubleColumnReader(r), DataType::Float64) => {
            let v = records(r, rows, defs_out)?;
            Arc::new(primitive::<Float64Type>(v, read_levels(nullable, &defs)))
        }
        (ColumnReader::Int32ColumnReader(r), DataType::UInt32) => {
            let v = records(r, rows, defs_out)?;
            let v = v.into_iter().map(|x: i32| x as u32).collect();
            Arc::new(primitive::<UInt32Type>(v, read_levels(nullable, &defs)))
        }
        (ColumnReader::Int64ColumnReader(r), DataType::UInt64) => {
            let v = records(r, rows, defs_out)?;
            let v = v.into_iter().map(|x: i64| x as u64).collect();
            Arc::new(primitive::<UInt64Type>(v, read_levels(nullable, &defs)))
        }
        (ColumnReader::Int64ColumnReader(r), DataType::Int64) => {
            let v = records(r, rows, defs_out)?;
            Arc::new(primitive::<Int64Type>(v, read_levels(nullable, &defs)))
        }
        (ColumnReader::BoolColumnReader(r), DataType::Boolean) => {
            let v = records(r, rows, defs_out)?;
            let mut v = v.into_iter();
            Arc::new(match read_levels(nullable, &defs) {
                Some(defs) => defs
                    .iter()
                    .map(|&d| if d > 0 { v.next() } else { None })
                    .collect(),
                None => v.map(Some).collect::<BooleanArray>(),
            })
        }
        (ColumnReader::ByteArrayColumnReader(r), DataType::Utf8) => {
            let v = records(r, rows, defs_out)?;
            Arc::new(strings(&v, read_levels(nullable, &defs))?)
        }
        _ => return Err(mismatch()),
    };
    Ok(array)
}

/// `rows` records of a column: the values present, and where it is
/// nullable, every row's level into `defs`.
fn records<T: PhysicalValues>(
    r: &mut ColumnReaderImpl<T>,
    rows: usize,
    defs: Option<&mut Vec<i16>>,
) -> parquet::errors::Result<Vec<T::T>> {
    let mut values = Vec::with_capacity(rows);
    let (read, _, _) = r.read_records(rows, defs, None, &mut values)?;
    if read != rows {
        return Err(ParquetError::General(format!(
            "{read} rows where {rows} were expected"
        )));
    }
    Ok(values)
}

/// The text values read (`present`), spread over the rows as
/// [`primitive`] spreads numbers; the array checks once, over all of it,
/// that the text is UTF-8.
fn strings(present: &[ByteArray], defs: Option<&[i16]>) -> parquet::errors::Result<StringArray> {
    let bytes = present.iter().map(ByteArray::len).sum();
    let rows = defs.map_or(present.len(), <[i16]>::len);
    let (mut data, mut offsets) = (Vec::with_capacity(bytes), Vec::with_capacity(rows + 1));
    offsets.push(0i32);
    let mut values = present.iter();
    let mut push = |data: &mut Vec<u8>| -> parquet::errors::Result<()> {
        data.extend_from_slice(values.next().ok_or_else(mismatch)?.data());
        Ok(())
    };
    let offset = |data: &Vec<u8>| {
        i32::try_from(data.len())
            .map_err(|_| ParquetError::General("more than 2 GiB of text in one batch".into()))
    };
    match defs {
        Some(defs) => {
            for &d in defs {
                if d > 0 {
                    push(&mut data)?;
                }
                offsets.push(offset(&data)?);
            }
        }
        None => {
            for _ in 0..rows {
                push(&mut data)?;
                offsets.push(offset(&data)?);
            }
        }
    }
    let nulls = defs
        .filter(|d| d.len() != present.len())
        .map(|d| NullBuffer::from(d.iter().map(|&x| x > 0).collect::<Vec<bool>>()));
    StringArray::try_new(OffsetBuffer::new(offsets.into()), data.into(), nulls)
        .map_err(|e| ParquetError::General(e.to_string()))
}

/// A nullable column's definition levels; `None` for a required one.
fn read_levels(nullable: bool, defs: &[i16]) -> Option<&[i16]> {
    nullable.then_some(defs)
}

/// An array of the `present` values read, spread over the rows where
/// `defs` (a nullable column's levels) says a value is present, nulls
/// elsewhere: values and validity built directly, without a list of
/// options in between.
fn primitive<T: ArrowPrimitiveType>(
    present: Vec<T::Native>,
    defs: Option<&[i16]>,
) -> PrimitiveArray<T> {
    match defs {
        Some(defs) if defs.len() != present.len() => {
            let mut v = present.into_iter();
            let values: Vec<T::Native> = defs
                .iter()
                .map(|&d| {
                    if d > 0 {
                        v.next().unwrap_or_default()
                    } else {
                        T::Native::default()
                    }
                })
                .collect();
            let valid: Vec<bool> = defs.iter().map(|&d| d > 0).collect();
            PrimitiveArray::new(values.into(), Some(NullBuffer::from(valid)))
        }
        // Every value present.
        _ => PrimitiveArray::new(present.into(), None),
    }
}

/// The footer of `path`, read.
fn open(path: &Path) -> io::Result<(File, ParquetMetaData)> {
    let file = File::open(path).map_err(named(path))?;
    let metadata =
        std::panic::catch_unwind(|| ParquetMetaDataReader::new().parse_and_finish(&file))
            .unwrap_or_else(|_| Err(ParquetError::General("the file is damaged".into())))
            .map_err(|e| io_error(e, path))?;
    Ok((file, metadata))
}

/// Reads `path` batch by batch, only the columns named `columns` (all if
/// `None`), in file order.
pub fn read(path: &Path, columns: Option<&[&str]>) -> io::Result<Batches> {
    let (file, metadata) = open(path)?;
    let descr = metadata.file_metadata().schema_descr();
    let indices: Vec<usize> = (0..descr.num_columns())
        .filter(|&i| columns.is_none_or(|names| names.contains(&descr.column(i).name())))
        .collect();
    let fields = indices
        .iter()
        .map(|&i| arrow_field(&descr.column(i)))
        .collect::<io::Result<Vec<_>>>()
        .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
    Ok(Batches {
        file: Arc::new(file),
        metadata: Arc::new(metadata),
        indices,
        schema: Arc::new(Schema::new(fields)),
        next_group: 0,
        readers: Vec::new(),
        rows_left: 0,
        path: path.to_path_buf(),
    })
}

/// The batches of `paths` read one file after another, as if they were
/// one file: the rows that joining them (a sweep's chunks) would give, read
/// without the join. Each batch comes with the file it is from, and each
/// error names its file.
pub fn read_files<'a>(
    paths: &'a [std::path::PathBuf],
    columns: Option<&'a [&'a str]>,
) -> impl Iterator<Item = io::Result<(&'a Path, RecordBatch)>> + 'a {
    paths.iter().flat_map(
        move |path| -> Box<dyn Iterator<Item = io::Result<(&'a Path, RecordBatch)>> + 'a> {
            match read(path, columns) {
                Ok(batches) => Box::new(batches.map(move |b| Ok((path.as_path(), b?)))),
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        },
    )
}

/// The Arrow schema of a Parquet file.
pub fn schema(path: &Path) -> io::Result<SchemaRef> {
    Ok(read(path, None)?.schema())
}

/// Writes to `out` the row groups of `inputs`, in order, copied without
/// decoding: the files must share one schema (they are chunks of one
/// sweep). Written whole or not at all.
pub fn concat(inputs: &[std::path::PathBuf], out: &Path, schema: &SchemaRef) -> io::Result<()> {
    let mut joining = Joining::create(out, schema)?;
    for input in inputs {
        joining.append(input)?;
    }
    joining.finish()
}

/// A Parquet file joined from others of one schema, a file at a time, as
/// they come (a sweep's chunks, as each is placed): written to its
/// temporary, placed whole by [`Joining::finish`]; dropped unfinished, it
/// leaves nothing behind.
///
/// Each column chunk's bytes go from file to file in the kernel
/// (`copy_file_range`, through `std::io::copy`, where the system has it),
/// not through this process's memory; the footer is the one Parquet's own
/// writer gives for the same row groups appended whole (each column
/// chunk's offsets moved to where it now lies).
pub struct Joining {
    file: File,
    tmp: std::path::PathBuf,
    out: std::path::PathBuf,
    schema: SchemaRef,
    /// Where the next row group goes: the bytes written so far.
    at: i64,
    /// The first file appended, and its metadata, which the others match.
    first: Option<(std::path::PathBuf, FileMetaData)>,
    row_groups: Vec<RowGroupMetaData>,
}

impl Joining {
    /// Starts `out`, to hold files of `schema`.
    pub fn create(out: &Path, schema: &SchemaRef) -> io::Result<Joining> {
        let (tmp, mut file) = atomic::create_temporary(out)?;
        if let Err(e) = file.write_all(MAGIC) {
            atomic::discard(&tmp);
            return Err(named(out)(e));
        }
        Ok(Joining {
            file,
            tmp,
            out: out.to_path_buf(),
            schema: schema.clone(),
            at: MAGIC.len() as i64,
            first: None,
            row_groups: Vec::new(),
        })
    }

    /// Copies the row groups of `input` after those appended before.
    pub fn append(&mut self, input: &Path) -> io::Result<()> {
        let out = self.out.as_path();
        let mut from = File::open(input).map_err(named(input))?;
        let metadata = ParquetMetaDataReader::new()
            .parse_and_finish(&from)
            .map_err(|e| io_error(e, input))?;
        let (first_path, first) = self
            .first
            .get_or_insert_with(|| (input.to_path_buf(), metadata.file_metadata().clone()));
        let schema_descr = first.schema_descr_ptr();
        if metadata.file_metadata().schema_descr().root_schema() != schema_descr.root_schema() {
            return Err(io::Error::other(format!(
                "{}: its columns are not those of {}",
                input.display(),
                first_path.display()
            )));
        }
        // Where a failed copy leaves the file: the row groups before it
        // are whole, so the next append writes over what it left.
        let mut to = &self.file;
        to.seek(SeekFrom::Start(self.at as u64))
            .map_err(named(out))?;
        for rg in metadata.row_groups() {
            let group_at = self.at;
            let columns = rg.columns();
            let ranges = columns
                .iter()
                .map(|c| (chunk_start(c), c.compressed_size()));
            let Some(spans) = spans(ranges) else {
                return Err(io::Error::other(format!(
                    "{}: a column chunk at a negative offset or of a negative size",
                    input.display()
                )));
            };
            // Column chunks that follow each other in the input (all of a
            // row group, as Parquet writes them) copied in one call: a
            // call each cost more than the copying.
            for (start, end) in spans {
                copy_span(&mut from, &mut to, start..end, input, out)?;
            }
            let mut at = group_at;
            let mut moved_columns = Vec::with_capacity(columns.len());
            for column in columns {
                let moved = moved(column, at - chunk_start(column));
                moved_columns.push(moved.map_err(|e| io_error(e, input))?);
                at += column.compressed_size();
            }
            let ordinal = i16::try_from(self.row_groups.len())
                .map_err(|_| io::Error::other(format!("{}: too many row groups", out.display())))?;
            let total_byte_size = moved_columns.iter().map(|c| c.uncompressed_size()).sum();
            let group = RowGroupMetaData::builder(schema_descr.clone())
                .set_column_metadata(moved_columns)
                .set_total_byte_size(total_byte_size)
                .set_num_rows(rg.num_rows())
                .set_ordinal(ordinal)
                .set_file_offset(group_at)
                .build()
                .map_err(|e| io_error(e, out))?;
            self.row_groups.push(group);
            self.at = at;
        }
        Ok(())
    }

    /// Writes the footer, syncs the file and renames it into place.
    pub fn finish(mut self) -> io::Result<()> {
        self.footer()
            .and_then(|()| self.file.sync_all().map_err(named(&self.out)))?;
        atomic::place(&self.tmp, &self.out)
    }

    /// Ends the file after the row groups appended: with none, the empty
    /// file Parquet's writer gives for `schema`.
    fn footer(&mut self) -> io::Result<()> {
        let out = self.out.as_path();
        let Some((_, first)) = &self.first else {
            // No file at all (a shard with no runs): an empty file.
            let mut file = &self.file;
            file.set_len(0).map_err(named(out))?;
            file.seek(SeekFrom::Start(0)).map_err(named(out))?;
            let w = SerializedFileWriter::new(
                BufWriter::new(file),
                parquet_schema(&self.schema).map_err(named(out))?,
                Arc::new(properties()),
            )
            .map_err(|e| io_error(e, out))?;
            let mut rest = w.into_inner().map_err(|e| io_error(e, out))?;
            rest.flush().map_err(named(out))?;
            return Ok(());
        };
        let mut file = &self.file;
        // A failed append may have left bytes past the last whole group.
        file.set_len(self.at as u64).map_err(named(out))?;
        file.seek(SeekFrom::Start(self.at as u64))
            .map_err(named(out))?;
        let rows = self.row_groups.iter().map(|rg| rg.num_rows()).sum();
        let props = properties();
        let file_metadata = FileMetaData::new(
            props.writer_version().as_num(),
            rows,
            Some(props.created_by().to_string()),
            first.key_value_metadata().cloned(),
            first.schema_descr_ptr(),
            None,
        );
        let metadata = ParquetMetaData::new(file_metadata, std::mem::take(&mut self.row_groups));
        let mut footer = BufWriter::new(file);
        ParquetMetaDataWriter::new(&mut footer, &metadata)
            .finish()
            .map_err(|e| io_error(e, out))?;
        footer.flush().map_err(named(out))
    }
}

impl Drop for Joining {
    fn drop(&mut self) {
        // A no-op once placed: the temporary is no longer this process's.
        atomic::discard(&self.tmp);
    }
}

/// Copies bytes `range` of `from` (the file `input`) to the end of what
/// `to` (the temporary of `out`) has so far.
fn copy_span(
    from: &mut File,
    to: &mut &File,
    range: std::ops::Range<i64>,
    input: &Path,
    out: &Path,
) -> io::Result<()> {
    // `spans` gave offsets and sizes of 0 or more.
    let (start, len) = (range.start as u64, (range.end - range.start) as u64);
    from.seek(SeekFrom::Start(start)).map_err(named(input))?;
    let joining = |e: io::Error| {
        let text = format!("{} (joining {}): {e}", out.display(), input.display());
        io::Error::new(e.kind(), text)
    };
    let copied = io::copy(&mut from.take(len), to).map_err(joining)?;
    if copied != len {
        return Err(io::Error::other(format!(
            "{}: {len} bytes of column chunks end the file after {copied}",
            input.display()
        )));
    }
    Ok(())
}

/// The byte ranges, `start..end`, that column chunks at `(offset, size)`
/// cover, those that follow each other made one; `None` if an offset or a
/// size is negative, or an end past the largest offset (a damaged file).
fn spans(chunks: impl Iterator<Item = (i64, i64)>) -> Option<Vec<(i64, i64)>> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (start, len) in chunks {
        if start < 0 || len < 0 {
            return None;
        }
        match out.last_mut() {
            Some((_, end)) if *end == start => *end = end.checked_add(len)?,
            _ => out.push((start, start.checked_add(len)?)),
        }
    }
    Some(out)
}

/// What an I/O error on the file `path` becomes: the same error, naming it.
fn named(path: &Path) -> impl Fn(io::Error) -> io::Error + '_ {
    move |e| io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// A Parquet file's first and last four bytes.
const MAGIC: &[u8; 4] = b"PAR1";

/// Where a column chunk's bytes begin: its dictionary page, if it has one
/// (`ColumnChunkMetaData::byte_range` panics on a negative offset, which a
/// damaged file may hold; [`spans`] refuses it instead).
fn chunk_start(column: &ColumnChunkMetaData) -> i64 {
    column
        .dictionary_page_offset()
        .unwrap_or_else(|| column.data_page_offset())
}

/// `column`'s metadata with its pages `by` bytes further into the file,
/// as Parquet's writer records a column chunk appended whole (no page
/// index travels with it).
fn moved(column: &ColumnChunkMetaData, by: i64) -> parquet::errors::Result<ColumnChunkMetaData> {
    let mut b = ColumnChunkMetaData::builder(column.column_descr_ptr())
        .set_compression_codec(column.compression_codec())
        .set_encodings_mask(*column.encodings_mask())
        .set_total_compressed_size(column.compressed_size())
        .set_total_uncompressed_size(column.uncompressed_size())
        .set_num_values(column.num_values())
        .set_data_page_offset(column.data_page_offset() + by)
        .set_dictionary_page_offset(column.dictionary_page_offset().map(|o| o + by))
        .set_unencoded_byte_array_data_bytes(column.unencoded_byte_array_data_bytes());
    if let Some(h) = column.repetition_level_histogram() {
        b = b.set_repetition_level_histogram(Some(h.clone()));
    }
    if let Some(h) = column.definition_level_histogram() {
        b = b.set_definition_level_histogram(Some(h.clone()));
    }
    if let Some(s) = column.statistics() {
        b = b.set_statistics(s.clone());
    }
    if let Some(s) = column.page_encoding_stats() {
        b = b.set_page_encoding_stats(s.clone());
    }
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A column of every type a sweep file holds, nullable and not.
    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("point", DataType::UInt32, false),
            Field::new("seed", DataType::UInt64, false),
            Field::new("value", DataType::Float64, true),
            Field::new("first", DataType::UInt32, true),
            Field::new("count", DataType::Int64, true),
            Field::new("met", DataType::Boolean, true),
            Field::new("status", DataType::Utf8, false),
            Field::new("label", DataType::Utf8, true),
        ]))
    }

    /// Rows `from..to`, with a null in each nullable column every third row.
    fn batch(from: u32, to: u32) -> RecordBatch {
        let rows = from..to;
        let gap = |i: u32| i % 3 == 1;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt32Array::from_iter_values(
                rows.clone().map(|i| u32::MAX - i),
            )),
            Arc::new(UInt64Array::from_iter_values(
                rows.clone().map(|i| u64::MAX - u64::from(i)),
            )),
            Arc::new(Float64Array::from_iter(
                rows.clone().map(|i| (!gap(i)).then(|| f64::from(i) * -0.5)),
            )),
            Arc::new(UInt32Array::from_iter(
                rows.clone().map(|i| (!gap(i)).then_some(i)),
            )),
            Arc::new(Int64Array::from_iter(
                rows.clone().map(|i| (!gap(i)).then(|| -i64::from(i))),
            )),
            Arc::new(BooleanArray::from_iter(
                rows.clone().map(|i| (!gap(i)).then_some(i % 2 == 0)),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.clone()
                    .map(|i| if i % 2 == 0 { "ok" } else { "failed" }),
            )),
            Arc::new(StringArray::from_iter(
                rows.clone().map(|i| (!gap(i)).then(|| format!("run {i}"))),
            )),
        ];
        RecordBatch::try_new(schema(), columns).unwrap()
    }

    fn read_all(path: &Path, columns: Option<&[&str]>) -> Vec<RecordBatch> {
        read(path, columns).unwrap().map(|b| b.unwrap()).collect()
    }

    #[test]
    fn a_column_of_nulls_only_reads_back_as_nulls() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.parquet");
        let full = batch(0, 6);
        // The same rows with every nullable column null.
        let columns: Vec<ArrayRef> = schema()
            .fields()
            .iter()
            .zip(full.columns())
            .map(|(f, c)| match f.is_nullable() {
                true => arrow_array::new_null_array(f.data_type(), c.len()),
                false => c.clone(),
            })
            .collect();
        let nulls = RecordBatch::try_new(schema(), columns).unwrap();
        let mut w = Writer::create(&path, schema()).unwrap();
        w.write(&nulls).unwrap();
        // Nulls only, then values, in one row group.
        w.write_group(&[nulls.clone(), full.clone()]).unwrap();
        w.finish().unwrap();
        let back = read_all(&path, None);
        assert_eq!(back.len(), 2);
        assert_eq!(back[0], nulls);
        assert_eq!(back[1].slice(0, 6), nulls);
        assert_eq!(back[1].slice(6, 6), full);
    }

    #[test]
    fn every_type_reads_back_as_written_with_its_nulls() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.parquet");
        let mut w = Writer::create(&path, schema()).unwrap();
        // Two batches as one row group, then one more group.
        w.write_group(&[batch(0, 4), batch(4, 10)]).unwrap();
        w.write(&batch(10, 12)).unwrap();
        w.finish().unwrap();
        assert_eq!(super::schema(&path).unwrap(), schema());
        let back = read_all(&path, None);
        assert_eq!(back.len(), 2, "a batch a row group");
        assert_eq!(back[0].slice(0, 4), batch(0, 4));
        assert_eq!(back[0].slice(4, 6), batch(4, 10));
        assert_eq!(back[1], batch(10, 12));
        // Slices of a larger batch (as the merge writes them) keep their
        // own rows' text.
        let sliced = dir.path().join("sliced.parquet");
        let mut w = Writer::create(&sliced, schema()).unwrap();
        let whole = batch(0, 12);
        w.write_group(&[whole.slice(5, 4), whole.slice(1, 2)])
            .unwrap();
        w.finish().unwrap();
        let back = read_all(&sliced, None);
        assert_eq!(back[0].slice(0, 4), batch(5, 9));
        assert_eq!(back[0].slice(4, 2), batch(1, 3));
        // The footer, read by parquet's own reader: unsigned integers and
        // text are annotated, as other readers (pyarrow, polars) need.
        let (_, meta) = open(&path).unwrap();
        let descr = meta.file_metadata().schema_descr();
        assert_eq!(meta.file_metadata().num_rows(), 12);
        let logical = |i: usize| descr.column(i).logical_type_ref().cloned();
        assert_eq!(
            logical(0),
            Some(LogicalType::Integer(IntType {
                bit_width: 32,
                is_signed: false
            }))
        );
        assert_eq!(
            logical(1),
            Some(LogicalType::Integer(IntType {
                bit_width: 64,
                is_signed: false
            }))
        );
        assert_eq!(logical(6), Some(LogicalType::String));
        assert_eq!(descr.column(2).max_def_level(), 1);
        assert_eq!(descr.column(0).max_def_level(), 0);
    }

    #[test]
    fn the_columns_asked_for_are_read_in_file_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.parquet");
        write_batch(&path, &batch(0, 7)).unwrap();
        let back = read_all(&path, Some(&["label", "point", "no such column"]));
        assert_eq!(back.len(), 1);
        let whole = batch(0, 7);
        assert_eq!(back[0].num_columns(), 2);
        assert_eq!(back[0].schema().field(0).name(), "point");
        assert_eq!(back[0].column(0), whole.column(0));
        assert_eq!(back[0].column(1), whole.column(7));
    }

    #[test]
    fn a_large_row_group_is_read_in_batches_of_at_most_read_batch_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.parquet");
        let rows = READ_BATCH as u32 + 5;
        write_batch(&path, &batch(0, rows)).unwrap();
        let back = read_all(&path, None);
        let sizes: Vec<usize> = back.iter().map(|b| b.num_rows()).collect();
        assert_eq!(sizes, [READ_BATCH, 5]);
        assert_eq!(back[0], batch(0, READ_BATCH as u32));
        assert_eq!(back[1], batch(READ_BATCH as u32, rows));
    }

    #[test]
    fn concat_copies_the_row_groups_and_joins_nothing_into_an_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.parquet"), dir.path().join("b.parquet"));
        write_batch(&a, &batch(0, 3)).unwrap();
        write_batch(&b, &batch(3, 8)).unwrap();
        let out = dir.path().join("out.parquet");
        concat(&[a, b], &out, &schema()).unwrap();
        assert_eq!(read_all(&out, None), [batch(0, 3), batch(3, 8)]);
        let empty = dir.path().join("empty.parquet");
        concat(&[], &empty, &schema()).unwrap();
        assert_eq!(super::schema(&empty).unwrap(), schema());
        assert!(read_all(&empty, None).is_empty());
    }

    /// The join as Parquet's own writer makes it: each input's row groups
    /// appended column chunk by column chunk through the writer.
    fn joined_by_parquets_writer(inputs: &[std::path::PathBuf], out: &Path) {
        use parquet::column::writer::ColumnCloseResult;
        let file = File::create(out).unwrap();
        let mut writer = None;
        for input in inputs {
            let reader = bytes::Bytes::from(std::fs::read(input).unwrap());
            let metadata = ParquetMetaDataReader::new()
                .parse_and_finish(&reader)
                .unwrap();
            let w = writer.get_or_insert_with(|| {
                let meta = metadata.file_metadata();
                let props = WriterProperties::builder()
                    .set_created_by(format!("canopy {}", env!("CARGO_PKG_VERSION")))
                    .set_key_value_metadata(meta.key_value_metadata().cloned())
                    .build();
                let root = meta.schema_descr().root_schema_ptr();
                SerializedFileWriter::new(file.try_clone().unwrap(), root, Arc::new(props)).unwrap()
            });
            for rg in metadata.row_groups() {
                let mut rg_out = w.next_row_group().unwrap();
                for column in rg.columns() {
                    let result = ColumnCloseResult {
                        bytes_written: column.compressed_size() as _,
                        rows_written: rg.num_rows() as _,
                        metadata: column.clone(),
                        bloom_filter: None,
                        column_index: None,
                        offset_index: None,
                    };
                    rg_out.append_column(&reader, result).unwrap();
                }
                rg_out.close().unwrap();
            }
        }
        writer.unwrap().close().unwrap();
    }

    #[test]
    fn concat_writes_the_file_parquets_own_writer_gives_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.parquet"), dir.path().join("b.parquet"));
        // Two row groups, then one: text columns with dictionaries, nulls,
        // every type, statistics on every page.
        let mut w = Writer::create(&a, schema()).unwrap();
        w.write(&batch(0, 5)).unwrap();
        w.write(&batch(5, 7)).unwrap();
        w.finish().unwrap();
        write_batch(&b, &batch(7, 20)).unwrap();
        let inputs = [a, b];
        let (ours, theirs) = (
            dir.path().join("ours.parquet"),
            dir.path().join("theirs.parquet"),
        );
        concat(&inputs, &ours, &schema()).unwrap();
        joined_by_parquets_writer(&inputs, &theirs);
        assert_eq!(
            std::fs::read(&ours).unwrap(),
            std::fs::read(&theirs).unwrap()
        );
        assert_eq!(
            read_all(&ours, None),
            [batch(0, 5), batch(5, 7), batch(7, 20)]
        );
    }

    /// Writes `batches` as one row group of a chunk (our statistics) and of
    /// a file of Parquet's own, then asserts that both have the same
    /// statistics and join to the same bytes.
    fn joins_as_parquets_own(dir: &Path, schema: &SchemaRef, batches: &[RecordBatch], tag: &str) {
        let write = |name: &str, chunk: bool| {
            let path = dir.join(format!("{name}-{tag}.parquet"));
            let mut w = Writer::create(&path, schema.clone()).unwrap();
            w.chunk = chunk;
            w.write_group(batches).unwrap();
            w.finish().unwrap();
            path
        };
        let (ours, theirs) = (write("ours", true), write("theirs", false));
        let statistics = |p: &Path| {
            let (_, metadata) = open(p).unwrap();
            let columns = metadata.row_groups()[0].columns().iter();
            columns
                .map(|c| {
                    (
                        c.statistics().cloned(),
                        c.definition_level_histogram().cloned(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(statistics(&ours), statistics(&theirs), "{tag}");
        let joined = |p: &Path| {
            let out = p.with_extension("joined");
            concat(&[p.to_path_buf()], &out, schema).unwrap();
            std::fs::read(out).unwrap()
        };
        assert_eq!(joined(&ours), joined(&theirs), "{tag}");
    }

    #[test]
    fn statistics_of_our_own_over_many_slices_and_batches_are_parquets_own() {
        // Parquet's writer takes its statistics 1,024 values at a time and
        // merges them: 5,000 rows in two batches of one row group, the
        // least and greatest met in different slices, zeros of both signs
        // in slices of their own, a slice of NaN only, nulls between.
        let schema = Arc::new(Schema::new(vec![
            Field::new("x", DataType::Float64, true),
            Field::new("zero", DataType::Float64, false),
            Field::new("n", DataType::UInt32, true),
        ]));
        let x = |i: usize| match i {
            _ if i.is_multiple_of(97) => None,
            0..1024 => Some(i as f64),
            1024..2048 => Some(f64::NAN),
            2048..3000 => Some(-(i as f64) / 7.0),
            _ => Some(((i * 7919) % 1000) as f64 + 0.5),
        };
        let zero = |i: usize| if i < 2500 { 0.0 } else { -0.0 };
        let n = |i: usize| (!i.is_multiple_of(13)).then(|| (i as u32).wrapping_mul(2_654_435_761));
        let batch = |rows: std::ops::Range<usize>| {
            let arrays: Vec<ArrayRef> = vec![
                Arc::new(Float64Array::from(rows.clone().map(x).collect::<Vec<_>>())),
                Arc::new(Float64Array::from(
                    rows.clone().map(zero).collect::<Vec<_>>(),
                )),
                Arc::new(UInt32Array::from(rows.map(n).collect::<Vec<_>>())),
            ];
            RecordBatch::try_new(schema.clone(), arrays).unwrap()
        };
        let dir = tempfile::tempdir().unwrap();
        let batches = [batch(0..1800), batch(1800..5000)];
        joins_as_parquets_own(dir.path(), &schema, &batches, "two batches");
        joins_as_parquets_own(dir.path(), &schema, &batches[1..], "one batch");
        joins_as_parquets_own(dir.path(), &schema, &[], "no batch");
    }

    #[test]
    fn chunks_whose_numbers_have_statistics_of_our_own_join_as_parquets_own() {
        // Floats of every kind: NaN among numbers, zeros of either sign in
        // either order, infinities, a column of NaN only, one of nulls only,
        // one that is not nullable; unsigned numbers of 32 and 64 bits; then
        // the same with one value each, and with a batch of no row. Chunks written with the statistics worked
        // out here and with Parquet's own join to the same bytes.
        let names = [
            "mixed", "zeros", "nan", "null", "inf", "neg_inf", "required",
        ];
        let mut fields: Vec<Field> = names
            .iter()
            .map(|&n| Field::new(n, DataType::Float64, n != "required"))
            .collect();
        // Unsigned numbers past the signed type's greatest, which compare
        // otherwise as its negative numbers.
        fields.push(Field::new("count", DataType::UInt32, true));
        fields.push(Field::new("no_count", DataType::UInt32, true));
        fields.push(Field::new("seed", DataType::UInt64, false));
        let schema = Arc::new(Schema::new(fields));
        let counts = [
            Some(5),
            None,
            Some(u32::MAX),
            Some(0),
            Some(1 << 31),
            None,
            Some(7),
        ];
        let seeds = [u64::MAX, 0, 3, 1 << 63, 9, 2, 4];
        let nan = f64::NAN;
        let columns: [Vec<Option<f64>>; 7] = [
            vec![
                Some(nan),
                Some(2.5),
                None,
                Some(-0.0),
                Some(-7.25),
                Some(nan),
                Some(1e300),
            ],
            vec![
                Some(0.0),
                Some(-0.0),
                None,
                Some(0.0),
                Some(-0.0),
                Some(0.0),
                Some(0.0),
            ],
            vec![Some(nan); 7],
            vec![None; 7],
            vec![
                Some(f64::INFINITY),
                None,
                Some(f64::INFINITY),
                None,
                None,
                None,
                None,
            ],
            vec![Some(f64::NEG_INFINITY); 7],
            vec![
                Some(3.0),
                Some(-1.0),
                Some(0.0),
                Some(-0.0),
                Some(nan),
                Some(9.0),
                Some(4.0),
            ],
        ];
        let batch = |rows: std::ops::Range<usize>| {
            let mut arrays: Vec<ArrayRef> = columns
                .iter()
                .map(|c| Arc::new(Float64Array::from(c[rows.clone()].to_vec())) as ArrayRef)
                .collect();
            arrays.push(Arc::new(UInt32Array::from(counts[rows.clone()].to_vec())));
            arrays.push(Arc::new(UInt32Array::from(vec![None; rows.len()])));
            arrays.push(Arc::new(UInt64Array::from(seeds[rows.clone()].to_vec())));
            RecordBatch::try_new(schema.clone(), arrays).unwrap()
        };
        let dir = tempfile::tempdir().unwrap();
        for rows in [0..7, 1..2, 2..3, 3..3] {
            let tag = format!("rows {rows:?}");
            joins_as_parquets_own(dir.path(), &schema, &[batch(rows)], &tag);
        }
    }

    #[test]
    fn column_chunks_that_follow_each_other_are_copied_as_one_span() {
        assert_eq!(spans([].into_iter()), Some(vec![]));
        // Back to back, a gap, back to back again, an empty chunk.
        let chunks = [(4, 10), (14, 6), (30, 5), (35, 0), (35, 2)];
        assert_eq!(spans(chunks.into_iter()), Some(vec![(4, 20), (30, 37)]));
        // Out of order: each where it is.
        assert_eq!(
            spans([(50, 5), (4, 10)].into_iter()),
            Some(vec![(50, 55), (4, 14)])
        );
        assert_eq!(spans([(4, 10), (-1, 3)].into_iter()), None);
        assert_eq!(spans([(4, -10)].into_iter()), None);
        assert_eq!(spans([(i64::MAX - 1, 2)].into_iter()), None);
    }

    #[test]
    fn files_of_other_columns_are_not_joined() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.parquet"), dir.path().join("b.parquet"));
        write_batch(&a, &batch(0, 3)).unwrap();
        let mut other = batch(3, 6);
        other.remove_column(2);
        write_batch(&b, &other).unwrap();
        let out = dir.path().join("out.parquet");
        let e = concat(&[a, b.clone()], &out, &schema()).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains(&b.display().to_string()) && text.contains("not those of"),
            "{text}"
        );
        assert!(!out.exists(), "nothing left behind");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn an_unsynced_file_is_in_place_only_once_placed_and_gone_if_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let names = |dir: &Path| -> Vec<String> {
            let mut n: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            n.sort();
            n
        };
        let (kept, dropped) = (
            dir.path().join("kept.parquet"),
            dir.path().join("dropped.parquet"),
        );
        let a = write_batch_unsynced(&kept, &batch(0, 5)).unwrap();
        let b = write_batch_unsynced(&dropped, &batch(5, 9)).unwrap();
        // Written whole to temporaries, neither in place yet.
        assert!(!kept.exists() && !dropped.exists());
        assert_eq!(names(dir.path()).len(), 2);
        a.place().unwrap();
        drop(b);
        assert_eq!(names(dir.path()), ["kept.parquet"]);
        assert_eq!(read_all(&kept, None), [batch(0, 5)]);
    }

    #[test]
    fn a_uint32_column_of_one_value_and_the_rows_are_told_by_the_statistics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.parquet");
        let write = |groups: &[&RecordBatch]| {
            let mut w = Writer::create(&path, schema()).unwrap();
            for g in groups {
                w.write(g).unwrap();
            }
            w.finish().unwrap();
        };
        let without_point = |b: &RecordBatch| {
            let mut b = b.clone();
            b.remove_column(0);
            b
        };
        let with_point = |b: RecordBatch, p: u32| {
            let mut columns = b.columns().to_vec();
            columns[0] = Arc::new(UInt32Array::from(vec![p; b.num_rows()]));
            RecordBatch::try_new(schema(), columns).unwrap()
        };
        // Every row of point `p`, in two row groups; the largest u32 too,
        // whose bits as a signed number are -1.
        for p in [7, u32::MAX] {
            let (a, b) = (with_point(batch(0, 2), p), with_point(batch(2, 5), p));
            write(&[&a, &b]);
            let mut batches = read(&path, None).unwrap();
            assert_eq!(batches.rows(), Some(5));
            assert_eq!(batches.take_constant_u32("first"), None, "values differ");
            assert_eq!(batches.take_constant_u32("status"), None, "not uint32");
            assert_eq!(batches.take_constant_u32("point"), Some(p));
            let back: Vec<RecordBatch> = batches.map(|b| b.unwrap()).collect();
            assert_eq!(back, [without_point(&a), without_point(&b)]);
        }
        // A point a row group, not the same: the column is read.
        let (a, b) = (batch(0, 1), batch(1, 2));
        write(&[&a, &b]);
        let mut batches = read(&path, None).unwrap();
        assert_eq!(batches.take_constant_u32("point"), None);
        let back: Vec<RecordBatch> = batches.map(|b| b.unwrap()).collect();
        assert_eq!(back, [a, b]);
    }

    #[test]
    fn a_text_column_of_one_value_is_told_by_the_statistics_and_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.parquet");
        let groups = |groups: &[RecordBatch]| {
            let mut w = Writer::create(&path, schema()).unwrap();
            for g in groups {
                w.write_group(std::slice::from_ref(g)).unwrap();
            }
            w.finish().unwrap();
        };
        let without = |b: &RecordBatch, name: &str| {
            let mut b = b.clone();
            b.remove_column(b.schema().index_of(name).unwrap());
            b
        };
        // Rows 0 and 2, each a row group: both "ok", labels that differ.
        let (a, b) = (batch(0, 1), batch(2, 3));
        groups(&[a.clone(), b.clone()]);
        let mut batches = read(&path, None).unwrap();
        assert_eq!(batches.take_constant("label"), None);
        assert_eq!(batches.take_constant("point"), None, "not text");
        assert_eq!(batches.take_constant("status").as_deref(), Some("ok"));
        let read_back: Vec<RecordBatch> = batches.map(|b| b.unwrap()).collect();
        assert_eq!(read_back, [without(&a, "status"), without(&b, "status")]);
        // Not once reading has begun, nor for a column not read.
        let mut batches = read(&path, None).unwrap();
        assert!(batches.next().is_some());
        assert_eq!(batches.take_constant("status"), None);
        let mut batches = read(&path, Some(&["point"])).unwrap();
        assert_eq!(batches.take_constant("status"), None);
        // Two values in a group, one value a group but not the same, or a
        // null: the column is read.
        for (rows, column) in [
            (vec![batch(0, 2)], "status"),
            (vec![batch(0, 1), batch(1, 2)], "status"),
            (vec![batch(0, 2)], "label"),
            (vec![batch(1, 2)], "label"),
        ] {
            groups(&rows);
            let mut batches = read(&path, None).unwrap();
            assert_eq!(batches.take_constant(column), None, "{column} of {rows:?}");
            let read_back: Vec<RecordBatch> = batches.map(|b| b.unwrap()).collect();
            assert_eq!(read_back, rows);
        }
    }

    #[test]
    fn several_files_read_one_after_another_give_the_rows_of_their_join() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.parquet"), dir.path().join("b.parquet"));
        write_batch(&a, &batch(0, 3)).unwrap();
        write_batch(&b, &batch(3, 8)).unwrap();
        let joined = dir.path().join("joined.parquet");
        let files = [a, b];
        concat(&files, &joined, &schema()).unwrap();
        for columns in [None, Some(&["seed", "point"][..])] {
            let each: Vec<(&Path, RecordBatch)> = read_files(&files, columns)
                .collect::<io::Result<_>>()
                .unwrap();
            let (from, each): (Vec<&Path>, Vec<RecordBatch>) = each.into_iter().unzip();
            assert_eq!(from, [files[0].as_path(), files[1].as_path()]);
            assert_eq!(each, read_all(&joined, columns));
        }
        // A file missing on the way is an error naming it, after the rows
        // of the files before it.
        let missing = dir.path().join("missing.parquet");
        let with_gap = [files[0].clone(), missing];
        let read: Vec<io::Result<(&Path, RecordBatch)>> = read_files(&with_gap, None).collect();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].as_ref().unwrap().1, batch(0, 3));
        let e = read[1].as_ref().unwrap_err().to_string();
        assert!(e.contains("missing.parquet"), "{e}");
    }

    #[test]
    fn a_damaged_file_is_an_error_naming_it_never_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.parquet");
        write_batch(&path, &batch(0, 40)).unwrap();
        let good = std::fs::read(&path).unwrap();
        let damaged = dir.path().join("damaged.parquet");
        let mut errors = 0;
        for at in 0..good.len() {
            for byte in [0x00, 0xff, 0x80] {
                let mut bytes = good.clone();
                bytes[at] = byte;
                std::fs::write(&damaged, &bytes).unwrap();
                // Every error names the file, and nothing comes after it.
                let mut read = match read(&damaged, None) {
                    Ok(batches) => batches,
                    Err(e) => {
                        assert!(e.to_string().contains("damaged.parquet"), "{e}");
                        errors += 1;
                        continue;
                    }
                };
                for b in read.by_ref() {
                    if let Err(e) = b {
                        assert!(e.to_string().contains("damaged.parquet"), "{e}");
                        errors += 1;
                        break;
                    }
                }
                assert!(
                    read.next().is_none(),
                    "byte {at} = {byte:#x}: more after an error"
                );
            }
        }
        assert!(errors > good.len(), "{errors} errors");
    }

    #[test]
    fn a_nested_column_is_refused_by_name() {
        use parquet::schema::types::Type;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested.parquet");
        let x = Type::primitive_type_builder("x", PhysicalType::DOUBLE)
            .with_repetition(Repetition::OPTIONAL)
            .build()
            .unwrap();
        let g = Type::group_type_builder("g")
            .with_repetition(Repetition::OPTIONAL)
            .with_fields(vec![Arc::new(x)])
            .build()
            .unwrap();
        let root = Type::group_type_builder("schema")
            .with_fields(vec![Arc::new(g)])
            .build()
            .unwrap();
        let file = File::create(&path).unwrap();
        let w = SerializedFileWriter::new(file, Arc::new(root), Arc::new(properties())).unwrap();
        w.close().unwrap();
        let e = read(&path, None).err().unwrap().to_string();
        assert!(e.contains("nested.parquet") && e.contains("g.x"), "{e}");
    }

    #[test]
    fn a_batch_of_other_columns_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.parquet");
        let mut w = Writer::create(&path, schema()).unwrap();
        let other = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new(
                "point",
                DataType::Int64,
                false,
            )])),
            vec![Arc::new(Int64Array::from(vec![1]))],
        )
        .unwrap();
        let e = w.write(&other).unwrap_err().to_string();
        assert!(e.contains("runs.parquet") && e.contains("columns"), "{e}");
        // The same number of columns, one of another type.
        let mut columns = batch(0, 2).columns().to_vec();
        columns[0] = Arc::new(Int64Array::from(vec![1, 2]));
        let fields: Vec<Field> = schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if i == 0 {
                    Field::new("point", DataType::Int64, false)
                } else {
                    f.as_ref().clone()
                }
            })
            .collect();
        let other = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
        let e = w.write(&other).unwrap_err().to_string();
        assert!(e.contains("column point"), "{e}");
        drop(w);
        assert!(!path.exists());
    }

    #[test]
    fn a_projection_of_no_known_column_keeps_the_row_counts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.parquet");
        write_batch(&path, &batch(0, 5)).unwrap();
        let back = read_all(&path, Some(&["no such column"]));
        assert_eq!(
            back.iter()
                .map(|b| (b.num_columns(), b.num_rows()))
                .collect::<Vec<_>>(),
            [(0, 5)]
        );
    }

    #[test]
    fn a_file_that_is_not_parquet_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.parquet");
        std::fs::write(&path, b"not parquet at all").unwrap();
        let e = read(&path, None).err().unwrap().to_string();
        assert!(e.contains("runs.parquet"), "{e}");
    }
}
