//! Reading a sweep file (SWEEP.md "Sweep file"): `[sweep]`, `[set]`,
//! `[[axis]]` and `[[sample]]`, every problem reported at once with its
//! line and column.
//!
//! The text is parsed with positions kept, then each table is read against
//! the keys it allows; keys are checked against the scenario's parameter
//! table (no scenario is needed for that). Whether a value suits its key is
//! checked later, point by point, on the scenario itself
//! ([`crate::points::plan`]).

use canopy_model::NAMES;
use canopy_model::scenario::edit::{KeyPath, Shape, classify};
use canopy_model::scenario::params::{self, Kind, Range, Value};
use canopy_model::scenario::validate::{Given, Where};
use toml::de::DeValue;

mod axes;
mod criteria;
mod factors;
pub mod keys;
mod seek;
mod set;
mod settings;

pub use factors::{Factor, Method, Sensitivity};
pub use seek::{Goal, SeekFile, read_seek};
use set::flatten;

use canopy_model::scenario::tree::{Entry, Node, Origin, Tree, convert, parse};

use crate::axis::{self, AxisSpec};
use crate::criteria::Criterion;
use crate::error::{Problem, SweepError};
use crate::sample::Distribution;

pub use crate::defaults::{
    DEFAULT_CONFIDENCE, DEFAULT_KEEP_MONTHS, DEFAULT_QUANTILES, DEFAULT_TAIL, MAX_RUNS, MAX_STEPS,
    SCENARIO_AXIS,
};

/// How the axes make points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Every combination, the first axis varying slowest.
    Grid,
    /// The axes advance together.
    Zip,
    /// One at a time: the scenario as it is, then each axis value alone.
    Oat,
    /// Sobol indices: factors over ranges, rows laid out as Saltelli's.
    Sobol,
    /// Morris screening: factors over ranges, rows in trajectories.
    Morris,
}

impl Mode {
    /// The name in a sweep file.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Grid => "grid",
            Mode::Zip => "zip",
            Mode::Oat => "oat",
            Mode::Sobol => "sobol",
            Mode::Morris => "morris",
        }
    }

    const NAMES: [&'static str; 5] = ["grid", "zip", "oat", "sobol", "morris"];
}

/// A key of the scenario named in a sweep, and what kind of value it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// The dotted path as `--set` takes it, normalised (`deal[3].oak.amount`).
    pub path: String,
    /// The parameter's kind; `None` for the `scenario` axis.
    pub kind: Option<Kind>,
}

impl Key {
    /// Whether values for this key are whole numbers (rounded when drawn
    /// or spaced).
    pub fn is_whole(&self) -> bool {
        matches!(self.kind, Some(Kind::Whole { .. }))
    }

    /// Whether this is the `scenario` axis.
    pub fn is_scenario(&self) -> bool {
        self.kind.is_none()
    }
}

/// One `[set]` override.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// The key.
    pub key: Key,
    /// The value as written (integers exact).
    pub value: Value,
    /// Where the value is.
    pub at: Where,
}

/// One `[[axis]]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The key swept.
    pub key: Key,
    /// How its values were given, as written.
    pub spec: AxisSpec,
    /// Its values, in order (spaced values rounded on whole-number keys).
    pub values: Vec<Value>,
    /// Where each value is (the item of `values`, or the spacing table).
    pub value_at: Vec<Where>,
    /// Where the axis's `key` is.
    pub at: Where,
}

/// One `[[sample]]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The key sampled.
    pub key: Key,
    /// Its distribution.
    pub distribution: Distribution,
    /// Where the sample's `key` is.
    pub at: Where,
}

