//! The charts of a run, declared once as data: [`Chart::ALL`] is the table
//! of every chart with its file stem, title, caption, when it applies, its
//! panels, axes and series. One renderer ([`svg`], [`png()`]) draws any entry
//! as SVG and as PNG; the report takes titles and captions from the same
//! table, and other front ends (a web page drawing with a JS library, a
//! sweep report) read it rather than a list of their own.
//!
//! A series' value getter gives the value in its axis's unit (USD, tokens,
//! percent) before scaling; `None` is a month where it is undefined (a gap).

pub mod figure;
mod render;
mod subtitles;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use canopy_model::{MonthRecord, TvlKind};
use plotters::style::RGBColor;

use crate::palette;
pub use render::{DrawResult, figure_png, figure_svg, png, svg};
use subtitles::{
    aegis_balances_subtitle, aegis_composition_subtitle, aegis_shares, aegis_value_change_subtitle,
    chain_tvl_subtitle, leaf_pairs_subtitle, leaf_price_subtitle, oak_irr_subtitle,
    oak_redemptions_subtitle, oak_status_subtitle, pairs_leaf_value, revenue_subtitle,
    tvl_subtitle,
};

/// Width of a chart, pixels.
pub const WIDTH: u32 = 1600;
/// Height of a chart, pixels.
pub const HEIGHT: u32 = 1000;

/// One chart: what it is called and what it draws.
#[derive(Clone, Copy, Debug)]
pub struct Chart {
    /// File name without extension, also the chart's id in the report.
    pub stem: &'static str,
    /// The title, as drawn on the chart and in the report.
    pub title: &'static str,
    /// The report's caption under the chart.
    pub caption: &'static str,
    /// The chart is drawn when some month satisfies this.
    pub applies: fn(&MonthRecord) -> bool,
    /// The line under the title, which states the run's figures.
    pub subtitle: fn(&[MonthRecord]) -> String,
    /// The panels, from the top; every one spans the chart's width.
    pub panels: &'static [Panel],
}

/// A plot with one or two y axes over the months.
#[derive(Clone, Copy, Debug)]
pub struct Panel {
    /// Share of the plot height for this panel; the last panel takes what
    /// the others leave.
    pub height: f64,
    /// The left axis.
    pub left: YAxis,
    /// The right axis, if any; the two axes of a panel both start at zero
    /// and share their grid lines.
    pub right: Option<YAxis>,
    /// The series, in legend order.
    pub series: &'static [Series],
}

/// A y axis.
#[derive(Clone, Copy, Debug)]
pub struct YAxis {
    /// What it measures: `TVL`.
    pub label: &'static str,
    /// Its unit, `USD`, `tokens` or `%`; empty for counts.
    pub unit: &'static str,
    /// The label when the values are not scaled, if not `label`.
    pub unscaled_label: Option<&'static str>,
    /// Values are shown in thousands, millions, billions or trillions,
    /// this divisor preferred while the numbers stay readable; `None`
    /// shows them as they are.
    pub scale: Option<f64>,
    /// How far the axis reaches (ignored on a panel with two axes).
    pub range: Range,
    /// How tick labels are written.
    pub format: TickFormat,
}

/// How far an axis reaches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    /// From zero to past the largest value (below zero if values are).
    FromZero,
    /// Over the values' own range, but never below zero for values that are not.
    Auto,
    /// Fixed bounds, cut into about `divisions` round steps.
    Fixed {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
        /// About how many steps.
        divisions: f64,
    },
    /// Whole numbers from zero.
    Count,
}

/// How tick labels are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TickFormat {
    /// `1,500`, `0.25`.
    Number,
    /// `25 %` (values are already in percent).
    Percent,
}

/// Which y axis a series is drawn against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The left axis.
    Left,
    /// The right axis.
    Right,
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A filled area, stacked on the panel's other areas of its axis.
    Area,
    /// An area whose months are flat steps, stacked like [`Style::Area`],
    /// so that it lines up with bars.
    StepArea,
    /// Bars, stacked on the panel's other bars of its axis.
    Bars,
    /// Bars side by side within the month with the panel's other side bars.
    SideBars,
    /// A solid line, with gaps where the value is undefined.
    Line,
    /// A dashed line, with gaps where the value is undefined.
    Dashed,
}

impl Style {
    /// Whether series of this style are drawn together as a group.
    pub fn groups(self) -> bool {
        !matches!(self, Style::Line | Style::Dashed)
    }

