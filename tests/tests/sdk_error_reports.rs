//! What an `sdk::Error` tells a person: the operation, the status, the correlation id, and for a body that did not
//! decode the JSON path of the failing value; a short `Debug`; the body readable again without another request.

use httpmock::MockServer;
use sdk::{Config, ErrorKind, RetryPolicy, Sdk};
use serde_json::json;

/// The SDK at `base_url` with no retries, adjusted by `adjust`.
fn sdk_with(
    base_url: String,
    adjust: impl FnOnce(sdk::ConfigBuilder) -> sdk::ConfigBuilder,
) -> Sdk {
    let builder = Config::builder()
        .bronto_base_url(base_url)
        .retry_policy(RetryPolicy::none());
    Sdk::new(adjust(builder).build().expect("config")).expect("sdk")
}

fn sdk_for(server: &MockServer) -> Sdk {
    let config = Config::builder()
        .bronto_base_url(server.base_url())
        .bronto_api_key("report-key-77aa")
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("config");
    Sdk::new(config).expect("sdk")
}

#[tokio::test]
async fn a_body_that_does_not_decode_names_the_operation_and_the_json_path() {
    let server = MockServer::start_async().await;
    let body = json!({"datasets": [
        {"id": "d-1", "collection": "prod", "dataset": "app"},
        {"id": "d-2", "collection": "prod", "dataset": {"unexpected": "object"}},
    ]});
    let mock = server.mock(|when, then| {
        when.method("GET").path("/datasets");
        then.status(200)
            .header("content-type", "application/json")
            .header("x-correlation-id", "corr-path-1")
            .json_body(body.clone());
    });
    let sdk = sdk_for(&server);
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .call(bronto.list_datasets().send())
        .await
        .expect_err("the second dataset's name is an object");
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert_eq!(error.json_path(), Some(".datasets[1].dataset"));
    let display = error.to_string();
    assert!(display.starts_with("list_datasets: "), "{display}");
    assert!(display.contains("`.datasets[1].dataset`"), "{display}");
    assert!(display.contains("status 200"), "{display}");
    assert!(display.contains("corr-path-1"), "{display}");
    assert!(display.contains("expected a string"), "{display}");
    // The data that did arrive, without another request.
    assert_eq!(error.body_json(), Some(body));
    mock.assert_calls(1);
}

#[tokio::test]
async fn debug_is_one_short_line_even_with_a_16_kib_body() {
    let server = MockServer::start_async().await;
    let details = "x".repeat(40 * 1024);
    server.mock(|when, then| {
        when.method("GET").path("/api-keys");
        then.status(500)
            .header("content-type", "application/json")
            .header("set-cookie", "session=secret-cookie")
            .json_body(json!({"code": 500, "type": "Internal Server Error", "correlation_id": "c-500", "details": details}));
    });
    let sdk = sdk_for(&server);
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect_err("500");
    assert_eq!(
        error.body_bytes().map(|b| b.len()),
        Some(sdk::MAX_ERROR_BODY)
    );
    let debug = format!("{error:?}");
    assert!(debug.len() < 500, "{} bytes: {debug}", debug.len());
    assert!(!debug.contains('\n'));
    for expected in ["Status", "list_api_keys", "500", "c-500"] {
        assert!(debug.contains(expected), "{expected} missing from {debug}");
    }
    assert!(!debug.contains("secret-cookie"));
}

#[tokio::test]
async fn display_shows_only_what_applies() {
    // Nothing listens on port 9 of loopback: no status, no correlation id.
    let config = Config::builder()
        .bronto_base_url("http://127.0.0.1:9")
        .bronto_api_key("report-key-77aa")
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("config");
    let sdk = Sdk::new(config).expect("sdk");
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect_err("refused");
    let display = error.to_string();
    assert!(!display.contains("none"), "{display}");
    assert!(!display.contains("status"), "{display}");
    assert!(display.contains("list_api_keys"), "{display}");
}

#[tokio::test]
async fn a_request_missing_a_required_member_names_the_operation_and_sends_nothing() {
    let server = MockServer::start_async().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(201);
    });
    let sdk = sdk_for(&server);
    let bronto = sdk.bronto().expect("bronto");
    let error = bronto
        .call(
            bronto
                .create_api_key()
                .body(sdk::bronto_api::types::CreateApiKeyRequest::builder().name("no roles"))
                .send(),
        )
        .await
        .expect_err("roles are required");
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert_eq!(error.operation_id(), Some("create_api_key"));
    assert!(error.to_string().contains("roles"), "{error}");
    any.assert_calls(0);
}

