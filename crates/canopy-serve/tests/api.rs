//! Every route of the API and its errors, called in-process: the answers
//! are checked against what the model, the output writers and the sweep's
//! band code give for the same scenario.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use canopy_model::scenario::validate::Where;
use canopy_model::{COLUMNS, MonthRecord, ValidScenario, builtin, load};
use canopy_output::charts::{Chart, charts_for};
use canopy_serve::{Access, Limits, Served, router};
use canopy_sweep::Bands;
use canopy_sweep::defaults::{DEFAULT_KEEP_MONTHS, DEFAULT_QUANTILES};
use http_body_util::BodyExt;
use serde_json::{Value as Json, json};
use tower::ServiceExt;

fn builtin_scenario(name: &str) -> ValidScenario {
    load(name, builtin::text(name).expect("built in"), &[]).expect("valid")
}

/// The address the in-process app believes it serves; [`call`] names it
/// in every request's Host, as a browser would.
const HOST: &str = "127.0.0.1:8765";

fn app(name: &str) -> axum::Router {
    router(
        Served {
            name: name.to_string(),
            scenario: builtin_scenario(name),
        },
        Access::new(HOST.parse().unwrap(), None),
        Limits::default(),
    )
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Json {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            )
        })
    }
}

fn call(app: axum::Router, mut req: Request<Body>) -> Answer {
    if !req.headers().contains_key(header::HOST) {
        req.headers_mut()
            .insert(header::HOST, header::HeaderValue::from_static(HOST));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let res = app.oneshot(req).await.expect("answered");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.expect("body").to_bytes();
        Answer {
            status,
            headers,
            body: body.to_vec(),
        }
    })
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).expect("request")
}

fn post_json(path: &str, body: &Json) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

fn post_toml(path: &str, text: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/toml")
        .body(Body::from(text.to_string()))
        .expect("request")
}

/// The served scenario, as GET /api/scenario gives it.
fn served_json(name: &str) -> Json {
    let a = call(app(name), get("/api/scenario"));
    assert_eq!(a.status, StatusCode::OK);
    a.json()
}

/// A metrics.csv cell against a JSON value: empty is null, numbers equal
/// as f64 (the CSV writes the shortest text that reads back exactly).
fn same_cell(cell: &str, v: &Json) -> bool {
    match v {
        Json::Null => cell.is_empty(),
        Json::Number(n) => cell.parse::<f64>().ok() == n.as_f64(),
        Json::String(s) => cell == s,
        _ => false,
    }
}

fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(bytes);
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|x| x.expect("row").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn the_served_scenario_is_the_toml_structure_with_every_default() {
    let a = call(app("reference"), get("/api/scenario"));
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers["x-canopy-scenario"], "reference");
    let v = a.json();
    // The same keys and values as `canopy show reference`.
    let shown: toml::Table = toml::from_str(&builtin_scenario("reference").to_toml()).unwrap();
    assert_eq!(
        v["simulation"]["months"],
        json!(shown["simulation"]["months"].as_integer().unwrap())
    );
    assert_eq!(
        v["deal"].as_array().unwrap().len(),
        shown["deal"].as_array().unwrap().len()
    );
    let back = canopy_serve::input::scenario_from_json(&v).expect("valid");
    assert_eq!(back.scenario(), builtin_scenario("reference").scenario());
}

#[test]
fn a_run_answers_the_records_of_metrics_csv_cell_by_cell() {
    let s = builtin_scenario("default");
    let a = call(
        app("default"),
        post_json("/api/run", &json!({ "scenario": served_json("default") })),
    );
    assert_eq!(a.status, StatusCode::OK);
    let v = a.json();
    let records = canopy_model::run(&s).expect("runs");
    let csv = canopy_output::metrics_csv(&records).unwrap();
    let (header, rows) = csv_rows(&csv);
    let got = v["records"].as_array().expect("records");
    assert_eq!(got.len(), rows.len());
    assert_eq!(header.len(), COLUMNS.len());
    assert_eq!(v["columns"], json!(header));
    for (row, obj) in rows.iter().zip(got) {
        let obj = obj.as_object().expect("object");
        assert_eq!(obj.len(), header.len());
        for (name, cell) in header.iter().zip(row) {
            assert!(
                same_cell(cell, &obj[name]),
                "{name}: csv {cell:?}, json {}",
                obj[name]
            );
        }
    }
    // Without runs, no bands.
    assert!(v.get("bands").is_none());
}

