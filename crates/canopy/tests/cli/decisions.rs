//! The decision commands through the real binary: criteria in sweeps,
//! `canopy compare` and `canopy seek`, and `deal[i].enabled`, each checked
//! against a second path to the same numbers (the runs' own rows, a plain
//! `canopy run`, a sweep of the same values, exact binomial sums).

use crate::common;

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use arrow_array::{Array, BooleanArray, RecordBatch, StringArray, UInt32Array};
use canopy_sweep::Numbers;
use common::{canopy, names, stderr, stdout, table};

/// A CSV file as rows of (column -> cell).
fn csv_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, key: &str) -> f64 {
    row.get(key)
        .unwrap_or_else(|| panic!("no column {key}"))
        .parse()
        .unwrap_or_else(|_| panic!("{key} = {:?}", row[key]))
}

fn flags(b: &RecordBatch, name: &str) -> Vec<Option<bool>> {
    let a = b
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_any()
        .downcast_ref::<BooleanArray>()
        .unwrap();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect()
}

fn texts(b: &RecordBatch, name: &str) -> Vec<String> {
    let a = b
        .column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    (0..a.len()).map(|i| a.value(i).to_string()).collect()
}

fn numbers(b: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    let n = Numbers::of(b, name);
    (0..b.num_rows()).map(|i| n.get(i)).collect()
}

fn counts(b: &RecordBatch, name: &str) -> Vec<u32> {
    let a = b
        .column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<UInt32Array>()
        .unwrap();
    a.values().to_vec()
}

