//! Operations of the `api-keys` and `collections` tags against httpmock.

use integration_tests::{Harness, operation};
use serde_json::json;

#[tokio::test]
async fn list_api_keys() {
    let harness = Harness::start();
    let op = operation("listApiKeys");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_api_keys()
        .send()
        .await
        .expect("listApiKeys");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn create_api_key() {
    let harness = Harness::start();
    let op = operation("createApiKey");
    let body = json!({"name": "ci key", "roles": ["SearchApi", "IngestionApi"], "ttl": 3600});
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .create_api_key()
        .body(
            serde_json::from_value::<bronto_client::types::CreateApiKeyRequest>(body)
                .expect("typed body"),
        )
        .send()
        .await
        .expect("createApiKey");
    mock.assert();
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn delete_api_key() {
    let harness = Harness::start();
    let op = operation("deleteApiKey");
    let id = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    let mock = op.mock(&harness.server, &[("apiKeyId", id)], |when| when);
    let response = harness
        .client
        .delete_api_key()
        .api_key_id(uuid::Uuid::parse_str(id).expect("uuid"))
        .send()
        .await
        .expect("deleteApiKey");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}
