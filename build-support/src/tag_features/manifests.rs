//! The tag features written into the manifests (`codegen features`): the blocks of `bronto-client/Cargo.toml` and
//! `sdk/Cargo.toml` between [`BEGIN`] and [`END`] marker comments are generated from the document's tags, and a
//! test fails with [`REGENERATE`] when the committed manifests differ from what [`regenerate`] writes.
//!
//! Each `BEGIN` marker names its block:
//! - `all-tags`: `all-tags = [...]`, every tag (bronto-client);
//! - `tags`: one `<tag> = []` per tag (bronto-client);
//! - `bronto-all`: `bronto-all = ["bronto-client/all-tags", "bronto-<tag>", ...]` (sdk);
//! - `bronto-tags`: one `bronto-<tag> = ["bronto-client/<tag>"]` per tag (sdk). What else a forwarding feature
//!   enables (`bronto-exports`' decoder, `dep:async-compression`) is read from the block and kept, so a tag's
//!   feature is still declared in one place.
//!
//! Everything outside the blocks (the other features, their comments) is left as it is.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::ALL_TAGS;
use crate::PipelineError;

/// The comment a generated block starts with, followed by the block's name.
pub const BEGIN: &str = "## BEGIN generated tag features (codegen features): ";

/// The comment a generated block ends with.
pub const END: &str = "## END generated tag features";

/// What to do when the committed manifests are not what `codegen features` writes.
pub const REGENERATE: &str = "run `cargo run -p build-support --bin codegen -- features`";

/// The manifests holding generated tag-feature blocks, relative to the workspace root.
pub const MANIFESTS: [&str; 2] = ["bronto-client/Cargo.toml", "sdk/Cargo.toml"];

/// The prefix of `sdk`'s forwarding features (`bronto-<tag>`).
const PREFIX: &str = "bronto-";

/// The client crate `sdk` forwards to.
const CLIENT: &str = "bronto-client";

/// `manifest` with every generated block rewritten for `tags`. Fails when a block is not closed, or its name is
/// unknown.
pub fn rewrite(manifest: &str, tags: &BTreeSet<String>) -> Result<String, PipelineError> {
    let mut out = String::with_capacity(manifest.len());
    let mut lines = manifest.split_inclusive('\n');
    while let Some(line) = lines.next() {
        out.push_str(line);
        let Some(name) = line.trim_end().strip_prefix(BEGIN) else {
            continue;
        };
        let mut old = Vec::new();
        loop {
            match lines.next() {
                Some(inner) if inner.trim_end() == END => {
                    out.push_str(&block(name.trim(), tags, &old)?);
                    out.push_str(inner);
                    break;
                }
                Some(inner) => old.push(inner),
                None => {
                    return Err(PipelineError::TagFeatures(format!(
                        "the generated block `{name}` has no `{END}` line"
                    )));
                }
            }
        }
    }
    Ok(out)
}

/// The text of the block `name` for `tags`; `old` is its previous text (for what a forwarding feature enables
/// besides its tag).
fn block(name: &str, tags: &BTreeSet<String>, old: &[&str]) -> Result<String, PipelineError> {
    let mut out = String::new();
    match name {
        "all-tags" => {
            out.push_str(&format!("{ALL_TAGS} = [\n"));
            for tag in tags {
                let _ = writeln!(out, "    \"{tag}\",");
            }
            out.push_str("]\n");
        }
        "tags" => {
            for tag in tags {
                let _ = writeln!(out, "{tag} = []");
            }
        }
        "bronto-all" => {
            let _ = writeln!(out, "{PREFIX}all = [\n    \"{CLIENT}/{ALL_TAGS}\",");
            for tag in tags {
                let _ = writeln!(out, "    \"{PREFIX}{tag}\",");
            }
            out.push_str("]\n");
        }
        "bronto-tags" => {
            let extras = extras(old);
            for tag in tags {
                let name = format!("{PREFIX}{tag}");
                let forward = format!("{CLIENT}/{tag}");
                let enables: Vec<String> = std::iter::once(forward.clone())
                    .chain(
                        extras
                            .get(&name)
                            .into_iter()
                            .flatten()
                            .filter(|e| **e != forward)
                            .cloned(),
                    )
                    .map(|e| format!("\"{e}\""))
                    .collect();
                let _ = writeln!(out, "{name} = [{}]", enables.join(", "));
            }
        }
        other => {
            return Err(PipelineError::TagFeatures(format!(
                "unknown generated block `{other}` (known: all-tags, tags, bronto-all, bronto-tags)"
            )));
        }
    }
    Ok(out)
}

/// What each one-line feature of a block enables: `name = ["a", "b"]` gives `name` to `[a, b]`.
fn extras(lines: &[&str]) -> BTreeMap<String, Vec<String>> {
    lines
        .iter()
        .filter_map(|line| {
            let (name, value) = line.split_once('=')?;
            let value = value.trim().strip_prefix('[')?.strip_suffix(']')?;
            let enables = value
                .split(',')
                .map(|e| e.trim().trim_matches('"').to_string())
                .filter(|e| !e.is_empty())
                .collect();
            Some((name.trim().to_string(), enables))
        })
        .collect()
}

/// For each of [`MANIFESTS`] under `root`: its path, its text, and the text `codegen features` writes for `tags`.
pub fn regenerate(
    root: &Path,
    tags: &BTreeSet<String>,
) -> Result<Vec<(PathBuf, String, String)>, PipelineError> {
    super::check_names(tags)?;
    MANIFESTS
        .iter()
        .map(|relative| {
            let path = root.join(relative);
            let text = std::fs::read_to_string(&path).map_err(|source| PipelineError::Io {
                path: path.clone(),
                source,
            })?;
            if !text.contains(BEGIN) {
                return Err(PipelineError::TagFeatures(format!(
                    "{}: no generated tag-feature block (`{BEGIN}<name>`)",
                    path.display()
                )));
            }
            let regenerated = rewrite(&text, tags)?;
            Ok((path, text, regenerated))
        })
        .collect()
}
