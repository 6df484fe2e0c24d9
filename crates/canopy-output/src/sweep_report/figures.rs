//! Which charts a sweep's report draws, and what is on each: built from the
//! [`SweepReport`] as [`Figure`]s for the shared renderer.

use plotters::style::RGBColor;

use super::{
    AxisResponse, CriterionFindings, MetricFans, PointFan, SampleScatter, SweepReport,
    TornadoMetric, correlation, number, slug,
};
use crate::charts::figure::{Bar, Figure, Layer, LegendEntry, Mark, Plot, Scale, ScaleKind};
use crate::palette;

/// Fan charts are drawn for at most this many points of each kept metric.
pub(super) const MAX_FANS: usize = 12;
/// The medians chart draws at most this many points.
pub(super) const MAX_MEDIANS: usize = 60;
/// A scatter draws at most this many runs (evenly spread over those given).
pub(super) const MAX_DOTS: usize = 3000;

/// Opacity of the 5-95 band; the 25-75 band is drawn over it.
const OUTER: f64 = 0.18;
const INNER: f64 = 0.38;

/// One chart: its file stem, its title and caption on the page, and the
/// figure to draw.
pub(super) struct Drawn {
    pub stem: String,
    pub title: String,
    pub caption: String,
    pub figure: Figure,
}

/// A kept metric's charts: the points' medians together, then a fan per point.
pub(super) struct FanGroup {
    pub medians: Drawn,
    pub fans: Vec<Drawn>,
}

/// Every chart of the report, by section.
pub(super) struct Plan {
    /// Aligned with [`SweepReport::fans`].
    pub fans: Vec<FanGroup>,
    /// Aligned with [`SweepReport::responses`].
    pub responses: Vec<Drawn>,
    /// Aligned with [`SweepReport::scatters`].
    pub scatters: Vec<Drawn>,
    /// Aligned with the tornado's metrics.
    pub tornado: Vec<Drawn>,
    /// Aligned with [`SweepReport::criteria`]; `None` for a sweep with no
    /// axes.
    pub criteria: Vec<Option<Drawn>>,
}

impl Plan {
    /// Every chart, in page order.
    pub fn all(&self) -> Vec<&Drawn> {
        let mut out = Vec::new();
        for g in &self.fans {
            out.push(&g.medians);
            out.extend(&g.fans);
        }
        out.extend(&self.responses);
        out.extend(&self.scatters);
        out.extend(&self.tornado);
        out.extend(self.criteria.iter().flatten());
        out
    }
}

/// Stems made unique: a repeated one gets `_2`, `_3`, ...
#[derive(Default)]
pub(super) struct Stems(std::collections::HashSet<String>);

impl Stems {
    pub(super) fn make(&mut self, base: String) -> String {
        let mut stem = base.clone();
        let mut n = 1;
        while !self.0.insert(stem.clone()) {
            n += 1;
            stem = format!("{base}_{n}");
        }
        stem
    }
}

/// `prefix_name` as a file stem, or `prefix` alone for a name with
/// nothing fit for a file name.
pub(super) fn named(prefix: &str, name: &str) -> String {
    let s = slug(name);
    if s.is_empty() {
        prefix.to_string()
    } else {
        format!("{prefix}_{s}")
    }
}

/// The report's charts.
pub(super) fn plan(r: &SweepReport) -> Plan {
    let mut stems = Stems::default();
    Plan {
        fans: r.fans.iter().map(|m| fan_group(m, &mut stems)).collect(),
        responses: r
            .responses
            .iter()
            .enumerate()
            .map(|(i, a)| response(i, a, &mut stems))
            .collect(),
        scatters: r
            .scatters
            .iter()
            .enumerate()
            .map(|(i, s)| scatter(i, s, &mut stems))
            .collect(),
        tornado: r
            .tornado
            .iter()
            .flat_map(|t| &t.metrics)
            .map(|m| tornado(m, &mut stems))
            .collect(),
        criteria: r
            .criteria
            .iter()
            .map(|c| criterion(c, &r.responses, &mut stems))
            .collect(),
    }
}

