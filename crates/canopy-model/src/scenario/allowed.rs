//! What values a parameter may take: its [`Kind`] (a number in a
//! [`Range`], a whole number, a choice, text...) and the check of a value
//! against it.

use super::text::text_ok;
use super::value::Value;

/// What values a number may take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    /// Any finite number.
    Any,
    /// >= 0.
    NonNeg,
    /// > 0.
    Positive,
    /// lo <= x <= hi.
    Closed(f64, f64),
    /// lo < x <= hi.
    LeftOpen(f64, f64),
    /// lo <= x < hi.
    RightOpen(f64, f64),
    /// > lo.
    Above(f64),
    /// >= lo.
    AtLeast(f64),
}

impl Range {
    /// Whether `x` is allowed (never a non-finite number).
    pub fn allows(self, x: f64) -> bool {
        x.is_finite()
            && match self {
                Range::Any => true,
                Range::NonNeg => x >= 0.0,
                Range::Positive => x > 0.0,
                Range::Closed(lo, hi) => lo <= x && x <= hi,
                Range::LeftOpen(lo, hi) => lo < x && x <= hi,
                Range::RightOpen(lo, hi) => lo <= x && x < hi,
                Range::Above(lo) => x > lo,
                Range::AtLeast(lo) => x >= lo,
            }
    }

    /// What is allowed, for messages: `a number from 0 to 1, both included`.
    pub fn describe(self) -> String {
        match self {
            Range::Any => "a finite number".into(),
            Range::NonNeg => "a number >= 0".into(),
            Range::Positive => "a number > 0".into(),
            Range::Closed(lo, hi) => format!("a number from {lo} to {hi}, both included"),
            Range::LeftOpen(lo, hi) => format!("a number above {lo}, up to {hi} included"),
            Range::RightOpen(lo, hi) => format!("a number from {lo} (included) to below {hi}"),
            Range::Above(lo) => format!("a number above {lo}"),
            Range::AtLeast(lo) => format!("a number >= {lo}"),
        }
    }

    /// The lower bound and whether it is excluded, if there is one.
    pub fn lower(self) -> Option<(f64, bool)> {
        match self {
            Range::Any => None,
            Range::NonNeg => Some((0.0, false)),
            Range::Positive => Some((0.0, true)),
            Range::Closed(lo, _) | Range::RightOpen(lo, _) | Range::AtLeast(lo) => {
                Some((lo, false))
            }
            Range::LeftOpen(lo, _) | Range::Above(lo) => Some((lo, true)),
        }
    }

    /// The upper bound and whether it is excluded, if there is one.
    pub fn upper(self) -> Option<(f64, bool)> {
        match self {
            Range::Closed(_, hi) | Range::LeftOpen(_, hi) => Some((hi, false)),
            Range::RightOpen(_, hi) => Some((hi, true)),
            _ => None,
        }
    }
}

/// The type of a parameter and the values it allows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A finite number in a range; integers are accepted.
    Number(Range),
    /// A whole number from `min` to `max`, read exactly (never through f64).
    Whole {
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
    },
    /// `true` or `false`.
    Bool,
    /// One of these strings.
    Choice(&'static [&'static str]),
    /// A non-empty list of numbers, each in the range.
    Numbers(Range),
    /// A non-empty string.
    Text,
}

