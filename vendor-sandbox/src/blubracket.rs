//! The BluBracket tenant: alerts (a bare array per page), events (an `{"events": [...]}` envelope per page) and
//! system-audit records (`{"audits": [...]}`), paged by the request's own `page` and `limit`, filtered by `state` /
//! `severity` when the request asks; a commit scan that answers "running" (`202`) once and then its result.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use httpmock::MockServer;
use serde_json::{Value, json};

use crate::reply::json as json_response;
use crate::{SANDBOX_BLUBRACKET_TOKEN, seed};

const SCAN_ID: &str = "8e5fb13d-4f6a-4c8d-8eaf-3a4b5c6d7e8f";

/// Seeds `server` as the BluBracket tenant.
pub(crate) fn seed(server: &MockServer) {
    let bearer = format!("Bearer {SANDBOX_BLUBRACKET_TOKEN}");
    for (path, items, envelope) in [
        ("/api/public/alert/search", seed::alerts(), None),
        ("/api/public/event/search", seed::events(), Some("events")),
        (
            "/api/system-audit/search",
            seed::audit_records(),
            Some("audits"),
        ),
    ] {
        server.mock(|when, then| {
            when.method("POST")
                .path(path)
                .header("authorization", bearer.clone());
            then.respond_with(move |request| {
                let body: Value = serde_json::from_slice(request.body_ref()).unwrap_or(Value::Null);
                let page = body["page"].as_u64().unwrap_or(1).max(1) as usize;
                let limit = body["limit"].as_u64().unwrap_or(100).max(1) as usize;
                let matching: Vec<Value> = items
                    .iter()
                    .filter(|item| matches_filters(item, &body))
                    .cloned()
                    .collect();
                let slice: Vec<Value> = matching
                    .into_iter()
                    .skip((page - 1) * limit)
                    .take(limit)
                    .collect();
                let answer = match envelope {
                    Some(key) => json!({ key: slice }),
                    None => Value::Array(slice),
                };
                json_response(200, &answer)
            });
        });
    }
    // A commit scan: started, running once (202), then done.
    server.mock(|when, then| {
        when.method("POST")
            .path("/api/analyzer/commit/scan")
            .header("authorization", bearer.clone());
        then.status(200)
            .header("content-type", "application/json")
            .body(json!({"scan_uuid": SCAN_ID}).to_string());
    });
    let polls = Arc::new(AtomicUsize::new(0));
    server.mock(|when, then| {
        when.method("GET")
            .path(format!("/api/analyzer/commit/scan/{SCAN_ID}"))
            .header("authorization", bearer.clone());
        then.respond_with(move |_| match polls.fetch_add(1, Ordering::SeqCst) {
            0 => json_response(202, &json!({"message": "scan in progress"})),
            _ => json_response(200, &seed::commit_scan_result()),
        });
    });
    server.mock(|when, then| {
        when.method("POST")
            .path("/api/public/alert/count")
            .header("authorization", bearer.clone());
        then.status(200)
            .header("content-type", "application/json")
            .body(json!({"count": 5}).to_string());
    });
}

/// Equality filters (`op` absent or `EQ`) on top-level string fields, as the documented filters use them.
fn matches_filters(item: &Value, request: &Value) -> bool {
    request["filters"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|filter| {
            let op = filter["op"].as_str().unwrap_or("EQ");
            let Some(id) = filter["id"].as_str() else {
                return true;
            };
            let values: Vec<&str> = filter["value"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match (op, item[id].as_str()) {
                ("EQ", Some(actual)) => values.contains(&actual),
                ("NEQ", Some(actual)) => !values.contains(&actual),
                (_, None) => false,
                _ => true,
            }
        })
}