/// A criterion's probability against each axis's values, with its
/// interval as error bars.
fn criterion(c: &CriterionFindings, axes: &[AxisResponse], stems: &mut Stems) -> Option<Drawn> {
    if axes.is_empty() {
        return None;
    }
    let color = palette::TVL[0];
    let plots: Vec<Plot> = axes
        .iter()
        .zip(&c.axes)
        .map(|(a, chances)| {
            let (scale, x) = axis_scale(a);
            Plot {
                title: short(&a.key, 48),
                x: scale,
                y: value("probability"),
                layers: vec![
                    Layer::Whiskers {
                        x: x.clone(),
                        low: chances.iter().map(|h| h.lo).collect(),
                        high: chances.iter().map(|h| h.hi).collect(),
                        color: over_white(color, 0.55),
                    },
                    Layer::Points {
                        x,
                        y: chances.iter().map(|h| h.p).collect(),
                        color,
                        radius: 9,
                        opacity: 1.0,
                    },
                ],
            }
        })
        .collect();
    let columns = columns_for(plots.len());
    let title = format!("P({})", c.name);
    let level = number(c.confidence * 100.0);
    Some(Drawn {
        stem: stems.make(named("criterion", &c.name)),
        title: title.clone(),
        caption: format!(
            "The share of ok runs that met {} ({}) at each value of each axis (in a grid, over every point with that value), with its exact {level} % interval (Clopper-Pearson).",
            c.name, c.condition
        ),
        figure: Figure {
            title: short(&title, 56),
            subtitle: format!(
                "{}; share of ok runs, {level} % interval",
                short(&c.condition, 60)
            ),
            legend: vec![
                entry("share of runs", color, Mark::Dot),
                entry(
                    &format!("{level} % interval"),
                    over_white(color, 0.55),
                    Mark::Line,
                ),
            ],
            height: grid_height(plots.len(), columns),
            columns,
            plots,
        },
    })
}

/// `text` cut to `most` characters for a chart's title (the page has it whole).
pub(super) fn short(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(most - 1).collect();
        s.push('…');
        s
    }
}

