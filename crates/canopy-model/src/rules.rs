//! The rules of the model, in a few sentences each, declared once: each
//! says which scenario keys, metrics.csv columns, charts and critical
//! events it governs (by name or name prefix), so that `canopy explain`,
//! the reference pages, the web page and the Python package all tell a
//! name's rule from this one table.

use crate::critical::Kind;

/// One rule of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// A short identifier (`redemptions`).
    pub id: &'static str,
    /// Its title, for people.
    pub title: &'static str,
    /// The names it governs: a name is governed by the rule with the
    /// longest entry that is the name itself or a prefix of it. Deal keys
    /// are written `deal[i].oak.amount`.
    pub covers: &'static [&'static str],
    /// The rule, in a few sentences.
    pub text: &'static str,
    /// The book's page that explains it in full, relative to the book's
    /// source folder (`model/oak.md`).
    pub page: &'static str,
}

/// Every rule of the model.
pub const RULES: &[Rule] = &[
    Rule {
        id: "simulation",
        title: "Months and seeds",
        covers: &["simulation.", "month"],
        text: "A run simulates months 1 to N; month 0 is the initial state. Every month draws three standard normal numbers (the price shock, the market demand noise, the chain TVL shock) from a generator seeded with the seed, whether or not they are used, so two scenarios with the same seed see the same shocks; with every volatility and noise at 0 a run is deterministic.",
        page: "model/random.md",
    },
    Rule {
        id: "deals",
        title: "Deals",
        covers: &[
            "deal[i].id",
            "deal[i].counterparty",
            "deal[i].start_month",
            "deal[i].enabled",
            "active_deals",
        ],
        text: "A deal has a counterparty, a start month and any of three parts: TVL, an OAK allocation and a LEAF pair. It is active from its start while its OAK is not yet distributed or its TVL or pair is running. A disabled deal (enabled = false) is absent from the run, exactly as if cut from the file; the other deals keep their indices.",
        page: "model/overview.md",
    },
    Rule {
        id: "tvl",
        title: "TVL",
        covers: &["tvl.", "deal[i].tvl.", "tvl_"],
        text: "TVL is a set of contributions, each active from its start month to start + duration. A deal's TVL part is one; every contracted contribution spawns an organic twin (amount x conversion_ratio, decaying by decay_rate a month); recurring contracts add a contracted contribution every month after after_month. TVL of a kind is the sum of its active contributions' amounts this month.",
        page: "model/tvl-revenue.md",
    },
    Rule {
        id: "chain",
        title: "TVL that follows the chain",
        covers: &["tvl.market.", "chain_tvl", "market_share"],
        text: "With tvl.market.enabled, the chain's TVL grows at the year's growth rate (with volatility), Canopy's share of it decays from initial_share towards min_share, and organic TVL fills whatever the deals leave of Canopy's share, instead of the organic twins.",
        page: "model/tvl-revenue.md",
    },
    Rule {
        id: "revenue",
        title: "Revenue",
        covers: &[
            "revenue",
            "tvl.revenue_rates.",
            "deal[i].tvl.revenue_rate",
            "tvl.recurring_contracts.revenue_rate",
        ],
        text: "Each active contribution earns amount x annual rate / 12 a month, its rate multiplied by the schedule (1 moving linearly to the kind's target multiplier over schedule_months) and by (price / initial price)^price_elasticity. AEGIS receives aegis.revenue_share of the month's total, in USDC.",
        page: "model/tvl-revenue.md",
    },
    Rule {
        id: "aegis",
        title: "AEGIS, the treasury",
        covers: &["aegis.", "aegis_"],
        text: "AEGIS holds LEAF and USDC; its value is USDC + LEAF x this month's price. Each month it sells LEAF to pairs below target and buys from pairs above it (at the month's price), receives its revenue share, and pays each redemption a pro-rata share of both balances. Its balances never go negative: a sale or payout beyond them is capped.",
        page: "model/overview.md",
    },
    Rule {
        id: "value_change",
        title: "What moved AEGIS's value",
        covers: &["aegis_value_change", "aegis_from_"],
        text: "Each month's change of AEGIS value is split into parts that add up to it exactly (checked every month): revenue paid in; trades with the pairs (USDC and LEAF received, net, LEAF at this month's price: 0 but for rounding, since every trade is at that price); minus redemption payouts (USDC plus LEAF at this month's price); the LEAF held at the start of the month revalued from last month's price to this month's; and any other flow (none in this model).",
        page: "model/value-change.md",
    },
    Rule {
        id: "price",
        title: "The LEAF price",
        covers: &["leaf_price", "price_impact"],
        text: "With the fixed model the price stays at leaf_price.initial. With the market model, each month p = clamp(last p x exp(drift - volatility^2/2 + volatility x Z) x (1 + I), min, max), where I is the impact of last month's market flow: its size over the pairs' depth, capped at +/- max_monthly_impact, so beyond the cap a larger flow moves the price no further.",
        page: "model/price.md",
    },
    Rule {
        id: "market",
        title: "Market flows",
        covers: &["market.", "market_flow_usd"],
        text: "External demand (net_demand_usd growing by demand_growth a month, plus noise) and the redeemers' sales (redeemer_sell_share of the LEAF paid to them) trade against the active pairs at the month's price after the OAK step, spread by the pairs' value; what a pair cannot fill is dropped. The executed flow sets next month's price impact.",
        page: "model/price.md",
    },
    Rule {
        id: "pairs",
        title: "The LEAF pairs",
        covers: &[
            "leaf_pairs.",
            "deal[i].leaf_pair.",
            "pairs_",
            "leaf_pairs",
            "aegis_leaf_sold",
        ],
        text: "A pair holds LEAF and USDC and wants LEAF to be target_ratio of its value. Each month, at the month's price, pairs below target buy LEAF from AEGIS (as much as AEGIS holds) and pairs above it sell their excess to AEGIS (as much as AEGIS's USDC pays for; never with rebalance = \"buy-only\"). When its duration ends, a pair leaves with its balances.",
        page: "model/pairs.md",
    },
    Rule {
        id: "oak",
        title: "OAK, the IRR and redemptions",
        covers: &[
            "oak.",
            "deal[i].oak.",
            "oak_",
            "value_per_oak",
            "irr",
            "redemption_",
        ],
        text: "A deal's OAK is distributed vesting_months after its start. From redemption_start_month, each month the IRR of holding to redemption_end_month is computed once (AEGIS's value projected at this month's revenue), and every holder whose threshold is above it redeems: it is paid its OAK / unredeemed OAK of AEGIS's USDC and of its LEAF, so value per OAK (AEGIS value / unredeemed OAK, undistributed OAK included) does not move. From the window's end every holder redeems.",
        page: "model/oak.md",
    },
    Rule {
        id: "oak_controls",
        title: "OAK redemption controls",
        covers: &[
            "oak.max_redemption_per_month",
            "deal[i].oak.lockup_months",
            "deal[i].oak.redeem_fraction",
            "deal[i].oak.irr_threshold_end",
            "oak_queued",
        ],
        text: "A holder may not ask to redeem during its lockup after distribution; it asks for redeem_fraction of its allocation at a time; its threshold moves linearly to irr_threshold_end by the window's end. Below 1, max_redemption_per_month x supply is the most redeemed in a month: what is asked beyond it queues, and the queue is served first, oldest first, the next month.",
        page: "model/oak-controls.md",
    },
    Rule {
        id: "compat",
        title: "The original model's quirks",
        covers: &["compat."],
        text: "Each compat switch restores one behaviour of the original model that the default corrects; the reference scenario turns them all on and reproduces the original output cell by cell. Off, value is conserved.",
        page: "model/quirks.md",
    },
    Rule {
        id: "scorecard",
        title: "The deal scorecard",
        covers: &["scorecard"],
        text: "For each deal the scenario is run again without it (the same seed and everything else), and the scorecard gives the differences, with the deal minus without it, of the last month's cumulative revenue, AEGIS value, value per OAK and OAK redeemed, the lowest AEGIS USDC, and the LEAF AEGIS sold to the pairs.",
        page: "model/scorecard.md",
    },
    Rule {
        id: "critical",
        title: "Critical events",
        covers: &[
            Kind::LargeRedemption.id(),
            Kind::Queued.id(),
            Kind::ShortOfLeaf.id(),
            Kind::ShortOfUsdc.id(),
            Kind::PriceAtFloor.id(),
            Kind::PriceAtCap.id(),
            Kind::ImpactAtLimit.id(),
            Kind::FlowUnfilled.id(),
            Kind::LowUsdc.id(),
        ],
        text: "A critical event is something in a run a person should not miss. Happenings (a large redemption, a queued request, a need AEGIS could not fill, an unfilled market flow) are reported each time; states that can last (the price at its floor, cap or impact limit, AEGIS's USDC low) in the month they begin. The command line prints them, the report and the web page list them.",
        page: "command-line.md",
    },
];

