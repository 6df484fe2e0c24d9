//! `canopy run` refused, or failing part way, as a hostile user would make
//! it: a refused run leaves nothing behind and rotates no log away, a log
//! that cannot be written is an error, the result files are replaced all
//! together or not at all, and what the log says cannot be forged.
//!
//! Linux only. The tests that need a full file system mount a small tmpfs,
//! which needs root (as tests here run); where mounting is refused they say
//! so and pass.
#![cfg(target_os = "linux")]

use crate::common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::cargo::cargo_bin;
use tempfile::TempDir;

use common::{canopy, names, stderr, stdout};

/// Three real logs in `dir`, each holding "real".
fn real_logs(dir: &Path) -> Vec<String> {
    fs::create_dir_all(dir).unwrap();
    for i in 1..=3 {
        fs::write(
            dir.join(format!("simulation_20000101_00000{i}.log")),
            "real",
        )
        .unwrap();
    }
    names(dir)
}

fn assert_logs_untouched(dir: &Path, before: &[String]) {
    assert_eq!(names(dir), before, "no log created, none rotated away");
    for n in before {
        assert_eq!(fs::read_to_string(dir.join(n)).unwrap(), "real");
    }
}

/// A tmpfs of `size` mounted on a fresh folder, unmounted when dropped.
struct SmallFs {
    _parent: TempDir,
    path: PathBuf,
}

impl SmallFs {
    fn mount(size: &str) -> Option<SmallFs> {
        let parent = TempDir::new().unwrap();
        let path = parent.path().join("small");
        fs::create_dir(&path).unwrap();
        let ok = StdCommand::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("cannot mount a tmpfs here (not root?): test skipped");
            return None;
        }
        Some(SmallFs {
            _parent: parent,
            path,
        })
    }

    /// Fills the file system up, leaving no block free.
    fn fill(&self) {
        let mut f = fs::File::create(self.path.join("filler")).unwrap();
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
        let _ = f.write_all(&[0]);
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = StdCommand::new("umount").arg(&self.path).status();
    }
}

