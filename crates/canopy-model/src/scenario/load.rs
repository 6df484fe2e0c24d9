//! Reading a scenario from TOML text, reporting every problem at once.
//!
//! The text is parsed into a small tree that remembers where each value came
//! from (a span of the file, or a `--set` override). A reader then walks the
//! tree along the parameter table ([`super::params`]), fills a [`Scenario`]
//! with defaults for what is missing, and collects a [`Problem`] for each
//! wrong type, bad value or unknown key instead of stopping at the first.

use toml::de::{DeTable, DeValue};

use super::edit::{DealShape, KeyPath, Segment, Shape, classify, no_such_deal, no_such_item};
use super::params::{self, Kind, Value};
use super::validate::{MAX_KEPT, NO_PART, Problem, ScenarioError, Spot, Spots, Where};
use super::{Deal, Scenario};

/// The largest scenario text read, in bytes: far above any real scenario,
/// and a bound on the memory a mistaken input (`/dev/zero`) can take.
pub const MAX_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// How deeply tables and arrays may nest: scenario files nest three deep;
/// a bound keeps a hostile file from exhausting the stack.
const MAX_DEPTH: usize = 64;

/// Where a value came from.
#[derive(Clone, Debug, PartialEq)]
enum Origin {
    /// Byte offset in the scenario text.
    File(usize),
    /// The n-th override.
    Override(usize),
    /// Made up while applying an override (an implied table, a default).
    Implied,
}

