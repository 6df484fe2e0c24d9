//! Reading a seek file (DECIDE.md, "Seek"): `[seek]`, `[set]`,
//! `[[sample]]` and exactly one `[[criterion]]`, every problem at once with
//! its line and column.

use canopy_model::scenario::params::{Kind, Range, Value};
use canopy_model::scenario::tree::{Entry, Tree, parse};
use canopy_model::scenario::validate::Where;

use super::{CommandLine, Key, Reader, Sweep, flatten};
use crate::defaults::{DEFAULT_CONFIDENCE, DEFAULT_QUANTILES, DEFAULT_TAIL};
use crate::error::{Problem, SweepError};

/// The default number of values scanned.
pub const DEFAULT_SCAN: i64 = 9;

/// The most values a scan may have.
pub const MAX_SCAN: i64 = 1000;

/// Which end of the safe values a seek looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// The largest safe value.
    Largest,
    /// The smallest safe value.
    Smallest,
}

impl Goal {
    /// Its name in a seek file.
    pub fn name(self) -> &'static str {
        match self {
            Goal::Largest => "largest",
            Goal::Smallest => "smallest",
        }
    }
}

/// A seek file, read and checked.
#[derive(Clone, Debug, PartialEq)]
pub struct SeekFile {
    /// The sweep each evaluated value runs: the scenario, runs, seed,
    /// `[set]`, samples, the criterion and the confidence; no axes (the
    /// key is set to each value as a one-value axis).
    pub sweep: Sweep,
    /// The key sought: a numeric scenario key.
    pub key: Key,
    /// Where the key is.
    pub key_at: Where,
    /// The range's low end.
    pub low: f64,
    /// The range's high end.
    pub high: f64,
    /// Which end of the safe values.
    pub goal: Goal,
    /// The largest probability that is safe.
    pub max_probability: f64,
    /// Stop bisecting when a bracket is this narrow.
    pub tolerance: f64,
    /// The values of the first scan.
    pub scan: usize,
}

/// Reads a seek file's text (`source_name` in messages), with `--set`
/// overrides from `command_line` (its runs and seed are not used).
pub fn read_seek(
    source_name: &str,
    text: &str,
    command_line: &CommandLine,
) -> Result<SeekFile, SweepError> {
    let mut r = Reader {
        line_starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        text,
        problems: Vec::new(),
        given: None,
        mode_at: None,
    };
    let top = match parse(text) {
        Ok(top) => top,
        Err(problems) => {
            for p in problems {
                r.problem_at(p.at, "", format!("TOML syntax error: {}", p.message));
            }
            return Err(SweepError::new(source_name, r.problems));
        }
    };
    let seek = r.seek(source_name, &top, command_line);
    match seek {
        Some(s) if r.problems.is_empty() => Ok(s),
        _ => Err(SweepError::new(source_name, r.problems)),
    }
}

