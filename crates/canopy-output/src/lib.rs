//! The output library: every file a run leaves behind (`metrics.csv`,
//! `metrics.json`, `deals.csv`, the charts as PNG and SVG, `report.html`),
//! shared by every front end. It reads the model; it prints nothing.

pub mod atomic;
pub mod charts;
pub mod deals;
mod json;
mod metrics;
pub mod numbers;
mod palette;
pub mod reference;
mod report;
pub mod scenario_source;
mod scorecard_chart;
mod summary;
pub mod sweep_report;
mod whole_run;

use std::io;
use std::path::{Path, PathBuf};

use canopy_model::scorecard::{self, DealScore};
use canopy_model::{MonthRecord, Scenario};

use charts::Chart;
pub use deals::{DEALS_CSV, DealLog};
pub use json::metrics_json;
pub use metrics::{cell as csv_cell, metrics_csv};
pub use summary::FinalSummary;
pub use whole_run::{RunOptions, RunOutcome, run as run_whole, run_until as run_whole_until};

/// `metrics.csv`: the run's months.
pub const METRICS_CSV: &str = "metrics.csv";
/// `metrics.json`: the same months as JSON.
pub const METRICS_JSON: &str = "metrics.json";
/// The deal scorecard's file.
pub const SCORECARD_CSV: &str = "scorecard.csv";
/// The run's page.
pub const REPORT_HTML: &str = "report.html";

/// A data file a run writes, with what it holds (as the report's Files
/// section says it).
#[derive(Clone, Copy, Debug)]
pub struct DataFile {
    /// Its name in the output folder.
    pub name: &'static str,
    /// What it holds, in a sentence.
    pub holds: &'static str,
}

/// The data files of a run, in the order the report lists them; besides
/// them a run writes each chart (PNG and SVG, [`Chart::ALL`] and the
/// scorecard's) and [`REPORT_HTML`]. [`write()`], [`targets`] and the
/// report read this list.
pub const DATA_FILES: [DataFile; 4] = [
    DataFile {
        name: METRICS_CSV,
        holds: "one record per month, the columns of the table above at full precision",
    },
    DataFile {
        name: METRICS_JSON,
        holds: "the same records as JSON",
    },
    DataFile {
        name: DEALS_CSV,
        holds: "per deal (and per organic twin, recurring contract and chain organic TVL) and month; summed over its rows, a month gives the totals of metrics.csv",
    },
    DataFile {
        name: SCORECARD_CSV,
        holds: "per deal, what it brought and cost: the run minus the same run without the deal (written unless the scorecard is turned off or the run stopped)",
    },
];

/// A finished (or stopped) run, as the artifacts see it.
pub struct Run<'a> {
    /// The scenario's name as given on the command line.
    pub name: &'a str,
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The recorded months.
    pub records: &'a [MonthRecord],
    /// Per-deal figures gathered during the run.
    pub deals: &'a DealLog,
    /// Why the run stopped early, if it did.
    pub stopped: Option<String>,
    /// The deal scorecard, if it was worked out (`scorecard.csv`).
    pub scorecard: Option<&'a [DealScore]>,
}

