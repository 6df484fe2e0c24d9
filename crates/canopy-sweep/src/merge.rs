//! `canopy sweep merge DIR`: the parts of a sharded sweep
//! (`DIR/part-K-of-N/`) joined into the files a whole sweep writes.
//!
//! Shard K holds the runs whose global index `point * runs + run` leaves
//! K - 1 divided by N, each part ordered by point and run; merging takes
//! rows from the parts in global order (a heap keyed by point and run), so
//! that the merged files hold the rows of the whole sweep in its order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use arrow_array::{RecordBatch, UInt32Array};
use arrow_schema::SchemaRef;
use canopy_output::atomic;
use parquet::arrow::arrow_reader::ParquetRecordBatchReader;

use crate::file::read;
use crate::finish;
use crate::folder::{self, FAILURES, MONTHS, RUNS, SWEEP_TOML};
use crate::parquet_io;
use crate::runner::{Done, PARTIAL, Shard, SweepFailure, csv_header};

/// Rows per batch of a merged file.
const BATCH: usize = 65_536;

/// A part found in the folder.
struct Part {
    shard: Shard,
    dir: PathBuf,
}

/// Reads `part-K-of-N` (K and N decimal).
fn part_name(name: &str) -> Option<Shard> {
    let rest = name.strip_prefix("part-")?;
    let (k, n) = rest.split_once("-of-")?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(k) || !digits(n) {
        return None;
    }
    Some(Shard {
        k: k.parse().ok()?,
        n: n.parse().ok()?,
    })
}

/// The parts in `dir`, checked: one of each K of one N, all finished, all
/// of one sweep. Gives them in K order with the resolved sweep's text.
fn parts(dir: &Path) -> Result<(Vec<Part>, String), SweepFailure> {
    let refuse = |m: String| Err(SweepFailure::Refused(m));
    let entries = fs::read_dir(dir).map_err(|e| {
        SweepFailure::Refused(format!(
            "cannot read the sweep folder {}: {e}",
            dir.display()
        ))
    })?;
    let mut found: Vec<Part> = Vec::new();
    for e in entries {
        let e = e.map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
        let name = e.file_name();
        let Some(shard) = name.to_str().and_then(part_name) else {
            continue;
        };
        found.push(Part {
            shard,
            dir: e.path(),
        });
    }
    if found.is_empty() {
        return refuse(format!(
            "{} holds no parts (folders part-K-of-N written by `canopy sweep --shard K/N --out {}`)",
            dir.display(),
            dir.display()
        ));
    }
    found.sort_by_key(|p| (p.shard.n, p.shard.k));
    let n = found[0].shard.n;
    if let Some(other) = found.iter().find(|p| p.shard.n != n) {
        return refuse(format!(
            "{} holds parts of different shard counts ({} and {}); merge the parts of one run of the sweep",
            dir.display(),
            found[0].dir.display(),
            other.dir.display()
        ));
    }
    for w in found.windows(2) {
        if w[0].shard.k == w[1].shard.k {
            return refuse(format!(
                "part {} of {n} is there twice: {} and {}",
                w[0].shard.k,
                w[0].dir.display(),
                w[1].dir.display()
            ));
        }
    }
    if let Some(bad) = found.iter().find(|p| p.shard.k == 0 || p.shard.k > n) {
        return refuse(format!(
            "{} is not a part of {n} shards (K goes from 1 to {n})",
            bad.dir.display()
        ));
    }
    let missing: Vec<String> = (1..=n)
        .filter(|k| !found.iter().any(|p| p.shard.k == *k))
        .map(|k| format!("part-{k}-of-{n}"))
        .collect();
    if !missing.is_empty() {
        return refuse(format!(
            "{} lacks {} of {n} parts: {}; run them (`--shard K/{n}`) before merging",
            dir.display(),
            missing.len(),
            missing.join(", ")
        ));
    }
    let mut resolved: Option<(String, &Part)> = None;
    for p in &found {
        // The identity holds the resolved sweep and its scenarios' digest.
        let text = match fs::read_to_string(p.dir.join(folder::IDENTITY)) {
            Ok(t) if !p.dir.join(PARTIAL).exists() => t,
            _ => {
                return refuse(format!(
                    "{} is not finished (chunks are left in {PARTIAL}, or it has no {SWEEP_TOML}); run it again with --resume",
                    p.dir.display()
                ));
            }
        };
        match &resolved {
            Some((first, q)) if *first != text => {
                return refuse(format!(
                    "{} belongs to another sweep than {} (their {SWEEP_TOML} or scenarios differ)",
                    p.dir.display(),
                    q.dir.display()
                ));
            }
            Some(_) => {}
            None => resolved = Some((text, p)),
        }
    }
    let text = resolved.map(|(t, _)| t).unwrap_or_default();
    Ok((found, text))
}

