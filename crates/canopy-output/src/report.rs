//! `report.html`: one self-contained page (styles inline, charts as inline
//! SVG, no scripts, no links outside itself) with the scenario, its deals,
//! the final summary, every chart and the monthly metrics.
//!
//! The page is also well-formed XML (XHTML polyglot), so that a strict
//! parser can check it.

use std::fmt::Write;

use canopy_model::activity::DealSpan;
use canopy_model::{COLUMNS, Column, ColumnType, MonthRecord, Scenario, TvlKind};

use super::charts::Chart;
use super::deals::{self, DealLog, DealTotals};
use super::palette;
use crate::numbers::thousands;

/// Everything the report shows.
pub struct Report<'a> {
    /// The scenario's name as given on the command line.
    pub name: &'a str,
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The recorded months.
    pub records: &'a [MonthRecord],
    /// Per-deal results.
    pub deals: &'a DealLog,
    /// The charts, with their SVG text.
    pub charts: &'a [(Chart, String)],
    /// Why the run stopped early, if it did.
    pub stopped: Option<&'a str>,
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped, for HTML text and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML; nobody needs them in a name.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn money(v: f64) -> String {
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    if a >= 1e9 {
        format!("{sign}${:.2}B", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}${:.2}M", a / 1e6)
    } else if a >= 1e4 {
        format!("{sign}${}", thousands(a, 0))
    } else {
        format!("{sign}${}", thousands(a, 2))
    }
}

fn pct(v: f64) -> String {
    format!("{} %", thousands(v * 100.0, 2))
}

fn tokens(v: f64) -> String {
    thousands(v, 0)
}

