//! Per-call context is a value carried by a handle (`Api::with`): every workflow made through a tenant's handle
//! sends that tenant's credential on every request, with two tenants interleaved on one client, across
//! `tokio::spawn`, streams and drop-time cancels. Each mock answers one tenant's key only, and counts.

use std::time::Duration;

use futures::TryStreamExt as _;
use httpmock::{Method, MockServer};
use sdk::bronto_api::types;
use sdk::{AsyncSearchOptions, Config, Credential, ErrorKind, RequestOptions, RetryPolicy, Sdk};
use serde_json::json;

const TENANTS: [&str; 2] = ["tenant-a-key-1111", "tenant-b-key-2222"];

fn multi_tenant(server: &MockServer) -> Sdk {
    let config = Config::builder()
        .bronto_base_url(server.base_url())
        .bronto_per_request_credentials()
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("config");
    Sdk::new(config).expect("sdk")
}

fn tenant(sdk: &Sdk, key: &str) -> sdk::Bronto {
    sdk.bronto()
        .expect("bronto")
        .with(RequestOptions::new().credential(Credential::api_key(key)))
}

fn search_request() -> types::CreateSearchRequest {
    types::CreateSearchRequest::builder()
        .from(vec!["dataset-a".to_string()])
        .select(vec!["@raw".to_string()])
        .time_range("Last 1 hour".to_string())
        .try_into()
        .expect("a search")
}

const TOKEN: &str = "11111111-1111-4111-8111-111111111111";

/// Two pages per tenant: the first links to the second with a token.
fn serve_pages<'a>(server: &'a MockServer, key: &'static str) -> [httpmock::Mock<'a>; 2] {
    let first = server.mock(|when, then| {
        when.method(Method::POST)
            .path("/search")
            .header("x-bronto-api-key", key)
            .is_false(|request| request.body_string().contains(TOKEN));
        then.status(200).json_body(json!({
            "events": [{"@raw": format!("{key} page 1")}],
            "links": [{"rel": "next", "href": format!("/search?pagination_token={TOKEN}")}],
        }));
    });
    let second = server.mock(|when, then| {
        when.method(Method::POST)
            .path("/search")
            .header("x-bronto-api-key", key)
            .body_includes(TOKEN);
        then.status(200)
            .json_body(json!({"events": [{"@raw": format!("{key} page 2")}], "links": []}));
    });
    [first, second]
}

#[tokio::test]
async fn paged_searches_of_two_tenants_interleaved_each_carry_their_own_credential() {
    let server = MockServer::start_async().await;
    let mocks_a = serve_pages(&server, TENANTS[0]);
    let mocks_b = serve_pages(&server, TENANTS[1]);
    let sdk = multi_tenant(&server);
    let (a, b) = (tenant(&sdk, TENANTS[0]), tenant(&sdk, TENANTS[1]));
    let (events_a, events_b) = tokio::join!(
        a.search_events(search_request()).try_collect::<Vec<_>>(),
        b.search_events(search_request()).try_collect::<Vec<_>>(),
    );
    let raws = |events: Vec<types::Event>| -> Vec<String> {
        events.into_iter().filter_map(|e| e.raw).collect()
    };
    assert_eq!(
        raws(events_a.expect("tenant a")),
        [
            format!("{} page 1", TENANTS[0]),
            format!("{} page 2", TENANTS[0])
        ]
    );
    assert_eq!(
        raws(events_b.expect("tenant b")),
        [
            format!("{} page 1", TENANTS[1]),
            format!("{} page 2", TENANTS[1])
        ]
    );
    for mock in mocks_a.iter().chain(&mocks_b) {
        mock.assert_calls(1);
    }
}

