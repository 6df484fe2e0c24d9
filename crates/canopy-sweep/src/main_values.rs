//! The main metrics' values of a sweep's ok runs, point by point, gathered
//! from each chunk as its worker finishes it: the points pass then sorts
//! them where they are, rather than reading them back from the chunks'
//! files once the runs are done (which was about half of the work left
//! at the end of a 1,000,000-run sweep).
//!
//! Only a whole sweep run in one go gathers (a resumed one has chunks it
//! did not compute), and only while the values fit in [`MAIN_VALUES_BYTES`]:
//! memory stays bounded whatever the runs, and a larger sweep reads the
//! values back from its files as before. Either way the points are the
//! same, to the last bit: each point's values are sorted before use, so
//! the order in which chunks finish does not matter.

use std::sync::Mutex;

use arrow_array::{Array, RecordBatch, StringArray, UInt32Array};

use crate::columns::Numbers;
use crate::defaults::MAIN_METRICS;

/// The most bytes the gathered values may take (for each main metric, 8
/// bytes a run and [`POINT_BYTES`] a point): about 1.4 million runs of one
/// point, fewer where there are many points.
pub(crate) const MAIN_VALUES_BYTES: u64 = 64 << 20;

/// What a point's values of one metric take beyond the values: the
/// vector and its allocation's own bookkeeping.
const POINT_BYTES: u64 = 64;

/// The main metrics' values gathered so far, and how many runs' rows.
#[derive(Debug)]
pub(crate) struct MainValues {
    inner: Mutex<Values>,
}

/// For each main metric, each point's values; and the rows gathered.
#[derive(Debug, Default)]
struct Values {
    by_metric: Vec<Vec<Vec<f64>>>,
    rows: u64,
    /// A batch came without the columns a chunk has: nothing gathered is
    /// to be trusted.
    spoiled: bool,
}

impl MainValues {
    /// Room for `points` points of `runs` runs each, or `None` where
    /// their values would take more than `budget` bytes.
    pub fn within(points: usize, runs: u64, budget: u64) -> Option<MainValues> {
        let per_point = runs.checked_mul(8)?.checked_add(POINT_BYTES)?;
        let bytes = (points as u64)
            .checked_mul(per_point)?
            .checked_mul(MAIN_METRICS.len() as u64)?;
        if bytes > budget {
            return None;
        }
        // Every value's room from the start: a point's runs are known.
        let by_metric = MAIN_METRICS
            .iter()
            .map(|_| {
                (0..points)
                    .map(|_| Vec::with_capacity(runs as usize))
                    .collect()
            })
            .collect();
        Some(MainValues {
            inner: Mutex::new(Values {
                by_metric,
                ..Values::default()
            }),
        })
    }