impl Kind {
    /// What is allowed, for messages.
    pub fn describe(self) -> String {
        match self {
            Kind::Number(r) => r.describe(),
            Kind::Whole { min, max } => format!("a whole number from {min} to {max}"),
            Kind::Bool => "true or false".into(),
            Kind::Choice(names) => format!(
                "one of {}",
                names
                    .iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Kind::Numbers(r) => format!("a non-empty array of numbers, each {}", {
                let d = r.describe();
                d.strip_prefix("a number ").map(str::to_string).unwrap_or(d)
            }),
            Kind::Text => "a name: a string, not blank, without control characters".into(),
        }
    }

    /// Checks a value against this kind and gives it in the kind's own form
    /// (an integer for a number becomes a float; a whole float for a whole
    /// number becomes an integer). The error says what is allowed.
    pub fn check(self, value: &Value) -> Result<Value, String> {
        self.check_shown(value, || value.echo())
    }

    /// Whether `value` fits, without building anything (the fast path of
    /// validation; [`Kind::check`] says why not).
    pub fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (Kind::Number(r), Value::Float(x)) => r.allows(*x),
            (Kind::Number(r), Value::Int(i)) => r.allows(*i as f64),
            (Kind::Whole { min, max }, Value::Int(i)) => (min..=max).contains(i),
            (Kind::Bool, Value::Bool(_)) => true,
            (Kind::Choice(names), Value::Str(s)) => names.contains(&s.as_str()),
            (Kind::Numbers(r), Value::List(xs)) => {
                !xs.is_empty() && xs.iter().all(|x| r.allows(*x))
            }
            (Kind::Text, Value::Str(s)) => text_ok(s),
            _ => self.check(value).is_ok(),
        }
    }

    /// [`Kind::check`], naming the value as `shown` in messages (the text
    /// the user wrote, where there is one).
    pub fn check_shown(self, value: &Value, shown: impl Fn() -> String) -> Result<Value, String> {
        let bad = || format!("{} is not allowed: expected {}", shown(), self.describe());
        let wrong =
            |what: &str| format!("expected {what}, found {} ({})", value.type_name(), shown());
        match (self, value) {
            (Kind::Number(r), Value::Float(x)) if r.allows(*x) => Ok(Value::Float(*x)),
            (Kind::Number(r), Value::Int(i)) if r.allows(*i as f64) => Ok(Value::Float(*i as f64)),
            (Kind::Number(r), Value::Float(x)) if !x.is_finite() => Err(format!(
                "{} is not allowed: numbers must be finite ({})",
                shown(),
                r.describe()
            )),
            (Kind::Number(_), Value::Float(_) | Value::Int(_)) => Err(bad()),
            (Kind::Number(_), _) => Err(wrong("a number")),
            (Kind::Whole { min, max }, Value::Int(i)) if (min..=max).contains(i) => {
                Ok(Value::Int(*i))
            }
            // A float is a whole number only when it is one exactly, and
            // small enough that f64 holds every integer up to it.
            (Kind::Whole { min, max }, Value::Float(x))
                if x.fract() == 0.0 && x.abs() <= 9_007_199_254_740_992.0 =>
            {
                let i = *x as i64;
                if (min..=max).contains(&i) {
                    Ok(Value::Int(i))
                } else {
                    Err(bad())
                }
            }
            (Kind::Whole { .. }, Value::Float(x)) if !x.is_finite() => Err(format!(
                "{} is not allowed: numbers must be finite ({})",
                shown(),
                self.describe()
            )),
            // Written as an integer but past i64: simply out of range.
            (Kind::Whole { .. }, Value::Float(_))
                if shown()
                    .trim_start_matches(['-', '+'])
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '_') =>
            {
                Err(bad())
            }
            (Kind::Whole { min, max }, Value::Float(x))
                if x.fract() == 0.0 && *x >= min as f64 && *x <= max as f64 =>
            {
                Err(format!(
                    "{} is not allowed: a whole number this large must be written as an integer (without a decimal point or exponent), from {min} to {max}",
                    shown()
                ))
            }
            (Kind::Whole { .. }, Value::Float(_) | Value::Int(_)) => Err(bad()),
            (Kind::Whole { .. }, _) => Err(wrong("a whole number")),
            (Kind::Bool, Value::Bool(b)) => Ok(Value::Bool(*b)),
            (Kind::Bool, _) => Err(wrong("true or false")),
            (Kind::Choice(names), Value::Str(s)) if names.contains(&s.as_str()) => {
                Ok(Value::Str(s.clone()))
            }
            (Kind::Choice(_), Value::Str(_)) => Err(bad()),
            (Kind::Choice(_), _) => Err(wrong("a string")),
            (Kind::Numbers(r), Value::List(xs)) if !xs.is_empty() => {
                match xs.iter().position(|x| !r.allows(*x)) {
                    None => Ok(Value::List(xs.clone())),
                    Some(i) => Err(format!(
                        "item [{i}] = {} is not allowed: expected {}",
                        Value::Float(xs[i]).show(),
                        r.describe()
                    )),
                }
            }
            (Kind::Numbers(_), _) => Err(wrong(&self.describe())),
            (Kind::Text, Value::Str(s)) if text_ok(s) => Ok(Value::Str(s.clone())),
            (Kind::Text, Value::Str(s)) if s.trim().is_empty() => Err(format!(
                "{} is not allowed: it must not be empty or blank",
                shown()
            )),
            (Kind::Text, Value::Str(_)) => Err(format!(
                "{} is not allowed: names may not hold control characters (newlines, tabs, escapes, direction overrides)",
                shown()
            )),
            (Kind::Text, _) => Err(wrong("a string")),
        }
    }
}