#[tokio::test]
async fn raw_calls_carry_the_handle_credential() {
    let server = MockServer::start_async().await;
    let mocks: Vec<_> = TENANTS
        .iter()
        .map(|key| {
            server.mock(|when, then| {
                when.path("/parsers").header("x-bronto-api-key", *key);
                then.status(200)
                    .json_body(json!({"parsers": [], "tenant": key}));
            })
        })
        .collect();
    let sdk = multi_tenant(&server);
    for key in TENANTS {
        let handle = tenant(&sdk, key);
        let got: serde_json::Value = handle.get("/parsers").await.expect("get");
        assert_eq!(got["tenant"], key);
        let _: serde_json::Value = handle.put("/parsers", &json!({})).await.expect("put");
        let _: serde_json::Value = handle.delete("/parsers").await.expect("delete");
        let _: serde_json::Value = handle.post("/parsers", &json!({})).await.expect("post");
        let _: serde_json::Value = handle.patch("/parsers", &json!({})).await.expect("patch");
    }
    for mock in &mocks {
        mock.assert_calls(5);
    }
    // The shared handle carries no credential: a raw call through it fails before sending.
    let error = sdk
        .bronto()
        .expect("bronto")
        .get::<serde_json::Value>("/parsers")
        .await
        .expect_err("no credential");
    assert_eq!(error.kind(), ErrorKind::Credential);
    for mock in &mocks {
        mock.assert_calls(5);
    }
}

#[tokio::test]
async fn an_async_search_polls_and_its_drop_cancels_with_the_tenant_credential() {
    let server = MockServer::start_async().await;
    let key = TENANTS[1];
    let submit = server.mock(|when, then| {
        when.method(Method::POST)
            .path("/search")
            .header("x-bronto-api-key", key);
        then.status(202).json_body(json!({
            "status": "IN_PROGRESS",
            "links": [{"rel": "status", "href": "/search/status/s-1"}],
        }));
    });
    let poll = server.mock(|when, then| {
        when.method(Method::GET)
            .path("/search/status/s-1")
            .header("x-bronto-api-key", key);
        then.status(202)
            .header("retry-after", "0")
            .json_body(json!({"status": "IN_PROGRESS", "progress": 10}));
    });
    let cancel = server.mock(|when, then| {
        when.method(Method::DELETE)
            .path("/search/status/s-1")
            .header("x-bronto-api-key", key);
        then.status(200);
    });
    let sdk = multi_tenant(&server);
    let handle = tenant(&sdk, key);
    let search = handle
        .submit_search(search_request())
        .await
        .expect("submitted");
    let options = AsyncSearchOptions {
        poll_interval: Duration::from_millis(10),
        deadline: Duration::from_secs(10),
    };
    // Abandon the wait after a few polls: the search is cancelled on the server, with this tenant's key.
    let waited =
        tokio::time::timeout(Duration::from_millis(200), search.wait(options, |_| {})).await;
    assert!(waited.is_err(), "still running when abandoned");
    tokio::time::sleep(Duration::from_millis(200)).await;
    submit.assert_calls(1);
    assert!(poll.calls() >= 2, "polled {} times", poll.calls());
    cancel.assert_calls(1);
}

#[tokio::test]
async fn an_export_carries_the_tenant_credential_to_the_api_and_none_to_storage() {
    let server = MockServer::start_async().await;
    let storage = MockServer::start_async().await;
    let key = TENANTS[0];
    let location = format!("{}/bucket/x.ndjson?X-Signature=sig", storage.base_url());
    let create = server.mock(|when, then| {
        when.method(Method::POST)
            .path("/exports")
            .header("x-bronto-api-key", key);
        then.status(201)
            .json_body(json!({"export_id": "e-1", "status": "IN_PROGRESS", "progress": 5}));
    });
    let get = server.mock(|when, then| {
        when.method(Method::GET)
            .path("/exports/e-1")
            .header("x-bronto-api-key", key);
        then.status(200).json_body(json!({
            "export_id": "e-1", "status": "COMPLETE", "progress": 100, "location": location, "bytes": 6,
        }));
    });
    let download = storage.mock(|when, then| {
        when.method(Method::GET)
            .path("/bucket/x.ndjson")
            .header_missing("x-bronto-api-key");
        then.status(200).body("{}\n{}\n");
    });
    let sdk = multi_tenant(&server);
    let handle = tenant(&sdk, key);
    let request = types::CreateExportRequest::builder().search_details(
        types::CreateExportDetails::builder().time_range("Last 1 hour".to_string()),
    );
    let mut written = Vec::new();
    handle
        .export_to(
            request.try_into().expect("an export"),
            &mut written,
            sdk::ExportOptions::default().poll_interval(Duration::from_millis(5)),
            |_| {},
        )
        .await
        .expect("exported");
    assert_eq!(written, b"{}\n{}\n");
    create.assert_calls(1);
    get.assert_calls(1);
    download.assert_calls(1);
}

