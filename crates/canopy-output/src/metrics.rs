//! `metrics.csv`: one row per month, the columns of SCENARIO.md in order.

use std::io;

use canopy_model::{COLUMNS, MonthRecord, NAMES};

/// A number as `metrics.csv` writes it: one that reads back as the same f64.
pub fn cell(v: Option<f64>) -> String {
    v.map_or_else(String::new, |x| format!("{x:?}"))
}

/// `metrics.csv`: a header, then one row per month.
pub fn metrics_csv(records: &[MonthRecord]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(NAMES)?;
    for r in records {
        let row = COLUMNS.iter().map(|c| {
            let text = cell((c.get)(r));
            // Counts are whole numbers: written without a decimal point.
            if c.is_count() {
                text.trim_end_matches(".0").to_string()
            } else {
                text
            }
        });
        w.write_record(row)?;
    }
    w.into_inner().map_err(|e| e.into_error())
}
