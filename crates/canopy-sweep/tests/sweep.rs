//! The sweep library against hand-worked numbers.

use canopy_model::scenario::params::Kind;
use canopy_model::scenario::validate::Where;
use canopy_model::scenario::{Problem, parse_override};
use canopy_model::{ScenarioError, ValidScenario, Value, builtin};
use canopy_sweep::{Distribution, Mode, Plan, Sweep, SweepError, plan, points, read};
use canopy_sweep::{run_seed, shell_word, value_text};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{LogNormal, Normal, Triangular, Uniform};

/// Built-in scenarios by name, as the command line loads them.
fn builtin(name: &str) -> Result<ValidScenario, ScenarioError> {
    match builtin::text(name) {
        Some(text) => canopy_model::load(name, text, &[]),
        None => Err(ScenarioError::new(
            name,
            vec![Problem {
                at: Where::Nowhere,
                path: String::new(),
                deal: None,
                message: format!("no scenario named `{name}`"),
            }],
        )),
    }
}

fn sweep(text: &str) -> Sweep {
    read("s.toml", text).unwrap_or_else(|e| panic!("{e}"))
}

fn planned(text: &str) -> Plan {
    plan(&sweep(text), builtin).unwrap_or_else(|e| panic!("{e}"))
}

fn err(text: &str) -> SweepError {
    match read("s.toml", text) {
        Ok(s) => plan(&s, builtin).expect_err("should fail"),
        Err(e) => e,
    }
}

fn at(line: usize, column: usize) -> Where {
    Where::Text { line, column }
}

fn f(x: f64) -> Value {
    Value::Float(x)
}

#[test]
fn grid_points_vary_the_first_axis_slowest() {
    let s = sweep(
        r#"
[sweep]
scenario = "default"
[[axis]]
key = "leaf_price.volatility"
values = [0.02, 0.06]
[[axis]]
key = "aegis.initial_usdc"
values = [1, 2.5, 3]
"#,
    );
    assert_eq!(s.mode, Mode::Grid);
    let ps = points(&s);
    let got: Vec<(usize, Vec<Option<Value>>)> =
        ps.iter().map(|p| (p.index, p.values.clone())).collect();
    let want = [
        (0.02, Value::Int(1)),
        (0.02, f(2.5)),
        (0.02, Value::Int(3)),
        (0.06, Value::Int(1)),
        (0.06, f(2.5)),
        (0.06, Value::Int(3)),
    ];
    assert_eq!(got.len(), 6);
    for (i, (a, b)) in want.into_iter().enumerate() {
        assert_eq!(got[i], (i, vec![Some(f(a)), Some(b)]));
    }
    let p = plan(&s, builtin).unwrap();
    assert_eq!(p.points[4].scenario.leaf_price.volatility, 0.06);
    assert_eq!(p.points[4].scenario.aegis.initial_usdc, 2.5);
    // The integer 3 on a number key is the float 3 at the point.
    assert_eq!(p.points[5].point.values[1], Some(Value::Int(3)));
    assert_eq!(p.points[5].values[1], f(3.0));
    assert_eq!(p.points[5].scenario.aegis.initial_usdc, 3.0);
}

