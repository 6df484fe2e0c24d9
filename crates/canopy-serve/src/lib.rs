//! `canopy serve`: the simulator as a local web app (SERVE.md). A page
//! (embedded in the binary with its scripts and styles, so it works
//! offline) and the HTTP API it uses:
//!
//! - `GET /api/scenario`: the served scenario as JSON, every default filled
//!   in (`POST` a TOML scenario there to have it as JSON);
//! - `GET /api/params`: the parameter tables, for the page's form;
//! - `POST /api/run`: records, final summary, scorecard, charts and, with
//!   `runs` > 1, Monte Carlo bands;
//! - `POST /api/scorecard`: the deal scorecard, for a scenario whose
//!   scorecard is too much work to come with every run;
//! - `POST /api/check`: the scenario's problems;
//! - `POST /api/metrics.csv`, `POST /api/report.html`, `POST /api/scenario.toml`:
//!   the files of the posted scenario.
//!
//! [`router`] is the whole app, for tests to call in-process; [`serve`]
//! binds it and answers until Ctrl-C.
//!
//! A local server that any web page can reach is guarded: it answers only
//! Host names of the address it listens on (a page of a rebinding DNS
//! name is refused), refuses requests from another origin and bodies that
//! are not JSON or TOML (what a page elsewhere can send without asking),
//! queues every run (one per core) under a deadline, stops a run whose
//! client has gone, and times out slow and idle connections.

pub mod answer;
pub mod input;
mod listen;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use canopy_model::ValidScenario;
use canopy_model::scenario::validate::Problem;
use serde_json::{Value as Json, json};
use tokio::sync::Semaphore;

use crate::answer::{Halted, Stop};

pub use listen::{Happened, Stopped, Stopper, serve, serve_listener, serve_listener_until};

/// The largest request body accepted; a larger one answers 413.
pub const MAX_BODY: usize = 1024 * 1024;

/// The port `canopy serve` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8765;

/// What the server serves.
pub struct Served {
    /// The scenario's name, as given on the command line.
    pub name: String,
    /// The scenario.
    pub scenario: ValidScenario,
}

/// How much a request and a connection may take.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Runs at a time (all kinds: plain, Monte Carlo, scorecards,
    /// reports); others wait their turn.
    pub workers: usize,
    /// The most a request's work may take, waiting in the queue included.
    pub deadline: Duration,
    /// The most a client may take to send a request's headers.
    pub header: Duration,
    /// The most a client may take to send a request's body.
    pub body: Duration,
    /// How long a connection may stay open with nothing sent either way.
    pub idle: Duration,
    /// How long Ctrl-C waits for the requests under way.
    pub grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            deadline: Duration::from_secs(60),
            header: Duration::from_secs(10),
            body: Duration::from_secs(20),
            idle: Duration::from_secs(30),
            grace: Duration::from_secs(3),
        }
    }
}

/// Who may use the app: the Host values (lower case, `name:port`) naming
/// the address it listens on, and so the origins of its own page.
#[derive(Clone, Debug)]
pub struct Access {
    hosts: Vec<String>,
}

impl Access {
    /// The Host values for a server at `addr`: `127.0.0.1:PORT`,
    /// `localhost:PORT` and `[::1]:PORT` for loopback, the address itself,
    /// and `name` (what `--host` gave, such as `localhost`).
    pub fn new(addr: SocketAddr, name: Option<&str>) -> Self {
        let port = addr.port();
        let mut hosts = Vec::new();
        let ip = |ip: IpAddr| match ip {
            IpAddr::V4(v4) => format!("{v4}:{port}"),
            IpAddr::V6(v6) => format!("[{v6}]:{port}"),
        };
        hosts.push(ip(addr.ip()));
        if addr.ip().is_loopback() || addr.ip().is_unspecified() {
            hosts.push(format!("127.0.0.1:{port}"));
            hosts.push(format!("localhost:{port}"));
            hosts.push(format!("[::1]:{port}"));
        }
        if let Some(name) = name {
            hosts.push(format!("{}:{port}", name.to_ascii_lowercase()));
        }
        hosts.dedup();
        Access { hosts }
    }

    /// Whether `host` (a Host header) names this server. Bound to every
    /// address (`0.0.0.0`, `::`), any IP address with the port does: a
    /// rebinding page needs a DNS name, and those are refused.
    fn allows(&self, host: &str, unspecified: bool) -> bool {
        let host = host.to_ascii_lowercase();
        if self.hosts.contains(&host) {
            return true;
        }
        unspecified
            && host.rsplit_once(':').is_some_and(|(ip, port)| {
                self.hosts[0].ends_with(&format!(":{port}"))
                    && ip
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<IpAddr>()
                        .is_ok()
            })
    }
}

