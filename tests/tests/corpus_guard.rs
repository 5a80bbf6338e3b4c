//! The live evidence cannot go stale silently: every operation a live shape names, and every place a live
//! correction changes, still exists in the patched document (see `integration_tests::corpus_guard`). A re-vendor
//! that drops what a shape or a correction names fails here, naming the file or the entry.

use integration_tests::corpus_guard::{cited_corpus_files, correction_problems, shape_problems};
use integration_tests::{live_shapes, repo_path};
use serde_json::{Value, json};

fn patched_document() -> Value {
    build_support::clients::bronto(&repo_path(""))
        .prepare()
        .expect("the patched document")
        .value
}

fn corrections() -> Vec<(String, Vec<String>, Value)> {
    build_support::patches::PatchSet::load_live_corrections(&repo_path(
        "openapi/bronto/live-corrections.yaml",
    ))
    .expect("live corrections")
    .patches
    .into_iter()
    .map(|patch| {
        let operations = serde_json::to_value(&patch.operations).expect("operations as JSON");
        (patch.id, patch.evidence, operations)
    })
    .collect()
}

fn in_corpus(file: &str) -> bool {
    repo_path(file).is_file()
}

#[test]
fn every_shape_names_an_operation_the_patched_document_has() {
    let shapes = live_shapes::load("bronto");
    assert!(shapes.values().filter(|s| s.operation.is_some()).count() >= 60);
    let problems = shape_problems(&shapes, &patched_document());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_live_correction_still_has_what_it_changed_and_the_files_it_cites() {
    let corrections = corrections();
    let cited: usize = corrections
        .iter()
        .flat_map(|(_, evidence, _)| evidence)
        .map(|line| cited_corpus_files(line).len())
        .sum();
    assert!(cited >= 40, "only {cited} corpus files cited");
    let problems = correction_problems(&corrections, &patched_document(), in_corpus);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_document_that_drops_a_named_operation_is_caught() {
    let mut document = patched_document();
    let paths = document["paths"].as_object_mut().expect("paths");
    paths.remove("/usage");
    paths.remove("/roles");
    let problems = shape_problems(&live_shapes::load("bronto"), &document);
    assert!(
        problems.iter().any(
            |p| p.starts_with("usage-series-stringly-numbers.json: names operation `getUsage`")
        ),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("roles-list-system-role-id.json")),
        "{problems:?}"
    );
    let problems = correction_problems(&corrections(), &document, in_corpus);
    assert!(
        problems.iter().any(|p| p.contains("`roles-operations`")),
        "{problems:?}"
    );
}

#[test]
fn a_correction_whose_member_is_gone_or_whose_file_is_missing_is_caught() {
    let mut document = patched_document();
    document["components"]["schemas"]["Monitor"]["properties"]
        .as_object_mut()
        .expect("Monitor")
        .remove("tags");
    let problems = correction_problems(&corrections(), &document, in_corpus);
    assert!(
        problems.iter().any(|p| p.contains("`monitor-live-members`")
            && p.contains("/components/schemas/Monitor/properties/tags")),
        "{problems:?}"
    );

    let entry = (
        "made-up".to_string(),
        vec![
            "a project: tests/live-shapes/bronto/users-groups-bare-ids.json, no-such-shape.json"
                .to_string(),
        ],
        json!([{ "op": "remove", "path": "/paths/~1usage" }]),
    );
    let problems = correction_problems(&[entry], &patched_document(), in_corpus);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("`/paths/~1usage` (remove) is back"));
    assert!(problems[1].contains("tests/live-shapes/bronto/no-such-shape.json"));
}

#[test]
fn a_shape_of_an_undeclared_endpoint_must_not_hide_a_declared_one() {
    let mut shapes = live_shapes::load("bronto");
    let shape = shapes.get_mut("users-groups-bare-ids.json").expect("shape");
    shape.operation = None;
    let problems = shape_problems(&shapes, &patched_document());
    assert_eq!(
        problems,
        vec![
            "users-groups-bare-ids.json: names no operation, but the patched document declares GET \
             /users/{userId}/groups as `listGroupsForMember`"
                .to_string()
        ]
    );
}
