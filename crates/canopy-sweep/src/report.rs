//! The sweep's report: what [`statistics`](crate::statistics) learnt, plus what
//! one more pass over `runs.parquet` gives (each axis's response, each
//! sample's scatter and Spearman correlation, the oat tornado), handed to
//! the output library to draw.

use std::fs;
use std::io;
use std::path::Path;

use canopy_model::Value;
use canopy_model::column;
use canopy_output::sweep_report::{
    AxisInfo, AxisResponse, Chance, CriterionFindings, FactorRanking, FactorSeries, Failures,
    MetricFans, PointFan, ResponseSeries, SampleInfo, SampleScatter, ScatterMetric,
    Sensitivity as ReportSensitivity, SweepReport, TextTable, Tornado, TornadoBar, TornadoMetric,
};

use crate::axis::AxisSpec;
use crate::columns::{Numbers, status_column};
use crate::criteria::Count;
use crate::defaults::MAIN_METRICS;
use crate::file::{Method, Mode, Sweep};
use crate::findings::Findings;
use crate::folder::{FAILURES, RUNS};
use crate::intervals::clopper_pearson;
use crate::parquet_io;
use crate::points::{Point, points};
use crate::sample::Distribution;
use crate::seeds::value_text;
use crate::sensitivity::SensitivityFindings;

/// The most failures the report lists (failures.csv has them all).
const MAX_FAILURES_SHOWN: usize = 100;

/// The most runs a scatter chart draws (its Spearman uses them all).
const MAX_SCATTER: usize = 2_000;

/// A sample's values and a main metric's over the ok runs, in run order
/// (one pair at a time: 16 bytes a run).
fn sampled(dir: &Path, key: &str, metric: &str) -> io::Result<(Vec<f64>, Vec<Option<f64>>)> {
    let path = dir.join(RUNS);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for batch in parquet_io::read(&path, Some(&["status", key, metric]))? {
        let batch = batch?;
        let status = status_column(&batch, &path)?;
        let (x, y) = (Numbers::of(&batch, key), Numbers::of(&batch, metric));
        for i in (0..batch.num_rows()).filter(|&i| status.value(i) == "ok") {
            xs.push(x.get(i).unwrap_or(f64::NAN));
            ys.push(y.get(i));
        }
    }
    Ok((xs, ys))
}

/// Ranks from 1, ties given their mean rank.
fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut out = vec![0.0; xs.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && xs[order[j + 1]] == xs[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &o in &order[i..=j] {
            out[o] = rank;
        }
        i = j + 1;
    }
    out
}