#[test]
fn the_summary_is_the_last_month_and_the_last_irr() {
    let s = builtin_scenario("default");
    let records = canopy_model::run(&s).expect("runs");
    let last: &MonthRecord = records.last().unwrap();
    let v = call(
        app("default"),
        post_json("/api/run", &json!({ "scenario": served_json("default") })),
    )
    .json();
    let sum = &v["summary"];
    // One flat object, the output library's FinalSummary serialised.
    let obj = sum.as_object().expect("an object");
    assert!(obj.values().all(|x| !x.is_object() && !x.is_array()));
    assert_eq!(
        *sum,
        serde_json::to_value(canopy_output::FinalSummary::from_records(&s, &records)).unwrap()
    );
    // A second path: the figures read off the model's last record.
    assert_eq!(sum["month"], json!(last.month));
    assert_eq!(sum["tvl_total"].as_f64(), Some(last.tvl_total()));
    for k in canopy_model::TvlKind::ALL {
        let key = k.key();
        assert_eq!(
            sum[format!("tvl_{key}")].as_f64(),
            Some(last.tvl[k.index()])
        );
        assert_eq!(
            sum[format!("revenue_{key}")].as_f64(),
            Some(last.revenue[k.index()])
        );
    }
    let figures = [
        ("revenue_cumulative", last.revenue_cumulative),
        ("revenue_last_month", last.revenue_total()),
        ("aegis_leaf", last.aegis_leaf),
        ("aegis_usdc", last.aegis_usdc),
        ("aegis_value", last.aegis_value),
        ("leaf_price", last.leaf_price),
        ("pairs_leaf", last.pairs_leaf),
        ("pairs_usdc", last.pairs_usdc),
        ("value_per_oak", last.value_per_oak),
        ("oak_distributed", last.oak_distributed),
        ("oak_redeemed", last.oak_redeemed),
        ("oak_unredeemed", last.oak_unredeemed),
        ("irr_threshold_weighted", last.irr_threshold_weighted),
        ("oak_total_supply", s.oak.total_supply),
    ];
    for (key, want) in figures {
        assert_eq!(sum[key].as_f64(), Some(want), "{key}");
    }
    assert_eq!(sum["pairs_active"], json!(last.pairs_active));
    let irr = records
        .iter()
        .rev()
        .find_map(|r| r.irr.get().map(|x| (r.month, x)));
    assert_eq!(sum["last_irr"].as_f64(), irr.map(|x| x.1));
    assert_eq!(sum["last_irr_month"].as_u64(), irr.map(|x| u64::from(x.0)));
}

#[test]
fn the_scorecard_is_scorecard_csv() {
    let s = builtin_scenario("default");
    let records = canopy_model::run(&s).expect("runs");
    let rows = canopy_model::scorecard::card(&s, &records);
    let (header, cells) = csv_rows(&canopy_output::scorecard_csv(&rows).unwrap());
    let v = call(
        app("default"),
        post_json("/api/run", &json!({ "scenario": served_json("default") })),
    )
    .json();
    let got = v["scorecard"].as_array().expect("scorecard");
    // JSON objects have no order: the answer gives the CSV's column order.
    assert_eq!(v["scorecard_columns"], json!(header));
    assert_eq!(got.len(), s.deals.len());
    assert!(!got.is_empty());
    for (row, obj) in cells.iter().zip(got) {
        let obj = obj.as_object().unwrap();
        let mut names: Vec<&String> = header.iter().collect();
        names.sort();
        assert_eq!(obj.keys().collect::<Vec<_>>(), names);
        for (name, cell) in header.iter().zip(row) {
            assert!(
                same_cell(cell, &obj[name]),
                "{name}: csv {cell:?}, json {}",
                obj[name]
            );
        }
    }
}