/// `scorecard.csv`: one row per deal, in the columns of
/// [`scorecard::COLUMNS`].
pub fn scorecard_csv(rows: &[DealScore]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(scorecard::header())?;
    for r in rows {
        let row = scorecard::COLUMNS.iter().map(|c| match c.cell(r) {
            scorecard::Cell::Text(text) => text.to_string(),
            scorecard::Cell::Count(n) => n.to_string(),
            scorecard::Cell::Amount(x) => metrics::cell(x),
        });
        w.write_record(row)?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// Writes `metrics.csv`, `metrics.json` and `deals.csv`, and with
/// `with_charts` the charts and `report.html`, into `out` (created if
/// missing). Chart files and a report left by an earlier run that this run
/// does not write are removed, so the folder never mixes two runs.
///
/// Every file is written to its temporary first (a streamed `deals.csv` is
/// one already); then all are renamed into place and the stale ones
/// removed together ([`atomic::replace_all`]): an error while writing
/// replaces none of them, and a signal finds none or all of it done.
///
/// It checks the folder first ([`preflight`]), so an error names the file.
pub fn write(out: &Path, run: &Run<'_>, with_charts: bool) -> io::Result<()> {
    preflight(out)?;
    let metrics_csv = metrics::metrics_csv(run.records)?;
    let metrics_json = json::metrics_json(run.records);
    let deals = run.deals.staged()?;
    let deals_path = out.join(DEALS_CSV);
    let mut files: Vec<(PathBuf, &[u8])> = vec![
        (out.join(METRICS_CSV), &metrics_csv),
        (out.join(METRICS_JSON), metrics_json.as_bytes()),
    ];
    let mut written = Vec::new();
    match &deals {
        deals::Staged::Bytes(bytes) => files.push((deals_path, bytes)),
        deals::Staged::Temporary(tmp) => written.push((tmp.clone(), deals_path)),
    }

    let wanted = if with_charts {
        charts::charts_for(run.records)
    } else {
        Vec::new()
    };
    let mut remove = Vec::new();
    let scorecard = run.scorecard.map(scorecard_csv).transpose()?;
    match &scorecard {
        Some(bytes) => files.push((out.join(SCORECARD_CSV), bytes)),
        None => remove.push(out.join(SCORECARD_CSV)),
    }
    for c in Chart::ALL.iter().filter(|c| !wanted.contains(c)) {
        remove.push(out.join(format!("{}.png", c.stem)));
        remove.push(out.join(format!("{}.svg", c.stem)));
    }
    if !with_charts {
        remove.push(out.join(REPORT_HTML));
    }

    let svgs = render_all(&wanted, run.records)?;
    // The scorecard's chart, with the others.
    let card_figure = run
        .scorecard
        .filter(|_| with_charts)
        .and_then(scorecard_chart::figure);
    let card_chart = match &card_figure {
        Some(f) => {
            let drawn = |e: Box<dyn std::error::Error>| {
                io::Error::other(format!("cannot draw {}: {e}", scorecard_chart::STEM))
            };
            Some((
                charts::figure_svg(f).map_err(drawn)?,
                charts::figure_png(f).map_err(drawn)?,
            ))
        }
        None => {
            remove.push(out.join(format!("{}.svg", scorecard_chart::STEM)));
            remove.push(out.join(format!("{}.png", scorecard_chart::STEM)));
            None
        }
    };
    let page = if with_charts {
        let charts: Vec<(Chart, String)> = wanted
            .iter()
            .copied()
            .zip(svgs.iter().map(|(svg, _)| svg.clone()))
            .collect();
        Some(report::html(&report::Report {
            name: run.name,
            scenario: run.scenario,
            records: run.records,
            deals: run.deals,
            charts: &charts,
            stopped: run.stopped.as_deref(),
            scorecard: run.scorecard,
            scorecard_chart: card_chart.as_ref().map(|(svg, _)| svg.as_str()),
        }))
    } else {
        None
    };
    for (c, (svg, png)) in wanted.iter().zip(&svgs) {
        files.push((out.join(format!("{}.svg", c.stem)), svg.as_bytes()));
        files.push((out.join(format!("{}.png", c.stem)), png));
    }
    if let Some((svg, png)) = &card_chart {
        files.push((
            out.join(format!("{}.svg", scorecard_chart::STEM)),
            svg.as_bytes(),
        ));
        files.push((out.join(format!("{}.png", scorecard_chart::STEM)), png));
    }
    if let Some(page) = &page {
        files.push((out.join(REPORT_HTML), page.as_bytes()));
    }
    atomic::replace_all(&files, &written, &remove)?;
    run.deals.set_placed();
    Ok(())
}

/// The text of a run's `report.html`, made in memory as [`write()`] makes it
/// (charts as inline SVG), for a front end that hands the page out rather
/// than writing a folder (`canopy serve`).
pub fn report_page(run: &Run<'_>) -> io::Result<String> {
    let wanted = charts::charts_for(run.records);
    let svgs = charts::in_parallel(
        &wanted,
        |c| c.stem.to_string(),
        |&c| charts::svg(c, run.records),
    )?;
    let card_chart = match run.scorecard.and_then(scorecard_chart::figure) {
        Some(f) => Some(charts::figure_svg(&f).map_err(|e| {
            io::Error::other(format!("cannot draw {}: {e}", scorecard_chart::STEM))
        })?),
        None => None,
    };
    let charts: Vec<(Chart, String)> = wanted.into_iter().zip(svgs).collect();
    Ok(report::html(&report::Report {
        name: run.name,
        scenario: run.scenario,
        records: run.records,
        deals: run.deals,
        charts: &charts,
        stopped: run.stopped.as_deref(),
        scorecard: run.scorecard,
        scorecard_chart: card_chart.as_deref(),
    }))
}

/// The names of every file a run may write or remove in its folder: the
/// data files, every chart's PNG and SVG, and `report.html`. Which charts a
/// run draws depends on its records, and a run without charts removes them,
/// so before a run all of these must be free to replace.
pub fn targets() -> Vec<String> {
    let mut names: Vec<String> = DATA_FILES.iter().map(|f| f.name.to_string()).collect();
    for c in Chart::ALL {
        names.push(format!("{}.png", c.stem));
        names.push(format!("{}.svg", c.stem));
    }
    names.push(format!("{}.png", scorecard_chart::STEM));
    names.push(format!("{}.svg", scorecard_chart::STEM));
    names.push(REPORT_HTML.into());
    names
}

/// Checks, before a run, that its results can be written into `out`, so
/// that a run is not wasted and no file is replaced when another cannot be:
/// `out` is a folder (created if missing) in which a file can be created,
/// and each of [`targets`] is absent or a regular file. Also removes the
/// temporaries of earlier runs that were killed while writing.
///
/// The errors are for people: they name the path and say what is wrong;
/// one that concerns the choice of folder is an [`OutError`] inside the
/// `io::Error`, for the front end to name its option ([`describe_as`]).
pub fn preflight(out: &Path) -> io::Result<()> {
    let shown = out.display();
    let not_a_folder = || {
        let why = in_the_way(out).unwrap_or_else(|| format!("{shown} is not a folder"));
        io::Error::new(
            io::ErrorKind::NotADirectory,
            OutError::NotAFolder {
                out: out.to_path_buf(),
                why,
            },
        )
    };
    match std::fs::metadata(out) {
        Ok(m) if !m.is_dir() => return Err(not_a_folder()),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out).map_err(|e| {
                let why = in_the_way(out).unwrap_or_else(|| describe(&e));
                io::Error::new(e.kind(), format!("cannot create the folder {shown}: {why}"))
            })?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotADirectory || is_loop(&e) => {
            return Err(not_a_folder());
        }
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                format!("cannot use the folder {shown}: {}", describe(&e)),
            ));
        }
    }
    let names = targets();
    for name in &names {
        let path = out.join(name);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => {}
            Ok(m) => {
                let what = if m.is_dir() {
                    "a folder"
                } else {
                    "not a regular file"
                };
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    OutError::Taken {
                        path,
                        what,
                        name: name.clone(),
                    },
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("cannot use {}: {}", path.display(), describe(&e)),
                ));
            }
        }
    }
    // Permissions say little (root, read-only mounts, ACLs): try it, with
    // a temporary registered like the others, so that a signal between its
    // making and its removal removes it too.
    match atomic::create_temporary(&out.join("canopy-check")) {
        Ok((probe, file)) => {
            drop(file);
            atomic::discard(&probe);
        }
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                format!("cannot write files in the folder {shown}: {}", describe(&e)),
            ));
        }
    }
    let mut ours = names;
    ours.push("canopy-check".into());
    atomic::remove_dead_temporaries(out, &ours).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "cannot remove old temporary files in {shown}: {}",
                describe(&e)
            ),
        )
    })
}

