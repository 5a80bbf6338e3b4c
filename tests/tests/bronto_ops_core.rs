//! Core operations (api-keys update, collections, context, customer, dashboards, datasets, encryption keys,
//! explain-error, exports, forward configs, groups) against httpmock.

use futures::TryStreamExt;
use integration_tests::{Harness, Operation, bronto_document, operation, samples, uuid};
use serde_json::{Value, json};

const ID_A: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const ID_B: &str = "41521f35-1b06-41f0-9cdc-9a938b5739d1";
const ID_C: &str = "02bd4c9a-e839-4fc1-b1b4-7490a1f354e7";

/// The typed request body the builder takes, from the JSON the mock matches.
fn typed<T: serde::de::DeserializeOwned>(id: &str, body: &Value) -> T {
    serde_json::from_value(body.clone())
        .unwrap_or_else(|e| panic!("{id}: typed body from {body}: {e}"))
}

/// The operation's sample response with the values at `fills` (JSON pointers) replaced.
///
/// The sampler fills a free-form map (`additionalProperties`) with `{}`, and the generated types skip empty maps
/// when they serialize, so the harness's `assert_decoded` cannot find the key again. These operations answer with
/// the sample where each such map holds entries, which also checks that map entries decode.
fn sample_with(op: &Operation, fills: &[(&str, Value)]) -> Value {
    let mut sample = op.sample_response();
    for (pointer, value) in fills {
        let slot = sample
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{}: sample has no {pointer}", op.id));
        assert_eq!(slot, &json!({}), "{}: {pointer} is not an empty map", op.id);
        *slot = value.clone();
    }
    sample
}

fn template_arguments() -> Value {
    json!({"environment": {"literal": "prod-eu-west-1"}, "service": {"input": "service_name"}})
}

/// A dashboard sample (at `prefix`) whose template arguments are not empty.
fn dashboard_fills(prefix: &str) -> Vec<(String, Value)> {
    ["/template/arguments", "/widgets/0/template/arguments"]
        .iter()
        .map(|p| (format!("{prefix}{p}"), template_arguments()))
        .collect()
}

fn dashboard_sample(op: &Operation, prefix: &str) -> Value {
    let fills = dashboard_fills(prefix);
    let fills: Vec<(&str, Value)> = fills.iter().map(|(p, v)| (p.as_str(), v.clone())).collect();
    sample_with(op, &fills)
}

fn quantiles() -> Value {
    json!({"p50": 12.5, "p99": 240.0})
}

