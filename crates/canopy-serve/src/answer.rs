//! What the API answers for a valid scenario: its records, final summary,
//! scorecard, charts (from [`Chart::ALL`], the report's own definitions,
//! with the run's values) and Monte Carlo bands; and the files a run would
//! write (`metrics.csv`, `report.html`).

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use canopy_model::scenario::params::{self, Default, Kind, Range};
use canopy_model::scorecard::{self, DealScore};
use canopy_model::{MonthRecord, Observer, Silent, State, TvlKind, ValidScenario};
use canopy_output::charts::{self, Chart, Side, Style, TickFormat, YAxis};
use canopy_output::{DealLog, json::metrics_json, metrics};
use canopy_sweep::Outcome;
use canopy_sweep::bands::{BandRow, Bands};
use canopy_sweep::file::{DEFAULT_KEEP_MONTHS, DEFAULT_QUANTILES};
use canopy_sweep::quantile_name;
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
/// stopping), or its deadline passed. Runs check it at every month's end,
/// through the engine's observer.
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

/// An observer that passes everything on to another and stops the run
/// when its [`Stop`] says so.
struct Watch<'a, O: Observer>(&'a Stop, O);

impl<O: Observer> Observer for Watch<'_, O> {
    fn wants_contributions(&self) -> bool {
        self.1.wants_contributions()
    }

    fn event(&mut self, month: u32, event: &canopy_model::Event) {
        self.1.event(month, event);
    }

    fn contribution(
        &mut self,
        month: u32,
        c: &canopy_model::tvl::Contribution,
        amount: f64,
        revenue: f64,
    ) {
        self.1.contribution(month, c, amount, revenue);
    }

    fn month_end(&mut self, record: &MonthRecord, state: &State<'_>) -> ControlFlow<()> {
        if self.0.halted().is_some() {
            ControlFlow::Break(())
        } else {
            self.1.month_end(record, state)
        }
    }
}

/// A run of a scenario and what the answer needs of it.
pub struct Ran {
    /// The months recorded (those before a failure, if the run stopped).
    pub records: Vec<MonthRecord>,
    /// Why the run stopped early, if it did.
    pub stopped: Option<String>,
}

/// Runs `s` (the one place a scenario is run for an answer), stopping when
/// `stop` says so.
pub fn run(s: &ValidScenario, stop: &Stop) -> Result<Ran, Halted> {
    let result = canopy_model::run_observed(s, &mut Watch(stop, Silent));
    if let Some(why) = stop.halted() {
        return Err(why);
    }
    Ok(match result {
        Ok(records) => Ran {
            records,
            stopped: None,
        },
        Err(e) => Ran {
            stopped: Some(e.to_string()),
            records: e.records,
        },
    })
}

