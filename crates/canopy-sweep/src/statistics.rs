//! What a sweep writes once its runs are in `runs.parquet` and
//! `months.parquet`: `bands.csv` and `bands.parquet`, `points.csv` and the
//! report. Everything here is read back from those two files (or, while
//! `runs.parquet` is being joined, from the chunks it is joined from, the
//! same rows in the same order), so that a whole sweep, a resumed one and
//! merged shards are finished by the same code from the same rows; only
//! the main metrics' values of a sweep run in one go may come from memory
//! instead ([`MainValues`]), the same values.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{Float64Builder, StringBuilder, UInt32Builder, UInt64Builder};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use canopy_model::column;
use canopy_output::atomic;
use canopy_output::csv_cell as cell;
use rayon::prelude::*;

use crate::bands::{
    Band, BandRow, Bands, band, band_of_sorted, quantile, quantile_name, sort_total,
};
use crate::columns::{Numbers, point_column, status_column, text_at};
use crate::criteria::{Count, Met};
use crate::defaults::shortfall_name;
use crate::file::Sweep;
use crate::folder::{
    BANDS_CSV, BANDS_PARQUET, MONTHS, POINTS, REPORT, RUNS, remove_charts, remove_if_there,
};
use crate::intervals::expected_shortfall;
use crate::main_values::MainValues;
use crate::parquet_io;

pub use crate::defaults::{FAN_QUANTILES, MAIN_METRICS};
pub use crate::findings::{Fan, Findings, Response};

/// The most bytes of values that the bands hold at once: the values of as
/// many cells (a month and a kept metric) of one point as fit, at least
/// one cell's. A point whose cells do not all fit is read in more than one
/// pass over `months.parquet`, a range of its cells each time.
const BAND_BYTES: u64 = 64 << 20;

/// The ranges of cells (month - 1) * metrics + metric that one pass over
/// `months.parquet` gathers, so that one point's values in a pass take at
/// most [`BAND_BYTES`] (or one cell's values, if more). The last range is
/// open: months past those known (a damaged file) extend it.
fn passes(runs: u64, cells: usize, budget: u64) -> Vec<std::ops::Range<usize>> {
    let per_pass = (budget / runs.max(1).saturating_mul(8)).max(1);
    let per_pass = usize::try_from(per_pass).unwrap_or(usize::MAX);
    if cells <= per_pass {
        let every_cell = 0..usize::MAX;
        return vec![every_cell];
    }
    let mut out: Vec<_> = (0..cells)
        .step_by(per_pass)
        .map(|lo| lo..lo + per_pass)
        .collect();
    if let Some(last) = out.last_mut() {
        last.end = usize::MAX;
    }
    out
}

/// Writes `bands.csv` and `bands.parquet` from `months.parquet`, one point
/// at a time; `months` gives each point's months (its scenario's
/// `simulation.months`). Gives the fans of every point and kept metric.
/// Memory stays within [`BAND_BYTES`] of values whatever the runs.
pub fn write_bands(dir: &Path, sweep: &Sweep, months: &[u32]) -> io::Result<Vec<Vec<Fan>>> {
    write_bands_within(dir, sweep, months, BAND_BYTES)
}

