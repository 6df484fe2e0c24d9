//! Criteria: the events a designer fears (DECIDE.md, "Criteria"). A
//! criterion is met by a run when a metric goes below (or above) a limit
//! in any month, in the last month, or in one month; sweeps, comparisons
//! and seeks count the runs that meet it.
//!
//! A criterion is written as a `[[criterion]]` table (read with the sweep
//! file) or as text (`"usdc_floor: aegis_usdc < 1e7"`,
//! read by [`parse`]); both give a [`Criterion`], which [`Criterion::text`]
//! writes back as text that reads the same.

use canopy_model::scenario::edit::{KeyPath, classify};
use canopy_model::scenario::params::{self, Kind, float_text};
use canopy_model::scenario::validate::Where;
use canopy_model::{COLUMNS, Column, column};
use canopy_model::{MonthRecord, Scenario};
use canopy_output::csv_cell as cell;

/// The longest criterion name.
pub const MAX_NAME: usize = 40;

/// Which side of the limit meets a criterion (strictly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The metric is below the limit (`<`).
    Below,
    /// The metric is above the limit (`>`).
    Above,
}

impl Side {
    /// Its key in a file: `below` or `above`.
    pub fn key(self) -> &'static str {
        match self {
            Side::Below => "below",
            Side::Above => "above",
        }
    }

    /// Its operator in text: `<` or `>`.
    pub fn symbol(self) -> &'static str {
        match self {
            Side::Below => "<",
            Side::Above => ">",
        }
    }
}

/// The limit a metric is held against.
#[derive(Clone, Debug, PartialEq)]
pub enum Limit {
    /// A number.
    Number(f64),
    /// A fraction of a numeric scenario key's value in the run's own
    /// scenario.
    Fraction {
        /// The fraction.
        fraction: f64,
        /// The key, a dotted path as `--set` takes it.
        of: String,
    },
}

/// The months a criterion looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Any month the run completed.
    Ever,
    /// The run's last month.
    End,
    /// This month (from 1).
    Month(u32),
}

/// One criterion, checked.
#[derive(Clone, Debug)]
pub struct Criterion {
    /// Its name: it names its columns.
    pub name: String,
    /// The metrics.csv column it watches.
    pub metric: &'static Column,
    /// Which side of the limit meets it.
    pub side: Side,
    /// The limit.
    pub limit: Limit,
    /// The months it looks at.
    pub when: When,
    /// Where it was given.
    pub at: Where,
}

impl PartialEq for Criterion {
    fn eq(&self, other: &Self) -> bool {
        // A column is one of the table's: its name is its identity.
        self.name == other.name
            && self.metric.name == other.metric.name
            && self.side == other.side
            && self.limit == other.limit
            && self.when == other.when
            && self.at == other.at
    }
}

impl Criterion {
    /// The limit in a run whose scenario gives `value_of` for keys (the
    /// key's value as a number); `None` when a fraction's key has no
    /// numeric value there.
    pub fn limit_with(&self, value_of: impl Fn(&str) -> Option<f64>) -> Option<f64> {
        match &self.limit {
            Limit::Number(x) => Some(*x),
            Limit::Fraction { fraction, of } => value_of(of).map(|v| fraction * v),
        }
    }

    /// The limit in a run of `scenario`.
    pub fn limit_in(&self, scenario: &Scenario) -> Option<f64> {
        self.limit_with(|key| scenario.get(key).ok().and_then(|v| v.as_f64()))
    }

    /// Whether a value meets it against `limit` (an undefined value never
    /// does).
    pub fn meets(&self, value: Option<f64>, limit: f64) -> bool {
        match (value, self.side) {
            (Some(x), Side::Below) => x < limit,
            (Some(x), Side::Above) => x > limit,
            (None, _) => false,
        }
    }

