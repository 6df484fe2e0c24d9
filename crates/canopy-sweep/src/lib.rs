//! canopy sweeps: one scenario run many times, over a grid of parameter
//! values (axes), with Monte Carlo runs at each point (seeds) and
//! parameters drawn at random for each run (samples), as SWEEP.md lays out.
//!
//! This crate is pure: it takes a sweep file's text and a way to load
//! scenarios, and gives data back. [`read`] reads and checks a sweep file;
//! [`plan`] loads its scenario, makes its [`Point`]s and builds and checks
//! every point's scenario before any run; a [`Plan`] then gives each run's
//! seed and sampled values ([`Plan::run_spec`]), its scenario
//! ([`Plan::run_scenario`]), the command line that reproduces it
//! ([`Plan::command_line`]), and the resolved sweep file
//! ([`Plan::resolved`]) with its hash ([`Plan::hash`]).
//!
//! [`plan_file`] (or [`plan_text`]) reads and plans a sweep file in one
//! call, as every front end needs it. [`run`] runs a plan into a folder
//! that it locks ([`FolderLock`]) for its whole life, resuming from checked
//! chunks; [`merge()`] joins the parts of a sharded sweep; both end with the
//! one sealing step, [`Sealing`], and fail with a typed [`SweepFailure`]
//! whose wording of flags is the front end's.
//!
//! Once runs are done, [`summarise`] gives a run's row of `runs.parquet`
//! (its columns declared in [`SUMMARY_COLUMNS`]), and [`Bands`] gathers one
//! point's runs into the rows of `bands.csv` (n, mean and exact quantiles,
//! named by [`quantile_name`]).

mod axis;
mod bands;
mod check;
mod chunk;
mod columns;
pub mod compare;
pub mod criteria;
pub mod defaults;
mod error;
mod failure;
mod file;
mod findings;
pub mod folder;
mod intervals;
mod layout;
mod lock;
mod main_values;
mod merge;
pub mod parquet_io;
mod planner;
mod points;
pub mod reference;
mod report;
mod resolved;
mod runner;
mod sample;
mod seal;
mod seeds;
pub mod seek;
pub mod sensitivity;
mod shard;
mod statistics;
mod summary;

pub use axis::AxisSpec;
pub use bands::{Band, BandRow, Bands, band, quantile, quantile_name};
pub use columns::Numbers;
pub use error::SweepError;
pub use failure::{SweepFailure, Tally};
pub use file::{
    Axis, CommandLine, Factor, Key, Method, Mode, Sample, SeekFile, Sensitivity, Setting, Sweep,
    read, read_seek, read_with,
};
pub use intervals::{clopper_pearson, expected_shortfall};
pub use layout::metric_type;
pub use lock::FolderLock;
pub use merge::merge;
pub use planner::{PlanError, plan_file, plan_text};
pub use points::{Plan, Point, PointScenario, plan, points};
pub use runner::{Options, Progress, Quiet, Shard, run};
pub use sample::Distribution;
pub use seal::Sealing;
pub use seeds::{RunSpec, run_seed, shell_word, value_text};
pub use summary::{Outcome, SUMMARY_COLUMNS, SummaryColumn, SummaryValue, summarise};

/// What the benchmarks time below the public face: one chunk of runs.
#[doc(hidden)]
pub mod bench {
    pub use crate::chunk::compute;
    pub use crate::layout::Layout;
}