#[tokio::test]
async fn a_spawned_call_keeps_its_handle_timeout_and_headers() {
    let server = MockServer::start_async().await;
    let slow = server.mock(|when, then| {
        when.path("/api-keys")
            .header("x-bronto-api-key", TENANTS[0])
            .header("x-purpose", "spawned");
        then.status(200)
            .delay(Duration::from_secs(3))
            .json_body(json!({"api_keys": []}));
    });
    let sdk = multi_tenant(&server);
    let handle = tenant(&sdk, TENANTS[0]).with(
        RequestOptions::new()
            .timeout(Duration::from_millis(100))
            .header("x-purpose", "spawned")
            .expect("a header"),
    );
    let started = std::time::Instant::now();
    let error = tokio::spawn(async move { handle.call(handle.list_api_keys().send()).await })
        .await
        .expect("joined")
        .expect_err("the handle's 100 ms deadline holds in the spawned task");
    assert!(error.is_timeout(), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // The request was sent with the handle's credential and header (the mock matched it).
    slow.assert_calls(1);
}

#[tokio::test]
async fn nested_handles_layer_their_options() {
    let server = MockServer::start_async().await;
    let both = server.mock(|when, then| {
        when.path("/api-keys")
            .header("x-bronto-api-key", TENANTS[1])
            .header("x-outer", "1")
            .header("x-inner", "2");
        then.status(200).json_body(json!({"api_keys": []}));
    });
    let sdk = multi_tenant(&server);
    let outer =
        tenant(&sdk, TENANTS[0]).with(RequestOptions::new().header("x-outer", "1").expect("h"));
    // The inner handle adds a header and replaces the credential; the outer one is unchanged.
    let inner = outer.with(
        RequestOptions::new()
            .header("x-inner", "2")
            .expect("h")
            .credential(Credential::api_key(TENANTS[1])),
    );
    inner
        .call(inner.list_api_keys().send())
        .await
        .expect("inner");
    both.assert_calls(1);
    assert!(outer.options().headers().get("x-inner").is_none());
}

#[tokio::test]
async fn a_failed_download_never_shows_the_signed_url() {
    let server = MockServer::start_async().await;
    // Nothing listens on port 9 of loopback: the download fails to connect.
    let location = "http://127.0.0.1:9/bucket/x.zst?X-Amz-Signature=supersecretsig&X-Amz-Credential=AKIAEXAMPLE";
    server.mock(|when, then| {
        when.method(Method::POST).path("/exports");
        then.status(201).json_body(json!({
            "export_id": "e-1", "status": "COMPLETE", "progress": 100, "location": location,
        }));
    });
    let sdk = multi_tenant(&server);
    let handle = tenant(&sdk, TENANTS[0]);
    let request = types::CreateExportRequest::builder().search_details(
        types::CreateExportDetails::builder().time_range("Last 1 hour".to_string()),
    );
    let error = handle
        .export_to(
            request.try_into().expect("an export"),
            &mut Vec::new(),
            sdk::ExportOptions::default(),
            |_| {},
        )
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Connect, "{error}");
    let mut shown = vec![error.to_string(), format!("{error:?}")];
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        shown.push(cause.to_string());
        shown.push(format!("{cause:?}"));
        source = cause.source();
    }
    for text in &shown {
        assert!(
            !text.contains("supersecretsig"),
            "the signature leaked: {text}"
        );
        assert!(
            !text.contains("AKIAEXAMPLE"),
            "the credential leaked: {text}"
        );
    }
    assert!(shown.len() > 2, "the cause is kept, without its URL");
}

