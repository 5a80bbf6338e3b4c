//! Runs the generation pipeline outside of cargo's build scripts and times it.
//!
//! ```text
//! cargo run --release -p build-support --bin codegen -- <document> [--digest FILE] [--patches FILE] [--out DIR]
//!     [--rehearse]
//! ```
//! Prints how long generation took; with `--out`, writes the generated client and its API-surface summary there.
//! With `--rehearse`, patches that do not apply are listed instead of stopping the run.
//!
//! Re-vendoring the Bronto document, in one command (see [`build_support::revendor`]):
//!
//! ```text
//! cargo run -p build-support --bin codegen -- revendor <new document> [--root DIR] [--date YYYY-MM-DD]
//!     [--baseline-rev REV | --baseline-root DIR | --no-semver] [--semver-package NAME]... [--no-changelog]
//!     [--drop-stale-patches]
//! ```
//! copies the document unchanged over `openapi/bronto/bronto-openapi.yaml`, records its sha256, rehearses every
//! patch (and stops, listing the stale ones), refreshes both API-surface summaries, prints the surface diff and
//! cargo-semver-checks' verdict on `bronto-client` against `HEAD` (when the tool is installed), and drafts a
//! `CHANGELOG.md` entry. Exit status: 0 when done, 1 on an error, 3 when patches are stale.
//!
//! Writing the tag features of `bronto-client/Cargo.toml` and `sdk/Cargo.toml` from the Bronto document's tags
//! (the blocks between the `## BEGIN generated tag features` and `## END` comments; see
//! [`build_support::tag_features::manifests`]):
//!
//! ```text
//! cargo run -p build-support --bin codegen -- features [--root DIR] [--check]
//! ```
//! With `--check`, nothing is written and the exit status is 1 when a manifest is not current.
//!
//! Deriving a document (for rehearsals: a synthetic document made from the vendored one by a JSON Patch file in
//! the `patches.yaml` format):
//!
//! ```text
//! cargo run -p build-support --bin codegen -- derive <document> --patches FILE --out FILE
//! ```

use std::path::PathBuf;
use std::time::Instant;

use build_support::revendor::{self, Baseline, Outcome};
use build_support::{Pipeline, tag_features};

fn usage_error(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(2)
}

/// `codegen features [--root DIR] [--check]`.
fn features_command(mut args: impl Iterator<Item = String>) -> ! {
    let mut root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let mut check = false;
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--root" => {
                root = PathBuf::from(
                    args.next()
                        .unwrap_or_else(|| usage_error("--root needs a value")),
                )
            }
            "--check" => check = true,
            other => usage_error(&format!(
                "unknown flag {other}; usage: codegen features [--root DIR] [--check]"
            )),
        }
    }
    let manifests = build_support::clients::bronto(&root)
        .prepare()
        .map(|prepared| prepared.tags())
        .and_then(|tags| tag_features::manifests::regenerate(&root, &tags));
    let manifests = match manifests {
        Ok(manifests) => manifests,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1)
        }
    };
    let mut stale = false;
    for (path, current, regenerated) in manifests {
        if current == regenerated {
            println!("{}: current", path.display());
        } else if check {
            stale = true;
            println!("{}: not current", path.display());
        } else if let Err(error) = std::fs::write(&path, regenerated) {
            eprintln!("error: {}: {error}", path.display());
            std::process::exit(1)
        } else {
            println!("{}: written", path.display());
        }
    }
    std::process::exit(i32::from(stale))
}

/// `codegen revendor ...`.
fn revendor_command(mut args: impl Iterator<Item = String>) -> ! {
    let Some(document) = args.next() else {
        usage_error(
            "usage: codegen revendor <new document> [--root DIR] [--date YYYY-MM-DD] \
             [--baseline-rev REV | --baseline-root DIR | --no-semver] [--semver-package NAME]... \
             [--no-changelog] [--drop-stale-patches]",
        )
    };
    let mut options = revendor::Options {
        document: PathBuf::from(document),
        root: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/..")),
        document_date: None,
        baseline: Baseline::Rev("HEAD".to_string()),
        semver_packages: Vec::new(),
        drop_stale_patches: false,
        write_changelog: true,
    };
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage_error(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--root" => options.root = PathBuf::from(value()),
            "--date" => options.document_date = Some(value()),
            "--baseline-rev" => options.baseline = Baseline::Rev(value()),
            "--baseline-root" => options.baseline = Baseline::Root(PathBuf::from(value())),
            "--no-semver" => options.baseline = Baseline::Skip,
            "--semver-package" => options.semver_packages.push(value()),
            "--no-changelog" => options.write_changelog = false,
            "--drop-stale-patches" => options.drop_stale_patches = true,
            other => usage_error(&format!("unknown flag {other}")),
        }
    }
    if options.semver_packages.is_empty() {
        options.semver_packages.push("bronto-client".to_string());
    }
    match revendor::run(&options) {
        Ok(Outcome::Done { .. }) => std::process::exit(0),
        Ok(Outcome::StalePatches(_)) => std::process::exit(3),
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1)
        }
    }
}

/// `codegen derive <document> --patches FILE --out FILE`.
fn derive_command(mut args: impl Iterator<Item = String>) -> ! {
    let usage = "usage: codegen derive <document> --patches FILE --out FILE";
    let Some(document) = args.next() else {
        usage_error(usage)
    };
    let (mut patches, mut out) = (None, None);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage_error(usage));
        match flag.as_str() {
            "--patches" => patches = Some(PathBuf::from(value)),
            "--out" => out = Some(PathBuf::from(value)),
            _ => usage_error(usage),
        }
    }
    let (Some(patches), Some(out)) = (patches, out) else {
        usage_error(usage)
    };
    let result =
        build_support::document::load(std::path::Path::new(&document)).and_then(|loaded| {
            let mut value = loaded.value;
            build_support::PatchSet::load(&patches)?.apply(&mut value)?;
            let text = if out.extension().is_some_and(|e| e == "json") {
                serde_json::to_string_pretty(&value).unwrap_or_default()
            } else {
                serde_yaml::to_string(&value).unwrap_or_default()
            };
            std::fs::write(&out, text).map_err(|source| build_support::PipelineError::Io {
                path: out.clone(),
                source,
            })
        });
    match result {
        Ok(()) => {
            println!("wrote {}", out.display());
            std::process::exit(0)
        }
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1)
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    match args.peek().map(String::as_str) {
        Some("revendor") => {
            args.next();
            revendor_command(args)
        }
        Some("features") => {
            args.next();
            features_command(args)
        }
        Some("derive") => {
            args.next();
            derive_command(args)
        }
        _ => {}
    }
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
