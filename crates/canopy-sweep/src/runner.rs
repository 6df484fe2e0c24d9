//! Running a sweep: its runs in chunks on every core, each chunk written to
//! disk as it finishes (so that results are never all in memory and an
//! interrupted sweep resumes where it stopped) and joined, in order, as it
//! is placed, into the sweep's `runs.parquet` and `months.parquet`, which
//! grow under their temporaries in `DIR` until the sweep is sealed.
//!
//! A chunk is a fixed range of the runs of the sweep (or of its shard), so
//! the files are the same whatever `--jobs` is. While a sweep runs, its
//! chunks live in `DIR/.partial/`: `runs-N.parquet` (written last, so that
//! it marks the chunk done), `months-N.parquet` and `failures-N.csv`, with
//! `identity`, the resolved sweep and a digest of its scenarios, which
//! `--resume` compares.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;

use canopy_output::atomic;

use crate::check::{self, Expected};
use crate::chunk::{self, ChunkResult, FAILURE_COLUMNS, Failure};
pub use crate::failure::{SweepFailure, Tally};
use crate::folder;
use crate::layout::Layout;
use crate::lock::{FolderLock, LockError};
use crate::main_values::{MAIN_VALUES_BYTES, MainValues};
use crate::parquet_io::{self, Joining};
use crate::points::Plan;
use crate::seal::Sealing;

pub(crate) use crate::folder::PARTIAL;

/// The values that a chunk aims at (runs times their rows): large enough
/// that scheduling costs nothing, small enough that a few chunks in flight
/// take little memory.
const CHUNK_CELLS: u64 = 1 << 20;

/// The most runs in one chunk.
const MAX_CHUNK_RUNS: u64 = 16_384;

pub use crate::shard::Shard;

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct Options {
    /// The output folder.
    pub out: PathBuf,
    /// Threads; 0: every core. Never more than the chunks left to run.
    pub jobs: usize,
    /// Only this shard's runs, under `out/part-K-of-N/`.
    pub shard: Option<Shard>,
    /// Keep the finished chunks of an interrupted run of the same sweep.
    pub resume: bool,
    /// Stop at the first run that is not ok.
    pub fail_fast: bool,
    /// Write the report.
    pub report: bool,
    /// The program's version, for `sweep.toml`.
    pub version: String,
    /// Runs per chunk, instead of the size chosen from the sweep (tests use
    /// small chunks to have many of them; the last chunks of 16 or more
    /// are cut smaller all the same, down to a run); `None` in normal use.
    /// The threads are never more than the chunks.
    pub chunk_runs: Option<u64>,
}

/// What a sweep shows as it goes; called from every worker thread.
pub trait Progress: Sync {
    /// The runs to do in all, and how many of them were done before (resumed).
    fn begin(&self, total: u64, done: u64);
    /// `runs` more runs are done.
    fn advance(&self, runs: u64);
    /// The runs are done; the files are being written.
    fn finishing(&self);
    /// The runs to do in all are now `total` (a seek that found brackets
    /// to bisect); none of the runs done is undone.
    fn grow(&self, total: u64) {
        let _ = total;
    }
    /// Whether to stop (an interrupt in a front end that cannot take
    /// signals itself); asked between chunks. A stopped sweep ends with
    /// [`SweepFailure::Stopped`], its finished chunks kept for `--resume`.
    fn stopped(&self) -> bool {
        false
    }
}

/// A progress that shows nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn begin(&self, _: u64, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finishing(&self) {}
}

/// What watches a sweep's chunks as the runner computes them: a
/// comparison gathers its pairs so, instead of reading the files back.
pub(crate) trait Watch: Sync {
    /// A chunk's results, once computed and before they are written; from
    /// any worker thread. Chunks finished before (resumed) are not given.
    fn chunk(&self, chunk: &ChunkResult) -> io::Result<()>;
    /// Every chunk is done; called on a thread of its own while the
    /// runner joins and seals the sweep's files.
    fn runs_done(&self);
}

/// Runs per chunk: about [`CHUNK_CELLS`] values of runs and months at
/// most, the sweep's `total` runs cut into chunks of one size.
fn chunk_runs(plan: &Plan, layout: &Layout, total: u64) -> u64 {
    let months = plan
        .points
        .iter()
        .map(|p| p.scenario.simulation.months as u64)
        .max()
        .unwrap_or(1);
    let per_run = 64 + months * layout.kept.len() as u64;
    even_chunks(total, (CHUNK_CELLS / per_run).clamp(16, MAX_CHUNK_RUNS))
}

