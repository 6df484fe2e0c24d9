//! Axis scales: the unit an axis is shown in (thousands, millions...), its
//! extent and tick steps, and the month axis.

use canopy_model::MonthRecord;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// A scale for an axis: values are divided by `div` and the axis says `name`.
#[derive(Clone, Copy)]
pub(super) struct Unit {
    pub(super) div: f64,
    pub(super) name: &'static str,
}

pub(super) const UNITS: [Unit; 5] = [
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
/// readable in it, else the largest that keeps them at 1 or more; beyond
/// ten thousand trillions, none: the ticks are then in scientific form,
/// and `4e287` trillions would hide the magnitude in two places.
pub(super) fn unit(max: f64, preferred: f64) -> Unit {
    let max = max.abs();
    if max / UNITS[0].div >= 10_000.0 {
        return UNITS[UNITS.len() - 1];
    }
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
pub(super) fn desc_with(what: &str, currency: &str, u: Unit) -> String {
    if u.name.is_empty() {
        format!("{what} ({currency})")
    } else {
        format!("{what} ({currency}, {})", u.name)
    }
}

/// A tick label: few digits, thousands separators, no trailing zeros.
pub(super) fn tick(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let a = v.abs();
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
    // Huge and tiny ticks come back in scientific form, whose zeros stay.
    let s = crate::numbers::thousands(v, decimals);
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

pub(super) fn percent_tick(v: f64) -> String {
    format!("{} %", tick(v))
}

/// The extent of `values` (from zero when `from_zero`), never empty and
/// never infinite; a flat series gets a band around it.
pub(super) fn extent(values: impl IntoIterator<Item = f64>, from_zero: bool) -> (f64, f64) {
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
pub(super) fn nice_step(raw: f64) -> f64 {
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
pub(super) struct Axis {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) ticks: Vec<f64>,
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
    pub(super) fn covering(values: impl IntoIterator<Item = f64>, from_zero: bool) -> Axis {
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
    pub(super) fn round(lo: f64, hi: f64, divisions: f64) -> Axis {
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
    pub(super) fn pair(
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
    pub(super) fn count(max: f64) -> Axis {
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
pub(super) fn months(recs: &[MonthRecord], bars: bool) -> Axis {
    let first = recs.first().map_or(1, |r| r.month) as f64;
    let last = recs.last().map_or(1, |r| r.month) as f64;
    month_axis(first, last, bars)
}

/// A month axis from `first` to `last`, ticks at round month steps; bars
/// (and a lone month) need half a month of room at each end.
pub(super) fn month_axis(first: f64, last: f64, bars: bool) -> Axis {
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