/// A parameter value: whole numbers with separators, others as written.
fn param(v: &toml::Value) -> String {
    match v {
        toml::Value::Float(f) if f.fract() == 0.0 && f.abs() >= 1e4 && f.abs() < 1e18 => {
            thousands(*f, 0)
        }
        toml::Value::Integer(i) if i.abs() >= 10_000 => thousands(*i as f64, 0),
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(a) => a.iter().map(param).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn is_table_array(v: &toml::Value) -> bool {
    v.as_array()
        .is_some_and(|a| a.iter().any(toml::Value::is_table))
}

/// One card per TOML table that holds values, titled by its dotted path
/// (as `canopy show` writes them); the deals have their own section.
fn tables(path: &str, table: &toml::Table, out: &mut Vec<(String, Vec<(String, String)>)>) {
    let rows: Vec<(String, String)> = table
        .iter()
        .filter(|(_, v)| !v.is_table() && !is_table_array(v))
        .map(|(k, v)| (k.clone(), param(v)))
        .collect();
    if !rows.is_empty() {
        out.push((path.to_string(), rows));
    }
    for (k, v) in table {
        if let toml::Value::Table(t) = v {
            let sub = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            tables(&sub, t, out);
        }
    }
}

const STYLE: &str = r#"
:root { --text: #22252b; --muted: #5f6670; --line: #e4e7eb; --bg: #f6f7f9; --accent: #2a9d8f; }
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0; color: var(--text); font: 16px/1.55 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; }
header.top { background: #1f2a33; color: #fff; padding: 40px 0 32px; }
.wrap { max-width: 1240px; margin: 0 auto; padding: 0 32px; }
header.top h1 { margin: 0 0 6px; font-size: 34px; font-weight: 650; letter-spacing: -0.01em; }
header.top p { margin: 0; color: #c9d2da; }
header.top .meta { margin-top: 14px; display: flex; flex-wrap: wrap; gap: 8px 24px; font-size: 14px; color: #aab6c1; }
header.top .meta b { color: #fff; font-weight: 600; }
nav.toc { background: #fff; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; }
nav.toc .wrap { display: flex; flex-wrap: wrap; gap: 4px 22px; padding-top: 10px; padding-bottom: 10px; font-size: 14px; }
nav.toc a { color: var(--muted); text-decoration: none; }
nav.toc a:hover { color: var(--text); }
main section { margin: 36px 0; }
h2 { font-size: 24px; margin: 0 0 6px; font-weight: 650; }
h3 { font-size: 17px; margin: 0 0 8px; }
p.lead { color: var(--muted); margin: 0 0 18px; max-width: 900px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 20px 22px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 14px; margin-bottom: 18px; }
.kpi { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; }
.kpi .label { font-size: 13px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.kpi .value { font-size: 26px; font-weight: 650; margin-top: 4px; font-variant-numeric: tabular-nums; }
.kpi .note { font-size: 13px; color: var(--muted); }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 14px; align-items: start; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12.5px; text-transform: uppercase; letter-spacing: 0.03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv td:first-child { color: var(--muted); }
table.kv td:last-child { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 0 0 22px; background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 12px; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 14px; padding: 8px 8px 2px; }
.scroll { overflow: auto; max-height: 640px; border: 1px solid var(--line); border-radius: 10px; background: #fff; }
.scroll table { font-size: 12.5px; }
.scroll th { position: sticky; top: 0; background: #fff; text-transform: none; letter-spacing: 0; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 11.5px; box-shadow: 0 1px 0 var(--line); }
.scroll td { white-space: nowrap; }
.scroll td:first-child, .scroll th:first-child { position: sticky; left: 0; background: #fff; z-index: 1; }
.wide { overflow-x: auto; border: 1px solid var(--line); border-radius: 10px; background: #fff; }
.wide th { background: #fbfbfc; }
table.kv code { white-space: nowrap; }
.params { grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); }
td.id { white-space: nowrap; }
table.kv td:last-child { white-space: nowrap; padding-left: 16px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
.part { display: block; }
.part b { font-weight: 600; }
.dim { color: var(--muted); }
.warn { background: #fff4e5; border: 1px solid #f3c98b; color: #6b4200; border-radius: 10px; padding: 14px 18px; margin-top: 24px; }
dl.terms { display: grid; grid-template-columns: minmax(120px, 180px) 1fr; gap: 10px 20px; margin: 0; }
dl.terms dt { font-weight: 650; }
dl.terms dd { margin: 0; color: #3a4049; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; background: #eef1f4; padding: 1px 5px; border-radius: 4px; }
footer { color: var(--muted); font-size: 13px; padding: 24px 0 48px; }
@media print { nav.toc { display: none; } .scroll { max-height: none; overflow: visible; } figure { break-inside: avoid; } }
"#;

/// The report's HTML text.
pub fn html(r: &Report<'_>) -> String {
    let mut h = String::with_capacity(200_000 + r.charts.iter().map(|c| c.1.len()).sum::<usize>());
    let s = r.scenario;
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n\
         <meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>Canopy report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        escape(r.name)
    );
    header(&mut h, r);
    let _ = write!(
        h,
        "<nav class=\"toc\"><div class=\"wrap\">\
         <a href=\"#summary\">Final summary</a><a href=\"#charts\">Charts</a>\
         <a href=\"#deals\">Deals</a><a href=\"#scenario\">Scenario</a>\
         <a href=\"#metrics\">Monthly metrics</a><a href=\"#terms\">Terms</a>\
         <a href=\"#files\">Files</a></div></nav>\n<main class=\"wrap\">\n"
    );
    if let Some(why) = r.stopped {
        let _ = writeln!(
            h,
            "<div class=\"warn\"><b>The run stopped early.</b> {}. The {} months before it are shown.</div>",
            escape(why),
            r.records.len()
        );
    }
    summary(&mut h, r);
    charts(&mut h, r);
    deals_section(&mut h, r, r.deals.totals());
    scenario_section(&mut h, s);
    metrics(&mut h, r.records);
    terms(&mut h);
    files(&mut h);
    let _ = writeln!(
        h,
        "</main>\n<footer class=\"wrap\">Written by canopy {} for scenario <b>{}</b>. \
         All figures are simulated; they are not forecasts.</footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION"),
        escape(r.name)
    );
    h
}

fn header(h: &mut String, r: &Report<'_>) {
    let s = r.scenario;
    let on = s.compat.enabled();
    let behaviour = if on.is_empty() {
        "default (no compat quirks)".to_string()
    } else if on.len() == s.compat.switches().len() {
        "reference (every compat quirk on)".to_string()
    } else {
        format!("quirks on: {}", on.join(", "))
    };
    let price = match s.leaf_price.model {
        canopy_model::scenario::PriceModel::Fixed => {
            format!("fixed at ${}", s.leaf_price.initial)
        }
        canopy_model::scenario::PriceModel::Market => format!(
            "market (from ${}, volatility {})",
            s.leaf_price.initial, s.leaf_price.volatility
        ),
    };
    let _ = writeln!(
        h,
        "<header class=\"top\"><div class=\"wrap\">\n<h1>Canopy simulation report</h1>\n\
         <p>Scenario <b>{}</b>: {} months of the AEGIS treasury, LEAF pairs, TVL and OAK, simulated month by month.</p>\n\
         <div class=\"meta\"><span>Months <b>{}</b></span><span>Seed <b>{}</b></span>\
         <span>Deals <b>{}</b></span><span>LEAF price <b>{}</b></span><span>Behaviour <b>{}</b></span>\
         <span>Chain TVL model <b>{}</b></span></div>\n</div></header>",
        escape(r.name),
        r.records.len(),
        s.simulation.months,
        s.simulation.seed,
        s.deals.len(),
        escape(&price),
        escape(&behaviour),
        if s.tvl.market.enabled { "on" } else { "off" }
    );
}

fn kpi(h: &mut String, label: &str, value: &str, note: &str) {
    let _ = writeln!(
        h,
        "<div class=\"kpi\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"note\">{}</div></div>",
        escape(label),
        escape(value),
        escape(note)
    );
}

fn kv_table(h: &mut String, title: &str, rows: &[(String, String)]) {
    let _ = write!(
        h,
        "<div class=\"card\"><h3>{}</h3><table class=\"kv\">",
        escape(title)
    );
    for (k, v) in rows {
        let _ = write!(h, "<tr><td>{}</td><td>{}</td></tr>", k, escape(v));
    }
    h.push_str("</table></div>\n");
}

fn summary(h: &mut String, r: &Report<'_>) {
    h.push_str("<section id=\"summary\">\n<h2>Final summary</h2>\n");
    let Some(last) = r.records.last() else {
        h.push_str("<p class=\"lead\">No month was simulated, so there is nothing to summarise.</p>\n</section>\n");
        return;
    };
    let _ = writeln!(
        h,
        "<p class=\"lead\">Where the system stands at the end of month {}.</p>\n<div class=\"kpis\">",
        last.month
    );
    let supply = r.scenario.oak.total_supply;
    // The IRR is undefined once the redemption window closes: show the last defined one.
    let last_irr = r
        .records
        .iter()
        .rev()
        .find_map(|x| x.irr.map(|v| (x.month, v)));
    kpi(
        h,
        "TVL",
        &money(last.tvl_total()),
        &format!("month {}", last.month),
    );
    kpi(
        h,
        "Cumulative revenue",
        &money(last.revenue_cumulative),
        &format!("{} in the last month", money(last.revenue_total())),
    );
    kpi(
        h,
        "AEGIS value",
        &money(last.aegis_value),
        &format!("{} per unredeemed OAK", money(last.value_per_oak)),
    );
    kpi(
        h,
        "LEAF price",
        &format!("${}", thousands(last.leaf_price, 4)),
        &format!(
            "{} active {}",
            last.pairs_active,
            if last.pairs_active == 1 {
                "pair"
            } else {
                "pairs"
            }
        ),
    );
    kpi(
        h,
        "OAK redeemed",
        &if supply > 0.0 {
            pct(last.oak_redeemed / supply)
        } else {
            "0 %".to_string()
        },
        &format!("{} of {} OAK", tokens(last.oak_redeemed), tokens(supply)),
    );
    kpi(
        h,
        "Last IRR",
        &last_irr.map_or_else(|| "undefined".to_string(), |(_, v)| pct(v)),
        &match last_irr {
            Some((m, _)) if m != last.month => format!(
                "month {m}; undefined since; threshold {}",
                pct(last.irr_threshold_weighted)
            ),
            _ => format!("threshold {}", pct(last.irr_threshold_weighted)),
        },
    );
    h.push_str("</div>\n<div class=\"grid2\">\n");
    let mut tvl: Vec<(String, String)> = TvlKind::ALL
        .iter()
        .map(|k| {
            (
                format!(
                    "<span class=\"swatch\" style=\"background:{}\"></span>{}",
                    palette::css(palette::tvl(*k)),
                    k.name()
                ),
                money(last.tvl[k.index()]),
            )
        })
        .collect();
    tvl.push(("total".into(), money(last.tvl_total())));
    kv_table(h, "TVL", &tvl);
    let mut rev: Vec<(String, String)> = TvlKind::ALL
        .iter()
        .map(|k| {
            (
                format!("{} (last month)", k.name()),
                money(last.revenue[k.index()]),
            )
        })
        .collect();
    rev.push(("last month".into(), money(last.revenue_total())));
    rev.push(("cumulative".into(), money(last.revenue_cumulative)));
    kv_table(h, "Revenue", &rev);
    kv_table(
        h,
        "AEGIS",
        &[
            ("LEAF".into(), tokens(last.aegis_leaf)),
            ("USDC".into(), tokens(last.aegis_usdc)),
            ("LEAF price (USD)".into(), thousands(last.leaf_price, 4)),
            ("value (USD)".into(), tokens(last.aegis_value)),
            ("LEAF pairs active".into(), last.pairs_active.to_string()),
            ("LEAF in pairs".into(), tokens(last.pairs_leaf)),
            ("USDC in pairs".into(), tokens(last.pairs_usdc)),
        ],
    );
    kv_table(
        h,
        "OAK",
        &[
            ("supply".into(), tokens(supply)),
            ("distributed".into(), tokens(last.oak_distributed)),
            ("redeemed".into(), tokens(last.oak_redeemed)),
            ("unredeemed".into(), tokens(last.oak_unredeemed)),
            (
                "value per OAK (USD)".into(),
                thousands(last.value_per_oak, 2),
            ),
            (
                "last IRR".into(),
                last.irr.map_or_else(|| "undefined".to_string(), pct),
            ),
            (
                "weighted threshold".into(),
                pct(last.irr_threshold_weighted),
            ),
        ],
    );
    h.push_str("</div>\n</section>\n");
}

fn caption(c: Chart) -> &'static str {
    match c {
        Chart::Tvl => {
            "Total value locked, stacked by kind. Organic TVL includes the twins of contracted deals (or, with the chain model, the chain's share)."
        }
        Chart::Revenue => {
            "Bars: revenue earned each month by each kind of TVL (left axis). Line: revenue since month 1 (right axis)."
        }
        Chart::AegisBalances => {
            "The treasury's LEAF (left axis) and USDC (right axis); its value counts LEAF at the month's price."
        }
        Chart::AegisComposition => {
            "How AEGIS's value splits between USDC and LEAF, at each month's LEAF price."
        }
        Chart::LeafPrice => {
            "The LEAF price each month. With the fixed model it stays at its initial value."
        }
        Chart::LeafPairs => {
            "Upper panel: USDC and LEAF (at price) held by the active pairs. Lower panel: how many pairs are active."
        }
        Chart::OakStatus => {
            "OAK distributed to holders and redeemed so far; unredeemed OAK includes OAK not yet distributed. Dashed: AEGIS value per unredeemed OAK (right axis)."
        }
        Chart::OakRedemptions => {
            "Upper panel: OAK redeemed each month. Lower panel: the USDC and LEAF AEGIS paid out for it."
        }
        Chart::OakIrr => {
            "The IRR of holding OAK to the end of the redemption window; gaps are months where it is undefined. Holders whose threshold is above it redeem."
        }
        Chart::ChainTvl => {
            "The chain's total TVL, Canopy's TVL and Canopy's share of the chain (right axis)."
        }
    }
}

fn charts(h: &mut String, r: &Report<'_>) {
    h.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
    if r.charts.is_empty() {
        h.push_str("<p class=\"lead\">No charts: no month was simulated.</p>\n</section>\n");
        return;
    }
    h.push_str("<p class=\"lead\">Every chart is also in the output folder as PNG and SVG, under the name shown.</p>\n");
    for (i, (c, svg)) in r.charts.iter().enumerate() {
        // The SVG's own XML declaration, if any, is not allowed inside a page.
        let body = svg.trim_start();
        let body = match body.strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or(rest, |x| x.1).trim_start(),
            None => body,
        };
        let body = body.replacen(
            "<svg ",
            &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(c.title())),
            1,
        );
        let _ = writeln!(
            h,
            "<figure id=\"chart-{}\">\n{}\n<figcaption><b>Figure {}. {}.</b> {} <span class=\"dim\">(<code>{}.png</code>, <code>{}.svg</code>)</span></figcaption>\n</figure>",
            c.file_stem(),
            body.trim_end(),
            i + 1,
            escape(c.title()),
            escape(caption(*c)),
            c.file_stem(),
            c.file_stem()
        );
    }
    h.push_str("</section>\n");
}

fn deals_section(h: &mut String, r: &Report<'_>, totals: &[DealTotals]) {
    let s = r.scenario;
    let n = r.records.last().map_or(0, |x| x.month);
    h.push_str("<section id=\"deals\">\n<h2>Deals</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"lead\">The scenario's {} deals, their parts, the months they are active and what they earned or received. \
         Month-by-month figures per deal are in <code>deals.csv</code>.</p>",
        s.deals.len()
    );
    if s.deals.is_empty() {
        h.push_str("<p>This scenario has no deals.</p>\n</section>\n");
        return;
    }
    h.push_str(
        "<div class=\"wide\"><table>\n<thead><tr><th>Deal</th>\
         <th>TVL</th><th>OAK</th><th>LEAF pair</th><th class=\"num\">Active months</th><th>Results</th></tr></thead>\n<tbody>\n",
    );
    let empty = DealTotals::default();
    for (i, d) in s.deals.iter().enumerate() {
        let t = totals.get(i).unwrap_or(&empty);
        let tvl = d.tvl.as_ref().map_or_else(
            || "<span class=\"dim\">—</span>".to_string(),
            |p| {
                format!(
                    "<span class=\"part\"><span class=\"swatch\" style=\"background:{}\"></span><b>{}</b> {}</span>\
                     <span class=\"part dim\">{} a year, {} months</span>",
                    palette::css(palette::tvl(p.kind)),
                    p.kind.name(),
                    escape(&money(p.amount)),
                    pct(p.revenue_rate),
                    p.duration_months
                )
            },
        );
        let oak = d.oak.as_ref().map_or_else(
            || "<span class=\"dim\">—</span>".to_string(),
            |p| {
                format!(
                    "<span class=\"part\"><b>{}</b> OAK</span><span class=\"part dim\">vests {} months, redeems below {}</span>",
                    tokens(p.amount),
                    p.vesting_months,
                    pct(p.irr_threshold)
                )
            },
        );
        let pair = d.leaf_pair.as_ref().map_or_else(
            || "<span class=\"dim\">—</span>".to_string(),
            |p| {
                format!(
                    "<span class=\"part\"><b>{}</b>, {} LEAF</span><span class=\"part dim\">target {} LEAF, concentration {}–{}, {} months</span>",
                    escape(&money(p.amount)),
                    tokens(p.leaf_tokens),
                    pct(p.target_ratio),
                    p.base_concentration,
                    p.max_concentration,
                    p.duration_months
                )
            },
        );
        let active = match DealSpan::of(d).active_months(t.distributed_in, n) {
            Some((a, b)) if a == b => format!("{a}"),
            Some((a, b)) => format!("{a}–{b}"),
            None => "after the run".to_string(),
        };
        let mut results = Vec::new();
        if d.tvl.is_some() {
            results.push(format!("revenue {}", escape(&money(t.revenue))));
        }
        if d.oak.is_some() {
            match (t.distributed_in, t.redeemed_in) {
                (Some(a), Some(b)) => results.push(format!(
                    "OAK distributed month {a}, redeemed month {b} for {} USDC + {} LEAF",
                    tokens(t.payout_usdc),
                    tokens(t.payout_leaf)
                )),
                (Some(a), None) => results.push(format!("OAK distributed month {a}, still held")),
                _ => results.push("OAK not distributed in the run".to_string()),
            }
        }
        let results: String = results
            .iter()
            .map(|x| format!("<span class=\"part\">{x}</span>"))
            .collect();
        let _ = writeln!(
            h,
            "<tr><td class=\"id\"><b>{}</b><span class=\"part dim\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&d.id),
            escape(&d.counterparty),
            tvl,
            oak,
            pair,
            active,
            results
        );
    }
    h.push_str("</tbody></table></div>\n</section>\n");
}

fn scenario_section(h: &mut String, s: &Scenario) {
    h.push_str("<section id=\"scenario\">\n<h2>Scenario</h2>\n<p class=\"lead\">Every parameter of the run, defaults included (<code>canopy show</code> prints them as a scenario file).</p>\n<div class=\"grid2 params\">\n");
    let table: toml::Table = toml::from_str(&s.to_toml()).unwrap_or_default();
    let mut cards = Vec::new();
    tables("", &table, &mut cards);
    for (title, rows) in cards {
        let rows: Vec<(String, String)> = rows
            .into_iter()
            .map(|(k, v)| (format!("<code>{}</code>", escape(&k)), v))
            .collect();
        kv_table(h, &title, &rows);
    }
    h.push_str("</div>\n</section>\n");
}

/// A metrics cell for the page: rounded for reading (the CSV has full precision).
fn metric_cell(c: &Column, v: Option<f64>) -> String {
    let Some(x) = v else {
        return "<span class=\"dim\">—</span>".to_string();
    };
    match c.ty {
        ColumnType::Count => thousands(x, 0),
        ColumnType::Rate => pct(x),
        // A price below a dollar needs more digits than other amounts.
        ColumnType::Amount if c.name == "leaf_price" => thousands(x, 4),
        ColumnType::Amount if x.abs() >= 100.0 || x == 0.0 => thousands(x, 0),
        ColumnType::Amount => thousands(x, 2),
    }
}

fn metrics(h: &mut String, records: &[MonthRecord]) {
    h.push_str("<section id=\"metrics\">\n<h2>Monthly metrics</h2>\n<p class=\"lead\">The columns of <code>metrics.csv</code>, rounded for reading (the CSV and <code>metrics.json</code> hold full precision). Rates are in percent; — is undefined.</p>\n");
    h.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for c in COLUMNS {
        let _ = write!(h, "<th class=\"num\">{}</th>", c.name);
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for r in records {
        h.push_str("<tr>");
        for c in COLUMNS {
            let _ = write!(h, "<td class=\"num\">{}</td>", metric_cell(c, (c.get)(r)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n</section>\n");
}

fn terms(h: &mut String) {
    let items: [(&str, &str); 9] = [
        (
            "AEGIS",
            "The treasury: it holds LEAF and USDC, receives a share of revenue, sells LEAF to the pairs and pays OAK redemptions.",
        ),
        (
            "LEAF",
            "The ecosystem's token. Its price is fixed or follows a market model.",
        ),
        (
            "LEAF pair",
            "A counterparty's liquidity that keeps a target share of its value in LEAF, bought from (or sold to) AEGIS; it leaves when the deal ends.",
        ),
        (
            "TVL",
            "Total value locked: protocol-locked, contracted (under contract with a counterparty), organic (arriving on its own) and boosted (attracted by incentives).",
        ),
        (
            "Revenue",
            "What TVL earns: its amount times its annual rate, by month.",
        ),
        (
            "OAK",
            "A token given to the team, investors and partners. It vests, is distributed, and can be redeemed against a pro-rata share of AEGIS.",
        ),
        (
            "Value per OAK",
            "AEGIS value divided by the OAK not yet redeemed.",
        ),
        (
            "IRR",
            "The expected annual return of holding OAK until the redemption window closes rather than redeeming now.",
        ),
        (
            "Threshold",
            "The IRR below which a holder redeems; the weighted threshold averages it over distributed OAK.",
        ),
    ];
    h.push_str(
        "<section id=\"terms\">\n<h2>Terms</h2>\n<div class=\"card\"><dl class=\"terms\">\n",
    );
    for (t, d) in items {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", escape(t), escape(d));
    }
    h.push_str("</dl></div>\n</section>\n");
}

fn files(h: &mut String) {
    h.push_str("<section id=\"files\">\n<h2>Files</h2>\n<div class=\"card\"><p>The output folder holds, besides this page:</p><ul>\
        <li><code>metrics.csv</code> and <code>metrics.json</code>: one record per month, the columns of the table above at full precision.</li>\
        <li><code>deals.csv</code>: per deal (and per organic twin, recurring contract and chain organic TVL) and month, columns ");
    let cols: Vec<String> = deals::COLUMNS
        .iter()
        .map(|c| format!("<code>{c}</code>"))
        .collect();
    h.push_str(&cols.join(", "));
    h.push_str(
        ". Summed over its rows, a month gives the totals of <code>metrics.csv</code>.</li>\
        <li>Each chart as <code>.png</code> and <code>.svg</code>.</li></ul></div>\n</section>\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<b>\"A&B's\"</b>"),
            "&lt;b&gt;&quot;A&amp;B&#39;s&quot;&lt;/b&gt;"
        );
    }

    #[test]
    fn empty_run_still_renders() {
        let s = Scenario::default();
        let log = DealLog::new(&s);
        let text = html(&Report {
            name: "x",
            scenario: &s,
            records: &[],
            deals: &log,
            charts: &[],
            stopped: Some("month 1: tvl: is not a finite number"),
        });
        assert!(text.contains("No month was simulated"));
        assert!(text.contains("stopped early"));
    }
}
