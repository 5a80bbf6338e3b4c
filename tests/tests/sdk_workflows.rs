//! Workflows of the facade: paged searches, asynchronous searches, exports, and where-clause escaping.

use std::time::Duration;

use futures::TryStreamExt as _;
use integration_tests::loopback::{Answer, ScriptedServer};
use sdk::{AsyncSearchOptions, Config, ErrorKind, ExportOptions, RetryPolicy, Sdk};
use serde_json::{Value, json};

const KEY: &str = "workflow-key-31c7";
const TOKEN_2: &str = "11111111-1111-4111-8111-111111111111";
const TOKEN_3: &str = "22222222-2222-4222-8222-222222222222";

fn sdk_for(base_url: &str) -> Sdk {
    let config = Config::builder()
        .bronto_base_url(base_url)
        .bronto_api_key(KEY)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("config");
    Sdk::new(config).expect("sdk")
}

fn search_request() -> sdk::bronto_api::types::CreateSearchRequest {
    serde_json::from_value(json!({
        "from": ["dataset-a", "dataset-b"],
        "select": ["@raw"],
        "where": "level = 'error'",
        "time_range": "Last 1 hour",
        "limit": 2,
    }))
    .expect("a valid search")
}

fn page(events: &[&str], next_token: Option<&str>) -> String {
    let links: Vec<Value> = next_token
        .map(|token| vec![json!({"rel": "next", "href": format!("/search?pagination_token={token}&per_page=2")})])
        .unwrap_or_default();
    json!({
        "events": events.iter().map(|raw| json!({"@raw": raw, "metadata": {"sequence": 9007199254740993i64}})).collect::<Vec<_>>(),
        "links": links,
    })
    .to_string()
}

