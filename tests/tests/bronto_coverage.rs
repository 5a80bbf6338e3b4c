//! Every operation of the vendored Bronto document is generated and called by at least one test.
//!
//! A test "calls" an operation by naming it in a literal `operation("<operationId>")`, which also makes the test take
//! the operation's method and path from the document.

use integration_tests::coverage::{
    assert_every_operation_called, assert_every_operation_generated, operations_named_in_tests,
};
use integration_tests::operation_ids;

#[test]
fn every_document_operation_is_called_by_a_test() {
    let ids = operation_ids();
    let vendored = integration_tests::operations_of(
        &build_support::document::load(&integration_tests::repo_path(
            "openapi/bronto/bronto-openapi.yaml",
        ))
        .expect("the vendored document loads")
        .value,
    )
    .len();
    assert_eq!(vendored, 127, "the vendored document has 127 operations");
    // The live corrections add the asynchronous search status (get, delete), the organisations list, and (issue 22)
    // roles (5), the metrics list (1), metric definitions (4), error analytics (1) and saved searches (4).
    assert_eq!(ids.len(), vendored + 3 + 15, "{ids:?}");
    let called = operations_named_in_tests("bronto_ops_", "operation(\"", "");
    assert_every_operation_called(&ids, &called);
}

#[test]
fn every_document_operation_is_generated() {
    assert_every_operation_generated(bronto_client::API_SURFACE, &operation_ids());
}
