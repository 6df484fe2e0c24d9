//! Finding a scenario by path or built-in name, and loading it with overrides.

use std::path::Path;

use canopy_model::scenario::load::{MAX_TEXT_BYTES, override_value};
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
        _ => match read_capped(path) {
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
    let months_set = args.set.iter().any(|s| {
        s.split_once('=')
            .is_some_and(|(k, _)| k.trim() == "simulation.months")
    });
    if let (Some(n), true) = (&args.months, months_set) {
        problems.push(problem(
            format!("--months {n}"),
            "--months and --set simulation.months both set the months; give one of them".into(),
        ));
    }
    if let Some(n) = &args.months {
        let label = format!("--months {n}");
        match override_value("simulation.months", n, label.clone()) {
            Ok(o) => overrides.push(o),
            Err(message) => problems.push(problem(label, message)),
        }
    }
    for text in &args.set {
        match parse_override(text) {
            Ok(o) => overrides.push(o),
            Err(message) => problems.push(problem(format!("--set {text}"), message)),
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

fn problem(label: String, message: String) -> Problem {
    Problem {
        at: Where::Override(label),
        path: String::new(),
        deal: None,
        message,
    }
}

fn single(source: &str, message: String) -> ScenarioError {
    ScenarioError::new(
        source,
        vec![Problem {
            at: Where::Nowhere,
            path: String::new(),
            deal: None,
            message,
        }],
    )
}

/// Reads a scenario file, refusing one larger than a scenario can be (a
/// device such as `/dev/zero` would otherwise fill the memory).
fn read_capped(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_TEXT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_TEXT_BYTES {
        return Err(std::io::Error::other(format!(
            "it is larger than {} MiB, the most a scenario file may be",
            MAX_TEXT_BYTES / (1024 * 1024)
        )));
    }
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it is not UTF-8 text (a scenario is a TOML file)",
        )
    })
}
