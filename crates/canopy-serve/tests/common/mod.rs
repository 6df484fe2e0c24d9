//! A server on a real loopback port, and a plain HTTP/1.1 client for it.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use canopy_model::{ValidScenario, builtin, load};
use canopy_serve::{Limits, Options, Served, serve_listener};

/// Built-in scenario `name`.
pub fn builtin_scenario(name: &str) -> ValidScenario {
    load(name, builtin::text(name).expect("built in"), &[]).expect("valid")
}

/// Serves built-in scenario `name` on a free loopback port, on a thread of
/// its own for the rest of the test process, as `canopy serve` does.
pub fn start(name: &str) -> SocketAddr {
    start_with(name, Limits::default())
}

/// A listener on a free local port, and the server's scenario and options
/// for it.
fn bound(name: &str, limits: Limits) -> (std::net::TcpListener, SocketAddr, Served, Options) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let served = Served {
        name: name.to_string(),
        scenario: builtin_scenario(name),
    };
    let opts = Options {
        host: addr.ip(),
        host_name: None,
        port: addr.port(),
        limits,
    };
    (listener, addr, served, opts)
}

/// As [`start`], with a stopper that stops the server (as a second Ctrl-C
/// does) while the test goes on.
pub fn start_stoppable(name: &str) -> (SocketAddr, canopy_serve::Stopper) {
    let (listener, addr, served, opts) = bound(name, Limits::default());
    let stopper = canopy_serve::Stopper::new();
    let stop = stopper.clone();
    std::thread::spawn(move || {
        canopy_serve::serve_listener_until(listener, served, &opts, |_| {}, &stop).expect("serves");
    });
    (addr, stopper)
}

/// As [`start`], with `limits`.
pub fn start_with(name: &str, limits: Limits) -> SocketAddr {
    let (listener, addr, served, opts) = bound(name, limits);
    std::thread::spawn(move || {
        serve_listener(listener, served, &opts, |_| {}).expect("serves");
    });
    addr
}

/// A request's status line code and body.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    kind: &str,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).expect("write");
    s.write_all(body).expect("write");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status");
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    (code, raw[split + 4..].to_vec())
}
