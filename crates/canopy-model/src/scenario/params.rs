//! Every parameter of a scenario, declared once.
//!
//! [`PARAMS`] (the scenario's own keys) and [`DEAL_PARAMS`] (the keys of one
//! `[[deal]]`) list each key with its type and allowed range, its default, a
//! one-line doc, and how to get and set it. The reader, `--set`, typed
//! overrides ([`crate::Scenario::set`]), `canopy show`, validation of
//! scenarios built in code, the report's scenario section and the JSON
//! Schema of scenario files all read these two lists, so a new parameter is
//! one new line here.

pub use super::allowed::{Kind, Range};
pub use super::text::{escaped, float_text, hidden, short, text_ok, toml_string};
pub use super::value::Value;
use super::{Deal, OakPart, PairPart, PriceModel, Rebalance, Scenario, TvlKind, TvlPart};

/// A default value, in a form a static table can hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Default {
    /// A number.
    Float(f64),
    /// A whole number.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Str(&'static str),
    /// A list of numbers.
    List(&'static [f64]),
    /// None: the key must be given (some deal keys).
    Required,
    /// None: made from other keys when missing (a deal's id, the end of its
    /// OAK threshold).
    Derived,
}

impl Default {
    /// The default as a [`Value`]; `None` for a required key.
    pub fn value(self) -> Option<Value> {
        match self {
            Default::Float(x) => Some(Value::Float(x)),
            Default::Int(i) => Some(Value::Int(i)),
            Default::Bool(b) => Some(Value::Bool(b)),
            Default::Str(s) => Some(Value::Str(s.to_string())),
            Default::List(xs) => Some(Value::List(xs.to_vec())),
            Default::Required | Default::Derived => None,
        }
    }
}

/// A parameter of the scenario as a whole (`aegis.initial_usdc`).
pub struct Param {
    /// Dotted key path.
    pub path: &'static str,
    /// Its unit (`USD`, `months`, `fraction per year`); `none` for names,
    /// switches and counts of nothing.
    pub unit: &'static str,
    /// Type and allowed values.
    pub kind: Kind,
    /// Its value when the key is missing.
    pub default: Default,
    /// One line for people.
    pub doc: &'static str,
    /// Reads it from a scenario.
    pub get: fn(&Scenario) -> Value,
    /// Writes a value that [`Kind::check`] has accepted.
    pub set: fn(&mut Scenario, Value),
}

/// A key of one `[[deal]]` (`oak.amount`, relative to the deal).
pub struct DealParam {
    /// Dotted key path inside the deal.
    pub path: &'static str,
    /// Its unit, as [`Param::unit`].
    pub unit: &'static str,
    /// Type and allowed values.
    pub kind: Kind,
    /// Its value when the key is missing; [`Default::Required`] when it must be given.
    pub default: Default,
    /// One line for people.
    pub doc: &'static str,
    /// Reads it from a deal; `None` when its part is missing.
    pub get: fn(&Deal) -> Option<Value>,
    /// Writes a value that [`Kind::check`] has accepted, creating its part if missing.
    pub set: fn(&mut Deal, Value),
}

impl std::fmt::Debug for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Param({})", self.path)
    }
}

impl std::fmt::Debug for DealParam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DealParam({})", self.path)
    }
}

/// The part of the deal a [`DealParam`] belongs to (`tvl`), or `None` for
/// the deal's own keys.
pub fn part_of(path: &str) -> Option<&str> {
    path.split_once('.').map(|(part, _)| part)
}

/// The parts of a deal, in file order.
pub const DEAL_PARTS: [&str; 3] = ["tvl", "oak", "leaf_pair"];

