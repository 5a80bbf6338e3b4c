//! Every BluBracket operation against httpmock on loopback: method, path, Bearer header, exact request body, and
//! decoding of the response (both list envelopes, unknown fields kept).

use blubracket_client::types::{
    AlertCountResponse, AlertSearchResponse, AlertState, AlertType, AuditSearchResponse,
    CommitScanRequest, CountRequest, EventSearchResponse, Filter, FilterOperator, OrderDirection,
    RepoType, ScanState, SearchRequest, Severity,
};
use blubracket_mock::MockServerExt as _;
use chrono::{TimeZone as _, Utc};
use futures::TryStreamExt as _;
use integration_tests::blubracket::{BluHarness, blubracket_operation};
use serde_json::{Value, json};

/// An alert with every typed field and three the document does not know (`status`, `risk_score`, `location`).
/// Timestamps use `Z` and microseconds, the form chrono writes back, so the value round-trips byte for byte.
fn alert_json(id: &str) -> Value {
    json!({
        "alert_id": id,
        "alert_type": "REPO_SCAN_MATCH",
        "sub_type": "aws_access_key_id",
        "severity": "high",
        "state": "ACTIVE",
        "repo_type": "ENTERPRISE_PUBLIC",
        "org": "acme",
        "repo_name": "crm",
        "url": "git://github.com/acme/crm.git",
        "file_path": "src/settings.py",
        "line_no": 12,
        "commit_hash": "9f2c1e0d",
        "commit_time": "2021-07-20T23:45:06.342716Z",
        "secret_hash": "5b0d6c4e-3f3a-4d0e-9c59-0d4a8a1e2b71",
        "author_email": "dev@example.com",
        "author_name": "Dev",
        "commit_link_url": "https://github.com/acme/crm/commit/9f2c1e0d",
        "deep_link_url": "https://mycompany.blubracket.com/alerts/a1",
        "blubracket_url": "https://mycompany.blubracket.com",
        "labels": ["Ignore rule"],
        "created": "2021-07-21T08:00:00Z",
        "status": "open",
        "risk_score": 87,
        "location": {"branch": "main", "ref": "refs/heads/main"}
    })
}

fn event_json(id: &str) -> Value {
    json!({
        "event_id": id,
        "type": "SECRET",
        "sub_type": "github_token",
        "severity": "critical",
        "status": "new",
        "created": "2021-07-20T23:45:06.342716Z",
        "repo_name": "crm",
        "url": "git://github.com/acme/crm.git",
        "file_path": "deploy/values.yaml",
        "line_no": 3,
        "commit_hash": "0a1b2c3d",
        "author_email": "dev@example.com",
        "actor": {"login": "dev"},
        "tags": ["pii"]
    })
}

fn decoded_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("re-serializing a decoded value")
}

#[tokio::test]
async fn search_events_sends_the_documented_body_and_decodes_a_bare_array() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchEvents");
    let body = json!([event_json("e1"), event_json("e2")]);
    // The seed page's own request: `{"filters":[]}`, nothing else (no nulls for unset paging).
    let mock = op.mock(
        &harness.server,
        &[],
        |when| when.json_body(json!({"filters": []})),
        200,
        Some(&body),
    );
    let page = harness
        .client
        .search_events()
        .body(SearchRequest::new([]))
        .send()
        .await
        .expect("searchEvents");
    mock.assert();
    let page = page.into_inner();
    assert!(matches!(page, EventSearchResponse::List(_)), "{page:?}");
    let events = page.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].event_id.as_deref(), Some("e1"));
    assert_eq!(events[0].type_.as_deref(), Some("SECRET"));
    assert_eq!(events[0].severity, Some(Severity::Critical));
    assert_eq!(events[0].extra.get("actor"), Some(&json!({"login": "dev"})));
    assert_eq!(events[0].extra.get("tags"), Some(&json!(["pii"])));
    assert_eq!(decoded_json(&page), body, "the page round-trips unchanged");
}

