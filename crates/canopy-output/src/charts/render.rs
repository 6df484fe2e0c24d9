//! The one renderer of the chart table: it draws any [`Chart`] definition
//! with plotters, through the same code for the SVG and the PNG backend.
//! Text is drawn with DejaVu Sans, embedded in the binary, so that a chart
//! looks the same on a machine with no fonts installed.

use std::error::Error;
use std::sync::OnceLock;

use canopy_model::MonthRecord;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontDesc, register_font};

use super::{Chart, HEIGHT, Panel, Range, Series, Side, Style, TickFormat, WIDTH, YAxis};
use crate::palette::{AXIS, GRID, MUTED, TEXT};

mod plot;
mod scale;
pub use plot::{figure_png, figure_svg};
use scale::{Axis, UNITS, Unit, desc_with, extent, month_axis, months, percent_tick, tick, unit};

/// What drawing a chart returns: plotters' errors differ by backend.
pub type DrawResult<T = ()> = Result<T, Box<dyn Error>>;
type Area<DB> = DrawingArea<DB, Shift>;

/// Draws the primary mesh: light horizontal grid, month ticks.
macro_rules! mesh {
    ($chart:expr, $x_desc:expr, $y_desc:expr, $y_fmt:expr) => {
        $chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(GRID.stroke_width(1))
            .light_line_style(WHITE.mix(0.0))
            .axis_style(AXIS.stroke_width(2))
            .set_all_tick_mark_size(8)
            .x_desc($x_desc)
            .y_desc($y_desc)
            .label_style(ticks())
            .axis_desc_style(desc())
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter($y_fmt)
            .draw()
    };
}

/// Draws the right-hand axis of a dual chart.
macro_rules! right_axis {
    ($chart:expr, $y_desc:expr, $y_fmt:expr) => {
        $chart
            .configure_secondary_axes()
            .axis_style(AXIS.stroke_width(2))
            .set_all_tick_mark_size(8)
            .y_desc($y_desc)
            .label_style(ticks())
            .axis_desc_style(desc())
            .y_label_formatter($y_fmt)
            .draw()
    };
}

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the embedded fonts as plotters' `sans-serif`, once per process.
/// The name is the generic family so that SVG text falls back to the
/// viewer's own sans-serif font rather than to a serif one.
fn fonts() -> DrawResult {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        let family = FontFamily::SansSerif.as_str();
        register_font(family, FontStyle::Normal, REGULAR).is_ok()
            && register_font(family, FontStyle::Bold, BOLD).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err("the embedded font cannot be read".into())
    }
}

/// `chart` as an SVG document.
pub fn svg(chart: Chart, records: &[MonthRecord]) -> DrawResult<String> {
    fonts()?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&chart, &root, records)?;
        root.present()?;
    }
    Ok(text)
}

/// `chart` as a PNG file.
pub fn png(chart: Chart, records: &[MonthRecord]) -> DrawResult<Vec<u8>> {
    fonts()?;
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&chart, &root, records)?;
        root.present()?;
    }
    encode(&rgb, WIDTH, HEIGHT)
}

/// An RGB image, `width` by `height`, as a PNG file.
fn encode(rgb: &[u8], width: u32, height: u32) -> DrawResult<Vec<u8>> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Charts are flat colours: fast compression is nearly as small.
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(bytes)
}