#[derive(Clone, Debug)]
enum Tree {
    Str(String),
    Int(i64),
    /// A number as written (an integer beyond i64, or a float).
    Float(f64, String),
    Bool(bool),
    Datetime(String),
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

#[derive(Clone, Debug)]
struct Node {
    value: Tree,
    origin: Origin,
}

#[derive(Clone, Debug)]
struct Entry {
    key: String,
    key_origin: Origin,
    node: Node,
}

impl Tree {
    fn type_name(&self) -> &'static str {
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
    fn show(&self) -> String {
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
    fn value(&self) -> Option<Value> {
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
fn number(text: &str, radix: u32, integer: bool) -> Result<Tree, String> {
    if integer && let Ok(n) = i64::from_str_radix(text, radix) {
        return Ok(Tree::Int(n));
    }
    let parsed = if text.contains('_') {
        text.replace('_', "").parse::<f64>()
    } else {
        text.parse::<f64>()
    };
    match parsed {
        Ok(x) => Ok(Tree::Float(x, text.to_string())),
        Err(e) => Err(format!("{text}: {e}")),
    }
}

/// Turns the parser's tree into ours, consuming it as it goes so that the
/// two are never both whole in memory (a file with many deals).
fn convert(value: toml::Spanned<DeValue<'_>>, depth: usize) -> Result<Node, (usize, String)> {
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

fn convert_table(t: DeTable<'_>, depth: usize) -> Result<Vec<Entry>, (usize, String)> {
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

/// An override of one key: `--set KEY=VALUE`, or a flag that stands for one
/// (`--months N`).
#[derive(Clone, Debug)]
pub struct Override {
    /// How the user wrote it, for messages: `--set aegis.initial_usdc=5e7`.
    label: String,
    path: KeyPath,
    value: Node,
}

/// Parses `KEY=VALUE` as given to `--set`: KEY is a dotted path
/// (`aegis.initial_usdc`, `deal[2].oak.amount`), VALUE a TOML value, or a
/// bare word taken as a string (`leaf_price.model=market`).
pub fn parse_override(text: &str) -> Result<Override, String> {
    let Some((key, raw)) = text.split_once('=') else {
        return Err(format!(
            "`{text}` is not KEY=VALUE (for example `aegis.initial_usdc=5e7`)"
        ));
    };
    override_value(key, raw, format!("--set {text}"))
}

/// An override of `key` with the value text `raw`, named `label` in messages
/// (`--months 0`).
pub fn override_value(key: &str, raw: &str, label: String) -> Result<Override, String> {
    let path = KeyPath::parse(key)?;
    let raw = raw.trim();
    let value = match DeValue::parse(raw) {
        Ok(v) => convert(v, 0).map_err(|(_, e)| format!("`{raw}`: {e}"))?,
        // TOML's own syntax that does not parse is a mistake, not a word.
        Err(e) if raw.starts_with(['[', '{', '"', '\'']) => {
            return Err(format!(
                "`{raw}` is not a valid TOML value: {}",
                e.message().trim_end()
            ));
        }
        Err(_) => Node {
            value: Tree::Str(raw.to_string()),
            origin: Origin::Implied,
        },
    };
    Ok(Override { label, path, value })
}

fn set_origin(node: &mut Node, origin: &Origin) {
    node.origin = origin.clone();
    match &mut node.value {
        Tree::Array(items) => items.iter_mut().for_each(|n| set_origin(n, origin)),
        Tree::Table(entries) => entries.iter_mut().for_each(|e| {
            e.key_origin = origin.clone();
            set_origin(&mut e.node, origin)
        }),
        _ => {}
    }
}

/// The node a missing key stands for while an override is applied: a list
/// parameter's default (so that `growth_rates[0]` can be set alone), else
/// an empty table.
fn implied(path: &str) -> Node {
    let value = match params::param(path).and_then(|p| p.default.value()) {
        Some(Value::List(xs)) => Tree::Array(
            xs.iter()
                .map(|x| Node {
                    value: Tree::Float(*x, params::float_text(*x)),
                    origin: Origin::Implied,
                })
                .collect(),
        ),
        _ => Tree::Table(Vec::new()),
    };
    Node {
        value,
        origin: Origin::Implied,
    }
}

/// What the tree holds at a path of table keys.
enum Lookup<'n> {
    /// The node.
    Found(&'n Node),
    /// A key along the way is missing (an override would make it).
    Missing,
    /// Something along the way is not a table: its path and type.
    Blocked(String, &'static str),
}

fn lookup<'n>(root: &'n Node, keys: &[&str]) -> Lookup<'n> {
    let mut node = root;
    for (n, k) in keys.iter().enumerate() {
        let Tree::Table(entries) = &node.value else {
            return Lookup::Blocked(keys[..n].join("."), node.value.type_name());
        };
        match entries.iter().find(|e| e.key == *k) {
            Some(e) => node = &e.node,
            None => return Lookup::Missing,
        }
    }
    Lookup::Found(node)
}

/// Checks that an override can go into the tree as it is, changing
/// nothing: the key path against the parameter tables, then the deal and
/// list it names against what the file holds.
fn check_override(root: &Node, ov: &Override) -> Result<(), String> {
    match classify(&ov.path)? {
        Shape::Deal(i, what) => {
            let deals = match lookup(root, &["deal"]) {
                Lookup::Found(Node {
                    value: Tree::Array(items),
                    ..
                }) => items,
                Lookup::Found(n) => {
                    return Err(format!(
                        "`deal` is {}, not an array of tables",
                        n.value.type_name()
                    ));
                }
                _ => return Err(no_such_deal(0, i)),
            };
            let Some(deal) = deals.get(i) else {
                return Err(no_such_deal(deals.len(), i));
            };
            let DealShape::Param(p) = what else {
                return Ok(());
            };
            let Some(part) = params::part_of(p.path) else {
                return Ok(());
            };
            match lookup(deal, &[part]) {
                Lookup::Found(Node {
                    value: Tree::Table(_),
                    ..
                }) => Ok(()),
                Lookup::Found(n) => Err(format!(
                    "`deal[{i}].{part}` is {}, not a table",
                    n.value.type_name()
                )),
                Lookup::Blocked(_, t) => Err(format!("`deal[{i}]` is {t}, not a table")),
                Lookup::Missing => {
                    let who = match lookup(deal, &["counterparty"]) {
                        Lookup::Found(Node {
                            value: Tree::Str(cp),
                            ..
                        }) => format!("deal[{i}] ({})", params::short(cp)),
                        _ => format!("deal[{i}]"),
                    };
                    let keys: Vec<String> = params::DEAL_PARAMS
                        .iter()
                        .filter(|q| {
                            params::part_of(q.path) == Some(part)
                                && q.default == params::Default::Required
                        })
                        .map(|q| format!("{} = …", &q.path[part.len() + 1..]))
                        .collect();
                    Err(format!(
                        "{who} has no `{part}` part; set it whole: --set 'deal[{i}].{part}={{ {} }}'",
                        keys.join(", ")
                    ))
                }
            }
        }
        Shape::Item(p, i) => {
            let keys: Vec<&str> = p.path.split('.').collect();
            let len = match lookup(root, &keys) {
                Lookup::Found(Node {
                    value: Tree::Array(items),
                    ..
                }) => items.len(),
                Lookup::Found(n) => {
                    return Err(format!(
                        "`{}` is {}, not an array",
                        p.path,
                        n.value.type_name()
                    ));
                }
                Lookup::Blocked(at, t) => return Err(format!("`{at}` is {t}, not a table")),
                // Missing: the default list stands in for it.
                Lookup::Missing => match p.default.value() {
                    Some(Value::List(xs)) => xs.len(),
                    _ => 0,
                },
            };
            if i >= len {
                return Err(no_such_item(p.path, len, i));
            }
            Ok(())
        }
        Shape::Param(_) | Shape::Table(_) => {
            let keys: Vec<&str> = ov
                .path
                .segments
                .iter()
                .filter_map(|s| match s {
                    Segment::Key(k) => Some(k.as_str()),
                    Segment::Index(_) => None,
                })
                .collect();
            match lookup(root, &keys[..keys.len().saturating_sub(1)]) {
                Lookup::Blocked(at, t) => Err(format!("`{at}` is {t}, not a table")),
                Lookup::Found(n) if !matches!(n.value, Tree::Table(_)) => Err(format!(
                    "`{}` is {}, not a table",
                    keys[..keys.len().saturating_sub(1)].join("."),
                    n.value.type_name()
                )),
                _ => Ok(()),
            }
        }
    }
}

/// Puts an override's value into the tree, after [`check_override`] found
/// that it fits: missing tables are made on the way down (a list parameter
/// missing from the file stands as its default, so that one item can be set).
fn apply(root: &mut Node, ov: &Override, index: usize) -> Result<(), String> {
    check_override(root, ov)?;
    let origin = Origin::Override(index);
    let mut node = root;
    let mut prefix = String::new();
    let mut in_deal = false;
    for seg in &ov.path.segments {
        match seg {
            Segment::Key(k) => {
                let full = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                let Tree::Table(entries) = &mut node.value else {
                    return Err(format!("`{prefix}` is not a table"));
                };
                let pos = match entries.iter().position(|e| &e.key == k) {
                    Some(p) => p,
                    None => {
                        let new = if in_deal {
                            Node {
                                value: Tree::Table(Vec::new()),
                                origin: Origin::Implied,
                            }
                        } else {
                            implied(&full)
                        };
                        entries.push(Entry {
                            key: k.clone(),
                            key_origin: origin.clone(),
                            node: new,
                        });
                        entries.len() - 1
                    }
                };
                node = &mut entries[pos].node;
                prefix = full;
            }
            Segment::Index(i) => {
                let Tree::Array(items) = &mut node.value else {
                    return Err(format!("`{prefix}` is not an array"));
                };
                let len = items.len();
                node = items
                    .get_mut(*i)
                    .ok_or_else(|| no_such_item(&prefix, len, *i))?;
                if !in_deal && prefix == "deal" {
                    in_deal = true;
                    prefix.clear();
                }
            }
        }
    }
    let mut v = ov.value.clone();
    set_origin(&mut v, &origin);
    merge(node, v);
    Ok(())
}

/// Puts `v` at `node`: a table into a table key by key (so that `--set
/// 'aegis={ initial_usdc = 5 }'` changes that key and keeps the file's
/// others), anything else in place of what was there.
fn merge(node: &mut Node, v: Node) {
    match (&mut node.value, v.value) {
        (Tree::Table(entries), Tree::Table(new)) => {
            for e in new {
                match entries.iter_mut().find(|old| old.key == e.key) {
                    Some(old) => {
                        old.key_origin = e.key_origin;
                        merge(&mut old.node, e.node);
                    }
                    None => entries.push(e),
                }
            }
        }
        (_, value) => {
            *node = Node {
                value,
                origin: v.origin,
            }
        }
    }
}

/// Reads `text` (named `source` in messages) as a scenario, with `overrides`
/// applied on top, and validates it.
pub fn load(
    source: &str,
    text: &str,
    overrides: &[Override],
) -> Result<super::ValidScenario, ScenarioError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(ScenarioError::new(
            source,
            vec![Problem {
                at: Where::Nowhere,
                path: String::new(),
                deal: None,
                message: format!(
                    "the scenario is {} bytes long; a scenario file may be at most {} MiB",
                    text.len(),
                    MAX_TEXT_BYTES / (1024 * 1024)
                ),
            }],
        ));
    }
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut reader = Reader {
        text,
        line_starts,
        overrides,
        problems: Vec::new(),
        omitted: 0,
        spots: Spots::default(),
        deal_keys: params::deal_children(""),
        part_keys: params::DEAL_PARTS
            .iter()
            .map(|p| (*p, params::deal_children(p)))
            .collect(),
    };
    let (table, errors) = DeTable::parse_recoverable(text);
    for e in &errors {
        let message = e.message().trim_end();
        // The parser gives up on deep nesting with no position: find it.
        if e.span().is_none()
            && let Some(pos) = too_deep(text)
        {
            reader.problem(
                &Origin::File(pos),
                String::new(),
                None,
                format!(
                    "tables or arrays nest more than {MAX_DEPTH} levels deep here (a scenario needs 3)"
                ),
            );
            continue;
        }
        let at = e.span().map(|s| s.start);
        // toml says "duplicate key" without the key: name it from the span.
        let message = match (message.starts_with("duplicate key"), e.span()) {
            (true, Some(span)) => match text.get(span.clone()) {
                Some(key) if !key.is_empty() => format!("duplicate key `{}`", key.trim()),
                _ => message.to_string(),
            },
            _ => message.to_string(),
        };
        reader.problems.push(Problem {
            at: at.map_or(Where::Nowhere, |p| reader.locate(&Origin::File(p))),
            path: String::new(),
            deal: None,
            message: format!("TOML syntax error: {message}"),
        });
    }
    if !reader.problems.is_empty() {
        return Err(ScenarioError::new(source, reader.problems));
    }
    let mut root = match convert_table(table.into_inner(), 0) {
        Ok(entries) => Node {
            value: Tree::Table(entries),
            origin: Origin::File(0),
        },
        Err((pos, msg)) => {
            reader.problem(
                &Origin::File(pos),
                String::new(),
                None,
                format!("TOML syntax error: {msg}"),
            );
            return Err(ScenarioError::new(source, reader.problems));
        }
    };
    for (i, ov) in overrides.iter().enumerate() {
        if let Err(message) = apply(&mut root, ov, i) {
            reader.problems.push(Problem {
                at: Where::Override(ov.label.clone()),
                path: ov.path.to_string(),
                deal: None,
                message,
            });
        }
    }
    let scenario = reader.scenario(&root);
    let omitted = reader.omitted;
    super::validate::validate(source, scenario, reader.problems, &reader.spots).map_err(|mut e| {
        e.omitted += omitted;
        e
    })
}

/// How many dotted parts the key at the start of `line` has, up to `end`
/// (dots inside quotes do not count).
fn key_parts(line: &str, end: char) -> usize {
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
fn too_deep(text: &str) -> Option<usize> {
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

struct Reader<'a> {
    text: &'a str,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
    overrides: &'a [Override],
    problems: Vec<Problem>,
    /// Problems past [`MAX_KEPT`], counted but not kept.
    omitted: usize,
    spots: Spots,
    /// The keys of a deal and of each of its parts, worked out once per load.
    deal_keys: Vec<&'static str>,
    part_keys: Vec<(&'static str, Vec<&'static str>)>,
}

impl<'a> Reader<'a> {
    fn locate(&self, origin: &Origin) -> Where {
        match origin {
            Origin::File(pos) => {
                // The line is found by binary search over the line starts;
                // scanning the text for every key made loading quadratic.
                let line = self.line_starts.partition_point(|&start| start <= *pos);
                let start = self.line_starts[line.max(1) - 1];
                let column = self
                    .text
                    .get(start..*pos)
                    .map_or(1, |t| t.chars().count() + 1);
                Where::Text { line, column }
            }
            Origin::Override(i) => Where::Override(self.overrides[*i].label.clone()),
            Origin::Implied => Where::Nowhere,
        }
    }

    fn problem(&mut self, origin: &Origin, path: String, deal: Option<&str>, message: String) {
        if self.problems.len() >= MAX_KEPT {
            self.omitted += 1;
            return;
        }
        let at = self.locate(origin);
        self.problems.push(Problem {
            at,
            path,
            deal: deal.map(str::to_string),
            message,
        });
    }

    fn remember(&mut self, spot: Spot, node: &Node) {
        let at = self.locate(&node.origin);
        self.spots.insert(spot, at);
    }

    /// Reports the keys of `entries` that are not in `known`.
    fn unknown_keys(&mut self, path: &str, entries: &[Entry], known: &[&str], deal: Option<&str>) {
        for e in entries {
            if known.contains(&e.key.as_str()) {
                continue;
            }
            let key_path = join(path, &params::short(&e.key));
            self.problem(
                &e.key_origin,
                key_path,
                deal,
                format!(
                    "unknown key `{}`; {}",
                    params::short(&e.key),
                    params::suggest(&e.key, known)
                ),
            );
        }
    }

    /// Reads the value of `node` as `kind`; a problem (at the value) if it
    /// does not fit. A list checks each item at its own place.
    /// `path` gives the key path for a message, made only when one is needed.
    fn value(
        &mut self,
        node: &Node,
        spot: Option<Spot>,
        path: &dyn Fn() -> String,
        kind: Kind,
        deal: Option<&str>,
    ) -> Option<Value> {
        if let Some(spot) = spot {
            self.remember(spot, node);
        }
        if let (Kind::Numbers(range), Tree::Array(items)) = (kind, &node.value)
            && !items.is_empty()
        {
            let mut xs = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let item_path = || format!("{}[{i}]", path());
                let x = self.value(item, None, &item_path, Kind::Number(range), deal);
                xs.push(x.and_then(|v| v.as_f64()));
            }
            return xs
                .into_iter()
                .collect::<Option<Vec<f64>>>()
                .map(Value::List);
        }
        let checked = match node.value.value() {
            Some(v) => kind.check_shown(&v, || node.value.show()),
            None => Err(format!(
                "expected {}, found {} ({})",
                kind.describe(),
                node.value.type_name(),
                node.value.show()
            )),
        };
        match checked {
            Ok(v) => Some(v),
            Err(message) => {
                self.problem(&node.origin, path(), deal, message);
                None
            }
        }
    }

    /// The entries of a table node; a problem if it is something else.
    fn table<'n>(&mut self, node: &'n Node, path: &str, deal: Option<&str>) -> &'n [Entry] {
        match &node.value {
            Tree::Table(entries) => entries,
            other => {
                self.problem(
                    &node.origin,
                    path.to_string(),
                    deal,
                    format!(
                        "expected a table, found {} ({})",
                        other.type_name(),
                        other.show()
                    ),
                );
                &[]
            }
        }
    }

