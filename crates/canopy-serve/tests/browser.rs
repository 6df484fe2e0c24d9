//! The page in a real browser: headless Chromium, driven through the
//! DevTools protocol over a websocket, loads the app, edits a deal and sees
//! the summary and a chart change, pins a baseline and sees it drawn, types
//! an invalid value and sees the command line's message at its field, and
//! switches on Monte Carlo bands. What the page shows is checked against
//! the model run here. Without Chromium the test is skipped, unless `CI` is
//! set, where a missing browser is a failure.
//!
//! With `CANOPY_SCREENSHOT=PATH` it also saves a screenshot of the page at
//! the end (the README's).

mod common;

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use canopy_model::{Value, load};
use canopy_sweep::Bands;
use canopy_sweep::defaults::{DEFAULT_KEEP_MONTHS, DEFAULT_QUANTILES};
use canopy_testkit::{chromium_unless_skipped, headless};
use serde_json::{Value as Json, json};
use tungstenite::{Message, WebSocket};

/// The browser process, killed when the test ends however it ends.
struct Browser(Child);

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A DevTools session with one page.
struct Cdp {
    ws: WebSocket<TcpStream>,
    next: u64,
}

const DEADLINE: Duration = Duration::from_secs(90);

impl Cdp {
    fn call(&mut self, method: &str, params: Json) -> Json {
        self.next += 1;
        let id = self.next;
        let msg = json!({ "id": id, "method": method, "params": params });
        self.ws.send(Message::text(msg.to_string())).expect("send");
        loop {
            let m = self.ws.read().expect("read");
            let Message::Text(text) = m else { continue };
            let v: Json = serde_json::from_str(text.as_str()).expect("json");
            // The page's errors and console, for a failure to explain itself.
            if v["method"] == "Runtime.exceptionThrown" || v["method"] == "Runtime.consoleAPICalled"
            {
                eprintln!("page: {}", v["params"]);
            }
            if v["id"] == json!(id) {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    /// The value of a JavaScript expression in the page (promises awaited).
    fn eval(&mut self, expr: &str) -> Json {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expr, "returnByValue": true, "awaitPromise": true }),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expr}: {r}");
        r["result"]["value"].clone()
    }

