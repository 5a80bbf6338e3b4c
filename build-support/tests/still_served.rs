//! A re-vendor keeps what the live service still serves: the operations a new document drops are listed, those the
//! corpus shows served are re-added by a live correction (applied before the generator fixes), the others are
//! removals. Rehearsed end to end on the 2026-08-24 document with `/usage` removed, as the vendor's 2026-10-01
//! document did.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use build_support::patches::PatchSet;
use build_support::revendor::{self, Baseline, Options, Outcome};
use build_support::still_served::{
    DocumentOperation, Dropped, dropped_operations, redundant_restorations, restoration,
    restoration_id, served_evidence,
};
use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn usage(method: &str) -> DocumentOperation {
    DocumentOperation {
        id: "getUsage".into(),
        method: method.into(),
        path: "/usage".into(),
    }
}

fn old_document() -> Value {
    json!({
        "openapi": "3.0.2",
        "info": { "title": "toy", "version": "1" },
        "paths": {
            "/usage": {
                "parameters": [{ "name": "x", "in": "query", "schema": { "type": "string" } }],
                "get": { "operationId": "getUsage", "responses": { "200": { "description": "ok",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Usage" } } } } } },
                "delete": { "operationId": "deleteUsage", "responses": { "204": { "description": "gone" } } }
            },
            "/logs": { "get": { "operationId": "listLogs", "responses": { "200": { "description": "ok" } } } }
        },
        "components": { "schemas": {
            "Usage": { "type": "object", "properties": { "series": { "type": "array", "items": { "$ref": "#/components/schemas/Point" } } } },
            "Point": { "type": "object", "properties": { "when": { "$ref": "#/components/schemas/Shared" } } },
            "Shared": { "type": "string" }
        } }
    })
}

/// The old document without `/usage` and without the schemas only it used (but still with `Shared`).
fn new_document() -> Value {
    let mut new = old_document();
    new["paths"]
        .as_object_mut()
        .expect("an object")
        .remove("/usage");
    let schemas = new["components"]["schemas"]
        .as_object_mut()
        .expect("an object");
    schemas.remove("Usage");
    schemas.remove("Point");
    new
}

#[test]
fn the_dropped_operations_are_listed_and_split_by_the_evidence() {
    let dropped = dropped_operations(&old_document(), &new_document());
    let ids: Vec<&str> = dropped.iter().map(|op| op.id.as_str()).collect();
    assert_eq!(ids, ["getUsage", "deleteUsage"]);

    let evidence = BTreeMap::from([(
        "getUsage".to_string(),
        vec!["tests/live-shapes/bronto/usage.json (a live run)".to_string()],
    )]);
    let split = Dropped::split(dropped, &evidence);
    assert_eq!(split.kept.len(), 1);
    assert_eq!(split.kept[0].0.id, "getUsage");
    assert_eq!(split.removed.len(), 1);
    assert_eq!(split.removed[0].id, "deleteUsage");
    let report = split.report();
    assert!(
        report.contains("kept `getUsage` (GET /usage)")
            && report.contains("still-served-get-usage")
            && report.contains("tests/live-shapes/bronto/usage.json (a live run)"),
        "{report}"
    );
    assert!(
        report.contains("removed `deleteUsage` (DELETE /usage)"),
        "{report}"
    );
    assert!(split.changelog_section().contains("### Kept"));
    assert_eq!(
        Dropped::default().report(),
        "the new document drops no operation\n"
    );
}

#[test]
fn a_restoration_re_adds_the_operation_and_the_schemas_only_it_reached() {
    let (old, mut new) = (old_document(), new_document());
    let entry = restoration(
        &usage("get"),
        &["a live run".into()],
        &old,
        &new,
        Some("2026-10-01"),
    )
    .expect("an entry");
    assert!(entry.starts_with("- id: still-served-get-usage\n  restores: true\n"));
    let set = PatchSet::parse(Path::new("entry.yaml"), entry.as_bytes()).expect("parses");
    assert!(set.patches[0].restores);
    assert_eq!(set.patches[0].evidence, ["a live run"]);
    set.apply(&mut new).expect("applies to the new document");
    // The path comes back with its parameters and the kept operation only (deleteUsage had no evidence).
    let mut expected = old["paths"]["/usage"].clone();
    expected
        .as_object_mut()
        .expect("an object")
        .remove("delete");
    assert_eq!(new["paths"]["/usage"], expected);
    // Both schemas it reached come back; the one the new document still has is left as it is.
    assert_eq!(new["components"], old["components"]);
    assert!(
        !entry.contains(r#""path":"/components/schemas/Shared""#),
        "{entry}"
    );
}

#[test]
fn an_operation_dropped_from_a_path_that_stays_is_re_added_alone() {
    let old = old_document();
    let mut new = old.clone();
    new["paths"]["/usage"]
        .as_object_mut()
        .expect("an object")
        .remove("delete");
    let delete = DocumentOperation {
        id: "deleteUsage".into(),
        method: "delete".into(),
        path: "/usage".into(),
    };
    let entry = restoration(&delete, &["seen".into()], &old, &new, None).expect("an entry");
    assert!(
        entry.contains(r#""path":"/paths/~1usage/delete""#),
        "{entry}"
    );
    let set = PatchSet::parse(Path::new("entry.yaml"), entry.as_bytes()).expect("parses");
    set.apply(&mut new).expect("applies");
    assert_eq!(new, old);
    assert_eq!(restoration_id("deleteUsage"), "still-served-delete-usage");
}

#[test]
fn a_restoration_the_new_document_makes_redundant_is_named() {
    let (old, new) = (old_document(), new_document());
    let entry = restoration(&usage("get"), &["seen".into()], &old, &new, None).expect("an entry");
    let set = PatchSet::parse(Path::new("entry.yaml"), entry.as_bytes()).expect("parses");
    assert!(redundant_restorations(&set, &new).is_empty());
    assert_eq!(
        redundant_restorations(&set, &old),
        vec![(
            "still-served-get-usage".to_string(),
            vec!["getUsage".to_string()]
        )]
    );
}

#[test]
fn restorations_apply_before_the_generator_fixes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let document = dir.path().join("doc.json");
    std::fs::write(&document, new_document().to_string()).expect("write");
    // A generator fix of the restored path, recorded before the path was dropped: it must still apply.
    let patches = dir.path().join("patches.yaml");
    std::fs::write(
        &patches,
        "- id: fix\n  reason: a fix of the restored operation\n  operations:\n    - { op: remove, path: \"/paths/~1usage/get/responses/200/content\" }\n",
    )
    .expect("write");
    let corrections = dir.path().join("live-corrections.yaml");
    let entry = restoration(
        &usage("get"),
        &["seen".into()],
        &old_document(),
        &new_document(),
        None,
    )
    .expect("an entry");
    std::fs::write(&corrections, entry).expect("write");
    let prepared = build_support::Pipeline::new("t", &document)
        .patches(&patches)
        .live_corrections(&corrections)
        .prepare();
    match prepared {
        Ok(prepared) => {
            assert!(prepared.value["paths"]["/usage"]["get"]["responses"]["200"].is_object());
            assert!(
                prepared.value["paths"]["/usage"]["get"]["responses"]["200"]
                    .get("content")
                    .is_none()
            );
        }
        Err(build_support::PipelineError::StalePatch { id, .. }) => {
            panic!("`{id}` did not apply: the restoration came too late")
        }
        Err(other) => panic!("{other}"),
    }
}

#[test]
fn the_corpus_shows_get_usage_served() {
    let evidence = served_evidence(&root().join("tests/live-shapes/bronto"));
    let usage = evidence.get("getUsage").expect("a shape of getUsage");
    assert!(
        usage.iter().any(|line| line
            .starts_with("tests/live-shapes/bronto/usage-series-stringly-numbers.json (")
            && line.contains("TestUsageLive")),
        "{usage:?}"
    );
}

/// Copies what `codegen revendor` reads and writes (the documents, patches, corrections, summaries and the corpus).
fn copy_workspace(to: &Path) {
    for dir in ["openapi", "tests/live-shapes"] {
        copy_dir(&root().join(dir), &to.join(dir));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The rehearsal of the 2026-10-01 upstream change without cargo-semver-checks: the document-diff and keep logic of
/// `codegen revendor` (scripts/semver-rehearsal.sh runs the same with the semver verdict; its record is
/// build-support/rehearsals/2026-08-24-to-usage-removed.txt).
#[test]
fn re_vendoring_without_usage_keeps_get_usage_and_changes_no_surface() {
    let dir = tempfile::tempdir().expect("tempdir");
    let workspace = dir.path().join("ws");
    copy_workspace(&workspace);
    let current = std::fs::read(root().join("openapi/bronto/bronto-openapi.yaml")).expect("read");
    let mut document: Value = serde_yaml::from_slice(&current).expect("yaml");
    PatchSet::load(&root().join("build-support/rehearsals/usage-removed.patch.yaml"))
        .expect("the rehearsal patch")
        .apply(&mut document)
        .expect("applies to the vendored document");
    let derived = dir.path().join("bronto-openapi-2026-10-01.yaml");
    std::fs::write(&derived, serde_json::to_vec(&document).expect("json")).expect("write");
    let surface_before =
        std::fs::read_to_string(workspace.join("openapi/bronto/api-surface.txt")).expect("surface");

    let outcome = revendor::run(&Options {
        document: derived,
        root: workspace.clone(),
        document_date: None,
        baseline: Baseline::Skip,
        semver_packages: vec!["bronto-client".into()],
        drop_stale_patches: false,
        write_changelog: false,
    })
    .expect("revendor runs");
    let Outcome::Done {
        dropped, changes, ..
    } = outcome
    else {
        panic!("stale patches: {outcome:?}");
    };
    let kept: Vec<&str> = dropped.kept.iter().map(|(op, _)| op.id.as_str()).collect();
    assert_eq!(kept, ["getUsage"]);
    assert!(dropped.removed.is_empty(), "{:?}", dropped.removed);
    assert!(changes.is_empty(), "{changes:?}");
    // The operations and types are unchanged; the pipeline's pass counts at the end of the summary follow the
    // document the passes ran on, so they are left out of the comparison.
    let api_part = |surface: &str| {
        surface
            .split("\n## Pipeline")
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        api_part(
            &std::fs::read_to_string(workspace.join("openapi/bronto/api-surface.txt"))
                .expect("surface")
        ),
        api_part(&surface_before)
    );
    let corrections =
        std::fs::read_to_string(workspace.join("openapi/bronto/live-corrections.yaml"))
            .expect("corrections");
    assert!(corrections.contains("- id: still-served-get-usage\n  restores: true\n"));
    assert!(corrections.contains("The 2026-10-01 document no longer declares GET /usage"));

    // Run again on the same document: nothing more is dropped, the restoration is kept once.
    let again = revendor::run(&Options {
        document: workspace.join("openapi/bronto/bronto-openapi.yaml"),
        root: workspace.clone(),
        document_date: Some("2026-10-01".into()),
        baseline: Baseline::Skip,
        semver_packages: vec![],
        drop_stale_patches: false,
        write_changelog: false,
    });
    // Copying the vendored document onto itself: the document is read before it is written.
    let Ok(Outcome::Done { dropped, .. }) = again else {
        panic!("second run: {again:?}");
    };
    assert_eq!(dropped, Dropped::default());
    let after = std::fs::read_to_string(workspace.join("openapi/bronto/live-corrections.yaml"))
        .expect("corrections");
    assert_eq!(after.matches("still-served-get-usage").count(), 1);
}
