//! Operations of the `parsers`, `patterns`, `permissions`, `policies`, `search`, `tags`, `timeseries`,
//! `top-keys`, `usage`, `users`, `widget-creation-assistant` and `widgets` tags against httpmock.

use futures::StreamExt;
use integration_tests::{API_KEY, Harness, assert_json_includes, operation, uuid};
use serde_json::json;

const LOG_ID: &str = "550e8400-e29b-41d4-a716-446655440000";
const OTHER_LOG_ID: &str = "297bb888-83b1-44e0-8ab6-47879f1275a2";
const USER_ID: &str = "41521f35-1b06-41f0-9cdc-9a938b5739d1";
const WIDGET_ID: &str = "5e4b1b3b-0b3b-4b3b-8b3b-0b3b4b3b0b3b";
const CHILD_WIDGET_ID: &str = "78739235-9aa7-4eca-b7f3-4cf6ee455b8f";

// ---- parsers ----

#[tokio::test]
async fn get_parsers_usage_ratio_by_log_id() {
    let harness = Harness::start();
    let op = operation("getParsersUsageRatioByLogId");
    let mock = op.mock(&harness.server, &[], |when| {
        when.query_param("time_range", "Last 2 days")
            .query_param("limit", "10")
            .query_param("delta", "true")
            .query_param("delta_time_range", "Previous month")
    });
    let response = harness
        .client
        .get_parsers_usage_ratio_by_log_id()
        .time_range("Last 2 days")
        .limit(10)
        .delta(true)
        .delta_time_range("Previous month")
        .send()
        .await
        .expect("getParsersUsageRatioByLogId");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn get_parsers_usage_metrics_by_log_id() {
    let harness = Harness::start();
    let op = operation("getParsersUsageMetricsByLogId");
    let mock = op.mock(&harness.server, &[], |when| {
        when.query_param("from_ts", "1709251200000")
            .query_param("to_ts", "1711390455601")
            .query_param("num_of_slices", "20")
            .query_param("delta_from_ts", "1707000000000")
            .query_param("delta_to_ts", "1709000000000")
    });
    let response = harness
        .client
        .get_parsers_usage_metrics_by_log_id()
        .from_ts(1_709_251_200_000_i64)
        .to_ts(1_711_390_455_601_i64)
        .num_of_slices(20)
        .delta_from_ts(1_707_000_000_000_i64)
        .delta_to_ts(1_709_000_000_000_i64)
        .send()
        .await
        .expect("getParsersUsageMetricsByLogId");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

// ---- patterns, permissions, policies ----

#[tokio::test]
async fn post_patterns() {
    let harness = Harness::start();
    let op = operation("postPatterns");
    let body = json!({
        "search_details": {
            "from": [LOG_ID, OTHER_LOG_ID],
            "from_expr": "environment = 'production'"
        }
    });
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .post_patterns()
        .body(
            serde_json::from_value::<bronto_client::types::PostPatternsBody>(body)
                .expect("typed body"),
        )
        .send()
        .await
        .expect("postPatterns");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn list_permissions() {
    let harness = Harness::start();
    let op = operation("listPermissions");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_permissions()
        .send()
        .await
        .expect("listPermissions");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn list_policies_by_resource() {
    let harness = Harness::start();
    let op = operation("listPoliciesByResource");
    let mock = op.mock(
        &harness.server,
        &[("resource_type", "dataset"), ("resource_id", LOG_ID)],
        |when| when,
    );
    let response = harness
        .client
        .list_policies_by_resource()
        .resource_type("dataset")
        .resource_id(LOG_ID)
        .send()
        .await
        .expect("listPoliciesByResource");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

// ---- search ----

#[tokio::test]
async fn search() {
    let harness = Harness::start();
    let op = operation("search");
    let token = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    let mock = op.mock(&harness.server, &[], |when| {
        when.query_param("from", LOG_ID)
            .query_param("from", OTHER_LOG_ID)
            .query_param("time_range", "Last 10 minutes")
            .query_param("where", "ip=10.0.0.1")
            .query_param("select", "message")
            .query_param("limit", "50")
            .query_param("most_recent_first", "true")
            .query_param("pagination_token", token)
    });
    let response = harness
        .client
        .search()
        .from(vec![LOG_ID.to_string(), OTHER_LOG_ID.to_string()])
        .time_range("Last 10 minutes")
        .where_("ip=10.0.0.1")
        .select("message")
        .limit(std::num::NonZeroU64::new(50).expect("non-zero"))
        .most_recent_first(true)
        .pagination_token(token)
        .send()
        .await
        .expect("search");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn post_search() {
    let harness = Harness::start();
    let op = operation("postSearch");
    let body = op.sample_request();
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .post_search()
        .body(
            serde_json::from_value::<bronto_client::types::CreateSearchRequest>(body)
                .expect("typed body"),
        )
        .send()
        .await
        .expect("postSearch");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

// ---- tags ----

#[tokio::test]
async fn update_tag() {
    let harness = Harness::start();
    let op = operation("updateTag");
    let body = op.sample_request();
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .update_tag()
        .body(serde_json::from_value::<bronto_client::types::Tag>(body).expect("typed body"))
        .send()
        .await
        .expect("updateTag");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn create_tag() {
    let harness = Harness::start();
    let op = operation("createTag");
    let body = json!({
        "entity": {"id": LOG_ID, "type": "log"},
        "name": "team",
        "value": "payments"
    });
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .create_tag()
        .body(serde_json::from_value::<bronto_client::types::Tag>(body).expect("typed body"))
        .send()
        .await
        .expect("createTag");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn delete_tag() {
    let harness = Harness::start();
    let op = operation("deleteTag");
    let body = op.sample_request();
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .delete_tag()
        .body(serde_json::from_value::<bronto_client::types::DeleteTag>(body).expect("typed body"))
        .send()
        .await
        .expect("deleteTag");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn list_tags_by_name() {
    let harness = Harness::start();
    let op = operation("listTagsByName");
    let mock = op.mock(&harness.server, &[], |when| {
        when.query_param("name", "environment")
            .query_param("value", "production")
            .query_param("entity_type", "log")
    });
    let response = harness
        .client
        .list_tags_by_name()
        .name("environment")
        .value("production")
        .entity_type("log")
        .send()
        .await
        .expect("listTagsByName");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

// ---- timeseries, top keys ----

/// A `{name: MetricTimeseries}` map: the document's samples for these map responses are empty objects (the
/// sampler does not fill `additionalProperties`), so the tests also decode a filled one.
fn metric_timeseries_map() -> serde_json::Value {
    json!({
        "error_rate": {
            "name": "error_rate",
            "is_exact": true,
            "aggregates": [{"function": "avg", "value": 2.5}],
            "formulas": [{"name": "error_rate", "expression": "errors / total * 100"}],
            "queries": [{
                "name": "errors",
                "from": [LOG_ID],
                "select": ["response_time_ms"],
                "where": "status >= 500",
                "groups": ["service"]
            }],
            "series": [{"@timestamp": 1_711_535_140_632_i64, "count": 40, "value": 35.625}],
            "groups_series": [{
                "key": "service",
                "name": "checkout",
                "count": 12,
                "stat": "count(*)",
                "value": 12.0,
                "timeseries": [{"@timestamp": 1_711_535_140_632_i64, "count": 12, "value": 12.0}]
            }]
        }
    })
}

/// Replaces `mock` by one answering `body` for the same request, sends `request` again and checks the decoded
/// value keeps every field of `body`.
async fn check_filled_map_response<T, F>(
    harness: &Harness,
    op: &integration_tests::Operation,
    path_params: &[(&str, &str)],
    mut mock: httpmock::Mock<'_>,
    body: serde_json::Value,
    request: F,
) where
    T: serde::Serialize,
    F: std::future::Future<Output = T>,
{
    mock.delete();
    let path = op.concrete_path(path_params);
    let filled = harness.server.mock(|when, then| {
        when.method(op.method.as_str())
            .path(path)
            .header("x-bronto-api-key", API_KEY);
        then.status(200)
            .header("content-type", "application/json")
            .body(body.to_string());
    });
    let decoded = request.await;
    filled.assert();
    let actual = serde_json::to_value(&decoded).expect("re-serialize");
    assert_json_includes(&op.id, &body, &actual);
}

#[tokio::test]
async fn search_timeseries() {
    let harness = Harness::start();
    let op = operation("searchTimeseries");
    // Hand-built: the sample's only query is an empty object, which says nothing about the wire format.
    let body = json!({
        "queries": [{
            "name": "errors",
            "from": [LOG_ID],
            "select": ["response_time_ms"],
            "where": "status >= 500",
            "groups": ["service"],
            "aggregation": [{"time": "count", "reduce_to": "sum"}]
        }],
        "formulas": [{"name": "error_rate", "expression": "errors / 10", "aggregation": {"reduce_to": "avg"}}],
        "time_range": {"natural": "Last 10 minutes"},
        "limit": 50,
        "num_of_slices": 100,
        "delta": {"enabled": true, "natural": "Previous month"}
    });
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let typed =
        serde_json::from_value::<bronto_client::types::SearchTimeseries>(body).expect("typed body");
    let response = harness
        .client
        .search_timeseries()
        .body(typed.clone())
        .send()
        .await
        .expect("searchTimeseries");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());

    let client = &harness.client;
    check_filled_map_response(&harness, &op, &[], mock, metric_timeseries_map(), async {
        client
            .search_timeseries()
            .body(typed)
            .send()
            .await
            .expect("searchTimeseries (filled map)")
            .into_inner()
    })
    .await;
}

#[tokio::test]
async fn get_timeseries_from_metric_definition() {
    let harness = Harness::start();
    let op = operation("getTimeseriesFromMetricDefinition");
    let id = "41521f35-1b06-41f0-9cdc-9a938b5739d1";
    let mock = op.mock(&harness.server, &[("metric_definition_id", id)], |when| {
        when.query_param("time_range", "Last 2 days")
            .query_param("limit", "50")
            .query_param("where", "ip=10.0.0.1")
            .query_param("delta", "true")
    });
    let response = harness
        .client
        .get_timeseries_from_metric_definition()
        .metric_definition_id(uuid(id))
        .time_range("Last 2 days")
        .limit(std::num::NonZeroU64::new(50).expect("non-zero"))
        .where_("ip=10.0.0.1")
        .delta(true)
        .send()
        .await
        .expect("getTimeseriesFromMetricDefinition");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());

    let client = &harness.client;
    let params = [("metric_definition_id", id)];
    check_filled_map_response(
        &harness,
        &op,
        &params,
        mock,
        metric_timeseries_map(),
        async {
            client
                .get_timeseries_from_metric_definition()
                .metric_definition_id(uuid(id))
                .send()
                .await
                .expect("getTimeseriesFromMetricDefinition (filled map)")
                .into_inner()
        },
    )
    .await;
}

#[tokio::test]
async fn get_top_keys_by_id() {
    let harness = Harness::start();
    let op = operation("getTopKeysById");
    let mock = op.mock(&harness.server, &[], |when| {
        when.query_param("log_id", LOG_ID)
            .query_param("time_range", "Last 10 minutes")
    });
    let response = harness
        .client
        .get_top_keys_by_id()
        .log_id(uuid(LOG_ID))
        .time_range("Last 10 minutes")
        .send()
        .await
        .expect("getTopKeysById");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());

    // A filled `{log id: {key: TopKeysPerLogOrMetric}}` map (the sample is an empty object).
    let filled = json!({
        LOG_ID: {
            "status": {
                "type": "NUMBER",
                "field_type": "ATTRIBUTE",
                "rank": 5,
                "values": {"200": {"rank": 1, "value": "200"}, "503": {"rank": 2, "value": "503"}}
            },
            "hostname": {
                "type": "STRING",
                "field_type": "MESSAGE_KVP",
                "values": {"web-1": {"rank": 1, "value": "web-1"}}
            }
        }
    });
    let client = &harness.client;
    check_filled_map_response(&harness, &op, &[], mock, filled, async {
        client
            .get_top_keys_by_id()
            .log_id(uuid(LOG_ID))
            .send()
            .await
            .expect("getTopKeysById (filled map)")
            .into_inner()
    })
    .await;
}

// ---- usage ----

#[tokio::test]
async fn get_usage() {
    let harness = Harness::start();
    let op = operation("getUsage");
    let mock = op.mock(&harness.server, &[], |when| {
        when.query_param("time_range", "Last 2 days")
            .query_param("num_of_slices", "10")
            .query_param("usage_type", "search")
    });
    let response = harness
        .client
        .get_usage()
        .time_range("Last 2 days")
        .num_of_slices(10)
        .usage_type(bronto_client::types::GetUsageUsageType::Search)
        .send()
        .await
        .expect("getUsage");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn get_usage_by_log_id() {
    let harness = Harness::start();
    let op = operation("getUsageByLogId");
    let mock = op.mock(&harness.server, &[], |when| {
        when.query_param("from_ts", "1709251200000")
            .query_param("to_ts", "1711390455601")
            .query_param("usage_type", "ingestion")
            .query_param("limit", "10")
            .query_param("num_of_slices", "24")
    });
    let response = harness
        .client
        .get_usage_by_log_id()
        .from_ts(1_709_251_200_000_i64)
        .to_ts(1_711_390_455_601_i64)
        .usage_type(bronto_client::types::GetUsageByLogIdUsageType::Ingestion)
        .limit(std::num::NonZeroU64::new(10).expect("non-zero"))
        .num_of_slices(std::num::NonZeroU64::new(24).expect("non-zero"))
        .send()
        .await
        .expect("getUsageByLogId");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn get_usage_by_user_per_log_id() {
    let harness = Harness::start();
    let op = operation("getUsageByUserPerLogId");
    let mock = op.mock(&harness.server, &[], |when| {
        when.query_param("time_range", "Last 3 weeks")
            .query_param("usage_type", "search")
            .query_param("metric", "latency")
            .query_param("limit", "5")
    });
    let response = harness
        .client
        .get_usage_by_user_per_log_id()
        .time_range("Last 3 weeks")
        .usage_type(bronto_client::types::GetUsageByUserPerLogIdUsageType::Search)
        .metric(bronto_client::types::GetUsageByUserPerLogIdMetric::Latency)
        .limit(5)
        .send()
        .await
        .expect("getUsageByUserPerLogId");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

// ---- users ----

#[tokio::test]
async fn list_users() {
    let harness = Harness::start();
    let op = operation("listUsers");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness.client.list_users().send().await.expect("listUsers");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn create_user() {
    let harness = Harness::start();
    let op = operation("createUser");
    let body = json!({
        "email": "alice.smith@example.com",
        "first_name": "Alice",
        "last_name": "Smith",
        "roles": ["Admin"]
    });
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .create_user()
        .body(
            serde_json::from_value::<bronto_client::types::CreateUserRequest>(body)
                .expect("typed body"),
        )
        .send()
        .await
        .expect("createUser");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn list_all_users() {
    let harness = Harness::start();
    let op = operation("listAllUsers");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_all_users()
        .send()
        .await
        .expect("listAllUsers");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn get_user_by_id() {
    let harness = Harness::start();
    let op = operation("getUserById");
    let mock = op.mock(&harness.server, &[("userId", USER_ID)], |when| when);
    let response = harness
        .client
        .get_user_by_id()
        .user_id(uuid(USER_ID))
        .send()
        .await
        .expect("getUserById");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn delete_user_by_id() {
    let harness = Harness::start();
    let op = operation("deleteUserById");
    let mock = op.mock(&harness.server, &[("userId", USER_ID)], |when| when);
    let response = harness
        .client
        .delete_user_by_id()
        .user_id(uuid(USER_ID))
        .send()
        .await
        .expect("deleteUserById");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn update_user() {
    let harness = Harness::start();
    let op = operation("updateUser");
    let body = json!({
        "first_name": "Alice",
        "last_name": "Jones",
        "roles": ["ReadOnly"],
        "login_methods": {"Password": true}
    });
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[("userId", USER_ID)], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .update_user()
        .user_id(uuid(USER_ID))
        .body(
            serde_json::from_value::<bronto_client::types::UpdateUserRequest>(body)
                .expect("typed body"),
        )
        .send()
        .await
        .expect("updateUser");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn list_memberships() {
    let harness = Harness::start();
    let op = operation("listMemberships");
    let mock = op.mock(&harness.server, &[("userId", USER_ID)], |when| when);
    let response = harness
        .client
        .list_memberships()
        .user_id(uuid(USER_ID))
        .send()
        .await
        .expect("listMemberships");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn deactivate_user() {
    let harness = Harness::start();
    let op = operation("deactivateUser");
    let mock = op.mock(&harness.server, &[("userId", USER_ID)], |when| when);
    let response = harness
        .client
        .deactivate_user()
        .user_id(uuid(USER_ID))
        .send()
        .await
        .expect("deactivateUser");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn list_groups_for_member() {
    let harness = Harness::start();
    let op = operation("listGroupsForMember");
    let mock = op.mock(&harness.server, &[("userId", USER_ID)], |when| when);
    let response = harness
        .client
        .list_groups_for_member()
        .user_id(uuid(USER_ID))
        .send()
        .await
        .expect("listGroupsForMember");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn get_user_preferences() {
    let harness = Harness::start();
    let op = operation("getUserPreferences");
    let mock = op.mock(&harness.server, &[("userId", USER_ID)], |when| when);
    let response = harness
        .client
        .get_user_preferences()
        .user_id(USER_ID)
        .send()
        .await
        .expect("getUserPreferences");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn patch_user_preferences() {
    let harness = Harness::start();
    let op = operation("patchUserPreferences");
    // Hand-built: the sample's `features` is `{}`, which the typed body skips when serializing, so the sample
    // could never match the body on the wire.
    let body = json!({
        "defaults": {"dashboard": "3fa85f64-5717-4562-b3fc-2c963f66afa6"},
        "favourites": {
            "dashboards": ["3fa85f64-5717-4562-b3fc-2c963f66afa6"],
            "monitors": [USER_ID],
            "saved_searches": [LOG_ID]
        },
        "features": {"new_search_ui": true, "beta_widgets": false},
        "filter_null_groups": "true",
        "preferred_org": OTHER_LOG_ID,
        "timezone": "Europe/Dublin"
    });
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[("userId", USER_ID)], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .patch_user_preferences()
        .user_id(USER_ID)
        .body(
            serde_json::from_value::<bronto_client::types::PatchUserPreferencesBody>(body)
                .expect("typed body"),
        )
        .send()
        .await
        .expect("patchUserPreferences");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn reactivate_user() {
    let harness = Harness::start();
    let op = operation("reactivateUser");
    let mock = op.mock(&harness.server, &[("userId", USER_ID)], |when| when);
    let response = harness
        .client
        .reactivate_user()
        .user_id(uuid(USER_ID))
        .send()
        .await
        .expect("reactivateUser");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn resend_user_invitation() {
    let harness = Harness::start();
    let op = operation("resendUserInvitation");
    let mock = op.mock(&harness.server, &[("userId", USER_ID)], |when| when);
    let response = harness
        .client
        .resend_user_invitation()
        .user_id(uuid(USER_ID))
        .send()
        .await
        .expect("resendUserInvitation");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

// ---- widget creation assistant (server-sent events) ----

#[tokio::test]
async fn widget_creation_assistant() {
    let harness = Harness::start();
    let op = operation("widgetCreationAssistant");
    let session = "d6fd8d6f-af6e-4370-ab74-a9ef1c564e6a";
    let prompt = "errors per service over the last hour";
    // `op.mock` answers a body-less 200 here (the success body is `text/event-stream`, not JSON), so this mock
    // matches the same way (document method and path, API key) and streams a few events to compare byte for byte.
    let events = concat!(
        "data: {\"type\":\"LOADING_MESSAGE\",\"message\":\"Thinking...\"}\n\n",
        "data: {\"type\":\"AI_RESPONSE_DELTA\",\"message\":\"Here is a widget\",\"session_id\":\"s-1\"}\n\n",
        "data: {\"type\":\"RESPONSE_COMPLETED\"}\n\n",
    );
    let path = op.concrete_path(&[]);
    let mock = harness.server.mock(|when, then| {
        when.method(op.method.as_str())
            .path(path)
            .header("x-bronto-api-key", API_KEY)
            .query_param("userRequest", prompt)
            .query_param("session_id", session);
        then.status(op.success().0)
            .header("content-type", "text/event-stream")
            .body(events);
    });
    let response = harness
        .client
        .widget_creation_assistant()
        .user_request(prompt)
        .session_id(uuid(session))
        .send()
        .await
        .expect("widgetCreationAssistant");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    let mut stream = response.into_inner().into_inner();
    let mut received = Vec::new();
    while let Some(chunk) = stream.next().await {
        received.extend_from_slice(&chunk.expect("stream chunk"));
    }
    assert_eq!(String::from_utf8(received).expect("utf-8"), events);
}

// ---- widgets ----

#[tokio::test]
async fn list_widgets() {
    let harness = Harness::start();
    let op = operation("listWidgets");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_widgets()
        .send()
        .await
        .expect("listWidgets");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

fn widget_request() -> serde_json::Value {
    json!({
        "name": "5xx errors by service",
        "description": "This widget shows the 5xx errors by service",
        "type": "line",
        "metric_ids": ["3fa85f64-5717-4562-b3fc-2c963f66afa6"],
        "widget_ids": [CHILD_WIDGET_ID],
        "aux": {"color_name": "Purple"}
    })
}

#[tokio::test]
async fn create_widget() {
    let harness = Harness::start();
    let op = operation("createWidget");
    let body = widget_request();
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .create_widget()
        .body(
            serde_json::from_value::<bronto_client::types::WidgetRequest>(body)
                .expect("typed body"),
        )
        .send()
        .await
        .expect("createWidget");
    mock.assert();
    assert_eq!(response.status().as_u16(), 201);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn get_widget() {
    let harness = Harness::start();
    let op = operation("getWidget");
    let mock = op.mock(&harness.server, &[("id", WIDGET_ID)], |when| when);
    let response = harness
        .client
        .get_widget()
        .id(uuid(WIDGET_ID))
        .send()
        .await
        .expect("getWidget");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn update_widget() {
    let harness = Harness::start();
    let op = operation("updateWidget");
    // Hand-built: the sample's `aux` is `{}`, which the typed body skips when serializing.
    let body = widget_request();
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[("id", WIDGET_ID)], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .update_widget()
        .id(uuid(WIDGET_ID))
        .body(
            serde_json::from_value::<bronto_client::types::WidgetRequest>(body)
                .expect("typed body"),
        )
        .send()
        .await
        .expect("updateWidget");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn delete_widget() {
    let harness = Harness::start();
    let op = operation("deleteWidget");
    let mock = op.mock(&harness.server, &[("id", WIDGET_ID)], |when| when);
    let response = harness
        .client
        .delete_widget()
        .id(uuid(WIDGET_ID))
        .send()
        .await
        .expect("deleteWidget");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn patch_widget() {
    let harness = Harness::start();
    let op = operation("patchWidget");
    let body = json!({"name": "Updated Widget Name"});
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[("id", WIDGET_ID)], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .patch_widget()
        .id(uuid(WIDGET_ID))
        .body(
            serde_json::from_value::<bronto_client::types::PatchWidgetBody>(body)
                .expect("typed body"),
        )
        .send()
        .await
        .expect("patchWidget");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn append_widget_widgets() {
    let harness = Harness::start();
    let op = operation("appendWidgetWidgets");
    let body = json!({"widget_ids": [CHILD_WIDGET_ID, "3fa85f64-5717-4562-b3fc-2c963f66afa6"]});
    let sent = body.clone();
    let mock = op.mock(&harness.server, &[("id", WIDGET_ID)], move |when| {
        when.json_body_includes(sent.to_string())
    });
    let response = harness
        .client
        .append_widget_widgets()
        .id(uuid(WIDGET_ID))
        .body(
            serde_json::from_value::<bronto_client::types::AppendWidgetWidgetsBody>(body)
                .expect("typed body"),
        )
        .send()
        .await
        .expect("appendWidgetWidgets");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn remove_widget_widget() {
    let harness = Harness::start();
    let op = operation("removeWidgetWidget");
    let mock = op.mock(
        &harness.server,
        &[("id", WIDGET_ID), ("widgetId", CHILD_WIDGET_ID)],
        |when| when,
    );
    let response = harness
        .client
        .remove_widget_widget()
        .id(uuid(WIDGET_ID))
        .widget_id(uuid(CHILD_WIDGET_ID))
        .send()
        .await
        .expect("removeWidgetWidget");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn get_search_status() {
    let harness = Harness::start();
    let op = operation("getSearchStatus");
    let id = "92481b0a-d969-4ccd-b18d-00bc95694fe2";
    let mock = op.mock(&harness.server, &[("statusId", id)], |when| when);
    let response = harness
        .client
        .get_search_status()
        .status_id(id)
        .send()
        .await
        .expect("getSearchStatus");
    mock.assert();
    assert_eq!(response.status().as_u16(), op.success().0);
    op.assert_decoded(&response.into_inner());
}

#[tokio::test]
async fn delete_search_status() {
    let harness = Harness::start();
    let op = operation("deleteSearchStatus");
    let id = "92481b0a-d969-4ccd-b18d-00bc95694fe2";
    let mock = op.mock(&harness.server, &[("statusId", id)], |when| when);
    let response = harness
        .client
        .delete_search_status()
        .status_id(id)
        .send()
        .await
        .expect("deleteSearchStatus");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn list_organizations() {
    let harness = Harness::start();
    let op = operation("listOrganizations");
    let mock = op.mock(&harness.server, &[], |when| when);
    let response = harness
        .client
        .list_organizations()
        .send()
        .await
        .expect("listOrganizations");
    mock.assert();
    op.assert_decoded(&response.into_inner());
}
