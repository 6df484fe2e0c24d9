//! Files written by earlier versions, whose Parquet went through Arrow's
//! own writer (its schema in the footer, its own page layout), read back
//! as this version writes them: a resumed or merged sweep may mix both.
//!
//! `tests/data/arrow-writer/` holds `sweep.toml` (every column type a sweep
//! file has: text and whole-number axes, a criterion's flag and month, kept
//! metrics with undefined values) and the `runs.parquet`, `months.parquet`
//! and `bands.parquet` an earlier version wrote for it.

mod common;

use std::path::Path;

use arrow_array::RecordBatch;
use canopy_sweep::{CommandLine, Quiet, parquet_io, plan_text, run};

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/arrow-writer")
        .join(name)
}

fn all(path: &Path) -> Vec<RecordBatch> {
    parquet_io::read(path, None)
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|b| b.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

#[test]
fn files_of_arrows_writer_read_as_the_same_sweep_written_now() {
    let text = std::fs::read_to_string(data("sweep.toml")).unwrap();
    let plan = plan_text("sweep.toml", &text, Path::new(""), &CommandLine::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let options = common::options(dir.path(), None);
    run(&plan, &options, &Quiet).unwrap_or_else(|e| panic!("{e}"));
    for name in ["runs.parquet", "months.parquet", "bands.parquet"] {
        let (old, new) = (data(name), dir.path().join(name));
        assert_eq!(
            parquet_io::schema(&old).unwrap(),
            parquet_io::schema(&new).unwrap(),
            "{name}"
        );
        let (old, new) = (all(&old), all(&new));
        let rows = |b: &[RecordBatch]| b.iter().map(RecordBatch::num_rows).sum::<usize>();
        assert!(rows(&new) > 0, "{name}");
        assert_eq!(rows(&old), rows(&new), "{name}");
        // Batch boundaries follow row groups, which may differ: compare
        // the tables as one.
        let schema = old[0].schema();
        assert_eq!(rows_of(&schema, &old), rows_of(&schema, &new), "{name}");
    }
}

/// The rows of `batches` as one list of rows (each row its columns' values
/// written out), so that tables cut into batches differently compare.
fn rows_of(schema: &arrow_schema::SchemaRef, batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for b in batches {
        assert_eq!(&b.schema(), schema);
        for i in 0..b.num_rows() {
            rows.push(
                b.columns()
                    .iter()
                    .map(|c| format!("{:?}", c.slice(i, 1)))
                    .collect(),
            );
        }
    }
    rows
}
