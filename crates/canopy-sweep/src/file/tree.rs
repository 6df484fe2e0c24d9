//! A sweep file's TOML as a tree of values that keep where they start
//! (byte offsets), so that every problem can name its line and column.

use canopy_model::scenario::params::{self, Value};
use toml::de::{DeTable, DeValue};

/// A parsed value with the byte offset where it starts.
#[derive(Clone, Debug)]
pub(super) struct Node {
    pub(super) t: T,
    pub(super) at: usize,
}

#[derive(Clone, Debug)]
pub(super) enum T {
    Str(String),
    Int(i64),
    /// A float, or an integer past i64, with its text.
    Float(f64, String),
    Bool(bool),
    Datetime,
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) key: String,
    pub(super) at: usize,
    pub(super) node: Node,
}

impl T {
    pub(super) fn type_name(&self) -> &'static str {
        match self {
            T::Str(_) => "a string",
            T::Int(_) => "an integer",
            T::Float(..) => "a float",
            T::Bool(_) => "a boolean",
            T::Datetime => "a date-time",
            T::Array(_) => "an array",
            T::Table(_) => "a table",
        }
    }

    /// A scalar (or a list of numbers) as a parameter value.
    pub(super) fn value(&self) -> Option<Value> {
        Some(match self {
            T::Str(s) => Value::Str(s.clone()),
            T::Int(i) => Value::Int(*i),
            T::Float(x, _) => Value::Float(*x),
            T::Bool(b) => Value::Bool(*b),
            T::Array(items) => Value::List(
                items
                    .iter()
                    .map(|n| n.t.number())
                    .collect::<Option<Vec<f64>>>()?,
            ),
            T::Datetime | T::Table(_) => return None,
        })
    }

    pub(super) fn number(&self) -> Option<f64> {
        match self {
            T::Int(i) => Some(*i as f64),
            T::Float(x, _) => Some(*x),
            _ => None,
        }
    }

    /// As written, for messages.
    pub(super) fn show(&self) -> String {
        match self {
            T::Float(_, raw) => params::short(raw).into_owned(),
            T::Array(a) => format!("[…] ({} items)", a.len()),
            T::Table(_) => "{ … }".into(),
            T::Datetime => "a date-time".into(),
            other => other.value().map(|v| v.echo()).unwrap_or_default(),
        }
    }
}

fn number(text: &str, radix: u32, integer: bool) -> Result<T, String> {
    if integer && let Ok(n) = i64::from_str_radix(text, radix) {
        return Ok(T::Int(n));
    }
    match text.replace('_', "").parse::<f64>() {
        Ok(x) => Ok(T::Float(x, text.to_string())),
        Err(e) => Err(format!("{text}: {e}")),
    }
}

/// Sweep files nest three deep; a bound keeps a hostile one off the stack.
const MAX_DEPTH: usize = 32;

pub(super) fn convert(
    v: toml::Spanned<DeValue<'_>>,
    depth: usize,
) -> Result<Node, (usize, String)> {
    let at = v.span().start;
    if depth > MAX_DEPTH {
        return Err((at, format!("values nest more than {MAX_DEPTH} deep")));
    }
    let t = match v.into_inner() {
        DeValue::String(s) => T::Str(s.into_owned()),
        DeValue::Integer(i) => number(i.as_str(), i.radix(), true).map_err(|e| (at, e))?,
        DeValue::Float(f) => number(f.as_str(), 10, false).map_err(|e| (at, e))?,
        DeValue::Boolean(b) => T::Bool(b),
        DeValue::Datetime(_) => T::Datetime,
        DeValue::Array(a) => T::Array(
            a.into_iter()
                .map(|v| convert(v, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(t) => T::Table(convert_table(t, depth + 1)?),
    };
    Ok(Node { t, at })
}

pub(super) fn convert_table(t: DeTable<'_>, depth: usize) -> Result<Vec<Entry>, (usize, String)> {
    t.into_iter()
        .map(|(k, v)| {
            Ok(Entry {
                at: k.span().start,
                key: k.into_inner().into_owned(),
                node: convert(v, depth)?,
            })
        })
        .collect()
}