#[tokio::test]
async fn search_events_decodes_an_object_wrapping_the_events() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchEvents");
    let body = json!({"events": [event_json("e1")], "next_page": 2});
    let request = SearchRequest::new([Filter::new("url", ["git://github.com/acme/crm.git"])])
        .with_page(1)
        .with_limit(50)
        .order_by("created", OrderDirection::Desc);
    let mock = op.mock(
        &harness.server,
        &[],
        |when| {
            when.json_body(json!({
                "filters": [{"id": "url", "value": ["git://github.com/acme/crm.git"]}],
                "page": 1,
                "limit": 50,
                "orderBy": "created",
                "orderDirection": "DESC"
            }))
        },
        200,
        Some(&body),
    );
    let page = harness
        .client
        .search_events()
        .body(request)
        .send()
        .await
        .expect("searchEvents")
        .into_inner();
    mock.assert();
    let EventSearchResponse::Envelope(envelope) = &page else {
        panic!("expected the envelope, got {page:?}");
    };
    assert_eq!(envelope.extra.get("next_page"), Some(&json!(2)));
    assert_eq!(page.events().len(), 1);
    assert_eq!(
        page.events()[0].created,
        Some(
            Utc.with_ymd_and_hms(2021, 7, 20, 23, 45, 6)
                .single()
                .expect("date")
                + chrono::Duration::microseconds(342_716)
        )
    );
    assert_eq!(decoded_json(&page), body);
}

#[tokio::test]
async fn search_alerts_sends_the_documented_filter_and_keeps_unknown_fields() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchAlerts");
    let body = json!([alert_json("a1")]);
    // The vendor's documented example body, byte for byte in meaning.
    let documented = json!({
        "filters": [{"id": "alert_type", "value": ["REPO_SCAN_MATCH"], "op": "EQ", "exact_match": true}],
        "limit": 10,
        "page": 1
    });
    let mock = op.mock(
        &harness.server,
        &[],
        |when| when.json_body(documented),
        200,
        Some(&body),
    );
    let request = SearchRequest::new([Filter::new("alert_type", ["REPO_SCAN_MATCH"])
        .with_op(FilterOperator::Eq)
        .exact(true)])
    .with_limit(10)
    .with_page(1);
    let page = harness
        .client
        .search_alerts()
        .body(request)
        .send()
        .await
        .expect("searchAlerts")
        .into_inner();
    mock.assert();
    let alert = &page.alerts()[0];
    assert_eq!(alert.alert_type, Some(AlertType::RepoScanMatch));
    assert_eq!(alert.state, Some(AlertState::Active));
    assert_eq!(alert.repo_type, Some(RepoType::EnterprisePublic));
    assert_eq!(alert.severity, Some(Severity::High));
    assert_eq!(alert.line_no, Some(12));
    assert_eq!(alert.labels, vec!["Ignore rule".to_string()]);
    // The fields the document does not model are kept, not dropped.
    assert_eq!(alert.extra.get("status"), Some(&json!("open")));
    assert_eq!(alert.extra.get("risk_score"), Some(&json!(87)));
    assert_eq!(
        alert.extra.get("location"),
        Some(&json!({"branch": "main", "ref": "refs/heads/main"}))
    );
    assert_eq!(decoded_json(&page), body, "the page round-trips unchanged");
}

