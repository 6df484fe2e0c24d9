//! What a sweep pays to build each point's scenario: reading TOML, checking
//! a scenario built in code, and typed overrides on a valid scenario.

use std::hint::black_box;

use canopy_model::{Value, builtin, load};
use criterion::{Criterion, criterion_group, criterion_main};

fn scenario(c: &mut Criterion) {
    let text = builtin::text("default").expect("built in");
    c.bench_function("load default (TOML, 20 deals)", |b| {
        b.iter(|| load("default", black_box(text), &[]).expect("valid"))
    });
    let valid = load("default", text, &[]).expect("valid");
    c.bench_function("validate default built in code", |b| {
        b.iter(|| {
            black_box(valid.scenario().clone())
                .validate()
                .expect("valid")
        })
    });
    let changes = [
        ("leaf_price.volatility", Value::Float(0.06)),
        ("deal[13].leaf_pair.amount", Value::Float(2.5e6)),
        ("market.net_demand_usd", Value::Float(-25_000.0)),
    ];
    c.bench_function("three overrides + validation (ValidScenario::with)", |b| {
        b.iter(|| valid.with(black_box(&changes)).expect("valid"))
    });
}

criterion_group!(benches, scenario);
criterion_main!(benches);
