//! A parameter's [`Value`], whatever its kind.

use super::text::{escaped, float_text, short, toml_string};

/// A parameter's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number.
    Float(f64),
    /// A whole number.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A string (also the choices).
    Str(String),
    /// A list of numbers.
    List(Vec<f64>),
}

impl Value {
    /// What kind of value it is, for messages: `a string`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Float(_) => "a float",
            Value::Int(_) => "an integer",
            Value::Bool(_) => "a boolean",
            Value::Str(_) => "a string",
            Value::List(_) => "an array",
        }
    }

    /// The value as TOML writes it; numbers compactly (`1e308`, not 309 digits).
    pub fn show(&self) -> String {
        match self {
            Value::Float(x) => float_text(*x),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Str(s) => toml_string(s),
            Value::List(xs) => format!(
                "[{}]",
                xs.iter()
                    .map(|x| float_text(*x))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The value for a message: as [`Value::show`], but a long string or
    /// list shortened, so that a message never echoes megabytes.
    pub fn echo(&self) -> String {
        match self {
            Value::Str(s) => format!("\"{}\"", escaped(&short(s)).replace('"', "\\\"")),
            Value::List(xs) if xs.len() > 8 => format!(
                "[{}, … ({} items)]",
                xs[..4]
                    .iter()
                    .map(|x| float_text(*x))
                    .collect::<Vec<_>>()
                    .join(", "),
                xs.len()
            ),
            other => other.show(),
        }
    }

    /// The number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(x) => Some(*x),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i.into())
    }
}

impl From<u64> for Value {
    /// A whole number; one past i64 becomes a float (refused where a whole
    /// number is expected, never wrapped).
    fn from(i: u64) -> Self {
        i64::try_from(i).map_or(Value::Float(i as f64), Value::Int)
    }
}

impl From<usize> for Value {
    fn from(i: usize) -> Self {
        Value::from(i as u64)
    }
}

impl From<u32> for Value {
    fn from(i: u32) -> Self {
        Value::Int(i.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<Vec<f64>> for Value {
    fn from(xs: Vec<f64>) -> Self {
        Value::List(xs)
    }
}
