//! What a run prints: a line per month and a final summary, as aligned
//! tables with thousands separators.

use std::fmt::Write;

use canopy_model::critical::{Critical, Kind, LOW_USDC_SHARE};
use canopy_model::scenario::validate::{Given, Wording};
use canopy_model::scorecard::DealScore;
use canopy_model::{MonthRecord, Scenario, TvlKind};
use canopy_output::FinalSummary;
use canopy_output::numbers::thousands;

use crate::events::escaped;

/// The origins of overrides as this command line's flags: `--set K=V`,
/// `--months 0`, `--runs 3`, `--seed 7`.
pub struct Flags;

impl Wording for Flags {
    fn given(&self, given: &Given) -> String {
        match given {
            Given::Set(text) => format!("--set {text}"),
            Given::Months(n) => format!("--months {n}"),
            Given::Runs(n) => format!("--runs {n}"),
            Given::Seed(n) => format!("--seed {n}"),
            Given::Criterion(text) => {
                format!("--criterion {}", canopy_sweep::shell_word(text))
            }
            // Made by the library itself (a sweep's point), not a flag.
            other => other.to_string(),
        }
    }
}

const MONTH_HEADERS: [&str; 6] = [
    "Protocol-locked",
    "Contracted",
    "Organic",
    "Boosted",
    "Total",
    "Cumulative",
];
const WIDTH: usize = 16;

/// The header of the monthly table.
pub fn month_header() -> String {
    let mut s = String::from("Revenue by month (USD)\n");
    let _ = write!(s, "{:>5}", "Month");
    for h in &MONTH_HEADERS {
        let _ = write!(s, " {h:>WIDTH$}");
    }
    s
}

/// One month's line: revenue by kind, total and cumulative revenue.
pub fn month_line(r: &MonthRecord) -> String {
    let mut s = format!("{:>5}", r.month);
    for v in r
        .revenue
        .iter()
        .chain([&r.revenue_total(), &r.revenue_cumulative])
    {
        let _ = write!(s, " {:>WIDTH$}", thousands(*v, 0));
    }
    s
}

fn section(out: &mut String, title: &str, rows: &[(&str, String)]) {
    let _ = writeln!(out, "{title}");
    for (label, value) in rows {
        let _ = writeln!(out, "  {label:<28}{value:>22}");
    }
}

/// The final summary of a run, under the scenario's name.
pub fn final_summary(name: &str, summary: Option<&FinalSummary>) -> String {
    let Some(f) = summary else {
        return format!("Final summary: {name}: no month was simulated\n");
    };
    let mut out = String::new();
    let _ = writeln!(out, "Final summary: {name}, month {}", f.month);
    let mut tvl: Vec<(&str, String)> = TvlKind::ALL
        .iter()
        .map(|k| (k.name(), thousands(f.tvl(*k), 0)))
        .collect();
    tvl.push(("total", thousands(f.tvl_total, 0)));
    section(&mut out, "TVL (USD)", &tvl);
    section(
        &mut out,
        "Revenue (USD)",
        &[
            ("last month", thousands(f.revenue_last_month, 0)),
            ("cumulative", thousands(f.revenue_cumulative, 0)),
        ],
    );
    section(
        &mut out,
        "AEGIS",
        &[
            ("LEAF", thousands(f.aegis_leaf, 0)),
            ("USDC", thousands(f.aegis_usdc, 0)),
            ("LEAF price (USD)", thousands(f.leaf_price, 4)),
            ("value (USD)", thousands(f.aegis_value, 0)),
        ],
    );
    section(
        &mut out,
        "OAK",
        &[
            ("distributed", thousands(f.oak_distributed, 0)),
            ("redeemed", thousands(f.oak_redeemed, 0)),
            ("unredeemed", thousands(f.oak_unredeemed, 0)),
            ("value per OAK (USD)", thousands(f.value_per_oak, 2)),
            (
                "last IRR",
                match (f.last_irr, f.last_irr_month) {
                    (Some(v), Some(m)) if m != f.month => {
                        format!("{} % (month {m})", thousands(v * 100.0, 2))
                    }
                    (Some(v), _) => format!("{} %", thousands(v * 100.0, 2)),
                    (None, _) => "undefined".to_string(),
                },
            ),
        ],
    );
    out
}

/// A deal as critical lines name it: its id and counterparty.
fn deal_name(s: &Scenario, deal: usize) -> String {
    match s.deals.get(deal) {
        Some(d) => format!("{} ({})", escaped(&d.id), escaped(&d.counterparty)),
        None => format!("deal[{deal}]"),
    }
}

/// An amount of tokens or dollars, as console lines write one.
fn amount(x: f64) -> String {
    canopy_output::numbers::amount(x, canopy_output::numbers::Style::Line)
}

/// `x` as a percentage with two decimals.
fn percent(x: f64) -> String {
    format!("{} %", thousands(x * 100.0, 2))
}

