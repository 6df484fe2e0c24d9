//! The report's Sensitivity section: per main metric, its factors ranked
//! by ST (or mu_star) as bars with their intervals; per kept metric, each
//! factor's index month by month; and how to read them.

use super::{FactorRanking, FactorSeries, Sensitivity, number};
use crate::palette;
use crate::report::markup::{Html, html};

/// Width and height of the bars' scale and of the charts over months.
const BAR_W: f64 = 260.0;
const CHART_W: f64 = 640.0;
const CHART_H: f64 = 220.0;

/// The section.
pub(super) fn section(h: &mut Html, s: &Sensitivity) {
    h.push_raw("<section id=\"sensitivity\">\n<h2>Sensitivity</h2>\n");
    let sobol = s.method == "sobol";
    h.push(html!(
        "<p class=\"lead\">Which factors matter: {} over {} with {} bootstrap resamples; intervals at {} confidence. <code>sensitivity.csv</code> holds every index of every metric and month.</p>\n",
        Html::text(if sobol {
            "Sobol indices (SALib's estimators)"
        } else {
            "Morris elementary effects (SALib's estimators)"
        }),
        Html::text(&if sobol {
            format!("{} base samples", s.samples)
        } else {
            format!("{} trajectories", s.samples)
        }),
        Html::text(&s.resamples),
        Html::text(&s.confidence)
    ));
    if sobol {
        h.push_raw("<p class=\"note\"><b>Reading S1 against ST.</b> S1 is the share of the metric's variance that a factor causes alone; ST adds every interaction it takes part in. ST well above S1 means the factor matters through interactions (its effect depends on other factors); S1 summing to well below 1 says the same of the model as a whole. A factor whose ST is near 0 can be fixed anywhere in its range without changing the metric.</p>\n");
    } else {
        h.push_raw("<p class=\"note\"><b>Reading mu_star and sigma.</b> mu_star is the mean size of a factor's elementary effects (how much the metric moves when the factor alone steps across its range): it ranks factors. sigma, their spread, is large when the effect depends on where the other factors are (interactions or curvature). Morris screens: it ranks, it does not share out variance.</p>\n");
    }
    h.push_raw("<p class=\"note\"><b>When intervals are too wide to rank.</b> Two factors whose intervals overlap (marked ≈) are not told apart by this many samples: their order may be luck. Intervals narrow as 1/√samples; four times the samples halves them. A factor whose interval reaches 0 may not matter at all.</p>\n");
    for r in &s.rankings {
        ranking(h, s, r);
    }
    if !s.series.is_empty() {
        h.push(html!(
            "<h3 class=\"metric\">Over the months</h3>\n<p class=\"note\">Each factor's {} of the metrics kept month by month: which factors drive the early months and which the later ones.</p>\n",
            Html::text(&s.index)
        ));
        for (i, sr) in s.series.iter().enumerate() {
            series(h, s, sr, i);
        }
    }
    h.push_raw("</section>\n");
}

/// One metric's factors as bars, most important first.
fn ranking(h: &mut Html, s: &Sensitivity, r: &FactorRanking) {
    h.push(html!(
        "<h3 class=\"metric\"><code>{}</code> at the last month</h3>\n",
        Html::text(&r.metric)
    ));
    let top =
        r.hi.iter()
            .chain(&r.value)
            .copied()
            .filter(|x| x.is_finite())
            .fold(0.0f64, f64::max);
    let scale = if top > 0.0 { BAR_W / top } else { 0.0 };
    let x = |v: f64| (v.max(0.0) * scale).min(BAR_W);
    h.push(html!(
        "<table class=\"wide\"><tr><th>rank</th><th>factor</th><th>{} (bar) and interval</th><th>{}</th><th>interval</th><th>{}</th></tr>\n",
        Html::text(&s.index),
        Html::text(&s.index),
        Html::text(&s.second)
    ));
    for i in 0..r.factors.len() {
        // Overlapping the next factor's interval: not told apart.
        let tied = i + 1 < r.factors.len() && r.lo[i] <= r.hi[i + 1];
        let bar = html!(
            "<svg width=\"{}\" height=\"14\" role=\"img\" aria-label=\"{}\"><rect x=\"0\" y=\"2\" width=\"{}\" height=\"10\" fill=\"#2775CA\" opacity=\"0.75\"/><line x1=\"{}\" y1=\"7\" x2=\"{}\" y2=\"7\" stroke=\"#1F1F24\" stroke-width=\"1.5\"/><line x1=\"{}\" y1=\"3\" x2=\"{}\" y2=\"11\" stroke=\"#1F1F24\"/><line x1=\"{}\" y1=\"3\" x2=\"{}\" y2=\"11\" stroke=\"#1F1F24\"/></svg>",
            BAR_W as u32 + 2,
            Html::text(&format!("{} {}", s.index, number(r.value[i]))),
            Html::text(&px(x(r.value[i]))),
            Html::text(&px(x(r.lo[i]))),
            Html::text(&px(x(r.hi[i]))),
            Html::text(&px(x(r.lo[i]))),
            Html::text(&px(x(r.lo[i]))),
            Html::text(&px(x(r.hi[i]))),
            Html::text(&px(x(r.hi[i])))
        );
        h.push(html!(
            "<tr><td>{}{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{} to {}</td><td>{}</td></tr>\n",
            i + 1,
            Html::text(if tied { " ≈" } else { "" }),
            Html::text(&r.factors[i]),
            &bar,
            Html::text(&number(r.value[i])),
            Html::text(&number(r.lo[i])),
            Html::text(&number(r.hi[i])),
            Html::text(&number(r.second[i]))
        ));
    }
    h.push_raw("</table>\n");
}

