//! The layer's figures of BENCHMARKS.md, in release without the rest of the workspace: the `benchmarks` crate's
//! `layer` module, compiled here with the few helpers it takes from that crate.
//!
//! ```text
//! cargo bench -p bronto-tracing --bench layer            # full sizes
//! cargo bench -p bronto-tracing --bench layer -- --smoke # tiny sizes
//! ```
#![allow(unreachable_pub, clippy::unwrap_used)]

#[path = "../../benchmarks/src/layer.rs"]
mod layer;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

fn progress(message: std::fmt::Arguments<'_>) {
    eprintln!("[bench] {message}");
}

fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

mod stats {
    pub(crate) fn median(values: &[f64]) -> f64 {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let smoke = args.iter().any(|a| a == "--smoke");
    if args
        .windows(2)
        .any(|w| w[0] == "--child" && w[1] == "layer-outage")
    {
        layer::outage_child(smoke).unwrap();
        return;
    }
    println!("| figure | goal | measured | ratio | verdict |\n|---|---|---|---|---|");
    for row in layer::run(smoke).unwrap() {
        let verdict = match row.met {
            Some(true) => "met",
            Some(false) => "**missed**",
            None => "reported",
        };
        println!(
            "| {} | {} | {} | {} | {verdict} |",
            row.figure, row.goal, row.measured, row.ratio
        );
    }
}
