//! What the API answers for a valid scenario: its records, final summary,
//! scorecard, charts (from [`Chart::ALL`], the report's own definitions,
//! with the run's values) and Monte Carlo bands; and the files a run would
//! write (`metrics.csv`, `report.html`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use canopy_model::scenario::params::{self, Default, Kind, Range};
use canopy_model::scorecard::{self, Cell, DealScore};
use canopy_model::{MonthRecord, RunError, ValidScenario};
use canopy_output::charts::{self, Chart, Side, Style, TickFormat, YAxis};
use canopy_output::metrics_json;
use canopy_output::{RunOptions, RunOutcome, run_whole_until};
use canopy_sweep::criteria::{Count, Criterion, Met};
use canopy_sweep::defaults::MAIN_METRICS;
use canopy_sweep::defaults::{
    DEFAULT_CONFIDENCE, DEFAULT_KEEP_MONTHS, DEFAULT_QUANTILES, DEFAULT_TAIL,
};
use canopy_sweep::quantile_name;
use canopy_sweep::{BandRow, Bands};
use canopy_sweep::{Outcome, SUMMARY_COLUMNS, SummaryValue, summarise};
use canopy_sweep::{clopper_pearson, expected_shortfall};
use serde_json::{Map, Value as Json, json};

/// Why a request's work stopped before its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Halted {
    /// The client went away, or the server is stopping.
    Cancelled,
    /// The request's deadline passed.
    Deadline,
}

/// When a request's work is to stop: its client gone (or the server
/// stopping), or its deadline passed. Runs check it at every month's end
/// (the scorecard's runs included), through the engine's observer.
#[derive(Clone, Debug)]
pub struct Stop {
    cancelled: Arc<AtomicBool>,
    deadline: Option<Instant>,
}

impl Stop {
    /// Work that stops only when cancelled.
    pub fn never() -> Self {
        Stop {
            cancelled: Arc::new(AtomicBool::new(false)),
            deadline: None,
        }
    }

    /// Work that stops at `deadline`, or when cancelled.
    pub fn at(deadline: Instant) -> Self {
        Stop {
            deadline: Some(deadline),
            ..Stop::never()
        }
    }

    /// Stops the work at its next check.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether (and why) the work is to stop now.
    pub fn halted(&self) -> Option<Halted> {
        if self.cancelled.load(Ordering::Relaxed) {
            Some(Halted::Cancelled)
        } else if self.deadline.is_some_and(|d| Instant::now() >= d) {
            Some(Halted::Deadline)
        } else {
            None
        }
    }

    /// The deadline, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }
}

/// Runs `s` whole, as `canopy run` does ([`canopy_output::run_whole`]), with its
/// scorecard when `scorecard` (worked out one deal after another, so that a
/// request keeps to one core), stopping when `stop` says so.
pub fn run(s: &ValidScenario, scorecard: bool, stop: &Stop) -> Result<RunOutcome, Halted> {
    let options = RunOptions {
        scorecard,
        threads: 1,
        ..RunOptions::new(s)
    };
    run_whole_until(options, &|| stop.halted().is_some())
        // A stop stays said: it says why.
        .ok_or_else(|| stop.halted().unwrap_or(Halted::Cancelled))
}

/// The work of `s`'s scorecard, in deal-months: a run of every deal but
/// one for each deal.
pub fn scorecard_cost(s: &ValidScenario) -> u64 {
    let deals = s.deals.len() as u64;
    deals * deals * u64::from(s.simulation.months)
}

/// The most scorecard work ([`scorecard_cost`]) done with every run; a
/// larger scorecard is computed on demand (`POST /api/scorecard`). About
/// half a second of a core (200 deals of 120 months).
pub const SCORECARD_WITH_RUN: u64 = 200 * 200 * 120;

