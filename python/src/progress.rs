//! Long work (sweeps, comparisons, seeks) run on a thread of its own: its
//! progress shown on Python's `sys.stderr`, and Ctrl-C that stops it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use canopy_sweep::Progress;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// How far the work is, and the flag that stops it. The thread that waits
/// for the work shows it, through Python's `sys.stderr` (so that a
/// notebook shows it too).
pub(crate) struct Shown {
    /// What the line names (`sweep`, `compare`, `seek`).
    what: &'static str,
    stop: AtomicBool,
    total: AtomicU64,
    done: AtomicU64,
    finishing: AtomicBool,
}

impl Progress for Shown {
    fn begin(&self, total: u64, done: u64) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(done, Ordering::Relaxed);
    }

    fn advance(&self, runs: u64) {
        self.done.fetch_add(runs, Ordering::Relaxed);
    }

    fn finishing(&self) {
        self.finishing.store(true, Ordering::Relaxed);
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

impl Shown {
    /// Nothing done yet of the work named `what`.
    pub(crate) fn new(what: &'static str) -> Shown {
        Shown {
            what,
            stop: AtomicBool::new(false),
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
            finishing: AtomicBool::new(false),
        }
    }

    /// Writes the progress line to `sys.stderr` (`end`: the last one).
    pub(crate) fn show(&self, py: Python<'_>, end: bool) -> PyResult<()> {
        let total = self.total.load(Ordering::Relaxed);
        let done = self.done.load(Ordering::Relaxed);
        let mut line = format!("\r{}: {done} of {total} runs", self.what);
        if self.finishing.load(Ordering::Relaxed) {
            line.push_str("; writing the tables");
        }
        if end {
            line.push('\n');
        }
        let stderr = py.import("sys")?.getattr("stderr")?;
        stderr.call_method1("write", (line,))?;
        stderr.call_method0("flush")?;
        Ok(())
    }
}

/// Runs `work` on a thread of its own while this thread, between short
/// waits without the GIL, shows the progress (if `progress`) and lets
/// Python see Ctrl-C: that sets the stop flag, waits for the work to stop,
/// and raises `KeyboardInterrupt`.
pub(crate) fn stoppable<T: Send>(
    py: Python<'_>,
    what: &'static str,
    progress: bool,
    work: impl FnOnce(&Shown) -> T + Send,
) -> PyResult<T> {
    let shown = Shown::new(what);
    let (tx, rx) = mpsc::channel();
    // Behind a lock, so that the waits without the GIL may borrow it.
    let rx = Mutex::new(rx);
    let wait = |timeout: Option<Duration>| {
        let rx = rx.lock().unwrap_or_else(|e| e.into_inner());
        match timeout {
            Some(t) => rx.recv_timeout(t),
            None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
        }
    };
    std::thread::scope(|scope| -> PyResult<T> {
        let shown = &shown;
        scope.spawn(move || {
            let _ = tx.send(work(shown));
        });
        let mut shown_at = Instant::now();
        loop {
            match py.detach(|| wait(Some(Duration::from_millis(100)))) {
                Ok(result) => {
                    if progress {
                        let _ = shown.show(py, true);
                    }
                    return Ok(result);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if progress && shown_at.elapsed() >= Duration::from_millis(500) {
                        shown_at = Instant::now();
                        let _ = shown.show(py, false);
                    }
                    if let Err(interrupt) = py.check_signals() {
                        shown.stop.store(true, Ordering::Relaxed);
                        let _ = py.detach(|| wait(None));
                        return Err(interrupt);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err(format!(
                        "the {what}'s thread stopped"
                    )));
                }
            }
        }
    })
}
