//! `canopy`: the command line of the canopy simulator.

mod cli;
mod console;
mod events;
mod interrupt;
mod logging;
mod scenario_source;

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Mutex, OnceLock};
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return arguments_refused(&e),
    };
    let code = match cli.command.unwrap_or(Command::Run(RunArgs::default())) {
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
        Command::Schema => {
            let schema = canopy_model::scenario::schema::json_schema();
            say(&serde_json::to_string_pretty(&schema).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Command::Check(args) => with_scenario(&args, |s| {
            say(&format!(
                "{}: valid ({} deals, {} months)",
                args.scenario,
                s.deals.len(),
                s.simulation.months
            ));
        }),
    };
    with_stdout_checked(code)
}

/// Prints clap's message (help and version too: they arrive as errors) and
/// gives its status: 0 for help and version, 2 for bad arguments. A
/// `--help` that cannot be written is a failure like any other stdout.
fn arguments_refused(e: &clap::Error) -> ExitCode {
    let code = ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(BAD_INPUT));
    if let Err(err) = e.print() {
        let _ = STDOUT_ERROR.set(err);
    }
    with_stdout_checked(code)
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
    let log = match prepare(args) {
        Ok(log) => Some(log),
        Err(code) => return code,
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
            "error: cannot write results to {}: {}",
            args.out.display(),
            canopy_output::describe(&e)
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

/// Before a run: handles SIGINT and SIGTERM, creates the log file, and
/// checks that the results can be written into `--out` (removing
/// temporaries of killed runs). An error here is found before months of
/// simulation are spent, and nothing in `--out` has been replaced. The log
/// comes first, so that a log folder inside `--out` in the way of a result
/// file is caught too.
fn prepare(args: &RunArgs) -> Result<(PathBuf, File), ExitCode> {
    if let Err(e) = interrupt::install() {
        complain(&format!("warning: {e}"));
    }
    let log = open_log(&args.log_dir)?;
    if let Err(e) = canopy_output::preflight(&args.out) {
        complain(&format!("error: {e}"));
        return Err(ExitCode::from(FAILURE));
    }
    Ok(log)
}

/// Creates the run's log file in `dir` and deletes the oldest; a log that
/// cannot be created is an error, one that cannot be deleted a warning.
fn open_log(dir: &Path) -> Result<(PathBuf, File), ExitCode> {
    let (path, file) = logging::create_log(dir).map_err(|e| {
        complain(&format!("error: {e}"));
        ExitCode::from(FAILURE)
    })?;
    if let Err(e) = logging::rotate(dir, &path) {
        complain(&format!("warning: {e}"));
    }
    Ok((path, file))
}

/// The first failed write to stdout; once set, nothing more is printed.
static STDOUT_ERROR: OnceLock<io::Error> = OnceLock::new();

/// Prints a line (or block) to stdout. A failure is kept for
/// [`with_stdout_checked`], and the run goes on: its files matter more.
fn say(text: &str) {
    if STDOUT_ERROR.get().is_some() {
        return;
    }
    let mut out = io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        let _ = STDOUT_ERROR.set(e);
    }
}

/// `code`, unless stdout could not be written: then an error (exit 1). A
/// closed pipe (`canopy scenarios | head -1`) is no error: the reader has
/// what it wanted, so the exit status stays as it was and nothing is said.
fn with_stdout_checked(code: ExitCode) -> ExitCode {
    if STDOUT_ERROR.get().is_none() {
        if let Err(e) = io::stdout().lock().flush() {
            let _ = STDOUT_ERROR.set(e);
        }
    }
    match STDOUT_ERROR.get() {
        None => code,
        Some(e) if e.kind() == io::ErrorKind::BrokenPipe => code,
        Some(e) => {
            complain(&format!(
                "error: cannot write to standard output: {}",
                canopy_output::describe(e)
            ));
            if code == ExitCode::SUCCESS {
                ExitCode::from(FAILURE)
            } else {
                code
            }
        }
    }
}

/// Prints a message to stderr, ignoring a closed stream.
fn complain(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}
