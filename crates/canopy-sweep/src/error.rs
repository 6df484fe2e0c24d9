//! The error of a bad sweep: every problem at once, in the style of the
//! scenario reader's [`ScenarioError`](canopy_model::ScenarioError).

use std::fmt;

pub use canopy_model::scenario::validate::Problem;
use canopy_model::scenario::validate::{
    Plain, Worded, Wording, WriteWorded, keep_some, write_problems,
};

/// Every problem found in a sweep file and in the scenarios of its points.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct SweepError {
    /// The sweep file's name, as messages give it.
    pub source_name: String,
    /// The problems, in the order found. A point's problem names the point
    /// in its message (`... (point 3: leaf_price.volatility = 0.1)`).
    pub problems: Vec<Problem>,
    /// Problems found but not kept (past the model's `MAX_KEPT`).
    pub omitted: usize,
}

impl SweepError {
    /// An error about `source_name` with these problems.
    pub fn new(source_name: &str, problems: Vec<Problem>) -> Self {
        let (problems, omitted) = keep_some(problems);
        SweepError {
            source_name: source_name.to_string(),
            problems,
            omitted,
        }
    }
}

impl SweepError {
    /// The error, the origins of its settings named by `words` (a front
    /// end's flags or arguments).
    pub fn worded<'a>(&'a self, words: &'a dyn Wording) -> Worded<'a, SweepError> {
        Worded::new(self, words)
    }
}

impl WriteWorded for SweepError {
    fn write_worded(&self, f: &mut fmt::Formatter<'_>, words: &dyn Wording) -> fmt::Result {
        write_problems(
            f,
            "sweep",
            &self.source_name,
            &self.problems,
            self.omitted,
            words,
        )
    }
}

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_worded(f, &Plain)
    }
}
