//! `report.html`: one self-contained page (styles inline, charts as inline
//! SVG, no scripts, no links outside itself) with the scenario, its deals,
//! the final summary, every chart and the monthly metrics.
//!
//! The page is also well-formed XML (XHTML polyglot), so that a strict
//! parser can check it.

use canopy_model::DealSpan;
use canopy_model::scorecard::DealScore;
use canopy_model::{COLUMNS, Column, ColumnType, MonthRecord, Scenario, TvlKind, Value};
use std::fmt::Write as _;

use super::charts::Chart;
use super::deals::{self, DealLog, DealTotals};
use super::palette;
use crate::numbers::{compact, thousands};
use crate::summary::FinalSummary;
pub use markup::Html;
use markup::html;

pub mod markup;
mod tables;

use tables::{deals_section, metrics, scenario_section};

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
    /// The deal scorecard, if it was worked out.
    pub scorecard: Option<&'a [DealScore]>,
    /// The scorecard's chart as SVG, if it was drawn.
    pub scorecard_chart: Option<&'a str>,
}

fn money(v: f64) -> String {
    crate::numbers::money(v, crate::numbers::Style::Page)
}

fn pct(v: f64) -> String {
    format!("{} %", thousands(v * 100.0, 2))
}

fn tokens(v: f64) -> String {
    thousands(v, 0)
}

/// A parameter value: whole numbers with separators, others as written.
/// A parameter value: whole numbers with separators, others as `show` writes them.
fn param(v: &Value) -> String {
    match v {
        Value::Float(f) if f.fract() == 0.0 && f.abs() >= 1e4 => thousands(*f, 0),
        // -0 reads as 0 on a page.
        Value::Float(f) if *f == 0.0 => "0.0".to_string(),
        Value::Int(i) if i.abs() >= 10_000 => thousands(*i as f64, 0),
        Value::Str(s) => s.clone(),
        Value::List(xs) => xs
            .iter()
            .map(|x| param(&Value::Float(*x)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.show(),
    }
}

/// The page's styles, shared with the sweep's report.
pub(crate) const STYLE: &str = r#"
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
table.kv.wrap td:last-child { white-space: normal; overflow-wrap: anywhere; }
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
    page(r).into_string()
}

/// The report, assembled from [`Html`] pieces only.
pub fn page(r: &Report<'_>) -> Html {
    let mut h = Html::new();
    let s = r.scenario;
    h.push(html!(
        "<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n\
         <meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>Canopy report: {}</title>\n<style>{}</style>\n</head>\n<body>\n",
        Html::text(r.name),
        Html::raw(STYLE)
    ));
    header(&mut h, r);
    h.push(html!(
        "<nav class=\"toc\"><div class=\"wrap\">\
         <a href=\"#summary\">Final summary</a><a href=\"#charts\">Charts</a>\
         <a href=\"#deals\">Deals</a><a href=\"#scorecard\">Scorecard</a><a href=\"#scenario\">Scenario</a>\
         <a href=\"#metrics\">Monthly metrics</a><a href=\"#terms\">Terms</a>\
         <a href=\"#files\">Files</a></div></nav>\n<main class=\"wrap\">\n"
    ));
    if let Some(why) = r.stopped {
        h.push(html!("<div class=\"warn\"><b>The run stopped early.</b> {}. The {} months before it are shown.</div>\n",
            Html::text(why),
            r.records.len()
        ));
    }
    summary(&mut h, r);
    charts(&mut h, r);
    deals_section(&mut h, r, r.deals.totals());
    if let Some(rows) = r.scorecard {
        scorecard_section(&mut h, rows, r.scorecard_chart);
    }
    scenario_section(&mut h, s);
    metrics(&mut h, r.records);
    terms(&mut h);
    files(&mut h);
    h.push(html!(
        "</main>\n<footer class=\"wrap\">Written by canopy {} for scenario <b>{}</b>. \
         All figures are simulated; they are not forecasts.</footer>\n</body>\n</html>\n",
        Html::raw(env!("CARGO_PKG_VERSION")),
        Html::text(r.name)
    ));
    h
}

fn header(h: &mut Html, r: &Report<'_>) {
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
            format!("fixed at ${}", compact(s.leaf_price.initial))
        }
        canopy_model::scenario::PriceModel::Market => format!(
            "market (from ${}, volatility {})",
            compact(s.leaf_price.initial),
            compact(s.leaf_price.volatility)
        ),
    };
    h.push(html!("<header class=\"top\"><div class=\"wrap\">\n<h1>Canopy simulation report</h1>\n\
         <p>Scenario <b>{}</b>: {} months of the AEGIS treasury, LEAF pairs, TVL and OAK, simulated month by month.</p>\n\
         <div class=\"meta\"><span>Months <b>{}</b></span><span>Seed <b>{}</b></span>\
         <span>Deals <b>{}</b></span><span>LEAF price <b>{}</b></span><span>Behaviour <b>{}</b></span>\
         <span>Chain TVL model <b>{}</b></span></div>\n</div></header>\n",
        Html::text(r.name),
        r.records.len(),
        s.simulation.months,
        s.simulation.seed,
        s.deals.len(),
        Html::text(&price),
        Html::text(&behaviour),
        Html::raw(if s.tvl.market.enabled { "on" } else { "off" })
    ));
}

