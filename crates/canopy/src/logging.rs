//! The run's log file: `simulation_YYYYMMDD_HHMMSS.log`, newest three kept.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// How many log files are kept.
pub const KEEP: usize = 3;

/// Creates a new log file in `dir` (never reusing a name, so two runs in the
/// same second get two files). The error says, for people, what is wrong
/// with the folder. Then [`rotate`].
pub fn create_log(dir: &Path) -> io::Result<(PathBuf, File)> {
    let shown = dir.display();
    let worded = |e: io::Error| {
        let text = match e.kind() {
            io::ErrorKind::AlreadyExists | io::ErrorKind::NotADirectory => {
                format!("{shown} (or a folder above it) is not a folder")
            }
            _ => canopy_output::describe(&e),
        };
        io::Error::new(
            e.kind(),
            format!("cannot create a log file in {shown}: {text}"),
        )
    };
    fs::create_dir_all(dir).map_err(worded)?;
    if !fs::metadata(dir).map_err(worded)?.is_dir() {
        return Err(worded(io::ErrorKind::NotADirectory.into()));
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
                rest.strip_prefix('_')?.parse::<u32>().ok()
            }
        })
        .max()
        .map_or(1, |last| last + 1);
    let (path, file) = loop {
        let name = if n == 1 {
            format!("simulation_{stamp}.log")
        } else {
            format!("simulation_{stamp}_{n}.log")
        };
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => break (path, f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 100_000 => n += 1,
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
