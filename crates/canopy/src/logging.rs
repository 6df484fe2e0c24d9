//! The run's log file: `simulation_YYYYMMDD_HHMMSS.log`, newest three kept.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// How many log files are kept.
pub const KEEP: usize = 3;

/// Creates a new log file in `dir` (never reusing a name, so two runs in the
/// same second get two files), then deletes all but the newest [`KEEP`].
pub fn create_log(dir: &Path) -> io::Result<(PathBuf, File)> {
    fs::create_dir_all(dir)?;
    let stamp = chrono::Local::now().format("%Y%m%d_%H%M%S").to_string();
    // Number past every log of this second, so a later run never takes the
    // name of an earlier one (even one rotation has deleted).
    let prefix = format!("simulation_{stamp}");
    let mut n = fs::read_dir(dir)?
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
            Err(e) => return Err(e),
        }
    };
    rotate(dir, &path)?;
    Ok((path, file))
}

/// Deletes the oldest `simulation_*.log` files in `dir` beyond [`KEEP`],
/// never `current`.
fn rotate(dir: &Path, current: &Path) -> io::Result<()> {
    let mut logs: Vec<(SystemTime, PathBuf)> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("simulation_") && name.ends_with(".log")
        })
        .filter(|e| e.path() != current)
        .map(|e| {
            let time = e
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            (time, e.path())
        })
        .collect();
    logs.sort_by(|a, b| b.cmp(a));
    for (_, old) in logs.into_iter().skip(KEEP - 1) {
        fs::remove_file(old)?;
    }
    Ok(())
}
