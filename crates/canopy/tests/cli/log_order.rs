//! The run's log reads month by month: each month's events, then its
//! summary line, then the next month's; and a run that stops early leaves
//! no temporary file of the streamed `deals.csv`.

use std::fs;

use assert_cmd::Command;
use tempfile::TempDir;

/// The month a log line is about ("... month N: ..."), if any.
fn month_of(line: &str) -> Option<u32> {
    let rest = line.split_once("month ")?.1;
    let (n, _) = rest.split_once(':')?;
    n.parse().ok()
}

#[test]
fn the_log_reads_month_by_month_with_each_summary_last() {
    let tmp = TempDir::new().unwrap();
    let out = Command::cargo_bin("canopy")
        .unwrap()
        .current_dir(tmp.path())
        .args(["run", "stress", "--quiet", "--no-charts", "--months", "24"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let log = fs::read_dir(tmp.path().join("logs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = fs::read_to_string(log).unwrap();
    let months: Vec<(u32, bool)> = text
        .lines()
        .filter_map(|l| Some((month_of(l)?, l.contains(": revenue "))))
        .collect();
    // Months never go back, and each month's summary is its last line.
    assert!(months.windows(2).all(|w| w[0].0 <= w[1].0), "{text}");
    let summaries: Vec<u32> = months.iter().filter(|m| m.1).map(|m| m.0).collect();
    assert_eq!(summaries, (1..=24).collect::<Vec<_>>());
    for w in months.windows(2) {
        if w[1].0 > w[0].0 {
            assert!(w[0].1, "month {} ends without its summary", w[0].0);
        }
    }
    let names: Vec<_> = fs::read_dir(tmp.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}
