//! Loads a built-in scenario many times in one process, for profilers:
//! `cargo run --release -p canopy-model --example loads -- default 1000`.
//! Instructions per load = (count at N loads - count at 0 loads) / N.

use std::hint::black_box;

use canopy_model::{builtin, load};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "default".to_string());
    let n: u32 = args
        .next()
        .map_or(1000, |a| a.parse().expect("a load count"));
    let text = builtin::text(&name).expect("a built-in scenario");
    let mut deals = 0;
    for _ in 0..n {
        let valid = load(&name, black_box(text), &[]).expect("a valid scenario");
        deals += valid.scenario().deals.len();
    }
    println!("{n} loads of {name}: {deals} deals");
}