/// What, on the way to the folder `path`, stops it from being one: the
/// first of it and its ancestors that exists but is not a folder (`plain
/// is a file, not a folder`) or is a symlink loop. `None` when nothing is
/// in the way that way (the path is a folder, or missing: then it can be
/// created).
pub fn in_the_way(path: &Path) -> Option<String> {
    let mut ancestors: Vec<&Path> = path
        .ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    ancestors.reverse();
    for p in ancestors {
        let shown = p.display();
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {}
            Ok(m) if m.is_file() => return Some(format!("{shown} is a file, not a folder")),
            Ok(_) => return Some(format!("{shown} is not a folder")),
            Err(e) if is_loop(&e) => {
                return Some(format!("{shown} is a symbolic link in a loop"));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // A link to nowhere cannot be made into a folder.
                return std::fs::symlink_metadata(p)
                    .is_ok()
                    .then(|| format!("{shown} is a symbolic link to nothing"));
            }
            Err(_) => return None,
        }
    }
    None
}

/// Whether the OS said: too many levels of symbolic links.
fn is_loop(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Why results cannot go into the output folder chosen: what the user can
/// change by choosing another. Its `Display` names the folder plainly;
/// [`OutError::worded`] names it as the front end's option.
#[derive(Debug)]
pub enum OutError {
    /// The folder is not one and cannot be made one.
    NotAFolder {
        /// The folder asked for.
        out: PathBuf,
        /// What is in the way (`x is a file, not a folder`).
        why: String,
    },
    /// One of the run's files is taken by something that is not a file.
    Taken {
        /// Its path.
        path: PathBuf,
        /// What is there (`a folder`).
        what: &'static str,
        /// The file the run writes there.
        name: String,
    },
}

impl OutError {
    /// In the words of a front end whose option for the folder is `option`
    /// (`--out`, `out=`).
    pub fn worded(&self, option: &str) -> String {
        match self {
            OutError::NotAFolder { out, why } => format!(
                "cannot use {} for {option}: {why}; {option} needs a folder (it is created if missing)",
                out.display()
            ),
            OutError::Taken { path, what, name } => format!(
                "{} is {what}, where the run writes its file {name}; move it away or choose another {option}",
                path.display()
            ),
        }
    }
}

impl std::fmt::Display for OutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutError::NotAFolder { out, why } => write!(
                f,
                "cannot use {} as the output folder: {why}; it needs to be a folder (it is created if missing)",
                out.display()
            ),
            OutError::Taken { path, what, name } => write!(
                f,
                "{} is {what}, where the run writes its file {name}; move it away or choose another output folder",
                path.display()
            ),
        }
    }
}

impl std::error::Error for OutError {}

/// [`describe`], an [`OutError`] in it worded for a front end whose option
/// for the output folder is `option`.
pub fn describe_as(e: &io::Error, option: &str) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<OutError>())
    {
        Some(out) => out.worded(option),
        None => describe(e),
    }
}

/// An I/O error in words, without the OS's error number.
pub fn describe(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

/// Draws every chart as SVG and PNG, in parallel.
fn render_all(list: &[Chart], records: &[MonthRecord]) -> io::Result<Vec<(String, Vec<u8>)>> {
    charts::in_parallel(
        list,
        |c| c.stem.to_string(),
        |&c| Ok((charts::svg(c, records)?, charts::png(c, records)?)),
    )
}
