//! The sweep runner, merge, resume and sealing, through the library: a
//! stopped sweep resumed, chunks and parts damaged or copied, folders
//! locked, and a folder sealed again elsewhere, each against the files of
//! one uninterrupted sweep.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use canopy_sweep::folder::PARTIAL;
use canopy_sweep::folder::{self, IDENTITY, SWEEP_TOML};
use canopy_sweep::{
    CommandLine, FolderLock, Options, Plan, Progress, Quiet, Sealing, Shard, SweepFailure,
    plan_text, run,
};

/// A grid of two points on the scenario with every random feature on, a
/// sample, and two kept metrics: 2 x 12 runs.
const GRID: &str = r#"
[sweep]
scenario = "stress"
runs = 12
seed = 41
keep_months = ["leaf_price", "aegis_value"]

[[axis]]
key = "leaf_price.volatility"
values = [0.02, 0.08]

[[sample]]
key = "market.net_demand_usd"
uniform = { low = -50_000, high = 0 }
"#;

fn planned(text: &str) -> Plan {
    plan_text("grid.toml", text, Path::new(""), &CommandLine::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn options(out: &Path, chunk: u64) -> Options {
    common::options(out, Some(chunk))
}

/// A progress that asks the sweep to stop once `after` runs are done.
struct StopAfter {
    after: u64,
    done: AtomicU64,
}

impl StopAfter {
    fn new(after: u64) -> StopAfter {
        StopAfter {
            after,
            done: AtomicU64::new(0),
        }
    }
}

impl Progress for StopAfter {
    fn begin(&self, _: u64, _: u64) {}
    fn advance(&self, runs: u64) {
        self.done.fetch_add(runs, Ordering::SeqCst);
    }
    fn finishing(&self) {}
    fn stopped(&self) -> bool {
        self.done.load(Ordering::SeqCst) >= self.after
    }
}

/// The result files of a sweep folder, by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Asserts that two folders hold the same files, naming those that differ.
fn same_files(a: &Path, b: &Path) {
    let (fa, fb) = (files(a), files(b));
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&fa),
        names(&fb),
        "{} and {}",
        a.display(),
        b.display()
    );
    let differ: Vec<&String> = fa
        .iter()
        .zip(&fb)
        .filter(|(x, y)| x.1 != y.1)
        .map(|(x, _)| &x.0)
        .collect();
    assert!(
        differ.is_empty(),
        "{differ:?} differ between {} and {}",
        a.display(),
        b.display()
    );
}

fn names(dir: &Path) -> Vec<String> {
    files(dir).into_iter().map(|(n, _)| n).collect()
}

/// The whole sweep, run at once, in `dir/name`.
fn whole(dir: &Path, name: &str, plan: &Plan) -> PathBuf {
    let out = dir.join(name);
    run(plan, &options(&out, 5), &Quiet).unwrap();
    out
}

/// A sweep stopped after three chunks of 5 runs, its chunks left in
/// `.partial/`.
fn stopped(dir: &Path, name: &str, plan: &Plan) -> PathBuf {
    let out = dir.join(name);
    let e = run(plan, &options(&out, 5), &StopAfter::new(15)).unwrap_err();
    assert!(matches!(e, SweepFailure::Stopped), "{e}");
    out
}

fn chunk(out: &Path, what: &str, j: u64, ext: &str) -> PathBuf {
    out.join(PARTIAL).join(format!("{what}-{j:08}.{ext}"))
}

fn resume(plan: &Plan, out: &Path) -> Result<canopy_sweep::Tally, SweepFailure> {
    let opts = Options {
        resume: true,
        ..options(out, 5)
    };
    run(plan, &opts, &Quiet)
}

#[test]
fn a_stopped_sweep_resumes_to_the_files_of_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let whole = whole(dir.path(), "whole", &plan);
    let out = stopped(dir.path(), "stopped", &plan);
    assert!(chunk(&out, "runs", 0, "parquet").exists());
    assert!(!out.join(folder::RUNS).exists());
    // No file but the chunks: those joined as they were placed went with
    // the sweep.
    assert_eq!(names(&out), Vec::<String>::new());
    let tally = resume(&plan, &out).unwrap();
    assert_eq!(tally.runs, 24);
    assert!(
        (15..24).contains(&tally.resumed),
        "{} resumed",
        tally.resumed
    );
    same_files(&out, &whole);
    assert!(!out.join(PARTIAL).exists());
    // Resuming it again changes nothing.
    let again = resume(&plan, &out).unwrap();
    assert!(again.already_finished);
    same_files(&out, &whole);
}