    /// The first month of `records` (a run's months, in order) that meets
    /// it against `limit`; `None` if none does.
    pub fn first_month(&self, records: &[MonthRecord], limit: f64) -> Option<u32> {
        let get = self.metric.get;
        match self.when {
            When::Ever => records
                .iter()
                .find(|r| self.meets(get(r), limit))
                .map(|r| r.month),
            When::End => records
                .last()
                .filter(|r| self.meets(get(r), limit))
                .map(|r| r.month),
            When::Month(m) => records
                .iter()
                .find(|r| r.month == m)
                .filter(|r| self.meets(get(r), limit))
                .map(|r| r.month),
        }
    }

    /// The criterion as text that [`parse`] reads back the same:
    /// `usdc_floor: aegis_usdc < 10000000`.
    pub fn text(&self) -> String {
        format!("{}: {}", self.name, self.condition())
    }

    /// The condition alone: `aegis_usdc < 10000000 at end`.
    pub fn condition(&self) -> String {
        let limit = match &self.limit {
            Limit::Number(x) => float_text(*x),
            Limit::Fraction { fraction, of } => format!("{} * {of}", float_text(*fraction)),
        };
        let when = match self.when {
            When::Ever => String::new(),
            When::End => " at end".into(),
            When::Month(m) => format!(" at {m}"),
        };
        format!("{} {} {limit}{when}", self.metric.name, self.side.symbol())
    }

    /// The names of its `runs.parquet` columns: `<name>` and
    /// `<name>_month`.
    pub fn run_columns(&self) -> [String; 2] {
        [self.name.clone(), format!("{}_month", self.name)]
    }

    /// The names of its `points.csv` columns, in order.
    pub fn point_columns(&self) -> Vec<String> {
        ["n", "k", "p", "lo", "hi", "month_p50"]
            .iter()
            .map(|s| format!("{}_{s}", self.name))
            .collect()
    }
}

/// Checks a criterion's name: `[a-z][a-z0-9_]{0,39}`.
pub fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= MAX_NAME;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a criterion name: a lowercase letter, then at most {} lowercase letters, digits or `_` (it names columns)",
            params::escaped(&params::short(name)),
            MAX_NAME - 1
        ))
    }
}

/// The metrics a criterion may watch: every metrics.csv column but month.
pub fn metric_names() -> Vec<&'static str> {
    COLUMNS
        .iter()
        .map(|c| c.name)
        .filter(|n| *n != "month")
        .collect()
}

/// The metrics.csv column `name`, or what to say about it.
pub fn metric(name: &str) -> Result<&'static Column, String> {
    match column(name) {
        Some(c) if c.name != "month" => Ok(c),
        Some(_) => Err("`month` is not a metric a criterion can watch; name a metrics.csv column other than month".into()),
        None => Err(format!(
            "`{}` is not a column of metrics.csv; {}",
            params::escaped(&params::short(name)),
            params::suggest(name, &metric_names())
        )),
    }
}

/// Checks the key of a fractional limit: a numeric scenario key.
pub fn limit_key(key: &str) -> Result<String, String> {
    let shown = params::escaped(&params::short(key)).into_owned();
    let kp = KeyPath::parse(key)?;
    let kind = match classify(&kp) {
        Ok(shape) => shape
            .value_kind()
            .ok_or_else(|| format!("`{shown}` is not one value; name a numeric key"))?,
        Err(message) => return Err(format!("`{shown}`: {message}")),
    };
    match kind {
        Kind::Number(_) | Kind::Whole { .. } => Ok(kp.to_string()),
        k => Err(format!(
            "`{shown}` is not numeric (it takes {}); a limit is a fraction of a numeric key",
            k.describe()
        )),
    }
}

