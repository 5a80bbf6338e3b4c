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
    assert_eq!(ids.len(), 127, "the vendored document has 127 operations");
    let called = operations_named_in_tests("bronto_ops_", "operation(\"", "");
    assert_every_operation_called(&ids, &called);
}

#[test]
fn every_document_operation_is_generated() {
    assert_every_operation_generated(bronto_client::API_SURFACE, &operation_ids());
}
