//! The reports of the decision commands: `canopy compare` (is B better
//! than A, run for run?) and `canopy seek` (how far can a key go while a
//! criterion stays rare?). Like the sweep's, each is one self-contained page
//! with its charts as SVG and PNG under `charts/`; the runner computes
//! every number and hands them over as plain values.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use super::figures::{
    Drawn, Stems, columns_for, entry, grid_height, months, named, over_white, short, value,
};
use super::page::{SWEEP_STYLE, figure, table};
use super::{TextTable, place};
use crate::charts::figure::{Figure, Layer, Mark, Plot, Scale, ScaleKind};
use crate::palette;
use crate::report::markup::{Html, html};
use crate::report::{STYLE, inline_svg};

/// Everything a comparison's report shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CompareReport {
    /// The comparison in words (`compare default guarded`).
    pub title: String,
    /// The canopy version.
    pub version: String,
    /// A's name.
    pub a: String,
    /// B's name.
    pub b: String,
    /// The settings, as (what, value).
    pub settings: Vec<(String, String)>,
    /// `changes.csv`.
    pub changes: TextTable,
    /// The paired summary: per metric, medians, the mean difference with
    /// its interval, the share of pairs where B is greater.
    pub summary: TextTable,
    /// Each kept metric month by month.
    pub monthly: Vec<MonthlyPair>,
    /// `criteria.csv`, for reading.
    pub criteria: TextTable,
    /// `crossing.csv`.
    pub crossings: TextTable,
    /// With one run and no randomness: the exact differences month by
    /// month, one column per kept metric.
    pub exact: Option<TextTable>,
}

/// One kept metric of a comparison, month by month.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MonthlyPair {
    /// The metric.
    pub metric: String,
    /// Its description.
    pub label: String,
    /// The months.
    pub months: Vec<u32>,
    /// A's median per month.
    pub a_p50: Vec<Option<f64>>,
    /// B's median per month.
    pub b_p50: Vec<Option<f64>>,
    /// The 5 % quantile of B - A per month.
    pub diff_p5: Vec<Option<f64>>,
    /// The median of B - A.
    pub diff_p50: Vec<Option<f64>>,
    /// The 95 % quantile of B - A.
    pub diff_p95: Vec<Option<f64>>,
}

/// One evaluated value of a seek.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SeekPoint {
    /// The key's value.
    pub value: f64,
    /// The criterion's share of ok runs.
    pub p: Option<f64>,
    /// Its one-sided upper bound.
    pub hi: f64,
    /// Whether it is safe.
    pub safe: bool,
}

/// Everything a seek's report shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeekReport {
    /// The seek file's name.
    pub title: String,
    /// The canopy version.
    pub version: String,
    /// The key sought.
    pub key: String,
    /// The answer in one line, as printed.
    pub answer_line: String,
    /// The answer, if there is one.
    pub answer: Option<f64>,
    /// The largest safe probability.
    pub max_probability: f64,
    /// The settings, as (what, value).
    pub settings: Vec<(String, String)>,
    /// Every evaluated value, by value.
    pub points: Vec<SeekPoint>,
    /// `seek.csv`, for reading.
    pub table: TextTable,
    /// Whether safety changed at most once over the scan.
    pub monotone: bool,
    /// The safe intervals found, in words.
    pub safe_intervals: Vec<String>,
}

fn head(h: &mut Html, title: &str) {
    h.push(html!(
        "<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n\
         <meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>{}</title>\n<style>{}{}</style>\n</head>\n<body>\n",
        Html::text(title),
        Html::raw(STYLE),
        Html::raw(SWEEP_STYLE)
    ));
}

fn toc(h: &mut Html, items: &[(&str, &str)]) {
    h.push_raw("<nav class=\"toc\"><div class=\"wrap\">");
    for (id, name) in items {
        h.push(html!(
            "<a href=\"#{}\">{}</a>",
            Html::text(id),
            Html::text(name)
        ));
    }
    h.push_raw("</div></nav>\n<main class=\"wrap\">\n");
}

fn settings(h: &mut Html, settings: &[(String, String)]) {
    let t = TextTable {
        header: vec!["setting".into(), "value".into()],
        rows: settings
            .iter()
            .map(|(k, v)| vec![k.clone(), v.clone()])
            .collect(),
    };
    table(h, &t, false);
}

