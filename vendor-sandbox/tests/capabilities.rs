//! One test per capability of the sandbox, through the SDK's typed calls, and the refusals: what it does not
//! implement answers 501 naming it.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use futures::TryStreamExt as _;
use sdk::bronto_api::types;
use serde_json::{Value, json};
use vendor_sandbox::{RateLimitBudget, SANDBOX_DATASET, Sandbox};

fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

fn sdk_for(sandbox: &Sandbox) -> sdk::Sdk {
    sdk::Sdk::new(sandbox.config()).unwrap()
}

async fn search(
    bronto: &sdk::Bronto,
    body: Value,
) -> Result<types::PostSearchResponse, sdk::Error> {
    bronto
        .post_search()
        .body(typed::<types::CreateSearchRequest>(body))
        .call()
        .await
}

/// Ingests `lines` (NDJSON) into `dataset` through the SDK's ingestion client.
async fn ingest(sdk: &sdk::Sdk, dataset: &str, events: Vec<sdk::ingest::Event>) {
    let ingestor = sdk.ingestion().unwrap().dataset(dataset).build().unwrap();
    for event in events {
        ingestor.send(event).await.unwrap();
    }
    let report = ingestor.close().await;
    assert_eq!(report.failed, 0, "{report}");
}

#[tokio::test]
async fn select_projects_the_chosen_keys_into_result_rows_beside_whole_events() {
    let sandbox = Sandbox::start().await;
    let sdk = sdk_for(&sandbox);
    let answer = search(
        sdk.bronto().unwrap(),
        json!({"from": [SANDBOX_DATASET], "select": ["level", "order", "absent"], "where": "order < 3"}),
    )
    .await
    .unwrap();
    assert_eq!(answer.events.len(), 3);
    assert_eq!(answer.result.len(), 3);
    let row = &answer.result[0].extra;
    let mut keys: Vec<&String> = row.keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["absent", "level", "order"],
        "only the selected keys: {row:?}"
    );
    assert_eq!(
        row["absent"],
        Value::Null,
        "a missing key is padded with null, as live"
    );
    assert_eq!(row["order"], 0);
    assert!(
        answer.events[0].raw.is_some(),
        "whole events keep @raw unless `*` alone is selected"
    );
    let star = search(
        sdk.bronto().unwrap(),
        json!({"from": [SANDBOX_DATASET], "select": ["*"], "limit": 1}),
    )
    .await
    .unwrap();
    assert!(
        star.events[0].raw.is_none(),
        "`*` alone nulls @raw, as live"
    );
}

#[tokio::test]
async fn time_ranges_relative_and_absolute_choose_the_events_by_their_timestamp() {
    let sandbox = Sandbox::start().await;
    let sdk = sdk_for(&sandbox);
    let now = chrono::Utc::now();
    let nine_days_ago = now - chrono::Duration::days(9);
    ingest(
        &sdk,
        "timed",
        vec![
            sdk::ingest::Event::new("old").field("timestamp", nine_days_ago.to_rfc3339()),
            sdk::ingest::Event::new("recent")
                .field("timestamp", (now - chrono::Duration::hours(2)).to_rfc3339()),
            sdk::ingest::Event::new("now"),
        ],
    )
    .await;
    let bronto = sdk.bronto().unwrap();
    let messages = |answer: types::PostSearchResponse| -> Vec<String> {
        answer
            .events
            .iter()
            .map(|e| e.attributes["message"].as_str().unwrap().to_string())
            .collect()
    };
    let day = search(
        bronto,
        json!({"from": ["timed"], "select": ["*"], "time_range": "Last 24 hours"}),
    )
    .await
    .unwrap();
    assert_eq!(
        messages(day),
        ["recent", "now"],
        "a 9-day-old event is not in the last 24 hours"
    );
    let hour = search(
        bronto,
        json!({"from": ["timed"], "select": ["*"], "time_range": "Last 1 hour"}),
    )
    .await
    .unwrap();
    assert_eq!(messages(hour), ["now"]);
    let from_ts = (nine_days_ago - chrono::Duration::minutes(1)).timestamp_millis();
    let to_ts = (nine_days_ago + chrono::Duration::minutes(1)).timestamp_millis();
    let absolute = search(
        bronto,
        json!({"from": ["timed"], "select": ["*"], "from_ts": from_ts, "to_ts": to_ts}),
    )
    .await
    .unwrap();
    assert_eq!(messages(absolute), ["old"]);
}

