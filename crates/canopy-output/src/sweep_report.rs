//! A sweep's `report.html` and its charts (SWEEP.md, "What a sweep
//! writes"). The sweep runner computes everything the page shows and hands
//! it over as plain values ([`SweepReport`]); this module only draws and
//! writes: one self-contained page (styles inline, charts as inline SVG, no
//! scripts), and every chart as SVG and PNG under `charts/`.
//!
//! Like the run's report, the page is built from `Html`
//! pieces only, so that keys, labels and values from the sweep file are
//! escaped by type.

mod decisions;
mod figures;
mod page;
mod sensitivity;

pub use decisions::{CompareReport, MonthlyPair, SeekPoint, SeekReport, write_compare, write_seek};

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::atomic;
use crate::charts::{figure_png, figure_svg, in_parallel};

/// Everything a sweep's report shows, computed by the sweep runner.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepReport {
    /// The sweep's name, e.g. its file's name.
    pub title: String,
    /// The canopy version, shown in the footer.
    pub version: String,
    /// The sweep's description, in order, as (what, value): `("scenario",
    /// "stress")`, `("mode", "grid")`, `("runs per point", "500")`, ...
    pub settings: Vec<(String, String)>,
    /// The axes, in file order.
    pub axes: Vec<AxisInfo>,
    /// The sampled parameters, in file order.
    pub samples: Vec<SampleInfo>,
    /// The points table, as `points.csv` holds it.
    pub points: TextTable,
    /// One per kept metric (`keep_months` order); empty when nothing is kept.
    pub fans: Vec<MetricFans>,
    /// One per axis.
    pub responses: Vec<AxisResponse>,
    /// One per sample.
    pub scatters: Vec<SampleScatter>,
    /// In "oat" mode with at least one axis: each axis's effect.
    pub tornado: Option<Tornado>,
    /// One per criterion, in the sweep's order.
    pub criteria: Vec<CriterionFindings>,
    /// The runs that were not ok.
    pub failures: Failures,
    /// A sensitivity sweep's (mode "sobol" or "morris") indices.
    pub sensitivity: Option<Sensitivity>,
}

/// What a sensitivity sweep found: which factors matter, per metric.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sensitivity {
    /// "sobol" or "morris".
    pub method: String,
    /// The index that ranks: "ST" (Sobol) or "mu_star" (Morris).
    pub index: String,
    /// The other index shown beside it: "S1" (Sobol) or "sigma" (Morris).
    pub second: String,
    /// Base samples or trajectories, bootstrap resamples, and the
    /// intervals' confidence, as text.
    pub samples: String,
    /// Bootstrap resamples, as text.
    pub resamples: String,
    /// The intervals' confidence, as text ("0.95").
    pub confidence: String,
    /// Per main metric at the last month, its factors ranked.
    pub rankings: Vec<FactorRanking>,
    /// Per kept metric, each factor's index by month.
    pub series: Vec<FactorSeries>,
}

/// One metric's factors, most important first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FactorRanking {
    /// The metric.
    pub metric: String,
    /// Factor keys, most important first.
    pub factors: Vec<String>,
    /// Their index (ST or mu_star).
    pub value: Vec<f64>,
    /// The interval's low end.
    pub lo: Vec<f64>,
    /// The interval's high end.
    pub hi: Vec<f64>,
    /// The other index (S1 or sigma).
    pub second: Vec<f64>,
}

/// One kept metric's index of every factor, month by month.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FactorSeries {
    /// The metric.
    pub metric: String,
    /// Months, from 1.
    pub months: Vec<u32>,
    /// Per factor: its key and its index each month (`None`: no value).
    pub factors: Vec<(String, Vec<Option<f64>>)>,
}

/// A criterion's probabilities: at every point, and against each axis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CriterionFindings {
    /// Its name.
    pub name: String,
    /// Its condition in words (`aegis_usdc < 10000000`).
    pub condition: String,
    /// The confidence level of the intervals (0.95).
    pub confidence: f64,
    /// One per point: its label and counts.
    pub points: Vec<(String, Chance)>,
    /// One per axis, aligned with [`SweepReport::responses`].
    pub axes: Vec<Vec<Chance>>,
}

/// How often a criterion was met, with its interval.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Chance {
    /// Ok runs.
    pub n: u64,
    /// Ok runs that met it.
    pub k: u64,
    /// k / n.
    pub p: Option<f64>,
    /// The interval's lower end.
    pub lo: Option<f64>,
    /// The interval's upper end.
    pub hi: Option<f64>,
}

/// One axis of the sweep.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AxisInfo {
    /// Its key (`leaf_price.volatility`).
    pub key: String,
    /// Its values as text, in order.
    pub values: Vec<String>,
}

