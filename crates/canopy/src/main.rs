//! `canopy`: the command line of the canopy simulator.

mod cli;
mod console;
mod events;
mod logging;
mod scenario_source;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use canopy_model::{ValidScenario, builtin, run_observed};
use clap::Parser;
use tracing::{error, info};

use cli::{Cli, Command, RunArgs, ScenarioArgs};

/// Bad input: the scenario or the arguments.
const BAD_INPUT: u8 = 2;
/// Anything else that failed.
const FAILURE: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Run(RunArgs::default())) {
        Command::Run(args) => run(&args),
        Command::Scenarios => {
            for (name, about, _) in builtin::BUILTIN {
                say(&format!("{name:<12} {about}"));
            }
            ExitCode::SUCCESS
        }
        Command::Show(args) => with_scenario(&args, |s| {
            say(&format!(
                "# Scenario {}, every key written out with its value.\n{}",
                args.scenario,
                s.to_toml()
            ));
        }),
        Command::Check(args) => with_scenario(&args, |s| {
            say(&format!(
                "{}: valid ({} deals, {} months)",
                args.scenario,
                s.deals.len(),
                s.simulation.months
            ));
        }),
    }
}

fn load(args: &ScenarioArgs) -> Result<ValidScenario, ExitCode> {
    scenario_source::resolve(args).map_err(|e| {
        complain(&format!("error: {e}"));
        ExitCode::from(BAD_INPUT)
    })
}

fn with_scenario(args: &ScenarioArgs, then: impl FnOnce(&ValidScenario)) -> ExitCode {
    match load(args) {
        Ok(s) => {
            then(&s);
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn run(args: &RunArgs) -> ExitCode {
    let scenario = match load(&args.scenario_args()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let log = match logging::create_log(&args.log_dir) {
        Ok((path, file)) => Some((path, file)),
        Err(e) => {
            complain(&format!(
                "warning: no log file in {}: {e}",
                args.log_dir.display()
            ));
            None
        }
    };
    let log_path = log.as_ref().map(|(p, _)| p.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_target(false)
        .with_level(true)
        .without_time()
        .with_writer(Mutex::new(match log {
            Some((_, f)) => Box::new(f) as Box<dyn Write + Send>,
            None => Box::new(std::io::sink()),
        }))
        .finish();

    // deals.csv is streamed into the output folder as the months end; where
    // that cannot start, it is kept in memory and the write reports why.
    let deals = canopy_output::DealLog::streaming(&scenario, &args.out.join("deals.csv"))
        .unwrap_or_else(|_| canopy_output::DealLog::new(&scenario));
    let mut observer = (
        deals,
        events::LogEvents {
            scenario: &scenario,
        },
    );
    let (outcome, elapsed) = tracing::subscriber::with_default(subscriber, || {
        info!(
            "canopy {}: scenario {} ({} months, seed {}, price model {:?})",
            env!("CARGO_PKG_VERSION"),
            args.scenario,
            scenario.simulation.months,
            scenario.simulation.seed,
            scenario.leaf_price.model
        );
        let on = scenario.compat.enabled();
        info!(
            "compat switches on: {}",
            if on.is_empty() {
                "none".into()
            } else {
                on.join(", ")
            }
        );
        let started = Instant::now();
        let outcome = run_observed(&scenario, &mut observer);
        let elapsed = started.elapsed();
        match &outcome {
            Ok(records) => info!("run finished: {} months in {:?}", records.len(), elapsed),
            Err(e) => error!("run stopped: {e}"),
        }
        (outcome, elapsed)
    });

    let (records, failure) = match outcome {
        Ok(records) => (records, None),
        Err(e) => {
            let records = e.records.clone();
            (records, Some(e))
        }
    };
    if !args.quiet {
        let mut table = console::month_header();
        for r in &records {
            table.push('\n');
            table.push_str(&console::month_line(r));
        }
        say(&table);
    }
    let run = canopy_output::Run {
        name: &args.scenario,
        scenario: &scenario,
        records: &records,
        deals: &observer.0,
        stopped: failure.as_ref().map(ToString::to_string),
    };
    if let Err(e) = canopy_output::write(&args.out, &run, !args.no_charts) {
        complain(&format!(
            "error: cannot write results to {}: {e}",
            args.out.display()
        ));
        return ExitCode::from(FAILURE);
    }
    say(&console::final_summary(&args.scenario, &records));
    say(&format!(
        "Results in {}/ ({} months simulated in {:.1?}){}",
        args.out.display(),
        records.len(),
        elapsed,
        log_path.map_or(String::new(), |p| format!("; log in {}", p.display()))
    ));
    match failure {
        None => ExitCode::SUCCESS,
        Some(e) => {
            complain(&format!(
                "error: the run stopped in month {}: {} ({}); the {} months before it were written",
                e.month,
                e.quantity(),
                e.detail(),
                e.records.len()
            ));
            ExitCode::from(FAILURE)
        }
    }
}

/// Prints a line (or block) to stdout; a closed pipe is not an error worth a panic.
fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

/// Prints a message to stderr, ignoring a closed stream.
fn complain(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}
