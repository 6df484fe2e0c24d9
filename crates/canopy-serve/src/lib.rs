//! `canopy serve`: the simulator as a local web app (SERVE.md). A page
//! (embedded in the binary with its scripts and styles, so it works
//! offline) and the HTTP API it uses:
//!
//! - `GET /api/scenario`: the served scenario as JSON, every default filled
//!   in (`POST` a TOML scenario there to have it as JSON);
//! - `GET /api/params`: the parameter tables, for the page's form;
//! - `POST /api/run`: records, final summary, scorecard, charts and, with
//!   `runs` > 1, Monte Carlo bands;
//! - `POST /api/check`: the scenario's problems;
//! - `POST /api/metrics.csv`, `POST /api/report.html`, `POST /api/scenario.toml`:
//!   the files of the posted scenario.
//!
//! [`router`] is the whole app, for tests to call in-process; [`serve`]
//! binds it and answers until Ctrl-C.

pub mod answer;
pub mod input;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use canopy_model::ValidScenario;
use canopy_model::scenario::validate::Problem;
use serde_json::{Value as Json, json};
use tokio::sync::{Notify, Semaphore};

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

struct App {
    served: Served,
    /// Monte Carlo requests at a time: each holds its bands in memory and
    /// keeps a core busy, so at most one per core, and plain runs (which
    /// take microseconds) never wait behind them.
    heavy: Semaphore,
}

type Shared = Arc<App>;

/// The app: the page, its assets and the API.
pub fn router(served: Served) -> Router {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let app = Arc::new(App {
        served,
        heavy: Semaphore::new(cores),
    });
    Router::new()
        .route("/", get(page))
        .route("/index.html", get(page))
        .route("/assets/{name}", get(asset))
        .route("/api/scenario", get(scenario).post(read_scenario))
        .route("/api/params", get(params))
        .route("/api/run", post(run))
        .route("/api/check", post(check))
        .route("/api/metrics.csv", post(metrics_csv))
        .route("/api/report.html", post(report_html))
        .route("/api/scenario.toml", post(scenario_toml))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(app)
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
    answer(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({ "problems": [{ "key": "", "message": message }] }),
    )
}

async fn not_found() -> Response {
    answer(
        StatusCode::NOT_FOUND,
        json!({ "problems": [{ "key": "", "message": "no such page or API route" }] }),
    )
}

const INDEX: &str = include_str!("../assets/index.html");

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

async fn asset(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, kind, body)) => ([(header::CONTENT_TYPE, *kind)], *body).into_response(),
        None => not_found().await,
    }
}

async fn scenario(State(app): State<Shared>) -> Response {
    let mut response = answer(StatusCode::OK, input::scenario_json(&app.served.scenario));
    // The name goes in a header, so that the body stays the TOML's structure.
    if let Ok(name) = HeaderValue::from_str(&app.served.name) {
        response.headers_mut().insert("x-canopy-scenario", name);
    }
    response
}

/// `POST /api/scenario`: a scenario sent as TOML (or JSON), read back as
/// JSON with every default filled in, for the page's "open".
async fn read_scenario(
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match request(&headers, &uri, body) {
        Ok(req) => answer(StatusCode::OK, input::scenario_json(&req.scenario)),
        Err(response) => response,
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

/// The request's scenario and runs, or the answer that refuses it: 413 for
/// a body over [`MAX_BODY`], 400 with the problems for anything else.
// The refusal is the handler's own answer, returned at once: boxing it
// would buy nothing.
#[allow(clippy::result_large_err)]
fn request(
    headers: &HeaderMap,
    uri: &Uri,
    body: Result<Bytes, BytesRejection>,
) -> Result<input::Request, Response> {
    let body = body.map_err(|e| {
        let status = e.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!(
                "the body is larger than {} MiB, the most a request may send",
                MAX_BODY / (1024 * 1024)
            )
        } else {
            format!("cannot read the body: {e}")
        };
        answer(
            status,
            json!({ "problems": [{ "key": "", "message": message }] }),
        )
    })?;
    let toml = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.trim()
                .to_ascii_lowercase()
                .starts_with("application/toml")
        });
    let runs = query_runs(uri);
    if !toml && runs.is_some() {
        return Err(refused(&[input::problem(
            "runs",
            "?runs= goes with a TOML body; a JSON body gives \"runs\" beside \"scenario\"",
        )]));
    }
    input::read(&body, toml, runs).map_err(|p| refused(&p))
}

/// Runs `work` on the blocking pool, so that a long request never holds up
/// the threads that answer others.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| failed(format!("the run failed: {e}")))
}

async fn run(
    State(app): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let req = match request(&headers, &uri, body) {
        Ok(r) => r,
        Err(response) => return response,
    };
    // Only Monte Carlo requests queue for a core; a closed semaphore cannot
    // happen (it is never closed), but would only skip the queue.
    let _permit = if req.runs > 1 {
        app.heavy.acquire().await.ok()
    } else {
        None
    };
    match blocking(move || answer::run_answer(&req.scenario, req.runs)).await {
        Ok(body) => answer(StatusCode::OK, body),
        Err(response) => response,
    }
}

async fn check(headers: HeaderMap, uri: Uri, body: Result<Bytes, BytesRejection>) -> Response {
    match request(&headers, &uri, body) {
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
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let req = match request(&headers, &uri, body) {
        Ok(r) => r,
        Err(response) => return response,
    };
    match blocking(move || answer::metrics_csv(&req.scenario)).await {
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
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let req = match request(&headers, &uri, body) {
        Ok(r) => r,
        Err(response) => return response,
    };
    let name = app.served.name.clone();
    // Drawing the charts keeps the cores busy for a while: queue like
    // Monte Carlo runs.
    let _permit = app.heavy.acquire().await.ok();
    match blocking(move || answer::report_html(&name, &req.scenario)).await {
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
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match request(&headers, &uri, body) {
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
    /// The port; 0 takes a free one.
    pub port: u16,
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

/// Binds `opts`, calls `listening` with the address (before answering
/// anything), and serves `served` until Ctrl-C (SIGINT) or SIGTERM.
pub fn serve(
    served: Served,
    opts: &Options,
    listening: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    // One thread reads and writes the sockets; every run goes to the
    // blocking pool (`blocking`), so the sockets never wait on a run, and
    // tokio's multi-threaded scheduler need not be built.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|e| ServeError::Other(format!("cannot start the server: {e}")))?;
    runtime.block_on(async move {
        let addr = SocketAddr::new(opts.host, opts.port);
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                ServeError::InUse(addr)
            } else {
                ServeError::Other(format!("cannot listen on {addr}: {e}"))
            }
        })?;
        let local = listener
            .local_addr()
            .map_err(|e| ServeError::Other(format!("cannot listen on {addr}: {e}")))?;
        listening(local);
        axum::serve(listener, router(served))
            .with_graceful_shutdown(stopped())
            .await
            .map_err(|e| ServeError::Other(format!("the server stopped: {e}")))
    })
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stopped() {
    // Each signal is awaited on a task of its own, and the first to come
    // wakes this one (a permit is kept should it come first).
    let stop = Arc::new(Notify::new());
    let on_interrupt = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.notify_one();
        }
    });
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            let on_term = stop.clone();
            tokio::spawn(async move {
                if term.recv().await.is_some() {
                    on_term.notify_one();
                }
            });
        }
    }
    stop.notified().await;
}