/// The most chunk files written and waiting to be synced at once (each
/// open until it is).
const MAX_UNSYNCED: usize = 16;

/// Chunks cut together, so that workers end together.
const CHUNK_SET: u64 = 8;

/// The fewest runs in a chunk that [`even_chunks`] cuts smaller than the
/// largest allowed.
const MIN_CHUNK_RUNS: u64 = 256;

/// Runs per chunk for `total` runs in chunks of at most `most`: the runs
/// cut evenly into a multiple of [`CHUNK_SET`] chunks where each keeps at
/// least [`MIN_CHUNK_RUNS`] (otherwise into as many as that allows, or the
/// fewest chunks of at most `most`). The threads take chunks as they come
/// free: with a last chunk of a few runs, or a number of chunks that the
/// threads do not divide, one thread works alone at the end for up to a
/// chunk's time (a 1,000,000-run sweep in 62 chunks: 0.15 to 0.3 s of 5 s
/// on 2 cores); 1, 2, 4 or 8 threads share 64 even chunks equally.
fn even_chunks(total: u64, most: u64) -> u64 {
    let fewest = total.div_ceil(most).max(1);
    let chunks = fewest
        .next_multiple_of(CHUNK_SET)
        .min(total / MIN_CHUNK_RUNS)
        .max(fewest);
    total.div_ceil(chunks).max(1)
}

/// The stack of the threads that seal a sweep (its tables and report are
/// worked out on them): the main thread's usual size, not a spawned
/// thread's 2 MiB.
const SEAL_STACK: usize = 8 << 20;

/// Chunks at the end of a sweep are cut this many times smaller.
const TAPER: u64 = 4;

/// How a sweep's runs are cut into chunks: `full` chunks of `per` runs,
/// then the rest in chunks of `small`. The threads take chunks as they
/// come free, so one that ends a chunk while another has just begun one
/// waits up to a chunk's time at the end (15 – 65 ms of a 1,000,000-run
/// sweep on 2 cores, 70 ms a chunk): smaller chunks at the end keep that
/// wait to a small chunk's time. The cut depends on the runs alone, never
/// on the threads, so that the files do not either.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Cuts {
    total: u64,
    per: u64,
    full: u64,
    small: u64,
}

impl Cuts {
    /// `total` runs in chunks of `per`, every one the same.
    fn even(total: u64, per: u64) -> Cuts {
        let per = per.max(1);
        Cuts {
            total,
            per,
            full: total.div_ceil(per),
            small: per,
        }
    }

    /// `total` runs in chunks of `per`, the last [`CHUNK_SET`] chunks' runs
    /// cut [`TAPER`] times smaller where there are at least twice as many
    /// chunks and the smaller ones keep `least` runs.
    fn tapered(total: u64, per: u64, least: u64) -> Cuts {
        let even = Cuts::even(total, per);
        let small = even.per.div_ceil(TAPER);
        if even.full < 2 * CHUNK_SET || small < least {
            return even;
        }
        Cuts {
            full: even.full - CHUNK_SET,
            small,
            ..even
        }
    }

    /// How many chunks.
    fn count(&self) -> u64 {
        let rest = self.total.saturating_sub(self.full * self.per);
        self.full + rest.div_ceil(self.small)
    }

    /// Chunk `j`'s runs.
    fn range(&self, j: u64) -> std::ops::Range<u64> {
        let start = if j <= self.full {
            j * self.per
        } else {
            self.full * self.per + (j - self.full) * self.small
        };
        let len = if j < self.full { self.per } else { self.small };
        start.min(self.total)..(start + len).min(self.total)
    }

    /// The cut in words, for the identity of a sweep's unfinished chunks.
    fn describe(&self) -> String {
        match self.count() > self.full {
            false => format!("{}", self.per),
            true => format!("{}, after {} chunks {}", self.per, self.full, self.small),
        }
    }
}

fn chunk_file(dir: &Path, what: &str, j: u64, ext: &str) -> PathBuf {
    dir.join(format!("{what}-{j:08}.{ext}"))
}

