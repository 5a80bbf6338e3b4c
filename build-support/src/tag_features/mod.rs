//! Cargo features that choose which tags of a document a client crate compiles.
//!
//! A generated client crate declares one feature per tag of its document's operations, named as the tag
//! (`api-keys`, `search`, ...), and [`ALL_TAGS`], which enables every tag feature and turns filtering off (the
//! whole document, unreferenced components included, exactly as without features). `default` holds [`ALL_TAGS`].
//! Its build script ([`crate::build_script::client_with_tag_features`]) reads cargo's `CARGO_FEATURE_*` variables:
//! with [`ALL_TAGS`] nothing is filtered; otherwise exactly the enabled tags are kept ([`crate::tags`]).
//!
//! The crate's manifest and the document must agree: [`check_declared`] (run by a test and by `codegen
//! revendor`) lists every tag without its feature and every feature without its tag, and the build script fails
//! when an enabled feature names no tag, so a re-vendored document that adds or drops a tag fails loudly.
//!
//! The tag features are written, not typed: `codegen features` rewrites the generated blocks of both manifests
//! from the document's tags ([`manifests`]), and a test fails when the committed manifests are not current.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::PipelineError;

pub mod manifests;

/// The feature that keeps the whole document.
pub const ALL_TAGS: &str = "all-tags";

/// The variable cargo sets in a build script when `feature` is enabled (`api-keys`: `CARGO_FEATURE_API_KEYS`).
pub fn env_var(feature: &str) -> String {
    format!(
        "CARGO_FEATURE_{}",
        feature.to_ascii_uppercase().replace('-', "_")
    )
}

/// Why `tag` cannot name a feature, if it cannot. A tag feature is lowercase ASCII letters, digits, `-` and `_`,
/// starting with a letter (cargo accepts more, but an upper-case letter would make two tags that differ in case
/// share one `CARGO_FEATURE_*` variable), and is neither `default` nor [`ALL_TAGS`].
pub fn name_problem(tag: &str) -> Option<String> {
    let starts_with_letter = tag.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let valid_chars = tag
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !starts_with_letter || !valid_chars {
        Some(format!(
            "tag `{tag}` cannot name a cargo feature: use lowercase ASCII letters, digits, `-` and `_`, starting \
             with a letter (retag its operations with a patch)"
        ))
    } else if tag == "default" || tag == ALL_TAGS {
        Some(format!(
            "tag `{tag}` is a reserved feature name (retag its operations with a patch)"
        ))
    } else {
        None
    }
}

/// Fails unless every tag can name a feature and no two tags share a `CARGO_FEATURE_*` variable (`a-b`, `a_b`).
pub fn check_names(tags: &BTreeSet<String>) -> Result<(), PipelineError> {
    let mut problems: Vec<String> = tags.iter().filter_map(|tag| name_problem(tag)).collect();
    let mut by_var: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for tag in tags {
        by_var.entry(env_var(tag)).or_default().push(tag);
    }
    problems.extend(
        by_var
            .into_iter()
            .filter(|(_, tags)| tags.len() > 1)
            .map(|(var, tags)| format!("tags {} share the variable {var}", tags.join(", "))),
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(PipelineError::TagFeatures(problems.join("\n")))
    }
}

