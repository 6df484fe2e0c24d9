//! The values the charts draw that are not a column (shares, sums), and
//! each chart's subtitle: what its figures were at the end.

use canopy_model::MonthRecord;

use crate::numbers::thousands;

// ---------------------------------------------------------------- values

/// Shares of AEGIS value in LEAF and in USDC, in percent; both 0 for a
/// worthless treasury.
pub(super) fn aegis_shares(r: &MonthRecord) -> (f64, f64) {
    if r.aegis_value > 0.0 {
        let leaf = ((r.aegis_value - r.aegis_usdc) / r.aegis_value).clamp(0.0, 1.0);
        (leaf * 100.0, (1.0 - leaf) * 100.0)
    } else {
        (0.0, 0.0)
    }
}

pub(super) fn pairs_leaf_value(r: &MonthRecord) -> f64 {
    (r.pairs_leaf * r.leaf_price).max(0.0)
}

pub(super) fn pairs_total(r: &MonthRecord) -> f64 {
    pairs_leaf_value(r) + r.pairs_usdc.max(0.0)
}

// ---------------------------------------------------------------- subtitles

pub(super) fn money(v: f64) -> String {
    crate::numbers::money(v, crate::numbers::Style::Compact)
}

pub(super) fn amount(v: f64) -> String {
    crate::numbers::amount(v, crate::numbers::Style::Compact)
}

pub(super) fn price_text(p: f64) -> String {
    if p.abs() >= 100.0 {
        thousands(p, 2)
    } else {
        thousands(p, 4)
    }
}

pub(super) fn tvl_subtitle(recs: &[MonthRecord]) -> String {
    format!(
        "Total value locked by kind, stacked; {} in month {}",
        money(recs.last().map_or(0.0, |r| r.tvl_total())),
        recs.last().map_or(0, |r| r.month)
    )
}

pub(super) fn revenue_subtitle(recs: &[MonthRecord]) -> String {
    format!(
        "Monthly revenue by kind (bars) and cumulative revenue (line); {} in total",
        money(recs.last().map_or(0.0, |r| r.revenue_cumulative))
    )
}

pub(super) fn aegis_balances_subtitle(recs: &[MonthRecord]) -> String {
    match recs.last() {
        Some(r) => format!(
            "The treasury's balances; month {}: {} LEAF and {} USDC, worth {}",
            r.month,
            amount(r.aegis_leaf),
            amount(r.aegis_usdc),
            money(r.aegis_value)
        ),
        None => String::new(),
    }
}

pub(super) fn aegis_composition_subtitle(recs: &[MonthRecord]) -> String {
    match recs.last() {
        Some(r) => {
            let (leaf, usdc) = aegis_shares(r);
            format!(
                "Share of AEGIS value in USDC and in LEAF; month {}: {:.1} % USDC, {:.1} % LEAF",
                r.month, usdc, leaf
            )
        }
        None => String::new(),
    }
}

pub(super) fn leaf_price_subtitle(recs: &[MonthRecord]) -> String {
    let (min, max) = recs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), r| {
            (a.min(r.leaf_price), b.max(r.leaf_price))
        });
    if (max - min).abs() <= 1e-12 * max.abs() {
        format!("USD per LEAF; constant at ${}", price_text(max))
    } else {
        format!(
            "USD per LEAF; from ${} to ${} (low ${}, high ${})",
            price_text(recs.first().map_or(0.0, |r| r.leaf_price)),
            price_text(recs.last().map_or(0.0, |r| r.leaf_price)),
            price_text(min),
            price_text(max)
        )
    }
}

pub(super) fn leaf_pairs_subtitle(recs: &[MonthRecord]) -> String {
    match recs.last() {
        Some(r) => format!(
            "Liquidity of the active pairs (stacked) and how many are active; month {}: {} {} holding {}",
            r.month,
            r.pairs_active,
            if r.pairs_active == 1 { "pair" } else { "pairs" },
            money(pairs_total(r))
        ),
        None => String::new(),
    }
}

pub(super) fn oak_status_subtitle(recs: &[MonthRecord]) -> String {
    match recs.last() {
        Some(r) => format!(
            "OAK given out and redeemed; month {}: {} distributed, {} redeemed, {} per OAK",
            r.month,
            amount(r.oak_distributed),
            amount(r.oak_redeemed),
            money(r.value_per_oak)
        ),
        None => String::new(),
    }
}

pub(super) fn oak_redemptions_subtitle(recs: &[MonthRecord]) -> String {
    let months_with = recs.iter().filter(|r| r.oak_redeemed_month > 0.0).count();
    let usdc: f64 = recs.iter().map(|r| r.redemption_usdc_out).sum();
    let leaf: f64 = recs.iter().map(|r| r.redemption_leaf_out).sum();
    let waiting = match recs.last().and_then(|r| r.oak_queued) {
        Some(q) if q > 0.0 => format!("; {} OAK still queued at the end", amount(q)),
        _ => String::new(),
    };
    if months_with == 0 {
        format!("No OAK was redeemed in this run{waiting}")
    } else if usdc == 0.0 && leaf == 0.0 {
        format!(
            "OAK redeemed each month, in {}; AEGIS paid nothing for it{waiting}",
            crate::numbers::count(months_with, "month", "months")
        )
    } else {
        format!(
            "OAK redeemed each month and what AEGIS paid for it: {} USDC and {} LEAF over {}{waiting}",
            amount(usdc),
            amount(leaf),
            crate::numbers::count(months_with, "month", "months")
        )
    }
}

pub(super) fn oak_irr_subtitle(recs: &[MonthRecord]) -> String {
    if recs.iter().all(|r| r.irr.get().is_none()) {
        "The IRR is undefined in every month of this run".to_string()
    } else {
        "Annual return of holding OAK rather than redeeming; holders redeem when it falls below their threshold".to_string()
    }
}

pub(super) fn chain_tvl_subtitle(recs: &[MonthRecord]) -> String {
    match recs.iter().rev().find(|r| r.chain_tvl.is_some()) {
        Some(r) => format!(
            "The chain's TVL, Canopy's TVL and its share of the chain; month {}: chain {}, share {:.1} %",
            r.month,
            money(r.chain_tvl.unwrap_or(0.0)),
            r.market_share.unwrap_or(0.0) * 100.0
        ),
        None => "The chain TVL model is off".to_string(),
    }
}

pub(super) fn aegis_value_change_subtitle(recs: &[MonthRecord]) -> String {
    let total = |f: fn(&MonthRecord) -> f64| recs.iter().map(f).sum::<f64>();
    format!(
        "Over {} months: revenue {}, pairs {}, redemptions {}, LEAF price {}; net {}",
        recs.len(),
        money(total(|r| r.aegis_from.revenue)),
        money(total(|r| r.aegis_from.pairs)),
        money(total(|r| r.aegis_from.oak)),
        money(total(|r| r.aegis_from.price)),
        money(total(|r| r.aegis_value_change)),
    )
}
