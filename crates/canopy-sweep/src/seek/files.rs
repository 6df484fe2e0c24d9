//! What a seek writes: `runs.parquet` (every run of every value, with a
//! `value` column), `seek.csv`, `seek.json` and the report.

use std::io;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use canopy_output::atomic;
use canopy_output::csv_cell as cell;
use canopy_output::sweep_report::{SeekPoint, SeekReport, TextTable};

use super::{Answer, SeekOptions, answer_line};
use crate::chunk::ChunkResult;
use crate::file::SeekFile;
use crate::folder::{REPORT, RUNS};
use crate::layout::Layout;
use crate::parquet_io;
use crate::points::Plan;

/// `seek.csv`.
pub const SEEK_CSV: &str = "seek.csv";
/// `seek.json`.
pub const SEEK_JSON: &str = "seek.json";

/// `runs.parquet`, written value by value as they are evaluated.
pub struct RunsWriter {
    path: std::path::PathBuf,
    inner: Option<(parquet_io::Writer, SchemaRef)>,
}

impl RunsWriter {
    /// A writer of `dir/runs.parquet` (placed by [`RunsWriter::finish`]).
    pub fn new(dir: &Path) -> io::Result<RunsWriter> {
        Ok(RunsWriter {
            path: dir.join(RUNS),
            inner: None,
        })
    }

    /// Writes one value's runs, each row headed by the value.
    pub fn write(&mut self, plan: &Plan, value: f64, chunks: &[ChunkResult]) -> io::Result<()> {
        if self.inner.is_none() {
            let layout = Layout::of(plan);
            let mut fields = vec![Arc::new(Field::new("value", DataType::Float64, false))];
            fields.extend(layout.runs.fields().iter().cloned());
            let schema = Arc::new(Schema::new(fields));
            self.inner = Some((
                parquet_io::Writer::create(&self.path, schema.clone())?,
                schema,
            ));
        }
        let Some((w, schema)) = self.inner.as_mut() else {
            return Ok(());
        };
        // One row group per value, not per chunk of runs.
        let batches = chunks
            .iter()
            .map(|c| {
                let mut columns: Vec<ArrayRef> =
                    vec![Arc::new(Float64Array::from(vec![value; c.runs.num_rows()]))];
                columns.extend(c.runs.columns().iter().cloned());
                RecordBatch::try_new(schema.clone(), columns).map_err(io::Error::other)
            })
            .collect::<io::Result<Vec<_>>>()?;
        if batches.is_empty() {
            return Ok(());
        }
        w.write_group(&batches)
    }

    /// Places the file.
    pub fn finish(self) -> io::Result<()> {
        match self.inner {
            Some((w, _)) => w.finish(),
            None => Ok(()),
        }
    }
}

fn json_number(x: f64) -> serde_json::Value {
    serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// Writes `seek.csv`, `seek.json` and (if asked) the report.
pub fn write(dir: &Path, file: &SeekFile, a: &Answer, opts: &SeekOptions) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["value", "runs", "k", "p", "hi", "safe"])?;
    let rows: Vec<Vec<String>> = a
        .evaluations
        .iter()
        .map(|e| {
            vec![
                cell(Some(e.value)),
                e.runs.to_string(),
                e.k.to_string(),
                cell(e.p()),
                cell(Some(e.hi)),
                e.safe.to_string(),
            ]
        })
        .collect();
    for r in &rows {
        w.write_record(r)?;
    }
    let csv_bytes = w
        .into_inner()
        .map_err(|e| io::Error::other(e.to_string()))?;
    let c = &file.sweep.criteria[0];
    let json = serde_json::json!({
        "key": file.key.path,
        "goal": file.goal.name(),
        "low": json_number(file.low),
        "high": json_number(file.high),
        "criterion": c.text(),
        "max_probability": json_number(file.max_probability),
        "confidence": json_number(file.sweep.confidence),
        "runs": file.sweep.runs,
        "answer": a.answer.map(json_number),
        "bracket": a.bracket.map(|(lo, hi)| vec![json_number(lo), json_number(hi)]),
        "monotone": a.monotone,
        "safe_intervals": a.safe_intervals.iter().map(|(lo, hi)| vec![json_number(*lo), json_number(*hi)]).collect::<Vec<_>>(),
        "command": a.command,
        "line": answer_line(file, a),
    });
    let json_text = serde_json::to_string_pretty(&json).map_err(io::Error::other)? + "\n";
    atomic::write_all_atomic(&[
        (dir.join(SEEK_CSV), csv_bytes.as_slice()),
        (dir.join(SEEK_JSON), json_text.as_bytes()),
    ])?;
    if opts.report {
        let mut points: Vec<SeekPoint> = a
            .evaluations
            .iter()
            .map(|e| SeekPoint {
                value: e.value,
                p: e.p(),
                hi: e.hi,
                safe: e.safe,
            })
            .collect();
        points.sort_by(|x, y| x.value.total_cmp(&y.value));
        let report = SeekReport {
            title: file.sweep.source_name.clone(),
            version: opts.version.clone(),
            key: file.key.path.clone(),
            answer_line: answer_line(file, a),
            answer: a.answer,
            max_probability: file.max_probability,
            settings: vec![
                (
                    "scenario".into(),
                    file.sweep.scenario.clone().unwrap_or_default(),
                ),
                ("key".into(), file.key.path.clone()),
                ("range".into(), format!("{} to {}", file.low, file.high)),
                ("goal".into(), file.goal.name().into()),
                ("criterion".into(), c.text()),
                ("max probability".into(), file.max_probability.to_string()),
                ("confidence".into(), file.sweep.confidence.to_string()),
                ("runs per value".into(), file.sweep.runs.to_string()),
                ("tolerance".into(), file.tolerance.to_string()),
                ("scan".into(), file.scan.to_string()),
                (
                    "reproduce run 0 at the answer".into(),
                    a.command.clone().unwrap_or_default(),
                ),
            ],
            points,
            table: TextTable {
                header: ["value", "runs", "k", "p", "hi", "safe"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                rows,
            },
            monotone: a.monotone,
            safe_intervals: a
                .safe_intervals
                .iter()
                .map(|(lo, hi)| format!("{lo} to {hi}"))
                .collect(),
        };
        canopy_output::sweep_report::write_seek(dir, &report)?;
    } else {
        crate::folder::remove_if_there(&dir.join(REPORT))?;
        crate::folder::remove_charts(dir)?;
    }
    Ok(())
}
