//! Overrides (`--set KEY=VALUE`, `--months N`): parsed, checked against
//! the parameter tables and the file, and applied to the positioned tree.

use super::edit::{DealShape, KeyPath, Segment, Shape, classify, no_such_deal, no_such_item};
use super::params::{self, Value};
use super::tree::{Entry, Node, Origin, Tree, convert};
use toml::de::DeValue;
/// What gave an override (or a sweep's setting), as a front end took it
/// in. The library words none of it: each front end names it in its own
/// terms ([`Wording`](super::validate::Wording)), the command line as its
/// flags (`--set K=V`, `--months 0`), the Python package as its arguments
/// (`set={"K": V}`, `months=0`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Given {
    /// A `KEY=VALUE` text, as written.
    Set(String),
    /// A number of months, as written.
    Months(String),
    /// A sweep's number of runs.
    Runs(i64),
    /// A sweep's base seed.
    Seed(i64),
    /// A key set to a value by a program (`Scenario::with`): the key, and
    /// the value as TOML.
    Edit {
        /// The key path.
        key: String,
        /// The value, as TOML writes it.
        value: String,
    },
    /// A place the front end has already worded (a path in a dict it was
    /// given).
    Place(String),
    /// A criterion given as text (DECIDE.md, "Criteria").
    Criterion(String),
}

impl std::fmt::Display for Given {
    /// Plain words, naming no front end's flags or arguments: `set K=V`,
    /// `months 0`, `runs 3`, `seed 7`, `set K = V`, the place.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Given::Set(text) => write!(f, "set {text}"),
            Given::Months(n) => write!(f, "months {n}"),
            Given::Runs(n) => write!(f, "runs {n}"),
            Given::Seed(n) => write!(f, "seed {n}"),
            Given::Edit { key, value } => write!(f, "set {key} = {value}"),
            Given::Place(place) => f.write_str(place),
            Given::Criterion(text) => write!(f, "criterion {text:?}"),
        }
    }
}

/// An override of one key: `KEY=VALUE`, or a setting that stands for one
/// (a number of months).
#[derive(Clone, Debug)]
pub struct Override {
    /// What gave it, for messages.
    pub(super) label: Given,
    pub(super) path: KeyPath,
    pub(super) value: Node,
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
    override_value(key, raw, Given::Set(text.to_string()))
}

/// An override of `key` with the value text `raw`, given by `label`
/// (`Given::Months("0")`).
pub fn override_value(key: &str, raw: &str, label: Given) -> Result<Override, String> {
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

pub(super) fn set_origin(node: &mut Node, origin: &Origin) {
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
pub(super) fn implied(path: &str) -> Node {
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
pub(super) enum Lookup<'n> {
    /// The node.
    Found(&'n Node),
    /// A key along the way is missing (an override would make it).
    Missing,
    /// Something along the way is not a table: its path and type.
    Blocked(String, &'static str),
}

pub(super) fn lookup<'n>(root: &'n Node, keys: &[&str]) -> Lookup<'n> {
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
pub(super) fn check_override(root: &Node, ov: &Override) -> Result<(), String> {
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
                        "{who} has no `{part}` part; set the part whole: deal[{i}].{part} = {{ {} }}",
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
pub(super) fn apply(root: &mut Node, ov: &Override, index: usize) -> Result<(), String> {
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
pub(super) fn merge(node: &mut Node, v: Node) {
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