#[test]
fn charts_are_the_reports_definitions_with_the_runs_values() {
    let s = builtin_scenario("reference");
    let records = canopy_model::run(&s).expect("runs");
    let v = call(
        app("reference"),
        post_json("/api/run", &json!({ "scenario": served_json("reference") })),
    )
    .json();
    let charts = v["charts"].as_array().expect("charts");
    let wanted = charts_for(&records);
    assert_eq!(charts.len(), wanted.len());
    for (c, chart) in wanted.iter().zip(charts) {
        let def = Chart::by_stem(c.stem).unwrap();
        assert_eq!(chart["stem"], def.stem);
        assert_eq!(chart["title"], def.title);
        assert_eq!(chart["caption"], def.caption);
        assert_eq!(chart["subtitle"], (def.subtitle)(&records));
        for (p, panel) in def.panels.iter().zip(chart["panels"].as_array().unwrap()) {
            assert_eq!(panel["left"]["label"], p.left.label);
            for (s, series) in p.series.iter().zip(panel["series"].as_array().unwrap()) {
                assert_eq!(series["label"], s.label);
                let values = series["values"].as_array().unwrap();
                assert_eq!(values.len(), records.len());
                for (r, x) in records.iter().zip(values) {
                    assert_eq!(
                        x.as_f64(),
                        (s.value)(r),
                        "{} {} month {}",
                        def.stem,
                        s.label,
                        r.month
                    );
                }
            }
        }
    }
}

/// The bands of `runs` runs of `s` made here, run by run, with the sweep's
/// band code: run r with seed `simulation.seed + r`.
fn bands_by_hand(s: &ValidScenario, runs: u64) -> Vec<canopy_sweep::BandRow> {
    let mut bands = Bands::with_names(&DEFAULT_KEEP_MONTHS, s.simulation.months).unwrap();
    for r in 0..runs {
        match canopy_model::run_seeded(s, s.simulation.seed + r) {
            Ok(records) => bands.add_run(&records),
            Err(e) => bands.add_run(&e.records),
        }
    }
    bands.finish(&DEFAULT_QUANTILES)
}

#[test]
fn monte_carlo_bands_equal_the_sweeps_from_the_same_runs() {
    let s = builtin_scenario("stress");
    let runs = 40;
    let expected = bands_by_hand(&s, runs);
    let v = call(
        app("stress"),
        post_json(
            "/api/run",
            &json!({ "scenario": served_json("stress"), "runs": runs }),
        ),
    )
    .json();
    assert_eq!(v["random"], json!(true));
    let got = v["bands"].as_array().expect("bands");
    assert_eq!(got.len(), expected.len());
    assert_eq!(
        got.len(),
        s.simulation.months as usize * DEFAULT_KEEP_MONTHS.len()
    );
    let mut spread = false;
    for (row, b) in expected.iter().zip(got) {
        assert_eq!(b["point"], json!(0));
        assert_eq!(b["month"], json!(row.month));
        assert_eq!(b["metric"], json!(row.metric));
        assert_eq!(b["n"], json!(row.band.n));
        assert_eq!(b["mean"].as_f64(), row.band.mean);
        for (name, q) in ["p5", "p25", "p50", "p75", "p95"]
            .iter()
            .zip(&row.band.quantiles)
        {
            assert_eq!(
                b[*name].as_f64(),
                *q,
                "{name} month {} {}",
                row.month,
                row.metric
            );
        }
        spread |= row.band.quantiles[0] != row.band.quantiles[4];
    }
    assert!(spread, "a random scenario's runs differ");
    // The same with a TOML body and ?runs=.
    let text = builtin::text("stress").unwrap();
    let req = Request::post(format!("/api/run?runs={runs}"))
        .header(header::CONTENT_TYPE, "application/toml")
        .body(Body::from(text))
        .unwrap();
    let t = call(app("stress"), req);
    assert_eq!(t.status, StatusCode::OK);
    assert_eq!(t.json()["bands"], v["bands"]);
    assert_eq!(t.json()["records"], v["records"]);
}