    /// Whether series of this style are summed up month by month.
    pub fn stacks(self) -> bool {
        matches!(self, Style::Area | Style::StepArea | Style::Bars)
    }

    /// Whether a month is drawn as a slot of its own width (bars, steps),
    /// which needs half a month of room at each end of the axis.
    pub fn is_per_month(self) -> bool {
        matches!(self, Style::StepArea | Style::Bars | Style::SideBars)
    }
}

/// One quantity drawn on a chart.
#[derive(Clone, Copy, Debug)]
pub struct Series {
    /// The legend's label.
    pub label: &'static str,
    /// Its colour, from the palette.
    pub color: RGBColor,
    /// How it is drawn.
    pub style: Style,
    /// The axis it is drawn against.
    pub axis: Side,
    /// Series are drawn by increasing layer, then in legend order, so that
    /// the legend can read differently from the stacking on the page.
    pub layer: u8,
    /// Lines only: a dot on every month when the run has at most this many
    /// months (0: never); with dots, a lone month is a dot, not a stub.
    pub dots_up_to: u32,
    /// The month's value, in the axis's unit before scaling.
    pub value: fn(&MonthRecord) -> Option<f64>,
}

const fn series(
    label: &'static str,
    color: RGBColor,
    style: Style,
    value: fn(&MonthRecord) -> Option<f64>,
) -> Series {
    Series {
        label,
        color,
        style,
        axis: Side::Left,
        layer: 0,
        dots_up_to: 0,
        value,
    }
}

impl Series {
    const fn right(self) -> Series {
        Series {
            axis: Side::Right,
            ..self
        }
    }

    const fn layer(self, layer: u8) -> Series {
        Series { layer, ..self }
    }

    const fn dots_up_to(self, months: u32) -> Series {
        Series {
            dots_up_to: months,
            ..self
        }
    }
}

const fn axis(label: &'static str, unit: &'static str, range: Range) -> YAxis {
    YAxis {
        label,
        unit,
        unscaled_label: None,
        scale: None,
        range,
        format: TickFormat::Number,
    }
}

impl YAxis {
    const fn scaled(self, preferred: f64) -> YAxis {
        YAxis {
            scale: Some(preferred),
            ..self
        }
    }

    const fn percent(self) -> YAxis {
        YAxis {
            format: TickFormat::Percent,
            ..self
        }
    }

    const fn unscaled(self, label: &'static str) -> YAxis {
        YAxis {
            unscaled_label: Some(label),
            ..self
        }
    }
}

const fn panel(left: YAxis, series: &'static [Series]) -> Panel {
    Panel {
        height: 1.0,
        left,
        right: None,
        series,
    }
}

const fn dual(left: YAxis, right: YAxis, series: &'static [Series]) -> Panel {
    Panel {
        height: 1.0,
        left,
        right: Some(right),
        series,
    }
}

const fn upper(height: f64, p: Panel) -> Panel {
    Panel { height, ..p }
}

fn always(_: &MonthRecord) -> bool {
    true
}

const MILLIONS: f64 = 1e6;
const BILLIONS: f64 = 1e9;
const THOUSANDS: f64 = 1e3;

