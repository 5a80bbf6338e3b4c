//! The facade's runtime policy: retries and backoff, what is never sent twice, timeouts, redirects, the
//! in-flight bound, credential modes, error contents, and the raw escape hatch.

use std::time::{Duration, Instant};

use integration_tests::loopback::{Answer, ScriptedServer};
use sdk::{Config, Credential, ErrorKind, RequestOptions, RetryPolicy, Sdk};
use serde_json::json;

const KEY: &str = "sdk-test-key-7f3a9c";

fn error_json(code: u16) -> String {
    json!({"code": code, "type": "TooManyRequests", "correlation_id": format!("corr-{code}"), "details": "slow down"})
        .to_string()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(10))
        .max_server_delay(Duration::from_millis(150))
        .jitter(false)
}

fn sdk_for(base_url: &str) -> Sdk {
    let config = Config::builder()
        .bronto_base_url(base_url)
        .bronto_api_key(KEY)
        .retry_policy(fast_retries())
        .attempt_timeout(Duration::from_millis(500))
        .operation_timeout(Duration::from_secs(5))
        .build()
        .expect("config");
    Sdk::new(config).expect("sdk")
}

#[tokio::test]
async fn retryable_statuses_are_retried_up_to_the_bound_then_reported() {
    let server = ScriptedServer::start(vec![Answer::json(503, &error_json(503))]).await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect_err("always 503");
    assert_eq!(server.requests().len(), 3, "3 attempts");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert!(error.is_retryable());
    assert_eq!(error.operation_id(), Some("list_api_keys"));
}

