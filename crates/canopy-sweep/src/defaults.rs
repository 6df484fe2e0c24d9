//! What a sweep declares once and every part of it reads: the defaults of
//! a sweep file, its limits, the metrics and quantiles its summaries use,
//! and how a quantile's column is named. A leaf: it uses no other module
//! of the crate.

/// The key of the axis whose values are whole scenarios.
pub const SCENARIO_AXIS: &str = "scenario";

/// The metrics kept by default (`sweep.keep_months`).
pub const DEFAULT_KEEP_MONTHS: [&str; 7] = [
    "leaf_price",
    "tvl_total",
    "revenue_cumulative",
    "aegis_value",
    "aegis_usdc",
    "value_per_oak",
    "oak_redeemed",
];

/// The default quantiles of the bands (`sweep.quantiles`).
pub const DEFAULT_QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// The default confidence level of intervals (`sweep.confidence`).
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// The default tail of the expected shortfall (`sweep.tail`): the worst 5 %.
pub const DEFAULT_TAIL: f64 = 0.05;

/// The most runs per point.
pub const MAX_RUNS: i64 = 1_000_000_000;

/// The most steps of a linspace or logspace.
pub const MAX_STEPS: i64 = 1_000_000;

/// The most points a sweep may have: every point's scenario is built and
/// checked, and kept, before any run (a few kilobytes each).
pub const MAX_POINTS: usize = 100_000;

/// The main metrics of `points.csv` and the report: columns of
/// `runs.parquet`.
pub const MAIN_METRICS: [&str; 6] = [
    "revenue_cumulative",
    "aegis_value",
    "value_per_oak",
    "oak_redeemed",
    "leaf_price",
    "min_aegis_value",
];

/// The column name of the expected shortfall of `metric` at tail `t`:
/// named like quantiles (0.05 → `aegis_value_es5`, 0.025 → `_es2.5`).
pub fn shortfall_name(metric: &str, t: f64) -> String {
    format!("{metric}_es{}", &quantile_name(t)[1..])
}

/// The quantiles the report's fan charts draw: the default ones.
pub const FAN_QUANTILES: [f64; 5] = DEFAULT_QUANTILES;

/// The column name of quantile `q`: `p` then `q` in percent with up to 10
/// significant digits and no trailing zeros (0.05 → `p5`, 0.025 → `p2.5`,
/// 0.999 → `p99.9`, 1/3 → `p33.33333333`).
pub fn quantile_name(q: f64) -> String {
    let percent = q * 100.0;
    // Rounded to 10 significant digits, then written in the shortest form
    // that reads back as that number (which has at most 10 digits).
    let rounded: f64 = format!("{percent:.9e}")
        .parse()
        .expect("a formatted f64 reads back");
    format!("p{rounded}")
}