/// Draws `chart`: the frame (title, subtitle, legend), then each panel from
/// the top, each with its axes and then its series.
fn draw<DB: DrawingBackend>(chart: &Chart, root: &Area<DB>, recs: &[MonthRecord]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    if recs.is_empty() {
        root.draw_text(
            "No months were simulated.",
            &text(40.0, false, &MUTED),
            (60, 60),
        )?;
        return Ok(());
    }
    // A series undefined in every month (a feature that is off) has no key.
    let keys: Vec<Key> = chart
        .panels
        .iter()
        .flat_map(|p| p.series)
        .filter(|s| recs.iter().any(|r| (s.value)(r).is_some()))
        .map(|s| key(s.label, s.color, mark(s.style)))
        .collect();
    let body = frame(root, chart.title, &(chart.subtitle)(recs), &keys)?;
    // Every panel's scales first: the label areas are as wide as the widest
    // label of any panel, so that stacked panels line up.
    let scaled: Vec<Scaled> = chart.panels.iter().map(|p| Scaled::of(p, recs)).collect();
    let lefts: Vec<(&Axis, Fmt<'_>)> = scaled.iter().map(|s| (&s.left.axis, s.left.fmt)).collect();
    let rights: Vec<(&Axis, Fmt<'_>)> = scaled
        .iter()
        .filter_map(|s| s.right.as_ref().map(|r| (&r.axis, r.fmt)))
        .collect();
    let lw = label_width(&body, &lefts);
    let rw = label_width(&body, &rights);

    let (_, h) = body.dim_in_pixel();
    let mut rest = Some(body.clone());
    let last = chart.panels.len().saturating_sub(1);
    for (i, (panel, scale)) in chart.panels.iter().zip(&scaled).enumerate() {
        let Some(area) = rest.take() else { break };
        let area = if i < last {
            let (top, bottom) = area.split_vertically((f64::from(h) * panel.height) as i32);
            rest = Some(bottom);
            top
        } else {
            area
        };
        draw_panel(&area, panel, scale, recs, lw, rw, i == last)?;
    }
    Ok(())
}

fn mark(style: Style) -> Mark {
    match style {
        Style::Area | Style::StepArea | Style::Bars | Style::SideBars => Mark::Block,
        Style::Line => Mark::Line,
        Style::Dashed => Mark::Dashed,
    }
}

/// One y axis of a panel, worked out for the records at hand.
struct ScaledAxis {
    axis: Axis,
    /// Values are divided by this before they are drawn.
    div: f64,
    desc: String,
    fmt: Fmt<'static>,
}

/// A panel's axes, worked out for the records at hand.
struct Scaled {
    left: ScaledAxis,
    right: Option<ScaledAxis>,
}

impl Scaled {
    fn of(panel: &Panel, recs: &[MonthRecord]) -> Scaled {
        let raw_left = axis_values(panel, Side::Left, recs);
        let raw_right = axis_values(panel, Side::Right, recs);
        let unit_of = |a: &YAxis, raw: &[f64]| match a.scale {
            Some(preferred) => unit(raw.iter().copied().fold(0.0, f64::max), preferred),
            None => UNITS[UNITS.len() - 1],
        };
        let lu = unit_of(&panel.left, &raw_left);
        let left: Vec<f64> = raw_left.iter().map(|v| v / lu.div).collect();
        let scaled = |a: &YAxis, axis: Axis, u: Unit| ScaledAxis {
            axis,
            div: u.div,
            desc: describe(a, u),
            fmt: formatter(a.format),
        };
        match &panel.right {
            Some(r) => {
                let ru = unit_of(r, &raw_right);
                let right: Vec<f64> = raw_right.iter().map(|v| v / ru.div).collect();
                let (y, y2) = Axis::pair(left, right);
                Scaled {
                    left: scaled(&panel.left, y, lu),
                    right: Some(scaled(r, y2, ru)),
                }
            }
            None => Scaled {
                left: scaled(&panel.left, range(panel.left.range, &left), lu),
                right: None,
            },
        }
    }
}

/// The axis over `values` that `range` asks for.
fn range(range: Range, values: &[f64]) -> Axis {
    let values = values.iter().copied();
    match range {
        Range::FromZero => Axis::covering(values, true),
        Range::Auto => {
            let y = Axis::covering(values.clone(), false);
            let min = values.clone().fold(f64::INFINITY, f64::min);
            // A non-negative series never gets a negative axis.
            if y.lo < 0.0 && min >= 0.0 {
                Axis::covering(values, true)
            } else {
                y
            }
        }
        Range::Fixed { lo, hi, divisions } => Axis::round(lo, hi, divisions),
        Range::Count => Axis::count(values.fold(0.0, f64::max)),
    }
}

/// The values an axis must cover, before scaling: each month's sum for
/// stacked series (areas, stacked bars), each value for the others.
fn axis_values(panel: &Panel, side: Side, recs: &[MonthRecord]) -> Vec<f64> {
    let on_side = || panel.series.iter().filter(move |s| s.axis == side);
    let mut out = Vec::new();
    for style in [Style::Area, Style::StepArea, Style::Bars] {
        let group: Vec<&Series> = on_side().filter(|s| s.style == style).collect();
        if group.is_empty() {
            continue;
        }
        for r in recs {
            let defined: Vec<f64> = group.iter().filter_map(|s| (s.value)(r)).collect();
            if defined.is_empty() {
                continue;
            }
            if style == Style::Bars {
                // Bars stack positive values up and negative ones down.
                out.push(defined.iter().filter(|v| **v > 0.0).sum());
                let down: f64 = defined.iter().filter(|v| **v < 0.0).sum();
                if down < 0.0 {
                    out.push(down);
                }
            } else {
                out.push(defined.into_iter().sum());
            }
        }
    }
    for s in on_side().filter(|s| !s.style.stacks()) {
        out.extend(recs.iter().filter_map(|r| (s.value)(r)));
    }
    out
}

/// The axis description: `TVL (USD, billions)`, `OAK (thousands)`, `Pairs`.
fn describe(a: &YAxis, u: Unit) -> String {
    match a.unscaled_label {
        Some(label) if u.name.is_empty() => label.to_string(),
        _ if !a.unit.is_empty() => desc_with(a.label, a.unit, u),
        _ if u.name.is_empty() => a.label.to_string(),
        _ => format!("{} ({})", a.label, u.name),
    }
}

fn number_label(v: &f64) -> String {
    tick(*v)
}

fn percent_label(v: &f64) -> String {
    percent_tick(*v)
}

fn formatter(f: TickFormat) -> Fmt<'static> {
    match f {
        TickFormat::Number => &number_label,
        TickFormat::Percent => &percent_label,
    }
}

/// What one series (or one stacked group) turns into, in drawing order.
enum Shapes {
    Polygons(Vec<Polygon<(f64, f64)>>),
    Rects(Vec<Rectangle<(f64, f64)>>),
    Line(Vec<(f64, f64)>, RGBColor),
    Dashed(Vec<(f64, f64)>, RGBColor),
    Dots(Vec<(f64, f64)>, RGBColor),
}

/// Draws `shapes` with `$method` (`draw_series` or `draw_secondary_series`).
macro_rules! put {
    ($chart:expr, $method:ident, $shapes:expr) => {
        match $shapes {
            Shapes::Polygons(p) => {
                $chart.$method(p)?;
            }
            Shapes::Rects(r) => {
                $chart.$method(r)?;
            }
            Shapes::Line(points, c) => {
                $chart.$method(LineSeries::new(points, c.stroke_width(LINE)))?;
            }
            Shapes::Dashed(points, c) => {
                $chart.$method(DashedLineSeries::new(
                    points,
                    DASH,
                    GAP,
                    c.stroke_width(LINE),
                ))?;
            }
            Shapes::Dots(points, c) => {
                $chart.$method(points.into_iter().map(|p| Circle::new(p, 6, c.filled())))?;
            }
        }
    };
}

fn draw_panel<DB: DrawingBackend>(
    area: &Area<DB>,
    panel: &Panel,
    scale: &Scaled,
    recs: &[MonthRecord],
    lw: i32,
    rw: i32,
    bottom: bool,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let bars = panel.series.iter().any(|s| s.style.is_per_month());
    let x_desc = if bottom { "Month" } else { "" };
    let left = &scale.left;
    let mut builder = builder(area, lw, scale.right.as_ref().map(|_| rw), bottom);
    match &scale.right {
        Some(right) => {
            let mut chart = builder
                .build_cartesian_2d(months(recs, bars), left.axis.clone())?
                .set_secondary_coord(months(recs, bars), right.axis.clone());
            mesh!(chart, x_desc, left.desc.as_str(), left.fmt)?;
            right_axis!(chart, right.desc.as_str(), right.fmt)?;
            for (side, shapes) in shapes(panel, recs, left.div, right.div) {
                match side {
                    Side::Left => put!(chart, draw_series, shapes),
                    Side::Right => put!(chart, draw_secondary_series, shapes),
                }
            }
        }
        None => {
            let mut chart = builder.build_cartesian_2d(months(recs, bars), left.axis.clone())?;
            mesh!(chart, x_desc, left.desc.as_str(), left.fmt)?;
            for (_, shapes) in shapes(panel, recs, left.div, 1.0) {
                put!(chart, draw_series, shapes);
            }
        }
    }
    Ok(())
}

/// The shapes of a panel's series in drawing order: by layer, then as
/// declared; a stacked group is drawn where its first member comes.
fn shapes(panel: &Panel, recs: &[MonthRecord], ldiv: f64, rdiv: f64) -> Vec<(Side, Shapes)> {
    let mut order: Vec<&Series> = panel.series.iter().collect();
    order.sort_by_key(|s| s.layer);
    let mut done: Vec<(Side, Style)> = Vec::new();
    let mut out = Vec::new();
    let w = bar_width(recs);
    for s in order {
        let div = match s.axis {
            Side::Left => ldiv,
            Side::Right => rdiv,
        };
        if s.style.groups() {
            if done.contains(&(s.axis, s.style)) {
                continue;
            }
            done.push((s.axis, s.style));
            let group: Vec<&Series> = panel
                .series
                .iter()
                .filter(|g| g.axis == s.axis && g.style == s.style)
                .collect();
            for shapes in group_shapes(s.style, &group, recs, div, w) {
                out.push((s.axis, shapes));
            }
            continue;
        }
        let dots = s.dots_up_to > 0;
        let all_dots = dots && recs.len() <= s.dots_up_to as usize;
        for seg in segments(recs, |r| (s.value)(r).map(|v| v / div)) {
            // An isolated month of a dotted series is a dot, not a stub.
            if seg.len() > 1 || !dots {
                let points = widen(&seg);
                out.push((
                    s.axis,
                    match s.style {
                        Style::Dashed => Shapes::Dashed(points, s.color),
                        _ => Shapes::Line(points, s.color),
                    },
                ));
            }
            if all_dots || (dots && seg.len() == 1) {
                out.push((s.axis, Shapes::Dots(seg, s.color)));
            }
        }
    }
    out
}

/// The shapes of a stacked group (areas, step areas, stacked bars) or of
/// bars side by side.
fn group_shapes(
    style: Style,
    group: &[&Series],
    recs: &[MonthRecord],
    div: f64,
    w: f64,
) -> Vec<Shapes> {
    let value = |s: &Series, r: &MonthRecord| (s.value)(r).map(|v| v / div);
    match style {
        Style::Bars => vec![Shapes::Rects(
            recs.iter()
                .flat_map(|r| {
                    let values: Vec<(f64, RGBColor)> = group
                        .iter()
                        .map(|s| (value(s, r).unwrap_or(0.0), s.color))
                        .collect();
                    bar_stack(f64::from(r.month), &values, w)
                })
                .collect(),
        )],
        Style::SideBars => {
            let n = group.len() as f64;
            let half = w / (2.0 * n);
            vec![Shapes::Rects(
                recs.iter()
                    .flat_map(|r| {
                        let x = f64::from(r.month);
                        group.iter().enumerate().filter_map(move |(i, s)| {
                            let v = value(s, r).unwrap_or(0.0);
                            let at = x + (2.0 * i as f64 + 1.0 - n) * half;
                            (v != 0.0).then(|| {
                                Rectangle::new([(at - half, 0.0), (at + half, v)], s.color.filled())
                            })
                        })
                    })
                    .collect(),
            )]
        }
        _ => {
            // Stacked areas, over the runs of months where every layer is defined.
            let mut runs: Vec<Vec<(f64, Vec<f64>)>> = Vec::new();
            let mut current = Vec::new();
            for r in recs {
                let values: Option<Vec<f64>> = group
                    .iter()
                    .map(|s| value(s, r).filter(|v| v.is_finite()))
                    .collect();
                match values {
                    Some(v) => current.push((f64::from(r.month), v)),
                    None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
                    None => {}
                }
            }
            if !current.is_empty() {
                runs.push(current);
            }
            runs.iter()
                .map(|run| {
                    let layers: Vec<(Vec<(f64, f64)>, RGBColor)> = group
                        .iter()
                        .enumerate()
                        .map(|(i, s)| {
                            let seg: Vec<(f64, f64)> =
                                run.iter().map(|(m, v)| (*m, v[i])).collect();
                            let points = if style == Style::StepArea {
                                steps(&seg)
                            } else {
                                widen(&seg)
                            };
                            (points, s.color)
                        })
                        .collect();
                    Shapes::Polygons(stack(&layers))
                })
                .collect()
        }
    }
}

/// A month-by-month step outline (each month a flat step of one month), so
/// that an area lines up with the bars drawn under it.
fn steps(seg: &[(f64, f64)]) -> Vec<(f64, f64)> {
    seg.iter()
        .flat_map(|(m, v)| [(m - 0.5, *v), (m + 0.5, *v)])
        .collect()
}

// ---------------------------------------------------------------- styles

const TITLE_SIZE: f64 = 46.0;
const SUBTITLE_SIZE: f64 = 28.0;
const LEGEND_SIZE: f64 = 28.0;
const TICK_SIZE: f64 = 26.0;
const DESC_SIZE: f64 = 28.0;
const LINE: u32 = 4;
const LEFT: i32 = 48;

fn text(size: f64, bold: bool, color: &RGBColor) -> TextStyle<'static> {
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    FontDesc::new(FontFamily::SansSerif, size, style).color(color)
}

