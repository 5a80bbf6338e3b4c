//! Paging as a stream: page 1, 2, 3, ... with the same filters and sort on every page, until the service's empty
//! page (a short page does not end it); an error ends the stream; a service that ignores `page` or `limit`, or
//! never ends, ends the stream with a typed paging error, with the requests counted.

use blubracket_client::types::{Filter, FilterOperator, OrderDirection, SearchRequest};
use blubracket_client::{PageError, PagingLimits};
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
    // Page 1 as a bare array, page 2 wrapped in an object, page 3 short, page 4 empty: the stream reads both
    // envelopes and stops at the empty page.
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
    let page4 = mock_page(&harness, &op, 4, 2, 200, json!([]));
    let page5 = mock_page(&harness, &op, 5, 2, 200, json!(alerts(&["never"])));

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
    page4.assert();
    // The empty page is the last one: page 5 is never asked for.
    page5.assert_calls(0);
}

#[tokio::test]
async fn a_service_that_caps_pages_below_the_limit_loses_nothing() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchAlerts");
    // Asked for 5 a page, the service serves 2 at most: 2 + 2 + 1, then empty.
    let pages = [
        mock_page(&harness, &op, 1, 5, 200, json!(alerts(&["a1", "a2"]))),
        mock_page(&harness, &op, 2, 5, 200, json!(alerts(&["a3", "a4"]))),
        mock_page(&harness, &op, 3, 5, 200, json!(alerts(&["a5"]))),
        mock_page(&harness, &op, 4, 5, 200, json!([])),
    ];
    let ids: Vec<String> = harness
        .client
        .alert_stream(request(5))
        .map_ok(|alert| alert.alert_id.unwrap_or_default())
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(ids, ["a1", "a2", "a3", "a4", "a5"]);
    for page in &pages {
        page.assert_calls(1);
    }
}

/// Collects a stream to its end: the items, and the error it ended with.
async fn drain<T>(mut stream: blubracket_client::ItemStream<T>) -> (Vec<T>, Option<PageError>) {
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(item) => items.push(item),
            Err(error) => return (items, Some(error)),
        }
    }
    (items, None)
}

#[tokio::test]
async fn a_service_that_ignores_page_ends_the_stream_with_a_paging_error() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchAlerts");
    let every_page = op.mock(
        &harness.server,
        &[],
        |when| when,
        200,
        Some(&json!(alerts(&["a1", "a2"]))),
    );
    let (items, error) = drain(harness.client.alert_stream(request(2))).await;
    assert_eq!(items.len(), 2, "the first page is delivered");
    assert!(
        matches!(&error, Some(PageError::Paging { page: 2, problem }) if problem.contains("ignores `page`")),
        "{error:?}"
    );
    every_page.assert_calls(2);
}

#[tokio::test]
async fn a_service_that_ignores_limit_ends_the_stream_with_a_paging_error() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchAlerts");
    let page1 = mock_page(&harness, &op, 1, 2, 200, json!(alerts(&["a1", "a2", "a3"])));
    let (items, error) = drain(harness.client.alert_stream(request(2))).await;
    assert!(
        items.is_empty(),
        "a page the service served wrong is not delivered"
    );
    assert!(
        matches!(&error, Some(PageError::Paging { page: 1, problem }) if problem.contains("ignores `limit`")),
        "{error:?}"
    );
    page1.assert_calls(1);
}

#[tokio::test]
async fn a_stream_that_never_ends_stops_at_its_cap() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchAlerts");
    // Every page different, never empty.
    let endless = harness.server.mock(|when, then| {
        when.method("POST").path(op.path.clone());
        then.respond_with(|request| {
            let page = serde_json::from_slice::<Value>(request.body_ref())
                .ok()
                .and_then(|body| body["page"].as_u64())
                .unwrap_or(0);
            httpmock::HttpMockResponse::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(json!([{"alert_id": format!("a{page}")}]).to_string())
                .build()
        });
    });
    let limits = PagingLimits::default().max_pages(5);
    let mut stream = harness.client.alert_pages(request(1), limits);
    let mut pages = 0;
    let mut error = None;
    while let Some(page) = stream.next().await {
        match page {
            Ok(_) => pages += 1,
            Err(e) => error = Some(e),
        }
    }
    assert_eq!(pages, 5);
    assert!(
        matches!(&error, Some(PageError::Paging { page: 6, problem }) if problem.contains("cap")),
        "{error:?}"
    );
    // Five pages delivered, and no sixth request: the cap ends the stream before it.
    endless.assert_calls(5);
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
    let PageError::Call(error) = error else {
        panic!("expected the call's error, got {error:?}");
    };
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
    let end = op.mock(
        &harness.server,
        &[],
        |when| when.json_body(json!({"filters": [], "page": 2, "limit": 100})),
        200,
        Some(&json!([])),
    );
    let pages: Vec<Vec<blubracket_client::types::AuditRecord>> = harness
        .client
        .audit_pages(SearchRequest::new([]), PagingLimits::default())
        .try_collect()
        .await
        .expect("one page");
    mock.assert();
    end.assert();
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
    let page6 = mock_page(&harness, &op, 6, 2, 200, json!([]));
    let pages: Vec<_> = harness
        .client
        .alert_pages(request(2).with_page(5), PagingLimits::default())
        .try_collect()
        .await
        .expect("page 5");
    page5.assert();
    page6.assert();
    assert_eq!(pages.len(), 1);
}
