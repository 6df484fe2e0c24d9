//! Sealing a sweep's folder once its runs are in `runs.parquet` (or in
//! the chunks it is being joined from), `months.parquet` and
//! `failures.csv` (or being ended beside the sealing): the files that
//! follow from them (bands, points, the report), `sweep.toml`, and the
//! identity last, which marks the folder a finished sweep. A whole sweep, merged shards and a
//! sweep copied elsewhere (the Python package's `Sweep.write`) are all
//! sealed here.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use canopy_output::atomic;

use crate::failure::SweepFailure;
use crate::file::{Sweep, read};
use crate::folder::{IDENTITY, POINT_MONTHS, SWEEP_TOML};
use crate::main_values::MainValues;
use crate::points::Plan;
use crate::resolved::fnv1a;
use crate::statistics;

/// What sealing a folder needs to know of its sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Sealing {
    /// The sweep as read.
    pub sweep: Sweep,
    /// The base seed.
    pub seed: u64,
    /// Each point's months (its scenario's `simulation.months`).
    pub point_months: Vec<u32>,
    /// The resolved sweep, `sweep.toml`'s text.
    pub resolved: String,
    /// The identity: the resolved sweep and its scenarios' digest.
    pub identity: String,
}

impl Sealing {
    /// Of a planned sweep, run by program version `version`.
    pub fn of(plan: &Plan, version: &str) -> Sealing {
        Sealing {
            sweep: plan.sweep.clone(),
            seed: plan.seed,
            point_months: plan
                .points
                .iter()
                .map(|p| p.scenario.simulation.months)
                .collect(),
            resolved: plan.resolved(version),
            identity: identity(plan, version),
        }
    }

    /// Of a sealed folder: a finished sweep's, a part's, or merged parts'
    /// (whose points' months the parts keep).
    pub fn read(dir: &Path) -> Result<Sealing, SweepFailure> {
        let text = |name: &str| -> io::Result<String> {
            let path = dir.join(name);
            fs::read_to_string(&path)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
        };
        let resolved = text(SWEEP_TOML)?;
        let identity = text(IDENTITY)?;
        let source = dir.join(SWEEP_TOML).display().to_string();
        let sweep = read(&source, &resolved).map_err(|e| SweepFailure::Refused(e.to_string()))?;
        let point_months =
            match read_point_months(dir)? {
                Some(m) => m,
                None => {
                    let mut found = None;
                    for entry in fs::read_dir(dir)
                        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?
                    {
                        let path = entry?.path();
                        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                            n.starts_with("part-") && path.join(IDENTITY).is_file()
                        }) && let Some(m) = read_point_months(&path)?
                        {
                            found = Some(m);
                            break;
                        }
                    }
                    found.unwrap_or_default()
                }
            };
        Ok(Sealing {
            seed: sweep.seed.unwrap_or(0),
            sweep,
            point_months,
            resolved,
            identity,
        })
    }

    /// Seals the whole sweep's folder `dir`: bands, points, the report
    /// (if `report`; otherwise any earlier report is removed),
    /// `sweep.toml`, then the identity.
    pub fn seal(&self, dir: &Path, version: &str, report: bool) -> io::Result<()> {
        statistics::finish(
            dir,
            &self.sweep,
            self.seed,
            version,
            report,
            &self.point_months,
        )?;
        self.mark(dir)
    }

    /// [`Sealing::seal`] while `join` ends `runs.parquet` (joined from the
    /// chunks `runs`) and `failures.csv` on a thread of its own: the tables
    /// are worked out from the chunks meanwhile (the same rows, in the same
    /// order), and the report, which reads both files, waits for them. The
    /// join's error comes first, then the tables'.
    pub fn seal_joining(
        &self,
        dir: &Path,
        version: &str,
        report: bool,
        runs: &[PathBuf],
        join: impl FnOnce() -> io::Result<()> + Send,
    ) -> io::Result<()> {
        self.seal_joining_with(dir, version, report, runs, None, join)
    }

    /// [`Sealing::seal_joining`], the main metrics' values those `gathered`
    /// as the runs were done, where they are every row's.
    pub(crate) fn seal_joining_with(
        &self,
        dir: &Path,
        version: &str,
        report: bool,
        runs: &[PathBuf],
        gathered: Option<MainValues>,
        join: impl FnOnce() -> io::Result<()> + Send,
    ) -> io::Result<()> {
        let (joined, tables) = std::thread::scope(|s| {
            let joining = s.spawn(join);
            let tables = statistics::tables(
                dir,
                runs,
                &self.sweep,
                self.seed,
                &self.point_months,
                gathered,
            );
            let joined = joining
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (joined, tables)
        });
        joined?;
        let findings = tables?;
        statistics::write_report(dir, &self.sweep, self.seed, version, report, &findings)?;
        self.mark(dir)
    }

    /// Seals a part of a sharded sweep: its points' months (for the merge,
    /// which has no scenarios), `sweep.toml`, then the identity.
    pub fn seal_part(&self, dir: &Path) -> io::Result<()> {
        let text: String = self.point_months.iter().map(|m| format!("{m}\n")).collect();
        atomic::write_atomic(&dir.join(POINT_MONTHS), text.as_bytes())?;
        self.mark(dir)
    }

    fn mark(&self, dir: &Path) -> io::Result<()> {
        atomic::write_atomic(&dir.join(SWEEP_TOML), self.resolved.as_bytes())?;
        atomic::write_atomic(&dir.join(IDENTITY), self.identity.as_bytes())
    }
}

/// What identifies a sweep in its folder: the resolved sweep and a digest
/// of each scenario it starts from (a scenario file may change).
pub fn identity(plan: &Plan, version: &str) -> String {
    let mut seen: Vec<&str> = Vec::new();
    let mut digest = String::new();
    for p in &plan.points {
        if !seen.contains(&p.scenario_name.as_str()) {
            seen.push(&p.scenario_name);
            let text = p.scenario.scenario().to_toml();
            digest.push_str(&format!("# scenario {:016x}\n", fnv1a(text.as_bytes())));
        }
    }
    format!("{}{digest}", plan.resolved(version))
}

/// A part's points' months (`.point-months`), if it has them.
pub fn read_point_months(dir: &Path) -> io::Result<Option<Vec<u32>>> {
    let path = dir.join(POINT_MONTHS);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    };
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            l.trim().parse().map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{}:{}: `{}` is not a number of months",
                        path.display(),
                        i + 1,
                        l.trim()
                    ),
                )
            })
        })
        .collect::<io::Result<Vec<u32>>>()
        .map(Some)
}