fn f(v: Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn u(v: Value) -> u32 {
    match v {
        Value::Int(i) => u32::try_from(i).unwrap_or(u32::MAX),
        _ => 0,
    }
}

fn b(v: Value) -> bool {
    matches!(v, Value::Bool(true))
}

fn s(v: Value) -> String {
    match v {
        Value::Str(s) => s,
        _ => String::new(),
    }
}

macro_rules! number {
    ($path:literal, $unit:literal, $($field:ident).+, $range:expr, $default:expr, $doc:literal) => {
        Param {
            path: $path,
            unit: $unit,
            kind: Kind::Number($range),
            default: Default::Float($default),
            doc: $doc,
            get: |sc| Value::Float(sc.$($field).+),
            set: |sc, v| sc.$($field).+ = f(v),
        }
    };
}

macro_rules! whole {
    ($path:literal, $unit:literal, $($field:ident).+, $min:expr, $max:expr, $default:expr, $doc:literal) => {
        Param {
            path: $path,
            unit: $unit,
            kind: Kind::Whole { min: $min, max: $max },
            default: Default::Int($default),
            doc: $doc,
            get: |sc| Value::Int(sc.$($field).+.into()),
            set: |sc, v| sc.$($field).+ = u(v),
        }
    };
}

macro_rules! switch {
    ($path:literal, $unit:literal, $($field:ident).+, $default:expr, $doc:literal) => {
        Param {
            path: $path,
            unit: $unit,
            kind: Kind::Bool,
            default: Default::Bool($default),
            doc: $doc,
            get: |sc| Value::Bool(sc.$($field).+),
            set: |sc, v| sc.$($field).+ = b(v),
        }
    };
}

/// The longest month or duration a scenario may name.
pub const MAX_MONTHS: i64 = 100_000;

const PRICE_MODELS: &[&str] = &PriceModel::NAMES;
const REBALANCES: &[&str] = &Rebalance::NAMES;
const TVL_KINDS: &[&str] = &TvlKind::NAMES;

/// Every parameter of the scenario as a whole, in file order.
#[rustfmt::skip]
pub static PARAMS: &[Param] = &[
    whole!("simulation.months", "months", simulation.months, 1, 1200, 60, "Months to simulate."),
    Param {
        path: "simulation.seed",
        unit: "none",
        kind: Kind::Whole {
            min: 0,
            max: i64::MAX,
        },
        default: Default::Int(0),
        doc: "Seed for anything random: the same seed gives the same numbers.",
        // A seed past i64 (only from code) shows as a float, which the
        // whole-number check refuses, rather than as some other seed.
        get: |sc| i64::try_from(sc.simulation.seed).map_or(Value::Float(sc.simulation.seed as f64), Value::Int),
        set: |sc, v| {
            sc.simulation.seed = match v {
                Value::Int(i) => u64::try_from(i).unwrap_or(0),
                _ => 0,
            }
        },
    },
    number!("aegis.initial_leaf", "LEAF", aegis.initial_leaf, Range::NonNeg, 1e9, "LEAF in AEGIS at month 0."),
    number!("aegis.initial_usdc", "USDC", aegis.initial_usdc, Range::NonNeg, 1e8, "USDC in AEGIS at month 0."),
    number!("aegis.revenue_share", "fraction", aegis.revenue_share, Range::Closed(0.0, 1.0), 1.0, "Share of monthly revenue paid into AEGIS."),
    Param {
        path: "leaf_price.model",
        unit: "none",
        kind: Kind::Choice(PRICE_MODELS),
        default: Default::Str("fixed"),
        doc: "The LEAF price model: \"fixed\" keeps the initial price; \"market\" adds drift, volatility and the impact of market flows.",
        get: |sc| Value::Str(sc.leaf_price.model.name().into()),
        set: |sc, v| {
            sc.leaf_price.model = PriceModel::from_name(&s(v)).unwrap_or(PriceModel::Fixed)
        },
    },
    number!("leaf_price.initial", "USD per LEAF", leaf_price.initial, Range::Positive, 1.0, "LEAF price at month 0, USD."),
    number!("leaf_price.drift", "log change per month", leaf_price.drift, Range::Any, 0.0, "Monthly log drift of the market price model."),
    number!("leaf_price.volatility", "log change per month", leaf_price.volatility, Range::NonNeg, 0.0, "Monthly volatility of the market price model."),
    number!("leaf_price.min", "USD per LEAF", leaf_price.min, Range::Positive, 0.01, "Lower bound of the market price, USD."),
    number!("leaf_price.max", "USD per LEAF", leaf_price.max, Range::Positive, 1000.0, "Upper bound of the market price, USD (above min)."),
    number!("leaf_price.max_monthly_impact", "fraction of the price", leaf_price.max_monthly_impact, Range::NonNeg, 0.10, "Cap on the price impact of one month's market flow."),
    Param {
        path: "leaf_pairs.rebalance",
        unit: "none",
        kind: Kind::Choice(REBALANCES),
        default: Default::Str("both"),
        doc: "How pairs trade with AEGIS: \"both\" buys below target and sells above it; \"buy-only\" only buys.",
        get: |sc| Value::Str(sc.leaf_pairs.rebalance.name().into()),
        set: |sc, v| {
            sc.leaf_pairs.rebalance = Rebalance::from_name(&s(v)).unwrap_or(Rebalance::Both)
        },
    },
    number!("oak.total_supply", "OAK", oak.total_supply, Range::NonNeg, 500_000.0, "OAK minted at month 0."),
    whole!("oak.redemption_start_month", "month", oak.redemption_start_month, 0, MAX_MONTHS, 3, "First month holders may redeem."),
    whole!("oak.redemption_end_month", "month", oak.redemption_end_month, 1, MAX_MONTHS, 48, "Month the redemption window closes (after it starts)."),
    number!("oak.max_redemption_per_month", "fraction of the OAK supply", oak.max_redemption_per_month, Range::LeftOpen(0.0, 1.0), 1.0, "Share of the OAK supply that may be redeemed in one month; below 1, what is asked beyond it queues."),
    number!("tvl.revenue_rates.protocol_locked", "fraction per year", tvl.revenue_rates.protocol_locked, Range::NonNeg, 0.04, "Annual revenue rate of generated protocol-locked TVL."),
    number!("tvl.revenue_rates.contracted", "fraction per year", tvl.revenue_rates.contracted, Range::NonNeg, 0.025, "Annual revenue rate of generated contracted TVL."),
    number!("tvl.revenue_rates.organic", "fraction per year", tvl.revenue_rates.organic, Range::NonNeg, 0.02, "Annual revenue rate of organic TVL."),
    number!("tvl.revenue_rates.boosted", "fraction per year", tvl.revenue_rates.boosted, Range::NonNeg, 0.03, "Annual revenue rate of generated boosted TVL."),
    number!("tvl.organic.conversion_ratio", "USD per USD", tvl.organic.conversion_ratio, Range::NonNeg, 0.2, "Organic TVL per contracted TVL."),
    number!("tvl.organic.decay_rate", "fraction per month", tvl.organic.decay_rate, Range::RightOpen(0.0, 1.0), 0.05, "Monthly decay of organic TVL."),
    whole!("tvl.organic.duration_months", "months", tvl.organic.duration_months, 1, MAX_MONTHS, 36, "Life of an organic contribution, months."),
    whole!("tvl.recurring_contracts.after_month", "month", tvl.recurring_contracts.after_month, 0, MAX_MONTHS, 3, "A new recurring contract in every month after this one."),
    number!("tvl.recurring_contracts.amount", "USD", tvl.recurring_contracts.amount, Range::NonNeg, 2e7, "USD per recurring contract (0 turns them off)."),
    number!("tvl.recurring_contracts.revenue_rate", "fraction per year", tvl.recurring_contracts.revenue_rate, Range::NonNeg, 0.025, "Annual revenue rate of recurring contracts."),
    whole!("tvl.recurring_contracts.duration_months", "months", tvl.recurring_contracts.duration_months, 1, MAX_MONTHS, 6, "Life of a recurring contract, months."),
    switch!("tvl.market.enabled", "none", tvl.market.enabled, false, "Whether organic TVL follows the chain's TVL."),
    number!("tvl.market.chain_initial", "USD", tvl.market.chain_initial, Range::NonNeg, 8e8, "Chain TVL at month 0, USD."),
    Param {
        path: "tvl.market.growth_rates",
        unit: "fraction per year",
        kind: Kind::Numbers(Range::Above(-1.0)),
        default: Default::List(&[1.5, 1.0, 0.75, 0.5, 0.4]),
        doc: "Annual growth of chain TVL in each year; the last repeats.",
        get: |sc| Value::List(sc.tvl.market.growth_rates.clone()),
        set: |sc, v| {
            if let Value::List(xs) = v {
                sc.tvl.market.growth_rates = xs;
            }
        },
    },
    number!("tvl.market.initial_share", "fraction", tvl.market.initial_share, Range::Closed(0.0, 1.0), 0.4375, "Share of chain TVL at month 0."),
    number!("tvl.market.min_share", "fraction", tvl.market.min_share, Range::Closed(0.0, 1.0), 0.10, "Floor the share decays to."),
    number!("tvl.market.share_decay", "fraction per year", tvl.market.share_decay, Range::NonNeg, 0.02, "Yearly decay rate of the share."),
    number!("tvl.market.volatility", "log change per month", tvl.market.volatility, Range::NonNeg, 0.0, "Monthly volatility of chain TVL."),
    number!("market.net_demand_usd", "USD per month", market.net_demand_usd, Range::Any, 0.0, "External net demand for LEAF in month 1, USD (negative: selling)."),
    number!("market.demand_growth", "fraction per month", market.demand_growth, Range::AtLeast(-1.0), 0.0, "Monthly growth of that demand."),
    number!("market.demand_noise_usd", "USD per month", market.demand_noise_usd, Range::NonNeg, 0.0, "Standard deviation of the demand's noise, USD."),
    number!("market.redeemer_sell_share", "fraction", market.redeemer_sell_share, Range::Closed(0.0, 1.0), 0.0, "Share of the LEAF paid to redeemers that they sell on the market."),
    whole!("revenue.schedule_months", "months", revenue.schedule_months, 1, MAX_MONTHS, 24, "Months for the rate multipliers to reach their targets."),
    number!("revenue.target_multiplier.protocol_locked", "multiple", revenue.target_multiplier.protocol_locked, Range::NonNeg, 1.0, "Where protocol-locked revenue rates end up, as a multiple."),
    number!("revenue.target_multiplier.contracted", "multiple", revenue.target_multiplier.contracted, Range::NonNeg, 1.0, "Where contracted revenue rates end up, as a multiple."),
    number!("revenue.target_multiplier.organic", "multiple", revenue.target_multiplier.organic, Range::NonNeg, 1.0, "Where organic revenue rates end up, as a multiple."),
    number!("revenue.target_multiplier.boosted", "multiple", revenue.target_multiplier.boosted, Range::NonNeg, 1.0, "Where boosted revenue rates end up, as a multiple."),
    number!("revenue.price_elasticity", "exponent", revenue.price_elasticity, Range::Any, 0.0, "Revenue rates follow (price / initial price) to this power."),
    switch!("compat.pairs_lag_one_month", "none", compat.pairs_lag_one_month, false, "Original model's quirk: rebalance the pairs active the month before."),
    switch!("compat.pair_purchase_mints_usdc", "none", compat.pair_purchase_mints_usdc, false, "Original model's quirk: pairs receive LEAF from AEGIS without paying."),
    switch!("compat.revenue_ignores_decay", "none", compat.revenue_ignores_decay, false, "Original model's quirk: organic revenue on undecayed amounts."),
    switch!("compat.redemptions_without_payout", "none", compat.redemptions_without_payout, false, "Original model's quirk: redeemed OAK is counted but nothing is paid."),
    switch!("compat.irr_time_only", "none", compat.irr_time_only, false, "Original model's quirk: the IRR depends on the month alone."),
    switch!("compat.oak_vesting_off_by_one", "none", compat.oak_vesting_off_by_one, false, "Original model's quirk: OAK distributes a month early, never with vesting 0."),
];

macro_rules! part_number {
    ($path:literal, $unit:literal, $part:ident, $blank:path, $field:ident, $range:expr, $default:expr, $doc:literal) => {
        DealParam {
            path: $path,
            unit: $unit,
            kind: Kind::Number($range),
            default: $default,
            doc: $doc,
            get: |d| d.$part.as_ref().map(|p| Value::Float(p.$field)),
            set: |d, v| d.$part.get_or_insert_with($blank).$field = f(v),
        }
    };
}

macro_rules! part_whole {
    ($path:literal, $unit:literal, $part:ident, $blank:path, $field:ident, $min:expr, $default:expr, $doc:literal) => {
        DealParam {
            path: $path,
            unit: $unit,
            kind: Kind::Whole {
                min: $min,
                max: MAX_MONTHS,
            },
            default: $default,
            doc: $doc,
            get: |d| d.$part.as_ref().map(|p| Value::Int(p.$field.into())),
            set: |d, v| d.$part.get_or_insert_with($blank).$field = u(v),
        }
    };
}

/// Every key of one `[[deal]]`, in file order: its own keys, then the keys of
/// its parts `tvl`, `oak` and `leaf_pair`.
#[rustfmt::skip]
pub static DEAL_PARAMS: &[DealParam] = &[
    DealParam {
        path: "id",
        unit: "none",
        kind: Kind::Text,
        default: Default::Derived,
        doc: "Unique id; by default the counterparty's first 10 characters and the start month (`Sigma Capi_001`).",
        get: |d| Some(Value::Str(d.id.clone())),
        set: |d, v| d.id = s(v),
    },
    DealParam {
        path: "counterparty",
        unit: "none",
        kind: Kind::Text,
        default: Default::Required,
        doc: "The counterparty's name.",
        get: |d| Some(Value::Str(d.counterparty.clone())),
        set: |d, v| d.counterparty = s(v),
    },
    DealParam {
        path: "start_month",
        unit: "month",
        kind: Kind::Whole {
            min: 1,
            max: MAX_MONTHS,
        },
        default: Default::Required,
        doc: "First month of the deal.",
        get: |d| Some(Value::Int(d.start_month.into())),
        set: |d, v| d.start_month = u(v),
    },
    DealParam {
        path: "enabled",
        unit: "none",
        kind: Kind::Bool,
        default: Default::Bool(true),
        doc: "Whether the deal takes part; a disabled deal is absent from the run, as if cut from the file.",
        get: |d| Some(Value::Bool(d.enabled)),
        set: |d, v| d.enabled = matches!(v, Value::Bool(true)),
    },
    DealParam {
        path: "tvl.kind",
        unit: "none",
        kind: Kind::Choice(TVL_KINDS),
        default: Default::Required,
        doc: "Kind of TVL the deal brings.",
        get: |d| d.tvl.as_ref().map(|p| Value::Str(p.kind.name().into())),
        set: |d, v| {
            d.tvl.get_or_insert_with(TvlPart::blank).kind =
                TvlKind::from_name(&s(v)).unwrap_or(TvlKind::Contracted)
        },
    },
    part_number!("tvl.amount", "USD", tvl, TvlPart::blank, amount, Range::NonNeg, Default::Required, "USD locked."),
    part_number!("tvl.revenue_rate", "fraction per year", tvl, TvlPart::blank, revenue_rate, Range::NonNeg, Default::Required, "Annual revenue rate of the TVL."),
    part_whole!("tvl.duration_months", "months", tvl, TvlPart::blank, duration_months, 1, Default::Required, "Months the TVL stays."),
    part_number!("oak.amount", "OAK", oak, OakPart::blank, amount, Range::NonNeg, Default::Required, "OAK allocated to the deal."),
    part_whole!("oak.vesting_months", "months", oak, OakPart::blank, vesting_months, 0, Default::Int(0), "Months from the start until the OAK is distributed."),
    part_number!("oak.irr_threshold", "fraction per year", oak, OakPart::blank, irr_threshold, Range::NonNeg, Default::Required, "The holder redeems when the IRR falls below this."),
    part_whole!("oak.lockup_months", "months", oak, OakPart::blank, lockup_months, 0, Default::Int(0), "Months after distribution before the holder may ask to redeem."),
    part_number!("oak.redeem_fraction", "fraction", oak, OakPart::blank, redeem_fraction, Range::LeftOpen(0.0, 1.0), Default::Float(1.0), "Share of its allocation the holder asks to redeem at a time."),
    DealParam {
        path: "oak.irr_threshold_end",
        unit: "fraction per year",
        kind: Kind::Number(Range::NonNeg),
        // Missing, it is the deal's own irr_threshold: the threshold stays put.
        default: Default::Derived,
        doc: "Threshold reached by the redemption window's end, moving linearly from distribution; by default irr_threshold.",
        get: |d| d.oak.as_ref().map(|p| Value::Float(p.threshold_end())),
        set: |d, v| d.oak.get_or_insert_with(OakPart::blank).irr_threshold_end = Some(f(v)),
    },
    part_number!("leaf_pair.amount", "USD", leaf_pair, PairPart::blank, amount, Range::NonNeg, Default::Required, "The pair's liquidity, USD."),
    part_number!("leaf_pair.leaf_tokens", "LEAF", leaf_pair, PairPart::blank, leaf_tokens, Range::NonNeg, Default::Float(0.0), "LEAF the pair starts with."),
    part_number!("leaf_pair.target_ratio", "fraction", leaf_pair, PairPart::blank, target_ratio, Range::Closed(0.0, 0.5), Default::Required, "Share of the pair's value that LEAF should make up."),
    part_number!("leaf_pair.base_concentration", "fraction", leaf_pair, PairPart::blank, base_concentration, Range::LeftOpen(0.0, 1.0), Default::Float(0.5), "How concentrated the pair's liquidity is."),
    part_number!("leaf_pair.max_concentration", "fraction", leaf_pair, PairPart::blank, max_concentration, Range::LeftOpen(0.0, 1.0), Default::Float(0.8), "Upper concentration (kept for later models)."),
    part_whole!("leaf_pair.duration_months", "months", leaf_pair, PairPart::blank, duration_months, 1, Default::Required, "Months the pair runs."),
];

/// The scenario parameter at `path`.
pub fn param(path: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.path == path)
}

