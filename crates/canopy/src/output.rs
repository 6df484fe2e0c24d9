//! Writing result files whole or not at all.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use canopy_model::{COLUMNS, MonthRecord};

/// Writes `bytes` to `path` through a temporary file renamed into place, so
/// that an interrupted run never leaves a truncated file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("output");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A number as `metrics.csv` writes it: one that reads back as the same f64.
pub fn cell(v: Option<f64>) -> String {
    v.map_or_else(String::new, |x| format!("{x:?}"))
}

/// `metrics.csv`: a header, then one row per month.
pub fn metrics_csv(records: &[MonthRecord]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    for r in records {
        let mut row: Vec<String> = r.values().iter().map(|v| cell(*v)).collect();
        // Counts are whole numbers: written without a decimal point.
        for (i, name) in COLUMNS.iter().enumerate() {
            if matches!(*name, "month" | "pairs_active" | "active_deals") {
                row[i] = row[i].trim_end_matches(".0").to_string();
            }
        }
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| e.into_error())
}
