//! Where scenarios come from: a built-in name or a file, loaded with the
//! overrides of `--months` and `--set`. Every front end (the command line,
//! sweeps, the web app, the Python package) loads through it, so that all
//! report the same problems in the same words.

use std::path::Path;

use canopy_model::scenario::validate::{Problem, Where};
use canopy_model::scenario::{Given, parse_override};
use canopy_model::scenario::{MAX_TEXT_BYTES, override_value};
use canopy_model::{ScenarioError, ValidScenario, builtin, load};

/// Which scenario, and changes to it: `canopy run`'s arguments.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// A TOML file, or the name of a built-in scenario.
    pub scenario: String,
    /// `--months N`, as written.
    pub months: Option<String>,
    /// `--set KEY=VALUE`, each as written.
    pub set: Vec<String>,
}

/// Loads and validates the scenario the request names.
pub fn resolve(args: &Request) -> Result<ValidScenario, ScenarioError> {
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

    load_text(&source, &text, args)
}

/// Loads and validates the scenario text `text` (named `source` in
/// messages) with the request's `--months` and `--set`; the request's
/// `scenario` is not read.
pub fn load_text(source: &str, text: &str, args: &Request) -> Result<ValidScenario, ScenarioError> {
    let mut overrides = Vec::new();
    let mut problems = Vec::new();
    // `--set simulation.months=…` or a whole `simulation={ months = … }`.
    let months_set = args.set.iter().any(|s| {
        s.split_once('=').is_some_and(|(k, v)| {
            k.trim() == "simulation.months" || (k.trim() == "simulation" && v.contains("months"))
        })
    });
    if let (Some(n), true) = (&args.months, months_set) {
        problems.push(problem(
            Given::Months(n.clone()),
            "the months are given twice: here and as simulation.months among the overrides; give one of them".into(),
        ));
    }
    if let Some(n) = &args.months {
        let label = Given::Months(n.clone());
        match override_value("simulation.months", n, label.clone()) {
            Ok(o) => overrides.push(o),
            Err(message) => problems.push(problem(label, message)),
        }
    }
    for text in &args.set {
        match parse_override(text) {
            Ok(o) => overrides.push(o),
            Err(message) => problems.push(problem(Given::Set(text.clone()), message)),
        }
    }
    // Malformed overrides are reported with whatever the file itself has wrong.
    match load(source, text, &overrides) {
        Ok(s) if problems.is_empty() => Ok(s),
        Ok(_) => Err(ScenarioError::new(source, problems)),
        Err(mut e) => {
            e.problems.extend(problems);
            Err(e)
        }
    }
}

fn problem(label: Given, message: String) -> Problem {
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
pub fn read_capped(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        // A named pipe with no writer would block forever: refuse it. A
        // pipe a shell hands over (`<(command)`, `/dev/stdin` of `|`) has no
        // place in the file system and is read; a named one has, whatever
        // path reaches it.
        let meta = std::fs::metadata(path)?;
        if meta.file_type().is_fifo()
            && std::fs::canonicalize(path).is_ok_and(|p| std::fs::metadata(&p).is_ok())
        {
            return Err(std::io::Error::other(
                "it is a named pipe; give a scenario file (or `<(command)` to read a command's output)",
            ));
        }
    }
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
    String::from_utf8(bytes).map_err(|e| {
        // Where the first bad byte is, as a line and column of the valid text before it.
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|b| **b == b'\n').count() + 1;
        let start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&good[start..]).chars().count() + 1;
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (a scenario is a TOML file): line {line}, column {column} holds a byte that is not UTF-8"
            ),
        )
    })
}

/// A scenario as a sweep names it, as a shell in the current folder names
/// it: a file relative to the sweep file's folder `base`, or a built-in name
/// (unless a file of that name is there).
pub fn scenario_path(base: &Path, scenario: &str) -> String {
    let path = base.join(scenario);
    if builtin::text(scenario).is_some() && !path.is_file() {
        scenario.to_string()
    } else {
        path.display().to_string()
    }
}

/// Loads a scenario a sweep names: a file relative to the sweep file's
/// folder `base`, or a built-in name (unless a file of that name is there).
pub fn load_for_sweep(base: &Path, scenario: &str) -> Result<ValidScenario, ScenarioError> {
    resolve(&Request {
        scenario: scenario_path(base, scenario),
        ..Request::default()
    })
}