fn succeed(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// The binomial tail P(X <= k) for X ~ Bin(n, 1/2), summed exactly.
fn half_binomial_cdf(k: u64, n: u64) -> f64 {
    let mut c: u128 = 1;
    let mut sum: u128 = 0;
    for i in 0..=k {
        if i > 0 {
            c = c * u128::from(n - i + 1) / u128::from(i);
        }
        sum += c;
    }
    sum as f64 / 2f64.powi(n as i32)
}

const CRITERIA_SWEEP: &str = r#"
[sweep]
scenario = "stress"
runs = 60
seed = 5
keep_months = ["aegis_usdc", "leaf_price"]

[[axis]]
key = "aegis.initial_usdc"
values = [1e6, 2e7]

[[criterion]]
name = "usdc_floor"
metric = "aegis_usdc"
below = 2_500_000

[[criterion]]
name = "half_left"
metric = "aegis_usdc"
below = { fraction = 0.5, of = "aegis.initial_usdc" }
when = "end"
"#;

#[test]
fn criteria_count_each_run_from_its_own_months_and_give_exact_intervals() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("s.toml"), CRITERIA_SWEEP).unwrap();
    let out = canopy(dir.path())
        .args(["sweep", "s.toml", "--quiet", "--out", "o"])
        .args(["--criterion", "cheap: leaf_price < 0.6 at 12"])
        .output()
        .unwrap();
    succeed(&out);
    let o = dir.path().join("o");
    let runs = table(&o.join("runs.parquet"));
    let months = table(&o.join("months.parquet"));
    // A second path: each run's months, and its own initial USDC.
    let usdc = numbers(&months, "aegis_usdc");
    let price = numbers(&months, "leaf_price");
    let (mp, mr, mm) = (
        counts(&months, "point"),
        counts(&months, "run"),
        counts(&months, "month"),
    );
    let initial = numbers(&runs, "aegis.initial_usdc");
    let (rp, rr) = (counts(&runs, "point"), counts(&runs, "run"));
    let status = texts(&runs, "status");
    let (floor, half, cheap) = (
        flags(&runs, "usdc_floor"),
        flags(&runs, "half_left"),
        flags(&runs, "cheap"),
    );
    let floor_month = numbers(&runs, "usdc_floor_month");
    for i in 0..runs.num_rows() {
        let rows: Vec<usize> = (0..months.num_rows())
            .filter(|&j| mp[j] == rp[i] && mr[j] == rr[i])
            .collect();
        if status[i] != "ok" {
            assert_eq!((floor[i], half[i], cheap[i]), (None, None, None));
            continue;
        }
        let first = rows
            .iter()
            .find(|&&j| usdc[j].is_some_and(|u| u < 2_500_000.0))
            .map(|&j| f64::from(mm[j]));
        assert_eq!(floor[i], Some(first.is_some()), "run {i}");
        assert_eq!(floor_month[i], first, "run {i}");
        let last = *rows.last().unwrap();
        let limit = 0.5 * initial[i].unwrap();
        assert_eq!(half[i], Some(usdc[last].unwrap() < limit), "run {i}");
        let at12 = rows.iter().find(|&&j| mm[j] == 12).unwrap();
        assert_eq!(cheap[i], Some(price[*at12].unwrap() < 0.6), "run {i}");
    }
    // points.csv: the counts of those rows, and their intervals.
    let points = csv_rows(&o.join("points.csv"));
    assert_eq!(points.len(), 2);
    let mut any_between = false;
    for (p, row) in points.iter().enumerate() {
        for (name, met) in [
            ("usdc_floor", &floor),
            ("half_left", &half),
            ("cheap", &cheap),
        ] {
            let mine: Vec<bool> = (0..runs.num_rows())
                .filter(|&i| rp[i] as usize == p && status[i] == "ok")
                .map(|i| met[i].unwrap())
                .collect();
            let (n, k) = (
                mine.len() as f64,
                mine.iter().filter(|m| **m).count() as f64,
            );
            assert_eq!(num(row, &format!("{name}_n")), n);
            assert_eq!(num(row, &format!("{name}_k")), k);
            assert_eq!(num(row, &format!("{name}_p")), k / n);
            let (lo, hi) = (
                num(row, &format!("{name}_lo")),
                num(row, &format!("{name}_hi")),
            );
            // The exact ends where they have a closed form.
            if k == 0.0 {
                assert_eq!(lo, 0.0);
                assert!((hi - (1.0 - 0.025f64.powf(1.0 / n))).abs() < 1e-9);
            } else if k == n {
                assert_eq!(hi, 1.0);
                assert!((lo - 0.025f64.powf(1.0 / n)).abs() < 1e-9);
            } else {
                any_between = true;
                assert!(lo < k / n && k / n < hi);
            }
        }
        // Expected shortfall: the mean of the worst ceil(0.05 n) values.
        let mut values: Vec<f64> = (0..runs.num_rows())
            .filter(|&i| rp[i] as usize == p && status[i] == "ok")
            .filter_map(|i| numbers(&runs, "aegis_value")[i])
            .collect();
        values.sort_by(f64::total_cmp);
        let worst = (0.05 * values.len() as f64).ceil() as usize;
        let es = values[..worst].iter().sum::<f64>() / worst as f64;
        assert!((num(row, "aegis_value_es5") - es).abs() <= 1e-9 * es.abs());
    }
    assert!(any_between, "no criterion met by some runs but not all");
    let report = fs::read_to_string(o.join("report.html")).unwrap();
    assert!(report.contains("<section id=\"criteria\">"));
    assert!(report.contains("usdc_floor"));
    // The resolved sweep holds the criteria, the command line's too.
    let resolved = fs::read_to_string(o.join("sweep.toml")).unwrap();
    assert!(resolved.contains("name = \"cheap\""), "{resolved}");
    assert!(resolved.contains("when = 12"), "{resolved}");
}

#[test]
fn bad_criteria_are_refused_all_at_once_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"[sweep]
scenario = "default"

[[criterion]]
name = "Bad Name"
metric = "aegis_usdcc"
below = 1
above = 2

