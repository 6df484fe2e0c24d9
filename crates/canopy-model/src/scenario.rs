//! The scenario: every parameter of a run, with the defaults of SCENARIO.md.
//!
//! A [`Scenario`] is plain data. [`crate::load`] reads one from TOML text and
//! [`validate`] turns it into a [`ValidScenario`], the only thing the engine
//! accepts.

pub(crate) mod allowed;
pub mod edit;
mod fast;
pub(crate) mod load;
mod overrides;
pub mod params;
pub(crate) mod schema;
pub(crate) mod text;
pub mod tree;
pub mod validate;
pub(crate) mod value;

pub use edit::KeyPath;
pub use load::{Given, MAX_TEXT_BYTES, Override, override_value, parse_override};
pub use params::{DEAL_PARAMS, PARAMS, Value};
pub use schema::json_schema;
pub use text::escaped;
pub use validate::{Problem, ScenarioError, ValidScenario};

/// The four kinds of TVL contribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TvlKind {
    /// TVL locked by the protocol itself.
    ProtocolLocked,
    /// TVL under contract with a counterparty.
    Contracted,
    /// TVL that arrives on its own.
    Organic,
    /// TVL attracted by incentives.
    Boosted,
}

impl TvlKind {
    /// All kinds, in column order.
    pub const ALL: [TvlKind; 4] = [
        TvlKind::ProtocolLocked,
        TvlKind::Contracted,
        TvlKind::Organic,
        TvlKind::Boosted,
    ];

    /// The name used in scenario files (`protocol-locked`).
    pub const fn name(self) -> &'static str {
        match self {
            TvlKind::ProtocolLocked => "protocol-locked",
            TvlKind::Contracted => "contracted",
            TvlKind::Organic => "organic",
            TvlKind::Boosted => "boosted",
        }
    }

    /// Their names, as scenario files write them.
    pub const NAMES: [&'static str; 4] = [
        Self::ALL[0].name(),
        Self::ALL[1].name(),
        Self::ALL[2].name(),
        Self::ALL[3].name(),
    ];

    /// The name used in keys and columns (`protocol_locked`).
    pub fn key(self) -> &'static str {
        match self {
            TvlKind::ProtocolLocked => "protocol_locked",
            TvlKind::Contracted => "contracted",
            TvlKind::Organic => "organic",
            TvlKind::Boosted => "boosted",
        }
    }

    /// Position in [`TvlKind::ALL`], for per-kind arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The kind named `name` in a scenario file.
    pub fn from_name(name: &str) -> Option<TvlKind> {
        TvlKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One number per TVL kind.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KindValues {
    /// Protocol-locked.
    pub protocol_locked: f64,
    /// Contracted.
    pub contracted: f64,
    /// Organic.
    pub organic: f64,
    /// Boosted.
    pub boosted: f64,
}

impl KindValues {
    /// The value for `kind`.
    pub fn get(&self, kind: TvlKind) -> f64 {
        self.as_array()[kind.index()]
    }

    /// The values in [`TvlKind::ALL`] order.
    pub fn as_array(&self) -> [f64; 4] {
        [
            self.protocol_locked,
            self.contracted,
            self.organic,
            self.boosted,
        ]
    }

    /// The same value for every kind.
    pub fn uniform(v: f64) -> Self {
        KindValues {
            protocol_locked: v,
            contracted: v,
            organic: v,
            boosted: v,
        }
    }
}

/// A complete scenario.
#[derive(Debug, PartialEq)]
pub struct Scenario {
    /// Run length and seed.
    pub simulation: Simulation,
    /// The treasury.
    pub aegis: Aegis,
    /// The LEAF price model.
    pub leaf_price: LeafPrice,
    /// How pairs are rebalanced.
    pub leaf_pairs: LeafPairs,
    /// The OAK token.
    pub oak: Oak,
    /// TVL generation.
    pub tvl: Tvl,
    /// External market flows.
    pub market: Market,
    /// Revenue rate adjustments.
    pub revenue: Revenue,
    /// The original model's quirks.
    pub compat: Compat,
    /// The deals, in file order.
    pub deals: Vec<Deal>,
}

/// `[simulation]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Simulation {
    /// Months to simulate, 1..=1200.
    pub months: u32,
    /// Seed for anything random.
    pub seed: u64,
}

