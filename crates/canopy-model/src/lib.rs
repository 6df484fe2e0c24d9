//! The canopy model: a DeFi token ecosystem (the AEGIS treasury, LEAF
//! pairs, TVL and its revenue, and the OAK token) simulated month by month.
//!
//! A run is a pure function from a [`ValidScenario`] to its
//! [`MonthRecord`]s: [`run`]. Scenarios are read from TOML with [`load`].

pub mod activity;
pub mod aegis;
pub mod builtin;
pub mod critical;
pub mod engine;
pub mod failure;
pub mod invariants;
pub mod leaf_pairs;
pub mod market;
pub mod oak;
pub mod observer;
mod order;
pub mod price;
pub mod random;
pub mod record;
pub mod revenue;
pub mod rules;
pub mod scenario;
pub mod scorecard;
pub mod state;
pub mod tvl;

pub use engine::{Simulation, run, run_observed, run_seeded};
pub use failure::{Failure, RunError};
pub use observer::{Event, Observer, Silent, Until};
pub use record::{COLUMNS, Column, ColumnType, Measure, MonthRecord, NAMES, ValueParts};
pub use scenario::load::load;
pub use scenario::{Scenario, ScenarioError, TvlKind, ValidScenario, Value};
pub use state::State;
