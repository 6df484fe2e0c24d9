//! `canopy sweep`: its files against SWEEP.md, and the promises that tie
//! them together: the same rows whatever `--jobs`, in shards then merged,
//! or stopped then resumed (the library tests do that); any row reproduced by `canopy run`; bands that
//! follow from months.parquet; bad input refused with nothing written.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use canopy_sweep::Numbers;
use common::{canopy, names, stderr, stdout, table};

/// A sweep with a grid of two axes (one of a whole-number key), a sample
/// and `[set]`, on the scenario with every random feature on.
const GRID: &str = r#"
[sweep]
scenario = "stress"
runs = 12
seed = 41
keep_months = ["leaf_price", "aegis_value", "pairs_active", "value_per_oak"]
quantiles = [0.1, 0.5, 0.975]

[set]
"market.redeemer_sell_share" = 0.5

[[axis]]
key = "leaf_price.volatility"
values = [0.02, 0.08]

[[axis]]
key = "simulation.months"
linspace = { from = 24, to = 36, steps = 2 }

[[sample]]
key = "market.net_demand_usd"
uniform = { low = -50_000, high = 0 }
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

/// Runs `canopy sweep` in `dir` with `args`.
fn sweep(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = canopy(dir);
    cmd.arg("sweep").args(args);
    cmd.output().unwrap()
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

fn column_names(b: &RecordBatch) -> Vec<String> {
    b.schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

fn types(b: &RecordBatch) -> Vec<(String, DataType)> {
    b.schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect()
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_files_have_the_columns_and_types_of_sweep_md() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "grid.toml", GRID);
    ok(&sweep(
        dir.path(),
        &["grid.toml", "--out", "o", "--quiet", "--no-report"],
    ));
    let o = dir.path().join("o");
    let runs = table(&o.join("runs.parquet"));
    assert_eq!(runs.num_rows(), 4 * 12);
    let t = types(&runs);
    assert_eq!(
        t[..7],
        [
            ("point".to_string(), DataType::UInt32),
            ("run".into(), DataType::UInt32),
            ("seed".into(), DataType::UInt64),
            ("leaf_price.volatility".into(), DataType::Float64),
            ("simulation.months".into(), DataType::Int64),
            ("market.net_demand_usd".into(), DataType::Float64),
            ("status".into(), DataType::Utf8),
        ]
    );
    let names = column_names(&runs);
    let mut expected: Vec<String> = vec!["failed_month".into()];
    expected.extend(canopy_model::NAMES[1..].iter().map(|s| s.to_string()));
    expected.extend(
        [
            "min_leaf_price",
            "min_aegis_value",
            "min_aegis_usdc",
            "min_value_per_oak",
            "max_oak_redeemed_month",
            "first_redemption_month",
        ]
        .map(String::from),
    );
    assert_eq!(names[7..], expected);
    let ty = |n: &str| t.iter().find(|(m, _)| m == n).unwrap().1.clone();
    for n in [
        "failed_month",
        "pairs_active",
        "active_deals",
        "first_redemption_month",
    ] {
        assert_eq!(ty(n), DataType::UInt32, "{n}");
    }
    for n in [
        "leaf_price",
        "tvl_total",
        "oak_redeemed",
        "min_value_per_oak",
        "max_oak_redeemed_month",
    ] {
        assert_eq!(ty(n), DataType::Float64, "{n}");
    }
    // Ordered by point then run; point 1 is volatility 0.02 with 36 months.
    let point = Numbers::of(&runs, "point");
    let run = Numbers::of(&runs, "run");
    for i in 0..runs.num_rows() {
        assert_eq!(point.get(i), Some((i / 12) as f64));
        assert_eq!(run.get(i), Some((i % 12) as f64));
    }
    let months = Numbers::of(&runs, "simulation.months");
    assert_eq!(months.get(12), Some(36.0));
    assert_eq!(
        Numbers::of(&runs, "leaf_price.volatility").get(12),
        Some(0.02)
    );
    assert_eq!(
        Numbers::of(&runs, "leaf_price.volatility").get(24),
        Some(0.08)
    );
    // Seeds: seed + run at every point (common random numbers).
    let seed = Numbers::of(&runs, "seed");
    for i in 0..runs.num_rows() {
        assert_eq!(seed.get(i), Some(41.0 + (i % 12) as f64));
    }

    let m = table(&o.join("months.parquet"));
    assert_eq!(
        types(&m),
        [
            ("point".to_string(), DataType::UInt32),
            ("run".into(), DataType::UInt32),
            ("month".into(), DataType::UInt32),
            ("leaf_price".into(), DataType::Float64),
            ("aegis_value".into(), DataType::Float64),
            ("pairs_active".into(), DataType::UInt32),
            ("value_per_oak".into(), DataType::Float64),
        ]
    );
    // Points 0 and 2 run 24 months, 1 and 3 run 36; every run is ok.
    assert_eq!(m.num_rows(), 12 * (24 + 36 + 24 + 36));

    let b = table(&o.join("bands.parquet"));
    assert_eq!(
        types(&b),
        [
            ("point".to_string(), DataType::UInt32),
            ("month".into(), DataType::UInt32),
            ("metric".into(), DataType::Utf8),
            ("n".into(), DataType::UInt64),
            ("mean".into(), DataType::Float64),
            ("p10".into(), DataType::Float64),
            ("p50".into(), DataType::Float64),
            ("p97.5".into(), DataType::Float64),
        ]
    );
    assert_eq!(b.num_rows(), 4 * (24 + 36 + 24 + 36));
    let header = String::from_utf8(read(&o.join("bands.csv"))).unwrap();
    assert!(header.starts_with("point,month,metric,n,mean,p10,p50,p97.5\n0,1,leaf_price,12,"));

    let points = String::from_utf8(read(&o.join("points.csv"))).unwrap();
    let first = points.lines().next().unwrap();
    assert!(first.starts_with(
        "point,leaf_price.volatility,simulation.months,runs,failed,revenue_cumulative_mean,revenue_cumulative_p10,revenue_cumulative_p50,revenue_cumulative_p97.5,aegis_value_mean,"
    ), "{first}");
    assert!(first.ends_with(
        "min_aegis_value_mean,min_aegis_value_p10,min_aegis_value_p50,min_aegis_value_p97.5,revenue_cumulative_es5,aegis_value_es5,value_per_oak_es5,oak_redeemed_es5,leaf_price_es5,min_aegis_value_es5"
    ), "{first}");
    let rows: Vec<&str> = points.lines().skip(1).collect();
    assert_eq!(rows.len(), 4);
    assert!(rows[1].starts_with("1,0.02,36,12,0,"), "{}", rows[1]);
    assert_eq!(
        read(&o.join("failures.csv")),
        b"point,run,seed,month,quantity,message\n"
    );
    let resolved = String::from_utf8(read(&o.join("sweep.toml"))).unwrap();
    assert!(resolved.starts_with(&format!(
        "# canopy {}\n[sweep]\n",
        env!("CARGO_PKG_VERSION")
    )));
    assert!(resolved.contains("seed = 41\n") && resolved.contains("mode = \"grid\"\n"));
    assert!(!o.join(".partial").exists());
}

/// The `q` quantile of sorted `xs` by numpy's default rule, written from
/// its definition (a second path to the same numbers).
fn numpy_linear(xs: &[f64], q: f64) -> f64 {
    let h = (xs.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(xs.len() - 1);
    xs[lo] + (h - lo as f64) * (xs[hi] - xs[lo])
}

#[test]
fn bands_follow_from_months_parquet() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "grid.toml", GRID);
    ok(&sweep(
        dir.path(),
        &["grid.toml", "--out", "o", "--quiet", "--no-report"],
    ));
    let o = dir.path().join("o");
    let m = table(&o.join("months.parquet"));
    let b = table(&o.join("bands.parquet"));
    let (point, month) = (Numbers::of(&m, "point"), Numbers::of(&m, "month"));
    let metrics = ["leaf_price", "aegis_value", "pairs_active", "value_per_oak"];
    let metric_col = b
        .column_by_name("metric")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::StringArray>()
        .unwrap()
        .clone();
    let (bp, bm, n, mean) = (
        Numbers::of(&b, "point"),
        Numbers::of(&b, "month"),
        Numbers::of(&b, "n"),
        Numbers::of(&b, "mean"),
    );
    let qs = [("p10", 0.1), ("p50", 0.5), ("p97.5", 0.975)];
    let mut checked = 0;
    for row in 0..b.num_rows() {
        let metric = metric_col.value(row);
        assert_eq!(metric, metrics[row % 4]);
        let values = Numbers::of(&m, metric);
        let mut xs: Vec<f64> = (0..m.num_rows())
            .filter(|&i| point.get(i) == bp.get(row) && month.get(i) == bm.get(row))
            .filter_map(|i| values.get(i))
            .collect();
        xs.sort_by(f64::total_cmp);
        assert_eq!(n.get(row), Some(xs.len() as f64));
        let expected_mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let got = mean.get(row).unwrap();
        assert!((got - expected_mean).abs() <= 1e-12 * expected_mean.abs().max(1.0));
        for (name, q) in qs {
            let got = Numbers::of(&b, name).get(row).unwrap();
            let want = numpy_linear(&xs, q);
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1e-300),
                "{metric} {name} row {row}: {got} vs {want}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 4 * (24 + 36 + 24 + 36));
}

#[test]
fn jobs_shards_and_resume_give_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "grid.toml", GRID);
    ok(&sweep(
        dir.path(),
        &[
            "grid.toml",
            "--out",
            "whole",
            "--jobs",
            "2",
            "--quiet",
            "--no-report",
        ],
    ));
    ok(&sweep(
        dir.path(),
        &[
            "grid.toml",
            "--out",
            "one",
            "--jobs",
            "1",
            "--quiet",
            "--no-report",
        ],
    ));
    let files = [
        "runs.parquet",
        "months.parquet",
        "bands.csv",
        "bands.parquet",
        "points.csv",
        "failures.csv",
        "sweep.toml",
    ];
    for f in files {
        assert_eq!(
            read(&dir.path().join("whole").join(f)),
            read(&dir.path().join("one").join(f)),
            "{f} differs with --jobs"
        );
    }
    for k in 1..=3 {
        let shard = format!("{k}/3");
        ok(&sweep(
            dir.path(),
            &[
                "grid.toml",
                "--out",
                "sharded",
                "--shard",
                &shard,
                "--quiet",
            ],
        ));
    }
    let parts = dir.path().join("sharded");
    assert_eq!(names(&parts), ["part-1-of-3", "part-2-of-3", "part-3-of-3"]);
    // Shard 2 holds the runs whose global index leaves 1 divided by 3.
    let part = table(&parts.join("part-2-of-3/runs.parquet"));
    let (p, r) = (Numbers::of(&part, "point"), Numbers::of(&part, "run"));
    assert_eq!(part.num_rows(), 16);
    for i in 0..part.num_rows() {
        let g = p.get(i).unwrap() * 12.0 + r.get(i).unwrap();
        assert_eq!(g, (1 + 3 * i) as f64);
    }
    let merged = canopy(dir.path())
        .args(["sweep", "merge", "sharded", "--no-report"])
        .output()
        .unwrap();
    ok(&merged);
    let whole = dir.path().join("whole");
    for f in ["runs.parquet", "months.parquet", "bands.parquet"] {
        assert_eq!(
            table(&parts.join(f)),
            table(&whole.join(f)),
            "{f} differs when merged"
        );
    }
    for f in ["bands.csv", "points.csv", "failures.csv", "sweep.toml"] {
        assert_eq!(
            read(&parts.join(f)),
            read(&whole.join(f)),
            "{f} differs when merged"
        );
    }

    // Stopped and resumed: crates/canopy-sweep/tests/runner.rs, through
    // the library's stop flag.
    assert_eq!(
        names(&whole),
        [
            ".identity",
            "bands.csv",
            "bands.parquet",
            "failures.csv",
            "months.parquet",
            "points.csv",
            "runs.parquet",
            "sweep.toml"
        ]
    );

    // Resuming a finished sweep changes nothing; another sweep is refused.
    let again = sweep(
        dir.path(),
        &["grid.toml", "--out", "whole", "--resume", "--no-report"],
    );
    ok(&again);
    assert!(stdout(&again).contains("already finished"));
    let other = sweep(
        dir.path(),
        &["grid.toml", "--out", "whole", "--resume", "--seed", "3"],
    );
    assert_eq!(other.status.code(), Some(2), "{}", stderr(&other));
    assert!(
        stderr(&other).contains("different sweep"),
        "{}",
        stderr(&other)
    );
    assert_eq!(
        read(&whole.join("runs.parquet")),
        read(&dir.path().join("one/runs.parquet"))
    );
}