fn foot(h: &mut Html, version: &str, what: &str) {
    h.push(html!(
        "</main>\n<footer class=\"wrap\">Written by canopy {} for {}. \
         All figures are simulated; they are not forecasts.</footer>\n</body>\n</html>\n",
        Html::text(version),
        Html::text(what)
    ));
}

fn section_table(h: &mut Html, t: &TextTable, empty: &str) {
    if t.rows.is_empty() {
        h.push(html!("<p class=\"dim\">{}</p>\n", Html::text(empty)));
    } else {
        table(h, t, true);
    }
}

fn as_x(months: &[u32]) -> Vec<f64> {
    months.iter().map(|m| f64::from(*m)).collect()
}

/// A kept metric's figure: both medians, and the fan of B - A.
fn monthly_figure(r: &CompareReport, m: &MonthlyPair, stems: &mut Stems) -> Drawn {
    let x = as_x(&m.months);
    let (ca, cb) = (palette::POINTS[0], palette::POINTS[1]);
    let dots = m.months.len() <= 24;
    let diff = palette::TVL[0];
    let medians = Plot {
        title: "medians".into(),
        x: months(),
        y: value(&m.metric),
        layers: vec![
            Layer::Line {
                x: x.clone(),
                y: m.a_p50.clone(),
                color: ca,
                width: 4,
                dots,
            },
            Layer::Line {
                x: x.clone(),
                y: m.b_p50.clone(),
                color: cb,
                width: 4,
                dots,
            },
        ],
    };
    let fan = Plot {
        title: "B − A".into(),
        x: months(),
        y: value("B − A"),
        layers: vec![
            Layer::Band {
                x: x.clone(),
                low: m.diff_p5.clone(),
                high: m.diff_p95.clone(),
                color: diff,
                opacity: 0.22,
            },
            Layer::Line {
                x: x.clone(),
                y: x.iter().map(|_| Some(0.0)).collect(),
                color: palette::COUNT,
                width: 2,
                dots: false,
            },
            Layer::Line {
                x,
                y: m.diff_p50.clone(),
                color: diff,
                width: 4,
                dots,
            },
        ],
    };
    let title = format!("{}: A against B", m.metric);
    Drawn {
        stem: stems.make(named("compare", &m.metric)),
        title: title.clone(),
        caption: format!(
            "{} Left: the median of A ({}) and of B ({}) month by month. Right: the paired difference B − A, run r of B against run r of A (the same seed): its median and 5–95 % band.",
            m.label.trim(),
            r.a,
            r.b
        ),
        figure: Figure {
            title: short(&title, 56),
            subtitle: "Median of each side; paired difference B − A, median and 5–95 %".into(),
            legend: vec![
                entry(&short(&format!("A: {}", r.a), 40), ca, Mark::Line),
                entry(&short(&format!("B: {}", r.b), 40), cb, Mark::Line),
                entry("B − A, median", diff, Mark::Line),
                entry("B − A, 5–95 %", over_white(diff, 0.3), Mark::Block),
            ],
            height: grid_height(2, 2),
            columns: 2,
            plots: vec![medians, fan],
        },
    }
}

/// Writes a comparison's `report.html` and its charts into `dir`.
pub fn write_compare(dir: &Path, r: &CompareReport) -> io::Result<Vec<String>> {
    let mut stems = Stems::default();
    let charts: Vec<Drawn> = r
        .monthly
        .iter()
        .map(|m| monthly_figure(r, m, &mut stems))
        .collect();
    let all: Vec<&Drawn> = charts.iter().collect();
    place(dir, &all, |svgs| compare_page(r, &charts, svgs))
}