    /// Waits until `expr` is truthy, and gives its value.
    fn wait_for(&mut self, expr: &str, what: &str) -> Json {
        let started = Instant::now();
        // Not there yet (the page still loading) is a falsy answer.
        let guarded =
            format!("(() => {{ try {{ return ({expr}); }} catch (e) {{ return null; }} }})()");
        loop {
            let v = self.eval(&guarded);
            if !(v.is_null() || v == json!(false) || v == json!(0) || v == json!("")) {
                return v;
            }
            assert!(started.elapsed() < DEADLINE, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The number of renders so far (the page counts them).
    fn renders(&mut self) -> u64 {
        self.eval("Number(document.body.dataset.runs || 0)")
            .as_u64()
            .unwrap_or(0)
    }

    /// Sets a form field as typing would, and fires its event.
    fn type_into(&mut self, key: &str, text: &str) {
        let expr = format!(
            "(() => {{ const e = document.querySelector('[data-key=\"{key}\"]'); if (!e) return false; e.value = {text}; e.dispatchEvent(new Event(e.tagName === 'SELECT' ? 'change' : 'input', {{ bubbles: true }})); return true; }})()",
            text = json!(text)
        );
        assert_eq!(self.eval(&expr), json!(true), "no field {key}");
    }
}

fn http_get(addr: &str, path: &str) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut s = TcpStream::connect(addr).expect("devtools connect");
    s.set_read_timeout(Some(DEADLINE)).expect("timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("write");
    // The browser keeps the connection open: read the body by its length.
    let mut r = BufReader::new(s);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = r.read_exact(&mut body);
    String::from_utf8_lossy(&body).to_string()
}

fn launch(browser: &Path, profile: &Path, url: &str) -> (Browser, Cdp) {
    let child = headless(browser, profile)
        .args([
            "--disable-quic",
            "--window-size=1600,1200",
            "--remote-debugging-port=0",
        ])
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("browser starts");
    let browser = Browser(child);
    // Chromium writes the port it took into the profile.
    let started = Instant::now();
    let port = loop {
        if let Ok(text) = std::fs::read_to_string(profile.join("DevToolsActivePort"))
            && let Some(port) = text
                .lines()
                .next()
                .and_then(|l| l.trim().parse::<u16>().ok())
        {
            break port;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "the browser did not open its DevTools port"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let devtools = format!("127.0.0.1:{port}");
    let ws_url = loop {
        let list: Json =
            serde_json::from_str(&http_get(&devtools, "/json/list")).unwrap_or(json!([]));
        if let Some(url) = list
            .as_array()
            .and_then(|l| l.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        {
            break url.to_string();
        }
        assert!(started.elapsed() < DEADLINE, "no page in the browser");
        std::thread::sleep(Duration::from_millis(100));
    };
    let stream = TcpStream::connect(&devtools).expect("devtools websocket");
    // A page that hangs fails the test rather than the suite.
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let (ws, _) = tungstenite::client(ws_url.as_str(), stream).expect("websocket handshake");
    let mut cdp = Cdp { ws, next: 0 };
    cdp.call("Runtime.enable", json!({}));
    (browser, cdp)
}

#[test]
fn the_page_edits_pins_checks_and_bands_in_a_real_browser() {
    let Some(browser) = chromium_unless_skipped() else {
        return;
    };
    let addr = common::start("default");
    let profile = tempfile::tempdir().expect("profile");
    let (_browser, mut page) = launch(&browser, profile.path(), &format!("http://{addr}/"));

    // The page loads, runs the served scenario and shows it.
    eprintln!("browser: waiting for the first run");
    page.wait_for("document.body.dataset.runs >= 1", "the first run");
    let s = common::builtin_scenario("default");
    let records = canopy_model::run(&s).expect("runs");
    let last = records.last().unwrap();
    assert_eq!(
        page.eval("state.last.summary.revenue_cumulative").as_f64(),
        Some(last.revenue_cumulative)
    );
    // The same seven cards, each with a figure of the flat summary: the TVL
    // card shows the last month's total TVL and its month.
    assert_eq!(
        page.eval("[...document.querySelectorAll('#summary .kpi')].map(c => c.dataset.card)"),
        json!([
            "TVL",
            "Cumulative revenue",
            "AEGIS value",
            "LEAF price",
            "OAK redeemed",
            "Value per OAK",
            "Last IRR"
        ])
    );
    assert_eq!(
        page.eval("[...document.querySelectorAll('#summary .kpi .value')].some(v => /–|NaN/.test(v.textContent))"),
        json!(false)
    );
    assert_eq!(
        page.eval("state.last.summary.tvl_total").as_f64(),
        Some(last.tvl_total())
    );
    assert_eq!(
        page.eval("document.querySelector('[data-card=\"TVL\"] .value').textContent === money(state.last.summary.tvl_total)"),
        json!(true)
    );
    assert_eq!(
        page.eval("document.querySelector('[data-card=\"TVL\"] .note').textContent"),
        json!(format!("month {}", last.month))
    );
    let charts = page
        .eval("document.querySelectorAll('#charts figure').length")
        .as_u64()
        .unwrap();
    assert_eq!(
        charts as usize,
        canopy_output::charts::charts_for(&records).len()
    );
    let fields = page
        .eval("document.querySelectorAll('#form [data-field]').length")
        .as_u64()
        .unwrap();
    assert!(fields as usize >= canopy_model::scenario::PARAMS.len());

    eprintln!("browser: Edit a deal's TVL");
    // Edit a deal's TVL: the summary and the charts follow.
    let (deal, amount) = s
        .deals
        .iter()
        .enumerate()
        .find_map(|(i, d)| d.tvl.as_ref().map(|t| (i, t.amount)))
        .expect("a deal with TVL");
    let key = format!("deal[{deal}].tvl.amount");
    let card = "document.querySelector('[data-card=\"Cumulative revenue\"] .value').textContent";
    let before_card = page.eval(card);
    let before_chart = page.eval("JSON.stringify(state.plots[0].data)");
    let n = page.renders();
    page.type_into(&key, &format!("{}", amount * 10.0));
    page.wait_for(
        &format!("document.body.dataset.runs > {n}"),
        "the edited run",
    );
    let edited = s
        .with(&[(key.as_str(), Value::Float(amount * 10.0))])
        .expect("valid");
    let edited_records = canopy_model::run(&edited).expect("runs");
    assert_eq!(
        page.eval("state.last.summary.revenue_cumulative").as_f64(),
        Some(edited_records.last().unwrap().revenue_cumulative)
    );
    assert_ne!(page.eval(card), before_card, "the summary card changed");
    assert_ne!(
        page.eval("JSON.stringify(state.plots[0].data)"),
        before_chart,
        "the chart changed"
    );

    eprintln!("browser: Pin it as the baseline");
    // Pin it as the baseline: every chart draws it, the summary compares.
    let n = page.renders();
    page.eval("document.getElementById('pin').click()");
    page.wait_for(
        &format!("document.body.dataset.runs > {n}"),
        "the pinned render",
    );
    assert_eq!(
        page.eval(
            "state.plots.every(p => p.series.some(s => (s.label || '').endsWith('(baseline)')))"
        ),
        json!(true)
    );
    let n = page.renders();
    page.type_into(&key, &format!("{}", amount * 20.0));
    page.wait_for(
        &format!("document.body.dataset.runs > {n}"),
        "the run after pinning",
    );
    let delta = page
        .wait_for(
            "document.querySelector('[data-card=\"Cumulative revenue\"] .delta')?.textContent",
            "a difference",
        )
        .as_str()
        .unwrap()
        .to_string();
    assert!(delta.starts_with("vs baseline +"), "{delta}");
    let tvl_delta = page.eval("document.querySelector('[data-card=\"TVL\"] .delta')?.textContent");
    assert!(
        tvl_delta
            .as_str()
            .is_some_and(|d| d.starts_with("vs baseline ")),
        "{tvl_delta}"
    );

    eprintln!("browser: An invalid value");
    // An invalid value: the command line's message at its field, and the
    // results marked stale.
    let cli = load("x", "[aegis]\nrevenue_share = 2\n", &[]).expect_err("invalid");
    page.type_into("aegis.revenue_share", "2");
    let msg = page.wait_for(
        "document.querySelector('[data-field=\"aegis.revenue_share\"] .msg')?.textContent",
        "the problem at its field",
    );
    assert_eq!(msg, json!(cli.problems[0].message));
    assert_eq!(
        page.eval("document.getElementById('results').classList.contains('stale')"),
        json!(true)
    );
    let n = page.renders();
    page.type_into("aegis.revenue_share", "1");
    page.wait_for(
        &format!("document.body.dataset.runs > {n}"),
        "the fixed run",
    );
    assert_eq!(
        page.eval("document.querySelectorAll('.msg').length"),
        json!(0)
    );

    eprintln!("browser: Monte Carlo: a moving price");
    // Monte Carlo: a moving price, then the bands of 200 runs, as the
    // sweep's band code gives them for the same runs.
    page.type_into("leaf_price.model", "market");
    page.type_into("leaf_price.volatility", "0.2");
    let n = page.renders();
    page.eval("document.getElementById('mc').click()");
    page.wait_for(
        &format!("document.body.dataset.runs > {n} && state.last.bands && document.querySelectorAll('#fans figure').length"),
        "the fan charts",
    );
    let fans = page.eval("document.querySelectorAll('#fans figure').length");
    assert_eq!(fans, json!(DEFAULT_KEEP_MONTHS.len()));
    let random = s
        .with(&[
            (key.as_str(), Value::Float(amount * 20.0)),
            ("leaf_price.model", Value::from("market")),
            ("leaf_price.volatility", Value::Float(0.2)),
        ])
        .expect("valid");
    let mut bands = Bands::with_names(&DEFAULT_KEEP_MONTHS, random.simulation.months).unwrap();
    for r in 0..200 {
        match canopy_model::run_seeded(&random, random.simulation.seed + r) {
            Ok(records) => bands.add_run(&records),
            Err(e) => bands.add_run(&e.records),
        }
    }
    let expected = bands.finish(&DEFAULT_QUANTILES);
    let shown =
        page.eval("state.last.bands.map(b => [b.month, b.metric, b.n, b.p5, b.p50, b.p95])");
    let shown = shown.as_array().unwrap();
    assert_eq!(shown.len(), expected.len());
    for (row, b) in expected.iter().zip(shown) {
        assert_eq!(b[0], json!(row.month));
        assert_eq!(b[1], json!(row.metric));
        assert_eq!(b[2], json!(row.band.n));
        assert_eq!(b[3].as_f64(), row.band.quantiles[0]);
        assert_eq!(b[4].as_f64(), row.band.quantiles[2]);
        assert_eq!(b[5].as_f64(), row.band.quantiles[4]);
    }

    if let Some(path) = std::env::var_os("CANOPY_SCREENSHOT") {
        page.eval("window.scrollTo(0, 0)");
        let shot = page.call("Page.captureScreenshot", json!({ "format": "png" }));
        let data = shot["data"].as_str().expect("screenshot");
        std::fs::write(&path, base64(data)).expect("screenshot written");
    }

    // Open a scenario file from disk: the form and the results follow it.
    eprintln!("browser: open a scenario file");
    let file = profile.path().join("guarded.toml");
    std::fs::write(&file, canopy_model::builtin::text("guarded").unwrap()).expect("file");
    let root = page.call("DOM.getDocument", json!({}))["root"]["nodeId"].clone();
    let input = page.call(
        "DOM.querySelector",
        json!({ "nodeId": root, "selector": "#open" }),
    )["nodeId"]
        .clone();
    page.call(
        "DOM.setFileInputFiles",
        json!({ "nodeId": input, "files": [file.display().to_string()] }),
    );
    // A baseline is pinned: the page asks whether to keep it.
    page.wait_for("document.getElementById('ask').open", "the question");
    page.eval("document.getElementById('ask-yes').click()");
    page.wait_for("state.name === 'guarded.toml'", "the opened file");
    assert_eq!(page.eval("state.baseline !== null"), json!(true));
    let guarded = common::builtin_scenario("guarded");
    let expected = canopy_model::run(&guarded)
        .expect("runs")
        .last()
        .unwrap()
        .revenue_cumulative;
    page.wait_for(
        &format!("state.last.summary.revenue_cumulative === {expected:?}"),
        "the opened scenario's run",
    );
    assert_eq!(
        page.eval("document.querySelector('[data-key=\"oak.max_redemption_per_month\"]').value.replace(/,/g, '')"),
        json!(guarded.oak.max_redemption_per_month.to_string())
    );
}

/// Standard base64 decoded (the screenshot's encoding).
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    digits
        .chunks(4)
        .flat_map(|c| {
            let n = c.iter().fold(0u32, |n, d| (n << 6) | u32::from(*d)) << (6 * (4 - c.len()));
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            bytes.into_iter().take(c.len().saturating_sub(1))
        })
        .collect()
}

/// Starts the browser on the page of a fresh server, and waits for its
/// first run; `None` (after saying so) without Chromium and without CI.
fn open_page(scenario: &str) -> Option<(Browser, Cdp, SocketAddr, tempfile::TempDir)> {
    let browser = chromium_unless_skipped()?;
    let addr = common::start(scenario);
    let profile = tempfile::tempdir().expect("profile");
    let (b, mut page) = launch(&browser, profile.path(), &format!("http://{addr}/"));
    page.wait_for("document.body.dataset.runs >= 1", "the first run");
    Some((b, page, addr, profile))
}

/// Clicks the element `selector` finds.
fn click(page: &mut Cdp, selector: &str) {
    let expr = format!(
        "(() => {{ const e = document.querySelector({s}); if (!e) return false; e.click(); return true; }})()",
        s = json!(selector)
    );
    assert_eq!(
        page.eval(&expr),
        json!(true),
        "nothing to click at {selector}"
    );
}

/// Waits for the next answer to a run after `act` (valid or not).
fn after_render(page: &mut Cdp, what: &str, act: impl FnOnce(&mut Cdp)) {
    let n = page
        .eval("Number(document.body.dataset.answers || 0)")
        .as_u64()
        .unwrap_or(0);
    act(page);
    page.wait_for(
        &format!("Number(document.body.dataset.answers || 0) > {n}"),
        what,
    );
}

#[test]
fn a_switched_off_part_stays_with_its_deal_when_rows_move() {
    let Some((_b, mut page, _addr, _p)) = open_page("default") else {
        return;
    };
    // Deal A has an OAK part; the deal before it, B, is switched on again
    // after A's row has moved: B gets its own terms (or the defaults),
    // never A's.
    let picked = page.eval(
        "(() => { const d = state.scenario.deal; for (let i = 2; i < d.length; i++) if (d[i].oak && d[i-1].id !== d[i].id) return i; return null; })()",
    );
    let i = picked
        .as_u64()
        .expect("a deal with OAK past the second row") as usize;
    let a_oak = page.eval(&format!("JSON.stringify(state.scenario.deal[{i}].oak)"));
    let b_before = page.eval(&format!(
        "JSON.stringify(state.scenario.deal[{}].oak ?? null)",
        i - 1
    ));
    let defaults = page.eval("JSON.stringify(partDefaults('oak'))");
    // B's own part off first, if it has one, so that it can be ticked on.
    if b_before != json!("null") {
        after_render(&mut page, "B's part off", |p| {
            click(p, &format!("[data-key=\"deal[{}].oak\"]", i - 1))
        });
    }
    after_render(&mut page, "A's part off", |p| {
        click(p, &format!("[data-key=\"deal[{i}].oak\"]"))
    });
    after_render(&mut page, "row 1 duplicated", |p| {
        click(
            p,
            "tr[data-deal=\"0\"] button[title=\"Duplicate this deal\"]",
        )
    });
    // B is now at row i, A at row i + 1.
    after_render(&mut page, "B's part on", |p| {
        click(p, &format!("[data-key=\"deal[{i}].oak\"]"))
    });
    let b_now = page.eval(&format!("JSON.stringify(state.scenario.deal[{i}].oak)"));
    assert_ne!(b_now, a_oak, "B was given A's OAK");
    let b_expected = if b_before == json!("null") {
        defaults
    } else {
        b_before
    };
    assert_eq!(b_now, b_expected);
    after_render(&mut page, "A's part on", |p| {
        click(p, &format!("[data-key=\"deal[{}].oak\"]", i + 1))
    });
    assert_eq!(
        page.eval(&format!(
            "JSON.stringify(state.scenario.deal[{}].oak)",
            i + 1
        )),
        a_oak,
        "A got its own OAK back"
    );
}

#[test]
fn hovering_a_field_or_a_metric_shows_what_canopy_explain_prints() {
    let Some((_b, mut page, _addr, _p)) = open_page("stress") else {
        return;
    };
    let explain = |name: &str| json!(canopy_sweep::reference::explain(name).expect("known"));
    // A scenario field: its label and its input.
    let label =
        page.eval("document.querySelector('[data-field=\"aegis.initial_usdc\"] label').title");
    assert_eq!(label, explain("aegis.initial_usdc"));
    let input =
        page.eval("document.querySelector('[data-field=\"aegis.initial_usdc\"] input').title");
    assert_eq!(input, explain("aegis.initial_usdc"));
    // A deal's field, by the deal's index.
    let deal = page.eval(
        "(() => { const e = document.querySelector('[data-field=\"deal[0].start_month\"] input'); return e ? e.title : null; })()",
    );
    assert_eq!(deal, explain("deal[3].start_month"));
    // A summary card's metric and a chart's title.
    let card = page.eval("document.querySelector('[data-card=\"AEGIS value\"] .label').title");
    assert_eq!(card, explain("aegis_value"));
    let chart = page.eval("document.querySelector('[data-chart=\"aegis_value_change\"] h3').title");
    assert_eq!(chart, explain("aegis_value_change"));
    // Units beside the names, from the same declarations: a field's label
    // and a deal column's heading.
    let unit = |key: &str| {
        canopy_model::scenario::params::param(key)
            .map(|p| p.unit)
            .or_else(|| canopy_model::scenario::params::deal_param(key).map(|p| p.unit))
            .expect("declared")
    };
    let label = page
        .eval("document.querySelector('[data-field=\"aegis.initial_usdc\"] label').textContent");
    assert_eq!(
        label,
        json!(format!("initial_usdc ({})", unit("aegis.initial_usdc")))
    );
    let headings =
        page.eval("[...document.querySelectorAll('tr.names th')].map(t => t.textContent)");
    let want = format!("amount ({})", unit("oak.amount"));
    assert!(
        headings
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h == &json!(want)),
        "{headings}"
    );
}

#[test]
fn stacked_charts_start_at_zero_and_axes_read_as_numbers() {
    let Some((_b, mut page, _addr, _p)) = open_page("default") else {
        return;
    };
    // Every stacked panel's y axis starts at 0 or below (the LEAF pairs
    // chart among them), as the report's charts do.
    let stacked = page.eval(
        "state.plots.filter(u => u.root.closest('#charts') && u.root.parentElement.dataset.zero).flatMap(u => u.root.parentElement.dataset.zero.split(',').map(k => [u.root.closest('figure').dataset.chart, u.scales[k].min]))",
    );
    let stacked = stacked.as_array().expect("plots");
    assert!(
        stacked
            .iter()
            .any(|p| p[0].as_str().unwrap_or("").contains("pair")),
        "{stacked:?}"
    );
    for p in stacked {
        let min = p[1].as_f64().unwrap();
        assert!(min <= 0.0, "{} starts at {min}", p[0]);
    }
    // The months axis with separators past 999 is checked by the
    // formatter itself: 1200 months read 1,200.
    assert_eq!(page.eval("grouped(1200)"), json!("1,200"));
    assert_eq!(page.eval("grouped(50000000.5)"), json!("50,000,000.5"));
}

#[test]
fn the_url_keeps_the_edits_undo_redoes_and_the_baseline_lists_its_changes() {
    let Some((_b, mut page, _addr, _p)) = open_page("default") else {
        return;
    };
    let served_share = page.eval("state.served.aegis.revenue_share");
    let n = page.renders();
    click(&mut page, "#pin");
    page.wait_for(&format!("document.body.dataset.runs > {n}"), "pinned");
    after_render(&mut page, "an edit", |p| {
        p.type_into("aegis.revenue_share", "0.25")
    });
    // A seed past 2^53, kept exactly.
    after_render(&mut page, "a large seed", |p| {
        p.type_into("simulation.seed", "9007199254740993")
    });
    // The baseline says what changed, as canopy compare's changes.csv.
    let rows = page.eval(
        "[...document.querySelectorAll('#changes tr[data-key]')].map(r => [...r.children].map(c => c.textContent))",
    );
    let rows = rows.as_array().expect("changes");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[0],
        json!(["aegis.revenue_share", served_share.to_string(), "0.25"])
    );
    assert_eq!(rows[1][0], json!("simulation.seed"));
    assert_eq!(rows[1][2], json!("9007199254740993"));
    // The URL holds them: a reload keeps them.
    let hash = page.wait_for("location.hash", "the edits in the URL");
    assert!(hash.as_str().unwrap().starts_with("#edits="), "{hash}");
    page.call("Page.reload", json!({}));
    page.wait_for(
        "document.body && document.body.dataset.runs >= 1 && state.scenario && state.scenario.aegis.revenue_share === 0.25",
        "the reloaded edits",
    );
    assert_eq!(
        page.eval("document.querySelector('[data-key=\"simulation.seed\"]').value"),
        json!("9,007,199,254,740,993")
    );
    assert!(
        page.eval("body({scenario: state.scenario})")
            .as_str()
            .unwrap()
            .contains("\"seed\":9007199254740993"),
        "the seed is sent exactly"
    );
    // Undo takes back the last edit, redo puts it back.
    after_render(&mut page, "an edit after reload", |p| {
        p.type_into("aegis.revenue_share", "0.3")
    });
    after_render(&mut page, "undo", |p| click(p, "#undo"));
    assert_eq!(page.eval("state.scenario.aegis.revenue_share"), json!(0.25));
    assert_eq!(
        page.eval("document.querySelector('[data-key=\"aegis.revenue_share\"]').value"),
        json!("0.25")
    );
    after_render(&mut page, "redo", |p| click(p, "#redo"));
    assert_eq!(page.eval("state.scenario.aegis.revenue_share"), json!(0.3));
}

#[test]
fn bad_runs_and_numbers_are_said_and_added_deals_show_what_they_send() {
    let Some((_b, mut page, _addr, _p)) = open_page("default") else {
        return;
    };
    // A runs box that is not a number: said at the box.
    page.eval("document.getElementById('runs').value = 'lots'");
    click(&mut page, "#mc");
    let msg = page.wait_for(
        "document.querySelector('[data-field=\"runs\"] .msg')?.textContent",
        "the runs problem",
    );
    assert!(msg.as_str().unwrap().contains("2 to 10,000"), "{msg}");
    page.eval("document.getElementById('mc').checked = false");
    // A number too large for JSON: the server's own message, not "null".
    page.type_into("aegis.initial_usdc", "1e999");
    let msg = page.wait_for(
        "document.querySelector('[data-field=\"aegis.initial_usdc\"] .msg')?.textContent",
        "the problem at its field",
    );
    assert!(!msg.as_str().unwrap().contains("null"), "{msg}");
    after_render(&mut page, "fixed", |p| {
        p.type_into("aegis.initial_usdc", "50,000,000")
    });
    assert_eq!(
        page.eval("state.lastScenario.aegis.initial_usdc"),
        json!(50000000)
    );
    // Add a deal: every choice it shows is what it sends (or says it is
    // the default, sending nothing).
    after_render(&mut page, "a deal added", |p| click(p, ".deals-bar button"));
    let mismatches = page.eval(
        "(() => { const i = state.scenario.deal.length - 1; const d = state.scenario.deal[i]; return [...document.querySelectorAll(`tr[data-deal=\"${i}\"] select`)].filter(s => { const path = s.dataset.key.replace(/^deal\\[\\d+\\]\\./, ''); const v = getPath(d, path); return s.value === '' ? v !== undefined : String(v) !== s.value; }).map(s => s.dataset.key); })()",
    );
    assert_eq!(mismatches, json!([]));
    // Every input of the form has a label tied to it.
    assert_eq!(
        page.eval("[...document.querySelectorAll('#form input, #form select')].filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).length"),
        json!(0)
    );
}

#[test]
fn on_a_phone_the_header_is_short_and_the_results_a_tap_away() {
    let Some((_b, mut page, _addr, _p)) = open_page("default") else {
        return;
    };
    page.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true }),
    );
    let height = page
        .wait_for(
            "innerWidth === 390 && document.querySelector('header.top').getBoundingClientRect().height",
            "the phone's layout",
        )
        .as_f64()
        .unwrap();
    assert!(height <= 84.4, "the header is {height} px of 844");
    let link = page.eval(
        "(() => { const a = document.querySelector('a[href=\"#results\"]'); const r = a.getBoundingClientRect(); return r.width > 0 && r.bottom <= innerHeight; })()",
    );
    assert_eq!(link, json!(true), "a link to the results in view");
    // The deals lead the form; their ids and counterparties stay in view
    // when the table scrolls sideways.
    assert_eq!(
        page.eval("document.querySelector('#form details').dataset.table"),
        json!("deal")
    );
    page.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 1440, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
    );
    page.wait_for("innerWidth === 1440", "the desktop layout");
    page.eval("stickColumns(); document.getElementById('deals-scroll').scrollLeft = 600");
    let kept = page.eval(
        "(() => { const box = document.getElementById('deals-scroll').getBoundingClientRect(); const id = document.querySelector('[data-key=\"deal[0].id\"]').getBoundingClientRect(); const cp = document.querySelector('[data-key=\"deal[0].counterparty\"]').getBoundingClientRect(); return id.left >= box.left - 1 && cp.right <= box.right && cp.left >= id.right - 1; })()",
    );
    assert_eq!(kept, json!(true), "id and counterparty stay in view");
}