/// Reads a number as a criterion writes it: `1e7`, `10_000_000`, `-0.5`.
pub fn number(text: &str) -> Option<f64> {
    let t = text.trim().replace('_', "");
    if t.is_empty() || t.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E') {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Reads a criterion from text, `[NAME:] METRIC (<|>) LIMIT [at end | at
/// N]`, where LIMIT is a number, `F * KEY` or `KEY`. A criterion without a
/// name is called `default_name`. The message says what is wrong.
pub fn parse(text: &str, default_name: &str) -> Result<Criterion, String> {
    let shown = params::escaped(&params::short(text)).into_owned();
    let form = "write it as `[name:] metric < limit [at end | at N]` (or `>`), for example `usdc_floor: aegis_usdc < 1e7`";
    let (name, rest) = match text.split_once(':') {
        Some((n, rest)) => (n.trim().to_string(), rest),
        None => (default_name.to_string(), text),
    };
    check_name(&name)?;
    let (side, pos) = match (rest.find('<'), rest.find('>')) {
        (Some(i), None) => (Side::Below, i),
        (None, Some(i)) => (Side::Above, i),
        (Some(_), Some(_)) => return Err(format!("`{shown}` has both `<` and `>`; {form}")),
        (None, None) => return Err(format!("`{shown}` has no `<` or `>`; {form}")),
    };
    let metric_name = rest[..pos].trim();
    if metric_name.is_empty() {
        return Err(format!(
            "`{shown}` names no metric before `{}`; {form}",
            side.symbol()
        ));
    }
    let metric = metric(metric_name)?;
    let right = rest[pos + 1..].trim_start_matches('=').trim();
    let (limit_text, when) = match right.rsplit_once(" at ") {
        Some((l, w)) => {
            let w = w.trim();
            let when = if w == "end" {
                When::End
            } else {
                match w.parse::<u32>() {
                    Ok(m) if m >= 1 => When::Month(m),
                    _ => {
                        return Err(format!(
                            "`at {w}` in `{shown}`: expected `at end` or `at N` with N a month from 1"
                        ));
                    }
                }
            };
            (l.trim(), when)
        }
        None => (right, When::Ever),
    };
    if limit_text.is_empty() {
        return Err(format!(
            "`{shown}` has no limit after `{}`; {form}",
            side.symbol()
        ));
    }
    let limit = match limit_text.split_once('*') {
        Some((f, key)) => {
            let (f, key) = (f.trim(), key.trim());
            let (f, key) = match (number(f), number(key)) {
                (Some(x), None) => (x, key),
                (None, Some(x)) => (x, f),
                _ => {
                    return Err(format!(
                        "`{limit_text}` in `{shown}`: a limit is a number, `F * KEY` (a fraction of a numeric scenario key) or `KEY`"
                    ));
                }
            };
            Limit::Fraction {
                fraction: f,
                of: limit_key(key)?,
            }
        }
        None => match number(limit_text) {
            Some(x) => Limit::Number(x),
            None => Limit::Fraction {
                fraction: 1.0,
                of: limit_key(limit_text).map_err(|m| {
                    format!(
                        "`{limit_text}` in `{shown}` is neither a number nor a scenario key: {m}"
                    )
                })?,
            },
        },
    };
    Ok(Criterion {
        name,
        metric,
        side,
        limit,
        when,
        at: Where::Nowhere,
    })
}

/// The problems of a list of criteria taken together: names given twice,
/// and months past `months` (the fewest months of any run, when known).
/// Each is the criterion's index and the message.
pub fn check_all(criteria: &[Criterion], months: Option<u32>) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, c) in criteria.iter().enumerate() {
        if let Some(first) = criteria[..i].iter().position(|d| d.name == c.name) {
            out.push((
                i,
                format!(
                    "the name `{}` is already criterion {first}'s; each criterion needs its own name (it names columns)",
                    c.name
                ),
            ));
        }
        if let (When::Month(m), Some(months)) = (c.when, months)
            && m > months
        {
            out.push((
                i,
                format!("month {m} is past the run's last month, {months}; use a month from 1 to {months}, or `end`"),
            ));
        }
    }
    out
}