#[test]
fn a_chunk_file_that_cannot_be_placed_stops_the_sweep_with_its_error() {
    // A chunk's files are synced and placed by a thread of their own: a
    // file that cannot be placed (a folder with a file in it where it
    // goes) is the sweep's error, naming it; the chunk is not marked done
    // and no temporary is left. Without the obstacle, the sweep resumes to
    // the files of an uninterrupted one.
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let whole = whole(dir.path(), "whole", &plan);
    let out = stopped(dir.path(), "blocked", &plan);
    let j = (0..5)
        .rev()
        .find(|&j| !chunk(&out, "runs", j, "parquet").exists())
        .expect("a chunk left to run");
    let blocker = chunk(&out, "months", j, "parquet");
    fs::create_dir(&blocker).unwrap();
    fs::write(blocker.join("x"), "").unwrap();
    let e = resume(&plan, &out).unwrap_err().to_string();
    assert!(e.contains(&format!("months-{j:08}.parquet")), "{e}");
    assert!(!chunk(&out, "runs", j, "parquet").exists());
    let temporaries: Vec<String> = fs::read_dir(out.join(PARTIAL))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(temporaries.is_empty(), "{temporaries:?}");
    fs::remove_dir_all(&blocker).unwrap();
    resume(&plan, &out).unwrap();
    same_files(&out, &whole);
}

/// [`GRID`] with a sample that makes about half the runs invalid: chunks
/// with failures and, now and then, one without.
const FAILING: &str = r#"
[sweep]
scenario = "stress"
runs = 40
seed = 7
keep_months = ["aegis_value"]

[[sample]]
key = "leaf_price.volatility"
uniform = { low = -0.05, high = 0.05 }
"#;

#[test]
fn only_chunks_with_failures_leave_a_failures_file_and_resume_joins_them_all() {
    let dir = tempfile::tempdir().unwrap();
    // No failures, no file.
    let out = stopped(dir.path(), "grid", &planned(GRID));
    assert!(chunk(&out, "runs", 0, "parquet").exists());
    assert!(!chunk(&out, "failures", 0, "csv").exists());
    // Failures in some chunks: stopped and resumed, the files of a sweep
    // run whole, failures.csv among them.
    let plan = planned(FAILING);
    let whole = whole(dir.path(), "whole", &plan);
    let failed = fs::read_to_string(whole.join(folder::FAILURES)).unwrap();
    let rows = failed.lines().count() - 1;
    assert!((5..35).contains(&rows), "{rows} failed runs of 40");
    let out = stopped(dir.path(), "failing", &plan);
    let with_file = (0..3)
        .filter(|&j| chunk(&out, "failures", j, "csv").exists())
        .count();
    assert!(with_file > 0, "no chunk of the first three kept failures");
    resume(&plan, &out).unwrap();
    same_files(&out, &whole);
}

#[test]
fn a_chunk_that_lost_its_failures_file_is_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(FAILING);
    let out = stopped(dir.path(), "o", &plan);
    let j = (0..3)
        .find(|&j| chunk(&out, "failures", j, "csv").exists())
        .expect("a chunk with failures");
    fs::remove_file(chunk(&out, "failures", j, "csv")).unwrap();
    let e = resume(&plan, &out).unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(e, SweepFailure::DamagedChunk { ref path, .. } if *path == chunk(&out, "failures", j, "csv")),
        "{text}"
    );
    assert!(text.contains("it lists 0 failed runs"), "{text}");
    assert!(!out.join(folder::RUNS).exists());
}

#[test]
fn a_chunk_copied_over_another_is_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let out = stopped(dir.path(), "o", &plan);
    for (what, ext) in [("runs", "parquet"), ("months", "parquet")] {
        fs::copy(chunk(&out, what, 0, ext), chunk(&out, what, 1, ext)).unwrap();
    }
    let e = resume(&plan, &out).unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(e, SweepFailure::DamagedChunk { ref path, .. } if *path == chunk(&out, "runs", 1, "parquet")),
        "{text}"
    );
    assert!(
        text.contains("row 0 is run 0 of point 0") && text.contains("copied from another chunk"),
        "{text}"
    );
    assert!(e.is_refusal());
    // Nothing was joined from it.
    assert!(!out.join(folder::RUNS).exists());
}

