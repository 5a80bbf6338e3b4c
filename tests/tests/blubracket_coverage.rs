//! Every operation of the hand-written BluBracket document is generated and called by at least one test.
//!
//! A test "calls" an operation by naming it in a literal `blubracket_operation("<operationId>")`, which also makes
//! the test take the operation's method and path from the document.

use integration_tests::blubracket::blubracket_operation_ids;
use integration_tests::coverage::{
    assert_every_operation_called, assert_every_operation_generated, operations_named_in_tests,
};

const MARKER: &str = concat!("blubracket_", "operation(\"");

#[test]
fn every_document_operation_is_called_by_a_test() {
    let ids = blubracket_operation_ids();
    assert_eq!(
        ids.len(),
        9,
        "the BluBracket document has 9 operations: {ids:?}"
    );
    let called = operations_named_in_tests("blubracket_", MARKER, "blubracket_coverage.rs");
    assert_every_operation_called(&ids, &called);
}

#[test]
fn every_document_operation_is_generated() {
    assert_every_operation_generated(blubracket_client::API_SURFACE, &blubracket_operation_ids());
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
