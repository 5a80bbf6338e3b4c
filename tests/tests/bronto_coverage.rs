//! Every operation of the vendored Bronto document is generated and called by at least one test.

use std::collections::BTreeSet;

use integration_tests::{operation_ids, repo_path};

/// Operation ids named in `operation("...")` calls in the operation test files.
fn operations_called_by_tests() -> BTreeSet<String> {
    let dir = repo_path("tests/tests");
    let mut called = BTreeSet::new();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        let is_operation_test = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("bronto_ops_") && n.ends_with(".rs"));
        if !is_operation_test {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for piece in text.split("operation(\"").skip(1) {
            if let Some((id, _)) = piece.split_once('"') {
                called.insert(id.to_string());
            }
        }
    }
    called
}

#[test]
fn every_document_operation_is_called_by_a_test() {
    let ids = operation_ids();
    assert_eq!(ids.len(), 127, "the vendored document has 127 operations");
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
    let surface = bronto_client::API_SURFACE;
    assert!(
        surface.contains("## Operations (127)"),
        "{}",
        &surface[..200.min(surface.len())]
    );
    for id in operation_ids() {
        let line = surface
            .lines()
            .find(|line| line.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("{id} is not in the generated surface"));
        assert!(!line.contains("NOT GENERATED"), "{line}");
    }
}