impl Chart {
    /// Every chart, in report order.
    pub const ALL: &'static [Chart] = &[
        Chart {
            stem: "tvl_composition",
            title: "TVL composition",
            caption: "Total value locked, stacked by kind. Organic TVL includes the twins of contracted deals (or, with the chain model, the chain's share).",
            applies: always,
            subtitle: tvl_subtitle,
            panels: &[panel(
                axis("TVL", "USD", Range::FromZero).scaled(BILLIONS),
                &[
                    series(TvlKind::NAMES[0], palette::TVL[0], Style::Area, |r| {
                        Some(r.tvl[0])
                    }),
                    series(TvlKind::NAMES[1], palette::TVL[1], Style::Area, |r| {
                        Some(r.tvl[1])
                    }),
                    series(TvlKind::NAMES[2], palette::TVL[2], Style::Area, |r| {
                        Some(r.tvl[2])
                    }),
                    series(TvlKind::NAMES[3], palette::TVL[3], Style::Area, |r| {
                        Some(r.tvl[3])
                    }),
                ],
            )],
        },
        Chart {
            stem: "revenue",
            title: "Revenue",
            caption: "Bars: revenue earned each month by each kind of TVL (left axis). Line: revenue since month 1 (right axis).",
            applies: always,
            subtitle: revenue_subtitle,
            panels: &[dual(
                axis("Monthly revenue", "USD", Range::FromZero).scaled(MILLIONS),
                axis("Cumulative revenue", "USD", Range::FromZero).scaled(MILLIONS),
                &[
                    series(TvlKind::NAMES[0], palette::TVL[0], Style::Bars, |r| {
                        Some(r.revenue[0])
                    }),
                    series(TvlKind::NAMES[1], palette::TVL[1], Style::Bars, |r| {
                        Some(r.revenue[1])
                    }),
                    series(TvlKind::NAMES[2], palette::TVL[2], Style::Bars, |r| {
                        Some(r.revenue[2])
                    }),
                    series(TvlKind::NAMES[3], palette::TVL[3], Style::Bars, |r| {
                        Some(r.revenue[3])
                    }),
                    series(
                        "cumulative (right axis)",
                        palette::CUMULATIVE,
                        Style::Line,
                        |r| Some(r.revenue_cumulative),
                    )
                    .right(),
                ],
            )],
        },
        Chart {
            stem: "aegis_balances",
            title: "AEGIS balances",
            caption: "The treasury's LEAF (left axis) and USDC (right axis); its value counts LEAF at the month's price.",
            applies: always,
            subtitle: aegis_balances_subtitle,
            panels: &[dual(
                axis("LEAF", "tokens", Range::FromZero).scaled(MILLIONS),
                axis("USDC and value", "USD", Range::FromZero).scaled(MILLIONS),
                &[
                    series("LEAF (left axis)", palette::LEAF, Style::Line, |r| {
                        Some(r.aegis_leaf)
                    }),
                    series("USDC (right axis)", palette::USDC, Style::Line, |r| {
                        Some(r.aegis_usdc)
                    })
                    .right(),
                    series(
                        "AEGIS value: USDC + LEAF at price (right axis)",
                        palette::TOTAL,
                        Style::Dashed,
                        |r| Some(r.aegis_value),
                    )
                    .right(),
                ],
            )],
        },
        Chart {
            stem: "aegis_composition",
            title: "AEGIS composition",
            caption: "How AEGIS's value splits between USDC and LEAF, at each month's LEAF price.",
            applies: always,
            subtitle: aegis_composition_subtitle,
            panels: &[panel(
                axis(
                    "Share of AEGIS value",
                    "%",
                    Range::Fixed {
                        lo: 0.0,
                        hi: 100.0,
                        divisions: 5.0,
                    },
                )
                .percent(),
                &[
                    series("USDC", palette::USDC, Style::Area, |r| {
                        Some(aegis_shares(r).1)
                    }),
                    series(
                        "LEAF, valued at the month's price",
                        palette::LEAF,
                        Style::Area,
                        |r| Some(aegis_shares(r).0),
                    ),
                ],
            )],
        },
        Chart {
            stem: "leaf_price",
            title: "LEAF price",
            caption: "The LEAF price each month. With the fixed model it stays at its initial value.",
            applies: always,
            subtitle: leaf_price_subtitle,
            panels: &[panel(
                axis("LEAF price", "USD", Range::Auto),
                &[series("LEAF price", palette::LEAF, Style::Line, |r| {
                    Some(r.leaf_price)
                })
                .dots_up_to(36)],
            )],
        },
        Chart {
            stem: "leaf_pairs",
            title: "LEAF pairs",
            caption: "Upper panel: USDC and LEAF (at price) held by the active pairs. Lower panel: how many pairs are active.",
            applies: always,
            subtitle: leaf_pairs_subtitle,
            panels: &[
                upper(
                    0.66,
                    panel(
                        axis("Liquidity", "USD", Range::FromZero).scaled(MILLIONS),
                        &[
                            series("USDC in pairs", palette::USDC, Style::StepArea, |r| {
                                Some(r.pairs_usdc.max(0.0))
                            }),
                            series(
                                "LEAF in pairs, valued at price",
                                palette::LEAF,
                                Style::StepArea,
                                |r| Some(pairs_leaf_value(r)),
                            ),
                        ],
                    ),
                ),
                panel(
                    axis("Pairs", "", Range::Count),
                    &[series(
                        "active pairs (lower panel)",
                        palette::COUNT,
                        Style::Bars,
                        |r| Some(f64::from(r.pairs_active)),
                    )],
                ),
            ],
        },
        Chart {
            stem: "oak_status",
            title: "OAK status",
            caption: "OAK distributed to holders and redeemed so far; unredeemed OAK includes OAK not yet distributed. Dashed: AEGIS value per unredeemed OAK (right axis).",
            applies: always,
            subtitle: oak_status_subtitle,
            panels: &[dual(
                axis("OAK", "tokens", Range::FromZero).scaled(THOUSANDS),
                axis("Value per OAK", "USD", Range::FromZero).scaled(1.0),
                &[
                    // Drawn over the redeemed area and the unredeemed line.
                    series("distributed (cumulative)", palette::OAK, Style::Line, |r| {
                        Some(r.oak_distributed)
                    })
                    .layer(1),
                    series(
                        "redeemed (cumulative)",
                        palette::REDEEMED,
                        Style::Area,
                        |r| Some(r.oak_redeemed),
                    ),
                    series("unredeemed", palette::UNREDEEMED, Style::Line, |r| {
                        Some(r.oak_unredeemed)
                    }),
                    series(
                        "value per OAK (right axis)",
                        palette::VALUE,
                        Style::Dashed,
                        |r| Some(r.value_per_oak),
                    )
                    .right()
                    .layer(1),
                ],
            )],
        },
        Chart {
            stem: "oak_redemptions",
            title: "Monthly OAK redemptions",
            caption: "Upper panel: OAK redeemed each month, and, when redemptions are rate limited, the OAK waiting in the queue at each month's end. Lower panel: the USDC and LEAF AEGIS paid out for it.",
            applies: always,
            subtitle: oak_redemptions_subtitle,
            panels: &[
                upper(
                    0.5,
                    panel(
                        axis("OAK", "", Range::FromZero).scaled(THOUSANDS),
                        &[
                            series(
                                "OAK redeemed (upper panel)",
                                palette::REDEEMED,
                                Style::Bars,
                                |r| Some(r.oak_redeemed_month),
                            ),
                            // Undefined without a limit: then neither drawn
                            // nor in the legend.
                            series(
                                "OAK queued at month end (upper panel)",
                                palette::QUEUED,
                                Style::Line,
                                |r| r.oak_queued,
                            )
                            .layer(1),
                        ],
                    ),
                ),
                panel(
                    axis("Paid", "", Range::FromZero)
                        .scaled(MILLIONS)
                        .unscaled("Paid out"),
                    &[
                        series("USDC paid out", palette::USDC, Style::SideBars, |r| {
                            Some(r.redemption_usdc_out)
                        }),
                        series("LEAF paid out", palette::LEAF, Style::SideBars, |r| {
                            Some(r.redemption_leaf_out)
                        }),
                    ],
                ),
            ],
        },
        Chart {
            stem: "oak_irr",
            title: "OAK IRR and redemption threshold",
            caption: "The IRR of holding OAK to the end of the redemption window; gaps are months where it is undefined. Holders whose threshold is above it redeem.",
            applies: always,
            subtitle: oak_irr_subtitle,
            panels: &[panel(
                axis("Annual rate", "%", Range::FromZero).percent(),
                &[
                    series(
                        "IRR (gaps where undefined)",
                        palette::VALUE,
                        Style::Line,
                        |r| r.irr.get().map(|v| v * 100.0),
                    )
                    .layer(1)
                    .dots_up_to(72),
                    // Defined once some OAK has been distributed.
                    series(
                        "distribution-weighted threshold",
                        palette::THRESHOLD,
                        Style::Dashed,
                        |r| (r.oak_distributed > 0.0).then_some(r.irr_threshold_weighted * 100.0),
                    ),
                ],
            )],
        },
        Chart {
            stem: "chain_tvl",
            title: "Chain TVL and market share",
            caption: "The chain's total TVL, Canopy's TVL and Canopy's share of the chain (right axis).",
            applies: |r| r.chain_tvl.is_some(),
            subtitle: chain_tvl_subtitle,
            panels: &[dual(
                axis("TVL", "USD", Range::FromZero).scaled(BILLIONS),
                axis("Market share", "%", Range::FromZero).percent(),
                &[
                    series("chain TVL", palette::CHAIN, Style::Area, |r| r.chain_tvl),
                    series("Canopy TVL", palette::TOTAL, Style::Line, |r| {
                        Some(r.tvl_total())
                    }),
                    series(
                        "Canopy's market share (right axis)",
                        palette::SHARE,
                        Style::Dashed,
                        |r| r.market_share.map(|s| s * 100.0),
                    )
                    .right(),
                ],
            )],
        },
        Chart {
            stem: "aegis_value_change",
            title: "What moved AEGIS's value",
            caption: "Bars: the parts of each month's change of AEGIS value, stacked, gains up and losses down: revenue paid in, trades with the pairs, redemption payouts, and the revaluation of the LEAF held when the price moves. Line: the change itself, which the parts add up to.",
            applies: always,
            subtitle: aegis_value_change_subtitle,
            panels: &[panel(
                axis("Change of AEGIS value", "USD", Range::FromZero).scaled(MILLIONS),
                &[
                    series("revenue", palette::CUMULATIVE, Style::Bars, |r| {
                        Some(r.aegis_from.revenue)
                    }),
                    series("pairs", palette::USDC, Style::Bars, |r| {
                        Some(r.aegis_from.pairs)
                    }),
                    series("OAK redemptions", palette::REDEEMED, Style::Bars, |r| {
                        Some(r.aegis_from.oak)
                    }),
                    series("LEAF price", palette::LEAF, Style::Bars, |r| {
                        Some(r.aegis_from.price)
                    }),
                    series("other", palette::COUNT, Style::Bars, |r| {
                        Some(r.aegis_from.other)
                    }),
                    series("change of AEGIS value", palette::TOTAL, Style::Line, |r| {
                        Some(r.aegis_value_change)
                    })
                    .layer(1)
                    .dots_up_to(36),
                ],
            )],
        },
    ];

    /// The chart whose file stem is `stem`.
    pub fn by_stem(stem: &str) -> Option<&'static Chart> {
        Chart::ALL.iter().find(|c| c.stem == stem)
    }

    /// Whether the chart has anything to show for `records`.
    pub fn applies_to(&self, records: &[MonthRecord]) -> bool {
        records.iter().any(self.applies)
    }
}