#[tokio::test]
async fn search_alerts_decodes_an_object_wrapping_the_alerts_and_unknown_enum_values() {
    let harness = BluHarness::start();
    let op = blubracket_operation("searchAlerts");
    let mut alert = alert_json("a2");
    alert["severity"] = json!("urgent");
    alert["alert_type"] = json!("PII_MATCH");
    alert["state"] = json!("DISMISSED");
    let body = json!({"alerts": [alert], "total": 1});
    let mock = op.mock(
        &harness.server,
        &[],
        |when| when.json_body(json!({"filters": []})),
        200,
        Some(&body),
    );
    let page = harness
        .client
        .search_alerts()
        .body(SearchRequest::new([]))
        .send()
        .await
        .expect("searchAlerts")
        .into_inner();
    mock.assert();
    assert!(matches!(page, AlertSearchResponse::Envelope(_)), "{page:?}");
    let alert = &page.alerts()[0];
    assert_eq!(
        alert.severity,
        Some(Severity::UnknownValue("urgent".into()))
    );
    assert_eq!(
        alert.alert_type,
        Some(AlertType::UnknownValue("PII_MATCH".into()))
    );
    assert_eq!(
        alert.state,
        Some(AlertState::UnknownValue("DISMISSED".into()))
    );
    assert_eq!(decoded_json(&page), body);
    assert_eq!(page.into_alerts().len(), 1);
}

#[tokio::test]
async fn count_alerts_decodes_a_bare_number() {
    let harness = BluHarness::start();
    let op = blubracket_operation("countAlerts");
    // An old-style filter without `op` is sent as written: no `op`, no `exact_match`.
    let mock = op.mock(
        &harness.server,
        &[],
        |when| when.json_body(json!({"filters": [{"id": "state", "value": ["ACTIVE"]}]})),
        200,
        Some(&json!(42)),
    );
    let count = harness
        .client
        .count_alerts()
        .body(CountRequest::new([Filter::new("state", ["ACTIVE"])]))
        .send()
        .await
        .expect("countAlerts")
        .into_inner();
    mock.assert();
    assert_eq!(count, AlertCountResponse::Uint64(42));
    assert_eq!(count.count(), 42);
}

#[tokio::test]
async fn count_alerts_decodes_an_object_with_a_count() {
    let harness = BluHarness::start();
    let op = blubracket_operation("countAlerts");
    let mock = op.mock(
        &harness.server,
        &[],
        |when| when.json_body(json!({"filters": []})),
        200,
        Some(&json!({"count": 7, "capped": false})),
    );
    let count = harness
        .client
        .count_alerts()
        .body(CountRequest::new([]))
        .send()
        .await
        .expect("countAlerts")
        .into_inner();
    mock.assert();
    assert_eq!(count.count(), 7);
    let AlertCountResponse::AlertCountObject(object) = count else {
        panic!("expected the object form");
    };
    assert_eq!(object.extra.get("capped"), Some(&json!(false)));
}

const IGNORE_YAML: &str = "# ignores any of the paths below\n- paths:\n  - oanda_connector.py\n\n- secret_values:\n  - My$uperDuperP@ssw0rd!\n\n- repo_url: (?i)github.com/blubracket/(apache_tomcat_2.0|crm)\n  rules:\n    - secret_types:\n      - google_oauth\n";

#[tokio::test]
async fn get_ignore_rules_returns_the_yaml_bytes() {
    let harness = BluHarness::start();
    let op = blubracket_operation("getIgnoreRules");
    let mock = op.mock_raw(
        &harness.server,
        &[],
        |when| when,
        200,
        Some(("application/yaml", IGNORE_YAML)),
    );
    let response = harness
        .client
        .get_ignore_rules()
        .send()
        .await
        .expect("getIgnoreRules");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    let mut bytes = Vec::new();
    let mut stream = response.into_inner_stream();
    while let Some(chunk) = stream.try_next().await.expect("body chunk") {
        bytes.extend_from_slice(&chunk);
    }
    assert_eq!(String::from_utf8(bytes).expect("utf-8"), IGNORE_YAML);
}

#[tokio::test]
async fn upload_ignore_rules_sends_the_yaml_byte_for_byte() {
    for status in [200u16, 201, 204] {
        let harness = BluHarness::start();
        let op = blubracket_operation("uploadIgnoreRules");
        let mock = op.mock(
            &harness.server,
            &[],
            |when| when.header("content-type", "text/plain").body(IGNORE_YAML),
            status,
            None,
        );
        let response = harness
            .client
            .upload_ignore_rules()
            .body(IGNORE_YAML)
            .send()
            .await
            .unwrap_or_else(|e| panic!("uploadIgnoreRules answered {status}: {e}"));
        mock.assert();
        assert_eq!(response.status().as_u16(), status);
    }
}

