//! Every request's work is bounded: runs wait their turn (one per core,
//! here one), a run past its deadline answers 503 and frees its core, a
//! run whose client has gone stops, and a large scenario's scorecard comes
//! on demand. Watched from outside, through real sockets and
//! `GET /api/status`, polled with a bounded deadline (no sleeps).

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use canopy_serve::Limits;
use canopy_serve::answer::{self, Stop};
use serde_json::{Value as Json, json};

/// Polls `check` until it is true, for up to a minute.
fn until(what: &str, mut check: impl FnMut() -> bool) {
    let limit = Instant::now() + Duration::from_secs(60);
    while !check() {
        assert!(Instant::now() < limit, "timed out waiting for {what}");
        std::thread::yield_now();
    }
}

fn status(addr: SocketAddr) -> Json {
    let (code, body) = common::request(addr, "GET", "/api/status", "application/json", b"");
    assert_eq!(code, 200);
    serde_json::from_slice(&body).expect("json")
}

/// The default scenario with `deals` deals (copies of its own, renamed)
/// and `months` months.
fn large(addr: SocketAddr, deals: usize, months: u32) -> Json {
    let (_, body) = common::request(addr, "GET", "/api/scenario", "application/json", b"");
    let mut s: Json = serde_json::from_slice(&body).unwrap();
    // The deals with TVL, without their OAK and LEAF pairs (whose totals
    // are bounded), copied under new ids.
    let book: Vec<Json> = s["deal"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d.get("tvl").is_some())
        .cloned()
        .collect();
    let mut out = Vec::new();
    for i in 0..deals {
        let mut d = book[i % book.len()].clone();
        d["id"] = json!(format!("d{i}"));
        let o = d.as_object_mut().unwrap();
        o.remove("oak");
        o.remove("leaf_pair");
        out.push(d);
    }
    s["deal"] = Json::Array(out);
    s["simulation"]["months"] = json!(months);
    s
}

/// A request whose work is many minutes on one core, however fast the
/// build: 800 Monte Carlo runs of 3,000 deals, each lasting all 1,200
/// months, each run its own (a volatile LEAF price: runs that draw
/// nothing would be one run).
fn heavy(addr: SocketAddr) -> Json {
    let mut s = large(addr, 3000, 1200);
    for d in s["deal"].as_array_mut().unwrap() {
        d["tvl"]["duration_months"] = json!(1200);
    }
    s["leaf_price"]["model"] = json!("market");
    s["leaf_price"]["volatility"] = json!(0.05);
    json!({ "scenario": s, "runs": 800 })
}

/// Sends a request on a connection of its own, without reading the answer.
fn send(addr: SocketAddr, path: &str, request: &Json) -> TcpStream {
    let body = request.to_string();
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    s
}

/// Whether an answer has begun to arrive on `s` (without waiting).
fn answered(s: &TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let mut b = [0u8; 1];
    let got = matches!(s.peek(&mut b), Ok(n) if n > 0);
    s.set_nonblocking(false).unwrap();
    got
}

fn read_status(mut s: TcpStream) -> (u16, String) {
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let code = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap();
    (code, out)
}

fn one_worker(deadline: Duration) -> Limits {
    Limits {
        workers: 1,
        deadline,
        ..Limits::default()
    }
}

#[test]
fn runs_wait_their_turn_and_a_run_stops_when_its_client_goes() {
    let addr = common::start_with("default", one_worker(Duration::from_secs(600)));
    assert_eq!(status(addr)["workers"], json!(1));
    let heavy = send(addr, "/api/run", &heavy(addr));
    until("the heavy request to start", || {
        status(addr)["running"] == json!(1)
    });
    // A plain run waits its turn behind it.
    let (_, plain) = common::request(addr, "GET", "/api/scenario", "application/json", b"");
    let plain: Json = serde_json::from_slice(&plain).unwrap();
    let waiting = send(addr, "/api/run", &json!({ "scenario": plain }));
    until("the plain run to queue", || {
        status(addr)["waiting"] == json!(1)
    });
    assert!(
        !answered(&waiting),
        "a run was answered while the only core was busy"
    );
    // The heavy request's client goes away: its runs stop, and the plain
    // run has the core.
    drop(heavy);
    let (code, answer) = read_status(waiting);
    assert_eq!(code, 200, "{answer}");
    until("no run under way", || {
        let s = status(addr);
        s["running"] == json!(0) && s["waiting"] == json!(0)
    });
}

#[test]
fn a_request_past_its_deadline_answers_503_and_frees_its_core() {
    let addr = common::start_with("default", one_worker(Duration::from_secs(1)));
    let (code, answer) = read_status(send(addr, "/api/run", &heavy(addr)));
    assert_eq!(code, 503, "{answer}");
    assert!(answer.contains("longer than 1 s"), "{answer}");
    until("the core to be free", || {
        status(addr)["running"] == json!(0)
    });
    let (_, plain) = common::request(addr, "GET", "/api/scenario", "application/json", b"");
    let body = format!("{{\"scenario\": {}}}", String::from_utf8_lossy(&plain));
    let (code, _) = common::request(
        addr,
        "POST",
        "/api/run",
        "application/json",
        body.as_bytes(),
    );
    assert_eq!(code, 200);
}

#[test]
fn a_large_scenarios_scorecard_comes_on_demand() {
    let addr = common::start("default");
    let big = large(addr, 400, 120);
    let (code, body) = common::request(
        addr,
        "POST",
        "/api/run",
        "application/json",
        json!({ "scenario": big }).to_string().as_bytes(),
    );
    assert_eq!(code, 200);
    let v: Json = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["scorecard"], Json::Null, "not computed with the run");
    assert_eq!(v["scorecard_cost"], json!(400u64 * 400 * 120));
    assert_eq!(v["records"].as_array().unwrap().len(), 120);
}

#[test]
fn the_scorecard_one_deal_after_another_is_the_models() {
    for name in ["default", "reference", "stress"] {
        let s = common::builtin_scenario(name);
        let records = canopy_model::run(&s).expect("runs");
        let ours = answer::run(&s, true, &Stop::never()).expect("not stopped");
        assert_eq!(ours.records, records, "{name}");
        assert_eq!(
            ours.scorecard,
            Some(canopy_model::scorecard::card(&s, &records)),
            "{name}"
        );
    }
}

#[test]
fn a_cancelled_stop_halts_a_run_at_the_next_month() {
    let s = common::builtin_scenario("default");
    let stop = Stop::never();
    stop.cancel();
    assert_eq!(
        answer::run(&s, false, &stop).err(),
        Some(answer::Halted::Cancelled)
    );
    let late = Stop::at(Instant::now());
    assert_eq!(
        answer::run(&s, true, &late).err(),
        Some(answer::Halted::Deadline)
    );
}
