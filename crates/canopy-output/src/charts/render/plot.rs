//! Drawing a [`Figure`]: the run charts' frame (title, subtitle, legend),
//! fonts, tick labels, unit scaling and round axes, applied to plots whose
//! data the figure carries.

use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::super::WIDTH;
use super::super::figure::{Figure, Layer, Mark as LegendMark, PNG_SCALE, Plot, Scale, ScaleKind};
use super::*;

/// `figure` as an SVG document.
pub fn figure_svg(figure: &Figure) -> DrawResult<String> {
    fonts()?;
    let height = figure.height.max(MIN_HEIGHT);
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, height)).into_drawing_area();
        draw_figure(figure, &root)?;
        root.present()?;
    }
    Ok(text)
}

/// `figure` as a PNG file, drawn at the SVG's size and shrunk by
/// [`PNG_SCALE`] (which also smooths its edges).
pub fn figure_png(figure: &Figure) -> DrawResult<Vec<u8>> {
    fonts()?;
    let height = figure.height.max(MIN_HEIGHT);
    let mut rgb = vec![0u8; (WIDTH * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, height)).into_drawing_area();
        draw_figure(figure, &root)?;
        root.present()?;
    }
    let (w, h) = png_size(height);
    encode(&shrink(&rgb, (WIDTH, height), (w, h)), w, h)
}

/// The PNG's size for a figure `height` pixels high.
fn png_size(height: u32) -> (u32, u32) {
    let scale = |n: u32| ((f64::from(n) * PNG_SCALE).round() as u32).max(1);
    (scale(WIDTH), scale(height))
}

const MIN_HEIGHT: u32 = 400;
const PLOT_TITLE_SIZE: f64 = 30.0;
const BAR_LABEL_SIZE: f64 = 24.0;

fn draw_figure<DB: DrawingBackend>(figure: &Figure, root: &Area<DB>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let keys: Vec<Key> = figure
        .legend
        .iter()
        .map(|e| {
            let mark = match e.mark {
                LegendMark::Block => Mark::Block,
                LegendMark::Line => Mark::Line,
                LegendMark::Dot => Mark::Dot,
            };
            key(e.label.clone(), e.color, mark)
        })
        .collect();
    let body = frame(root, &figure.title, &figure.subtitle, &keys)?;
    if figure.plots.is_empty() {
        body.draw_text("Nothing to draw.", &text(32.0, false, &MUTED), (LEFT, 40))?;
        return Ok(());
    }
    let columns = figure.columns.clamp(1, figure.plots.len());
    let rows = figure.plots.len().div_ceil(columns);
    let areas = body.split_evenly((rows, columns));
    for (plot, area) in figure.plots.iter().zip(&areas) {
        draw_plot(plot, area)?;
    }
    Ok(())
}

/// A scale worked out for the values drawn on it.
struct Mapped {
    axis: Axis,
    desc: String,
    fmt: Box<dyn Fn(&f64) -> String>,
    /// A value's place on the axis; `None` is a gap.
    at: Box<dyn Fn(f64) -> Option<f64>>,
}

/// What a scale must make room for: its length in pixels, and the labels
/// written past the bars' ends.
struct Fit {
    px: f64,
    labels: Vec<EndLabel>,
}

/// A label written past a bar's end.
#[derive(Clone, Copy)]
struct EndLabel {
    /// The bar's end.
    at: f64,
    /// The label's width in pixels.
    width: f64,
    /// Whether it is written rightwards (the bar grows to the right).
    rightwards: bool,
}

/// The range `lo..hi` widened until each label fits past its bar's end,
/// given the scale's length `px` in pixels.
fn widened(mut lo: f64, mut hi: f64, labels: &[EndLabel], px: f64) -> (f64, f64) {
    // Each pass widens the range, which shrinks the labels in values:
    // a few passes settle it. No label takes more than 45 % of the scale.
    for _ in 0..8 {
        let per_px = (hi - lo) / px.max(1.0);
        let gap = (hi - lo) * 0.015;
        for l in labels {
            // 12 px more: the estimate of a label's width runs a little short.
            let room = ((l.width + 12.0).min(0.45 * px) * per_px) + gap;
            if l.rightwards {
                hi = hi.max(l.at + room);
            } else {
                lo = lo.min(l.at - room);
            }
        }
    }
    (lo, hi)
}