/// The deal scorecard of `s`'s run that recorded `records`: the run again
/// without each deal (one after another, so that a request keeps to one
/// core), stopping when `stop` says so. The same rows as
/// `canopy_model::scorecard::card`.
pub fn scorecard(
    s: &ValidScenario,
    records: &[MonthRecord],
    stop: &Stop,
) -> Result<Vec<DealScore>, Halted> {
    let with = scorecard::figures(records);
    let mut rows = Vec::with_capacity(s.deals.len());
    for deal in 0..s.deals.len() {
        let without = scorecard::without(s, deal)
            .map(|w| canopy_model::run_observed(&w, &mut Watch(stop, Silent)));
        if let Some(why) = stop.halted() {
            return Err(why);
        }
        rows.push(scorecard::score(s, deal, &with, without));
    }
    Ok(rows)
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
pub fn monte_carlo(s: &ValidScenario, runs: u64, stop: &Stop) -> Result<Vec<BandRow>, Halted> {
    let metrics = DEFAULT_KEEP_MONTHS
        .iter()
        .filter_map(|name| canopy_model::record::column(name))
        .collect();
    let mut bands = Bands::new(metrics, s.simulation.months);
    let seed = s.simulation.seed;
    for r in 0..runs {
        if let Some(why) = stop.halted() {
            return Err(why);
        }
        let result =
            canopy_model::run_seeded(s, canopy_sweep::seeds::run_seed(seed, 0, runs, r, true));
        bands.add_run(Outcome::of(&result).0);
    }
    Ok(bands.finish(&DEFAULT_QUANTILES))
}

/// The answer of `POST /api/run`; the scorecard comes with it when it is
/// small ([`SCORECARD_WITH_RUN`]), else `"scorecard": null` and
/// `"scorecard_cost"` say it is to be asked for.
pub fn run_answer(s: &ValidScenario, runs: u64, stop: &Stop) -> Result<Json, Halted> {
    let ran = run(s, stop)?;
    let mut o = Map::new();
    o.insert("records".into(), records_json(&ran.records));
    o.insert("summary".into(), summary_json(s, &ran.records));
    let cost = scorecard_cost(s);
    let card = if ran.stopped.is_some() {
        Json::Array(Vec::new())
    } else if cost <= SCORECARD_WITH_RUN {
        scorecard_json(&scorecard(s, &ran.records, stop)?)
    } else {
        Json::Null
    };
    o.insert("scorecard".into(), card);
    o.insert("scorecard_cost".into(), json!(cost));
    o.insert("scorecard_columns".into(), json!(scorecard_columns()));
    o.insert("columns".into(), json!(canopy_model::NAMES.to_vec()));
    o.insert("charts".into(), charts_json(&ran.records));
    o.insert("stopped".into(), json!(ran.stopped));
    o.insert("random".into(), json!(is_random(s)));
    if runs > 1 {
        o.insert("runs".into(), json!(runs));
        o.insert("bands".into(), bands_json(&monte_carlo(s, runs, stop)?));
        // The banded metrics in words with their units, for the fans' titles.
        let docs: Map<String, Json> = DEFAULT_KEEP_MONTHS
            .iter()
            .filter_map(|name| canopy_model::record::column(name))
            .map(|c| (c.name.to_string(), json!(c.doc)))
            .collect();
        o.insert("metric_docs".into(), Json::Object(docs));
    }
    Ok(Json::Object(o))
}

/// The answer of `POST /api/scorecard`: the scorecard however large.
pub fn scorecard_answer(s: &ValidScenario, stop: &Stop) -> Result<Json, Halted> {
    let ran = run(s, stop)?;
    let rows = if ran.stopped.is_some() {
        Vec::new()
    } else {
        scorecard(s, &ran.records, stop)?
    };
    Ok(json!({
        "scorecard": scorecard_json(&rows),
        "scorecard_columns": scorecard_columns(),
        "stopped": ran.stopped,
    }))
}

/// Whether runs of `s` with different seeds can differ (the model's
/// [`canopy_model::Scenario::is_random`]).
pub fn is_random(s: &ValidScenario) -> bool {
    s.is_random()
}

/// The records as metrics.json has them: objects keyed by metrics.csv's
/// column names, `null` where undefined.
pub fn records_json(records: &[MonthRecord]) -> Json {
    // The same text as metrics.json, so the two cannot differ; it is
    // serde_json's own output, so it reads back.
    serde_json::from_str(&metrics_json(records)).unwrap_or(Json::Array(Vec::new()))
}

/// The final summary's figures (the console's and the report's): the last
/// month's TVL by kind, revenue, AEGIS, LEAF price and OAK, and the last
/// IRR defined with its month.
pub fn summary_json(s: &ValidScenario, records: &[MonthRecord]) -> Json {
    let Some(r) = records.last() else {
        return json!({ "month": 0 });
    };
    let last_irr = records
        .iter()
        .rev()
        .find_map(|r| r.irr.map(|v| (r.month, v)));
    let mut tvl = Map::new();
    for k in TvlKind::ALL {
        tvl.insert(k.key().into(), json!(r.tvl[k.index()]));
    }
    tvl.insert("total".into(), json!(r.tvl_total()));
    json!({
        "month": r.month,
        "tvl": tvl,
        "revenue_last_month": r.revenue_total(),
        "revenue_cumulative": r.revenue_cumulative,
        "aegis_leaf": r.aegis_leaf,
        "aegis_usdc": r.aegis_usdc,
        "aegis_value": r.aegis_value,
        "leaf_price": r.leaf_price,
        "pairs_active": r.pairs_active,
        "oak_total_supply": s.oak.total_supply,
        "oak_distributed": r.oak_distributed,
        "oak_redeemed": r.oak_redeemed,
        "oak_unredeemed": r.oak_unredeemed,
        "value_per_oak": r.value_per_oak,
        "last_irr": last_irr.map(|(_, v)| v),
        "last_irr_month": last_irr.map(|(m, _)| m),
    })
}

/// scorecard.csv's header, in order (JSON objects have none).
pub fn scorecard_columns() -> Vec<&'static str> {
    scorecard::header().to_vec()
}

/// The rows of scorecard.csv, keyed by its header: numbers as numbers,
/// `null` for an empty cell, the note as text.
pub fn scorecard_json(rows: &[DealScore]) -> Json {
    Json::Array(
        rows.iter()
            .map(|r| {
                let mut o = Map::new();
                o.insert("deal_id".into(), json!(r.id));
                o.insert("counterparty".into(), json!(r.counterparty));
                o.insert("start_month".into(), json!(r.start_month));
                o.insert("parts".into(), json!(r.parts));
                let (deltas, note) = match &r.deltas {
                    Ok(d) => (*d, String::new()),
                    Err(why) => ([None; 6], why.clone()),
                };
                for (name, d) in scorecard::DELTAS.iter().zip(deltas) {
                    o.insert((*name).into(), json!(d.filter(|x| x.is_finite())));
                }
                o.insert("note".into(), json!(note));
                Json::Object(o)
            })
            .collect(),
    )
}

/// The rows of SWEEP.md's bands (point 0), keyed by bands.csv's header.
pub fn bands_json(rows: &[BandRow]) -> Json {
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
pub fn charts_json(records: &[MonthRecord]) -> Json {
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
    Ok(metrics::metrics_csv(&run(s, stop)?.records))
}

/// `report.html` of a run of `s` named `name`, as `canopy run` writes it.
pub fn report_html(
    name: &str,
    s: &ValidScenario,
    stop: &Stop,
) -> Result<std::io::Result<String>, Halted> {
    let mut deals = DealLog::new(s);
    let result = canopy_model::run_observed(s, &mut Watch(stop, &mut deals));
    if let Some(why) = stop.halted() {
        return Err(why);
    }
    let (records, stopped) = match result {
        Ok(records) => (records, None),
        Err(e) => {
            let why = e.to_string();
            (e.records, Some(why))
        }
    };
    let scores = match stopped {
        None => Some(scorecard(s, &records, stop)?),
        Some(_) => None,
    };
    Ok(canopy_output::report_page(&canopy_output::Run {
        name,
        scenario: s,
        records: &records,
        deals: &deals,
        stopped,
        scorecard: scores.as_deref(),
    }))
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
            })
        })
        .collect();
    json!({ "scenario": scenario, "deal": deal, "deal_parts": params::DEAL_PARTS })
}