/// Checks the finished chunk `j` (the shard's runs `within`) before a
/// resume trusts it.
fn check_chunk(
    partial: &Path,
    j: u64,
    within: std::ops::Range<u64>,
    shard: Shard,
    plan: &Plan,
    layout: &Layout,
) -> Result<(), SweepFailure> {
    let expected = Expected {
        shard,
        runs: plan.sweep.runs,
        within,
    };
    let damaged = |path: PathBuf, m: check::Mismatch| SweepFailure::DamagedChunk {
        problem: check::chunk_problem(&m),
        path,
    };
    let runs = chunk_file(partial, "runs", j, "parquet");
    let not_ok = check::runs(&runs, &expected).map_err(|m| damaged(runs, m))?;
    if layout.months.is_some() {
        let months = chunk_file(partial, "months", j, "parquet");
        check::months(&months, &expected).map_err(|m| damaged(months, m))?;
    }
    let failures = chunk_file(partial, "failures", j, "csv");
    match failures.try_exists() {
        Ok(true) => check::failures(&failures, false, &not_ok).map_err(|m| damaged(failures, m)),
        Ok(false) if not_ok.is_empty() => Ok(()),
        Ok(false) => {
            let m = check::Mismatch::Failures {
                rows: 0,
                not_ok: not_ok.len(),
            };
            Err(damaged(failures, m))
        }
        Err(e) => Err(damaged(
            failures,
            check::Mismatch::Unreadable(e.to_string()),
        )),
    }
}

/// The files a finished sweep (or part) should hold that are not in `dir`.
fn missing_results(dir: &Path, plan: &Plan, opts: &Options) -> Vec<String> {
    let mut names = vec![folder::RUNS, folder::FAILURES, folder::SWEEP_TOML];
    let kept = !plan.sweep.keep_months.is_empty();
    if kept {
        names.push(folder::MONTHS);
    }
    if opts.shard.is_some() {
        names.push(folder::POINT_MONTHS);
    } else {
        names.push(folder::POINTS);
        if let Some(s) = &plan.sweep.sensitivity {
            // A design's rows have indices, not bands.
            names.push(folder::SENSITIVITY);
            if matches!(s.method, crate::file::Method::Sobol { second_order: true }) {
                names.push(folder::SENSITIVITY_S2);
            }
        } else if kept {
            names.extend([folder::BANDS_CSV, folder::BANDS_PARQUET]);
        }
    }
    names
        .into_iter()
        .filter(|n| !dir.join(n).is_file())
        .map(String::from)
        .collect()
}

/// Reads a file that may be absent.
fn read_optional(path: &Path) -> io::Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    }
}