impl Mapped {
    fn of(scale: &Scale, raw: &[f64], fit: &Fit) -> Mapped {
        let raw: Vec<f64> = raw.iter().copied().filter(|v| v.is_finite()).collect();
        match &scale.kind {
            ScaleKind::Value { from_zero } => {
                let u = unit(raw.iter().fold(0.0, |m, v| v.abs().max(m)), 1.0);
                let div = u.div;
                let values: Vec<f64> = raw.iter().map(|v| v / div).collect();
                let axis = if !fit.labels.is_empty() {
                    // Bars are labelled past their ends: leave room there.
                    let (lo, hi) = extent(values.iter().copied(), *from_zero);
                    let labels: Vec<EndLabel> = fit
                        .labels
                        .iter()
                        .filter(|l| l.at.is_finite())
                        .map(|l| EndLabel {
                            at: l.at / div,
                            ..*l
                        })
                        .collect();
                    let (lo, hi) = widened(lo, hi, &labels, fit.px);
                    Axis::round(lo, hi, 6.0)
                } else if *from_zero {
                    Axis::covering(values, true)
                } else {
                    range(Range::Auto, &values)
                };
                Mapped {
                    axis,
                    desc: scaled_label(&scale.label, u),
                    fmt: Box::new(|v| tick(*v)),
                    at: Box::new(move |v| v.is_finite().then_some(v / div)),
                }
            }
            ScaleKind::Log => {
                let positive: Vec<f64> = raw.into_iter().filter(|v| *v > 0.0).collect();
                let u = unit(positive.iter().fold(0.0, |m, v| v.max(m)), 1.0);
                let div = u.div;
                let mut logs: Vec<f64> = positive.iter().map(|v| v.log10()).collect();
                logs.sort_by(f64::total_cmp);
                logs.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
                let (lo, hi) = match (logs.first(), logs.last()) {
                    (Some(a), Some(b)) if b > a => (a - (b - a) * 0.04, b + (b - a) * 0.04),
                    (Some(a), _) => (a - 0.5, a + 0.5),
                    _ => (0.0, 1.0),
                };
                let ticks = thin(&logs, 8);
                Mapped {
                    axis: Axis { lo, hi, ticks },
                    desc: format!("{} (log scale)", scaled_label(&scale.label, u)),
                    fmt: Box::new(move |v| tick(10f64.powf(*v) / div)),
                    at: Box::new(|v| (v.is_finite() && v > 0.0).then(|| v.log10())),
                }
            }
            ScaleKind::Months => {
                let first = raw.iter().copied().fold(f64::INFINITY, f64::min);
                let last = raw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let axis = if first <= last {
                    month_axis(first, last, false)
                } else {
                    month_axis(1.0, 1.0, false)
                };
                Mapped {
                    axis,
                    desc: scale.label.clone(),
                    fmt: Box::new(|v| tick(*v)),
                    at: Box::new(|v| v.is_finite().then_some(v)),
                }
            }
            ScaleKind::Categories(names) => {
                let n = names.len().max(1);
                let all: Vec<f64> = (0..n).map(|i| i as f64).collect();
                // Cut in the middle: names often differ only at the end.
                let names: Vec<String> = names.iter().map(|s| shorten_middle(s, 28)).collect();
                // Every name where there are 34 pixels a row for it.
                let most = ((fit.px / 34.0) as usize).max(2);
                Mapped {
                    axis: Axis {
                        lo: -0.5,
                        hi: n as f64 - 0.5,
                        ticks: thin(&all, most),
                    },
                    desc: scale.label.clone(),
                    fmt: Box::new(move |v| {
                        let i = v.round();
                        if i >= 0.0 && (i as usize) < names.len() {
                            names[i as usize].clone()
                        } else {
                            String::new()
                        }
                    }),
                    at: Box::new(|v| v.is_finite().then_some(v)),
                }
            }
        }
    }

    fn span(&self) -> f64 {
        self.axis.hi - self.axis.lo
    }
}