#[test]
fn criteria_typed_on_the_monte_carlo_panel_show_their_probability_and_the_tail() {
    let Some((_b, mut page, _addr, _p)) = open_page("stress") else {
        return;
    };
    page.eval("document.getElementById('runs').value = '50'");
    after_render(&mut page, "Monte Carlo on", |p| click(p, "#mc"));
    page.wait_for("!document.getElementById('mc-section').hidden", "the panel");
    after_render(&mut page, "criteria typed", |p| {
        p.eval("(() => { const t = document.getElementById('criteria'); t.value = 'cheap: leaf_price < 0.6 at end\\n\\naegis_usdcc < 1'; t.dispatchEvent(new Event('input', { bubbles: true })); })()");
    });
    // A misspelt metric is a problem, named at its place, with a suggestion.
    let problems = page.wait_for(
        "document.getElementById('problems').textContent",
        "the criteria's problem",
    );
    let text = problems.as_str().unwrap_or_default();
    assert!(
        text.contains("criteria[1]") && text.contains("aegis_usdc"),
        "{text}"
    );
    after_render(&mut page, "criteria fixed", |p| {
        p.eval("(() => { const t = document.getElementById('criteria'); t.value = 'cheap: leaf_price < 0.6 at end'; t.dispatchEvent(new Event('input', { bubbles: true })); })()");
    });
    let row = page.wait_for(
        "document.querySelector('tr[data-criterion=\"cheap\"]')?.textContent",
        "the criterion's row",
    );
    // The row says what the answer holds: runs met of runs, as a share.
    let answer = page.eval("state.last.criteria[0]");
    let (k, n) = (answer["k"].as_u64().unwrap(), answer["n"].as_u64().unwrap());
    assert_eq!(n, 50);
    let row = row.as_str().unwrap();
    assert!(row.contains(&format!("{k} of {n}")), "{row}");
    assert!(
        row.contains(&format!("{:.1} %", 100.0 * k as f64 / n as f64)),
        "{row}"
    );
    assert_eq!(
        page.eval("document.querySelectorAll('#tail tr[data-tail]').length"),
        json!(6)
    );
}

#[test]
fn results_are_marked_stale_when_the_server_is_gone() {
    let Some(browser) = chromium_unless_skipped() else {
        return;
    };
    let (addr, stopper) = common::start_stoppable("default");
    let profile = tempfile::tempdir().expect("profile");
    let (_b, mut page) = launch(&browser, profile.path(), &format!("http://{addr}/"));
    page.wait_for("document.body.dataset.runs >= 1", "the first run");
    assert_eq!(
        page.eval("document.getElementById('results').classList.contains('stale')"),
        json!(false)
    );
    stopper.stop_now();
    // The server no longer answers: wait until a connection is refused.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(addr).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not stop"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // An edit cannot run: what is shown is marked stale, and said.
    page.type_into("aegis.initial_usdc", "60000000");
    page.wait_for(
        "document.getElementById('results').classList.contains('stale')",
        "the results marked stale",
    );
    let status = page.eval("document.getElementById('status').textContent");
    let status = status.as_str().unwrap_or_default();
    assert!(
        status.contains("did not answer") && status.contains("stale"),
        "{status}"
    );
    assert_eq!(
        page.eval("document.getElementById('status').hidden"),
        json!(false)
    );
}