#[test]
fn a_toml_body_runs_like_its_json() {
    let text = builtin::text("guarded").unwrap();
    let t = call(app("default"), post_toml("/api/run", text));
    assert_eq!(t.status, StatusCode::OK);
    let j = call(
        app("guarded"),
        post_json("/api/run", &json!({ "scenario": served_json("guarded") })),
    );
    assert_eq!(t.json()["records"], j.json()["records"]);
    assert_eq!(t.json()["scorecard"], j.json()["scorecard"]);
}

/// The problems a scenario file with `text` has, as the command line reads them.
fn cli_problems(text: &str) -> Vec<(String, String, Where)> {
    load("x.toml", text, &[])
        .expect_err("invalid")
        .problems
        .into_iter()
        .map(|p| (p.path, p.message, p.at))
        .collect()
}

#[test]
fn check_answers_the_command_lines_problems_at_their_keys() {
    let ok = call(
        app("default"),
        post_json("/api/check", &json!({ "scenario": served_json("default") })),
    );
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json(), json!({ "problems": [] }));

    let mut bad = served_json("default");
    bad["aegis"]["revenue_share"] = json!(2.0);
    bad["deal"][3]["leaf_pair"]["target_ratio"] = json!("abc");
    bad["aegis"]["initial_usdcc"] = json!(1);
    let a = call(
        app("default"),
        post_json("/api/check", &json!({ "scenario": bad })),
    );
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let got = a.json()["problems"].as_array().unwrap().clone();
    // The same problems as the command line gives for the same scenario as TOML.
    let text = builtin_scenario("default").to_toml().replacen(
        "revenue_share = 1.0",
        "revenue_share = 2.0",
        1,
    );
    let cli = cli_problems(&text);
    assert_eq!(cli.len(), 1);
    let share = got
        .iter()
        .find(|p| p["key"] == "aegis.revenue_share")
        .expect("at its key");
    assert_eq!(share["message"], json!(cli[0].1));
    let ratio = got
        .iter()
        .find(|p| p["key"] == "deal[3].leaf_pair.target_ratio")
        .expect("at its key");
    assert!(
        ratio["message"]
            .as_str()
            .unwrap()
            .contains("expected a number"),
        "{ratio}"
    );
    assert!(ratio["deal"].is_string(), "{ratio}");
    let typo = got
        .iter()
        .find(|p| p["key"] == "aegis.initial_usdcc")
        .expect("unknown key");
    assert!(
        typo["message"].as_str().unwrap().contains("initial_usdc"),
        "{typo}"
    );
    // JSON has no lines to point at.
    assert!(got.iter().all(|p| p.get("line").is_none()));
    // The run refuses it alike.
    let r = call(
        app("default"),
        post_json("/api/run", &json!({ "scenario": bad })),
    );
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json(), a.json());
}