#[tokio::test]
async fn where_filters_ingested_events_with_comparisons_in_like_and_null() {
    let sandbox = Sandbox::start().await;
    let sdk = sdk_for(&sandbox);
    let bronto = sdk.bronto().unwrap();
    let count = |clause: &'static str| async move {
        let answer = search(
            bronto,
            json!({"from": [SANDBOX_DATASET], "select": ["*"], "where": clause}),
        )
        .await;
        answer.unwrap().events.len()
    };
    assert_eq!(count("level = 'error'").await, 10);
    assert_eq!(
        count("level = 'error' AND latency_ms >= 200").await,
        6,
        "220 to 370 ms"
    );
    assert_eq!(
        count("path IN ('/pay', '/cart') OR level = 'warn'").await,
        20,
        "16 on those paths, 4 other warns"
    );
    assert_eq!(
        count("message LIKE 'warn: order 1%'").await,
        5,
        "warn orders 1, 10, 13, 16, 19"
    );
    assert_eq!(count("NOT level = 'info' AND missing IS NULL").await, 20);
}

#[tokio::test]
async fn aggregates_answer_in_the_live_shape_totals_slices_and_groups() {
    let sandbox = Sandbox::start().await;
    let sdk = sdk_for(&sandbox);
    let bronto = sdk.bronto().unwrap();
    // count(*) in 6 slices of the last hour: the totals and their timeseries.
    let counted = search(
        bronto,
        json!({"select": ["count(*)"], "time_range": "Last 1 hour", "num_of_slices": 6}),
    )
    .await
    .unwrap();
    let totals = counted.totals.expect("totals");
    assert_eq!(totals.count, Some(30));
    assert_eq!(totals.timeseries.len(), 6);
    assert_eq!(
        totals
            .timeseries
            .iter()
            .filter_map(|s| s.count)
            .sum::<i64>(),
        30
    );
    assert!(
        totals.timeseries.iter().all(|s| s.timestamp.is_some()),
        "numeric @timestamp per slice"
    );
    assert!(
        counted.events.is_empty(),
        "an aggregate is not answered with raw events"
    );

    // avg and max of a field.
    let average = search(
        bronto,
        json!({"select": ["avg(latency_ms)"], "where": "level = 'error'"}),
    )
    .await
    .unwrap();
    let average = average.totals.unwrap().extra["avg(latency_ms)"]
        .as_f64()
        .unwrap();
    assert!(
        (average - 235.0).abs() < 1e-9,
        "(100 + 130 + ... + 370) / 10: {average}"
    );
    let max = search(bronto, json!({"select": ["max(latency_ms)"]}))
        .await
        .unwrap();
    assert_eq!(max.totals.unwrap().extra["max(latency_ms)"], 390.0);

    // The aggregate table: count by level in slices.
    let table = search(
        bronto,
        json!({"select": ["count(*)"], "groups": ["level"], "time_range": "Last 24 hours", "num_of_slices": 4}),
    )
    .await
    .unwrap();
    let rows: Vec<(String, i64, usize)> = table
        .groups_series
        .iter()
        .map(|g| {
            (
                g.name.clone().unwrap(),
                g.count.unwrap(),
                g.timeseries.len(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("error".into(), 10, 4),
            ("info".into(), 10, 4),
            ("warn".into(), 10, 4)
        ],
        "ten each, four slices each"
    );
    assert_eq!(
        table.groups[0].group.as_deref(),
        Some("[error]"),
        "the legacy bracketed group"
    );

    // Two group keys: nested groups, and `limit` keeps the top groups.
    let nested = search(
        bronto,
        json!({"select": ["count(*)"], "groups": ["path", "level"], "limit": 2, "where": "level != 'info'"}),
    )
    .await
    .unwrap();
    assert_eq!(nested.groups_series.len(), 2);
    let first = &nested.groups_series[0];
    assert_eq!(first.key.as_deref(), Some("path"));
    assert_eq!(
        first
            .groups_series
            .iter()
            .map(|g| g.count.unwrap())
            .sum::<i64>(),
        first.count.unwrap()
    );
}

#[tokio::test]
async fn an_export_honours_its_search() {
    let sandbox = Sandbox::start().await;
    let sdk = sdk_for(&sandbox);
    let request: types::CreateExportRequest = typed(json!({"search_details": {
        "from": [SANDBOX_DATASET], "time_range": "Last 24 hours", "where": "level = 'warn' AND latency_ms > 300"}}));
    let mut data = Vec::new();
    let options = sdk::ExportOptions::default().poll_interval(Duration::from_millis(5));
    let outcome = sdk
        .bronto()
        .unwrap()
        .export_to(request, &mut data, options, |_| {})
        .await
        .unwrap();
    let lines: Vec<Value> = String::from_utf8(data)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        3,
        "warn events with latency over 300 ms: orders 22, 25, 28"
    );
    assert!(
        lines
            .iter()
            .all(|event| event["level"] == "warn" && event["latency_ms"].as_i64() > Some(300))
    );
    assert_eq!(outcome.events, Some(3));
}

#[tokio::test]
async fn created_keys_do_what_their_roles_allow() {
    let sandbox = Sandbox::start().await;
    let admin = sdk_for(&sandbox);
    let create = |roles: Value| {
        let request: types::CreateApiKeyRequest = typed(json!({"name": "k", "roles": roles}));
        let bronto = admin.bronto().unwrap();
        async move { bronto.create_api_key().body(request).call().await.unwrap() }
    };
    let with_key = |key: &str| {
        sdk::Sdk::new(
            sandbox
                .config_builder()
                .bronto_api_key(key)
                .build()
                .unwrap(),
        )
        .unwrap()
    };

    // A key created through the SDK is accepted.
    let both = create(json!(["SearchApi", "IngestionApi"])).await;
    let both_sdk = with_key(both.api_key.as_deref().unwrap());
    ingest(&both_sdk, "mine", vec![sdk::ingest::Event::new("hello")]).await;
    let found = search(
        both_sdk.bronto().unwrap(),
        json!({"from": ["mine"], "select": ["*"]}),
    )
    .await
    .unwrap();
    assert_eq!(found.events.len(), 1);

    // An ingestion-only key is refused by the API with 403, as live, and ingests.
    let ingestion = create(json!(["IngestionApi"])).await;
    let ingestion_sdk = with_key(ingestion.api_key.as_deref().unwrap());
    let error = search(ingestion_sdk.bronto().unwrap(), json!({"select": ["*"]}))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403), "{error}");
    ingest(
        &ingestion_sdk,
        "mine",
        vec![sdk::ingest::Event::new("from the ingestion key")],
    )
    .await;

    // A search-only key cannot ingest.
    let reader = create(json!(["SearchApi"])).await;
    let reader_sdk = with_key(reader.api_key.as_deref().unwrap());
    let ingestor = reader_sdk
        .ingestion()
        .unwrap()
        .dataset("mine")
        .build()
        .unwrap();
    ingestor
        .send(sdk::ingest::Event::new("refused"))
        .await
        .unwrap();
    assert_eq!(ingestor.close().await.failed, 1);

    // A deleted key is refused.
    admin
        .bronto()
        .unwrap()
        .delete_api_key()
        .api_key_id(reader.id.as_deref().unwrap())
        .call()
        .await
        .unwrap();
    let error = reader_sdk
        .bronto()
        .unwrap()
        .list_api_keys()
        .call()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn two_tenants_with_created_keys_see_only_their_own_data() {
    use sdk::{Credential, RequestOptions};
    let sandbox = Sandbox::start().await;
    let acme_admin = sandbox.tenant("acme");
    let globex_admin = sandbox.tenant("globex");
    let config = sandbox
        .config_builder()
        .bronto_per_request_credentials()
        .build()
        .unwrap();
    let sdk = sdk::Sdk::new(config).unwrap();
    let shared = sdk.bronto().unwrap();
    let mut service_keys = Vec::new();
    for (admin, tenant) in [(&acme_admin, "acme"), (&globex_admin, "globex")] {
        let as_admin =
            shared.with(RequestOptions::new().credential(Credential::api_key(admin.as_str())));
        let request: types::CreateApiKeyRequest = typed(
            json!({"name": format!("{tenant} service"), "roles": ["SearchApi", "IngestionApi"]}),
        );
        let created = as_admin
            .create_api_key()
            .body(request)
            .call()
            .await
            .unwrap();
        let key = created.api_key.unwrap();
        let ingestor_sdk = sdk::Sdk::new(
            sandbox
                .config_builder()
                .bronto_api_key(key.as_str())
                .build()
                .unwrap(),
        )
        .unwrap();
        ingest(
            &ingestor_sdk,
            "orders",
            vec![sdk::ingest::Event::new(format!("{tenant} order"))],
        )
        .await;
        service_keys.push((tenant, key));
    }
    for (tenant, key) in &service_keys {
        let handle =
            shared.with(RequestOptions::new().credential(Credential::api_key(key.as_str())));
        let request: types::CreateSearchRequest =
            typed(json!({"from": ["orders"], "select": ["*"]}));
        let events: Vec<_> = handle.search_events(request).try_collect().await.unwrap();
        let messages: Vec<_> = events
            .iter()
            .map(|e| e.attributes["message"].clone())
            .collect();
        assert_eq!(
            messages,
            [json!(format!("{tenant} order"))],
            "{tenant} sees its own order only"
        );
        let keys = handle.list_api_keys().call().await.unwrap();
        assert_eq!(keys.api_keys.len(), 1, "{tenant} lists its own key");
    }
}

