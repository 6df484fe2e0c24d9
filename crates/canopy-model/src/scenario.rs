//! The scenario: every parameter of a run, with the defaults of SCENARIO.md.
//!
//! A [`Scenario`] is plain data. [`load`] reads one from TOML text and
//! [`validate`] turns it into a [`ValidScenario`], the only thing the engine
//! accepts.

pub mod load;
pub mod validate;

use serde::Serialize;

pub use load::{Override, parse_override};
pub use validate::{Problem, ScenarioError, ValidScenario};

/// The four kinds of TVL contribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum TvlKind {
    /// TVL locked by the protocol itself.
    #[serde(rename = "protocol-locked")]
    ProtocolLocked,
    /// TVL under contract with a counterparty.
    #[serde(rename = "contracted")]
    Contracted,
    /// TVL that arrives on its own.
    #[serde(rename = "organic")]
    Organic,
    /// TVL attracted by incentives.
    #[serde(rename = "boosted")]
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
    pub fn name(self) -> &'static str {
        match self {
            TvlKind::ProtocolLocked => "protocol-locked",
            TvlKind::Contracted => "contracted",
            TvlKind::Organic => "organic",
            TvlKind::Boosted => "boosted",
        }
    }

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
#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize)]
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
    #[serde(rename = "deal")]
    pub deals: Vec<Deal>,
}

/// `[simulation]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Simulation {
    /// Months to simulate, 1..=1200.
    pub months: u32,
    /// Seed for anything random.
    pub seed: u64,
}

/// `[aegis]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Aegis {
    /// LEAF in AEGIS at month 0.
    pub initial_leaf: f64,
    /// USDC in AEGIS at month 0.
    pub initial_usdc: f64,
    /// Share of monthly revenue paid into AEGIS.
    pub revenue_share: f64,
}

/// The LEAF price model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PriceModel {
    /// The price stays at `initial`.
    Fixed,
    /// Drift, volatility and the impact of market flows.
    Market,
}

/// `[leaf_price]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rebalance {
    /// Pairs buy below target and sell above it.
    Both,
    /// Pairs only buy.
    BuyOnly,
}

/// `[leaf_pairs]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LeafPairs {
    /// Rebalancing direction.
    pub rebalance: Rebalance,
}

/// `[oak]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Oak {
    /// OAK minted at month 0.
    pub total_supply: f64,
    /// First month holders may redeem.
    pub redemption_start_month: u32,
    /// Month the redemption window closes.
    pub redemption_end_month: u32,
}

/// `[tvl]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Organic {
    /// Organic TVL per contracted TVL.
    pub conversion_ratio: f64,
    /// Monthly decay of organic TVL.
    pub decay_rate: f64,
    /// Life of an organic contribution.
    pub duration_months: u32,
}

/// `[tvl.recurring_contracts]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Revenue {
    /// Months for the multipliers to reach their targets.
    pub schedule_months: u32,
    /// Where each kind's rates end up.
    pub target_multiplier: KindValues,
    /// Rates follow (price / initial price) to this power.
    pub price_elasticity: f64,
}

/// `[compat]`: the original model's quirks, each a switch.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
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
    /// The switches by name, in SCENARIO.md order.
    pub fn switches(&self) -> [(&'static str, bool); 6] {
        [
            ("pairs_lag_one_month", self.pairs_lag_one_month),
            ("pair_purchase_mints_usdc", self.pair_purchase_mints_usdc),
            ("revenue_ignores_decay", self.revenue_ignores_decay),
            (
                "redemptions_without_payout",
                self.redemptions_without_payout,
            ),
            ("irr_time_only", self.irr_time_only),
            ("oak_vesting_off_by_one", self.oak_vesting_off_by_one),
        ]
    }

    /// The names of the switches that are on.
    pub fn enabled(&self) -> Vec<&'static str> {
        self.switches()
            .iter()
            .filter(|s| s.1)
            .map(|s| s.0)
            .collect()
    }

    /// Sets the switch called `name`; false if there is none.
    pub fn set(&mut self, name: &str, on: bool) -> bool {
        let slot = match name {
            "pairs_lag_one_month" => &mut self.pairs_lag_one_month,
            "pair_purchase_mints_usdc" => &mut self.pair_purchase_mints_usdc,
            "revenue_ignores_decay" => &mut self.revenue_ignores_decay,
            "redemptions_without_payout" => &mut self.redemptions_without_payout,
            "irr_time_only" => &mut self.irr_time_only,
            "oak_vesting_off_by_one" => &mut self.oak_vesting_off_by_one,
            _ => return false,
        };
        *slot = on;
        true
    }
}

