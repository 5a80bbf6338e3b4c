//! What the hand-written parts of the Bronto client guarantee: forward compatibility, credentials (which header,
//! never in `Debug`, never to another host), regions and base URLs, and the typed mocks.

use bronto_client::types::{Monitor, MonitorStatus};
use bronto_client::{ClientConfig, ClientInfo as _, Error, Region};
use integration_tests::{API_KEY, Harness, operation};
use serde_json::json;

fn monitor_from_a_newer_server() -> serde_json::Value {
    let mut monitor = operation("getMonitor").sample_response();
    monitor["status"] = json!("PAUSED");
    monitor["a_field_added_next_month"] = json!({"nested": [1, 2, 3]});
    monitor
}

#[test]
fn an_unknown_enum_value_and_an_unknown_field_still_decode() {
    let value = monitor_from_a_newer_server();
    let monitor: Monitor = serde_json::from_value(value).expect("a newer server's monitor decodes");
    assert_eq!(
        monitor.status,
        Some(MonitorStatus::UnknownValue("PAUSED".to_string()))
    );
    // The unknown value round-trips unchanged.
    let back = serde_json::to_value(&monitor).expect("serializes");
    assert_eq!(back["status"], json!("PAUSED"));
    assert_eq!(
        monitor.status.as_ref().map(ToString::to_string).as_deref(),
        Some("PAUSED")
    );
    // Known values still map to their variants.
    assert_eq!(
        "ALERT".parse::<MonitorStatus>().ok(),
        Some(MonitorStatus::Alert)
    );
}

#[tokio::test]
async fn the_client_decodes_a_response_from_a_newer_server() {
    let harness = Harness::start();
    let id = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    let body = monitor_from_a_newer_server();
    harness.server.mock(|when, then| {
        when.method("GET").path(format!("/monitors/{id}"));
        then.status(200)
            .header("content-type", "application/json")
            .body(body.to_string());
    });
    let monitor = harness
        .client
        .get_monitor()
        .monitor_id(uuid::Uuid::parse_str(id).expect("uuid"))
        .send()
        .await
        .expect("decodes")
        .into_inner();
    assert!(matches!(monitor.status, Some(MonitorStatus::UnknownValue(ref v)) if v == "PAUSED"));
}

#[tokio::test]
async fn a_bearer_token_travels_in_authorization_and_never_as_an_api_key() {
    let server = httpmock::MockServer::start();
    let mock = server.mock(|when, then| {
        when.method("GET")
            .path("/api-keys")
            .header("authorization", "Bearer jwt-token-value")
            .header_missing("x-bronto-api-key");
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"api_keys": []}"#);
    });
    let client = ClientConfig::with_base_url(server.base_url())
        .bearer_token("jwt-token-value")
        .build()
        .expect("client");
    client.list_api_keys().send().await.expect("ok");
    mock.assert();
}

#[test]
fn debug_output_of_client_and_config_never_shows_the_secret() {
    let config = ClientConfig::new(Region::Eu).api_key("super-secret-key-value");
    assert!(!format!("{config:?}").contains("super-secret"));
    let client = config.build().expect("client");
    let debug = format!("{client:?}");
    assert!(!debug.contains("super-secret"), "{debug}");
    assert!(debug.contains("api.eu.bronto.io"), "{debug}");
    let bearer = ClientConfig::new(Region::Us)
        .bearer_token("jwt-secret-value")
        .build()
        .expect("client");
    assert!(!format!("{bearer:?}").contains("jwt-secret"));
}

#[test]
fn empty_credentials_and_insecure_hosts_are_refused() {
    assert!(matches!(
        ClientConfig::new(Region::Eu).api_key("  ").build(),
        Err(bronto_client::ConfigError::EmptyCredential)
    ));
    let insecure = ClientConfig::with_base_url("http://api.eu.bronto.io")
        .api_key("k")
        .build();
    assert!(
        matches!(insecure, Err(bronto_client::ConfigError::BaseUrl(_))),
        "{insecure:?}"
    );
}

#[test]
fn regions_choose_the_vendor_host() {
    let eu = ClientConfig::new(Region::Eu)
        .api_key("k")
        .build()
        .expect("eu");
    assert_eq!(eu.baseurl(), "https://api.eu.bronto.io");
    let us = ClientConfig::new("us".parse().expect("us"))
        .api_key("k")
        .build()
        .expect("us");
    assert_eq!(us.baseurl(), "https://api.us.bronto.io");
}

#[tokio::test]
async fn a_redirect_to_another_host_is_refused_and_the_key_never_reaches_it() {
    let elsewhere = httpmock::MockServer::start();
    let stolen = elsewhere.mock(|when, then| {
        when.any_request();
        then.status(200).body(r#"{"api_keys": []}"#);
    });
    let harness = Harness::start();
    let target = format!("{}/api-keys", elsewhere.base_url());
    harness.server.mock(|when, then| {
        when.method("GET").path("/api-keys");
        then.status(307).header("location", target);
    });
    let error = harness
        .client
        .list_api_keys()
        .send()
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::CommunicationError(_)), "{error:?}");
    assert!(!error.to_string().contains(API_KEY));
    assert_eq!(stolen.calls(), 0, "the other host must receive nothing");
}

#[tokio::test]
async fn a_redirect_within_the_host_is_followed_with_the_key() {
    let harness = Harness::start();
    harness.server.mock(|when, then| {
        when.method("GET").path("/api-keys");
        then.status(307).header("location", "/v2/api-keys");
    });
    let moved = harness.server.mock(|when, then| {
        when.method("GET")
            .path("/v2/api-keys")
            .header("x-bronto-api-key", API_KEY);
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"api_keys": []}"#);
    });
    harness
        .client
        .list_api_keys()
        .send()
        .await
        .expect("followed");
    moved.assert();
}

#[tokio::test]
async fn typed_mocks_from_bronto_mock_serve_the_clients_types() {
    use bronto_mock::MockServerExt as _;
    let harness = Harness::start();
    let key: bronto_client::types::ApiKey = bronto_client::types::ApiKey::builder()
        .expires_at(1_800_000_000)
        .name("from-a-typed-mock".to_string())
        .roles(vec!["SearchApi".to_string()])
        .try_into()
        .expect("a key");
    let list: bronto_client::types::ListApiKeysResponse =
        bronto_client::types::ListApiKeysResponse::builder()
            .api_keys(vec![key.clone()])
            .try_into()
            .expect("a list");
    let mock = harness.server.list_api_keys(|when, then| {
        let _ = when;
        then.ok(&list);
    });
    let keys = harness
        .client
        .list_api_keys()
        .send()
        .await
        .expect("ok")
        .into_inner();
    mock.assert();
    assert_eq!(keys.api_keys, vec![key]);
}

#[test]
fn an_open_enums_schema_is_a_string_listing_its_known_values() {
    let schema = serde_json::to_value(schemars::schema_for!(MonitorStatus)).expect("schema");
    assert_eq!(schema["type"], json!("string"), "{schema}");
    let examples = schema["examples"].as_array().cloned().unwrap_or_default();
    for known in ["OK", "NO_DATA", "ALERT", "WARN"] {
        assert!(
            examples.contains(&json!(known)),
            "{known} missing from {schema}"
        );
    }
}