/// One sampled parameter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SampleInfo {
    /// Its key.
    pub key: String,
    /// Its distribution in words (`uniform { low = -50000, high = 0 }`).
    pub distribution: String,
}

/// A table of text: a header and rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TextTable {
    /// Column names.
    pub header: Vec<String>,
    /// Rows of cells, as text.
    pub rows: Vec<Vec<String>>,
}

/// A kept metric's bands at every point.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricFans {
    /// A `metrics.csv` column name (`aegis_value`).
    pub metric: String,
    /// Its one-line description.
    pub label: String,
    /// One per point, in point order.
    pub points: Vec<PointFan>,
}

/// One point's quantiles of a metric, month by month.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PointFan {
    /// The point in words (`point 3: leaf_price.volatility = 0.06`).
    pub label: String,
    /// The months, 1..=N.
    pub months: Vec<u32>,
    /// 5th percentile, aligned with `months`; `None` where no run had a value.
    pub p5: Vec<Option<f64>>,
    /// 25th percentile.
    pub p25: Vec<Option<f64>>,
    /// Median.
    pub p50: Vec<Option<f64>>,
    /// 75th percentile.
    pub p75: Vec<Option<f64>>,
    /// 95th percentile.
    pub p95: Vec<Option<f64>>,
}

/// How the main metrics respond to one axis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AxisResponse {
    /// The axis's key.
    pub key: String,
    /// The axis values as text (the x labels).
    pub values: Vec<String>,
    /// Numeric x positions when the axis is numeric; else the axis is
    /// categorical and `values` label it.
    pub x: Option<Vec<f64>>,
    /// The axis was a logspace.
    pub log_x: bool,
    /// One per main metric.
    pub metrics: Vec<ResponseSeries>,
}

/// One main metric's last-month quantiles over the ok runs at each axis value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResponseSeries {
    /// The metric.
    pub metric: String,
    /// 5th percentile, one per axis value.
    pub p5: Vec<Option<f64>>,
    /// Median, one per axis value.
    pub p50: Vec<Option<f64>>,
    /// 95th percentile, one per axis value.
    pub p95: Vec<Option<f64>>,
}

/// The main metrics against one sampled parameter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SampleScatter {
    /// The sample's key.
    pub key: String,
    /// Sampled values of (at most a few thousand) ok runs, for drawing.
    pub x: Vec<f64>,
    /// One per main metric.
    pub metrics: Vec<ScatterMetric>,
}

/// One main metric against a sampled parameter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScatterMetric {
    /// The metric.
    pub metric: String,
    /// The runs' values, aligned with [`SampleScatter::x`].
    pub y: Vec<Option<f64>>,
    /// Spearman's rank correlation over all the sweep's ok runs.
    pub spearman: Option<f64>,
}

/// Each axis's effect on the main metrics ("oat" mode).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tornado {
    /// One per main metric.
    pub metrics: Vec<TornadoMetric>,
}

/// Each axis's effect on one main metric.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TornadoMetric {
    /// The metric.
    pub metric: String,
    /// Point 0's median of the last month.
    pub base: Option<f64>,
    /// One per axis.
    pub bars: Vec<TornadoBar>,
}

/// One axis's effect on a metric: the median at its lowest and highest value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TornadoBar {
    /// The axis's key.
    pub key: String,
    /// Its lowest value, as text.
    pub low_value: String,
    /// Its highest value, as text.
    pub high_value: String,
    /// The metric's median at the lowest value.
    pub low: Option<f64>,
    /// The metric's median at the highest value.
    pub high: Option<f64>,
}

/// The runs that were not ok.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Failures {
    /// How many runs were not ok.
    pub total: u64,
    /// The columns of `failures.csv`.
    pub header: Vec<String>,
    /// The first rows (the caller caps them).
    pub rows: Vec<Vec<String>>,
}

/// The folder, under the sweep's folder, that holds the charts.
pub const CHARTS_DIR: &str = "charts";

/// The list, in the sweep's folder, of the chart files the report wrote in
/// `charts/`, one name a line: a later report removes those it does not
/// draw again, and nothing else (a user's own file there stays).
pub const CHARTS_WRITTEN: &str = ".charts";

/// Writes `report.html` (self-contained) into `dir` and every chart as SVG
/// and PNG under `dir/charts/`; returns the chart file stems written.
///
/// All files are placed together ([`atomic::replace_all`]): an error while
/// writing replaces none of them. Chart files that an earlier report listed
/// in [`CHARTS_WRITTEN`] and this one does not draw are removed with them,
/// and the list is written anew.
pub fn write(dir: &Path, report: &SweepReport) -> io::Result<Vec<String>> {
    let plan = figures::plan(report);
    let all = plan.all();
    place(dir, &all, |svgs| page::html(report, &plan, svgs))
}