[[criterion]]
metric = "leaf_price"
below = { fraction = 0.5, of = "leaf_price.model" }
when = "sometimes"
"#;
    fs::write(dir.path().join("s.toml"), text).unwrap();
    let out = canopy(dir.path())
        .args(["sweep", "s.toml", "--quiet", "--out", "o"])
        .args(["--criterion", "x: leaf_price <> 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let e = stderr(&out);
    for needle in [
        "s.toml:5:8: criterion[0].name",
        "s.toml:6:10: criterion[0].metric",
        "did you mean `aegis_usdc`",
        "criterion[0].above",
        "criterion[1].below.of",
        "criterion[1].when",
        "--criterion 'x: leaf_price <> 1'",
    ] {
        assert!(e.contains(needle), "no {needle:?} in:\n{e}");
    }
    assert!(!dir.path().join("o").exists());
}

/// The default scenario's file with deal `i`'s table cut out.
fn cut_default(dir: &Path, i: usize) -> String {
    let shown = canopy(dir).args(["show", "default"]).output().unwrap();
    succeed(&shown);
    let text = stdout(&shown);
    let mut pieces = text.split("\n[[deal]]\n");
    let mut out = pieces.next().unwrap().to_string();
    for (j, d) in pieces.enumerate() {
        if j != i {
            out.push_str("\n[[deal]]\n");
            out.push_str(d);
        }
    }
    out
}

/// The last row of a run's metrics.csv.
fn last_metrics(dir: &Path, args: &[&str]) -> HashMap<String, String> {
    let out = canopy(dir)
        .args(["run"])
        .args(args)
        .args([
            "--quiet",
            "--no-charts",
            "--no-scorecard",
            "--out",
            "r",
            "--log-dir",
            "logs",
        ])
        .output()
        .unwrap();
    succeed(&out);
    csv_rows(&dir.join("r/metrics.csv")).pop().unwrap()
}

#[test]
fn a_sweep_can_switch_a_deal_off_and_that_is_the_deal_cut_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("cut.toml"), cut_default(dir.path(), 3)).unwrap();
    let cut = last_metrics(dir.path(), &["cut.toml"]);
    let text = r#"[sweep]
scenario = "default"

[[axis]]
key = "deal[3].enabled"
values = [true, false]
"#;
    fs::write(dir.path().join("s.toml"), text).unwrap();
    let out = canopy(dir.path())
        .args(["sweep", "s.toml", "--quiet", "--out", "o"])
        .output()
        .unwrap();
    succeed(&out);
    let runs = table(&dir.path().join("o/runs.parquet"));
    let off = counts(&runs, "point").iter().position(|p| *p == 1).unwrap();
    for name in [
        "aegis_value",
        "aegis_usdc",
        "tvl_total",
        "oak_redeemed",
        "leaf_price",
    ] {
        let v = numbers(&runs, name)[off].unwrap();
        assert_eq!(v.to_bits(), num(&cut, name).to_bits(), "{name}");
    }
    let on = numbers(&runs, "aegis_value")[1 - off].unwrap();
    assert_ne!(on, num(&cut, "aegis_value"));
}

#[test]
fn compare_one_deterministic_run_gives_the_exact_differences() {
    let dir = tempfile::tempdir().unwrap();
    let a = last_metrics(dir.path(), &["default"]);
    let b = last_metrics(dir.path(), &["default", "--set", "deal[3].enabled=false"]);
    let out = canopy(dir.path())
        .args(["compare", "default", "default", "--quiet", "--out", "c"])
        .args(["--set-b", "deal[3].enabled=false"])
        .output()
        .unwrap();
    succeed(&out);
    let c = dir.path().join("c");
    for name in [
        "runs.parquet",
        "months.parquet",
        "diff.csv",
        "diff_bands.csv",
        "crossing.csv",
        "criteria.csv",
        "changes.csv",
        "report.html",
    ] {
        assert!(c.join(name).is_file(), "no {name} in {:?}", names(&c));
    }
    let diff = csv_rows(&c.join("diff.csv"));
    for name in ["aegis_value", "aegis_usdc", "oak_redeemed"] {
        let row = diff.iter().find(|r| r["metric"] == name).unwrap();
        assert_eq!(num(row, "n"), 1.0);
        assert_eq!(
            num(row, "diff_mean"),
            num(&b, name) - num(&a, name),
            "{name}"
        );
        // One pair: no interval.
        assert_eq!(row["diff_lo"], "");
        assert_eq!(row["diff_hi"], "");
    }
    let changes = csv_rows(&c.join("changes.csv"));
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(changes[0]["key"].starts_with("deal[") && changes[0]["key"].ends_with("].enabled"));
    assert_eq!(
        (changes[0]["a"].as_str(), changes[0]["b"].as_str()),
        ("true", "false")
    );
    // runs.parquet reads as a sweep of two points on the scenario axis.
    let runs = table(&c.join("runs.parquet"));
    assert_eq!(counts(&runs, "point"), vec![0, 1]);
    assert_eq!(texts(&runs, "scenario"), vec!["default", "default"]);
    let report = fs::read_to_string(c.join("report.html")).unwrap();
    assert!(report.contains("the differences B − A below are exact"));
}

