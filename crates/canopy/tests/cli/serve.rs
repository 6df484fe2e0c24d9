//! `canopy serve` as a user starts it: it prints its address, answers there,
//! stops cleanly on Ctrl-C (SIGINT) and SIGTERM, refuses a port in use with
//! exit status 1, warns when bound beyond loopback, and refuses a bad
//! scenario with exit status 2.

use std::fs;
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
        assert!(
            err.lines().all(|l| l.starts_with("stopping:")),
            "only the word that it is stopping: {err}"
        );
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

/// Sends `raw` (a whole request) and reads the answer to its end: status,
/// head (lower case) and body.
fn exchange(host_port: &str, raw: &[u8]) -> (u16, String, String) {
    let mut s = TcpStream::connect(host_port).expect("connect");
    s.write_all(raw).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let out = String::from_utf8_lossy(&out).to_string();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {out:?}"));
    (code, head.to_ascii_lowercase(), body.to_string())
}

/// A request with `headers` (each ending in CRLF) and `body`; the
/// connection closes after the answer.
fn raw(method: &str, path: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn host_port_of(url: &str) -> String {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// Waits for the server to exit, polling up to `limit`; its status, or
/// `None` if it is still running then.
fn exit_within(server: &mut Server, limit: std::time::Duration) -> Option<i32> {
    let until = std::time::Instant::now() + limit;
    while std::time::Instant::now() < until {
        if let Some(status) = server.0.try_wait().expect("wait") {
            return Some(status.code().unwrap_or(-1));
        }
        std::thread::yield_now();
    }
    None
}

/// The lines of a child's stderr, read on a thread of their own so that
/// waiting for one is bounded.
fn lines(err: impl Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits (up to 30 s) for a line containing `what`: whether it came, and
/// every line seen.
fn stderr_until(rx: &std::sync::mpsc::Receiver<String>, what: &str) -> (bool, String) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut seen = String::new();
    loop {
        let left = until.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
                if line.contains(what) {
                    return (true, seen);
                }
            }
            Err(_) => return (false, seen),
        }
    }
}