/// The last month of a run's metrics.csv, by column.
fn last_month(csv_text: &str) -> Vec<(String, String)> {
    let mut lines = csv_text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let last: Vec<&str> = lines.last().unwrap().split(',').collect();
    header
        .iter()
        .zip(last)
        .map(|(h, v)| (h.to_string(), v.to_string()))
        .collect()
}

#[test]
fn any_row_is_reproduced_by_canopy_run() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "grid.toml", GRID);
    ok(&sweep(
        dir.path(),
        &["grid.toml", "--out", "o", "--quiet", "--no-report"],
    ));
    let runs = table(&dir.path().join("o/runs.parquet"));
    for row in [0, 17, 30, 47] {
        let num = |n: &str| Numbers::of(&runs, n).get(row).unwrap();
        let mut cmd = canopy(dir.path());
        cmd.args([
            "run",
            "stress",
            "--quiet",
            "--no-charts",
            "--out",
            &format!("r{row}"),
        ])
        .args(["--log-dir", "logs"])
        .args(["--set", &format!("simulation.seed={}", num("seed"))])
        .args(["--set", "market.redeemer_sell_share=0.5"])
        .args([
            "--set",
            &format!("leaf_price.volatility={:?}", num("leaf_price.volatility")),
        ])
        .args([
            "--set",
            &format!("simulation.months={}", num("simulation.months")),
        ])
        .args([
            "--set",
            &format!("market.net_demand_usd={:?}", num("market.net_demand_usd")),
        ]);
        ok(&cmd.output().unwrap());
        let metrics = fs::read_to_string(dir.path().join(format!("r{row}/metrics.csv"))).unwrap();
        let last = last_month(&metrics);
        assert_eq!(last.len(), canopy_model::NAMES.len());
        for (name, cell) in &last[1..] {
            let got = Numbers::of(&runs, name).get(row);
            let want = (!cell.is_empty()).then(|| cell.parse::<f64>().unwrap());
            assert_eq!(
                got.map(f64::to_bits),
                want.map(f64::to_bits),
                "row {row}, {name}: sweep {got:?}, canopy run {want:?}"
            );
        }
    }
}

