//! Members that hold secrets print redacted in `Debug` (build-support, `passes/redact_secrets.rs`), while serde
//! still sends and reads them: the created API key, the identity providers' client secrets, the webhooks' custom
//! headers; and every member of the generated types that the rule selects is in the committed list.

use bronto_client::types::{ApiKey, CreateIdp, CreateWebhookIntegrationResourceRequest, Idp};
use build_support::passes::redact_secrets::is_secret_name;
use integration_tests::{Harness, operation};
use serde_json::json;

const KEY: &str = "bk_live_0123456789abcdefSECRET";
const CLIENT_SECRET: &str = "oidc-client-secret-s3cr3t";

#[tokio::test]
async fn a_created_api_key_does_not_show_in_debug_but_is_there() {
    let harness = Harness::start();
    let op = operation("createApiKey");
    let answer = json!({
        "id": "0b0c5c2e-1111-4d2a-9c3b-9e1f0a2b3c4d",
        "name": "ci",
        "api_key": KEY,
        "roles": ["ReadOnly"],
        "created_at": 1731370728000i64
    })
    .to_string();
    let mock = op.mock_answering(
        &harness.server,
        &[],
        |when| when,
        "application/json",
        &answer,
    );
    let created = harness
        .client
        .create_api_key()
        .body(
            bronto_client::types::CreateApiKeyRequest::builder()
                .name("ci")
                .roles(vec!["ReadOnly".to_string()]),
        )
        .call()
        .await
        .expect("createApiKey");
    mock.assert();
    let shown = format!("{created:?}");
    assert!(!shown.contains(KEY), "the key shows in Debug: {shown}");
    assert!(
        !shown.contains("bk_live"),
        "a prefix of the key shows: {shown}"
    );
    assert!(shown.contains("api_key: Some(<redacted>)"), "{shown}");
    assert!(
        shown.contains("name: Some(\"ci\")"),
        "other members still show: {shown}"
    );
    let pretty = format!("{created:#?}");
    assert!(!pretty.contains(KEY), "{pretty}");
    // The value is there for the caller, and serialising sends it.
    assert_eq!(created.api_key.as_deref(), Some(KEY));
    let sent = serde_json::to_value(&created).expect("serialise");
    assert_eq!(sent["api_key"], KEY);
}

#[test]
fn an_absent_secret_shows_as_none() {
    let key: ApiKey = serde_json::from_value(json!({"name": "ci"})).expect("decode");
    assert!(format!("{key:?}").contains("api_key: None"), "{key:?}");
}

#[test]
fn identity_provider_client_secrets_are_redacted_and_still_sent() {
    let body = json!({
        "name": "okta",
        "provider_type": "OIDC",
        "client_id": "client-1",
        "client_secret": CLIENT_SECRET,
        "issuer_url": "https://idp.example.test",
        "attribute_mappings": [],
        "identifiers": [],
        "accept_idp_initiated": false
    });
    let created: CreateIdp = serde_json::from_value(body.clone()).expect("decode CreateIdp");
    let shown = format!("{created:?}");
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    assert!(shown.contains("client_secret: Some(<redacted>)"), "{shown}");
    assert!(
        shown.contains("client-1"),
        "the client id is not a secret: {shown}"
    );
    assert_eq!(
        serde_json::to_value(&created).expect("serialise")["client_secret"],
        CLIENT_SECRET
    );

    let idp: Idp = serde_json::from_value(body).expect("decode Idp");
    assert!(!format!("{idp:?}").contains(CLIENT_SECRET), "{idp:?}");
    assert_eq!(idp.client_secret.as_deref(), Some(CLIENT_SECRET));

    // The builder holds the value too, and shows it no more than the type.
    let builder = CreateIdp::builder()
        .name("okta")
        .client_secret(CLIENT_SECRET);
    let shown = format!("{builder:?}");
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    assert!(
        shown.contains("client_secret: Ok(Some(<redacted>))"),
        "{shown}"
    );
}

#[tokio::test]
async fn webhook_custom_headers_are_marked_sensitive_and_still_sent() {
    let harness = Harness::start();
    let op = operation("createWebhookIntegration");
    let request: CreateWebhookIntegrationResourceRequest = serde_json::from_value(json!({
        "name": "pager",
        "url": "https://hooks.example.test/in",
        "custom_headers": {"x-receiver-key": CLIENT_SECRET}
    }))
    .expect("decode");
    assert!(
        !format!("{request:?}").contains(CLIENT_SECRET),
        "{request:?}"
    );
    let mock = op.mock(&harness.server, &[], |when| {
        when.json_body_includes(
            json!({"custom_headers": {"x-receiver-key": CLIENT_SECRET}}).to_string(),
        )
    });
    harness
        .client
        .create_webhook_integration()
        .body(request)
        .send()
        .await
        .expect("createWebhookIntegration");
    // The operation's own builder (which holds the body) does not show it either.
    mock.assert();
}

#[test]
fn the_rule_selects_secrets_and_not_their_neighbours() {
    for secret in [
        "api_key",
        "apiKey",
        "client_secret",
        "clientSecret",
        "password",
        "access_token",
        "refreshToken",
        "private_key",
        "secret",
        "passphrase",
    ] {
        assert!(is_secret_name(secret), "{secret} should be redacted");
    }
    for plain in [
        "api_key_id",
        "api_keys",
        "key",
        "group_keys",
        "pagination_token",
        "next_page_token",
        "provider_key",
        "price_lookup_key",
        "token_count",
        "client_id",
        "secret_type",
        "secret_hash",
    ] {
        assert!(!is_secret_name(plain), "{plain} is not a secret");
    }
}

/// Every member of a generated type whose name the rule selects is in the summary's redacted list, and every
/// listed member is a member of that type: no type holds a secret the pass missed.
#[test]
fn every_generated_member_the_rule_selects_is_redacted() {
    let surface = bronto_client::API_SURFACE;
    let redacted: Vec<&str> = surface
        .split("\n## Redacted in Debug")
        .nth(1)
        .expect("the summary lists the redacted members")
        .lines()
        .skip(1)
        .take_while(|line| !line.is_empty())
        .collect();
    assert!(redacted.contains(&"ApiKey.api_key"), "{redacted:?}");
    assert!(redacted.contains(&"Idp.client_secret"), "{redacted:?}");
    assert!(
        redacted.contains(&"CreateIdp.client_secret"),
        "{redacted:?}"
    );
    let types = surface
        .split("\n## Types")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the summary lists the types");
    let mut owner = "";
    let mut selected = Vec::new();
    for line in types.lines() {
        if let Some(name) = line.strip_prefix("struct ") {
            owner = name.trim();
        } else if let Some(member) = line.strip_prefix("  .")
            && let Some((name, _)) = member.split_once(':')
            && is_secret_name(name.trim_start_matches("r#"))
        {
            selected.push(format!("{owner}.{name}"));
        }
    }
    assert!(!selected.is_empty());
    for member in &selected {
        assert!(
            redacted.contains(&member.as_str()),
            "{member} matches the rule but is not redacted: {redacted:?}"
        );
    }
    // Each listed member prints redacted on a real value of its type.
    let created: ApiKey = serde_json::from_value(json!({"api_key": KEY})).expect("decode");
    assert!(!format!("{created:?}").contains(KEY));
}