#[tokio::test]
async fn search_pages_follow_next_links_and_keep_every_filter() {
    let server = ScriptedServer::start(vec![
        Answer::json(200, &page(&["e1", "e2"], Some(TOKEN_2))),
        Answer::json(200, &page(&["e3", "e4"], Some(TOKEN_3))),
        Answer::json(200, &page(&["e5"], None)),
    ])
    .await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let events: Vec<_> = bronto
        .search_events(search_request())
        .try_collect()
        .await
        .expect("pages");
    let raws: Vec<_> = events.iter().filter_map(|e| e.raw.clone()).collect();
    assert_eq!(raws, ["e1", "e2", "e3", "e4", "e5"]);
    // Sequence numbers above 2^53 survive exactly.
    assert_eq!(
        events[0].metadata.as_ref().and_then(|m| m.sequence),
        Some(9_007_199_254_740_993)
    );

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let tokens: Vec<Value> = requests
        .iter()
        .map(|r| r.json()["pagination_token"].clone())
        .collect();
    assert_eq!(tokens, [Value::Null, json!(TOKEN_2), json!(TOKEN_3)]);
    for request in &requests {
        let body = request.json();
        assert_eq!(request.request_line(), "POST /search");
        assert_eq!(body["from"], json!(["dataset-a", "dataset-b"]), "{body}");
        assert_eq!(body["where"], json!("level = 'error'"), "{body}");
        assert_eq!(body["time_range"], json!("Last 1 hour"), "{body}");
        assert_eq!(request.header("x-bronto-api-key").as_deref(), Some(KEY));
    }
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_the_error() {
    let server = ScriptedServer::start(vec![
        Answer::json(200, &page(&["e1"], Some(TOKEN_2))),
        Answer::json(
            500,
            r#"{"code":500,"type":"Internal","correlation_id":"c-500","details":"boom"}"#,
        ),
    ])
    .await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .search_events(search_request())
        .try_collect::<Vec<_>>()
        .await
        .expect_err("page 2 fails");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
}

fn running(status_href: &str) -> Answer {
    Answer::json(
        202,
        &json!({"links": [{"rel": "status", "href": status_href}]}).to_string(),
    )
    .header("retry-after", "0")
}

#[tokio::test]
async fn an_async_search_is_polled_to_its_result() {
    let server = ScriptedServer::start(vec![
        running("/search/status/s-1"),
        running("/search/status/s-1"),
        running("/search/status/s-1"),
        Answer::json(200, &page(&["done-1", "done-2"], None)),
    ])
    .await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let mut polls = 0;
    let search = bronto
        .submit_search(search_request())
        .await
        .expect("submitted");
    assert_eq!(search.status_id(), Some("s-1"));
    let result = search
        .wait(
            AsyncSearchOptions {
                poll_interval: Duration::from_secs(30),
                ..Default::default()
            },
            |n| polls = n,
        )
        .await
        .expect("result");
    assert_eq!(result.events.len(), 2);
    assert_eq!(
        polls, 2,
        "two 'still running' answers; Retry-After: 0 overrides the 30 s interval"
    );
    let lines: Vec<String> = server.requests().iter().map(|r| r.request_line()).collect();
    assert_eq!(
        lines,
        [
            "POST /search",
            "GET /search/status/s-1",
            "GET /search/status/s-1",
            "GET /search/status/s-1"
        ]
    );
    assert_eq!(server.requests()[0].json()["async_enabled"], json!(true));
}

#[tokio::test]
async fn an_async_search_can_be_cancelled() {
    let server =
        ScriptedServer::start(vec![running("/search/status/s-2"), Answer::json(204, "")]).await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let search = bronto
        .submit_search(search_request())
        .await
        .expect("submitted");
    search.cancel().await.expect("cancelled");
    let lines: Vec<String> = server.requests().iter().map(|r| r.request_line()).collect();
    assert_eq!(lines, ["POST /search", "DELETE /search/status/s-2"]);
}

#[tokio::test]
async fn dropping_an_async_search_cancels_it_on_the_server() {
    let server = ScriptedServer::start(vec![
        running("/search/status/s-3"),
        Answer::json(
            202,
            &json!({"links": [{"rel": "status", "href": "/search/status/s-3"}]}).to_string(),
        ),
        Answer::json(204, ""),
    ])
    .await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let options = AsyncSearchOptions {
        poll_interval: Duration::from_secs(60),
        ..Default::default()
    };
    let abandoned = tokio::time::timeout(
        Duration::from_millis(300),
        bronto.search_async(search_request(), options),
    )
    .await;
    assert!(abandoned.is_err(), "the caller gave up");
    for _ in 0..50 {
        if server.requests().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let lines: Vec<String> = server.requests().iter().map(|r| r.request_line()).collect();
    assert_eq!(
        lines,
        [
            "POST /search",
            "GET /search/status/s-3",
            "DELETE /search/status/s-3"
        ]
    );
}

fn export_json(
    status: &str,
    progress: i64,
    location: &str,
    bytes: usize,
    failure: Option<&str>,
) -> String {
    let mut export = json!({
        "export_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "org_id": "org-1",
        "status": status,
        "progress": progress,
        "location": location,
        "bytes": bytes,
        "events": 42,
        "search_details": {"from": "dataset-a", "time_range": "Last 1 hour"},
    });
    if let Some(detail) = failure {
        export["failure_detail"] = json!(detail);
    }
    export.to_string()
}

fn export_request() -> sdk::bronto_api::types::CreateExportRequest {
    serde_json::from_value(
        json!({"search_details": {"from": ["dataset-a"], "time_range": "Last 1 hour"}}),
    )
    .expect("a valid export")
}

fn quick() -> ExportOptions {
    ExportOptions::default().poll_interval(Duration::from_millis(10))
}

#[tokio::test]
async fn an_export_is_polled_then_downloaded_without_credentials() {
    let file: String = (0..5000).map(|i| format!("{{\"n\":{i}}}\n")).collect();
    let storage = httpmock::MockServer::start();
    let download = storage.mock(|when, then| {
        when.method("GET")
            .path("/bucket/export.ndjson")
            .query_param("X-Signature", "abc")
            .header_missing("x-bronto-api-key")
            .header_missing("authorization");
        then.status(200).body(file.clone());
    });
    let location = format!(
        "{}/bucket/export.ndjson?X-Signature=abc",
        storage.base_url()
    );
    let api = ScriptedServer::start(vec![
        Answer::json(201, &export_json("CREATED", 0, "", 0, None)),
        Answer::json(200, &export_json("IN_PROGRESS", 50, "", 0, None)),
        Answer::json(
            200,
            &export_json("COMPLETE", 100, &location, file.len(), None),
        ),
    ])
    .await;
    let sdk = sdk_for(&api.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let mut written = Vec::new();
    let mut seen = Vec::new();
    let outcome = bronto
        .export_to(export_request(), &mut written, quick(), |p| {
            seen.push(p.percent)
        })
        .await
        .expect("exported");
    download.assert();
    assert_eq!(written, file.as_bytes());
    assert_eq!(outcome.bytes, file.len() as u64);
    assert_eq!(outcome.events, Some(42));
    assert_eq!(seen, [0, 50, 100]);
}

/// A real Zstandard object of `data`, in two frames (object stores may concatenate them).
fn zstd_object(data: &[u8]) -> Vec<u8> {
    let (first, second) = data.split_at(data.len() / 2);
    let mut object = zstd::encode_all(first, 3).expect("compress");
    object.extend(zstd::encode_all(second, 3).expect("compress"));
    object
}

async fn export_of(object: Vec<u8>, options: ExportOptions) -> (Vec<u8>, sdk::ExportOutcome) {
    let storage = httpmock::MockServer::start_async().await;
    let stored = object.len();
    storage.mock(|when, then| {
        when.method("GET").path("/bucket/export.zst");
        then.status(200).body(object);
    });
    let location = format!("{}/bucket/export.zst?X-Signature=abc", storage.base_url());
    let api = ScriptedServer::start(vec![Answer::json(
        201,
        &export_json("COMPLETE", 100, &location, stored, None),
    )])
    .await;
    let sdk = sdk_for(&api.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let mut written = Vec::new();
    let outcome = bronto
        .export_to(export_request(), &mut written, options, |_| {})
        .await
        .expect("exported");
    (written, outcome)
}

#[tokio::test]
async fn a_zstd_export_is_handed_over_decompressed() {
    let data: String = (0..20_000)
        .map(|i| format!("{{\"@raw\":\"line {i}\",\"n\":{i}}}\n"))
        .collect();
    let object = zstd_object(data.as_bytes());
    assert!(object.len() < data.len() / 4, "the sample compresses");
    let (written, outcome) = export_of(object.clone(), quick()).await;
    assert_eq!(written, data.as_bytes());
    assert!(outcome.decompressed);
    assert_eq!(
        outcome.bytes,
        object.len() as u64,
        "the count is of what was stored"
    );
    assert_eq!(outcome.written, data.len() as u64);
}

#[tokio::test]
async fn the_stored_zstd_object_is_kept_when_asked() {
    let data = b"{\"n\":1}\n".repeat(1000);
    let object = zstd_object(&data);
    let (written, outcome) = export_of(object.clone(), quick().stored()).await;
    assert_eq!(written, object);
    assert!(!outcome.decompressed);
    assert_eq!(outcome.written, object.len() as u64);
}

#[tokio::test]
async fn a_corrupt_zstd_export_is_a_decode_error_naming_the_download() {
    let mut object = zstd_object(&b"{\"n\":1}\n".repeat(1000));
    let middle = object.len() / 2;
    object[middle..].iter_mut().for_each(|byte| *byte ^= 0x5a);
    let storage = httpmock::MockServer::start_async().await;
    let stored = object.len();
    storage.mock(|when, then| {
        when.method("GET");
        then.status(200).body(object);
    });
    let location = format!(
        "{}/bucket/x.zst?X-Signature=secret-signature",
        storage.base_url()
    );
    let api = ScriptedServer::start(vec![Answer::json(
        201,
        &export_json("COMPLETE", 100, &location, stored, None),
    )])
    .await;
    let sdk = sdk_for(&api.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .export_to(export_request(), &mut Vec::new(), quick(), |_| {})
        .await
        .expect_err("corrupt");
    assert_eq!(error.kind(), ErrorKind::Decode, "{error}");
    assert!(error.to_string().contains("download of export"), "{error}");
    assert!(!format!("{error} {error:?}").contains("secret-signature"));
}

#[tokio::test]
async fn a_410_on_the_status_link_is_a_typed_results_expired_error() {
    let api = ScriptedServer::start(vec![
        Answer::json(
            202,
            &json!({"links": [{"rel": "status", "href": "/search/status/s-9"}]}).to_string(),
        ),
        Answer::json(
            410,
            &json!({"code": 410, "correlation_id": "c-410", "message": "Results expired"})
                .to_string(),
        ),
    ])
    .await;
    let sdk = sdk_for(&api.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let search = bronto
        .submit_search(search_request())
        .await
        .expect("submitted");
    assert_eq!(search.status_id(), Some("s-9"));
    let error = search
        .wait(AsyncSearchOptions::default(), |_| {})
        .await
        .expect_err("expired");
    assert_eq!(error.kind(), ErrorKind::ResultsExpired, "{error}");
    assert_eq!(error.correlation_id(), Some("c-410"));
    // Nothing is left to cancel: no DELETE follows the 410.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let lines: Vec<String> = api.requests().iter().map(|r| r.request_line()).collect();
    assert_eq!(lines, ["POST /search", "GET /search/status/s-9"]);
}

#[tokio::test]
async fn a_failed_export_is_a_typed_error() {
    let api = ScriptedServer::start(vec![
        Answer::json(201, &export_json("CREATED", 0, "", 0, None)),
        Answer::json(
            200,
            &export_json("FAILED", 10, "", 0, Some("query too broad")),
        ),
    ])
    .await;
    let sdk = sdk_for(&api.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .export_to(export_request(), &mut Vec::new(), quick(), |_| {})
        .await
        .expect_err("failed");
    assert_eq!(error.kind(), ErrorKind::ExportFailed);
    assert_eq!(error.details(), Some("query too broad"));
}

#[tokio::test]
async fn an_expired_download_link_is_a_typed_error() {
    let storage = httpmock::MockServer::start();
    storage.mock(|when, then| {
        when.method("GET");
        then.status(403)
            .body("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>");
    });
    let location = format!("{}/bucket/x?sig=old", storage.base_url());
    let api = ScriptedServer::start(vec![Answer::json(
        201,
        &export_json("COMPLETE", 100, &location, 10, None),
    )])
    .await;
    let sdk = sdk_for(&api.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .export_to(export_request(), &mut Vec::new(), quick(), |_| {})
        .await
        .expect_err("expired");
    assert_eq!(error.kind(), ErrorKind::ExportExpired);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403));
}

#[tokio::test]
async fn a_short_download_is_an_integrity_error() {
    let storage = httpmock::MockServer::start();
    storage.mock(|when, then| {
        when.method("GET");
        then.status(200).body("only part of it");
    });
    let location = format!("{}/bucket/x", storage.base_url());
    let api = ScriptedServer::start(vec![Answer::json(
        201,
        &export_json("COMPLETE", 100, &location, 1_000_000, None),
    )])
    .await;
    let sdk = sdk_for(&api.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .export_to(export_request(), &mut Vec::new(), quick(), |_| {})
        .await
        .expect_err("short");
    assert_eq!(error.kind(), ErrorKind::Integrity);
}

#[test]
fn where_clause_helpers_escape_untrusted_values() {
    use sdk::query::{attribute, string_literal};
    let clause = format!(
        "{} = {}",
        attribute("user.name"),
        string_literal("x' OR '1'='1")
    );
    assert_eq!(clause, r#""user.name" = 'x'' OR ''1''=''1'"#);
}