/// What a run made of a criterion: whether it met it, and the first month
/// that did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Met {
    /// Whether it was met.
    pub met: bool,
    /// The first month that met it.
    pub month: Option<u32>,
}

/// The counts of one criterion over a set of runs, and the first months.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Count {
    /// Ok runs.
    pub n: u64,
    /// Ok runs that met it.
    pub k: u64,
    /// The first month of each run that met it.
    pub months: Vec<f64>,
}

impl Count {
    /// Adds one run's result (`None`: a run that is not ok).
    pub fn add(&mut self, met: Option<Met>) {
        if let Some(m) = met {
            self.n += 1;
            if m.met {
                self.k += 1;
                if let Some(month) = m.month {
                    self.months.push(f64::from(month));
                }
            }
        }
    }

    /// k / n; `None` when there are no ok runs.
    pub fn p(&self) -> Option<f64> {
        (self.n > 0).then(|| self.k as f64 / self.n as f64)
    }

    /// The `points.csv` cells: n, k, p, lo, hi and the median first month.
    pub fn cells(&self, confidence: f64) -> Vec<String> {
        let ci = crate::intervals::clopper_pearson(self.k, self.n, confidence);
        let mut months = self.months.clone();
        months.sort_unstable_by(f64::total_cmp);
        vec![
            self.n.to_string(),
            self.k.to_string(),
            cell(self.p()),
            cell(ci.map(|c| c.0)),
            cell(ci.map(|c| c.1)),
            cell(crate::bands::quantile(&months, 0.5)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_every_form_and_writes_back() {
        let c = parse("usdc_floor: aegis_usdc < 1e7", "c1").unwrap();
        assert_eq!(c.name, "usdc_floor");
        assert_eq!(c.metric.name, "aegis_usdc");
        assert_eq!(c.side, Side::Below);
        assert_eq!(c.limit, Limit::Number(1e7));
        assert_eq!(c.when, When::Ever);
        let c = parse("aegis_value < 0.5 * aegis.initial_usdc at end", "c2").unwrap();
        assert_eq!(c.name, "c2");
        assert_eq!(
            c.limit,
            Limit::Fraction {
                fraction: 0.5,
                of: "aegis.initial_usdc".into()
            }
        );
        assert_eq!(c.when, When::End);
        let c = parse("leaf_price > 0.2 at 24", "c3").unwrap();
        assert_eq!((c.side, c.when), (Side::Above, When::Month(24)));
        for text in [
            "usdc_floor: aegis_usdc < 10_000_000",
            "aegis_value < 0.5 * aegis.initial_usdc at end",
            "x: leaf_price > 0.2 at 24",
        ] {
            let c = parse(text, "c1").unwrap();
            assert_eq!(parse(&c.text(), "other").unwrap(), c);
        }
    }

    #[test]
    fn bad_text_says_what_is_wrong() {
        let e = parse("aegis_usdcc < 1", "c1").unwrap_err();
        assert!(e.contains("aegis_usdc"), "{e}");
        assert!(
            parse("Big: aegis_usdc < 1", "c1")
                .unwrap_err()
                .contains("criterion name")
        );
        assert!(
            parse("aegis_usdc = 1", "c1")
                .unwrap_err()
                .contains("no `<` or `>`")
        );
        assert!(
            parse("aegis_usdc < 1 at 0", "c1")
                .unwrap_err()
                .contains("at 0")
        );
        let e = parse("aegis_usdc < 0.5 * price_model", "c1").unwrap_err();
        assert!(e.contains("price_model"), "{e}");
    }

    #[test]
    fn names_twice_and_months_past_the_end_are_refused() {
        let a = parse("a: aegis_usdc < 1 at 70", "c1").unwrap();
        let problems = check_all(&[a.clone(), a], Some(60));
        assert_eq!(problems.len(), 3, "{problems:?}");
    }
}