/// A part's file being read, at its current row.
struct Cursor {
    reader: ParquetRecordBatchReader,
    batch: Option<RecordBatch>,
    row: usize,
    path: PathBuf,
}

impl Cursor {
    fn open(path: PathBuf) -> io::Result<Cursor> {
        let mut c = Cursor {
            reader: parquet_io::read(&path, None)?,
            batch: None,
            row: 0,
            path,
        };
        c.fill()?;
        Ok(c)
    }

    /// Moves to the next batch with rows once this one is used up.
    fn fill(&mut self) -> io::Result<()> {
        while self.batch.as_ref().is_none_or(|b| self.row >= b.num_rows()) {
            match self.reader.next() {
                Some(b) => {
                    self.batch =
                        Some(b.map_err(|e| {
                            io::Error::other(format!("{}: {e}", self.path.display()))
                        })?);
                    self.row = 0;
                }
                None => {
                    self.batch = None;
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// The point and run of the current row.
    fn key(&self) -> Option<(u32, u32)> {
        let b = self.batch.as_ref()?;
        let col = |name| {
            b.column_by_name(name)
                .and_then(|a| a.as_any().downcast_ref::<UInt32Array>())
                .map(|a| a.value(self.row))
        };
        Some((col("point")?, col("run")?))
    }
}

/// Writes to `out` the rows of `inputs` (each ordered by point and run) in
/// point and run order.
/// Every row must belong to its part (its global index leaves K - 1
/// divided by N) and no run may come twice: a part copied over another is
/// refused.
fn merge_sorted(
    parts: &[Part],
    file: &str,
    runs: u64,
    out: &Path,
    schema: SchemaRef,
) -> Result<(), SweepFailure> {
    let mut cursors = parts
        .iter()
        .map(|p| Cursor::open(p.dir.join(file)))
        .collect::<io::Result<Vec<_>>>()?;
    let mut last: Option<(u32, u32)> = None;
    let mut writer = parquet_io::Writer::create(out, schema)?;
    let mut heap: BinaryHeap<Reverse<((u32, u32), usize)>> = cursors
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.key().map(|k| Reverse((k, i))))
        .collect();
    // Rows picked for the next output batch: slices of the parts' batches.
    let mut pieces: Vec<RecordBatch> = Vec::new();
    let mut rows = 0;
    while let Some(Reverse((key, i))) = heap.pop() {
        let shard = parts[i].shard;
        let g = u64::from(key.0) * runs + u64::from(key.1);
        if g % shard.n != shard.k - 1 || last.is_some_and(|l| key <= l) {
            return Err(SweepFailure::Refused(format!(
                "{} holds rows of point {}, run {}, which are not part {} of {}'s or come twice: was a part copied over another?",
                parts[i].dir.join(file).display(),
                key.0,
                key.1,
                shard.k,
                shard.n
            )));
        }
        last = Some(key);
        let c = &mut cursors[i];
        // Every row of this part with this key (a run's months), within
        // the current batch, then on into the next batches.
        loop {
            let b = c.batch.as_ref().expect("a cursor with a key has a batch");
            let start = c.row;
            let points = b.column_by_name("point").expect("checked by key");
            let runs = b.column_by_name("run").expect("checked by key");
            let (points, runs) = (
                points
                    .as_any()
                    .downcast_ref::<UInt32Array>()
                    .expect("uint32"),
                runs.as_any().downcast_ref::<UInt32Array>().expect("uint32"),
            );
            let mut end = start;
            while end < b.num_rows() && (points.value(end), runs.value(end)) == key {
                end += 1;
            }
            pieces.push(b.slice(start, end - start));
            rows += end - start;
            c.row = end;
            let finished_batch = end == b.num_rows();
            c.fill()?;
            if !finished_batch || c.key() != Some(key) {
                break;
            }
        }
        if let Some(k) = c.key() {
            heap.push(Reverse((k, i)));
        }
        if rows >= BATCH {
            write_pieces(&mut writer, &mut pieces)?;
            rows = 0;
        }
    }
    write_pieces(&mut writer, &mut pieces)?;
    Ok(writer.finish()?)
}

fn write_pieces(writer: &mut parquet_io::Writer, pieces: &mut Vec<RecordBatch>) -> io::Result<()> {
    if let Some(first) = pieces.first() {
        let batch = arrow_select::concat::concat_batches(&first.schema(), pieces.iter())
            .map_err(io::Error::other)?;
        writer.write(&batch)?;
    }
    pieces.clear();
    Ok(())
}

/// Merges the parts in `dir` into the top-level files of the sweep;
/// `version` is this program's, `report` whether to write the report.
pub fn merge(dir: &Path, version: &str, report: bool) -> Result<Done, SweepFailure> {
    let (parts, identity) = parts(dir)?;
    let text = fs::read_to_string(parts[0].dir.join(SWEEP_TOML)).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("{}: {e}", parts[0].dir.join(SWEEP_TOML).display()),
        )
    })?;
    let source = parts[0].dir.join(SWEEP_TOML).display().to_string();
    let sweep = read(&source, &text).map_err(|e| SweepFailure::Refused(e.to_string()))?;
    // The folder's own finished sweep, if another, is not the parts' to replace.
    if let Ok(own) = fs::read_to_string(dir.join(folder::IDENTITY))
        && own != identity
    {
        return Err(SweepFailure::Refused(format!(
            "{} holds the results of another sweep than its parts; remove them (or the parts) first",
            dir.display()
        )));
    }
    let total = crate::points::point_count(&sweep).unwrap_or(0) as u64 * sweep.runs;
    let not_ok = parts
        .iter()
        .map(|p| check_rows(p, total, sweep.runs))
        .collect::<Result<Vec<_>, _>>()?;
    folder::remove_dead_temporaries(dir)?;
    let result = join(
        dir, &parts, &not_ok, &sweep, &text, &identity, version, report,
    );
    if result.is_err() {
        // Nothing half merged stays: the parts are all there to merge again.
        let _ = folder::remove_results(dir);
    }
    result.map(|not_ok| Done {
        runs: total,
        not_ok,
        resumed: 0,
        already_finished: false,
        dir: dir.to_path_buf(),
    })
}

