//! A request's scenario: JSON (`{"scenario": {...}, "runs": N}`) or TOML
//! text (`Content-Type: application/toml`, `?runs=N`), read and checked by
//! the same reader as a scenario file, so that its problems are the command
//! line's.

use canopy_model::scenario::validate::{Problem, Where};
use canopy_model::{ScenarioError, ValidScenario, load};
use serde_json::{Map, Value as Json, json};

/// What a request's scenario is called in messages.
pub const SOURCE: &str = "request";

/// The most Monte Carlo runs a request may ask for.
pub const MAX_RUNS: u64 = 10_000;

/// The most months a request's Monte Carlo runs may simulate together
/// (runs × months): the bands hold every value in memory (7 numbers a month
/// and run), so this keeps one request's bands under about 60 MB.
pub const MAX_RUN_MONTHS: u64 = 1_000_000;

/// A request's scenario and how many runs it asks for.
#[derive(Debug)]
pub struct Request {
    /// The scenario, valid.
    pub scenario: ValidScenario,
    /// Monte Carlo runs, 1..=[`MAX_RUNS`].
    pub runs: u64,
    /// Criteria counted over the Monte Carlo runs (`"criteria": ["usdc_floor:
    /// aegis_usdc < 1e7", ...]`), as `canopy sweep --criterion` reads them.
    pub criteria: Vec<canopy_sweep::criteria::Criterion>,
}

/// One problem with a request, as the API answers it: the key path, the
/// command line's message, and where the parser knows them the line and
/// column (TOML bodies) and the deal's counterparty.
pub fn problem_json(p: &Problem) -> Json {
    let mut o = Map::new();
    o.insert("key".into(), json!(p.path));
    o.insert("message".into(), json!(p.message));
    if let Where::Text { line, column } = p.at {
        o.insert("line".into(), json!(line));
        o.insert("column".into(), json!(column));
    }
    if let Some(cp) = &p.deal {
        o.insert("deal".into(), json!(cp));
    }
    Json::Object(o)
}

/// A problem about `key` (empty: the request as a whole).
pub fn problem(key: &str, message: impl Into<String>) -> Problem {
    Problem {
        at: Where::Nowhere,
        path: key.to_string(),
        deal: None,
        message: message.into(),
    }
}

/// Reads a request body: TOML when `toml` (the content type says so), with
/// `query_runs` from `?runs=`; JSON otherwise.
pub fn read(body: &[u8], toml: bool, query_runs: Option<&str>) -> Result<Request, Vec<Problem>> {
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(vec![problem("", "the body is not UTF-8 text")]);
    };
    if toml {
        let runs = query_runs.map(runs_from_text).transpose();
        let scenario = load(SOURCE, text, &[]);
        return match (scenario, runs) {
            (Ok(scenario), Ok(runs)) => checked(scenario, runs.unwrap_or(1), Vec::new()),
            (Ok(_), Err(p)) => Err(vec![p]),
            (Err(e), runs) => Err(e.problems.into_iter().chain(runs.err()).collect()),
        };
    }
    let body: Json = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Err(vec![problem(
                "",
                format!(
                    "the body is not JSON ({e}); send {{\"scenario\": {{...}}, \"runs\": N}}, or a TOML scenario with Content-Type: application/toml"
                ),
            )]);
        }
    };
    let Json::Object(fields) = body else {
        return Err(vec![problem(
            "",
            "the body must be a JSON object: {\"scenario\": {...}, \"runs\": N}",
        )]);
    };
    let mut problems = Vec::new();
    for key in fields.keys() {
        if !["scenario", "runs", "criteria"].contains(&key.as_str()) {
            problems.push(problem(
                key,
                format!("unknown key `{key}`: a request has `scenario`, `runs` and `criteria`"),
            ));
        }
    }
    let criteria = criteria_from_json(fields.get("criteria"), &mut problems);
    let runs = match fields.get("runs") {
        None => Some(1),
        Some(v) => match runs_from_json(v) {
            Ok(n) => Some(n),
            Err(p) => {
                problems.push(p);
                None
            }
        },
    };
    let scenario = match fields.get("scenario") {
        None => {
            problems.push(problem(
                "scenario",
                "missing: the request needs the scenario as a JSON object (the TOML file's structure)",
            ));
            None
        }
        Some(s) => match scenario_from_json(s) {
            Ok(s) => Some(s),
            Err(mut p) => {
                problems.append(&mut p);
                None
            }
        },
    };
    if let Some(s) = &scenario {
        problems.extend(criteria_problems(s, &criteria));
    }
    let criteria = criteria.into_iter().map(|(_, c)| c).collect();
    match (scenario, runs) {
        (Some(s), Some(runs)) if problems.is_empty() => checked(s, runs, criteria),
        _ => Err(problems),
    }
}

