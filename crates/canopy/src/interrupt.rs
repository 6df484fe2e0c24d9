//! SIGINT and SIGTERM during a run: remove the run's temporary result files,
//! then exit with 128 + the signal's number (130, 143), as a shell does.
//!
//! A result file is either replaced whole or left as it was: the writer
//! (`canopy_output::atomic`) registers its temporaries, and
//! [`canopy_output::atomic::abandon`] removes them and stops any further
//! rename before the process exits.

/// Handles SIGINT and SIGTERM from now on, on a thread of their own.
/// Without the handler (it cannot be installed) the signals keep their
/// default action; the next run removes what was left.
pub fn install() -> Result<(), String> {
    imp::install()
}

#[cfg(unix)]
mod imp {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;

    pub fn install() -> Result<(), String> {
        let mut signals = Signals::new([SIGINT, SIGTERM])
            .map_err(|e| format!("cannot handle SIGINT and SIGTERM: {e}"))?;
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    let name = if sig == SIGINT { "SIGINT" } else { "SIGTERM" };
                    let removed = canopy_output::atomic::abandon();
                    tracing::warn!(
                        "run interrupted by {name}; no result file is partly written ({} removed)",
                        canopy_output::numbers::count(removed, "temporary file", "temporary files")
                    );
                    crate::complain(&format!(
                        "canopy: interrupted by {name}; no result file is partly written \
                         ({} removed)",
                        canopy_output::numbers::count(removed, "temporary file", "temporary files")
                    ));
                    std::process::exit(128 + sig);
                }
            })
            .map(|_| ())
            .map_err(|e| format!("cannot handle SIGINT and SIGTERM: {e}"))
    }
}

#[cfg(not(unix))]
mod imp {
    pub fn install() -> Result<(), String> {
        Ok(())
    }
}
