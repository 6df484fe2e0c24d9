//! `metrics.json`: the records of `metrics.csv` as an array of objects keyed
//! by [`COLUMNS`], in column order, undefined values as `null`.
//!
//! The text is produced by `serde_json` with a formatter that keeps the
//! file's layout: one object per line, `"key": value` pairs separated by
//! `, `, numbers in Rust's shortest round-trip form (`{:?}`), counts as
//! integers.

use std::io::{self, Write};

use canopy_model::{COLUMNS, MonthRecord};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::ser::Formatter;

/// One record as a JSON object in column order.
struct Row<'a>(&'a MonthRecord);

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(COLUMNS.len()))?;
        for c in COLUMNS {
            match (c.get)(self.0) {
                // Counts come from u32 fields, so the cast is exact.
                Some(x) if c.is_count() && x.fract() == 0.0 && x.abs() < 9e15 => {
                    map.serialize_entry(c.name, &(x as i64))?
                }
                // serde_json writes a non-finite f64 as null, as JSON needs.
                v => map.serialize_entry(c.name, &v)?,
            }
        }
        map.end()
    }
}

/// The layout of `metrics.json`: an array with one object per line.
#[derive(Default)]
struct Layout {
    /// Whether the top-level array has had an element (to close it on its own line).
    any: bool,
}

impl Formatter for Layout {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.any = true;
        w.write_all(if first { b"\n  " } else { b",\n  " })
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(if self.any { b"\n]" } else { b"]" })
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, x: f64) -> io::Result<()> {
        // Rust's shortest round-trip form ("1.5", "1e20", "-0.0") is valid
        // JSON and is what metrics.csv writes, so both files read alike.
        write!(w, "{x:?}")
    }
}

/// The text of `metrics.json`.
pub fn metrics_json(records: &[MonthRecord]) -> String {
    let mut out = Vec::with_capacity(records.len() * 1200 + 4);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Layout::default());
    // Writing into a Vec cannot fail, and every key is a string.
    ser.collect_seq(records.iter().map(Row))
        .expect("metrics.json serialises");
    out.push(b'\n');
    // serde_json writes only valid UTF-8.
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(r: MonthRecord) -> String {
        metrics_json(&[r])
    }

    #[test]
    fn numbers_round_trip_and_none_is_null() {
        let mut r = MonthRecord {
            month: 1,
            leaf_price: 0.1,
            aegis_leaf: 1e300,
            aegis_usdc: -0.0,
            pairs_leaf: 1.5e-5,
            ..Default::default()
        };
        let text = one(r.clone());
        assert!(text.contains("{\"month\": 1, \"leaf_price\": 0.1, "));
        assert!(text.contains("\"aegis_leaf\": 1e300, \"aegis_usdc\": -0.0, "));
        assert!(text.contains("\"pairs_leaf\": 1.5e-5, "));
        assert!(text.contains("\"irr\": null"));
        r.aegis_value = f64::NAN;
        assert!(one(r).contains("\"aegis_value\": null"));
    }

    #[test]
    fn empty_is_an_empty_array() {
        assert_eq!(metrics_json(&[]), "[]\n");
    }

    #[test]
    fn layout_is_one_object_per_line() {
        let r = MonthRecord {
            month: 3,
            ..Default::default()
        };
        let text = metrics_json(&[r.clone(), r]);
        assert!(text.starts_with("[\n  {\"month\": 3, \"leaf_price\": 0.0"));
        assert_eq!(text.matches("},\n  {").count(), 1);
        assert!(text.contains("\"market_share\": null, \"oak_queued\": null, "));
        assert!(text.ends_with("\"aegis_from_price\": 0.0, \"aegis_from_other\": 0.0}\n]\n"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
        assert_eq!(v[1]["active_deals"], serde_json::json!(0));
    }
}