/// The problems of criteria that only the scenario shows: a month past
/// its last, a fractional limit's key it lacks.
fn criteria_problems(
    scenario: &ValidScenario,
    criteria: &[(usize, canopy_sweep::criteria::Criterion)],
) -> Vec<Problem> {
    let months = scenario.simulation.months;
    let mut problems = Vec::new();
    for (i, c) in criteria {
        if let canopy_sweep::criteria::When::Month(m) = c.when
            && m > months
        {
            problems.push(problem(
                &format!("criteria[{i}]"),
                format!("month {m} is past the run's last month, {months}; use a month from 1 to {months}, or `end`"),
            ));
        }
        if let canopy_sweep::criteria::Limit::Fraction { of, .. } = &c.limit
            && let Err(m) = scenario.get(of)
        {
            problems.push(problem(&format!("criteria[{i}]"), format!("`{of}`: {m}")));
        }
    }
    problems
}

/// The most criteria a request may count.
pub const MAX_CRITERIA: usize = 20;

/// `"criteria"`: a list of criterion texts, each read as `--criterion`
/// reads it (unnamed ones are `c1`, `c2`, ...), with its place in the list.
fn criteria_from_json(
    v: Option<&Json>,
    problems: &mut Vec<Problem>,
) -> Vec<(usize, canopy_sweep::criteria::Criterion)> {
    use canopy_sweep::criteria;
    let Some(v) = v else {
        return Vec::new();
    };
    let Json::Array(items) = v else {
        problems.push(problem(
            "criteria",
            "expected a list of criteria as text, e.g. [\"usdc_floor: aegis_usdc < 1e7\"]",
        ));
        return Vec::new();
    };
    if items.len() > MAX_CRITERIA {
        problems.push(problem(
            "criteria",
            format!(
                "{} criteria; a request may count at most {MAX_CRITERIA}",
                items.len()
            ),
        ));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = format!("criteria[{i}]");
        let Json::String(text) = item else {
            problems.push(problem(
                &key,
                "expected a criterion as text, e.g. \"aegis_usdc < 1e7\"",
            ));
            continue;
        };
        match criteria::parse(text, &format!("c{}", i + 1)) {
            Ok(c) => out.push((i, c)),
            Err(m) => problems.push(problem(&key, m)),
        }
    }
    let read: Vec<criteria::Criterion> = out.iter().map(|(_, c)| c.clone()).collect();
    for (j, m) in criteria::check_all(&read, None) {
        problems.push(problem(&format!("criteria[{}]", out[j].0), m));
    }
    out
}

/// The request if its runs fit [`MAX_RUN_MONTHS`].
fn checked(
    scenario: ValidScenario,
    runs: u64,
    criteria: Vec<canopy_sweep::criteria::Criterion>,
) -> Result<Request, Vec<Problem>> {
    let months = u64::from(scenario.simulation.months);
    if runs > 1 && runs * months > MAX_RUN_MONTHS {
        return Err(vec![problem(
            "runs",
            format!(
                "{runs} runs of {months} months are too many to band at once: runs × months may be at most {MAX_RUN_MONTHS} (at most {} runs of {months} months)",
                MAX_RUN_MONTHS / months
            ),
        )]);
    }
    Ok(Request {
        scenario,
        runs,
        criteria,
    })
}

fn runs_problem(shown: &str) -> Problem {
    problem(
        "runs",
        format!("{shown} is not allowed: expected a whole number from 1 to {MAX_RUNS}"),
    )
}

fn runs_from_text(text: &str) -> Result<u64, Problem> {
    match text.trim().parse::<u64>() {
        Ok(n) if (1..=MAX_RUNS).contains(&n) => Ok(n),
        _ => Err(runs_problem(&format!("{:?}", short(text)))),
    }
}

/// `runs` as JSON: a whole number, written as one or not (`1e4` is
/// 10,000); anything else is named as it reads.
fn runs_from_json(v: &Json) -> Result<u64, Problem> {
    let whole = v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|x| x.fract() == 0.0 && *x >= 1.0 && *x <= MAX_RUNS as f64)
            .map(|x| x as u64)
    });
    match whole {
        Some(n) if (1..=MAX_RUNS).contains(&n) => Ok(n),
        _ => Err(runs_problem(&short(&shown(v)))),
    }
}

/// A JSON value as a person wrote it: a number without serde's `.0`.
fn shown(v: &Json) -> String {
    match v.as_f64() {
        Some(x) if v.is_f64() && x.fract() == 0.0 && x.abs() < 1e16 => format!("{}", x as i64),
        _ => v.to_string(),
    }
}

