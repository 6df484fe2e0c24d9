//! The canopy model: a DeFi token ecosystem (the AEGIS treasury, LEAF
//! pairs, TVL and its revenue, and the OAK token) simulated month by month.
//!
//! A run is a pure function from a [`ValidScenario`] to its
//! [`MonthRecord`]s: [`run`]. Scenarios are read from TOML with [`load`].

mod activity;
mod aegis;
pub mod builtin;
pub mod critical;
mod engine;
mod failure;
mod invariants;
mod leaf_pairs;
mod market;
mod oak;
mod observer;
mod order;
mod price;
mod projection;
mod random;
mod record;
mod revenue;
mod rules;
pub mod scenario;
pub mod scorecard;
mod state;
mod tvl;

pub use activity::DealSpan;
pub use engine::{Runner, Simulation, run, run_observed, run_seeded, run_seeded_into};
pub use failure::{Failure, RunError};
pub use oak::Irr;
pub use observer::{Event, Observer, Silent, Until};
pub use record::{
    COLUMN_COUNT, COLUMNS, Column, ColumnType, Family, Measure, MonthRecord, NAMES, RecordedIrr,
    ValueParts, column,
};
pub use rules::{RULES, Rule, rule_for};
pub use scenario::load::load;
pub use scenario::{Scenario, ScenarioError, TvlKind, ValidScenario, Value};
pub use state::State;
pub use tvl::{Contribution, Source as TvlSource};
