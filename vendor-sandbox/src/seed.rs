//! The seed data, as JSON: public so tests can check it against the document's schemas.

use serde_json::{Value, json};

use crate::SANDBOX_DATASET;

/// The API keys listed by `listApiKeys`.
pub fn api_keys() -> Value {
    json!({"api_keys": [
        {"id": "0f8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", "name": "checkout ingestion", "roles": ["IngestionApi"],
         "api_key": "bk_live_", "expires_at": 1_893_456_000_000i64},
        {"id": "1a9c8d7e-6f5a-4b4c-8d3e-2f1a0b9c8d7e", "name": "dashboards (read only)", "roles": ["SearchApi"],
         "api_key": "bk_live_"},
    ]})
}

/// The datasets listed by `listDatasets` before any is created.
pub fn datasets() -> Value {
    json!({"datasets": [
        {"id": "3c1e0f9a-8b7c-4d6e-8f5a-4b3c2d1e0f9a", "collection": "shop", "dataset": SANDBOX_DATASET,
         "is_system_generated": false, "tags": {"team": "payments"}},
    ]})
}

/// The events seeded into [`SANDBOX_DATASET`], as NDJSON lines, spread over the hour before `now_ms`: 30
/// events, every third an `error` (10), then `warn` and `info`, with a `latency_ms` and a `path`.
pub fn checkout_events(now_ms: i64) -> Vec<String> {
    (0..30i64)
        .map(|i| {
            let level = ["error", "warn", "info"][(i % 3) as usize];
            let time = chrono::DateTime::from_timestamp_millis(now_ms - (30 - i) * 90_000)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                .unwrap_or_default();
            json!({
                "timestamp": time, "level": level, "service": SANDBOX_DATASET,
                "message": format!("{level}: order {i}"), "order": i,
                "latency_ms": 100 + i * 10, "path": (["/pay", "/cart", "/ship", "/refund"][(i % 4) as usize]),
            })
            .to_string()
        })
        .collect()
}

/// The BluBracket alerts, across all pages.
pub fn alerts() -> Vec<Value> {
    let repos = [
        "payments-api",
        "checkout-web",
        "infra-terraform",
        "mobile-app",
        "docs-site",
    ];
    repos
        .iter()
        .enumerate()
        .map(|(i, repo)| {
            json!({
                "alert_id": format!("a1b2c3d4-0000-4000-8000-00000000000{i}"),
                "alert_type": "REPO_SCAN_MATCH",
                "state": if i == 3 { "DISMISSED" } else { "ACTIVE" },
                "severity": (["critical", "high", "medium", "high", "low"][i]),
                "repo_name": repo,
                "repo_type": "ENTERPRISE_PUBLIC",
                "org": "acme",
                "file_path": format!("config/secrets-{i}.yaml"),
                "line_no": 10 + i,
                "commit_hash": format!("{:040x}", 0xabcdef_u64 + i as u64),
                "commit_time": "2026-11-20T08:15:00.123456+00:00",
                "created": "2026-11-20T08:20:00+00:00",
                "author_email": "dev@acme.example",
                "author_name": "A. Developer",
                "labels": ["aws", "production"],
                "secret_hash": format!("5f0c6e2a-1b3d-4e5f-8a9b-00000000000{i}"),
                "deep_link_url": format!("https://acme.blubracket.com/alerts/{i}"),
                "risk_score": 0.9 - (i as f64) / 10.0,
            })
        })
        .collect()
}

/// The BluBracket events, across all pages.
pub fn events() -> Vec<Value> {
    (0..4)
        .map(|i| {
            json!({
                "event_id": format!("e5f6a7b8-0000-4000-8000-00000000000{i}"),
                "type": "secret_detected",
                "sub_type": (["aws_access_key", "github_token", "slack_webhook", "private_key"][i]),
                "severity": (["critical", "high", "medium", "info"][i]),
                "status": "open",
                "created": "2026-11-21T12:00:00Z",
                "repo_name": "payments-api",
                "file_path": "src/config.rs",
                "line_no": 40 + i,
                "url": "git://github.com/acme/payments-api.git",
            })
        })
        .collect()
}

/// The BluBracket system-audit records, across all pages.
pub fn audit_records() -> Vec<Value> {
    ["LOGIN", "API_TOKEN_CREATED", "ALERT_DISMISSED"]
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            json!({
                "id": format!("c9d0e1f2-0000-4000-8000-00000000000{i}"),
                "audit_type": kind,
                "audit_state": "SUCCESS",
                "audit_time": "2026-11-21T12:00:00Z",
                "email": "admin@acme.example",
                "description": format!("{} by admin@acme.example", kind.to_lowercase().replace('_', " ")),
            })
        })
        .collect()
}

/// The result of the sandbox's commit scan.
pub fn commit_scan_result() -> Value {
    json!({
        "scan_state": "DONE",
        "secrets": {"abcdef0123456789abcdef0123456789abcdef01": {"secrets_found": [
            {"secret_type": "aws_access_key", "file_path": "config/secrets-0.yaml", "line_no": 10},
        ]}},
    })
}

/// The vendor's error body.
pub fn error(code: u16, kind: &str, details: &str) -> Value {
    json!({"code": code, "type": kind, "details": details, "correlation_id": format!("sandbox-{code}")})
}

/// The export's state at `percent`.
pub fn export(percent: i64, location: &str, bytes: usize) -> Value {
    let status = match percent {
        0 => "CREATED",
        100 => "COMPLETE",
        _ => "IN_PROGRESS",
    };
    json!({
        "export_id": "7d4fa02c-3e5a-4b7c-9d9e-2f3a4b5c6d7e", "org_id": "sandbox-org", "status": status, "progress": percent,
        "location": if percent == 100 { location } else { "" }, "bytes": bytes, "events": 1200,
        "created_at": 1_795_340_000_000i64,
        "search_details": {"from": SANDBOX_DATASET, "time_range": "Last 24 hours", "where": "level = 'error'"},
    })
}
