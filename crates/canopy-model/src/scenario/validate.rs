//! Checks that span several keys, and the error type for bad scenarios.

use std::fmt;

use super::Scenario;

/// Where in the input a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Where {
    /// Line and column (both from 1) in the scenario text.
    Text {
        /// Line, from 1.
        line: usize,
        /// Column in characters, from 1.
        column: usize,
    },
    /// A `--set` override, as given.
    Override(String),
    /// Nowhere in particular.
    Nowhere,
}

impl Where {
    /// The line and column of byte offset `pos` in `text`.
    pub fn at(text: &str, pos: usize) -> Where {
        let pos = pos.min(text.len());
        let before = text.get(..pos).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Where::Text { line, column }
    }
}

/// One thing wrong with a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Where it is.
    pub at: Where,
    /// The key path, such as `deal[3].leaf_pair.target_ratio` (empty if none).
    pub path: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// Every problem found in one scenario.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct ScenarioError {
    /// The file name or built-in name the scenario came from.
    pub source_name: String,
    /// The problems, in the order found.
    pub problems: Vec<Problem>,
}

impl ScenarioError {
    /// An error about `source_name` with these problems.
    pub fn new(source_name: &str, problems: Vec<Problem>) -> Self {
        ScenarioError {
            source_name: source_name.to_string(),
            problems,
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [only] = self.problems.as_slice()
            && only.at == Where::Nowhere
            && only.path.is_empty()
        {
            // Not about a key (a file that cannot be read): one plain line.
            return write!(f, "scenario {}: {}", self.source_name, only.message);
        }
        let n = self.problems.len();
        write!(
            f,
            "scenario {} is not valid ({n} problem{}):",
            self.source_name,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n  {}", self.source_name)?;
            match &p.at {
                Where::Text { line, column } => write!(f, ":{line}:{column}")?,
                Where::Override(text) => write!(f, " (--set {text})")?,
                Where::Nowhere => {}
            }
            if p.path.is_empty() {
                write!(f, ": {}", p.message)?;
            } else {
                write!(f, ": {}: {}", p.path, p.message)?;
            }
        }
        Ok(())
    }
}

/// A scenario that passed every check; the engine runs only these.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidScenario(Scenario);

impl ValidScenario {
    /// The scenario.
    pub fn get(&self) -> &Scenario {
        &self.0
    }

    /// Gives the scenario back, to change it and validate again.
    pub fn into_inner(self) -> Scenario {
        self.0
    }
}

impl std::ops::Deref for ValidScenario {
    type Target = Scenario;
    fn deref(&self) -> &Scenario {
        &self.0
    }
}

impl Scenario {
    /// Checks a scenario built in code (no file positions to report).
    pub fn validate(self) -> Result<ValidScenario, ScenarioError> {
        // Round-trip through the reader so that code-built scenarios get
        // exactly the checks that files get.
        let text = self.to_toml();
        super::load::load("scenario", &text, &[])
    }
}

/// Runs the checks that involve several keys, after reading.
pub(super) fn validate(
    source: &str,
    s: Scenario,
    mut problems: Vec<Problem>,
    spots: Vec<(String, Where)>,
) -> Result<ValidScenario, ScenarioError> {
    let spot = |path: &str| {
        spots
            .iter()
            .find(|(p, _)| p == path)
            .map_or(Where::Nowhere, |(_, w)| w.clone())
    };
    let mut add = |path: String, message: String| {
        problems.push(Problem {
            at: spot(&path),
            path,
            message,
        })
    };

    if s.oak.redemption_end_month <= s.oak.redemption_start_month {
        add(
            "oak.redemption_end_month".into(),
            format!(
                "{} is not allowed: the redemption window must end after it starts (redemption_start_month = {})",
                s.oak.redemption_end_month, s.oak.redemption_start_month
            ),
        );
    }
    if s.leaf_price.min >= s.leaf_price.max {
        add(
            "leaf_price.max".into(),
            format!(
                "{} is not allowed: it must be above leaf_price.min ({})",
                s.leaf_price.max, s.leaf_price.min
            ),
        );
    }

    let mut allocated = 0.0;
    for (i, d) in s.deals.iter().enumerate() {
        if let Some(first) = s.deals[..i].iter().position(|o| o.id == d.id) {
            let given = spots.iter().any(|(p, _)| *p == format!("deal[{i}].id"));
            add(
                if given {
                    format!("deal[{i}].id")
                } else {
                    format!("deal[{i}]")
                },
                format!(
                    "duplicate deal id {:?}: deal[{first}] has it too; give one of them an `id`",
                    d.id
                ),
            );
        }
        if let Some(oak) = &d.oak {
            allocated += oak.amount;
        }
        if let Some(pair) = &d.leaf_pair {
            let cost = pair.leaf_tokens * s.leaf_price.initial;
            if cost > pair.amount {
                add(
                    format!("deal[{i}].leaf_pair.leaf_tokens"),
                    format!(
                        "{} LEAF at the initial price of {} is worth {cost}, more than the pair's amount ({}): the pair would start with negative USDC",
                        pair.leaf_tokens, s.leaf_price.initial, pair.amount
                    ),
                );
            }
        }
    }
    if allocated > s.oak.total_supply {
        add(
            "oak.total_supply".into(),
            format!(
                "the deals allocate {allocated} OAK, more than the total supply of {}",
                s.oak.total_supply
            ),
        );
    }

    if problems.is_empty() {
        Ok(ValidScenario(s))
    } else {
        // In file order; overrides after the file.
        problems.sort_by_key(|p| match p.at {
            Where::Text { line, column } => (0, line, column),
            Where::Override(_) => (1, 0, 0),
            Where::Nowhere => (2, 0, 0),
        });
        Err(ScenarioError::new(source, problems))
    }
}
