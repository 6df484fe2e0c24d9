//! The positioned TOML tree: a scenario or sweep file parsed into values that
//! remember where each came from (a span of the file, or a `--set`
//! override), with the bound on how deeply a file may nest.

use toml::de::{DeTable, DeValue};

use super::params::{self, Value};

/// How deeply tables and arrays may nest: scenario files nest three deep;
/// a bound keeps a hostile file from exhausting the stack.
pub const MAX_DEPTH: usize = 64;

/// Where a value came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// Byte offset in the scenario text.
    File(usize),
    /// The n-th override.
    Override(usize),
    /// Made up while applying an override (an implied table, a default).
    Implied,
}

/// A TOML value whose parts keep their origins.
#[derive(Clone, Debug)]
pub enum Tree {
    /// A string.
    Str(String),
    /// An integer that fits i64.
    Int(i64),
    /// A number as written (an integer beyond i64, or a float).
    Float(f64, String),
    /// A boolean.
    Bool(bool),
    /// A date-time, as written (no key takes one).
    Datetime(String),
    /// An array of values.
    Array(Vec<Node>),
    /// A table's entries, in the order written.
    Table(Vec<Entry>),
}

/// A value and where it came from.
#[derive(Clone, Debug)]
pub struct Node {
    /// The value.
    pub value: Tree,
    /// Where it came from.
    pub origin: Origin,
}

/// A table's key, where the key was written, and its value.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The key (one part of a dotted key).
    pub key: String,
    /// Where the key was written.
    pub key_origin: Origin,
    /// The value.
    pub node: Node,
}

impl Tree {
    /// "a string", "an integer", ...: for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Tree::Str(_) => "a string",
            Tree::Int(_) => "an integer",
            Tree::Float(..) => "a float",
            Tree::Bool(_) => "a boolean",
            Tree::Datetime(_) => "a date-time",
            Tree::Array(_) => "an array",
            Tree::Table(_) => "a table",
        }
    }

    /// A short rendering for messages: numbers as they were written, long
    /// text shortened.
    pub fn show(&self) -> String {
        match self {
            Tree::Str(s) => Value::Str(s.clone()).echo(),
            Tree::Int(i) => i.to_string(),
            Tree::Float(_, raw) => params::short(raw).into_owned(),
            Tree::Bool(b) => b.to_string(),
            Tree::Datetime(d) => d.clone(),
            Tree::Array(a) if a.len() == 1 => "[…] (1 item)".to_string(),
            Tree::Array(a) => format!("[…] ({} items)", a.len()),
            Tree::Table(_) => "{ … }".to_string(),
        }
    }

    /// The value as a parameter value, if it is a scalar or a list of numbers.
    pub fn value(&self) -> Option<Value> {
        Some(match self {
            Tree::Str(s) => Value::Str(s.clone()),
            Tree::Int(i) => Value::Int(*i),
            Tree::Float(x, _) => Value::Float(*x),
            Tree::Bool(b) => Value::Bool(*b),
            Tree::Array(items) => Value::List(
                items
                    .iter()
                    .map(|n| match n.value {
                        Tree::Int(i) => Some(i as f64),
                        Tree::Float(x, _) => Some(x),
                        _ => None,
                    })
                    .collect::<Option<_>>()?,
            ),
            Tree::Datetime(_) | Tree::Table(_) => return None,
        })
    }
}

/// A number literal: an integer read exactly, or a float with its text.
pub fn number(text: &str, radix: u32, integer: bool) -> Result<Tree, String> {
    match number_value(text, radix, integer) {
        Ok(Value::Int(n)) => Ok(Tree::Int(n)),
        Ok(v) => Ok(Tree::Float(
            v.as_f64().unwrap_or(f64::NAN),
            text.to_string(),
        )),
        Err(e) => Err(format!("{text}: {e}")),
    }
}

/// A number literal as a value ([`Value::Int`] where an integer fits i64,
/// [`Value::Float`] otherwise), without keeping its text.
pub(super) fn number_value(
    text: &str,
    radix: u32,
    integer: bool,
) -> Result<Value, std::num::ParseFloatError> {
    if integer && let Ok(n) = i64::from_str_radix(text, radix) {
        return Ok(Value::Int(n));
    }
    if text.contains('_') {
        text.replace('_', "").parse::<f64>()
    } else {
        text.parse::<f64>()
    }
    .map(Value::Float)
}

