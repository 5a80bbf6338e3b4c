//! Requests exactly as built: for every operation that takes a JSON body, a body holding only its required members
//! goes out as exactly those members (no document default added, whole numbers as integers, nothing dropped);
//! and, on loopback, what a caller sets is what the server receives (a `search-timeseries` without
//! `num_of_slices`, `init-live-tail` with both `from` and `from_expr`, a `PATCH` that clears one member with
//! `clear_<member>()` and leaves the others out).

use integration_tests::{Harness, bronto_document, operation, operations_of, uuid};
use serde_json::{Map, Value, json};

fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(
                document,
                document
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling {reference}")),
            )
        }
        None => schema,
    }
}

/// The smallest value of `schema` the document allows: an object with only its required members, each the
/// smallest value of its own schema (a whole `number` is written as an integer, as a caller would).
fn required_only(document: &Value, schema: &Value) -> Value {
    let schema = resolve(document, schema);
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in parts {
            if let Value::Object(fields) = required_only(document, part) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    if let Some(first) = ["oneOf", "anyOf"]
        .iter()
        .find_map(|key| schema.get(*key)?.as_array()?.first())
    {
        let branch = resolve(document, first);
        let mut combined = schema.as_object().cloned().unwrap_or_default();
        combined.remove("oneOf");
        combined.remove("anyOf");
        let mut required: Vec<Value> = combined
            .get("required")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        required.extend(
            branch
                .get("required")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        let mut properties = combined
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(more) = branch.get("properties").and_then(Value::as_object) {
            properties.extend(more.clone());
        }
        if properties.is_empty() && required.is_empty() {
            return required_only(document, branch);
        }
        combined.insert("required".into(), Value::Array(required));
        combined.insert("properties".into(), Value::Object(properties));
        combined.insert("type".into(), json!("object"));
        return required_only(document, &Value::Object(combined));
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.first().cloned().unwrap_or(Value::Null);
    }
    let kind = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_else(|| {
            if schema.get("properties").is_some() {
                "object"
            } else {
                ""
            }
        });
    match kind {
        "object" => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let mut out = Map::new();
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let member = properties
                    .and_then(|p| p.get(name))
                    .cloned()
                    .unwrap_or(json!({"type": "string"}));
                out.insert(name.to_string(), required_only(document, &member));
            }
            Value::Object(out)
        }
        "array" => {
            let minimum = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let item = schema.get("items").cloned().unwrap_or(json!({}));
            Value::Array(
                (0..minimum)
                    .map(|_| required_only(document, &item))
                    .collect(),
            )
        }
        "integer" => json!(
            schema
                .get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(1)
                .max(1)
        ),
        "number" => json!(
            schema
                .get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(2)
                .max(2)
        ),
        "boolean" => json!(true),
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-10-01T00:00:00Z"),
            Some("date") => json!("2026-10-01"),
            Some("uuid") => json!("7a0b4b0e-3c3f-4d8e-9a55-0d6c1f5e2b11"),
            Some("email") => json!("a@example.test"),
            Some("uri") => json!("https://example.test/"),
            _ => {
                let length = schema
                    .get("minLength")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .max(1);
                json!("x".repeat(usize::try_from(length).unwrap_or(1)))
            }
        },
        _ => json!({}),
    }
}

