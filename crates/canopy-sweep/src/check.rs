//! Checking that a file of runs holds the runs it should, each once and in
//! order: a part's files before a merge, a chunk's before a resume trusts
//! it (a file copied over another, or cut short, is found here).

use std::ops::Range;
use std::path::Path;

use crate::columns::{Numbers, status_column};
use crate::parquet_io;
use crate::shard::Shard;

/// The runs a file should hold: those of `shard` whose index within the
/// shard is in `within`, with `runs` runs per point.
#[derive(Clone, Debug)]
pub struct Expected {
    /// The shard (the whole sweep: [`Shard::WHOLE`]).
    pub shard: Shard,
    /// Runs per point.
    pub runs: u64,
    /// The shard's run indices the file holds.
    pub within: Range<u64>,
}

impl Expected {
    /// Whether the run (point, run) is one of these.
    fn holds(&self, point: u64, run: u64) -> bool {
        let Some(g) = point
            .checked_mul(self.runs)
            .and_then(|x| x.checked_add(run))
        else {
            return false;
        };
        let first = self.shard.k - 1;
        g >= first
            && (g - first).is_multiple_of(self.shard.n)
            && self.within.contains(&((g - first) / self.shard.n))
    }
}

/// What is wrong with a file of runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Mismatch {
    /// It cannot be read (cut short, not Parquet, not there).
    Unreadable(String),
    /// Row `row` is the run (point, run), not one it should hold, or one
    /// that came before.
    Foreign {
        /// The row, from 0.
        row: u64,
        /// Its point.
        point: u64,
        /// Its run.
        run: u64,
    },
    /// It holds `found` runs where it should hold `expected`.
    Count {
        /// Runs found.
        found: u64,
        /// Runs it should hold.
        expected: u64,
    },
    /// Its failures are not the runs that were not ok.
    Failures {
        /// Rows of the failures file.
        rows: usize,
        /// Runs not ok.
        not_ok: usize,
    },
}

/// A Parquet file as the reader finds it: a missing or damaged file is
/// [`Mismatch::Unreadable`].
fn unreadable(e: impl std::fmt::Display) -> Mismatch {
    Mismatch::Unreadable(e.to_string())
}

/// Checks a `runs.parquet` (of a part or a chunk): every run of `expected`
/// in order, each once. Gives the runs (point, run) that were not ok.
pub fn runs(path: &Path, expected: &Expected) -> Result<Vec<(u64, u64)>, Mismatch> {
    let mut i = 0u64;
    let mut not_ok = Vec::new();
    let count = expected.within.end - expected.within.start;
    for batch in parquet_io::read(path, Some(&["point", "run", "status"])).map_err(unreadable)? {
        let batch = batch.map_err(unreadable)?;
        let point = Numbers::of(&batch, "point");
        let run = Numbers::of(&batch, "run");
        let status = status_column(&batch, path).map_err(unreadable)?;
        for r in 0..batch.num_rows() {
            // uint32 values are exact in an f64; the index is not.
            let (p, n) = (
                point.get(r).unwrap_or(0.0) as u64,
                run.get(r).unwrap_or(0.0) as u64,
            );
            let g = expected.shard.global(expected.within.start + i);
            if p.checked_mul(expected.runs).and_then(|x| x.checked_add(n)) != Some(g) {
                return Err(Mismatch::Foreign {
                    row: i,
                    point: p,
                    run: n,
                });
            }
            if status.value(r) != "ok" {
                not_ok.push((p, n));
            }
            i += 1;
        }
    }
    if i != count {
        return Err(Mismatch::Count {
            found: i,
            expected: count,
        });
    }
    Ok(not_ok)
}

/// Checks a `months.parquet` (of a chunk): every row a run of `expected`,
/// in order of point and run.
pub fn months(path: &Path, expected: &Expected) -> Result<(), Mismatch> {
    let mut last: Option<(u64, u64)> = None;
    let mut i = 0u64;
    for batch in parquet_io::read(path, Some(&["point", "run"])).map_err(unreadable)? {
        let batch = batch.map_err(unreadable)?;
        let point = Numbers::of(&batch, "point");
        let run = Numbers::of(&batch, "run");
        for r in 0..batch.num_rows() {
            let key = (
                point.get(r).unwrap_or(0.0) as u64,
                run.get(r).unwrap_or(0.0) as u64,
            );
            if !expected.holds(key.0, key.1) || last.is_some_and(|l| key < l) {
                return Err(Mismatch::Foreign {
                    row: i,
                    point: key.0,
                    run: key.1,
                });
            }
            last = Some(key);
            i += 1;
        }
    }
    Ok(())
}

/// Checks a failures file (`failures.csv`, a chunk's without its header):
/// its rows are the runs `not_ok`, in order.
pub fn failures(path: &Path, header: bool, not_ok: &[(u64, u64)]) -> Result<(), Mismatch> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(header)
        .from_path(path)
        .map_err(unreadable)?;
    let mut keys = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(unreadable)?;
        let num = |i: usize| rec.get(i).and_then(|t| t.parse::<u64>().ok()).unwrap_or(0);
        keys.push((num(0), num(1)));
    }
    if keys != not_ok {
        return Err(Mismatch::Failures {
            rows: keys.len(),
            not_ok: not_ok.len(),
        });
    }
    Ok(())
}

/// A mismatch of a chunk's file, as a person reads it.
pub fn chunk_problem(m: &Mismatch) -> String {
    match m {
        Mismatch::Unreadable(e) => format!(
            "it cannot be read ({e}); it may have been cut short when the disk filled or the machine stopped"
        ),
        Mismatch::Foreign { row, point, run } => format!(
            "its row {row} is run {run} of point {point}, which is not this chunk's or comes twice: was it copied from another chunk?"
        ),
        Mismatch::Count { found, expected } => {
            format!("it holds {found} runs where its chunk has {expected}")
        }
        Mismatch::Failures { rows, not_ok } => format!(
            "it lists {rows} failed runs where the chunk's runs file has {not_ok}: was it copied from another chunk?"
        ),
    }
}