struct App {
    served: Served,
    limits: Limits,
    access: Access,
    /// Bound to every address: any IP address is a Host of this server.
    unspecified: bool,
    /// Runs at a time: one per core ([`Limits::workers`]), so that many
    /// requests cannot take every core, or hold their memory at once.
    runs: Arc<Semaphore>,
    /// Requests whose work is under way, and waiting for a place.
    running: Arc<AtomicUsize>,
    waiting: Arc<AtomicUsize>,
}

type Shared = Arc<App>;

/// The app: the page, its assets and the API, answering requests whose
/// Host `access` allows.
pub fn router(served: Served, access: Access, limits: Limits) -> Router {
    let unspecified = access
        .hosts
        .first()
        .is_some_and(|h| h.starts_with("0.0.0.0:") || h.starts_with("[::]:"));
    let app = Arc::new(App {
        served,
        runs: Arc::new(Semaphore::new(limits.workers.max(1))),
        limits,
        access,
        unspecified,
        running: Arc::new(AtomicUsize::new(0)),
        waiting: Arc::new(AtomicUsize::new(0)),
    });
    Router::new()
        .route("/", get(page))
        .route("/index.html", get(page))
        .route("/favicon.ico", get(icon))
        .route("/assets/{name}", get(asset))
        .route("/api/scenario", get(scenario).post(read_scenario))
        .route("/api/params", get(params))
        .route("/api/status", get(status))
        .route("/api/run", post(run))
        .route("/api/scorecard", post(scorecard))
        .route("/api/check", post(check))
        .route("/api/metrics.csv", post(metrics_csv))
        .route("/api/report.html", post(report_html))
        .route("/api/scenario.toml", post(scenario_toml))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// A problem with the request as a whole, answered with `status`.
fn refusal(status: StatusCode, message: impl Into<String>) -> Response {
    answer(
        status,
        json!({ "problems": [{ "key": "", "message": message.into() }] }),
    )
}

/// Every request passes here first: a Host not this server's is refused
/// (421), another origin's request (403), a body announced over
/// [`MAX_BODY`] (413, before it is sent: no "100 Continue"); every answer
/// gets the security headers.
async fn guard(State(app): State<Shared>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let mut response = match host {
        Some(h) if app.access.allows(h, app.unspecified) => {
            if let Some(why) = foreign(&app, headers) {
                refusal(StatusCode::FORBIDDEN, why)
            } else if content_length(headers).is_some_and(|n| n > MAX_BODY as u64) {
                too_large()
            } else {
                next.run(req).await
            }
        }
        _ => refusal(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "this server answers only as {} (the Host header names another)",
                app.access.hosts.join(", ")
            ),
        ),
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// Why a request comes from another site's page, if it does: its Origin
/// is not this server's, or the browser says it is cross-site.
fn foreign(app: &App, headers: &HeaderMap) -> Option<String> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let own = origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|h| app.access.allows(h, app.unspecified));
        if !own {
            return Some(format!(
                "requests from another site's page ({}) are refused: use the page this server serves",
                String::from_utf8_lossy(origin.as_bytes())
            ));
        }
    }
    let site = headers
        .get("sec-fetch-site")
        .and_then(|s| s.to_str().ok())
        .unwrap_or("");
    (site == "cross-site" || site == "same-site").then(|| {
        "requests from another site's page are refused: use the page this server serves".to_string()
    })
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn too_large() -> Response {
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the body is larger than {} MiB, the most a request may send",
            MAX_BODY / (1024 * 1024)
        ),
    )
}

/// A JSON answer with `status`.
fn answer(status: StatusCode, body: Json) -> Response {
    (status, axum::Json(body)).into_response()
}

/// 400 with the problems, as SERVE.md has them.
fn refused(problems: &[Problem]) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        json!({ "problems": problems.iter().map(input::problem_json).collect::<Vec<_>>() }),
    )
}

fn failed(message: String) -> Response {
    refusal(StatusCode::INTERNAL_SERVER_ERROR, message)
}

async fn not_found() -> Response {
    refusal(StatusCode::NOT_FOUND, "no such page or API route")
}

const INDEX: &str = include_str!("../assets/index.html");

const ICON: &[u8] = include_bytes!("../assets/icon.svg");

/// The page's files, by name: (content type, content).
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    ),
    ("icon.svg", "image/svg+xml", ICON),
    (
        "uPlot.iife.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/uplot/uPlot.iife.min.js"),
    ),
    (
        "uPlot.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/uplot/uPlot.min.css"),
    ),
];

async fn page() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX).into_response()
}

async fn icon() -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml")], ICON).into_response()
}

async fn asset(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, kind, body)) => ([(header::CONTENT_TYPE, *kind)], *body).into_response(),
        None => not_found().await,
    }
}