#[tokio::test]
async fn a_timeout_names_the_operation() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.any_request();
        then.status(200)
            .delay(std::time::Duration::from_secs(5))
            .json_body(json!({"api_keys": []}));
    });
    let sdk = sdk_for(&server);
    let bronto = sdk.bronto().expect("bronto");
    let bounded =
        bronto.with(sdk::RequestOptions::new().timeout(std::time::Duration::from_millis(50)));
    let error = bounded
        .call(bounded.list_api_keys().send())
        .await
        .expect_err("times out");
    assert!(error.is_timeout(), "{error}");
    assert_eq!(error.operation_id(), Some("list_api_keys"), "{error}");
    assert!(error.status().is_none(), "{error:?}");
}

#[tokio::test]
async fn a_builder_call_is_the_one_way_to_call_with_one_error_type() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method("GET").path("/datasets");
        then.status(200)
            .header("content-type", "application/json")
            .json_body(json!({"datasets": [{"id": "d-1", "dataset": 7}]}));
    });
    let sdk = sdk_for(&server);
    let bronto = sdk.bronto().expect("bronto");
    // No future to wrap: the builder sends under the runtime policy and answers with `sdk::Error`.
    let error: sdk::Error = bronto
        .list_datasets()
        .call()
        .await
        .expect_err("dataset 7 is not a name");
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert_eq!(error.operation_id(), Some("list_datasets"));
    assert_eq!(error.json_path(), Some(".datasets[0].dataset"));

    // A builder that cannot build its body converts into the same error with `?`.
    async fn create(bronto: &sdk::Bronto) -> Result<(), sdk::Error> {
        let request: sdk::bronto_api::types::CreateApiKeyRequest =
            sdk::bronto_api::types::CreateApiKeyRequest::builder()
                .name("no roles")
                .try_into()?;
        bronto.create_api_key().body(request).call().await?;
        Ok(())
    }
    let error = create(bronto).await.expect_err("roles are required");
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert!(error.to_string().contains("roles"), "{error}");
}

#[test]
fn a_service_can_build_an_sdk_error_for_its_own_tests() {
    let error = sdk::Error::new(ErrorKind::Status)
        .operation("list_api_keys")
        .message("the tenant is suspended");
    assert_eq!(
        error.to_string(),
        "list_api_keys: error response: the tenant is suspended"
    );
    assert!(!error.is_auth());
}

#[test]
fn typed_builders_take_plain_values() {
    use sdk::bronto_api::types;
    let search: types::CreateSearchRequest = types::CreateSearchRequest::builder()
        .select(["@raw", "level"])
        .where_("level = 'error'")
        .time_range("Last 24 hours")
        .groups(vec!["service"])
        .try_into()
        .expect("a search");
    assert_eq!(search.where_.as_deref(), Some("level = 'error'"));
    assert_eq!(search.time_range.as_deref(), Some("Last 24 hours"));
    assert_eq!(search.select, ["@raw", "level"]);
    // An Option still works, to leave a member unset.
    let unset: types::CreateSearchRequest = types::CreateSearchRequest::builder()
        .select(["@raw"])
        .where_(None::<String>)
        .try_into()
        .expect("a search");
    assert_eq!(unset.where_, None);
}

#[tokio::test]
async fn a_refused_connection_names_the_operation_the_method_and_the_host() {
    // A port that was just free: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let sdk = sdk_with(format!("http://127.0.0.1:{port}"), |config| {
        config.bronto_api_key("refused-key-3f9a")
    });
    let error = sdk
        .bronto()
        .expect("bronto")
        .list_api_keys()
        .call()
        .await
        .expect_err("nothing listens");
    assert_eq!(error.kind(), ErrorKind::Connect, "{error:?}");
    let display = error.to_string();
    assert!(
        display.starts_with("list_api_keys: connection failed"),
        "{display}"
    );
    assert!(
        display.contains(&format!("GET http://127.0.0.1:{port}/api-keys")),
        "{display}"
    );
    assert!(display.to_lowercase().contains("refused"), "{display}");
    assert!(!display.contains("status"), "{display}");
    assert!(!display.contains("refused-key-3f9a"), "{display}");
    assert!(!format!("{error:?}").contains("refused-key-3f9a"));
}