#[tokio::test]
async fn duration_max_in_every_timeout_setting_does_not_panic() {
    let server = MockServer::start_async().await;
    let keys = server.mock(|when, then| {
        when.path("/api-keys");
        then.status(200).json_body(json!({"api_keys": []}));
    });
    let config = Config::builder()
        .bronto_base_url(server.base_url())
        .bronto_api_key("k-max")
        .connect_timeout(Duration::MAX)
        .attempt_timeout(Duration::MAX)
        .idle_timeout(Duration::MAX)
        .operation_timeout(Duration::MAX)
        .build()
        .expect("config");
    let sdk = Sdk::new(config).expect("sdk");
    let bronto = sdk
        .bronto()
        .expect("bronto")
        .with(RequestOptions::new().timeout(Duration::MAX));
    bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect("a call with no deadline at all");
    keys.assert_calls(1);
}

#[tokio::test]
async fn a_blubracket_stream_carries_its_handle_options_on_every_page() {
    // BluBracket's credential belongs to its tenant host (one client per tenant); what a handle carries there is
    // a deadline and headers, on every page.
    let server = MockServer::start_async().await;
    let pages: Vec<_> = (1..=3)
        .map(|page| {
            server.mock(|when, then| {
                when.method(Method::POST)
                    .header("x-purpose", "audit-export")
                    .header("authorization", "Bearer blu-token-3333")
                    .json_body_includes(json!({"page": page}).to_string());
                let body = if page < 3 {
                    json!([{"alert_id": format!("a{page}")}])
                } else {
                    json!([])
                };
                then.status(200).json_body(body);
            })
        })
        .collect();
    let config = Config::builder()
        .blubracket_tenant(server.base_url())
        .blubracket_token("blu-token-3333")
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("config");
    let sdk = Sdk::new(config).expect("sdk");
    let handle = sdk.blubracket().expect("blubracket").with(
        RequestOptions::new()
            .header("x-purpose", "audit-export")
            .expect("a header"),
    );
    let request = sdk::blubracket_api::types::SearchRequest::new([]).with_limit(1);
    let alerts: Vec<_> =
        tokio::spawn(async move { handle.alerts(request).try_collect::<Vec<_>>().await })
            .await
            .expect("joined")
            .expect("every page");
    assert_eq!(alerts.len(), 2);
    for page in &pages {
        page.assert_calls(1);
    }
}

#[tokio::test]
async fn duration_max_in_workflow_and_retry_settings_does_not_panic() {
    let server = MockServer::start_async().await;
    let storage = MockServer::start_async().await;
    let location = format!("{}/bucket/x.ndjson", storage.base_url());
    // A 503 without a hint: the retry policy computes its backoff from `Duration::MAX`, which no deadline can
    // wait for, so the call ends with the 503 instead of sleeping (or panicking).
    let flaky = server.mock(|when, then| {
        when.method(Method::GET).path("/api-keys");
        then.status(503);
    });
    let create = server.mock(|when, then| {
        when.method(Method::POST).path("/exports");
        then.status(201).json_body(json!({
            "export_id": "e-max", "status": "COMPLETE", "progress": 100, "location": location,
        }));
    });
    storage.mock(|when, then| {
        when.method(Method::GET).path("/bucket/x.ndjson");
        then.status(200).body("{}\n");
    });
    let config = Config::builder()
        .bronto_base_url(server.base_url())
        .bronto_api_key("k-max")
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(2)
                .initial_backoff(Duration::MAX)
                .max_backoff(Duration::MAX)
                .max_server_delay(Duration::MAX),
        )
        .build()
        .expect("config");
    let sdk = Sdk::new(config).expect("sdk");
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto.list_api_keys().call().await.expect_err("503");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    flaky.assert_calls(1);

    let options = sdk::ExportOptions::default()
        .poll_interval(Duration::MAX)
        .deadline(Duration::MAX)
        .download_timeout(Duration::MAX);
    let request = types::CreateExportRequest::builder().search_details(
        types::CreateExportDetails::builder().time_range("Last 1 hour".to_string()),
    );
    let mut written = Vec::new();
    bronto
        .export_to(
            request.try_into().expect("an export"),
            &mut written,
            options,
            |_| {},
        )
        .await
        .expect("exported");
    assert_eq!(written, b"{}\n");
    create.assert_calls(1);
}