#[test]
fn zip_advances_the_axes_together_and_needs_equal_lengths() {
    let s = sweep(
        r#"
[sweep]
scenario = "default"
mode = "zip"
[[axis]]
key = "leaf_price.volatility"
values = [0.02, 0.06, 0.1]
[[axis]]
key = "simulation.months"
values = [12, 24, 36]
"#,
    );
    let ps = points(&s);
    assert_eq!(ps.len(), 3);
    assert_eq!(ps[2].values, [Some(f(0.1)), Some(Value::Int(36))]);
    let e = err(r#"
[sweep]
scenario = "default"
mode = "zip"
[[axis]]
key = "leaf_price.volatility"
values = [0.02, 0.06, 0.1]
[[axis]]
key = "simulation.months"
values = [12, 24]
"#);
    let m = e.to_string();
    assert!(
        m.contains("leaf_price.volatility has 3, simulation.months has 2"),
        "{m}"
    );
}

#[test]
fn oat_starts_from_the_scenario_and_varies_one_axis_at_a_time() {
    let p = planned(
        r#"
[sweep]
scenario = "default"
mode = "oat"
[set]
"aegis.initial_usdc" = 5e7
[[axis]]
key = "leaf_price.volatility"
values = [0.02, 0.06]
[[axis]]
key = "simulation.months"
values = [12, 24, 36]
"#,
    );
    let base = builtin("default").unwrap();
    let (vol, months) = (
        base.leaf_price.volatility,
        Value::Int(base.simulation.months.into()),
    );
    let got: Vec<_> = p
        .points
        .iter()
        .map(|q| (q.point.values.clone(), q.values.clone()))
        .collect();
    assert_eq!(got.len(), 6);
    assert_eq!(got[0], (vec![None, None], vec![f(vol), months.clone()]));
    assert_eq!(
        got[1],
        (vec![Some(f(0.02)), None], vec![f(0.02), months.clone()])
    );
    assert_eq!(got[2].1, vec![f(0.06), months.clone()]);
    assert_eq!(
        got[3],
        (
            vec![None, Some(Value::Int(12))],
            vec![f(vol), Value::Int(12)]
        )
    );
    assert_eq!(got[5].1, vec![f(vol), Value::Int(36)]);
    // Point 0 is the scenario after [set], as it is.
    let want = base.with(&[("aegis.initial_usdc", f(5e7))]).unwrap();
    assert_eq!(*p.points[0].scenario, want);
}

#[test]
fn linspace_and_logspace_include_both_ends() {
    let s = sweep(
        r#"
[sweep]
scenario = "default"
[[axis]]
key = "deal[13].leaf_pair.amount"
logspace = { from = 1e6, to = 1e7, steps = 3 }
[[axis]]
key = "leaf_price.volatility"
linspace = { from = 0.0, to = 0.1, steps = 5 }
[[axis]]
key = "aegis.initial_usdc"
linspace = { from = 7, to = 9, steps = 1 }
"#,
    );
    let log: Vec<f64> = s.axes[0]
        .values
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(log[0], 1e6);
    assert_eq!(log[2], 1e7);
    let mid = 3.162_277_660_168_379_5e6_f64;
    assert!(
        (log[1].to_bits() as i64 - mid.to_bits() as i64).abs() <= 1,
        "{} vs {mid}",
        log[1]
    );
    let lin: Vec<f64> = s.axes[1]
        .values
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(lin, [0.0, 0.025, 0.05, 0.07500000000000001, 0.1]);
    assert_eq!(s.axes[2].values, [f(7.0)], "steps = 1 gives from alone");
}

#[test]
fn spaced_and_sampled_values_are_rounded_on_whole_number_keys() {
    let s = sweep(
        r#"
[sweep]
scenario = "default"
[[axis]]
key = "simulation.months"
linspace = { from = 10, to = 20, steps = 4 }
[[axis]]
key = "deal[0].tvl.duration_months"
logspace = { from = 1, to = 100, steps = 4 }
[[axis]]
key = "deal[1].start_month"
linspace = { from = 1.0, to = 4.0, steps = 3 }
[[sample]]
key = "deal[2].tvl.duration_months"
uniform = { low = 1, high = 50 }
"#,
    );
    let ints = |i: usize| -> Vec<Value> { s.axes[i].values.clone() };
    // 10, 13.33, 16.67, 20 and 1, 4.64, 21.5, 100; 1, 2.5, 4 (halves up).
    // (Steps that round to one value twice are refused: tests/problems.rs.)
    assert_eq!(ints(0), [10, 13, 17, 20].map(Value::Int));
    assert_eq!(ints(1), [1, 5, 22, 100].map(Value::Int));
    assert_eq!(ints(2), [1, 3, 4].map(Value::Int));
    assert!(s.samples[0].key.is_whole());
    let p = plan(&s, builtin).unwrap();
    for run in 0..20 {
        let spec = p.run_spec(0, run);
        let Value::Int(d) = spec.samples[0] else {
            panic!("{:?}", spec.samples)
        };
        assert!((1..=50).contains(&d));
    }
}

#[test]
fn whole_numbers_are_read_exactly() {
    let s = sweep(
        r#"
[sweep]
scenario = "default"
seed = 9223372036854775807
runs = 1_000_000_000
"#,
    );
    assert_eq!(s.seed, Some(9_223_372_036_854_775_807));
    assert_eq!(s.runs, 1_000_000_000);
}

#[test]
fn seeds_follow_the_run_and_wrap_at_2_pow_63() {
    assert_eq!(run_seed(7, 3, 500, 2, true), 9);
    assert_eq!(run_seed(7, 3, 500, 2, false), 7 + 3 * 500 + 2);
    let max = i64::MAX as u64;
    assert_eq!(run_seed(max, 0, 10, 0, true), max);
    assert_eq!(run_seed(max, 0, 10, 1, true), 0);
    assert_eq!(run_seed(max - 5, 1, 10, 7, false), 11);
    let text = r#"
[sweep]
scenario = "stress"
runs = 4
[[axis]]
key = "leaf_price.volatility"
values = [0.02, 0.06]
"#;
    let p = planned(text);
    assert_eq!(p.seed, 42, "the scenario's own seed");
    assert_eq!(p.run_spec(1, 3).seed, 45);
    let q = planned(&text.replace("runs = 4", "runs = 4\ncommon_random_numbers = false"));
    assert_eq!(q.run_spec(1, 3).seed, 42 + 4 + 3);
    assert_eq!(
        q.run_scenario(&q.run_spec(1, 3)).unwrap().simulation.seed,
        49
    );
}

#[test]
fn sampled_values_are_chacha8_stream_1_one_draw_per_sample_in_order() {
    let text = r#"
[sweep]
scenario = "default"
runs = 3
seed = 1234
[[axis]]
key = "leaf_price.volatility"
values = [0.02, 0.06]
[[sample]]
key = "market.net_demand_usd"
uniform = { low = -50_000, high = 0 }
[[sample]]
key = "leaf_price.drift"
normal = { mean = 0.01, sd = 0.02 }
[[sample]]
key = "aegis.initial_usdc"
lognormal = { mu = 18, sigma = 0.5 }
[[sample]]
key = "aegis.initial_leaf"
triangular = { low = 1e8, mode = 5e8, high = 2e9 }
"#;
    let p = planned(text);
    let expect = |seed: u64| -> Vec<Value> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(1);
        vec![
            f(rng.sample(Uniform::new(-50_000.0, 0.0).unwrap())),
            f(rng.sample(Normal::new(0.01, 0.02).unwrap())),
            f(rng.sample(LogNormal::new(18.0, 0.5).unwrap())),
            f(rng.sample(Triangular::new(1e8, 2e9, 5e8).unwrap())),
        ]
    };
    for run in 0..3 {
        for point in 0..2 {
            let spec = p.run_spec(point, run);
            assert_eq!(spec.seed, 1234 + run);
            assert_eq!(spec.samples, expect(1234 + run), "same at every point");
        }
    }
    let q = planned(&text.replace("runs = 3", "runs = 3\ncommon_random_numbers = false"));
    assert_eq!(q.run_spec(1, 2).samples, expect(1234 + 3 + 2));
    assert_ne!(q.run_spec(0, 2).samples, q.run_spec(1, 2).samples);
    assert!(matches!(
        q.sweep.samples[3].distribution,
        Distribution::Triangular {
            low: 1e8,
            mode: 5e8,
            high: 2e9
        }
    ));
}

