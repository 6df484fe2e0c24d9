//! The command line: `canopy run | sweep | scenarios | show | check | schema | serve | explain | docs`.

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
    /// Run a sweep file: a scenario over a grid of values, with Monte Carlo runs.
    Sweep(SweepArgs),
    /// Compare two scenarios run for run (the same seeds): is B better than A?
    Compare(CompareArgs),
    /// Find the largest (or smallest) value of a key that keeps a criterion rare.
    Seek(SeekArgs),
    /// List the built-in scenarios.
    Scenarios,
    /// Print a scenario as a complete TOML file, every default filled in.
    Show(ScenarioArgs),
    /// Validate a scenario without running it.
    Check(ScenarioArgs),
    /// Print the JSON Schema (draft 2020-12) of scenario files, for editors.
    Schema,
    /// Serve a scenario as a local web app: edit it and see the results move.
    Serve(ServeArgs),
    /// Explain a scenario key, metric, chart, critical event or file: its doc, unit, default, range and the rule behind it.
    Explain(ExplainArgs),
    /// Write the reference pages (every key, column, chart, event and file) as Markdown.
    Docs(DocsArgs),
}

/// `canopy explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A scenario key (`aegis.initial_usdc`, `deal[3].oak.amount`), a metrics.csv column, a chart, a critical event or a file name.
    pub name: String,
}

/// `canopy docs`.
#[derive(Debug, Args)]
pub struct DocsArgs {
    /// The folder to write the pages to (the book's is docs/src/reference).
    #[arg(long, value_parser = folder, value_name = "DIR")]
    pub out: PathBuf,
}

/// `canopy serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A TOML file, or the name of a built-in scenario.
    #[arg(default_value = "default")]
    pub scenario: String,
    /// The address to listen on (an IP address, or localhost); other than loopback, anyone who can reach it can use the app.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub host: String,
    /// The port to listen on (0 takes a free one).
    #[arg(long, default_value_t = canopy_serve::DEFAULT_PORT, value_name = "N")]
    pub port: u16,
    /// Open the page in the default browser once listening.
    #[arg(long)]
    pub open: bool,
}

/// `canopy seek FILE`.
#[derive(Debug, Args)]
pub struct SeekArgs {
    /// The seek file (TOML: [seek], [set], [[sample]], one [[criterion]]).
    pub file: PathBuf,
    /// Where results go.
    #[arg(long, default_value = "seek", value_name = "DIR", allow_hyphen_values = true, value_parser = folder)]
    pub out: PathBuf,
    /// Worker threads (default: every core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// No progress, only the answer.
    #[arg(long)]
    pub quiet: bool,
    /// Skip report.html and its chart.
    #[arg(long)]
    pub no_report: bool,
    /// Override a key of the scenario, as the seek file's `[set]` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", allow_hyphen_values = true, value_parser = assignment)]
    pub set: Vec<String>,
}

/// `canopy compare A B`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario A: a TOML file, or the name of a built-in scenario.
    pub a: String,
    /// Scenario B.
    pub b: String,
    /// Runs per side (default: 1 if neither scenario is random, else 100); run r of each uses the seed SEED + r.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub runs: Option<i64>,
    /// Base seed (default: A's `simulation.seed`), from 0 to 9223372036854775807.
    #[arg(long, value_name = "S", allow_negative_numbers = true, value_parser = seed)]
    pub seed: Option<i64>,
    /// Override a key of both scenarios (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", allow_hyphen_values = true, value_parser = assignment)]
    pub set: Vec<String>,
    /// Override a key of A only, after --set (repeatable).
    #[arg(long = "set-a", value_name = "KEY=VALUE", allow_hyphen_values = true, value_parser = assignment)]
    pub set_a: Vec<String>,
    /// Override a key of B only, after --set (repeatable).
    #[arg(long = "set-b", value_name = "KEY=VALUE", allow_hyphen_values = true, value_parser = assignment)]
    pub set_b: Vec<String>,
    /// A criterion: `[NAME:] METRIC < LIMIT [at end | at N]`, e.g. `usdc_floor: aegis_usdc < 1e7` (repeatable).
    #[arg(long = "criterion", value_name = "TEXT", allow_hyphen_values = true)]
    pub criterion: Vec<String>,
    /// The metrics kept month by month, comma-separated (default: the sweep's keep_months default).
    #[arg(long, value_name = "METRIC,...", value_delimiter = ',')]
    pub keep: Option<Vec<String>>,
    /// Where results go.
    #[arg(long, default_value = "compare", value_name = "DIR", allow_hyphen_values = true, value_parser = folder)]
    pub out: PathBuf,
    /// Worker threads (default: every core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// No progress, only the results.
    #[arg(long)]
    pub quiet: bool,
    /// Skip report.html and its charts.
    #[arg(long)]
    pub no_report: bool,
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
    /// Skip the deal scorecard (scorecard.csv: one more run per deal).
    #[arg(long)]
    pub no_scorecard: bool,
}