#[test]
fn a_months_chunk_copied_from_another_is_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let out = stopped(dir.path(), "o", &plan);
    fs::copy(
        chunk(&out, "months", 0, "parquet"),
        chunk(&out, "months", 2, "parquet"),
    )
    .unwrap();
    let e = resume(&plan, &out).unwrap_err();
    assert!(
        matches!(e, SweepFailure::DamagedChunk { ref path, .. } if *path == chunk(&out, "months", 2, "parquet")),
        "{e}"
    );
}

#[test]
fn a_chunk_cut_short_is_named_with_what_happened() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let out = stopped(dir.path(), "o", &plan);
    let runs = chunk(&out, "runs", 1, "parquet");
    let bytes = fs::read(&runs).unwrap();
    fs::write(&runs, &bytes[..bytes.len() / 2]).unwrap();
    let e = resume(&plan, &out).unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(e, SweepFailure::DamagedChunk { ref path, .. } if *path == runs),
        "{text}"
    );
    assert!(text.contains("cut short"), "{text}");
    assert!(text.contains(&runs.display().to_string()), "{text}");
}

#[test]
fn a_finished_sweep_whose_files_were_deleted_is_not_nothing_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let out = whole(dir.path(), "o", &plan);
    fs::remove_file(out.join(folder::BANDS_CSV)).unwrap();
    fs::remove_file(out.join(folder::RUNS)).unwrap();
    let e = resume(&plan, &out).unwrap_err();
    match &e {
        SweepFailure::Incomplete { missing, .. } => {
            assert_eq!(missing, &[folder::RUNS, folder::BANDS_CSV]);
        }
        other => panic!("{other}"),
    }
    assert!(
        e.to_string()
            .contains("runs.parquet, bands.csv are missing"),
        "{e}"
    );
}

#[test]
fn a_locked_folder_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let out = dir.path().join("o");
    fs::create_dir(&out).unwrap();
    fs::write(out.join(folder::RUNS), "another sweep's").unwrap();
    let lock = FolderLock::try_acquire(&out).unwrap();
    let e = run(&plan, &options(&out, 5), &Quiet).unwrap_err();
    assert!(matches!(e, SweepFailure::Busy { .. }), "{e}");
    assert!(e.is_refusal());
    assert!(e.to_string().contains("in use by another sweep"), "{e}");
    // Its files are the other sweep's still.
    assert_eq!(
        fs::read_to_string(out.join(folder::RUNS)).unwrap(),
        "another sweep's"
    );
    // A merge into it is refused too.
    let e = canopy_sweep::merge(&out, "test", false).unwrap_err();
    assert!(matches!(e, SweepFailure::Busy { .. }), "{e}");
    drop(lock);
    run(&plan, &options(&out, 5), &Quiet).unwrap();
    assert!(
        !out.join(".lock").exists(),
        "the lock file goes with the lock"
    );
}

#[test]
fn two_sweeps_at_once_into_one_folder_cannot_both_run() {
    // Each sweep holds the lock for its whole life, so of two started
    // together one is refused, or they ran one after the other; never do
    // both write at once. Either way the folder holds one sweep's rows.
    let dir = tempfile::tempdir().unwrap();
    let a = planned(GRID);
    let b = planned(&GRID.replace("seed = 41", "seed = 42"));
    let out = dir.path().join("o");
    let (ra, rb) = std::thread::scope(|s| {
        let ta = s.spawn(|| run(&a, &options(&out, 5), &Quiet));
        let tb = s.spawn(|| run(&b, &options(&out, 5), &Quiet));
        (ta.join().unwrap(), tb.join().unwrap())
    });
    for r in [&ra, &rb] {
        if let Err(e) = r {
            assert!(matches!(e, SweepFailure::Busy { .. }), "{e}");
        }
    }
    let whole_a = whole(dir.path(), "a", &a);
    let whole_b = whole(dir.path(), "b", &b);
    let got = files(&out);
    assert!(
        got == files(&whole_a) || got == files(&whole_b),
        "the folder mixes two sweeps"
    );
}

