//! `canopy sweep FILE` and `canopy sweep merge DIR`: reading the sweep
//! file, loading its scenarios, showing progress and the closing line.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use canopy_output::numbers::thousands;
use canopy_sweep::{CommandLine, Options, Progress, SweepFailure, Tally};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{SweepArgs, SweepCommand};
use crate::{BAD_INPUT, FAILURE, complain, interrupt, say};

/// Runs `canopy sweep`.
pub fn main(args: &SweepArgs) -> ExitCode {
    if let Err(e) = interrupt::install() {
        complain(&format!("warning: {e}"));
    }
    if let Some(SweepCommand::Merge(m)) = &args.command {
        let started = Instant::now();
        let result = canopy_sweep::merge(&m.dir, env!("CARGO_PKG_VERSION"), !m.no_report);
        return finished(result, started, "merged");
    }
    let Some(file) = &args.file else {
        complain("error: a sweep file is needed: canopy sweep FILE (or canopy sweep merge DIR)");
        return ExitCode::from(BAD_INPUT);
    };
    let command_line = CommandLine {
        runs: args.runs,
        seed: args.seed,
        sets: args.set.clone(),
        criteria: args.criterion.clone(),
    };
    let plan = match canopy_sweep::plan_file(file, &command_line) {
        Ok(p) => p,
        Err(canopy_sweep::PlanError::Invalid(e)) => {
            complain(&format!("error: {}", e.worded(&crate::console::Flags)));
            return ExitCode::from(BAD_INPUT);
        }
        Err(e) => {
            complain(&format!("error: {e}"));
            return ExitCode::from(BAD_INPUT);
        }
    };
    let opts = Options {
        out: args.out.clone(),
        jobs: args.jobs.map_or(0, usize::from),
        shard: args.shard,
        resume: args.resume,
        fail_fast: args.fail_fast,
        report: !args.no_report,
        version: env!("CARGO_PKG_VERSION").into(),
        chunk_runs: None,
    };
    let started = Instant::now();
    let shown = ConsoleProgress::new(args.quiet);
    let result = canopy_sweep::run(&plan, &opts, &shown);
    shown.clear();
    finished(result, started, "done")
}

/// The closing line, or the error, and the exit status.
fn finished(result: Result<Tally, SweepFailure>, started: Instant, verb: &str) -> ExitCode {
    match result {
        Ok(done) if done.already_finished => {
            say(&format!(
                "sweep: already finished in {} ({}); nothing to do",
                done.dir.display(),
                runs_text(done.runs)
            ));
            ExitCode::SUCCESS
        }
        Ok(done) => {
            let seconds = started.elapsed().as_secs_f64();
            let ran = done.runs - done.resumed;
            // A resume with nothing left to run has no rate to speak of.
            let rate = if ran == 0 {
                "no runs left to run".to_string()
            } else {
                let rate = if seconds > 0.0 {
                    ran as f64 / seconds
                } else {
                    0.0
                };
                format!("{} runs/s", thousands(rate.round(), 0))
            };
            let resumed = if done.resumed > 0 {
                format!(" ({} resumed)", thousands(done.resumed as f64, 0))
            } else {
                String::new()
            };
            say(&format!(
                "sweep {verb}: {}{resumed}, {} failed, {seconds:.2} s, {rate}; results in {}",
                runs_text(done.runs),
                thousands(done.not_ok as f64, 0),
                done.dir.display()
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            complain(&format!("error: {}", failure_text(&e)));
            ExitCode::from(if e.is_refusal() { BAD_INPUT } else { FAILURE })
        }
    }
}

/// The library's message with what to type next, in this command line's
/// flags.
pub(crate) fn failure_text(e: &SweepFailure) -> String {
    let next = match e {
        SweepFailure::OtherSweep {
            unfinished: true, ..
        } => "; run without --resume to replace it",
        SweepFailure::OtherSweep { .. } => "; run without --resume to replace them",
        SweepFailure::Incomplete { .. } => "; run without --resume to run the sweep again",
        SweepFailure::DamagedChunk { .. } => {
            "; run without --resume to start the sweep again, or delete that file to run its chunk again"
        }
        SweepFailure::NotAFolder { .. } | SweepFailure::DanglingLink { .. } => " (--out)",
        SweepFailure::NoParts { dir } => {
            return format!(
                "{e}: run `canopy sweep FILE --shard K/N --out {}` for each K first",
                dir.display()
            );
        }
        SweepFailure::MissingParts { of, .. } => {
            return format!("{e}; run them (`--shard K/{of}`) before merging");
        }
        SweepFailure::UnfinishedPart { .. } => {
            "; once its shard has ended, run it again with --shard K/N --resume"
        }
        _ => "",
    };
    format!("{e}{next}")
}

/// `12,000 runs`, `1 run`.
fn runs_text(n: u64) -> String {
    format!(
        "{} {}",
        thousands(n as f64, 0),
        if n == 1 { "run" } else { "runs" }
    )
}

/// Progress on standard error: a bar on a terminal, a plain line at most
/// every 10 seconds otherwise, nothing with `--quiet`.
pub(crate) struct ConsoleProgress {
    bar: Option<ProgressBar>,
    /// Set once the bar shows a rate and the time left.
    measured: std::sync::Once,
    plain: Option<Mutex<PlainLines>>,
}

/// The state of plain progress lines.
struct PlainLines {
    total: u64,
    done: u64,
    resumed: u64,
    started: Instant,
    last: Instant,
}

/// The bar once runs are done: with their rate and the time left.
fn measured_style() -> ProgressStyle {
    ProgressStyle::with_template("{bar:20} {human_pos}/{human_len} runs, {rate} runs/s, {eta} left")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}", thousands(state.per_sec().round(), 0));
            },
        )
}