/// The Monte Carlo bands of `runs` runs of `s`, as `canopy sweep` bands a
/// point (SWEEP.md's seeds and quantiles), stopping between runs when
/// `stop` says so.
fn monte_carlo(
    s: &ValidScenario,
    runs: u64,
    criteria: &[Criterion],
    stop: &Stop,
) -> Result<MonteCarlo, Halted> {
    let metrics = DEFAULT_KEEP_MONTHS
        .iter()
        .filter_map(|name| canopy_model::column(name))
        .collect();
    let mut bands = Bands::new(metrics, s.simulation.months);
    let seed = s.simulation.seed;
    let mut counts = vec![Count::default(); criteria.len()];
    // Only the seed differs between runs: each limit is the scenario's.
    let limits: Vec<Option<f64>> = criteria.iter().map(|c| c.limit_in(s)).collect();
    // The main metrics of each ok run, for the tail.
    let mut tails: Vec<Vec<f64>> = vec![Vec::new(); MAIN_METRICS.len()];
    // One run's records and state at a time, their memory kept for the
    // next run.
    let mut kept = Vec::new();
    let mut runner = canopy_model::Runner::new();
    for r in 0..runs {
        if let Some(why) = stop.halted() {
            return Err(why);
        }
        let run_seed = canopy_sweep::run_seed(seed, 0, runs, r, true);
        let result = runner.run_seeded_into(s, run_seed, &mut kept);
        let (records, outcome) = Outcome::of(&result, &kept);
        bands.add_run(records);
        let ok = outcome == Outcome::Ok;
        for ((c, count), limit) in criteria.iter().zip(&mut counts).zip(&limits) {
            count.add(limit.filter(|_| ok).map(|limit| {
                let month = c.first_month(records, limit);
                Met {
                    met: month.is_some(),
                    month,
                }
            }));
        }
        if ok {
            let summary = summarise(records, &outcome);
            for (m, values) in MAIN_METRICS.iter().zip(&mut tails) {
                let at = SUMMARY_COLUMNS.iter().position(|c| c.name == *m);
                if let Some(Some(SummaryValue::Number(x))) = at.map(|i| summary[i]) {
                    values.push(x);
                }
            }
        }
    }
    for values in &mut tails {
        values.sort_unstable_by(f64::total_cmp);
    }
    Ok(MonteCarlo {
        bands: bands.finish(&DEFAULT_QUANTILES),
        counts,
        tails,
    })
}

/// What the Monte Carlo runs of a request give besides one run.
struct MonteCarlo {
    bands: Vec<BandRow>,
    /// Per criterion.
    counts: Vec<Count>,
    /// Per main metric, its last-month values over the ok runs, sorted.
    tails: Vec<Vec<f64>>,
}

/// The criteria's counts with their exact intervals, for the page.
fn criteria_json(criteria: &[Criterion], counts: &[Count]) -> Json {
    Json::Array(
        criteria
            .iter()
            .zip(counts)
            .map(|(c, n)| {
                let ci = clopper_pearson(n.k, n.n, DEFAULT_CONFIDENCE);
                let mut months = n.months.clone();
                months.sort_unstable_by(f64::total_cmp);
                json!({
                    "name": c.name,
                    "condition": c.condition(),
                    "n": n.n,
                    "k": n.k,
                    "p": n.p(),
                    "lo": ci.map(|c| c.0),
                    "hi": ci.map(|c| c.1),
                    "month_p50": canopy_sweep::quantile(&months, 0.5),
                })
            })
            .collect(),
    )
}

/// Each main metric's tail over the ok runs: its 5 % quantile and its
/// expected shortfall (the mean of the worst 5 %).
fn tail_json(tails: &[Vec<f64>]) -> Json {
    Json::Array(
        MAIN_METRICS
            .iter()
            .zip(tails)
            .map(|(m, values)| {
                json!({
                    "metric": m,
                    "p5": canopy_sweep::quantile(values, DEFAULT_TAIL),
                    "es5": expected_shortfall(values, DEFAULT_TAIL),
                    "n": values.len(),
                })
            })
            .collect(),
    )
}

/// The answer of `POST /api/run`; the scorecard comes with it when it is
/// small ([`SCORECARD_WITH_RUN`]), else `"scorecard": null` and
/// `"scorecard_cost"` say it is to be asked for.
pub fn run_answer(
    s: &ValidScenario,
    runs: u64,
    criteria: &[Criterion],
    stop: &Stop,
) -> Result<Json, Halted> {
    let cost = scorecard_cost(s);
    let ran = run(s, cost <= SCORECARD_WITH_RUN, stop)?;
    let mut o = Map::new();
    o.insert("records".into(), records_json(&ran.records));
    o.insert("summary".into(), json!(ran.summary));
    // A run that stopped has no scorecard; one not asked for is `null`.
    let card = match (&ran.failure, &ran.scorecard) {
        (Some(_), _) => Json::Array(Vec::new()),
        (None, Some(rows)) => scorecard_json(rows),
        (None, None) => Json::Null,
    };
    o.insert("scorecard".into(), card);
    o.insert("scorecard_cost".into(), json!(cost));
    o.insert("scorecard_columns".into(), json!(scorecard::header()));
    o.insert("columns".into(), json!(canopy_model::NAMES.to_vec()));
    o.insert("charts".into(), charts_json(&ran.records));
    o.insert("stopped".into(), json!(stopped(&ran)));
    o.insert("random".into(), json!(s.is_random()));
    if runs > 1 {
        o.insert("runs".into(), json!(runs));
        let mc = monte_carlo(s, runs, criteria, stop)?;
        o.insert("bands".into(), bands_json(&mc.bands));
        o.insert("criteria".into(), criteria_json(criteria, &mc.counts));
        o.insert("tail".into(), tail_json(&mc.tails));
        // The banded metrics in words with their units, for the fans' titles.
        let docs: Map<String, Json> = DEFAULT_KEEP_MONTHS
            .iter()
            .filter_map(|name| canopy_model::column(name))
            .map(|c| (c.name.to_string(), json!(c.doc)))
            .collect();
        o.insert("metric_docs".into(), Json::Object(docs));
    }
    Ok(Json::Object(o))
}