/// The rule that governs `name` (a scenario key, `deal[i].` keys included,
/// a column, a chart's stem or a critical event's id), if any.
pub fn rule_for(name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .flat_map(|r| r.covers.iter().map(move |c| (r, *c)))
        .filter(|(_, c)| name.starts_with(c))
        .max_by_key(|(_, c)| c.len())
        .map(|(r, _)| r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::params::{DEAL_PARAMS, PARAMS};
    use crate::{COLUMNS, critical};

    #[test]
    fn every_key_column_and_event_has_a_rule() {
        for p in PARAMS {
            assert!(rule_for(p.path).is_some(), "{}", p.path);
        }
        for p in DEAL_PARAMS {
            let name = format!("deal[i].{}", p.path);
            assert!(rule_for(&name).is_some(), "{name}");
        }
        for c in COLUMNS {
            assert!(rule_for(c.name).is_some(), "{}", c.name);
        }
        for k in critical::Kind::ALL {
            assert_eq!(rule_for(k.id()).map(|r| r.id), Some("critical"));
        }
    }

    #[test]
    fn the_longest_match_wins() {
        let id = |name| rule_for(name).map(|r| r.id);
        assert_eq!(id("oak.total_supply"), Some("oak"));
        assert_eq!(id("oak.max_redemption_per_month"), Some("oak_controls"));
        assert_eq!(id("deal[i].oak.lockup_months"), Some("oak_controls"));
        assert_eq!(id("aegis_usdc"), Some("aegis"));
        assert_eq!(id("aegis_from_price"), Some("value_change"));
        assert_eq!(id("aegis_leaf_sold"), Some("pairs"));
        assert_eq!(id("tvl.market.volatility"), Some("chain"));
        assert_eq!(id("tvl.revenue_rates.organic"), Some("revenue"));
        assert_eq!(id("nothing"), None);
    }
}
