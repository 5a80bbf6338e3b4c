//! Operations of the `integrations`, `limits`, `live-tail`, `logs`, `monitors` and `organizations` tags against
//! httpmock.
//!
//! The harness samples leave free-form maps (`aux`, `custom_headers`, `arguments`, ...) empty, and the client
//! drops empty maps when it serializes, so a sample with `{}` in them neither matches as a request body nor
//! round-trips as a response. Those tests complete the sample with [`fill_empty_maps`] and answer with it through
//! [`mock_answering`]. Samples the sampler cannot build at all (an `anyOf` of required-field alternatives, a
//! pattern) are written out with `json!`.

use integration_tests::{Harness, operation, uuid};
use serde_json::{Value, json};

const ID: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const LOG_ID: &str = "550e8400-e29b-41d4-a716-446655440000";

/// Replaces every empty object under a known free-form key with a realistic, schema-valid, non-empty value.
fn fill_empty_maps(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                if field.as_object().is_some_and(|map| map.is_empty()) {
                    *field = match key.as_str() {
                        "aux" => {
                            json!({"runbook": "https://runbooks.example.com/errors", "priority": 2})
                        }
                        "custom_headers" => json!({"x-bronto-api-key": "xxxxx", "x-team": "core"}),
                        "arguments" => json!({
                            "environment": {"literal": "prod-eu-west-1"},
                            "log": {"input": "log_id"}
                        }),
                        "groups" => json!({"service": "checkout"}),
                        "tags" | "this_template_tags" => json!({"environment": "production"}),
                        "parameters" => json!({
                            "log_id": {"type": "STRING", "description": "The log the monitor watches"}
                        }),
                        "attributes" => json!({"$environment": "production"}),
                        "message_kvs" => json!({"method": "GET", "path": "/"}),
                        "scope" => json!({"organisation": {"id": "org-1"}}),
                        "tag" => json!({"team": "team_xxx"}),
                        other => panic!("no filler for the empty map `{other}`"),
                    };
                } else {
                    fill_empty_maps(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(fill_empty_maps),
        _ => {}
    }
}

#[tokio::test]
async fn list_slack_integrations() {
    let harness = Harness::start();
    let op = operation("listSlackIntegrations");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_slack_integrations()
        .send()
        .await
        .expect("listSlackIntegrations");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn create_slack_integration() {
    let harness = Harness::start();
    let op = operation("createSlackIntegration");
    let body = op.sample_request();
    let typed =
        serde_json::from_value::<bronto_client::types::CreateSlackIntegrationResourceRequest>(
            body.clone(),
        )
        .expect("typed body");
    let sent = body.to_string();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent)
    });
    let response = harness
        .client
        .create_slack_integration()
        .body(typed)
        .send()
        .await
        .expect("createSlackIntegration");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn list_slack_workspaces() {
    let harness = Harness::start();
    let op = operation("listSlackWorkspaces");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_slack_workspaces()
        .send()
        .await
        .expect("listSlackWorkspaces");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn delete_slack_workspace() {
    let harness = Harness::start();
    let op = operation("deleteSlackWorkspace");
    let mock = op.mock(&harness.server, &[("workspace_id", "T012AB3CD")], |when| {
        when
    });
    let response = harness
        .client
        .delete_slack_workspace()
        .workspace_id("T012AB3CD")
        .send()
        .await
        .expect("deleteSlackWorkspace");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn update_slack_integration() {
    let harness = Harness::start();
    let op = operation("updateSlackIntegration");
    let body = op.sample_request();
    let typed =
        serde_json::from_value::<bronto_client::types::UpdateSlackIntegrationRequest>(body.clone())
            .expect("typed body");
    let sent = body.to_string();
    let mock = op.mock(&harness.server, &[("slack_id", "slack-42")], move |when| {
        when.json_body_includes(sent)
    });
    let response = harness
        .client
        .update_slack_integration()
        .slack_id("slack-42")
        .body(typed)
        .send()
        .await
        .expect("updateSlackIntegration");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn delete_slack_integration() {
    let harness = Harness::start();
    let op = operation("deleteSlackIntegration");
    let mock = op.mock(&harness.server, &[("slack_id", "slack-42")], |when| when);
    let response = harness
        .client
        .delete_slack_integration()
        .slack_id("slack-42")
        .send()
        .await
        .expect("deleteSlackIntegration");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn list_webhook_integrations() {
    let harness = Harness::start();
    let op = operation("listWebhookIntegrations");
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[],
        |when| when,
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .list_webhook_integrations()
        .send()
        .await
        .expect("listWebhookIntegrations");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn create_webhook_integration() {
    let harness = Harness::start();
    let op = operation("createWebhookIntegration");
    let mut body = op.sample_request();
    fill_empty_maps(&mut body);
    let typed = serde_json::from_value::<
        bronto_client::types::CreateWebhookIntegrationResourceRequest,
    >(body.clone())
    .expect("typed body");
    let sent = body.to_string();
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[],
        move |when| when.json_body_includes(sent),
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .create_webhook_integration()
        .body(typed)
        .send()
        .await
        .expect("createWebhookIntegration");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn update_webhook_integration() {
    let harness = Harness::start();
    let op = operation("updateWebhookIntegration");
    let mut body = op.sample_request();
    fill_empty_maps(&mut body);
    let typed = serde_json::from_value::<bronto_client::types::UpdateWebhookIntegrationRequest>(
        body.clone(),
    )
    .expect("typed body");
    let sent = body.to_string();
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[("webhook_id", "webhook-7")],
        move |when| when.json_body_includes(sent),
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .update_webhook_integration()
        .webhook_id("webhook-7")
        .body(typed)
        .send()
        .await
        .expect("updateWebhookIntegration");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn delete_webhook_integration() {
    let harness = Harness::start();
    let op = operation("deleteWebhookIntegration");
    let mock = op.mock(&harness.server, &[("webhook_id", "webhook-7")], |when| when);
    let response = harness
        .client
        .delete_webhook_integration()
        .webhook_id("webhook-7")
        .send()
        .await
        .expect("deleteWebhookIntegration");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn list_limits() {
    let harness = Harness::start();
    let op = operation("listLimits");
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[],
        |when| when,
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .list_limits()
        .send()
        .await
        .expect("listLimits");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn create_limit() {
    let harness = Harness::start();
    let op = operation("createLimit");
    // `scope` is an `anyOf` of `organisation` / `tag` alternatives: the sampler builds `{}`.
    let mut body = op.sample_request();
    fill_empty_maps(&mut body);
    let typed = serde_json::from_value::<bronto_client::types::CreateLimitRequest>(body.clone())
        .expect("typed body");
    let sent = body.to_string();
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[],
        move |when| when.json_body_includes(sent),
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .create_limit()
        .body(typed)
        .send()
        .await
        .expect("createLimit");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn get_limit() {
    let harness = Harness::start();
    let op = operation("getLimit");
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[("limitId", ID)],
        |when| when,
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .get_limit()
        .limit_id(uuid(ID))
        .send()
        .await
        .expect("getLimit");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn delete_limit() {
    let harness = Harness::start();
    let op = operation("deleteLimit");
    let mock = op.mock(&harness.server, &[("limitId", ID)], |when| when);
    let response = harness
        .client
        .delete_limit()
        .limit_id(uuid(ID))
        .send()
        .await
        .expect("deleteLimit");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn update_limit() {
    let harness = Harness::start();
    let op = operation("updateLimit");
    // `scope` is an `anyOf` of `organisation` / `tag` alternatives: the sampler builds `{}`.
    let mut body = op.sample_request();
    fill_empty_maps(&mut body);
    let typed = serde_json::from_value::<bronto_client::types::UpdateLimitRequest>(body.clone())
        .expect("typed body");
    let sent = body.to_string();
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[("limitId", ID)],
        move |when| when.json_body_includes(sent),
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .update_limit()
        .limit_id(uuid(ID))
        .body(typed)
        .send()
        .await
        .expect("updateLimit");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn poll_live_tail() {
    let harness = Harness::start();
    let op = operation("pollLiveTail");
    let mock = op.mock(&harness.server, &[], |when| {
        when.query_param("job_id", "job-123")
            .query_param("limit", "50")
            .query_param("most_recent_first", "false")
    });
    let response = harness
        .client
        .poll_live_tail()
        .job_id("job-123")
        .limit(50u64)
        .most_recent_first(false)
        .send()
        .await
        .expect("pollLiveTail");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    // `{"logs": [{"events": [...]}]}` decodes whole (patch `live-tail-response-name`; before it, progenitor
    // reused the `PollLiveTailResponse` component for the envelope and dropped `logs`).
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn init_live_tail() {
    let harness = Harness::start();
    let op = operation("initLiveTail");
    // The schema is an `anyOf` of `from` / `from_expr` alternatives: the sampler builds `{}`, which is neither.
    let body = json!({"from": [LOG_ID], "where": "ERROR"});
    let typed = serde_json::from_value::<bronto_client::types::InitLiveTailRequest>(body.clone())
        .expect("typed body");
    let sent = body.to_string();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent)
    });
    let response = harness
        .client
        .init_live_tail()
        .body(typed)
        .send()
        .await
        .expect("initLiveTail");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn list_logs() {
    let harness = Harness::start();
    let op = operation("listLogs");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness.client.list_logs().send().await.expect("listLogs");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn create_log() {
    let harness = Harness::start();
    let op = operation("createLog");
    let body = op.sample_request();
    let typed = serde_json::from_value::<bronto_client::types::CreateLogRequest>(body.clone())
        .expect("typed body");
    let sent = body.to_string();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent)
    });
    let response = harness
        .client
        .create_log()
        .body(typed)
        .send()
        .await
        .expect("createLog");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn list_log_views() {
    let harness = Harness::start();
    let op = operation("listLogViews");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_log_views()
        .send()
        .await
        .expect("listLogViews");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn list_dashboards_for_log() {
    let harness = Harness::start();
    let op = operation("listDashboardsForLog");
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[("logId", ID)],
        |when| when,
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .list_dashboards_for_log()
        .log_id(uuid(ID))
        .send()
        .await
        .expect("listDashboardsForLog");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn list_monitors_for_log() {
    let harness = Harness::start();
    let op = operation("listMonitorsForLog");
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[("logId", ID)],
        |when| when,
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .list_monitors_for_log()
        .log_id(uuid(ID))
        .send()
        .await
        .expect("listMonitorsForLog");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn list_monitors() {
    let harness = Harness::start();
    let op = operation("listMonitors");
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[],
        |when| when,
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .list_monitors()
        .send()
        .await
        .expect("listMonitors");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn create_monitor() {
    let harness = Harness::start();
    let op = operation("createMonitor");
    // `queries` items are an `anyOf` of `from` / `from_expr` alternatives: the sampler builds `{}`.
    let mut body = op.sample_request();
    fill_empty_maps(&mut body);
    body["queries"] = json!([{"name": "errors", "select": ["count(*)"], "from": [LOG_ID], "where": "level = 'error'", "groups": ["service"]}]);
    let typed = serde_json::from_value::<bronto_client::types::CreateMonitorRequest>(body.clone())
        .expect("typed body");
    let sent = body.to_string();
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[],
        move |when| when.json_body_includes(sent),
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .create_monitor()
        .body(typed)
        .send()
        .await
        .expect("createMonitor");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn list_monitor_downtimes() {
    let harness = Harness::start();
    let op = operation("listMonitorDowntimes");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_monitor_downtimes()
        .send()
        .await
        .expect("listMonitorDowntimes");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn create_monitor_downtime() {
    let harness = Harness::start();
    let op = operation("createMonitorDowntime");
    let body = op.sample_request();
    let typed =
        serde_json::from_value::<bronto_client::types::CreateMonitorDowntimeRequest>(body.clone())
            .expect("typed body");
    let sent = body.to_string();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent)
    });
    let response = harness
        .client
        .create_monitor_downtime()
        .body(typed)
        .send()
        .await
        .expect("createMonitorDowntime");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn update_monitor_downtime() {
    let harness = Harness::start();
    let op = operation("updateMonitorDowntime");
    let body = op.sample_request();
    let typed =
        serde_json::from_value::<bronto_client::types::UpdateMonitorDowntimeRequest>(body.clone())
            .expect("typed body");
    let sent = body.to_string();
    let mock = op.mock(&harness.server, &[("downtimeId", ID)], move |when| {
        when.json_body_includes(sent)
    });
    let response = harness
        .client
        .update_monitor_downtime()
        .downtime_id(uuid(ID))
        .body(typed)
        .send()
        .await
        .expect("updateMonitorDowntime");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn delete_monitor_downtime() {
    let harness = Harness::start();
    let op = operation("deleteMonitorDowntime");
    let mock = op.mock(&harness.server, &[("downtimeId", ID)], |when| when);
    let response = harness
        .client
        .delete_monitor_downtime()
        .downtime_id(uuid(ID))
        .send()
        .await
        .expect("deleteMonitorDowntime");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn list_monitor_templates() {
    let harness = Harness::start();
    let op = operation("listMonitorTemplates");
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[],
        |when| when,
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .list_monitor_templates()
        .send()
        .await
        .expect("listMonitorTemplates");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn create_monitor_template() {
    let harness = Harness::start();
    let op = operation("createMonitorTemplate");
    let mut body = op.sample_request();
    fill_empty_maps(&mut body);
    let typed =
        serde_json::from_value::<bronto_client::types::CreateMonitorTemplateRequest>(body.clone())
            .expect("typed body");
    let sent = body.to_string();
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[],
        move |when| when.json_body_includes(sent),
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .create_monitor_template()
        .body(typed)
        .send()
        .await
        .expect("createMonitorTemplate");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn get_monitor_template() {
    let harness = Harness::start();
    let op = operation("getMonitorTemplate");
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[("templateId", ID)],
        |when| when,
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .get_monitor_template()
        .template_id(uuid(ID))
        .send()
        .await
        .expect("getMonitorTemplate");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn update_monitor_template() {
    let harness = Harness::start();
    let op = operation("updateMonitorTemplate");
    let mut body = op.sample_request();
    fill_empty_maps(&mut body);
    let typed =
        serde_json::from_value::<bronto_client::types::UpdateMonitorTemplateRequest>(body.clone())
            .expect("typed body");
    let sent = body.to_string();
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[("templateId", ID)],
        move |when| when.json_body_includes(sent),
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .update_monitor_template()
        .template_id(uuid(ID))
        .body(typed)
        .send()
        .await
        .expect("updateMonitorTemplate");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn delete_monitor_template() {
    let harness = Harness::start();
    let op = operation("deleteMonitorTemplate");
    let mock = op.mock(&harness.server, &[("templateId", ID)], |when| when);
    let response = harness
        .client
        .delete_monitor_template()
        .template_id(uuid(ID))
        .send()
        .await
        .expect("deleteMonitorTemplate");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn get_monitor() {
    let harness = Harness::start();
    let op = operation("getMonitor");
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[("monitorId", ID)],
        |when| when,
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .get_monitor()
        .monitor_id(uuid(ID))
        .send()
        .await
        .expect("getMonitor");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn update_monitor() {
    let harness = Harness::start();
    let op = operation("updateMonitor");
    // `queries` items are an `anyOf` of `from` / `from_expr` alternatives: the sampler builds `{}`.
    let mut body = op.sample_request();
    fill_empty_maps(&mut body);
    body["queries"] = json!([{"name": "errors", "select": ["count(*)"], "from": [LOG_ID], "where": "level = 'error'", "groups": ["service"]}]);
    let typed = serde_json::from_value::<bronto_client::types::UpdateMonitorRequest>(body.clone())
        .expect("typed body");
    let sent = body.to_string();
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[("monitorId", ID)],
        move |when| when.json_body_includes(sent),
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .update_monitor()
        .monitor_id(uuid(ID))
        .body(typed)
        .send()
        .await
        .expect("updateMonitor");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn delete_monitor() {
    let harness = Harness::start();
    let op = operation("deleteMonitor");
    let mock = op.mock(&harness.server, &[("monitorId", ID)], |when| when);
    let response = harness
        .client
        .delete_monitor()
        .monitor_id(uuid(ID))
        .send()
        .await
        .expect("deleteMonitor");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn get_monitor_events() {
    let harness = Harness::start();
    let op = operation("getMonitorEvents");
    let mock = op.mock(&harness.server, &[("monitorId", ID)], |when| {
        when.query_param("from_ts", "1767225600000")
            .query_param("to_ts", "1767229200000")
    });
    let response = harness
        .client
        .get_monitor_events()
        .monitor_id(uuid(ID))
        .from_ts(1_767_225_600_000i64)
        .to_ts(1_767_229_200_000i64)
        .send()
        .await
        .expect("getMonitorEvents");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn list_monitor_notifications() {
    let harness = Harness::start();
    let op = operation("listMonitorNotifications");
    let mock = op.mock(&harness.server, &[("monitorId", ID)], |when| {
        when.query_param("from_ts", "1767225600000")
            .query_param("to_ts", "1767229200000")
    });
    let response = harness
        .client
        .list_monitor_notifications()
        .monitor_id(uuid(ID))
        .from_ts(1_767_225_600_000i64)
        .to_ts(1_767_229_200_000i64)
        .send()
        .await
        .expect("listMonitorNotifications");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn update_monitor_status() {
    let harness = Harness::start();
    let op = operation("updateMonitorStatus");
    let body = op.sample_request();
    let typed = serde_json::from_value::<bronto_client::types::MuteMonitorRequest>(body.clone())
        .expect("typed body");
    let sent = body.to_string();
    let mut expected = op.sample_response();
    fill_empty_maps(&mut expected);
    let mock = op.mock_answering(
        &harness.server,
        &[("monitorId", ID)],
        move |when| when.json_body_includes(sent),
        "application/json",
        &expected.to_string(),
    );
    let response = harness
        .client
        .update_monitor_status()
        .monitor_id(uuid(ID))
        .body(typed)
        .send()
        .await
        .expect("updateMonitorStatus");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded_as(&expected, &response.into_inner());
}

#[tokio::test]
async fn list_org_members() {
    let harness = Harness::start();
    let op = operation("listOrgMembers");
    let mock = op.mock(&harness.server, &[("orgId", ID)], |when| when);
    let response = harness
        .client
        .list_org_members()
        .org_id(uuid(ID))
        .send()
        .await
        .expect("listOrgMembers");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn switch_organisation() {
    let harness = Harness::start();
    let op = operation("switchOrganisation");
    let mock = op.mock(
        &harness.server,
        &[("orgId", "org-1"), ("userId", "user-9")],
        |when| when,
    );
    let response = harness
        .client
        .switch_organisation()
        .org_id("org-1")
        .user_id("user-9")
        .send()
        .await
        .expect("switchOrganisation");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn grant_access() {
    let harness = Harness::start();
    let op = operation("grantAccess");
    // Role ids must match `^(<uuid>|Admin|Standard|...)$`: the sampler's `"sample"` does not.
    let body = json!({"roles": ["Admin", ID], "status": "active"});
    let typed = serde_json::from_value::<bronto_client::types::GrantAccessBody>(body.clone())
        .expect("typed body");
    let sent = body.to_string();
    let mock = op.mock(
        &harness.server,
        &[
            ("orgId", "org-1"),
            ("entityType", "user"),
            ("entityId", "user-9"),
        ],
        move |when| when.json_body_includes(sent),
    );
    let response = harness
        .client
        .grant_access()
        .org_id("org-1")
        .entity_type(bronto_client::types::GrantAccessEntityType::User)
        .entity_id("user-9")
        .body(typed)
        .send()
        .await
        .expect("grantAccess");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn revoke_access() {
    let harness = Harness::start();
    let op = operation("revokeAccess");
    let mock = op.mock(
        &harness.server,
        &[
            ("orgId", "org-1"),
            ("entityType", "group"),
            ("entityId", "group-3"),
        ],
        |when| when,
    );
    let response = harness
        .client
        .revoke_access()
        .org_id("org-1")
        .entity_type(bronto_client::types::RevokeAccessEntityType::Group)
        .entity_id("group-3")
        .send()
        .await
        .expect("revokeAccess");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn list_access_for_member() {
    let harness = Harness::start();
    let op = operation("listAccessForMember");
    let mock = op.mock(
        &harness.server,
        &[
            ("orgId", "org-1"),
            ("entityType", "user"),
            ("entityId", "user-9"),
        ],
        |when| when,
    );
    let response = harness
        .client
        .list_access_for_member()
        .org_id("org-1")
        .entity_type(bronto_client::types::ListAccessForMemberEntityType::User)
        .entity_id("user-9")
        .send()
        .await
        .expect("listAccessForMember");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}