#[test]
fn a_toml_bodys_problems_have_lines_and_columns() {
    let text = "[simulation]\nmonths = 0\n\n[aegis]\nrevenue_share = 1.5\n";
    let a = call(app("default"), post_toml("/api/check", text));
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let got = a.json()["problems"].as_array().unwrap().clone();
    let cli = cli_problems(text);
    assert_eq!(got.len(), cli.len());
    for (g, (key, message, at)) in got.iter().zip(&cli) {
        assert_eq!(g["key"], json!(key));
        assert_eq!(g["message"], json!(message));
        let Where::Text { line, column } = at else {
            panic!("{at:?}")
        };
        assert_eq!(g["line"], json!(line));
        assert_eq!(g["column"], json!(column));
    }
    let syntax = call(app("default"), post_toml("/api/check", "[aegis\n"));
    assert_eq!(syntax.status, StatusCode::BAD_REQUEST);
    assert!(
        syntax.json()["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("TOML syntax error")
    );
}

#[test]
fn bad_bodies_answer_400_with_problems() {
    let scenario = served_json("default");
    let cases: Vec<(Request<Body>, &str)> = vec![
        (
            Request::post("/api/run")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{not json"))
                .unwrap(),
            "",
        ),
        (post_json("/api/run", &json!([1, 2])), ""),
        (post_json("/api/run", &json!({})), "scenario"),
        (post_json("/api/run", &json!({ "scenario": 5 })), "scenario"),
        (
            post_json("/api/run", &json!({ "scenario": scenario, "runs": 0 })),
            "runs",
        ),
        (
            post_json("/api/run", &json!({ "scenario": scenario, "runs": 10_001 })),
            "runs",
        ),
        (
            post_json("/api/run", &json!({ "scenario": scenario, "runs": "ten" })),
            "runs",
        ),
        (
            post_json("/api/run", &json!({ "scenario": scenario, "runs": 2.5 })),
            "runs",
        ),
        (
            post_json("/api/run", &json!({ "scenario": scenario, "extra": 1 })),
            "extra",
        ),
        (
            post_json(
                "/api/run",
                &json!({ "scenario": { "simulation": { "months": null } } }),
            ),
            "simulation.months",
        ),
        (
            post_json(
                "/api/run",
                &json!({ "scenario": { "simulation": { "seed": 18_446_744_073_709_551_615u64 } } }),
            ),
            "simulation.seed",
        ),
        (
            post_json("/api/run", &json!({ "scenario": { "deal": { "a": 1 } } })),
            "deal",
        ),
        (
            post_json(
                "/api/run",
                &json!({ "scenario": { "simulation": { "months": 1200 } }, "runs": 10_000 }),
            ),
            "runs",
        ),
        (
            Request::post("/api/run?runs=0")
                .header(header::CONTENT_TYPE, "application/toml")
                .body(Body::from(""))
                .unwrap(),
            "runs",
        ),
        (
            Request::post("/api/run?runs=5")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json!({ "scenario": {} }).to_string()))
                .unwrap(),
            "runs",
        ),
        (
            Request::post("/api/run")
                .header(header::CONTENT_TYPE, "application/toml")
                .body(Body::from(vec![0xff, 0xfe]))
                .unwrap(),
            "",
        ),
    ];
    for (req, key) in cases {
        let what = format!("{} {}", req.method(), req.uri());
        let a = call(app("default"), req);
        assert_eq!(
            a.status,
            StatusCode::BAD_REQUEST,
            "{what}: {}",
            String::from_utf8_lossy(&a.body)
        );
        let problems = a.json()["problems"].as_array().expect("problems").clone();
        assert!(!problems.is_empty());
        assert!(
            problems
                .iter()
                .any(|p| p["key"] == key && p["message"].as_str().is_some_and(|m| !m.is_empty())),
            "{what}: no problem at `{key}`: {problems:?}"
        );
    }
}

