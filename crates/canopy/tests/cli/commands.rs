//! The `canopy` command line: exit codes, files written, bad input, logs.

use crate::common;

use std::fs;
use std::path::Path;

use tempfile::TempDir;

use common::{canopy, stderr, stdout};

const REFERENCE_CSV: &str =
    include_str!("../../../canopy-model/tests/fixtures/reference_metrics.csv");

fn rows(path: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn no_arguments_runs_the_default_scenario_into_out_and_logs() {
    let tmp = TempDir::new().unwrap();
    // The real thing, charts and all: `cargo run --release` does exactly this.
    let out = canopy(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Revenue by month (USD)"), "{text}");
    assert!(text.contains("Final summary: default, month 60"), "{text}");
    assert!(text.contains("value per OAK (USD)"));
    assert_eq!(rows(&tmp.path().join("out/metrics.csv")).len(), 60);
    let logs: Vec<_> = fs::read_dir(tmp.path().join("logs")).unwrap().collect();
    assert_eq!(logs.len(), 1);
}

#[test]
fn the_reference_run_writes_the_original_numbers() {
    let tmp = TempDir::new().unwrap();
    let out = canopy(tmp.path())
        .args([
            "run",
            "reference",
            "--out",
            "res",
            "--quiet",
            "--log-dir",
            "l",
            "--no-charts",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stdout(&out).contains("Revenue by month"),
        "--quiet keeps only the final summary"
    );
    assert!(stdout(&out).contains("Final summary"));
    let metrics = fs::read_to_string(tmp.path().join("res/metrics.csv")).unwrap();
    let mut got = csv::Reader::from_reader(metrics.as_bytes());
    let mut want = csv::Reader::from_reader(REFERENCE_CSV.as_bytes());
    let header = got.headers().unwrap().clone();
    assert_eq!(header.len(), canopy_model::COLUMNS.len());
    assert_eq!(
        &header.iter().collect::<Vec<_>>()[..23],
        &want.headers().unwrap().iter().collect::<Vec<_>>()[..]
    );
    for (g, w) in got.records().zip(want.records()) {
        let (g, w) = (g.unwrap(), w.unwrap());
        for (i, cell) in w.iter().enumerate() {
            if cell.is_empty() {
                assert_eq!(&g[i], "");
            } else {
                let (a, b): (f64, f64) = (g[i].parse().unwrap(), cell.parse().unwrap());
                assert!(
                    (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                    "{} {}: {a} vs {b}",
                    &w[0],
                    &header[i]
                );
            }
        }
    }
    // Counts are whole numbers; flows of features that are off are empty.
    assert!(metrics.lines().nth(1).unwrap().starts_with("1,1.0,"));
    let first: Vec<&str> = metrics.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(header.get(33), Some("active_deals"));
    assert_eq!(first[33..39], ["3", "", "", "", "", ""]);
    // No temporary file is left behind.
    let names: Vec<String> = fs::read_dir(tmp.path().join("res"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn months_and_set_override_the_scenario() {
    let tmp = TempDir::new().unwrap();
    let out = canopy(tmp.path())
        .args([
            "run",
            "default",
            "--months",
            "12",
            "--set",
            "leaf_price.model=market",
            "--set",
            "leaf_price.drift=0.01",
        ])
        .args(["--out", "o", "--quiet", "--log-dir", "l", "--no-charts"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rs = rows(&tmp.path().join("o/metrics.csv"));
    assert_eq!(rs.len(), 12);
    let p12: f64 = rs[11][1].parse().unwrap();
    assert!((p12 - 0.12f64.exp()).abs() < 1e-12);
    assert_eq!(
        &rs[0][35], "0.0",
        "price_impact is filled with the market model"
    );
}

#[test]
fn a_bad_scenario_exits_2_names_every_problem_and_writes_nothing() {
    let tmp = TempDir::new().unwrap();
    fs::write(
        tmp.path().join("bad.toml"),
        "[aegis]\ninitial_usd = 5\n\n[[deal]]\ncounterparty = \"Move\"\nstart_month = 1\n\
         leaf_pair = { amount = 100, target_ratio = 0.7, duration_months = 6 }\n",
    )
    .unwrap();
    let out = canopy(tmp.path())
        .args(["run", "bad.toml", "--out", "o", "--log-dir", "l"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad.toml:2:1: aegis.initial_usd: unknown key `initial_usd`; did you mean `initial_usdc`?"), "{err}");
    assert!(
        err.contains("bad.toml:7:")
            && err.contains("deal[0].leaf_pair.target_ratio: 0.7 is not allowed"),
        "{err}"
    );
    assert!(
        !tmp.path().join("o").exists(),
        "nothing is written on bad input"
    );
    assert!(!tmp.path().join("l").exists());
}

#[test]
fn bad_overrides_and_missing_files_exit_2() {
    let tmp = TempDir::new().unwrap();
    let cases: [&[&str]; 6] = [
        &["run", "missing.toml"],
        &["run", "no-such-builtin"],
        &["run", "--set", "aegis.initial_usdc=-1"],
        &["run", "--set", "nonsense"],
        &["run", "--months", "0"],
        &["check", "reference", "--set", "oak.total_supply=1"],
    ];
    for args in cases {
        let out = canopy(tmp.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with("error: scenario "),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(!tmp.path().join("out").exists(), "{args:?}");
    }
    let out = canopy(tmp.path())
        .args(["run", "--bogus-flag"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "usage errors are bad input too");
}

#[test]
fn scenarios_show_and_check() {
    let tmp = TempDir::new().unwrap();
    let out = canopy(tmp.path()).arg("scenarios").output().unwrap();
    let list = stdout(&out);
    for name in ["default", "reference", "stress"] {
        assert!(list.lines().any(|l| l.starts_with(name)), "{list}");
    }
    let shown = canopy(tmp.path())
        .args(["show", "reference"])
        .output()
        .unwrap();
    assert_eq!(shown.status.code(), Some(0));
    let text = stdout(&shown);
    assert!(
        text.contains("[compat]") && text.contains("[tvl.market]") && text.contains("[[deal]]")
    );
    assert!(text.contains("id = \"Sigma Capi_001\""));
    fs::write(tmp.path().join("shown.toml"), &text).unwrap();
    let check = canopy(tmp.path())
        .args(["check", "shown.toml"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert!(stdout(&check).contains("valid (20 deals, 60 months)"));
    // The shown file runs to the same numbers as the built-in one.
    for (name, dir) in [("reference", "a"), ("shown.toml", "b")] {
        let out = canopy(tmp.path())
            .args([
                "run",
                name,
                "--quiet",
                "--out",
                dir,
                "--log-dir",
                "l",
                "--no-charts",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
    }
    assert_eq!(
        fs::read(tmp.path().join("a/metrics.csv")).unwrap(),
        fs::read(tmp.path().join("b/metrics.csv")).unwrap()
    );
}

#[test]
fn only_the_newest_three_logs_are_kept_and_runs_in_one_second_do_not_clobber() {
    let tmp = TempDir::new().unwrap();
    let logs = tmp.path().join("logs");
    fs::create_dir_all(&logs).unwrap();
    fs::write(logs.join("keep-me.txt"), "not a simulation log").unwrap();
    let mut seen = Vec::new();
    for i in 0..5 {
        let out = canopy(tmp.path())
            .args([
                "run",
                "reference",
                "--quiet",
                "--months",
                "3",
                "--no-charts",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let mut names: Vec<String> = fs::read_dir(&logs)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("simulation_"))
            .collect();
        names.sort();
        assert_eq!(names.len(), (i + 1).min(3), "{names:?}");
        seen.extend(names);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen.len(),
        5,
        "five runs, five distinct log files: {seen:?}"
    );
    assert!(logs.join("keep-me.txt").exists());
    let newest = fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .max_by_key(|p| fs::metadata(p).unwrap().modified().unwrap())
        .unwrap();
    let log = fs::read_to_string(newest).unwrap();
    assert!(log.contains("deal Team_003 (Team) activated"), "{log}");
    assert!(log.contains("AEGIS sold 525000 LEAF"), "{log}");
}

#[test]
fn a_run_that_breaks_stops_with_exit_1_and_keeps_the_months_before() {
    let tmp = TempDir::new().unwrap();
    fs::write(
        tmp.path().join("huge.toml"),
        "[oak]\nredemption_start_month = 40\n[[deal]]\ncounterparty = \"Huge\"\nstart_month = 1\n\
         tvl = { kind = \"boosted\", amount = 1.7e308, revenue_rate = 1, duration_months = 24 }\n",
    )
    .unwrap();
    let out = canopy(tmp.path())
        .args(["run", "huge.toml", "--quiet", "--no-charts"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("month 13: revenue_cumulative"),
        "{}",
        stderr(&out)
    );
    assert_eq!(rows(&tmp.path().join("out/metrics.csv")).len(), 12);
    let log = fs::read_dir(tmp.path().join("logs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(
        fs::read_to_string(log)
            .unwrap()
            .contains("run stopped: month 13")
    );
}

#[test]
fn a_stopped_run_says_how_many_months_were_written_in_agreeing_number() {
    let tmp = TempDir::new().unwrap();
    let deal = |name: &str, start: u32| {
        format!(
            "[[deal]]\ncounterparty = \"{name}\"\nstart_month = {start}\n\
             tvl = {{ kind = \"boosted\", amount = 1.7e308, revenue_rate = 1, duration_months = 24 }}\n"
        )
    };
    // The second deal's TVL, added to the first's, is infinite in month 2.
    fs::write(
        tmp.path().join("two.toml"),
        format!(
            "[oak]\nredemption_start_month = 40\n{}{}",
            deal("Huge", 1),
            deal("Late", 2)
        ),
    )
    .unwrap();
    let out = canopy(tmp.path())
        .args(["run", "two.toml", "--quiet", "--no-charts"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "error: the run stopped in month 2: tvl_boosted (is not a finite number); \
             the 1 month before it was written"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(rows(&tmp.path().join("out/metrics.csv")).len(), 1);
}

#[test]
fn the_log_records_redemptions_with_irr_and_threshold() {
    let tmp = TempDir::new().unwrap();
    let out = canopy(tmp.path())
        .args([
            "run",
            "reference",
            "--quiet",
            "--log-dir",
            "lg",
            "--no-charts",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let path = fs::read_dir(tmp.path().join("lg"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let log = fs::read_to_string(path).unwrap();
    assert!(
        log.contains("month 14: 225000 OAK distributed")
            || log.contains("month 14: 175000 OAK distributed to Team_003"),
        "{log}"
    );
    assert!(
        log.contains("month 14: Seed Inves_003 redeemed 25000 OAK: IRR 0.6441, threshold 0.65"),
        "{log}"
    );
    assert!(log.contains("run finished: 60 months"));
}

#[test]
fn the_same_seed_writes_the_same_bytes_and_another_seed_other_numbers() {
    let tmp = TempDir::new().unwrap();
    let run = |seed: &str, dir: &str| {
        let out = canopy(tmp.path())
            .args([
                "run",
                "stress",
                "--quiet",
                "--no-charts",
                "--out",
                dir,
                "--set",
            ])
            .arg(format!("simulation.seed={seed}"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        fs::read(tmp.path().join(dir).join("metrics.csv")).unwrap()
    };
    let a = run("42", "a");
    assert_eq!(a, run("42", "b"));
    assert_ne!(a, run("43", "c"));
}

#[test]
fn a_builtin_name_wins_over_a_folder_of_that_name_and_bad_sets_join_file_problems() {
    let tmp = TempDir::new().unwrap();
    fs::create_dir(tmp.path().join("reference")).unwrap();
    let out = canopy(tmp.path())
        .args(["check", "reference"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    fs::write(tmp.path().join("bad.toml"), "[aegis]\ninitial_usdc = -1\n").unwrap();
    let out = canopy(tmp.path())
        .args(["check", "bad.toml", "--set", "x[=1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("aegis.initial_usdc") && err.contains("x[=1"),
        "{err}"
    );
}
