//! Operations the live corrections add (roles, metrics and metric definitions, error analytics, saved searches:
//! served by the live service, no longer declared by its document) against httpmock: method, path, API key and
//! body come from the patched document, the answer is a sample of its declared schema.

use integration_tests::{Harness, operation};
use serde_json::json;

#[tokio::test]
async fn list_roles() {
    let harness = Harness::start();
    let op = operation("listRoles");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness.client.list_roles().send().await.expect("listRoles");
    mock.assert();
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn create_role() {
    let harness = Harness::start();
    let op = operation("createRole");
    let body = json!({"display_name": "ci role", "description": "d", "role_type": "USER", "permissions": ["logs_read"]});
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .create_role()
        .body(
            serde_json::from_value::<bronto_client::types::CreateRoleRequest>(body)
                .expect("typed body"),
        )
        .send()
        .await
        .expect("createRole");
    mock.assert();
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn get_role_by_a_system_role_name() {
    let harness = Harness::start();
    let op = operation("getRole");
    let mock = op.mock(&harness.server, &[("roleId", "Admin")], |when| when);
    let response = harness
        .client
        .get_role()
        .role_id("Admin")
        .send()
        .await
        .expect("getRole");
    mock.assert();
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn update_role_sends_the_whole_role() {
    let harness = Harness::start();
    let op = operation("updateRole");
    let body = json!({"display_name": "A", "description": "x", "role_type": "USER", "permissions": ["logs_read"]});
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[("roleId", "Admin")], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .update_role()
        .role_id("Admin")
        .body(
            serde_json::from_value::<bronto_client::types::UpdateRoleRequest>(body)
                .expect("typed body"),
        )
        .send()
        .await
        .expect("updateRole");
    mock.assert();
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn delete_role() {
    let harness = Harness::start();
    let op = operation("deleteRole");
    let mock = op.mock(&harness.server, &[("roleId", "r-1")], |when| when);
    let response = harness
        .client
        .delete_role()
        .role_id("r-1")
        .send()
        .await
        .expect("deleteRole");
    mock.assert();
    assert!(response.status().is_success());
}

#[tokio::test]
async fn list_metrics() {
    let harness = Harness::start();
    let op = operation("listMetrics");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_metrics()
        .send()
        .await
        .expect("listMetrics");
    mock.assert();
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn list_metric_definitions() {
    let harness = Harness::start();
    let op = operation("listMetricDefinitions");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_metric_definitions()
        .send()
        .await
        .expect("listMetricDefinitions");
    mock.assert();
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn create_metric_definition() {
    let harness = Harness::start();
    let op = operation("createMetricDefinition");
    let body = json!({"name": "m", "queries": [{"name": "q", "select": ["count(*)"], "from_expr": "\"dataset\" = 'x'", "where": ""}]});
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .create_metric_definition()
        .body(
            serde_json::from_value::<bronto_client::types::MetricDefinition>(body)
                .expect("typed body"),
        )
        .send()
        .await
        .expect("createMetricDefinition");
    mock.assert();
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn get_metric_definition() {
    let harness = Harness::start();
    let op = operation("getMetricDefinition");
    let mock = op.mock(&harness.server, &[("metricDefinitionId", "md-1")], |when| {
        when
    });
    let response = harness
        .client
        .get_metric_definition()
        .metric_definition_id("md-1")
        .send()
        .await
        .expect("getMetricDefinition");
    mock.assert();
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn delete_metric_definition() {
    let harness = Harness::start();
    let op = operation("deleteMetricDefinition");
    let mock = op.mock(&harness.server, &[("metricDefinitionId", "md-1")], |when| {
        when
    });
    let response = harness
        .client
        .delete_metric_definition()
        .metric_definition_id("md-1")
        .send()
        .await
        .expect("deleteMetricDefinition");
    mock.assert();
    assert!(response.status().is_success());
}

#[tokio::test]
async fn get_error_analytics() {
    let harness = Harness::start();
    let op = operation("getErrorAnalytics");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .get_error_analytics()
        .send()
        .await
        .expect("getErrorAnalytics");
    mock.assert();
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn list_saved_searches() {
    let harness = Harness::start();
    let op = operation("listSavedSearches");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_saved_searches()
        .send()
        .await
        .expect("listSavedSearches");
    mock.assert();
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn create_saved_search() {
    let harness = Harness::start();
    let op = operation("createSavedSearch");
    let body = json!({"name": "q", "log_ids": ["log-1", "log-2"], "search_details": {"from": "log-1,log-2", "select": "*,@raw", "time_range": "Last 1 hour"}});
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .create_saved_search()
        .body(
            serde_json::from_value::<bronto_client::types::CreateSavedSearchRequest>(body)
                .expect("typed body"),
        )
        .send()
        .await
        .expect("createSavedSearch");
    mock.assert();
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn get_saved_search() {
    let harness = Harness::start();
    let op = operation("getSavedSearch");
    let mock = op.mock(&harness.server, &[("savedSearchId", "ss-1")], |when| when);
    let response = harness
        .client
        .get_saved_search()
        .saved_search_id("ss-1")
        .send()
        .await
        .expect("getSavedSearch");
    mock.assert();
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn delete_saved_search() {
    let harness = Harness::start();
    let op = operation("deleteSavedSearch");
    let mock = op.mock(&harness.server, &[("savedSearchId", "ss-1")], |when| when);
    let response = harness
        .client
        .delete_saved_search()
        .saved_search_id("ss-1")
        .send()
        .await
        .expect("deleteSavedSearch");
    mock.assert();
    assert!(response.status().is_success());
}
