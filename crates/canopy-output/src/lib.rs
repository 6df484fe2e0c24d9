//! The output library: every file a run leaves behind (`metrics.csv`,
//! `metrics.json`, `deals.csv`, the charts as PNG and SVG, `report.html`),
//! shared by every front end. It reads the model; it prints nothing.

pub mod atomic;
pub mod charts;
pub mod deals;
pub mod json;
pub mod metrics;
pub mod numbers;
pub mod palette;
pub mod report;

use std::io;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use canopy_model::{MonthRecord, Scenario};

use crate::atomic::write_atomic;
use charts::Chart;
pub use deals::DealLog;

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
}

/// Writes `metrics.csv`, `metrics.json` and `deals.csv`, and with
/// `with_charts` the charts and `report.html`, into `out` (created if
/// missing). Chart files and a report left by an earlier run that this run
/// does not write are removed, so the folder never mixes two runs.
pub fn write(out: &Path, run: &Run<'_>, with_charts: bool) -> io::Result<()> {
    std::fs::create_dir_all(out)?;
    write_atomic(
        &out.join("metrics.csv"),
        &metrics::metrics_csv(run.records)?,
    )?;
    write_atomic(
        &out.join("metrics.json"),
        json::metrics_json(run.records).as_bytes(),
    )?;
    run.deals.save(&out.join("deals.csv"))?;

    let wanted = if with_charts {
        charts::charts_for(run.records)
    } else {
        Vec::new()
    };
    for c in Chart::ALL.iter().filter(|c| !wanted.contains(c)) {
        remove_stale(&out.join(format!("{}.png", c.file_stem())))?;
        remove_stale(&out.join(format!("{}.svg", c.file_stem())))?;
    }
    if !with_charts {
        return remove_stale(&out.join("report.html"));
    }

    let svgs = render_all(&wanted, run.records)?;
    for (c, (svg, png)) in wanted.iter().zip(&svgs) {
        write_atomic(&out.join(format!("{}.svg", c.file_stem())), svg.as_bytes())?;
        write_atomic(&out.join(format!("{}.png", c.file_stem())), png)?;
    }
    let charts: Vec<(Chart, String)> = wanted
        .iter()
        .copied()
        .zip(svgs.into_iter().map(|(svg, _)| svg))
        .collect();
    let page = report::html(&report::Report {
        name: run.name,
        scenario: run.scenario,
        records: run.records,
        deals: run.deals,
        charts: &charts,
        stopped: run.stopped.as_deref(),
    });
    write_atomic(&out.join("report.html"), page.as_bytes())
}

fn remove_stale(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

type Rendered = (String, Vec<u8>);

/// Draws every chart as SVG and PNG, on as many threads as there are cores
/// (rasterising dominates the time of a run with charts).
fn render_all(list: &[Chart], records: &[MonthRecord]) -> io::Result<Vec<Rendered>> {
    let slots: Vec<Mutex<Option<Result<Rendered, String>>>> =
        list.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(list.len())
        .max(1);
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&c) = list.get(i) else { break };
            let done = charts::svg(c, records)
                .and_then(|svg| Ok((svg, charts::png(c, records)?)))
                .map_err(|e| format!("chart {}: {e}", c.file_stem()));
            if let Ok(mut slot) = slots[i].lock() {
                *slot = Some(done);
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    slots
        .into_iter()
        .zip(list)
        .map(|(slot, c)| {
            match slot.into_inner().ok().flatten() {
                Some(r) => r,
                // A worker that panicked left its slot empty.
                None => Err(format!("chart {} was not drawn", c.file_stem())),
            }
            .map_err(io::Error::other)
        })
        .collect()
}
