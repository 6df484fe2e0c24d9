//! Checks that span several keys, and the error type for bad scenarios.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

pub use super::overrides::Given;
use super::params::{self, Value, escaped, short};
use super::{Deal, Scenario};
use crate::state::Start;
use crate::tvl::TwinTables;

/// Where in the input a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Where {
    /// Line and column (both from 1) in the scenario text.
    Text {
        /// Line, from 1.
        line: usize,
        /// Column in characters, from 1.
        column: usize,
    },
    /// An override, and what gave it.
    Override(Given),
    /// Nowhere in particular.
    Nowhere,
}

/// One thing wrong with a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Where it is.
    pub at: Where,
    /// The key path, such as `deal[3].leaf_pair.target_ratio` (empty if none).
    pub path: String,
    /// The counterparty of the deal the path is in, if it is in one.
    pub deal: Option<String>,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// Every problem found in one scenario.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct ScenarioError {
    /// The file name or built-in name the scenario came from.
    pub source_name: String,
    /// The problems, in the order found.
    pub problems: Vec<Problem>,
    /// Problems found but not kept (past [`MAX_KEPT`]), so that a huge broken
    /// file cannot fill the memory with messages.
    pub omitted: usize,
}

/// How many problems are kept at most.
pub const MAX_KEPT: usize = 1000;

/// The first [`MAX_KEPT`] problems, and how many more there were.
pub fn keep_some(mut problems: Vec<Problem>) -> (Vec<Problem>, usize) {
    let omitted = problems.len().saturating_sub(MAX_KEPT);
    problems.truncate(MAX_KEPT);
    (problems, omitted)
}

impl ScenarioError {
    /// An error about `source_name` with these problems.
    pub fn new(source_name: &str, problems: Vec<Problem>) -> Self {
        let (problems, omitted) = keep_some(problems);
        ScenarioError {
            source_name: source_name.to_string(),
            problems,
            omitted,
        }
    }
}

/// How a front end names what it was given: the command line as its
/// flags (`--months 0`), the Python package as its arguments (`months=0`).
/// Errors shown through [`Worded`] name the origins of overrides so.
pub trait Wording {
    /// `given`, as the user gave it to this front end.
    fn given(&self, given: &Given) -> String;
}

/// The wording of errors shown plainly (their `Display`): [`Given`]'s own
/// words, which name no front end's flags.
pub struct Plain;

impl Wording for Plain {
    fn given(&self, given: &Given) -> String {
        given.to_string()
    }
}

/// An error that can be written in a front end's [`Wording`].
pub trait WriteWorded {
    /// Writes the error, the origins of its overrides named by `words`.
    fn write_worded(&self, f: &mut fmt::Formatter<'_>, words: &dyn Wording) -> fmt::Result;
}

/// An error shown with a front end's [`Wording`].
pub struct Worded<'a, E> {
    error: &'a E,
    words: &'a dyn Wording,
}

impl<'a, E> Worded<'a, E> {
    /// `error`, its overrides named by `words`.
    pub fn new(error: &'a E, words: &'a dyn Wording) -> Self {
        Worded { error, words }
    }
}

impl<E: WriteWorded> fmt::Display for Worded<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.write_worded(f, self.words)
    }
}

impl ScenarioError {
    /// The error, the origins of its overrides named by `words`.
    pub fn worded<'a>(&'a self, words: &'a dyn Wording) -> Worded<'a, ScenarioError> {
        Worded::new(self, words)
    }
}

impl WriteWorded for ScenarioError {
    fn write_worded(&self, f: &mut fmt::Formatter<'_>, words: &dyn Wording) -> fmt::Result {
        if let [only] = self.problems.as_slice()
            && only.at == Where::Nowhere
            && only.path.is_empty()
        {
            // Not about a key (a file that cannot be read): one plain line.
            return write!(
                f,
                "scenario {}: {}",
                escaped(&self.source_name),
                escaped(&only.message)
            );
        }
        write_problems(
            f,
            "scenario",
            &self.source_name,
            &self.problems,
            self.omitted,
            words,
        )
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_worded(f, &Plain)
    }
}