#[tokio::test]
async fn monitors_are_created_listed_read_and_muted() {
    let sandbox = Sandbox::start().await;
    let sdk = sdk_for(&sandbox);
    let bronto = sdk.bronto().unwrap();
    let request: types::CreateMonitorRequest = typed(json!({
        "name": "checkout errors", "monitor_type": "THRESHOLD", "window": "5m", "threshold": 10.0,
        "comparison_operator": "GREATER_THAN", "actions": [],
        "queries": [{"query": "level = 'error'", "from": [SANDBOX_DATASET]}],
    }));
    let created = bronto.create_monitor().body(request).call().await.unwrap();
    let id = created.id.clone().unwrap();
    assert_eq!(
        created.name.as_ref().map(|n| n.to_string()).as_deref(),
        Some("checkout errors")
    );
    assert_eq!(created.muted_until, None);
    let listed = bronto.list_monitors().call().await.unwrap();
    assert_eq!(listed.monitors.len(), 1);
    let until = chrono::Utc::now().timestamp_millis() + 3_600_000;
    let muted = bronto
        .update_monitor_status()
        .monitor_id(&id)
        .body(typed::<types::MuteMonitorRequest>(
            json!({"mute_until": until}),
        ))
        .call()
        .await
        .unwrap();
    assert_eq!(muted.muted_until, Some(until));
    let read = bronto.get_monitor().monitor_id(&id).call().await.unwrap();
    assert_eq!(read.muted_until, Some(until), "the mute is kept");
    let unmuted = bronto
        .update_monitor_status()
        .monitor_id(&id)
        .body(typed::<types::MuteMonitorRequest>(json!({"mute_until": 0})))
        .call()
        .await
        .unwrap();
    assert_eq!(unmuted.muted_until, None);
    let error = bronto
        .get_monitor()
        .monitor_id("no-such-monitor")
        .call()
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error}");
}

