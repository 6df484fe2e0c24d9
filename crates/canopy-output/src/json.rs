//! `metrics.json`: the records of `metrics.csv` as an array of objects keyed
//! by [`COLUMNS`], in column order, undefined values as `null`.

use std::fmt::Write;

use canopy_model::{COLUMNS, MonthRecord};

/// Columns that hold counts, written as integers.
const COUNTS: [&str; 3] = ["month", "pairs_active", "active_deals"];

/// A JSON number that reads back as the same f64 (records are finite; a
/// non-finite value, which JSON cannot hold, becomes null).
fn number(v: Option<f64>, count: bool) -> String {
    match v {
        Some(x) if x.is_finite() => {
            if count && x.fract() == 0.0 && x.abs() < 9e15 {
                format!("{}", x as i64)
            } else {
                // Rust's shortest round-trip form ("1.5", "1e20", "-0.0") is valid JSON.
                format!("{x:?}")
            }
        }
        _ => "null".to_string(),
    }
}

/// The text of `metrics.json`.
pub fn metrics_json(records: &[MonthRecord]) -> String {
    let mut out = String::with_capacity(records.len() * 1200 + 4);
    out.push('[');
    for (i, r) in records.iter().enumerate() {
        out.push_str(if i == 0 { "\n  {" } else { ",\n  {" });
        for (j, (name, v)) in COLUMNS.iter().zip(r.values()).enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            // Column names are plain identifiers: no escaping needed.
            let _ = write!(out, "\"{name}\": {}", number(v, COUNTS.contains(name)));
        }
        out.push('}');
    }
    out.push_str(if records.is_empty() { "]\n" } else { "\n]\n" });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_none_is_null() {
        assert_eq!(number(Some(1.0), true), "1");
        assert_eq!(number(Some(0.1), false), "0.1");
        assert_eq!(number(Some(1e300), false), "1e300");
        assert_eq!(number(None, false), "null");
        assert_eq!(number(Some(f64::NAN), false), "null");
    }

    #[test]
    fn empty_is_an_empty_array() {
        assert_eq!(metrics_json(&[]), "[]\n");
    }

    #[test]
    fn keys_follow_columns() {
        let text = metrics_json(&[MonthRecord {
            month: 3,
            ..Default::default()
        }]);
        assert!(text.contains("{\"month\": 3, \"leaf_price\": 0.0"));
        assert!(text.contains("\"irr\": null"));
        assert!(text.trim_end().ends_with("}\n]"));
    }
}