#[test]
fn bad_sweep_files_are_refused_with_every_problem_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.toml",
        r#"[sweep]
scenario = "stress"
runs = 0
mode = "diagonal"

[[axis]]
key = "leaf_price.volatility"
values = [0.02, -1.0]

[[sample]]
key = "simulation.seed"
uniform = { low = 0, high = 1 }
"#,
    );
    let out = sweep(dir.path(), &["bad.toml", "--out", "o"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for needle in [
        "bad.toml:3:",
        "sweep.runs",
        "sweep.mode",
        "bad.toml:4:",
        "simulation.seed",
        "bad.toml:11:",
    ] {
        assert!(err.contains(needle), "{needle} missing from:\n{err}");
    }
    assert!(!dir.path().join("o").exists());

    // A point's problem names the point and the axis line.
    write(
        dir.path(),
        "point.toml",
        "[sweep]\nscenario = \"stress\"\n\n[[axis]]\nkey = \"leaf_price.volatility\"\nvalues = [0.02, -1.0]\n",
    );
    let out = sweep(dir.path(), &["point.toml", "--out", "o"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("point.toml:6:") && err.contains("point 1"),
        "{err}"
    );
    assert!(!dir.path().join("o").exists());

    // --set may not name an axis key; --runs is checked as sweep.runs.
    write(dir.path(), "grid.toml", GRID);
    let out = sweep(
        dir.path(),
        &[
            "grid.toml",
            "--out",
            "o",
            "--set",
            "leaf_price.volatility=0.1",
            "--runs",
            "-3",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("--set leaf_price.volatility=0.1") && err.contains("--runs -3"),
        "{err}"
    );
    assert!(!dir.path().join("o").exists());
}

#[test]
fn the_command_line_overrides_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "grid.toml", GRID);
    let out = sweep(
        dir.path(),
        &[
            "grid.toml",
            "--out",
            "o",
            "--runs",
            "3",
            "--seed",
            "100",
            "--set",
            "market.redeemer_sell_share=0.25",
            "--quiet",
            "--no-report",
        ],
    );
    ok(&out);
    let resolved = fs::read_to_string(dir.path().join("o/sweep.toml")).unwrap();
    assert!(resolved.contains("runs = 3\nseed = 100\n"), "{resolved}");
    assert!(
        resolved.contains("\"market.redeemer_sell_share\" = 0.25\n"),
        "{resolved}"
    );
    let runs = table(&dir.path().join("o/runs.parquet"));
    assert_eq!(runs.num_rows(), 12);
    assert_eq!(Numbers::of(&runs, "seed").get(2), Some(102.0));
    let line = stdout(&out);
    assert!(
        line.contains("12 runs") && line.contains("0 failed") && line.contains("runs/s"),
        "{line}"
    );
}

/// A sample whose draws fall below its key's minimum half the time.
const INVALID: &str = r#"
[sweep]
scenario = "default"
runs = 20
keep_months = []

[[sample]]
key = "leaf_price.volatility"
normal = { mean = 0.0, sd = 0.1 }
"#;

#[test]
fn invalid_runs_are_recorded_or_stop_the_sweep_with_fail_fast() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "invalid.toml", INVALID);
    ok(&sweep(
        dir.path(),
        &["invalid.toml", "--out", "o", "--quiet", "--no-report"],
    ));
    let o = dir.path().join("o");
    assert!(!o.join("months.parquet").exists() && !o.join("bands.csv").exists());
    let runs = table(&o.join("runs.parquet"));
    let status = runs
        .column_by_name("status")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::StringArray>()
        .unwrap()
        .clone();
    let vol = Numbers::of(&runs, "leaf_price.volatility");
    let failures = fs::read_to_string(o.join("failures.csv")).unwrap();
    let mut invalid = 0;
    for i in 0..runs.num_rows() {
        let v = vol.get(i).unwrap();
        assert_eq!(
            status.value(i),
            if v < 0.0 { "invalid" } else { "ok" },
            "run {i}: {v}"
        );
        if v < 0.0 {
            invalid += 1;
            let seed = Numbers::of(&runs, "seed").get(i).unwrap();
            assert!(
                failures.contains(&format!("\n0,{i},{seed},,leaf_price.volatility,")),
                "{failures}"
            );
            // Everything after the status is null for an invalid run.
            assert!(runs.column_by_name("leaf_price").unwrap().is_null(i));
            assert!(runs.column_by_name("min_leaf_price").unwrap().is_null(i));
        } else {
            assert!(!runs.column_by_name("leaf_price").unwrap().is_null(i));
        }
    }
    assert!((1..20).contains(&invalid), "{invalid} invalid runs of 20");
    assert_eq!(failures.lines().count(), invalid + 1);
    let points = fs::read_to_string(o.join("points.csv")).unwrap();
    assert!(
        points
            .lines()
            .nth(1)
            .unwrap()
            .starts_with(&format!("0,20,{invalid},"))
    );

    let out = sweep(dir.path(), &["invalid.toml", "--out", "ff", "--fail-fast"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("is invalid") && err.contains("canopy run default --set simulation.seed="),
        "{err}"
    );
}