#[tokio::test]
async fn a_users_groups_follow_the_group_members() {
    let sandbox = Sandbox::start().await;
    let sdk = sdk_for(&sandbox);
    let bronto = sdk.bronto().unwrap();
    let user = bronto
        .create_user()
        .body(typed::<types::CreateUserRequest>(json!({
            "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "roles": ["Viewer"]})))
        .call()
        .await
        .unwrap();
    let user_id = user.id.clone().unwrap();
    let mut groups = Vec::new();
    for name in ["on-call", "payments", "unrelated"] {
        let group = bronto
            .create_group()
            .body(typed::<types::CreateGroup>(json!({"name": name})))
            .call()
            .await
            .unwrap();
        groups.push(group.group_id.unwrap());
    }
    for group_id in &groups[..2] {
        bronto
            .add_group_members()
            .group_id(group_id)
            .body(typed::<types::AddGroupMembersBody>(
                json!({"members": [{"member_id": user_id, "member_type": "USER"}]}),
            ))
            .call()
            .await
            .unwrap();
    }
    let of_user = bronto
        .list_groups_for_member()
        .user_id(&user_id)
        .call()
        .await
        .unwrap();
    // The live service answers the ids of the user's groups.
    let mut ids: Vec<String> = of_user.groups.clone();
    ids.sort();
    let mut expected: Vec<String> = groups[..2].iter().map(|id| id.to_string()).collect();
    expected.sort();
    assert_eq!(ids, expected);
    let members = bronto
        .list_group_members()
        .group_id(&groups[0])
        .call()
        .await
        .unwrap();
    assert_eq!(
        members.members[0].member_id.as_deref(),
        Some(user_id.as_str())
    );
    assert_eq!(bronto.list_users().call().await.unwrap().users.len(), 1);
}

/// The status line and headers (lower-cased) of a plain `GET path` with the sandbox's key.
async fn response_head(base_url: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let address = base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nhost: {address}\r\nx-bronto-api-key: {}\r\nconnection: close\r\n\r\n",
        vendor_sandbox::SANDBOX_API_KEY
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).to_string();
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    head.lines()
        .map(|line| {
            format!(
                "{}\r\n",
                line.to_ascii_lowercase().replace("http/1.1", "HTTP/1.1")
            )
        })
        .collect()
}

#[tokio::test]
async fn the_rate_limit_headers_count_down_and_a_spent_budget_is_a_429_with_retry_after() {
    let budget = RateLimitBudget {
        limit: 2,
        window: Duration::from_secs(120),
    };
    let sandbox = Sandbox::builder().rate_limit(budget).start().await;
    for remaining in ["1", "0"] {
        let head = response_head(&sandbox.bronto_base_url(), "/api-keys").await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.contains("ratelimit-limit: 2\r\n"), "{head}");
        assert!(
            head.contains(&format!("ratelimit-remaining: {remaining}\r\n")),
            "{head}"
        );
        assert!(head.contains("ratelimit-reset: "), "{head}");
    }
    // The SDK, not retrying: the 429 with the retry hint and the attempts in its message.
    let config = sandbox.config_builder().max_attempts(1).build().unwrap();
    let error = sdk::Sdk::new(config)
        .unwrap()
        .bronto()
        .unwrap()
        .list_api_keys()
        .call()
        .await
        .unwrap_err();
    assert!(error.is_rate_limited(), "{error}");
    let hint = error.rate_limit().retry_after.expect("Retry-After");
    assert!(
        hint > Duration::ZERO && hint <= Duration::from_secs(120),
        "{hint:?}"
    );
    let message = error.to_string();
    assert!(message.contains("retry after"), "{message}");
    assert!(message.contains("(1 attempt made)"), "{message}");
    assert!(message.contains("Maximum 2 requests"), "{message}");
}

#[tokio::test]
async fn what_the_sandbox_does_not_implement_is_a_501_naming_it() {
    let sandbox = Sandbox::start().await;
    let sdk = sdk_for(&sandbox);
    let bronto = sdk.bronto().unwrap();
    // An operation.
    let error = bronto.list_dashboards().call().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(501));
    assert!(
        error
            .to_string()
            .contains("listDashboards (GET /dashboards)"),
        "{error}"
    );
    // Query features: each named, none answered with a plausible wrong answer.
    for (body, named) in [
        (
            json!({"select": ["*"], "time_range": "Yesterday"}),
            "Yesterday",
        ),
        (
            json!({"select": ["percentile(latency_ms, 99)"]}),
            "percentile",
        ),
        (
            json!({"select": ["*"], "order_by": "latency_ms DESC"}),
            "order_by",
        ),
        (
            json!({"select": ["*"], "from_expr": "collection = 'shop'"}),
            "from_expr",
        ),
        (
            json!({"select": ["count(*)"], "groups": ["a", "b", "c"]}),
            "more than two `groups`",
        ),
        (
            json!({"select": ["*"], "where": "lower(level) = 'error'"}),
            "lower(...)",
        ),
    ] {
        let error = search(bronto, body.clone()).await.unwrap_err();
        assert_eq!(
            error.status().map(|s| s.as_u16()),
            Some(501),
            "{body}: {error}"
        );
        assert!(error.to_string().contains(named), "{body}: {error}");
    }
    // A path the document does not have is still a 404.
    let error = bronto.get::<Value>("/no/such/route").await.unwrap_err();
    assert!(error.is_not_found());
}

#[tokio::test]
async fn a_test_adds_its_own_routes_and_scripted_replies_to_a_running_sandbox() {
    use bronto_mock::MockServerExt as _;
    use vendor_sandbox::conversation::{Conversation, Reply};
    let sandbox = Sandbox::start().await;
    let sdk = sdk_for(&sandbox);
    let bronto = sdk.bronto().unwrap();
    // Before: the sandbox's own answer.
    assert_eq!(
        bronto.list_api_keys().call().await.unwrap().api_keys.len(),
        2
    );
    let conversation = Conversation::new([
        Reply::error(429, "slow down").retry_after(0),
        Reply::error(429, "slow down").retry_after(0),
        Reply::json(200, &json!({"api_keys": []})),
    ]);
    let mock = sandbox.route(|server| {
        server.list_api_keys(|_when, then| {
            conversation.answer(then.into_inner());
        })
    });
    let keys = bronto.list_api_keys().call().await.unwrap();
    assert!(keys.api_keys.is_empty(), "the test's route answered");
    assert_eq!(
        conversation.calls(),
        3,
        "429, 429, then 200: the SDK retried twice"
    );
    mock.assert_calls(3);
    // Everything else is still the sandbox.
    assert_eq!(
        bronto.list_datasets().call().await.unwrap().datasets.len(),
        1
    );
}

#[tokio::test]
async fn a_delayed_reply_exercises_the_attempt_timeout() {
    use bronto_mock::MockServerExt as _;
    use bronto_mock::httpmock::MockServer;
    use vendor_sandbox::conversation::{Conversation, Reply};
    let server = MockServer::start_async().await;
    let conversation = Conversation::new([
        Reply::json(200, &json!({"api_keys": []})).delay(Duration::from_secs(2)),
        Reply::json(200, &json!({"api_keys": []})),
    ]);
    server.list_api_keys(|_when, then| {
        conversation.answer(then.into_inner());
    });
    let config = sdk::Config::builder()
        .bronto_base_url(server.base_url())
        .bronto_api_key("k")
        .attempt_timeout(Duration::from_millis(300))
        .max_attempts(1)
        .build()
        .unwrap();
    let error = sdk::Sdk::new(config)
        .unwrap()
        .bronto()
        .unwrap()
        .list_api_keys()
        .call()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert_eq!(conversation.calls(), 1);
}
