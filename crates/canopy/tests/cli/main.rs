//! The command line's tests, one binary: each module tests one command or
//! concern through the real `canopy` binary.

mod common;

mod browser;
mod commands;
mod critical;
mod decisions;
mod explain;
mod golden;
mod hostile;
mod hostile_run;
mod hostile_scenarios;
mod log_order;
mod report;
mod schema;
mod scorecard;
mod sensitivity;
mod serve;
mod sweep;