impl Reader<'_> {
    fn seek(&mut self, source_name: &str, top: &[Entry], c: &CommandLine) -> Option<SeekFile> {
        self.unknown_keys("", top, &["seek", "set", "sample", "criterion"]);
        let mut sweep = Sweep {
            source_name: source_name.to_string(),
            scenario: None,
            scenario_at: Where::Nowhere,
            runs: 1000,
            seed: None,
            mode: super::Mode::Grid,
            common_random_numbers: true,
            keep_months: Vec::new(),
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
        let mut key = None;
        let mut key_at = Where::Nowhere;
        let (mut low, mut high) = (None, None);
        let mut goal = Goal::Largest;
        let mut max_probability = None;
        let mut tolerance = None;
        let mut scan = DEFAULT_SCAN as usize;
        let mut seek_at = None;
        match find("seek") {
            None => self.problem_at(
                None,
                "seek",
                "missing: a seek file needs a [seek] table (scenario, key, low, high, max_probability, ...)".into(),
            ),
            Some(node) => {
                seek_at = Some(node.offset());
                if let Some(entries) = self.table(node, "seek") {
                    self.unknown_keys("seek", entries, &super::keys::keys_of("seek"));
                    for e in entries {
                        let path = format!("seek.{}", e.key);
                        let n = &e.node;
                        match e.key.as_str() {
                            "scenario" => {
                                if let Some(Value::Str(s)) = self.value(n, &path, Kind::Text) {
                                    sweep.scenario_at = self.locate(n.offset());
                                    sweep.scenario = Some(s);
                                }
                            }
                            "key" => {
                                key_at = self.locate(n.offset());
                                key = self.key(n, &path, "[seek]", &mut seen, false);
                                if let Some(k) = &key
                                    && !matches!(k.kind, Some(Kind::Number(_) | Kind::Whole { .. }))
                                {
                                    self.problem(
                                        n.offset(),
                                        &path,
                                        format!(
                                            "`{}` is not numeric; seek looks for a number (a numeric scenario key)",
                                            k.path
                                        ),
                                    );
                                    key = None;
                                }
                            }
                            "low" => low = self.number(n, &path, Range::Any),
                            "high" => high = self.number(n, &path, Range::Any),
                            "goal" => {
                                if let Some(Value::Str(s)) =
                                    self.value(n, &path, Kind::Choice(&["largest", "smallest"]))
                                {
                                    goal = if s == "smallest" {
                                        Goal::Smallest
                                    } else {
                                        Goal::Largest
                                    };
                                }
                            }
                            "runs" | "seed" => self.runs_or_seed(&mut sweep, n, &path, &e.key),
                            "max_probability" => {
                                max_probability =
                                    self.number(n, &path, Range::RightOpen(0.0, 1.0));
                            }
                            "confidence" => {
                                if let Some(x) = self.number(n, &path, super::CONFIDENCE) {
                                    sweep.confidence = x;
                                }
                            }
                            "tolerance" => tolerance = self.number(n, &path, Range::Positive),
                            "scan" => {
                                let kind = Kind::Whole {
                                    min: 2,
                                    max: MAX_SCAN,
                                };
                                if let Some(Value::Int(i)) = self.value(n, &path, kind) {
                                    scan = i as usize;
                                }
                            }
                            _ => {}
                        }
                    }
                    let missing: Vec<&str> = ["scenario", "key", "low", "high", "max_probability", "tolerance"]
                        .into_iter()
                        .filter(|k| !entries.iter().any(|e| e.key == *k))
                        .collect();
                    for k in missing {
                        self.problem_at(
                            seek_at,
                            &format!("seek.{k}"),
                            format!("missing: [seek] needs `{k}`"),
                        );
                    }
                }
            }
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
        if let Some(node) = find("sample") {
            match &node.value {
                Tree::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let path = format!("sample[{i}]");
                        if let Some(entries) = self.table(item, &path)
                            && let Some(s) = self.sample(&path, item, entries, &mut seen)
                        {
                            sweep.samples.push(s);
                        }
                    }
                }
                other => self.problem(
                    node.offset(),
                    "sample",
                    format!(
                        "expected an array of tables (`[[sample]]`), found {} ({})",
                        other.type_name(),
                        other.show()
                    ),
                ),
            }
        }
        sweep.criteria = self.criteria(top);
        if sweep.criteria.len() != 1 {
            self.problems.push(Problem {
                at: Where::Nowhere,
                path: "criterion".into(),
                deal: None,
                message: format!(
                    "a seek needs exactly one [[criterion]], the event to keep rare; {} given",
                    sweep.criteria.len()
                ),
            });
        }
        let only = CommandLine {
            sets: c.sets.clone(),
            ..CommandLine::default()
        };
        self.command_line(&mut sweep, &mut seen, &only);
        self.check_criteria(&sweep);
        let key = key?;
        let (low, high) = (low?, high?);
        if low >= high {
            self.problem_at(
                seek_at,
                "seek.high",
                format!("the range is empty: high ({high}) must be above low ({low})"),
            );
        }
        let mut tolerance = tolerance?;
        if key.is_whole() {
            if low.fract() != 0.0 || high.fract() != 0.0 {
                self.problem_at(
                    seek_at,
                    "seek.low",
                    format!(
                        "`{}` takes whole numbers: low and high must be whole",
                        key.path
                    ),
                );
            }
            tolerance = tolerance.max(1.0);
        }
        Some(SeekFile {
            sweep,
            key,
            key_at,
            low,
            high,
            goal,
            max_probability: max_probability?,
            tolerance,
            scan,
        })
    }
}
