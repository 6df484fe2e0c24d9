//! Reading a sensitivity sweep (DECIDE.md "Sensitivity"): `mode = "sobol"`
//! or `"morris"`, its settings in `[sweep]` (`samples`, `second_order`,
//! `resamples`, `levels`) and its `[[factor]]` tables, each problem where
//! it was written.

use super::*;

use crate::sensitivity::MAX_FACTORS;

/// The `[sweep]` keys of a sensitivity sweep.
pub(super) const SWEEP_KEYS: [&str; 4] = ["samples", "second_order", "resamples", "levels"];

/// The most rows a sensitivity sweep may have (each row's factor values are
/// kept for the whole sweep).
pub const MAX_ROWS: u64 = 2_000_000;

/// The default base samples of a Sobol sweep.
pub const DEFAULT_SOBOL_SAMPLES: u64 = 1024;

/// The default trajectories of a Morris sweep.
pub const DEFAULT_MORRIS_SAMPLES: u64 = 100;

/// The default bootstrap resamples of the intervals.
pub const DEFAULT_RESAMPLES: u32 = 100;

/// The default Morris grid levels.
pub const DEFAULT_LEVELS: u32 = 4;

/// The default confidence of the intervals.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// One `[[factor]]`: a key varied over a range.
#[derive(Clone, Debug, PartialEq)]
pub struct Factor {
    /// The key varied (a number key).
    pub key: Key,
    /// The range's lower end.
    pub low: f64,
    /// The range's upper end, above `low`.
    pub high: f64,
    /// Whether values are spread evenly in logarithms (both ends > 0).
    pub log: bool,
    /// Where the factor's `key` is.
    pub at: Where,
    /// Where its `range` is.
    pub range_at: Where,
}

impl Factor {
    /// The factor's value at unit value `u` in [0, 1]: `u` scaled to the
    /// range as SALib scales it (`u * (high - low) + low`), in logarithms
    /// when `log`.
    pub fn value(&self, u: f64) -> f64 {
        if self.log {
            let (lo, hi) = (self.low.ln(), self.high.ln());
            (u * (hi - lo) + lo).exp()
        } else {
            u * (self.high - self.low) + self.low
        }
    }
}

/// How the rows of a sensitivity sweep are laid out and analysed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    /// Saltelli's rows on the Sobol sequence; S1, ST (and S2).
    Sobol {
        /// Whether the rows allow second-order indices.
        second_order: bool,
    },
    /// Morris's trajectories; mu, mu_star and sigma.
    Morris {
        /// Grid levels (even).
        levels: u32,
    },
}

/// A sensitivity sweep's settings and factors.
#[derive(Clone, Debug, PartialEq)]
pub struct Sensitivity {
    /// Sobol or Morris, with its own setting.
    pub method: Method,
    /// Sobol: base samples N; Morris: trajectories.
    pub samples: u64,
    /// Bootstrap resamples of the intervals.
    pub resamples: u32,
    /// The confidence of the intervals.
    pub confidence: f64,
    /// `[[factor]]`, in file order.
    pub factors: Vec<Factor>,
}

impl Sensitivity {
    /// Rows per sample: Sobol D + 2 (2D + 2 with second order); Morris D + 1.
    pub fn rows_per_sample(&self) -> u64 {
        let d = self.factors.len() as u64;
        match self.method {
            Method::Sobol { second_order: true } => 2 * d + 2,
            Method::Sobol { .. } => d + 2,
            Method::Morris { .. } => d + 1,
        }
    }

    /// The rows (points) of the sweep.
    pub fn rows(&self) -> u64 {
        self.samples.saturating_mul(self.rows_per_sample())
    }
}

impl Sweep {
    /// Whether this is a sensitivity sweep (`mode = "sobol"` or `"morris"`).
    pub fn is_sensitivity(&self) -> bool {
        matches!(self.mode, Mode::Sobol | Mode::Morris)
    }

    /// The keys that name a point's columns: the axes', then the factors'.
    pub fn point_keys(&self) -> Vec<&str> {
        let factors = self.sensitivity.iter().flat_map(|s| &s.factors);
        self.axes
            .iter()
            .map(|a| a.key.path.as_str())
            .chain(factors.map(|f| f.key.path.as_str()))
            .collect()
    }
}

