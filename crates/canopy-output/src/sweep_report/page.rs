//! The page of a sweep's report, assembled from [`Html`] pieces only.

use std::collections::HashMap;

use super::figures::{self, Drawn, MAX_FANS, MAX_MEDIANS, Plan};
use super::{CHARTS_DIR, SweepReport, TextTable, correlation, number};
use crate::report::markup::{Html, html};
use crate::report::{STYLE, inline_svg};

/// What the sweep report adds to the run report's styles.
pub(super) const SWEEP_STYLE: &str = r#"
.fans { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 14px; align-items: start; }
.fans figure { margin: 0; }
.metric { margin: 28px 0 10px; }
.note { color: var(--muted); font-size: 14px; margin: 6px 0 14px; }
.card + .card, .wide + .card, .card + .wide { margin-top: 14px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 14px; align-items: start; }
.wide td { white-space: nowrap; }
.wide td.text { white-space: normal; }
"#;

/// The page's HTML text; `svgs` holds each chart's SVG by stem.
pub(super) fn html(r: &SweepReport, plan: &Plan, svgs: &HashMap<&str, &str>) -> String {
    let mut h = Html::new();
    h.push(html!(
        "<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n\
         <meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>Canopy sweep report: {}</title>\n<style>{}{}</style>\n</head>\n<body>\n",
        Html::text(&r.title),
        Html::raw(STYLE),
        Html::raw(SWEEP_STYLE)
    ));
    header(&mut h, r);
    let mut toc = vec![("sweep", "Sweep")];
    if r.sensitivity.is_some() {
        toc.push(("sensitivity", "Sensitivity"));
    }
    toc.extend([
        ("points", "Points"),
        ("fans", "Month by month"),
        ("axes", "Axes"),
        ("samples", "Samples"),
    ]);
    if r.tornado.is_some() {
        toc.push(("tornado", "Tornado"));
    }
    if !r.criteria.is_empty() {
        toc.push(("criteria", "Criteria"));
    }
    toc.extend([("failures", "Failures"), ("files", "Files")]);
    h.push_raw("<nav class=\"toc\"><div class=\"wrap\">");
    for (id, name) in toc {
        h.push(html!(
            "<a href=\"#{}\">{}</a>",
            Html::text(id),
            Html::text(name)
        ));
    }
    h.push_raw("</div></nav>\n<main class=\"wrap\">\n");
    sweep(&mut h, r);
    if let Some(s) = &r.sensitivity {
        super::sensitivity::section(&mut h, s);
    }
    points(&mut h, &r.points);
    fans(&mut h, r, plan, svgs);
    axes(&mut h, r, plan, svgs);
    samples(&mut h, r, plan, svgs);
    tornado(&mut h, r, plan, svgs);
    criteria(&mut h, r, plan, svgs);
    failures(&mut h, r);
    files(&mut h);
    h.push(html!(
        "</main>\n<footer class=\"wrap\">Written by canopy {} for sweep <b>{}</b>. \
         All figures are simulated; they are not forecasts.</footer>\n</body>\n</html>\n",
        Html::text(&r.version),
        Html::text(&r.title)
    ));
    h.into_string()
}

/// The value of a setting, when the sweep has it.
fn setting<'a>(r: &'a SweepReport, what: &str) -> Option<&'a str> {
    r.settings
        .iter()
        .find(|(k, _)| k == what)
        .map(|(_, v)| v.as_str())
}

/// "1 point", "3 points", "no points".
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 0 {
        return format!("no {many}");
    }
    format!("{} {}", number(n as f64), if n == 1 { one } else { many })
}

fn header(h: &mut Html, r: &SweepReport) {
    let n = r.points.rows.len();
    h.push(html!(
        "<header class=\"top\"><div class=\"wrap\">\n<h1>Canopy sweep report</h1>\n\
         <p>Sweep <b>{}</b>: one scenario run many times, over {} with {} and {}.</p>\n<div class=\"meta\">",
        Html::text(&r.title),
        Html::text(&count(n, "point", "points")),
        Html::text(&count(r.axes.len(), "axis", "axes")),
        Html::text(&count(r.samples.len(), "sampled parameter", "sampled parameters"))
    ));
    for what in ["scenario", "mode", "runs per point", "seed"] {
        if let Some(v) = setting(r, what) {
            h.push(html!(
                "<span>{} <b>{}</b></span>",
                Html::text(&sentence_case(what)),
                Html::text(v)
            ));
        }
    }
    h.push(html!(
        "<span>Runs not ok <b>{}</b></span></div>\n</div></header>\n",
        Html::text(&number(r.failures.total as f64))
    ));
}

fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn sweep(h: &mut Html, r: &SweepReport) {
    h.push_raw("<section id=\"sweep\">\n<h2>Sweep</h2>\n<p class=\"lead\">What was run: the settings (every default filled in, as <code>sweep.toml</code> records them), the axes whose values make the points, and the parameters drawn at random for each run.</p>\n<div class=\"cards\">\n");
    h.push_raw("<div class=\"card\"><h3>Settings</h3><table class=\"kv wrap\">");
    if r.settings.is_empty() {
        h.push_raw("<tr><td>none</td><td></td></tr>");
    }
    for (k, v) in &r.settings {
        h.push(html!(
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            Html::text(k),
            Html::text(v)
        ));
    }
    h.push_raw("</table></div>\n<div>\n<div class=\"card\"><h3>Axes</h3>");
    if r.axes.is_empty() {
        h.push_raw("<p class=\"dim\">No axes: the sweep has one point.</p>");
    } else {
        h.push_raw("<table><thead><tr><th>Key</th><th>Values</th><th class=\"num\">Count</th></tr></thead><tbody>");
        for a in &r.axes {
            let mut values = a
                .values
                .iter()
                .take(12)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if a.values.len() > 12 {
                values.push_str(", …");
            }
            h.push(html!(
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td></tr>",
                Html::text(&a.key),
                Html::text(&values),
                a.values.len()
            ));
        }
        h.push_raw("</tbody></table>");
    }
    h.push_raw("</div>\n<div class=\"card\"><h3>Samples</h3>");
    if r.samples.is_empty() {
        h.push_raw("<p class=\"dim\">No parameter is sampled.</p>");
    } else {
        h.push_raw("<table><thead><tr><th>Key</th><th>Distribution</th></tr></thead><tbody>");
        for s in &r.samples {
            h.push(html!(
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                Html::text(&s.key),
                Html::text(&s.distribution)
            ));
        }
        h.push_raw("</tbody></table>");
    }
    h.push_raw("</div>\n</div>\n</div>\n</section>\n");
}

/// A cell of a table of text: a number rounded for reading, right-aligned;
/// other text as it is; an empty cell a dash.
pub(super) fn cell(text: &str) -> Html {
    let t = text.trim();
    if t.is_empty() {
        return Html::raw("<td class=\"num\"><span class=\"dim\">—</span></td>");
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => html!("<td class=\"num\">{}</td>", Html::text(&number(v))),
        _ => html!("<td class=\"text\">{}</td>", Html::text(text)),
    }
}

/// A table of text in a scrolling box.
pub(super) fn table(h: &mut Html, t: &TextTable, numbers: bool) {
    h.push_raw("<div class=\"scroll\"><table>\n<thead><tr>");
    for c in &t.header {
        h.push(html!("<th>{}</th>", Html::text(c)));
    }
    h.push_raw("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        h.push_raw("<tr>");
        for c in row {
            if numbers {
                h.push(cell(c));
            } else {
                h.push(html!("<td class=\"text\">{}</td>", Html::text(c)));
            }
        }
        h.push_raw("</tr>\n");
    }
    h.push_raw("</tbody></table></div>\n");
}

fn points(h: &mut Html, t: &TextTable) {
    h.push_raw("<section id=\"points\">\n<h2>Points</h2>\n<p class=\"lead\">One row per point: its axis values, its runs and how many were not ok, then the mean and quantiles of the main metrics over its ok runs. Rounded for reading; <code>points.csv</code> holds full precision.</p>\n");
    if t.rows.is_empty() {
        h.push_raw("<p class=\"dim\">No points.</p>\n</section>\n");
        return;
    }
    table(h, t, true);
    h.push_raw("</section>\n");
}

pub(super) fn figure(h: &mut Html, c: &Drawn, svgs: &HashMap<&str, &str>) {
    let body = svgs
        .get(c.stem.as_str())
        .map_or_else(Html::new, |svg| inline_svg(svg, &c.title));
    h.push(html!(
        "<figure id=\"chart-{}\">\n{}\n<figcaption><b>{}.</b> {} <span class=\"dim\">(<code>{}/{}.png</code>, <code>.svg</code>)</span></figcaption>\n</figure>\n",
        Html::text(&c.stem),
        &body,
        Html::text(&c.title),
        Html::text(&c.caption),
        Html::text(CHARTS_DIR),
        Html::text(&c.stem)
    ));
}

