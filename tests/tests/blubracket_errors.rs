//! Failure paths of the BluBracket client: `{"message": ...}` bodies on 400 and 500, statuses the document does not
//! declare, bodies that are not what the document promises, and where the token goes.

use blubracket_client::Error;
use blubracket_client::types::{CountRequest, SearchRequest};
use integration_tests::blubracket::{BluHarness, TOKEN, blubracket_operation};
use serde_json::json;

#[tokio::test]
async fn documented_error_statuses_decode_the_message_body() {
    for status in [400u16, 500] {
        let harness = BluHarness::start();
        let op = blubracket_operation("searchAlerts");
        let mock = op.mock(
            &harness.server,
            &[],
            |when| when,
            status,
            Some(&json!({"message": format!("failed with {status}"), "request_id": "r-1"})),
        );
        let error = harness
            .client
            .search_alerts()
            .body(SearchRequest::new([]))
            .send()
            .await
            .expect_err("an error status is an error");
        mock.assert();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        let Error::ErrorResponse(body) = error else {
            panic!("{status}: expected a decoded ErrorMessage, got {error:?}");
        };
        assert_eq!(body.message, Some(format!("failed with {status}")));
        // Fields the document does not name are kept on errors too.
        assert_eq!(body.extra.get("request_id"), Some(&json!("r-1")));
    }
}

#[tokio::test]
async fn every_operation_decodes_its_error_body() {
    // One operation of each shape: JSON body, raw text body, no body, path parameter.
    let harness = BluHarness::start();
    let cases = [
        ("countAlerts", vec![]),
        ("uploadIgnoreRules", vec![]),
        ("deleteIgnoreRules", vec![]),
        ("getCommitScan", vec![("scan_uuid", "s-1")]),
    ];
    for (id, params) in cases {
        let op = blubracket_operation(id);
        let mock = op.mock(
            &harness.server,
            &params,
            |when| when,
            500,
            Some(&json!({"message": id})),
        );
        let error = match id {
            "countAlerts" => harness
                .client
                .count_alerts()
                .body(CountRequest::new([]))
                .send()
                .await
                .map(|_| ()),
            "uploadIgnoreRules" => harness
                .client
                .upload_ignore_rules()
                .body("- paths: [a]\n")
                .send()
                .await
                .map(|_| ()),
            "deleteIgnoreRules" => harness
                .client
                .delete_ignore_rules()
                .send()
                .await
                .map(|_| ()),
            _ => harness
                .client
                .get_commit_scan()
                .scan_uuid("s-1")
                .send()
                .await
                .map(|_| ()),
        }
        .expect_err("500");
        mock.assert();
        match error {
            Error::ErrorResponse(body) => assert_eq!(body.message.as_deref(), Some(id)),
            other => panic!("{id}: expected a decoded ErrorMessage, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_error_body_without_a_message_still_decodes() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchEvents");
    op.mock(
        &harness.server,
        &[],
        |when| when,
        400,
        Some(&json!({"detail": "bad filter"})),
    );
    let error = harness
        .client
        .search_events()
        .body(SearchRequest::new([]))
        .send()
        .await
        .expect_err("400");
    let Error::ErrorResponse(body) = error else {
        panic!("expected ErrorResponse, got {error:?}");
    };
    assert_eq!(body.message, None);
    assert_eq!(body.extra.get("detail"), Some(&json!("bad filter")));
}

#[tokio::test]
async fn an_undocumented_status_keeps_status_and_body() {
    let harness = BluHarness::start();
    harness.server.mock(|when, then| {
        when.method("POST").path("/api/public/alert/search");
        then.status(401)
            .header("content-type", "application/json")
            .body(r#"{"message": "token expired"}"#);
    });
    let error = harness
        .client
        .search_alerts()
        .body(SearchRequest::new([]))
        .send()
        .await
        .expect_err("401");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    let Error::UnexpectedResponse(response) = error else {
        panic!("expected the raw response, got {error:?}");
    };
    let body = response.text().await.expect("body readable");
    assert!(body.contains("token expired"), "{body}");
}

#[tokio::test]
async fn a_500_that_is_not_json_is_a_typed_error() {
    let harness = BluHarness::start();
    harness.server.mock(|when, then| {
        when.method("POST").path("/api/public/alert/search");
        then.status(500)
            .header("content-type", "text/html")
            .body("<html>Bad gateway</html>");
    });
    let error = harness
        .client
        .search_alerts()
        .body(SearchRequest::new([]))
        .send()
        .await
        .expect_err("500");
    assert!(
        matches!(error, Error::InvalidResponsePayload(ref bytes, _) if bytes.as_ref() == b"<html>Bad gateway</html>"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_list_in_an_unknown_envelope_is_an_error_not_an_empty_page() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchAlerts");
    op.mock(
        &harness.server,
        &[],
        |when| when,
        200,
        Some(&json!({"data": [{"alert_id": "a1"}]})),
    );
    let error = harness
        .client
        .search_alerts()
        .body(SearchRequest::new([]))
        .send()
        .await
        .expect_err("the documented keys are `alerts` or a bare array");
    assert!(
        matches!(error, Error::InvalidResponsePayload(..)),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_token_travels_as_a_bearer_header_and_never_in_debug_output() {
    let harness = BluHarness::start();
    let mock = harness.server.mock(|when, then| {
        when.method("DELETE")
            .path("/api/public/blubracket-ignore")
            .header("authorization", format!("Bearer {TOKEN}"));
        then.status(204);
    });
    let wrong = harness.server.mock(|when, then| {
        when.method("DELETE")
            .path("/api/public/blubracket-ignore")
            .header_missing("authorization");
        then.status(500);
    });
    harness
        .client
        .delete_ignore_rules()
        .send()
        .await
        .expect("authorized");
    mock.assert();
    wrong.assert_calls(0);
    assert!(!format!("{:?}", harness.client).contains(TOKEN));
}