/// `color` over white at `opacity`: how a band looks, for its legend entry.
pub(super) fn over_white(color: RGBColor, opacity: f64) -> RGBColor {
    let mix = |c: u8| (f64::from(c) * opacity + 255.0 * (1.0 - opacity)).round() as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

pub(super) fn entry(label: &str, color: RGBColor, mark: Mark) -> LegendEntry {
    LegendEntry {
        label: label.to_string(),
        color,
        mark,
    }
}

pub(super) fn value(label: &str) -> Scale {
    Scale {
        label: label.to_string(),
        kind: ScaleKind::Value { from_zero: false },
    }
}

pub(super) fn months() -> Scale {
    Scale {
        label: "Month".into(),
        kind: ScaleKind::Months,
    }
}

/// About how many rows the renderer's legend takes for `legend` (it wraps
/// entries at the figure's width): each entry is a 56-pixel mark, its text
/// at about 16 pixels a character, and a 44-pixel gap.
fn legend_rows(legend: &[LegendEntry]) -> u32 {
    const ROOM: usize = 1600 - 2 * 48;
    let (mut rows, mut x) = (1, 0);
    for e in legend {
        let item = 56 + 16 * e.label.chars().count();
        if x > 0 && x + item > ROOM {
            rows += 1;
            x = 0;
        }
        x += item + 44;
    }
    rows
}

/// The height of a figure of `plots` plots in `columns` columns.
pub(super) fn grid_height(plots: usize, columns: usize) -> u32 {
    let rows = plots.div_ceil(columns.max(1)).max(1) as u32;
    if rows == 1 { 1000 } else { 260 + 480 * rows }
}

pub(super) fn columns_for(plots: usize) -> usize {
    if plots > 1 { 2 } else { 1 }
}

fn months_of(fan: &PointFan) -> Vec<f64> {
    fan.months.iter().map(|m| f64::from(*m)).collect()
}

fn fan_group(m: &MetricFans, stems: &mut Stems) -> FanGroup {
    let color = palette::metric(&m.metric);
    let base = named("fan", &m.metric);
    let n = m.points.len();
    let shown = n.min(MAX_MEDIANS);
    let mut layers = Vec::new();
    let mut legend = Vec::new();
    // Points past the palette's colours are grey and drawn first, under
    // the coloured ones.
    let grey = palette::COUNT;
    for fan in m.points.iter().take(shown).skip(palette::POINTS.len()) {
        layers.push(Layer::Line {
            x: months_of(fan),
            y: fan.p50.clone(),
            color: grey,
            width: 2,
            dots: false,
        });
    }
    for (i, fan) in m
        .points
        .iter()
        .take(shown.min(palette::POINTS.len()))
        .enumerate()
    {
        let c = palette::POINTS[i];
        layers.push(Layer::Line {
            x: months_of(fan),
            y: fan.p50.clone(),
            color: c,
            width: 4,
            dots: fan.months.len() <= 24,
        });
        legend.push(entry(&short(&fan.label, 72), c, Mark::Line));
    }
    if shown > palette::POINTS.len() {
        legend.push(entry(
            &format!("points {} to {}", palette::POINTS.len(), shown - 1),
            grey,
            Mark::Line,
        ));
    }
    let drawn_note = if shown < n {
        format!(" The first {shown} of the {n} points are drawn.")
    } else {
        String::new()
    };
    let height = 1000 + 44 * legend_rows(&legend).saturating_sub(1);
    let medians = Drawn {
        stem: stems.make(format!("{base}_medians")),
        title: format!("{}: the median of each point", m.metric),
        caption: format!(
            "{} Month by month, the median over each point's runs, one line per point.{drawn_note}",
            sentence(&m.label)
        ),
        figure: Figure {
            title: short(&format!("{}: the median of each point", m.metric), 56),
            subtitle: with_label(&m.label, "median over each point's runs"),
            legend,
            height,
            columns: 1,
            plots: vec![Plot {
                title: String::new(),
                x: months(),
                y: value(&m.metric),
                layers,
            }],
        },
    };
    let fans = m
        .points
        .iter()
        .take(MAX_FANS)
        .enumerate()
        .map(|(i, fan)| Drawn {
            stem: stems.make(format!("{base}_point{i}")),
            title: format!("{}: {}", m.metric, fan.label),
            caption: format!(
                "The median (line), 25–75 % (darker band) and 5–95 % (lighter band) of {} over the runs of {}, month by month.",
                m.metric, fan.label
            ),
            figure: fan_figure(m, fan, color),
        })
        .collect();
    FanGroup { medians, fans }
}

/// `what` after the metric's description, if it has one.
fn with_label(label: &str, what: &str) -> String {
    if label.trim().is_empty() {
        sentence_start(what)
    } else {
        // A column's doc ends with a full stop: `AEGIS value, USD; median ...`.
        format!("{}; {what}", label.trim_end().trim_end_matches('.'))
    }
}

/// `text` with a capital first letter.
fn sentence_start(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `text` as a sentence: capitalised, ending with a full stop.
fn sentence(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        return String::new();
    }
    let mut s = sentence_start(t);
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

fn fan_figure(m: &MetricFans, fan: &PointFan, color: RGBColor) -> Figure {
    let x = months_of(fan);
    Figure {
        title: short(&format!("{}: {}", m.metric, fan.label), 56),
        subtitle: with_label(&m.label, "quantiles over the point's runs"),
        legend: vec![
            entry("median", color, Mark::Line),
            entry(
                "25–75 %",
                over_white(color, 1.0 - (1.0 - OUTER) * (1.0 - INNER)),
                Mark::Block,
            ),
            entry("5–95 %", over_white(color, OUTER), Mark::Block),
        ],
        height: 1000,
        columns: 1,
        plots: vec![Plot {
            title: String::new(),
            x: months(),
            y: value(&m.metric),
            layers: vec![
                Layer::Band {
                    x: x.clone(),
                    low: fan.p5.clone(),
                    high: fan.p95.clone(),
                    color,
                    opacity: OUTER,
                },
                Layer::Band {
                    x: x.clone(),
                    low: fan.p25.clone(),
                    high: fan.p75.clone(),
                    color,
                    opacity: INNER,
                },
                Layer::Line {
                    x,
                    y: fan.p50.clone(),
                    color,
                    width: 4,
                    dots: fan.months.len() <= 24,
                },
            ],
        }],
    }
}

/// The x scale and positions of an axis: numeric (logarithmic for a
/// logspace) when the caller gave positions for every value, else the
/// values as categories.
fn axis_scale(a: &AxisResponse) -> (Scale, Vec<f64>) {
    let label = short(&a.key, 48);
    match &a.x {
        Some(x) if x.len() == a.values.len() && x.iter().all(|v| v.is_finite()) => {
            let log = a.log_x && x.iter().all(|v| *v > 0.0);
            let kind = if log {
                ScaleKind::Log
            } else {
                ScaleKind::Value { from_zero: false }
            };
            (Scale { label, kind }, x.clone())
        }
        _ => (
            Scale {
                label,
                kind: ScaleKind::Categories(a.values.clone()),
            },
            (0..a.values.len()).map(|i| i as f64).collect(),
        ),
    }
}

fn response(i: usize, a: &AxisResponse, stems: &mut Stems) -> Drawn {
    let (scale, x) = axis_scale(a);
    let numeric = !matches!(scale.kind, ScaleKind::Categories(_));
    let plots: Vec<Plot> = a
        .metrics
        .iter()
        .map(|s| {
            let color = palette::metric(&s.metric);
            let spread = if numeric {
                Layer::Band {
                    x: x.clone(),
                    low: s.p5.clone(),
                    high: s.p95.clone(),
                    color,
                    opacity: 0.22,
                }
            } else {
                Layer::Whiskers {
                    x: x.clone(),
                    low: s.p5.clone(),
                    high: s.p95.clone(),
                    color: over_white(color, 0.55),
                }
            };
            let median = if numeric {
                Layer::Line {
                    x: x.clone(),
                    y: s.p50.clone(),
                    color,
                    width: 4,
                    dots: true,
                }
            } else {
                Layer::Points {
                    x: x.clone(),
                    y: s.p50.clone(),
                    color,
                    radius: 9,
                    opacity: 1.0,
                }
            };
            Plot {
                title: s.metric.clone(),
                x: scale.clone(),
                y: value(""),
                layers: vec![spread, median],
            }
        })
        .collect();
    let columns = columns_for(plots.len());
    let title = format!("Response to {}", a.key);
    let ink = palette::TVL[0];
    Drawn {
        stem: stems.make(named(&format!("response_{}", i + 1), &a.key)),
        title: title.clone(),
        caption: format!(
            "Each main metric in the last month against the value of {}: the median over the ok runs at that value, with the 5–95 % {}.",
            a.key,
            if numeric { "band" } else { "range" }
        ),
        figure: Figure {
            title: short(&title, 56),
            subtitle: "Last month; median and 5–95 % over the ok runs at each axis value".into(),
            legend: vec![
                entry("median", ink, if numeric { Mark::Line } else { Mark::Dot }),
                entry("5–95 %", over_white(ink, 0.3), Mark::Block),
            ],
            height: grid_height(plots.len(), columns),
            columns,
            plots,
        },
    }
}

fn scatter(i: usize, s: &SampleScatter, stems: &mut Stems) -> Drawn {
    // Evenly spread over the runs given, so that a huge sweep stays a
    // readable (and loadable) chart.
    let step = s.x.len().div_ceil(MAX_DOTS).max(1);
    let x: Vec<f64> = s.x.iter().copied().step_by(step).collect();
    // Few dots are drawn large and solid; many, small and see-through, so
    // that where they crowd shows.
    let (radius, opacity) = match x.len() {
        0..=200 => (8, 0.8),
        201..=1000 => (6, 0.55),
        _ => (4, 0.35),
    };
    let plots: Vec<Plot> = s
        .metrics
        .iter()
        .map(|m| {
            let y: Vec<Option<f64>> = (0..s.x.len())
                .step_by(step)
                .map(|j| m.y.get(j).copied().flatten())
                .collect();
            let rho = m.spearman.map_or_else(
                || "ρ undefined".to_string(),
                |r| format!("ρ = {}", correlation(r)),
            );
            Plot {
                title: format!("{}   {rho}", m.metric),
                x: value(&short(&s.key, 48)),
                y: value(""),
                layers: vec![Layer::Points {
                    x: x.clone(),
                    y,
                    color: palette::metric(&m.metric),
                    radius,
                    opacity,
                }],
            }
        })
        .collect();
    let columns = columns_for(plots.len());
    let title = format!("Sampled {}", s.key);
    let drawn = if x.len() < s.x.len() {
        format!("{} of {} runs drawn", x.len(), s.x.len())
    } else {
        format!("{} runs", x.len())
    };
    Drawn {
        stem: stems.make(named(&format!("scatter_{}", i + 1), &s.key)),
        title: title.clone(),
        caption: format!(
            "Each main metric in the last month against the sampled value of {}, one dot per ok run ({drawn}); ρ is Spearman's rank correlation over all the sweep's ok runs.",
            s.key
        ),
        figure: Figure {
            title: short(&title, 56),
            subtitle: format!(
                "Last month, one dot per ok run ({drawn}); ρ: Spearman's rank correlation over all ok runs"
            ),
            legend: Vec::new(),
            height: grid_height(plots.len(), columns),
            columns,
            plots,
        },
    }
}

/// The spread of a tornado bar: how far apart the base and the two medians
/// lie (the defined ones); bars are sorted by it, widest first.
pub(super) fn spread(base: Option<f64>, low: Option<f64>, high: Option<f64>) -> f64 {
    let v: Vec<f64> = [base, low, high].into_iter().flatten().collect();
    if v.len() < 2 {
        return 0.0;
    }
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    hi - lo
}

/// The bars of a tornado, widest first (stable: ties keep the axes' order).
pub(super) fn sorted_bars(m: &TornadoMetric) -> Vec<&super::TornadoBar> {
    let mut bars: Vec<&super::TornadoBar> = m.bars.iter().collect();
    bars.sort_by(|a, b| spread(m.base, b.low, b.high).total_cmp(&spread(m.base, a.low, a.high)));
    bars
}

/// Colours of the tornado's bars at an axis's lowest and highest value.
pub(super) const LOW: RGBColor = palette::POINTS[5];
pub(super) const HIGH: RGBColor = palette::POINTS[1];

fn tornado(m: &TornadoMetric, stems: &mut Stems) -> Drawn {
    let bars = sorted_bars(m);
    let n = bars.len();
    // The widest at the top: row n - 1.
    let names: Vec<String> = bars.iter().rev().map(|b| b.key.clone()).collect();
    let row = |i: usize| (n - 1 - i) as f64;
    let mut layers = Vec::new();
    let side = |high: bool| -> Layer {
        let color = if high { HIGH } else { LOW };
        match m.base {
            Some(base) => Layer::Bars {
                bars: bars
                    .iter()
                    .enumerate()
                    .filter_map(|(i, b)| {
                        let (v, label, off) = if high {
                            (b.high, &b.high_value, -0.19)
                        } else {
                            (b.low, &b.low_value, 0.19)
                        };
                        v.map(|to| Bar {
                            row: row(i) + off,
                            from: base,
                            to,
                            label: label.clone(),
                        })
                    })
                    .collect(),
                color,
                thickness: 0.36,
            },
            // Without a base there is nothing to draw a bar from: the
            // medians are dots.
            None => {
                let (x, y): (Vec<f64>, Vec<Option<f64>>) = bars
                    .iter()
                    .enumerate()
                    .filter_map(|(i, b)| {
                        let v = if high { b.high } else { b.low };
                        v.map(|v| (v, Some(row(i))))
                    })
                    .unzip();
                Layer::Points {
                    x,
                    y,
                    color,
                    radius: 10,
                    opacity: 1.0,
                }
            }
        }
    };
    layers.push(side(false));
    layers.push(side(true));
    if let Some(base) = m.base {
        layers.push(Layer::Rule {
            x: base,
            color: palette::TEXT,
        });
    }
    let base_text = m.base.map_or_else(|| "undefined".to_string(), number);
    let title = format!("Tornado: {}", m.metric);
    Drawn {
        stem: stems.make(named("tornado", &m.metric)),
        title: title.clone(),
        caption: format!(
            "The median of {} in the last month at each axis's lowest and highest value, every other axis as in point 0, against point 0's median ({base_text}, the vertical line); the axes with the widest spread are at the top.",
            m.metric
        ),
        figure: Figure {
            title: short(&title, 56),
            subtitle: format!(
                "Last month's median at each axis's lowest and highest value; point 0's median {base_text}"
            ),
            legend: vec![
                entry("at the axis's lowest value", LOW, Mark::Block),
                entry("at the axis's highest value", HIGH, Mark::Block),
                entry("point 0", palette::TEXT, Mark::Line),
            ],
            height: (300 + 110 * n as u32).clamp(700, 2400),
            columns: 1,
            plots: vec![Plot {
                title: String::new(),
                x: value(&m.metric),
                y: Scale {
                    label: String::new(),
                    kind: ScaleKind::Categories(names),
                },
                layers,
            }],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep_report::TornadoBar;

    #[test]
    fn tornado_bars_are_sorted_by_spread() {
        let bar = |key: &str, low, high| TornadoBar {
            key: key.into(),
            low,
            high,
            ..TornadoBar::default()
        };
        let m = TornadoMetric {
            metric: "aegis_value".into(),
            base: Some(10.0),
            bars: vec![
                // Spread 12 - 9 = 3.
                bar("a", Some(9.0), Some(12.0)),
                // Both below the base: 10 - 2 = 8.
                bar("b", Some(2.0), Some(5.0)),
                // One side missing: 10 - 6 = 4.
                bar("c", Some(6.0), None),
                // Nothing: 0.
                bar("d", None, None),
            ],
        };
        let keys: Vec<&str> = sorted_bars(&m).iter().map(|b| b.key.as_str()).collect();
        assert_eq!(keys, ["b", "c", "a", "d"]);
        assert_eq!(spread(None, Some(1.0), None), 0.0);
        assert_eq!(spread(None, Some(1.0), Some(-2.0)), 3.0);
    }

    #[test]
    fn stems_are_unique() {
        let mut s = Stems::default();
        assert_eq!(s.make("a".into()), "a");
        assert_eq!(s.make("a".into()), "a_2");
        assert_eq!(s.make("a".into()), "a_3");
    }

    #[test]
    fn a_band_reads_in_the_legend_as_it_looks() {
        // 255 - (255 - 0) * 0.2 = 204; 255 - (255 - 100) * 0.2 = 224.
        assert_eq!(
            over_white(RGBColor(0, 100, 255), 0.2),
            RGBColor(204, 224, 255)
        );
    }
}