fn compare_page(r: &CompareReport, charts: &[Drawn], svgs: &HashMap<&str, &str>) -> String {
    let mut h = Html::new();
    head(&mut h, &format!("Canopy comparison: {}", r.title));
    h.push(html!(
        "<header class=\"top\"><div class=\"wrap\">\n<h1>Canopy comparison</h1>\n\
         <p>A <b>{}</b> against B <b>{}</b>, run for run: run r of each uses the same seed, so every difference is paired.</p>\n</div></header>\n",
        Html::text(&r.a),
        Html::text(&r.b)
    ));
    toc(
        &mut h,
        &[
            ("settings", "Settings"),
            ("changes", "What changed"),
            ("summary", "Summary"),
            ("months", "Month by month"),
            ("criteria", "Criteria"),
            ("crossings", "Crossings"),
        ],
    );
    h.push_raw("<section id=\"settings\">\n<h2>Settings</h2>\n");
    settings(&mut h, &r.settings);
    h.push_raw("</section>\n<section id=\"changes\">\n<h2>What changed</h2>\n<p class=\"lead\">Every key whose value differs between A and B, each with every default filled in and its overrides applied; deals are matched by id.</p>\n");
    let changes = TextTable {
        header: r.changes.header.clone(),
        rows: r.changes.rows.clone(),
    };
    if changes.rows.is_empty() {
        h.push_raw(
            "<p class=\"dim\">A and B are the same scenario: every difference below is zero.</p>\n",
        );
    } else {
        table(&mut h, &changes, false);
    }
    h.push_raw("</section>\n<section id=\"summary\">\n<h2>Summary</h2>\n<p class=\"lead\">Each metric in the last month (and the lowest value over the run for the <code>min_</code> metrics): the median of each side over its ok runs, the mean of the paired differences B − A with its Student t interval, and the share of pairs where B is greater. An interval that holds zero does not tell the two apart; more runs narrow it.</p>\n");
    section_table(&mut h, &r.summary, "No pair of ok runs.");
    h.push_raw("</section>\n<section id=\"months\">\n<h2>Month by month</h2>\n");
    if let Some(exact) = &r.exact {
        h.push_raw("<p class=\"lead\">One run of each and no randomness: the differences B − A below are exact, month by month.</p>\n");
        table(&mut h, exact, true);
    }
    for c in charts {
        figure(&mut h, c, svgs);
    }
    if charts.is_empty() {
        h.push_raw("<p class=\"dim\">No metric is kept month by month.</p>\n");
    }
    h.push_raw("</section>\n<section id=\"criteria\">\n<h2>Criteria</h2>\n<p class=\"lead\">How often each side met each criterion, with its exact interval (Clopper-Pearson), the pairs where only one side met it, and McNemar's exact test of those discordant pairs: a small p-value says the difference between A and B is unlikely to be chance.</p>\n");
    section_table(
        &mut h,
        &r.criteria,
        "No criteria were given (--criterion TEXT).",
    );
    h.push_raw("</section>\n<section id=\"crossings\">\n<h2>Crossings</h2>\n<p class=\"lead\">The months where the median difference of a kept metric changes sign: where B, ahead until then, falls behind A, or the other way round.</p>\n");
    section_table(&mut h, &r.crossings, "No median difference changes sign.");
    h.push_raw("</section>\n");
    foot(&mut h, &r.version, &r.title);
    h.into_string()
}