#[test]
fn compare_pairs_run_r_with_run_r_and_tests_criteria_on_the_discordant_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let out = canopy(dir.path())
        .args(["compare", "stress", "stress", "--runs", "80", "--seed", "3"])
        .args([
            "--set-b",
            "leaf_price.volatility=0.1",
            "--quiet",
            "--out",
            "c",
        ])
        .args(["--criterion", "low: leaf_price < 0.6 at end"])
        .args(["--keep", "aegis_usdc,leaf_price"])
        .output()
        .unwrap();
    succeed(&out);
    let c = dir.path().join("c");
    let runs = table(&c.join("runs.parquet"));
    let (point, run, seed) = (
        counts(&runs, "point"),
        counts(&runs, "run"),
        numbers(&runs, "seed"),
    );
    let value = numbers(&runs, "aegis_value");
    let low = flags(&runs, "low");
    let side = |p: u32| -> HashMap<u32, usize> {
        (0..runs.num_rows())
            .filter(|&i| point[i] == p)
            .map(|i| (run[i], i))
            .collect()
    };
    let (a, b) = (side(0), side(1));
    assert_eq!((a.len(), b.len()), (80, 80));
    let mut diffs = Vec::new();
    let (mut only_a, mut only_b, mut a_k, mut b_k) = (0u64, 0u64, 0u64, 0u64);
    for r in 0..80u32 {
        let (i, j) = (a[&r], b[&r]);
        // Common random numbers: the same seed on both sides.
        assert_eq!(seed[i], seed[j]);
        assert_eq!(seed[i], Some(3.0 + f64::from(r)));
        diffs.push(value[j].unwrap() - value[i].unwrap());
        let (x, y) = (low[i].unwrap(), low[j].unwrap());
        a_k += u64::from(x);
        b_k += u64::from(y);
        only_a += u64::from(x && !y);
        only_b += u64::from(y && !x);
    }
    let diff = csv_rows(&c.join("diff.csv"));
    let row = diff.iter().find(|r| r["metric"] == "aegis_value").unwrap();
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    assert!((num(row, "diff_mean") - mean).abs() <= 1e-9 * mean.abs().max(1.0));
    assert_eq!(num(row, "n"), 80.0);
    let greater = diffs.iter().filter(|d| **d > 0.0).count() as f64 / 80.0;
    assert_eq!(num(row, "b_greater"), greater);
    let (lo, hi) = (num(row, "diff_lo"), num(row, "diff_hi"));
    assert!(lo <= mean && mean <= hi);
    let crit = &csv_rows(&c.join("criteria.csv"))[0];
    assert_eq!(crit["criterion"], "low");
    assert_eq!(num(crit, "a_k") as u64, a_k);
    assert_eq!(num(crit, "b_k") as u64, b_k);
    assert_eq!(num(crit, "only_a") as u64, only_a);
    assert_eq!(num(crit, "only_b") as u64, only_b);
    assert!(only_a + only_b > 0, "no discordant pair to test");
    let p = (2.0 * half_binomial_cdf(only_a.min(only_b), only_a + only_b)).min(1.0);
    assert!(
        (num(crit, "mcnemar_p") - p).abs() <= 1e-12 * p.max(1e-300),
        "{p}"
    );
    // diff_bands.csv: the months of both kept metrics.
    let bands = csv_rows(&c.join("diff_bands.csv"));
    let months = bands.iter().filter(|r| r["metric"] == "aegis_usdc").count();
    assert_eq!(months, 60);
    let printed = stdout(&out);
    assert!(printed.contains("McNemar p"), "{printed}");
    assert!(printed.contains("compare done"), "{printed}");
}