/// One critical event, as a line under its month's row.
pub fn critical_line(s: &Scenario, c: &Critical) -> String {
    let text = match *c {
        Critical::LargeRedemption {
            deal,
            value,
            aegis_value,
        } => format!(
            "large redemption: {} was paid {} USD, {} of AEGIS's value",
            deal_name(s, deal),
            amount(value),
            percent(value / aegis_value)
        ),
        Critical::Queued { deal, amount: oak } => format!(
            "redemption queued: {} OAK of {} waits behind the monthly limit",
            amount(oak),
            deal_name(s, deal)
        ),
        Critical::ShortOfLeaf { needed, sold } => format!(
            "AEGIS short of LEAF: the pairs needed {} LEAF, AEGIS could sell {}",
            amount(needed),
            amount(sold)
        ),
        Critical::ShortOfUsdc { offered, bought } => format!(
            "AEGIS short of USDC: the pairs offered {} LEAF, AEGIS could buy {}",
            amount(offered),
            amount(bought)
        ),
        Critical::PriceAtFloor { price } => {
            format!("LEAF price at its floor: {} USD", thousands(price, 4))
        }
        Critical::PriceAtCap { price } => {
            format!("LEAF price at its cap: {} USD", thousands(price, 4))
        }
        Critical::ImpactAtLimit { impact } => format!(
            "LEAF price impact at its monthly limit: {}",
            percent(impact)
        ),
        Critical::FlowUnfilled { wanted, executed } => format!(
            "market {} unfilled: the pairs filled {} of {} USD",
            if wanted < 0.0 { "sale" } else { "purchase" },
            amount(executed.abs()),
            amount(wanted.abs())
        ),
        Critical::LowUsdc { usdc, start } => format!(
            "AEGIS USDC below {} of its start: {} of {} USD",
            percent(LOW_USDC_SHARE),
            amount(usdc),
            amount(start)
        ),
    };
    format!("{:>5} ! {text}", "")
}

/// The count of critical events, by kind, for the final summary.
pub fn critical_summary(counts: &[usize; Kind::ALL.len()]) -> String {
    let total: usize = counts.iter().sum();
    if total == 0 {
        return "Critical events: none".to_string();
    }
    let kinds: Vec<String> = Kind::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{}: {n}", k.name()))
        .collect();
    format!("Critical events: {total} ({})", kinds.join(", "))
}

/// How many deals the console's scorecard names.
pub const SCORECARD_SHOWN: usize = 5;

/// The deals with the largest effect on the final AEGIS value (the run
/// minus the run without the deal), largest first; the rest are in
/// scorecard.csv.
pub fn scorecard_summary(rows: &[DealScore]) -> String {
    let mut ranked: Vec<(&DealScore, f64)> = rows
        .iter()
        .filter_map(|r| Some((r, r.deltas.as_ref().ok()?[1]?)))
        .collect();
    ranked.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    let mut out = String::new();
    if ranked.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "Deals with the largest effect on AEGIS value (USD, with the deal minus without; all in scorecard.csv)"
    );
    for (r, d) in ranked.iter().take(SCORECARD_SHOWN) {
        let sign = if *d > 0.0 { "+" } else { "" };
        let label = format!("{} ({})", r.id, r.counterparty);
        let _ = writeln!(
            out,
            "  {label:<36}{:>14}",
            format!("{sign}{}", thousands(*d, 0))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_summary_shows_the_last_defined_irr() {
        let s = canopy_model::load(
            "default",
            canopy_model::builtin::text("default").unwrap(),
            &[],
        )
        .unwrap();
        let month = |m: u32, irr: Option<f64>| MonthRecord {
            month: m,
            irr: irr.into(),
            aegis_value: 1.1e9,
            ..Default::default()
        };
        let summary = |records: &[MonthRecord]| {
            final_summary("x", FinalSummary::from_records(&s, records).as_ref())
        };
        let text = summary(&[month(1, Some(0.1234)), month(2, None)]);
        assert!(text.contains("Final summary: x, month 2"), "{text}");
        assert!(text.contains("12.34 % (month 1)"), "{text}");
        assert!(text.contains("1,100,000,000"), "{text}");
        assert!(summary(&[month(1, Some(0.5))]).contains("50.00 %\n"));
        assert!(summary(&[month(1, None)]).contains("undefined"));
        assert!(summary(&[]).contains("no month"));
    }

    #[test]
    fn month_line_aligns_under_the_header() {
        let r = MonthRecord {
            month: 7,
            revenue: [12_500.0, 201_666.67, 33_333.33, 0.0],
            revenue_cumulative: 1_000_000.0,
            ..Default::default()
        };
        let header = month_header();
        let first = header.lines().last().unwrap();
        let line = month_line(&r);
        assert_eq!(line.len(), first.len());
        assert!(line.ends_with("       1,000,000"));
        assert!(line.contains("         201,667 "));
    }
}
