//! Charts drawn from data rather than from the chart table: a [`Figure`]
//! carries its own series (bands, lines, points, bars) on one or more plots,
//! for charts whose number and content depend on the data at hand (a
//! sweep's fans, responses, scatters and tornados). The run's renderer
//! draws them ([`super::figure_svg`], [`super::figure_png`]) with the same
//! frame, fonts, axes and tick labels as the run's charts.
//!
//! Values are given as they are (a `None` is a gap); the renderer scales an
//! axis to thousands, millions, ... and drops what is not finite.

use plotters::style::RGBColor;

/// A chart: title, subtitle and legend above a grid of plots.
#[derive(Clone, Debug)]
pub struct Figure {
    /// The title.
    pub title: String,
    /// The line under the title.
    pub subtitle: String,
    /// The legend, drawn under the subtitle.
    pub legend: Vec<LegendEntry>,
    /// Height in (SVG) pixels; the width is [`super::WIDTH`]. The PNG is
    /// drawn at the same size and then shrunk by [`PNG_SCALE`].
    pub height: u32,
    /// Plots per row (at least 1).
    pub columns: usize,
    /// The plots, row by row.
    pub plots: Vec<Plot>,
}

/// How much smaller a figure's PNG is than its SVG, so that a sweep's many
/// charts stay modest files (1200 pixels wide).
pub const PNG_SCALE: f64 = 0.75;

/// One legend entry.
#[derive(Clone, Debug)]
pub struct LegendEntry {
    /// Its text.
    pub label: String,
    /// Its colour.
    pub color: RGBColor,
    /// How it is marked.
    pub mark: Mark,
}

/// How a legend entry is marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// A filled block (bands, bars).
    Block,
    /// A solid line.
    Line,
    /// A dot (scatters).
    Dot,
}

/// One plot: two scales and what is drawn on them.
#[derive(Clone, Debug)]
pub struct Plot {
    /// Drawn above the plot (small multiples); empty for none.
    pub title: String,
    /// The horizontal scale.
    pub x: Scale,
    /// The vertical scale.
    pub y: Scale,
    /// Drawn in order, the first at the bottom.
    pub layers: Vec<Layer>,
}

/// A scale and what it measures.
#[derive(Clone, Debug)]
pub struct Scale {
    /// The axis description (the unit's scale is added to it).
    pub label: String,
    /// How values map onto the axis.
    pub kind: ScaleKind,
}

/// How values map onto an axis.
#[derive(Clone, Debug, PartialEq)]
pub enum ScaleKind {
    /// Numbers, shown in thousands, millions, ... when large; the axis
    /// covers the values, from zero when they are all of one sign and
    /// `from_zero` is set.
    Value {
        /// Whether the axis includes zero.
        from_zero: bool,
    },
    /// Numbers on a logarithmic axis (values at or below zero are gaps);
    /// ticks are at the values drawn.
    Log,
    /// Months: whole-number ticks at round steps.
    Months,
    /// Named places: value `i` is `names[i]`.
    Categories(Vec<String>),
}

/// Something drawn on a plot, in the plot's values.
#[derive(Clone, Debug)]
pub enum Layer {
    /// A shaded band between `low` and `high`, with gaps where either is
    /// missing.
    Band {
        /// Positions.
        x: Vec<f64>,
        /// Lower edge, aligned with `x`.
        low: Vec<Option<f64>>,
        /// Upper edge, aligned with `x`.
        high: Vec<Option<f64>>,
        /// Colour.
        color: RGBColor,
        /// Opacity, 0 to 1.
        opacity: f64,
    },
    /// A line with gaps; a lone value is a dot.
    Line {
        /// Positions.
        x: Vec<f64>,
        /// Values, aligned with `x`.
        y: Vec<Option<f64>>,
        /// Colour.
        color: RGBColor,
        /// Stroke width, pixels.
        width: u32,
        /// A dot on every value.
        dots: bool,
    },
    /// Unconnected dots (a scatter).
    Points {
        /// Positions.
        x: Vec<f64>,
        /// Values, aligned with `x`.
        y: Vec<Option<f64>>,
        /// Colour.
        color: RGBColor,
        /// Radius, pixels.
        radius: u32,
        /// Opacity, 0 to 1.
        opacity: f64,
    },
    /// Vertical ranges from `low` to `high` with a tick at each end (a
    /// band over categories).
    Whiskers {
        /// Positions.
        x: Vec<f64>,
        /// Lower ends, aligned with `x`.
        low: Vec<Option<f64>>,
        /// Upper ends, aligned with `x`.
        high: Vec<Option<f64>>,
        /// Colour.
        color: RGBColor,
    },
    /// Horizontal bars: each from `from` to `to` (x values) in a row of
    /// height `thickness` centred at `row` (a y value), labelled at its far
    /// end.
    Bars {
        /// The bars.
        bars: Vec<Bar>,
        /// Colour.
        color: RGBColor,
        /// Height of a bar, in y values.
        thickness: f64,
    },
    /// A vertical line across the plot at an x value (a baseline).
    Rule {
        /// Where.
        x: f64,
        /// Colour.
        color: RGBColor,
    },
}

/// One horizontal bar of [`Layer::Bars`].
#[derive(Clone, Debug)]
pub struct Bar {
    /// The row's centre (a y value).
    pub row: f64,
    /// Where the bar starts (an x value).
    pub from: f64,
    /// Where it ends (an x value).
    pub to: f64,
    /// Written just past `to`; empty for none.
    pub label: String,
}
