//! Reading a scenario from TOML text, reporting every problem at once.
//!
//! The text is parsed into a small tree that remembers where each value came
//! from (a span of the file, or a `--set` override). A reader then walks the
//! tree, fills a [`Scenario`] with defaults for what is missing, and collects
//! a [`Problem`] for each wrong type, bad value or unknown key instead of
//! stopping at the first.

use toml::de::{DeTable, DeValue};

use super::validate::{Problem, ScenarioError, Where};
use super::{
    ChainTvl, Deal, KindValues, OakPart, PairPart, PriceModel, Rebalance, Scenario, TvlKind,
    TvlPart,
};

/// Where a value came from.
#[derive(Clone, Debug, PartialEq)]
enum Origin {
    /// Byte span in the scenario text.
    File(usize),
    /// The n-th `--set` override.
    Override(usize),
    /// Made up while applying an override (an implied table).
    Implied,
}

#[derive(Clone, Debug)]
enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Datetime(String),
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

#[derive(Clone, Debug)]
struct Node {
    value: Value,
    origin: Origin,
}

#[derive(Clone, Debug)]
struct Entry {
    key: String,
    key_origin: Origin,
    node: Node,
}

impl Value {
    fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Bool(_) => "a boolean",
            Value::Datetime(_) => "a date-time",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }

    /// A short rendering for messages.
    fn show(&self) -> String {
        match self {
            Value::Str(s) => format!("{s:?}"),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Datetime(d) => d.clone(),
            Value::Array(a) => format!("[{} items]", a.len()),
            Value::Table(_) => "{table}".to_string(),
        }
    }
}

fn convert(value: &toml::Spanned<DeValue<'_>>) -> Result<Node, String> {
    let origin = Origin::File(value.span().start);
    let v = match value.get_ref() {
        DeValue::String(s) => Value::Str(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::Int(n),
            Err(_) => Value::Float(i.as_str().parse::<f64>().map_err(|e| e.to_string())?),
        },
        DeValue::Float(f) => Value::Float(f.as_str().parse::<f64>().map_err(|e| e.to_string())?),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::Datetime(d.to_string()),
        DeValue::Array(a) => Value::Array(a.iter().map(convert).collect::<Result<_, _>>()?),
        DeValue::Table(t) => Value::Table(convert_table(t)?),
    };
    Ok(Node { value: v, origin })
}

fn convert_table(t: &DeTable<'_>) -> Result<Vec<Entry>, String> {
    t.iter()
        .map(|(k, v)| {
            Ok(Entry {
                key: k.get_ref().to_string(),
                key_origin: Origin::File(k.span().start),
                node: convert(v)?,
            })
        })
        .collect()
}

/// One step of a dotted key path: a key, or an index into an array.
#[derive(Clone, Debug, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// A `--set KEY=VALUE` override, parsed.
#[derive(Clone, Debug)]
pub struct Override {
    text: String,
    path: Vec<Segment>,
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
    let key = key.trim();
    let raw = raw.trim();
    let mut path = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "`{key}` is not a dotted key path (for example `aegis.initial_usdc` or `deal[0].oak.amount`)"
            ));
        }
        path.push(Segment::Key(name.to_string()));
        while !rest.is_empty() {
            let close = rest.find(']').filter(|_| rest.starts_with('['));
            let index = close.and_then(|c| rest[1..c].parse::<usize>().ok());
            match (close, index) {
                (Some(c), Some(i)) => {
                    path.push(Segment::Index(i));
                    rest = &rest[c + 1..];
                }
                _ => {
                    return Err(format!(
                        "`{key}`: an index is written `[N]`, as in `deal[0]`"
                    ));
                }
            }
        }
    }
    let value = match DeValue::parse(raw) {
        Ok(v) => convert(&v).unwrap_or(Node {
            value: Value::Str(raw.to_string()),
            origin: Origin::Implied,
        }),
        Err(_) => Node {
            value: Value::Str(raw.to_string()),
            origin: Origin::Implied,
        },
    };
    Ok(Override {
        text: text.to_string(),
        path,
        value,
    })
}

