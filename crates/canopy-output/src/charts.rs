//! The charts of a run, each drawn once as PNG and once as SVG by the same
//! code. Text is drawn with DejaVu Sans, embedded in the binary, so that a
//! chart looks the same on a machine with no fonts installed.

use std::error::Error;
use std::sync::OnceLock;

use canopy_model::{MonthRecord, TvlKind};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::{FontDesc, register_font};

use super::palette::{self, AXIS, GRID, MUTED, TEXT};

/// Width of a chart, pixels.
pub const WIDTH: u32 = 1600;
/// Height of a chart, pixels.
pub const HEIGHT: u32 = 1000;

type DrawResult<T = ()> = Result<T, Box<dyn Error>>;
type Area<DB> = DrawingArea<DB, Shift>;

static REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

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

/// One of the charts a run draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    /// TVL by kind, stacked.
    Tvl,
    /// Monthly revenue by kind and cumulative revenue.
    Revenue,
    /// AEGIS LEAF, USDC and value.
    AegisBalances,
    /// Shares of AEGIS value in LEAF and USDC.
    AegisComposition,
    /// The LEAF price.
    LeafPrice,
    /// Active pairs and their liquidity.
    LeafPairs,
    /// OAK distributed, redeemed, unredeemed; value per OAK.
    OakStatus,
    /// OAK redeemed per month and what it paid.
    OakRedemptions,
    /// IRR against the weighted threshold.
    OakIrr,
    /// Chain TVL and market share (chain model only).
    ChainTvl,
}

impl Chart {
    /// Every chart, in report order.
    pub const ALL: [Chart; 10] = [
        Chart::Tvl,
        Chart::Revenue,
        Chart::AegisBalances,
        Chart::AegisComposition,
        Chart::LeafPrice,
        Chart::LeafPairs,
        Chart::OakStatus,
        Chart::OakRedemptions,
        Chart::OakIrr,
        Chart::ChainTvl,
    ];

    /// File name without extension.
    pub fn file_stem(self) -> &'static str {
        match self {
            Chart::Tvl => "tvl_composition",
            Chart::Revenue => "revenue",
            Chart::AegisBalances => "aegis_balances",
            Chart::AegisComposition => "aegis_composition",
            Chart::LeafPrice => "leaf_price",
            Chart::LeafPairs => "leaf_pairs",
            Chart::OakStatus => "oak_status",
            Chart::OakRedemptions => "oak_redemptions",
            Chart::OakIrr => "oak_irr",
            Chart::ChainTvl => "chain_tvl",
        }
    }

    /// The chart's title, as drawn on it.
    pub fn title(self) -> &'static str {
        match self {
            Chart::Tvl => "TVL composition",
            Chart::Revenue => "Revenue",
            Chart::AegisBalances => "AEGIS balances",
            Chart::AegisComposition => "AEGIS composition",
            Chart::LeafPrice => "LEAF price",
            Chart::LeafPairs => "LEAF pairs",
            Chart::OakStatus => "OAK status",
            Chart::OakRedemptions => "Monthly OAK redemptions",
            Chart::OakIrr => "OAK IRR and redemption threshold",
            Chart::ChainTvl => "Chain TVL and market share",
        }
    }

    /// Whether the chart has anything to show for `records`.
    pub fn applies(self, records: &[MonthRecord]) -> bool {
        !records.is_empty()
            && match self {
                Chart::ChainTvl => records.iter().any(|r| r.chain_tvl.is_some()),
                _ => true,
            }
    }
}

/// The charts `records` call for, in report order.
pub fn charts_for(records: &[MonthRecord]) -> Vec<Chart> {
    Chart::ALL
        .into_iter()
        .filter(|c| c.applies(records))
        .collect()
}

/// `chart` as an SVG document.
pub fn svg(chart: Chart, records: &[MonthRecord]) -> DrawResult<String> {
    fonts()?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
        draw(chart, &root, records)?;
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
        draw(chart, &root, records)?;
        root.present()?;
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Charts are flat colours: fast compression is nearly as small.
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&rgb)?;
        writer.finish()?;
    }
    Ok(bytes)
}

fn draw<DB: DrawingBackend>(chart: Chart, root: &Area<DB>, recs: &[MonthRecord]) -> DrawResult
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
    match chart {
        Chart::Tvl => tvl(root, recs),
        Chart::Revenue => revenue(root, recs),
        Chart::AegisBalances => aegis_balances(root, recs),
        Chart::AegisComposition => aegis_composition(root, recs),
        Chart::LeafPrice => leaf_price(root, recs),
        Chart::LeafPairs => leaf_pairs(root, recs),
        Chart::OakStatus => oak_status(root, recs),
        Chart::OakRedemptions => oak_redemptions(root, recs),
        Chart::OakIrr => oak_irr(root, recs),
        Chart::ChainTvl => chain_tvl(root, recs),
    }
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

// ---------------------------------------------------------------- numbers

/// A scale for an axis: values are divided by `div` and the axis says `name`.
#[derive(Clone, Copy)]
struct Unit {
    div: f64,
    name: &'static str,
}