/// A sweep file, read and checked, with every default filled in except the
/// seed (whose default is the scenario's).
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// The sweep file's name, for messages.
    pub source_name: String,
    /// The scenario swept (a built-in name or a path as written); `None`
    /// when `scenario` is an axis.
    pub scenario: Option<String>,
    /// Where `sweep.scenario` is.
    pub scenario_at: Where,
    /// Monte Carlo runs per point, 1..=1e9.
    pub runs: u64,
    /// The base seed; `None`: the scenario's `simulation.seed`.
    pub seed: Option<u64>,
    /// How the axes make points.
    pub mode: Mode,
    /// The same seeds and sampled values at every point.
    pub common_random_numbers: bool,
    /// The metrics kept for every run and month.
    pub keep_months: Vec<String>,
    /// The quantiles of the bands.
    pub quantiles: Vec<f64>,
    /// `[set]`, in file order.
    pub set: Vec<Setting>,
    /// `[[axis]]`, in file order.
    pub axes: Vec<Axis>,
    /// `[[sample]]`, in file order.
    pub samples: Vec<Sample>,
    /// `[[criterion]]` in file order, then the command line's.
    pub criteria: Vec<Criterion>,
    /// The confidence level of the criteria's intervals (and of a
    /// sensitivity sweep's).
    pub confidence: f64,
    /// The tail of the expected shortfall columns (0.05: the worst 5 %).
    pub tail: f64,
    /// A sensitivity sweep's settings and `[[factor]]`s (mode "sobol" or
    /// "morris"); `None` otherwise.
    pub sensitivity: Option<Sensitivity>,
}

impl Sweep {
    /// The axis that sweeps whole scenarios, if there is one.
    pub fn scenario_axis(&self) -> Option<usize> {
        self.axes.iter().position(|a| a.key.is_scenario())
    }
}

/// What the command line changes in a sweep file (`canopy sweep --runs N
/// --seed S --set KEY=VALUE`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommandLine {
    /// `--runs`: Monte Carlo runs per point.
    pub runs: Option<i64>,
    /// `--seed`: the base seed.
    pub seed: Option<i64>,
    /// `--set KEY=VALUE`, in order: overrides of the scenario, as `[set]`.
    /// A key that `[set]` gives too takes the command line's value; a key
    /// that is an axis or a sample is refused.
    pub sets: Vec<String>,
    /// `--criterion TEXT`, in order: criteria after the file's.
    pub criteria: Vec<String>,
}

/// Reads a sweep file's text (named `source_name` in messages).
pub fn read(source_name: &str, text: &str) -> Result<Sweep, SweepError> {
    read_with(source_name, text, &CommandLine::default())
}

/// Reads a sweep file's text with the command line's changes; a problem
/// with one of them names it (`--set KEY=VALUE`) as its place.
pub fn read_with(
    source_name: &str,
    text: &str,
    command_line: &CommandLine,
) -> Result<Sweep, SweepError> {
    let mut r = Reader {
        line_starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        text,
        problems: Vec::new(),
        given: None,
        mode_at: None,
    };
    if text.len() > canopy_model::scenario::MAX_TEXT_BYTES {
        r.problems.push(Problem {
            at: Where::Nowhere,
            path: String::new(),
            deal: None,
            message: format!(
                "the sweep file is {} bytes long; it may be at most 16 MiB",
                text.len()
            ),
        });
        return Err(SweepError::new(source_name, r.problems));
    }
    let top = match parse(text) {
        Ok(top) => top,
        Err(problems) => {
            for p in problems {
                let message = if p.too_deep {
                    format!("{} (a sweep file needs 3)", p.message)
                } else {
                    format!("TOML syntax error: {}", p.message)
                };
                r.problem_at(p.at, "", message);
            }
            return Err(SweepError::new(source_name, r.problems));
        }
    };
    let sweep = r.sweep(source_name, &top, command_line);
    if r.problems.is_empty() {
        Ok(sweep)
    } else {
        Err(SweepError::new(source_name, r.problems))
    }
}

/// What `runs` allows, in every file and on the command line.
const RUNS: Kind = Kind::Whole {
    min: 1,
    max: MAX_RUNS,
};
/// What a base seed allows.
const SEED: Kind = Kind::Whole {
    min: 0,
    max: i64::MAX,
};
/// What a confidence level allows.
const CONFIDENCE: Range = Range::RightOpen(0.5, 1.0);

