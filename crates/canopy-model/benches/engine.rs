//! One 60-month run through the library: the `default` scenario, and the
//! `stress` scenario with every pending feature on; the same runs one after
//! another through a [`Runner`], as a sweep's worker makes them.

use std::hint::black_box;

use canopy_model::{Runner, builtin, load, run};
use criterion::{Criterion, criterion_group, criterion_main};

fn engine(c: &mut Criterion) {
    for name in ["default", "reference", "stress"] {
        let scenario = load(name, builtin::text(name).unwrap(), &[]).unwrap();
        c.bench_function(&format!("run {name} (60 months)"), |b| {
            b.iter(|| run(black_box(&scenario)).unwrap())
        });
        // Seeds in turn, the records and the state kept from run to run.
        let (mut runner, mut records, mut seed) = (Runner::new(), Vec::new(), 0);
        c.bench_function(&format!("runner {name} (60 months)"), |b| {
            b.iter(|| {
                seed += 1;
                runner
                    .run_seeded_into(black_box(&scenario), seed, &mut records)
                    .unwrap()
            })
        });
    }
    let text = builtin::text("default").unwrap();
    c.bench_function("load and validate default", |b| {
        b.iter(|| load("default", black_box(text), &[]).unwrap())
    });
}

criterion_group!(benches, engine);
criterion_main!(benches);