/// One `[[deal]]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Deal {
    /// Unique id (given, or derived from counterparty and start month).
    pub id: String,
    /// The counterparty's name.
    pub counterparty: String,
    /// First month of the deal, >= 1.
    pub start_month: u32,
    /// TVL the deal brings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tvl: Option<TvlPart>,
    /// OAK the deal is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oak: Option<OakPart>,
    /// Liquidity pair the deal provides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaf_pair: Option<PairPart>,
}

impl Deal {
    /// The id a deal gets when none is given: `Sigma Capi_001`.
    pub fn default_id(counterparty: &str, start_month: u32) -> String {
        let head: String = counterparty.chars().take(10).collect();
        format!("{head}_{start_month:03}")
    }
}

/// A deal's `tvl` part.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OakPart {
    /// OAK allocated.
    pub amount: f64,
    /// Months before distribution.
    pub vesting_months: u32,
    /// IRR below which the holder redeems.
    pub irr_threshold: f64,
}

/// A deal's `leaf_pair` part.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
    fn default() -> Self {
        Scenario {
            simulation: Simulation {
                months: 60,
                seed: 0,
            },
            aegis: Aegis {
                initial_leaf: 1e9,
                initial_usdc: 1e8,
                revenue_share: 1.0,
            },
            leaf_price: LeafPrice {
                model: PriceModel::Fixed,
                initial: 1.0,
                drift: 0.0,
                volatility: 0.0,
                min: 0.01,
                max: 1000.0,
                max_monthly_impact: 0.10,
            },
            leaf_pairs: LeafPairs {
                rebalance: Rebalance::Both,
            },
            oak: Oak {
                total_supply: 500_000.0,
                redemption_start_month: 3,
                redemption_end_month: 48,
            },
            tvl: Tvl {
                revenue_rates: KindValues {
                    protocol_locked: 0.04,
                    contracted: 0.025,
                    organic: 0.02,
                    boosted: 0.03,
                },
                organic: Organic {
                    conversion_ratio: 0.2,
                    decay_rate: 0.05,
                    duration_months: 36,
                },
                recurring_contracts: RecurringContracts {
                    after_month: 3,
                    amount: 2e7,
                    revenue_rate: 0.025,
                    duration_months: 6,
                },
                market: ChainTvl {
                    enabled: false,
                    chain_initial: 8e8,
                    growth_rates: vec![1.5, 1.0, 0.75, 0.5, 0.4],
                    initial_share: 0.4375,
                    min_share: 0.10,
                    share_decay: 0.02,
                    volatility: 0.0,
                },
            },
            market: Market {
                net_demand_usd: 0.0,
                demand_growth: 0.0,
                demand_noise_usd: 0.0,
                redeemer_sell_share: 0.0,
            },
            revenue: Revenue {
                schedule_months: 24,
                target_multiplier: KindValues::uniform(1.0),
                price_elasticity: 0.0,
            },
            compat: Compat::default(),
            deals: Vec::new(),
        }
    }
}

impl Scenario {
    /// The scenario as a complete TOML file, every default written out; each
    /// deal's parts as inline tables, the way scenario files are written.
    pub fn to_toml(&self) -> String {
        // Serialising plain data to TOML cannot fail: every value is a number,
        // string, bool, array or table, and non-finite numbers are valid TOML.
        let mut table = toml::Table::try_from(self).unwrap_or_default();
        table.remove("deal");
        let mut out = toml::to_string(&table).unwrap_or_default();
        for d in &self.deals {
            out.push_str(&format!(
                "\n[[deal]]\nid = {}\ncounterparty = {}\nstart_month = {}\n{}{}{}",
                toml::Value::String(d.id.clone()),
                toml::Value::String(d.counterparty.clone()),
                d.start_month,
                inline("tvl", d.tvl.as_ref()),
                inline("oak", d.oak.as_ref()),
                inline("leaf_pair", d.leaf_pair.as_ref()),
            ));
        }
        out
    }
}

/// `key = { ... }` and a newline for a part that is there, else nothing.
fn inline<T: Serialize>(key: &str, part: Option<&T>) -> String {
    part.and_then(|p| toml::Value::try_from(p).ok())
        .map(|v| format!("{key} = {v}\n"))
        .unwrap_or_default()
}
