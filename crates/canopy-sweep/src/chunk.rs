//! One chunk of runs, computed: its rows of `runs.parquet` and
//! `months.parquet` as Arrow record batches, and its failures.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::types::{Float64Type, UInt32Type};
use arrow_array::{ArrayRef, PrimitiveArray, RecordBatch};
use arrow_buffer::NullBuffer;
use canopy_model::{ColumnType, MonthRecord, RunError, Runner, Scenario, Value};

use crate::criteria::{Criterion, Met};
use crate::layout::{Layout, ValueType};
use crate::points::Plan;
use crate::seeds::RunSpec;
use crate::summary::{Outcome, SUMMARY_COLUMNS, SummaryType, summarise_numbers};

/// A run that did not end ok: a row of `failures.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The point.
    pub point: u32,
    /// The run within the point.
    pub run: u32,
    /// The run's seed.
    pub seed: u64,
    /// The month that failed; `None` for an invalid run.
    pub month: Option<u32>,
    /// What failed (a quantity), or the key whose value is not valid.
    pub quantity: String,
    /// What happened, in words.
    pub message: String,
}

/// The columns of `failures.csv`, in order.
pub const FAILURE_COLUMNS: [&str; 6] = ["point", "run", "seed", "month", "quantity", "message"];

impl Failure {
    /// Its `failures.csv` cells.
    pub fn cells(&self) -> [String; 6] {
        [
            self.point.to_string(),
            self.run.to_string(),
            self.seed.to_string(),
            self.month.map(|m| m.to_string()).unwrap_or_default(),
            self.quantity.clone(),
            self.message.clone(),
        ]
    }
}

/// A chunk's results.
#[derive(Clone, Debug)]
pub struct ChunkResult {
    /// Its rows of `runs.parquet`, one per run in order.
    pub runs: RecordBatch,
    /// Its rows of `months.parquet`; `None` when no metric is kept.
    pub months: Option<RecordBatch>,
    /// Its runs that were not ok, in order.
    pub failures: Vec<Failure>,
}

/// A column being built.
enum Builder {
    Float(Float64Builder),
    Int(Int64Builder),
    Text(StringBuilder),
    Bool(BooleanBuilder),
    Count(UInt32Builder),
}

impl Builder {
    /// A builder of `ty` with room for `n` values.
    fn of(ty: ValueType, n: usize) -> Builder {
        match ty {
            ValueType::Float => Builder::Float(Float64Builder::with_capacity(n)),
            ValueType::Int => Builder::Int(Int64Builder::with_capacity(n)),
            ValueType::Text => Builder::Text(StringBuilder::with_capacity(n, 8 * n)),
            ValueType::Bool => Builder::Bool(BooleanBuilder::with_capacity(n)),
        }
    }

    fn number(ty: ColumnType) -> Builder {
        match ty {
            ColumnType::Count => Builder::Count(UInt32Builder::new()),
            _ => Builder::Float(Float64Builder::new()),
        }
    }

    fn value(&mut self, v: &Value) {
        match (self, v) {
            (Builder::Float(b), v) => b.append_option(v.as_f64()),
            (Builder::Int(b), Value::Int(i)) => b.append_value(*i),
            (Builder::Text(b), Value::Str(s)) => b.append_value(s),
            (Builder::Bool(b), Value::Bool(x)) => b.append_value(*x),
            // A column's values share its first point's kind (the key's).
            (b, _) => b.null(),
        }
    }

    /// A number, or null; counts are whole numbers (exact in an f64).
    fn number_value(&mut self, x: Option<f64>) {
        match self {
            Builder::Float(b) => b.append_option(x),
            Builder::Count(b) => b.append_option(x.map(|x| x as u32)),
            Builder::Int(b) => b.append_option(x.map(|x| x as i64)),
            b => b.null(),
        }
    }

    fn null(&mut self) {
        match self {
            Builder::Float(b) => b.append_null(),
            Builder::Int(b) => b.append_null(),
            Builder::Text(b) => b.append_null(),
            Builder::Bool(b) => b.append_null(),
            Builder::Count(b) => b.append_null(),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Builder::Float(mut b) => Arc::new(b.finish()),
            Builder::Int(mut b) => Arc::new(b.finish()),
            Builder::Text(mut b) => Arc::new(b.finish()),
            Builder::Bool(mut b) => Arc::new(b.finish()),
            Builder::Count(mut b) => Arc::new(b.finish()),
        }
    }
}

/// The rows of a chunk being built.
struct Rows {
    point: UInt32Builder,
    run: UInt32Builder,
    seed: UInt64Builder,
    values: Vec<Builder>,
    status: StringBuilder,
    summary: SummaryRows,
    met: Vec<(BooleanBuilder, UInt32Builder)>,
    month_point: UInt32Builder,
    month_run: UInt32Builder,
    month: UInt32Builder,
    kept: Vec<Builder>,
}

