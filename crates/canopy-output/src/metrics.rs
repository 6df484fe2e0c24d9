//! `metrics.csv`: one row per month, the columns of SCENARIO.md in order.

use std::io;

use canopy_model::{COLUMNS, MonthRecord};

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