/// [`write_bands`] with at most `budget` bytes of one point's values at once.
fn write_bands_within(
    dir: &Path,
    sweep: &Sweep,
    months: &[u32],
    budget: u64,
) -> io::Result<Vec<Vec<Fan>>> {
    let kept: Vec<_> = sweep.keep_months.iter().filter_map(|n| column(n)).collect();
    if kept.is_empty() {
        remove_if_there(&dir.join(BANDS_CSV))?;
        remove_if_there(&dir.join(BANDS_PARQUET))?;
        return Ok(Vec::new());
    }
    // The quantiles asked for, then those the report draws.
    let mut qs = sweep.quantiles.clone();
    qs.extend(FAN_QUANTILES);
    let asked = sweep.quantiles.len();
    let mut fans: Vec<Vec<Fan>> = vec![Vec::new(); kept.len()];
    let mut csv = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = ["point", "month", "metric", "n", "mean"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(sweep.quantiles.iter().map(|&q| quantile_name(q)));
    csv.write_record(&header)?;
    let mut fields = vec![
        Field::new("point", DataType::UInt32, false),
        Field::new("month", DataType::UInt32, false),
        Field::new("metric", DataType::Utf8, false),
        Field::new("n", DataType::UInt64, false),
        Field::new("mean", DataType::Float64, true),
    ];
    for name in &header[5..] {
        fields.push(Field::new(name, DataType::Float64, true));
    }
    let schema = Arc::new(Schema::new(fields));
    let mut parquet = parquet_io::Writer::create(&dir.join(BANDS_PARQUET), schema.clone())?;

    // One point's rows, in month then metric order, into the files.
    let mut rows: Vec<(u32, BandRow)> = Vec::new();
    let mut flush = |point: u32,
                     point_rows: Vec<BandRow>,
                     csv: &mut csv::Writer<Vec<u8>>,
                     rows: &mut Vec<(u32, BandRow)>|
     -> io::Result<()> {
        for (k, fan) in fans.iter_mut().enumerate() {
            let mut f = Fan::default();
            for r in point_rows.iter().skip(k).step_by(kept.len()) {
                f.months.push(r.month);
                for (i, q) in f.quantiles.iter_mut().enumerate() {
                    q.push(r.band.quantiles[asked + i]);
                }
            }
            fan.push(f);
        }
        for r in point_rows {
            let Band { n, mean, quantiles } = &r.band;
            let mut record = vec![
                point.to_string(),
                r.month.to_string(),
                r.metric.to_string(),
                n.to_string(),
                cell(*mean),
            ];
            record.extend(quantiles[..asked].iter().map(|q| cell(*q)));
            csv.write_record(&record)?;
            rows.push((point, r));
        }
        Ok(())
    };
    // Points in order, each with rows for months 1..=N even where no run
    // reached a month (n = 0), and points no run reached at all.
    let point_count = crate::points::point_count(sweep)
        .unwrap_or(0)
        .max(months.len())
        .min(u32::MAX as usize) as u32;
    let months_of = |p: u32| months.get(p as usize).copied().unwrap_or(0);
    let most_months = months.iter().copied().max().unwrap_or(0) as usize;
    let passes = passes(sweep.runs, most_months * kept.len(), budget);
    if let [only] = passes.as_slice() {
        // The usual case: every point's values fit, one pass.
        each_point(dir, &kept, point_count, months_of, only, &qs, |e| match e {
            Gathered::Point(p, r) => flush(p, r, &mut csv, &mut rows),
            Gathered::Group(_) => write_rows(&mut rows, &mut parquet, &schema, asked),
        })?;
    } else {
        // Each point's rows, pass by pass, then written in order, in the
        // row groups one pass would write.
        let mut by_point: Vec<Vec<BandRow>> = vec![Vec::new(); point_count as usize];
        let mut groups = Vec::new();
        for (i, window) in passes.iter().enumerate() {
            each_point(dir, &kept, point_count, months_of, window, &qs, |e| {
                match e {
                    Gathered::Point(p, r) => {
                        // A point past the sweep's (a damaged file) too.
                        let p = p as usize;
                        if by_point.len() <= p {
                            by_point.resize_with(p + 1, Vec::new);
                        }
                        by_point[p].extend(r);
                    }
                    Gathered::Group(given) if i == 0 => groups.push(given),
                    Gathered::Group(_) => {}
                }
                Ok(())
            })?;
        }
        let mut groups = groups.into_iter().peekable();
        for (p, r) in by_point.into_iter().enumerate() {
            flush(p as u32, r, &mut csv, &mut rows)?;
            while groups.peek().is_some_and(|&g| g as usize <= p + 1) {
                groups.next();
                write_rows(&mut rows, &mut parquet, &schema, asked)?;
            }
        }
        write_rows(&mut rows, &mut parquet, &schema, asked)?;
    }
    let csv = csv
        .into_inner()
        .map_err(|e| io::Error::other(e.to_string()))?;
    parquet.finish()?;
    atomic::write_atomic(&dir.join(BANDS_CSV), &csv)?;
    Ok(fans)
}

/// What [`each_point`] gives, in order.
enum Gathered {
    /// A point's rows.
    Point(u32, Vec<BandRow>),
    /// The end of a group of points (the first this many), which one row
    /// group of `bands.parquet` holds.
    Group(u32),
}

/// Reads `months.parquet` once, gathering each point's values of the cells
/// in `window`, and gives every point below `point_count` its rows, in
/// point order (a point with no row in the file: n = 0 everywhere).
fn each_point(
    dir: &Path,
    kept: &[&'static canopy_model::Column],
    point_count: u32,
    months_of: impl Fn(u32) -> u32,
    window: &std::ops::Range<usize>,
    qs: &[f64],
    mut give: impl FnMut(Gathered) -> io::Result<()>,
) -> io::Result<()> {
    let fresh = |p: u32| Bands::window(kept.to_vec(), months_of(p), window.clone());
    let mut current: Option<(u32, Bands)> = None;
    let mut next = 0u32;
    let mut start = |p: u32, current: &mut Option<(u32, Bands)>| -> io::Result<()> {
        if let Some((cp, acc)) = current.take() {
            give(Gathered::Point(cp, acc.finish(qs)))?;
        }
        while next < p {
            give(Gathered::Point(next, fresh(next).finish(qs)))?;
            next += 1;
        }
        give(Gathered::Group(next))?;
        if p < point_count {
            *current = Some((p, fresh(p)));
            next = p + 1;
        }
        Ok(())
    };
    let months_path = dir.join(MONTHS);
    for batch in parquet_io::read(&months_path, None)? {
        let batch = batch?;
        let point = point_column(&batch)?;
        let month = Numbers::of(&batch, "month");
        let values: Vec<Numbers> = kept.iter().map(|c| Numbers::of(&batch, c.name)).collect();
        for i in 0..batch.num_rows() {
            let p = point.value(i);
            if current.as_ref().is_none_or(|(cp, _)| *cp != p) {
                start(p, &mut current)?;
            }
            // A point past those of the sweep (a damaged file) is left out.
            let Some((_, acc)) = current.as_mut() else {
                continue;
            };
            let m = month.get(i).unwrap_or(0.0) as u32;
            acc.add_month(m, values.iter().map(|v| v.get(i)));
        }
    }
    start(point_count, &mut current)
}

/// Writes the band rows gathered so far to `bands.parquet`, as one batch.
fn write_rows(
    rows: &mut Vec<(u32, BandRow)>,
    parquet: &mut parquet_io::Writer,
    schema: &Arc<Schema>,
    asked: usize,
) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut point = UInt32Builder::new();
    let mut month = UInt32Builder::new();
    let mut metric = StringBuilder::new();
    let mut n = UInt64Builder::new();
    let mut mean = Float64Builder::new();
    let mut quantiles: Vec<Float64Builder> = (0..asked).map(|_| Float64Builder::new()).collect();
    for (p, r) in rows.drain(..) {
        point.append_value(p);
        month.append_value(r.month);
        metric.append_value(r.metric);
        n.append_value(r.band.n);
        mean.append_option(r.band.mean);
        for (b, q) in quantiles.iter_mut().zip(&r.band.quantiles) {
            b.append_option(*q);
        }
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(point.finish()),
        Arc::new(month.finish()),
        Arc::new(metric.finish()),
        Arc::new(n.finish()),
        Arc::new(mean.finish()),
    ];
    columns.extend(
        quantiles
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef),
    );
    let batch = RecordBatch::try_new(schema.clone(), columns).map_err(io::Error::other)?;
    parquet.write(&batch)
}