/// `s` percent-encoded but for unreserved ASCII, so that a header carries
/// any name (the page decodes it with `decodeURIComponent`).
fn percent_encoded(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn scenario(State(app): State<Shared>) -> Response {
    let mut response = answer(StatusCode::OK, input::scenario_json(&app.served.scenario));
    // The name goes in a header, so that the body stays the TOML's
    // structure; percent-encoded, as a header is not UTF-8.
    if let Ok(name) = HeaderValue::from_str(&percent_encoded(&app.served.name)) {
        response.headers_mut().insert("x-canopy-scenario", name);
    }
    response
}

/// `POST /api/scenario`: a scenario sent as TOML (or JSON), read back as
/// JSON with every default filled in, for the page's "open".
async fn read_scenario(
    State(app): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    match request(&app, &headers, &uri, body).await {
        Ok(req) => answer(StatusCode::OK, input::scenario_json(&req.scenario)),
        Err(response) => response,
    }
}

/// `GET /api/status`: the queue of runs: places (`workers`), runs under
/// way (`running`) and requests waiting for a place (`waiting`).
async fn status(State(app): State<Shared>) -> Response {
    answer(
        StatusCode::OK,
        json!({
            "workers": app.limits.workers.max(1),
            "running": app.running.load(Ordering::SeqCst),
            "waiting": app.waiting.load(Ordering::SeqCst),
        }),
    )
}

/// Counts something while it lives.
struct Counted(Arc<AtomicUsize>);

impl Counted {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Counted(count.clone())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn params() -> Response {
    answer(StatusCode::OK, answer::params_json())
}

/// `?runs=N` of a TOML body: the value of the first `runs` (the query is
/// read here rather than through serde, which the server would not use
/// otherwise).
fn query_runs(uri: &Uri) -> Option<&str> {
    uri.query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("runs="))
}

/// Which reader a body's type asks for: `Some(true)` TOML, `Some(false)`
/// JSON, `None` neither (the parameters after `;` aside).
fn body_kind(headers: &HeaderMap) -> Option<bool> {
    let kind = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = kind.split(';').next()?.trim().to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => Some(false),
        "application/toml" => Some(true),
        _ => None,
    }
}

/// The request's scenario and runs, or the answer that refuses it: 415 for
/// a body neither JSON nor TOML, 413 for one over [`MAX_BODY`], 408 for one
/// sent too slowly, 400 with the problems for anything else.
// The refusal is the handler's own answer, returned at once: boxing it
// would buy nothing.
#[allow(clippy::result_large_err)]
async fn request(
    app: &App,
    headers: &HeaderMap,
    uri: &Uri,
    body: Body,
) -> Result<input::Request, Response> {
    let Some(toml) = body_kind(headers) else {
        return Err(refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the scenario as JSON with Content-Type: application/json ({\"scenario\": {...}, \"runs\": N}), or as TOML with Content-Type: application/toml",
        ));
    };
    let body = read_body(app, body).await?;
    let runs = query_runs(uri);
    if !toml && runs.is_some() {
        return Err(refused(&[input::problem(
            "runs",
            "?runs= goes with a TOML body; a JSON body gives \"runs\" beside \"scenario\"",
        )]));
    }
    input::read(&body, toml, runs).map_err(|p| refused(&p))
}

/// The body, whole, within [`Limits::body`] and [`MAX_BODY`].
#[allow(clippy::result_large_err)]
async fn read_body(app: &App, body: Body) -> Result<Bytes, Response> {
    match tokio::time::timeout(app.limits.body, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(err) = source {
                if err.is::<http_body_util::LengthLimitError>() {
                    return Err(too_large());
                }
                source = err.source();
            }
            Err(refusal(
                StatusCode::BAD_REQUEST,
                format!("cannot read the body: {e}"),
            ))
        }
        Err(_) => Err(refusal(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the body did not arrive within {} s",
                app.limits.body.as_secs()
            ),
        )),
    }
}