/// `[aegis]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Aegis {
    /// LEAF in AEGIS at month 0.
    pub initial_leaf: f64,
    /// USDC in AEGIS at month 0.
    pub initial_usdc: f64,
    /// Share of monthly revenue paid into AEGIS.
    pub revenue_share: f64,
}

/// The LEAF price model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PriceModel {
    /// The price stays at `initial`.
    #[default]
    Fixed,
    /// Drift, volatility and the impact of market flows.
    Market,
}

impl PriceModel {
    /// Every model.
    pub const ALL: [PriceModel; 2] = [PriceModel::Fixed, PriceModel::Market];

    /// Their names, as scenario files write them.
    pub const NAMES: [&'static str; 2] = [Self::ALL[0].name(), Self::ALL[1].name()];

    /// The name used in scenario files.
    pub const fn name(self) -> &'static str {
        match self {
            PriceModel::Fixed => "fixed",
            PriceModel::Market => "market",
        }
    }

    /// The model named `name` in a scenario file.
    pub fn from_name(name: &str) -> Option<PriceModel> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// `[leaf_price]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LeafPrice {
    /// Which price model.
    pub model: PriceModel,
    /// Price at month 0.
    pub initial: f64,
    /// Monthly log drift of the market model.
    pub drift: f64,
    /// Monthly volatility of the market model.
    pub volatility: f64,
    /// Lower bound of the market price.
    pub min: f64,
    /// Upper bound of the market price.
    pub max: f64,
    /// Cap on the impact of one month's flow.
    pub max_monthly_impact: f64,
}

/// How pairs trade with AEGIS to reach their target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rebalance {
    /// Pairs buy below target and sell above it.
    #[default]
    Both,
    /// Pairs only buy.
    BuyOnly,
}

impl Rebalance {
    /// Every rule.
    pub const ALL: [Rebalance; 2] = [Rebalance::Both, Rebalance::BuyOnly];

    /// Their names, as scenario files write them.
    pub const NAMES: [&'static str; 2] = [Self::ALL[0].name(), Self::ALL[1].name()];

    /// The name used in scenario files.
    pub const fn name(self) -> &'static str {
        match self {
            Rebalance::Both => "both",
            Rebalance::BuyOnly => "buy-only",
        }
    }

    /// The rule named `name` in a scenario file.
    pub fn from_name(name: &str) -> Option<Rebalance> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// `[leaf_pairs]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LeafPairs {
    /// Rebalancing direction.
    pub rebalance: Rebalance,
}

/// `[oak]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Oak {
    /// OAK minted at month 0.
    pub total_supply: f64,
    /// First month holders may redeem.
    pub redemption_start_month: u32,
    /// Month the redemption window closes.
    pub redemption_end_month: u32,
    /// Share of the supply that may be redeemed in one month, (0, 1]; below
    /// 1, requests beyond it queue.
    pub max_redemption_per_month: f64,
}

impl Oak {
    /// Whether redemptions are rate limited (and so may queue).
    pub fn rate_limited(&self) -> bool {
        self.max_redemption_per_month < 1.0
    }
}

/// `[tvl]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tvl {
    /// Annual rates for generated contributions.
    pub revenue_rates: KindValues,
    /// Organic twins of contracted TVL.
    pub organic: Organic,
    /// A new contract every month.
    pub recurring_contracts: RecurringContracts,
    /// Chain-driven organic TVL.
    pub market: ChainTvl,
}

/// `[tvl.organic]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Organic {
    /// Organic TVL per contracted TVL.
    pub conversion_ratio: f64,
    /// Monthly decay of organic TVL.
    pub decay_rate: f64,
    /// Life of an organic contribution.
    pub duration_months: u32,
}

/// `[tvl.recurring_contracts]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecurringContracts {
    /// New contracts in every month after this one.
    pub after_month: u32,
    /// USD per contract (0 turns them off).
    pub amount: f64,
    /// Their annual revenue rate.
    pub revenue_rate: f64,
    /// Their life.
    pub duration_months: u32,
}

/// `[tvl.market]`: TVL growth with the chain.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChainTvl {
    /// Whether the chain model is on.
    pub enabled: bool,
    /// Chain TVL at month 0.
    pub chain_initial: f64,
    /// Annual growth rate of each year; the last repeats.
    pub growth_rates: Vec<f64>,
    /// Market share at month 0.
    pub initial_share: f64,
    /// Floor the share decays to.
    pub min_share: f64,
    /// Yearly decay rate of the share.
    pub share_decay: f64,
    /// Monthly volatility of chain TVL.
    pub volatility: f64,
}