fn px(x: f64) -> String {
    format!("{x:.1}")
}

/// One kept metric's index of each factor by month, as lines.
fn series(h: &mut Html, s: &Sensitivity, sr: &FactorSeries, i: usize) {
    let last = sr.months.last().copied().unwrap_or(1).max(2) as f64;
    let first = sr.months.first().copied().unwrap_or(1) as f64;
    let top = sr
        .factors
        .iter()
        .flat_map(|(_, v)| v.iter().flatten())
        .copied()
        .filter(|x| x.is_finite())
        .fold(0.0f64, f64::max);
    let top = if top > 0.0 { top } else { 1.0 };
    let (left, bottom) = (48.0, 24.0);
    let x =
        |m: u32| left + (f64::from(m) - first) / (last - first).max(1.0) * (CHART_W - left - 8.0);
    let y = |v: f64| 8.0 + (1.0 - v.max(0.0) / top) * (CHART_H - bottom - 8.0);
    let mut svg = html!(
        "<svg viewBox=\"0 0 {} {}\" width=\"100%\" role=\"img\" aria-label=\"{}\"><rect x=\"{}\" y=\"8\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#d0d4da\"/><text x=\"4\" y=\"14\" font-size=\"11\">{}</text><text x=\"4\" y=\"{}\" font-size=\"11\">0</text><text x=\"{}\" y=\"{}\" font-size=\"11\">month {}</text><text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">month {}</text>",
        CHART_W as u32,
        CHART_H as u32,
        Html::text(&format!(
            "{} of each factor by month: {}",
            s.index, sr.metric
        )),
        left,
        CHART_W - left - 8.0,
        CHART_H - bottom - 8.0,
        Html::text(&number(top)),
        CHART_H - bottom,
        left,
        CHART_H - 6.0,
        first as u32,
        CHART_W - 8.0,
        CHART_H - 6.0,
        last as u32
    );
    // The factors with the largest index at any month, each in a colour
    // of its own; sensitivity.csv has the others.
    let peak = |v: &[Option<f64>]| {
        v.iter()
            .flatten()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let mut order: Vec<usize> = (0..sr.factors.len()).collect();
    order.sort_by(|&a, &b| peak(&sr.factors[b].1).total_cmp(&peak(&sr.factors[a].1)));
    order.truncate(palette::POINTS.len());
    let mut legend = Html::new();
    for (j, (key, values)) in order.iter().map(|&k| &sr.factors[k]).enumerate() {
        let c = palette::POINTS[j];
        let color = format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
        let points: Vec<String> = sr
            .months
            .iter()
            .zip(values)
            .filter_map(|(m, v)| Some(format!("{:.1},{:.1}", x(*m), y((*v)?))))
            .collect();
        svg.push(html!(
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\" points=\"{}\"/>",
            Html::text(&color),
            Html::text(&points.join(" "))
        ));
        legend.push(html!(
            "<span style=\"color:{}\">&#9632;</span> <code>{}</code> ",
            Html::text(&color),
            Html::text(key)
        ));
    }
    svg.push_raw("</svg>");
    if sr.factors.len() > order.len() {
        legend.push(html!(
            "(the {} factors with the largest {} at any month of {}; <code>sensitivity.csv</code> has them all)",
            order.len(),
            Html::text(&s.index),
            sr.factors.len()
        ));
    }
    h.push(html!(
        "<figure id=\"sensitivity-months-{}\">\n{}\n<figcaption><b>{}</b>: each factor's {} by month. {}</figcaption>\n</figure>\n",
        i,
        &svg,
        Html::text(&sr.metric),
        Html::text(&s.index),
        &legend
    ));
}
