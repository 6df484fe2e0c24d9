//! Reading and changing one parameter of a scenario by its dotted key path
//! (`aegis.initial_usdc`, `deal[3].oak.amount`, `tvl.market.growth_rates[0]`),
//! with the paths and checks of `--set`, and no TOML in between: a sweep
//! builds each point's scenario from its base this way.

use super::params::{self, DealParam, Param, Value};
use super::validate::{Ids, Problem, ScenarioError, StartReach, ValidScenario, Where};
use super::{Deal, Scenario};

/// One step of a dotted key path: a key, or an index into an array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// A table key.
    Key(String),
    /// An index into an array, from 0.
    Index(usize),
}

/// A parsed dotted key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPath {
    /// The steps, in order.
    pub segments: Vec<Segment>,
}

impl KeyPath {
    /// Parses `aegis.initial_usdc`, `deal[2].oak.amount` or
    /// `tvl.market.growth_rates[0]`.
    pub fn parse(key: &str) -> Result<KeyPath, String> {
        let mut segments = Vec::new();
        for part in key.trim().split('.') {
            let (name, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            // Any other character is left to the key check, which suggests
            // the nearest key (`mönths`: did you mean `months`?).
            if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == ']') {
                return Err(format!(
                    "`{key}` is not a dotted key path (for example `aegis.initial_usdc` or `deal[0].oak.amount`)"
                ));
            }
            segments.push(Segment::Key(name.to_string()));
            while !rest.is_empty() {
                let close = rest.find(']').filter(|_| rest.starts_with('['));
                let digits = close
                    .map(|c| &rest[1..c])
                    .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
                match (close, digits.map(str::parse::<usize>)) {
                    (Some(c), Some(Ok(i))) => {
                        segments.push(Segment::Index(i));
                        rest = &rest[c + 1..];
                    }
                    (Some(_), Some(Err(_))) => {
                        return Err(format!(
                            "`{key}`: the index {} is too large",
                            params::short(digits.unwrap_or_default())
                        ));
                    }
                    _ => {
                        return Err(format!(
                            "`{key}`: an index is written `[N]` with N a whole number from 0, as in `deal[0]`"
                        ));
                    }
                }
            }
        }
        Ok(KeyPath { segments })
    }

    /// The path of the first `n` steps, as written: `deal[3].oak`.
    pub fn prefix_text(&self, n: usize) -> String {
        let mut s = String::new();
        for seg in &self.segments[..n.min(self.segments.len())] {
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
}

impl std::fmt::Display for KeyPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.prefix_text(self.segments.len()))
    }
}

