//! Sensitivity sweeps through the library: their rows as points, each
//! row's runs with the sweep's seeds, and `sensitivity.csv` the same from a
//! whole sweep, a stopped one resumed, merged shards and any `jobs`; bad
//! factors refused where they are written.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use canopy_model::Value;
use canopy_sweep::folder::{SENSITIVITY, SENSITIVITY_S2};
use canopy_sweep::sensitivity::layout::saltelli;
use canopy_sweep::{
    CommandLine, Method, Options, Plan, Progress, Quiet, Shard, SweepFailure, merge, plan_text, run,
};

const SOBOL: &str = r#"
[sweep]
scenario = "stress"
mode = "sobol"
samples = 8
second_order = true
runs = 3
seed = 41
keep_months = ["leaf_price", "aegis_value"]

[[factor]]
key = "leaf_price.volatility"
range = [0.02, 0.10]

[[factor]]
key = "deal[13].leaf_pair.amount"
range = [1e6, 1e7]
log = true
"#;

fn planned(text: &str) -> Plan {
    plan_text("s.toml", text, Path::new(""), &CommandLine::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn options(out: &Path, jobs: usize) -> Options {
    Options {
        jobs,
        ..common::options(out, Some(7))
    }
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct StopAfter(u64, AtomicU64);

impl Progress for StopAfter {
    fn begin(&self, _: u64, _: u64) {}
    fn advance(&self, runs: u64) {
        self.1.fetch_add(runs, Ordering::SeqCst);
    }
    fn finishing(&self) {}
    fn stopped(&self) -> bool {
        self.1.load(Ordering::SeqCst) >= self.0
    }
}

#[test]
fn rows_are_points_with_their_factor_values_and_the_sweeps_seeds() {
    let plan = planned(SOBOL);
    let s = plan.sweep.sensitivity.as_ref().unwrap();
    assert_eq!(s.method, Method::Sobol { second_order: true });
    // 8 samples of 2 factors, second order: 8 x (2 x 2 + 2) rows.
    assert_eq!(plan.points.len(), 48);
    let unit = saltelli(2, 8, true);
    for (p, u) in plan.points.iter().zip(&unit) {
        let vol = 0.02 + u[0] * (0.10 - 0.02);
        let amount = (1e6f64.ln() + u[1] * (1e7f64.ln() - 1e6f64.ln())).exp();
        assert_eq!(p.values, vec![Value::Float(vol), Value::Float(amount)]);
        // Every row's runs: seeds 41, 42, 43, and its factor values set.
        for r in 0..3 {
            let spec = plan.run_spec(p.point.index, r);
            assert_eq!(spec.seed, 41 + r);
            let scenario = plan.run_scenario(&spec).unwrap();
            assert_eq!(scenario.leaf_price.volatility, vol);
            assert_eq!(scenario.simulation.seed, 41 + r);
            let line = plan.command_line(&spec);
            assert!(line.contains("leaf_price.volatility="), "{line}");
        }
    }
    // The resolved sweep reads back as the same sweep.
    let again = canopy_sweep::read("sweep.toml", &plan.resolved("test")).unwrap();
    let back = again.sensitivity.unwrap();
    assert_eq!(
        (back.method, back.samples, back.resamples),
        (s.method, s.samples, s.resamples)
    );
    let ends = |s: &canopy_sweep::Sensitivity| -> Vec<(String, f64, f64, bool)> {
        s.factors
            .iter()
            .map(|f| (f.key.path.clone(), f.low, f.high, f.log))
            .collect()
    };
    assert_eq!(ends(&back), ends(s));
}

#[test]
fn jobs_shards_and_resume_give_the_same_indices() {
    let dir = tempfile::tempdir().unwrap();
    let plan = planned(SOBOL);
    let one = dir.path().join("one");
    run(&plan, &options(&one, 1), &Quiet).unwrap();
    let two = dir.path().join("two");
    run(&plan, &options(&two, 2), &Quiet).unwrap();
    let files = [SENSITIVITY, SENSITIVITY_S2, "runs.parquet", "points.csv"];
    for f in files {
        assert_eq!(read(&one.join(f)), read(&two.join(f)), "{f} with jobs");
    }
    // A design's rows are not summarised in bands.
    assert!(!one.join("bands.csv").exists() && !one.join("bands.parquet").exists());
    let text = String::from_utf8(read(&one.join(SENSITIVITY))).unwrap();
    // 6 main metrics at the last month, then 2 kept metrics at each of
    // the scenario's months, 2 factors each.
    let months = plan.points[0].scenario.simulation.months as usize;
    assert_eq!(text.lines().count(), 1 + 2 * (6 + 2 * months));

    // In shards, then merged.
    let parts = dir.path().join("parts");
    for k in 1..=3 {
        let opts = Options {
            shard: Some(Shard { k, n: 3 }),
            ..options(&parts, 1)
        };
        run(&plan, &opts, &Quiet).unwrap();
    }
    assert!(!parts.join(SENSITIVITY).exists());
    merge(&parts, "test", false).unwrap();
    // Parquet files merged hold the same rows (the runner tests compare
    // them); the files that follow from them are the same bytes.
    let files = [SENSITIVITY, SENSITIVITY_S2, "points.csv"];
    for f in files {
        assert_eq!(read(&one.join(f)), read(&parts.join(f)), "{f} merged");
    }

    // Stopped, then resumed.
    let stopped = dir.path().join("stopped");
    let e = run(
        &plan,
        &options(&stopped, 1),
        &StopAfter(60, AtomicU64::new(0)),
    )
    .unwrap_err();
    assert!(matches!(e, SweepFailure::Stopped), "{e}");
    assert!(!stopped.join(SENSITIVITY).exists());
    let opts = Options {
        resume: true,
        ..options(&stopped, 1)
    };
    let tally = run(&plan, &opts, &Quiet).unwrap();
    assert!(tally.resumed >= 60, "{} resumed", tally.resumed);
    for f in files {
        assert_eq!(read(&one.join(f)), read(&stopped.join(f)), "{f} resumed");
    }
}

#[test]
fn a_grid_sweep_over_a_sensitivity_folder_leaves_no_indices() {
    let dir = tempfile::tempdir().unwrap();
    let out: PathBuf = dir.path().join("o");
    run(&planned(SOBOL), &options(&out, 1), &Quiet).unwrap();
    assert!(out.join(SENSITIVITY).exists());
    let grid = "[sweep]\nscenario = \"stress\"\nkeep_months = []\n";
    run(&planned(grid), &options(&out, 1), &Quiet).unwrap();
    assert!(!out.join(SENSITIVITY).exists());
    assert!(!out.join(SENSITIVITY_S2).exists());
}

#[test]
fn bad_factors_are_refused_where_they_are_written() {
    let bad = r#"[sweep]
scenario = "stress"
mode = "morris"
levels = 5
second_order = true

[[axis]]
key = "aegis.initial_usdc"
values = [1e6]

[[factor]]
key = "leaf_price.volatilty"
range = [0.02, 0.1]

[[factor]]
key = "market.net_demand_usd"
range = [0, -5]

[[factor]]
key = "simulation.months"
range = [12, 36]

[[factor]]
key = "deal[13].leaf_pair.amount"
range = [-1, 1e6]
log = true
"#;
    let e = canopy_sweep::read("bad.toml", bad).unwrap_err().to_string();
    for needle in [
        "bad.toml:4:",
        "even",
        "bad.toml:5:",
        "second-order indices are Sobol's",
        "bad.toml:8:",
        "bad.toml:12:",
        "leaf_price.volatilty",
        "did you mean `volatility`",
        "bad.toml:17:",
        "below its high end",
        "bad.toml:20:",
        "whole number",
        "bad.toml:25:",
    ] {
        assert!(e.contains(needle), "{needle} missing from:\n{e}");
    }
    // Factors, or their settings, in a grid sweep.
    let grid = "[sweep]\nscenario = \"stress\"\nsamples = 8\n\n[[factor]]\nkey = \"leaf_price.volatility\"\nrange = [0.02, 0.1]\n";
    let e = canopy_sweep::read("g.toml", grid).unwrap_err().to_string();
    assert!(e.contains("g.toml:3:") && e.contains("g.toml:5:"), "{e}");
    // Both modes' settings in one file, as DECIDE.md's example has them:
    // each mode uses its own.
    let both = "[sweep]\nscenario = \"stress\"\nmode = \"sobol\"\nsecond_order = false\nlevels = 4\n\n[[factor]]\nkey = \"leaf_price.volatility\"\nrange = [0.02, 0.1]\n";
    let s = canopy_sweep::read("b.toml", both)
        .unwrap()
        .sensitivity
        .unwrap();
    assert_eq!(
        s.method,
        Method::Sobol {
            second_order: false
        }
    );
    let morris = both
        .replace("sobol", "morris")
        .replace("levels = 4", "levels = 6");
    let s = canopy_sweep::read("b.toml", &morris)
        .unwrap()
        .sensitivity
        .unwrap();
    assert_eq!(s.method, Method::Morris { levels: 6 });
    // No factor at all.
    let none = "[sweep]\nscenario = \"stress\"\nmode = \"sobol\"\n";
    let e = canopy_sweep::read("n.toml", none).unwrap_err().to_string();
    assert!(
        e.contains("n.toml:3:") && e.contains("at least one `[[factor]]`"),
        "{e}"
    );
    // A range the scenario refuses at one end: the range's line.
    let end = "[sweep]\nscenario = \"stress\"\nmode = \"sobol\"\n\n[[factor]]\nkey = \"deal[99].oak.amount\"\nrange = [1, 2]\n";
    let e = plan_text("e.toml", end, Path::new(""), &CommandLine::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("e.toml:7:") && e.contains("deal[99]"), "{e}");
}
