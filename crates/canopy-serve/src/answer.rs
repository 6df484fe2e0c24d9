//! What the API answers for a valid scenario: its records, final summary,
//! scorecard, charts (from [`Chart::ALL`], the report's own definitions,
//! with the run's values) and Monte Carlo bands; and the files a run would
//! write (`metrics.csv`, `report.html`).

use canopy_model::scenario::params::{self, Default, Kind, Range};
use canopy_model::scorecard::{self, DealScore};
use canopy_model::{MonthRecord, RunError, TvlKind, ValidScenario};
use canopy_output::charts::{self, Chart, Side, Style, TickFormat, YAxis};
use canopy_output::{DealLog, json::metrics_json, metrics};
use canopy_sweep::bands::{self, BandRow};
use canopy_sweep::file::DEFAULT_QUANTILES;
use canopy_sweep::quantile_name;
use serde_json::{Map, Value as Json, json};

/// A run of a scenario and what the answer needs of it.
pub struct Ran {
    /// The months recorded (those before a failure, if the run stopped).
    pub records: Vec<MonthRecord>,
    /// Why the run stopped early, if it did.
    pub stopped: Option<String>,
    /// The deal scorecard (none for a run that stopped).
    pub scores: Option<Vec<DealScore>>,
}

/// Runs `s` and its scorecard.
pub fn run(s: &ValidScenario) -> Ran {
    outcome(s, canopy_model::run(s))
}

fn outcome(s: &ValidScenario, result: Result<Vec<MonthRecord>, RunError>) -> Ran {
    match result {
        Ok(records) => {
            let scores = Some(scorecard::card(s, &records));
            Ran {
                records,
                stopped: None,
                scores,
            }
        }
        Err(e) => Ran {
            stopped: Some(e.to_string()),
            records: e.records,
            scores: None,
        },
    }
}

/// The answer of `POST /api/run`.
pub fn run_answer(s: &ValidScenario, runs: u64) -> Json {
    let ran = run(s);
    let mut o = Map::new();
    o.insert("records".into(), records_json(&ran.records));
    o.insert("summary".into(), summary_json(s, &ran.records));
    o.insert(
        "scorecard".into(),
        ran.scores
            .as_deref()
            .map_or(Json::Array(Vec::new()), scorecard_json),
    );
    o.insert("scorecard_columns".into(), json!(scorecard_columns()));
    o.insert("columns".into(), json!(canopy_model::NAMES.to_vec()));
    o.insert("charts".into(), charts_json(&ran.records));
    o.insert("stopped".into(), json!(ran.stopped));
    o.insert("random".into(), json!(is_random(s)));
    if runs > 1 {
        o.insert("runs".into(), json!(runs));
        o.insert("bands".into(), bands_json(&bands::monte_carlo(s, runs)));
    }
    Json::Object(o)
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
pub fn metrics_csv(s: &ValidScenario) -> std::io::Result<Vec<u8>> {
    metrics::metrics_csv(&run(s).records)
}

/// `report.html` of a run of `s` named `name`, as `canopy run` writes it.
pub fn report_html(name: &str, s: &ValidScenario) -> std::io::Result<String> {
    let mut deals = DealLog::new(s);
    let result = canopy_model::run_observed(s, &mut deals);
    let ran = outcome(s, result);
    canopy_output::report_page(&canopy_output::Run {
        name,
        scenario: s,
        records: &ran.records,
        deals: &deals,
        stopped: ran.stopped,
        scorecard: ran.scores.as_deref(),
    })
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