#[tokio::test]
async fn a_1_ms_deadline_is_the_same_timeout_every_time_naming_the_limit() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.any_request();
        then.status(200)
            .header("content-type", "application/json")
            .header("x-correlation-id", "slow-1")
            .delay(std::time::Duration::from_millis(20))
            .json_body(json!({"api_keys": []}));
    });
    let sdk = sdk_for(&server);
    let bounded = sdk
        .bronto()
        .expect("bronto")
        .with(sdk::RequestOptions::new().timeout(std::time::Duration::from_millis(1)));
    let mut messages = std::collections::BTreeSet::new();
    for _ in 0..100 {
        let error = bounded
            .list_api_keys()
            .call()
            .await
            .expect_err("1 ms is too short");
        assert_eq!(error.kind(), ErrorKind::Timeout, "{error:?}");
        assert_eq!(
            error.time_limit(),
            Some((
                sdk::TimeLimit::Operation,
                std::time::Duration::from_millis(1)
            ))
        );
        assert!(error.status().is_none(), "{error:?}");
        messages.insert(error.to_string());
    }
    assert_eq!(
        messages.into_iter().collect::<Vec<_>>(),
        ["list_api_keys: timed out: the operation deadline of 1ms ran out"]
    );
}

#[tokio::test]
async fn an_attempt_timeout_is_told_from_the_operation_deadline() {
    let server = MockServer::start_async().await;
    let slow = server.mock(|when, then| {
        when.any_request();
        then.status(200)
            .header("content-type", "application/json")
            .delay(std::time::Duration::from_secs(3))
            .json_body(json!({"api_keys": []}));
    });
    let sdk = sdk_with(server.base_url(), |config| {
        config
            .bronto_api_key("attempt-key")
            .attempt_timeout(std::time::Duration::from_millis(100))
            .operation_timeout(std::time::Duration::from_secs(20))
    });
    let error = sdk
        .bronto()
        .expect("bronto")
        .list_api_keys()
        .call()
        .await
        .expect_err("the attempt runs out");
    assert_eq!(
        error.time_limit(),
        Some((
            sdk::TimeLimit::Attempt,
            std::time::Duration::from_millis(100)
        )),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "list_api_keys: timed out: the attempt timeout of 100ms ran out"
    );
    slow.assert_calls(1);
}

#[tokio::test]
async fn a_workflow_error_names_its_step() {
    use sdk::bronto_api::types::{CreateExportDetails, CreateExportRequest};
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method("POST").path("/exports");
        then.status(201)
            .header("content-type", "application/json")
            .json_body(json!({"export_id": "x-1", "status": "CREATED", "progress": 0}));
    });
    server.mock(|when, then| {
        when.method("GET").path("/exports/x-1");
        then.status(200)
            .header("content-type", "application/json")
            .delay(std::time::Duration::from_secs(3))
            .json_body(json!({"export_id": "x-1", "status": "IN_PROGRESS", "progress": 5}));
    });
    let sdk = sdk_for(&server);
    let bounded = sdk
        .bronto()
        .expect("bronto")
        .with(sdk::RequestOptions::new().timeout(std::time::Duration::from_millis(200)));
    let request: CreateExportRequest = CreateExportRequest::builder()
        .search_details(CreateExportDetails::builder().where_("level = 'error'"))
        .try_into()
        .expect("a request");
    let mut sink = Vec::new();
    let options = sdk::ExportOptions::default().poll_interval(std::time::Duration::from_millis(1));
    let error = bounded
        .export_to(request, &mut sink, options, |_| {})
        .await
        .expect_err("the poll runs out of time");
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error:?}");
    // The step names the export, so a service can resume it (`Bronto::wait_for_export`).
    assert_eq!(error.step(), Some("export x-1: wait"));
    assert_eq!(
        error.to_string(),
        "export x-1: wait: get_export_by_id: timed out: the operation deadline of 200ms ran out"
    );
}

#[tokio::test]
async fn a_credential_error_names_the_call_and_sends_nothing() {
    let server = MockServer::start_async().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200);
    });
    let sdk = sdk_with(server.base_url(), |config| {
        config.bronto_per_request_credentials()
    });
    let error = sdk
        .bronto()
        .expect("bronto")
        .list_datasets()
        .call()
        .await
        .expect_err("no credential for the call");
    assert_eq!(error.kind(), ErrorKind::Credential);
    assert!(error.is_auth());
    assert!(
        error
            .to_string()
            .starts_with("list_datasets: credential error: "),
        "{error}"
    );
    any.assert_calls(0);
}

#[test]
fn a_constrained_string_names_its_type_and_constraint() {
    use sdk::bronto_api::types::CreateApiKeyRequestName;
    let name = CreateApiKeyRequestName::try_from("ci reader").expect("a valid name");
    assert_eq!(name.as_str(), "ci reader");
    let error = CreateApiKeyRequestName::try_from("").expect_err("empty");
    assert_eq!(
        error.to_string(),
        "CreateApiKeyRequestName: must not be empty"
    );
    let error = CreateApiKeyRequestName::try_from("x".repeat(256).as_str()).expect_err("too long");
    assert_eq!(
        error.to_string(),
        "CreateApiKeyRequestName: longer than 255 characters"
    );
}