#[test]
fn hostile_bodies_never_break_the_server() {
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let deep_toml = format!("a = {}{}", "[".repeat(5000), "]".repeat(5000));
    let bodies = [
        json!({ "scenario": { "deal": [{ "counterparty": "\u{202e}x\n", "start_month": 1, "tvl": { "kind": "organic", "amount": 1e308, "revenue_rate": 1e308, "duration_months": 100000 } }] } }).to_string(),
        json!({ "scenario": { "simulation": { "months": 1200 }, "tvl": { "market": { "growth_rates": [] } } } }).to_string(),
        json!({ "scenario": { "simulation": [1, { "x": [null] }] } }).to_string(),
        json!({ "scenario": { "": { "": "" } } }).to_string(),
        json!({ "scenario": { "deal": [[], 1, "x", null] } }).to_string(),
        format!("{{\"scenario\": {deep}}}"),
    ];
    for body in bodies {
        let req = Request::post("/api/run")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.clone()))
            .unwrap();
        let a = call(app("default"), req);
        assert!(
            a.status == StatusCode::OK || a.status == StatusCode::BAD_REQUEST,
            "{}: {}",
            &body[..body.len().min(80)],
            a.status
        );
        a.json();
    }
    let a = call(app("default"), post_toml("/api/run", &deep_toml));
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
}

#[test]
fn a_body_over_one_mib_answers_413() {
    let big = format!(
        "{{\"scenario\": {{}}, \"pad\": \"{}\"}}",
        "x".repeat(1024 * 1024)
    );
    for path in ["/api/run", "/api/check", "/api/metrics.csv"] {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(big.clone()))
            .unwrap();
        let a = call(app("default"), req);
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert!(
            a.json()["problems"][0]["message"]
                .as_str()
                .unwrap()
                .contains("1 MiB")
        );
    }
    // Just under the limit is read (and refused for what it says).
    let pad = 1024 * 1024 - 40;
    let under = format!("{{\"scenario\": {{}}, \"pad\": \"{}\"}}", "x".repeat(pad));
    assert!(under.len() <= 1024 * 1024);
    let a = call(app("default"), post_json_text("/api/check", under));
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
}

fn post_json_text(path: &str, body: String) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap()
}

#[test]
fn unknown_paths_answer_404_and_wrong_methods_405() {
    for path in [
        "/nope",
        "/api",
        "/api/runs",
        "/assets/../Cargo.toml",
        "/assets/%2e%2e%2fCargo.toml",
        "/assets/missing.js",
    ] {
        let a = call(app("default"), get(path));
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
    }
    for (method, path) in [
        ("GET", "/api/run"),
        ("GET", "/api/check"),
        ("PUT", "/api/run"),
        ("DELETE", "/api/scenario"),
        ("POST", "/"),
    ] {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let a = call(app("default"), req);
        assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
    }
}

#[test]
fn downloads_are_the_files_canopy_run_writes() {
    let s = builtin_scenario("default");
    let body = json!({ "scenario": served_json("default") });
    let dir = tempfile::tempdir().unwrap();
    let records = canopy_model::run(&s).unwrap();
    let mut deals = canopy_output::DealLog::new(&s);
    let observed = canopy_model::run_observed(&s, &mut deals).unwrap();
    assert_eq!(observed, records);
    let scores = canopy_model::scorecard::card(&s, &records);
    canopy_output::write(
        dir.path(),
        &canopy_output::Run {
            name: "default",
            scenario: &s,
            records: &records,
            deals: &deals,
            stopped: None,
            scorecard: Some(&scores),
        },
        true,
    )
    .unwrap();

    let m = call(app("default"), post_json("/api/metrics.csv", &body));
    assert_eq!(m.status, StatusCode::OK);
    assert!(
        m.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("metrics.csv")
    );
    assert_eq!(
        m.body,
        std::fs::read(dir.path().join("metrics.csv")).unwrap()
    );

    let r = call(app("default"), post_json("/api/report.html", &body));
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = String::from_utf8(r.body).unwrap();
    assert_eq!(
        page,
        std::fs::read_to_string(dir.path().join("report.html")).unwrap()
    );

    let t = call(app("default"), post_json("/api/scenario.toml", &body));
    assert_eq!(t.status, StatusCode::OK);
    let text = String::from_utf8(t.body).unwrap();
    assert_eq!(load("back", &text, &[]).unwrap().scenario(), s.scenario());

    // POST /api/scenario reads a TOML file as the page's "open" does.
    let o = call(
        app("default"),
        post_toml("/api/scenario", builtin::text("guarded").unwrap()),
    );
    assert_eq!(o.status, StatusCode::OK);
    assert_eq!(o.json(), served_json("guarded"));

    // Invalid scenarios download nothing.
    let bad = json!({ "scenario": { "simulation": { "months": 0 } } });
    for path in ["/api/metrics.csv", "/api/report.html", "/api/scenario.toml"] {
        assert_eq!(
            call(app("default"), post_json(path, &bad)).status,
            StatusCode::BAD_REQUEST,
            "{path}"
        );
    }
}

