//! A sweep's progress, shown on Python's `sys.stderr`, and the flag that
//! stops it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use canopy_sweep::Progress;
use pyo3::prelude::*;

/// How far a sweep is, and the flag that stops it. The thread that waits
/// for the sweep shows it, through Python's `sys.stderr` (so that a
/// notebook shows it too).
pub(crate) struct Shown {
    pub(crate) stop: AtomicBool,
    pub(crate) total: AtomicU64,
    pub(crate) done: AtomicU64,
    pub(crate) finishing: AtomicBool,
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
    /// Writes the progress line to `sys.stderr` (`end`: the last one).
    pub(crate) fn show(&self, py: Python<'_>, end: bool) -> PyResult<()> {
        let total = self.total.load(Ordering::Relaxed);
        let done = self.done.load(Ordering::Relaxed);
        let mut line = format!("\rsweep: {done} of {total} runs");
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