    fn scenario(&mut self, root: &Node) -> Scenario {
        let mut s = Scenario::default();
        let Tree::Table(entries) = &root.value else {
            return s;
        };
        self.section(&mut s, "", entries);
        s.deals = self.deals(entries);
        s
    }

    /// Reads the table at `prefix` (and its sub-tables) into `s`.
    fn section(&mut self, s: &mut Scenario, prefix: &str, entries: &[Entry]) {
        let known = params::scenario_children(prefix);
        self.unknown_keys(prefix, entries, &known, None);
        for key in known {
            if prefix.is_empty() && key == "deal" {
                continue;
            }
            let Some(e) = entries.iter().find(|e| e.key == key) else {
                continue;
            };
            match params::PARAMS
                .iter()
                .enumerate()
                .find(|(_, p)| is_path(p.path, prefix, key))
            {
                Some((j, p)) => {
                    let path = || p.path.to_string();
                    if let Some(v) = self.value(&e.node, Some(Spot::Param(j)), &path, p.kind, None)
                    {
                        (p.set)(s, v);
                    }
                }
                None => {
                    let path = join(prefix, key);
                    let sub = self.table(&e.node, &path, None);
                    self.section(s, &path, sub);
                }
            }
        }
    }

    fn deals(&mut self, top: &[Entry]) -> Vec<Deal> {
        let Some(node) = top.iter().find(|e| e.key == "deal").map(|e| &e.node) else {
            return Vec::new();
        };
        let items: &[Node] = match &node.value {
            Tree::Array(items) => items,
            other => {
                self.problem(
                    &node.origin,
                    "deal".into(),
                    None,
                    format!(
                        "expected an array of tables (`[[deal]]`), found {} ({})",
                        other.type_name(),
                        other.show()
                    ),
                );
                return Vec::new();
            }
        };
        let mut deals = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("deal[{i}]");
            let entries = self.table(item, &path, None);
            if let Tree::Table(_) = item.value {
                if let Some(deal) = self.deal(i, item, entries) {
                    deals.push(deal);
                    self.spots.file_index.push(i);
                }
            }
        }
        deals
    }

