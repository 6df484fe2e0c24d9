//! Each run's seed and sampled values (SWEEP.md "Seeds"), its scenario,
//! and the command line that reproduces it.

use canopy_model::scenario::params::toml_string;
use canopy_model::{Scenario, ScenarioError, ValidScenario, Value};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::axis::rounded;
use crate::file::Sample;
use crate::points::Plan;

/// Seeds live in 0..2^63 (a scenario's seed is a whole number up to i64::MAX).
const SEED_MODULUS: u128 = 1 << 63;

/// The generator seed of run `run` at point `point`: `seed + run` with
/// common random numbers, else `seed + point * runs + run`; modulo 2^63.
pub fn run_seed(seed: u64, point: usize, runs: u64, run: u64, common: bool) -> u64 {
    let offset = if common {
        run as u128
    } else {
        point as u128 * runs as u128 + run as u128
    };
    ((seed as u128 + offset) % SEED_MODULUS) as u64
}

/// The sampled values of a run whose seed is `seed`: ChaCha8 seeded with
/// it, stream 1, one draw per sample in order; whole-number keys rounded.
pub fn draw(samples: &[Sample], seed: u64) -> Vec<Value> {
    if samples.is_empty() {
        return Vec::new();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(1);
    samples
        .iter()
        .map(|s| {
            let x = s.distribution.draw(&mut rng);
            if s.key.is_whole() {
                rounded(x)
            } else {
                Value::Float(x)
            }
        })
        .collect()
}

/// What a run needs besides its point: its seed and sampled values.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    /// The point, from 0.
    pub point: usize,
    /// The run within the point, from 0.
    pub run: u64,
    /// Its `simulation.seed`, which also seeds its samples.
    pub seed: u64,
    /// One value per `[[sample]]`, in file order.
    pub samples: Vec<Value>,
}

impl Plan {
    /// The seed and sampled values of run `run` at point `point` (any
    /// numbers: the seed arithmetic wraps modulo 2^63).
    pub fn run_spec(&self, point: usize, run: u64) -> RunSpec {
        let s = &self.sweep;
        let seed = run_seed(self.seed, point, s.runs, run, s.common_random_numbers);
        RunSpec {
            point,
            run,
            seed,
            samples: draw(&s.samples, seed),
        }
    }

    /// The overrides a run adds to its point's scenario: the seed, then
    /// (a sensitivity sweep's row) each factor's value, then each sample's.
    pub fn run_changes<'a>(&'a self, spec: &RunSpec) -> Vec<(&'a str, Value)> {
        let mut changes = vec![("simulation.seed", Value::from(spec.seed))];
        // A sensitivity sweep's row: its factor values.
        if let Some(sens) = &self.sweep.sensitivity {
            for (f, v) in sens.factors.iter().zip(&self.points[spec.point].values) {
                changes.push((f.key.path.as_str(), v.clone()));
            }
        }
        for (s, v) in self.sweep.samples.iter().zip(&spec.samples) {
            changes.push((s.key.path.as_str(), v.clone()));
        }
        changes
    }

    /// The scenario of a run: its point's scenario with the run's seed and
    /// sampled values. An error is the run's status `invalid` (a draw
    /// outside a key's range), not the sweep's. Panics if `spec.point` is
    /// not a point of the plan.
    pub fn run_scenario(&self, spec: &RunSpec) -> Result<ValidScenario, ScenarioError> {
        self.points[spec.point]
            .scenario
            .with(&self.run_changes(spec))
    }

    /// [`Plan::run_scenario`], made in the memory of `spare` (the last
    /// run's scenario, given back by [`ValidScenario::into_inner`]).
    pub fn run_scenario_reusing(
        &self,
        spec: &RunSpec,
        spare: Scenario,
    ) -> Result<ValidScenario, ScenarioError> {
        self.points[spec.point]
            .scenario
            .with_reusing(&self.run_changes(spec), spare)
    }

    /// The command that reproduces a run alone: `canopy run SCENARIO --set
    /// simulation.seed=S --set KEY=VALUE ...` with `[set]`, the point's axis
    /// values and the run's samples, numbers written so that they read back
    /// as the same f64, and every word quoted for a POSIX shell as needed.
    /// The scenario is named as the sweep names it (a path relative to the
    /// sweep file stays so). Panics if `spec.point` is not a point of the plan.
    pub fn command_line(&self, spec: &RunSpec) -> String {
        let p = &self.points[spec.point];
        let mut words = vec![
            "canopy".to_string(),
            "run".into(),
            shell_word(&p.scenario_name),
        ];
        let mut push = |key: &str, v: &Value| {
            words.push("--set".into());
            words.push(shell_word(&format!("{key}={}", value_text(v))));
        };
        push("simulation.seed", &Value::from(spec.seed));
        for s in &self.sweep.set {
            push(&s.key.path, &s.value);
        }
        for (a, v) in self.sweep.axes.iter().zip(&p.point.values) {
            if let (false, Some(v)) = (a.key.is_scenario(), v) {
                push(&a.key.path, v);
            }
        }
        if let Some(sens) = &self.sweep.sensitivity {
            for (f, v) in sens.factors.iter().zip(&p.values) {
                push(&f.key.path, v);
            }
        }
        for (s, v) in self.sweep.samples.iter().zip(&spec.samples) {
            push(&s.key.path, v);
        }
        words.join(" ")
    }
}

/// A value as `--set` reads it back exactly: floats in Rust's shortest
/// round-trip form (`{:?}`, `1e16`, `0.1`), strings as TOML strings (so
/// that `"true"` stays a string).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Float(x) => format!("{x:?}"),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Str(s) => toml_string(s),
        Value::List(xs) => format!(
            "[{}]",
            xs.iter()
                .map(|x| format!("{x:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `w` as one word for a POSIX shell: as it is when it holds only safe
/// characters, else in single quotes.
pub fn shell_word(w: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-.,/:=@%+".contains(c);
    if !w.is_empty() && w.chars().all(safe) {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_word("stress"), "stress");
        assert_eq!(shell_word("deal[0].x=1"), "'deal[0].x=1'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