/// `what (millions)`, or `what` when not scaled.
fn scaled_label(what: &str, u: Unit) -> String {
    if u.name.is_empty() {
        what.to_string()
    } else if what.is_empty() {
        u.name.to_string()
    } else {
        format!("{what} ({})", u.name)
    }
}

/// At most `most` of `values`, evenly spread, the first always kept.
fn thin(values: &[f64], most: usize) -> Vec<f64> {
    let step = values.len().div_ceil(most.max(1)).max(1);
    values.iter().copied().step_by(step).collect()
}

/// `text` cut to `most` characters, with an ellipsis when cut.
fn shorten(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(most.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// `text` cut to `most` characters by an ellipsis in its middle, keeping
/// its start and its end.
fn shorten_middle(text: &str, most: usize) -> String {
    let n = text.chars().count();
    if n <= most {
        return text.to_string();
    }
    let tail = most.saturating_sub(1) / 2;
    let head = most.saturating_sub(1) - tail;
    let mut s: String = text.chars().take(head).collect();
    s.push('…');
    s.extend(text.chars().skip(n - tail));
    s
}

/// The values a layer puts on each scale, as given.
fn extents(layer: &Layer) -> (Vec<f64>, Vec<f64>) {
    fn pairs(x: &[f64], ys: &[&[Option<f64>]]) -> (Vec<f64>, Vec<f64>) {
        let mut xs = Vec::new();
        let mut out = Vec::new();
        for (i, x) in x.iter().enumerate() {
            let defined: Vec<f64> = ys
                .iter()
                .filter_map(|y| y.get(i).copied().flatten())
                .filter(|v| v.is_finite())
                .collect();
            if !defined.is_empty() && x.is_finite() {
                xs.push(*x);
                out.extend(defined);
            }
        }
        (xs, out)
    }
    match layer {
        Layer::Band { x, low, high, .. } | Layer::Whiskers { x, low, high, .. } => {
            pairs(x, &[low, high])
        }
        Layer::Line { x, y, .. } | Layer::Points { x, y, .. } => pairs(x, &[y]),
        Layer::Bars {
            bars, thickness, ..
        } => {
            let xs = bars.iter().flat_map(|b| [b.from, b.to]).collect();
            let ys = bars
                .iter()
                .flat_map(|b| [b.row - thickness / 2.0, b.row + thickness / 2.0])
                .collect();
            (xs, ys)
        }
        Layer::Rule { x, .. } => (vec![*x], Vec::new()),
    }
}

/// Where a plot's axes go: the house margins, and room below for the x
/// tick labels and description.
fn plot_builder<DB: DrawingBackend>(area: &Area<DB>, left: i32) -> ChartBuilder<'_, '_, DB> {
    let mut b = ChartBuilder::on(area);
    b.margin_left(LEFT - 32)
        .margin_right(LEFT + 12)
        .margin_top(22)
        .margin_bottom(12)
        .x_label_area_size(92)
        .y_label_area_size(left);
    b
}

fn draw_plot<DB: DrawingBackend>(plot: &Plot, area: &Area<DB>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let area = if plot.title.is_empty() {
        area.clone()
    } else {
        let (w, _) = area.dim_in_pixel();
        let title = shorten(&plot.title, (w as usize / 17).max(12));
        area.draw_text(&title, &text(PLOT_TITLE_SIZE, true, &TEXT), (LEFT, 16))?;
        let (_, rest) = area.split_vertically(58);
        rest
    };
    let (mut raw_x, mut raw_y) = (Vec::new(), Vec::new());
    for layer in &plot.layers {
        let (xs, ys) = extents(layer);
        raw_x.extend(xs);
        raw_y.extend(ys);
    }
    if raw_y.is_empty() {
        area.draw_text("No values to draw.", &text(28.0, false, &MUTED), (LEFT, 30))?;
        return Ok(());
    }
    let (w, h) = area.dim_in_pixel();
    // The plot's inner size: the area less plot_builder's margins and
    // label areas.
    let y = Mapped::of(
        &plot.y,
        &raw_y,
        &Fit {
            px: f64::from(h) - 92.0 - 34.0,
            labels: Vec::new(),
        },
    );
    let lw = label_width(&area, &[(&y.axis, &*y.fmt)]);
    let label_style = text(BAR_LABEL_SIZE, false, &TEXT);
    let mut labels = Vec::new();
    for layer in &plot.layers {
        if let Layer::Bars { bars, .. } = layer {
            for b in bars.iter().filter(|b| !b.label.is_empty()) {
                let (lw, _) = area.estimate_text_size(&shorten(&b.label, 24), &label_style)?;
                labels.push(EndLabel {
                    at: b.to,
                    width: f64::from(lw),
                    rightwards: b.to >= b.from,
                });
            }
        }
    }
    let x = Mapped::of(
        &plot.x,
        &raw_x,
        &Fit {
            px: f64::from(w) - f64::from(2 * LEFT - 20) - f64::from(lw),
            labels,
        },
    );
    let mut chart = plot_builder(&area, lw).build_cartesian_2d(x.axis.clone(), y.axis.clone())?;
    {
        let mut mesh = chart.configure_mesh();
        mesh.bold_line_style(GRID.stroke_width(1))
            .light_line_style(WHITE.mix(0.0))
            .axis_style(AXIS.stroke_width(2))
            .set_all_tick_mark_size(8)
            .x_desc(x.desc.as_str())
            .y_desc(y.desc.as_str())
            .label_style(ticks())
            .axis_desc_style(desc())
            .x_label_formatter(&*x.fmt)
            .y_label_formatter(&*y.fmt);
        // Grid lines across the value axis only.
        if matches!(plot.y.kind, ScaleKind::Categories(_)) {
            mesh.disable_y_mesh();
        } else {
            mesh.disable_x_mesh();
        }
        mesh.draw()?;
    }
    for layer in &plot.layers {
        draw_layer(&mut chart, layer, &x, &y)?;
    }
    Ok(())
}

type Plotted<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

/// The runs of consecutive places where every one of `ys` is defined, as
/// `(x, [y...])` on the axes.
fn runs(x: &[f64], ys: &[&[Option<f64>]], mx: &Mapped, my: &Mapped) -> Vec<Vec<(f64, Vec<f64>)>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    for (i, xv) in x.iter().enumerate() {
        let at_x = (mx.at)(*xv);
        let values: Option<Vec<f64>> = ys
            .iter()
            .map(|y| y.get(i).copied().flatten().and_then(|v| (my.at)(v)))
            .collect();
        match (at_x, values) {
            (Some(a), Some(v)) => current.push((a, v)),
            _ if !current.is_empty() => out.push(std::mem::take(&mut current)),
            _ => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn draw_layer<DB: DrawingBackend>(
    chart: &mut Plotted<'_, DB>,
    layer: &Layer,
    mx: &Mapped,
    my: &Mapped,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let cap = mx.span() * 0.012;
    match layer {
        Layer::Band {
            x,
            low,
            high,
            color,
            opacity,
        } => {
            for run in runs(x, &[low, high], mx, my) {
                if let [(at, v)] = run.as_slice() {
                    // A band over one place is a range, not an area.
                    chart.draw_series(whisker(
                        *at,
                        v[0],
                        v[1],
                        cap,
                        color.mix(opacity.max(0.5)),
                    ))?;
                    continue;
                }
                let mut outline: Vec<(f64, f64)> = run.iter().map(|(a, v)| (*a, v[1])).collect();
                outline.extend(run.iter().rev().map(|(a, v)| (*a, v[0])));
                chart.draw_series(std::iter::once(Polygon::new(
                    outline,
                    color.mix(*opacity).filled(),
                )))?;
            }
        }
        Layer::Line {
            x,
            y,
            color,
            width,
            dots,
        } => {
            for run in runs(x, &[y], mx, my) {
                let points: Vec<(f64, f64)> = run.iter().map(|(a, v)| (*a, v[0])).collect();
                if points.len() > 1 {
                    chart
                        .draw_series(LineSeries::new(points.clone(), color.stroke_width(*width)))?;
                }
                if *dots || points.len() == 1 {
                    let r = *width + 4;
                    chart.draw_series(
                        points
                            .into_iter()
                            .map(|p| Circle::new(p, r, color.filled())),
                    )?;
                }
            }
        }
        Layer::Points {
            x,
            y,
            color,
            radius,
            opacity,
        } => {
            let style = color.mix(*opacity).filled();
            chart.draw_series(
                runs(x, &[y], mx, my)
                    .into_iter()
                    .flatten()
                    .map(|(a, v)| Circle::new((a, v[0]), *radius, style)),
            )?;
        }
        Layer::Whiskers {
            x,
            low,
            high,
            color,
        } => {
            for (at, v) in runs(x, &[low, high], mx, my).into_iter().flatten() {
                chart.draw_series(whisker(at, v[0], v[1], cap, *color))?;
            }
        }
        Layer::Bars {
            bars,
            color,
            thickness,
        } => {
            let half = thickness / 2.0;
            let gap = mx.span() * 0.01;
            for b in bars {
                let (Some(from), Some(to), Some(row)) =
                    ((mx.at)(b.from), (mx.at)(b.to), (my.at)(b.row))
                else {
                    continue;
                };
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(from.min(to), row - half), (from.max(to), row + half)],
                    color.filled(),
                )))?;
                if !b.label.is_empty() {
                    let (h, at) = if to >= from {
                        (HPos::Left, to + gap)
                    } else {
                        (HPos::Right, to - gap)
                    };
                    let style = text(BAR_LABEL_SIZE, false, &TEXT).pos(Pos::new(h, VPos::Center));
                    chart.draw_series(std::iter::once(Text::new(
                        shorten(&b.label, 24),
                        (at, row),
                        style,
                    )))?;
                }
            }
        }
        Layer::Rule { x, color } => {
            if let Some(at) = (mx.at)(*x) {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(at, my.axis.lo), (at, my.axis.hi)],
                    color.stroke_width(3),
                )))?;
            }
        }
    }
    Ok(())
}