fn kpi(h: &mut Html, label: &str, value: &str, note: &str) {
    h.push(html!("<div class=\"kpi\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"note\">{}</div></div>\n",
        Html::text(label),
        Html::text(value),
        Html::text(note)
    ));
}

/// A card with a table of rows: a label (markup: it may hold a swatch or
/// code) and a value (text).
fn kv_table(h: &mut Html, title: &str, rows: &[(Html, String)]) {
    h.push(html!(
        "<div class=\"card\"><h3>{}</h3><table class=\"kv\">",
        Html::text(title)
    ));
    for (k, v) in rows {
        h.push(html!("<tr><td>{}</td><td>{}</td></tr>", k, Html::text(v)));
    }
    h.push_raw("</table></div>\n");
}

fn summary(h: &mut Html, r: &Report<'_>) {
    h.push_raw("<section id=\"summary\">\n<h2>Final summary</h2>\n");
    let Some(last) = FinalSummary::from_records(r.scenario, r.records) else {
        h.push_raw("<p class=\"lead\">No month was simulated, so there is nothing to summarise.</p>\n</section>\n");
        return;
    };
    h.push(html!("<p class=\"lead\">Where the system stands at the end of month {}.</p>\n<div class=\"kpis\">\n",
        last.month
    ));
    let supply = last.oak_total_supply;
    kpi(
        h,
        "TVL",
        &money(last.tvl_total),
        &format!("month {}", last.month),
    );
    kpi(
        h,
        "Cumulative revenue",
        &money(last.revenue_cumulative),
        &format!("{} in the last month", money(last.revenue_last_month)),
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
        &last.last_irr.map_or_else(|| "undefined".to_string(), pct),
        &match last.last_irr_month {
            Some(m) if m != last.month => format!(
                "month {m}; undefined since; threshold {}",
                pct(last.irr_threshold_weighted)
            ),
            _ => format!("threshold {}", pct(last.irr_threshold_weighted)),
        },
    );
    h.push_raw("</div>\n<div class=\"grid2\">\n");
    let mut tvl: Vec<(Html, String)> = TvlKind::ALL
        .iter()
        .map(|k| {
            (
                html!(
                    "<span class=\"swatch\" style=\"background:{}\"></span>{}",
                    Html::text(&palette::css(palette::tvl(*k))),
                    Html::text(k.name())
                ),
                money(last.tvl(*k)),
            )
        })
        .collect();
    tvl.push((Html::text("total"), money(last.tvl_total)));
    kv_table(h, "TVL", &tvl);
    let mut rev: Vec<(Html, String)> = TvlKind::ALL
        .iter()
        .map(|k| {
            (
                Html::text(&format!("{} (last month)", k.name())),
                money(last.revenue(*k)),
            )
        })
        .collect();
    rev.push((Html::text("last month"), money(last.revenue_last_month)));
    rev.push((Html::text("cumulative"), money(last.revenue_cumulative)));
    kv_table(h, "Revenue", &rev);
    kv_table(
        h,
        "AEGIS",
        &[
            (Html::text("LEAF"), tokens(last.aegis_leaf)),
            (Html::text("USDC"), tokens(last.aegis_usdc)),
            (
                Html::text("LEAF price (USD)"),
                thousands(last.leaf_price, 4),
            ),
            (Html::text("value (USD)"), tokens(last.aegis_value)),
            (
                Html::text("LEAF pairs active"),
                last.pairs_active.to_string(),
            ),
            (Html::text("LEAF in pairs"), tokens(last.pairs_leaf)),
            (Html::text("USDC in pairs"), tokens(last.pairs_usdc)),
        ],
    );
    kv_table(
        h,
        "OAK",
        &[
            (Html::text("supply"), tokens(supply)),
            (Html::text("distributed"), tokens(last.oak_distributed)),
            (Html::text("redeemed"), tokens(last.oak_redeemed)),
            (Html::text("unredeemed"), tokens(last.oak_unredeemed)),
            (
                Html::text("value per OAK (USD)"),
                thousands(last.value_per_oak, 2),
            ),
            (
                Html::text("last IRR"),
                last.irr_of_last_month()
                    .map_or_else(|| "undefined".to_string(), pct),
            ),
            (
                Html::text("weighted threshold"),
                pct(last.irr_threshold_weighted),
            ),
        ],
    );
    h.push_raw("</div>\n</section>\n");
}