/// The longest wait between two plain progress lines.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

impl ConsoleProgress {
    pub(crate) fn new(quiet: bool) -> ConsoleProgress {
        let terminal = std::io::stderr().is_terminal();
        ConsoleProgress {
            bar: (!quiet && terminal).then(|| {
                let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
                // No rate or time left until a chunk is done: before, both
                // read 0.
                bar.set_style(
                    ProgressStyle::with_template("{bar:20} {human_pos}/{human_len} runs, starting")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar
            }),
            measured: std::sync::Once::new(),
            plain: (!quiet && !terminal).then(|| {
                Mutex::new(PlainLines {
                    total: 0,
                    done: 0,
                    resumed: 0,
                    started: Instant::now(),
                    last: Instant::now(),
                })
            }),
        }
    }

    pub(crate) fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for ConsoleProgress {
    fn begin(&self, total: u64, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(done);
            bar.reset_eta();
        }
        if let Some(p) = &self.plain {
            let mut p = p.lock().unwrap_or_else(|e| e.into_inner());
            p.total = total;
            p.done = done;
            p.resumed = done;
            p.started = Instant::now();
            p.last = p.started;
            if done > 0 {
                complain(&format!(
                    "sweep: resuming: {} of {} runs were done before",
                    thousands(done as f64, 0),
                    thousands(total as f64, 0)
                ));
            }
        }
    }

    fn advance(&self, runs: u64) {
        if let Some(bar) = &self.bar {
            self.measured.call_once(|| bar.set_style(measured_style()));
            bar.inc(runs);
        }
        if let Some(p) = &self.plain {
            let mut p = p.lock().unwrap_or_else(|e| e.into_inner());
            p.done += runs;
            let now = Instant::now();
            if now.duration_since(p.last) >= PLAIN_EVERY && p.done < p.total {
                p.last = now;
                let seconds = now.duration_since(p.started).as_secs_f64();
                let rate = (p.done - p.resumed) as f64 / seconds.max(1e-9);
                let left = (p.total - p.done) as f64 / rate.max(1e-9);
                complain(&format!(
                    "sweep: {} of {} runs ({:.0}%), {} runs/s, about {} s left",
                    thousands(p.done as f64, 0),
                    thousands(p.total as f64, 0),
                    100.0 * p.done as f64 / p.total.max(1) as f64,
                    thousands(rate.round(), 0),
                    thousands(left.ceil(), 0)
                ));
            }
        }
    }

    fn grow(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
        if let Some(p) = &self.plain {
            p.lock().unwrap_or_else(|e| e.into_inner()).total = total;
        }
    }

    fn finishing(&self) {
        if let Some(bar) = &self.bar {
            bar.set_message("writing files");
        }
    }
}
