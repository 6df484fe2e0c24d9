//! The deal scorecard's chart: each deal's effect on cumulative revenue and
//! on the final AEGIS value, as horizontal bars from zero.

use canopy_model::scorecard::DealScore;

use crate::charts::figure::{Bar, Figure, Layer, LegendEntry, Mark, Plot, Scale, ScaleKind};
use crate::numbers::thousands;
use crate::palette;

/// File stem of the chart (`scorecard.svg`, `scorecard.png`).
pub const STEM: &str = "scorecard";

/// The chart's title, as drawn and in the report.
pub const TITLE: &str = "Deal scorecard";

/// The most deals the chart names, one bar each; the others share one bar.
pub const MOST_NAMED: usize = 40;

/// The chart of the deals whose differences are known, the largest effect
/// on AEGIS value at the top: the [`MOST_NAMED`] largest, and the others
/// summed as one bar at the bottom (every deal has its row in
/// `scorecard.csv`, so the chart's size does not grow with the deals);
/// `None` when there is none.
pub fn figure(rows: &[DealScore]) -> Option<Figure> {
    let mut known: Vec<(&DealScore, [f64; 2])> = rows
        .iter()
        .filter_map(|r| {
            let d = r.deltas.as_ref().ok()?;
            Some((r, [d[0].unwrap_or(0.0), d[1].unwrap_or(0.0)]))
        })
        .collect();
    if known.is_empty() {
        return None;
    }
    known.sort_by(|a, b| b.1[1].abs().total_cmp(&a.1[1].abs()));
    // The others, summed from the largest of them down.
    let others = known.get(MOST_NAMED..).filter(|o| !o.is_empty()).map(|o| {
        let sum = |k: usize| o.iter().fold(0.0, |total, (_, d)| total + d[k]);
        (o.len(), [sum(0), sum(1)])
    });
    known.truncate(MOST_NAMED);
    let mut bars: Vec<(String, [f64; 2])> =
        (known.iter()).map(|(r, d)| (r.id.clone(), *d)).collect();
    if let Some((n, sums)) = others {
        bars.push((format!("the other {} deals", thousands(n as f64, 0)), sums));
    }
    let n = bars.len();
    // The largest at the top: row n - 1.
    let names: Vec<String> = bars.iter().rev().map(|(name, _)| name.clone()).collect();
    let plot = |k: usize, title: &str, color| Plot {
        title: title.to_string(),
        x: Scale {
            label: format!("{title}, USD"),
            kind: ScaleKind::Value { from_zero: true },
        },
        y: Scale {
            label: String::new(),
            kind: ScaleKind::Categories(names.clone()),
        },
        layers: vec![
            Layer::Bars {
                bars: bars
                    .iter()
                    .enumerate()
                    .map(|(i, (_, d))| Bar {
                        row: (n - 1 - i) as f64,
                        from: 0.0,
                        to: d[k],
                        label: short(d[k]),
                    })
                    .collect(),
                color,
                thickness: 0.6,
            },
            Layer::Rule {
                x: 0.0,
                color: palette::TEXT,
            },
        ],
    };
    let revenue = palette::CUMULATIVE;
    let value = palette::AEGIS_VALUE;
    Some(Figure {
        title: TITLE.to_string(),
        subtitle: match others {
            None => "Each deal's effect: this run minus the same run without the deal".to_string(),
            Some(_) => format!(
                "Each deal's effect: this run minus the same run without the deal; the {MOST_NAMED} largest on AEGIS value, the others summed"
            ),
        },
        legend: vec![
            LegendEntry {
                label: "cumulative revenue, last month".into(),
                color: revenue,
                mark: Mark::Block,
            },
            LegendEntry {
                label: "AEGIS value, last month".into(),
                color: value,
                mark: Mark::Block,
            },
        ],
        height: height(n),
        columns: 2,
        plots: vec![
            plot(0, "cumulative revenue", revenue),
            plot(1, "AEGIS value", value),
        ],
    })
}

/// The figure's height for `n` deals: 70 pixels a row up to 30 deals,
/// then 40, so that every deal is named on its axis.
fn height(n: usize) -> u32 {
    let n = u32::try_from(n).unwrap_or(u32::MAX);
    let rows = if n <= 30 { 70 * n } else { 2100.max(40 * n) };
    (300u32.saturating_add(rows)).max(700)
}