#[test]
fn a_dangling_link_as_the_folder_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let out = dir.path().join("o");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &out).unwrap();
    let e = run(&plan, &options(&out, 5), &Quiet).unwrap_err();
    assert!(matches!(e, SweepFailure::DanglingLink { .. }), "{e}");
    assert!(e.to_string().contains("which does not exist"), "{e}");
}

/// Runs the two shards of `plan` into `dir/name`.
fn shards(dir: &Path, name: &str, plan: &Plan) -> PathBuf {
    let out = dir.join(name);
    for k in 1..=2 {
        let opts = Options {
            shard: Some(Shard { k, n: 2 }),
            ..options(&out, 5)
        };
        run(plan, &opts, &Quiet).unwrap();
    }
    out
}

#[test]
fn merged_shards_are_the_whole_sweep_and_seal_like_it() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let whole = whole(dir.path(), "whole", &plan);
    let out = shards(dir.path(), "parts", &plan);
    let tally = canopy_sweep::merge(&out, "test", false).unwrap();
    assert_eq!(tally.runs, 24);
    // The Parquet files hold the same rows in other row groups (the CLI
    // tests compare their tables); the rest is byte for byte the same.
    for name in [
        IDENTITY,
        SWEEP_TOML,
        folder::BANDS_CSV,
        folder::POINTS,
        folder::FAILURES,
    ] {
        assert_eq!(
            fs::read(out.join(name)).unwrap(),
            fs::read(whole.join(name)).unwrap(),
            "{name}"
        );
    }
    // Sealing read back from the folder, then sealed elsewhere, gives the
    // same files again (as the Python package writes a sweep elsewhere).
    let sealing = Sealing::read(&out).unwrap();
    assert_eq!(sealing.point_months, [60, 60]);
    let of_whole = Sealing::read(&whole).unwrap();
    assert_eq!(
        (&sealing.resolved, &sealing.identity, sealing.seed),
        (&of_whole.resolved, &of_whole.identity, of_whole.seed)
    );
    let copy = dir.path().join("copy");
    fs::create_dir(&copy).unwrap();
    for name in [folder::RUNS, folder::MONTHS, folder::FAILURES] {
        fs::copy(whole.join(name), copy.join(name)).unwrap();
    }
    sealing.seal(&copy, "test", false).unwrap();
    same_files(&copy, &whole);
    // Sealing while runs.parquet is joined: the join's error comes back
    // and the folder is left unsealed; a join that succeeds seals it as
    // before.
    let joining = dir.path().join("joining");
    fs::create_dir(&joining).unwrap();
    for name in [folder::MONTHS, folder::FAILURES] {
        fs::copy(whole.join(name), joining.join(name)).unwrap();
    }
    let runs = [whole.join(folder::RUNS)];
    let failed = sealing.seal_joining(&joining, "test", false, &runs, || {
        Err(std::io::Error::other("the join failed"))
    });
    assert_eq!(failed.unwrap_err().to_string(), "the join failed");
    assert!(!joining.join(folder::IDENTITY).exists());
    let join = || fs::copy(whole.join(folder::RUNS), joining.join(folder::RUNS)).map(|_| ());
    sealing
        .seal_joining(&joining, "test", false, &runs, join)
        .unwrap();
    same_files(&joining, &whole);
    // And of a plan: the same again.
    assert_eq!(Sealing::of(&plan, "test").identity, sealing.identity);
}

