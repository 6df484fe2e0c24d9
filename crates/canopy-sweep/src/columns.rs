//! Reading columns of the sweep's Parquet files back, whatever their
//! Arrow type.

use std::io;
use std::path::Path;

use arrow_array::{
    Array, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray, UInt32Array,
    UInt64Array,
};
use canopy_output::csv_cell as cell;

/// A numeric column of a batch, whatever its Arrow type.
pub enum Numbers<'a> {
    /// float64.
    Float(&'a Float64Array),
    /// uint32.
    Count(&'a UInt32Array),
    /// int64.
    Int(&'a Int64Array),
    /// uint64.
    Big(&'a UInt64Array),
    /// Anything else: no numbers.
    None,
}

impl<'a> Numbers<'a> {
    /// The column `name` of `batch`.
    pub fn of(batch: &'a RecordBatch, name: &str) -> Numbers<'a> {
        let Some(a) = batch.column_by_name(name) else {
            return Numbers::None;
        };
        let any = a.as_any();
        if let Some(a) = any.downcast_ref::<Float64Array>() {
            Numbers::Float(a)
        } else if let Some(a) = any.downcast_ref::<UInt32Array>() {
            Numbers::Count(a)
        } else if let Some(a) = any.downcast_ref::<Int64Array>() {
            Numbers::Int(a)
        } else if let Some(a) = any.downcast_ref::<UInt64Array>() {
            Numbers::Big(a)
        } else {
            Numbers::None
        }
    }

    /// Row `i`'s value; `None` if null.
    // Inline in the points pass's loop over a million rows and more.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<f64> {
        match self {
            Numbers::Float(a) => a.is_valid(i).then(|| a.value(i)),
            Numbers::Count(a) => a.is_valid(i).then(|| f64::from(a.value(i))),
            Numbers::Int(a) => a.is_valid(i).then(|| a.value(i) as f64),
            Numbers::Big(a) => a.is_valid(i).then(|| a.value(i) as f64),
            Numbers::None => None,
        }
    }
}

/// Row `i` of the boolean column `name`; `None` if null or not there.
pub fn flag(batch: &RecordBatch, name: &str, i: usize) -> Option<bool> {
    let a = batch
        .column_by_name(name)?
        .as_any()
        .downcast_ref::<BooleanArray>()?;
    a.is_valid(i).then(|| a.value(i))
}

/// Row `i` of column `name` as text, as `points.csv` writes it.
pub fn text_at(batch: &RecordBatch, name: &str, i: usize) -> String {
    let Some(a) = batch.column_by_name(name) else {
        return String::new();
    };
    if a.is_null(i) {
        return String::new();
    }
    let any = a.as_any();
    if let Some(a) = any.downcast_ref::<StringArray>() {
        a.value(i).to_string()
    } else if let Some(a) = any.downcast_ref::<BooleanArray>() {
        a.value(i).to_string()
    } else if let Some(a) = any.downcast_ref::<Int64Array>() {
        a.value(i).to_string()
    } else if let Some(a) = any.downcast_ref::<UInt32Array>() {
        a.value(i).to_string()
    } else {
        cell(Numbers::of(batch, name).get(i))
    }
}

/// The point column of a batch.
pub fn point_column(batch: &RecordBatch) -> io::Result<&UInt32Array> {
    batch
        .column_by_name("point")
        .and_then(|a| a.as_any().downcast_ref::<UInt32Array>())
        .ok_or_else(|| io::Error::other("a sweep file without a uint32 `point` column"))
}

/// The `status` column of a batch of `runs.parquet` read from `path`.
pub fn status_column<'a>(batch: &'a RecordBatch, path: &Path) -> io::Result<&'a StringArray> {
    batch
        .column_by_name("status")
        .and_then(|a| a.as_any().downcast_ref::<StringArray>())
        .ok_or_else(|| io::Error::other(format!("{}: no `status` column", path.display())))
}