/// `[market]`: external flows against the pairs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Market {
    /// External net demand for LEAF in month 1, USD.
    pub net_demand_usd: f64,
    /// Monthly growth of that demand.
    pub demand_growth: f64,
    /// Standard deviation of the demand noise, USD.
    pub demand_noise_usd: f64,
    /// Share of redeemed LEAF sold on the market.
    pub redeemer_sell_share: f64,
}

impl Market {
    /// Whether market flows are on (any key non-zero).
    pub fn enabled(&self) -> bool {
        self.net_demand_usd != 0.0
            || self.demand_growth != 0.0
            || self.demand_noise_usd != 0.0
            || self.redeemer_sell_share != 0.0
    }
}

/// `[revenue]`: revenue rate adjustments.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Revenue {
    /// Months for the multipliers to reach their targets.
    pub schedule_months: u32,
    /// Where each kind's rates end up.
    pub target_multiplier: KindValues,
    /// Rates follow (price / initial price) to this power.
    pub price_elasticity: f64,
}

/// `[compat]`: the original model's quirks, each a switch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Compat {
    /// Rebalance the pairs active in the previous month.
    pub pairs_lag_one_month: bool,
    /// Pairs receive LEAF from AEGIS without paying.
    pub pair_purchase_mints_usdc: bool,
    /// Revenue uses undecayed amounts.
    pub revenue_ignores_decay: bool,
    /// Redemptions pay nothing.
    pub redemptions_without_payout: bool,
    /// IRR depends on the month alone.
    pub irr_time_only: bool,
    /// OAK distributes one month early; vesting 0 never distributes.
    pub oak_vesting_off_by_one: bool,
}

impl Compat {
    /// The switches by name, in file order (from [`params::PARAMS`]).
    pub fn switches(&self) -> Vec<(&'static str, bool)> {
        let s = Scenario {
            compat: self.clone(),
            ..Scenario::default()
        };
        params::PARAMS
            .iter()
            .filter_map(|p| Some((p.path.strip_prefix("compat.")?, (p.get)(&s))))
            .map(|(name, v)| (name, v == Value::Bool(true)))
            .collect()
    }

    /// The names of the switches that are on.
    pub fn enabled(&self) -> Vec<&'static str> {
        self.switches()
            .iter()
            .filter(|s| s.1)
            .map(|s| s.0)
            .collect()
    }
}

/// One `[[deal]]`.
#[derive(Debug, PartialEq)]
pub struct Deal {
    /// Unique id (given, or derived from counterparty and start month).
    pub id: String,
    /// The counterparty's name.
    pub counterparty: String,
    /// First month of the deal, >= 1.
    pub start_month: u32,
    /// Whether the deal takes part: a disabled deal is absent from the run,
    /// exactly as if cut from the file (the other deals keep their indices).
    pub enabled: bool,
    /// TVL the deal brings.
    pub tvl: Option<TvlPart>,
    /// OAK the deal is given.
    pub oak: Option<OakPart>,
    /// Liquidity pair the deal provides.
    pub leaf_pair: Option<PairPart>,
}

impl Clone for Scenario {
    fn clone(&self) -> Self {
        Scenario {
            simulation: self.simulation.clone(),
            aegis: self.aegis.clone(),
            leaf_price: self.leaf_price.clone(),
            leaf_pairs: self.leaf_pairs.clone(),
            oak: self.oak.clone(),
            tvl: self.tvl.clone(),
            market: self.market.clone(),
            revenue: self.revenue.clone(),
            compat: self.compat.clone(),
            deals: self.deals.clone(),
        }
    }

    /// Into the memory this scenario has: its deals' names and ids copied
    /// into the room they have (a sweep edits a copy of its point's
    /// scenario for every sampled run, in the memory of the last one).
    fn clone_from(&mut self, from: &Self) {
        // Every field named: one added must be copied here too.
        let Scenario {
            simulation,
            aegis,
            leaf_price,
            leaf_pairs,
            oak,
            tvl,
            market,
            revenue,
            compat,
            deals,
        } = from;
        self.simulation.clone_from(simulation);
        self.aegis.clone_from(aegis);
        self.leaf_price.clone_from(leaf_price);
        self.leaf_pairs.clone_from(leaf_pairs);
        self.oak.clone_from(oak);
        self.tvl.clone_from(tvl);
        self.market.clone_from(market);
        self.revenue.clone_from(revenue);
        self.compat.clone_from(compat);
        self.deals.clone_from(deals);
    }
}

