//! `canopy`: the command line of the canopy simulator.

mod cli;
mod compare;
mod console;
mod docs;
mod events;
mod interrupt;
mod logging;
mod seek;
mod serve;
mod sweep;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Mutex, OnceLock};

use canopy_model::{ValidScenario, builtin};
use canopy_output::numbers::count;
use canopy_output::{RunOptions, run_whole};
use clap::Parser;
use tracing::{error, info};

use cli::{Cli, Command, RunArgs, ScenarioArgs};

/// Bad input: the scenario or the arguments.
pub(crate) const BAD_INPUT: u8 = 2;
/// Anything else that failed.
pub(crate) const FAILURE: u8 = 1;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return arguments_refused(&e),
    };
    let code = match cli.command.unwrap_or(Command::Run(RunArgs::default())) {
        Command::Run(args) => run(&args),
        Command::Sweep(args) => sweep::main(&args),
        Command::Compare(args) => compare::main(&args),
        Command::Seek(args) => seek::main(&args),
        Command::Serve(args) => serve::main(&args),
        Command::Explain(args) => docs::explain(&args),
        Command::Docs(args) => docs::write(&args),
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
            let schema = canopy_model::scenario::json_schema();
            say(&serde_json::to_string_pretty(&schema).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Command::Check(args) => with_scenario(&args, |s| {
            say(&format!(
                "{}: valid ({}, {})",
                args.scenario,
                count(s.deals.len(), "deal", "deals"),
                count(s.simulation.months as usize, "month", "months")
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
    canopy_output::scenario_source::resolve(&args.request()).map_err(|e| {
        complain(&format!("error: {}", e.worded(&console::Flags)));
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
    let Prepared {
        log_path,
        log,
        deals,
    } = match prepare(args, &scenario) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_target(false)
        .with_level(true)
        .without_time()
        .with_writer(Mutex::new(log.clone()))
        .finish();

    if !args.quiet {
        say(&console::month_header());
    }
    let mut log_events = events::LogEvents {
        scenario: &scenario,
    };
    // Each month's row of the revenue table as the month ends, with its
    // critical events on lines under it (the run's watch tells them).
    let print = !args.quiet;
    let mut rows = |record: &canopy_model::MonthRecord,
                    critical: &[canopy_model::critical::Critical]| {
        if print {
            let mut text = console::month_line(record);
            for c in critical {
                text.push('\n');
                text.push_str(&console::critical_line(&scenario, c));
            }
            say(&text);
        }
    };
    // The whole process logs to the run's log, the signal handler's thread
    // too, so that the log says how the run ended.
    let _ = tracing::subscriber::set_global_default(subscriber);
    info!(
        "canopy {}: scenario {} ({}, seed {}, price model {:?})",
        env!("CARGO_PKG_VERSION"),
        events::escaped(&args.scenario),
        count(scenario.simulation.months as usize, "month", "months"),
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
    let outcome = run_whole(RunOptions {
        scenario: &scenario,
        scorecard: !args.no_scorecard,
        deals,
        observer: Some(&mut log_events),
        threads: 0,
        each_month: Some(&mut rows),
    });
    match &outcome.failure {
        None => info!(
            "run finished: {} in {:?}",
            count(outcome.records.len(), "month", "months"),
            outcome.elapsed
        ),
        Some(e) => error!("run stopped: {e}"),
    }
    info!("{}", console::critical_summary(&outcome.critical));
    if let Err(e) = outcome.write(&args.out, &args.scenario, &scenario, !args.no_charts) {
        let message = format!(
            "cannot write results to {}: {}",
            events::escaped(&args.out.display().to_string()),
            canopy_output::describe_as(&e, "--out")
        );
        error!("{message}; no result file was replaced");
        complain(&format!("error: {message}"));
        return ExitCode::from(FAILURE);
    }
    info!(
        "results written to {}",
        events::escaped(&args.out.display().to_string())
    );
    let log_error = log.check().err();
    say(&console::final_summary(
        &events::escaped(&args.scenario),
        outcome.summary.as_ref(),
    ));
    say(&console::critical_summary(&outcome.critical));
    if let Some(rows) = &outcome.scorecard {
        let card = console::scorecard_summary(rows);
        if !card.is_empty() {
            say(&card);
        }
    }
    let mut folder = events::escaped(&args.out.display().to_string());
    if !folder.ends_with('/') {
        folder.push('/');
    }
    say(&format!(
        "Results in {folder} ({} simulated in {:.1?}){}",
        count(outcome.records.len(), "month", "months"),
        outcome.elapsed,
        if log_error.is_none() {
            format!(
                "; log in {}",
                events::escaped(&log_path.display().to_string())
            )
        } else {
            String::new()
        }
    ));
    let mut code = ExitCode::SUCCESS;
    if let Some(stopped) = outcome.stopped() {
        complain(&format!("error: {stopped}"));
        code = ExitCode::from(FAILURE);
    }
    if let Some(e) = log_error {
        complain(&format!(
            "error: cannot write the log {}: {}; the results were written",
            log_path.display(),
            canopy_output::describe(&e)
        ));
        code = ExitCode::from(FAILURE);
    }
    code
}

/// What a run needs once every check before it has passed.
struct Prepared {
    log_path: PathBuf,
    log: logging::LogFile,
    deals: canopy_output::DealLog,
}

/// What [`prepare`] made, for a refused run to remove: its log file, and
/// the folders it created (only those left empty are removed).
#[derive(Default)]
struct Made {
    log: Option<PathBuf>,
    folders: Vec<PathBuf>,
}

impl Made {
    fn undo(self) {
        if let Some(log) = &self.log {
            let _ = std::fs::remove_file(log);
        }
        let mut folders = self.folders;
        // Deepest first.
        folders.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
        folders.dedup();
        for f in folders {
            let _ = std::fs::remove_dir(f);
        }
    }
}

/// The folders on the way to `dir` that do not exist yet (so a run that
/// creates them and is then refused can remove them).
fn missing_folders(dir: &Path) -> Vec<PathBuf> {
    dir.ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .take_while(|p| std::fs::symlink_metadata(p).is_err())
        .map(Path::to_path_buf)
        .collect()
}

/// `path` made absolute through its longest existing ancestor (links
/// resolved), the rest appended as written (`.` and `..` applied).
fn resolved(path: &Path) -> PathBuf {
    let mut base = path;
    let mut rest = Vec::new();
    let real = loop {
        if let Ok(real) = std::fs::canonicalize(if base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            base
        }) {
            break real;
        }
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                base = parent;
            }
            // `..` or the root: leave it to the file system to say.
            _ => return path.to_path_buf(),
        }
    };
    let mut out = real;
    for name in rest.iter().rev() {
        out.push(name);
    }
    out
}

/// The result file of `out` that the log folder `log_dir` would be (or be
/// inside), if any.
fn log_dir_in_the_way(out: &Path, log_dir: &Path) -> Option<String> {
    let out_real = resolved(out);
    let log_real = resolved(log_dir);
    canopy_output::targets()
        .into_iter()
        .find(|name| log_real.starts_with(out_real.join(name)))
}

/// Before a run, checks everything first and replaces nothing until all
/// passed: handles SIGINT and SIGTERM, checks that the results can be
/// written into `--out` (removing temporaries of killed runs) and that the
/// log folder is not one of its result files, creates the log file, checks
/// `--out` again (the log's folder could be in the way), starts the
/// streamed `deals.csv`, and only then deletes the oldest logs. A refused
/// run removes the log file and the folders it created, and says why.
fn prepare(args: &RunArgs, scenario: &ValidScenario) -> Result<Prepared, ExitCode> {
    if let Err(e) = interrupt::install() {
        complain(&format!("warning: {e}"));
    }
    let mut made = Made {
        folders: missing_folders(&args.out),
        ..Made::default()
    };
    let refuse = |made: Made, text: String| {
        complain(&format!("error: {text}"));
        made.undo();
        ExitCode::from(FAILURE)
    };
    if let Err(e) = canopy_output::preflight(&args.out) {
        return Err(refuse(made, canopy_output::describe_as(&e, "--out")));
    }
    if let Some(name) = log_dir_in_the_way(&args.out, &args.log_dir) {
        return Err(refuse(
            made,
            format!(
                "--log-dir {} would put the log folder where the run writes its result \
                 file {} (--out {}); choose another --log-dir or --out",
                args.log_dir.display(),
                args.out.join(&name).display(),
                args.out.display()
            ),
        ));
    }
    made.folders.extend(missing_folders(&args.log_dir));
    let (log_path, file) = match logging::create_log(&args.log_dir) {
        Ok(log) => log,
        Err(e) => return Err(refuse(made, e.to_string())),
    };
    made.log = Some(log_path.clone());
    if let Err(e) = canopy_output::preflight(&args.out) {
        drop(file);
        return Err(refuse(made, canopy_output::describe_as(&e, "--out")));
    }
    // deals.csv is streamed into the output folder as the months end.
    let deals = match canopy_output::DealLog::streaming_into(scenario, &args.out) {
        Ok(deals) => deals,
        Err(e) => {
            drop(file);
            return Err(refuse(
                made,
                format!(
                    "cannot write results to {}: {}",
                    args.out.display(),
                    canopy_output::describe(&e)
                ),
            ));
        }
    };
    if let Err(e) = logging::rotate(&args.log_dir, &log_path) {
        complain(&format!("warning: {e}"));
    }
    Ok(Prepared {
        log_path,
        log: logging::LogFile::new(file),
        deals,
    })
}

/// The first failed write to stdout; once set, nothing more is printed.
static STDOUT_ERROR: OnceLock<io::Error> = OnceLock::new();

/// Prints a line (or block) to stdout. A failure is kept for
/// [`with_stdout_checked`], and the run goes on: its files matter more.
pub(crate) fn say(text: &str) {
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
    if STDOUT_ERROR.get().is_none()
        && let Err(e) = io::stdout().lock().flush()
    {
        let _ = STDOUT_ERROR.set(e);
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
pub(crate) fn complain(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}