#[tokio::test]
async fn delete_ignore_rules_sends_a_delete() {
    let harness = BluHarness::start();
    let op = blubracket_operation("deleteIgnoreRules");
    let mock = op.mock(&harness.server, &[], |when| when, 204, None);
    let response = harness
        .client
        .delete_ignore_rules()
        .send()
        .await
        .expect("deleteIgnoreRules");
    mock.assert();
    assert_eq!(response.status().as_u16(), 204);
}

/// The one audit record the vendor published (ids made up), timestamp with `+00:00` as the vendor writes it.
fn audit_json() -> Value {
    json!({
        "email": "admin@mycompany.com",
        "audit_time": "2021-07-20T23:45:06.342716+00:00",
        "request_id": "d1b7a4c2-0c55-4a4f-8d0e-3b1f7c9e2a10",
        "description": "User logged in",
        "details": null,
        "audit_state": "Login",
        "user_id": "0f8e2c1a-5d4b-4c3a-9e8f-7a6b5c4d3e2f",
        "id": "7c1e9b2d-3a4f-4e5d-8c7b-6a5f4e3d2c1b",
        "audit_type": "User",
        "ip_address": "203.0.113.7"
    })
}

#[tokio::test]
async fn search_system_audit_decodes_the_published_record_in_both_envelopes() {
    let documented = json!({"filters": [], "limit": 200, "page": 1});
    for body in [
        json!([audit_json()]),
        json!({"audits": [audit_json()], "page": 1}),
    ] {
        let harness = BluHarness::start();
        let op = blubracket_operation("searchSystemAudit");
        let mock = op.mock(
            &harness.server,
            &[],
            |when| when.json_body(documented.clone()),
            200,
            Some(&body),
        );
        let page = harness
            .client
            .search_system_audit()
            .body(SearchRequest::new([]).with_limit(200).with_page(1))
            .send()
            .await
            .expect("searchSystemAudit")
            .into_inner();
        mock.assert();
        let record = &page.records()[0];
        assert_eq!(record.audit_state.as_deref(), Some("Login"));
        assert_eq!(record.audit_type.as_deref(), Some("User"));
        assert_eq!(record.details, None);
        assert_eq!(
            record.audit_time,
            Some(
                Utc.with_ymd_and_hms(2021, 7, 20, 23, 45, 6)
                    .single()
                    .expect("date")
                    + chrono::Duration::microseconds(342_716)
            )
        );
        assert_eq!(record.extra.get("ip_address"), Some(&json!("203.0.113.7")));
        let envelope_kept = match &page {
            AuditSearchResponse::List(_) => body.is_array(),
            AuditSearchResponse::Envelope(envelope) => {
                envelope.extra.get("page") == Some(&json!(1))
            }
            other => panic!("a third envelope: {other:?}"),
        };
        assert!(envelope_kept, "{page:?}");
        assert_eq!(page.into_records().len(), 1);
    }
}

#[tokio::test]
async fn start_commit_scan_sends_a_pull_request_or_commit_shas() {
    let cases: [(CommitScanRequest, serde_json::Value); 2] = [
        (
            CommitScanRequest::builder()
                .repo_url("https://github.com/acme/crm")
                .pull_request_number(42)
                .try_into()
                .expect("a request"),
            json!({"repo_url": "https://github.com/acme/crm", "pull_request_number": 42}),
        ),
        (
            CommitScanRequest::builder()
                .repo_url("https://github.com/acme/crm")
                .commit_shas(["9f2c1e0d", "0a1b2c3d"])
                .try_into()
                .expect("a request"),
            json!({"repo_url": "https://github.com/acme/crm", "commit_shas": ["9f2c1e0d", "0a1b2c3d"]}),
        ),
    ];
    for (request, expected_body) in cases {
        let harness = BluHarness::start();
        let op = blubracket_operation("startCommitScan");
        let mock = op.mock(
            &harness.server,
            &[],
            |when| when.json_body(expected_body.clone()),
            200,
            Some(&json!({"scan_uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6"})),
        );
        let started = harness
            .client
            .start_commit_scan()
            .body(request)
            .send()
            .await
            .expect("startCommitScan")
            .into_inner();
        mock.assert();
        assert_eq!(
            started.scan_uuid.as_deref(),
            Some("3fa85f64-5717-4562-b3fc-2c963f66afa6")
        );
    }
}