/// The deal key at `path` (relative to the deal).
pub fn deal_param(path: &str) -> Option<&'static DealParam> {
    DEAL_PARAMS.iter().find(|p| p.path == path)
}

/// The keys that may stand in the table at `prefix` (`""` is the top, `tvl`
/// a sub-table), in file order: parameters and sub-tables alike.
pub fn children<'a, I>(paths: I, prefix: &str) -> Vec<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut out: Vec<&str> = Vec::new();
    for path in paths {
        let rest = if prefix.is_empty() {
            Some(path)
        } else {
            path.strip_prefix(prefix).and_then(|r| r.strip_prefix('.'))
        };
        if let Some(rest) = rest {
            let head = rest.split('.').next().unwrap_or(rest);
            if !out.contains(&head) {
                out.push(head);
            }
        }
    }
    out
}

/// The keys of the scenario's table at `prefix`, `deal` included at the top.
pub fn scenario_children(prefix: &str) -> Vec<&'static str> {
    let mut keys = children(PARAMS.iter().map(|p| p.path), prefix);
    if prefix.is_empty() {
        keys.push("deal");
    }
    keys
}

/// The keys of a deal's table at `prefix` (`""` for the deal itself, `oak` for a part).
pub fn deal_children(prefix: &str) -> Vec<&'static str> {
    children(DEAL_PARAMS.iter().map(|p| p.path), prefix)
}