#[tokio::test]
async fn update_api_key() {
    let harness = Harness::start();
    let op = operation("updateApiKey");
    let body = json!({"name": "Production API Key", "roles": ["SearchApi"]});
    let mock = op.mock(&harness.server, &[("apiKeyId", ID_B)], |when| {
        when.json_body_includes(body.to_string())
    });
    let response = harness
        .client
        .update_api_key()
        .api_key_id(uuid(ID_B))
        .body(typed::<bronto_client::types::UpdateApiKeyRequest>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("updateApiKey");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn list_collections() {
    let harness = Harness::start();
    let op = operation("listCollections");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_collections()
        .send()
        .await
        .expect("listCollections");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn get_context() {
    let harness = Harness::start();
    let op = operation("getContext");
    let expected = sample_with(
        &op,
        &[
            (
                "/result/0/metadata/selectedKeys",
                json!({"level": "ERROR", "service": "checkout"}),
            ),
            (
                "/result/0/metadata/unselectedKeys",
                json!({"host": "ip-10-0-0-1"}),
            ),
        ],
    );
    let mock = op.mock_answering(
        &harness.server,
        &[],
        |when| {
            when.query_param("timestamp", "1709251200000")
                .query_param("from", ID_A)
                .query_param("from", ID_B)
                .query_param("limit", "50")
                .query_param("from_sequence", "111721913")
                .query_param("direction", "both")
                .query_param("explain_only", "false")
        },
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .get_context()
        .timestamp(1_709_251_200_000_i64)
        .from(vec![ID_A.to_string(), ID_B.to_string()])
        .limit(std::num::NonZeroU64::new(50).expect("non-zero"))
        .from_sequence(111_721_913_i64)
        .direction(bronto_client::types::GetContextDirection::Both)
        .explain_only(false)
        .send()
        .await
        .expect("getContext");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn get_customer() {
    let harness = Harness::start();
    let op = operation("getCustomer");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .get_customer()
        .send()
        .await
        .expect("getCustomer");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn update_customer() {
    let harness = Harness::start();
    let op = operation("updateCustomer");
    let body = op.sample_request();
    let mock = op.mock(&harness.server, &[], |when| {
        when.json_body_includes(body.to_string())
    });
    let response = harness
        .client
        .update_customer()
        .body(typed::<bronto_client::types::UpdateCustomerBody>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("updateCustomer");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn list_dashboards() {
    let harness = Harness::start();
    let op = operation("listDashboards");
    let expected = dashboard_sample(&op, "/dashboards/0");
    let mock = op.mock_answering(
        &harness.server,
        &[],
        |when| when,
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .list_dashboards()
        .send()
        .await
        .expect("listDashboards");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn create_dashboard() {
    let harness = Harness::start();
    let op = operation("createDashboard");
    let body = op.sample_request();
    let expected = dashboard_sample(&op, "");
    let mock = op.mock_answering(
        &harness.server,
        &[],
        |when| when.json_body_includes(body.to_string()),
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .create_dashboard()
        .body(typed::<bronto_client::types::CreateDashboardRequest>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("createDashboard");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn get_dashboard() {
    let harness = Harness::start();
    let op = operation("getDashboard");
    let expected = dashboard_sample(&op, "");
    let mock = op.mock_answering(
        &harness.server,
        &[("dashboardId", ID_A)],
        |when| when,
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .get_dashboard()
        .dashboard_id(uuid(ID_A))
        .send()
        .await
        .expect("getDashboard");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn delete_dashboard() {
    let harness = Harness::start();
    let op = operation("deleteDashboard");
    let mock = op.mock(&harness.server, &[("dashboardId", ID_A)], |when| when);
    let response = harness
        .client
        .delete_dashboard()
        .dashboard_id(ID_A)
        .send()
        .await
        .expect("deleteDashboard");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn update_dashboard() {
    let harness = Harness::start();
    let op = operation("updateDashboard");
    let body = op.sample_request();
    let expected = dashboard_sample(&op, "");
    let mock = op.mock_answering(
        &harness.server,
        &[("dashboardId", ID_A)],
        |when| when.json_body_includes(body.to_string()),
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .update_dashboard()
        .dashboard_id(uuid(ID_A))
        .body(typed::<bronto_client::types::UpdateDashboardBody>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("updateDashboard");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn detach_dashboard_from_template() {
    let harness = Harness::start();
    let op = operation("detachDashboardFromTemplate");
    let expected = dashboard_sample(&op, "");
    let mock = op.mock_answering(
        &harness.server,
        &[("dashboardId", ID_A)],
        |when| when,
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .detach_dashboard_from_template()
        .dashboard_id(uuid(ID_A))
        .send()
        .await
        .expect("detachDashboardFromTemplate");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn append_dashboard_widgets() {
    let harness = Harness::start();
    let op = operation("appendDashboardWidgets");
    let body = json!({"widget_ids": [ID_B, ID_C]});
    let mock = op.mock(&harness.server, &[("dashboardId", ID_A)], |when| {
        when.json_body_includes(body.to_string())
    });
    let response = harness
        .client
        .append_dashboard_widgets()
        .dashboard_id(uuid(ID_A))
        .body(typed::<bronto_client::types::AppendDashboardWidgetsBody>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("appendDashboardWidgets");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn remove_dashboard_widget() {
    let harness = Harness::start();
    let op = operation("removeDashboardWidget");
    let mock = op.mock(
        &harness.server,
        &[("dashboardId", ID_A), ("widgetId", ID_B)],
        |when| when,
    );
    let response = harness
        .client
        .remove_dashboard_widget()
        .dashboard_id(uuid(ID_A))
        .widget_id(uuid(ID_B))
        .send()
        .await
        .expect("removeDashboardWidget");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn list_datasets() {
    let harness = Harness::start();
    let op = operation("listDatasets");
    let expression = "collection = 'my-collection' OR environment != 'production'";
    let mock = op.mock(&harness.server, &[], |when| {
        when.query_param("from_expr", expression)
    });
    let response = harness
        .client
        .list_datasets()
        .from_expr(expression)
        .send()
        .await
        .expect("listDatasets");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn create_dataset() {
    let harness = Harness::start();
    let op = operation("createDataset");
    let body = op.sample_request();
    let mock = op.mock(&harness.server, &[], |when| {
        when.json_body_includes(body.to_string())
    });
    let response = harness
        .client
        .create_dataset()
        .body(typed::<bronto_client::types::CreateDatasetRequest>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("createDataset");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn get_dataset_parser() {
    let harness = Harness::start();
    let op = operation("getDatasetParser");
    let mock = op.mock(&harness.server, &[("datasetId", ID_A)], |when| when);
    let response = harness
        .client
        .get_dataset_parser()
        .dataset_id(uuid(ID_A))
        .send()
        .await
        .expect("getDatasetParser");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn assign_dataset_parser() {
    let harness = Harness::start();
    let op = operation("assignDatasetParser");
    let body = json!({"parser_id": ID_B});
    let mock = op.mock(&harness.server, &[("datasetId", ID_A)], |when| {
        when.json_body_includes(body.to_string())
    });
    let response = harness
        .client
        .assign_dataset_parser()
        .dataset_id(uuid(ID_A))
        .body(typed::<bronto_client::types::AssignDatasetParserBody>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("assignDatasetParser");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn unassign_dataset_parser() {
    let harness = Harness::start();
    let op = operation("unassignDatasetParser");
    let mock = op.mock(&harness.server, &[("datasetId", ID_A)], |when| when);
    let response = harness
        .client
        .unassign_dataset_parser()
        .dataset_id(uuid(ID_A))
        .send()
        .await
        .expect("unassignDatasetParser");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn list_encryption_keys() {
    let harness = Harness::start();
    let op = operation("listEncryptionKeys");
    let mock = op.mock(&harness.server, &[], |when| {
        when.query_param("provider", "AWS_KMS")
            .query_param("limit", "25")
    });
    let response = harness
        .client
        .list_encryption_keys()
        .provider(bronto_client::types::ListEncryptionKeysProvider::AwsKms)
        .limit(25_i64)
        .send()
        .await
        .expect("listEncryptionKeys");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn create_encryption_key() {
    let harness = Harness::start();
    let op = operation("createEncryptionKey");
    let body = json!({
        "name": "logs-cmk",
        "provider": "AWS_KMS",
        "aws_kms": {"alias_arn": "arn:aws:kms:eu-west-1:123456789012:alias/bronto-logs", "region": "eu-west-1"}
    });
    let mock = op.mock(&harness.server, &[], |when| {
        when.json_body_includes(body.to_string())
    });
    let response = harness
        .client
        .create_encryption_key()
        .body(typed::<bronto_client::types::CreateEncryptionKeyRequest>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("createEncryptionKey");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn get_encryption_key() {
    let harness = Harness::start();
    let op = operation("getEncryptionKey");
    let mock = op.mock(&harness.server, &[("keyId", "key-0123")], |when| when);
    let response = harness
        .client
        .get_encryption_key()
        .key_id("key-0123")
        .send()
        .await
        .expect("getEncryptionKey");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn delete_encryption_key() {
    let harness = Harness::start();
    let op = operation("deleteEncryptionKey");
    let mock = op.mock(&harness.server, &[("keyId", "key-0123")], |when| when);
    let response = harness
        .client
        .delete_encryption_key()
        .key_id("key-0123")
        .send()
        .await
        .expect("deleteEncryptionKey");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn update_encryption_key() {
    let harness = Harness::start();
    let op = operation("updateEncryptionKey");
    let body = op.sample_request();
    let mock = op.mock(&harness.server, &[("keyId", "key-0123")], |when| {
        when.json_body_includes(body.to_string())
    });
    let response = harness
        .client
        .update_encryption_key()
        .key_id("key-0123")
        .body(typed::<bronto_client::types::EncryptionKeyUpdateRequest>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("updateEncryptionKey");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

/// The success response is `text/event-stream`, which the harness's mock answers with no body: this mock streams
/// one SSE event built from the document's `AiAssistantSse` schema (with non-empty `quantiles` maps).
#[tokio::test]
async fn explain_error() {
    let harness = Harness::start();
    let op = operation("explainError");
    let (status, _) = op.success();
    let schema = op
        .spec
        .pointer(&format!(
            "/responses/{status}/content/text~1event-stream/schema"
        ))
        .expect("explainError: event-stream schema");
    let mut event = samples::sample(bronto_document(), schema);
    for pointer in [
        "/groups_series/0/quantiles",
        "/groups_series/0/timeseries/0/quantiles",
        "/groups_series/0/groups_series/0/timeseries/0/quantiles",
        "/totals/timeseries/0/quantiles",
    ] {
        let slot = event
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("explainError: event has no {pointer}"));
        *slot = quantiles();
    }
    let stream = format!("event: message\ndata: {event}\n\n");
    let mock = op.mock_answering(
        &harness.server,
        &[],
        |when| {
            when.query_param("logId", ID_B)
                .query_param("sequence", "4321569245313")
                .query_param("timestamp", "1739982464555")
                .query_param("zone_offset", "-01:00")
        },
        "text/event-stream",
        &stream,
    );
    let response = harness
        .client
        .explain_error()
        .log_id(uuid(ID_B))
        .sequence(4_321_569_245_313_i64)
        .timestamp(1_739_982_464_555_i64)
        .zone_offset("-01:00")
        .send()
        .await
        .expect("explainError");
    mock.assert();
    assert_eq!(response.status().as_u16(), status);
    let bytes: Vec<u8> = response
        .into_inner()
        .into_inner()
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .expect("explainError: reading the stream");
    assert_eq!(bytes, stream.as_bytes());
    let text = String::from_utf8(bytes).expect("explainError: UTF-8 stream");
    let data = text
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .expect("explainError: a data line");
    let decoded: bronto_client::types::AiAssistantSse =
        serde_json::from_str(data).expect("explainError: event decodes as AiAssistantSse");
    op.assert_decoded_as(&event, &decoded);
}

#[tokio::test]
async fn list_exports() {
    let harness = Harness::start();
    let op = operation("listExports");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_exports()
        .send()
        .await
        .expect("listExports");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn create_export() {
    let harness = Harness::start();
    let op = operation("createExport");
    let body = op.sample_request();
    let mock = op.mock(&harness.server, &[], |when| {
        when.json_body_includes(body.to_string())
    });
    let response = harness
        .client
        .create_export()
        .body(typed::<bronto_client::types::CreateExportRequest>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("createExport");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn get_export_by_id() {
    let harness = Harness::start();
    let op = operation("getExportById");
    let mock = op.mock(&harness.server, &[("exportId", ID_A)], |when| when);
    let response = harness
        .client
        .get_export_by_id()
        .export_id(uuid(ID_A))
        .send()
        .await
        .expect("getExportById");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn delete_export_by_id() {
    let harness = Harness::start();
    let op = operation("deleteExportById");
    let mock = op.mock(&harness.server, &[("exportId", ID_A)], |when| when);
    let response = harness
        .client
        .delete_export_by_id()
        .export_id(uuid(ID_A))
        .send()
        .await
        .expect("deleteExportById");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn list_forward_configs() {
    let harness = Harness::start();
    let op = operation("listForwardConfigs");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_forward_configs()
        .send()
        .await
        .expect("listForwardConfigs");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn create_forward_config() {
    let harness = Harness::start();
    let op = operation("createForwardConfig");
    let body = op.sample_request();
    let mock = op.mock(&harness.server, &[], |when| {
        when.json_body_includes(body.to_string())
    });
    let response = harness
        .client
        .create_forward_config()
        .body(typed::<bronto_client::types::ForwardConfigRequest>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("createForwardConfig");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn test_destination() {
    let harness = Harness::start();
    let op = operation("testDestination");
    let body = op.sample_request();
    let mock = op.mock(&harness.server, &[], |when| {
        when.json_body_includes(body.to_string())
    });
    let response = harness
        .client
        .test_destination()
        .body(typed::<bronto_client::types::ForwardConfigDestination>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("testDestination");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn update_forward_config() {
    let harness = Harness::start();
    let op = operation("updateForwardConfig");
    let body = json!({
        "name": "Archive errors to S3",
        "all_logs": false,
        "log_ids": [ID_C],
        "compression": "GZIP",
        "filter": "level='ERROR'",
        "max_buffer_time_ms": 30000,
        "max_payload_size_bytes": 500000,
        "max_payload_size_events": 500,
        "destination": {
            "destination_type": "S3",
            "bucket": "my-archive-bucket",
            "prefix": "bronto/errors/",
            "storage_class": "STANDARD_IA"
        }
    });
    let mock = op.mock(&harness.server, &[("forwardId", ID_B)], |when| {
        when.json_body_includes(body.to_string())
    });
    let response = harness
        .client
        .update_forward_config()
        .forward_id(uuid(ID_B))
        .body(typed::<bronto_client::types::ForwardConfigRequest>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("updateForwardConfig");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn delete_forward_config() {
    let harness = Harness::start();
    let op = operation("deleteForwardConfig");
    let mock = op.mock(&harness.server, &[("forwardId", ID_B)], |when| when);
    let response = harness
        .client
        .delete_forward_config()
        .forward_id(uuid(ID_B))
        .send()
        .await
        .expect("deleteForwardConfig");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn list_groups() {
    let harness = Harness::start();
    let op = operation("listGroups");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_groups()
        .send()
        .await
        .expect("listGroups");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn create_group() {
    let harness = Harness::start();
    let op = operation("createGroup");
    let body = json!({"name": "sre", "description": "Site reliability engineers"});
    let mock = op.mock(&harness.server, &[], |when| {
        when.json_body_includes(body.to_string())
    });
    let response = harness
        .client
        .create_group()
        .body(typed::<bronto_client::types::CreateGroup>(&op.id, &body))
        .send()
        .await
        .expect("createGroup");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn get_group() {
    let harness = Harness::start();
    let op = operation("getGroup");
    let mock = op.mock(&harness.server, &[("groupId", ID_C)], |when| when);
    let response = harness
        .client
        .get_group()
        .group_id(uuid(ID_C))
        .send()
        .await
        .expect("getGroup");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn delete_group() {
    let harness = Harness::start();
    let op = operation("deleteGroup");
    let mock = op.mock(&harness.server, &[("groupId", ID_C)], |when| when);
    let response = harness
        .client
        .delete_group()
        .group_id(uuid(ID_C))
        .send()
        .await
        .expect("deleteGroup");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn update_group() {
    // The document declared the timeseries `Group` here; patch `update-group-returns-a-user-group` makes it the
    // `UserGroup` the operation updates.
    let harness = Harness::start();
    let op = operation("updateGroup");
    let body = op.sample_request();
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[("groupId", ID_C)], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .update_group()
        .group_id(uuid(ID_C))
        .body(typed::<bronto_client::types::UserGroup>(&op.id, &body))
        .send()
        .await
        .expect("updateGroup");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    let group: bronto_client::types::UserGroup = response.into_inner();
    op.assert_decoded(&group);
}

#[tokio::test]
async fn list_group_members() {
    let harness = Harness::start();
    let op = operation("listGroupMembers");
    let mock = op.mock(&harness.server, &[("groupId", ID_C)], |when| when);
    let response = harness
        .client
        .list_group_members()
        .group_id(uuid(ID_C))
        .send()
        .await
        .expect("listGroupMembers");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn add_group_members() {
    let harness = Harness::start();
    let op = operation("addGroupMembers");
    let body = json!({"members": [
        {"member_id": ID_A, "member_type": "USER"},
        {"member_id": ID_B, "member_type": "GROUP"}
    ]});
    let mock = op.mock(&harness.server, &[("groupId", ID_C)], |when| {
        when.json_body_includes(body.to_string())
    });
    let response = harness
        .client
        .add_group_members()
        .group_id(uuid(ID_C))
        .body(typed::<bronto_client::types::AddGroupMembersBody>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("addGroupMembers");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn remove_group_members() {
    let harness = Harness::start();
    let op = operation("removeGroupMembers");
    let body = op.sample_request();
    let mock = op.mock(&harness.server, &[("groupId", ID_C)], |when| {
        when.json_body_includes(body.to_string())
    });
    let response = harness
        .client
        .remove_group_members()
        .group_id(uuid(ID_C))
        .body(typed::<bronto_client::types::RemoveGroupMembersBody>(
            &op.id, &body,
        ))
        .send()
        .await
        .expect("removeGroupMembers");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}