#[test]
fn bad_compare_input_exits_2_naming_each_problem() {
    let dir = tempfile::tempdir().unwrap();
    let out = canopy(dir.path())
        .args(["compare", "default", "nope", "--out", "c"])
        .args(["--set-a", "aegis.initial_usdc=-5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains("scenario A") && e.contains("--set aegis.initial_usdc=-5"),
        "{e}"
    );
    assert!(e.contains("scenario B") && e.contains("nope"), "{e}");
    let out = canopy(dir.path())
        .args(["compare", "default", "guarded", "--out", "c"])
        .args([
            "--criterion",
            "aegis_usdc < 1 at 99",
            "--keep",
            "aegis_value,nope",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains("month 99 is past the run's last month, 60"),
        "{e}"
    );
    assert!(e.contains("`nope` is not a column of metrics.csv"), "{e}");
    assert!(!dir.path().join("c").exists());
}

/// A seek whose safety changes three times over its scan: the default
/// scenario's USDC at the end of month m dips below 98 M in months 8 to
/// 10, recovers, and falls for good in month 15.
const NOT_MONOTONE: &str = r#"[seek]
scenario = "default"
key = "simulation.months"
low = 1
high = 60
goal = "largest"
runs = 1
max_probability = 0.96
tolerance = 1
scan = 30

[[criterion]]
name = "short"
metric = "aegis_usdc"
below = 98e6
when = "end"
"#;

#[test]
fn seek_finds_every_safe_interval_when_the_probability_is_not_monotone() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("seek.toml"), NOT_MONOTONE).unwrap();
    let out = canopy(dir.path())
        .args(["seek", "seek.toml", "--quiet", "--out", "sk"])
        .output()
        .unwrap();
    succeed(&out);
    // The fine grid: every month, from a plain run's metrics.csv.
    let grid = csv_rows(&{
        let o = canopy(dir.path())
            .args([
                "run",
                "default",
                "--quiet",
                "--no-charts",
                "--no-scorecard",
                "--out",
                "r",
                "--log-dir",
                "l",
            ])
            .output()
            .unwrap();
        succeed(&o);
        dir.path().join("r/metrics.csv")
    });
    let safe: Vec<bool> = grid.iter().map(|r| num(r, "aegis_usdc") >= 98e6).collect();
    let largest = safe.iter().rposition(|s| *s).unwrap() as f64 + 1.0;
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("sk/seek.json")).unwrap())
            .unwrap();
    assert_eq!(json["answer"].as_f64(), Some(largest));
    assert_eq!(json["monotone"].as_bool(), Some(false));
    // Each safe interval is a run of safe months on the grid.
    let mut expected = Vec::new();
    let mut m = 0;
    while m < safe.len() {
        if safe[m] {
            let start = m;
            while m + 1 < safe.len() && safe[m + 1] {
                m += 1;
            }
            expected.push(vec![start as f64 + 1.0, m as f64 + 1.0]);
        }
        m += 1;
    }
    let found: Vec<Vec<f64>> = json["safe_intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(found, expected);
    assert!(expected.len() >= 2);
    let line = stdout(&out);
    assert!(line.contains("not monotone"), "{line}");
    assert!(
        line.starts_with("largest simulation.months with P(short) <= 96 %"),
        "{line}"
    );
    // The command reproduces run 0 at the answer.
    let command = json["command"].as_str().unwrap();
    assert!(
        command.contains(&format!("simulation.months={}", largest as i64)),
        "{command}"
    );
}

