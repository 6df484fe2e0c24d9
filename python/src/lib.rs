//! `canopy._canopy`: the engine, the output writers and the sweep runner
//! behind the `canopy` Python package (PYTHON.md). The package's Python
//! layer (`canopy/__init__.py`) gives it its public face; this module keeps
//! to what must be Rust: runs, sweeps, comparisons and seeks, and results
//! handed over as Arrow through the C data interface.

mod arrow;
mod compare;
mod errors;
mod events;
mod progress;
mod run;
mod scenario;
mod seek;
mod sweep;

use pyo3::prelude::*;

use crate::arrow::{csv_schema, write_parquet};
use crate::compare::NativeCompare;
use crate::run::NativeRun;
use crate::scenario::{NativeScenario, builtin_scenarios, load, loads, read_text, reload, restore};
use crate::seek::NativeSeek;
use crate::sweep::{NativeSweep, check_sweep, merge, restore_sweep};

/// The version written into `sweep.toml`, as the command line writes it.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The extension module.
#[pymodule]
fn _canopy(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeScenario>()?;
    m.add_class::<NativeRun>()?;
    m.add_class::<NativeSweep>()?;
    m.add_class::<NativeCompare>()?;
    m.add_class::<NativeSeek>()?;
    m.add_function(wrap_pyfunction!(builtin_scenarios, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(loads, m)?)?;
    m.add_function(wrap_pyfunction!(reload, m)?)?;
    m.add_function(wrap_pyfunction!(restore, m)?)?;
    m.add_function(wrap_pyfunction!(run::run, m)?)?;
    m.add_function(wrap_pyfunction!(run::explain, m)?)?;
    m.add_function(wrap_pyfunction!(read_text, m)?)?;
    m.add_function(wrap_pyfunction!(check_sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add_function(wrap_pyfunction!(restore_sweep, m)?)?;
    m.add_function(wrap_pyfunction!(compare::compare, m)?)?;
    m.add_function(wrap_pyfunction!(seek::seek, m)?)?;
    m.add_function(wrap_pyfunction!(write_parquet, m)?)?;
    m.add_function(wrap_pyfunction!(csv_schema, m)?)?;
    m.add("__version__", VERSION)?;
    Ok(())
}