fn fans(h: &mut Html, r: &SweepReport, plan: &Plan, svgs: &HashMap<&str, &str>) {
    h.push_raw("<section id=\"fans\">\n<h2>Month by month</h2>\n");
    if r.fans.is_empty() && r.sensitivity.is_some() {
        h.push_raw("<p class=\"lead\">A sensitivity sweep's rows are the points of a design, so it draws no fans and writes no bands: the Sensitivity section shows each factor's index month by month, and <code>months.parquet</code> holds every row's values.</p>\n</section>\n");
        return;
    }
    if r.fans.is_empty() {
        h.push_raw("<p class=\"lead\">No metric was kept month by month (<code>keep_months = []</code>), so there are no fan charts.</p>\n</section>\n");
        return;
    }
    h.push_raw("<p class=\"lead\">For each metric kept month by month: the median of every point on one chart, then each point's fan: its median with the 25–75 % and 5–95 % bands over its runs. <code>bands.csv</code> holds every point's figures.</p>\n");
    for (m, g) in r.fans.iter().zip(&plan.fans) {
        h.push(html!(
            "<h3 class=\"metric\"><code>{}</code></h3>\n<p class=\"note\">{}</p>\n",
            Html::text(&m.metric),
            Html::text(&m.label)
        ));
        figure(h, &g.medians, svgs);
        let n = m.points.len();
        if n > MAX_MEDIANS {
            h.push(html!(
                "<p class=\"note\">The medians chart draws the first {} of the {} points.</p>\n",
                MAX_MEDIANS,
                n
            ));
        }
        if n > MAX_FANS {
            h.push(html!(
                "<p class=\"note\">Fan charts are drawn for the first {} of the {} points only; <code>bands.csv</code> has them all.</p>\n",
                MAX_FANS,
                n
            ));
        }
        h.push_raw("<div class=\"fans\">\n");
        for c in &g.fans {
            figure(h, c, svgs);
        }
        h.push_raw("</div>\n");
    }
    h.push_raw("</section>\n");
}

fn axes(h: &mut Html, r: &SweepReport, plan: &Plan, svgs: &HashMap<&str, &str>) {
    h.push_raw("<section id=\"axes\">\n<h2>Axes</h2>\n");
    if r.responses.is_empty() {
        h.push_raw("<p class=\"lead\">The sweep has no axes.</p>\n</section>\n");
        return;
    }
    h.push_raw("<p class=\"lead\">How the main metrics in the last month respond to each axis: at each of its values, the median and the 5–95 % range over the ok runs there (in a grid, over every point with that value).</p>\n");
    for c in &plan.responses {
        figure(h, c, svgs);
    }
    h.push_raw("</section>\n");
}

fn samples(h: &mut Html, r: &SweepReport, plan: &Plan, svgs: &HashMap<&str, &str>) {
    h.push_raw("<section id=\"samples\">\n<h2>Samples</h2>\n");
    if r.scatters.is_empty() {
        h.push_raw("<p class=\"lead\">No parameter is sampled.</p>\n</section>\n");
        return;
    }
    h.push_raw("<p class=\"lead\">Each main metric in the last month against each sampled value, with Spearman's rank correlation ρ over all the sweep's ok runs: near 1 or -1, the metric rises or falls with the value; near 0, no steady relation.</p>\n");
    for (s, c) in r.scatters.iter().zip(&plan.scatters) {
        figure(h, c, svgs);
        h.push(html!(
            "<div class=\"wide\"><table><thead><tr><th>Metric</th><th class=\"num\">Spearman ρ with <code>{}</code></th></tr></thead><tbody>",
            Html::text(&s.key)
        ));
        for m in &s.metrics {
            let rho = m.spearman.map_or_else(
                || Html::raw("<span class=\"dim\">undefined</span>"),
                |v| Html::text(&correlation(v)),
            );
            h.push(html!(
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
                Html::text(&m.metric),
                rho
            ));
        }
        h.push_raw("</tbody></table></div>\n<p></p>\n");
    }
    h.push_raw("</section>\n");
}

/// A median for a table; a dash when undefined.
fn maybe(v: Option<f64>) -> Html {
    v.map_or_else(
        || Html::raw("<span class=\"dim\">—</span>"),
        |v| Html::text(&number(v)),
    )
}

