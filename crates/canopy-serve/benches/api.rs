//! `POST /api/run` as the page sends it: a real server on a loopback port,
//! a client that sends the scenario as JSON on a fresh connection and reads
//! the whole answer. One 60-month run of each built-in scenario (with its
//! scorecard: one more run per deal), and 200 Monte Carlo runs of `stress`.
//! Also the answer made in-process, without HTTP.

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use canopy_model::{builtin, load};
use canopy_serve::{Served, answer};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

fn start(name: &str) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let scenario = load(name, builtin::text(name).unwrap(), &[]).unwrap();
    let served = Served {
        name: name.into(),
        scenario,
    };
    let opts = canopy_serve::Options {
        host: addr.ip(),
        host_name: None,
        port: addr.port(),
        limits: canopy_serve::Limits::default(),
    };
    std::thread::spawn(move || {
        canopy_serve::serve_listener(listener, served, &opts, |_| {}).unwrap();
    });
    addr
}

/// One request on a fresh connection; the answer's length.
fn post(addr: SocketAddr, body: &[u8]) -> usize {
    let mut s = TcpStream::connect(addr).unwrap();
    let head = format!(
        "POST /api/run HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    assert!(out.starts_with(b"HTTP/1.1 200"));
    out.len()
}

fn get_scenario(addr: SocketAddr) -> serde_json::Value {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET /api/scenario HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    serde_json::from_str(out.split_once("\r\n\r\n").unwrap().1).unwrap()
}

fn api(c: &mut Criterion) {
    for (name, runs) in [
        ("default", 1),
        ("reference", 1),
        ("stress", 1),
        ("stress", 200),
    ] {
        let addr = start(name);
        let body = json!({ "scenario": get_scenario(addr), "runs": runs }).to_string();
        c.bench_function(
            &format!("POST /api/run {name} (60 months, runs = {runs})"),
            |b| b.iter(|| post(addr, black_box(body.as_bytes()))),
        );
    }
    let s = load("default", builtin::text("default").unwrap(), &[]).unwrap();
    c.bench_function(
        "answer default in-process (run, scorecard, charts, JSON)",
        |b| b.iter(|| answer::run_answer(black_box(&s), 1, &[], &answer::Stop::never())),
    );
}

criterion_group!(benches, api);
criterion_main!(benches);