impl Clone for Deal {
    fn clone(&self) -> Self {
        Deal {
            id: self.id.clone(),
            counterparty: self.counterparty.clone(),
            start_month: self.start_month,
            enabled: self.enabled,
            tvl: self.tvl.clone(),
            oak: self.oak.clone(),
            leaf_pair: self.leaf_pair.clone(),
        }
    }

    /// Into the memory this deal has (see [`Scenario`]'s `clone_from`).
    fn clone_from(&mut self, from: &Self) {
        let Deal {
            id,
            counterparty,
            start_month,
            enabled,
            tvl,
            oak,
            leaf_pair,
        } = from;
        self.id.clone_from(id);
        self.counterparty.clone_from(counterparty);
        self.start_month = *start_month;
        self.enabled = *enabled;
        self.tvl.clone_from(tvl);
        self.oak.clone_from(oak);
        self.leaf_pair.clone_from(leaf_pair);
    }
}

impl Default for Deal {
    fn default() -> Self {
        Deal {
            id: String::new(),
            counterparty: String::new(),
            start_month: 0,
            enabled: true,
            tvl: None,
            oak: None,
            leaf_pair: None,
        }
    }
}

impl Deal {
    /// The id a deal gets when none is given: `Sigma Capi_001`.
    pub fn default_id(counterparty: &str, start_month: u32) -> String {
        // Built by hand: every deal of every scenario read makes one.
        let head = counterparty
            .char_indices()
            .nth(10)
            .map_or(counterparty, |(end, _)| &counterparty[..end]);
        let mut id = String::with_capacity(head.len() + 5);
        id.push_str(head);
        id.push('_');
        if start_month < 1000 {
            for digit in [start_month / 100, start_month / 10 % 10, start_month % 10] {
                id.push(char::from(b'0' + digit as u8));
            }
        } else {
            id.push_str(&start_month.to_string());
        }
        id
    }
}

/// A deal's `tvl` part.
#[derive(Clone, Debug, PartialEq)]
pub struct TvlPart {
    /// Kind of TVL.
    pub kind: TvlKind,
    /// USD locked.
    pub amount: f64,
    /// Annual revenue rate.
    pub revenue_rate: f64,
    /// Months it stays.
    pub duration_months: u32,
}

/// A deal's `oak` part.
#[derive(Clone, Debug)]
pub struct OakPart {
    /// OAK allocated.
    pub amount: f64,
    /// Months before distribution.
    pub vesting_months: u32,
    /// IRR below which the holder redeems (at distribution, when it moves).
    pub irr_threshold: f64,
    /// Months after distribution before the holder may ask to redeem.
    pub lockup_months: u32,
    /// Share of the allocation asked for in one request, (0, 1].
    pub redeem_fraction: f64,
    /// Where the threshold ends up by the window's end; `None`: it
    /// stays at `irr_threshold` (and follows it when that is changed).
    pub irr_threshold_end: Option<f64>,
}

/// A deal's `leaf_pair` part.
#[derive(Clone, Debug, PartialEq)]
pub struct PairPart {
    /// The pair's liquidity in USD.
    pub amount: f64,
    /// LEAF the pair starts with.
    pub leaf_tokens: f64,
    /// Share of value LEAF should make up, 0..=0.5.
    pub target_ratio: f64,
    /// How concentrated the liquidity is, (0, 1].
    pub base_concentration: f64,
    /// Upper concentration, (0, 1]; kept for later models.
    pub max_concentration: f64,
    /// Months the pair runs.
    pub duration_months: u32,
}

impl Default for Scenario {
    /// Every parameter at the default [`params::PARAMS`] gives it, and no deals.
    fn default() -> Self {
        let mut s = Scenario {
            simulation: Simulation::default(),
            aegis: Aegis::default(),
            leaf_price: LeafPrice::default(),
            leaf_pairs: LeafPairs::default(),
            oak: Oak::default(),
            tvl: Tvl::default(),
            market: Market::default(),
            revenue: Revenue::default(),
            compat: Compat::default(),
            deals: Vec::new(),
        };
        for p in params::PARAMS {
            if let Some(v) = p.default.value() {
                (p.set)(&mut s, v);
            }
        }
        s
    }
}

