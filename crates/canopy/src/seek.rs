//! `canopy seek FILE`: reading the seek file, showing progress, and the
//! answer in one line on standard output.

use std::path::Path;
use std::process::ExitCode;

use canopy_output::scenario_source::{load_for_sweep, read_capped};
use canopy_sweep::CommandLine;
use canopy_sweep::read_seek;
use canopy_sweep::seek::{self, SeekError, SeekOptions};

use crate::cli::SeekArgs;
use crate::sweep::{ConsoleProgress, failure_text};
use crate::{BAD_INPUT, FAILURE, complain, interrupt, say};

/// Runs `canopy seek`.
pub fn main(args: &SeekArgs) -> ExitCode {
    if let Err(e) = interrupt::install() {
        complain(&format!("warning: {e}"));
    }
    let name = args.file.display().to_string();
    let text = match read_capped(&args.file) {
        Ok(t) => t,
        Err(e) => {
            complain(&format!("error: cannot read the seek file {name}: {e}"));
            return ExitCode::from(BAD_INPUT);
        }
    };
    let command_line = CommandLine {
        sets: args.set.clone(),
        ..CommandLine::default()
    };
    let file = match read_seek(&name, &text, &command_line) {
        Ok(f) => f,
        Err(e) => {
            complain(&format!("error: {}", e.worded(&crate::console::Flags)));
            return ExitCode::from(BAD_INPUT);
        }
    };
    let base = args.file.parent().unwrap_or(Path::new("")).to_path_buf();
    let load = move |scenario: &str| load_for_sweep(&base, scenario);
    let opts = SeekOptions {
        out: args.out.clone(),
        jobs: args.jobs.map_or(0, usize::from),
        report: !args.no_report,
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let shown = ConsoleProgress::new(args.quiet);
    let result = seek::run(&file, &load, &opts, &shown);
    shown.clear();
    match result {
        Ok(answer) => {
            say(&seek::answer_line(&file, &answer));
            ExitCode::SUCCESS
        }
        Err(SeekError::Invalid(e)) => {
            complain(&format!("error: {}", e.worded(&crate::console::Flags)));
            ExitCode::from(BAD_INPUT)
        }
        Err(SeekError::Failed(e)) => {
            complain(&format!("error: {}", failure_text(&e)));
            ExitCode::from(if e.is_refusal() { BAD_INPUT } else { FAILURE })
        }
    }
}