    fn deal(&mut self, i: usize, item: &Node, entries: &[Entry]) -> Option<Deal> {
        let base = format!("deal[{i}]");
        // Problems name the counterparty too, where it can be read.
        let label = entries
            .iter()
            .find(|e| e.key == "counterparty")
            .and_then(|e| match &e.node.value {
                Tree::Str(s) if params::text_ok(s) => Some(params::short(s).into_owned()),
                _ => None,
            });
        let label = label.as_deref();
        let mut d = Deal::default();
        let mut complete = true;
        let mut has_part = false;
        let keys = std::mem::take(&mut self.deal_keys);
        self.unknown_keys(&base, entries, &keys, label);
        for &key in &keys {
            let path = format!("{base}.{key}");
            let found = entries.iter().find(|e| e.key == key);
            if params::DEAL_PARTS.contains(&key) {
                let Some(e) = found else { continue };
                has_part = true;
                let sub = self.table(&e.node, &path, label);
                // A part that is not a table was reported as such; its keys
                // are not also reported missing.
                if matches!(e.node.value, Tree::Table(_)) {
                    self.part(&mut d, (i, &base), key, &e.node, sub, label);
                }
                continue;
            }
            let Some((j, p)) = params::DEAL_PARAMS
                .iter()
                .enumerate()
                .find(|(_, p)| p.path == key)
            else {
                continue;
            };
            let lazy = || path.clone();
            match found {
                Some(e) => {
                    match self.value(&e.node, Some(Spot::Deal(i, j)), &lazy, p.kind, label) {
                        Some(v) => (p.set)(&mut d, v),
                        None => complete &= key == "id",
                    }
                }
                None if p.default == params::Default::Derived => {}
                None => {
                    complete = false;
                    self.problem(
                        &item.origin,
                        path,
                        label,
                        format!("missing: every deal needs a {key} ({})", p.kind.describe()),
                    );
                }
            }
        }
        self.deal_keys = keys;
        if !has_part {
            self.problem(&item.origin, base.clone(), label, NO_PART.into());
        }
        if !complete {
            return None;
        }
        if !self.spots.id_given(i) {
            d.id = Deal::default_id(&d.counterparty, d.start_month);
        }
        Some(d)
    }