impl TvlPart {
    /// A part with every key zero, filled in while a deal is read.
    pub fn blank() -> Self {
        TvlPart {
            kind: TvlKind::Contracted,
            amount: 0.0,
            revenue_rate: 0.0,
            duration_months: 0,
        }
    }
}

impl OakPart {
    /// A part with every key zero, filled in while a deal is read (missing
    /// keys take their defaults from [`params::DEAL_PARAMS`]).
    pub fn blank() -> Self {
        OakPart {
            amount: 0.0,
            vesting_months: 0,
            irr_threshold: 0.0,
            lockup_months: 0,
            redeem_fraction: 1.0,
            irr_threshold_end: None,
        }
    }

    /// The threshold at the window's end: `irr_threshold_end`, or
    /// `irr_threshold` when it is not given.
    pub fn threshold_end(&self) -> f64 {
        self.irr_threshold_end.unwrap_or(self.irr_threshold)
    }
}

/// Parts that run alike are equal: an end threshold left out is the same
/// as one written equal to `irr_threshold` (as `canopy show` writes it).
impl PartialEq for OakPart {
    fn eq(&self, other: &Self) -> bool {
        self.amount == other.amount
            && self.vesting_months == other.vesting_months
            && self.irr_threshold == other.irr_threshold
            && self.lockup_months == other.lockup_months
            && self.redeem_fraction == other.redeem_fraction
            && self.threshold_end() == other.threshold_end()
    }
}

impl PairPart {
    /// A part with every key zero, filled in while a deal is read (missing
    /// keys take their defaults from [`params::DEAL_PARAMS`]).
    pub fn blank() -> Self {
        PairPart {
            amount: 0.0,
            leaf_tokens: 0.0,
            target_ratio: 0.0,
            base_concentration: 0.0,
            max_concentration: 0.0,
            duration_months: 0,
        }
    }
}

/// The parameters of one table of a scenario file, with their values.
pub type TableValues = Vec<(&'static params::Param, Value)>;

impl Scenario {
    /// Whether a random draw can change any number of a run: a market price
    /// with volatility, market demand with noise, or a TVL market with
    /// volatility. A scenario that is not random gives the same run
    /// whatever its seed (and its draws are skipped).
    pub fn is_random(&self) -> bool {
        (self.leaf_price.model == PriceModel::Market && self.leaf_price.volatility > 0.0)
            || (self.market.enabled() && self.market.demand_noise_usd > 0.0)
            || (self.tvl.market.enabled && self.tvl.market.volatility > 0.0)
    }

    /// Every parameter with its value, grouped by the table it is written in
    /// (`tvl.organic`), tables in file order: what `canopy show` and the
    /// report's scenario section print.
    pub fn tables(&self) -> Vec<(&'static str, TableValues)> {
        let mut tables: Vec<(&'static str, TableValues)> = Vec::new();
        for p in params::PARAMS {
            let table = p.path.rsplit_once('.').map_or("", |(t, _)| t);
            let v = (p.get)(self);
            match tables.iter_mut().find(|(t, _)| *t == table) {
                Some((_, values)) => values.push((p, v)),
                None => tables.push((table, vec![(p, v)])),
            }
        }
        tables
    }

    /// The scenario as a complete TOML file, every default written out (from
    /// [`params::PARAMS`]); each deal's parts as inline tables, the way
    /// scenario files are written.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        for (i, (table, values)) in self.tables().iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&format!("[{table}]\n"));
            for (p, v) in values {
                let key = p.path.rsplit_once('.').map_or(p.path, |(_, k)| k);
                out.push_str(&format!("{key} = {}\n", v.show()));
            }
        }
        for d in &self.deals {
            out.push_str("\n[[deal]]\n");
            let mut parts: Vec<(&str, Vec<String>)> = Vec::new();
            for p in params::DEAL_PARAMS {
                let Some(v) = (p.get)(d) else { continue };
                match p.path.split_once('.') {
                    None => out.push_str(&format!("{} = {}\n", p.path, v.show())),
                    Some((part, key)) => {
                        let item = format!("{key} = {}", v.show());
                        match parts.iter_mut().find(|(name, _)| *name == part) {
                            Some((_, items)) => items.push(item),
                            None => parts.push((part, vec![item])),
                        }
                    }
                }
            }
            for (part, items) in parts {
                out.push_str(&format!("{part} = {{ {} }}\n", items.join(", ")));
            }
        }
        out
    }
}
