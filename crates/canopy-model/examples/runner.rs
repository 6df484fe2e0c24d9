//! Runs a built-in scenario N times through a `Runner` on each of T
//! threads (seeds 0..N, every T-th to each thread), as a sweep's workers
//! run them but with none of the sweep's own work, and prints the time:
//! `cargo run --release -p canopy-model --example runner -- default 1000000 2`.
//! A sweep of the same runs, timed beside it, less this time, is the
//! sweep's own work (BENCHMARKS.md).

use std::time::Instant;

use canopy_model::{Runner, builtin, load};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "default".to_string());
    let n: u64 = args
        .next()
        .map_or(1000, |a| a.parse().expect("a run count"));
    let threads: u64 = args
        .next()
        .map_or(1, |a| a.parse().expect("a thread count"))
        .max(1);
    let text = builtin::text(&name).expect("a built-in scenario");
    let scenario = load(&name, text, &[]).expect("a valid scenario");
    let start = Instant::now();
    let months: usize = std::thread::scope(|s| {
        let each: Vec<_> = (0..threads)
            .map(|t| {
                let scenario = &scenario;
                s.spawn(move || {
                    let (mut runner, mut records) = (Runner::new(), Vec::new());
                    let mut months = 0;
                    for seed in (t..n).step_by(threads as usize) {
                        runner
                            .run_seeded_into(scenario, seed, &mut records)
                            .expect("a run");
                        months += records.len();
                    }
                    months
                })
            })
            .collect();
        each.into_iter().map(|h| h.join().expect("a thread")).sum()
    });
    let took = start.elapsed().as_secs_f64();
    println!(
        "{n} runs of {name} on {threads} threads: {months} months, {took:.3} s, {:.3} us a run",
        took * 1e6 / n.max(1) as f64
    );
}
