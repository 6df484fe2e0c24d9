//! A sweep file read and planned in one call, as every front end needs it:
//! its scenarios loaded relative to the file's folder, and named in the
//! commands the plan prints as a shell in the current folder names them.

use std::io;
use std::path::Path;

use crate::error::SweepError;
use crate::file::{CommandLine, read_with};
use crate::points::{Plan, plan};
use canopy_output::scenario_source::{load_for_sweep, read_capped, scenario_path};

/// Why a sweep file could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The file could not be read.
    #[error("cannot read the sweep file {name}: {error}")]
    Unreadable {
        /// The file's name, as given.
        name: String,
        /// Why.
        error: io::Error,
    },
    /// The sweep, or a point's scenario, is not right: every problem.
    #[error("{0}")]
    Invalid(#[from] SweepError),
}

/// Reads the sweep file at `path`, applies `command_line`, and plans it.
pub fn plan_file(path: &Path, command_line: &CommandLine) -> Result<Plan, PlanError> {
    let name = path.display().to_string();
    let text = read_capped(path).map_err(|error| PlanError::Unreadable {
        name: name.clone(),
        error,
    })?;
    let base = path.parent().unwrap_or(Path::new(""));
    Ok(plan_text(&name, &text, base, command_line)?)
}

/// Reads a sweep file's text (`name` in messages; scenario files relative
/// to `base`), applies `command_line`, and plans it.
pub fn plan_text(
    name: &str,
    text: &str,
    base: &Path,
    command_line: &CommandLine,
) -> Result<Plan, SweepError> {
    let sweep = read_with(name, text, command_line)?;
    let mut planned = plan(&sweep, |scenario| load_for_sweep(base, scenario))?;
    // The sweep names scenario files relative to itself; the commands it
    // prints run from here.
    for point in &mut planned.points {
        point.scenario_name = scenario_path(base, &point.scenario_name);
    }
    Ok(planned)
}