#[test]
fn a_page_on_another_host_name_is_refused_421() {
    let (server, url) = start(&["reference", "--port", "0"]);
    let hp = host_port_of(&url);
    let port = hp.rsplit_once(':').unwrap().1;
    for host in [
        format!("rebind.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        "127.0.0.1:1".to_string(),
        "localhost".to_string(),
    ] {
        let (code, _, body) = exchange(
            &hp,
            &raw("GET", "/api/scenario", &format!("Host: {host}\r\n"), ""),
        );
        assert_eq!(code, 421, "Host: {host}: {body}");
        assert!(!body.contains("deal"), "Host: {host} read the deals");
    }
    // No Host at all (HTTP/1.1 requires one).
    let (code, _, _) = exchange(
        &hp,
        b"GET /api/scenario HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(code, 421);
    for host in [
        hp.clone(),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
    ] {
        let (code, _, _) = exchange(
            &hp,
            &raw("GET", "/api/scenario", &format!("Host: {host}\r\n"), ""),
        );
        assert_eq!(code, 200, "Host: {host}");
    }
    signal(&server, "-INT");
}

#[test]
fn another_origin_cannot_make_it_work_and_only_json_and_toml_are_read() {
    let (server, url) = start(&["reference", "--port", "0"]);
    let hp = host_port_of(&url);
    let port = hp.rsplit_once(':').unwrap().1;
    let host = format!("Host: {hp}\r\n");
    let json = r#"{"scenario": {}}"#;
    // Another site's page: a no-cors fetch or a form sends its Origin.
    for origin in [
        format!("http://127.0.0.2:{port}"),
        "https://evil.example".to_string(),
        "null".to_string(),
        format!("http://rebind.example:{port}"),
    ] {
        for path in ["/api/run", "/api/check", "/api/report.html"] {
            let (code, _, body) = exchange(
                &hp,
                &raw(
                    "POST",
                    path,
                    &format!("{host}Origin: {origin}\r\nContent-Type: application/json\r\n"),
                    json,
                ),
            );
            assert_eq!(code, 403, "{path} from {origin}: {body}");
        }
    }
    let (code, _, _) = exchange(
        &hp,
        &raw(
            "POST",
            "/api/run",
            &format!("{host}Sec-Fetch-Site: cross-site\r\nContent-Type: application/json\r\n"),
            json,
        ),
    );
    assert_eq!(code, 403, "a cross-site fetch without Origin");
    // What a form or a no-cors fetch can send without asking: refused 415,
    // as is a body with no type at all.
    for kind in [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "application/json-seq",
        "application/tomlx",
    ] {
        let (code, _, body) = exchange(
            &hp,
            &raw(
                "POST",
                "/api/run",
                &format!("{host}Content-Type: {kind}\r\n"),
                json,
            ),
        );
        assert_eq!(code, 415, "{kind}: {body}");
        assert!(body.contains("application/json"), "{kind}: {body}");
    }
    let (code, _, _) = exchange(&hp, &raw("POST", "/api/run", &host, json));
    assert_eq!(code, 415, "no Content-Type");
    // The page's own origin, and the types the API reads.
    for (kind, body) in [
        ("application/json", json),
        ("Application/JSON; charset=utf-8", json),
        ("application/toml", ""),
    ] {
        let (code, _, answer) = exchange(
            &hp,
            &raw(
                "POST",
                "/api/run",
                &format!(
                    "{host}Origin: http://{hp}\r\nSec-Fetch-Site: same-origin\r\nContent-Type: {kind}\r\n"
                ),
                body,
            ),
        );
        assert_eq!(code, 200, "{kind}: {answer}");
    }
    signal(&server, "-INT");
}

#[test]
fn a_body_announced_over_one_mib_is_refused_before_it_is_sent() {
    let (server, url) = start(&["reference", "--port", "0"]);
    let hp = host_port_of(&url);
    let mut s = TcpStream::connect(&hp).unwrap();
    write!(
        s,
        "POST /api/run HTTP/1.1\r\nHost: {hp}\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n"
    )
    .unwrap();
    let mut line = String::new();
    BufReader::new(&mut s).read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 413"), "{line}");
    signal(&server, "-INT");
}

#[test]
fn the_page_is_served_with_security_headers_and_an_icon() {
    let (server, url) = start(&["reference", "--port", "0"]);
    let hp = host_port_of(&url);
    let host = format!("Host: {hp}\r\n");
    let (code, head, _) = exchange(&hp, &raw("GET", "/", &host, ""));
    assert_eq!(code, 200);
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    assert!(head.contains("frame-ancestors 'none'"), "{head}");
    assert!(
        head.contains("content-security-policy: default-src 'self'"),
        "{head}"
    );
    let (code, head, _) = exchange(&hp, &raw("GET", "/favicon.ico", &host, ""));
    assert_eq!(code, 200);
    assert!(head.contains("content-type: image/svg+xml"), "{head}");
    signal(&server, "-INT");
}

#[test]
fn host_localhost_is_taken() {
    let (server, url) = start(&["reference", "--host", "localhost", "--port", "0"]);
    assert!(url.starts_with("http://localhost:"), "{url}");
    let hp = host_port_of(&url);
    let port = hp.rsplit_once(':').unwrap().1;
    let (code, _, _) = exchange(
        &format!("127.0.0.1:{port}"),
        &raw("GET", "/api/params", &format!("Host: {hp}\r\n"), ""),
    );
    assert_eq!(code, 200);
    signal(&server, "-INT");
}

/// Clients that stall: one sends half its headers, one half its body, one
/// nothing at all.
fn stall(hp: &str) -> Vec<TcpStream> {
    let mut half_head = TcpStream::connect(hp).unwrap();
    write!(
        half_head,
        "POST /api/run HTTP/1.1\r\nHost: {hp}\r\nContent-Ty"
    )
    .unwrap();
    let mut half_body = TcpStream::connect(hp).unwrap();
    write!(
        half_body,
        "POST /api/run HTTP/1.1\r\nHost: {hp}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"scen"
    )
    .unwrap();
    let idle = TcpStream::connect(hp).unwrap();
    // The server has read the three (a request on a fourth connection is
    // answered after they were accepted, on its single accepting task).
    let (code, _, _) = exchange(
        hp,
        &raw("GET", "/api/params", &format!("Host: {hp}\r\n"), ""),
    );
    assert_eq!(code, 200);
    vec![half_head, half_body, idle]
}

#[test]
fn ctrl_c_stops_it_within_seconds_though_clients_stall() {
    for stop in ["-INT", "-TERM"] {
        let (mut server, url) = start(&["reference", "--port", "0"]);
        let hp = host_port_of(&url);
        let _clients = stall(&hp);
        signal(&server, stop);
        let code = exit_within(&mut server, std::time::Duration::from_secs(30));
        assert_eq!(code, Some(0), "{stop}: still running 30 s after the signal");
    }
}

#[test]
fn a_second_signal_stops_it_at_once() {
    let (mut server, url) = start(&["reference", "--port", "0"]);
    let hp = host_port_of(&url);
    let _clients = stall(&hp);
    let err = lines(server.0.stderr.take().unwrap());
    signal(&server, "-INT");
    let (found, seen) = stderr_until(&err, "stopping");
    assert!(found, "no word of stopping after the first signal: {seen}");
    signal(&server, "-TERM");
    let (found, seen) = stderr_until(&err, "stopped at once");
    assert!(found, "the second signal did not stop it at once: {seen}");
    let code = exit_within(&mut server, std::time::Duration::from_secs(30));
    assert_eq!(code, Some(130));
}

#[test]
fn running_out_of_file_descriptors_does_not_stop_it() {
    // A shell lowers the limit to 40 and becomes the server.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 40 && exec \"$0\" serve reference --port 0")
        .arg(env!("CARGO_BIN_EXE_canopy"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh starts");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let mut server = Server(child);
    let hp = host_port_of(line.trim().strip_prefix("listening on ").expect("address"));
    let err = lines(server.0.stderr.take().unwrap());
    let idle: Vec<TcpStream> = (0..60).map(|_| TcpStream::connect(&hp).unwrap()).collect();
    let (found, seen) = stderr_until(&err, "open files");
    assert!(found, "the server did not say it ran out of files: {seen}");
    assert_eq!(server.0.try_wait().unwrap(), None, "{seen}");
    drop(idle);
    let (code, _, _) = exchange(
        &hp,
        &raw("GET", "/api/params", &format!("Host: {hp}\r\n"), ""),
    );
    assert_eq!(code, 200);
    signal(&server, "-INT");
    assert_eq!(
        exit_within(&mut server, std::time::Duration::from_secs(30)),
        Some(0)
    );
}

#[test]
fn a_scenario_file_with_a_non_ascii_name_is_named_whole() {
    let dir = tempfile::tempdir().unwrap();
    let shown = canopy().args(["show", "default"]).output().unwrap();
    fs::write(dir.path().join("données été.toml"), &shown.stdout).unwrap();
    let path = dir.path().join("données été.toml");
    let (_server, url) = start(&[path.to_str().unwrap(), "--port", "0"]);
    let host_port = url.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(host_port).expect("connect");
    write!(
        s,
        "GET /api/scenario HTTP/1.1\r\nHost: {host_port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8(out).expect("UTF-8 answer");
    let (head, _) = text.split_once("\r\n\r\n").unwrap();
    let name = head
        .lines()
        .find_map(|l| l.strip_prefix("x-canopy-scenario: "))
        .expect("the name header");
    // Percent-encoded UTF-8, which the page decodes back to the name.
    assert!(name.is_ascii(), "{name}");
    let decoded = percent_decode(name);
    assert!(decoded.ends_with("données été.toml"), "{decoded}");
}

/// `%XX` sequences back to the bytes they stand for, read as UTF-8.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