/// Checks that a part holds its own runs, each once, in order: the rows
/// whose global index leaves K - 1 divided by N, all of them.
/// Gives the runs (point, run) that were not ok, in order.
fn check_rows(part: &Part, total: u64, runs: u64) -> Result<Vec<(u64, u64)>, SweepFailure> {
    let path = part.dir.join(RUNS);
    let shard = part.shard;
    let mut i = 0u64;
    let mut not_ok = Vec::new();
    for batch in parquet_io::read(&path, Some(&["point", "run", "status"]))? {
        let batch = batch.map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
        let point = crate::columns::Numbers::of(&batch, "point");
        let run = crate::columns::Numbers::of(&batch, "run");
        let status = crate::columns::status_column(&batch, &path)?;
        for r in 0..batch.num_rows() {
            // uint32 values are exact in an f64; the index is not.
            let (p, n) = (
                point.get(r).unwrap_or(0.0) as u64,
                run.get(r).unwrap_or(0.0) as u64,
            );
            if p.checked_mul(runs).and_then(|x| x.checked_add(n)) != Some(shard.global(i)) {
                return Err(SweepFailure::Refused(format!(
                    "{} holds runs that are not part {} of {}'s (row {i} is point {}, run {}): was a part copied over another?",
                    path.display(),
                    shard.k,
                    shard.n,
                    p,
                    n
                )));
            }
            if status.value(r) != "ok" {
                not_ok.push((p, n));
            }
            i += 1;
        }
    }
    let expected = shard.count(total);
    if i != expected {
        return Err(SweepFailure::Refused(format!(
            "{} holds {i} runs; part {} of {} has {expected}",
            path.display(),
            shard.k,
            shard.n
        )));
    }
    Ok(not_ok)
}