/// Why the run stopped early, in the model's words, if it did.
fn stopped(ran: &RunOutcome) -> Option<String> {
    ran.failure.as_ref().map(RunError::stopped)
}

/// The answer of `POST /api/scorecard`: the scorecard however large.
pub fn scorecard_answer(s: &ValidScenario, stop: &Stop) -> Result<Json, Halted> {
    let ran = run(s, true, stop)?;
    Ok(json!({
        "scorecard": scorecard_json(ran.scorecard.as_deref().unwrap_or_default()),
        "scorecard_columns": scorecard::header(),
        "stopped": stopped(&ran),
    }))
}

/// The records as metrics.json has them: objects keyed by metrics.csv's
/// column names, `null` where undefined.
fn records_json(records: &[MonthRecord]) -> Json {
    // The same text as metrics.json, so the two cannot differ; it is
    // serde_json's own output, so it reads back.
    serde_json::from_str(&metrics_json(records)).unwrap_or(Json::Array(Vec::new()))
}

/// The rows of scorecard.csv, keyed by its header (the model's
/// [`scorecard::COLUMNS`]): numbers as numbers, `null` for an empty cell,
/// text as text.
fn scorecard_json(rows: &[DealScore]) -> Json {
    Json::Array(
        rows.iter()
            .map(|r| {
                let o: Map<String, Json> = scorecard::COLUMNS
                    .iter()
                    .map(|c| {
                        let cell = match c.cell(r) {
                            Cell::Text(t) => json!(t),
                            Cell::Count(n) => json!(n),
                            Cell::Amount(a) => json!(a.filter(|x| x.is_finite())),
                        };
                        (c.name.to_string(), cell)
                    })
                    .collect();
                Json::Object(o)
            })
            .collect(),
    )
}

/// The rows of SWEEP.md's bands (point 0), keyed by bands.csv's header.
fn bands_json(rows: &[BandRow]) -> Json {
    let names: Vec<String> = DEFAULT_QUANTILES
        .iter()
        .map(|q| quantile_name(*q))
        .collect();
    Json::Array(
        rows.iter()
            .map(|r| {
                let mut o = Map::new();
                o.insert("point".into(), json!(0));
                o.insert("month".into(), json!(r.month));
                o.insert("metric".into(), json!(r.metric));
                o.insert("n".into(), json!(r.band.n));
                o.insert("mean".into(), json!(r.band.mean));
                for (name, q) in names.iter().zip(&r.band.quantiles) {
                    o.insert(name.clone(), json!(q));
                }
                Json::Object(o)
            })
            .collect(),
    )
}

fn style_name(s: Style) -> &'static str {
    match s {
        Style::Area => "area",
        Style::StepArea => "step-area",
        Style::Bars => "bars",
        Style::SideBars => "side-bars",
        Style::Line => "line",
        Style::Dashed => "dashed",
    }
}

fn axis_json(a: &YAxis) -> Json {
    json!({
        "label": a.label,
        "unit": a.unit,
        "unscaled_label": a.unscaled_label,
        "scale": a.scale,
        "percent": a.format == TickFormat::Percent,
    })
}

/// The charts the report draws for `records`, from [`Chart::ALL`]: stem,
/// title, caption, subtitle, and each panel's axes and series with the
/// series' value for every month (`null` where undefined).
fn charts_json(records: &[MonthRecord]) -> Json {
    Json::Array(
        charts::charts_for(records)
            .iter()
            .map(|c| chart_json(c, records))
            .collect(),
    )
}

