//! The command line used as a hostile user would: signals, concurrent runs,
//! folders where files belong, unwritable outputs, odd arguments.
//!
//! Linux only: it uses `kill`, `bash`, `/dev/full` and `/sys` (a folder
//! that refuses even root, as tests here run).
#![cfg(target_os = "linux")]

use crate::common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Output, Stdio};

use assert_cmd::cargo::cargo_bin;
use tempfile::TempDir;

use common::{canopy, names, stderr, stdout};

fn temporaries(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// A quick run into `o/`, logs in `l/`.
const QUICK: [&str; 9] = [
    "run",
    "reference",
    "--no-charts",
    "--quiet",
    "--months",
    "3",
    "--out",
    "o",
    "--log-dir",
];

/// The most months a scenario may have: the run's table of months, about
/// 100 bytes a month, then comes to some 120 kB.
const LONG: u32 = 1200;

/// Starts a long run whose table of months goes to a pipe, and reads that
/// table's first row: `deals.csv` is streamed into its temporary from
/// before month 1, so the temporary exists now. The pipe is read no
/// further, and the table is longer than the pipe holds, so the run blocks
/// on it with its temporary still there until it is signalled: whatever
/// the machine's speed, the signal finds the run writing.
fn run_writing(dir: &Path, charts: bool) -> Child {
    let mut cmd = StdCommand::new(cargo_bin("canopy"));
    cmd.current_dir(dir)
        .args(["run", "reference", "--months", &LONG.to_string()])
        .args(["--out", "o", "--log-dir", "l"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if !charts {
        cmd.arg("--no-charts");
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    // What the pipe and the reader below can take in before the run blocks.
    // SAFETY: F_GETPIPE_SZ only reads the size of the pipe behind an open fd.
    let capacity = unsafe { libc::fcntl(stdout.as_raw_fd(), libc::F_GETPIPE_SZ) };
    assert!(capacity > 0, "the size of a pipe is known on Linux");
    let mut rows = BufReader::new(stdout);
    let held = capacity as usize + rows.capacity();
    let mut line = String::new();
    // The table's first row: month 1 has ended.
    while !line.trim_start().starts_with("1 ") {
        line.clear();
        if rows.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            panic!("the run printed no month");
        }
    }
    // Back to the child, for `wait_with_output` to drain once it ends.
    child.stdout = Some(rows.into_inner());
    assert!(
        LONG as usize * line.len() > held,
        "the months' rows ({} bytes each) must overfill the pipe ({held} bytes)",
        line.len()
    );
    assert!(
        !temporaries(&dir.join("o")).is_empty(),
        "deals.csv is written into its temporary as the months end"
    );
    child
}

fn signal(child: &Child, name: &str) {
    let ok = StdCommand::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

fn finish(child: Child) -> Output {
    child.wait_with_output().unwrap()
}

#[test]
fn sigterm_while_writing_removes_the_temporaries_and_exits_143() {
    let tmp = TempDir::new().unwrap();
    fs::create_dir(tmp.path().join("o")).unwrap();
    fs::write(tmp.path().join("o/metrics.csv"), "old").unwrap();
    let child = run_writing(tmp.path(), true);
    signal(&child, "TERM");
    let out = finish(child);
    assert_eq!(out.status.code(), Some(143), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    let out_dir = tmp.path().join("o");
    assert_eq!(temporaries(&out_dir), Vec::<String>::new());
    // Nothing was renamed into place: the old file is still there, whole.
    assert_eq!(
        fs::read_to_string(out_dir.join("metrics.csv")).unwrap(),
        "old"
    );
    // The log says how the run ended.
    let logs: Vec<_> = fs::read_dir(tmp.path().join("l"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(logs.len(), 1);
    let log = fs::read_to_string(logs[0].path()).unwrap();
    assert!(log.contains("run interrupted by SIGTERM"), "{log}");
}

#[test]
fn sigint_while_writing_removes_the_temporaries_and_exits_130() {
    let tmp = TempDir::new().unwrap();
    let child = run_writing(tmp.path(), false);
    signal(&child, "INT");
    let out = finish(child);
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert_eq!(temporaries(&tmp.path().join("o")), Vec::<String>::new());
}

#[test]
fn a_killed_runs_temporaries_are_removed_by_the_next_run() {
    let tmp = TempDir::new().unwrap();
    let child = run_writing(tmp.path(), false);
    signal(&child, "KILL");
    let out = finish(child);
    assert_eq!(out.status.code(), None, "killed by a signal");
    let o = tmp.path().join("o");
    assert!(!temporaries(&o).is_empty(), "SIGKILL cannot clean up");
    // A planted one, of a process that does not exist.
    fs::write(o.join(".metrics.csv.999999.tmp"), "stale").unwrap();
    // Someone else's file that merely looks alike is left alone.
    fs::write(o.join(".notes.txt.999999.tmp"), "mine").unwrap();
    let out = canopy(tmp.path()).args(QUICK).arg("l").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(temporaries(&o), vec![".notes.txt.999999.tmp".to_string()]);
}

#[test]
fn eight_concurrent_runs_share_a_log_folder() {
    let tmp = TempDir::new().unwrap();
    // Old logs for every run to delete at once.
    fs::create_dir(tmp.path().join("logs")).unwrap();
    for i in 0..200 {
        fs::write(
            tmp.path()
                .join(format!("logs/simulation_20000101_000000_{i}.log")),
            "",
        )
        .unwrap();
    }
    let children: Vec<Child> = (0..8)
        .map(|i| {
            StdCommand::new(cargo_bin("canopy"))
                .current_dir(tmp.path())
                .args([
                    "run",
                    "reference",
                    "--no-charts",
                    "--quiet",
                    "--months",
                    "3",
                ])
                .args(["--out", &format!("o{i}"), "--log-dir", "logs"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = finish(child);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stderr(&out), "", "no warning, no lost log");
    }
    let logs = names(&tmp.path().join("logs"));
    assert!((1..=3).contains(&logs.len()), "{logs:?}");
}

#[test]
fn a_folder_named_like_a_log_does_not_break_rotation() {
    let tmp = TempDir::new().unwrap();
    let odd = tmp.path().join("l/simulation_00000000_000000.log");
    fs::create_dir_all(&odd).unwrap();
    for _ in 0..4 {
        let out = canopy(tmp.path()).args(QUICK).arg("l").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stderr(&out), "");
    }
    assert!(odd.is_dir(), "rotation leaves what is not a file alone");
    let files = names(&tmp.path().join("l"));
    assert_eq!(files.len(), 4, "three logs and the folder: {files:?}");
}

/// `o/metrics.csv` holding "old", to see that a failed run replaced nothing.
fn old_results(dir: &Path) -> PathBuf {
    let o = dir.join("o");
    fs::create_dir_all(&o).unwrap();
    fs::write(o.join("metrics.csv"), "old").unwrap();
    o.join("metrics.csv")
}

#[test]
fn a_log_folder_that_cannot_be_written_is_an_error_before_the_run() {
    let tmp = TempDir::new().unwrap();
    let metrics = old_results(tmp.path());
    fs::write(tmp.path().join("plain"), "").unwrap();
    for dir in ["/dev/null", "plain/logs", "/sys"] {
        let out = canopy(tmp.path())
            .args(["run", "reference", "--out", "o", "--log-dir", dir])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{dir}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains(dir), "names the folder: {err}");
        assert!(!err.contains("os error"), "{err}");
        assert!(!stdout(&out).contains("Revenue by month"), "no run");
        assert_eq!(fs::read_to_string(&metrics).unwrap(), "old");
    }
}

#[test]
fn an_out_that_is_not_a_folder_says_so() {
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join("plain"), "").unwrap();
    for dir in ["/dev/null", "plain", "plain/sub"] {
        let out = canopy(tmp.path())
            .args(["run", "reference", "--log-dir", "l", "--out", dir])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{dir}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("not a folder"), "{err}");
        assert!(err.contains(dir), "{err}");
        assert!(!stdout(&out).contains("Revenue by month"), "no run");
    }
}

#[test]
fn a_folder_in_place_of_a_result_file_is_named_before_anything_is_replaced() {
    let tmp = TempDir::new().unwrap();
    let metrics = old_results(tmp.path());
    fs::create_dir(tmp.path().join("o/deals.csv")).unwrap();
    let out = canopy(tmp.path())
        .args(["run", "reference", "--out", "o", "--log-dir", "l"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("o/deals.csv"), "{err}");
    assert!(err.contains("folder"), "{err}");
    assert!(!stdout(&out).contains("Revenue by month"), "no run");
    assert_eq!(fs::read_to_string(&metrics).unwrap(), "old");
    // The same for a file this run would remove (a report, with --no-charts).
    fs::remove_dir(tmp.path().join("o/deals.csv")).unwrap();
    fs::create_dir(tmp.path().join("o/report.html")).unwrap();
    let out = canopy(tmp.path()).args(QUICK).arg("l").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("o/report.html"), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&metrics).unwrap(), "old");
}

#[test]
fn a_read_only_out_is_found_before_the_run() {
    // Tests run as root, whom permissions do not stop; /sys refuses even root.
    let tmp = TempDir::new().unwrap();
    let out = canopy(tmp.path())
        .args(["run", "reference", "--log-dir", "l", "--out", "/sys"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("/sys"), "{err}");
    assert!(err.contains("cannot"), "{err}");
    assert!(!stdout(&out).contains("Revenue by month"), "no run");
    assert!(
        !tmp.path().join("o").exists(),
        "a refused run leaves no folder"
    );
}

#[test]
fn a_full_stdout_is_an_error() {
    let tmp = TempDir::new().unwrap();
    let full = || {
        Stdio::from(
            fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
    };
    for args in [
        vec!["scenarios"],
        vec!["show", "reference"],
        vec!["check", "reference"],
        vec![
            "run",
            "reference",
            "--no-charts",
            "--out",
            "o",
            "--log-dir",
            "l",
        ],
    ] {
        let out = StdCommand::new(cargo_bin("canopy"))
            .current_dir(tmp.path())
            .args(&args)
            .stdout(full())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("standard output"), "{err}");
    }
    // The run's files were still written: the console is a side show.
    assert!(tmp.path().join("o/metrics.csv").is_file());
}

#[test]
fn a_closed_stdout_pipe_ends_quietly_with_status_0() {
    let tmp = TempDir::new().unwrap();
    let bin = cargo_bin("canopy");
    // 1200 months of table overflow any pipe buffer, so the writes do fail.
    let script = r#""$0" run stress --months 1200 --no-charts --out o --log-dir l | head -1 >/dev/null; echo "${PIPESTATUS[0]}"
"$0" scenarios | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}""#;
    let out = StdCommand::new("bash")
        .current_dir(tmp.path())
        .args(["-c", script])
        .arg(&bin)
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "0\n0\n", "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert!(tmp.path().join("o/metrics.csv").is_file());
}

#[test]
fn a_negative_months_is_reported_by_the_scenario_check() {
    let tmp = TempDir::new().unwrap();
    for args in [
        vec!["check", "default", "--months", "-5"],
        vec!["show", "default", "--months", "-5"],
        vec![
            "run",
            "default",
            "--months",
            "-5",
            "--out",
            "o",
            "--log-dir",
            "l",
        ],
    ] {
        let out = canopy(tmp.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("simulation.months: -5 is not allowed"),
            "{err}"
        );
        assert!(!err.contains("tip"), "{err}");
    }
    assert!(!tmp.path().join("o").exists());
}

#[test]
fn out_may_be_the_log_folder() {
    let tmp = TempDir::new().unwrap();
    for _ in 0..2 {
        let out = canopy(tmp.path()).args(QUICK).arg("o").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let names = names(&tmp.path().join("o"));
    assert_eq!(names.iter().filter(|n| n.ends_with(".log")).count(), 2);
    assert!(names.contains(&"metrics.csv".to_string()), "{names:?}");
}

#[test]
fn odd_but_valid_paths_work() {
    let tmp = TempDir::new().unwrap();
    let out_dir = "résultats €/a b/-dash";
    let out = canopy(tmp.path())
        .args([
            "run",
            "reference",
            "--no-charts",
            "--quiet",
            "--months",
            "2",
        ])
        .args(["--out", &format!("./{out_dir}"), "--log-dir", "lögs ü"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(tmp.path().join(out_dir).join("metrics.csv").is_file());
    // A name longer than any file system allows: a message, not a panic.
    let long = "x".repeat(5000);
    let out = canopy(tmp.path())
        .args([
            "run",
            "reference",
            "--no-charts",
            "--quiet",
            "--months",
            "2",
        ])
        .args(["--out", &long, "--log-dir", "l"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn a_flag_in_place_of_a_value_is_named_and_the_tip_is_right() {
    let tmp = TempDir::new().unwrap();
    for (args, said) in [
        (
            vec!["run", "--out", "-o"],
            "for a folder of that name write `./-o`",
        ),
        (
            vec!["run", "--out", "--quiet"],
            "`--quiet` looks like a flag",
        ),
        (vec!["run", "--log-dir", "-l"], "write `./-l`"),
        (vec!["run", "--set", "-x=1"], "--set takes KEY=VALUE"),
        (
            vec!["check", "default", "--set", "--months"],
            "--set takes KEY=VALUE",
        ),
        (vec!["run", "--out="], "a folder is needed"),
        (vec!["run", "--log-dir="], "a folder is needed"),
    ] {
        let out = canopy(tmp.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains(said), "{args:?}: {err}");
        assert!(
            !err.contains("'-- -"),
            "no tip that makes it the scenario: {err}"
        );
    }
    assert_eq!(names(tmp.path()), Vec::<String>::new(), "nothing created");
    let out = canopy(tmp.path())
        .args([
            "run",
            "reference",
            "--no-charts",
            "--quiet",
            "--months",
            "2",
        ])
        .args(["--out", "./-o", "--log-dir", "./-l"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(tmp.path().join("-o/metrics.csv").is_file());
}

#[test]
fn help_that_cannot_be_written_is_an_error() {
    let tmp = TempDir::new().unwrap();
    for arg in ["--help", "--version"] {
        let out = StdCommand::new(cargo_bin("canopy"))
            .arg(arg)
            .stdout(
                fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            )
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{arg}");
        assert!(stderr(&out).contains("standard output"), "{}", stderr(&out));
    }
    let out = canopy(tmp.path()).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Exit status"));
}

#[test]
fn a_read_only_working_folder_is_an_error_before_the_run() {
    // /sys refuses even root; the default out/ and logs/ cannot be made
    // there. --out is checked first, then the log folder.
    let tmp = TempDir::new().unwrap();
    let out = StdCommand::new(cargo_bin("canopy"))
        .current_dir("/sys")
        .args(["run", "reference", "--no-charts", "--out"])
        .arg(tmp.path().join("o"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: cannot create a log file in logs: "),
        "{err}"
    );
    assert!(
        !tmp.path().join("o").exists(),
        "a refused run leaves no folder"
    );
    let logs = tmp.path().join("l");
    let out = StdCommand::new(cargo_bin("canopy"))
        .current_dir("/sys")
        .args(["run", "reference", "--no-charts", "--log-dir"])
        .arg(&logs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: cannot create the folder out: "),
        "{err}"
    );
    assert!(!stdout(&out).contains("Revenue by month"), "no run");
    assert!(
        !tmp.path().join("o").exists(),
        "a refused run leaves no folder"
    );
}

#[test]
fn a_log_folder_in_place_of_a_result_file_is_found_before_the_run() {
    let tmp = TempDir::new().unwrap();
    let out = canopy(tmp.path())
        .args(["run", "reference", "--no-charts", "--out", "o"])
        .args(["--log-dir", "o/deals.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--log-dir o/deals.csv would put the log folder where"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("Revenue by month"), "no run");
    assert!(
        !tmp.path().join("o").exists(),
        "a refused run leaves no folder"
    );
}
