//! The connections: accepted one at a time on the runtime's one thread,
//! each served by hyper with header, body and idle timeouts, and closed
//! within [`Limits::grace`] of Ctrl-C or SIGTERM (at once on a second).

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::Service;

use crate::{Access, Limits, Options, ServeError, Served, router};

/// What the server tells its caller as it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Happened {
    /// Listening at this address (before answering anything).
    Listening(SocketAddr),
    /// The first Ctrl-C or SIGTERM: no new connections; the requests under
    /// way have [`Limits::grace`] to finish.
    Stopping,
    /// The accepting ran out of file descriptors: it waits for
    /// connections to close (said once a while, not per try).
    OutOfFiles,
}

/// How the server stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// After one signal, its connections finished or timed out.
    Cleanly,
    /// A second signal came before: nothing was waited for.
    AtOnce,
}

/// Binds `opts` and serves `served` until Ctrl-C (SIGINT) or SIGTERM,
/// telling `on` what happens (first of all the address it listens on).
pub fn serve(
    served: Served,
    opts: &Options,
    on: impl FnMut(Happened) + Send + 'static,
) -> Result<Stopped, ServeError> {
    let addr = SocketAddr::new(opts.host, opts.port);
    let listener = std::net::TcpListener::bind(addr).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            ServeError::InUse(addr)
        } else {
            ServeError::Other(format!("cannot listen on {addr}: {e}"))
        }
    })?;
    serve_listener(listener, served, opts, on)
}

/// As [`serve`], on a listener already bound (its port is the one served).
pub fn serve_listener(
    listener: std::net::TcpListener,
    served: Served,
    opts: &Options,
    on: impl FnMut(Happened) + Send + 'static,
) -> Result<Stopped, ServeError> {
    serve_until(listener, served, opts, on, None)
}

/// A way for the program itself to stop a server, as a second Ctrl-C
/// does (a test that needs the server gone, its page still open).
#[derive(Clone, Debug)]
pub struct Stopper(Arc<watch::Sender<u32>>);

impl Stopper {
    /// A stopper that stops nothing yet.
    pub fn new() -> Stopper {
        Stopper(Arc::new(watch::channel(0u32).0))
    }

    /// Stops the server at once: its connections are not waited for.
    pub fn stop_now(&self) {
        self.0.send_modify(|n| *n += 2);
    }
}

impl Default for Stopper {
    fn default() -> Self {
        Stopper::new()
    }
}

/// As [`serve_listener`], stopped by `stopper` instead of the process's
/// signals.
pub fn serve_listener_until(
    listener: std::net::TcpListener,
    served: Served,
    opts: &Options,
    on: impl FnMut(Happened) + Send + 'static,
    stopper: &Stopper,
) -> Result<Stopped, ServeError> {
    serve_until(listener, served, opts, on, Some(stopper.0.subscribe()))
}

fn serve_until(
    listener: std::net::TcpListener,
    served: Served,
    opts: &Options,
    mut on: impl FnMut(Happened) + Send + 'static,
    stops: Option<watch::Receiver<u32>>,
) -> Result<Stopped, ServeError> {
    // One thread reads and writes the sockets; every run goes to the
    // blocking pool, so the sockets never wait on a run, and tokio's
    // multi-threaded scheduler need not be built.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| ServeError::Other(format!("cannot start the server: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| ServeError::Other(format!("cannot listen: {e}")))?;
    let limits = opts.limits.clone();
    let app = router(
        served,
        Access::new(local, opts.host_name.as_deref()),
        limits.clone(),
    );
    let result = runtime.block_on(async move {
        listener
            .set_nonblocking(true)
            .map_err(|e| ServeError::Other(format!("cannot listen on {local}: {e}")))?;
        let listener = TcpListener::from_std(listener)
            .map_err(|e| ServeError::Other(format!("cannot listen on {local}: {e}")))?;
        on(Happened::Listening(local));
        let signals = stops.unwrap_or_else(signals);
        Ok(accept(listener, app, &limits, signals, &mut on).await)
    });
    // Runs still under way were told to stop (their requests were
    // dropped); nothing waits for them.
    runtime.shutdown_background();
    result
}