/// A vertical range with a short cap at each end.
fn whisker<C: Color>(x: f64, lo: f64, hi: f64, cap: f64, color: C) -> Vec<PathElement<(f64, f64)>> {
    let style = color.stroke_width(3);
    vec![
        PathElement::new(vec![(x, lo), (x, hi)], style),
        PathElement::new(vec![(x - cap, lo), (x + cap, lo)], style),
        PathElement::new(vec![(x - cap, hi), (x + cap, hi)], style),
    ]
}

/// For each new pixel along one side of a shrunk image, the first old
/// pixel it covers and the share of each old pixel it covers (at most
/// three, for shrinking by up to half), in 256ths.
fn taps(old: usize, new: usize) -> Vec<(usize, [u32; 3])> {
    let s = old as f64 / new.max(1) as f64;
    (0..new)
        .map(|o| {
            let (a, b) = (o as f64 * s, (o + 1) as f64 * s);
            let first = a.floor() as usize;
            let mut w = [0u32; 3];
            for (k, share) in w.iter_mut().enumerate() {
                let i = (first + k) as f64;
                let cover = (b.min(i + 1.0) - a.max(i)).max(0.0);
                *share = (cover / s * 256.0).round() as u32;
            }
            (first, w)
        })
        .collect()
}

/// `rgb` (`from` pixels) shrunk to `to` pixels (by at most half) by
/// averaging the area each new pixel covers. Plain loops on integers: this
/// runs for every PNG, in test builds too.
fn shrink(rgb: &[u8], from: (u32, u32), to: (u32, u32)) -> Vec<u8> {
    let (w, h) = (from.0 as usize, from.1 as usize);
    let (nw, nh) = (to.0 as usize, to.1 as usize);
    let across = taps(w, nw);
    let down = taps(h, nh);
    // Across: each row to `nw` pixels, in 256ths.
    let mut mid = vec![0u32; h * nw * 3];
    for y in 0..h {
        let row = &rgb[y * w * 3..(y + 1) * w * 3];
        let out = &mut mid[y * nw * 3..(y + 1) * nw * 3];
        for (ox, &(first, shares)) in across.iter().enumerate() {
            let (mut r, mut g, mut b) = (0, 0, 0);
            for (k, &share) in shares.iter().enumerate() {
                let i = (first + k) * 3;
                if share > 0 && i + 2 < row.len() {
                    r += u32::from(row[i]) * share;
                    g += u32::from(row[i + 1]) * share;
                    b += u32::from(row[i + 2]) * share;
                }
            }
            out[ox * 3] = r;
            out[ox * 3 + 1] = g;
            out[ox * 3 + 2] = b;
        }
    }
    // Down: each column to `nh` pixels, then from 65536ths to bytes.
    let stride = nw * 3;
    let mut out = vec![0u8; nh * stride];
    let mut acc = vec![0u32; stride];
    for (oy, &(first, shares)) in down.iter().enumerate() {
        acc.fill(0);
        for (k, &share) in shares.iter().enumerate() {
            let y = first + k;
            if share == 0 || y >= h {
                continue;
            }
            let src = &mid[y * stride..(y + 1) * stride];
            for (a, v) in acc.iter_mut().zip(src) {
                *a += v * share;
            }
        }
        for (o, a) in out[oy * stride..(oy + 1) * stride].iter_mut().zip(&acc) {
            *o = ((a + 32_768) >> 16).min(255) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_in_the_middle() {
        assert_eq!(shorten_middle("short", 28), "short");
        let a = shorten_middle("deal-with-a-rather-long-identifier-000", 28);
        let b = shorten_middle("deal-with-a-rather-long-identifier-079", 28);
        assert_eq!(a, "deal-with-a-ra…dentifier-000");
        assert_eq!(a.chars().count(), 28);
        assert_ne!(a, b);
    }

    #[test]
    fn the_range_widens_until_each_bar_label_fits_past_its_end() {
        // A 100 px label past a bar ending at 10, on a 1000 px scale from 0:
        // with 12 px to spare, it fits when hi - 10 >= (112 / 1000 + 0.015)
        // x hi, so hi >= 11.46.
        let label = |at, width, rightwards| EndLabel {
            at,
            width,
            rightwards,
        };
        let (lo, hi) = widened(0.0, 10.0, &[label(10.0, 100.0, true)], 1000.0);
        assert_eq!(lo, 0.0);
        assert!(hi - 10.0 >= 0.127 * hi * (1.0 - 1e-3), "{hi}");
        assert!(hi < 11.5, "{hi}");
        // One written leftwards widens the other side; a short label inside
        // the range changes nothing.
        let labels = [label(-5.0, 100.0, false), label(1.0, 10.0, true)];
        let (lo, hi) = widened(-5.0, 10.0, &labels, 1000.0);
        assert!(lo < -5.0 && hi == 10.0, "{lo} {hi}");
        assert!(-5.0 - lo >= 0.127 * (hi - lo) * (1.0 - 1e-3));
        // A label wider than the scale takes no more than 45 % of it.
        let (_, hi) = widened(0.0, 1.0, &[label(1.0, 1e9, true)], 100.0);
        assert!(hi.is_finite() && hi < 3.0, "{hi}");
    }

    #[test]
    fn shrinking_averages_the_covered_area() {
        // Four pixels across, grey levels 0, 100, 200, 40, shrunk to three:
        // each new pixel covers 4/3 old ones.
        let rgb: Vec<u8> = [0u8, 100, 200, 40].iter().flat_map(|v| [*v; 3]).collect();
        let out = shrink(&rgb, (4, 1), (3, 1));
        // (0 * 1 + 100 * 1/3) * 3/4 = 25; (100 * 2/3 + 200 * 2/3) * 3/4 = 150;
        // (200 * 1/3 + 40 * 1) * 3/4 = 80.
        assert_eq!(out, [25, 25, 25, 150, 150, 150, 80, 80, 80]);
        assert_eq!(png_size(1000), (1200, 750));
    }

    #[test]
    fn thinning_keeps_the_first_and_at_most_the_asked_number() {
        let v: Vec<f64> = (0..20).map(f64::from).collect();
        assert_eq!(thin(&v, 8), [0.0, 3.0, 6.0, 9.0, 12.0, 15.0, 18.0]);
        assert_eq!(thin(&v[..3], 8), [0.0, 1.0, 2.0]);
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}
