//! A sweep's folder: the names of the files it writes, and clearing what
//! an earlier or killed sweep left there.

use std::fs;
use std::io;
use std::path::Path;

use canopy_output::atomic;

/// `runs.parquet`.
pub const RUNS: &str = "runs.parquet";
/// `months.parquet`.
pub const MONTHS: &str = "months.parquet";
/// `bands.csv`.
pub const BANDS_CSV: &str = "bands.csv";
/// `bands.parquet`.
pub const BANDS_PARQUET: &str = "bands.parquet";
/// `points.csv`.
pub const POINTS: &str = "points.csv";
/// `sensitivity.csv`: the indices of a Sobol or Morris sweep.
pub const SENSITIVITY: &str = "sensitivity.csv";
/// `sensitivity_s2.csv`: a Sobol sweep's second-order indices.
pub const SENSITIVITY_S2: &str = "sensitivity_s2.csv";
/// `failures.csv`.
pub const FAILURES: &str = "failures.csv";
/// `sweep.toml`, the resolved sweep.
pub const SWEEP_TOML: &str = "sweep.toml";
/// Each point's months, one number a line: a part of a sharded sweep
/// keeps it for `merge`, which has no scenarios to read it from.
pub const POINT_MONTHS: &str = ".point-months";
/// What identifies the sweep whose results a folder holds: the resolved
/// sweep and a digest of its scenarios (written last).
pub const IDENTITY: &str = ".identity";
/// The folder of a sweep's unfinished chunks, inside its output folder.
pub const PARTIAL: &str = ".partial";
/// `report.html`.
pub const REPORT: &str = "report.html";
/// The folder of the report's charts.
pub const CHARTS: &str = "charts";

/// Removes the file `path` if it is there. A folder there is not a
/// sweep's: it is left alone, and the error names it.
pub fn remove_if_there(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Err(io::Error::other(format!(
            "{} is a folder, where a sweep writes a file; move it away",
            path.display()
        ))),
        Ok(_) => fs::remove_file(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    }
}

/// The list of the chart files the report wrote in `charts/` (the report
/// writes it): clearing a folder removes those and nothing else.
pub use canopy_output::sweep_report::CHARTS_WRITTEN;

/// Removes the report's charts from `dir/charts/`: the files listed in
/// `dir/.charts`, never a folder, a link or a file of another name, and
/// nothing at all if `charts` is itself a link. Then the folder, if that
/// leaves it empty.
pub fn remove_charts(dir: &Path) -> io::Result<()> {
    let charts = dir.join(CHARTS);
    for path in canopy_output::sweep_report::stale_charts(dir, "")? {
        remove_if_there(&path)?;
    }
    // Only if empty: a user's own file there stays, and so does the folder.
    if fs::symlink_metadata(&charts).is_ok_and(|m| m.is_dir()) {
        let _ = fs::remove_dir(&charts);
    }
    remove_if_there(&dir.join(CHARTS_WRITTEN))
}

/// Every file and folder a sweep writes in its folder (a part's too).
pub const RESULTS: [&str; 14] = [
    RUNS,
    MONTHS,
    BANDS_CSV,
    BANDS_PARQUET,
    POINTS,
    SENSITIVITY,
    SENSITIVITY_S2,
    FAILURES,
    SWEEP_TOML,
    POINT_MONTHS,
    IDENTITY,
    REPORT,
    CHARTS,
    CHARTS_WRITTEN,
];

/// Removes the results of an earlier sweep from `dir` (the identity first,
/// so that a folder half emptied is no sweep at all).
pub fn remove_results(dir: &Path) -> io::Result<()> {
    remove_if_there(&dir.join(IDENTITY))?;
    for name in RESULTS {
        if name == CHARTS {
            remove_charts(dir)?;
        } else {
            remove_if_there(&dir.join(name))?;
        }
    }
    Ok(())
}

/// Removes the temporaries of result files that a killed process left in
/// `dir` and its `charts/`.
pub fn remove_dead_temporaries(dir: &Path) -> io::Result<()> {
    let names: Vec<String> = RESULTS.iter().map(|n| n.to_string()).collect();
    atomic::remove_dead_temporaries(dir, &names)?;
    remove_dead_temporaries_of_any(&dir.join(CHARTS))
}

/// Removes every temporary (`.<name>.<pid>.tmp`) of a process that no
/// longer runs from `dir`, a folder whose files are all the sweep's.
pub fn remove_dead_temporaries_of_any(dir: &Path) -> io::Result<()> {
    let names: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter_map(|n| {
                    let (name, _) = n
                        .strip_prefix('.')?
                        .strip_suffix(".tmp")?
                        .rsplit_once('.')?;
                    Some(name.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    atomic::remove_dead_temporaries(dir, &names)
}