/// Spearman's rank correlation of the pairs where both are defined;
/// `None` with fewer than two pairs or when either side is constant.
pub fn spearman(xs: &[f64], ys: &[Option<f64>]) -> Option<f64> {
    let (x, y): (Vec<f64>, Vec<f64>) = xs
        .iter()
        .zip(ys)
        .filter_map(|(x, y)| Some((*x, (*y)?)).filter(|(x, y)| x.is_finite() && y.is_finite()))
        .unzip();
    if x.len() < 2 {
        return None;
    }
    let (rx, ry) = (ranks(&x), ranks(&y));
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// A point's label: `point 3: leaf_price.volatility = 0.06`.
fn point_label(sweep: &Sweep, p: &Point) -> String {
    let values: Vec<String> = sweep
        .axes
        .iter()
        .zip(&p.values)
        .filter_map(|(a, v)| Some(format!("{} = {}", a.key.path, value_text(v.as_ref()?))))
        .collect();
    if values.is_empty() {
        format!("point {}", p.index)
    } else {
        format!("point {}: {}", p.index, values.join(", "))
    }
}

fn distribution_text(d: &Distribution) -> String {
    let params: Vec<String> = Distribution::parameters(d.name())
        .iter()
        .zip(d.values())
        .map(|(n, x)| format!("{n} = {x}"))
        .collect();
    format!("{} {{ {} }}", d.name(), params.join(", "))
}

/// Writes `report.html` and `charts/` for a finished sweep in `dir`.
pub fn write(
    dir: &Path,
    sweep: &Sweep,
    seed: u64,
    version: &str,
    findings: &Findings,
) -> io::Result<()> {
    let pts = points(sweep);
    let mut settings = vec![
        (
            "scenario".to_string(),
            sweep
                .scenario
                .clone()
                .unwrap_or_else(|| "the `scenario` axis".into()),
        ),
        ("mode".into(), sweep.mode.name().into()),
        ("points".into(), pts.len().to_string()),
        ("runs per point".into(), sweep.runs.to_string()),
        ("seed".into(), seed.to_string()),
        (
            "common random numbers".into(),
            sweep.common_random_numbers.to_string(),
        ),
        ("kept metrics".into(), sweep.keep_months.join(", ")),
        (
            "quantiles".into(),
            sweep
                .quantiles
                .iter()
                .map(|q| q.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ];
    for s in &sweep.set {
        settings.push((format!("[set] {}", s.key.path), value_text(&s.value)));
    }
    if let Some(sens) = &sweep.sensitivity {
        settings.push(("samples".into(), sens.samples.to_string()));
        match sens.method {
            Method::Sobol { second_order } => {
                settings.push(("second order".into(), second_order.to_string()))
            }
            Method::Morris { levels } => settings.push(("levels".into(), levels.to_string())),
        }
        settings.push(("resamples".into(), sens.resamples.to_string()));
        for f in &sens.factors {
            settings.push((
                format!("[[factor]] {}", f.key.path),
                format!(
                    "{} to {}{}",
                    value_text(&Value::Float(f.low)),
                    value_text(&Value::Float(f.high)),
                    if f.log { " (log)" } else { "" }
                ),
            ));
        }
    }
    let fans = sweep
        .keep_months
        .iter()
        .zip(&findings.fans)
        .map(|(name, per_point)| MetricFans {
            metric: name.clone(),
            label: column(name).map_or_else(String::new, |c| c.doc.to_string()),
            points: per_point
                .iter()
                .zip(&pts)
                .map(|(f, p)| {
                    let [p5, p25, p50, p75, p95] = f.quantiles.clone();
                    PointFan {
                        label: point_label(sweep, p),
                        months: f.months.clone(),
                        p5,
                        p25,
                        p50,
                        p75,
                        p95,
                    }
                })
                .collect(),
        })
        .collect();

    let responses = sweep
        .axes
        .iter()
        .enumerate()
        .map(|(a, axis)| {
            let numeric = axis
                .values
                .iter()
                .all(|v| matches!(v, Value::Float(_) | Value::Int(_)));
            let metrics = MAIN_METRICS
                .iter()
                .zip(&findings.responses[a])
                .map(|(m, r)| ResponseSeries {
                    metric: m.to_string(),
                    p5: r.iter().map(|q| q[0]).collect(),
                    p50: r.iter().map(|q| q[1]).collect(),
                    p95: r.iter().map(|q| q[2]).collect(),
                })
                .collect();
            AxisResponse {
                key: axis.key.path.clone(),
                values: axis.values.iter().map(value_text).collect(),
                x: numeric.then(|| axis.values.iter().filter_map(Value::as_f64).collect()),
                log_x: matches!(axis.spec, AxisSpec::Logspace { .. }),
                metrics,
            }
        })
        .collect();

    let mut scatters = Vec::new();
    for smp in &sweep.samples {
        let mut x = Vec::new();
        let mut metrics = Vec::new();
        for m in MAIN_METRICS {
            let (xs, ys) = sampled(dir, &smp.key.path, m)?;
            let stride = xs.len().div_ceil(MAX_SCATTER).max(1);
            if x.is_empty() {
                x = xs.iter().step_by(stride).copied().collect();
            }
            metrics.push(ScatterMetric {
                metric: m.to_string(),
                y: ys.iter().step_by(stride).copied().collect(),
                spearman: spearman(&xs, &ys),
            });
        }
        scatters.push(SampleScatter {
            key: smp.key.path.clone(),
            x,
            metrics,
        });
    }

    let tornado = (sweep.mode == Mode::Oat && !sweep.axes.is_empty()).then(|| {
        let mut first = 1;
        let mut bars_at = Vec::new();
        for axis in &sweep.axes {
            let xs: Vec<Option<f64>> = axis.values.iter().map(Value::as_f64).collect();
            let n = axis.values.len();
            let (lo, hi) = if xs.iter().all(Option::is_some) {
                let by =
                    |a: &usize, b: &usize| xs[*a].unwrap_or(0.0).total_cmp(&xs[*b].unwrap_or(0.0));
                (
                    (0..n).min_by(by).unwrap_or(0),
                    (0..n).max_by(by).unwrap_or(0),
                )
            } else {
                (0, n.saturating_sub(1))
            };
            bars_at.push((axis, first + lo, first + hi, lo, hi));
            first += n;
        }
        Tornado {
            metrics: (0..MAIN_METRICS.len())
                .map(|k| TornadoMetric {
                    metric: MAIN_METRICS[k].to_string(),
                    base: findings.medians.first().and_then(|p| p[k]),
                    bars: bars_at
                        .iter()
                        .map(|(axis, lo_p, hi_p, lo, hi)| TornadoBar {
                            key: axis.key.path.clone(),
                            low_value: value_text(&axis.values[*lo]),
                            high_value: value_text(&axis.values[*hi]),
                            low: findings.medians.get(*lo_p).and_then(|p| p[k]),
                            high: findings.medians.get(*hi_p).and_then(|p| p[k]),
                        })
                        .collect(),
                })
                .collect(),
        }
    });

    let criteria = sweep
        .criteria
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let chance = |count: &Count| {
                let ci = clopper_pearson(count.k, count.n, sweep.confidence);
                Chance {
                    n: count.n,
                    k: count.k,
                    p: count.p(),
                    lo: ci.map(|c| c.0),
                    hi: ci.map(|c| c.1),
                }
            };
            let at = |p: usize| findings.criteria.get(p).and_then(|cs| cs.get(i));
            let axes = sweep
                .axes
                .iter()
                .enumerate()
                .map(|(a, axis)| {
                    (0..axis.values.len())
                        .map(|v| {
                            // Every point with this axis value, pooled.
                            let mut pooled = Count::default();
                            for p in pts.iter().filter(|p| p.picks[a] == Some(v)) {
                                if let Some(c) = at(p.index) {
                                    pooled.n += c.n;
                                    pooled.k += c.k;
                                }
                            }
                            chance(&pooled)
                        })
                        .collect()
                })
                .collect();
            CriterionFindings {
                name: c.name.clone(),
                condition: c.condition(),
                confidence: sweep.confidence,
                points: pts
                    .iter()
                    .map(|p| {
                        let count = at(p.index).cloned().unwrap_or_default();
                        (point_label(sweep, p), chance(&count))
                    })
                    .collect(),
                axes,
            }
        })
        .collect();

    let report = SweepReport {
        title: sweep.source_name.clone(),
        version: version.to_string(),
        settings,
        axes: sweep
            .axes
            .iter()
            .map(|a| AxisInfo {
                key: a.key.path.clone(),
                values: a.values.iter().map(value_text).collect(),
            })
            .collect(),
        samples: sweep
            .samples
            .iter()
            .map(|s| SampleInfo {
                key: s.key.path.clone(),
                distribution: distribution_text(&s.distribution),
            })
            .collect(),
        points: TextTable {
            header: findings.points_header.clone(),
            // A sensitivity sweep's rows are many: the first few show
            // their layout, points.csv holds them all.
            rows: if sweep.is_sensitivity() {
                findings
                    .points_rows
                    .iter()
                    .take(SENSITIVITY_ROWS_SHOWN)
                    .cloned()
                    .collect()
            } else {
                findings.points_rows.clone()
            },
        },
        fans,
        responses,
        scatters,
        tornado,
        criteria,
        failures: failures(dir)?,
        sensitivity: findings.sensitivity.as_ref().map(|f| sensitivity(sweep, f)),
    };
    canopy_output::sweep_report::write(dir, &report).map(drop)
}

/// The first rows of `failures.csv`, and how many there are.
fn failures(dir: &Path) -> io::Result<Failures> {
    let path = dir.join(FAILURES);
    let bytes = fs::read(&path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let header = r
        .headers()
        .map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    let mut total = 0;
    for rec in r.records() {
        let rec = rec.map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?;
        total += 1;
        if rows.len() < MAX_FAILURES_SHOWN {
            rows.push(rec.iter().map(str::to_string).collect());
        }
    }
    Ok(Failures {
        total,
        header,
        rows,
    })
}

/// The rows of a sensitivity sweep's points table that the report shows.
const SENSITIVITY_ROWS_SHOWN: usize = 20;

/// The report's view of a sensitivity sweep's findings.
fn sensitivity(sweep: &Sweep, f: &SensitivityFindings) -> ReportSensitivity {
    let sobol = matches!(
        sweep.sensitivity.as_ref().map(|s| s.method),
        Some(Method::Sobol { .. })
    );
    ReportSensitivity {
        method: if sobol { "sobol" } else { "morris" }.into(),
        index: f.index.into(),
        second: if sobol { "S1" } else { "sigma" }.into(),
        samples: f.samples.to_string(),
        resamples: f.resamples.to_string(),
        confidence: f.confidence.to_string(),
        rankings: f
            .rankings
            .iter()
            .map(|r| FactorRanking {
                metric: r.metric.clone(),
                factors: r.factors.clone(),
                value: r.value.clone(),
                lo: r.lo.clone(),
                hi: r.hi.clone(),
                second: r.second.clone(),
            })
            .collect(),
        series: f
            .series
            .iter()
            .map(|s| FactorSeries {
                metric: s.metric.clone(),
                months: s.months.clone(),
                factors: f
                    .factors
                    .iter()
                    .cloned()
                    .zip(s.values.iter().cloned())
                    .collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_ranks_ties_by_their_mean_rank() {
        // y ranks 1, 2, 3.5, 5, 3.5 against 1..5: Σdxdy = 8, Σdx² = 10,
        // Σdy² = 9.5, so ρ = 8 / √95 (as scipy.stats.spearmanr gives).
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0];
        let ys = [Some(5.0), Some(6.0), Some(7.0), Some(8.0), Some(7.0)];
        let rho = spearman(&xs, &ys).unwrap();
        assert!((rho - 8.0 / 95f64.sqrt()).abs() < 1e-15, "{rho}");
        // A decreasing relation is -1; pairs with no y are left out.
        let ys = [Some(9.0), None, Some(4.0), Some(1.0), Some(0.5)];
        assert_eq!(spearman(&xs, &ys), Some(-1.0));
        // Constant, or fewer than two pairs: undefined.
        assert_eq!(spearman(&xs, &[Some(1.0); 5]), None);
        assert_eq!(spearman(&xs[..1], &[Some(1.0)]), None);
    }
}