#[test]
fn a_part_missing_a_file_or_cut_short_is_unfinished() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let out = shards(dir.path(), "parts", &plan);
    let part = out.join("part-2-of-2");

    let months = part.join(folder::MONTHS);
    let kept = fs::read(&months).unwrap();
    fs::remove_file(&months).unwrap();
    let e = canopy_sweep::merge(&out, "test", false).unwrap_err();
    assert!(
        matches!(e, SweepFailure::UnfinishedPart { ref part, .. } if part.ends_with("part-2-of-2")),
        "{e}"
    );
    assert!(e.to_string().contains("months.parquet is missing"), "{e}");
    assert!(e.is_refusal());

    fs::write(&months, &kept[..kept.len() - 10]).unwrap();
    let e = canopy_sweep::merge(&out, "test", false).unwrap_err();
    assert!(matches!(e, SweepFailure::UnfinishedPart { .. }), "{e}");
    assert!(e.to_string().contains("cut short"), "{e}");
    assert!(
        !out.join(folder::RUNS).exists(),
        "nothing half merged stays"
    );

    fs::write(&months, &kept).unwrap();
    let runs = part.join(folder::RUNS);
    let bytes = fs::read(&runs).unwrap();
    fs::write(&runs, &bytes[..40]).unwrap();
    let e = canopy_sweep::merge(&out, "test", false).unwrap_err();
    assert!(matches!(e, SweepFailure::UnfinishedPart { .. }), "{e}");
    assert!(e.to_string().contains("runs.parquet cannot be read"), "{e}");
    fs::write(&runs, &bytes).unwrap();

    // A part whose shard still runs (holds its lock) is unfinished too.
    let lock = FolderLock::try_acquire(&part).unwrap();
    let e = canopy_sweep::merge(&out, "test", false).unwrap_err();
    assert!(e.to_string().contains("still running"), "{e}");
    drop(lock);
    canopy_sweep::merge(&out, "test", false).unwrap();
}

#[test]
fn the_merged_report_is_titled_after_the_sweep_not_a_part() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let out = shards(dir.path(), "parts", &plan);
    canopy_sweep::merge(&out, "test", true).unwrap();
    let report = fs::read_to_string(out.join(folder::REPORT)).unwrap();
    let title = report
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap();
    assert!(!title.contains("part-"), "{title}");
    assert!(
        title.contains(&out.join(SWEEP_TOML).display().to_string()),
        "{title}"
    );
}

#[test]
fn clearing_charts_removes_only_what_the_report_wrote_and_never_through_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let out = dir.path().join("o");
    let with_report = Options {
        report: true,
        ..options(&out, 5)
    };
    run(&plan, &with_report, &Quiet).unwrap();
    let charts = out.join(folder::CHARTS);
    assert!(fs::read_dir(&charts).unwrap().count() > 0);
    // The user's own file named like a chart stays when the charts go.
    fs::write(charts.join("fan_mine.png"), "mine").unwrap();
    run(&plan, &options(&out, 5), &Quiet).unwrap();
    assert_eq!(
        fs::read_dir(&charts)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect::<Vec<_>>(),
        ["fan_mine.png"]
    );
    assert!(!out.join(folder::CHARTS_WRITTEN).exists());

    // charts/ as a link: nothing behind it is touched.
    let elsewhere = dir.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    fs::write(elsewhere.join("fan_1_leaf_price.png"), "not a sweep's").unwrap();
    fs::remove_dir_all(&charts).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &charts).unwrap();
    fs::write(out.join(folder::CHARTS_WRITTEN), "fan_1_leaf_price.png\n").unwrap();
    run(&plan, &options(&out, 5), &Quiet).unwrap();
    assert_eq!(
        fs::read_to_string(elsewhere.join("fan_1_leaf_price.png")).unwrap(),
        "not a sweep's"
    );
}

#[test]
fn a_report_written_again_keeps_the_users_own_chart_named_files() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let out = dir.path().join("o");
    let with_report = Options {
        report: true,
        ..options(&out, 5)
    };
    run(&plan, &with_report, &Quiet).unwrap();
    let charts = out.join(folder::CHARTS);
    let drawn = fs::read_dir(&charts).unwrap().count();
    fs::write(charts.join("fan_mine.png"), "mine").unwrap();
    // A stale chart the earlier report listed goes; the user's file stays.
    let listed = fs::read_to_string(out.join(folder::CHARTS_WRITTEN)).unwrap();
    fs::write(charts.join("fan_99_gone.png"), "old").unwrap();
    fs::write(
        out.join(folder::CHARTS_WRITTEN),
        format!("{listed}fan_99_gone.png\n"),
    )
    .unwrap();
    run(&plan, &with_report, &Quiet).unwrap();
    assert_eq!(
        fs::read_to_string(charts.join("fan_mine.png")).unwrap(),
        "mine"
    );
    assert!(!charts.join("fan_99_gone.png").exists());
    assert_eq!(fs::read_dir(&charts).unwrap().count(), drawn + 1);
    assert_eq!(
        fs::read_to_string(out.join(folder::CHARTS_WRITTEN)).unwrap(),
        listed
    );
}