    /// Reads the part `part` of a deal (`oak`) from its table.
    fn part(
        &mut self,
        d: &mut Deal,
        (i, base): (usize, &str),
        part: &str,
        node: &Node,
        entries: &[Entry],
        label: Option<&str>,
    ) {
        let path = format!("{base}.{part}");
        let known = self
            .part_keys
            .iter()
            .find(|(p, _)| *p == part)
            .map(|(_, keys)| keys.clone())
            .unwrap_or_default();
        self.unknown_keys(&path, entries, &known, label);
        for (j, p) in params::DEAL_PARAMS
            .iter()
            .enumerate()
            .filter(|(_, p)| params::part_of(p.path) == Some(part))
        {
            let key = &p.path[part.len() + 1..];
            let key_path = || format!("{base}.{}", p.path);
            match entries.iter().find(|e| e.key == key) {
                Some(e) => {
                    if let Some(v) =
                        self.value(&e.node, Some(Spot::Deal(i, j)), &key_path, p.kind, label)
                    {
                        (p.set)(d, v);
                    }
                }
                None => match p.default.value() {
                    Some(v) => (p.set)(d, v),
                    // Left unset, it is made from the part's other keys.
                    None if p.default == params::Default::Derived => {}
                    None => {
                        // Point at the table the key is missing from.
                        let origin = entries
                            .first()
                            .map_or(node.origin.clone(), |e| e.key_origin.clone());
                        self.problem(
                            &origin,
                            key_path(),
                            label,
                            format!("missing: expected {}", p.kind.describe()),
                        );
                    }
                },
            }
        }
    }
}

/// Whether `path` is `key` in the table at `prefix`, without building it.
fn is_path(path: &str, prefix: &str, key: &str) -> bool {
    if prefix.is_empty() {
        return path == key;
    }
    path.len() == prefix.len() + 1 + key.len()
        && path.starts_with(prefix)
        && path.ends_with(key)
        && path.as_bytes()[prefix.len()] == b'.'
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}