#[test]
fn the_page_and_its_assets_are_served_from_the_binary() {
    let a = call(app("default"), get("/"));
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = String::from_utf8(a.body).unwrap();
    // Nothing from another site.
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "{page}"
    );
    for asset in ["app.js", "app.css", "uPlot.iife.min.js", "uPlot.min.css"] {
        assert!(page.contains(&format!("/assets/{asset}")), "{asset}");
        let a = call(app("default"), get(&format!("/assets/{asset}")));
        assert_eq!(a.status, StatusCode::OK, "{asset}");
        assert!(a.body.len() > 500, "{asset}");
    }
    let js = String::from_utf8(call(app("default"), get("/assets/app.js")).body).unwrap();
    assert!(!js.contains("http://") && !js.contains("https://"));
}

#[test]
fn params_are_the_models_tables() {
    let v = call(app("default"), get("/api/params")).json();
    let scenario = v["scenario"].as_array().unwrap();
    assert_eq!(scenario.len(), canopy_model::scenario::PARAMS.len());
    for (p, j) in canopy_model::scenario::PARAMS.iter().zip(scenario) {
        assert_eq!(j["path"], p.path);
        assert_eq!(j["doc"], p.doc);
        assert_eq!(j["kind"]["allowed"], p.kind.describe());
    }
    let deal = v["deal"].as_array().unwrap();
    assert_eq!(deal.len(), canopy_model::scenario::DEAL_PARAMS.len());
    assert_eq!(v["deal_parts"], json!(["tvl", "oak", "leaf_pair"]));
    let months = &scenario[0];
    assert_eq!(months["default"], json!(60));
    assert_eq!(
        months["kind"],
        json!({ "type": "whole", "min": 1, "max": 1200, "allowed": "a whole number from 1 to 1200" })
    );
}

#[test]
fn params_carry_what_canopy_explain_prints_for_every_key_and_metric() {
    let v = call(app("default"), get("/api/params")).json();
    let texts = v["explain"].as_object().expect("explain texts");
    let names = canopy_model::scenario::PARAMS
        .iter()
        .map(|p| p.path.to_string())
        .chain(
            canopy_model::scenario::DEAL_PARAMS
                .iter()
                .map(|p| format!("deal[i].{}", p.path)),
        )
        .chain(canopy_model::COLUMNS.iter().map(|c| c.name.to_string()))
        .chain(
            canopy_output::charts::Chart::ALL
                .iter()
                .map(|c| c.stem.to_string()),
        );
    for name in names {
        let want = canopy_sweep::reference::explain(&name).expect("known");
        assert_eq!(texts.get(&name), Some(&json!(want)), "{name}");
    }
    assert!(
        texts["aegis_from_price"]
            .as_str()
            .unwrap()
            .contains("Rule: What moved AEGIS's value")
    );
}

