//! Paging as a stream: page 1, 2, 3, ... with the same filters and sort on every page, until a short or empty
//! page; an error ends the stream.

use blubracket_client::types::{Filter, FilterOperator, OrderDirection, SearchRequest};
use futures::{StreamExt as _, TryStreamExt as _};
use httpmock::Mock;
use integration_tests::blubracket::{BluHarness, BluOperation, blubracket_operation};
use serde_json::{Value, json};

fn filters_json() -> Value {
    json!([
        {"id": "state", "value": ["ACTIVE"], "op": "EQ", "exact_match": true},
        {"id": "repo_type", "value": ["ENTERPRISE_PUBLIC", "PUBLIC"]}
    ])
}

fn request(limit: u32) -> SearchRequest {
    SearchRequest::new([
        Filter::new("state", ["ACTIVE"])
            .with_op(FilterOperator::Eq)
            .exact(true),
        Filter::new("repo_type", ["ENTERPRISE_PUBLIC", "PUBLIC"]),
    ])
    .with_limit(limit)
    .order_by("created", OrderDirection::Asc)
}

/// The exact body page `page` must carry: the same filters and sort every time, only `page` moves.
fn page_body(page: u32, limit: u32) -> Value {
    json!({
        "filters": filters_json(),
        "page": page,
        "limit": limit,
        "orderBy": "created",
        "orderDirection": "ASC"
    })
}

fn alerts(ids: &[&str]) -> Vec<Value> {
    ids.iter()
        .map(|id| json!({"alert_id": id, "severity": "low"}))
        .collect()
}

fn mock_page<'a>(
    harness: &'a BluHarness,
    op: &BluOperation,
    page: u32,
    limit: u32,
    status: u16,
    body: Value,
) -> Mock<'a> {
    let expected = page_body(page, limit);
    op.mock(
        &harness.server,
        &[],
        |when| when.json_body(expected),
        status,
        Some(&body),
    )
}

#[tokio::test]
async fn alerts_stream_across_three_pages_keeping_the_filters() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchAlerts");
    // Page 1 as a bare array, page 2 wrapped in an object, page 3 short: the stream reads both envelopes and stops.
    let page1 = mock_page(&harness, &op, 1, 2, 200, json!(alerts(&["a1", "a2"])));
    let page2 = mock_page(
        &harness,
        &op,
        2,
        2,
        200,
        json!({"alerts": alerts(&["a3", "a4"])}),
    );
    let page3 = mock_page(&harness, &op, 3, 2, 200, json!(alerts(&["a5"])));
    let page4 = mock_page(&harness, &op, 4, 2, 200, json!(alerts(&["never"])));

    let ids: Vec<String> = harness
        .client
        .alert_stream(request(2))
        .map_ok(|alert| alert.alert_id.unwrap_or_default())
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(ids, ["a1", "a2", "a3", "a4", "a5"]);
    page1.assert();
    page2.assert();
    page3.assert();
    // A page shorter than the limit is the last one: page 4 is never asked for.
    page4.assert_calls(0);
}

#[tokio::test]
async fn events_stream_stops_at_an_empty_page_after_full_ones() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchEvents");
    let event = |id: &str| json!({"event_id": id});
    let page1 = mock_page(&harness, &op, 1, 2, 200, json!([event("e1"), event("e2")]));
    let page2 = mock_page(
        &harness,
        &op,
        2,
        2,
        200,
        json!({"events": [event("e3"), event("e4")]}),
    );
    let page3 = mock_page(&harness, &op, 3, 2, 200, json!({"events": []}));
    let page4 = mock_page(&harness, &op, 4, 2, 200, json!([event("never")]));

    let ids: Vec<String> = harness
        .client
        .event_stream(request(2))
        .map_ok(|event| event.event_id.unwrap_or_default())
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(ids, ["e1", "e2", "e3", "e4"]);
    page1.assert();
    page2.assert();
    page3.assert();
    page4.assert_calls(0);
}

#[tokio::test]
async fn an_error_ends_the_stream_after_the_items_already_read() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchAlerts");
    let page1 = mock_page(&harness, &op, 1, 2, 200, json!(alerts(&["a1", "a2"])));
    let page2 = mock_page(
        &harness,
        &op,
        2,
        2,
        500,
        json!({"message": "search backend unavailable"}),
    );
    let page3 = mock_page(&harness, &op, 3, 2, 200, json!(alerts(&["never"])));

    let mut stream = harness.client.alert_stream(request(2));
    let mut seen = Vec::new();
    let mut error = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(alert) => seen.push(alert.alert_id.unwrap_or_default()),
            Err(e) => {
                assert!(error.is_none(), "a second error after the first: {e}");
                error = Some(e);
            }
        }
    }
    assert_eq!(seen, ["a1", "a2"]);
    let error = error.expect("the stream ends with the error");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    let blubracket_client::Error::ErrorResponse(body) = error else {
        panic!("expected the decoded error body, got {error:?}");
    };
    assert_eq!(body.message.as_deref(), Some("search backend unavailable"));
    page1.assert();
    page2.assert();
    page3.assert_calls(0);
}

#[tokio::test]
async fn a_request_without_paging_starts_at_page_one_with_the_default_limit() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchSystemAudit");
    let mock = op.mock(
        &harness.server,
        &[],
        |when| when.json_body(json!({"filters": [], "page": 1, "limit": 100})),
        200,
        Some(&json!([{"id": "r1", "audit_state": "Login"}])),
    );
    let pages: Vec<Vec<blubracket_client::types::AuditRecord>> = harness
        .client
        .audit_pages(SearchRequest::new([]))
        .try_collect()
        .await
        .expect("one page");
    mock.assert();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0][0].id.as_deref(), Some("r1"));
    assert_eq!(blubracket_client::DEFAULT_PAGE_SIZE.get(), 100);
}

#[tokio::test]
async fn an_empty_first_page_yields_nothing() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchAlerts");
    let page1 = mock_page(&harness, &op, 1, 3, 200, json!([]));
    let page2 = mock_page(&harness, &op, 2, 3, 200, json!(alerts(&["never"])));
    let all: Vec<_> = harness
        .client
        .alert_stream(request(3))
        .try_collect()
        .await
        .expect("no error");
    assert!(all.is_empty());
    page1.assert();
    page2.assert_calls(0);
}

#[tokio::test]
async fn a_stream_can_resume_from_a_later_page() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchAlerts");
    let page5 = mock_page(&harness, &op, 5, 2, 200, json!(alerts(&["a9"])));
    let pages: Vec<_> = harness
        .client
        .alert_pages(request(2).with_page(5))
        .try_collect()
        .await
        .expect("page 5");
    page5.assert();
    assert_eq!(pages.len(), 1);
}
