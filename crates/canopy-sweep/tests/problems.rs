//! A bad sweep file's problems: every one at once, each where the user
//! wrote the thing at fault.

use std::path::Path;

use canopy_model::Value;
use canopy_model::scenario::validate::Where;
use canopy_sweep::{CommandLine, SweepError, plan_text, read_with};

fn planned(text: &str, command_line: &CommandLine) -> Result<canopy_sweep::Plan, SweepError> {
    plan_text("s.toml", text, Path::new(""), command_line)
}

fn err(text: &str) -> SweepError {
    planned(text, &CommandLine::default()).expect_err("should be refused")
}

fn line(at: &Where) -> usize {
    match at {
        Where::Text { line, .. } => *line,
        other => panic!("not a line: {other:?}"),
    }
}

#[test]
fn whole_number_axes_that_round_to_one_value_twice_are_refused() {
    let e = err(r#"[sweep]
scenario = "default"
runs = 2

[[axis]]
key = "simulation.months"
linspace = { from = 12, to = 14, steps = 5 }
"#);
    assert_eq!(e.problems.len(), 1, "{e}");
    let p = &e.problems[0];
    assert_eq!(line(&p.at), 7, "{e}");
    assert_eq!(p.path, "axis[0].linspace");
    assert!(
        p.message.contains("12, 12, 13, 14, 14") || p.message.contains("comes twice"),
        "{e}"
    );
    assert!(p.message.contains("use at most 3 steps"), "{e}");
    // As many steps as whole numbers: fine.
    let ok = r#"[sweep]
scenario = "default"
runs = 2

[[axis]]
key = "simulation.months"
linspace = { from = 12, to = 14, steps = 3 }
"#;
    assert_eq!(
        planned(ok, &CommandLine::default()).unwrap().points.len(),
        3
    );
}

#[test]
fn a_normal_with_no_spread_is_refused_as_uniform_low_equal_high_is() {
    let text = |dist: &str| {
        format!(
            "[sweep]\nscenario = \"default\"\nruns = 2\n\n[[sample]]\nkey = \"market.net_demand_usd\"\n{dist}\n"
        )
    };
    for dist in [
        "normal = { mean = 5, sd = 0 }",
        "lognormal = { mu = 5, sigma = 0 }",
        "uniform = { low = 5, high = 5 }",
    ] {
        let e = err(&text(dist));
        assert_eq!(e.problems.len(), 1, "{dist}: {e}");
        assert_eq!(line(&e.problems[0].at), 7, "{dist}: {e}");
    }
    assert!(
        planned(
            &text("normal = { mean = 5, sd = 1 }"),
            &CommandLine::default()
        )
        .is_ok()
    );
}

#[test]
fn an_inline_table_in_set_on_the_command_line_sets_each_key() {
    let text = "[sweep]\nscenario = \"default\"\nruns = 2\n";
    let cl = CommandLine {
        sets: vec!["deal[1].tvl={amount=7e6}".into()],
        ..CommandLine::default()
    };
    let sweep = read_with("s.toml", text, &cl).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sweep.set.len(), 1);
    assert_eq!(sweep.set[0].key.path, "deal[1].tvl.amount");
    assert_eq!(sweep.set[0].value, Value::Float(7e6));
    let plan = planned(text, &cl).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        plan.points[0].scenario.get("deal[1].tvl.amount"),
        Ok(Value::Float(7e6))
    );
    // A key of the table that is wrong is named by its full path.
    let bad = CommandLine {
        sets: vec!["deal[1].tvl={amount=-1}".into()],
        ..CommandLine::default()
    };
    let e = planned(text, &bad).unwrap_err();
    assert!(e.to_string().contains("deal[1].tvl.amount"), "{e}");
}

#[test]
fn every_repeated_quantile_is_reported() {
    let e = err(r#"[sweep]
scenario = "default"
quantiles = [0.5, 0.5, 0.1, 0.1, 0.9]
"#);
    let paths: Vec<&str> = e.problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["sweep.quantiles[1]", "sweep.quantiles[3]"], "{e}");
}

#[test]
fn a_point_problem_caused_by_an_axis_value_points_at_that_value() {
    // The default scenario's redemptions end in month 48: a start of 60
    // breaks the rule on the end month, which no axis names.
    let e = err(r#"[sweep]
scenario = "default"
runs = 2

[[axis]]
key = "oak.redemption_start_month"
values = [
  3,
  60,
]
"#);
    assert_eq!(e.problems.len(), 1, "{e}");
    let p = &e.problems[0];
    assert_eq!(line(&p.at), 9, "{e}");
    assert!(p.message.contains("point 1"), "{e}");
}

#[test]
fn set_problems_do_not_hide_the_points_problems() {
    let e = err(r#"[sweep]
scenario = "default"
runs = 2

[set]
"oak.redemption_end_month" = 2

[[axis]]
key = "aegis.initial_usdc"
values = [1e6, -5]
"#);
    let lines: Vec<usize> = e.problems.iter().map(|p| line(&p.at)).collect();
    assert!(lines.contains(&6), "the [set] problem: {e}");
    assert!(lines.contains(&10), "the point's problem: {e}");
}

#[test]
fn a_scenario_axis_with_bad_values_is_not_also_a_missing_scenario() {
    let e = err(r#"[sweep]
runs = 2

[[axis]]
key = "scenario"
values = [1, 2]
"#);
    assert!(
        !e.to_string()
            .contains("missing: the sweep needs a scenario"),
        "{e}"
    );
    assert!(!e.problems.is_empty());
}

#[test]
fn a_sweep_file_nested_past_the_bound_is_refused_at_its_line_as_a_scenario_is() {
    // The same positioned reader reads scenarios and sweep files, so a
    // hostile file is refused where it goes too deep, in the same words.
    let nested = format!("x = {}1{}\n", "[".repeat(200), "]".repeat(200));
    let e = err(&format!("[sweep]\nscenario = \"default\"\n{nested}"));
    assert_eq!(e.problems.len(), 1, "{e}");
    assert_eq!(line(&e.problems[0].at), 3, "{e}");
    let scenario = canopy_model::load("s.toml", &nested, &[]).expect_err("should be refused");
    assert_eq!(scenario.problems.len(), 1, "{scenario}");
    assert_eq!(line(&scenario.problems[0].at), 1, "{scenario}");
    assert_eq!(e.problems[0].message, scenario.problems[0].message);
    assert!(
        e.problems[0].message.starts_with("TOML syntax error"),
        "{e}"
    );
}