fn charts(h: &mut Html, r: &Report<'_>) {
    h.push_raw("<section id=\"charts\">\n<h2>Charts</h2>\n");
    if r.charts.is_empty() {
        h.push_raw("<p class=\"lead\">No charts: no month was simulated.</p>\n</section>\n");
        return;
    }
    h.push_raw("<p class=\"lead\">Every chart is also in the output folder as PNG and SVG, under the name shown.</p>\n");
    for (i, (c, svg)) in r.charts.iter().enumerate() {
        let body = inline_svg(svg, c.title);
        h.push(html!("<figure id=\"chart-{}\">\n{}\n<figcaption><b>Figure {}. {}.</b> {} <span class=\"dim\">(<code>{}.png</code>, <code>{}.svg</code>)</span></figcaption>\n</figure>\n",
            Html::text(c.stem),
            &body,
            i + 1,
            Html::text(c.title),
            Html::text(c.caption),
            Html::text(c.stem),
            Html::text(c.stem)
        ));
    }
    h.push_raw("</section>\n");
}

/// A chart's SVG document as an element of the page, labelled `title` for
/// screen readers.
pub(crate) fn inline_svg(svg: &str, title: &str) -> Html {
    // The SVG's own XML declaration, if any, is not allowed inside a page.
    let body = svg.trim_start();
    let body = match body.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(rest, |x| x.1).trim_start(),
        None => body,
    };
    let body = body.replacen(
        "<svg ",
        html!("<svg role=\"img\" aria-label=\"{}\" ", Html::text(title)).as_str(),
        1,
    );
    Html::chart_svg(body.trim_end())
}

