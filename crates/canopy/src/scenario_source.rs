//! Finding a scenario by path or built-in name, and loading it with overrides.

use std::path::Path;

use canopy_model::scenario::parse_override;
use canopy_model::scenario::validate::{Problem, Where};
use canopy_model::{ScenarioError, ValidScenario, builtin, load};

use crate::cli::ScenarioArgs;

/// Loads and validates the scenario the arguments name.
pub fn resolve(args: &ScenarioArgs) -> Result<ValidScenario, ScenarioError> {
    let name = args.scenario.as_str();
    let path = Path::new(name);
    let looks_like_file = path.extension().is_some() || name.contains(std::path::MAIN_SEPARATOR);
    let (source, text) = match builtin::text(name) {
        Some(text) if !path.is_file() => (name.to_string(), text.to_string()),
        _ => match std::fs::read_to_string(path) {
            Ok(text) => (name.to_string(), text),
            Err(e) => {
                let known: Vec<&str> = builtin::names().collect();
                let message = if looks_like_file || path.exists() {
                    format!("cannot read the scenario file: {e}")
                } else {
                    format!(
                        "no scenario file or built-in scenario of that name ({e}); the built-in scenarios are {}",
                        known.join(", ")
                    )
                };
                return Err(single(name, message));
            }
        },
    };

    let mut overrides = Vec::new();
    let mut problems = Vec::new();
    let months = args
        .months
        .as_ref()
        .map(|n| format!("simulation.months={n}"));
    for text in months.iter().chain(&args.set) {
        match parse_override(text) {
            Ok(o) => overrides.push(o),
            Err(message) => problems.push(Problem {
                at: Where::Override(text.clone()),
                path: String::new(),
                message,
            }),
        }
    }
    // Malformed overrides are reported with whatever the file itself has wrong.
    match load(&source, &text, &overrides) {
        Ok(s) if problems.is_empty() => Ok(s),
        Ok(_) => Err(ScenarioError::new(&source, problems)),
        Err(mut e) => {
            e.problems.extend(problems);
            Err(e)
        }
    }
}

fn single(source: &str, message: String) -> ScenarioError {
    ScenarioError::new(
        source,
        vec![Problem {
            at: Where::Nowhere,
            path: String::new(),
            message,
        }],
    )
}