#[test]
fn many_jobs_on_few_chunks_finish_with_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let whole = whole(dir.path(), "whole", &plan);
    let out = dir.path().join("o");
    // 65,535 threads would exhaust the process table; the pool is cut to
    // the 5 chunks there are.
    let opts = Options {
        jobs: 65_535,
        ..options(&out, 5)
    };
    run(&plan, &opts, &Quiet).unwrap();
    same_files(&out, &whole);
}

#[test]
fn the_identity_marks_a_finished_folder() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let out = whole(dir.path(), "o", &plan);
    assert!(names(&out).contains(&IDENTITY.to_string()));
    let other = planned(&GRID.replace("seed = 41", "seed = 7"));
    let e = resume(&other, &out).unwrap_err();
    assert!(
        matches!(
            e,
            SweepFailure::OtherSweep {
                unfinished: false,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn chunks_cut_another_way_are_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(GRID);
    let out = stopped(dir.path(), "o", &plan);
    let other_cut = Options {
        resume: true,
        ..options(&out, 4)
    };
    let e = run(&plan, &other_cut, &Quiet).unwrap_err();
    assert!(
        matches!(
            e,
            SweepFailure::OtherSweep {
                unfinished: true,
                ..
            }
        ),
        "{e}"
    );
    // Cut the same way, it resumes.
    resume(&plan, &out).unwrap();
}

/// One point of 100 runs: in chunks of 5, the last 8 chunks' runs (60 to
/// 100) in chunks of 2.
const MANY: &str = r#"
[sweep]
scenario = "stress"
runs = 100
seed = 3
keep_months = ["leaf_price"]
"#;

/// The row groups of a Parquet file.
fn row_groups(path: &Path) -> usize {
    let file = fs::File::open(path).unwrap();
    let meta = parquet::file::metadata::ParquetMetaDataReader::new()
        .parse_and_finish(&file)
        .unwrap();
    meta.num_row_groups()
}

#[test]
fn a_sweep_cut_smaller_at_its_end_resumes_and_one_begun_cut_evenly_goes_on_so() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(MANY);
    let whole = whole(dir.path(), "whole", &plan);
    assert_eq!(row_groups(&whole.join(folder::RUNS)), 12 + 20);
    // Stopped among the small chunks (after 12 of 5 runs and 3 of 2),
    // then resumed: the same files.
    let late = dir.path().join("late");
    let e = run(&plan, &options(&late, 5), &StopAfter::new(66)).unwrap_err();
    assert!(matches!(e, SweepFailure::Stopped), "{e}");
    assert!(chunk(&late, "runs", 14, "parquet").exists());
    assert!(!chunk(&late, "runs", 15, "parquet").exists());
    assert_eq!(resume(&plan, &late).unwrap().resumed, 66);
    same_files(&whole, &late);
    // Begun by a build that cut every chunk the same size, as its
    // identity says: it goes on so, its finished chunks kept.
    let even = stopped(dir.path(), "even", &plan);
    let identity = even.join(PARTIAL).join("identity");
    let text = fs::read_to_string(&identity).unwrap();
    let old = text.replace("# chunk runs 5, after 12 chunks 2\n", "# chunk runs 5\n");
    assert_ne!(old, text);
    fs::write(&identity, &old).unwrap();
    assert_eq!(resume(&plan, &even).unwrap().resumed, 15);
    assert_eq!(row_groups(&even.join(folder::RUNS)), 20);
    assert_eq!(row_groups(&even.join(folder::MONTHS)), 20);
    // The same rows in other row groups: every file worked out from them
    // is the same.
    let (a, b) = (files(&whole), files(&even));
    for ((name, x), (other, y)) in a.iter().zip(&b) {
        assert_eq!(name, other);
        if name != folder::RUNS && name != folder::MONTHS {
            assert!(x == y, "{name} differs");
        }
    }
    assert_eq!(a.len(), b.len());
    assert!(a.iter().any(|(n, _)| n == folder::BANDS_CSV));
}