impl Reader<'_> {
    /// Reads the sensitivity settings of `[sweep]` and the `[[factor]]`
    /// tables, and checks that they go with the mode.
    pub(super) fn sensitivity(&mut self, sweep: &mut Sweep, top: &[Entry], seen: &mut Vec<Seen>) {
        let find = |k: &str| top.iter().find(|e| e.key == k).map(|e| &e.node);
        let settings: Vec<&Entry> = match find("sweep").map(|n| &n.value) {
            Some(Tree::Table(entries)) => entries
                .iter()
                .filter(|e| SWEEP_KEYS.contains(&e.key.as_str()))
                .collect(),
            _ => Vec::new(),
        };
        let factor_node = find("factor");
        let mode = sweep.mode;
        if !sweep.is_sensitivity() {
            for e in &settings {
                self.problem(
                    e.key_offset(),
                    &format!("sweep.{}", e.key),
                    format!(
                        "`{}` belongs to a sensitivity sweep (mode \"sobol\" or \"morris\"); this one's mode is \"{}\"",
                        e.key,
                        mode.name()
                    ),
                );
            }
            if let Some(n) = factor_node {
                self.problem(
                    n.offset(),
                    "factor",
                    format!(
                        "`[[factor]]` belongs to a sensitivity sweep (mode \"sobol\" or \"morris\"); this one's mode is \"{}\": vary keys with `[[axis]]` or `[[sample]]`",
                        mode.name()
                    ),
                );
            }
            return;
        }
        let mut s = Sensitivity {
            method: match mode {
                Mode::Morris => Method::Morris {
                    levels: DEFAULT_LEVELS,
                },
                _ => Method::Sobol {
                    second_order: false,
                },
            },
            samples: match mode {
                Mode::Morris => DEFAULT_MORRIS_SAMPLES,
                _ => DEFAULT_SOBOL_SAMPLES,
            },
            resamples: DEFAULT_RESAMPLES,
            confidence: DEFAULT_CONFIDENCE,
            factors: Vec::new(),
        };
        let mut samples_at = None;
        for e in settings {
            let path = format!("sweep.{}", e.key);
            let n = &e.node;
            match (e.key.as_str(), &mut s.method) {
                ("samples", _) => {
                    samples_at = Some(n.offset());
                    let kind = Kind::Whole {
                        min: 2,
                        max: MAX_ROWS as i64,
                    };
                    if let Some(Value::Int(i)) = self.value(n, &path, kind) {
                        s.samples = i as u64;
                    }
                }
                ("resamples", _) => {
                    let kind = Kind::Whole {
                        min: 2,
                        max: 100_000,
                    };
                    if let Some(Value::Int(i)) = self.value(n, &path, kind) {
                        s.resamples = i as u32;
                    }
                }
                // Each mode's own setting is checked in either mode (a file
                // may carry both, as DECIDE.md's example does) and used in its
                // own; only asking Morris for second order is refused.
                ("second_order", method) => {
                    if let Some(Value::Bool(b)) = self.value(n, &path, Kind::Bool) {
                        match method {
                            Method::Sobol { second_order } => *second_order = b,
                            Method::Morris { .. } if b => self.problem(
                                n.offset(),
                                &path,
                                "second-order indices are Sobol's (mode \"sobol\"); Morris's trajectories give none: remove it, or set it to false".into(),
                            ),
                            Method::Morris { .. } => {}
                        }
                    }
                }
                ("levels", method) => {
                    let kind = Kind::Whole { min: 2, max: 1000 };
                    match self.value(n, &path, kind) {
                        Some(Value::Int(i)) if i % 2 == 0 => {
                            if let Method::Morris { levels } = method {
                                *levels = i as u32;
                            }
                        }
                        Some(Value::Int(i)) => self.problem(
                            n.offset(),
                            &path,
                            format!(
                                "{i} is not allowed: Morris levels must be even (so that each step reaches the other half of the grid), from 2 to 1000"
                            ),
                        ),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        for (i, a) in sweep.axes.iter().enumerate() {
            let at = a.at.clone();
            self.problems.push(Problem {
                at,
                path: format!("axis[{i}]"),
                deal: None,
                message: format!(
                    "mode \"{}\" varies `[[factor]]` ranges, not axes: write `{}` as a factor with a `range`, or use mode \"grid\"",
                    mode.name(),
                    a.key.path
                ),
            });
        }
        if !sweep.common_random_numbers {
            self.problem_at(
                self.mode_at,
                "sweep.common_random_numbers",
                format!(
                    "mode \"{}\" runs every row with the same seeds (`seed` .. `seed + runs - 1`), so that rows differ by their factors alone; `common_random_numbers = false` is not allowed",
                    mode.name()
                ),
            );
        }
        match factor_node {
            None => self.problem_at(
                self.mode_at,
                "factor",
                format!(
                    "mode \"{}\" needs at least one `[[factor]]` (a key and its range)",
                    mode.name()
                ),
            ),
            Some(node) => {
                let Tree::Array(items) = &node.value else {
                    self.problem(
                        node.offset(),
                        "factor",
                        format!(
                            "expected an array of tables (`[[factor]]`), found {} ({})",
                            node.value.type_name(),
                            node.value.show()
                        ),
                    );
                    return;
                };
                for (i, item) in items.iter().enumerate() {
                    let path = format!("factor[{i}]");
                    let Some(entries) = self.table(item, &path) else {
                        continue;
                    };
                    if let Some(f) = self.factor(&path, item, entries, seen) {
                        s.factors.push(f);
                    }
                }
                if items.len() > MAX_FACTORS {
                    self.problem(
                        node.offset(),
                        "factor",
                        format!(
                            "{} factors; a sensitivity sweep may have at most {MAX_FACTORS} (the Sobol sequence's direction numbers cover {} dimensions, two per factor)",
                            items.len(),
                            2 * MAX_FACTORS
                        ),
                    );
                }
            }
        }
        let rows = s.rows();
        if !s.factors.is_empty() && rows > MAX_ROWS {
            self.problem_at(
                samples_at.or(self.mode_at),
                "sweep.samples",
                format!(
                    "{} samples of {} factors make {rows} rows ({} per sample); a sensitivity sweep may have at most {MAX_ROWS}: use fewer samples",
                    s.samples,
                    s.factors.len(),
                    s.rows_per_sample()
                ),
            );
        }
        sweep.sensitivity = Some(s);
    }

    /// One `[[factor]]`, or `None` after its problems.
    fn factor(
        &mut self,
        path: &str,
        item: &Node,
        entries: &[Entry],
        seen: &mut Vec<Seen>,
    ) -> Option<Factor> {
        self.unknown_keys(path, entries, &["key", "range", "log"]);
        let key_entry = entries.iter().find(|e| e.key == "key");
        let key = self.required_key(path, item, key_entry, "a factor", seen, false);
        let mut log = false;
        if let Some(e) = entries.iter().find(|e| e.key == "log") {
            match self.value(&e.node, &format!("{path}.log"), Kind::Bool) {
                Some(Value::Bool(b)) => log = b,
                _ => return None,
            }
        }
        let range_path = format!("{path}.range");
        let Some(range) = entries.iter().find(|e| e.key == "range") else {
            self.problem(
                item.offset(),
                &range_path,
                "missing: a factor needs a `range = [low, high]` over which it is varied".into(),
            );
            return None;
        };
        let key = key?;
        let n = &range.node;
        let range_kind = match key.kind {
            Some(Kind::Number(r)) => r,
            other => {
                let at = key_entry.map_or(item.offset(), |e| e.node.offset());
                self.problem(
                    at,
                    &format!("{path}.key"),
                    format!(
                        "`{}` takes {}; a factor varies a number key continuously over its range",
                        key.path,
                        other.map(Kind::describe).unwrap_or_default()
                    ),
                );
                return None;
            }
        };
        let ends = match &n.value {
            Tree::Array(items) if items.len() == 2 => items,
            other => {
                self.problem(
                    n.offset(),
                    &range_path,
                    format!(
                        "expected `[low, high]` (two numbers), found {} ({})",
                        other.type_name(),
                        other.show()
                    ),
                );
                return None;
            }
        };
        let low = self.number(&ends[0], &format!("{range_path}[0]"), range_kind);
        let high = self.number(&ends[1], &format!("{range_path}[1]"), range_kind);
        let (low, high) = (low?, high?);
        if low >= high {
            self.problem(
                n.offset(),
                &range_path,
                format!("the range's low end ({low}) must be below its high end ({high})"),
            );
            return None;
        }
        if log && low <= 0.0 {
            self.problem(
                n.offset(),
                &range_path,
                format!(
                    "`log = true` spreads values evenly in logarithms, so the range must be above 0; its low end is {low}"
                ),
            );
            return None;
        }
        let at = self.locate(key_entry.map_or(item.offset(), |e| e.node.offset()));
        Some(Factor {
            key,
            low,
            high,
            log,
            at,
            range_at: self.locate(n.offset()),
        })
    }
}
