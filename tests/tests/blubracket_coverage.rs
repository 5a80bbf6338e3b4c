//! Every operation of the hand-written BluBracket document is generated and called by at least one test.
//!
//! A test "calls" an operation by naming it in a literal `blubracket_operation("<operationId>")`, which also makes
//! the test take the operation's method and path from the document.

use std::collections::BTreeSet;

use integration_tests::blubracket::blubracket_operation_ids;
use integration_tests::repo_path;

const MARKER: &str = concat!("blubracket_", "operation(\"");

/// Operation ids named in the marker calls of the `blubracket_*.rs` test files (this file excepted).
fn operations_called_by_tests() -> BTreeSet<String> {
    let dir = repo_path("tests/tests");
    let mut called = BTreeSet::new();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        let is_test = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            n.starts_with("blubracket_") && n.ends_with(".rs") && n != "blubracket_coverage.rs"
        });
        if !is_test {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for piece in text.split(MARKER).skip(1) {
            if let Some((id, _)) = piece.split_once('"') {
                called.insert(id.to_string());
            }
        }
    }
    called
}

#[test]
fn every_document_operation_is_called_by_a_test() {
    let ids = blubracket_operation_ids();
    assert_eq!(
        ids.len(),
        9,
        "the BluBracket document has 9 operations: {ids:?}"
    );
    let called = operations_called_by_tests();
    let missing: Vec<&String> = ids.iter().filter(|id| !called.contains(*id)).collect();
    let covered = ids.len() - missing.len();
    println!(
        "operation coverage: {covered}/{} operations called by tests",
        ids.len()
    );
    assert!(
        missing.is_empty(),
        "{covered}/{} operations covered; no test calls: {missing:?}",
        ids.len()
    );
    let unknown: Vec<&String> = called.iter().filter(|id| !ids.contains(id)).collect();
    assert!(
        unknown.is_empty(),
        "tests name operations the document does not have: {unknown:?}"
    );
}

#[test]
fn every_document_operation_is_generated() {
    let surface = blubracket_client::API_SURFACE;
    assert!(
        surface.contains("## Operations (9)"),
        "{}",
        &surface[..200.min(surface.len())]
    );
    for id in blubracket_operation_ids() {
        let line = surface
            .lines()
            .find(|line| line.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("{id} is not in the generated surface"));
        assert!(!line.contains("NOT GENERATED"), "{line}");
    }
}

#[test]
fn every_operation_and_schema_says_where_its_evidence_comes_from() {
    let document = integration_tests::blubracket::blubracket_document();
    let mut missing = Vec::new();
    let check = |pointer: String, node: &serde_json::Value, missing: &mut Vec<String>| {
        let status = node.pointer("/x-evidence/status").and_then(|s| s.as_str());
        let source = node.pointer("/x-evidence/source").and_then(|s| s.as_str());
        let valid = matches!(status, Some("documented" | "inferred"))
            && source.is_some_and(|s| !s.is_empty());
        if !valid {
            missing.push(pointer);
        }
    };
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            check(format!("{method} {path}"), operation, &mut missing);
        }
    }
    for (name, schema) in document["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        check(format!("schema {name}"), schema, &mut missing);
    }
    assert!(
        missing.is_empty(),
        "no x-evidence (status documented|inferred, source): {missing:?}"
    );
}