#[test]
fn a_run_refused_before_it_starts_creates_no_log_and_rotates_none_away() {
    let tmp = TempDir::new().unwrap();
    let lgx = tmp.path().join("lgx");
    let before = real_logs(&lgx);
    for _ in 0..3 {
        let out = canopy(tmp.path())
            .args(["run", "default", "--out", "/dev/null", "--log-dir", "lgx"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("/dev/null is not a folder"),
            "{}",
            stderr(&out)
        );
    }
    assert_logs_untouched(&lgx, &before);
    // A log folder a refused run would have created is not left behind.
    let out = canopy(tmp.path())
        .args([
            "run",
            "default",
            "--out",
            "/dev/null",
            "--log-dir",
            "new/logs",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!tmp.path().join("new").exists());
}

#[test]
fn a_log_folder_where_a_result_file_goes_is_refused_and_nothing_is_made() {
    let tmp = TempDir::new().unwrap();
    for log_dir in ["oc/metrics.csv", "./oc/../oc/deals.csv/sub"] {
        let out = canopy(tmp.path())
            .args(["run", "default", "--out", "oc", "--log-dir", log_dir])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{log_dir}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.starts_with("error: --log-dir "), "{err}");
        assert!(err.contains(log_dir), "{err}");
        assert!(err.contains("result file oc/"), "{err}");
        assert!(!stdout(&out).contains("Revenue by month"), "no run");
        assert!(!tmp.path().join("oc").exists(), "the refused run made oc/");
    }
    // An --out that exists keeps what it has, and gets no folder.
    fs::create_dir(tmp.path().join("oc")).unwrap();
    fs::write(tmp.path().join("oc/metrics.csv"), "old").unwrap();
    let out = canopy(tmp.path())
        .args([
            "run",
            "default",
            "--out",
            "oc",
            "--log-dir",
            "oc/report.html",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(names(&tmp.path().join("oc")), ["metrics.csv"]);
}

#[test]
fn a_deals_csv_that_cannot_be_started_is_an_error_before_the_run() {
    let tmp = TempDir::new().unwrap();
    fs::create_dir(tmp.path().join("o")).unwrap();
    fs::write(tmp.path().join("o/metrics.csv"), "old").unwrap();
    let before = real_logs(&tmp.path().join("l"));
    // `exec` keeps the shell's pid, so a folder takes the place of the
    // temporary that the run streams deals.csv into.
    let out = StdCommand::new("bash")
        .current_dir(tmp.path())
        .arg("-c")
        .arg(r#"mkdir "o/.deals.csv.$$.tmp" && exec "$0" run reference --out o --log-dir l"#)
        .arg(cargo_bin("canopy"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: cannot write results to o: "),
        "{err}"
    );
    assert!(err.contains("o/deals.csv"), "{err}");
    assert!(!err.contains("os error"), "{err}");
    assert!(!stdout(&out).contains("Revenue by month"), "no run");
    assert_eq!(
        fs::read_to_string(tmp.path().join("o/metrics.csv")).unwrap(),
        "old"
    );
    assert_logs_untouched(&tmp.path().join("l"), &before);
}

#[test]
fn a_log_that_cannot_be_written_fails_the_run_after_the_results() {
    let Some(small) = SmallFs::mount("64k") else {
        return;
    };
    let tmp = TempDir::new().unwrap();
    let log_dir = small.path.join("lg");
    fs::create_dir(&log_dir).unwrap();
    small.fill();
    let out = canopy(tmp.path())
        .args([
            "run",
            "reference",
            "--months",
            "3",
            "--no-charts",
            "--out",
            "o",
        ])
        .arg("--log-dir")
        .arg(&log_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let logs = names(&log_dir);
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(
        err.starts_with(&format!(
            "error: cannot write the log {}: ",
            log_dir.join(&logs[0]).display()
        )),
        "{err}"
    );
    assert!(err.contains("space"), "{err}");
    assert!(err.contains("the results were written"), "{err}");
    assert!(!stdout(&out).contains("log in"), "{}", stdout(&out));
    assert!(tmp.path().join("o/metrics.csv").is_file());
}

#[test]
fn a_failed_write_replaces_no_result_file() {
    // Room for the data files, not for the charts.
    let Some(small) = SmallFs::mount("256k") else {
        return;
    };
    let o = small.path.join("o");
    fs::create_dir(&o).unwrap();
    for name in ["metrics.csv", "metrics.json", "deals.csv"] {
        fs::write(o.join(name), "old").unwrap();
    }
    let tmp = TempDir::new().unwrap();
    let out = canopy(tmp.path())
        .args([
            "run",
            "reference",
            "--months",
            "3",
            "--quiet",
            "--log-dir",
            "l",
        ])
        .arg("--out")
        .arg(&o)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot write results"),
        "{}",
        stderr(&out)
    );
    for name in ["metrics.csv", "metrics.json", "deals.csv"] {
        assert_eq!(fs::read_to_string(o.join(name)).unwrap(), "old", "{name}");
    }
    assert_eq!(names(&o), ["deals.csv", "metrics.csv", "metrics.json"]);
}

#[test]
fn the_log_escapes_names_and_writes_numbers_compactly() {
    // Counterparties with control characters are refused by the scenario
    // check; the scenario's file name is logged too, and may hold anything.
    let tmp = TempDir::new().unwrap();
    let name = "evil\nINFO month 1: forged \u{1b}[31m \u{202e}.toml";
    fs::write(
        tmp.path().join(name),
        r#"[simulation]
months = 3
[aegis]
initial_usdc = 1e305
[[deal]]
id = "ev"
counterparty = "Evil"
start_month = 1
oak = { amount = 1000, vesting_months = 0, irr_threshold = 0.1 }
tvl = { kind = "contracted", amount = 1e-290, revenue_rate = 0.035, duration_months = 12 }
"#,
    )
    .unwrap();
    let out = canopy(tmp.path())
        .args(["run", name, "--quiet", "--no-charts", "--out", "o"])
        .args(["--log-dir", "l"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log =
        fs::read_to_string(tmp.path().join("l").join(&names(&tmp.path().join("l"))[0])).unwrap();
    assert!(
        !log.lines().any(|l| l.starts_with("INFO month 1: forged")),
        "{log}"
    );
    assert!(
        !log.contains(['\u{1b}', '\u{202e}']),
        "control characters raw: {log}"
    );
    assert!(
        log.contains(r"evil\nINFO month 1: forged \u{1b}[31m \u{202e}.toml"),
        "{log}"
    );
    assert!(log.contains("1e305 USDC"), "{log}");
    assert!(log.contains("USDC of revenue"), "{log}");
    assert!(!log.contains("00000000000000000000"), "digits: {log}");
    assert!(!log.contains("liquidity -0"), "{log}");
    assert!(log.lines().all(|l| l.len() < 300), "{log}");
}

#[test]
fn one_month_is_one_month_and_a_trailing_slash_is_not_doubled() {
    let tmp = TempDir::new().unwrap();
    let out = canopy(tmp.path())
        .args([
            "run",
            "reference",
            "--months",
            "1",
            "--quiet",
            "--no-charts",
        ])
        .args(["--out", "ob/", "--log-dir", "l"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Results in ob/ (1 month simulated in "),
        "{}",
        stdout(&out)
    );
    let log =
        fs::read_to_string(tmp.path().join("l").join(&names(&tmp.path().join("l"))[0])).unwrap();
    assert!(log.contains("(1 month, seed"), "{log}");
    assert!(log.contains("run finished: 1 month in"), "{log}");
    let out = canopy(tmp.path())
        .args(["check", "reference", "--months", "1"])
        .output()
        .unwrap();
    assert!(stdout(&out).ends_with(", 1 month)\n"), "{}", stdout(&out));
}

#[test]
fn a_file_or_a_link_loop_in_the_way_is_named() {
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join("afile"), "").unwrap();
    std::os::unix::fs::symlink("loop", tmp.path().join("loop")).unwrap();
    let out = canopy(tmp.path())
        .args(["run", "reference", "--log-dir", "l", "--out", "afile/sub"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("afile/sub for --out: afile is a file, not a folder"),
        "{}",
        stderr(&out)
    );
    for log_dir in ["loop", "loop/sub"] {
        let out = canopy(tmp.path())
            .args(["run", "reference", "--out", "o", "--log-dir", log_dir])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("loop is a symbolic link in a loop"),
            "{log_dir}: {}",
            stderr(&out)
        );
        assert!(!tmp.path().join("o").exists(), "the refused run made o/");
    }
    let out = canopy(tmp.path())
        .args(["run", "reference", "--log-dir", "l", "--out", "loop"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("loop is a symbolic link in a loop"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_log_numbered_at_the_top_is_an_error_not_a_crash() {
    let tmp = TempDir::new().unwrap();
    let l = tmp.path().join("l");
    fs::create_dir(&l).unwrap();
    // Every second around now, whichever the run starts in.
    let now = chrono_like_stamps();
    for stamp in &now {
        fs::write(l.join(format!("simulation_{stamp}_4294967295.log")), "").unwrap();
    }
    let out = canopy(tmp.path())
        .args([
            "run",
            "reference",
            "--months",
            "1",
            "--quiet",
            "--no-charts",
        ])
        .args(["--out", "o", "--log-dir", "l"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        names(&l).iter().any(|n| n.ends_with("_4294967296.log")),
        "{:?}",
        names(&l)
    );
}

/// `YYYYMMDD_HHMMSS` in local time for now and the next five seconds, as
/// `date` gives it (the run names its log the same way).
fn chrono_like_stamps() -> Vec<String> {
    // A wide window around now, from one shell: a loaded machine may take
    // many seconds between these stamps and the run's start.
    let out = StdCommand::new("sh")
        .args([
            "-c",
            "now=$(date +%s); i=-30; while [ $i -le 300 ]; do date -d @$((now + i)) +%Y%m%d_%H%M%S; i=$((i + 1)); done",
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}
