//! What an `sdk::Error` tells a person: the operation, the status, the correlation id, and for a body that did not
//! decode the JSON path of the failing value; a short `Debug`; the body readable again without another request.

use httpmock::MockServer;
use sdk::{Config, ErrorKind, RetryPolicy, Sdk};
use serde_json::json;

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