fn ticks() -> TextStyle<'static> {
    text(TICK_SIZE, false, &MUTED)
}

fn desc() -> TextStyle<'static> {
    text(DESC_SIZE, false, &TEXT)
}

/// How a legend entry is marked.
#[derive(Clone, Copy)]
enum Mark {
    /// A filled block (areas, bars).
    Block,
    /// A solid line.
    Line,
    /// A dashed line.
    Dashed,
    /// A dot.
    Dot,
}

struct Key {
    label: String,
    color: RGBColor,
    mark: Mark,
}

fn key(label: impl Into<String>, color: RGBColor, mark: Mark) -> Key {
    Key {
        label: label.into(),
        color,
        mark,
    }
}

/// Draws the title, the subtitle and the legend above the plot, where they
/// can never cover data; returns the area left for the plot.
fn frame<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    subtitle: &str,
    keys: &[Key],
) -> DrawResult<Area<DB>>
where
    DB::ErrorType: 'static,
{
    root.draw_text(title, &text(TITLE_SIZE, true, &TEXT), (LEFT, 30))?;
    let (width, _) = root.dim_in_pixel();
    let right = width as i32 - LEFT;
    // A long subtitle is set smaller rather than cut off at the edge.
    let mut size = SUBTITLE_SIZE;
    while size > 18.0
        && root
            .estimate_text_size(subtitle, &text(size, false, &MUTED))
            .is_ok_and(|(w, _)| w as i32 > right - LEFT)
    {
        size -= 1.0;
    }
    root.draw_text(subtitle, &text(size, false, &MUTED), (LEFT, 92))?;
    let style = text(LEGEND_SIZE, false, &TEXT);
    let (mut x, mut y) = (LEFT, 148);
    for k in keys {
        let (w, _) = root.estimate_text_size(&k.label, &style)?;
        let item = 44 + 12 + w as i32;
        if x > LEFT && x + item > right {
            x = LEFT;
            y += 44;
        }
        let mid = y + 16;
        match k.mark {
            Mark::Block => {
                root.draw(&Rectangle::new(
                    [(x, mid - 12), (x + 44, mid + 12)],
                    k.color.filled(),
                ))?;
            }
            Mark::Line => {
                root.draw(&PathElement::new(
                    vec![(x, mid), (x + 44, mid)],
                    k.color.stroke_width(LINE + 1),
                ))?;
            }
            Mark::Dot => {
                root.draw(&Circle::new((x + 22, mid), 9, k.color.filled()))?;
            }
            Mark::Dashed => {
                for s in [0, 18, 36] {
                    root.draw(&PathElement::new(
                        vec![(x + s, mid), (x + s + 10, mid)],
                        k.color.stroke_width(LINE + 1),
                    ))?;
                }
            }
        }
        root.draw_text(&k.label, &style, (x + 56, mid - 11))?;
        x += item + 44;
    }
    let top = if keys.is_empty() { 140 } else { y + 52 };
    let (_, body) = root.split_vertically(top);
    Ok(body)
}

