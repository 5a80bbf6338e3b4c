//! `blubracket alerts`, `events`, `audit` and `scan`.

use httpmock::MockServer;
use serde_json::{Value, json};

use crate::{scratch, stderr, stdout, tool};

fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn alerts_are_listed_and_filtered() {
    let dir = scratch();
    let all = tool("blubracket", dir.path())
        .args(["--sandbox", "alerts", "--page-size", "2"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(jsonl(&stdout(&all)).len(), 5);
    let active = tool("blubracket", dir.path())
        .args([
            "--sandbox",
            "alerts",
            "--filter",
            "state=EQ:ACTIVE",
            "-o",
            "csv",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let csv = stdout(&active);
    assert_eq!(
        csv.lines().count(),
        5,
        "a header and four active alerts: {csv}"
    );
    assert!(!csv.contains("DISMISSED"), "{csv}");
    let two = tool("blubracket", dir.path())
        .args([
            "--sandbox",
            "alerts",
            "--filter",
            "severity=EQ:critical|high",
            "-o",
            "jsonl",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(jsonl(&stdout(&two)).len(), 3);
}

#[test]
fn events_are_listed_with_a_limit() {
    let dir = scratch();
    let output = tool("blubracket", dir.path())
        .args(["--sandbox", "events", "--limit", "3", "-o", "json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let events: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(events.as_array().map(Vec::len), Some(3));
}

#[test]
fn a_malformed_filter_is_a_usage_error() {
    let dir = scratch();
    tool("blubracket", dir.path())
        .args(["--sandbox", "alerts", "--filter", "state"])
        .assert()
        .code(2);
}

#[test]
fn audit_records_are_listed() {
    let dir = scratch();
    let output = tool("blubracket", dir.path())
        .args(["--sandbox", "audit", "-o", "jsonl"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(!jsonl(&stdout(&output)).is_empty());
}

#[test]
fn scan_waits_for_the_result() {
    let dir = scratch();
    let output = tool("blubracket", dir.path())
        .args([
            "--sandbox",
            "scan",
            "--repo-url",
            "https://github.com/acme/payments-api",
            "--pr",
            "42",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(result.get("secrets").is_some(), "{result}");
    assert!(
        stderr(&output).contains("secret(s) found"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn scan_against_a_tenant_polls_while_running() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method("POST")
            .path("/api/analyzer/commit/scan")
            .header("authorization", "Bearer t0k3n");
        then.status(200)
            .header("content-type", "application/json")
            .json_body(json!({"scan_uuid": "s-1"}));
    });
    let polls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = polls.clone();
    server.mock(move |when, then| {
        when.method("GET").path("/api/analyzer/commit/scan/s-1");
        then.respond_with(move |_| {
            let running = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
            let body = if running {
                json!({"message": "running"})
            } else {
                json!({"scan_state": "DONE", "secrets": {"abc": {"secrets_found": [{}]}}})
            };
            httpmock::HttpMockResponse::builder()
                .status(if running { 202 } else { 200 })
                .header("content-type", "application/json")
                .body(body.to_string())
                .build()
        });
    });
    let dir = scratch();
    let output = tool("blubracket", dir.path())
        .args([
            "scan",
            "--repo-url",
            "https://github.com/acme/x",
            "--commit",
            "abc",
            "--poll-interval",
            "0.05",
        ])
        .env("BLUBRACKET_HOST", server.base_url())
        .env("BLUBRACKET_INTEGRATION_KEY", "t0k3n")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(polls.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert!(
        stderr(&output).contains("1 secret(s) found"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("t0k3n") && !stdout(&output).contains("t0k3n"));
}

#[test]
fn an_operation_takes_its_body_from_flags_or_a_file() {
    let dir = scratch();
    let body = dir.path().join("count.json");
    std::fs::write(
        &body,
        r#"{"filters": [{"id": "state", "value": ["ACTIVE"]}]}"#,
    )
    .unwrap();
    let output = tool("blubracket", dir.path())
        .args(["--sandbox", "count-alerts", "--json-body"])
        .arg(&body)
        .assert()
        .success()
        .get_output()
        .clone();
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["count"], 5, "{answer}");
}