fn chart_json(c: &Chart, records: &[MonthRecord]) -> Json {
    let panels: Vec<Json> = c
        .panels
        .iter()
        .map(|p| {
            let series: Vec<Json> = p
                .series
                .iter()
                .map(|s| {
                    let values: Vec<Option<f64>> = records
                        .iter()
                        .map(|r| (s.value)(r).filter(|x| x.is_finite()))
                        .collect();
                    json!({
                        "label": s.label,
                        "color": format!("#{:02x}{:02x}{:02x}", s.color.0, s.color.1, s.color.2),
                        "style": style_name(s.style),
                        "axis": if s.axis == Side::Right { "right" } else { "left" },
                        "layer": s.layer,
                        "values": values,
                    })
                })
                .collect();
            json!({
                "height": p.height,
                "left": axis_json(&p.left),
                "right": p.right.as_ref().map(axis_json),
                "series": series,
            })
        })
        .collect();
    json!({
        "stem": c.stem,
        "title": c.title,
        "caption": c.caption,
        "subtitle": (c.subtitle)(records),
        "months": records.iter().map(|r| r.month).collect::<Vec<_>>(),
        "panels": panels,
    })
}

/// `metrics.csv` of a run of `s`.
pub fn metrics_csv(s: &ValidScenario, stop: &Stop) -> Result<std::io::Result<Vec<u8>>, Halted> {
    Ok(canopy_output::metrics_csv(&run(s, false, stop)?.records))
}

/// `report.html` of a run of `s` named `name`, as `canopy run` writes it.
pub fn report_html(
    name: &str,
    s: &ValidScenario,
    stop: &Stop,
) -> Result<std::io::Result<String>, Halted> {
    let ran = run(s, true, stop)?;
    Ok(canopy_output::report_page(&ran.as_run(name, s)))
}

fn range_json(r: Range) -> Json {
    let bound = |b: Option<(f64, bool)>| b.map(|(x, open)| json!({ "value": x, "excluded": open }));
    json!({ "min": bound(r.lower()), "max": bound(r.upper()) })
}

fn kind_json(k: Kind) -> Json {
    let mut o = match k {
        Kind::Number(r) => {
            let mut o = json!({ "type": "number" });
            o["range"] = range_json(r);
            o
        }
        Kind::Whole { min, max } => json!({ "type": "whole", "min": min, "max": max }),
        Kind::Bool => json!({ "type": "bool" }),
        Kind::Choice(names) => json!({ "type": "choice", "choices": names }),
        Kind::Numbers(r) => {
            let mut o = json!({ "type": "numbers" });
            o["range"] = range_json(r);
            o
        }
        Kind::Text => json!({ "type": "text" }),
    };
    o["allowed"] = json!(k.describe());
    o
}

fn default_json(d: Default) -> Json {
    match d {
        Default::Float(x) => json!(x),
        Default::Int(i) => json!(i),
        Default::Bool(b) => json!(b),
        Default::Str(s) => json!(s),
        Default::List(xs) => json!(xs),
        Default::Required => json!({ "required": true }),
        Default::Derived => json!({ "derived": true }),
    }
}

/// The parameter tables (`PARAMS`, `DEAL_PARAMS`) for the page's form:
/// each key with its kind, what it allows, its default and its doc.
pub fn params_json() -> Json {
    let scenario: Vec<Json> = params::PARAMS
        .iter()
        .map(|p| {
            json!({
                "path": p.path,
                "table": p.path.rsplit_once('.').map_or("", |(t, _)| t),
                "kind": kind_json(p.kind),
                "default": default_json(p.default),
                "doc": p.doc,
                "unit": p.unit,
            })
        })
        .collect();
    let deal: Vec<Json> = params::DEAL_PARAMS
        .iter()
        .map(|p| {
            json!({
                "path": p.path,
                "part": params::part_of(p.path),
                "kind": kind_json(p.kind),
                "default": default_json(p.default),
                "doc": p.doc,
                "unit": p.unit,
            })
        })
        .collect();
    json!({
        "scenario": scenario,
        "deal": deal,
        "deal_parts": params::DEAL_PARTS,
        "explain": explain_json(),
    })
}

/// What `canopy explain` prints for every name it knows, keyed by name
/// (deal keys as `deal[i].oak.amount`): the page shows it on hover.
pub fn explain_json() -> Json {
    let entries = canopy_sweep::reference::entries();
    let mut out = serde_json::Map::new();
    for e in &entries {
        if !out.contains_key(&e.name)
            && let Ok(text) = canopy_output::reference::explain(&entries, &e.name)
        {
            out.insert(e.name.clone(), Json::String(text));
        }
    }
    Json::Object(out)
}