/// The words of a command line as a POSIX shell splits them (plain words
/// and single quotes, all `command_line` writes).
fn shell_split(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match (quoted, c) {
            (false, ' ') => {
                if any {
                    words.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            (_, '\'') => {
                quoted = !quoted;
                any = true;
            }
            (false, '\\') => {}
            (_, c) => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(cur);
    }
    words
}

#[test]
fn a_run_is_the_scenario_its_command_line_loads() {
    let p = planned(
        r#"
[sweep]
scenario = "default"
runs = 5
seed = 99
[set]
"leaf_price.model" = "market"
"tvl.market.growth_rates[0]" = 0.8
[[axis]]
key = "deal[13].leaf_pair.amount"
logspace = { from = 1e6, to = 1e7, steps = 3 }
[[axis]]
key = "simulation.months"
values = [24, 36]
[[sample]]
key = "leaf_price.volatility"
uniform = { low = 0.01, high = 0.1 }
[[sample]]
key = "deal[13].leaf_pair.duration_months"
normal = { mean = 30, sd = 5 }
"#,
    );
    let spec = p.run_spec(3, 4);
    let line = p.command_line(&spec);
    assert!(
        line.starts_with("canopy run default --set simulation.seed=103 --set 'leaf_price.model=\"market\"' --set 'tvl.market.growth_rates[0]=0.8' --set 'deal[13].leaf_pair.amount=3162277.6601683795' --set simulation.months=36 --set leaf_price.volatility="),
        "{line}"
    );
    let words = shell_split(&line);
    assert_eq!(words[..3], ["canopy", "run", "default"]);
    let overrides: Vec<_> = words[3..]
        .chunks(2)
        .map(|w| {
            assert_eq!(w[0], "--set");
            parse_override(&w[1]).unwrap()
        })
        .collect();
    let loaded =
        canopy_model::load("default", builtin::text("default").unwrap(), &overrides).unwrap();
    let run = p.run_scenario(&spec).unwrap();
    assert_eq!(run.scenario(), loaded.scenario());
    assert_eq!(run.simulation.seed, 103);
    assert_eq!(run.simulation.months, 36);
    assert_eq!(run.leaf_price.volatility, spec.samples[0].as_f64().unwrap());
}

#[test]
fn values_are_written_to_read_back_the_same() {
    assert_eq!(value_text(&f(0.1)), "0.1");
    assert_eq!(value_text(&f(1e16)), "1e16");
    assert_eq!(value_text(&f(-3.0)), "-3.0");
    assert_eq!(value_text(&Value::Str("true".into())), "\"true\"");
    assert_eq!(shell_word("a b"), "'a b'");
    for x in [0.1, 1e16, 1.5e-7, -2.5, 3162277.6601683795] {
        let o = parse_override(&format!("aegis.initial_usdc={}", value_text(&f(x))));
        assert!(o.is_ok());
    }
}

#[test]
fn an_invalid_draw_makes_an_invalid_run_not_a_bad_sweep() {
    let p = planned(
        r#"
[sweep]
scenario = "default"
runs = 200
[[sample]]
key = "aegis.revenue_share"
normal = { mean = 0.5, sd = 1 }
"#,
    );
    let results: Vec<_> = (0..200)
        .map(|r| p.run_scenario(&p.run_spec(0, r)))
        .collect();
    let bad = results.iter().filter(|r| r.is_err()).count();
    assert!(bad > 0 && bad < 200, "{bad}");
    let e = results.into_iter().find_map(Result::err).unwrap();
    assert_eq!(e.problems[0].path, "aegis.revenue_share");
}

#[test]
fn every_mistake_in_a_sweep_file_is_reported_with_its_place() {
    let e = err(r#"[sweep]
scenario = "default"
runs = 0
mode = "grdi"
keep_months = ["leaf_price", "aegis_valeu", "month"]
quantiles = [0.5, 1.5]
sede = 3

[set]
"aegis.initial_usd" = 5

[[axis]]
key = "leaf_price.volatility"
values = [0.1]
linspace = { from = 0, to = 1, steps = 3 }

[[axis]]
key = "aegis.initial_usdc"
logspace = { from = 0, to = 10, steps = 0 }

[[sample]]
key = "leaf_price.drift"
normal = { mean = 0, sd = -1 }
gauss = 1
"#);
    let got: Vec<(Where, &str)> = e
        .problems
        .iter()
        .map(|p| (p.at.clone(), p.path.as_str()))
        .collect();
    let want = [
        (at(7, 1), "sweep.sede"),
        (at(3, 8), "sweep.runs"),
        (at(4, 8), "sweep.mode"),
        (at(5, 30), "sweep.keep_months[1]"),
        (at(5, 45), "sweep.keep_months[2]"),
        (at(6, 19), "sweep.quantiles[1]"),
        (at(10, 1), "set.\"aegis.initial_usd\""),
        (at(15, 1), "axis[0].linspace"),
        (at(19, 21), "axis[1].logspace.from"),
        (at(19, 41), "axis[1].logspace.steps"),
        (at(24, 1), "sample[0].gauss"),
        (at(23, 10), "sample[0].normal"),
    ];
    for w in &want {
        assert!(got.contains(w), "{w:?} not in {got:#?}\n{e}");
    }
    assert_eq!(got.len(), want.len(), "{e}");
    let m = e.to_string();
    assert!(
        m.starts_with("sweep s.toml is not valid (12 problems):"),
        "{m}"
    );
    assert!(
        m.contains("s.toml:7:1: sweep.sede: unknown key `sede`; did you mean `seed`?"),
        "{m}"
    );
    assert!(
        m.contains(
            "s.toml:3:8: sweep.runs: 0 is not allowed: expected a whole number from 1 to 1000000000"
        ),
        "{m}"
    );
    assert!(m.contains("did you mean `aegis_value`?"), "{m}");
    assert!(
        m.contains("unknown key `initial_usd`; did you mean `initial_usdc`?"),
        "{m}"
    );
    assert!(
        m.contains("exactly one of `values`, `linspace` or `logspace`"),
        "{m}"
    );
    assert!(m.contains("0 is not allowed: expected a number > 0"), "{m}");
}

#[test]
fn unknown_tables_and_a_missing_scenario_are_reported() {
    let e = err("[swep]\nruns = 2\n");
    let m = e.to_string();
    assert!(
        m.contains("s.toml:1:2: swep: unknown key `swep`; did you mean `sweep`?"),
        "{m}"
    );
    assert!(m.contains("sweep.scenario: missing"), "{m}");
    let e = err("[sweep]\nscenario = \"nope\"\n");
    assert!(
        e.to_string()
            .contains("s.toml:2:12: sweep.scenario: in scenario nope: no scenario named `nope`"),
        "{e}"
    );
    let e = err("[sweep\n");
    assert!(e.to_string().contains("TOML syntax error"), "{e}");
}

#[test]
fn a_bad_axis_value_names_the_point_and_the_axis_line() {
    let e = err(r#"[sweep]
scenario = "default"
[[axis]]
key = "simulation.months"
values = [12, 24]
[[axis]]
key = "deal[13].leaf_pair.target_ratio"
values = [0.3, 0.7]
"#);
    assert_eq!(e.problems.len(), 2, "{e}");
    let m = e.to_string();
    assert!(
        m.contains("s.toml:8:16: deal[13].leaf_pair.target_ratio: 0.7 is not allowed: expected a number from 0 to 0.5, both included (point 1: simulation.months = 12, deal[13].leaf_pair.target_ratio = 0.7)"),
        "{m}"
    );
    assert!(
        m.contains("(point 3: simulation.months = 24, deal[13].leaf_pair.target_ratio = 0.7)"),
        "{m}"
    );
    // A [set] value that fails points at its line.
    let e = err("[sweep]\nscenario = \"default\"\n[set]\n\"aegis.revenue_share\" = 2\n");
    assert_eq!(e.problems[0].at, at(4, 25), "{e}");
    // A key the scenario lacks: deal[99].
    let e = err(
        "[sweep]\nscenario = \"default\"\n[[axis]]\nkey = \"deal[99].oak.amount\"\nvalues = [1]\n",
    );
    assert!(e.to_string().contains("deal[99]"), "{e}");
    let e = err(
        "[sweep]\nscenario = \"default\"\n[[sample]]\nkey = \"deal[99].oak.amount\"\nuniform = { low = 0, high = 1 }\n",
    );
    assert!(e.to_string().contains("s.toml:4:7: sample[0].key"), "{e}");
}

#[test]
fn a_key_appears_once_among_set_axes_and_samples() {
    let e = err(r#"[sweep]
scenario = "default"
[set]
"leaf_price.volatility" = 0.1
"tvl.market.growth_rates" = [0.5, 0.2, 0.1, 0.1, 0.1]
[[axis]]
key = "leaf_price.volatility"
values = [0.1]
[[axis]]
key = "tvl.market.growth_rates[1]"
values = [0.1]
[[sample]]
key = "leaf_price.volatility"
uniform = { low = 0, high = 1 }
"#);
    let m = e.to_string();
    assert_eq!(e.problems.len(), 3, "{m}");
    assert!(m.contains("s.toml:7:7: axis[0].key: `leaf_price.volatility` is already given in [set] (line 4, column 1)"), "{m}");
    assert!(
        m.contains("s.toml:10:7: axis[1].key: `tvl.market.growth_rates` is already given in [set]"),
        "{m}"
    );
    assert!(m.contains("s.toml:13:7: sample[0].key"), "{m}");
}

#[test]
fn simulation_seed_may_not_be_set_swept_or_sampled() {
    let e = err(r#"[sweep]
scenario = "default"
[set]
"simulation.seed" = 3
[[axis]]
key = "simulation.seed"
values = [1, 2]
[[sample]]
key = "simulation.seed"
uniform = { low = 0, high = 9 }
"#);
    assert_eq!(e.problems.len(), 3, "{e}");
    assert!(
        e.problems
            .iter()
            .all(|p| p.message.contains("may not be set, swept or sampled"))
    );
    assert_eq!(e.problems[0].at, at(4, 1));
}

#[test]
fn the_scenario_axis_loads_each_scenario_with_the_loader() {
    let text = r#"[sweep]
runs = 2
[set]
"aegis.initial_usdc" = 5e7
[[axis]]
key = "scenario"
values = ["default", "stress"]
[[axis]]
key = "leaf_price.volatility"
values = [0.02, 0.06]
"#;
    let s = sweep(text);
    assert_eq!(s.scenario, None);
    let asked = std::cell::RefCell::new(Vec::new());
    let p = plan(&s, |name| {
        asked.borrow_mut().push(name.to_string());
        builtin(name)
    })
    .unwrap();
    assert_eq!(*asked.borrow(), ["default", "stress"], "each loaded once");
    assert_eq!(p.points.len(), 4);
    assert_eq!(p.points[2].scenario_name, "stress");
    assert_eq!(p.points[2].scenario.aegis.initial_usdc, 5e7);
    assert_eq!(p.points[2].scenario.leaf_price.volatility, 0.02);
    let default_seed = builtin("default").unwrap().simulation.seed;
    assert_eq!(p.seed, default_seed, "the first scenario's seed");
    assert!(
        p.command_line(&p.run_spec(3, 1))
            .starts_with("canopy run stress ")
    );
    // Not with sweep.scenario too, and not in oat mode.
    let e = err(&text.replace("runs = 2", "runs = 2\nscenario = \"default\""));
    assert!(e.to_string().contains("sweep.scenario: not allowed"), "{e}");
    let e = err(&text.replace("runs = 2", "runs = 2\nmode = \"oat\""));
    assert!(e.to_string().contains("cannot be an axis there"), "{e}");
    let e = err(&text.replace("\"stress\"", "\"nope\""));
    assert!(
        e.to_string()
            .contains("s.toml:7:22: axis[0].values[1]: in scenario nope"),
        "{e}"
    );
}

#[test]
fn the_resolved_sweep_fills_every_default_and_reads_back() {
    let p = planned(
        r#"
[sweep]
scenario = "stress"
[set]
market.redeemer_sell_share = 0.5
[[axis]]
key = "deal[13].leaf_pair.amount"
logspace = { from = 1e6, to = 1e7, steps = 3 }
[[axis]]
key = "simulation.months"
values = [12, 24]
[[sample]]
key = "market.net_demand_usd"
uniform = { low = -50_000, high = 0 }
"#,
    );
    let text = p.resolved("0.1.0");
    assert_eq!(
        text,
        r#"# canopy 0.1.0
[sweep]
scenario = "stress"
runs = 1
seed = 42
mode = "grid"
common_random_numbers = true
keep_months = ["leaf_price", "tvl_total", "revenue_cumulative", "aegis_value", "aegis_usdc", "value_per_oak", "oak_redeemed"]
quantiles = [0.05, 0.25, 0.5, 0.75, 0.95]
confidence = 0.95
tail = 0.05

[set]
"market.redeemer_sell_share" = 0.5

[[axis]]
key = "deal[13].leaf_pair.amount"
logspace = { from = 1000000.0, to = 10000000.0, steps = 3 }

[[axis]]
key = "simulation.months"
values = [12, 24]

[[sample]]
key = "market.net_demand_usd"
uniform = { low = -50000.0, high = 0.0 }
"#
    );
    let again = plan(&read("sweep.toml", &text).unwrap(), builtin).unwrap();
    assert_eq!(again.resolved("0.1.0"), text);
    assert_eq!(again.hash("0.1.0"), p.hash("0.1.0"));
    assert_ne!(p.hash("0.1.0"), p.hash("0.2.0"));
}

#[test]
fn keys_know_their_kind() {
    let s = sweep(
        "[sweep]\nscenario = \"default\"\n[[axis]]\nkey = \"leaf_price.model\"\nvalues = [\"fixed\", \"market\"]\n",
    );
    assert!(matches!(s.axes[0].key.kind, Some(Kind::Choice(_))));
    let e = err(
        "[sweep]\nscenario = \"default\"\n[[axis]]\nkey = \"leaf_price.model\"\nlinspace = { from = 0, to = 1, steps = 2 }\n",
    );
    assert!(e.to_string().contains("not numbers"), "{e}");
    let p = planned("[sweep]\nscenario = \"default\"\n");
    assert_eq!(p.points.len(), 1, "no axes: one point");
}

#[test]
fn the_file_checks_what_it_can_before_any_scenario_is_loaded() {
    // A uniform too wide to draw from, a [set] value of the wrong type, and
    // zip axes of unequal length: all at once, each where it is written.
    let e = read(
        "s.toml",
        r#"[sweep]
scenario = "default"
mode = "zip"

[set]
"market.redeemer_sell_share" = "half"

[[axis]]
key = "leaf_price.volatility"
values = [0.02, 0.06]

[[axis]]
key = "leaf_price.drift"
values = [0.0]

[[sample]]
key = "market.net_demand_usd"
uniform = { low = -1.7e308, high = 1.7e308 }
"#,
    )
    .expect_err("three problems");
    let found: Vec<(Where, &str)> = e
        .problems
        .iter()
        .map(|p| (p.at.clone(), p.path.as_str()))
        .collect();
    assert_eq!(e.problems.len(), 3, "{e}");
    assert!(
        found.contains(&(at(6, 32), "set.\"market.redeemer_sell_share\"")),
        "{e}"
    );
    assert!(found.contains(&(at(3, 8), "sweep.mode")), "{e}");
    assert!(
        e.problems
            .iter()
            .any(|p| p.message.contains("wider than a number can hold")),
        "{e}"
    );
}
