//! The page's tables of the run itself: its deals, its scenario and its
//! months.

use super::*;

pub(super) fn deals_section(h: &mut Html, r: &Report<'_>, totals: &[DealTotals]) {
    let s = r.scenario;
    let n = r.records.last().map_or(0, |x| x.month);
    h.push_raw("<section id=\"deals\">\n<h2>Deals</h2>\n");
    h.push(html!("<p class=\"lead\">The scenario's {} deals, their parts, the months they are active and what they earned or received. \
         Month-by-month figures per deal are in <code>deals.csv</code>.</p>\n",
        s.deals.len()
    ));
    if s.deals.is_empty() {
        h.push_raw("<p>This scenario has no deals.</p>\n</section>\n");
        return;
    }
    h.push_raw("<div class=\"wide\"><table>\n<thead><tr><th>Deal</th>\
         <th>TVL</th><th>OAK</th><th>LEAF pair</th><th class=\"num\">Active months</th><th>Results</th></tr></thead>\n<tbody>\n");
    let empty = DealTotals::default();
    for (i, d) in s.deals.iter().enumerate() {
        let t = totals.get(i).unwrap_or(&empty);
        let tvl = d.tvl.as_ref().map_or_else(
            || Html::raw("<span class=\"dim\">—</span>"),
            |p| {
                html!(
                    "<span class=\"part\"><span class=\"swatch\" style=\"background:{}\"></span><b>{}</b> {}</span>\
                     <span class=\"part dim\">{} a year, {} months</span>",
                    Html::text(&palette::css(palette::tvl(p.kind))),
                    Html::text(p.kind.name()),
                    Html::text(&money(p.amount)),
                    Html::text(&pct(p.revenue_rate)),
                    p.duration_months
                )
            },
        );
        let oak = d.oak.as_ref().map_or_else(
            || Html::raw("<span class=\"dim\">—</span>"),
            |p| {
                let mut terms = format!(
                    "vests {} months, redeems below {}",
                    p.vesting_months,
                    pct(p.irr_threshold)
                );
                if let Some(end) = p.irr_threshold_end.filter(|e| *e != p.irr_threshold) {
                    let way = if end < p.irr_threshold {
                        "falling"
                    } else {
                        "rising"
                    };
                    let _ = write!(
                        terms,
                        ", {way} to {} by month {}",
                        pct(end),
                        s.oak.redemption_end_month
                    );
                }
                if p.lockup_months > 0 {
                    let _ = write!(
                        terms,
                        "; locked {} months after distribution",
                        p.lockup_months
                    );
                }
                if p.redeem_fraction < 1.0 {
                    let _ = write!(
                        terms,
                        "; asks for {} of its allocation at a time",
                        pct(p.redeem_fraction)
                    );
                }
                html!(
                    "<span class=\"part\"><b>{}</b> OAK</span><span class=\"part dim\">{}</span>",
                    Html::text(&tokens(p.amount)),
                    Html::text(&terms)
                )
            },
        );
        let pair = d.leaf_pair.as_ref().map_or_else(
            || Html::raw("<span class=\"dim\">—</span>"),
            |p| {
                html!(
                    "<span class=\"part\"><b>{}</b>, {} LEAF</span><span class=\"part dim\">target {} LEAF, concentration {}–{}, {} months</span>",
                    Html::text(&money(p.amount)),
                    Html::text(&tokens(p.leaf_tokens)),
                    Html::text(&pct(p.target_ratio)),
                    Html::text(&compact(p.base_concentration)),
                    Html::text(&compact(p.max_concentration)),
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
            results.push(Html::text(&format!("revenue {}", money(t.revenue))));
        }
        if d.oak.is_some() {
            let mut text = match (t.distributed_in, t.redeemed_from, t.redeemed_in) {
                (Some(a), Some(b), Some(c)) => format!(
                    "OAK distributed month {a}, {} redeemed {} for {} USDC + {} LEAF",
                    tokens(t.oak_redeemed),
                    if b == c {
                        format!("month {b}")
                    } else {
                        format!("months {b}–{c}")
                    },
                    tokens(t.payout_usdc),
                    tokens(t.payout_leaf)
                ),
                (Some(a), _, _) => format!("OAK distributed month {a}"),
                _ => "OAK not distributed in the run".to_string(),
            };
            if t.oak_held > 0.0 {
                let _ = write!(text, ", {} still held", tokens(t.oak_held));
                if t.oak_queued > 0.0 {
                    let _ = write!(text, " ({} of it queued)", tokens(t.oak_queued));
                }
            }
            results.push(Html::text(&text));
        }
        let results: Html = results
            .iter()
            .map(|x| html!("<span class=\"part\">{}</span>", x))
            .collect();
        h.push(html!("<tr><td class=\"id\"><b>{}</b><span class=\"part dim\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
            Html::text(&d.id),
            Html::text(&d.counterparty),
            tvl,
            oak,
            pair,
            Html::text(&active),
            results
        ));
    }
    h.push_raw("</tbody></table></div>\n</section>\n");
}

pub(super) fn scenario_section(h: &mut Html, s: &Scenario) {
    h.push_raw("<section id=\"scenario\">\n<h2>Scenario</h2>\n<p class=\"lead\">Every parameter of the run, defaults included (<code>canopy show</code> prints them as a scenario file).</p>\n<div class=\"grid2 params\">\n");
    // One card per table of the parameter table, each key with its doc
    // on hover; the deals have their own section.
    for (title, values) in s.tables() {
        let rows: Vec<(Html, String)> = values
            .iter()
            .map(|(p, v)| {
                let key = p.path.rsplit_once('.').map_or(p.path, |(_, k)| k);
                (
                    html!(
                        "<code title=\"{}\">{}</code>",
                        Html::text(p.doc),
                        Html::text(key)
                    ),
                    param(v),
                )
            })
            .collect();
        kv_table(h, title, &rows);
    }
    h.push_raw("</div>\n</section>\n");
}

/// A metrics cell for the page: rounded for reading (the CSV has full precision).
fn metric_cell(c: &Column, v: Option<f64>) -> Html {
    let Some(x) = v else {
        return Html::raw("<span class=\"dim\">—</span>");
    };
    Html::text(&match c.ty {
        ColumnType::Count => thousands(x, 0),
        ColumnType::Rate => pct(x),
        // A price below a dollar needs more digits than other amounts.
        ColumnType::Amount if c.name == "leaf_price" => thousands(x, 4),
        ColumnType::Amount if x.abs() >= 100.0 || x == 0.0 => thousands(x, 0),
        ColumnType::Amount => thousands(x, 2),
    })
}

pub(super) fn metrics(h: &mut Html, records: &[MonthRecord]) {
    h.push_raw("<section id=\"metrics\">\n<h2>Monthly metrics</h2>\n<p class=\"lead\">The columns of <code>metrics.csv</code>, rounded for reading (the CSV and <code>metrics.json</code> hold full precision). Rates are in percent; — is undefined.</p>\n");
    h.push_raw("<div class=\"scroll\"><table>\n<thead><tr>");
    for c in COLUMNS {
        h.push(html!("<th class=\"num\">{}</th>", Html::text(c.name)));
    }
    h.push_raw("</tr></thead>\n<tbody>\n");
    for r in records {
        h.push_raw("<tr>");
        for c in COLUMNS {
            h.push(html!(
                "<td class=\"num\">{}</td>",
                metric_cell(c, (c.get)(r))
            ));
        }
        h.push_raw("</tr>\n");
    }
    h.push_raw("</tbody></table></div>\n</section>\n");
}