/// At most 40 characters of `s`, so that a message never echoes a body.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// A scenario sent as JSON with the TOML file's structure: turned into TOML
/// text and read by the scenario reader. Its problems keep their key paths
/// but not the lines of that text, which the sender never saw.
pub fn scenario_from_json(v: &Json) -> Result<ValidScenario, Vec<Problem>> {
    if !v.is_object() {
        return Err(vec![problem(
            "scenario",
            format!(
                "expected a JSON object (the TOML file's tables and keys), found {}",
                kind(v)
            ),
        )]);
    }
    let mut problems = Vec::new();
    let value = to_toml(v, "", &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    let text = match value.map(|t| toml::to_string(&t)) {
        Some(Ok(text)) => text,
        Some(Err(e)) => {
            return Err(vec![problem(
                "scenario",
                format!("cannot be written as TOML: {e}"),
            )]);
        }
        None => return Err(vec![problem("scenario", "cannot be written as TOML")]),
    };
    load(SOURCE, &text, &[]).map_err(|e| without_lines(e).problems)
}

/// The problems with their places in the generated text dropped.
fn without_lines(mut e: ScenarioError) -> ScenarioError {
    for p in &mut e.problems {
        if matches!(p.at, Where::Text { .. }) {
            p.at = Where::Nowhere;
        }
    }
    e
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `v` as a TOML value; a `null` (which TOML cannot hold) is a problem at
/// its key. Integers stay integers, so that whole-number keys read exactly.
fn to_toml(v: &Json, path: &str, problems: &mut Vec<Problem>) -> Option<toml::Value> {
    Some(match v {
        Json::Null => {
            problems.push(problem(
                path,
                "null is not allowed: give a value, or leave the key out for its default",
            ));
            return None;
        }
        Json::Bool(b) => toml::Value::Boolean(*b),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => toml::Value::Integer(i),
            // Past i64 (a seed too large): a float, which the whole-number
            // check refuses with what is allowed.
            (None, Some(x)) => toml::Value::Float(x),
            (None, None) => {
                problems.push(problem(path, format!("{n} is not a number TOML can hold")));
                return None;
            }
        },
        Json::String(s) => toml::Value::String(s.clone()),
        Json::Array(items) => toml::Value::Array(
            items
                .iter()
                .enumerate()
                .filter_map(|(i, x)| {
                    // Deals are counted as the command line counts them: `deal[3]`.
                    to_toml(x, &format!("{path}[{i}]"), problems)
                })
                .collect(),
        ),
        Json::Object(fields) => toml::Value::Table(
            fields
                .iter()
                .filter_map(|(k, x)| Some((k.clone(), to_toml(x, &child(path, k), problems)?)))
                .collect(),
        ),
    })
}

/// A valid scenario as JSON with the TOML file's structure, every default
/// filled in (what `canopy show` prints).
pub fn scenario_json(s: &ValidScenario) -> Json {
    match toml::from_str::<toml::Table>(&s.to_toml()) {
        Ok(t) => toml_to_json(&toml::Value::Table(t)),
        // `to_toml` writes TOML that reads back; should it not, say so.
        Err(_) => Json::Null,
    }
}

fn toml_to_json(v: &toml::Value) -> Json {
    match v {
        toml::Value::String(s) => json!(s),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(x) => json!(x),
        toml::Value::Boolean(b) => json!(b),
        toml::Value::Datetime(d) => json!(d.to_string()),
        toml::Value::Array(items) => Json::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Json::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_goes_through_json_and_back_unchanged() {
        let text = canopy_model::builtin::text("reference").expect("built in");
        let s = load("reference", text, &[]).expect("reference loads");
        let back = scenario_from_json(&scenario_json(&s)).expect("valid");
        assert_eq!(back.scenario(), s.scenario());
    }

    #[test]
    fn runs_written_with_an_exponent_are_whole_numbers() {
        let body = br#"{"scenario": {}, "runs": 1e4}"#;
        assert_eq!(read(body, false, None).expect("taken").runs, 10_000);
        for (runs, shown) in [
            ("2.5", "2.5"),
            ("1e5", "100000"),
            ("-3", "-3"),
            ("\"7\"", "\"7\""),
        ] {
            let body = format!(r#"{{"scenario": {{}}, "runs": {runs}}}"#);
            let problems = read(body.as_bytes(), false, None).expect_err("refused");
            assert_eq!(
                problems[0].message,
                format!("{shown} is not allowed: expected a whole number from 1 to {MAX_RUNS}")
            );
        }
    }

    #[test]
    fn null_and_bad_runs_are_problems_at_their_keys() {
        let body = br#"{"scenario": {"aegis": {"initial_usdc": null}}, "runs": 0}"#;
        let problems = read(body, false, None).expect_err("refused");
        let keys: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(keys, ["runs", "aegis.initial_usdc"]);
    }
}