/// `canopy sweep`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    /// `merge DIR`: join the parts of a sharded sweep.
    #[command(subcommand)]
    pub command: Option<SweepCommand>,
    /// The sweep file (TOML; see SWEEP.md).
    #[arg(required = true)]
    pub file: Option<PathBuf>,
    /// Where results go.
    #[arg(long, default_value = "sweep", value_name = "DIR", allow_hyphen_values = true, value_parser = folder)]
    pub out: PathBuf,
    /// Monte Carlo runs per point (overrides `sweep.runs`).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub runs: Option<i64>,
    /// Base seed (overrides `sweep.seed`), from 0 to 9223372036854775807.
    #[arg(long, value_name = "S", allow_negative_numbers = true, value_parser = seed)]
    pub seed: Option<i64>,
    /// Worker threads (default: every core); never more than the sweep has chunks of runs.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Run only shard K of N (the runs whose `point * runs + run` leaves K - 1 divided by N), under DIR/part-K-of-N/.
    #[arg(long, value_name = "K/N", value_parser = shard)]
    pub shard: Option<canopy_sweep::Shard>,
    /// Go on with an interrupted sweep in DIR, keeping what it finished.
    #[arg(long)]
    pub resume: bool,
    /// Stop at the first run that fails (exit 1) instead of recording it.
    #[arg(long)]
    pub fail_fast: bool,
    /// No progress bar or progress lines, only the closing line.
    #[arg(long)]
    pub quiet: bool,
    /// Skip report.html and its charts.
    #[arg(long)]
    pub no_report: bool,
    /// Override a key of the scenario, as the sweep's `[set]` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", allow_hyphen_values = true, value_parser = assignment)]
    pub set: Vec<String>,
    /// A criterion, after the file's `[[criterion]]` tables: `[NAME:] METRIC < LIMIT [at end | at N]`, e.g. `usdc_floor: aegis_usdc < 1e7` (repeatable).
    #[arg(long = "criterion", value_name = "TEXT", allow_hyphen_values = true)]
    pub criterion: Vec<String>,
}

/// The subcommands of `canopy sweep`.
#[derive(Debug, Subcommand)]
pub enum SweepCommand {
    /// Join the parts (DIR/part-K-of-N/) of a sharded sweep into DIR's files.
    Merge(MergeArgs),
}

/// `canopy sweep merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The folder the shards were written to (their --out).
    #[arg(value_parser = folder)]
    pub dir: PathBuf,
    /// Skip report.html and its charts.
    #[arg(long)]
    pub no_report: bool,
    /// Only the closing line.
    #[arg(long)]
    pub quiet: bool,
}

/// A `--seed` argument: a whole number; one past i64 is named with the
/// range allowed (the sweep reader checks the rest: no negative seed).
fn seed(value: &str) -> Result<i64, String> {
    let range = "a seed is a whole number from 0 to 9223372036854775807 (2^63 - 1)";
    match value.trim().parse::<i128>() {
        Ok(n) => i64::try_from(n).map_err(|_| format!("`{value}` is out of range: {range}")),
        Err(_) => Err(format!("`{value}` is not a whole number: {range}")),
    }
}

/// A `--shard` argument.
fn shard(value: &str) -> Result<canopy_sweep::Shard, String> {
    canopy_sweep::Shard::parse(value)
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
            no_scorecard: false,
        }
    }
}

impl ScenarioArgs {
    /// The scenario and its overrides, as the scenario loader takes them.
    pub fn request(&self) -> canopy_output::scenario_source::Request {
        canopy_output::scenario_source::Request {
            scenario: self.scenario.clone(),
            months: self.months.clone(),
            set: self.set.clone(),
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