/// Writes a list of problems about `source_name` (a `what`: "scenario",
/// "sweep"): a header with the count, one line per problem (place, key
/// path, message, the deal's counterparty), the first [`MAX_SHOWN`] of
/// them, then how many more there are; the origins of overrides as `words`
/// names them. Everything echoed from the input is escaped, so that a file
/// name or a key cannot forge a line or steer the terminal.
pub fn write_problems(
    f: &mut fmt::Formatter<'_>,
    what: &str,
    source_name: &str,
    problems: &[Problem],
    omitted: usize,
    words: &dyn Wording,
) -> fmt::Result {
    let n = problems.len() + omitted;
    write!(
        f,
        "{what} {} is not valid ({n} problem{}):",
        escaped(source_name),
        if n == 1 { "" } else { "s" }
    )?;
    for p in problems.iter().take(MAX_SHOWN) {
        write!(f, "\n  {}", escaped(source_name))?;
        match &p.at {
            Where::Text { line, column } => write!(f, ":{line}:{column}")?,
            Where::Override(given) => {
                write!(f, " ({})", escaped(&short(&words.given(given))))?;
            }
            Where::Nowhere => {}
        }
        if p.path.is_empty() {
            write!(f, ": {}", escaped(&p.message))?;
        } else {
            write!(f, ": {}: {}", escaped(&short(&p.path)), escaped(&p.message))?;
        }
        // The deal by its counterparty too, after the message so that the
        // key path stays whole: `(deal[3] is Sigma Capital)`.
        if let (Some(cp), Some(deal)) = (&p.deal, deal_of(&p.path)) {
            write!(f, " ({deal} is {})", escaped(&short(cp)))?;
        }
    }
    let more = problems.len().saturating_sub(MAX_SHOWN) + omitted;
    if more > 0 {
        write!(
            f,
            "\n  ... and {more} more problem{} not shown",
            if more == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

/// How many problems an error message lists; the rest are counted.
pub const MAX_SHOWN: usize = 100;

/// The `deal[i]` a key path is in, if it is in one.
fn deal_of(path: &str) -> Option<&str> {
    path.strip_prefix("deal[")?;
    Some(&path[..path.find(']')? + 1])
}

/// A scenario that passed every check; the engine runs only these. It
/// keeps what every run of it works out alike (the organic twins' tables,
/// the state before month 1), made by its first run and shared by its
/// clones.
#[derive(Clone, Debug)]
pub struct ValidScenario(Scenario, OnceLock<Arc<TwinTables>>, OnceLock<Arc<Start>>);

impl PartialEq for ValidScenario {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl ValidScenario {
    /// The twins' tables of its runs.
    pub(crate) fn twin_tables(&self) -> Arc<TwinTables> {
        Arc::clone(self.1.get_or_init(|| Arc::new(TwinTables::of(&self.0))))
    }

    /// What every run of it starts from.
    pub(crate) fn start(&self) -> &Start {
        self.2
            .get_or_init(|| Arc::new(Start::of(&self.0, self.twin_tables())))
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.0
    }

    /// The scenario with deal `deal` (its index) disabled. It needs no
    /// second check: the only check that reads whether a deal is enabled
    /// is the OAK allocated against the supply, and disabling a deal
    /// lowers the allocated (a sum of amounts of 0 or more with a term left
    /// out is no larger, rounding included). The twins' tables, which read
    /// no deal, are shared.
    pub fn without_deal(&self, deal: usize) -> ValidScenario {
        let mut s = self.0.clone();
        if let Some(d) = s.deals.get_mut(deal) {
            d.enabled = false;
        }
        debug_assert!(
            s.clone().validate().is_ok(),
            "disabling a deal of a valid scenario leaves it valid"
        );
        ValidScenario(s, self.1.clone(), OnceLock::new())
    }

    /// This scenario, an edit of `base` whose changes reach no further than
    /// `reach`, with `base`'s twins' tables and start (worked out now if
    /// they were not): shared as they are where nothing of the start
    /// changed, with the price, the revenue rates and whether market flows
    /// are on worked out again otherwise. A sweep's sampled runs of one
    /// point are edits of its scenario: each would otherwise work out the
    /// whole start again (a TVL table of every month), which took more
    /// instructions than the run.
    pub(crate) fn sharing_start(self, base: &ValidScenario, reach: StartReach) -> ValidScenario {
        let start = match reach {
            StartReach::All => return self,
            StartReach::Nothing => {
                base.start();
                base.2.clone()
            }
            StartReach::Price => OnceLock::from(Arc::new(base.start().with_price_of(&self.0))),
        };
        ValidScenario(self.0, base.1.clone(), start)
    }

    /// Gives the scenario back, to change it and validate again.
    pub fn into_inner(self) -> Scenario {
        self.0
    }
}

impl std::ops::Deref for ValidScenario {
    type Target = Scenario;
    fn deref(&self) -> &Scenario {
        &self.0
    }
}

impl Scenario {
    /// Checks a scenario built in code (no file positions to report): every
    /// value against [`params::PARAMS`] and [`params::DEAL_PARAMS`], then the
    /// checks that involve several keys, exactly as for a file.
    pub fn validate(self) -> Result<ValidScenario, ScenarioError> {
        let mut problems = Vec::new();
        let mut bad = |path: String, deal: Option<&Deal>, message: String| {
            problems.push(Problem {
                at: Where::Nowhere,
                path,
                deal: deal.map(|d| d.counterparty.clone()),
                message,
            })
        };
        for p in params::PARAMS {
            let v = (p.get)(&self);
            if !p.kind.accepts(&v)
                && let Err(message) = p.kind.check(&v)
            {
                bad(p.path.to_string(), None, message);
            }
        }
        for (i, d) in self.deals.iter().enumerate() {
            if d.tvl.is_none() && d.oak.is_none() && d.leaf_pair.is_none() {
                bad(format!("deal[{i}]"), Some(d), NO_PART.into());
            }
            for p in params::DEAL_PARAMS {
                if let Some(v) = (p.get)(d)
                    && !p.kind.accepts(&v)
                    && let Err(message) = p.kind.check(&v)
                {
                    bad(format!("deal[{i}].{}", p.path), Some(d), message);
                }
            }
        }
        validate(BUILT_IN_CODE, self, problems, &Spots::default())
    }
}

/// How much of what every run of a scenario starts from ([`Start`]) a
/// change of one key reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum StartReach {
    /// None of it: the seed (each run draws from its own), AEGIS's balances
    /// (each run sets them).
    Nothing,
    /// The price, the revenue rates and the market's demand by month (and
    /// whether market flows are on).
    Price,
    /// Any of it.
    All,
}

impl StartReach {
    /// What a change of the key at `path` reaches: the start reads the
    /// price's settings only for the price (but the pairs' USDC, bought at
    /// the initial price), the revenue's only for the rates, the market's
    /// only for whether it flows, and neither the seed nor AEGIS's. Every
    /// other key, and any key of a deal, may reach all of it.
    pub(crate) fn of(path: &str) -> StartReach {
        // Read as `set` reads it (` aegis.initial_usdc ` is that key).
        let (section, key) = path.trim().split_once('.').unwrap_or((path, ""));
        match (section, key) {
            ("simulation", "seed") | ("aegis", _) => StartReach::Nothing,
            ("leaf_price", "initial") => StartReach::All,
            ("leaf_price" | "revenue" | "market", _) => StartReach::Price,
            _ => StartReach::All,
        }
    }

    /// What a change of what `target` names reaches (see [`StartReach::of`]).
    pub(crate) fn of_target(target: &super::edit::Target) -> StartReach {
        use super::edit::Target;
        match target {
            Target::Param(p) | Target::Item(p, _) => StartReach::of(p.path),
            Target::Deal(..) => StartReach::All,
        }
    }
}

/// The source name of a scenario built in code, in messages.
pub const BUILT_IN_CODE: &str = "(built in code)";

/// What a deal without parts is told.
pub(super) const NO_PART: &str = "a deal needs at least one part: `tvl`, `oak` or `leaf_pair`";

/// Where each key that was read came from, for checks that involve several
/// keys (empty for a scenario built in code). Places are kept by the key's
/// index in the parameter tables, so remembering one hashes and allocates
/// nothing.
#[derive(Debug, Default)]
pub(super) struct Spots {
    /// By index in [`params::PARAMS`].
    scenario: Vec<Option<Where>>,
    /// Deal `i`'s key `j` (index in [`params::DEAL_PARAMS`]) at `i * stride + j`.
    deals: Vec<Option<Where>>,
    /// For each deal of the scenario, its index in the file (deals that could
    /// not be read are left out of the scenario); empty: the same index.
    pub file_index: Vec<usize>,
}

/// Which key a place is for.
#[derive(Clone, Copy, Debug)]
pub(super) enum Spot {
    /// A scenario parameter, by its index in [`params::PARAMS`].
    Param(usize),
    /// Deal `.0`'s key with index `.1` in [`params::DEAL_PARAMS`].
    Deal(usize, usize),
}

impl Spots {
    /// Remembers where `spot` came from.
    pub fn insert(&mut self, spot: Spot, at: Where) {
        let (list, i) = match spot {
            Spot::Param(j) => (&mut self.scenario, j),
            Spot::Deal(d, j) => (&mut self.deals, d * params::DEAL_PARAMS.len() + j),
        };
        if list.len() <= i {
            list.resize(i + 1, None);
        }
        list[i] = Some(at);
    }

    fn get(&self, spot: Spot) -> Option<&Where> {
        match spot {
            Spot::Param(j) => self.scenario.get(j),
            Spot::Deal(d, j) => self.deals.get(d * params::DEAL_PARAMS.len() + j),
        }
        .and_then(Option::as_ref)
    }

    fn at(&self, path: &str) -> Where {
        params::PARAMS
            .iter()
            .position(|p| p.path == path)
            .and_then(|j| self.get(Spot::Param(j)))
            .cloned()
            .unwrap_or(Where::Nowhere)
    }

    fn deal_spot(i: usize, key: &str) -> Option<Spot> {
        let j = params::DEAL_PARAMS.iter().position(|p| p.path == key)?;
        Some(Spot::Deal(i, j))
    }

    fn at_deal(&self, i: usize, key: &str) -> Where {
        Self::deal_spot(i, key)
            .and_then(|s| self.get(s))
            .cloned()
            .unwrap_or(Where::Nowhere)
    }

    /// Whether deal `i` was given an id (never, for a scenario built in code).
    pub fn id_given(&self, i: usize) -> bool {
        // `id` is the first deal key.
        self.get(Spot::Deal(i, 0)).is_some()
    }

    /// The index in the file of the scenario's deal `i`.
    fn file_index(&self, i: usize) -> usize {
        self.file_index.get(i).copied().unwrap_or(i)
    }

    /// The place of `a`, unless `b` (which `a` is checked against) was
    /// changed by an override: then that override, the change to blame.
    fn latest_of(&self, a: &str, b: &str) -> Where {
        match (self.at(a), self.at(b)) {
            (o @ Where::Override(_), _) | (_, o @ Where::Override(_)) => o,
            (w, _) => w,
        }
    }

    /// The later-written of two keys of deal `i`: an override wins over the file.
    fn latest(&self, i: usize, a: &str, b: &str) -> Where {
        match (self.at_deal(i, a), self.at_deal(i, b)) {
            (o @ Where::Override(_), _) | (_, o @ Where::Override(_)) => o,
            (Where::Nowhere, w) | (w, Where::Nowhere) => w,
            (w, _) => w,
        }
    }
}

/// Whether `id` is the name of a row that deals.csv generates (recurring
/// contracts, organic twins, chain TVL), which no deal may take.
fn reserved_id(id: &str) -> bool {
    id.ends_with(" (organic)")
        || id == "chain organic"
        || id
            .strip_prefix("recurring ")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A number in a message: compact for large and tiny magnitudes.
fn num(x: f64) -> String {
    Value::Float(x).show().trim_end_matches(".0").to_string()
}

/// Runs the checks that involve several keys, after reading.
pub(super) fn validate(
    source: &str,
    s: Scenario,
    problems: Vec<Problem>,
    spots: &Spots,
) -> Result<ValidScenario, ScenarioError> {
    validate_ids(source, s, problems, spots, Ids::Check)
}

/// Whether [`validate_ids`] checks the deals' ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ids {
    /// Every id checked: none reserved, none twice.
    Check,
    /// The ids are those of a valid scenario that was edited (no key that
    /// makes an id changed), so they pass as they did.
    AsBefore,
}

/// [`validate`], the ids checked or not.
pub(super) fn validate_ids(
    source: &str,
    s: Scenario,
    mut problems: Vec<Problem>,
    spots: &Spots,
    ids: Ids,
) -> Result<ValidScenario, ScenarioError> {
    let mut add = |path: String, at: Where, deal: Option<&Deal>, message: String| {
        problems.push(Problem {
            at,
            path,
            deal: deal.map(|d| d.counterparty.clone()),
            message,
        })
    };

    if s.oak.redemption_end_month <= s.oak.redemption_start_month {
        add(
            "oak.redemption_end_month".into(),
            spots.latest_of("oak.redemption_end_month", "oak.redemption_start_month"),
            None,
            format!(
                "{} is not allowed: the redemption window must end after it starts (redemption_start_month = {})",
                s.oak.redemption_end_month, s.oak.redemption_start_month
            ),
        );
    }
    if s.leaf_price.min >= s.leaf_price.max {
        add(
            "leaf_price.max".into(),
            spots.latest_of("leaf_price.max", "leaf_price.min"),
            None,
            format!(
                "{} is not allowed: it must be above leaf_price.min ({})",
                num(s.leaf_price.max),
                num(s.leaf_price.min)
            ),
        );
    }

    let mut allocated = 0.0;
    // Where the OAK allocation was last changed by an override, if it was.
    let mut allocation_override = None;
    let mut first_with: HashMap<&str, usize> = match ids {
        Ids::Check => HashMap::with_capacity(s.deals.len()),
        Ids::AsBefore => HashMap::new(),
    };
    for (i, d) in s.deals.iter().enumerate() {
        // Paths and places name the deal as the file numbers it (a deal that
        // could not be read is not in `s.deals`).
        let f = spots.file_index(i);
        if ids == Ids::Check {
            let given =
                spots.id_given(f) || d.id != Deal::default_id(&d.counterparty, d.start_month);
            let id_path = || format!("deal[{f}].id");
            let id_at = || spots.at_deal(f, "id");
            if given && reserved_id(&d.id) {
                add(
                    id_path(),
                    id_at(),
                    Some(d),
                    format!(
                        "the id {} is the name of a row deals.csv generates (`recurring NNN` for recurring contracts, `... (organic)` for organic twins, `chain organic`); choose another",
                        Value::Str(d.id.clone()).echo()
                    ),
                );
            }
            match first_with.get(d.id.as_str()) {
                None => {
                    first_with.insert(&d.id, i);
                }
                Some(&first) => {
                    let first_d = &s.deals[first];
                    let first_f = spots.file_index(first);
                    let first_given = spots.id_given(first_f)
                        || first_d.id
                            != Deal::default_id(&first_d.counterparty, first_d.start_month);
                    let other = format!("deal[{first_f}] ({})", first_d.counterparty);
                    let hint = match (given, first_given) {
                        (false, false) => "both are made from the counterparty's first 10 characters and the start month; give one of them an `id`".to_string(),
                        (false, true) => format!("this deal's id is made from its counterparty and start month; give it an `id`, or change the one of {other}"),
                        (true, _) => "ids must be unique; change one of them".to_string(),
                    };
                    let (path, at) = if given {
                        (id_path(), id_at())
                    } else {
                        (
                            format!("deal[{f}]"),
                            spots.latest(f, "counterparty", "start_month"),
                        )
                    };
                    // An override that gave the earlier deal this id is the
                    // change to blame, not the later deal's line in the file.
                    let at = match at {
                        o @ Where::Override(_) => o,
                        w => match (
                            spots.at_deal(first_f, "id"),
                            spots.latest(first_f, "counterparty", "start_month"),
                        ) {
                            (o @ Where::Override(_), _) | (_, o @ Where::Override(_)) => o,
                            _ => w,
                        },
                    };
                    add(
                        path,
                        at,
                        Some(d),
                        format!(
                            "duplicate deal id {}: {other} has it too; {hint}",
                            Value::Str(d.id.clone()).echo()
                        ),
                    );
                }
            }
        }
        // A disabled deal is absent from the run: it allocates nothing.
        if let Some(oak) = d.oak.as_ref().filter(|_| d.enabled) {
            allocated += oak.amount;
            if let w @ Where::Override(_) = spots.at_deal(f, "oak.amount") {
                allocation_override = Some(w);
            }
        }
        if let Some(pair) = &d.leaf_pair {
            let cost = pair.leaf_tokens * s.leaf_price.initial;
            if cost > pair.amount {
                let at = match (
                    spots.at_deal(f, "leaf_pair.leaf_tokens"),
                    spots.at_deal(f, "leaf_pair.amount"),
                    spots.at("leaf_price.initial"),
                ) {
                    (o @ Where::Override(_), _, _)
                    | (_, o @ Where::Override(_), _)
                    | (_, _, o @ Where::Override(_)) => o,
                    (w, _, _) => w,
                };
                add(
                    format!("deal[{f}].leaf_pair.leaf_tokens"),
                    at,
                    Some(d),
                    format!(
                        "{} LEAF at the initial price of {} is worth {}, more than the pair's amount ({}): the pair would start with negative USDC",
                        num(pair.leaf_tokens),
                        num(s.leaf_price.initial),
                        num(cost),
                        num(pair.amount)
                    ),
                );
            }
        }
    }
    if allocated > s.oak.total_supply {
        let path = "oak.total_supply";
        let at = match spots.at(path) {
            o @ Where::Override(_) => o,
            w => allocation_override.unwrap_or(w),
        };
        add(
            path.into(),
            at,
            None,
            format!(
                "the deals allocate {} OAK, more than the total supply of {}",
                num(allocated),
                num(s.oak.total_supply)
            ),
        );
    }

    if problems.is_empty() {
        Ok(ValidScenario(s, OnceLock::new(), OnceLock::new()))
    } else {
        // In file order; overrides after the file.
        problems.sort_by_key(|p| match p.at {
            Where::Text { line, column } => (0, line, column),
            Where::Override(_) => (1, 0, 0),
            Where::Nowhere => (2, 0, 0),
        });
        Err(ScenarioError::new(source, problems))
    }
}