#[test]
fn a_run_that_stops_answers_its_months_and_why() {
    // A price that overflows: the engine stops on a numeric failure.
    let text = "[simulation]\nmonths = 60\n[leaf_price]\nmodel = \"market\"\ninitial = 1e300\nmax = 1e308\ndrift = 50.0\n";
    let s = load("x", text, &[]).expect("valid");
    let result = canopy_model::run(&s);
    let a = call(app("default"), post_toml("/api/run", text));
    assert_eq!(a.status, StatusCode::OK);
    let v = a.json();
    match result {
        Ok(records) => {
            assert!(v["stopped"].is_null());
            assert_eq!(v["records"].as_array().unwrap().len(), records.len());
        }
        Err(e) => {
            // The model's words, as `canopy run` says them.
            assert_eq!(v["stopped"], json!(e.stopped()));
            assert!(
                v["stopped"]
                    .as_str()
                    .unwrap()
                    .starts_with("the run stopped in month ")
            );
            assert_eq!(v["records"].as_array().unwrap().len(), e.records.len());
            assert_eq!(v["scorecard"], json!([]));
        }
    }
}

#[test]
fn monte_carlo_counts_criteria_and_the_tail_from_the_same_runs() {
    let s = builtin_scenario("stress");
    let runs = 60u64;
    let v = call(
        app("stress"),
        post_json(
            "/api/run",
            &json!({
                "scenario": served_json("stress"),
                "runs": runs,
                "criteria": ["cheap: leaf_price < 0.6 at end", "aegis_usdc < 0.9 * aegis.initial_usdc"],
            }),
        ),
    );
    assert_eq!(v.status, StatusCode::OK);
    let v = v.json();
    // A second path: the same runs made here, each criterion checked by
    // hand from its records.
    let (mut cheap, mut low, mut ok) = (0u64, 0u64, 0u64);
    let mut values = Vec::new();
    for r in 0..runs {
        let Ok(records) = canopy_model::run_seeded(&s, s.simulation.seed + r) else {
            continue;
        };
        ok += 1;
        cheap += u64::from(records.last().unwrap().leaf_price < 0.6);
        low += u64::from(
            records
                .iter()
                .any(|m| m.aegis_usdc < 0.9 * s.aegis.initial_usdc),
        );
        values.push(records.last().unwrap().aegis_value);
    }
    let c = v["criteria"].as_array().expect("criteria");
    assert_eq!(c.len(), 2);
    assert_eq!(c[0]["name"], json!("cheap"));
    assert_eq!(c[1]["name"], json!("c2"));
    assert_eq!(c[0]["n"], json!(ok));
    assert_eq!(c[0]["k"], json!(cheap));
    assert_eq!(c[1]["k"], json!(low));
    assert!(
        cheap > 0 && cheap < ok,
        "a criterion met by some runs: {cheap} of {ok}"
    );
    let (p, lo, hi) = (
        c[0]["p"].as_f64().unwrap(),
        c[0]["lo"].as_f64().unwrap(),
        c[0]["hi"].as_f64().unwrap(),
    );
    assert_eq!(p, cheap as f64 / ok as f64);
    assert!(lo < p && p < hi);
    // The tail: the mean of the worst ceil(5 %) of the last month's values.
    values.sort_by(f64::total_cmp);
    let worst = (0.05 * values.len() as f64).ceil() as usize;
    let es = values[..worst].iter().sum::<f64>() / worst as f64;
    let tail = v["tail"].as_array().expect("tail");
    let row = tail
        .iter()
        .find(|t| t["metric"] == json!("aegis_value"))
        .unwrap();
    assert!((row["es5"].as_f64().unwrap() - es).abs() <= 1e-9 * es.abs());

    // Bad criteria are problems at their place; nothing runs.
    let bad = call(
        app("stress"),
        post_json(
            "/api/run",
            &json!({
                "scenario": served_json("stress"),
                "runs": 10,
                "criteria": ["aegis_usdcc < 1", 7, "x: leaf_price < 1 at 999"],
            }),
        ),
    );
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let problems = bad.json()["problems"].clone();
    let keys: Vec<&str> = problems
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["criteria[0]", "criteria[1]", "criteria[2]"],
        "{problems}"
    );
    assert!(
        problems[0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean")
    );
}
