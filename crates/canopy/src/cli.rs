//! The command line: `canopy run | scenarios | show | check`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Simulates a DeFi token ecosystem (AEGIS, LEAF pairs, TVL, OAK) month by month.
#[derive(Debug, Parser)]
#[command(name = "canopy", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// What to do; without one, `run` of the built-in `default` scenario.
    #[command(subcommand)]
    pub command: Option<Command>,
}

const AFTER_HELP: &str =
    "Exit status: 0 success, 2 bad input, 1 any other failure, 130/143 stopped by SIGINT/SIGTERM.";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and write its results.
    Run(RunArgs),
    /// List the built-in scenarios.
    Scenarios,
    /// Print a scenario as a complete TOML file, every default filled in.
    Show(ScenarioArgs),
    /// Validate a scenario without running it.
    Check(ScenarioArgs),
    /// Print the JSON Schema (draft 2020-12) of scenario files, for editors.
    Schema,
}

/// Which scenario, and changes to it.
#[derive(Debug, Args, Default)]
pub struct ScenarioArgs {
    /// A TOML file, or the name of a built-in scenario.
    pub scenario: String,
    /// Override `simulation.months`.
    // A negative number is a value here, for the scenario check to reject
    // with what is allowed, not an unknown flag.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub months: Option<String>,
    /// Override any key by its dotted path, e.g. `aegis.initial_usdc=5e7` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", allow_hyphen_values = true, value_parser = assignment)]
    pub set: Vec<String>,
}

/// `canopy run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// A TOML file, or the name of a built-in scenario.
    #[arg(default_value = "default")]
    pub scenario: String,
    /// Where results go.
    #[arg(long, default_value = "out", value_name = "DIR", allow_hyphen_values = true, value_parser = folder)]
    pub out: PathBuf,
    /// No monthly summaries on the console, only the final summary.
    #[arg(long)]
    pub quiet: bool,
    /// Override `simulation.months`.
    // A negative number is a value here, for the scenario check to reject
    // with what is allowed, not an unknown flag.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub months: Option<String>,
    /// Override any key by its dotted path, e.g. `aegis.initial_usdc=5e7` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", allow_hyphen_values = true, value_parser = assignment)]
    pub set: Vec<String>,
    /// Folder for the run's log file.
    #[arg(long, default_value = "logs", value_name = "DIR", allow_hyphen_values = true, value_parser = folder)]
    pub log_dir: PathBuf,
    /// Skip the charts and report.html (metrics.json and deals.csv are still written).
    #[arg(long)]
    pub no_charts: bool,
}

// Values that start with `-` reach the parsers below rather than clap's own
// error, whose tip (`-- -o`) would make the value the scenario.

/// A folder argument: not empty, and not something that looks like a flag
/// (a forgotten value: `--out --quiet`).
fn folder(value: &str) -> Result<PathBuf, String> {
    if value.is_empty() {
        return Err("a folder is needed; `.` is the current folder".into());
    }
    if value.starts_with('-') {
        return Err(format!(
            "`{value}` looks like a flag, not a folder; for a folder of that name write `./{value}`"
        ));
    }
    Ok(PathBuf::from(value))
}

/// A `--set` argument; the scenario reader checks the key and the value.
fn assignment(value: &str) -> Result<String, String> {
    if value.starts_with('-') {
        return Err(format!(
            "`{value}` looks like a flag; --set takes KEY=VALUE, e.g. `aegis.initial_usdc=5e7`"
        ));
    }
    Ok(value.into())
}

impl Default for RunArgs {
    fn default() -> Self {
        RunArgs {
            scenario: "default".into(),
            out: "out".into(),
            quiet: false,
            months: None,
            set: Vec::new(),
            log_dir: "logs".into(),
            no_charts: false,
        }
    }
}

impl RunArgs {
    /// The scenario part of the arguments.
    pub fn scenario_args(&self) -> ScenarioArgs {
        ScenarioArgs {
            scenario: self.scenario.clone(),
            months: self.months.clone(),
            set: self.set.clone(),
        }
    }
}