/// What a key path names.
#[derive(Clone, Copy)]
pub enum Target {
    /// A parameter of the scenario.
    Param(&'static Param),
    /// One item of a list parameter.
    Item(&'static Param, usize),
    /// A key of the deal with this index.
    Deal(usize, &'static DealParam),
}

/// The keys allowed in the table at `prefix` of a deal (`""`) or of the
/// scenario, as a hint for a key that is not one of them.
fn unknown(key: &str, known: &[&str]) -> String {
    format!(
        "unknown key `{}`; {}",
        params::short(key),
        params::suggest(key, known)
    )
}

/// What a key path names, judged by the parameter tables alone (no
/// scenario): the checks `--set` on a file and [`Scenario::set`] share.
#[derive(Clone, Debug)]
pub enum Shape {
    /// A scenario parameter.
    Param(&'static Param),
    /// One item of a list parameter.
    Item(&'static Param, usize),
    /// A table of the scenario (`tvl.market`), by its path.
    Table(String),
    /// Something in the deal with this index.
    Deal(usize, DealShape),
}

impl Shape {
    /// The kind of the one value the key names (an item of a list takes
    /// one number); `None` for a table, a deal or a part of one.
    pub fn value_kind(&self) -> Option<params::Kind> {
        match self {
            Shape::Param(p) => Some(p.kind),
            Shape::Item(p, _) => Some(match p.kind {
                params::Kind::Numbers(r) => params::Kind::Number(r),
                k => k,
            }),
            Shape::Deal(_, DealShape::Param(p)) => Some(p.kind),
            Shape::Table(_) | Shape::Deal(_, _) => None,
        }
    }
}

/// What a key path names inside one deal.
#[derive(Clone, Debug)]
pub enum DealShape {
    /// The whole deal.
    Whole,
    /// A whole part (`oak`).
    Part(&'static str),
    /// One key.
    Param(&'static DealParam),
}

/// Whether deal `d` has the part `part` (`tvl`, `oak`, `leaf_pair`).
pub fn has_part(d: &Deal, part: &str) -> bool {
    match part {
        "tvl" => d.tvl.is_some(),
        "oak" => d.oak.is_some(),
        _ => d.leaf_pair.is_some(),
    }
}

/// What `[i]` past the end of a list is told.
pub fn no_such_item(key: &str, len: usize, i: usize) -> String {
    format!("`{key}` has {len} items, so `[{i}]` does not exist (the first is [0])")
}

/// Checks a key path against the parameter tables: every key known (with
/// a suggestion if not), indices only on the deals and on list parameters,
/// nothing below a value.
pub fn classify(path: &KeyPath) -> Result<Shape, String> {
    let segs = &path.segments;
    if let [Segment::Key(top), rest @ ..] = segs.as_slice()
        && top == "deal"
    {
        let Some(Segment::Index(i)) = rest.first() else {
            return Err(
                "deals are named by their index, counted from 0: `deal[0].start_month`".into(),
            );
        };
        let mut key = String::new();
        for (n, seg) in rest[1..].iter().enumerate() {
            let Segment::Key(k) = seg else {
                return Err(format!("`{}` is not an array", path.prefix_text(n + 2)));
            };
            if params::deal_param(&key).is_some() {
                return Err(format!(
                    "`{}` is a value, not a table",
                    path.prefix_text(n + 2)
                ));
            }
            let known = params::deal_children(&key);
            if !known.contains(&k.as_str()) {
                return Err(unknown(k, &known));
            }
            if !key.is_empty() {
                key.push('.');
            }
            key.push_str(k);
        }
        return Ok(Shape::Deal(
            *i,
            match params::deal_param(&key) {
                Some(p) => DealShape::Param(p),
                None if key.is_empty() => DealShape::Whole,
                None => match params::DEAL_PARTS.iter().find(|p| **p == key) {
                    Some(part) => DealShape::Part(part),
                    None => return Err(format!("`{key}` is not a key of a deal")),
                },
            },
        ));
    }
    let mut key = String::new();
    for (n, seg) in segs.iter().enumerate() {
        match seg {
            Segment::Key(k) => {
                if params::param(&key).is_some() {
                    return Err(format!("`{}` is a value, not a table", path.prefix_text(n)));
                }
                let known = params::scenario_children(&key);
                if !known.contains(&k.as_str()) {
                    return Err(unknown(k, &known));
                }
                if !key.is_empty() {
                    key.push('.');
                }
                key.push_str(k);
            }
            Segment::Index(i) => {
                let p = params::param(&key)
                    .filter(|p| matches!(p.kind, params::Kind::Numbers(_)))
                    .ok_or_else(|| format!("`{key}` is not an array"))?;
                if n + 1 != segs.len() {
                    return Err(format!(
                        "`{}` is a number, not a table",
                        path.prefix_text(n + 1)
                    ));
                }
                return Ok(Shape::Item(p, *i));
            }
        }
    }
    Ok(match params::param(&key) {
        Some(p) => Shape::Param(p),
        None => Shape::Table(key),
    })
}

/// A label for a deal in messages: `deal[3] (Sigma Capital)`.
pub fn deal_label(s: &Scenario, i: usize) -> String {
    match s.deals.get(i) {
        Some(d) => format!("deal[{i}] ({})", d.counterparty),
        None => format!("deal[{i}]"),
    }
}

/// What `deal[i]` is when there is no such deal.
pub fn no_such_deal(count: usize, i: usize) -> String {
    match count {
        0 => format!("the scenario has no deals, so `deal[{i}]` does not exist"),
        1 => format!("the scenario has 1 deal, deal[0], so `deal[{i}]` does not exist"),
        n => format!(
            "the scenario has {n} deals, deal[0] to deal[{}], so `deal[{i}]` does not exist",
            n - 1
        ),
    }
}

impl Scenario {
    /// What `path` names in this scenario, or why it names nothing.
    pub fn resolve(&self, path: &KeyPath) -> Result<Target, String> {
        if let Some(t) = self.resolve_fast(path) {
            return Ok(t);
        }
        self.resolve_slow(path)
    }

    /// The common cases without building any message: a scenario key, or a
    /// deal's key on a deal that has the part.
    fn resolve_fast(&self, path: &KeyPath) -> Option<Target> {
        let segs = &path.segments;
        let key_at = |i: usize| match segs.get(i) {
            Some(Segment::Key(k)) => Some(k.as_str()),
            _ => None,
        };
        let matches = |p: &str, keys: &[Segment]| {
            let mut parts = p.split('.');
            keys.iter()
                .all(|s| matches!(s, Segment::Key(k) if parts.next() == Some(k)))
                && parts.next().is_none()
        };
        if key_at(0) == Some("deal") {
            let Some(Segment::Index(i)) = segs.get(1) else {
                return None;
            };
            let d = self.deals.get(*i)?;
            let p = params::DEAL_PARAMS
                .iter()
                .find(|p| matches(p.path, &segs[2..]))?;
            (p.get)(d)?;
            return Some(Target::Deal(*i, p));
        }
        params::PARAMS
            .iter()
            .find(|p| matches(p.path, segs))
            .map(Target::Param)
    }

    fn resolve_slow(&self, path: &KeyPath) -> Result<Target, String> {
        match classify(path)? {
            Shape::Param(p) => Ok(Target::Param(p)),
            Shape::Item(p, i) => {
                let len = match (p.get)(self) {
                    Value::List(xs) => xs.len(),
                    _ => 0,
                };
                if i >= len {
                    return Err(no_such_item(p.path, len, i));
                }
                Ok(Target::Item(p, i))
            }
            Shape::Table(key) => Err(format!(
                "`{key}` is a table; set its keys ({})",
                params::scenario_children(&key).join(", ")
            )),
            Shape::Deal(i, _) if i >= self.deals.len() => Err(no_such_deal(self.deals.len(), i)),
            Shape::Deal(_, DealShape::Whole) => {
                Err("a whole deal cannot be set; set its keys".into())
            }
            Shape::Deal(i, DealShape::Part(part)) => Err(format!(
                "`deal[{i}].{part}` is a part of the deal; set its keys ({})",
                params::deal_children(part).join(", ")
            )),
            Shape::Deal(i, DealShape::Param(p)) => match params::part_of(p.path) {
                Some(part) if !has_part(&self.deals[i], part) => Err(format!(
                    "{} has no `{part}` part; give it one in the scenario file",
                    deal_label(self, i)
                )),
                _ => Ok(Target::Deal(i, p)),
            },
        }
    }

    /// The value at a dotted key path (`deal[13].leaf_pair.amount`).
    pub fn get(&self, path: &str) -> Result<Value, String> {
        let kp = KeyPath::parse(path)?;
        Ok(match self.resolve(&kp)? {
            Target::Param(p) => (p.get)(self),
            Target::Item(p, i) => match (p.get)(self) {
                Value::List(xs) => Value::Float(xs[i]),
                other => other,
            },
            Target::Deal(i, p) => (p.get)(&self.deals[i]).unwrap_or(Value::Bool(false)),
        })
    }

    /// Sets one value by its dotted key path, with the type and range checks
    /// of `--set`; checks that involve several keys are left to
    /// [`Scenario::validate`] (or use [`ValidScenario::set`]).
    pub fn set(&mut self, path: &str, value: impl Into<Value>) -> Result<(), String> {
        let target = self.target(path)?;
        self.set_resolved(target, value.into())
    }

    /// What the dotted key path `path` names, as [`Scenario::set`] finds it.
    fn target(&self, path: &str) -> Result<Target, String> {
        match self.resolve_text(path) {
            Some(t) => Ok(t),
            None => self.resolve(&KeyPath::parse(path)?),
        }
    }

    /// What [`Scenario::resolve`] finds for the common paths, `section.key`
    /// and `deal[N].part.key`, read from the text as it is (no path built,
    /// the keys compared whole rather than split at each dot): a sweep sets
    /// its sampled keys in every run. `None` sends any other path, and any
    /// path that names nothing, to [`Scenario::resolve`].
    fn resolve_text(&self, path: &str) -> Option<Target> {
        let path = path.trim();
        match path.strip_prefix("deal[") {
            Some(rest) => {
                let (index, key) = rest.split_once("].")?;
                if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let i: usize = index.parse().ok()?;
                let d = self.deals.get(i)?;
                let p = params::DEAL_PARAMS.iter().find(|p| p.path == key)?;
                (p.get)(d)?;
                Some(Target::Deal(i, p))
            }
            None => params::PARAMS
                .iter()
                .find(|p| p.path == path)
                .map(Target::Param),
        }
    }

    /// Sets what [`Scenario::resolve`] found.
    pub fn set_resolved(&mut self, target: Target, value: Value) -> Result<(), String> {
        match target {
            Target::Param(p) => {
                let v = p.kind.check(&value)?;
                (p.set)(self, v);
            }
            Target::Item(p, i) => {
                let params::Kind::Numbers(range) = p.kind else {
                    return Err("not a list".into());
                };
                let x = params::Kind::Number(range).check(&value)?;
                if let (Value::List(mut xs), Some(x)) = ((p.get)(self), x.as_f64()) {
                    xs[i] = x;
                    (p.set)(self, Value::List(xs));
                }
            }
            Target::Deal(i, p) => {
                let v = p.kind.check(&value)?;
                let d = &mut self.deals[i];
                let derived = d.id == Deal::default_id(&d.counterparty, d.start_month);
                (p.set)(d, v);
                // An id derived from the counterparty and start month follows
                // them, as it would in a file that gave no id.
                if derived && matches!(p.path, "counterparty" | "start_month") {
                    d.id = Deal::default_id(&d.counterparty, d.start_month);
                }
            }
        }
        Ok(())
    }
}

impl ValidScenario {
    /// Sets one value and checks the whole scenario again; on a problem the
    /// scenario is left as it was.
    pub fn set(&mut self, path: &str, value: impl Into<Value>) -> Result<(), ScenarioError> {
        let value = value.into();
        *self = self.with(&[(path, value)])?;
        Ok(())
    }

    /// A copy with every change applied (in order) and checked, as
    /// `--set KEY=VALUE` would apply them; all problems are reported together.
    pub fn with(&self, changes: &[(&str, Value)]) -> Result<ValidScenario, ScenarioError> {
        self.edit(self.scenario().clone(), changes)
    }

    /// [`ValidScenario::with`], its copy made in the memory of `spare` (a
    /// scenario given back by [`ValidScenario::into_inner`]): a caller that
    /// makes an edit for every run allocates nothing for the copy after
    /// the first.
    pub fn with_reusing(
        &self,
        changes: &[(&str, Value)],
        mut spare: Scenario,
    ) -> Result<ValidScenario, ScenarioError> {
        spare.clone_from(self.scenario());
        self.edit(spare, changes)
    }

    /// [`ValidScenario::with`] on `s`, a copy of this scenario.
    fn edit(
        &self,
        mut s: Scenario,
        changes: &[(&str, Value)],
    ) -> Result<ValidScenario, ScenarioError> {
        let mut problems = Vec::new();
        // How far the changes reach into the start of the runs, and whether
        // one moved a deal's start month (an id made from the counterparty
        // follows it), from what each names.
        let (mut reach, mut ids) = (StartReach::Nothing, Ids::AsBefore);
        for (path, value) in changes {
            let set = s.target(path).and_then(|target| {
                reach = reach.max(StartReach::of_target(&target));
                if matches!(target, Target::Deal(_, p) if p.path == "start_month") {
                    ids = Ids::Check;
                }
                s.set_resolved(target, value.clone())
            });
            if let Err(message) = set {
                problems.push(Problem {
                    at: Where::Override(super::overrides::Given::Edit {
                        key: path.to_string(),
                        value: value.echo(),
                    }),
                    path: path.to_string(),
                    deal: None,
                    message,
                });
            }
        }
        // The changes that were refused left their keys as they were, so the
        // checks of the whole scenario add only problems of their own: every
        // problem is reported at once. This scenario was valid and each
        // change passed its own key's check as it was set, so only what
        // the changes can break is checked again (a sampled run of a sweep
        // is checked so): the checks across keys, and the ids only where a
        // deal's start month moved. A changed text (a new counterparty
        // makes a new id) has every key checked again.
        let texts = changes.iter().any(|(_, v)| matches!(v, Value::Str(_)));
        let checked = if texts {
            s.validate()
        } else {
            super::validate::validate_ids(
                super::validate::BUILT_IN_CODE,
                s,
                Vec::new(),
                &super::validate::Spots::default(),
                ids,
            )
        };
        match checked {
            Ok(valid) if problems.is_empty() => Ok(valid.sharing_start(self, reach)),
            Ok(_) => Err(ScenarioError::new(super::validate::BUILT_IN_CODE, problems)),
            Err(e) if problems.is_empty() => Err(e),
            Err(e) => {
                problems.extend(e.problems);
                Err(ScenarioError::new(super::validate::BUILT_IN_CODE, problems))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin;

    fn default() -> ValidScenario {
        crate::load("default", builtin::text("default").unwrap_or(""), &[]).expect("valid")
    }

    #[test]
    fn a_copy_made_in_another_scenarios_memory_is_the_scenario() {
        // Scenarios that differ in every table, with more deals and fewer,
        // other names and another chain's growth rates: each copied into
        // the memory of each other one is equal to it, and an edit made in
        // another's memory is the edit made afresh.
        let load = builtin::with;
        let scenarios = [
            load("reference", &[]),
            load("default", &[]),
            load("stress", &[]),
            load(
                "stress",
                &[
                    "simulation.months=72",
                    "aegis.initial_usdc=5e7",
                    "leaf_price.volatility=0.2",
                    "leaf_pairs.rebalance=\"buy-only\"",
                    "oak.redemption_end_month=50",
                    "tvl.market.growth_rates=[0.1, 0.2, 0.3]",
                    "market.net_demand_usd=1e5",
                    "revenue.price_elasticity=0.5",
                    "compat.revenue_ignores_decay=true",
                    "deal[0].counterparty=\"A much longer counterparty name\"",
                ],
            ),
        ];
        let change = [("leaf_price.volatility", Value::Float(0.05))];
        for a in &scenarios {
            for b in &scenarios {
                let mut copy = b.scenario().clone();
                copy.clone_from(a.scenario());
                assert_eq!(&copy, a.scenario());
                let reused = a.with_reusing(&change, b.clone().into_inner()).unwrap();
                assert_eq!(reused.scenario(), a.with(&change).unwrap().scenario());
            }
        }
    }

    #[test]
    fn paths_read_from_their_text_name_what_parsed_paths_name() {
        // Every key of the scenario and of each deal, and paths that are
        // odd or name nothing: where the text is read as it is, it names
        // what the parsed path names; otherwise it is left to the parser.
        let same = |a: &Target, b: &Target| match (a, b) {
            (Target::Param(a), Target::Param(b)) => std::ptr::eq(*a, *b),
            (Target::Deal(i, a), Target::Deal(j, b)) => i == j && std::ptr::eq(*a, *b),
            _ => false,
        };
        let mut read = 0;
        for name in ["reference", "default", "stress"] {
            let s = crate::load(name, builtin::text(name).unwrap(), &[])
                .unwrap()
                .into_inner();
            let mut paths: Vec<String> =
                params::PARAMS.iter().map(|p| p.path.to_string()).collect();
            for i in [0, 1, s.deals.len() - 1, s.deals.len(), 99] {
                paths.extend(
                    params::DEAL_PARAMS
                        .iter()
                        .map(|p| format!("deal[{i}].{}", p.path)),
                );
            }
            paths.extend(
                [
                    " aegis.initial_usdc ",
                    "aegis .initial_usdc",
                    "aegis..initial_usdc",
                    "aegis",
                    "deal[0]",
                    "deal[0].",
                    "deal[].oak.amount",
                    "deal[+1].oak.amount",
                    "deal[01].oak.amount",
                    "deal[0]. oak.amount",
                    "deal[0].oak",
                    "deal[0]oak.amount",
                    "tvl.market.growth_rates[0]",
                    "revenue.target_multiplier.organic",
                    "nonsense",
                    "deal[18446744073709551616].oak.amount",
                    "",
                ]
                .map(String::from),
            );
            for path in &paths {
                let parsed = KeyPath::parse(path).and_then(|k| s.resolve(&k));
                // Left to the parser where not read: a path with an index
                // in a list, a deal without the part, one naming nothing.
                if let Some(t) = s.resolve_text(path) {
                    let parsed = parsed.unwrap_or_else(|e| panic!("{path}: {e}"));
                    assert!(same(&t, &parsed), "{path}");
                    read += 1;
                }
            }
        }
        assert!(read > 200, "{read} paths read from their text");
    }

    /// What [`ValidScenario::with`] gives when every key is checked again,
    /// as it did before numeric changes skipped the keys' own checks.
    fn with_every_key_checked(
        base: &ValidScenario,
        changes: &[(&str, Value)],
    ) -> Result<ValidScenario, ScenarioError> {
        let mut s = base.scenario().clone();
        let mut problems = Vec::new();
        for (path, value) in changes {
            if let Err(message) = s.set(path, value.clone()) {
                problems.push((path.to_string(), message));
            }
        }
        match s.validate() {
            Ok(v) if problems.is_empty() => Ok(v),
            other => {
                let mut all: Vec<Problem> = (problems.into_iter())
                    .map(|(path, message)| Problem {
                        at: Where::Nowhere,
                        path,
                        deal: None,
                        message,
                    })
                    .collect();
                all.extend(other.err().map(|e| e.problems).unwrap_or_default());
                Err(ScenarioError::new("", all))
            }
        }
    }

    #[test]
    fn numeric_changes_checked_across_keys_only_are_judged_as_when_every_key_is() {
        // Random changes of one to three keys of the built-in scenarios:
        // in range and out of it, months that close the redemption window,
        // prices that cross, supplies under the allocation, pairs whose
        // LEAF costs more than they hold, and sometimes a counterparty's
        // name. Each edit is accepted or refused as when every key is
        // checked again, with the same scenario or the same problems.
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let numbers = [
            -1.0, 0.0, 0.001, 0.5, 1.0, 2.0, 3.0, 12.0, 48.0, 60.0, 1e6, 1e9, 1e12, 1e300,
        ];
        let (mut accepted, mut refused, mut across) = (0, 0, 0);
        for name in ["reference", "default", "stress"] {
            let base = crate::load(name, builtin::text(name).unwrap(), &[]).unwrap();
            let deals = base.scenario().deals.len();
            for _ in 0..3_000 {
                let changes: Vec<(String, Value)> = (0..rng.random_range(1..=3))
                    .map(|_| {
                        let path = if rng.random_bool(0.5) {
                            params::PARAMS[rng.random_range(0..params::PARAMS.len())]
                                .path
                                .to_string()
                        } else {
                            let p = &params::DEAL_PARAMS
                                [rng.random_range(0..params::DEAL_PARAMS.len())];
                            format!("deal[{}].{}", rng.random_range(0..deals), p.path)
                        };
                        let current = base.scenario().get(&path).ok();
                        let value = match (current, rng.random_range(0..4)) {
                            (Some(Value::Int(i)), 0) => Value::Int(i + rng.random_range(-60..60)),
                            (Some(Value::Float(x)), 0) => {
                                Value::Float(x * rng.random_range(0.0..3.0))
                            }
                            (Some(Value::Bool(b)), _) => Value::Bool(!b),
                            (Some(Value::Str(_)), 1) => Value::Str("Acme Corporation".into()),
                            (_, 2) => Value::Int(rng.random_range(-2..70)),
                            _ => Value::Float(numbers[rng.random_range(0..numbers.len())]),
                        };
                        (path, value)
                    })
                    .collect();
                let changes: Vec<(&str, Value)> = changes
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                match (base.with(&changes), with_every_key_checked(&base, &changes)) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a.scenario(), b.scenario(), "{changes:?}");
                        accepted += 1;
                    }
                    (Err(a), Err(b)) => {
                        let said = |e: &ScenarioError| -> Vec<(String, String)> {
                            let mut v: Vec<_> = (e.problems.iter())
                                .map(|p| (p.path.clone(), p.message.clone()))
                                .collect();
                            v.sort();
                            v
                        };
                        assert_eq!(said(&a), said(&b), "{changes:?}");
                        refused += 1;
                        // Refused by a check across keys, which the
                        // numeric path still makes.
                        across += usize::from(a.problems.iter().any(|p| {
                            [
                                "window must end",
                                "more than the total supply",
                                "above leaf_price.min",
                                "negative USDC",
                            ]
                            .iter()
                            .any(|m| p.message.contains(m))
                        }));
                    }
                    (a, b) => panic!("{changes:?}: {:?} against {:?}", a.is_ok(), b.is_ok()),
                }
            }
        }
        // A start month that gives a deal the id another deal of the same
        // counterparty has: refused on the numeric path too.
        let base = crate::load("default", builtin::text("default").unwrap(), &[]).unwrap();
        let deals = &base.scenario().deals;
        let (a, b) = (0..deals.len())
            .flat_map(|a| (0..a).map(move |b| (a, b)))
            .find(|&(a, b)| deals[a].counterparty == deals[b].counterparty)
            .expect("two deals of one counterparty");
        // The key read as `set` reads it, spaces around it too.
        for path in [
            format!("deal[{a}].start_month"),
            format!(" deal[{a}].start_month "),
        ] {
            let month = Value::Int(i64::from(deals[b].start_month));
            let e = base
                .with(&[(path.as_str(), month)])
                .expect_err("a repeated id");
            assert!(
                e.problems
                    .iter()
                    .any(|p| p.message.contains("duplicate deal id")),
                "{path}: {e}"
            );
        }
        // Both answers common.
        assert!(
            accepted > 1_000 && refused > 1_000 && across > 100,
            "{accepted} accepted, {refused} refused, {across} across keys"
        );
    }

    #[test]
    fn an_edit_reports_its_refused_values_and_the_whole_scenarios_problems_together() {
        // Two values out of their ranges, and a pair of months in the wrong
        // order that only the whole scenario's check sees: three problems.
        let e = default()
            .with(&[
                ("aegis.initial_usdc", Value::Float(-1.0)),
                ("aegis.revenue_share", Value::Float(2.0)),
                ("oak.redemption_start_month", Value::Int(60)),
                ("oak.redemption_end_month", Value::Int(3)),
            ])
            .expect_err("refused");
        let paths: Vec<&str> = e.problems.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"aegis.initial_usdc"), "{e}");
        assert!(paths.contains(&"aegis.revenue_share"), "{e}");
        assert!(e.problems.len() >= 3, "{e}");
        assert!(
            e.problems
                .iter()
                .any(|p| p.path.starts_with("oak.redemption")),
            "{e}"
        );
    }

    #[test]
    fn paths_parse_into_keys_and_indices() {
        let p = KeyPath::parse("deal[13].leaf_pair.amount").unwrap();
        assert_eq!(
            p.segments,
            [
                Segment::Key("deal".into()),
                Segment::Index(13),
                Segment::Key("leaf_pair".into()),
                Segment::Key("amount".into())
            ]
        );
        assert_eq!(p.to_string(), "deal[13].leaf_pair.amount");
        assert!(KeyPath::parse("deal[x].a").is_err());
        assert!(KeyPath::parse("a..b").is_err());
    }

    #[test]
    fn get_and_set_by_path() {
        let mut s = default().into_inner();
        assert_eq!(s.get("aegis.initial_usdc"), Ok(Value::Float(1e8)));
        s.set("aegis.initial_usdc", 5e7).unwrap();
        assert_eq!(s.aegis.initial_usdc, 5e7);
        s.set("tvl.market.growth_rates[0]", 5).unwrap();
        assert_eq!(s.tvl.market.growth_rates[0], 5.0);
        s.set("simulation.seed", i64::MAX).unwrap();
        assert_eq!(s.simulation.seed, 9_223_372_036_854_775_807);
        s.set("leaf_price.model", "market").unwrap();
        assert_eq!(s.leaf_price.model, crate::scenario::PriceModel::Market);
        let amount = s.get("deal[13].leaf_pair.amount").unwrap();
        assert_eq!(
            amount,
            Value::Float(s.deals[13].leaf_pair.as_ref().unwrap().amount)
        );
    }

    #[test]
    fn set_reports_what_is_wrong_and_what_is_allowed() {
        let mut s = default().into_inner();
        let e = s.set("aegis.revenue_share", 2.0).unwrap_err();
        assert!(e.contains("expected a number from 0 to 1"), "{e}");
        let e = s.set("aegis.initial_usd", 1.0).unwrap_err();
        assert!(e.contains("did you mean `initial_usdc`"), "{e}");
        let e = s.set("deal[99].oak.amount", 1.0).unwrap_err();
        assert!(
            e.contains("has 20 deals") || e.contains("deals, deal[0] to"),
            "{e}"
        );
        let e = s.set("deal[0].oak.amount", 1.0).unwrap_err();
        assert!(
            e.contains("deal[0] (Sigma Capital) has no `oak` part"),
            "{e}"
        );
        let e = s.set("tvl.market.growth_rates[9]", 1.0).unwrap_err();
        assert!(e.contains("has 5 items"), "{e}");
        let e = s.set("simulation.months", 2.5).unwrap_err();
        assert!(e.contains("2.5 is not allowed"), "{e}");
        let e = s.set("aegis", 1.0).unwrap_err();
        assert!(e.contains("is a table"), "{e}");
    }

    #[test]
    fn valid_set_checks_the_whole_scenario_and_keeps_it_on_failure() {
        let mut v = default();
        v.set("leaf_price.max", 2.0).unwrap();
        assert_eq!(v.leaf_price.max, 2.0);
        let e = v.set("leaf_price.min", 3.0).unwrap_err();
        assert!(e.to_string().contains("above leaf_price.min"), "{e}");
        assert_eq!(v.leaf_price.min, 0.01, "unchanged after a failed set");
        let w = v
            .with(&[
                ("aegis.initial_usdc", Value::Float(1.0)),
                ("deal[13].leaf_pair.amount", Value::Float(2e6)),
            ])
            .unwrap();
        assert_eq!(w.aegis.initial_usdc, 1.0);
    }

    #[test]
    fn typed_overrides_get_the_checks_of_a_file() {
        let v = default();
        let e = v
            .with(&[("deal[0].id", Value::from("recurring 004"))])
            .unwrap_err();
        assert!(e.to_string().contains("deals.csv generates"), "{e}");
        assert!(
            e.to_string()
                .starts_with("scenario (built in code) is not valid"),
            "{e}"
        );
        let e = v
            .with(&[("deal[1].id", Value::from("Sigma Capi_001"))])
            .unwrap_err();
        assert_eq!(e.problems[0].path, "deal[1].id");
        assert!(e.problems[0].message.contains("ids must be unique"), "{e}");
        let mut s = v.scenario().clone();
        s.simulation.seed = u64::MAX;
        let e = s.validate().unwrap_err();
        assert_eq!(e.problems[0].path, "simulation.seed", "{e}");
    }

    #[test]
    fn a_derived_id_follows_its_start_month() {
        let mut s = default().into_inner();
        assert_eq!(s.deals[0].id, "Sigma Capi_001");
        s.set("deal[0].start_month", 2).unwrap();
        assert_eq!(s.deals[0].id, "Sigma Capi_002");
    }
}