/// The tags to keep, from the names of the `CARGO_FEATURE_*` variables set: `None` (keep everything) under
/// [`ALL_TAGS`], otherwise the tags whose features are enabled (possibly none: a client of no operations, whose
/// hand-written parts still build). A variable that is neither `default`, [`ALL_TAGS`] nor a tag's is an error:
/// the crate declares a feature for a tag the document no longer has.
pub fn selection(
    tags: &BTreeSet<String>,
    enabled: &BTreeSet<String>,
) -> Result<Option<BTreeSet<String>>, PipelineError> {
    check_names(tags)?;
    let known: BTreeSet<String> = tags
        .iter()
        .map(|tag| env_var(tag))
        .chain([env_var("default"), env_var(ALL_TAGS)])
        .collect();
    let strays: Vec<&String> = enabled.difference(&known).collect();
    if !strays.is_empty() {
        return Err(PipelineError::TagFeatures(format!(
            "the enabled feature(s) {} select no tag of the document (its tags: {}): remove the feature from \
             Cargo.toml, or restore the tag",
            strays
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            tags.iter().cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    if enabled.contains(&env_var(ALL_TAGS)) {
        return Ok(None);
    }
    Ok(Some(
        tags.iter()
            .filter(|tag| enabled.contains(&env_var(tag)))
            .cloned()
            .collect(),
    ))
}

/// The names of the `CARGO_FEATURE_*` variables of this process (a build script's enabled features).
pub fn enabled_in_env() -> BTreeSet<String> {
    std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| name.starts_with("CARGO_FEATURE_"))
        .collect()
}

/// A package's features as its manifest declares them (name to what each enables).
pub type Features = BTreeMap<String, BTreeSet<String>>;

/// What is wrong with a client crate's `features` for a document with `tags`: every tag needs a feature of its
/// name enabling nothing else, [`ALL_TAGS`] must enable exactly every tag feature, `default` must hold
/// [`ALL_TAGS`], and no other feature may exist. Empty when they agree.
pub fn check_declared(tags: &BTreeSet<String>, features: &Features) -> Vec<String> {
    let mut problems = Vec::new();
    for tag in tags {
        match features.get(tag) {
            None => problems.push(format!(
                "tag `{tag}` has no feature: add `{tag} = []` and list it in `{ALL_TAGS}`"
            )),
            Some(enables) if !enables.is_empty() => problems.push(format!(
                "feature `{tag}` enables {enables:?}: a tag's feature enables nothing else"
            )),
            Some(_) => {}
        }
    }
    let all = features.get(ALL_TAGS).cloned().unwrap_or_default();
    if !features.contains_key(ALL_TAGS) {
        problems.push(format!("no `{ALL_TAGS}` feature"));
    } else if &all != tags {
        problems.push(format!(
            "`{ALL_TAGS}` must enable exactly every tag: missing {:?}, not a tag {:?}",
            tags.difference(&all).collect::<Vec<_>>(),
            all.difference(tags).collect::<Vec<_>>()
        ));
    }
    if !features
        .get("default")
        .is_some_and(|default| default.contains(ALL_TAGS))
    {
        problems.push(format!("`default` must hold `{ALL_TAGS}`"));
    }
    for name in features.keys() {
        if !tags.contains(name) && name != ALL_TAGS && name != "default" {
            problems.push(format!(
                "feature `{name}` selects no tag of the document: remove it (or its tag was retired)"
            ));
        }
    }
    problems
}

/// What is wrong with a crate's features that forward to a client crate's tag features: for every tag,
/// `{prefix}{tag} = ["{client}/{tag}"]`; `{prefix}all` enables `{client}/all-tags` and every `{prefix}{tag}`; and
/// no other feature starts with `prefix`. Empty when they agree.
pub fn check_forwarded(
    tags: &BTreeSet<String>,
    features: &Features,
    prefix: &str,
    client: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    let all_name = format!("{prefix}all");
    let mut expected_all: BTreeSet<String> = BTreeSet::from([format!("{client}/{ALL_TAGS}")]);
    for tag in tags {
        let name = format!("{prefix}{tag}");
        let expected = BTreeSet::from([format!("{client}/{tag}")]);
        match features.get(&name) {
            None => problems.push(format!(
                "tag `{tag}` has no feature `{name}`: add `{name} = [\"{client}/{tag}\"]` and list it in \
                 `{all_name}`"
            )),
            Some(enables) if !enables.is_superset(&expected) => problems.push(format!(
                "feature `{name}` must enable `{client}/{tag}` (it enables {enables:?})"
            )),
            Some(_) => {}
        }
        expected_all.insert(name);
    }
    match features.get(&all_name) {
        None => problems.push(format!("no `{all_name}` feature")),
        Some(all) if !all.is_superset(&expected_all) => problems.push(format!(
            "`{all_name}` lacks {:?}",
            expected_all.difference(all).collect::<Vec<_>>()
        )),
        Some(_) => {}
    }
    for name in features.keys() {
        if let Some(tag) = name.strip_prefix(prefix)
            && tag != "all"
            && !tags.contains(tag)
        {
            problems.push(format!(
                "feature `{name}` forwards to no tag of the document: remove it (or its tag was retired)"
            ));
        }
    }
    problems
}

/// The features every package of the workspace at `manifest` declares, read with `cargo metadata` (package name to
/// its features).
pub fn workspace_features(manifest: &Path) -> Result<BTreeMap<String, Features>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(manifest)
        .output()
        .map_err(|e| format!("cargo metadata could not be started: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata's output does not parse: {e}"))?;
    let packages = metadata
        .get("packages")
        .and_then(serde_json::Value::as_array)
        .ok_or("cargo metadata lists no packages")?;
    Ok(packages
        .iter()
        .filter_map(|package| {
            let name = package.get("name")?.as_str()?.to_string();
            let features = package
                .get("features")?
                .as_object()?
                .iter()
                .map(|(feature, enables)| {
                    let enables = enables
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(serde_json::Value::as_str)
                        .map(str::to_string)
                        .collect();
                    (feature.clone(), enables)
                })
                .collect();
            Some((name, features))
        })
        .collect())
}
