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
//! chunks; [`merge`] joins the parts of a sharded sweep; both end with the
//! one sealing step, [`Sealing`], and fail with a typed [`SweepFailure`]
//! whose wording of flags is the front end's.
//!
//! Once runs are done, [`summarise`] gives a run's row of `runs.parquet`
//! (its columns declared in [`SUMMARY_COLUMNS`]), and [`Bands`] gathers one
//! point's runs into the rows of `bands.csv` (n, mean and exact quantiles,
//! named by [`quantile_name`]).

pub mod axis;
pub mod bands;
pub mod check;
pub mod chunk;
pub mod columns;
pub mod compare;
pub mod criteria;
pub mod defaults;
pub mod error;
pub mod failure;
pub mod file;
pub mod findings;
pub mod folder;
pub mod intervals;
pub mod layout;
pub mod lock;
pub mod merge;
pub mod parquet_io;
pub mod planner;
pub mod points;
pub mod reference;
pub mod report;
pub mod resolved;
pub mod runner;
pub mod sample;
pub mod seal;
pub mod seeds;
pub mod seek;
pub mod sensitivity;
pub mod shard;
pub mod statistics;
pub mod summary;

pub use axis::AxisSpec;
pub use bands::{Band, BandRow, Bands, band, quantile, quantile_name};
pub use error::SweepError;
pub use failure::{SweepFailure, Tally};
pub use file::{
    Axis, CommandLine, Factor, Key, Method, Mode, Sample, Sensitivity, Setting, Sweep, read,
    read_with,
};
pub use lock::FolderLock;
pub use merge::merge;
pub use planner::{PlanError, plan_file, plan_text};
pub use points::{Plan, Point, PointScenario, plan, points};
pub use runner::{Options, Progress, Quiet, Shard, run};
pub use sample::Distribution;
pub use seal::Sealing;
pub use seeds::RunSpec;
pub use summary::{Outcome, SUMMARY_COLUMNS, SummaryColumn, SummaryValue, summarise};
