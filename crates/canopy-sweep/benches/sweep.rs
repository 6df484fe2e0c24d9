//! The sweep runner's own cost per run, beside the engine's: a chunk of
//! 1,000 runs of `default` (no months kept, so nothing but runs.parquet's
//! rows) and of `stress` (the default kept metrics), computed into Arrow
//! batches, as a worker does before writing them.

use std::hint::black_box;

use canopy_model::{ValidScenario, builtin, load};
use canopy_sweep::bench::Layout;
use canopy_sweep::{bench, plan, read};
use criterion::{Criterion, criterion_group, criterion_main};

fn builtin_scenario(name: &str) -> Result<ValidScenario, canopy_model::ScenarioError> {
    load(name, builtin::text(name).unwrap_or(""), &[])
}

fn sweep(c: &mut Criterion) {
    for (name, keep) in [
        ("default", "[]"),
        (
            "stress",
            "[\"leaf_price\", \"tvl_total\", \"revenue_cumulative\", \"aegis_value\", \"aegis_usdc\", \"value_per_oak\", \"oak_redeemed\"]",
        ),
    ] {
        let text = format!("[sweep]\nscenario = \"{name}\"\nruns = 1000\nkeep_months = {keep}\n");
        let sweep = read("bench.toml", &text).unwrap();
        let plan = plan(&sweep, builtin_scenario).unwrap();
        let layout = Layout::of(&plan);
        c.bench_function(&format!("chunk of 1,000 runs of {name}"), |b| {
            b.iter(|| bench::compute(black_box(&plan), &layout, 0..1000))
        });
    }
}

criterion_group!(benches, sweep);
criterion_main!(benches);