/// Turns the parser's tree into ours, consuming it as it goes so that the
/// two are never both whole in memory (a file with many deals).
pub fn convert(value: toml::Spanned<DeValue<'_>>, depth: usize) -> Result<Node, (usize, String)> {
    let at = value.span().start;
    if depth > MAX_DEPTH {
        return Err((at, format!("values nest more than {MAX_DEPTH} deep")));
    }
    let v = match value.into_inner() {
        DeValue::String(s) => Tree::Str(s.into_owned()),
        DeValue::Integer(i) => number(i.as_str(), i.radix(), true).map_err(|e| (at, e))?,
        DeValue::Float(f) => number(f.as_str(), 10, false).map_err(|e| (at, e))?,
        DeValue::Boolean(b) => Tree::Bool(b),
        DeValue::Datetime(d) => Tree::Datetime(d.to_string()),
        DeValue::Array(a) => Tree::Array(
            a.into_iter()
                .map(|v| convert(v, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Table(t) => Tree::Table(convert_table(t, depth + 1)?),
    };
    Ok(Node {
        value: v,
        origin: Origin::File(at),
    })
}

/// Turns the parser's table into entries of ours (see [`convert`]).
pub fn convert_table(t: DeTable<'_>, depth: usize) -> Result<Vec<Entry>, (usize, String)> {
    t.into_iter()
        .map(|(k, v)| {
            Ok(Entry {
                key_origin: Origin::File(k.span().start),
                key: k.into_inner().into_owned(),
                node: convert(v, depth)?,
            })
        })
        .collect()
}

/// How many dotted parts the key at the start of `line` has, up to `end`
/// (dots inside quotes do not count).
pub fn key_parts(line: &str, end: char) -> usize {
    let mut keys = 1;
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '.') => keys += 1,
            (None, c) if c == end => break,
            _ => {}
        }
    }
    keys
}

/// The place and depth of the first table header or value that nests deeper
/// than [`MAX_DEPTH`], found by a scan that needs no recursion (the parser
/// would give up with no position).
pub fn too_deep(text: &str) -> Option<usize> {
    let mut offset = 0;
    let mut depth = 0usize;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let lead = line.len() - trimmed.len();
        // A dotted key (`a.b.c = 1`) or a table header (`[a.b.c]`) nests as
        // deep as it has parts.
        let end = if trimmed.starts_with('[') { ']' } else { '=' };
        if !trimmed.starts_with('#') && key_parts(trimmed, end) > MAX_DEPTH {
            return Some(offset + lead);
        }
        // Brackets and braces of values, outside strings; arrays may span lines.
        let mut quote = None;
        // Bytes, not chars: every byte that matters here is ASCII.
        for (i, &c) in line.as_bytes().iter().enumerate() {
            match (quote, c) {
                (None, b'#') => break,
                (None, b'"' | b'\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, b'[' | b'{') => {
                    depth += 1;
                    if depth > MAX_DEPTH + 1 {
                        return Some(offset + i);
                    }
                }
                (None, b']' | b'}') => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        offset += line.len();
    }
    None
}

/// A syntax problem of a TOML text: where it is (a byte offset, where the
/// parser knows) and what is wrong, worded for people.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxProblem {
    /// Byte offset in the text, if known.
    pub at: Option<usize>,
    /// The message, without a leading "TOML syntax error".
    pub message: String,
    /// Whether the problem is nesting deeper than [`MAX_DEPTH`].
    pub too_deep: bool,
}

/// Parses a TOML text (a scenario or a sweep file) into its positioned
/// tree: every value keeps its byte offset. `Err` gives every syntax
/// problem the parser found.
pub fn parse(text: &str) -> Result<Vec<Entry>, Vec<SyntaxProblem>> {
    let (table, errors) = DeTable::parse_recoverable(text);
    let mut problems = Vec::new();
    for e in &errors {
        let message = e.message().trim_end();
        // The parser gives up on deep nesting with no position: find it.
        if e.span().is_none()
            && let Some(pos) = too_deep(text)
        {
            problems.push(SyntaxProblem {
                at: Some(pos),
                message: format!("tables or arrays nest more than {MAX_DEPTH} levels deep here"),
                too_deep: true,
            });
            continue;
        }
        // toml says "duplicate key" without the key: name it from the span.
        let message = match (message.starts_with("duplicate key"), e.span()) {
            (true, Some(span)) => match text.get(span) {
                Some(key) if !key.is_empty() => format!("duplicate key `{}`", key.trim()),
                _ => message.to_string(),
            },
            _ => message.to_string(),
        };
        problems.push(SyntaxProblem {
            at: e.span().map(|s| s.start),
            message,
            too_deep: false,
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    convert_table(table.into_inner(), 0).map_err(|(at, message)| {
        vec![SyntaxProblem {
            at: Some(at),
            message,
            too_deep: false,
        }]
    })
}

impl Node {
    /// The byte offset where the value starts in its text (0 where it came
    /// from elsewhere: an override, or made up).
    pub fn offset(&self) -> usize {
        self.origin.offset()
    }
}

impl Entry {
    /// The byte offset where the key starts in its text (0 where it came
    /// from elsewhere).
    pub fn key_offset(&self) -> usize {
        self.key_origin.offset()
    }
}

impl Origin {
    /// The byte offset, for a value read from the text; 0 otherwise.
    pub fn offset(&self) -> usize {
        match self {
            Origin::File(at) => *at,
            Origin::Override(_) | Origin::Implied => 0,
        }
    }
}