#[test]
fn merge_refuses_parts_that_do_not_make_one_sweep() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "grid.toml", GRID);
    let merge = |folder: &str| {
        canopy(dir.path())
            .args(["sweep", "merge", folder, "--no-report"])
            .output()
            .unwrap()
    };
    // One part missing.
    for k in [1, 3] {
        ok(&sweep(
            dir.path(),
            &[
                "grid.toml",
                "--out",
                "m",
                "--shard",
                &format!("{k}/3"),
                "--quiet",
            ],
        ));
    }
    let out = merge("m");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("part-2-of-3"), "{}", stderr(&out));
    assert!(!dir.path().join("m/runs.parquet").exists());
    // A part of another sweep.
    ok(&sweep(
        dir.path(),
        &[
            "grid.toml",
            "--out",
            "m",
            "--shard",
            "2/3",
            "--seed",
            "5",
            "--quiet",
        ],
    ));
    let out = merge("m");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("another sweep"), "{}", stderr(&out));
    // The right part, then a part of another N.
    ok(&sweep(
        dir.path(),
        &["grid.toml", "--out", "m", "--shard", "2/3", "--quiet"],
    ));
    ok(&sweep(
        dir.path(),
        &["grid.toml", "--out", "m", "--shard", "1/2", "--quiet"],
    ));
    let out = merge("m");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("different shard counts"),
        "{}",
        stderr(&out)
    );
    fs::remove_dir_all(dir.path().join("m/part-1-of-2")).unwrap();
    // A doubled part.
    fs::create_dir(dir.path().join("m/part-01-of-3")).unwrap();
    let out = merge("m");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("twice"), "{}", stderr(&out));
    fs::remove_dir(dir.path().join("m/part-01-of-3")).unwrap();
    // A part whose rows are another part's.
    let part2 = dir.path().join("m/part-2-of-3/runs.parquet");
    let saved = read(&part2);
    fs::copy(dir.path().join("m/part-1-of-3/runs.parquet"), &part2).unwrap();
    let out = merge("m");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not part 2 of 3"), "{}", stderr(&out));
    fs::write(&part2, saved).unwrap();
    ok(&merge("m"));
    assert!(dir.path().join("m/runs.parquet").exists());
    // Not a sweep at all.
    fs::create_dir(dir.path().join("empty")).unwrap();
    let out = merge("empty");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no parts"), "{}", stderr(&out));
}

