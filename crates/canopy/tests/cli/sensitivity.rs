//! `canopy sweep` in mode "sobol" and "morris": bad factors refused with
//! their place, the same files whatever `--jobs`, in shards then merged,
//! and resumed; the report's ranking.

use crate::common;

use std::fs;
use std::path::Path;

use common::{canopy, stderr, stdout};

const SOBOL: &str = r#"
[sweep]
scenario = "stress"
mode = "sobol"
samples = 16
runs = 2
seed = 9
keep_months = ["aegis_value"]

[[factor]]
key = "leaf_price.volatility"
range = [0.02, 0.12]

[[factor]]
key = "market.net_demand_usd"
range = [-60_000, 20_000]

[[factor]]
key = "deal[13].leaf_pair.amount"
range = [1e6, 1e7]
log = true
"#;

fn sweep(dir: &Path, args: &[&str]) -> std::process::Output {
    canopy(dir).arg("sweep").args(args).output().unwrap()
}

fn ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn bad_factor_keys_exit_2_naming_the_key_and_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let bad = SOBOL
        .replace("leaf_price.volatility", "leaf_price.volatilty")
        .replace(
            "deal[13].leaf_pair.amount",
            "deal[13].leaf_pair.duration_months",
        );
    fs::write(dir.path().join("bad.toml"), bad).unwrap();
    let out = sweep(dir.path(), &["bad.toml", "--out", "o"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    for needle in [
        "bad.toml:11:7: factor[0].key",
        "leaf_price.volatilty",
        "bad.toml:19:7: factor[2].key",
        "deal[13].leaf_pair.duration_months",
    ] {
        assert!(err.contains(needle), "{needle} missing from:\n{err}");
    }
    assert!(!dir.path().join("o").exists());
    // --set may not name a factor's key.
    fs::write(dir.path().join("s.toml"), SOBOL).unwrap();
    let out = sweep(
        dir.path(),
        &["s.toml", "--out", "o", "--set", "leaf_price.volatility=0.1"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--set leaf_price.volatility=0.1"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("o").exists());
}

#[test]
fn jobs_shards_merge_and_resume_give_the_same_indices() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("s.toml"), SOBOL).unwrap();
    let quiet = ["--quiet", "--no-report"];
    ok(&sweep(
        dir.path(),
        &[&["s.toml", "--out", "one", "--jobs", "1"], &quiet[..]].concat(),
    ));
    ok(&sweep(
        dir.path(),
        &[&["s.toml", "--out", "two", "--jobs", "2"], &quiet[..]].concat(),
    ));
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    for f in [
        "sensitivity.csv",
        "runs.parquet",
        "months.parquet",
        "points.csv",
        "sweep.toml",
    ] {
        assert_eq!(
            read(&one.join(f)),
            read(&two.join(f)),
            "{f} differs with --jobs"
        );
    }
    assert!(!one.join("sensitivity_s2.csv").exists());
    let text = String::from_utf8(read(&one.join("sensitivity.csv"))).unwrap();
    assert!(text.starts_with("metric,month,factor,S1,S1_lo,S1_hi,ST,ST_lo,ST_hi\n"));
    assert!(text.contains("\naegis_value,,deal[13].leaf_pair.amount,"));

    for k in ["1/2", "2/2"] {
        ok(&sweep(
            dir.path(),
            &["s.toml", "--out", "parts", "--shard", k, "--quiet"],
        ));
    }
    let merged = canopy(dir.path())
        .args(["sweep", "merge", "parts", "--no-report"])
        .output()
        .unwrap();
    ok(&merged);
    for f in ["sensitivity.csv", "points.csv"] {
        assert_eq!(
            read(&one.join(f)),
            read(&dir.path().join("parts").join(f)),
            "{f} differs when merged"
        );
    }

    // A finished sweep resumed changes nothing.
    let again = sweep(
        dir.path(),
        &[&["s.toml", "--out", "one", "--resume"], &quiet[..]].concat(),
    );
    ok(&again);
    assert!(
        stdout(&again).contains("already finished"),
        "{}",
        stdout(&again)
    );
    assert_eq!(
        read(&one.join("sensitivity.csv")),
        read(&two.join("sensitivity.csv"))
    );
}

#[test]
fn a_morris_report_ranks_the_factors() {
    let dir = tempfile::tempdir().unwrap();
    let morris = SOBOL
        .replace("mode = \"sobol\"", "mode = \"morris\"\nlevels = 4")
        .replace("samples = 16", "samples = 10");
    fs::write(dir.path().join("m.toml"), morris).unwrap();
    ok(&sweep(dir.path(), &["m.toml", "--out", "o", "--quiet"]));
    let text = String::from_utf8(read(&dir.path().join("o/sensitivity.csv"))).unwrap();
    assert!(text.starts_with("metric,month,factor,mu,mu_star,sigma,mu_star_lo,mu_star_hi\n"));
    // 10 trajectories of 3 factors: 40 rows.
    let points = String::from_utf8(read(&dir.path().join("o/points.csv"))).unwrap();
    assert_eq!(points.lines().count(), 41);
    let html = String::from_utf8(read(&dir.path().join("o/report.html"))).unwrap();
    for needle in [
        "id=\"sensitivity\"",
        "Reading mu_star and sigma",
        "too wide to rank",
        "<code>aegis_value</code> at the last month",
        "Over the months",
    ] {
        assert!(html.contains(needle), "{needle} missing from the report");
    }
}