/// Charts are told apart by their file stem: fn pointers do not compare reliably.
impl PartialEq for Chart {
    fn eq(&self, other: &Chart) -> bool {
        self.stem == other.stem
    }
}

/// The charts `records` call for, in report order.
pub fn charts_for(records: &[MonthRecord]) -> Vec<Chart> {
    Chart::ALL
        .iter()
        .filter(|c| c.applies_to(records))
        .copied()
        .collect()
}

/// `work` done on every item, on as many threads as there are cores
/// (rasterising charts dominates the time of writing them); the results in
/// item order, or the first item's error. `name` says which item failed.
pub(crate) fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    name: impl Fn(&T) -> String + Sync,
    work: impl Fn(&T) -> DrawResult<R> + Sync,
) -> std::io::Result<Vec<R>> {
    let slots: Vec<Mutex<Option<Result<R, String>>>> =
        items.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len())
        .max(1);
    let worker = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let done = work(item).map_err(|e| format!("chart {}: {e}", name(item)));
            if let Ok(mut slot) = slots[i].lock() {
                *slot = Some(done);
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(worker);
        }
        worker();
    });
    slots
        .into_iter()
        .zip(items)
        .map(|(slot, item)| {
            match slot.into_inner().ok().flatten() {
                Some(r) => r,
                // A worker that panicked left its slot empty.
                None => Err(format!("chart {} was not drawn", name(item))),
            }
            .map_err(std::io::Error::other)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use canopy_model::TvlKind;

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
            irr: (!m.is_multiple_of(3)).then_some(0.05).into(),
            irr_threshold_weighted: 0.04,
            ..Default::default()
        }
    }

    fn all_ok(recs: &[MonthRecord]) -> Vec<String> {
        Chart::ALL
            .iter()
            .map(|c| {
                let svg = svg(*c, recs).expect("svg");
                assert!(svg.contains("<svg"));
                let png = png(*c, recs).expect("png");
                assert!(png.starts_with(b"\x89PNG"));
                svg
            })
            .collect()
    }

    /// The text drawn on a chart, one string per `<text>` element.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>'))
            .filter_map(|(_, rest)| rest.split_once("</text>"))
            .map(|(inner, _)| inner.trim().to_string())
            .collect()
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
                r.irr = Some(-0.99).into();
                r.leaf_price = 1e-9 * f64::from(m);
                r.chain_tvl = Some(1e18);
                r.market_share = Some(0.1);
                r
            })
            .collect();
        all_ok(&recs);
    }

    #[test]
    fn huge_values_are_written_compactly_on_charts() {
        let recs: Vec<MonthRecord> = (1..=3)
            .map(|m| {
                let mut r = record(m);
                r.aegis_usdc = 4.3e299;
                r.aegis_value = 4.3e299;
                r.value_per_oak = 2e294;
                r
            })
            .collect();
        for svg in all_ok(&recs) {
            for t in texts(&svg) {
                let digits = t.chars().filter(char::is_ascii_digit).count();
                assert!(digits < 40, "a long number on a chart: {t}");
            }
        }
        let balances = svg(*Chart::by_stem("aegis_balances").expect("chart"), &recs).expect("svg");
        let texts = texts(&balances);
        assert!(
            texts.iter().any(|t| t.contains("4.3e299 USDC")),
            "{texts:?}"
        );
        // The right axis is unscaled, its ticks scientific.
        assert!(
            texts.iter().any(|t| t == "USDC and value (USD)"),
            "{texts:?}"
        );
        assert!(texts.iter().any(|t| t.ends_with("e299")), "{texts:?}");
    }

    #[test]
    fn empty_records_draw_a_placeholder() {
        all_ok(&[]);
        assert!(charts_for(&[]).is_empty());
    }

    #[test]
    fn chain_chart_only_with_chain_tvl() {
        let chain = *Chart::by_stem("chain_tvl").expect("chain chart");
        let mut recs = vec![record(1), record(2)];
        assert!(!charts_for(&recs).contains(&chain));
        assert_eq!(charts_for(&recs).len(), Chart::ALL.len() - 1);
        recs[1].chain_tvl = Some(1e9);
        assert!(charts_for(&recs).contains(&chain));
    }

    #[test]
    fn the_redemption_chart_shows_the_queue_only_under_a_limit() {
        let chart = *Chart::by_stem("oak_redemptions").expect("redemption chart");
        let mut recs = vec![record(1), record(2)];
        let key = "OAK queued at month end";
        let drawn = svg(chart, &recs).unwrap();
        assert!(!drawn.contains(key));
        assert!(!oak_redemptions_subtitle(&recs).contains("queued"));
        recs[0].oak_queued = Some(0.0);
        recs[1].oak_queued = Some(2500.0);
        recs[1].oak_redeemed_month = 1.0;
        recs[1].redemption_usdc_out = 1.0;
        assert!(svg(chart, &recs).unwrap().contains(key));
        assert!(
            oak_redemptions_subtitle(&recs).ends_with("; 2.50K OAK still queued at the end"),
            "{}",
            oak_redemptions_subtitle(&recs)
        );
    }

    #[test]
    fn the_table_is_consistent() {
        let mut stems: Vec<&str> = Chart::ALL.iter().map(|c| c.stem).collect();
        stems.sort_unstable();
        stems.dedup();
        assert_eq!(stems.len(), Chart::ALL.len(), "file stems are unique");
        for c in Chart::ALL {
            assert!(
                !c.title.is_empty() && c.caption.ends_with('.'),
                "{}",
                c.stem
            );
            assert!(!c.panels.is_empty(), "{}", c.stem);
            for p in c.panels {
                assert!(!p.series.is_empty(), "{}", c.stem);
                assert!(p.height > 0.0 && p.height <= 1.0, "{}", c.stem);
                // A series on the right needs a right axis.
                assert!(
                    p.right.is_some() || p.series.iter().all(|s| s.axis == Side::Left),
                    "{}",
                    c.stem
                );
            }
        }
    }

    #[test]
    fn tvl_series_are_named_and_coloured_as_the_model_and_palette_say() {
        for stem in ["tvl_composition", "revenue"] {
            let c = Chart::by_stem(stem).expect("chart");
            for (s, k) in c.panels[0].series.iter().zip(TvlKind::ALL) {
                assert_eq!(s.label, k.name());
                assert_eq!(s.color, palette::tvl(k));
            }
        }
    }

    #[test]
    fn getters_read_their_fields() {
        let mut r = record(4);
        r.irr = None.into();
        let irr = Chart::by_stem("oak_irr").expect("chart").panels[0].series[0];
        assert_eq!((irr.value)(&r), None);
        r.irr = Some(0.05).into();
        assert_eq!((irr.value)(&r), Some(5.0));
        let shares = Chart::by_stem("aegis_composition").expect("chart").panels[0].series;
        let usdc = (shares[0].value)(&r).expect("usdc");
        let leaf = (shares[1].value)(&r).expect("leaf");
        assert!((usdc - 100.0 / 11.0).abs() < 1e-9 && (usdc + leaf - 100.0).abs() < 1e-9);
    }
}