const UNITS: [Unit; 5] = [
    Unit {
        div: 1e12,
        name: "trillions",
    },
    Unit {
        div: 1e9,
        name: "billions",
    },
    Unit {
        div: 1e6,
        name: "millions",
    },
    Unit {
        div: 1e3,
        name: "thousands",
    },
    Unit { div: 1.0, name: "" },
];

/// The scale for values up to `max`: `preferred` when the numbers stay
/// readable in it, else the largest that keeps them at 1 or more.
fn unit(max: f64, preferred: f64) -> Unit {
    let max = max.abs();
    if let Some(u) = UNITS.iter().find(|u| u.div == preferred)
        && (max == 0.0 || (max / u.div >= 0.01 && max / u.div < 10_000.0))
    {
        return *u;
    }
    UNITS
        .iter()
        .copied()
        .find(|u| max / u.div >= 1.0)
        .unwrap_or(UNITS[UNITS.len() - 1])
}

/// `what (USD, billions)`, `what (USD)`.
fn desc_with(what: &str, currency: &str, u: Unit) -> String {
    if u.name.is_empty() {
        format!("{what} ({currency})")
    } else {
        format!("{what} ({currency}, {})", u.name)
    }
}

/// A tick label: few digits, thousands separators, no trailing zeros.
fn tick(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let a = v.abs();
    if a >= 1e15 {
        return format!("{v:.1e}");
    }
    let decimals = if a >= 100.0 || a == 0.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        // Three significant digits below 1.
        (2 - a.log10().floor() as i32).clamp(0, 12) as usize
    };
    let s = crate::numbers::thousands(v, decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn percent_tick(v: f64) -> String {
    format!("{} %", tick(v))
}

/// The extent of `values` (from zero when `from_zero`), never empty and
/// never infinite; a flat series gets a band around it.
fn extent(values: impl IntoIterator<Item = f64>, from_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(-1e300, 1e300))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    if from_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    let size = lo.abs().max(hi.abs());
    if hi - lo <= size * 1e-9 {
        // A flat line (a fixed price): from zero to twice its value, so it
        // sits mid-chart on an honest scale.
        return if size == 0.0 {
            (0.0, 1.0)
        } else if lo >= 0.0 {
            (0.0, 2.0 * hi)
        } else {
            (2.0 * lo, 0.0)
        };
    }
    (lo, hi)
}

/// The round step (1, 2, 2.5 or 5 times a power of ten) at or above `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let e = 10f64.powf(raw.log10().floor());
    let f = raw / e;
    let n = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|n| f <= n * (1.0 + 1e-9))
        .unwrap_or(10.0);
    n * e
}