/// What a worker keeps from one run to the next, so that their memory is
/// reused: the runner's state, and the last sampled run's scenario.
#[derive(Debug, Default)]
pub struct RunMemory<'p> {
    runner: Runner<'p>,
    spare: Option<Scenario>,
}

/// How a run went: ok (its months in the records the caller gave), failed
/// (the months completed go with the error), or the problem that made its
/// scenario invalid (key and message).
pub type RunResult = Result<Result<(), RunError>, (String, String)>;

impl Plan {
    /// Runs one run: its scenario with its seed and samples, through the
    /// engine, into `records` (kept by the caller from run to run with
    /// `memory`, so that their memory, the run's state and its scenario's
    /// are reused).
    pub fn simulate<'p>(
        &'p self,
        spec: &RunSpec,
        memory: &mut RunMemory<'p>,
        records: &mut Vec<MonthRecord>,
    ) -> RunResult {
        if self.sweep.samples.is_empty() && self.sweep.sensitivity.is_none() {
            // Only the seed differs from the point's scenario, and any
            // seed is valid: run it as it is, with that seed.
            let scenario = &self.points[spec.point].scenario;
            return Ok(memory.runner.run_seeded_into(scenario, spec.seed, records));
        }
        let scenario = match memory.spare.take() {
            Some(spare) => self.run_scenario_reusing(spec, spare),
            None => self.run_scenario(spec),
        };
        match scenario {
            Ok(scenario) => {
                let seed = scenario.simulation.seed;
                let run = canopy_model::run_seeded_into(&scenario, seed, records);
                memory.spare = Some(scenario.into_inner());
                Ok(run)
            }
            Err(e) => {
                let first = e.problems.first();
                Err((
                    first.map(|p| p.path.clone()).unwrap_or_default(),
                    e.problems
                        .iter()
                        .enumerate()
                        .map(|(i, p)| {
                            // The first problem's key is the quantity column.
                            if i == 0 || p.path.is_empty() {
                                p.message.clone()
                            } else {
                                format!("{}: {}", p.path, p.message)
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ))
            }
        }
    }
}

impl Plan {
    /// What a run made of criterion `c`; `None` unless the run is ok. A
    /// fractional limit takes its key's value in the run's own scenario:
    /// its sampled value, or its point's.
    pub fn criterion_met(
        &self,
        c: &Criterion,
        spec: &RunSpec,
        records: &[MonthRecord],
        outcome: &Outcome,
    ) -> Option<Met> {
        if *outcome != Outcome::Ok {
            return None;
        }
        let scenario = &self.points[spec.point].scenario;
        // The run's own changes (a factor's or a sample's value) first,
        // then its point's scenario; only a fractional limit asks.
        let limit = c.limit_with(|key| {
            self.run_changes(spec)
                .into_iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| v.as_f64())
                .or_else(|| scenario.get(key).ok().and_then(|v| v.as_f64()))
        })?;
        let month = c.first_month(records, limit);
        Some(Met {
            met: month.is_some(),
            month,
        })
    }
}

/// The summary's numbers after `status`, one row per run.
const WIDTH: usize = SUMMARY_COLUMNS.len() - 1;

/// Runs kept row by row before they are moved into columns.
const STAGED: usize = 256;

/// Columns moved together from the staged rows: four of a row's cells
/// (16 bytes each) are one cache line.
const BLOCK: usize = 4;

/// Which of the summary's numbers after `status` are counts (uint32).
const IS_COUNT: [bool; WIDTH] = {
    let mut out = [false; WIDTH];
    let mut j = 0;
    while j < WIDTH {
        out[j] = matches!(
            SUMMARY_COLUMNS[j + 1].ty,
            SummaryType::Number(ColumnType::Count)
        );
        j += 1;
    }
    out
};

/// The summary's numbers of a chunk's runs: the latest runs row by row (a
/// row copied whole per run, cheaper than a push per cell), moved into
/// columns of values and validity every [`STAGED`] runs, so that memory
/// stays at about 9 bytes a cell. Counts are made whole numbers as they
/// are moved, while their rows are still in the cache.
struct SummaryRows {
    staged: Vec<Option<f64>>,
    /// Each column's values; empty for counts.
    values: Vec<Vec<f64>>,
    /// Each count column's values; empty for the others.
    counts: Vec<Vec<u32>>,
    valid: Vec<Vec<bool>>,
    /// Each column's nulls so far, counted while its rows are in the cache.
    nulls: [usize; WIDTH],
}

impl SummaryRows {
    /// Room for `n` runs.
    fn with_capacity(n: usize) -> SummaryRows {
        let room = |count: bool, yes: bool| if count == yes { n } else { 0 };
        SummaryRows {
            staged: Vec::with_capacity(STAGED * WIDTH),
            values: IS_COUNT
                .iter()
                .map(|&c| Vec::with_capacity(room(c, false)))
                .collect(),
            counts: IS_COUNT
                .iter()
                .map(|&c| Vec::with_capacity(room(c, true)))
                .collect(),
            valid: (0..WIDTH).map(|_| Vec::with_capacity(n)).collect(),
            nulls: [0; WIDTH],
        }
    }

    /// Adds the run's row: its numbers written in place.
    fn push(&mut self, records: &[MonthRecord], outcome: &Outcome) {
        let at = self.staged.len();
        self.staged.resize(at + WIDTH, None);
        let row = <&mut [_; WIDTH]>::try_from(&mut self.staged[at..]).expect("a row is WIDTH wide");
        summarise_numbers(records, outcome, row);
        if self.staged.len() >= STAGED * WIDTH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        // A few columns at a time, each staged row read once for them (one
        // cache line of it) into a small tile, then the tile's columns
        // copied onto the chunk's.
        let rows = self.staged.len() / WIDTH;
        let mut tile = [[0.0; STAGED]; BLOCK];
        let mut tile_valid = [[false; STAGED]; BLOCK];
        for first in (0..WIDTH).step_by(BLOCK) {
            let block = first..(first + BLOCK).min(WIDTH);
            let mut missing = [0; BLOCK];
            for (r, row) in self.staged.chunks_exact(WIDTH).enumerate() {
                for (k, x) in row[block.clone()].iter().enumerate() {
                    tile[k][r] = x.unwrap_or(0.0);
                    tile_valid[k][r] = x.is_some();
                    missing[k] += usize::from(x.is_none());
                }
            }
            for (k, j) in block.enumerate() {
                if IS_COUNT[j] {
                    // Whole numbers (exact in an f64); a null's 0 stays 0.
                    let whole = tile[k][..rows].iter().map(|&x| x as u32);
                    self.counts[j].extend(whole);
                } else {
                    self.values[j].extend_from_slice(&tile[k][..rows]);
                }
                self.nulls[j] += missing[k];
                self.valid[j].extend_from_slice(&tile_valid[k][..rows]);
            }
        }
        self.staged.clear();
    }

    /// The columns, in [`SUMMARY_COLUMNS`] order after `status`.
    fn finish(mut self) -> Vec<ArrayRef> {
        self.flush();
        let columns = IS_COUNT.iter().zip(self.values).zip(self.counts);
        columns
            .zip(self.valid.into_iter().zip(self.nulls))
            .map(|(((&count, values), counts), (valid, nulls))| {
                let nulls = (nulls > 0).then(|| NullBuffer::from(valid));
                let column: ArrayRef = if count {
                    Arc::new(PrimitiveArray::<UInt32Type>::new(counts.into(), nulls))
                } else {
                    // Every other summary column after `status` is a float.
                    Arc::new(PrimitiveArray::<Float64Type>::new(values.into(), nulls))
                };
                column
            })
            .collect()
    }
}

/// Runs the runs whose global indices (`point * runs + run`) are `indices`,
/// in order, and gives their rows.
pub fn compute(plan: &Plan, layout: &Layout, indices: impl Iterator<Item = u64>) -> ChunkResult {
    // Room for every run's row from the start: growing a chunk's columns
    // by doubling copied each of them over and over.
    let n = indices.size_hint().0;
    let mut rows = Rows {
        point: UInt32Builder::with_capacity(n),
        run: UInt32Builder::with_capacity(n),
        seed: UInt64Builder::with_capacity(n),
        values: layout
            .axis_types
            .iter()
            .chain(&layout.sample_types)
            .map(|t| Builder::of(*t, n))
            .collect(),
        status: StringBuilder::with_capacity(n, 2 * n),
        summary: SummaryRows::with_capacity(n),
        met: plan
            .sweep
            .criteria
            .iter()
            .map(|_| {
                (
                    BooleanBuilder::with_capacity(n),
                    UInt32Builder::with_capacity(n),
                )
            })
            .collect(),
        month_point: UInt32Builder::new(),
        month_run: UInt32Builder::new(),
        month: UInt32Builder::new(),
        kept: layout.kept.iter().map(|c| Builder::number(c.ty)).collect(),
    };
    let mut failures = Vec::new();
    // One run's records, state and scenario at a time, their memory kept
    // for the next run.
    let mut kept = Vec::new();
    let mut memory = RunMemory::default();
    let runs = plan.sweep.runs;
    for g in indices {
        let (point, run) = ((g / runs) as usize, g % runs);
        let spec = plan.run_spec(point, run);
        let result = plan.simulate(&spec, &mut memory, &mut kept);
        let (records, outcome): (&[MonthRecord], Outcome) = match &result {
            Ok(run) => Outcome::of(run, &kept),
            Err(_) => (&[], Outcome::Invalid),
        };
        let (p32, r32) = (point as u32, run as u32);
        rows.point.append_value(p32);
        rows.run.append_value(r32);
        rows.seed.append_value(spec.seed);
        let axis_values = &plan.points[point].values;
        for (b, v) in rows
            .values
            .iter_mut()
            .zip(axis_values.iter().chain(&spec.samples))
        {
            b.value(v);
        }
        rows.status.append_value(outcome.status());
        rows.summary.push(records, &outcome);
        for (c, (met, month)) in plan.sweep.criteria.iter().zip(&mut rows.met) {
            match plan.criterion_met(c, &spec, records, &outcome) {
                Some(m) => {
                    met.append_value(m.met);
                    month.append_option(m.month);
                }
                None => {
                    met.append_null();
                    month.append_null();
                }
            }
        }
        if !layout.kept.is_empty() {
            for r in records {
                rows.month_point.append_value(p32);
                rows.month_run.append_value(r32);
                rows.month.append_value(r.month);
                for (b, c) in rows.kept.iter_mut().zip(&layout.kept) {
                    b.number_value((c.get)(r));
                }
            }
        }
        let failure = |month, quantity: &str, message: String| Failure {
            point: p32,
            run: r32,
            seed: spec.seed,
            month,
            quantity: quantity.to_string(),
            message,
        };
        match &result {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => failures.push(failure(Some(e.month), e.quantity(), e.detail())),
            Err((key, message)) => failures.push(failure(None, key, message.clone())),
        }
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(rows.point.finish()),
        Arc::new(rows.run.finish()),
        Arc::new(rows.seed.finish()),
    ];
    columns.extend(rows.values.into_iter().map(Builder::finish));
    columns.push(Arc::new(rows.status.finish()));
    columns.extend(rows.summary.finish());
    for (mut met, mut month) in rows.met {
        columns.push(Arc::new(met.finish()));
        columns.push(Arc::new(month.finish()));
    }
    let runs =
        RecordBatch::try_new(layout.runs.clone(), columns).expect("the columns follow the layout");
    let months = layout.months.as_ref().map(|schema| {
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(rows.month_point.finish()),
            Arc::new(rows.month_run.finish()),
            Arc::new(rows.month.finish()),
        ];
        columns.extend(rows.kept.into_iter().map(Builder::finish));
        RecordBatch::try_new(schema.clone(), columns).expect("the columns follow the layout")
    });
    ChunkResult {
        runs,
        months,
        failures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, Float64Array, UInt32Array};
    use canopy_model::{builtin, load, run};

    #[test]
    fn summary_rows_moved_into_columns_are_each_runs_own_numbers() {
        // More runs than several flushes hold, the last flush part-full,
        // ok runs of different lengths (their last months differ), failed
        // and invalid runs among them: every cell is its run's own number.
        let stress = load("stress", builtin::text("stress").unwrap(), &[]).unwrap();
        let months = run(&stress).unwrap();
        let n = 2 * STAGED + 37;
        let runs: Vec<(&[MonthRecord], Outcome)> = (0..n)
            .map(|i| match i % 3 {
                0 => (&months[..1 + i % months.len()], Outcome::Ok),
                1 => (
                    &months[..i % 20],
                    Outcome::Failed {
                        month: (i % 20) as u32 + 1,
                        quantity: "AEGIS LEAF",
                    },
                ),
                _ => (&months[..0], Outcome::Invalid),
            })
            .collect();
        let mut rows = SummaryRows::with_capacity(n / 2);
        for (records, outcome) in &runs {
            rows.push(records, outcome);
        }
        let columns = rows.finish();
        assert_eq!(columns.len(), WIDTH);
        for (column, c) in columns.iter().zip(&SUMMARY_COLUMNS[1..]) {
            let SummaryType::Number(ty) = c.ty else {
                panic!("{} is not a number", c.name)
            };
            let want = crate::layout::metric_type(ty);
            assert_eq!(column.data_type(), &want, "{}", c.name);
        }
        for (i, (records, outcome)) in runs.iter().enumerate() {
            let mut want = [None; WIDTH];
            summarise_numbers(records, outcome, &mut want);
            for (j, column) in columns.iter().enumerate() {
                assert_eq!(column.len(), n);
                let got = column.is_valid(i).then(|| {
                    let any = column.as_any();
                    match any.downcast_ref::<Float64Array>() {
                        Some(a) => a.value(i),
                        None => f64::from(any.downcast_ref::<UInt32Array>().unwrap().value(i)),
                    }
                });
                let name = SUMMARY_COLUMNS[j + 1].name;
                assert_eq!(
                    got.map(f64::to_bits),
                    want[j].map(f64::to_bits),
                    "run {i}, {name}"
                );
            }
        }
    }
}