#[test]
fn the_report_draws_an_oat_sweep_with_its_tornado() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "oat.toml",
        r#"[sweep]
scenario = "stress"
runs = 6
mode = "oat"
keep_months = ["aegis_value"]

[[axis]]
key = "leaf_price.volatility"
values = [0.1, 0.02]

[[axis]]
key = "market.redeemer_sell_share"
linspace = { from = 0.2, to = 0.8, steps = 3 }
"#,
    );
    ok(&sweep(dir.path(), &["oat.toml", "--out", "o", "--quiet"]));
    let o = dir.path().join("o");
    // Point 0 is the scenario as it is; the others vary one axis each,
    // the other at the scenario's own value.
    let points = fs::read_to_string(o.join("points.csv")).unwrap();
    let firsts: Vec<String> = points
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(3).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        firsts,
        [
            "0,0.06,1.0",
            "1,0.1,1.0",
            "2,0.02,1.0",
            "3,0.06,0.2",
            "4,0.06,0.5",
            "5,0.06,0.8"
        ]
    );
    let html = fs::read_to_string(o.join("report.html")).unwrap();
    assert!(html.contains("<svg"));
    let charts = names(&o.join("charts"));
    for stem in [
        "tornado",
        "fan_aegis_value_medians",
        "response_1_leaf_price_volatility",
    ] {
        assert!(
            charts
                .iter()
                .any(|n| n.starts_with(stem) && n.ends_with(".svg")),
            "{stem} missing from {charts:?}"
        );
        assert!(
            charts
                .iter()
                .any(|n| n.starts_with(stem) && n.ends_with(".png"))
        );
    }
    // --no-report on the same folder removes the report it would not write.
    ok(&sweep(
        dir.path(),
        &["oat.toml", "--out", "o", "--quiet", "--no-report"],
    ));
    assert!(!o.join("report.html").exists() && !o.join("charts").exists());
}