/// The finished-scan body the vendor's CI scanner reads.
fn scan_done_json() -> Value {
    json!({
        "secrets": {
            "9f2c1e0d": {
                "secrets_found": [{
                    "secret_hash": "5b0d6c4e-3f3a-4d0e-9c59-0d4a8a1e2b71",
                    "secret_type": "aws_access_key_id",
                    "file_path": "src/settings.py",
                    "line_no": 12,
                    "cols": [13, 29],
                    "secret_checker_results": {"tags": ["active_secret"]}
                }]
            }
        },
        "scan_state": "done",
        "message": ""
    })
}

#[tokio::test]
async fn get_commit_scan_decodes_a_finished_scan() {
    let harness = BluHarness::start();
    let op = blubracket_operation("getCommitScan");
    let mock = op.mock(
        &harness.server,
        &[("scan_uuid", "scan-1")],
        |when| when,
        200,
        Some(&scan_done_json()),
    );
    let response = harness
        .client
        .get_commit_scan()
        .scan_uuid("scan-1")
        .send()
        .await
        .expect("getCommitScan");
    mock.assert();
    assert_eq!(response.status().as_u16(), 200);
    let result = response.into_inner();
    assert_eq!(result.scan_state, Some(ScanState::Done));
    let found = &result.secrets["9f2c1e0d"].secrets_found[0];
    assert_eq!(found.cols, vec![13, 29]);
    assert_eq!(found.line_no, Some(12));
    assert_eq!(
        found
            .secret_checker_results
            .as_ref()
            .map(|r| r.tags.clone()),
        Some(vec!["active_secret".to_string()])
    );
    assert_eq!(decoded_json(&result), scan_done_json());
}

#[tokio::test]
async fn get_commit_scan_reports_a_running_scan_as_202() {
    let harness = BluHarness::start();
    let op = blubracket_operation("getCommitScan");
    let mock = op.mock(
        &harness.server,
        &[("scan_uuid", "scan-2")],
        |when| when,
        202,
        Some(&json!({"scan_state": "running", "message": "queued"})),
    );
    let response = harness
        .client
        .get_commit_scan()
        .scan_uuid("scan-2")
        .send()
        .await
        .expect("a 202 is a success");
    mock.assert();
    assert_eq!(response.status().as_u16(), 202);
    let result = response.into_inner();
    assert_eq!(
        result.scan_state,
        Some(ScanState::UnknownValue("running".into()))
    );
    assert!(result.secrets.is_empty());
}

#[tokio::test]
async fn the_typed_mocks_line_up_with_the_client() {
    let harness = BluHarness::start();
    let request = SearchRequest::new([Filter::new("state", ["ACTIVE"])]).with_limit(5);
    let answer: AlertSearchResponse =
        serde_json::from_value(json!([alert_json("a3")])).expect("typed sample");
    let typed_request = request.clone();
    let typed_answer = answer.clone();
    let mock = harness.server.search_alerts(move |when, then| {
        when.body(&typed_request);
        then.ok(&typed_answer);
    });
    let page = harness
        .client
        .search_alerts()
        .body(request)
        .send()
        .await
        .expect("searchAlerts via the typed mock")
        .into_inner();
    mock.assert();
    assert_eq!(page, answer);
}