/// Dash and gap lengths of dashed lines, in pixels.
const DASH: u32 = 14;
const GAP: u32 = 10;

/// Stacked layers: polygon k spans from zero to the sum of layers 0..=k, and
/// they are drawn from the top layer down so that no seam shows.
fn stack(layers: &[(Vec<(f64, f64)>, RGBColor)]) -> Vec<Polygon<(f64, f64)>> {
    let Some((first, _)) = layers.first() else {
        return Vec::new();
    };
    let mut sums = vec![0.0; first.len()];
    let mut polys = Vec::new();
    for (points, color) in layers {
        for (s, (_, y)) in sums.iter_mut().zip(points) {
            *s += y.max(0.0);
        }
        let mut outline: Vec<(f64, f64)> = first
            .iter()
            .zip(&sums)
            .map(|((x, _), s)| (*x, *s))
            .collect();
        if let (Some((x0, _)), Some((x1, _))) = (first.first(), first.last()) {
            outline.push((*x1, 0.0));
            outline.push((*x0, 0.0));
        }
        polys.push(Polygon::new(outline, color.filled()));
    }
    polys.reverse();
    polys
}

/// Stacked bars for one month: segments of `values` from zero up.
/// One month's stacked bars: positive values stack up from zero, negative
/// ones down from it.
fn bar_stack(x: f64, values: &[(f64, RGBColor)], width: f64) -> Vec<Rectangle<(f64, f64)>> {
    let (mut up, mut down) = (0.0, 0.0);
    let mut out = Vec::new();
    for &(v, c) in values {
        let base = if v > 0.0 {
            &mut up
        } else if v < 0.0 {
            &mut down
        } else {
            continue;
        };
        out.push(Rectangle::new(
            [(x - width / 2.0, *base), (x + width / 2.0, *base + v)],
            c.filled(),
        ));
        *base += v;
    }
    out
}