#[test]
fn bands_have_every_month_of_every_point_even_where_no_run_got_there() {
    let dir = tempfile::tempdir().unwrap();
    // Every run is invalid (a negative treasury): no run reaches month 1.
    write(
        dir.path(),
        "none.toml",
        r#"[sweep]
scenario = "default"
runs = 3
keep_months = ["aegis_value", "pairs_active"]

[[axis]]
key = "simulation.months"
values = [12, 24]

[[sample]]
key = "aegis.initial_usdc"
uniform = { low = -20, high = -10 }
"#,
    );
    ok(&sweep(dir.path(), &["none.toml", "--out", "o", "--quiet"]));
    let bands = fs::read_to_string(dir.path().join("o/bands.csv")).unwrap();
    let rows: Vec<&str> = bands.lines().skip(1).collect();
    assert_eq!(rows.len(), 2 * (12 + 24), "{bands}");
    assert_eq!(rows[0], "0,1,aegis_value,0,,,,,,");
    assert_eq!(rows[23], "0,12,pairs_active,0,,,,,,");
    assert_eq!(rows[71], "1,24,pairs_active,0,,,,,,");
    let b = table(&dir.path().join("o/bands.parquet"));
    assert_eq!(b.num_rows(), 72);
    assert_eq!(b.column_by_name("mean").unwrap().null_count(), 72);
    let failures = fs::read_to_string(dir.path().join("o/failures.csv")).unwrap();
    assert_eq!(failures.lines().count(), 7);
}

