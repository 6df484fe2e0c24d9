//! Reading a scenario from TOML text, reporting every problem at once.
//!
//! The text is parsed into a small tree that remembers where each value came
//! from (a span of the file, or a `--set` override). A reader then walks the
//! tree along the parameter table ([`super::params`]), fills a [`Scenario`]
//! with defaults for what is missing, and collects a [`Problem`] for each
//! wrong type, bad value or unknown key instead of stopping at the first.

use super::overrides::apply;
use super::params::{self, Kind, Value};
use super::tree::{Entry, Node, Origin, Tree, parse};
use super::validate::{MAX_KEPT, NO_PART, Problem, ScenarioError, Spot, Spots, Where};
use super::{Deal, Scenario};

pub use super::overrides::{Given, Override, override_value, parse_override};

/// The largest scenario text read, in bytes: far above any real scenario,
/// and a bound on the memory a mistaken input (`/dev/zero`) can take.
pub const MAX_TEXT_BYTES: usize = 16 * 1024 * 1024;

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
    // A valid text is read without positions; only a text with a problem
    // is read again with them, to say where each problem is.
    if overrides.is_empty()
        && let Some((scenario, spots)) = super::fast::read(text)
        && let Ok(valid) = super::validate::validate(source, scenario, Vec::new(), &spots)
    {
        return Ok(valid);
    }
    positioned(source, text, overrides)
}

/// [`load`] by the positioned tree alone: every value keeps its place in
/// the text, for messages.
pub(super) fn positioned(
    source: &str,
    text: &str,
    overrides: &[Override],
) -> Result<super::ValidScenario, ScenarioError> {
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
    let entries = match parse(text) {
        Ok(entries) => entries,
        Err(problems) => {
            for p in problems {
                let message = if p.too_deep {
                    format!("{} (a scenario needs 3)", p.message)
                } else {
                    format!("TOML syntax error: {}", p.message)
                };
                reader.problems.push(Problem {
                    at: p
                        .at
                        .map_or(Where::Nowhere, |at| reader.locate(&Origin::File(at))),
                    path: String::new(),
                    deal: None,
                    message,
                });
            }
            return Err(ScenarioError::new(source, reader.problems));
        }
    };
    let mut root = Node {
        value: Tree::Table(entries),
        origin: Origin::File(0),
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
            if let Tree::Table(_) = item.value
                && let Some(deal) = self.deal(i, item, entries)
            {
                deals.push(deal);
                self.spots.file_index.push(i);
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
                // Derived keys are made later; `enabled` is true unless given.
                None if p.default != params::Default::Required => {}
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