/// Counts of Ctrl-C and SIGTERM received, 0 until the first.
fn signals() -> watch::Receiver<u32> {
    let (tx, rx) = watch::channel(0u32);
    let tx = Arc::new(tx);
    let on_interrupt = tx.clone();
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.send_modify(|n| *n += 1);
        }
    });
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::spawn(async move {
                while term.recv().await.is_some() {
                    tx.send_modify(|n| *n += 1);
                }
            });
        }
    }
    rx
}

/// Accepts and serves connections until the first signal, then waits for
/// them up to the grace period, or not at all on a second signal.
async fn accept(
    listener: TcpListener,
    app: Router,
    limits: &Limits,
    mut signals: watch::Receiver<u32>,
    on: &mut impl FnMut(Happened),
) -> Stopped {
    let mut connections = JoinSet::new();
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut out_of_files_said: Option<Instant> = None;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, app.clone(), limits.clone(), stop_rx.clone()));
                }
                Err(e) => {
                    // Out of file descriptors (or another passing failure):
                    // wait a little for connections to close (idle ones
                    // time out), rather than spin or stop.
                    if is_out_of_files(&e)
                        && out_of_files_said.is_none_or(|t| t.elapsed() > Duration::from_secs(60))
                    {
                        on(Happened::OutOfFiles);
                        out_of_files_said = Some(Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            // Finished connections are collected as they go.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            changed = signals.changed() => {
                if changed.is_err() || *signals.borrow() > 0 {
                    break;
                }
            }
        }
    }
    drop(listener);
    on(Happened::Stopping);
    let _ = stop_tx.send(true);
    let grace = tokio::time::sleep(limits.grace);
    tokio::pin!(grace);
    loop {
        tokio::select! {
            next = connections.join_next() => if next.is_none() { return Stopped::Cleanly },
            () = &mut grace => return Stopped::Cleanly,
            changed = signals.changed() => {
                if changed.is_err() || *signals.borrow() > 1 {
                    return Stopped::AtOnce;
                }
            }
        }
    }
}

fn is_out_of_files(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(code) if code == libc_emfile() || code == libc_enfile())
}

// EMFILE and ENFILE, the same on Linux and macOS (no libc needed for two
// numbers).
const fn libc_emfile() -> i32 {
    24
}
const fn libc_enfile() -> i32 {
    23
}

/// Milliseconds since `since`, for the activity clock.
fn millis(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}

/// One connection: hyper with a header timeout; closed when idle (nothing
/// sent either way and no request under way) for [`Limits::idle`], and
/// asked to finish when the server stops.
async fn connection(
    stream: TcpStream,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let epoch = Instant::now();
    let active = Arc::new(AtomicU64::new(0));
    let busy = Arc::new(AtomicUsize::new(0));
    let io = TokioIo::new(Watched {
        inner: stream,
        epoch,
        active: active.clone(),
    });
    let in_flight = busy.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let mut app = app.clone();
        let guard = Busy::new(in_flight.clone());
        async move {
            let response = app.call(req.map(axum::body::Body::new)).await;
            drop(guard);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header)
        .keep_alive(true);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let tick = (limits.idle / 4).max(Duration::from_millis(10));
    let mut stopping = *stop.borrow();
    if stopping {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            changed = stop.changed(), if !stopping => {
                if changed.is_err() || *stop.borrow() {
                    stopping = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
            () = tokio::time::sleep(tick) => {
                let quiet = Duration::from_millis(millis(epoch).saturating_sub(active.load(Ordering::Relaxed)));
                if busy.load(Ordering::Relaxed) == 0 && quiet >= limits.idle {
                    return;
                }
            }
        }
    }
}

/// Counts a request under way while it lives.
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn new(count: Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Busy(count)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A socket that notes when it last moved a byte.
struct Watched {
    inner: TcpStream,
    epoch: Instant,
    active: Arc<AtomicU64>,
}

impl Watched {
    fn touch(&self) {
        self.active.store(millis(self.epoch), Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        poll
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