/// The deal scorecard: each deal's effect, the run minus the run without it.
fn scorecard_section(h: &mut Html, rows: &[DealScore], chart: Option<&str>) {
    h.push_raw("<section id=\"scorecard\">\n<h2>Deal scorecard</h2>\n");
    h.push_raw("<p class=\"lead\">What each deal brought and cost: this run minus the same run without the deal (<code>scorecard.csv</code> has full precision). Positive is more with the deal.</p>\n");
    if rows.is_empty() {
        h.push_raw("<p>This scenario has no deals.</p>\n</section>\n");
        return;
    }
    if let Some(svg) = chart {
        h.push_raw("<figure class=\"chart\">");
        h.push(inline_svg(svg, crate::scorecard_chart::TITLE));
        h.push_raw("</figure>\n");
    }
    h.push_raw("<div class=\"scroll\"><table>\n<thead><tr><th>deal</th><th>counterparty</th><th>parts</th>\
        <th class=\"num\">revenue (USD)</th><th class=\"num\">AEGIS value (USD)</th><th class=\"num\">value per OAK (USD)</th>\
        <th class=\"num\">OAK redeemed</th><th class=\"num\">lowest AEGIS USDC</th><th class=\"num\">LEAF sold by AEGIS</th><th>note</th></tr></thead>\n<tbody>\n");
    for row in rows {
        h.push(html!(
            "<tr><td class=\"id\">{}</td><td>{}</td><td>{}</td>",
            Html::text(&row.id),
            Html::text(&row.counterparty),
            Html::text(&row.parts)
        ));
        match &row.deltas {
            Ok(d) => {
                for (i, x) in d.iter().enumerate() {
                    let decimals = if i == 2 { 2 } else { 0 };
                    let cell = x.map_or_else(|| "\u{2014}".to_string(), |x| thousands(x, decimals));
                    h.push(html!("<td class=\"num\">{}</td>", Html::text(&cell)));
                }
                h.push_raw("<td></td></tr>\n");
            }
            Err(why) => {
                h.push_raw("<td class=\"num\" colspan=\"6\">\u{2014}</td>");
                h.push(html!("<td>{}</td></tr>\n", Html::text(why)));
            }
        }
    }
    h.push_raw("</tbody></table></div>\n</section>\n");
}

fn terms(h: &mut Html) {
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
    h.push_raw(
        "<section id=\"terms\">\n<h2>Terms</h2>\n<div class=\"card\"><dl class=\"terms\">\n",
    );
    for (t, d) in items {
        h.push(html!(
            "<dt>{}</dt><dd>{}</dd>\n",
            Html::text(t),
            Html::text(d)
        ));
    }
    h.push_raw("</dl></div>\n</section>\n");
}

