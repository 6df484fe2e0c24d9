//! Parquet files: written whole or not at all, read back batch by batch,
//! and joined without decoding (row groups copied as they are).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use canopy_output::atomic;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::Compression;
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::ParquetError;
use parquet::file::metadata::ParquetMetaDataReader;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;

/// Rows per batch when a file is read back.
const READ_BATCH: usize = 65_536;

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

/// A parquet error as an I/O error that names the file.
pub fn io_error(e: ParquetError, path: &Path) -> io::Error {
    match e {
        ParquetError::External(inner) => io::Error::other(format!("{}: {inner}", path.display())),
        e => io::Error::other(format!("{}: {e}", path.display())),
    }
}

/// A Parquet file being written through a temporary, placed by
/// [`Writer::finish`]; dropped unfinished, it leaves nothing behind.
pub struct Writer {
    inner: Option<ArrowWriter<BufWriter<File>>>,
    tmp: std::path::PathBuf,
    path: std::path::PathBuf,
}

impl Writer {
    /// Starts `path` with `schema`.
    pub fn create(path: &Path, schema: SchemaRef) -> io::Result<Writer> {
        let (tmp, file) = atomic::create_temporary(path)?;
        let inner = ArrowWriter::try_new(BufWriter::new(file), schema, Some(properties()))
            .map_err(|e| io_error(e, path));
        let inner = match inner {
            Ok(w) => w,
            Err(e) => {
                atomic::discard(&tmp);
                return Err(e);
            }
        };
        Ok(Writer {
            inner: Some(inner),
            tmp,
            path: path.to_path_buf(),
        })
    }

    /// Writes `batch` as one row group.
    pub fn write(&mut self, batch: &RecordBatch) -> io::Result<()> {
        let w = self.inner.as_mut().expect("not finished");
        w.write(batch).map_err(|e| io_error(e, &self.path))?;
        w.flush().map_err(|e| io_error(e, &self.path))
    }

    /// Ends the file and renames it into place.
    pub fn finish(mut self) -> io::Result<()> {
        let w = self.inner.take().expect("not finished");
        let file = w.into_inner().map_err(|e| io_error(e, &self.path))?;
        let file = file
            .into_inner()
            .map_err(|e| io::Error::other(format!("{}: {e}", self.path.display())))?;
        file.sync_all()?;
        atomic::place(&self.tmp, &self.path)
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
    let mut w = Writer::create(path, batch.schema())?;
    w.write(batch)?;
    w.finish()
}

/// Reads `path` batch by batch, only the columns named `columns` (all if
/// `None`), in file order.
pub fn read(path: &Path, columns: Option<&[&str]>) -> io::Result<ParquetRecordBatchReader> {
    let file = File::open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| io_error(e, path))?;
    let builder = match columns {
        Some(names) => {
            let schema = builder.parquet_schema();
            let indices: Vec<usize> = names
                .iter()
                .filter_map(|n| (0..schema.num_columns()).find(|&i| schema.column(i).name() == *n))
                .collect();
            let mask = parquet::arrow::ProjectionMask::leaves(schema, indices);
            builder.with_projection(mask)
        }
        None => builder,
    };
    builder
        .with_batch_size(READ_BATCH)
        .build()
        .map_err(|e| io_error(e, path))
}

/// The Arrow schema of a Parquet file.
pub fn schema(path: &Path) -> io::Result<SchemaRef> {
    let file = File::open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| io_error(e, path))?;
    Ok(builder.schema().clone())
}

/// Writes to `out` the row groups of `inputs`, in order, copied without
/// decoding: the files must share one schema (they are chunks of one
/// sweep). Written whole or not at all.
pub fn concat(inputs: &[std::path::PathBuf], out: &Path, schema: &SchemaRef) -> io::Result<()> {
    let (tmp, file) = atomic::create_temporary(out)?;
    let result = (|| -> io::Result<()> {
        let mut writer = None;
        for input in inputs {
            let reader = File::open(input)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", input.display())))?;
            let metadata = ParquetMetaDataReader::new()
                .parse_and_finish(&reader)
                .map_err(|e| io_error(e, input))?;
            if writer.is_none() {
                let meta = metadata.file_metadata();
                let props = WriterProperties::builder()
                    .set_created_by(format!("canopy {}", env!("CARGO_PKG_VERSION")))
                    .set_key_value_metadata(meta.key_value_metadata().cloned())
                    .build();
                writer = Some(
                    SerializedFileWriter::new(
                        BufWriter::new(file.try_clone()?),
                        meta.schema_descr().root_schema_ptr(),
                        Arc::new(props),
                    )
                    .map_err(|e| io_error(e, out))?,
                );
            }
            let w = writer.as_mut().expect("made above");
            for rg in metadata.row_groups() {
                let mut rg_out = w.next_row_group().map_err(|e| io_error(e, out))?;
                for column in rg.columns() {
                    let result = ColumnCloseResult {
                        bytes_written: column.compressed_size() as _,
                        rows_written: rg.num_rows() as _,
                        metadata: column.clone(),
                        bloom_filter: None,
                        column_index: None,
                        offset_index: None,
                    };
                    rg_out.append_column(&reader, result).map_err(|e| {
                        io::Error::other(format!(
                            "{} (joining {}): {e}",
                            out.display(),
                            input.display()
                        ))
                    })?;
                }
                rg_out.close().map_err(|e| io_error(e, out))?;
            }
        }
        match writer {
            Some(w) => {
                let mut inner = w.into_inner().map_err(|e| io_error(e, out))?;
                inner.flush()?;
            }
            // No chunk at all (a shard with no runs): an empty file.
            None => {
                let mut w = ArrowWriter::try_new(
                    BufWriter::new(file.try_clone()?),
                    schema.clone(),
                    Some(properties()),
                )
                .map_err(|e| io_error(e, out))?;
                w.flush().map_err(|e| io_error(e, out))?;
                w.into_inner().map_err(|e| io_error(e, out))?.flush()?;
            }
        }
        file.sync_all()
    })();
    match result {
        Ok(()) => atomic::place(&tmp, out),
        Err(e) => {
            atomic::discard(&tmp);
            Err(e)
        }
    }
}
