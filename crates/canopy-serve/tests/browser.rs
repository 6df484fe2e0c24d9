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

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use canopy_model::{Value, load};
use canopy_sweep::Bands;
use canopy_sweep::file::{DEFAULT_KEEP_MONTHS, DEFAULT_QUANTILES};
use serde_json::{Value as Json, json};
use tungstenite::{Message, WebSocket};

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|p| p.is_file())
}

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
    let child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--window-size=1600,1200",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
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
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but no chromium, chromium-browser or google-chrome is on PATH"
        );
        eprintln!("browser test skipped: no chromium on PATH (set CI to make this a failure)");
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
    page.wait_for("state.name === 'guarded.toml'", "the opened file");
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
        page.eval("document.querySelector('[data-key=\"oak.max_redemption_per_month\"]').value"),
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