struct Reader<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    problems: Vec<Problem>,
    /// While a command-line option is read: what gave it, which stands for
    /// every position in it.
    given: Option<Given>,
    /// Where `sweep.mode` is, for problems of the mode as a whole.
    mode_at: Option<usize>,
}

/// Where a key was first given, to refuse it a second time.
struct Seen {
    path: KeyPath,
    at: Where,
    table: &'static str,
}

impl Reader<'_> {
    fn locate(&self, pos: usize) -> Where {
        if let Some(given) = &self.given {
            return Where::Override(given.clone());
        }
        let line = self.line_starts.partition_point(|&s| s <= pos);
        let start = self.line_starts[line.max(1) - 1];
        let column = self
            .text
            .get(start..pos)
            .map_or(1, |t| t.chars().count() + 1);
        Where::Text { line, column }
    }

    fn problem_at(&mut self, pos: Option<usize>, path: &str, message: String) {
        let at = pos.map_or(Where::Nowhere, |p| self.locate(p));
        self.problems.push(Problem {
            at,
            path: path.to_string(),
            deal: None,
            message,
        });
    }

    fn problem(&mut self, pos: usize, path: &str, message: String) {
        self.problem_at(Some(pos), path, message);
    }

    fn unknown_keys(&mut self, path: &str, entries: &[Entry], known: &[&str]) {
        for e in entries {
            if !known.contains(&e.key.as_str()) {
                self.problem(
                    e.key_offset(),
                    &join(path, &params::short(&e.key)),
                    format!(
                        "unknown key `{}`; {}",
                        params::short(&e.key),
                        params::suggest(&e.key, known)
                    ),
                );
            }
        }
    }

    fn table<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n [Entry]> {
        match &node.value {
            Tree::Table(entries) => Some(entries),
            other => {
                self.problem(
                    node.offset(),
                    path,
                    format!(
                        "expected a table, found {} ({})",
                        other.type_name(),
                        other.show()
                    ),
                );
                None
            }
        }
    }

    /// A value checked against `kind`, in the kind's own form.
    fn value(&mut self, node: &Node, path: &str, kind: Kind) -> Option<Value> {
        let checked = match node.value.value() {
            Some(v) => kind.check_shown(&v, || node.value.show()),
            None => Err(format!(
                "expected {}, found {} ({})",
                kind.describe(),
                node.value.type_name(),
                node.value.show()
            )),
        };
        match checked {
            Ok(v) => Some(v),
            Err(message) => {
                self.problem(node.offset(), path, message);
                None
            }
        }
    }

    fn number(&mut self, node: &Node, path: &str, range: Range) -> Option<f64> {
        self.value(node, path, Kind::Number(range))
            .and_then(|v| v.as_f64())
    }

    fn sweep(&mut self, source_name: &str, top: &[Entry], command_line: &CommandLine) -> Sweep {
        self.unknown_keys(
            "",
            top,
            &["sweep", "set", "axis", "sample", "factor", "criterion"],
        );
        let mut sweep = Sweep {
            source_name: source_name.to_string(),
            scenario: None,
            scenario_at: Where::Nowhere,
            runs: 1,
            seed: None,
            mode: Mode::Grid,
            common_random_numbers: true,
            keep_months: DEFAULT_KEEP_MONTHS.iter().map(|s| s.to_string()).collect(),
            quantiles: DEFAULT_QUANTILES.to_vec(),
            set: Vec::new(),
            axes: Vec::new(),
            samples: Vec::new(),
            criteria: Vec::new(),
            confidence: DEFAULT_CONFIDENCE,
            tail: DEFAULT_TAIL,
            sensitivity: None,
        };
        let find = |k: &str| top.iter().find(|e| e.key == k).map(|e| &e.node);
        let mut seen = Vec::new();
        let mut scenario_node = None;
        if let Some(node) = find("sweep")
            && let Some(entries) = self.table(node, "sweep")
        {
            scenario_node = self.settings(&mut sweep, entries);
        }
        if let Some(node) = find("set")
            && let Some(entries) = self.table(node, "set")
        {
            let mut flat = Vec::new();
            flatten("", entries, &mut flat);
            for (path, e) in flat {
                self.setting(&mut sweep, &mut seen, &path, e);
            }
        }
        for (name, is_axis) in [("axis", true), ("sample", false)] {
            let Some(node) = find(name) else { continue };
            let Tree::Array(items) = &node.value else {
                self.problem(
                    node.offset(),
                    name,
                    format!(
                        "expected an array of tables (`[[{name}]]`), found {} ({})",
                        node.value.type_name(),
                        node.value.show()
                    ),
                );
                continue;
            };
            for (i, item) in items.iter().enumerate() {
                let path = format!("{name}[{i}]");
                let Some(entries) = self.table(item, &path) else {
                    continue;
                };
                if is_axis {
                    if let Some(a) = self.axis(&path, item, entries, &mut seen) {
                        sweep.axes.push(a);
                    }
                } else if let Some(s) = self.sample(&path, item, entries, &mut seen) {
                    sweep.samples.push(s);
                }
            }
        }
        self.sensitivity(&mut sweep, top, &mut seen);
        if let Some(sens) = sweep.sensitivity.as_mut() {
            sens.confidence = sweep.confidence;
        }
        sweep.criteria = self.criteria(top);
        self.command_line(&mut sweep, &mut seen, command_line);
        self.criterion_texts(&command_line.criteria, &mut sweep.criteria);
        self.check_criteria(&sweep);
        let axis = sweep.scenario_axis();
        match (scenario_node, axis) {
            (Some((pos, _)), Some(i)) => self.problem(
                pos,
                "sweep.scenario",
                format!(
                    "not allowed: `scenario` is an axis (axis[{i}]), whose values are the scenarios swept"
                ),
            ),
            (Some((_, name)), None) => sweep.scenario = Some(name),
            (None, Some(_)) => {}
            // An axis on `scenario` whose values are wrong is problem enough.
            (None, None) if scenario_axis_given(top) => {}
            (None, None) => self.problem_at(
                None,
                "sweep.scenario",
                "missing: the sweep needs a scenario (a built-in name or a scenario file), or an axis with key = \"scenario\"".into(),
            ),
        }
        if let (Some(i), Mode::Oat) = (axis, sweep.mode) {
            let at = match &sweep.axes[i].at {
                Where::Text { .. } => sweep.axes[i].at.clone(),
                _ => Where::Nowhere,
            };
            self.problems.push(Problem {
                at,
                path: format!("axis[{i}].key"),
                deal: None,
                message: "mode \"oat\" varies one key at a time around one scenario; `scenario` cannot be an axis there (use \"grid\")".into(),
            });
        }
        if sweep.mode == Mode::Zip
            && let Some(first) = sweep.axes.first()
            && sweep
                .axes
                .iter()
                .any(|a| a.values.len() != first.values.len())
        {
            let lengths: Vec<String> = sweep
                .axes
                .iter()
                .map(|a| format!("{} has {}", a.key.path, a.values.len()))
                .collect();
            self.problem_at(
                self.mode_at,
                "sweep.mode",
                format!(
                    "mode \"zip\" advances the axes together, so they need as many values each: {}",
                    lengths.join(", ")
                ),
            );
        }
        sweep
    }
}

/// Whether an `[[axis]]` has `key = "scenario"`, whatever else is wrong
/// with it.
fn scenario_axis_given(top: &[Entry]) -> bool {
    let Some(Tree::Array(items)) = top.iter().find(|e| e.key == "axis").map(|e| &e.node.value)
    else {
        return false;
    };
    items.iter().any(|item| match &item.value {
        Tree::Table(entries) => entries
            .iter()
            .any(|e| e.key == "key" && matches!(&e.node.value, Tree::Str(k) if k == SCENARIO_AXIS)),
        _ => false,
    })
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}