#[tokio::test]
async fn a_retry_that_succeeds_returns_the_typed_body() {
    let server = ScriptedServer::start(vec![
        Answer::json(502, "bad gateway"),
        Answer::json(
            200,
            r#"{"api_keys": [{"name": "k", "roles": ["SearchApi"]}]}"#,
        ),
    ])
    .await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let keys = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect("second attempt succeeds");
    assert_eq!(keys.api_keys.len(), 1);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn retry_after_and_ratelimit_reset_are_honoured_up_to_the_maximum() {
    for header in ["retry-after", "ratelimit-reset"] {
        // The policy waits for server hints up to 150 ms; its own backoff is 5-10 ms. The server asks for 0.1 s
        // (in whole seconds a header can only say 0 or 1+, so the header says 0 and a second answer says 1).
        let server = ScriptedServer::start(vec![
            Answer::json(429, &error_json(429)).header(header, "0"),
            Answer::json(200, r#"{"api_keys": []}"#),
        ])
        .await;
        let sdk = sdk_for(&server.base_url);
        let bronto = sdk.bronto().expect("bronto");
        bronto
            .call(bronto.list_api_keys().send())
            .await
            .expect("the retry succeeds");
        assert_eq!(server.requests().len(), 2, "{header}");

        // Asked to wait 1 s, longer than the policy's 150 ms: no retry sooner than asked; the caller gets the
        // 429 with the hint.
        let server = ScriptedServer::start(vec![
            Answer::json(429, &error_json(429)).header(header, "1"),
            Answer::json(200, r#"{"api_keys": []}"#),
        ])
        .await;
        let sdk = sdk_for(&server.base_url);
        let bronto = sdk.bronto().expect("bronto");
        let started = Instant::now();
        let error = bronto
            .call(bronto.list_api_keys().send())
            .await
            .expect_err("the caller decides");
        assert!(
            started.elapsed() < Duration::from_millis(900),
            "{header}: {:?}",
            started.elapsed()
        );
        assert_eq!(server.requests().len(), 1, "{header}");
        assert!(error.is_rate_limited(), "{error}");
        let limit = error.rate_limit();
        assert_eq!(
            limit.retry_after.or(limit.reset),
            Some(Duration::from_secs(1)),
            "{header}: the hint is in the error"
        );
    }
}

#[tokio::test]
async fn a_huge_retry_after_never_stalls_the_call() {
    let server = ScriptedServer::start(vec![
        Answer::json(503, &error_json(503)).header("retry-after", "999999"),
    ])
    .await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let started = Instant::now();
    let error = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect_err("503");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        error.rate_limit().retry_after,
        Some(Duration::from_secs(999_999))
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_retry_budget_stops_retries_in_an_outage_and_refills_on_success() {
    // 3 attempts a call, a budget of 10 tokens: two retries (5 each), then none.
    let mut answers: Vec<Answer> = (0..4)
        .map(|_| Answer::json(503, &error_json(503)))
        .collect();
    // Then the service recovers: 10 successes refund 1 token each.
    answers.extend((0..10).map(|_| Answer::json(200, r#"{"api_keys": []}"#)));
    // And fails again once: the refilled budget pays for one retry (5 of the 10 tokens), which succeeds.
    answers.push(Answer::json(503, &error_json(503)));
    answers.push(Answer::json(200, r#"{"api_keys": []}"#));
    let server = ScriptedServer::start(answers).await;
    let config = Config::builder()
        .bronto_base_url(&server.base_url)
        .bronto_api_key(KEY)
        .retry_policy(fast_retries().retry_budget(10))
        .build()
        .expect("config");
    let sdk = Sdk::new(config).expect("sdk");
    let bronto = sdk.bronto().expect("bronto");
    let call = || async { bronto.call(bronto.list_api_keys().send()).await };

    call().await.expect_err("503 after two retries");
    assert_eq!(
        server.requests().len(),
        3,
        "the first call retried twice (10 tokens)"
    );
    call().await.expect_err("503 at once");
    assert_eq!(server.requests().len(), 4, "the budget is spent: no retry");
    for _ in 0..10 {
        call().await.expect("recovered");
    }
    assert_eq!(server.requests().len(), 14);
    call()
        .await
        .expect("one retry, paid by the refilled budget");
    assert_eq!(server.requests().len(), 16, "retries resumed");
}

#[tokio::test]
async fn a_rate_limited_error_keeps_the_rate_limit_state() {
    let server = ScriptedServer::start(vec![
        Answer::json(429, &error_json(429))
            .header("ratelimit-limit", "100")
            .header("ratelimit-remaining", "0")
            .header("ratelimit-reset", "0")
            .header("retry-after", "0"),
    ])
    .await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect_err("429");
    assert!(error.is_rate_limited());
    assert_eq!(error.rate_limit().limit, Some(100));
    assert_eq!(error.rate_limit().remaining, Some(0));
    assert_eq!(error.rate_limit().retry_after, Some(Duration::ZERO));
    assert_eq!(error.correlation_id(), Some("corr-429"));
    assert_eq!(error.error_type(), Some("TooManyRequests"));
    assert_eq!(error.details(), Some("slow down"));
    let shown = error.to_string();
    assert!(
        shown.contains("429") && shown.contains("corr-429"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_creating_post_is_never_sent_twice() {
    let server = ScriptedServer::start(vec![Answer::json(503, &error_json(503))]).await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let body: sdk::bronto_api::types::CreateApiKeyRequest =
        serde_json::from_value(json!({"name": "k", "roles": ["SearchApi"]})).expect("typed body");
    let error = bronto
        .call(bronto.create_api_key().body(body).send())
        .await
        .expect_err("503");
    assert_eq!(
        server.requests().len(),
        1,
        "createApiKey must not be retried"
    );
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
}

#[tokio::test]
async fn a_post_that_only_reads_is_retried() {
    let server = ScriptedServer::start(vec![Answer::json(503, &error_json(503))]).await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let body: sdk::bronto_api::types::CreateSearchRequest = serde_json::from_value(
        json!({"from": ["logs"], "select": ["@raw"], "time_range": "Last 10 minutes"}),
    )
    .expect("typed body");
    let _ = bronto.call(bronto.post_search().body(body).send()).await;
    assert_eq!(
        server.requests().len(),
        3,
        "postSearch is listed as retry-safe"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = ScriptedServer::start(vec![Answer::Silence]).await;
    let config = Config::builder()
        .bronto_base_url(&server.base_url)
        .bronto_api_key(KEY)
        .retry_policy(RetryPolicy::none())
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .expect("config");
    let sdk = Sdk::new(config).expect("sdk");
    let bronto = sdk.bronto().expect("bronto");
    let started = Instant::now();
    let error = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect_err("timeout");
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(error.is_timeout());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_body_that_stalls_part_way_times_out() {
    let server = ScriptedServer::start(vec![Answer::StallMidBody {
        promised: 1000,
        sent: r#"{"api_keys": [{"na"#.into(),
    }])
    .await;
    let config = Config::builder()
        .bronto_base_url(&server.base_url)
        .bronto_api_key(KEY)
        .retry_policy(RetryPolicy::none())
        .attempt_timeout(Duration::from_millis(300))
        .build()
        .expect("config");
    let sdk = Sdk::new(config).expect("sdk");
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect_err("stall");
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
}

#[tokio::test]
async fn a_per_call_timeout_bounds_the_whole_operation_including_retries() {
    let server = ScriptedServer::start(vec![
        Answer::json(503, "{}").after(Duration::from_millis(150)),
    ])
    .await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let started = Instant::now();
    let bounded = bronto.with(RequestOptions::new().timeout(Duration::from_millis(200)));
    let error = bounded
        .call(bounded.list_api_keys().send())
        .await
        .expect_err("gives up");
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
    assert!(error.is_timeout() || error.status().is_some(), "{error}");
}

#[tokio::test]
async fn a_redirect_to_another_host_carries_no_credential() {
    let elsewhere = ScriptedServer::start(vec![Answer::json(200, r#"{"api_keys": []}"#)]).await;
    let origin = ScriptedServer::start(vec![Answer::Respond {
        status: 302,
        headers: vec![(
            "location".into(),
            format!("{}/api-keys", elsewhere.base_url),
        )],
        body: String::new(),
        delay: Duration::ZERO,
    }])
    .await;
    let sdk = sdk_for(&origin.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Redirect, "{error}");
    assert!(
        elsewhere
            .requests()
            .iter()
            .all(|r| r.header("x-bronto-api-key").is_none()),
        "the other host saw the key"
    );
    assert!(
        elsewhere.requests().is_empty(),
        "the redirect is not followed at all"
    );
}

#[tokio::test]
async fn requests_in_flight_are_bounded() {
    let server = ScriptedServer::start(vec![
        Answer::json(200, r#"{"api_keys": []}"#).after(Duration::from_millis(100)),
    ])
    .await;
    let config = Config::builder()
        .bronto_base_url(&server.base_url)
        .bronto_api_key(KEY)
        .max_in_flight(2)
        .build()
        .expect("config");
    let sdk = Sdk::new(config).expect("sdk");
    let bronto = sdk.bronto().expect("bronto");
    let calls = (0..6).map(|_| bronto.call(bronto.list_api_keys().send()));
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(server.requests().len(), 6);
    assert!(
        server.max_in_flight() <= 2,
        "max in flight {}",
        server.max_in_flight()
    );
    assert_eq!(
        server.max_in_flight(),
        2,
        "the bound is reached, so it is what limits"
    );
}

#[tokio::test]
async fn per_request_credentials_fail_closed_and_never_fall_back() {
    let server = ScriptedServer::start(vec![Answer::json(200, r#"{"api_keys": []}"#)]).await;
    let config = Config::builder()
        .bronto_base_url(&server.base_url)
        .bronto_api_key("ambient-key-must-not-be-used")
        .bronto_per_request_credentials()
        .build()
        .expect("config");
    let sdk = Sdk::new(config).expect("sdk");
    let bronto = sdk.bronto().expect("bronto");

    let error = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect_err("no credential");
    assert_eq!(error.kind(), ErrorKind::Credential, "{error}");
    let empty = bronto.with(RequestOptions::new().credential(Credential::api_key("")));
    let error = empty
        .call(empty.list_api_keys().send())
        .await
        .expect_err("empty");
    assert_eq!(error.kind(), ErrorKind::Credential, "{error}");
    assert!(
        server.requests().is_empty(),
        "nothing is sent without a credential"
    );

    let tenant = bronto.with(RequestOptions::new().credential(Credential::api_key("tenant-b-key")));
    tenant
        .call(tenant.list_api_keys().send())
        .await
        .expect("with the call's key");
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].header("x-bronto-api-key").as_deref(),
        Some("tenant-b-key")
    );
}

#[tokio::test]
async fn a_client_bound_credential_refuses_a_per_call_one() {
    let server = ScriptedServer::start(vec![Answer::json(200, r#"{"api_keys": []}"#)]).await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let other = bronto.with(RequestOptions::new().credential(Credential::api_key("other")));
    let error = other
        .call(other.list_api_keys().send())
        .await
        .expect_err("mode mismatch");
    assert_eq!(error.kind(), ErrorKind::Credential);
    assert!(server.requests().is_empty());
}

#[test]
fn configuration_precedence_and_validation() {
    let env = |name: &str| match name {
        "BRONTO_REGION" => Some("us".to_string()),
        "BRONTO_API_KEY" => Some("env-key".to_string()),
        "BRONTO_BEARER_TOKEN" => Some("env-bearer".to_string()),
        _ => None,
    };
    // Explicit wins over the environment, field by field.
    let config = Config::builder()
        .bronto_region("eu")
        .with_env_from(env)
        .build()
        .expect("config");
    let shown = format!("{config:?}");
    assert!(shown.contains("api.eu.bronto.io"), "{shown}");
    // Bearer wins over an API key within one source.
    assert!(shown.contains("Bearer"), "{shown}");
    assert!(
        !shown.contains("env-bearer") && !shown.contains("env-key"),
        "{shown}"
    );
    // The environment alone.
    let from_env = Config::builder()
        .with_env_from(env)
        .build()
        .expect("config");
    assert!(format!("{from_env:?}").contains("api.us.bronto.io"));

    for bad in ["evil.com/", "eu.evil.com", "EU", ""] {
        let built = Config::builder()
            .bronto_region(bad)
            .bronto_api_key("k")
            .build();
        if bad.is_empty() {
            assert!(built.is_err(), "empty region");
        } else {
            let error = built.expect_err("refused region");
            assert_eq!(error.kind(), ErrorKind::Config, "{bad}: {error}");
        }
    }
    let insecure = Config::builder()
        .bronto_base_url("http://api.example.com")
        .bronto_api_key("k")
        .build();
    assert_eq!(
        insecure.expect_err("http refused").kind(),
        ErrorKind::Config
    );
    let loopback = Config::builder()
        .bronto_base_url("http://127.0.0.1:9")
        .bronto_api_key("k")
        .build();
    assert!(loopback.is_ok());
    let blank = Config::builder()
        .bronto_region("eu")
        .bronto_api_key("   ")
        .build();
    assert_eq!(blank.expect_err("blank key").kind(), ErrorKind::Credential);
    let missing = Config::builder().bronto_region("eu").build();
    assert_eq!(missing.expect_err("no key").kind(), ErrorKind::Credential);
}

#[tokio::test]
async fn error_bodies_are_bounded_and_headers_redacted() {
    let huge = format!("{{\"details\": \"{}\"}}", "x".repeat(100_000));
    let server = ScriptedServer::start(vec![
        Answer::json(500, &huge)
            .header("set-cookie", "session=secret-cookie")
            .header("x-correlation-id", "hdr-corr"),
    ])
    .await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect_err("500");
    assert_eq!(
        error.body_bytes().map(|b| b.len()),
        Some(sdk::MAX_ERROR_BODY)
    );
    assert!(error.body_truncated());
    assert_eq!(
        error
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok()),
        Some("<redacted>")
    );
    assert_eq!(error.correlation_id(), Some("hdr-corr"));
    assert!(!format!("{error:?}").contains("secret-cookie"));
}

#[tokio::test]
async fn a_decode_failure_keeps_status_and_body() {
    let server = ScriptedServer::start(vec![Answer::json(200, "not json at all")]).await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect_err("decode");
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(
        error.body_bytes().map(|b| b.as_ref()),
        Some(&b"not json at all"[..])
    );
}

#[tokio::test]
async fn the_raw_escape_hatch_uses_the_same_auth_retries_and_errors() {
    let server = ScriptedServer::start(vec![
        Answer::json(503, "{}"),
        Answer::json(200, r#"{"hidden": true}"#),
        Answer::json(
            404,
            &json!({"code": 404, "type": "NotFound", "correlation_id": "c-404", "details": "none"})
                .to_string(),
        ),
    ])
    .await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    let value: serde_json::Value = bronto
        .get("/undocumented/thing?x=1")
        .await
        .expect("retried GET");
    assert_eq!(value, json!({"hidden": true}));
    let error = bronto
        .post::<serde_json::Value>("/undocumented/create", &json!({"a": 1}))
        .await
        .expect_err("404");
    assert!(error.is_not_found());
    assert_eq!(error.correlation_id(), Some("c-404"));
    assert_eq!(error.operation_id(), Some("POST /undocumented/create"));
    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|r| r.header("x-bronto-api-key").as_deref() == Some(KEY))
    );
    assert!(
        seen[0].head.starts_with("GET /undocumented/thing?x=1 "),
        "{}",
        seen[0].head
    );

    for sneaky in [
        "//evil.example/x",
        "https://evil.example/x",
        "relative/path",
    ] {
        let error = bronto
            .get::<serde_json::Value>(sneaky)
            .await
            .expect_err("refused path");
        assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{sneaky}");
    }
    assert_eq!(server.requests().len(), 3, "refused paths send nothing");
}

#[test]
fn error_display_shows_only_what_applies_to_a_local_error() {
    let error = Config::builder()
        .bronto_region("not a slug")
        .bronto_api_key("k")
        .build()
        .expect_err("bad");
    let shown = error.to_string();
    assert!(shown.starts_with("invalid configuration: "), "{shown}");
    assert!(
        !shown.contains("status") && !shown.contains("correlation id") && !shown.contains("none"),
        "{shown}"
    );
}

#[test]
fn every_retry_safe_post_is_a_post_of_the_generated_client() {
    for name in sdk::bronto_api::RETRY_SAFE_POSTS {
        let line = sdk::bronto_api::API_SURFACE
            .lines()
            .find(|line| line.contains(&format!(" => {name}(")))
            .unwrap_or_else(|| panic!("{name} is not a generated method"));
        assert!(line.split_whitespace().nth(1) == Some("POST"), "{line}");
    }
}

#[tokio::test]
async fn requests_name_the_sdk_and_client_in_the_user_agent() {
    let server = ScriptedServer::start(vec![Answer::json(200, r#"{"api_keys": []}"#)]).await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect("ok");
    let agent = server.requests()[0]
        .header("user-agent")
        .unwrap_or_default();
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(agent, format!("sdk/{version} bronto-client/{version}"));
}

#[tokio::test]
async fn per_call_headers_are_sent_but_cannot_carry_a_credential() {
    let server = ScriptedServer::start(vec![Answer::json(200, r#"{"api_keys": []}"#)]).await;
    let sdk = sdk_for(&server.base_url);
    let bronto = sdk.bronto().expect("bronto");
    for (name, value) in [
        ("x-bronto-api-key", "smuggled-key"),
        ("Authorization", "Bearer smuggled"),
        ("cookie", "session=smuggled"),
        ("bad header name", "x"),
        ("x-fine", "bad\nvalue"),
    ] {
        let refused = RequestOptions::new()
            .header(name, value)
            .expect_err("refused, not dropped");
        let shown = refused.to_string();
        assert!(shown.contains(name), "{shown}");
        assert!(!shown.contains("smuggled"), "{shown}");
    }
    let options = RequestOptions::new()
        .header("x-request-purpose", "nightly-report")
        .expect("a plain header");
    let handle = bronto.with(options);
    handle
        .call(handle.list_api_keys().send())
        .await
        .expect("ok");
    let seen = &server.requests()[0];
    assert_eq!(
        seen.header("x-request-purpose").as_deref(),
        Some("nightly-report")
    );
    assert_eq!(
        seen.header("x-bronto-api-key").as_deref(),
        Some(KEY),
        "the client's key, not the smuggled one"
    );
    assert_eq!(seen.header("authorization"), None);
    assert!(!seen.head.contains("smuggled"), "{}", seen.head);
}

#[tokio::test]
async fn throttled_calls_waiting_to_retry_do_not_hold_slots_from_other_calls() {
    let server = httpmock::MockServer::start_async().await;
    let throttled = server.mock(|when, then| {
        when.path("/api-keys").header("x-kind", "throttled");
        then.status(429)
            .header("retry-after", "2")
            .header("content-type", "application/json")
            .body(error_json(429));
    });
    let plain = server.mock(|when, then| {
        when.path("/api-keys").header_missing("x-kind");
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"api_keys": []}"#);
    });
    let config = Config::builder()
        .bronto_base_url(server.base_url())
        .bronto_api_key(KEY)
        .max_in_flight(16)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(2)
                .max_server_delay(Duration::from_secs(5))
                .jitter(false),
        )
        // The throttled and the plain calls share one key here, so the rate governor would rightly hold the plain
        // call for the key's spent window too; this test is about slots, so pacing is off (tenants apart:
        // sdk_pacing.rs).
        .pacing(sdk::PacingPolicy::off())
        .build()
        .expect("config");
    let sdk = Sdk::new(config).expect("sdk");
    let bronto = sdk.bronto().expect("bronto").clone();
    let noisy = bronto.with(
        RequestOptions::new()
            .header("x-kind", "throttled")
            .expect("a header"),
    );
    let waiting: Vec<_> = (0..32)
        .map(|_| {
            let noisy = noisy.clone();
            tokio::spawn(async move { noisy.call(noisy.list_api_keys().send()).await })
        })
        .collect();
    // Every throttled call has had its first answer and sleeps for its 2 s Retry-After.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(throttled.calls(), 32);
    let started = Instant::now();
    bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect("the unthrottled call");
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(500),
        "32 sleeping retries held the 16 slots: the call waited {took:?}"
    );
    plain.assert_calls(1);
    for call in waiting {
        let error = call.await.expect("joined").expect_err("still throttled");
        assert!(error.is_rate_limited());
    }
    assert_eq!(throttled.calls(), 64, "each throttled call retried once");
}

#[tokio::test]
async fn a_body_that_stalls_fails_at_the_idle_timeout_not_the_attempt_timeout() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(br#"{"api_keys": ["#).await;
                // Then nothing, with the connection open.
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    let config = Config::builder()
        .bronto_base_url(format!("http://{addr}"))
        .bronto_api_key(KEY)
        .retry_policy(RetryPolicy::none())
        .attempt_timeout(Duration::from_secs(20))
        .idle_timeout(Duration::from_millis(300))
        .build()
        .expect("config");
    let sdk = Sdk::new(config).expect("sdk");
    let bronto = sdk.bronto().expect("bronto");
    let started = Instant::now();
    let error = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect_err("stalled");
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "waited {took:?} for a stalled body"
    );
    assert!(
        matches!(error.kind(), ErrorKind::Timeout | ErrorKind::Body),
        "{error}"
    );
}

/// The facade's `call` and the builders' `call()` move the generated future to the heap before the first poll, so
/// what wraps a call (a caller's `FuturesUnordered`, `join_all`, a workflow) holds a pointer, not another copy of
/// the request's whole state machine. Before, `bronto.call(search)` was 18 KB for a 3.7 KB `send()` (release): every
/// wrapper kept its own copy, and moving the call into a task copied all of it.
#[test]
fn a_call_future_does_not_grow_with_the_generated_future_it_runs() {
    let sdk = sdk_for("http://127.0.0.1:9");
    let bronto = sdk.bronto().expect("bronto");
    let search = || {
        bronto
            .post_search()
            .body(sdk::bronto_api::types::CreateSearchRequest::builder().from(["checkout"]))
            .send()
    };
    let send = std::mem::size_of_val(&search());
    let call = std::mem::size_of_val(&bronto.call(search()));
    let response = std::mem::size_of_val(&bronto.call_response(search()));
    let builder = std::mem::size_of_val(
        &bronto
            .post_search()
            .body(sdk::bronto_api::types::CreateSearchRequest::builder().from(["checkout"]))
            .call(),
    );
    // A search's future with 16 KB more state gives a facade future of the same size: it holds a pointer.
    let padded = async {
        let state = [7u8; 16384];
        let answer = search().await;
        std::hint::black_box(&state);
        answer
    };
    let padded = std::mem::size_of_val(&bronto.call(padded));
    assert!(
        call < send,
        "Api::call is {call} bytes for a {send}-byte send()"
    );
    assert!(
        response < send,
        "Api::call_response is {response} bytes for a {send}-byte send()"
    );
    assert!(
        builder < send,
        "the builder's call() is {builder} bytes for a {send}-byte send()"
    );
    assert_eq!(
        call, padded,
        "the facade's future grows with the future it runs"
    );
}