fn set_origin(node: &mut Node, origin: &Origin) {
    node.origin = origin.clone();
    match &mut node.value {
        Value::Array(items) => items.iter_mut().for_each(|n| set_origin(n, origin)),
        Value::Table(entries) => entries.iter_mut().for_each(|e| {
            e.key_origin = origin.clone();
            set_origin(&mut e.node, origin)
        }),
        _ => {}
    }
}

fn path_text(path: &[Segment]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Segment::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Segment::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Puts an override's value into the tree; an error says why it cannot go there.
fn apply(root: &mut Node, ov: &Override, index: usize) -> Result<(), String> {
    let origin = Origin::Override(index);
    let mut node = root;
    for (depth, seg) in ov.path.iter().enumerate() {
        let last = depth + 1 == ov.path.len();
        let here = path_text(&ov.path[..depth]);
        match seg {
            Segment::Key(k) => {
                let type_name = node.value.type_name();
                let Value::Table(entries) = &mut node.value else {
                    return Err(format!("`{here}` is {type_name}, not a table"));
                };
                let pos = match entries.iter().position(|e| &e.key == k) {
                    Some(p) => p,
                    None => {
                        entries.push(Entry {
                            key: k.clone(),
                            key_origin: origin.clone(),
                            node: Node {
                                value: Value::Table(Vec::new()),
                                origin: Origin::Implied,
                            },
                        });
                        entries.len() - 1
                    }
                };
                node = &mut entries[pos].node;
            }
            Segment::Index(i) => {
                let type_name = node.value.type_name();
                let Value::Array(items) = &mut node.value else {
                    return Err(format!("`{here}` is {type_name}, not an array"));
                };
                let len = items.len();
                node = items.get_mut(*i).ok_or_else(|| {
                    format!(
                        "`{here}` has {len} entries, so `[{i}]` does not exist (the first is [0])"
                    )
                })?;
            }
        }
        if last {
            let mut v = ov.value.clone();
            set_origin(&mut v, &origin);
            *node = v;
        }
    }
    Ok(())
}

/// Reads `text` (named `source` in messages) as a scenario, with `overrides`
/// applied on top, and validates it.
pub fn load(
    source: &str,
    text: &str,
    overrides: &[Override],
) -> Result<super::ValidScenario, ScenarioError> {
    let (table, errors) = DeTable::parse_recoverable(text);
    let mut problems: Vec<Problem> = errors
        .iter()
        .map(|e| Problem {
            at: e
                .span()
                .map(|s| Where::at(text, s.start))
                .unwrap_or(Where::Nowhere),
            path: String::new(),
            message: format!("TOML syntax error: {}", e.message().trim_end()),
        })
        .collect();
    if !problems.is_empty() {
        return Err(ScenarioError::new(source, problems));
    }
    let mut root = match convert_table(table.get_ref()) {
        Ok(entries) => Node {
            value: Value::Table(entries),
            origin: Origin::File(0),
        },
        Err(msg) => {
            return Err(ScenarioError::new(
                source,
                vec![Problem {
                    at: Where::Nowhere,
                    path: String::new(),
                    message: format!("TOML syntax error: {msg}"),
                }],
            ));
        }
    };
    for (i, ov) in overrides.iter().enumerate() {
        if let Err(msg) = apply(&mut root, ov, i) {
            problems.push(Problem {
                at: Where::Override(ov.text.clone()),
                path: path_text(&ov.path),
                message: msg,
            });
        }
    }
    let line_starts = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut reader = Reader {
        text,
        line_starts,
        overrides,
        problems,
        spots: Vec::new(),
    };
    let scenario = reader.scenario(&root);
    super::validate::validate(source, scenario, reader.problems, reader.spots)
}

/// What values a number may take.
#[derive(Clone, Copy, Debug)]
enum Range {
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
    fn allows(self, x: f64) -> bool {
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

    fn describe(self) -> String {
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
}

/// A table being read: the keys asked for are remembered so that the rest
/// can be reported as unknown.
struct TableReader<'n> {
    path: String,
    entries: &'n [Entry],
    known: Vec<&'static str>,
}

impl<'n> TableReader<'n> {
    fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn take(&mut self, key: &'static str) -> Option<&'n Node> {
        self.known.push(key);
        self.entries.iter().find(|e| e.key == key).map(|e| &e.node)
    }
}

struct Reader<'a> {
    text: &'a str,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
    overrides: &'a [Override],
    problems: Vec<Problem>,
    /// Where each key path that was read came from, for later checks.
    spots: Vec<(String, Where)>,
}

impl<'a> Reader<'a> {
    fn locate(&self, origin: &Origin) -> Where {
        match origin {
            Origin::File(pos) => {
                // The line is found by binary search over the line starts;
                // scanning the text for every key made loading quadratic.
                let line = self.line_starts.partition_point(|&start| start <= *pos);
                let start = self.line_starts[line - 1];
                let column = self
                    .text
                    .get(start..*pos)
                    .map_or(1, |t| t.chars().count() + 1);
                Where::Text { line, column }
            }
            Origin::Override(i) => Where::Override(self.overrides[*i].text.clone()),
            Origin::Implied => Where::Nowhere,
        }
    }

    fn problem(&mut self, origin: &Origin, path: String, message: String) {
        let at = self.locate(origin);
        self.problems.push(Problem { at, path, message });
    }

    fn remember(&mut self, path: &str, node: &Node) {
        let at = self.locate(&node.origin);
        self.spots.push((path.to_string(), at));
    }

    /// Reports the keys of `t` that nothing asked for.
    fn finish(&mut self, t: TableReader<'_>) {
        for e in t.entries {
            if t.known.contains(&e.key.as_str()) {
                continue;
            }
            let suggestion = t
                .known
                .iter()
                .map(|k| (strsim::jaro_winkler(k, &e.key), *k))
                .filter(|(score, _)| *score > 0.7)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, k)| format!("did you mean `{k}`?"))
                .unwrap_or_else(|| format!("allowed here: {}", t.known.join(", ")));
            self.problem(
                &e.key_origin,
                t.key_path(&e.key),
                format!("unknown key `{}`; {suggestion}", e.key),
            );
        }
    }

    /// The sub-table `key` of `t` (empty when missing).
    fn table<'n>(&mut self, t: &mut TableReader<'n>, key: &'static str) -> TableReader<'n> {
        let path = t.key_path(key);
        let entries: &'n [Entry] = match t.take(key) {
            Some(Node {
                value: Value::Table(entries),
                ..
            }) => entries,
            Some(node) => {
                self.problem(
                    &node.origin,
                    path.clone(),
                    format!(
                        "expected a table, found {} ({})",
                        node.value.type_name(),
                        node.value.show()
                    ),
                );
                &[]
            }
            None => &[],
        };
        TableReader {
            path,
            entries,
            known: Vec::new(),
        }
    }

    fn number_of(&mut self, node: &Node, path: &str, range: Range) -> Option<f64> {
        let x = match node.value {
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
            ref other => {
                self.problem(
                    &node.origin,
                    path.to_string(),
                    format!(
                        "expected a number, found {} ({})",
                        other.type_name(),
                        other.show()
                    ),
                );
                return None;
            }
        };
        if range.allows(x) {
            Some(x)
        } else {
            self.problem(
                &node.origin,
                path.to_string(),
                format!(
                    "{} is not allowed: expected {}",
                    node.value.show(),
                    range.describe()
                ),
            );
            None
        }
    }

    fn f64(
        &mut self,
        t: &mut TableReader<'_>,
        key: &'static str,
        default: f64,
        range: Range,
    ) -> f64 {
        let path = t.key_path(key);
        match t.take(key) {
            Some(node) => {
                self.remember(&path, node);
                self.number_of(node, &path, range).unwrap_or(default)
            }
            None => default,
        }
    }

    fn int_of(&mut self, node: &Node, path: &str, lo: u64, hi: u64) -> Option<u64> {
        let x = match node.value {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) if f.fract() == 0.0 => Some(f),
            _ => None,
        };
        match x {
            Some(x) if x >= lo as f64 && x <= hi as f64 => Some(x as u64),
            _ => {
                self.problem(
                    &node.origin,
                    path.to_string(),
                    format!(
                        "{} is not allowed: expected a whole number from {lo} to {hi}",
                        node.value.show()
                    ),
                );
                None
            }
        }
    }

    fn u32(
        &mut self,
        t: &mut TableReader<'_>,
        key: &'static str,
        default: u32,
        lo: u32,
        hi: u32,
    ) -> u32 {
        let path = t.key_path(key);
        match t.take(key) {
            Some(node) => {
                self.remember(&path, node);
                self.int_of(node, &path, lo.into(), hi.into())
                    .map(|v| v as u32)
                    .unwrap_or(default)
            }
            None => default,
        }
    }

    fn bool(&mut self, t: &mut TableReader<'_>, key: &'static str, default: bool) -> bool {
        let path = t.key_path(key);
        match t.take(key) {
            Some(Node {
                value: Value::Bool(b),
                ..
            }) => *b,
            Some(node) => {
                self.problem(
                    &node.origin,
                    path,
                    format!(
                        "expected true or false, found {} ({})",
                        node.value.type_name(),
                        node.value.show()
                    ),
                );
                default
            }
            None => default,
        }
    }

    fn string_of(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            other => {
                self.problem(
                    &node.origin,
                    path.to_string(),
                    format!(
                        "expected a string, found {} ({})",
                        other.type_name(),
                        other.show()
                    ),
                );
                None
            }
        }
    }

    /// A string that must be one of `choices`.
    fn choice<T: Copy>(
        &mut self,
        t: &mut TableReader<'_>,
        key: &'static str,
        default: T,
        choices: &[(&str, T)],
    ) -> T {
        let path = t.key_path(key);
        let Some(node) = t.take(key) else {
            return default;
        };
        let Some(s) = self.string_of(node, &path) else {
            return default;
        };
        match choices.iter().find(|(name, _)| *name == s) {
            Some((_, v)) => *v,
            None => {
                let names: Vec<String> = choices.iter().map(|(n, _)| format!("\"{n}\"")).collect();
                self.problem(
                    &node.origin,
                    path,
                    format!("{s:?} is not allowed: expected one of {}", names.join(", ")),
                );
                default
            }
        }
    }

    fn kind_values(
        &mut self,
        parent: &mut TableReader<'_>,
        key: &'static str,
        default: &KindValues,
        range: Range,
    ) -> KindValues {
        let mut t = self.table(parent, key);
        let v = KindValues {
            protocol_locked: self.f64(&mut t, "protocol_locked", default.protocol_locked, range),
            contracted: self.f64(&mut t, "contracted", default.contracted, range),
            organic: self.f64(&mut t, "organic", default.organic, range),
            boosted: self.f64(&mut t, "boosted", default.boosted, range),
        };
        self.finish(t);
        v
    }

    fn scenario(&mut self, root: &Node) -> Scenario {
        let d = Scenario::default();
        let Value::Table(entries) = &root.value else {
            return d;
        };
        let mut top = TableReader {
            path: String::new(),
            entries,
            known: Vec::new(),
        };
        let mut s = d.clone();

        let mut t = self.table(&mut top, "simulation");
        s.simulation.months = self.u32(&mut t, "months", d.simulation.months, 1, 1200);
        s.simulation.seed = match t.take("seed") {
            Some(node) => {
                let path = t.key_path("seed");
                self.int_of(node, &path, 0, i64::MAX as u64).unwrap_or(0)
            }
            None => d.simulation.seed,
        };
        self.finish(t);

        let mut t = self.table(&mut top, "aegis");
        s.aegis.initial_leaf =
            self.f64(&mut t, "initial_leaf", d.aegis.initial_leaf, Range::NonNeg);
        s.aegis.initial_usdc =
            self.f64(&mut t, "initial_usdc", d.aegis.initial_usdc, Range::NonNeg);
        s.aegis.revenue_share = self.f64(
            &mut t,
            "revenue_share",
            d.aegis.revenue_share,
            Range::Closed(0.0, 1.0),
        );
        self.finish(t);

        let mut t = self.table(&mut top, "leaf_price");
        let p = &d.leaf_price;
        s.leaf_price.model = self.choice(
            &mut t,
            "model",
            p.model,
            &[("fixed", PriceModel::Fixed), ("market", PriceModel::Market)],
        );
        s.leaf_price.initial = self.f64(&mut t, "initial", p.initial, Range::Positive);
        s.leaf_price.drift = self.f64(&mut t, "drift", p.drift, Range::Any);
        s.leaf_price.volatility = self.f64(&mut t, "volatility", p.volatility, Range::NonNeg);
        s.leaf_price.min = self.f64(&mut t, "min", p.min, Range::Positive);
        s.leaf_price.max = self.f64(&mut t, "max", p.max, Range::Positive);
        s.leaf_price.max_monthly_impact = self.f64(
            &mut t,
            "max_monthly_impact",
            p.max_monthly_impact,
            Range::NonNeg,
        );
        self.finish(t);

        let mut t = self.table(&mut top, "leaf_pairs");
        s.leaf_pairs.rebalance = self.choice(
            &mut t,
            "rebalance",
            d.leaf_pairs.rebalance,
            &[("both", Rebalance::Both), ("buy-only", Rebalance::BuyOnly)],
        );
        self.finish(t);

        let mut t = self.table(&mut top, "oak");
        s.oak.total_supply = self.f64(&mut t, "total_supply", d.oak.total_supply, Range::NonNeg);
        s.oak.redemption_start_month = self.u32(
            &mut t,
            "redemption_start_month",
            d.oak.redemption_start_month,
            0,
            100_000,
        );
        s.oak.redemption_end_month = self.u32(
            &mut t,
            "redemption_end_month",
            d.oak.redemption_end_month,
            1,
            100_000,
        );
        self.finish(t);

        let mut tvl = self.table(&mut top, "tvl");
        s.tvl.revenue_rates = self.kind_values(
            &mut tvl,
            "revenue_rates",
            &d.tvl.revenue_rates,
            Range::NonNeg,
        );
        let mut t = self.table(&mut tvl, "organic");
        let o = &d.tvl.organic;
        s.tvl.organic.conversion_ratio = self.f64(
            &mut t,
            "conversion_ratio",
            o.conversion_ratio,
            Range::NonNeg,
        );
        s.tvl.organic.decay_rate = self.f64(
            &mut t,
            "decay_rate",
            o.decay_rate,
            Range::RightOpen(0.0, 1.0),
        );
        s.tvl.organic.duration_months =
            self.u32(&mut t, "duration_months", o.duration_months, 1, 100_000);
        self.finish(t);
        let mut t = self.table(&mut tvl, "recurring_contracts");
        let r = &d.tvl.recurring_contracts;
        s.tvl.recurring_contracts.after_month =
            self.u32(&mut t, "after_month", r.after_month, 0, 100_000);
        s.tvl.recurring_contracts.amount = self.f64(&mut t, "amount", r.amount, Range::NonNeg);
        s.tvl.recurring_contracts.revenue_rate =
            self.f64(&mut t, "revenue_rate", r.revenue_rate, Range::NonNeg);
        s.tvl.recurring_contracts.duration_months =
            self.u32(&mut t, "duration_months", r.duration_months, 1, 100_000);
        self.finish(t);
        s.tvl.market = self.chain(&mut tvl, &d.tvl.market);
        self.finish(tvl);

        let mut t = self.table(&mut top, "market");
        let m = &d.market;
        s.market.net_demand_usd = self.f64(&mut t, "net_demand_usd", m.net_demand_usd, Range::Any);
        s.market.demand_growth = self.f64(
            &mut t,
            "demand_growth",
            m.demand_growth,
            Range::AtLeast(-1.0),
        );
        s.market.demand_noise_usd = self.f64(
            &mut t,
            "demand_noise_usd",
            m.demand_noise_usd,
            Range::NonNeg,
        );
        s.market.redeemer_sell_share = self.f64(
            &mut t,
            "redeemer_sell_share",
            m.redeemer_sell_share,
            Range::Closed(0.0, 1.0),
        );
        self.finish(t);

        let mut t = self.table(&mut top, "revenue");
        let r = &d.revenue;
        s.revenue.schedule_months =
            self.u32(&mut t, "schedule_months", r.schedule_months, 1, 100_000);
        s.revenue.target_multiplier = self.kind_values(
            &mut t,
            "target_multiplier",
            &r.target_multiplier,
            Range::NonNeg,
        );
        s.revenue.price_elasticity =
            self.f64(&mut t, "price_elasticity", r.price_elasticity, Range::Any);
        self.finish(t);

        let mut t = self.table(&mut top, "compat");
        for (name, _) in d.compat.switches() {
            let on = self.bool(&mut t, name, false);
            s.compat.set(name, on);
        }
        self.finish(t);

        s.deals = self.deals(&mut top);
        self.finish(top);
        s
    }

    fn chain(&mut self, tvl: &mut TableReader<'_>, d: &ChainTvl) -> ChainTvl {
        let mut t = self.table(tvl, "market");
        let enabled = self.bool(&mut t, "enabled", d.enabled);
        let chain_initial = self.f64(&mut t, "chain_initial", d.chain_initial, Range::NonNeg);
        let growth_path = t.key_path("growth_rates");
        let growth_rates = match t.take("growth_rates") {
            Some(node) => {
                self.remember(&growth_path, node);
                match &node.value {
                    Value::Array(items) if !items.is_empty() => items
                        .iter()
                        .enumerate()
                        .map(|(i, n)| {
                            self.number_of(n, &format!("{growth_path}[{i}]"), Range::Above(-1.0))
                                .unwrap_or(0.0)
                        })
                        .collect(),
                    other => {
                        self.problem(
                            &node.origin,
                            growth_path,
                            format!(
                                "expected a non-empty array of annual growth rates (each above -1), found {} ({})",
                                other.type_name(),
                                other.show()
                            ),
                        );
                        d.growth_rates.clone()
                    }
                }
            }
            None => d.growth_rates.clone(),
        };
        let c = ChainTvl {
            enabled,
            chain_initial,
            growth_rates,
            initial_share: self.f64(
                &mut t,
                "initial_share",
                d.initial_share,
                Range::Closed(0.0, 1.0),
            ),
            min_share: self.f64(&mut t, "min_share", d.min_share, Range::Closed(0.0, 1.0)),
            share_decay: self.f64(&mut t, "share_decay", d.share_decay, Range::NonNeg),
            volatility: self.f64(&mut t, "volatility", d.volatility, Range::NonNeg),
        };
        self.finish(t);
        c
    }

    fn deals(&mut self, top: &mut TableReader<'_>) -> Vec<Deal> {
        let Some(node) = top.take("deal") else {
            return Vec::new();
        };
        let items: &[Node] = match &node.value {
            Value::Array(items) => items,
            other => {
                self.problem(
                    &node.origin,
                    "deal".into(),
                    format!(
                        "expected an array of tables (`[[deal]]`), found {} ({})",
                        other.type_name(),
                        other.show()
                    ),
                );
                return Vec::new();
            }
        };
        let mut deals = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("deal[{i}]");
            let Value::Table(entries) = &item.value else {
                self.problem(
                    &item.origin,
                    path,
                    format!(
                        "expected a table, found {} ({})",
                        item.value.type_name(),
                        item.value.show()
                    ),
                );
                continue;
            };
            self.remember(&path, item);
            let mut t = TableReader {
                path: path.clone(),
                entries,
                known: Vec::new(),
            };
            if let Some(deal) = self.deal(&mut t, item) {
                deals.push(deal);
            }
            self.finish(t);
        }
        deals
    }

    fn deal(&mut self, t: &mut TableReader<'_>, item: &Node) -> Option<Deal> {
        let id = match t.take("id") {
            Some(node) => {
                let p = t.key_path("id");
                self.remember(&p, node);
                let id = self.string_of(node, &p);
                if id.as_deref() == Some("") {
                    self.problem(&node.origin, p, "an id must not be empty".into());
                }
                id
            }
            None => None,
        };
        let counterparty = match t.take("counterparty") {
            Some(node) => {
                let p = t.key_path("counterparty");
                let c = self.string_of(node, &p);
                if c.as_deref() == Some("") {
                    self.problem(&node.origin, p, "the counterparty must not be empty".into());
                }
                c
            }
            None => {
                self.problem(
                    &item.origin,
                    t.key_path("counterparty"),
                    "missing: every deal needs a counterparty (a name)".into(),
                );
                None
            }
        };
        let start_month = match t.take("start_month") {
            Some(node) => {
                let p = t.key_path("start_month");
                self.remember(&p, node);
                self.int_of(node, &p, 1, 100_000).map(|v| v as u32)
            }
            None => {
                self.problem(
                    &item.origin,
                    t.key_path("start_month"),
                    "missing: every deal needs a start_month (a whole number from 1 to 100000)"
                        .into(),
                );
                None
            }
        };
        let tvl = self.part(t, "tvl", |r, p| {
            let kind = r.choice(
                p,
                "kind",
                TvlKind::Contracted,
                &TvlKind::ALL.map(|k| (k.name(), k)),
            );
            if !p.entries.iter().any(|e| e.key == "kind") {
                r.required(
                    p,
                    "kind",
                    "one of \"protocol-locked\", \"contracted\", \"organic\", \"boosted\"",
                );
            }
            let amount = r.required_f64(p, "amount", Range::NonNeg);
            let revenue_rate = r.required_f64(p, "revenue_rate", Range::NonNeg);
            let duration_months = r.required_u32(p, "duration_months", 1, 100_000);
            TvlPart {
                kind,
                amount,
                revenue_rate,
                duration_months,
            }
        });
        let oak = self.part(t, "oak", |r, p| OakPart {
            amount: r.required_f64(p, "amount", Range::NonNeg),
            vesting_months: r.u32(p, "vesting_months", 0, 0, 100_000),
            irr_threshold: r.required_f64(p, "irr_threshold", Range::NonNeg),
        });
        let leaf_pair = self.part(t, "leaf_pair", |r, p| PairPart {
            amount: r.required_f64(p, "amount", Range::NonNeg),
            leaf_tokens: r.f64(p, "leaf_tokens", 0.0, Range::NonNeg),
            target_ratio: r.required_f64(p, "target_ratio", Range::Closed(0.0, 0.5)),
            base_concentration: r.f64(p, "base_concentration", 0.5, Range::LeftOpen(0.0, 1.0)),
            max_concentration: r.f64(p, "max_concentration", 0.8, Range::LeftOpen(0.0, 1.0)),
            duration_months: r.required_u32(p, "duration_months", 1, 100_000),
        });
        if tvl.is_none() && oak.is_none() && leaf_pair.is_none() {
            self.problem(
                &item.origin,
                t.path.clone(),
                "a deal needs at least one part: `tvl`, `oak` or `leaf_pair`".into(),
            );
        }
        let counterparty = counterparty?;
        let start_month = start_month?;
        Some(Deal {
            id: id.unwrap_or_else(|| Deal::default_id(&counterparty, start_month)),
            counterparty,
            start_month,
            tvl,
            oak,
            leaf_pair,
        })
    }

    /// Reads the optional sub-table `key` of a deal with `read`.
    fn part<T>(
        &mut self,
        t: &mut TableReader<'_>,
        key: &'static str,
        read: impl FnOnce(&mut Self, &mut TableReader<'_>) -> T,
    ) -> Option<T> {
        if !t.entries.iter().any(|e| e.key == key) {
            t.known.push(key);
            return None;
        }
        let mut p = self.table(t, key);
        let v = read(self, &mut p);
        self.finish(p);
        Some(v)
    }

    fn required(&mut self, t: &TableReader<'_>, key: &str, allowed: &str) {
        // Point at the table the key is missing from: its first entry's key.
        let origin = t
            .entries
            .first()
            .map(|e| e.key_origin.clone())
            .unwrap_or(Origin::Implied);
        self.problem(
            &origin,
            t.key_path(key),
            format!("missing: expected {allowed}"),
        );
    }

    fn required_f64(&mut self, t: &mut TableReader<'_>, key: &'static str, range: Range) -> f64 {
        if !t.entries.iter().any(|e| e.key == key) {
            self.required(t, key, &range.describe());
        }
        self.f64(t, key, 0.0, range)
    }

    fn required_u32(
        &mut self,
        t: &mut TableReader<'_>,
        key: &'static str,
        lo: u32,
        hi: u32,
    ) -> u32 {
        if !t.entries.iter().any(|e| e.key == key) {
            self.required(t, key, &format!("a whole number from {lo} to {hi}"));
        }
        self.u32(t, key, lo, lo, hi)
    }
}
