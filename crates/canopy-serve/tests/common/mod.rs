//! A server on a real loopback port, and a plain HTTP/1.1 client for it.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use canopy_model::{ValidScenario, builtin, load};
use canopy_serve::{Served, router};

/// Built-in scenario `name`.
pub fn builtin_scenario(name: &str) -> ValidScenario {
    load(name, builtin::text(name).expect("built in"), &[]).expect("valid")
}

/// Serves built-in scenario `name` on a free loopback port, on a thread of
/// its own for the rest of the test process.
pub fn start(name: &str) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("address");
    let served = Served {
        name: name.to_string(),
        scenario: builtin_scenario(name),
    };
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(listener, router(served)).await.expect("serves");
        });
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
