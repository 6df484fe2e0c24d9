//! The server on a real loopback port: concurrent requests are all served,
//! Monte Carlo work beside plain runs, and a client that goes away or sends
//! garbage does not stop it answering others.

mod common;

use std::io::Write;
use std::net::TcpStream;

use serde_json::{Value as Json, json};

#[test]
fn concurrent_requests_are_all_answered() {
    let addr = common::start("stress");
    let (code, body) = common::request(addr, "GET", "/api/scenario", "application/json", b"");
    assert_eq!(code, 200);
    let scenario: Json = serde_json::from_slice(&body).unwrap();
    let plain = json!({ "scenario": scenario }).to_string();
    let expected = {
        let (code, body) = common::request(
            addr,
            "POST",
            "/api/run",
            "application/json",
            plain.as_bytes(),
        );
        assert_eq!(code, 200);
        serde_json::from_slice::<Json>(&body).unwrap()["records"].clone()
    };
    let heavy = json!({ "scenario": scenario, "runs": 2000 }).to_string();
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for i in 0..16 {
            let body = if i % 4 == 0 {
                heavy.clone()
            } else {
                plain.clone()
            };
            handles.push(scope.spawn(move || {
                let (code, answer) = common::request(
                    addr,
                    "POST",
                    "/api/run",
                    "application/json",
                    body.as_bytes(),
                );
                (i, code, serde_json::from_slice::<Json>(&answer).unwrap())
            }));
        }
        // Clients that go away mid-request, or speak no HTTP at all.
        for junk in [
            &b"POST /api/run HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"[..],
            b"\x00\x01\x02 garbage\r\n\r\n",
        ] {
            let mut s = TcpStream::connect(addr).unwrap();
            let _ = s.write_all(junk);
            drop(s);
        }
        for h in handles {
            let (i, code, v) = h.join().expect("client thread");
            assert_eq!(code, 200, "request {i}: {v}");
            assert_eq!(v["records"], expected, "request {i}");
            assert_eq!(v.get("bands").is_some(), i % 4 == 0, "request {i}");
        }
    });
    let (code, _) = common::request(addr, "GET", "/", "text/html", b"");
    assert_eq!(code, 200);
}