fn tornado(h: &mut Html, r: &SweepReport, plan: &Plan, svgs: &HashMap<&str, &str>) {
    let Some(t) = &r.tornado else { return };
    h.push_raw("<section id=\"tornado\">\n<h2>Tornado</h2>\n<p class=\"lead\">One axis at a time: the median of each main metric in the last month at each axis's lowest and highest value, every other axis as in point 0, against point 0's median. The axes that move the metric most are at the top.</p>\n");
    if t.metrics.is_empty() {
        h.push_raw("<p class=\"dim\">No metric to show.</p>\n");
    }
    for (m, c) in t.metrics.iter().zip(&plan.tornado) {
        figure(h, c, svgs);
        h.push(html!(
            "<div class=\"wide\"><table><thead><tr><th>Axis</th><th class=\"num\">Lowest value</th><th class=\"num\">Median there</th>\
             <th class=\"num\">Highest value</th><th class=\"num\">Median there</th><th class=\"num\">Point 0</th></tr></thead><tbody>"
        ));
        for b in figures::sorted_bars(m) {
            h.push(html!(
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                Html::text(&b.key),
                Html::text(&b.low_value),
                maybe(b.low),
                Html::text(&b.high_value),
                maybe(b.high),
                maybe(m.base)
            ));
        }
        h.push_raw("</tbody></table></div>\n<p></p>\n");
    }
    h.push_raw("</section>\n");
}

/// A probability as a percentage for reading: `3.1 %`.
fn percent(p: Option<f64>) -> String {
    p.map_or_else(String::new, |p| format!("{} %", number(p * 100.0)))
}

fn criteria(h: &mut Html, r: &SweepReport, plan: &Plan, svgs: &HashMap<&str, &str>) {
    if r.criteria.is_empty() {
        return;
    }
    let level = number(r.criteria[0].confidence * 100.0);
    h.push(html!(
        "<section id=\"criteria\">\n<h2>Criteria</h2>\n<p class=\"lead\">How often each criterion was met: the share of a point's ok runs that met it, and the exact two-sided {} % interval of that probability (Clopper-Pearson). An interval that is wide for a decision needs more runs; failed and invalid runs are not counted.</p>\n",
        Html::text(&level)
    ));
    for (c, drawn) in r.criteria.iter().zip(&plan.criteria) {
        h.push(html!(
            "<h3><code>{}</code>: {}</h3>\n",
            Html::text(&c.name),
            Html::text(&c.condition)
        ));
        let t = TextTable {
            header: ["point", "runs met", "ok runs", "probability", "low", "high"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows: c
                .points
                .iter()
                .map(|(label, ch)| {
                    vec![
                        label.clone(),
                        ch.k.to_string(),
                        ch.n.to_string(),
                        percent(ch.p),
                        percent(ch.lo),
                        percent(ch.hi),
                    ]
                })
                .collect(),
        };
        table(h, &t, false);
        if let Some(d) = drawn {
            figure(h, d, svgs);
        }
    }
    h.push_raw("</section>\n");
}

fn failures(h: &mut Html, r: &SweepReport) {
    let f = &r.failures;
    h.push_raw("<section id=\"failures\">\n<h2>Failures</h2>\n");
    if f.total == 0 && f.rows.is_empty() {
        h.push_raw("<p class=\"lead\">Every run was ok.</p>\n</section>\n");
        return;
    }
    let shown = f.rows.len() as u64;
    if shown < f.total {
        h.push(html!(
            "<p class=\"lead\">{} runs were not ok; the first {} are shown. <code>failures.csv</code> lists them all.</p>\n",
            Html::text(&number(f.total as f64)),
            Html::text(&number(shown as f64))
        ));
    } else {
        h.push(html!(
            "<p class=\"lead\">{} not ok: failed (a number that was not finite) or invalid (a sampled value the scenario does not allow). <code>failures.csv</code> lists the same.</p>\n",
            Html::text(&count(f.total.max(shown) as usize, "run was", "runs were"))
        ));
    }
    table(
        h,
        &TextTable {
            header: f.header.clone(),
            rows: f.rows.clone(),
        },
        false,
    );
    h.push_raw("</section>\n");
}

fn files(h: &mut Html) {
    h.push_raw("<section id=\"files\">\n<h2>Files</h2>\n<div class=\"card\"><p>The sweep's folder holds, besides this page:</p><ul>\
        <li><code>runs.parquet</code>: one row per run: its point, seed, axis and sampled values, status, and last-month values and extremes.</li>\
        <li><code>months.parquet</code>: the kept metrics for every run and month.</li>\
        <li><code>bands.csv</code> and <code>bands.parquet</code>: per point, month and kept metric, the count, mean and quantiles over the runs.</li>\
        <li><code>points.csv</code>: the points table above, at full precision.</li>\
        <li><code>failures.csv</code>: every run that was not ok.</li>\
        <li><code>sweep.toml</code>: the sweep as run, every default filled in.</li>\
        <li><code>charts/</code>: each chart of this page as <code>.png</code> and <code>.svg</code>.</li></ul>\
        <p>Any run can be repeated alone with <code>canopy run</code>, its seed and its values from <code>runs.parquet</code>.</p></div>\n</section>\n");
}