/// Width of a bar, in months: thinner when there are many.
fn bar_width(recs: &[MonthRecord]) -> f64 {
    if recs.len() > 200 { 1.0 } else { 0.75 }
}

/// The runs of consecutive defined values, for lines with gaps.
fn segments(recs: &[MonthRecord], f: impl Fn(&MonthRecord) -> Option<f64>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for r in recs {
        match f(r) {
            Some(v) if v.is_finite() => current.push((f64::from(r.month), v)),
            _ => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

// ---------------------------------------------------------------- axes

type Fmt<'a> = &'a dyn Fn(&f64) -> String;

/// Width of a y label area: the widest tick label of `axes`, the tick
/// mark, and the rotated axis description.
fn label_width<DB: DrawingBackend>(area: &Area<DB>, axes: &[(&Axis, Fmt<'_>)]) -> i32 {
    let style = ticks();
    let widest = axes
        .iter()
        .flat_map(|(a, f)| a.ticks.iter().map(f))
        .filter_map(|label| area.estimate_text_size(&label, &style).ok())
        .map(|(w, _)| w as i32)
        .max()
        .unwrap_or(0);
    widest + 78
}

/// A chart builder with the house margins; `right` is the width of a
/// right-hand label area, if the chart has a second axis.
fn builder<DB: DrawingBackend>(
    area: &Area<DB>,
    left: i32,
    right: Option<i32>,
    x_labels: bool,
) -> ChartBuilder<'_, '_, DB> {
    let mut b = ChartBuilder::on(area);
    b.margin_left(LEFT - 32)
        .margin_right(if right.is_some() { 16 } else { LEFT + 12 })
        // Room for the half of the top tick label that sticks out, and a
        // gap between stacked panels.
        .margin_top(22)
        .margin_bottom(if x_labels { 16 } else { 26 })
        .x_label_area_size(if x_labels { 96 } else { 0 })
        .y_label_area_size(left);
    if let Some(w) = right {
        b.right_y_label_area_size(w);
    }
    b
}

/// A one-point segment as a short flat line, so that it shows.
fn widen(seg: &[(f64, f64)]) -> Vec<(f64, f64)> {
    match seg {
        [(x, y)] => vec![(x - 0.5, *y), (x + 0.5, *y)],
        _ => seg.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::scale::nice_step;
    use super::*;

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(1500.0), "1,500");
        assert_eq!(tick(0.30000000000000004), "0.3");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(0.00125), "0.00125");
        assert_eq!(tick(-12.0), "-12");
    }

    #[test]
    fn huge_and_tiny_ticks_are_scientific_and_keep_their_zeros() {
        assert_eq!(tick(2e287), "2e287");
        assert_eq!(tick(1.5e20), "1.5e20");
        assert_eq!(tick(999_999_999_999_999.0), "999,999,999,999,999");
        assert_eq!(tick(1.5e-20), "1.5e-20");
        assert_eq!(percent_tick(1e300), "1e300 %");
    }

    #[test]
    fn flat_ranges_are_padded() {
        assert_eq!(extent([1.0, 1.0], false), (0.0, 2.0));
        assert_eq!(extent([0.0, 0.0], true), (0.0, 1.0));
        let a = Axis::covering([f64::MAX, 1.0], true);
        assert!(a.lo.is_finite() && a.hi.is_finite() && a.hi > a.lo);
        let a = Axis::covering([1e15, 1e15 + 1.0], false);
        assert!(a.hi > a.lo && a.ticks.len() >= 2);
    }

    #[test]
    fn axes_end_on_round_ticks() {
        let a = Axis::covering([0.0, 0.72], true);
        assert_eq!(a.lo, 0.0);
        assert_eq!(a.ticks.first(), Some(&0.0));
        assert_eq!(a.ticks.last(), Some(&a.hi));
        let (l, r) = Axis::pair([1000.0], [1100.0]);
        assert_eq!(l.ticks.len(), r.ticks.len());
        assert!(l.hi >= 1000.0 && r.hi >= 1100.0);
        let c = Axis::count(1.0);
        assert!(c.ticks.iter().all(|t| t.fract() == 0.0));
        assert_eq!(nice_step(0.22), 0.25);
        assert_eq!(nice_step(3.0), 5.0);
    }

    #[test]
    fn units_prefer_the_asked_scale() {
        assert_eq!(unit(1.2e9, 1e9).div, 1e9);
        assert_eq!(unit(4e8, 1e9).div, 1e9);
        assert_eq!(unit(1e5, 1e9).div, 1e3);
        assert_eq!(unit(0.0, 1e6).div, 1e6);
        assert_eq!(unit(9.9e15, 1e9).div, 1e12);
        // Past ten thousand trillions the ticks are scientific, unscaled.
        assert_eq!(unit(1e16, 1e9).div, 1.0);
        assert_eq!(unit(1e300, 1e6).name, "");
    }

    #[test]
    fn axis_descriptions_follow_the_definition() {
        let thousands = UNITS[3];
        let none = UNITS[4];
        let tvl = YAxis {
            label: "TVL",
            unit: "USD",
            unscaled_label: None,
            scale: Some(1e9),
            range: Range::FromZero,
            format: TickFormat::Number,
        };
        assert_eq!(describe(&tvl, thousands), "TVL (USD, thousands)");
        assert_eq!(describe(&tvl, none), "TVL (USD)");
        let paid = YAxis {
            label: "Paid",
            unit: "",
            unscaled_label: Some("Paid out"),
            ..tvl
        };
        assert_eq!(describe(&paid, thousands), "Paid (thousands)");
        assert_eq!(describe(&paid, none), "Paid out");
        let count = YAxis {
            label: "Pairs",
            unit: "",
            scale: None,
            ..tvl
        };
        assert_eq!(describe(&count, none), "Pairs");
    }
}