/// The seek's figure: the probability against the value, its upper
/// bounds, the threshold and the answer.
fn seek_figure(r: &SeekReport) -> Drawn {
    let mut points = r.points.clone();
    points.sort_by(|a, b| a.value.total_cmp(&b.value));
    let x: Vec<f64> = points.iter().map(|p| p.value).collect();
    let (lo, hi) = (
        x.first().copied().unwrap_or(0.0),
        x.last().copied().unwrap_or(1.0),
    );
    let (safe, unsafe_) = (palette::POINTS[0], palette::POINTS[1]);
    let ink = palette::TOTAL;
    let mut layers = vec![
        Layer::Whiskers {
            x: x.clone(),
            low: points.iter().map(|p| p.p).collect(),
            high: points.iter().map(|p| Some(p.hi)).collect(),
            color: over_white(ink, 0.45),
        },
        Layer::Line {
            x: vec![lo, hi],
            y: vec![Some(r.max_probability); 2],
            color: palette::CUMULATIVE,
            width: 3,
            dots: false,
        },
    ];
    for (color, want) in [(safe, true), (unsafe_, false)] {
        layers.push(Layer::Points {
            x: x.clone(),
            y: points
                .iter()
                .map(|p| if p.safe == want { p.p } else { None })
                .collect(),
            color,
            radius: 9,
            opacity: 1.0,
        });
    }
    if let Some(a) = r.answer {
        let top = points
            .iter()
            .map(|p| p.hi)
            .fold(r.max_probability, f64::max);
        layers.push(Layer::Line {
            x: vec![a, a],
            y: vec![Some(0.0), Some(top)],
            color: ink,
            width: 3,
            dots: false,
        });
    }
    let title = format!("P against {}", r.key);
    Drawn {
        stem: "seek".into(),
        title: title.clone(),
        caption: format!(
            "At each value of {} evaluated: the share of ok runs that met the criterion (a dot, green when safe), the one-sided upper bound of its probability (the end of the whisker), the largest safe probability (the red line) and the answer (the black line).",
            r.key
        ),
        figure: Figure {
            title: short(&title, 56),
            subtitle: "Share of runs meeting the criterion, its upper bound, the threshold".into(),
            legend: vec![
                entry("safe", safe, Mark::Dot),
                entry("not safe", unsafe_, Mark::Dot),
                entry("upper bound", over_white(ink, 0.45), Mark::Line),
                entry("threshold", palette::CUMULATIVE, Mark::Line),
                entry("answer", ink, Mark::Line),
            ],
            height: grid_height(1, 1),
            columns: columns_for(1),
            plots: vec![Plot {
                title: String::new(),
                x: Scale {
                    label: short(&r.key, 48),
                    kind: ScaleKind::Value { from_zero: false },
                },
                y: value("probability"),
                layers,
            }],
        },
    }
}

/// Writes a seek's `report.html` and its chart into `dir`.
pub fn write_seek(dir: &Path, r: &SeekReport) -> io::Result<Vec<String>> {
    let chart = seek_figure(r);
    place(dir, &[&chart], |svgs| seek_page(r, &chart, svgs))
}

fn seek_page(r: &SeekReport, chart: &Drawn, svgs: &HashMap<&str, &str>) -> String {
    let mut h = Html::new();
    head(&mut h, &format!("Canopy seek: {}", r.title));
    h.push(html!(
        "<header class=\"top\"><div class=\"wrap\">\n<h1>Canopy seek</h1>\n<p>{}</p>\n</div></header>\n",
        Html::text(&r.answer_line)
    ));
    toc(
        &mut h,
        &[
            ("answer", "Answer"),
            ("values", "Values"),
            ("settings", "Settings"),
        ],
    );
    h.push_raw("<section id=\"answer\">\n<h2>Answer</h2>\n");
    h.push(html!(
        "<p class=\"lead\">{}</p>\n",
        Html::text(&r.answer_line)
    ));
    if !r.monotone {
        h.push_raw("<p class=\"note\"><b>The probability is not monotone in the key:</b> safety changed more than once over the scan, so there is more than one safe interval. Each was bisected; the answer is the one the goal asks for.</p>\n");
    }
    if !r.safe_intervals.is_empty() {
        h.push_raw("<p>Safe intervals found:</p><ul>");
        for s in &r.safe_intervals {
            h.push(html!("<li>{}</li>", Html::text(s)));
        }
        h.push_raw("</ul>\n");
    }
    let body = svgs
        .get(chart.stem.as_str())
        .map_or_else(Html::new, |svg| inline_svg(svg, &chart.title));
    h.push(html!(
        "<figure id=\"chart-seek\">\n{}\n<figcaption><b>{}.</b> {}</figcaption>\n</figure>\n",
        &body,
        Html::text(&chart.title),
        Html::text(&chart.caption)
    ));
    h.push_raw("</section>\n<section id=\"values\">\n<h2>Values</h2>\n<p class=\"lead\">Every value evaluated, in the order evaluated: the scan first, then the bisections. A value is safe when the one-sided upper bound of its probability is at most the threshold.</p>\n");
    table(&mut h, &r.table, true);
    h.push_raw("</section>\n<section id=\"settings\">\n<h2>Settings</h2>\n");
    settings(&mut h, &r.settings);
    h.push_raw("</section>\n");
    foot(&mut h, &r.version, &r.title);
    h.into_string()
}