/// A bar's label: millions with one decimal, or whole dollars below a million.
fn short(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{} M", thousands(x / 1e6, 1))
    } else {
        thousands(x, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: usize, revenue: f64, value: f64) -> DealScore {
        DealScore {
            id: format!("deal-{i:02}"),
            counterparty: "X".into(),
            start_month: 1,
            parts: "tvl".into(),
            deltas: Ok([Some(revenue), Some(value), None, None, None, None]),
        }
    }

    #[test]
    fn the_largest_effects_are_named_and_the_others_summed_as_one_bar() {
        for n in [39, 40, 41, 80, 3000] {
            // Effects on AEGIS value growing with the deal, signs alternating.
            let value = |i: usize| if i.is_multiple_of(2) { 1e3 } else { -1e3 } * (i + 1) as f64;
            let rows: Vec<DealScore> = (0..n).map(|i| row(i, 2.0, value(i))).collect();
            let fig = figure(&rows).expect("a figure");
            let svg = crate::charts::figure_svg(&fig).unwrap();
            let named = n.min(MOST_NAMED);
            // The largest in size: the last `named` deals.
            for i in 0..n {
                let id = format!("\ndeal-{i:02}\n");
                let want = if i >= n - named { 2 } else { 0 };
                assert_eq!(svg.matches(&id).count(), want, "{n} deals: {id}");
            }
            let ScaleKind::Categories(names) = &fig.plots[1].y.kind else {
                panic!("categories");
            };
            let Layer::Bars { bars, .. } = &fig.plots[1].layers[0] else {
                panic!("bars");
            };
            if n <= MOST_NAMED {
                assert_eq!(names.len(), n);
                continue;
            }
            // One more bar, at the bottom, for the others: their sums.
            assert_eq!(names.len(), MOST_NAMED + 1);
            assert_eq!(
                names[0],
                format!("the other {} deals", thousands((n - 40) as f64, 0))
            );
            let others = n - MOST_NAMED;
            let want: f64 = (0..others).map(value).sum();
            let bottom = bars.iter().find(|b| b.row == 0.0).expect("the others' bar");
            assert!(
                (bottom.to - want).abs() <= 1e-9 * want.abs(),
                "{} {want}",
                bottom.to
            );
            let Layer::Bars { bars, .. } = &fig.plots[0].layers[0] else {
                panic!("bars");
            };
            let bottom = bars.iter().find(|b| b.row == 0.0).expect("the others' bar");
            assert_eq!(bottom.to, 2.0 * others as f64);
            assert!(fig.subtitle.contains("the 40 largest"), "{}", fig.subtitle);
        }
    }

    #[test]
    fn the_chart_of_many_deals_is_as_large_as_that_of_forty_one() {
        let rows = |n: usize| -> Vec<DealScore> {
            (0..n)
                .map(|i| row(i % 100, 1e6, 1e6 * (i % 97) as f64))
                .collect()
        };
        let small = crate::charts::figure_svg(&figure(&rows(41)).unwrap()).unwrap();
        let large = crate::charts::figure_svg(&figure(&rows(3000)).unwrap()).unwrap();
        assert_eq!(
            figure(&rows(3000)).unwrap().height,
            figure(&rows(41)).unwrap().height
        );
        assert!(
            large.len() < 2 * small.len(),
            "{} {}",
            large.len(),
            small.len()
        );
    }

    #[test]
    fn every_deal_is_named_once_and_each_bar_says_its_value() {
        // 20 deals, one far larger than the rest, small positive effects.
        let rows: Vec<DealScore> = (0..20)
            .map(|i| {
                row(
                    i,
                    1e6 * i as f64,
                    if i == 0 { -4e8 } else { 3e5 + i as f64 },
                )
            })
            .collect();
        let fig = figure(&rows).expect("a figure");
        let svg = crate::charts::figure_svg(&fig).expect("drawn");
        for i in 0..20 {
            let id = format!("\ndeal-{i:02}\n");
            assert_eq!(svg.matches(&id).count(), 2, "{id}: one per plot");
        }
        for label in ["-400.0 M", "300,019", "19.0 M"] {
            assert!(svg.contains(&format!("\n{label}\n")), "{label}");
        }
    }
}