    /// Adds a chunk's rows of `runs.parquet`: each ok run's value of each
    /// main metric, where it has one, to its point's.
    pub fn add(&self, batch: &RecordBatch) {
        let column = |name| batch.column_by_name(name).map(|a| a.as_any());
        let point = column("point").and_then(|a| a.downcast_ref::<UInt32Array>());
        let status = column("status").and_then(|a| a.downcast_ref::<StringArray>());
        let (Some(point), Some(status)) = (point, status) else {
            self.lock().spoiled = true;
            return;
        };
        // Each row's point and status read before the lock is taken (but
        // for a chunk of one point, all ok, with a metric not plain
        // floats: rare).
        let points = point.values();
        let first = points.first().copied().unwrap_or(0);
        let rows = || -> Vec<(u32, bool)> { points.iter().copied().zip(ok_rows(status)).collect() };
        // Most often the whole chunk is one point, every run ok: each
        // metric's values copied whole.
        let one_point_all_ok = points.iter().all(|&p| p == first) && ok_rows(status).all(|ok| ok);
        let mut each_row = (!one_point_all_ok).then(rows);
        let mut values = self.lock();
        for (metric, out) in MAIN_METRICS.iter().zip(&mut values.by_metric) {
            let numbers = Numbers::of(batch, metric);
            if let (Numbers::Float(a), true, Some(v)) =
                (&numbers, one_point_all_ok, out.get_mut(first as usize))
                && a.null_count() == 0
            {
                v.extend_from_slice(a.values());
                continue;
            }
            for (i, &(p, ok)) in each_row.get_or_insert_with(rows).iter().enumerate() {
                if let (true, Some(x), Some(v)) = (ok, numbers.get(i), out.get_mut(p as usize)) {
                    v.push(x);
                }
            }
        }
        values.rows += batch.num_rows() as u64;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Values> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Each main metric's values, point by point (in no order), if they
    /// are those of `rows` rows over `points` points.
    pub fn take(self, rows: u64, points: usize) -> Option<Vec<Vec<Vec<f64>>>> {
        let values = self.inner.into_inner().unwrap_or_else(|e| e.into_inner());
        let whole = !values.spoiled
            && values.rows == rows
            && values.by_metric.iter().all(|m| m.len() == points);
        whole.then_some(values.by_metric)
    }
}

/// Whether each row's status is `ok`, read from the column's bytes: a
/// comparison of text per row took longer than the rest of a chunk's
/// gathering.
fn ok_rows(status: &StringArray) -> impl Iterator<Item = bool> + '_ {
    let (offsets, text) = (status.value_offsets(), status.value_data());
    (0..status.len()).map(move |i| {
        let (from, to) = (offsets[i] as usize, offsets[i + 1] as usize);
        status.is_valid(i) && to - from == 2 && text[from] == b'o' && text[from + 1] == b'k'
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array};
    use arrow_schema::{DataType, Field, Schema};

    /// A batch of rows (point, status, value of every main metric).
    fn batch(rows: &[(u32, &str, Option<f64>)]) -> RecordBatch {
        let mut fields = vec![
            Field::new("point", DataType::UInt32, false),
            Field::new("status", DataType::Utf8, false),
        ];
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1))),
        ];
        for (k, m) in MAIN_METRICS.iter().enumerate() {
            fields.push(Field::new(*m, DataType::Float64, true));
            // Each metric its own values: the value plus the metric's index.
            columns.push(Arc::new(Float64Array::from_iter(
                rows.iter().map(|r| r.2.map(|x| x + k as f64)),
            )));
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
    }

    #[test]
    fn each_ok_runs_values_go_to_its_point_and_the_rest_are_left_out() {
        let g = MainValues::within(2, 3, u64::MAX).unwrap();
        // One point, all ok (copied whole), then a mixed chunk.
        g.add(&batch(&[(0, "ok", Some(1.0)), (0, "ok", Some(2.0))]));
        g.add(&batch(&[
            (0, "failed", Some(9.0)),
            (1, "ok", Some(3.0)),
            (1, "ok", None),
            (1, "invalid", None),
        ]));
        let by_metric = g.take(6, 2).expect("every row gathered");
        for (k, points) in by_metric.iter().enumerate() {
            let k = k as f64;
            assert_eq!(points, &vec![vec![1.0 + k, 2.0 + k], vec![3.0 + k]]);
        }
    }

    #[test]
    fn a_null_a_point_past_the_last_and_counts_are_read_as_the_files_are() {
        let g = MainValues::within(2, 4, u64::MAX).unwrap();
        // One point, all ok, one value null: not copied whole.
        g.add(&batch(&[(1, "ok", Some(1.0)), (1, "ok", None)]));
        // A point past the last: its values go nowhere, its row counts.
        g.add(&batch(&[(2, "ok", Some(5.0)), (0, "ok", Some(2.0))]));
        let by_metric = g.take(4, 2).expect("every row gathered");
        assert_eq!(by_metric[0], vec![vec![2.0], vec![1.0]]);
        // A metric held as counts (uint32) is read as numbers.
        let g = MainValues::within(1, 2, u64::MAX).unwrap();
        let counts = RecordBatch::try_new(
            Arc::new(Schema::new(vec![
                Field::new("point", DataType::UInt32, false),
                Field::new("status", DataType::Utf8, false),
                Field::new(MAIN_METRICS[0], DataType::UInt32, true),
            ])),
            vec![
                Arc::new(UInt32Array::from(vec![0, 0])),
                Arc::new(StringArray::from(vec!["ok", "ok"])),
                Arc::new(UInt32Array::from(vec![Some(7), None])),
            ],
        )
        .unwrap();
        g.add(&counts);
        let by_metric = g.take(2, 1).expect("every row gathered");
        assert_eq!(by_metric[0], vec![vec![7.0]]);
        assert_eq!(by_metric[1], vec![Vec::<f64>::new()], "no such column");
    }

    #[test]
    fn a_status_is_ok_only_where_its_text_is_ok() {
        let status = StringArray::from(vec![
            Some("ok"),
            Some("failed"),
            None,
            Some("invalid"),
            Some("okay"),
            Some("o"),
            Some("ok"),
        ]);
        let ok: Vec<bool> = ok_rows(&status).collect();
        assert_eq!(ok, [true, false, false, false, false, false, true]);
        // A slice of a larger column: its own rows.
        let ok: Vec<bool> = ok_rows(&status.slice(4, 3)).collect();
        assert_eq!(ok, [false, false, true]);
    }

    #[test]
    fn values_past_the_budget_or_rows_not_all_there_are_not_trusted() {
        // 6 metrics x (8 bytes x 10 runs + 64 a point) = 864 bytes.
        assert!(MainValues::within(1, 10, 863).is_none());
        assert!(MainValues::within(1, 10, 864).is_some());
        // Many points of one run each: their vectors count too.
        assert!(MainValues::within(1_000_000, 1, MAIN_VALUES_BYTES).is_none());
        assert!(MainValues::within(usize::MAX, u64::MAX, u64::MAX).is_none());
        let g = MainValues::within(1, 10, 864).unwrap();
        g.add(&batch(&[(0, "ok", Some(1.0))]));
        assert!(g.take(2, 1).is_none(), "a row missing");
        let g = MainValues::within(1, 10, 864).unwrap();
        g.add(&batch(&[(0, "ok", Some(1.0)), (0, "ok", Some(2.0))]));
        assert!(g.take(1, 1).is_none(), "a row too many");
        let g = MainValues::within(1, 10, 864).unwrap();
        g.add(&batch(&[(0, "ok", Some(1.0))]));
        assert!(g.take(1, 2).is_none(), "a point missing");
        let g = MainValues::within(1, 10, 864).unwrap();
        let no_status = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new(
                "point",
                DataType::UInt32,
                false,
            )])),
            vec![Arc::new(UInt32Array::from(vec![0]))],
        )
        .unwrap();
        g.add(&no_status);
        assert!(g.take(1, 1).is_none(), "a batch without a status");
    }
}
