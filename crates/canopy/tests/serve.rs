//! `canopy serve` as a user starts it: it prints its address, answers there,
//! stops cleanly on Ctrl-C (SIGINT) and SIGTERM, refuses a port in use with
//! exit status 1, warns when bound beyond loopback, and refuses a bad
//! scenario with exit status 2.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

fn canopy() -> Command {
    Command::new(env!("CARGO_BIN_EXE_canopy"))
}

/// A started server, killed if the test fails before it stops it.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `canopy serve ARGS` and reads its address from the line it prints.
fn start(args: &[&str]) -> (Server, String) {
    let mut child = canopy()
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("canopy starts");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut line)
        .expect("a line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    (Server(child), url)
}

fn get(host_port: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(host_port).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host_port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let code = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap();
    (
        code,
        out.split_once("\r\n\r\n")
            .map(|x| x.1.to_string())
            .unwrap_or_default(),
    )
}

fn signal(server: &Server, name: &str) {
    let ok = Command::new("kill")
        .args([name, &server.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(ok.success());
}

#[test]
fn serve_prints_its_address_answers_and_stops_on_ctrl_c() {
    for stop in ["-INT", "-TERM"] {
        let (mut server, url) = start(&["reference", "--port", "0"]);
        let host_port = url
            .strip_prefix("http://")
            .and_then(|u| u.strip_suffix('/'))
            .expect("http://HOST:PORT/");
        assert!(
            host_port.starts_with("127.0.0.1:"),
            "loopback by default: {url}"
        );
        let (code, body) = get(host_port, "/api/scenario");
        assert_eq!(code, 200);
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(
            v["compat"]["pairs_lag_one_month"],
            serde_json::json!(true),
            "the reference scenario"
        );
        let (code, page) = get(host_port, "/");
        assert_eq!(code, 200);
        assert!(page.contains("/assets/app.js"));
        signal(&server, stop);
        let status = server.0.wait().expect("exits");
        assert_eq!(status.code(), Some(0), "{stop}");
        let mut err = String::new();
        server
            .0
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(err.is_empty(), "{err}");
    }
}

#[test]
fn a_port_in_use_is_an_error_that_suggests_another() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().unwrap().port().to_string();
    let out = canopy()
        .args(["serve", "--port", &port])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use") && err.contains("--port"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn binding_beyond_loopback_warns() {
    let mut child = canopy()
        .args(["serve", "--host", "0.0.0.0", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("canopy starts");
    let mut line = String::new();
    BufReader::new(child.stderr.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let server = Server(child);
    assert!(
        line.starts_with("warning:") && line.contains("anyone who can reach it"),
        "{line}"
    );
    signal(&server, "-INT");
}

#[test]
fn a_bad_scenario_is_refused_before_listening() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[aegis]\nrevenue_share = 2\n").unwrap();
    let out = canopy()
        .args(["serve", "--port", "0"])
        .arg(&file)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:2:17: aegis.revenue_share"), "{err}");
    assert!(out.stdout.is_empty());
}

fn post(host_port: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(host_port).expect("connect");
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {host_port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let code = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap();
    (
        code,
        out.split_once("\r\n\r\n")
            .map(|x| x.1.to_string())
            .unwrap_or_default(),
    )
}

#[test]
fn monte_carlo_bands_are_canopy_sweeps_bands_csv() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("mc.toml");
    std::fs::write(&sweep, "[sweep]\nscenario = \"stress\"\nruns = 30\n").unwrap();
    let out = dir.path().join("sweep");
    let status = canopy()
        .args(["sweep", "--quiet", "--no-report", "--out"])
        .arg(&out)
        .arg(&sweep)
        .output()
        .expect("sweep runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );

    let (server, url) = start(&["stress", "--port", "0"]);
    let host_port = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let (_, scenario) = get(&host_port, "/api/scenario");
    let body = format!("{{\"scenario\": {scenario}, \"runs\": 30}}");
    let (code, answer) = post(&host_port, "/api/run", &body);
    assert_eq!(code, 200);
    let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let bands = v["bands"].as_array().expect("bands");

    let mut csv = csv::Reader::from_path(out.join("bands.csv")).expect("bands.csv");
    let header: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = csv.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), bands.len());
    for (row, b) in rows.iter().zip(bands) {
        for (name, cell) in header.iter().zip(row.iter()) {
            let value = &b[name.as_str()];
            let same = match value {
                serde_json::Value::Null => cell.is_empty(),
                serde_json::Value::String(s) => s == cell,
                serde_json::Value::Number(n) => cell.parse::<f64>().ok() == n.as_f64(),
                _ => false,
            };
            assert!(same, "{name}: bands.csv {cell:?}, /api/run {value}");
        }
    }
    signal(&server, "-INT");
}