#[test]
fn seek_values_are_the_runs_a_sweep_of_those_values_makes() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"[seek]
scenario = "stress"
key = "aegis.initial_usdc"
low = 0
high = 40_000_000
goal = "smallest"
runs = 40
seed = 9
max_probability = 0.2
tolerance = 2_000_000
scan = 5

[[criterion]]
name = "floor"
metric = "aegis_usdc"
below = 2_000_000
"#;
    fs::write(dir.path().join("seek.toml"), text).unwrap();
    let out = canopy(dir.path())
        .args(["seek", "seek.toml", "--quiet", "--out", "sk", "--jobs", "2"])
        .output()
        .unwrap();
    succeed(&out);
    let evaluated = csv_rows(&dir.path().join("sk/seek.csv"));
    assert!(evaluated.len() > 5, "no bisection: {evaluated:?}");
    let values: Vec<String> = evaluated.iter().map(|r| r["value"].clone()).collect();
    let sweep = format!(
        "[sweep]\nscenario = \"stress\"\nruns = 40\nseed = 9\nkeep_months = []\n\n[[axis]]\nkey = \"aegis.initial_usdc\"\nvalues = [{}]\n\n[[criterion]]\nname = \"floor\"\nmetric = \"aegis_usdc\"\nbelow = 2_000_000\n",
        values.join(", ")
    );
    fs::write(dir.path().join("s.toml"), sweep).unwrap();
    let o = canopy(dir.path())
        .args(["sweep", "s.toml", "--quiet", "--out", "o"])
        .output()
        .unwrap();
    succeed(&o);
    let points = csv_rows(&dir.path().join("o/points.csv"));
    for (e, p) in evaluated.iter().zip(&points) {
        assert_eq!(num(e, "value"), num(p, "aegis.initial_usdc"));
        assert_eq!(num(e, "k"), num(p, "floor_k"), "at {}", e["value"]);
        assert_eq!(num(e, "p"), num(p, "floor_p"));
    }
    // The answer is safe, and its neighbour past it, within the
    // tolerance, is not.
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("sk/seek.json")).unwrap())
            .unwrap();
    let answer = json["answer"].as_f64().unwrap();
    let bracket: Vec<f64> = json["bracket"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert!(bracket[1] - bracket[0] <= 2_000_000.0);
    let at = |v: f64| evaluated.iter().find(|e| num(e, "value") == v).unwrap();
    assert_eq!(at(answer)["safe"], "true");
    let other = if bracket[0] == answer {
        bracket[1]
    } else {
        bracket[0]
    };
    assert_eq!(at(other)["safe"], "false");
    assert!(other < answer);
    // The runs of every value, with a value column.
    let runs = table(&dir.path().join("sk/runs.parquet"));
    assert_eq!(runs.num_rows(), 40 * evaluated.len());
    assert!(runs.column_by_name("value").is_some());
    assert!(dir.path().join("sk/report.html").is_file());
}

#[test]
fn bad_seek_files_exit_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"[seek]
scenario = "default"
key = "leaf_price.model"
low = 5
high = 1
goal = "biggest"
max_probability = 1.5
tolerance = 0
"#;
    fs::write(dir.path().join("seek.toml"), text).unwrap();
    let out = canopy(dir.path())
        .args(["seek", "seek.toml", "--out", "sk"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    for needle in [
        "seek.toml:3:7: seek.key",
        "seek.goal",
        "seek.max_probability",
        "seek.tolerance",
        "exactly one [[criterion]]",
    ] {
        assert!(e.contains(needle), "no {needle:?} in:\n{e}");
    }
    assert!(!dir.path().join("sk").exists());
}