/// Checks that `path` can be a sweep's folder: not a file, not a link to
/// nothing.
pub fn check_folder(path: &Path) -> Result<(), SweepFailure> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() && fs::metadata(path).is_err() => {
            Err(SweepFailure::DanglingLink {
                path: path.to_path_buf(),
                target: fs::read_link(path).unwrap_or_default(),
            })
        }
        _ if fs::metadata(path).is_ok_and(|m| !m.is_dir()) => Err(SweepFailure::NotAFolder {
            path: path.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

/// Makes the folder `dir` if need be and locks it for this process.
pub fn lock_folder(dir: &Path) -> Result<FolderLock, SweepFailure> {
    fs::create_dir_all(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    FolderLock::try_acquire(dir).map_err(|e| match e {
        LockError::Busy => SweepFailure::Busy {
            dir: dir.to_path_buf(),
        },
        LockError::Io(e) => SweepFailure::Io(e),
    })
}

/// The worker threads for `jobs` (0: every core) and `pending` chunks to
/// run: never more than the chunks, since a thread without one would only
/// wait (and thousands of them take minutes to start).
pub fn threads_for(jobs: usize, pending: u64) -> usize {
    let wanted = match jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    wanted
        .min(usize::try_from(pending).unwrap_or(usize::MAX))
        .max(1)
}

/// Runs the sweep `plan` as `opts` say.
pub fn run(plan: &Plan, opts: &Options, progress: &dyn Progress) -> Result<Tally, SweepFailure> {
    run_watched(plan, opts, progress, None)
}

/// [`run`], with `watch` given each chunk as it is computed.
pub(crate) fn run_watched(
    plan: &Plan,
    opts: &Options,
    progress: &dyn Progress,
    watch: Option<&dyn Watch>,
) -> Result<Tally, SweepFailure> {
    let shard = opts.shard.unwrap_or(Shard::WHOLE);
    let dir = match opts.shard {
        Some(s) => opts.out.join(s.dir_name()),
        None => opts.out.clone(),
    };
    check_folder(&opts.out)?;
    check_folder(&dir)?;
    // Held until the sweep returns: a second sweep into this folder is refused.
    let _lock = lock_folder(&dir)?;
    let partial = dir.join(PARTIAL);
    let sealing = Sealing::of(plan, &opts.version);
    let identity_file = partial.join("identity");
    let layout = Layout::of(plan);
    let total = shard.count(plan.points.len() as u64 * plan.sweep.runs);
    let mut cuts = match opts.chunk_runs {
        Some(per) => Cuts::tapered(total, per, 1),
        None => Cuts::tapered(total, chunk_runs(plan, &layout, total), MIN_CHUNK_RUNS),
    };
    // The chunks in .partial are this sweep's only if cut the same way.
    let identity_of =
        |cuts: &Cuts| format!("{}# chunk runs {}\n", sealing.identity, cuts.describe());
    let mut partial_identity = identity_of(&cuts);

    if opts.resume {
        match read_optional(&identity_file)? {
            // Begun by a build that cut every chunk the same size: it goes
            // on so, its finished chunks kept.
            Some(old) if old == identity_of(&Cuts::even(total, cuts.per)) => {
                cuts = Cuts::even(total, cuts.per);
                partial_identity = old;
            }
            Some(old) if old != partial_identity => {
                return Err(SweepFailure::OtherSweep {
                    dir,
                    unfinished: true,
                });
            }
            Some(_) => {}
            None => match read_optional(&dir.join(folder::IDENTITY))? {
                Some(old) if old == sealing.identity => {
                    let missing = missing_results(&dir, plan, opts);
                    if !missing.is_empty() {
                        return Err(SweepFailure::Incomplete { dir, missing });
                    }
                    return Ok(Tally {
                        runs: total,
                        not_ok: 0,
                        resumed: total,
                        already_finished: true,
                        dir,
                    });
                }
                Some(_) => {
                    return Err(SweepFailure::OtherSweep {
                        dir,
                        unfinished: false,
                    });
                }
                None => {}
            },
        }
    } else {
        // Earlier results go first, so that an interrupted run leaves no
        // folder that holds part of one sweep and part of another.
        folder::remove_results(&dir)?;
        if partial.exists() {
            fs::remove_dir_all(&partial)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", partial.display())))?;
        }
    }
    folder::remove_dead_temporaries(&dir)?;
    fs::create_dir_all(&partial)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", partial.display())))?;
    if !identity_file.exists() {
        atomic::write_atomic(&identity_file, partial_identity.as_bytes())?;
    }
    folder::remove_dead_temporaries_of_any(&partial)?;

    let chunks = cuts.count();
    let range = |j: u64| cuts.range(j);
    let done = |j: u64| chunk_file(&partial, "runs", j, "parquet").exists();
    let mut resumed = 0;
    let mut pending = 0;
    for j in 0..chunks {
        if done(j) {
            // A chunk is trusted only once its rows are this chunk's own,
            // as a merge checks a part's.
            check_chunk(&partial, j, range(j), shard, plan, &layout)?;
            resumed += range(j).end - range(j).start;
        } else {
            pending += 1;
        }
    }
    progress.begin(total, resumed);

    let stop = AtomicBool::new(false);
    let first_failure: Mutex<Option<Failure>> = Mutex::new(None);
    let threads = threads_for(opts.jobs, pending);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(SEAL_STACK)
        .build()
        .map_err(|e| io::Error::other(format!("cannot start the worker threads: {e}")))?;
    // Each worker takes the next chunk in order, so that the chunks in
    // flight are few and neighbours (memory stays flat, and the first
    // failure `--fail-fast` meets is an early one).
    let next = AtomicU64::new(0);
    let error: Mutex<Option<io::Error>> = Mutex::new(None);
    // A whole sweep done in one go keeps its main metrics' values for the
    // points, where they fit; a part, or a resumed sweep, reads them back.
    let gathered = (opts.shard.is_none() && resumed == 0)
        .then(|| MainValues::within(plan.points.len(), plan.sweep.runs, MAIN_VALUES_BYTES))
        .flatten();
    let work = |to_sync: &SyncSender<parquet_io::Unsynced>| -> io::Result<()> {
        loop {
            let j = next.fetch_add(1, Ordering::Relaxed);
            if j >= chunks || stop.load(Ordering::Relaxed) || progress.stopped() {
                return Ok(());
            }
            if done(j) {
                continue;
            }
            let r = range(j);
            let n = r.end - r.start;
            let result = chunk::compute(plan, &layout, r.map(|i| shard.global(i)));
            if opts.fail_fast && !result.failures.is_empty() {
                stop.store(true, Ordering::Relaxed);
                let mut first = first_failure.lock().unwrap_or_else(|e| e.into_inner());
                let f = &result.failures[0];
                if first
                    .as_ref()
                    .is_none_or(|g| (f.point, f.run) < (g.point, g.run))
                {
                    *first = Some(f.clone());
                }
                return Ok(());
            }
            if let Some(w) = watch {
                w.chunk(&result)?;
            }
            if let Some(g) = &gathered {
                g.add(&result.runs);
            }
            // A chunk's failures file is written only where it has failures
            // (each file written is synced: most chunks have none).
            let failures = chunk_file(&partial, "failures", j, "csv");
            if result.failures.is_empty() {
                folder::remove_if_there(&failures)?;
            } else {
                atomic::write_atomic(&failures, &failure_rows(&result.failures)?)?;
            }
            // The chunk's files are synced and placed by the syncer, its
            // months before its runs (which mark it done), while this
            // thread goes on. A syncer gone has met an error, which it
            // gives: nothing more to do.
            if let Some(months) = &result.months {
                let path = chunk_file(&partial, "months", j, "parquet");
                if to_sync
                    .send(parquet_io::write_chunk_unsynced(&path, months)?)
                    .is_err()
                {
                    return Ok(());
                }
            }
            let path = chunk_file(&partial, "runs", j, "parquet");
            if to_sync
                .send(parquet_io::write_chunk_unsynced(&path, &result.runs)?)
                .is_err()
            {
                return Ok(());
            }
            progress.advance(n);
        }
    };
    // The first error met, a worker's or the syncer's, is the sweep's, and
    // stops it.
    let fail = |e: io::Error| {
        stop.store(true, Ordering::Relaxed);
        error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(e);
    };
    let joins = Joins::create(&dir, &layout)?;
    // Nothing more is joined once the sweep stops: its join is dropped.
    let joinable = |j| !stop.load(Ordering::Relaxed) && !progress.stopped() && done(j);
    let joins = std::thread::scope(|s| {
        // Syncing a chunk's files waits on the disk, not the processor: on
        // a thread of its own, it keeps no worker from its next chunk. A
        // few files (each open until placed) may wait to be synced; past
        // that, a worker waits.
        let waiting = (2 * threads).min(MAX_UNSYNCED);
        let (to_sync, unsynced) = std::sync::mpsc::sync_channel::<parquet_io::Unsynced>(waiting);
        let (fail, partial, joinable) = (&fail, &partial, &joinable);
        let syncer = s.spawn(move || {
            // Each chunk placed is joined as soon as those before it are
            // (those a resumed sweep kept, at once), so that little is
            // left to join once the last run is done.
            let mut joins = joins;
            if let Err(e) = joins.catch_up(partial, chunks, joinable) {
                fail(e);
                return joins;
            }
            for file in unsynced {
                let placed = file
                    .place()
                    .and_then(|()| joins.catch_up(partial, chunks, joinable));
                if let Err(e) = placed {
                    // The files after it are dropped unplaced: removed.
                    fail(e);
                    break;
                }
            }
            joins
        });
        pool.scope(|scope| {
            for _ in 0..pool.current_num_threads() {
                let to_sync = to_sync.clone();
                let (work, fail) = (&work, &fail);
                scope.spawn(move |_| {
                    if let Err(e) = work(&to_sync) {
                        fail(e);
                    }
                });
            }
        });
        drop(to_sync);
        syncer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    if let Some(e) = error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e.into());
    }
    if let Some(failure) = first_failure
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
    {
        let spec = plan.run_spec(failure.point as usize, u64::from(failure.run));
        return Err(SweepFailure::FailFast {
            command: plan.command_line(&spec),
            failure,
        });
    }
    if progress.stopped() {
        return Err(SweepFailure::Stopped);
    }
    progress.finishing();

    // The watcher's own work goes on beside the joining and sealing.
    let (joined, watched) = std::thread::scope(|s| {
        let watched = watch.map(|w| s.spawn(|| w.runs_done()));
        // On as many threads as the workers would have had with every
        // chunk left to run (their own pool, unless a resume left fewer):
        // the points pass and the sensitivity share their work out.
        let joined = match threads_for(opts.jobs, chunks) {
            n if n == threads => Ok(pool),
            n => rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .stack_size(SEAL_STACK)
                .build(),
        }
        .map_err(|e| io::Error::other(format!("cannot start the threads: {e}")))
        .and_then(|pool| {
            pool.install(|| join_and_seal(&dir, &partial, chunks, joins, &sealing, gathered, opts))
        });
        (joined, watched.map(|h| h.join()))
    });
    if let Some(Err(panic)) = watched {
        std::panic::resume_unwind(panic);
    }
    let not_ok = joined?;
    Ok(Tally {
        runs: total,
        not_ok,
        resumed,
        already_finished: false,
        dir,
    })
}

/// The sweep's `runs.parquet` and, where months are kept,
/// `months.parquet`, joined from its chunks in order as they are placed.
struct Joins {
    runs: Joining,
    months: Option<Joining>,
    /// The first chunk not yet joined.
    next: u64,
}

impl Joins {
    /// Starts the joined files of a sweep of `layout` in `dir`.
    fn create(dir: &Path, layout: &Layout) -> io::Result<Joins> {
        let months = match &layout.months {
            Some(schema) => Some(Joining::create(&dir.join(folder::MONTHS), schema)?),
            None => None,
        };
        Ok(Joins {
            runs: Joining::create(&dir.join(folder::RUNS), &layout.runs)?,
            months,
            next: 0,
        })
    }

    /// Joins the chunks placed (`done`) from the next one on, up to the
    /// first of the `chunks` not yet placed.
    fn catch_up(
        &mut self,
        partial: &Path,
        chunks: u64,
        done: impl Fn(u64) -> bool,
    ) -> io::Result<()> {
        while self.next < chunks && done(self.next) {
            self.join(partial, self.next)?;
        }
        Ok(())
    }

    /// Joins chunk `j`, the next one: its months, then its runs.
    fn join(&mut self, partial: &Path, j: u64) -> io::Result<()> {
        if let Some(months) = &mut self.months {
            months.append(&chunk_file(partial, "months", j, "parquet"))?;
        }
        self.runs
            .append(&chunk_file(partial, "runs", j, "parquet"))?;
        self.next = j + 1;
        Ok(())
    }

    /// Joins every chunk left of the `chunks` (a chunk not there is an
    /// error naming its file) and ends `months.parquet`; gives the runs'
    /// file to end.
    fn finish_months(mut self, partial: &Path, chunks: u64) -> io::Result<Joining> {
        while self.next < chunks {
            self.join(partial, self.next)?;
        }
        if let Some(months) = self.months {
            months.finish()?;
        }
        Ok(self.runs)
    }
}

/// Ends the sweep's files in `dir` from the `chunks` finished chunks in
/// `partial`, joined in order (`joins`, which holds those joined as they
/// were placed), seals the folder and removes `partial`; gives the runs
/// that were not ok. The points take the main metrics' values `gathered`
/// as the runs were done, if any.
fn join_and_seal(
    dir: &Path,
    partial: &Path,
    chunks: u64,
    joins: Joins,
    sealing: &Sealing,
    gathered: Option<MainValues>,
    opts: &Options,
) -> io::Result<u64> {
    let files = |what: &str, ext: &str| -> Vec<PathBuf> {
        (0..chunks)
            .map(|j| chunk_file(partial, what, j, ext))
            .collect()
    };
    let has_months = joins.months.is_some();
    let runs_joined = joins.finish_months(partial, chunks)?;
    if !has_months {
        folder::remove_if_there(&dir.join(folder::MONTHS))?;
    }
    let mut failures = csv_header()?;
    let mut not_ok = 0;
    for f in files("failures", "csv") {
        // No file: a chunk without failures.
        let bytes = match fs::read(&f) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", f.display()))),
        };
        not_ok += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        failures.extend_from_slice(&bytes);
    }
    // Messages are one line each, so lines count rows.
    let runs = files("runs", "parquet");
    // Both wait on the disk for their sync, beside the points' work.
    let join_runs = || {
        atomic::write_atomic(&dir.join(folder::FAILURES), &failures)?;
        runs_joined.finish()
    };
    if opts.shard.is_none() {
        // The points are worked out from the chunks while `failures.csv`
        // and `runs.parquet` are ended.
        sealing.seal_joining_with(dir, &opts.version, opts.report, &runs, gathered, join_runs)?;
    } else {
        join_runs()?;
        sealing.seal_part(dir)?;
    }
    fs::remove_dir_all(partial)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", partial.display())))?;
    Ok(not_ok)
}

/// The header line of `failures.csv`.
pub fn csv_header() -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(FAILURE_COLUMNS)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// Failures as `failures.csv` rows, without the header.
pub fn failure_rows(failures: &[Failure]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for f in failures {
        // One line per row: a message never spans lines.
        let mut cells = f.cells();
        cells[5] = cells[5].replace(['\n', '\r'], " ");
        cells[4] = cells[4].replace(['\n', '\r'], " ");
        w.write_record(&cells)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::{
        CHUNK_SET, Cuts, Joins, MIN_CHUNK_RUNS, TAPER, chunk_file, even_chunks, threads_for,
    };
    use crate::layout::Layout;
    use crate::{CommandLine, folder, parquet_io, plan_text};
    use std::path::Path;

    #[test]
    fn chunks_placed_out_of_order_are_joined_in_order_as_the_whole_join() {
        let text = "[sweep]\nscenario = \"stress\"\nruns = 9\nkeep_months = [\"aegis_value\"]\n\n\
                    [[sample]]\nkey = \"leaf_price.volatility\"\nuniform = { low = 0.1, high = 0.9 }\n";
        let plan = plan_text("s.toml", text, Path::new(""), &CommandLine::default()).unwrap();
        let layout = Layout::of(&plan);
        let dir = tempfile::tempdir().unwrap();
        let partial = dir.path().join("partial");
        std::fs::create_dir(&partial).unwrap();
        let (out, whole) = (dir.path().join("out"), dir.path().join("whole"));
        std::fs::create_dir(&out).unwrap();
        let mut joins = Joins::create(&out, &layout).unwrap();
        let mut placed = Vec::new();
        // Chunks of 3 runs placed in the order 2, 0, 1: nothing joins
        // until chunk 0 is there, then 0 alone, then 1 and 2.
        for (j, joined) in [(2, 0), (0, 1), (1, 3)] {
            let result = crate::chunk::compute(&plan, &layout, 3 * j..3 * j + 3);
            let months = result.months.as_ref().unwrap();
            parquet_io::write_batch(&chunk_file(&partial, "months", j, "parquet"), months).unwrap();
            parquet_io::write_batch(&chunk_file(&partial, "runs", j, "parquet"), &result.runs)
                .unwrap();
            placed.push(j);
            joins
                .catch_up(&partial, 3, |k| placed.contains(&k))
                .unwrap();
            assert_eq!(joins.next, joined, "after chunk {j}");
        }
        joins.finish_months(&partial, 3).unwrap().finish().unwrap();
        std::fs::create_dir(&whole).unwrap();
        for (what, name, schema) in [
            ("runs", folder::RUNS, layout.runs.clone()),
            ("months", folder::MONTHS, layout.months.clone().unwrap()),
        ] {
            let files: Vec<_> = (0..3)
                .map(|j| chunk_file(&partial, what, j, "parquet"))
                .collect();
            parquet_io::concat(&files, &whole.join(name), &schema).unwrap();
            let bytes = |d: &Path| std::fs::read(d.join(name)).unwrap();
            assert_eq!(bytes(&out), bytes(&whole), "{name}");
        }
        // Nothing else was left in the folder: no temporary.
        let mut names: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, [folder::MONTHS, folder::RUNS]);
    }

    #[test]
    fn a_join_dropped_unfinished_leaves_nothing() {
        let text = "[sweep]\nscenario = \"reference\"\nruns = 2\n";
        let plan = plan_text("s.toml", text, Path::new(""), &CommandLine::default()).unwrap();
        let layout = Layout::of(&plan);
        let dir = tempfile::tempdir().unwrap();
        let joins = Joins::create(dir.path(), &layout).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        drop(joins);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn the_last_chunks_are_cut_smaller_and_every_run_is_in_one() {
        // The 1,000,000-run sweep: 56 chunks of 15,625, then 125,000 runs
        // in 31 chunks of 3,907 and one of 3,883.
        let cuts = Cuts::tapered(1_000_000, 15_625, MIN_CHUNK_RUNS);
        assert_eq!(cuts.count(), 56 + 32);
        assert_eq!(cuts.range(55), 859_375..875_000);
        assert_eq!(cuts.range(56), 875_000..878_907);
        assert_eq!(cuts.range(87), 996_117..1_000_000);
        assert_eq!(cuts.describe(), "15625, after 56 chunks 3907");
        // Too few chunks, or small ones too small: all even.
        assert_eq!(Cuts::tapered(10_000, 1_250, 256), Cuts::even(10_000, 1_250));
        assert_eq!(
            Cuts::tapered(16 * 1_000, 1_000, 256),
            Cuts::even(16 * 1_000, 1_000)
        );
        // Chunk sizes given (tests): small chunks of a run or more.
        assert_eq!(Cuts::tapered(100, 5, 1).count(), 12 + 20);
        assert_eq!(Cuts::tapered(100, 5, 1).range(12), 60..62);
        assert_eq!(Cuts::even(10_000, 1_250).describe(), "1250");
        assert_eq!(Cuts::even(0, 5).count(), 0);
        for total in (0..3_000).chain((0..500).map(|k| k * 99_991 + 3_000)) {
            for per in [1, 7, 256, 1_024, 1_100, 4_096, 15_625] {
                if total / per > 20_000 {
                    continue;
                }
                for cuts in [
                    Cuts::even(total, per),
                    Cuts::tapered(total, per, MIN_CHUNK_RUNS),
                    Cuts::tapered(total, per, 1),
                ] {
                    // In order, each next to the last, none empty, none
                    // larger than asked, together every run.
                    let mut next = 0;
                    for j in 0..cuts.count() {
                        let r = cuts.range(j);
                        assert_eq!(r.start, next, "{cuts:?} chunk {j}");
                        assert!(
                            !r.is_empty() && r.end - r.start <= per,
                            "{cuts:?} chunk {j}"
                        );
                        next = r.end;
                    }
                    assert_eq!(next, total, "{cuts:?}");
                    let small = cuts.range(cuts.count().saturating_sub(1));
                    if cuts != Cuts::even(total, per) {
                        assert!(small.end - small.start <= per.div_ceil(TAPER), "{cuts:?}");
                        assert!(cuts.count() >= 2 * CHUNK_SET, "{cuts:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn runs_are_cut_into_even_chunks_that_threads_share_equally() {
        // The 1,000,000-run sweep: 64 chunks of 15,625, not 61 of 16,384
        // and one of 576.
        assert_eq!(even_chunks(1_000_000, 16_384), 15_625);
        // 10,000 runs with kept months (at most 2,166 a chunk): 8 of 1,250.
        assert_eq!(even_chunks(10_000, 2_166), 1_250);
        // Small sweeps: as many chunks as keep 256 runs each, or one.
        assert_eq!(even_chunks(1_000, 16_384), 334);
        assert_eq!(even_chunks(20, 16_384), 20);
        assert_eq!(even_chunks(0, 16_384), 1);
        for total in (0..5_000).chain((0..2_000).map(|k| k * 9_973 + 5_000)) {
            for most in [16, 100, 2_166, 16_384] {
                let per = even_chunks(total, most);
                let chunks = total.div_ceil(per);
                let fewest = total.div_ceil(most);
                let last = total - (chunks.max(1) - 1) * per;
                assert!(
                    per <= most.max(1) && last <= per,
                    "{total} by {most}: {per}"
                );
                // No more chunks than asked for, and the last one not short
                // by more than one run per chunk.
                assert!(
                    chunks <= fewest.next_multiple_of(CHUNK_SET).max(1),
                    "{total} by {most}: {chunks}"
                );
                assert!(
                    total == 0 || last + chunks >= per,
                    "{total} by {most}: last {last} of {per}"
                );
                if chunks > fewest {
                    assert!(per >= MIN_CHUNK_RUNS, "{total} by {most}: {per}");
                }
                // A multiple of the set (exactly, while the chunks are
                // fewer than the runs in one: rounding the size up can
                // save a chunk only where they are more).
                if total / MIN_CHUNK_RUNS >= fewest.next_multiple_of(CHUNK_SET) && chunks < per {
                    assert_eq!(chunks % CHUNK_SET, 0, "{total} by {most}: {chunks} chunks");
                }
            }
        }
    }

    #[test]
    fn the_pool_is_capped_at_the_chunks_there_are() {
        assert_eq!(threads_for(65_535, 5), 5);
        assert_eq!(threads_for(3, 5), 3);
        assert_eq!(threads_for(8, 0), 1);
    }
}