/// Draws `all` and writes them with the page that `page` makes of their
/// SVGs (by stem), as [`write`] does: every file placed together, stale
/// charts removed, the list of charts written anew.
fn place(
    dir: &Path,
    all: &[&figures::Drawn],
    page: impl FnOnce(&HashMap<&str, &str>) -> String,
) -> io::Result<Vec<String>> {
    let drawn = in_parallel(
        all,
        |c| c.stem.clone(),
        |c| Ok((figure_svg(&c.figure)?, figure_png(&c.figure)?)),
    )?;
    let svgs: HashMap<&str, &str> = all
        .iter()
        .zip(&drawn)
        .map(|(c, (svg, _))| (c.stem.as_str(), svg.as_str()))
        .collect();
    let page = page(&svgs);

    let charts = dir.join(CHARTS_DIR);
    fs::create_dir_all(&charts).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "cannot create the folder {}: {}",
                charts.display(),
                crate::describe(&e)
            ),
        )
    })?;
    let mut files: Vec<(PathBuf, &[u8])> = vec![(dir.join("report.html"), page.as_bytes())];
    let mut stems = Vec::with_capacity(all.len());
    for (c, (svg, png)) in all.iter().zip(&drawn) {
        files.push((charts.join(format!("{}.svg", c.stem)), svg.as_bytes()));
        files.push((charts.join(format!("{}.png", c.stem)), png));
        stems.push(c.stem.clone());
    }
    let list: String = stems
        .iter()
        .flat_map(|s| [format!("{s}.svg\n"), format!("{s}.png\n")])
        .collect();
    files.push((dir.join(CHARTS_WRITTEN), list.as_bytes()));
    let stale = stale_charts(dir, &list)?;
    atomic::replace_all(&files, &[], &stale)?;
    Ok(stems)
}

/// The chart files in `dir/charts/` that an earlier report listed in
/// [`CHARTS_WRITTEN`] and this one (`list`) does not write: plain files of
/// a plain name only, never a link or a folder, nothing if `charts/` is
/// itself a link.
pub fn stale_charts(dir: &Path, list: &str) -> io::Result<Vec<PathBuf>> {
    let keep: HashSet<&str> = list.lines().collect();
    let earlier = match fs::read_to_string(dir.join(CHARTS_WRITTEN)) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                format!("{}: {e}", dir.join(CHARTS_WRITTEN).display()),
            ));
        }
    };
    let charts = dir.join(CHARTS_DIR);
    if !fs::symlink_metadata(&charts).is_ok_and(|m| m.is_dir()) {
        return Ok(Vec::new());
    }
    let mut stale: Vec<PathBuf> = earlier
        .lines()
        .filter(|name| {
            !keep.contains(name)
                && !name.is_empty()
                && !name.starts_with('.')
                && !name.contains(['/', '\\'])
                && (name.ends_with(".svg") || name.ends_with(".png"))
        })
        .map(|name| charts.join(name))
        .filter(|path| fs::symlink_metadata(path).is_ok_and(|m| m.is_file()))
        .collect();
    stale.sort();
    Ok(stale)
}

/// A number for the page: few digits, thousands separators.
fn number(v: f64) -> String {
    use crate::numbers::{HUGE, scientific, thousands};
    let a = v.abs();
    if !v.is_finite() {
        return v.to_string();
    }
    if a >= HUGE {
        return scientific(v);
    }
    if a >= 1000.0 || a == 0.0 {
        return thousands(v, 0);
    }
    // Four significant digits, no trailing zeros.
    let decimals = (3 - a.log10().floor() as i32).clamp(0, 12) as usize;
    let s = thousands(v, decimals);
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A rank correlation, two decimals: `0.43`, `-0.07`.
fn correlation(v: f64) -> String {
    let s = format!("{v:.2}");
    if s == "-0.00" { "0.00".into() } else { s }
}

/// A name fit for a file: ASCII letters, digits and `_`, at most 40 of them.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out: String = out.trim_end_matches('_').chars().take(40).collect();
    out.trim_end_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(number(1_234_567.891), "1,234,568");
        assert_eq!(number(123.456), "123.5");
        assert_eq!(number(0.061_234), "0.06123");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(-2.0), "-2");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(2e20), "2e20");
        assert_eq!(correlation(0.4321), "0.43");
        assert_eq!(correlation(-0.001), "0.00");
        assert_eq!(correlation(-0.875), "-0.88");
    }

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(
            slug("deal[13].leaf_pair.amount"),
            "deal_13_leaf_pair_amount"
        );
        assert_eq!(slug("deal[0].<b>x</b>"), "deal_0_b_x_b");
        assert_eq!(slug("../..//"), "");
        assert_eq!(slug(&"a".repeat(50)).len(), 40);
    }
}