/// One point's axis values and counts.
#[derive(Clone, Debug, Default)]
pub struct PointCounts {
    /// Its axis values as text.
    pub values: Vec<String>,
    /// Its runs.
    pub runs: u64,
    /// Its runs that were not ok.
    pub failed: u64,
}

/// Each row of `runs.parquet`, in file order: its point and whether it
/// is ok. Read once by [`point_counts`], so that the passes after it read
/// only their own columns. Kept small beside the passes' values (8 bytes
/// a run): a bit a run for the status, and the points only once one is
/// not the first (a sweep of one point keeps none).
#[derive(Default)]
struct RunRows {
    /// Every row's point; empty while every row so far is point 0.
    point: Vec<u32>,
    /// Bit `i % 64` of word `i / 64`: whether row `i` is ok.
    ok: Vec<u64>,
    len: usize,
}

impl RunRows {
    fn push(&mut self, point: u32, ok: bool) {
        if point != 0 && self.point.is_empty() {
            self.point.resize(self.len, 0);
        }
        if !self.point.is_empty() {
            self.point.push(point);
        }
        if self.len.is_multiple_of(64) {
            self.ok.push(0);
        }
        if ok {
            self.ok[self.len / 64] |= 1 << (self.len % 64);
        }
        self.len += 1;
    }

    /// [`RunRows::push`] `n` times, a word of statuses at a time.
    fn push_many(&mut self, point: u32, ok: bool, n: usize) {
        if point != 0 && self.point.is_empty() {
            self.point.resize(self.len, 0);
        }
        let end = self.len + n;
        if !self.point.is_empty() {
            self.point.resize(end, point);
        }
        self.ok.resize(end.div_ceil(64), 0);
        let mut i = self.len;
        while ok && i < end {
            let (word, bit) = (i / 64, i % 64);
            let take = (64 - bit).min(end - i);
            self.ok[word] |= (u64::MAX >> (64 - take)) << bit;
            i += take;
        }
        self.len = end;
    }

    /// Whether every row in `range` is ok and of point 0.
    fn all_ok_at_point_0(&self, range: std::ops::Range<usize>) -> bool {
        if !self.point.is_empty() || range.end > self.len {
            return false;
        }
        // Whole words at once; the partial words at either end bit by bit.
        let (mut i, end) = (range.start, range.end);
        while i < end {
            if i % 64 == 0 && end - i >= 64 {
                if self.ok[i / 64] != u64::MAX {
                    return false;
                }
                i += 64;
            } else {
                if self.ok[i / 64] >> (i % 64) & 1 == 0 {
                    return false;
                }
                i += 1;
            }
        }
        true
    }

    /// Row `i`'s point and whether it is ok.
    #[inline]
    fn get(&self, i: usize) -> (u32, bool) {
        let point = self.point.get(i).copied().unwrap_or(0);
        (point, self.ok[i / 64] >> (i % 64) & 1 == 1)
    }
}

/// Reads the `extra` columns of the runs' rows in `runs` (`runs.parquet`,
/// or its chunks) batch by batch, calling `each` with every batch and, for
/// each of its rows, its point and whether it is ok, from `rows` (so that
/// a caller finds its columns once a batch).
fn each_batch(
    runs: &[PathBuf],
    rows: &RunRows,
    extra: &[&str],
    mut each: impl FnMut(&RecordBatch, BatchRows<'_>),
) -> io::Result<()> {
    let mut at = 0;
    for batch in parquet_io::read_files(runs, Some(extra)) {
        let (path, batch) = batch?;
        let range = at..at + batch.num_rows();
        if range.end > rows.len {
            return Err(changed(path));
        }
        each(&batch, BatchRows { rows, range });
        at += batch.num_rows();
    }
    if at != rows.len {
        return Err(changed(
            runs.last().map_or(Path::new(RUNS), PathBuf::as_path),
        ));
    }
    Ok(())
}

/// A batch's rows, each one's point and whether it is ok: an iterator the
/// points pass's loops over a million rows and more inline, where a `dyn
/// Iterator` cost a call a row.
struct BatchRows<'a> {
    rows: &'a RunRows,
    range: std::ops::Range<usize>,
}

