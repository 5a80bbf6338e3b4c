//! The cargo features that choose what a service compiles agree with the document: bronto-client has one feature
//! per tag of the (patched, corrected) Bronto document plus `all-tags`, and sdk forwards each as `bronto-<tag>`.
//! A re-vendored document that adds, renames or drops a tag fails here with what to change.

use std::collections::BTreeSet;

use build_support::tag_features;
use integration_tests::repo_path;

fn document_tags() -> BTreeSet<String> {
    build_support::clients::bronto(&repo_path(""))
        .prepare()
        .expect("the Bronto document prepares")
        .tags()
}

fn features() -> std::collections::BTreeMap<String, tag_features::Features> {
    tag_features::workspace_features(&repo_path("Cargo.toml")).expect("cargo metadata")
}

#[test]
fn every_tag_of_the_document_can_name_a_feature() {
    let tags = document_tags();
    assert!(
        tags.contains("api-keys") && tags.contains("search"),
        "{tags:?}"
    );
    // The live corrections' operations follow the vendor's tags (`search`), or a lowercase one of their own.
    assert!(tags.contains("organizations"), "{tags:?}");
    tag_features::check_names(&tags).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn bronto_client_declares_exactly_one_feature_per_tag_and_all_tags() {
    let features = features();
    let problems = tag_features::check_declared(&document_tags(), &features["bronto-client"]);
    assert!(
        problems.is_empty(),
        "bronto-client/Cargo.toml [features] disagrees with the document's tags:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn sdk_mirrors_every_tag_feature_and_keeps_everything_by_default() {
    let features = features();
    let sdk = &features["sdk"];
    let problems = tag_features::check_forwarded(&document_tags(), sdk, "bronto-", "bronto-client");
    assert!(
        problems.is_empty(),
        "sdk/Cargo.toml [features] disagrees with the document's tags:\n  {}",
        problems.join("\n  ")
    );
    let default = &sdk["default"];
    for needed in ["bronto-all", "blubracket", "ingest"] {
        assert!(
            default.contains(needed),
            "sdk's default lacks {needed}: {default:?}"
        );
    }
    // The sandbox is its own crate (vendor-sandbox), not a feature of the facade.
    assert!(
        !sdk.contains_key("sandbox"),
        "sdk has a sandbox feature again: the fake vendor belongs in vendor-sandbox"
    );
}

#[test]
fn the_default_build_compiles_every_operation() {
    // The crates of this workspace take bronto-client with `all-tags`: every operation of the document is there.
    let operations = build_support::clients::bronto(&repo_path(""))
        .prepare()
        .expect("the Bronto document prepares")
        .operations();
    assert_eq!(bronto_client::operations::ALL.len(), operations.len());
    assert_eq!(operations.len(), 145);
}

#[test]
fn the_committed_tag_features_are_what_codegen_features_writes() {
    let manifests = tag_features::manifests::regenerate(&repo_path(""), &document_tags())
        .unwrap_or_else(|e| panic!("{e}"));
    for (path, committed, regenerated) in manifests {
        assert!(
            committed == regenerated,
            "{} is not current: {}\n{}",
            path.display(),
            tag_features::manifests::REGENERATE,
            similar::TextDiff::from_lines(&committed, &regenerated)
                .unified_diff()
                .context_radius(1)
                .header("committed", "regenerated")
        );
    }
}
