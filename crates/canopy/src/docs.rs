//! `canopy explain NAME` and `canopy docs --out DIR`: thin over the
//! reference the library declares ([`canopy_sweep::reference`]).

use std::process::ExitCode;

use crate::cli::{DocsArgs, ExplainArgs};
use crate::{BAD_INPUT, FAILURE, complain, say};

/// Prints what NAME is; a name it does not know is bad input (with the
/// nearest name, if one is near).
pub(crate) fn explain(args: &ExplainArgs) -> ExitCode {
    match canopy_sweep::reference::explain(&args.name) {
        Ok(text) => {
            say(text.trim_end());
            ExitCode::SUCCESS
        }
        Err(unknown) => {
            complain(&format!("error: {unknown}"));
            ExitCode::from(BAD_INPUT)
        }
    }
}

/// Writes the reference pages into `--out`.
pub(crate) fn write(args: &DocsArgs) -> ExitCode {
    let entries = canopy_sweep::reference::entries();
    match canopy_output::reference::write_pages(&args.out, &entries) {
        Ok(files) => {
            say(&format!(
                "wrote {} reference pages ({} entries) to {}",
                files.len(),
                entries.len(),
                args.out.display()
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            complain(&format!(
                "error: cannot write the reference pages to {}: {e}",
                args.out.display()
            ));
            ExitCode::from(FAILURE)
        }
    }
}
