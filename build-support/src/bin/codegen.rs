//! Runs the generation pipeline outside of cargo's build scripts and times it.
//!
//! ```text
//! cargo run --release -p build-support --bin codegen -- <document> [--digest FILE] [--patches FILE] [--out DIR]
//!     [--rehearse]
//! ```
//! Prints how long generation took; with `--out`, writes the generated client and its API-surface summary there.
//! With `--rehearse` (for re-vendoring), patches that do not apply are listed instead of stopping the run.

use std::path::PathBuf;
use std::time::Instant;

use build_support::Pipeline;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(document) = args.next() else {
        eprintln!(
            "usage: codegen <document> [--digest FILE] [--patches FILE] [--inner-type PATH] [--out DIR]"
        );
        std::process::exit(2);
    };
    let mut pipeline = Pipeline::new("client", &document);
    let mut out: Option<PathBuf> = None;
    let mut rehearse = false;
    while let Some(flag) = args.next() {
        if flag == "--rehearse" {
            rehearse = true;
            continue;
        }
        let value = args.next().unwrap_or_default();
        pipeline = match flag.as_str() {
            "--digest" => pipeline.digest(&value),
            "--patches" => pipeline.patches(&value),
            "--inner-type" => pipeline.inner_type(&value),
            "--out" => {
                out = Some(PathBuf::from(value));
                pipeline
            }
            other => {
                eprintln!("unknown flag {other}");
                std::process::exit(2);
            }
        };
    }
    let started = Instant::now();
    let result = if rehearse {
        pipeline.rehearse().map(|(output, stale)| {
            for patch in &stale {
                println!("stale: {patch}");
            }
            println!("{} stale patch(es)", stale.len());
            output
        })
    } else {
        pipeline.generate_client()
    };
    match result {
        Ok(output) => {
            let elapsed = started.elapsed();
            println!(
                "generated {} bytes of Rust, {} open enums, {} open objects in {:.3} s",
                output.source.len(),
                output.forward_compat.opened_enums.len(),
                output.forward_compat.opened_structs.len(),
                elapsed.as_secs_f64()
            );
            if let Some(dir) = out {
                let written = std::fs::create_dir_all(&dir)
                    .and_then(|()| std::fs::write(dir.join("client.rs"), &output.source))
                    .and_then(|()| std::fs::write(dir.join("api-surface.txt"), &output.surface));
                if let Err(error) = written {
                    eprintln!("{}: {error}", dir.display());
                    std::process::exit(1);
                }
            }
        }
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    }
}
