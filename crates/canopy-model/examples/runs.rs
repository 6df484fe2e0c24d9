//! Runs a built-in scenario many times in one process, for profilers:
//! `cargo run --release -p canopy-model --example runs -- default 1000`.
//! Instructions per run = (count at N runs - count at 0 runs) / N.

use std::hint::black_box;

use canopy_model::{builtin, load, run};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "default".to_string());
    let n: u32 = args
        .next()
        .map_or(1000, |a| a.parse().expect("a run count"));
    let text = builtin::text(&name).expect("a built-in scenario");
    let scenario = load(&name, text, &[]).expect("a valid scenario");
    let mut months = 0;
    for _ in 0..n {
        months += run(black_box(&scenario)).expect("a run").len();
    }
    println!("{n} runs of {name}: {months} months");
}
