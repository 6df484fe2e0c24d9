//! The run's log file: `simulation_YYYYMMDD_HHMMSS.log`, newest three kept.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

/// How many log files are kept.
pub const KEEP: usize = 3;

/// Creates a new log file in `dir` (never reusing a name, so two runs in the
/// same second get two files). The error says, for people, what is wrong
/// with the folder. Then [`rotate`].
pub fn create_log(dir: &Path) -> io::Result<(PathBuf, File)> {
    let shown = dir.display();
    let worded = |e: io::Error| {
        // A file or a symbolic link loop on the way is named as such.
        let text = canopy_output::in_the_way(dir).unwrap_or_else(|| match e.kind() {
            io::ErrorKind::AlreadyExists | io::ErrorKind::NotADirectory => {
                format!("{shown} (or a folder above it) is not a folder")
            }
            _ => canopy_output::describe(&e),
        });
        io::Error::new(
            e.kind(),
            format!("cannot create a log file in {shown}: {text}"),
        )
    };
    fs::create_dir_all(dir).map_err(worded)?;
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(worded(io::ErrorKind::NotADirectory.into())),
        // A symbolic link in a loop: said as such by `in_the_way`.
        Err(e) if e.kind() != io::ErrorKind::PermissionDenied => {
            return Err(worded(io::Error::new(io::ErrorKind::NotADirectory, e)));
        }
        Err(e) => return Err(worded(e)),
    }
    let stamp = chrono::Local::now().format("%Y%m%d_%H%M%S").to_string();
    // Number past every log of this second, so a later run never takes the
    // name of an earlier one (even one rotation has deleted).
    let prefix = format!("simulation_{stamp}");
    let mut n = fs::read_dir(dir)
        .map_err(worded)?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let rest = name
                .strip_prefix(&prefix)?
                .strip_suffix(".log")?
                .to_string();
            if rest.is_empty() {
                Some(1)
            } else {
                rest.strip_prefix('_')?.parse::<u64>().ok()
            }
        })
        .max()
        .map_or(1, |last: u64| last.saturating_add(1));
    let mut tries = 0;
    let (path, file) = loop {
        let name = if n == 1 {
            format!("simulation_{stamp}.log")
        } else {
            format!("simulation_{stamp}_{n}.log")
        };
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => break (path, f),
            Err(e)
                if e.kind() == io::ErrorKind::AlreadyExists && tries < 100_000 && n < u64::MAX =>
            {
                tries += 1;
                n = n.saturating_add(1);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(io::Error::new(
                    e.kind(),
                    format!(
                        "cannot create a log file in {shown}: every name for this second's \
                         log is taken ({prefix}_*.log)"
                    ),
                ));
            }
            Err(e) => return Err(worded(e)),
        }
    };
    Ok((path, file))
}

/// Deletes the oldest `simulation_*.log` files in `dir` beyond [`KEEP`],
/// never `current`. Runs that share the folder rotate at the same time, so
/// a log that is gone already is no error; what is not a plain file
/// (a folder named like a log) is left alone.
pub fn rotate(dir: &Path, current: &Path) -> io::Result<()> {
    let mut logs: Vec<(SystemTime, PathBuf)> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("simulation_") && name.ends_with(".log")
        })
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| e.path() != current)
        // One deleted meanwhile has no time, and needs no deleting.
        .filter_map(|e| {
            let time = e.metadata().ok()?.modified();
            Some((time.unwrap_or(SystemTime::UNIX_EPOCH), e.path()))
        })
        .collect();
    logs.sort_by(|a, b| b.cmp(a));
    for (_, old) in logs.into_iter().skip(KEEP - 1) {
        match fs::remove_file(&old) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(io::Error::new(
                    e.kind(),
                    format!(
                        "cannot delete the old log {}: {}",
                        old.display(),
                        canopy_output::describe(&e)
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The log file as the log's writer: it keeps the first write error, which
/// `tracing` drops, for [`LogFile::check`] at the end of the run. After an
/// error nothing more is written (a log with a hole would mislead).
#[derive(Clone, Debug)]
pub struct LogFile {
    file: Arc<File>,
    error: Arc<OnceLock<io::Error>>,
}

impl LogFile {
    /// A writer into `file`.
    pub fn new(file: File) -> Self {
        LogFile {
            file: Arc::new(file),
            error: Arc::new(OnceLock::new()),
        }
    }

    /// The first error in writing the log, or in syncing it now.
    pub fn check(&self) -> io::Result<()> {
        if let Some(e) = self.error.get() {
            return Err(io::Error::new(e.kind(), canopy_output::describe(e)));
        }
        self.file.sync_data()
    }

    /// Keeps the first error, and says the write went well: `tracing`
    /// would print each error to stderr, and the run reports it once.
    fn write_or_keep(&self, buf: &[u8]) {
        if self.error.get().is_some() {
            return;
        }
        if let Err(e) = (&*self.file).write_all(buf) {
            let _ = self
                .error
                .set(io::Error::new(e.kind(), canopy_output::describe(&e)));
        }
    }
}

impl Write for LogFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_or_keep(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_numbered_at_the_top_does_not_overflow() {
        let dir = std::env::temp_dir().join(format!("canopy-log-top-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        // This second and the next few, whichever the log is made in.
        let now = chrono::Local::now();
        for s in 0..3 {
            let stamp = (now + chrono::Duration::seconds(s)).format("%Y%m%d_%H%M%S");
            fs::write(dir.join(format!("simulation_{stamp}_4294967295.log")), "").unwrap();
            fs::write(dir.join(format!("simulation_{stamp}_{}.log", u64::MAX)), "").unwrap();
        }
        let r = create_log(&dir);
        let e = r.unwrap_err().to_string();
        assert!(e.contains("every name"), "{e}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_write_error_is_kept() {
        let mut log = LogFile::new(File::options().write(true).open("/dev/full").unwrap());
        log.write_all(b"line\n").unwrap();
        let e = log.check().unwrap_err();
        assert!(!e.to_string().contains("os error"), "{e}");
        assert!(e.to_string().contains("space"), "{e}");
    }
}