/// Writes the merged files; gives the number of runs not ok.
#[allow(clippy::too_many_arguments)]
fn join(
    dir: &Path,
    parts: &[Part],
    not_ok: &[Vec<(u64, u64)>],
    sweep: &crate::file::Sweep,
    text: &str,
    identity: &str,
    version: &str,
    report: bool,
) -> Result<u64, SweepFailure> {
    folder::remove_if_there(&dir.join(folder::IDENTITY))?;
    let seed = sweep.seed.unwrap_or(0);
    let runs_schema = parquet_io::schema(&parts[0].dir.join(RUNS))?;
    merge_sorted(parts, RUNS, sweep.runs, &dir.join(RUNS), runs_schema)?;
    if sweep.keep_months.is_empty() {
        folder::remove_if_there(&dir.join(MONTHS))?;
    } else {
        let schema = parquet_io::schema(&parts[0].dir.join(MONTHS))?;
        merge_sorted(parts, MONTHS, sweep.runs, &dir.join(MONTHS), schema)?;
    }
    // failures.csv: every part's rows, in point and run order; a part's
    // rows are the runs its runs.parquet says were not ok.
    let mut rows: Vec<((u64, u64), csv::StringRecord)> = Vec::new();
    for (p, not_ok) in parts.iter().zip(not_ok) {
        let path = p.dir.join(FAILURES);
        let mut r = csv::Reader::from_path(&path)
            .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
        let mut keys = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
            let num = |i: usize| rec.get(i).and_then(|t| t.parse::<u64>().ok()).unwrap_or(0);
            keys.push((num(0), num(1)));
            rows.push(((num(0), num(1)), rec));
        }
        if keys != *not_ok {
            return Err(SweepFailure::Refused(format!(
                "{} does not list the runs that {} says were not ok ({} rows for {} runs): was a part copied over another?",
                path.display(),
                p.dir.join(RUNS).display(),
                keys.len(),
                not_ok.len()
            )));
        }
    }
    rows.sort_by_key(|(k, _)| *k);
    let mut bytes = csv_header()?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for (_, rec) in &rows {
        w.write_record(rec).map_err(io::Error::from)?;
    }
    bytes.extend(
        w.into_inner()
            .map_err(|e| io::Error::other(e.to_string()))?,
    );
    atomic::write_atomic(&dir.join(FAILURES), &bytes)?;
    let months_path = parts[0].dir.join(folder::POINT_MONTHS);
    let months: Vec<u32> = fs::read_to_string(&months_path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", months_path.display())))?
        .lines()
        .map(|l| l.trim().parse().unwrap_or(0))
        .collect();
    finish::finish(dir, sweep, seed, version, report, &months)?;
    atomic::write_atomic(&dir.join(SWEEP_TOML), text.as_bytes())?;
    atomic::write_atomic(&dir.join(folder::IDENTITY), identity.as_bytes())?;
    Ok(rows.len() as u64)
}