/// A linear axis whose ticks are chosen here: plotters' own f64 axis puts
/// ticks at fractions of a month and cannot line up two y axes.
#[derive(Clone, Debug)]
struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        let pixels = f64::from(limit.1 - limit.0);
        if span.is_nan() || span <= 0.0 || pixels == 0.0 {
            return limit.0;
        }
        // `as` saturates, so a point far outside lands on the edge, no panic.
        limit.0 + ((v - self.lo) / span * pixels + 1e-3).floor() as i32
    }

    fn key_points<H: KeyPointHint>(&self, _hint: H) -> Vec<f64> {
        self.ticks.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

impl Axis {
    /// An axis over `values` that starts and ends on round ticks, with a
    /// little headroom so that no line runs along the frame.
    fn covering(values: impl IntoIterator<Item = f64>, from_zero: bool) -> Axis {
        let (lo, hi) = extent(values, from_zero);
        let room = (hi - lo) * 0.03;
        let lo = if lo < 0.0 || !from_zero {
            lo - room
        } else {
            lo
        };
        Axis::round(lo, hi + room, 6.0)
    }

    /// `lo..hi` widened to multiples of a round step, about `divisions` of them.
    fn round(lo: f64, hi: f64, divisions: f64) -> Axis {
        let step = nice_step((hi - lo) / divisions);
        let a = (lo / step).floor() * step;
        let b = (hi / step).ceil() * step;
        let n = ((b - a) / step).round();
        if !(a.is_finite() && b.is_finite() && b > a && (1.0..=40.0).contains(&n)) {
            return Axis {
                lo,
                hi,
                ticks: vec![lo, hi],
            };
        }
        let ticks = (0..=n as usize)
            .map(|i| {
                let t = a + i as f64 * step;
                // No "-0" tick from rounding.
                if t.abs() < step * 1e-9 { 0.0 } else { t }
            })
            .collect();
        Axis {
            lo: a,
            hi: b,
            ticks,
        }
    }

    /// Two axes from zero with the same number of divisions, so that one set
    /// of grid lines serves both sides of a dual chart; the number of
    /// divisions is the one that wastes the least height on either side.
    fn pair(
        left: impl IntoIterator<Item = f64>,
        right: impl IntoIterator<Item = f64>,
    ) -> (Axis, Axis) {
        let (_, l) = extent(left, true);
        let (_, r) = extent(right, true);
        let side = |max: f64, d: usize| {
            let step = nice_step(max * 1.02 / d as f64);
            Axis {
                lo: 0.0,
                hi: step * d as f64,
                ticks: (0..=d).map(|i| i as f64 * step).collect(),
            }
        };
        let waste = |d: usize| (side(l, d).hi / l).max(side(r, d).hi / r);
        let d = (4..=7)
            .min_by(|a, b| waste(*a).total_cmp(&waste(*b)))
            .unwrap_or(5);
        (side(l, d), side(r, d))
    }

    /// A count axis: whole-number ticks from zero.
    fn count(max: f64) -> Axis {
        let step = nice_step(max.max(1.0) / 4.0).max(1.0).round();
        let n = (max.max(1.0) / step).ceil() as usize;
        let hi = (n as f64 + 0.25) * step;
        Axis {
            lo: 0.0,
            hi,
            ticks: (0..=n).map(|i| i as f64 * step).collect(),
        }
    }
}

/// The month axis of `recs`, ticks at round month steps; bars need half a
/// month of room at each end.
fn months(recs: &[MonthRecord], bars: bool) -> Axis {
    let first = recs.first().map_or(1, |r| r.month) as f64;
    let last = recs.last().map_or(1, |r| r.month) as f64;
    let (lo, hi) = if bars || last <= first {
        (first - 0.5, last + 0.5)
    } else {
        (first, last)
    };
    let span = last - first + 1.0;
    let step = [1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 60.0, 120.0, 240.0, 600.0]
        .into_iter()
        .find(|s| span / s <= 12.0)
        .unwrap_or(1200.0);
    let mut ticks = Vec::new();
    let mut m = (first / step).ceil() * step;
    while m <= last {
        ticks.push(m);
        m += step;
    }
    if ticks.is_empty() {
        ticks.push(first);
    }
    Axis { lo, hi, ticks }
}

/// Points of one series, one per month; a single month becomes a short
/// flat segment so that lines and areas stay visible.
/// Dash and gap lengths of dashed lines, in pixels.
const DASH: u32 = 14;
const GAP: u32 = 10;

fn pts(recs: &[MonthRecord], f: impl Fn(&MonthRecord) -> f64) -> Vec<(f64, f64)> {
    if let [r] = recs {
        let m = f64::from(r.month);
        let v = f(r);
        return vec![(m - 0.5, v), (m + 0.5, v)];
    }
    recs.iter().map(|r| (f64::from(r.month), f(r))).collect()
}

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
fn bar_stack(x: f64, values: &[(f64, RGBColor)], width: f64) -> Vec<Rectangle<(f64, f64)>> {
    let mut base = 0.0;
    let mut out = Vec::new();
    for (v, c) in values {
        let v = v.max(0.0);
        if v > 0.0 {
            out.push(Rectangle::new(
                [(x - width / 2.0, base), (x + width / 2.0, base + v)],
                c.filled(),
            ));
        }
        base += v;
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

fn money(v: f64) -> String {
    let a = v.abs();
    let (d, s) = if a >= 1e12 {
        (1e12, "T")
    } else if a >= 1e9 {
        (1e9, "B")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e3 {
        (1e3, "K")
    } else {
        (1.0, "")
    };
    let sign = if v < 0.0 { "-" } else { "" };
    format!("{sign}${:.2}{s}", a / d)
}

fn amount(v: f64) -> String {
    money(v).replacen('$', "", 1)
}

// ---------------------------------------------------------------- axes

type Fmt<'a> = &'a dyn Fn(&f64) -> String;

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

// ---------------------------------------------------------------- charts

fn tvl<DB: DrawingBackend>(root: &Area<DB>, recs: &[MonthRecord]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let last = recs.last().map(|r| r.tvl_total()).unwrap_or(0.0);
    let max = recs.iter().map(|r| r.tvl_total()).fold(0.0, f64::max);
    let u = unit(max, 1e9);
    let keys: Vec<Key> = TvlKind::ALL
        .iter()
        .map(|k| key(k.name(), palette::tvl(*k), Mark::Block))
        .collect();
    let sub = format!(
        "Total value locked by kind, stacked; {} in month {}",
        money(last),
        recs.last().map_or(0, |r| r.month)
    );
    let body = frame(root, Chart::Tvl.title(), &sub, &keys)?;
    let y = Axis::covering(recs.iter().map(|r| r.tvl_total() / u.div), true);
    let fmt: Fmt = &|v| tick(*v);
    let lw = label_width(&body, &[(&y, fmt)]);
    let mut chart = builder(&body, lw, None, true).build_cartesian_2d(months(recs, false), y)?;
    mesh!(chart, "Month", desc_with("TVL", "USD", u), fmt)?;
    let layers: Vec<_> = TvlKind::ALL
        .iter()
        .map(|k| (pts(recs, |r| r.tvl[k.index()] / u.div), palette::tvl(*k)))
        .collect();
    chart.draw_series(stack(&layers))?;
    Ok(())
}

fn revenue<DB: DrawingBackend>(root: &Area<DB>, recs: &[MonthRecord]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let max = recs.iter().map(|r| r.revenue_total()).fold(0.0, f64::max);
    let cum_max = recs
        .iter()
        .map(|r| r.revenue_cumulative)
        .fold(0.0, f64::max);
    let u = unit(max, 1e6);
    let cu = unit(cum_max, 1e6);
    let mut keys: Vec<Key> = TvlKind::ALL
        .iter()
        .map(|k| key(k.name(), palette::tvl(*k), Mark::Block))
        .collect();
    keys.push(key(
        "cumulative (right axis)",
        palette::CUMULATIVE,
        Mark::Line,
    ));
    let sub = format!(
        "Monthly revenue by kind (bars) and cumulative revenue (line); {} in total",
        money(recs.last().map_or(0.0, |r| r.revenue_cumulative))
    );
    let body = frame(root, Chart::Revenue.title(), &sub, &keys)?;
    let (y, y2) = Axis::pair(
        recs.iter().map(|r| r.revenue_total() / u.div),
        recs.iter().map(|r| r.revenue_cumulative / cu.div),
    );
    let fmt: Fmt = &|v| tick(*v);
    let lw = label_width(&body, &[(&y, fmt)]);
    let rw = label_width(&body, &[(&y2, fmt)]);
    let mut chart = builder(&body, lw, Some(rw), true)
        .build_cartesian_2d(months(recs, true), y)?
        .set_secondary_coord(months(recs, true), y2);
    mesh!(chart, "Month", desc_with("Monthly revenue", "USD", u), fmt)?;
    right_axis!(chart, desc_with("Cumulative revenue", "USD", cu), fmt)?;
    let w = bar_width(recs);
    chart.draw_series(recs.iter().flat_map(|r| {
        let values: Vec<(f64, RGBColor)> = TvlKind::ALL
            .iter()
            .map(|k| (r.revenue[k.index()] / u.div, palette::tvl(*k)))
            .collect();
        bar_stack(f64::from(r.month), &values, w)
    }))?;
    chart.draw_secondary_series(LineSeries::new(
        pts(recs, |r| r.revenue_cumulative / cu.div),
        palette::CUMULATIVE.stroke_width(LINE),
    ))?;
    Ok(())
}

fn aegis_balances<DB: DrawingBackend>(root: &Area<DB>, recs: &[MonthRecord]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let leaf_max = recs.iter().map(|r| r.aegis_leaf).fold(0.0, f64::max);
    let usd_max = recs
        .iter()
        .map(|r| r.aegis_usdc.max(r.aegis_value))
        .fold(0.0, f64::max);
    let lu = unit(leaf_max, 1e6);
    let uu = unit(usd_max, 1e6);
    let keys = [
        key("LEAF (left axis)", palette::LEAF, Mark::Line),
        key("USDC (right axis)", palette::USDC, Mark::Line),
        key(
            "AEGIS value: USDC + LEAF at price (right axis)",
            palette::TOTAL,
            Mark::Dashed,
        ),
    ];
    let sub = match recs.last() {
        Some(r) => format!(
            "The treasury's balances; month {}: {} LEAF and {} USDC, worth {}",
            r.month,
            amount(r.aegis_leaf),
            amount(r.aegis_usdc),
            money(r.aegis_value)
        ),
        None => String::new(),
    };
    let body = frame(root, Chart::AegisBalances.title(), &sub, &keys)?;
    let (y, y2) = Axis::pair(
        recs.iter().map(|r| r.aegis_leaf / lu.div),
        recs.iter()
            .flat_map(|r| [r.aegis_usdc / uu.div, r.aegis_value / uu.div]),
    );
    let fmt: Fmt = &|v| tick(*v);
    let lw = label_width(&body, &[(&y, fmt)]);
    let rw = label_width(&body, &[(&y2, fmt)]);
    let mut chart = builder(&body, lw, Some(rw), true)
        .build_cartesian_2d(months(recs, false), y)?
        .set_secondary_coord(months(recs, false), y2);
    mesh!(chart, "Month", desc_with("LEAF", "tokens", lu), fmt)?;
    right_axis!(chart, desc_with("USDC and value", "USD", uu), fmt)?;
    chart.draw_series(LineSeries::new(
        pts(recs, |r| r.aegis_leaf / lu.div),
        palette::LEAF.stroke_width(LINE),
    ))?;
    chart.draw_secondary_series(LineSeries::new(
        pts(recs, |r| r.aegis_usdc / uu.div),
        palette::USDC.stroke_width(LINE),
    ))?;
    chart.draw_secondary_series(DashedLineSeries::new(
        pts(recs, |r| r.aegis_value / uu.div),
        DASH,
        GAP,
        palette::TOTAL.stroke_width(LINE),
    ))?;
    Ok(())
}

fn aegis_composition<DB: DrawingBackend>(root: &Area<DB>, recs: &[MonthRecord]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    // Shares in percent, LEAF and USDC; both 0 for a worthless treasury.
    let share = |r: &MonthRecord| {
        if r.aegis_value > 0.0 {
            let leaf = ((r.aegis_value - r.aegis_usdc) / r.aegis_value).clamp(0.0, 1.0);
            (leaf * 100.0, (1.0 - leaf) * 100.0)
        } else {
            (0.0, 0.0)
        }
    };
    let keys = [
        key("USDC", palette::USDC, Mark::Block),
        key(
            "LEAF, valued at the month's price",
            palette::LEAF,
            Mark::Block,
        ),
    ];
    let sub = match recs.last() {
        Some(r) => {
            let (leaf, usdc) = share(r);
            format!(
                "Share of AEGIS value in USDC and in LEAF; month {}: {:.1} % USDC, {:.1} % LEAF",
                r.month, usdc, leaf
            )
        }
        None => String::new(),
    };
    let body = frame(root, Chart::AegisComposition.title(), &sub, &keys)?;
    let y = Axis::round(0.0, 100.0, 5.0);
    let fmt: Fmt = &|v| percent_tick(*v);
    let lw = label_width(&body, &[(&y, fmt)]);
    let mut chart = builder(&body, lw, None, true).build_cartesian_2d(months(recs, false), y)?;
    mesh!(chart, "Month", "Share of AEGIS value (%)", fmt)?;
    let layers = [
        (pts(recs, |r| share(r).1), palette::USDC),
        (pts(recs, |r| share(r).0), palette::LEAF),
    ];
    chart.draw_series(stack(&layers))?;
    Ok(())
}

fn leaf_price<DB: DrawingBackend>(root: &Area<DB>, recs: &[MonthRecord]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (min, max) = recs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), r| {
            (a.min(r.leaf_price), b.max(r.leaf_price))
        });
    let flat = (max - min).abs() <= 1e-12 * max.abs();
    let sub = if flat {
        format!("USD per LEAF; constant at ${}", price_text(max))
    } else {
        format!(
            "USD per LEAF; from ${} to ${} (low ${}, high ${})",
            price_text(recs.first().map_or(0.0, |r| r.leaf_price)),
            price_text(recs.last().map_or(0.0, |r| r.leaf_price)),
            price_text(min),
            price_text(max)
        )
    };
    let keys = [key("LEAF price", palette::LEAF, Mark::Line)];
    let body = frame(root, Chart::LeafPrice.title(), &sub, &keys)?;
    // A moving price is shown over its own range, a flat one from zero.
    let y = Axis::covering(recs.iter().map(|r| r.leaf_price), false);
    let y = if y.lo < 0.0 && min >= 0.0 {
        Axis::covering(recs.iter().map(|r| r.leaf_price), true)
    } else {
        y
    };
    let fmt: Fmt = &|v| tick(*v);
    let lw = label_width(&body, &[(&y, fmt)]);
    let mut chart = builder(&body, lw, None, true).build_cartesian_2d(months(recs, false), y)?;
    mesh!(chart, "Month", "LEAF price (USD)", fmt)?;
    chart.draw_series(LineSeries::new(
        pts(recs, |r| r.leaf_price),
        palette::LEAF.stroke_width(LINE),
    ))?;
    if recs.len() <= 36 {
        chart.draw_series(recs.iter().map(|r| {
            Circle::new(
                (f64::from(r.month), r.leaf_price),
                6,
                palette::LEAF.filled(),
            )
        }))?;
    }
    Ok(())
}

fn price_text(p: f64) -> String {
    if p.abs() >= 100.0 {
        crate::numbers::thousands(p, 2)
    } else {
        format!("{p:.4}")
    }
}

fn leaf_pairs<DB: DrawingBackend>(root: &Area<DB>, recs: &[MonthRecord]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let leaf_value = |r: &MonthRecord| (r.pairs_leaf * r.leaf_price).max(0.0);
    let total = |r: &MonthRecord| leaf_value(r) + r.pairs_usdc.max(0.0);
    let max = recs.iter().map(total).fold(0.0, f64::max);
    let u = unit(max, 1e6);
    let keys = [
        key("USDC in pairs", palette::USDC, Mark::Block),
        key("LEAF in pairs, valued at price", palette::LEAF, Mark::Block),
        key("active pairs (lower panel)", palette::COUNT, Mark::Block),
    ];
    let most = recs.iter().map(|r| r.pairs_active).max().unwrap_or(0);
    let sub = match recs.last() {
        Some(r) => format!(
            "Liquidity of the active pairs (stacked) and how many are active; month {}: {} {} holding {}",
            r.month,
            r.pairs_active,
            if r.pairs_active == 1 { "pair" } else { "pairs" },
            money(total(r))
        ),
        None => String::new(),
    };
    let body = frame(root, Chart::LeafPairs.title(), &sub, &keys)?;
    let (_, h) = body.dim_in_pixel();
    let (top, bottom) = body.split_vertically((f64::from(h) * 0.66) as i32);

    let y = Axis::covering(recs.iter().map(|r| total(r) / u.div), true);
    let yc = Axis::count(f64::from(most));
    let fmt: Fmt = &|v| tick(*v);
    let lw = label_width(&body, &[(&y, fmt), (&yc, fmt)]);
    let mut chart = builder(&top, lw, None, false).build_cartesian_2d(months(recs, true), y)?;
    mesh!(chart, "", desc_with("Liquidity", "USD", u), fmt)?;
    let layers = [
        (
            bars_as_area(recs, |r| r.pairs_usdc.max(0.0) / u.div),
            palette::USDC,
        ),
        (bars_as_area(recs, |r| leaf_value(r) / u.div), palette::LEAF),
    ];
    chart.draw_series(stack(&layers))?;

    let mut counts = builder(&bottom, lw, None, true).build_cartesian_2d(months(recs, true), yc)?;
    mesh!(counts, "Month", "Pairs", fmt)?;
    let w = bar_width(recs);
    counts.draw_series(recs.iter().filter(|r| r.pairs_active > 0).map(|r| {
        let x = f64::from(r.month);
        Rectangle::new(
            [(x - w / 2.0, 0.0), (x + w / 2.0, f64::from(r.pairs_active))],
            palette::COUNT.filled(),
        )
    }))?;
    Ok(())
}

/// A month-by-month step outline (each month a flat step of one month), so
/// that an area lines up with the bars drawn under it.
fn bars_as_area(recs: &[MonthRecord], f: impl Fn(&MonthRecord) -> f64) -> Vec<(f64, f64)> {
    recs.iter()
        .flat_map(|r| {
            let m = f64::from(r.month);
            let v = f(r);
            [(m - 0.5, v), (m + 0.5, v)]
        })
        .collect()
}

fn oak_status<DB: DrawingBackend>(root: &Area<DB>, recs: &[MonthRecord]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let max = recs
        .iter()
        .flat_map(|r| [r.oak_distributed, r.oak_redeemed, r.oak_unredeemed])
        .fold(0.0, f64::max);
    let u = unit(max, 1e3);
    let vmax = recs.iter().map(|r| r.value_per_oak).fold(0.0, f64::max);
    let vu = unit(vmax, 1.0);
    let keys = [
        key("distributed (cumulative)", palette::OAK, Mark::Line),
        key("redeemed (cumulative)", palette::REDEEMED, Mark::Block),
        key("unredeemed", palette::UNREDEEMED, Mark::Line),
        key("value per OAK (right axis)", palette::VALUE, Mark::Dashed),
    ];
    let sub = match recs.last() {
        Some(r) => format!(
            "OAK given out and redeemed; month {}: {} distributed, {} redeemed, {} per OAK",
            r.month,
            amount(r.oak_distributed),
            amount(r.oak_redeemed),
            money(r.value_per_oak)
        ),
        None => String::new(),
    };
    let body = frame(root, Chart::OakStatus.title(), &sub, &keys)?;
    let (y, y2) = Axis::pair(
        recs.iter()
            .flat_map(|r| [r.oak_distributed, r.oak_redeemed, r.oak_unredeemed])
            .map(|v| v / u.div),
        recs.iter().map(|r| r.value_per_oak / vu.div),
    );
    let fmt: Fmt = &|v| tick(*v);
    let lw = label_width(&body, &[(&y, fmt)]);
    let rw = label_width(&body, &[(&y2, fmt)]);
    let mut chart = builder(&body, lw, Some(rw), true)
        .build_cartesian_2d(months(recs, false), y)?
        .set_secondary_coord(months(recs, false), y2);
    mesh!(chart, "Month", desc_with("OAK", "tokens", u), fmt)?;
    right_axis!(chart, desc_with("Value per OAK", "USD", vu), fmt)?;
    chart.draw_series(stack(&[(
        pts(recs, |r| r.oak_redeemed / u.div),
        palette::REDEEMED,
    )]))?;
    chart.draw_series(LineSeries::new(
        pts(recs, |r| r.oak_unredeemed / u.div),
        palette::UNREDEEMED.stroke_width(LINE),
    ))?;
    chart.draw_series(LineSeries::new(
        pts(recs, |r| r.oak_distributed / u.div),
        palette::OAK.stroke_width(LINE),
    ))?;
    chart.draw_secondary_series(DashedLineSeries::new(
        pts(recs, |r| r.value_per_oak / vu.div),
        DASH,
        GAP,
        palette::VALUE.stroke_width(LINE),
    ))?;
    Ok(())
}

fn oak_redemptions<DB: DrawingBackend>(root: &Area<DB>, recs: &[MonthRecord]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let oak_max = recs
        .iter()
        .map(|r| r.oak_redeemed_month)
        .fold(0.0, f64::max);
    let paid_max = recs
        .iter()
        .flat_map(|r| [r.redemption_usdc_out, r.redemption_leaf_out])
        .fold(0.0, f64::max);
    let u = unit(oak_max, 1e3);
    let pu = unit(paid_max, 1e6);
    let months_with = recs.iter().filter(|r| r.oak_redeemed_month > 0.0).count();
    let keys = [
        key("OAK redeemed (upper panel)", palette::REDEEMED, Mark::Block),
        key("USDC paid out", palette::USDC, Mark::Block),
        key("LEAF paid out", palette::LEAF, Mark::Block),
    ];
    let usdc: f64 = recs.iter().map(|r| r.redemption_usdc_out).sum();
    let leaf: f64 = recs.iter().map(|r| r.redemption_leaf_out).sum();
    let sub = if months_with == 0 {
        "No OAK was redeemed in this run".to_string()
    } else if usdc == 0.0 && leaf == 0.0 {
        format!("OAK redeemed each month, in {months_with} months; AEGIS paid nothing for it")
    } else {
        format!(
            "OAK redeemed each month and what AEGIS paid for it: {} USDC and {} LEAF over {} months",
            amount(usdc),
            amount(leaf),
            months_with
        )
    };
    let body = frame(root, Chart::OakRedemptions.title(), &sub, &keys)?;
    let (_, h) = body.dim_in_pixel();
    let (top, bottom) = body.split_vertically((f64::from(h) * 0.5) as i32);
    let w = bar_width(recs);

    let y = Axis::covering(recs.iter().map(|r| r.oak_redeemed_month / u.div), true);
    let yp = Axis::covering(
        recs.iter()
            .flat_map(|r| [r.redemption_usdc_out, r.redemption_leaf_out])
            .map(|v| v / pu.div),
        true,
    );
    let fmt: Fmt = &|v| tick(*v);
    let lw = label_width(&body, &[(&y, fmt), (&yp, fmt)]);
    let mut chart = builder(&top, lw, None, false).build_cartesian_2d(months(recs, true), y)?;
    let oak_desc = if u.name.is_empty() {
        "OAK".to_string()
    } else {
        format!("OAK ({})", u.name)
    };
    mesh!(chart, "", oak_desc, fmt)?;
    chart.draw_series(recs.iter().filter(|r| r.oak_redeemed_month > 0.0).map(|r| {
        let x = f64::from(r.month);
        Rectangle::new(
            [
                (x - w / 2.0, 0.0),
                (x + w / 2.0, r.oak_redeemed_month / u.div),
            ],
            palette::REDEEMED.filled(),
        )
    }))?;

    let mut paid = builder(&bottom, lw, None, true).build_cartesian_2d(months(recs, true), yp)?;
    let paid_desc = if pu.name.is_empty() {
        "Paid out".to_string()
    } else {
        format!("Paid ({})", pu.name)
    };
    mesh!(paid, "Month", paid_desc, fmt)?;
    // Side by side: USDC in the left half of the month, LEAF in the right.
    paid.draw_series(recs.iter().flat_map(|r| {
        let x = f64::from(r.month);
        let mut bars = Vec::new();
        for (v, c, at) in [
            (r.redemption_usdc_out, palette::USDC, x - w / 4.0),
            (r.redemption_leaf_out, palette::LEAF, x + w / 4.0),
        ] {
            if v != 0.0 {
                bars.push(Rectangle::new(
                    [(at - w / 4.0, 0.0), (at + w / 4.0, v / pu.div)],
                    c.filled(),
                ));
            }
        }
        bars
    }))?;
    Ok(())
}

fn oak_irr<DB: DrawingBackend>(root: &Area<DB>, recs: &[MonthRecord]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let irr = segments(recs, |r| r.irr.map(|v| v * 100.0));
    // The threshold is defined once some OAK has been distributed.
    let threshold = segments(recs, |r| {
        (r.oak_distributed > 0.0).then_some(r.irr_threshold_weighted * 100.0)
    });
    let defined = recs.iter().filter(|r| r.irr.is_some()).count();
    let keys = [
        key("IRR (gaps where undefined)", palette::VALUE, Mark::Line),
        key(
            "distribution-weighted threshold",
            palette::THRESHOLD,
            Mark::Dashed,
        ),
    ];
    let sub = if defined == 0 {
        "The IRR is undefined in every month of this run".to_string()
    } else {
        "Annual return of holding OAK rather than redeeming; holders redeem when it falls below their threshold".to_string()
    };
    let body = frame(root, Chart::OakIrr.title(), &sub, &keys)?;
    let y = Axis::covering(irr.iter().chain(&threshold).flatten().map(|p| p.1), true);
    let fmt: Fmt = &|v| percent_tick(*v);
    let lw = label_width(&body, &[(&y, fmt)]);
    let mut chart = builder(&body, lw, None, true).build_cartesian_2d(months(recs, false), y)?;
    mesh!(chart, "Month", "Annual rate (%)", fmt)?;
    for seg in &threshold {
        chart.draw_series(DashedLineSeries::new(
            widen(seg),
            DASH,
            GAP,
            palette::THRESHOLD.stroke_width(LINE),
        ))?;
    }
    let markers = recs.len() <= 72;
    for seg in &irr {
        if seg.len() > 1 {
            chart.draw_series(LineSeries::new(
                seg.iter().copied(),
                palette::VALUE.stroke_width(LINE),
            ))?;
        }
        // An isolated month is a dot, not an invisible zero-length line.
        if markers || seg.len() == 1 {
            chart.draw_series(
                seg.iter()
                    .map(|p| Circle::new(*p, 6, palette::VALUE.filled())),
            )?;
        }
    }
    Ok(())
}

/// A one-point segment as a short flat line, so that it shows.
fn widen(seg: &[(f64, f64)]) -> Vec<(f64, f64)> {
    match seg {
        [(x, y)] => vec![(x - 0.5, *y), (x + 0.5, *y)],
        _ => seg.to_vec(),
    }
}

fn chain_tvl<DB: DrawingBackend>(root: &Area<DB>, recs: &[MonthRecord]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let max = recs
        .iter()
        .map(|r| r.chain_tvl.unwrap_or(0.0).max(r.tvl_total()))
        .fold(0.0, f64::max);
    let u = unit(max, 1e9);
    let keys = [
        key("chain TVL", palette::CHAIN, Mark::Block),
        key("Canopy TVL", palette::TOTAL, Mark::Line),
        key(
            "Canopy's market share (right axis)",
            palette::SHARE,
            Mark::Dashed,
        ),
    ];
    let sub = match recs.iter().rev().find(|r| r.chain_tvl.is_some()) {
        Some(r) => format!(
            "The chain's TVL, Canopy's TVL and its share of the chain; month {}: chain {}, share {:.1} %",
            r.month,
            money(r.chain_tvl.unwrap_or(0.0)),
            r.market_share.unwrap_or(0.0) * 100.0
        ),
        None => "The chain TVL model is off".to_string(),
    };
    let body = frame(root, Chart::ChainTvl.title(), &sub, &keys)?;
    let (y, y2) = Axis::pair(
        recs.iter()
            .flat_map(|r| [r.chain_tvl.unwrap_or(0.0), r.tvl_total()])
            .map(|v| v / u.div),
        recs.iter()
            .filter_map(|r| r.market_share)
            .map(|s| s * 100.0),
    );
    let fmt: Fmt = &|v| tick(*v);
    let pfmt: Fmt = &|v| percent_tick(*v);
    let lw = label_width(&body, &[(&y, fmt)]);
    let rw = label_width(&body, &[(&y2, pfmt)]);
    let mut chart = builder(&body, lw, Some(rw), true)
        .build_cartesian_2d(months(recs, false), y)?
        .set_secondary_coord(months(recs, false), y2);
    mesh!(chart, "Month", desc_with("TVL", "USD", u), fmt)?;
    right_axis!(chart, "Market share (%)", pfmt)?;
    for seg in segments(recs, |r| r.chain_tvl.map(|v| v / u.div)) {
        chart.draw_series(stack(&[(widen(&seg), palette::CHAIN)]))?;
    }
    chart.draw_series(LineSeries::new(
        pts(recs, |r| r.tvl_total() / u.div),
        palette::TOTAL.stroke_width(LINE),
    ))?;
    for seg in segments(recs, |r| r.market_share.map(|s| s * 100.0)) {
        chart.draw_secondary_series(DashedLineSeries::new(
            widen(&seg),
            DASH,
            GAP,
            palette::SHARE.stroke_width(LINE),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(m: u32) -> MonthRecord {
        MonthRecord {
            month: m,
            leaf_price: 1.0,
            tvl: [1e8, 2e8, 3e7, 0.0],
            revenue: [1e5, 2e5, 3e4, 0.0],
            revenue_cumulative: 3.3e5 * f64::from(m),
            aegis_leaf: 1e9,
            aegis_usdc: 1e8,
            aegis_value: 1.1e9,
            oak_distributed: 1e5,
            oak_unredeemed: 5e5,
            value_per_oak: 2200.0,
            irr: (m % 3 != 0).then_some(0.05),
            irr_threshold_weighted: 0.04,
            ..Default::default()
        }
    }

    fn all_ok(recs: &[MonthRecord]) {
        for c in Chart::ALL {
            let svg = svg(c, recs).expect("svg");
            assert!(svg.contains("<svg"));
            let png = png(c, recs).expect("png");
            assert!(png.starts_with(b"\x89PNG"));
        }
    }

    #[test]
    fn one_month_draws() {
        all_ok(&[record(1)]);
    }

    #[test]
    fn all_zeros_draw() {
        let recs: Vec<MonthRecord> = (1..=5)
            .map(|m| MonthRecord {
                month: m,
                ..Default::default()
            })
            .collect();
        all_ok(&recs);
    }

    #[test]
    fn huge_and_negative_values_draw() {
        let recs: Vec<MonthRecord> = (1..=4)
            .map(|m| {
                let mut r = record(m);
                r.tvl = [1e300, 1e300, 1e300, 1e300];
                r.aegis_leaf_sold = -1e12;
                r.aegis_value = 1e305;
                r.irr = Some(-0.99);
                r.leaf_price = 1e-9 * f64::from(m);
                r.chain_tvl = Some(1e18);
                r.market_share = Some(0.1);
                r
            })
            .collect();
        all_ok(&recs);
    }

    #[test]
    fn empty_records_draw_a_placeholder() {
        all_ok(&[]);
        assert!(charts_for(&[]).is_empty());
    }

    #[test]
    fn chain_chart_only_with_chain_tvl() {
        let mut recs = vec![record(1), record(2)];
        assert!(!charts_for(&recs).contains(&Chart::ChainTvl));
        recs[1].chain_tvl = Some(1e9);
        assert!(charts_for(&recs).contains(&Chart::ChainTvl));
    }

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
    }
}