impl Iterator for BatchRows<'_> {
    type Item = (u32, bool);

    #[inline]
    fn next(&mut self) -> Option<(u32, bool)> {
        self.range.next().map(|i| self.rows.get(i))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

/// The error of a file whose rows changed between two passes over it.
fn changed(path: &Path) -> io::Error {
    io::Error::other(format!(
        "{}: its rows changed while it was being read",
        path.display()
    ))
}

/// Each point's axis values, runs and runs not ok, in point order, and
/// every row's point and status for the passes after it.
fn point_counts(runs: &[PathBuf], sweep: &Sweep) -> io::Result<(Vec<PointCounts>, RunRows)> {
    let mut out: Vec<PointCounts> = Vec::new();
    let mut rows = RunRows::default();
    let axes = sweep.point_keys();
    let columns: Vec<&str> = ["point", "status"].iter().chain(&axes).copied().collect();
    for path in runs {
        let mut batches = parquet_io::read(path, Some(&columns))?;
        // Most often every run of a file has one status (ok), and every
        // run of a chunk one point, which its statistics tell without
        // reading the columns.
        let every_run_ok = batches.take_constant("status").map(|s| s == "ok");
        let one_point = batches.take_constant_u32("point");
        if let (Some(ok), Some(p), Some(n)) = (every_run_ok, one_point, batches.rows())
            && (axes.is_empty() || out.get(p as usize).is_some_and(|c| c.runs > 0))
        {
            // Nothing to read: the point's axis values are known already
            // (or there are none).
            rows.push_many(p, ok, n as usize);
            let p = p as usize;
            if out.len() <= p {
                out.resize_with(p + 1, PointCounts::default);
            }
            out[p].runs += n;
            if !ok {
                out[p].failed += n;
            }
            continue;
        }
        for batch in batches {
            let batch = batch?;
            let point = match one_point {
                Some(_) => None,
                None => Some(point_column(&batch)?),
            };
            let status = match every_run_ok {
                Some(_) => None,
                None => Some(status_column(&batch, path)?),
            };
            for i in 0..batch.num_rows() {
                let ok = match status {
                    Some(status) => status.value(i) == "ok",
                    None => every_run_ok == Some(true),
                };
                let p = point.map_or(one_point.unwrap_or(0), |point| point.value(i));
                rows.push(p, ok);
                let p = p as usize;
                if out.len() <= p {
                    out.resize_with(p + 1, PointCounts::default);
                }
                if out[p].runs == 0 {
                    out[p].values = axes.iter().map(|a| text_at(&batch, a, i)).collect();
                }
                out[p].runs += 1;
                if !ok {
                    out[p].failed += 1;
                }
            }
        }
    }
    Ok((out, rows))
}

/// One main metric's values over the ok runs, point by point (sorted).
/// One metric's values take 8 bytes a run; [`write_points_within`] keeps
/// as many at once as its budget allows.
fn metric_by_point(
    runs: &[PathBuf],
    rows: &RunRows,
    metric: &str,
    points: usize,
) -> io::Result<Vec<Vec<f64>>> {
    let mut out: Vec<Vec<f64>> = vec![Vec::new(); points];
    each_batch(runs, rows, &[metric], |batch, rows| {
        let values = Numbers::of(batch, metric);
        // Most often: floats with none null, read straight from the slice;
        // in a sweep of one point with every run ok, all of them at once.
        if let Numbers::Float(a) = values
            && a.null_count() == 0
        {
            if let Some(v) = out.first_mut()
                && rows.rows.all_ok_at_point_0(rows.range.clone())
            {
                v.extend_from_slice(a.values());
                return;
            }
            for (&x, (p, ok)) in a.values().iter().zip(rows) {
                if let (true, Some(v)) = (ok, out.get_mut(p as usize)) {
                    v.push(x);
                }
            }
            return;
        }
        for (i, (p, ok)) in rows.enumerate() {
            if let (true, Some(x), Some(v)) = (ok, values.get(i), out.get_mut(p as usize)) {
                v.push(x);
            }
        }
    })?;
    for v in &mut out {
        sort_total(v);
    }
    Ok(out)
}

/// Each point's counts of each criterion, from the runs' rows in `runs`.
fn criteria_counts(
    runs: &[PathBuf],
    rows: &RunRows,
    sweep: &Sweep,
    points: usize,
) -> io::Result<Vec<Vec<Count>>> {
    let mut out = vec![vec![Count::default(); sweep.criteria.len()]; points];
    if sweep.criteria.is_empty() {
        return Ok(out);
    }
    let names: Vec<[String; 2]> = sweep.criteria.iter().map(|c| c.run_columns()).collect();
    let columns: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
    each_batch(runs, rows, &columns, |batch, rows| {
        let months: Vec<Numbers> = names
            .iter()
            .map(|[_, month]| Numbers::of(batch, month))
            .collect();
        for (i, (p, ok)) in rows.enumerate() {
            let Some(counts) = out.get_mut(p as usize) else {
                continue;
            };
            for ((count, [met, _]), months) in counts.iter_mut().zip(&names).zip(&months) {
                let met = ok.then(|| crate::columns::flag(batch, met, i)).flatten();
                count.add(met.map(|m| Met {
                    met: m,
                    month: months.get(i).map(|x| x as u32),
                }));
            }
        }
    })?;
    Ok(out)
}

/// What one main metric gives `points.csv` and the report.
struct MetricSummary {
    /// Each point's mean and quantiles, as cells.
    cells: Vec<Vec<String>>,
    /// Each point's median.
    medians: Vec<Option<f64>>,
    /// Each point's expected shortfall, as a cell.
    shortfalls: Vec<String>,
    /// Each axis's response: the 5th, 50th and 95th percentiles over the
    /// runs of every point at each of its values.
    responses: Vec<Response>,
}

/// One main metric's pass over the runs' rows in `runs` (or over its
/// values `gathered` as the runs were done): its values point by point,
/// what each point's cells say and each axis's response.
fn summarise_metric(
    runs: &[PathBuf],
    run_rows: &RunRows,
    metric: &str,
    gathered: Option<Vec<Vec<f64>>>,
    sweep: &Sweep,
    with_value: &[Vec<Vec<usize>>],
    points: usize,
) -> io::Result<MetricSummary> {
    let by_point = match gathered {
        Some(mut by_point) => {
            for v in &mut by_point {
                sort_total(v);
            }
            by_point
        }
        None => metric_by_point(runs, run_rows, metric, points)?,
    };
    let mut out = MetricSummary {
        cells: Vec::with_capacity(points),
        medians: Vec::with_capacity(points),
        shortfalls: Vec::with_capacity(points),
        responses: Vec::with_capacity(sweep.axes.len()),
    };
    for values in &by_point {
        let b = band_of_sorted(values, &sweep.quantiles);
        let mut cells = vec![cell(b.mean)];
        cells.extend(b.quantiles.iter().map(|q| cell(*q)));
        out.cells.push(cells);
        out.medians.push(quantile(values, 0.5));
        out.shortfalls
            .push(cell(expected_shortfall(values, sweep.tail)));
    }
    for (a, axis) in sweep.axes.iter().enumerate() {
        let response = (0..axis.values.len())
            .map(|v| {
                let mut pooled: Vec<f64> = with_value[a][v]
                    .iter()
                    .filter_map(|&p| by_point.get(p))
                    .flatten()
                    .copied()
                    .collect();
                let q = band(&mut pooled, &[0.05, 0.5, 0.95]).quantiles;
                [q[0], q[1], q[2]]
            })
            .collect();
        out.responses.push(response);
    }
    Ok(out)
}

/// Writes `points.csv` from the rows of `runs` (`runs.parquet`, or the
/// chunks it is joined from), the main metrics side by side on the
/// current thread pool while what their passes hold fits in 64 MiB;
/// gives what the report draws from the same numbers. The main metrics'
/// values are those `gathered` as the runs were done, where they are
/// every row's (then beside the 64 MiB they take).
pub fn write_points(
    dir: &Path,
    runs: &[PathBuf],
    sweep: &Sweep,
    gathered: Option<MainValues>,
) -> io::Result<Findings> {
    write_points_within(dir, runs, sweep, gathered, BAND_BYTES)
}

/// [`write_points`] with the main metrics' passes run side by side on the
/// current thread pool, as many at once as keep what they hold (16 bytes
/// a run each: the values and an axis value's pooled copy; 8 where the
/// values were kept already) within `budget` bytes.
fn write_points_within(
    dir: &Path,
    runs: &[PathBuf],
    sweep: &Sweep,
    gathered: Option<MainValues>,
    budget: u64,
) -> io::Result<Findings> {
    let mut header = vec!["point".to_string()];
    header.extend(sweep.point_keys().iter().map(|k| k.to_string()));
    header.push("runs".into());
    header.push("failed".into());
    for m in MAIN_METRICS {
        header.push(format!("{m}_mean"));
        header.extend(
            sweep
                .quantiles
                .iter()
                .map(|&q| format!("{m}_{}", quantile_name(q))),
        );
    }
    header.extend(MAIN_METRICS.iter().map(|m| shortfall_name(m, sweep.tail)));
    for c in &sweep.criteria {
        header.extend(c.point_columns());
    }
    let (counts, run_rows) = point_counts(runs, sweep)?;
    // Each axis value's points, found once: looking them up for every
    // value would take time that grows with the square of the points.
    let mut with_value: Vec<Vec<Vec<usize>>> = sweep
        .axes
        .iter()
        .map(|a| vec![Vec::new(); a.values.len()])
        .collect();
    for p in crate::points::points(sweep) {
        for (a, pick) in p.picks.iter().enumerate() {
            if let Some(v) = pick {
                with_value[a][*v].push(p.index);
            }
        }
    }
    let mut rows: Vec<Vec<String>> = counts
        .iter()
        .enumerate()
        .map(|(p, c)| {
            let mut row = vec![p.to_string()];
            row.extend(c.values.iter().cloned());
            row.push(c.runs.to_string());
            row.push(c.failed.to_string());
            row
        })
        .collect();
    let mut medians = vec![[None; MAIN_METRICS.len()]; counts.len()];
    let mut shortfalls: Vec<Vec<String>> = vec![Vec::new(); counts.len()];
    let mut responses: Vec<Vec<Response>> = vec![Vec::new(); sweep.axes.len()];
    // Side by side: on 2 cores, one metric at a time left one of them idle
    // for most of the end of a 1,000,000-run sweep.
    let runs_seen: u64 = counts.iter().map(|c| c.runs).sum();
    let given = gathered.is_some();
    let mut gathered: Vec<Option<Vec<Vec<f64>>>> =
        match gathered.and_then(|g| g.take(runs_seen, counts.len())) {
            Some(by_metric) => by_metric.into_iter().map(Some).collect(),
            None => vec![None; MAIN_METRICS.len()],
        };
    let kept = gathered.iter().all(Option::is_some);
    // A whole sweep's values are every row's: otherwise they are read
    // back, the same values more slowly.
    debug_assert!(!given || kept, "main values kept for some rows only");
    // A pass holds an axis value's pooled copy of its values (8 bytes a
    // run), and the values themselves unless they were kept already.
    let per_run = if kept { 8 } else { 16 };
    let at_once = (budget / (per_run * runs_seen.max(1)))
        .clamp(1, rayon::current_num_threads() as u64) as usize;
    for (group, metrics) in MAIN_METRICS.chunks(at_once).enumerate() {
        let first = group * at_once;
        let values: Vec<_> = gathered[first..first + metrics.len()]
            .iter_mut()
            .map(Option::take)
            .collect();
        let passes: Vec<io::Result<MetricSummary>> = metrics
            .par_iter()
            .zip(values)
            .map(|(m, values)| {
                summarise_metric(runs, &run_rows, m, values, sweep, &with_value, counts.len())
            })
            .collect();
        for (i, pass) in passes.into_iter().enumerate() {
            let k = group * at_once + i;
            let pass = pass?;
            for (p, (cells, (median, shortfall))) in pass
                .cells
                .into_iter()
                .zip(pass.medians.into_iter().zip(pass.shortfalls))
                .enumerate()
            {
                rows[p].extend(cells);
                medians[p][k] = median;
                shortfalls[p].push(shortfall);
            }
            for (a, response) in pass.responses.into_iter().enumerate() {
                responses[a].push(response);
            }
        }
    }
    let criteria = criteria_counts(runs, &run_rows, sweep, counts.len())?;
    for (p, row) in rows.iter_mut().enumerate() {
        row.append(&mut shortfalls[p]);
        for count in &criteria[p] {
            row.extend(count.cells(sweep.confidence));
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header)?;
    for r in &rows {
        w.write_record(r)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| io::Error::other(e.to_string()))?;
    atomic::write_atomic(&dir.join(POINTS), &bytes)?;
    Ok(Findings {
        fans: Vec::new(),
        points_header: header,
        points_rows: rows,
        medians,
        responses,
        criteria,
        sensitivity: None,
    })
}

/// Writes the files that follow from `runs.parquet` and `months.parquet`:
/// bands, points and (if `report`) the report with its charts.
/// `months` gives each point's months.
pub fn finish(
    dir: &Path,
    sweep: &Sweep,
    seed: u64,
    version: &str,
    report: bool,
    months: &[u32],
) -> io::Result<()> {
    let findings = tables(dir, &[dir.join(RUNS)], sweep, seed, months, None)?;
    write_report(dir, sweep, seed, version, report, &findings)
}

/// Writes the tables that follow from the runs' rows in `runs` (the
/// folder's `runs.parquet`, or the chunks it is joined from, in order) and
/// from `months.parquet`: bands, sensitivity and points. Gives what the
/// report draws; `months` gives each point's months. The main metrics'
/// values are those `gathered` as the runs were done, if every row's.
pub fn tables(
    dir: &Path,
    runs: &[PathBuf],
    sweep: &Sweep,
    seed: u64,
    months: &[u32],
    gathered: Option<MainValues>,
) -> io::Result<Findings> {
    // A sensitivity sweep's rows are the points of a design, not
    // scenarios to summarise: months.parquet holds their values and
    // sensitivity.csv what they say.
    let fans = if sweep.is_sensitivity() {
        remove_if_there(&dir.join(BANDS_CSV))?;
        remove_if_there(&dir.join(BANDS_PARQUET))?;
        Vec::new()
    } else {
        write_bands(dir, sweep, months)?
    };
    let last = months.iter().copied().max().unwrap_or(0);
    let sensitivity = crate::sensitivity::write(dir, runs, sweep, seed, last)?;
    Ok(Findings {
        fans,
        sensitivity,
        ..write_points(dir, runs, sweep, gathered)?
    })
}

/// Writes the report and its charts from `findings` and the folder's
/// files if `report`; otherwise removes any earlier report.
pub fn write_report(
    dir: &Path,
    sweep: &Sweep,
    seed: u64,
    version: &str,
    report: bool,
    findings: &Findings,
) -> io::Result<()> {
    if report {
        crate::report::write(dir, sweep, seed, version, findings)
    } else {
        remove_if_there(&dir.join(REPORT))?;
        remove_charts(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::main_values::MAIN_VALUES_BYTES;
    use crate::{CommandLine, Options, Quiet, plan_text, run};

    /// A test sweep into `out` on `jobs` threads, in chunks of `chunk` runs.
    fn options(out: &Path, jobs: usize, chunk: u64) -> Options {
        Options {
            out: out.to_path_buf(),
            jobs,
            shard: None,
            resume: false,
            fail_fast: false,
            report: false,
            version: "test".into(),
            chunk_runs: Some(chunk),
        }
    }

    #[test]
    fn run_rows_give_back_each_rows_point_and_status() {
        // Point 0 for the first 150 rows (kept as no points at all), then
        // others; statuses across several words of bits.
        let row = |i: usize| -> (u32, bool) {
            let point = if i < 150 { 0 } else { (i % 7) as u32 };
            (point, !i.is_multiple_of(3) && i != 64)
        };
        let mut rows = RunRows::default();
        for i in 0..150 {
            let (p, ok) = row(i);
            rows.push(p, ok);
        }
        assert!(rows.point.is_empty());
        for i in 150..300 {
            let (p, ok) = row(i);
            rows.push(p, ok);
        }
        assert_eq!((rows.point.len(), rows.ok.len()), (300, 5));
        for i in 0..300 {
            assert_eq!(rows.get(i), row(i), "row {i}");
        }
    }

    #[test]
    fn counts_told_by_a_chunks_statistics_are_those_read_row_by_row() {
        use arrow_array::{Int64Array, StringArray, UInt32Array};
        let text = "[sweep]\nscenario = \"default\"\nruns = 10\nkeep_months = []\n\n\
                    [[axis]]\nkey = \"simulation.months\"\nvalues = [12, 24, 36]\n";
        let plan = plan_text("s.toml", text, Path::new(""), &CommandLine::default()).unwrap();
        let schema = Arc::new(Schema::new(vec![
            Field::new("point", DataType::UInt32, false),
            Field::new("simulation.months", DataType::Int64, true),
            Field::new("status", DataType::Utf8, false),
        ]));
        let chunk = |rows: &[(u32, &str)]| {
            let columns: Vec<ArrayRef> = vec![
                Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.0))),
                Arc::new(Int64Array::from_iter_values(
                    rows.iter().map(|r| 12 * (i64::from(r.0) + 1)),
                )),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1))),
            ];
            RecordBatch::try_new(schema.clone(), columns).unwrap()
        };
        let (ok, failed) = ("ok", "failed");
        // Point 0 new (read), then known and all ok (told by the
        // statistics); points 0 and 1 (read); point 1 known, all failed
        // (told); point 2 new, all ok (read), then known but mixed (read).
        let chunks = [
            chunk(&[(0, ok); 3]),
            chunk(&[(0, ok); 4]),
            chunk(&[(0, ok), (0, ok), (0, failed), (1, ok)]),
            chunk(&[(1, failed); 9]),
            chunk(&[(2, ok); 70]),
            chunk(&[(2, ok), (2, failed), (2, ok)]),
        ];
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (0..chunks.len())
            .map(|i| dir.path().join(format!("chunk-{i}.parquet")))
            .collect();
        for (path, c) in paths.iter().zip(&chunks) {
            parquet_io::write_batch(path, c).unwrap();
        }
        let joined = dir.path().join(RUNS);
        parquet_io::concat(&paths, &joined, &schema).unwrap();
        let (from_chunks, chunk_rows) = point_counts(&paths, &plan.sweep).unwrap();
        let (from_file, file_rows) = point_counts(&[joined], &plan.sweep).unwrap();
        let counts = |c: &[PointCounts]| -> Vec<(Vec<String>, u64, u64)> {
            c.iter()
                .map(|c| (c.values.clone(), c.runs, c.failed))
                .collect()
        };
        assert_eq!(counts(&from_chunks), counts(&from_file));
        let months = |m: &str| vec![m.to_string()];
        assert_eq!(
            counts(&from_chunks),
            [
                (months("12"), 10, 1),
                (months("24"), 10, 9),
                (months("36"), 73, 1)
            ]
        );
        assert_eq!(
            (chunk_rows.point, chunk_rows.ok, chunk_rows.len),
            (file_rows.point, file_rows.ok, file_rows.len)
        );
    }

    #[test]
    fn rows_pushed_many_at_once_are_those_pushed_one_by_one() {
        // Runs of rows of one point and status, across word boundaries:
        // point 0 first (no points kept), then others, ok and not.
        let spans = [
            (0, true, 3),
            (0, true, 61),
            (0, false, 64),
            (0, true, 1),
            (2, true, 130),
            (2, false, 5),
            (5, true, 64),
            (1, true, 0),
            (7, false, 200),
            (7, true, 63),
        ];
        let (mut many, mut one) = (RunRows::default(), RunRows::default());
        for (k, &(point, ok, n)) in spans.iter().enumerate() {
            many.push_many(point, ok, n);
            for _ in 0..n {
                one.push(point, ok);
            }
            assert_eq!(many.len, one.len, "span {k}");
            assert_eq!(many.point, one.point, "span {k}");
            assert_eq!(many.ok, one.ok, "span {k}");
            if k == 2 {
                // 64 rows ok at point 0, then 64 not.
                assert!(many.all_ok_at_point_0(0..64));
                assert!(!many.all_ok_at_point_0(0..65));
            }
        }
    }

    #[test]
    fn passes_cover_every_cell_once_within_the_budget() {
        // 1,000 runs: 8,000 bytes a cell; 20,000 bytes hold 2 cells.
        assert_eq!(passes(1_000, 5, 20_000), [0..2, 2..4, 4..usize::MAX]);
        let every_cell = 0..usize::MAX;
        assert_eq!(passes(1_000, 2, 20_000), [every_cell]);
        // A cell alone past the budget: one cell a pass.
        assert_eq!(passes(1_000_000, 2, 20_000), [0..1, 1..usize::MAX]);
    }

    #[test]
    fn run_rows_know_a_range_all_ok_at_point_0() {
        let mut rows = RunRows::default();
        for i in 0..200 {
            rows.push(0, i != 130);
        }
        assert!(rows.all_ok_at_point_0(0..130));
        assert!(rows.all_ok_at_point_0(3..130));
        assert!(rows.all_ok_at_point_0(131..200));
        assert!(rows.all_ok_at_point_0(70..70));
        assert!(!rows.all_ok_at_point_0(0..131));
        assert!(!rows.all_ok_at_point_0(130..131));
        assert!(!rows.all_ok_at_point_0(64..200));
        assert!(!rows.all_ok_at_point_0(190..201), "past the rows");
        rows.push(1, true);
        assert!(!rows.all_ok_at_point_0(0..10), "not a sweep of one point");
    }

    /// The points worked out by the sweep from its chunks and the main
    /// values it kept (some chunks with a run not ok, some without, their
    /// status then known from the statistics) on two threads, several
    /// metrics at once, are those worked out again from `runs.parquet`
    /// one metric at a time.
    #[test]
    fn points_from_chunks_side_by_side_are_the_points_one_metric_at_a_time() {
        let text = r#"
[sweep]
scenario = "default"
runs = 40
seed = 5
quantiles = [0.1, 0.5, 0.9]
keep_months = []

[[axis]]
key = "simulation.months"
values = [12, 24]

[[sample]]
key = "aegis.revenue_share"
normal = { mean = 0.5, sd = 0.3 }

[[criterion]]
name = "safe"
metric = "aegis_usdc"
above = 0
"#;
        let plan = plan_text("s.toml", text, Path::new(""), &CommandLine::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let opts = options(dir.path(), 2, 8);
        run(&plan, &opts, &Quiet).unwrap();
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
        let points = read(POINTS);
        // Some runs not ok, in some chunks but not all.
        let failures = read(crate::folder::FAILURES).lines().count() - 1;
        assert!((4..60).contains(&failures), "{failures} runs not ok");
        let runs = [dir.path().join(RUNS)];
        let one = write_points_within(dir.path(), &runs, &plan.sweep, None, 1).unwrap();
        assert_eq!(read(POINTS), points);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let all = pool
            .install(|| write_points_within(dir.path(), &runs, &plan.sweep, None, u64::MAX))
            .unwrap();
        assert_eq!(read(POINTS), points);
        // Every finding, each float to its last bit (Debug writes the
        // shortest text that reads back as the same float).
        assert_eq!(format!("{all:?}"), format!("{one:?}"));
        assert_eq!(points.lines().count(), 3);
    }

    /// The main metrics' values gathered batch by batch (as a sweep's
    /// workers gather them from their chunks, here from `runs.parquet`)
    /// are every ok run's, point by point: after sorting, those the points
    /// pass reads from the file, in a sweep with runs not ok and several
    /// points.
    #[test]
    fn main_values_gathered_are_those_read_back_from_the_runs() {
        let text = r#"
[sweep]
scenario = "default"
runs = 30
seed = 9
keep_months = []

[[axis]]
key = "simulation.months"
values = [12, 24, 36]

[[sample]]
key = "aegis.revenue_share"
normal = { mean = 0.5, sd = 0.3 }
"#;
        let plan = plan_text("s.toml", text, Path::new(""), &CommandLine::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        run(&plan, &options(dir.path(), 1, 7), &Quiet).unwrap();
        let failures = std::fs::read_to_string(dir.path().join(crate::folder::FAILURES)).unwrap();
        assert!(failures.lines().count() > 2, "some runs not ok");
        let runs = [dir.path().join(RUNS)];
        let (counts, rows) = point_counts(&runs, &plan.sweep).unwrap();
        let values = MainValues::within(3, 30, MAIN_VALUES_BYTES).unwrap();
        for batch in parquet_io::read_files(&runs, None) {
            values.add(&batch.unwrap().1);
        }
        let gathered = values.take(90, counts.len()).expect("every row's values");
        for (metric, mut by_point) in MAIN_METRICS.iter().zip(gathered) {
            for v in &mut by_point {
                v.sort_unstable_by(f64::total_cmp);
            }
            let read = metric_by_point(&runs, &rows, metric, counts.len()).unwrap();
            let bits = |p: &[Vec<f64>]| -> Vec<Vec<u64>> {
                p.iter()
                    .map(|v| v.iter().map(|x| x.to_bits()).collect())
                    .collect()
            };
            assert_eq!(bits(&by_point), bits(&read), "{metric}");
            assert_eq!(by_point.len(), 3);
        }
    }

    /// Bands read in many passes (one cell of a point at a time) are the
    /// bands read in one, byte for byte, and so are the report's fans.
    #[test]
    fn bands_from_many_passes_are_the_bands_from_one() {
        let text = r#"
[sweep]
scenario = "stress"
runs = 7
seed = 3
keep_months = ["leaf_price", "aegis_value", "pairs_active"]
quantiles = [0.1, 0.5, 0.975]

[[axis]]
key = "simulation.months"
values = [5, 9]

[[sample]]
key = "market.net_demand_usd"
uniform = { low = -50_000, high = 0 }
"#;
        let plan = plan_text("s.toml", text, Path::new(""), &CommandLine::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let opts = options(dir.path(), 1, 4);
        run(&plan, &opts, &Quiet).unwrap();
        let months: Vec<u32> = plan
            .points
            .iter()
            .map(|p| p.scenario.simulation.months)
            .collect();
        let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
        let (csv, parquet) = (read(BANDS_CSV), read(BANDS_PARQUET));
        let one = write_bands_within(dir.path(), &plan.sweep, &months, u64::MAX).unwrap();
        assert_eq!(
            (read(BANDS_CSV), read(BANDS_PARQUET)),
            (csv.clone(), parquet.clone())
        );
        // 7 runs: 56 bytes a cell; 56 bytes hold one cell a pass (27 passes).
        assert_eq!(passes(7, 27, 56).len(), 27);
        let many = write_bands_within(dir.path(), &plan.sweep, &months, 56).unwrap();
        assert_eq!(read(BANDS_CSV), csv);
        assert_eq!(read(BANDS_PARQUET), parquet);
        assert_eq!(many, one);
        // 2 points x (5 + 9) months x 3 metrics.
        assert_eq!(String::from_utf8(csv).unwrap().lines().count(), 1 + 3 * 14);
    }
}