/// Stops a request's work when the request is dropped: its client went
/// away (or the server is stopping), and nobody will read the answer.
struct CancelOnDrop(Stop);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Runs `work` on the blocking pool once a run's place in the queue is
/// free (so that a long request never holds up the threads that answer
/// others), under the request's deadline, and stopped if the client goes
/// away.
async fn work<T: Send + 'static>(
    app: &App,
    work: impl FnOnce(&Stop) -> Result<T, Halted> + Send + 'static,
) -> Result<T, Response> {
    let started = Instant::now();
    let stop = Stop::at(started + app.limits.deadline);
    let _cancel = CancelOnDrop(stop.clone());
    let late = |app: &App| {
        let mut r = refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the request took longer than {} s, the most one may take (waiting for a free core included); a scenario with fewer deals or months, or fewer runs, takes less",
                app.limits.deadline.as_secs_f64()
            ),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        r
    };
    let waiting = Counted::new(&app.waiting);
    let permit = match tokio::time::timeout_at(
        (started + app.limits.deadline).into(),
        app.runs.clone().acquire_owned(),
    )
    .await
    {
        Ok(Ok(permit)) => permit,
        // A closed queue cannot happen (it is never closed).
        Ok(Err(_)) | Err(_) => return Err(late(app)),
    };
    let running = Counted::new(&app.running);
    drop(waiting);
    let inner = stop.clone();
    let result = tokio::task::spawn_blocking(move || {
        // The place in the queue is held until the work itself ends.
        let _permit = permit;
        let _running = running;
        work(&inner)
    })
    .await
    .map_err(|e| failed(format!("the run failed: {e}")))?;
    match result {
        Ok(v) => Ok(v),
        Err(Halted::Deadline) => Err(late(app)),
        Err(Halted::Cancelled) => Err(refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is stopping",
        )),
    }
}

async fn run(State(app): State<Shared>, headers: HeaderMap, uri: Uri, body: Body) -> Response {
    let req = match request(&app, &headers, &uri, body).await {
        Ok(r) => r,
        Err(response) => return response,
    };
    match work(&app, move |stop| {
        answer::run_answer(&req.scenario, req.runs, &req.criteria, stop)
    })
    .await
    {
        Ok(body) => answer(StatusCode::OK, body),
        Err(response) => response,
    }
}

async fn scorecard(
    State(app): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let req = match request(&app, &headers, &uri, body).await {
        Ok(r) => r,
        Err(response) => return response,
    };
    match work(&app, move |stop| {
        answer::scorecard_answer(&req.scenario, stop)
    })
    .await
    {
        Ok(body) => answer(StatusCode::OK, body),
        Err(response) => response,
    }
}

async fn check(State(app): State<Shared>, headers: HeaderMap, uri: Uri, body: Body) -> Response {
    match request(&app, &headers, &uri, body).await {
        Ok(_) => answer(StatusCode::OK, json!({ "problems": [] })),
        Err(response) => response,
    }
}

fn download(kind: &'static str, name: &'static str, body: Vec<u8>) -> Response {
    let disposition = HeaderValue::from_static(name);
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

async fn metrics_csv(
    State(app): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let req = match request(&app, &headers, &uri, body).await {
        Ok(r) => r,
        Err(response) => return response,
    };
    match work(&app, move |stop| answer::metrics_csv(&req.scenario, stop)).await {
        Ok(Ok(bytes)) => download(
            "text/csv; charset=utf-8",
            "attachment; filename=\"metrics.csv\"",
            bytes,
        ),
        Ok(Err(e)) => failed(format!("cannot write metrics.csv: {e}")),
        Err(response) => response,
    }
}

async fn report_html(
    State(app): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let req = match request(&app, &headers, &uri, body).await {
        Ok(r) => r,
        Err(response) => return response,
    };
    let name = app.served.name.clone();
    match work(&app, move |stop| {
        answer::report_html(&name, &req.scenario, stop)
    })
    .await
    {
        Ok(Ok(page)) => download(
            "text/html; charset=utf-8",
            "attachment; filename=\"report.html\"",
            page.into_bytes(),
        ),
        Ok(Err(e)) => failed(format!("cannot make report.html: {e}")),
        Err(response) => response,
    }
}

async fn scenario_toml(
    State(app): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    match request(&app, &headers, &uri, body).await {
        Ok(req) => download(
            "application/toml; charset=utf-8",
            "attachment; filename=\"scenario.toml\"",
            format!(
                "# Scenario edited in canopy serve, every key written out with its value.\n{}",
                req.scenario.to_toml()
            )
            .into_bytes(),
        ),
        Err(response) => response,
    }
}

/// Where and how to serve.
#[derive(Clone, Debug)]
pub struct Options {
    /// The address to bind (loopback by default).
    pub host: IpAddr,
    /// The name the address was given by (`--host localhost`), if any: a
    /// Host header may name it.
    pub host_name: Option<String>,
    /// The port; 0 takes a free one.
    pub port: u16,
    /// What requests and connections may take.
    pub limits: Limits,
}

/// Why the server could not start or stopped.
#[derive(Debug)]
pub enum ServeError {
    /// The port is taken.
    InUse(SocketAddr),
    /// Anything else, said for people.
    Other(String),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::InUse(addr) => write!(
                f,
                "cannot listen on {addr}: the port is in use; choose another with --port (--port 0 takes a free one)"
            ),
            ServeError::Other(m) => f.write_str(m),
        }
    }
}
