//! `canopy compare A B`: loading both scenarios, showing progress, and the
//! paired summary on standard output.

use std::process::ExitCode;
use std::time::Instant;

use canopy_output::numbers::thousands;
use canopy_output::scenario_source::{Request, resolve};
use canopy_sweep::Options;
use canopy_sweep::compare::{self, Question};
use canopy_sweep::defaults::MAIN_METRICS;

use crate::cli::CompareArgs;
use crate::sweep::{ConsoleProgress, failure_text};
use crate::{BAD_INPUT, FAILURE, complain, interrupt, say};

/// Runs `canopy compare`.
pub fn main(args: &CompareArgs) -> ExitCode {
    if let Err(e) = interrupt::install() {
        complain(&format!("warning: {e}"));
    }
    let side = |name: &str, own: &[String]| {
        resolve(&Request {
            scenario: name.to_string(),
            months: None,
            set: args.set.iter().chain(own).cloned().collect(),
        })
    };
    let (a, b) = (side(&args.a, &args.set_a), side(&args.b, &args.set_b));
    let (a, b) = match (a, b) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            for (which, e) in [("A", a.err()), ("B", b.err())] {
                if let Some(e) = e {
                    complain(&format!(
                        "error: scenario {which}: {}",
                        e.worded(&crate::console::Flags)
                    ));
                }
            }
            return ExitCode::from(BAD_INPUT);
        }
    };
    let question = Question {
        a: args.a.clone(),
        b: args.b.clone(),
        runs: args.runs,
        seed: args.seed,
        criteria: args.criterion.clone(),
        keep: args.keep.clone(),
    };
    let plan = match compare::plan(&question, a, b) {
        Ok(p) => p,
        Err(e) => {
            complain(&format!("error: {}", e.worded(&crate::console::Flags)));
            return ExitCode::from(BAD_INPUT);
        }
    };
    let opts = Options {
        out: args.out.clone(),
        jobs: args.jobs.map_or(0, usize::from),
        shard: None,
        resume: false,
        fail_fast: false,
        report: !args.no_report,
        version: env!("CARGO_PKG_VERSION").into(),
        chunk_runs: None,
    };
    let started = Instant::now();
    let shown = ConsoleProgress::new(args.quiet);
    let result = compare::run(&plan, &opts, &shown);
    shown.clear();
    match result {
        Ok(done) => {
            print_summary(&plan, &done);
            say(&format!(
                "compare done: 2 × {} {}, {} not ok, {:.2} s; results in {}",
                thousands(plan.sweep.runs as f64, 0),
                if plan.sweep.runs == 1 { "run" } else { "runs" },
                thousands(done.tally.not_ok as f64, 0),
                started.elapsed().as_secs_f64(),
                done.tally.dir.display()
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            complain(&format!("error: {}", failure_text(&e)));
            ExitCode::from(if e.is_refusal() { BAD_INPUT } else { FAILURE })
        }
    }
}

/// A number for the console: thousands separators, few decimals.
fn shown(x: Option<f64>) -> String {
    match x {
        None => "—".into(),
        Some(v) if v.abs() >= 1000.0 => thousands(v, 0),
        Some(v) if v != 0.0 && v.abs() < 1e-3 => format!("{v:.2e}"),
        Some(v) => format!("{}", (v * 1e4).round() / 1e4),
    }
}

fn print_summary(plan: &canopy_sweep::Plan, done: &compare::Compared) {
    let f = &done.findings;
    let level = format!("{} %", plan.sweep.confidence * 100.0);
    say(&format!(
        "{:<22} {:>16} {:>16} {:>16}  {:<34} {:>9}",
        "metric",
        "A median",
        "B median",
        "mean B − A",
        format!("{level} interval"),
        "B greater"
    ));
    for d in f
        .diff
        .iter()
        .filter(|d| MAIN_METRICS.contains(&d.metric.as_str()))
    {
        let interval = d.diff_ci.map_or_else(
            || "—".to_string(),
            |(lo, hi)| format!("{} to {}", shown(Some(lo)), shown(Some(hi))),
        );
        say(&format!(
            "{:<22} {:>16} {:>16} {:>16}  {:<34} {:>9}",
            d.metric,
            shown(d.a_p50),
            shown(d.b_p50),
            shown(d.diff_mean),
            interval,
            d.b_greater
                .map_or_else(|| "—".into(), |p| format!("{:.1} %", p * 100.0))
        ));
    }
    for c in &f.criteria {
        let p = |count: &canopy_sweep::criteria::Count| {
            count
                .p()
                .map_or_else(|| "—".into(), |p| format!("{:.2} %", p * 100.0))
        };
        say(&format!(
            "{} ({}): A {} of {} ({}), B {} of {} ({}); only A {}, only B {}, McNemar p = {}",
            c.name,
            c.condition,
            c.a.k,
            c.a.n,
            p(&c.a),
            c.b.k,
            c.b.n,
            p(&c.b),
            c.only_a,
            c.only_b,
            shown(Some(c.mcnemar_p))
        ));
    }
}