fn files(h: &mut Html) {
    h.push_raw("<section id=\"files\">\n<h2>Files</h2>\n<div class=\"card\"><p>The output folder holds, besides this page:</p><ul>");
    for f in crate::DATA_FILES {
        h.push(html!(
            "<li><code>{}</code>: {}",
            Html::text(f.name),
            Html::text(f.holds)
        ));
        if f.name == crate::DEALS_CSV {
            h.push_raw(". Its columns: ");
            for (i, c) in deals::COLUMNS.iter().enumerate() {
                if i > 0 {
                    h.push_raw(", ");
                }
                h.push(html!("<code>{}</code>", Html::text(c)));
            }
        }
        h.push_raw(".</li>");
    }
    h.push_raw(
        "<li>Each chart as <code>.png</code> and <code>.svg</code>.</li></ul></div>\n</section>\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            Html::text("<b>\"A&B's\"</b>").into_string(),
            "&lt;b&gt;&quot;A&amp;B&#39;s&quot;&lt;/b&gt;"
        );
    }

    const PAYLOAD: &str = "<script>alert(\"&'x'\")</script>";

    /// A run whose every piece of user text carries markup: the scenario
    /// name, a deal's id and counterparty, and the reason it stopped.
    fn hostile_page() -> String {
        let text = format!(
            "[simulation]\nmonths = 4\n\n[[deal]]\nid = {:?}\ncounterparty = {:?}\nstart_month = 1\n\
             tvl = {{ kind = \"boosted\", amount = 1_000_000, revenue_rate = 0.05, duration_months = 3 }}\n\
             oak = {{ amount = 1000, vesting_months = 1, irr_threshold = 0.1 }}\n",
            format!("id {PAYLOAD}"),
            format!("Co {PAYLOAD} & sons"),
        );
        let s = canopy_model::load("hostile.toml", &text, &[]).expect("valid scenario");
        let records = canopy_model::run(&s).expect("run");
        let log = DealLog::new(&s);
        let charts: Vec<(Chart, String)> = crate::charts::charts_for(&records)
            .into_iter()
            .map(|c| (c, crate::charts::svg(c, &records).expect("svg")))
            .collect();
        html(&Report {
            name: &format!("file {PAYLOAD}.toml"),
            scenario: &s,
            records: &records,
            deals: &log,
            charts: &charts,
            stopped: Some(&format!("month 3: {PAYLOAD}")),
            scorecard_chart: None,
            scorecard: Some(&[canopy_model::scorecard::DealScore {
                id: PAYLOAD.into(),
                counterparty: PAYLOAD.into(),
                start_month: 1,
                parts: "tvl".into(),
                deltas: Err(PAYLOAD.into()),
            }]),
        })
    }

    #[test]
    fn the_files_section_names_every_file_a_run_writes() {
        let page = hostile_page();
        let files = &page[page
            .find("<section id=\"files\">")
            .expect("a Files section")..];
        for name in crate::targets()
            .iter()
            .filter(|n| !n.ends_with(".png") && !n.ends_with(".svg") && *n != crate::REPORT_HTML)
        {
            assert!(
                files.contains(&format!("<code>{name}</code>")),
                "{name}: {files}"
            );
        }
        assert!(files.contains("<code>scorecard.csv</code>"), "{files}");
        assert!(
            files.contains("<code>.png</code> and <code>.svg</code>"),
            "{files}"
        );
    }

    #[test]
    fn the_deals_table_shows_the_redemption_controls_and_the_queue() {
        let text = "[simulation]\nmonths = 8\n[oak]\ntotal_supply = 1000\nredemption_start_month = 1\n\
             max_redemption_per_month = 0.1\n[[deal]]\nid = \"a\"\ncounterparty = \"A\"\nstart_month = 1\n\
             tvl = { kind = \"contracted\", amount = 1_000_000, revenue_rate = 0.05, duration_months = 12 }\n\
             oak = { amount = 1000, vesting_months = 0, irr_threshold = 0.5, irr_threshold_end = 0.2, \
             lockup_months = 2, redeem_fraction = 0.25 }\n";
        let s = canopy_model::load("q.toml", text, &[]).expect("valid scenario");
        let mut log = DealLog::new(&s);
        let records = canopy_model::run_observed(&s, &mut log).expect("run");
        let page = html(&Report {
            name: "q.toml",
            scenario: &s,
            records: &records,
            deals: &log,
            charts: &[],
            stopped: None,
            scorecard_chart: None,
            scorecard: None,
        });
        assert!(
            page.contains(
                "vests 0 months, redeems below 50.00 %, falling to 20.00 % by month 48; \
                 locked 2 months after distribution; asks for 25.00 % of its allocation at a time"
            ),
            "{page}"
        );
        // Locked in months 1-2; from month 3 it asks for 250 at a time and
        // the limit serves 100 a month: queued 150, 50, 200 (asked again in
        // month 5), 100, 250 (month 7), 150.
        assert!(
            page.contains("OAK distributed month 1, 600 redeemed months 3–8 for "),
            "{page}"
        );
        assert!(
            page.contains(", 400 still held (150 of it queued)"),
            "{page}"
        );
    }

    #[test]
    fn user_text_is_escaped_everywhere() {
        let page = hostile_page();
        assert!(!page.contains("<script"), "raw markup from user text");
        assert!(!page.contains("alert(\""), "an unescaped quote");
        let doc = roxmltree::Document::parse_with_options(
            &page,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .expect("well-formed");
        assert!(!doc.descendants().any(|n| n.tag_name().name() == "script"));
        // Each piece of text reads back exactly as given.
        let text: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
        let text = text.join("");
        for piece in [
            format!("file {PAYLOAD}.toml"),
            format!("id {PAYLOAD}"),
            format!("Co {PAYLOAD} & sons"),
            format!("month 3: {PAYLOAD}"),
        ] {
            assert!(text.contains(&piece), "{piece} is not in the page's text");
        }
        let title = doc
            .descendants()
            .find(|n| n.tag_name().name() == "title")
            .and_then(|n| n.text());
        assert_eq!(
            title,
            Some(format!("Canopy report: file {PAYLOAD}.toml").as_str())
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
            scorecard: None,
            scorecard_chart: None,
        });
        assert!(text.contains("No month was simulated"));
        assert!(text.contains("stopped early"));
    }
}
