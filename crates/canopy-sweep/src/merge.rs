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

use crate::check::{self, Expected, Mismatch};
use crate::failure::{SweepFailure, Tally};
use crate::folder::{self, FAILURES, MONTHS, RUNS, SWEEP_TOML};
use crate::lock::{FolderLock, LockError};
use crate::parquet_io;
use crate::runner::{PARTIAL, Shard, csv_header, lock_folder};
use crate::seal::Sealing;

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
        return Err(SweepFailure::NoParts {
            dir: dir.to_path_buf(),
        });
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
    let missing: Vec<u64> = (1..=n)
        .filter(|k| !found.iter().any(|p| p.shard.k == *k))
        .collect();
    if !missing.is_empty() {
        return Err(SweepFailure::MissingParts {
            dir: dir.to_path_buf(),
            of: n,
            missing,
        });
    }
    let mut resolved: Option<(String, &Part)> = None;
    for p in &found {
        // The identity holds the resolved sweep and its scenarios' digest.
        let text = match fs::read_to_string(p.dir.join(folder::IDENTITY)) {
            Ok(t) if !p.dir.join(PARTIAL).exists() => t,
            _ => {
                return Err(SweepFailure::UnfinishedPart {
                    part: p.dir.clone(),
                    problem: format!(
                        "chunks are left in {PARTIAL}, or it has no {SWEEP_TOML} (its shard was stopped, or is still running)"
                    ),
                });
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
    reader: parquet_io::Batches,
    batch: Option<RecordBatch>,
    row: usize,
}

impl Cursor {
    fn open(path: PathBuf) -> io::Result<Cursor> {
        let mut c = Cursor {
            reader: parquet_io::read(&path, None)?,
            batch: None,
            row: 0,
        };
        c.fill()?;
        Ok(c)
    }

    /// Moves to the next batch with rows once this one is used up.
    fn fill(&mut self) -> io::Result<()> {
        while self.batch.as_ref().is_none_or(|b| self.row >= b.num_rows()) {
            match self.reader.next() {
                Some(b) => {
                    self.batch = Some(b?);
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
    let unreadable = |p: &Part, e: io::Error| SweepFailure::UnfinishedPart {
        part: p.dir.clone(),
        problem: format!("its {file} cannot be read ({e}): it may have been cut short"),
    };
    let mut cursors = parts
        .iter()
        .map(|p| Cursor::open(p.dir.join(file)).map_err(|e| unreadable(p, e)))
        .collect::<Result<Vec<_>, _>>()?;
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
            c.fill().map_err(|e| unreadable(&parts[i], e))?;
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
    if !pieces.is_empty() {
        writer.write_group(pieces)?;
    }
    pieces.clear();
    Ok(())
}

/// Merges the parts in `dir` into the top-level files of the sweep;
/// `version` is this program's, `report` whether to write the report.
/// The folder and every part are locked while it works.
pub fn merge(dir: &Path, version: &str, report: bool) -> Result<Tally, SweepFailure> {
    crate::runner::check_folder(dir)?;
    if !dir.is_dir() {
        return Err(SweepFailure::Refused(format!(
            "cannot read the sweep folder {}: it does not exist",
            dir.display()
        )));
    }
    let _lock = lock_folder(dir)?;
    let (parts, identity) = parts(dir)?;
    // A part whose shard still runs is not finished.
    let _part_locks = parts
        .iter()
        .map(|p| {
            FolderLock::try_acquire(&p.dir).map_err(|e| match e {
                LockError::Busy => SweepFailure::UnfinishedPart {
                    part: p.dir.clone(),
                    problem: "its shard is still running".into(),
                },
                LockError::Io(e) => SweepFailure::Io(e),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut sealing = Sealing::read(&parts[0].dir)?;
    // The report is the whole sweep's, titled after its folder's sweep.toml.
    sealing.sweep.source_name = dir.join(SWEEP_TOML).display().to_string();
    sealing.identity = identity;
    // The folder's own finished sweep, if another, is not the parts' to replace.
    if let Ok(own) = fs::read_to_string(dir.join(folder::IDENTITY))
        && own != sealing.identity
    {
        return Err(SweepFailure::Refused(format!(
            "{} holds the results of another sweep than its parts; remove them (or the parts) first",
            dir.display()
        )));
    }
    let sweep = &sealing.sweep;
    let total = crate::points::point_count(sweep).unwrap_or(0) as u64 * sweep.runs;
    for p in &parts {
        let mut needed = vec![RUNS, FAILURES, folder::POINT_MONTHS];
        if !sweep.keep_months.is_empty() {
            needed.push(MONTHS);
        }
        if let Some(name) = needed.iter().find(|n| !p.dir.join(n).is_file()) {
            return Err(SweepFailure::UnfinishedPart {
                part: p.dir.clone(),
                problem: format!("its {name} is missing"),
            });
        }
    }
    let not_ok = parts
        .iter()
        .map(|p| check_rows(p, total, sweep.runs))
        .collect::<Result<Vec<_>, _>>()?;
    folder::remove_dead_temporaries(dir)?;
    let result = join(dir, &parts, &not_ok, &sealing, version, report);
    if result.is_err() {
        // Nothing half merged stays: the parts are all there to merge again.
        let _ = folder::remove_results(dir);
    }
    result.map(|not_ok| Tally {
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
    let expected = Expected {
        shard,
        runs,
        within: 0..shard.count(total),
    };
    check::runs(&path, &expected).map_err(|m| match m {
        Mismatch::Unreadable(e) => SweepFailure::UnfinishedPart {
            part: part.dir.clone(),
            problem: format!("its {RUNS} cannot be read ({e}): it may have been cut short"),
        },
        Mismatch::Foreign { row, point, run } => SweepFailure::Refused(format!(
            "{} holds runs that are not part {} of {}'s (row {row} is point {point}, run {run}): was a part copied over another?",
            path.display(),
            shard.k,
            shard.n,
        )),
        Mismatch::Count { found, expected } => SweepFailure::Refused(format!(
            "{} holds {found} runs; part {} of {} has {expected}",
            path.display(),
            shard.k,
            shard.n
        )),
        Mismatch::Failures { .. } => SweepFailure::Refused(check::chunk_problem(&m)),
    })
}

/// Writes the merged files; gives the number of runs not ok.
fn join(
    dir: &Path,
    parts: &[Part],
    not_ok: &[Vec<(u64, u64)>],
    sealing: &Sealing,
    version: &str,
    report: bool,
) -> Result<u64, SweepFailure> {
    let sweep = &sealing.sweep;
    folder::remove_if_there(&dir.join(folder::IDENTITY))?;
    let runs_schema = parquet_io::schema(&parts[0].dir.join(RUNS))?;
    merge_sorted(parts, RUNS, sweep.runs, &dir.join(RUNS), runs_schema)?;
    if sweep.keep_months.is_empty() {
        folder::remove_if_there(&dir.join(MONTHS))?;
    } else {
        let schema = parquet_io::schema(&parts[0].dir.join(MONTHS)).map_err(|e| {
            SweepFailure::UnfinishedPart {
                part: parts[0].dir.clone(),
                problem: format!("its {MONTHS} cannot be read ({e}): it may have been cut short"),
            }
        })?;
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
    sealing.seal(dir, version, report)?;
    Ok(rows.len() as u64)
}