/// The nearest of `known` to a mistyped `key`, as a hint: "did you mean
/// `x`?", or the list of what is allowed.
pub fn suggest(key: &str, known: &[&str]) -> String {
    // Case is ignored: `SIMULATION` is as near to `simulation` as can be.
    let lower = key.to_lowercase();
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(k, &lower), *k))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| format!("did you mean `{k}`?"))
        .unwrap_or_else(|| format!("allowed here: {}", known.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_passes_its_own_check_and_round_trips() {
        let s = Scenario::default();
        for p in PARAMS {
            let d = p.default.value().expect("scenario keys have defaults");
            assert_eq!(p.kind.check(&d).as_ref(), Ok(&d), "{}", p.path);
            assert_eq!((p.get)(&s), d, "{}", p.path);
        }
        for p in DEAL_PARAMS {
            if let Some(d) = p.default.value() {
                assert_eq!(p.kind.check(&d).as_ref(), Ok(&d), "{}", p.path);
            }
        }
    }

    #[test]
    fn setters_write_the_field_their_getter_reads() {
        for p in PARAMS {
            let mut s = Scenario::default();
            let v = match p.kind {
                Kind::Number(Range::Closed(lo, hi)) => Value::Float((lo + hi) / 3.0),
                Kind::Number(_) => Value::Float(123.5),
                Kind::Whole { min, .. } => Value::Int(min + 7),
                Kind::Bool => Value::Bool(true),
                Kind::Choice(names) => Value::Str(names[names.len() - 1].into()),
                Kind::Numbers(_) => Value::List(vec![0.25, 0.5]),
                Kind::Text => Value::Str("x".into()),
            };
            (p.set)(&mut s, v.clone());
            assert_eq!((p.get)(&s), v, "{}", p.path);
            let changed: Vec<&str> = PARAMS
                .iter()
                .filter(|q| (q.get)(&s) != (q.get)(&Scenario::default()))
                .map(|q| q.path)
                .collect();
            assert!(
                changed.len() <= 1 && changed.iter().all(|c| *c == p.path),
                "{}: {changed:?}",
                p.path
            );
        }
    }

    #[test]
    fn whole_numbers_are_exact_and_floats_must_be_whole() {
        let k = Kind::Whole {
            min: 0,
            max: i64::MAX,
        };
        assert_eq!(k.check(&Value::Int(i64::MAX)), Ok(Value::Int(i64::MAX)));
        assert_eq!(k.check(&Value::Float(12.0)), Ok(Value::Int(12)));
        assert!(k.check(&Value::Float(12.5)).is_err());
        // 2^63 as a float is past what f64 holds exactly at unit steps.
        assert!(k.check(&Value::Float(9.223_372_036_854_776e18)).is_err());
        assert!(
            k.check(&Value::Int(-1))
                .unwrap_err()
                .contains("from 0 to 9223372036854775807")
        );
    }

    #[test]
    fn numbers_show_compactly() {
        assert_eq!(Value::Float(1e308).show(), "1e308");
        assert_eq!(Value::Float(1e9).show(), "1000000000.0");
        assert_eq!(Value::Float(1.5e-7).show(), "1.5e-7");
        assert_eq!(Value::Float(f64::NAN).show(), "nan");
    }

    #[test]
    fn a_deals_id_is_its_first_key() {
        // Spots find a given id by this index.
        assert_eq!(DEAL_PARAMS[0].path, "id");
    }

    #[test]
    fn children_list_tables_and_keys_in_order() {
        assert_eq!(
            scenario_children("tvl"),
            ["revenue_rates", "organic", "recurring_contracts", "market"]
        );
        assert_eq!(
            deal_children(""),
            [
                "id",
                "counterparty",
                "start_month",
                "enabled",
                "tvl",
                "oak",
                "leaf_pair"
            ]
        );
        assert_eq!(
            deal_children("oak"),
            [
                "amount",
                "vesting_months",
                "irr_threshold",
                "lockup_months",
                "redeem_fraction",
                "irr_threshold_end"
            ]
        );
        assert_eq!(scenario_children("").last(), Some(&"deal"));
    }
}
