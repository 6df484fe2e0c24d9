//! `canopy sweep FILE` and `canopy sweep merge DIR`: reading the sweep
//! file, loading its scenarios, showing progress and the closing line.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use canopy_output::numbers::thousands;
use canopy_sweep::{CommandLine, Done, Options, Progress, SweepFailure};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{SweepArgs, SweepCommand};
use crate::{BAD_INPUT, FAILURE, complain, interrupt, say};
use canopy_output::scenario_source::{self as source, load_for_sweep, scenario_path};

/// Test hook: runs per chunk (many small chunks, to test order, resuming
/// and shards on small sweeps). Unset: the size the sweep calls for.
const CHUNK_VAR: &str = "CANOPY_TEST_CHUNK_RUNS";

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
    let name = file.display().to_string();
    let text = match source::read_capped(file) {
        Ok(t) => t,
        Err(e) => {
            complain(&format!("error: cannot read the sweep file {name}: {e}"));
            return ExitCode::from(BAD_INPUT);
        }
    };
    let command_line = CommandLine {
        runs: args.runs,
        seed: args.seed,
        sets: args.set.clone(),
    };
    let sweep = match canopy_sweep::read_with(&name, &text, &command_line) {
        Ok(s) => s,
        Err(e) => {
            complain(&format!("error: {e}"));
            return ExitCode::from(BAD_INPUT);
        }
    };
    let base = file.parent().unwrap_or(Path::new(""));
    let plan = match canopy_sweep::plan(&sweep, |scenario| load_for_sweep(base, scenario)) {
        Ok(mut p) => {
            // The sweep names scenario files relative to itself; the
            // commands it prints run from here.
            for point in &mut p.points {
                point.scenario_name = scenario_path(base, &point.scenario_name);
            }
            p
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
        chunk_runs: std::env::var(CHUNK_VAR).ok().and_then(|v| v.parse().ok()),
    };
    let started = Instant::now();
    let shown = Shown::new(args.quiet);
    let result = canopy_sweep::run(&plan, &opts, &shown);
    shown.clear();
    finished(result, started, "done")
}

/// The closing line, or the error, and the exit status.
fn finished(result: Result<Done, SweepFailure>, started: Instant, verb: &str) -> ExitCode {
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
        Err(SweepFailure::Refused(m)) => {
            complain(&format!("error: {m}"));
            ExitCode::from(BAD_INPUT)
        }
        Err(e) => {
            complain(&format!("error: {e}"));
            ExitCode::from(FAILURE)
        }
    }
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
struct Shown {
    bar: Option<ProgressBar>,
    plain: Option<Mutex<Plain>>,
}

/// The state of plain progress lines.
struct Plain {
    total: u64,
    done: u64,
    resumed: u64,
    started: Instant,
    last: Instant,
}

/// The longest wait between two plain progress lines.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

impl Shown {
    fn new(quiet: bool) -> Shown {
        let terminal = std::io::stderr().is_terminal();
        Shown {
            bar: (!quiet && terminal).then(|| {
                let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template(
                        "{bar:20} {human_pos}/{human_len} runs, {rate} runs/s, {eta} left",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .with_key(
                        "rate",
                        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                            let _ = write!(w, "{}", thousands(state.per_sec().round(), 0));
                        },
                    ),
                );
                bar
            }),
            plain: (!quiet && !terminal).then(|| {
                Mutex::new(Plain {
                    total: 0,
                    done: 0,
                    resumed: 0,
                    started: Instant::now(),
                    last: Instant::now(),
                })
            }),
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Shown {
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

    fn finishing(&self) {
        if let Some(bar) = &self.bar {
            bar.set_message("writing files");
        }
    }
}