#[test]
fn every_body_with_only_its_required_members_is_sent_as_built() {
    let document = bronto_document();
    let mut checked = 0;
    let mut failures = Vec::new();
    for op in operations_of(document) {
        let Some(schema) = op
            .spec
            .pointer("/requestBody/content/application~1json/schema")
        else {
            continue;
        };
        let generated = bronto_client::operations::Operation::find(&op.id)
            .unwrap_or_else(|| panic!("{} is not generated", op.id));
        let built = required_only(document, schema);
        let Some(sent) = generated.encode_request(built.to_string().as_bytes()) else {
            failures.push(format!(
                "{}: takes a JSON body the client does not type",
                op.id
            ));
            continue;
        };
        checked += 1;
        match sent {
            Err(error) => failures.push(format!("{}: {built} does not build: {error}", op.id)),
            Ok(bytes) => {
                let received: Value =
                    serde_json::from_slice(&bytes).expect("the client sends JSON");
                if received != built {
                    failures.push(format!(
                        "{}: built {built}, sent {}",
                        op.id,
                        String::from_utf8_lossy(&bytes)
                    ));
                }
            }
        }
    }
    assert!(
        checked >= 40,
        "only {checked} operations with a body were checked"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_search_timeseries_body_carries_no_document_default() {
    let harness = Harness::start();
    let op = operation("searchTimeseries");
    let sent = json!({"queries": [], "time_range": {"natural": "Last 10 minutes"}});
    let expected = sent.to_string();
    let mock = op.mock(&harness.server, &[], move |when| when.body(expected));
    let body: bronto_client::types::SearchTimeseries =
        serde_json::from_value(sent).expect("typed body");
    assert_eq!(body.num_of_slices, None, "no default is filled in");
    harness
        .client
        .search_timeseries()
        .body(body)
        .send()
        .await
        .expect("searchTimeseries");
    mock.assert();
}

#[tokio::test]
async fn a_document_default_is_sent_when_the_caller_asks_for_it() {
    let harness = Harness::start();
    let op = operation("searchTimeseries");
    let mock = op.mock(&harness.server, &[], |when| {
        when.json_body_includes(json!({"num_of_slices": 100}).to_string())
    });
    harness
        .client
        .search_timeseries()
        .body(
            bronto_client::types::SearchTimeseries::builder()
                .queries(Vec::<bronto_client::types::MetricQuery>::new())
                .time_range(
                    serde_json::from_value::<bronto_client::types::SearchTimeseriesTimeRange>(
                        json!({"natural": "Last 10 minutes"}),
                    )
                    .expect("time range"),
                )
                .num_of_slices(100),
        )
        .send()
        .await
        .expect("searchTimeseries");
    mock.assert();
}

#[tokio::test]
async fn init_live_tail_keeps_both_from_and_from_expr() {
    let harness = Harness::start();
    let op = operation("initLiveTail");
    let sent =
        json!({"from": ["a16fe455-ffdc-40bb-bfc2-27d4b318259e"], "from_expr": "log_id = 'x'"});
    let expected = sent.clone();
    let mock = op.mock(&harness.server, &[], move |when| {
        when.json_body_obj(&expected)
    });
    let body: bronto_client::types::InitLiveTailRequest =
        serde_json::from_value(sent).expect("typed body");
    harness
        .client
        .init_live_tail()
        .body(body)
        .send()
        .await
        .expect("initLiveTail");
    mock.assert();
}

#[tokio::test]
async fn whole_numbers_of_number_members_go_out_as_integers() {
    let harness = Harness::start();
    let op = operation("createForwardConfig");
    let mock = op.mock(&harness.server, &[], |when| {
        when.body_includes("\"max_buffer_time_ms\":300000")
            .body_excludes("300000.0")
            .body_includes("\"max_payload_size_events\":2.5")
    });
    let body: bronto_client::types::ForwardConfigRequest = serde_json::from_value(json!({
        "name": "archive",
        "all_logs": true,
        "compression": "ZSTD",
        "max_buffer_time_ms": 300000,
        "max_payload_size_events": 2.5,
        "destination": {"destination_type": "S3", "bucket": "b"}
    }))
    .expect("typed body");
    harness
        .client
        .create_forward_config()
        .body(body)
        .send()
        .await
        .expect("createForwardConfig");
    mock.assert();
}

#[tokio::test]
async fn a_patch_sends_null_for_a_cleared_member_beside_its_required_members() {
    let harness = Harness::start();
    let op = operation("updateLimit");
    let schema = op
        .spec
        .pointer("/requestBody/content/application~1json/schema")
        .expect("updateLimit takes a JSON body");
    let required = required_only(bronto_document(), schema);
    let typed: bronto_client::types::UpdateLimitRequest =
        serde_json::from_value(required.clone()).expect("typed body");
    let mut expected = required.as_object().cloned().expect("an object");
    assert!(
        !expected.contains_key("description"),
        "`description` is optional"
    );
    expected.insert("description".into(), Value::Null);
    let expected = Value::Object(expected);
    let exact = expected.clone();
    let mock = op.mock(
        &harness.server,
        &[("limitId", "3fa85f64-5717-4562-b3fc-2c963f66afa6")],
        move |when| when.json_body_obj(&exact),
    );
    harness
        .client
        .update_limit()
        .limit_id(uuid("3fa85f64-5717-4562-b3fc-2c963f66afa6"))
        .body(typed)
        .body_map(|body| body.clear_description())
        .send()
        .await
        .expect("updateLimit");
    mock.assert();
}

#[tokio::test]
async fn a_patch_sends_exactly_what_was_set_and_cleared_and_leaves_untouched_members_out() {
    let harness = Harness::start();
    let op = operation("updateGroup");
    // Byte for byte: the member set, then the member cleared; `group_id`, `created_at`, `modified_at` absent.
    let mock = op.mock(
        &harness.server,
        &[("groupId", "3fa85f64-5717-4562-b3fc-2c963f66afa6")],
        |when| when.body(r#"{"name":"on-call","description":null}"#),
    );
    harness
        .client
        .update_group()
        .group_id(uuid("3fa85f64-5717-4562-b3fc-2c963f66afa6"))
        .body_map(|body| body.name("on-call").clear_description())
        .send()
        .await
        .expect("updateGroup");
    mock.assert();
}

#[test]
fn the_last_call_on_a_member_wins_between_its_setter_and_clear() {
    use bronto_client::types::UserGroup;
    let sent = |builder: bronto_client::types::builder::UserGroup| {
        let body = UserGroup::try_from(builder).expect("builds");
        serde_json::to_string(&body).expect("serialises")
    };
    assert_eq!(
        sent(UserGroup::builder().clear_description().description("kept")),
        r#"{"description":"kept"}"#,
        "a value set after clearing is sent as the value, once"
    );
    assert_eq!(
        sent(
            UserGroup::builder()
                .description("dropped")
                .clear_description()
        ),
        r#"{"description":null}"#
    );
    assert_eq!(
        sent(UserGroup::builder()),
        "{}",
        "nothing touched, nothing sent"
    );
    // A value read back into a builder keeps what was cleared.
    let cleared = UserGroup::try_from(UserGroup::builder().clear_name()).expect("builds");
    let again = bronto_client::types::builder::UserGroup::from(cleared).description("d");
    assert_eq!(sent(again), r#"{"description":"d","name":null}"#);
}

#[test]
fn a_body_type_that_is_also_a_response_decodes_nulls_as_unset() {
    // `UserGroup` is what `updateGroup` sends and answers: a `null` in an answer is an unset member, never a member
    // to clear on the next send.
    let group: bronto_client::types::UserGroup =
        serde_json::from_str(r#"{"group_id":"g-1","name":"ops","description":null}"#)
            .expect("decodes");
    assert_eq!(group.description, None);
    assert_eq!(
        serde_json::to_value(&group).expect("serialises"),
        json!({"group_id": "g-1", "name": "ops"})
    );
    let decoded = bronto_client::operations::Operation::find("updateGroup")
        .and_then(|op| op.decode_success(br#"{"name":"ops","description":null}"#))
        .expect("a JSON success")
        .expect("decodes");
    assert_eq!(decoded, json!({"name": "ops"}));
}
