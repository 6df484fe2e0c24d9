//! The cost of a sensitivity sweep's indices beyond its runs (BENCHMARKS.md,
//! "Sensitivity"): 20 factors, N = 2^14 base samples (360,448 rows), 100
//! bootstrap resamples.
//!
//! 1. The estimators alone: S1, ST and their intervals of 8 outputs, one
//!    output at a time as the finishing step runs them (each one's
//!    resamples in parallel).
//! 2. The finishing step itself on a folder: `sensitivity.csv` from a
//!    runs.parquet of 360,448 rows (reading each main metric's column, the
//!    row means, the indices of the 6 main metrics, the file).
//!
//! The outputs are test functions of the rows' unit values, not runs of
//! the model: the runs' own time is the sweep's (BENCHMARKS.md, "Sweeps").
//! A plain timer, not criterion: each step takes seconds, not microseconds.

use std::sync::Arc;
use std::time::Instant;

use arrow_array::builder::{Float64Builder, StringBuilder, UInt32Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use canopy_sweep::defaults::MAIN_METRICS;
use canopy_sweep::sensitivity::layout::unit_rows;
use canopy_sweep::sensitivity::{resamples, sobol, write, z};
use canopy_sweep::{parquet_io, read};

const FACTORS: usize = 20;
const SAMPLES: u64 = 1 << 14;

/// Output `k` of a row: a sum of a few factors' effects and one
/// interaction, different for each output.
fn output(k: usize, u: &[f64]) -> f64 {
    let mut y = 0.0;
    for (j, x) in u.iter().enumerate() {
        y += (x - 0.5) * ((j + k) % 7) as f64 / (1.0 + j as f64);
    }
    y + 3.0 * (u[k % FACTORS] - 0.5) * (u[(k + 3) % FACTORS] - 0.5) + (6.0 * u[k]).sin()
}

fn main() {
    let mut text = format!(
        "[sweep]\nscenario = \"stress\"\nmode = \"sobol\"\nsamples = {SAMPLES}\nkeep_months = []\n"
    );
    for j in 0..FACTORS {
        text.push_str(&format!(
            "\n[[factor]]\nkey = \"deal[{j}].tvl.amount\"\nrange = [1e6, 2e6]\n"
        ));
    }
    let sweep = read("bench.toml", &text).unwrap();
    let s = sweep.sensitivity.clone().unwrap();
    let rows = unit_rows(&s, 7);
    assert_eq!(rows.len() as u64, SAMPLES * (FACTORS as u64 + 2));
    let outputs: Vec<Vec<f64>> = (0..8)
        .map(|k| rows.iter().map(|u| output(k, u)).collect())
        .collect();

    // 1. The estimators of 8 outputs.
    let start = Instant::now();
    let r = resamples(SAMPLES as usize, 100, 7);
    let z = z(0.95);
    let indices: Vec<_> = outputs
        .iter()
        .map(|y| sobol::analyze(y, FACTORS, false, &r, z).unwrap())
        .collect();
    let estimators = start.elapsed().as_secs_f64();
    println!(
        "indices and intervals of 8 outputs, {FACTORS} factors, N = {SAMPLES}, 100 resamples: {estimators:.3} s (S1 of factor 0, output 0: {:.4})",
        indices[0].orders[0].s1
    );

    // 2. The finishing step on a folder.
    let dir = tempfile::tempdir().unwrap();
    let schema = Arc::new(Schema::new(
        [
            Field::new("point", DataType::UInt32, false),
            Field::new("status", DataType::Utf8, false),
        ]
        .into_iter()
        .chain(
            MAIN_METRICS
                .iter()
                .map(|m| Field::new(*m, DataType::Float64, true)),
        )
        .collect::<Vec<_>>(),
    ));
    let mut w =
        parquet_io::Writer::create(&dir.path().join("runs.parquet"), schema.clone()).unwrap();
    for lo in (0..rows.len()).step_by(8192) {
        let hi = (lo + 8192).min(rows.len());
        let mut point = UInt32Builder::new();
        let mut status = StringBuilder::new();
        for p in lo..hi {
            point.append_value(p as u32);
            status.append_value("ok");
        }
        let mut columns: Vec<ArrayRef> = vec![Arc::new(point.finish()), Arc::new(status.finish())];
        for output in outputs.iter().take(MAIN_METRICS.len()) {
            let mut b = Float64Builder::new();
            for y in &output[lo..hi] {
                b.append_value(*y);
            }
            columns.push(Arc::new(b.finish()));
        }
        w.write(&RecordBatch::try_new(schema.clone(), columns).unwrap())
            .unwrap();
    }
    w.finish().unwrap();
    let start = Instant::now();
    let runs = [dir.path().join("runs.parquet")];
    let found = write(dir.path(), &runs, &sweep, 7, 0).unwrap().unwrap();
    let finishing = start.elapsed().as_secs_f64();
    println!(
        "sensitivity.csv of the {} main metrics from runs.parquet ({} rows): {finishing:.3} s",
        found.rankings.len(),
        rows.len()
    );
}