#[test]
fn quantiles_that_would_name_one_column_twice_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "q.toml",
        "[sweep]\nscenario = \"default\"\nquantiles = [0.5, 0.25, 0.5]\n",
    );
    let out = sweep(dir.path(), &["q.toml", "--out", "o"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("q.toml:3:") && err.contains("sweep.quantiles[2]") && err.contains("`p50`"),
        "{err}"
    );
    assert!(!dir.path().join("o").exists());
}

#[test]
fn a_changed_scenario_file_is_another_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let show = canopy(dir.path())
        .args(["show", "default"])
        .output()
        .unwrap();
    let text = stdout(&show);
    write(dir.path(), "mine.toml", &text);
    write(
        dir.path(),
        "s.toml",
        "[sweep]\nscenario = \"mine.toml\"\nruns = 4\nkeep_months = []\n",
    );
    ok(&sweep(
        dir.path(),
        &["s.toml", "--out", "o", "--shard", "1/2", "--quiet"],
    ));
    ok(&sweep(
        dir.path(),
        &["s.toml", "--out", "whole", "--quiet", "--no-report"],
    ));
    write(
        dir.path(),
        "mine.toml",
        &text.replace("months = 60", "months = 24"),
    );
    ok(&sweep(
        dir.path(),
        &["s.toml", "--out", "o", "--shard", "2/2", "--quiet"],
    ));
    let out = canopy(dir.path())
        .args(["sweep", "merge", "o"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("another sweep"), "{}", stderr(&out));
    let out = sweep(
        dir.path(),
        &["s.toml", "--out", "whole", "--resume", "--quiet"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("different sweep"), "{}", stderr(&out));
}

/// The files as pyarrow, pandas, polars and DuckDB read them, bands
/// recomputed with numpy (tests/python/read_sweep.py). CI sets
/// `CANOPY_TEST_PYTHON` to a Python with those packages (`.ci/run` makes
/// the virtual environment); without it the test says so and passes, except
/// in CI (`CI=true`), where it fails.
#[test]
fn python_readers_see_the_types_of_sweep_md() {
    let Ok(python) = std::env::var("CANOPY_TEST_PYTHON") else {
        // In CI a missing Python is a failure, not a test passed unseen.
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CANOPY_TEST_PYTHON is not set: CI must set it to a Python with pyarrow, numpy, pandas, polars and duckdb"
        );
        eprintln!(
            "skipped: set CANOPY_TEST_PYTHON to a Python with pyarrow, numpy, pandas, polars and duckdb"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "grid.toml", GRID);
    for k in 1..=2 {
        let shard = format!("{k}/2");
        ok(&sweep(
            dir.path(),
            &["grid.toml", "--out", "o", "--shard", &shard, "--quiet"],
        ));
    }
    ok(&canopy(dir.path())
        .args(["sweep", "merge", "o", "--no-report"])
        .output()
        .unwrap());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/read_sweep.py");
    let out = StdCommand::new(python)
        .arg(script)
        .arg(dir.path().join("o"))
        .args(["leaf_price.volatility", "market.net_demand_usd"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn merge_refuses_months_or_failures_copied_from_another_part() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "grid.toml", GRID);
    write(dir.path(), "invalid.toml", INVALID);
    for k in 1..=2 {
        let shard = format!("{k}/2");
        ok(&sweep(
            dir.path(),
            &["grid.toml", "--out", "g", "--shard", &shard, "--quiet"],
        ));
        ok(&sweep(
            dir.path(),
            &["invalid.toml", "--out", "i", "--shard", &shard, "--quiet"],
        ));
    }
    let merge = |folder: &str| {
        canopy(dir.path())
            .args(["sweep", "merge", folder, "--no-report"])
            .output()
            .unwrap()
    };
    let copy = |from: &str, to: &str| {
        fs::copy(dir.path().join(from), dir.path().join(to)).unwrap();
    };
    copy(
        "g/part-1-of-2/months.parquet",
        "g/part-2-of-2/months.parquet",
    );
    let out = merge("g");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("months.parquet holds rows of point"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("g/months.parquet").exists());
    assert!(
        !dir.path().join("g/runs.parquet").exists(),
        "nothing half merged stays"
    );

    let saved = read(&dir.path().join("i/part-2-of-2/failures.csv"));
    copy("i/part-1-of-2/failures.csv", "i/part-2-of-2/failures.csv");
    let out = merge("i");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("does not list the runs"),
        "{}",
        stderr(&out)
    );
    fs::write(dir.path().join("i/part-2-of-2/failures.csv"), saved).unwrap();
    ok(&merge("i"));
}

#[test]
fn printed_commands_name_scenario_files_from_where_the_user_is() {
    let dir = tempfile::tempdir().unwrap();
    let show = canopy(dir.path())
        .args(["show", "default"])
        .output()
        .unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    write(&dir.path().join("sub"), "mine.toml", &stdout(&show));
    write(
        &dir.path().join("sub"),
        "s.toml",
        &INVALID.replace("scenario = \"default\"", "scenario = \"mine.toml\""),
    );
    let out = sweep(dir.path(), &["sub/s.toml", "--out", "o", "--fail-fast"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let command = err.split("reproduce it with: ").nth(1).unwrap().trim();
    assert!(
        command.starts_with("canopy run sub/mine.toml --set"),
        "{err}"
    );
    // The printed command runs here, and refuses the run as the sweep did.
    let words: Vec<&str> = command.split(' ').skip(1).collect();
    let again = canopy(dir.path())
        .args(&words)
        .arg("--out")
        .arg("r")
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("leaf_price.volatility"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn merge_does_not_replace_another_sweep_in_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "grid.toml", GRID);
    write(dir.path(), "invalid.toml", INVALID);
    for k in 1..=2 {
        let shard = format!("{k}/2");
        ok(&sweep(
            dir.path(),
            &["grid.toml", "--out", "o", "--shard", &shard, "--quiet"],
        ));
    }
    ok(&sweep(
        dir.path(),
        &["invalid.toml", "--out", "o", "--quiet", "--no-report"],
    ));
    let before = read(&dir.path().join("o/runs.parquet"));
    let out = canopy(dir.path())
        .args(["sweep", "merge", "o"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("another sweep than its parts"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&dir.path().join("o/runs.parquet")), before);
}

#[test]
fn a_seed_out_of_range_is_named_with_the_range_allowed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "grid.toml", GRID);
    for seed in ["9223372036854775808", "99999999999999999999999"] {
        let out = sweep(dir.path(), &["grid.toml", "--seed", seed, "--quiet"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("from 0 to 9223372036854775807"),
            "{}",
            stderr(&out)
        );
    }
    let out = sweep(dir.path(), &["grid.toml", "--seed", "-1", "--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!dir.path().join("sweep").exists(), "nothing written");
}

#[test]
fn a_folder_another_sweep_holds_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "grid.toml", GRID);
    let o = dir.path().join("o");
    fs::create_dir(&o).unwrap();
    // The lock another `canopy sweep` would hold.
    let lock = canopy_sweep::FolderLock::try_acquire(&o).unwrap();
    let out = sweep(dir.path(), &["grid.toml", "--out", "o", "--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("in use by another sweep or merge"),
        "{}",
        stderr(&out)
    );
    let merged = canopy(dir.path())
        .args(["sweep", "merge", "o", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(merged.status.code(), Some(2), "{}", stderr(&merged));
    drop(lock);
    ok(&sweep(
        dir.path(),
        &["grid.toml", "--out", "o", "--quiet", "--no-report"],
    ));
}

#[test]
fn a_dangling_link_as_out_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "grid.toml", GRID);
    std::os::unix::fs::symlink("nowhere", dir.path().join("o")).unwrap();
    let out = sweep(dir.path(), &["grid.toml", "--out", "o", "--quiet"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("symbolic link to nowhere, which does not exist")
            && stderr(&out).contains("(--out)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn help_says_jobs_is_capped_at_the_chunks() {
    let out = canopy(Path::new("."))
        .args(["sweep", "--help"])
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("never more than the sweep has chunks of runs"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn an_unfinished_part_is_exit_2_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "grid.toml", GRID);
    for k in ["1/2", "2/2"] {
        ok(&sweep(
            dir.path(),
            &[
                "grid.toml",
                "--out",
                "p",
                "--shard",
                k,
                "--quiet",
                "--no-report",
            ],
        ));
    }
    fs::remove_file(dir.path().join("p/part-2-of-2/failures.csv")).unwrap();
    let out = canopy(dir.path())
        .args(["sweep", "merge", "p", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("part-2-of-2 is not finished: its failures.csv is missing")
            && stderr(&out).contains("--resume"),
        "{}",
        stderr(&out)
    );
}
