//! The CI commit scan: `202` while the scan runs, `200` when done, and the wait polling in between: the facade's
//! workflow (`sdk::BluBracket::start_scan`, `commit_scan`, `CommitScan::wait`) and the generated client's
//! deprecated `wait_for_scan`, which stays unchanged until the next breaking release.

// The deprecated `wait_for_scan` keeps its tests while it exists.
#![allow(deprecated)]

use std::time::{Duration, Instant};

use blubracket_client::types::ScanState;
use blubracket_client::{ScanPolling, ScanWaitError};
use integration_tests::blubracket::{BluHarness, TOKEN, blubracket_operation};
use sdk::blubracket_api::types::CommitScanRequest;
use sdk::{ErrorKind, ScanOptions};
use serde_json::json;

const SCAN: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

fn done() -> serde_json::Value {
    json!({
        "secrets": {"9f2c1e0d": {"secrets_found": [{"secret_type": "github_token", "line_no": 3, "cols": [1, 41]}]}},
        "scan_state": "done",
        "message": ""
    })
}

#[tokio::test]
async fn wait_for_scan_polls_through_202s_until_the_200() {
    let harness = BluHarness::start();
    let op = blubracket_operation("getCommitScan");
    let running = op.mock(
        &harness.server,
        &[("scan_uuid", SCAN)],
        |when| when,
        202,
        Some(&json!({"scan_state": "running", "message": ""})),
    );
    // The first mock serves two polls, then falls through to the second.
    running.up_to_n_times_async(2).await;
    let finished = op.mock(
        &harness.server,
        &[("scan_uuid", SCAN)],
        |when| when,
        200,
        Some(&done()),
    );

    let interval = Duration::from_millis(40);
    let started = Instant::now();
    let result = harness
        .client
        .wait_for_scan(SCAN, ScanPolling::new(interval, Duration::from_secs(10)))
        .await
        .expect("the scan finishes");
    let elapsed = started.elapsed();

    running.assert_calls(2);
    finished.assert_calls(1);
    assert_eq!(result.scan_state, Some(ScanState::Done));
    assert_eq!(
        result.secrets["9f2c1e0d"].secrets_found[0]
            .secret_type
            .as_deref(),
        Some("github_token")
    );
    // Two pauses between three polls.
    assert!(
        elapsed >= interval * 2,
        "polled too fast: {elapsed:?} for two intervals of {interval:?}"
    );
}

#[tokio::test]
async fn wait_for_scan_gives_up_after_its_timeout() {
    let harness = BluHarness::start();
    let op = blubracket_operation("getCommitScan");
    let running = op.mock(
        &harness.server,
        &[("scan_uuid", SCAN)],
        |when| when,
        202,
        Some(&json!({"scan_state": "running"})),
    );
    let error = harness
        .client
        .wait_for_scan(
            SCAN,
            ScanPolling::new(Duration::from_millis(20), Duration::from_millis(100)),
        )
        .await
        .expect_err("still running at the timeout");
    let ScanWaitError::TimedOut {
        scan_uuid, polls, ..
    } = &error
    else {
        panic!("expected a timeout, got {error:?}");
    };
    assert_eq!(scan_uuid, SCAN);
    // Polls at about 0, 20, 40, 60 and 80 ms; a slow machine fits fewer in the 100 ms.
    assert!((1..=6).contains(polls), "{polls} polls");
    running.assert_calls(*polls as usize);
    assert!(error.to_string().contains("still running"), "{error}");
}

#[tokio::test]
async fn wait_for_scan_stops_at_an_error_and_keeps_its_message() {
    let harness = BluHarness::start();
    let op = blubracket_operation("getCommitScan");
    let mock = op.mock(
        &harness.server,
        &[("scan_uuid", SCAN)],
        |when| when,
        400,
        Some(&json!({"message": "unknown scan"})),
    );
    let error = harness
        .client
        .wait_for_scan(
            SCAN,
            ScanPolling::new(Duration::from_millis(10), Duration::from_secs(5)),
        )
        .await
        .expect_err("a 400 is not retried");
    mock.assert_calls(1);
    let ScanWaitError::Api { source, .. } = error else {
        panic!("expected the API error, got {error:?}");
    };
    assert_eq!(source.status().map(|s| s.as_u16()), Some(400));
    let blubracket_client::Error::ErrorResponse(body) = source else {
        panic!("expected the decoded body, got {source:?}");
    };
    assert_eq!(body.message.as_deref(), Some("unknown scan"));
}

/// The facade's BluBracket handle for the harness's server, one attempt per call.
fn facade(harness: &BluHarness) -> sdk::BluBracket {
    let config = sdk::Config::builder()
        .blubracket_tenant(harness.server.base_url())
        .blubracket_token(TOKEN)
        .retry_policy(sdk::RetryPolicy::none())
        .build()
        .expect("config");
    sdk::Sdk::new(config)
        .expect("sdk")
        .blubracket()
        .expect("blubracket")
        .clone()
}

/// Polls every `interval`, fixed, for at most `deadline`.
fn fixed(interval: Duration, deadline: Duration) -> ScanOptions {
    ScanOptions {
        poll_interval: interval,
        max_poll_interval: interval,
        deadline,
    }
}

#[tokio::test]
async fn the_facade_starts_a_scan_and_waits_through_202s_for_its_result() {
    let harness = BluHarness::start();
    let start = blubracket_operation("startCommitScan").mock(
        &harness.server,
        &[],
        |when| {
            when.json_body(
                json!({"repo_url": "https://github.com/org/repo", "pull_request_number": 42}),
            )
        },
        200,
        Some(&json!({"scan_uuid": SCAN})),
    );
    let op = blubracket_operation("getCommitScan");
    let running = op.mock(
        &harness.server,
        &[("scan_uuid", SCAN)],
        |when| when,
        202,
        Some(&json!({"scan_state": "running", "message": ""})),
    );
    running.up_to_n_times_async(2).await;
    let finished = op.mock(
        &harness.server,
        &[("scan_uuid", SCAN)],
        |when| when,
        200,
        Some(&done()),
    );

    let blubracket = facade(&harness);
    let scan = blubracket
        .start_scan(
            CommitScanRequest::builder()
                .repo_url("https://github.com/org/repo")
                .pull_request_number(42),
        )
        .await
        .expect("the scan starts");
    assert_eq!(scan.scan_uuid(), SCAN);
    let mut seen = Vec::new();
    let interval = Duration::from_millis(30);
    let started = Instant::now();
    let result = scan
        .wait(fixed(interval, Duration::from_secs(10)), |polls| {
            seen.push(polls)
        })
        .await
        .expect("the scan finishes");
    let elapsed = started.elapsed();

    start.assert_calls(1);
    running.assert_calls(2);
    finished.assert_calls(1);
    assert_eq!(seen, [1, 2], "on_poll after each 202");
    assert_eq!(result.scan_state, Some(ScanState::Done));
    assert_eq!(
        result.secrets["9f2c1e0d"].secrets_found[0]
            .secret_type
            .as_deref(),
        Some("github_token")
    );
    assert!(
        elapsed >= interval * 2,
        "polled too fast: {elapsed:?} for two intervals of {interval:?}"
    );
}

#[tokio::test]
async fn a_scan_resumed_by_id_polls_without_starting_another() {
    let harness = BluHarness::start();
    let start = blubracket_operation("startCommitScan").mock(
        &harness.server,
        &[],
        |when| when,
        200,
        Some(&json!({"scan_uuid": "another"})),
    );
    let finished = blubracket_operation("getCommitScan").mock(
        &harness.server,
        &[("scan_uuid", SCAN)],
        |when| when,
        200,
        Some(&done()),
    );
    let result = facade(&harness)
        .commit_scan(SCAN)
        .wait(ScanOptions::default(), |_| panic!("no 202 was served"))
        .await
        .expect("the resumed scan's result");
    start.assert_calls(0);
    finished.assert_calls(1);
    assert_eq!(result.scan_state, Some(ScanState::Done));
}

#[tokio::test]
async fn the_facade_gives_up_at_its_deadline_naming_the_scan() {
    let harness = BluHarness::start();
    let running = blubracket_operation("getCommitScan").mock(
        &harness.server,
        &[("scan_uuid", SCAN)],
        |when| when,
        202,
        Some(&json!({"scan_state": "running"})),
    );
    let mut polls_seen = 0;
    let error = facade(&harness)
        .commit_scan(SCAN)
        .wait(
            fixed(Duration::from_millis(20), Duration::from_millis(100)),
            |polls| polls_seen = polls,
        )
        .await
        .expect_err("still running at the deadline");
    assert_eq!(error.kind(), ErrorKind::PollTimeout, "{error}");
    running.assert_calls(polls_seen as usize);
    assert!((1..=6).contains(&polls_seen), "{polls_seen} polls");
    let text = error.to_string();
    assert!(text.contains(SCAN), "names the scan: {text}");
    assert!(
        text.contains("getCommitScan"),
        "names the operation: {text}"
    );
    assert!(text.contains("still running"), "{text}");
}

#[tokio::test]
async fn the_facade_stops_at_an_error_poll_naming_the_scan_and_keeping_the_message() {
    let harness = BluHarness::start();
    let mock = blubracket_operation("getCommitScan").mock(
        &harness.server,
        &[("scan_uuid", SCAN)],
        |when| when,
        400,
        Some(&json!({"message": "unknown scan"})),
    );
    let error = facade(&harness)
        .commit_scan(SCAN)
        .wait(ScanOptions::default(), |_| {})
        .await
        .expect_err("a 400 ends the wait");
    mock.assert_calls(1);
    assert_eq!(error.kind(), ErrorKind::Status, "{error}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    let text = error.to_string();
    assert!(text.contains(SCAN), "names the scan: {text}");
    assert!(
        text.contains("unknown scan"),
        "keeps the service's message: {text}"
    );
}

#[tokio::test]
async fn a_start_answer_without_a_scan_id_is_a_decode_error() {
    let harness = BluHarness::start();
    let start = blubracket_operation("startCommitScan").mock(
        &harness.server,
        &[],
        |when| when,
        200,
        Some(&json!({"message": "queued"})),
    );
    let error = facade(&harness)
        .start_scan(CommitScanRequest::builder().repo_url("https://github.com/org/repo"))
        .await
        .expect_err("no scan_uuid");
    start.assert_calls(1);
    assert_eq!(error.kind(), ErrorKind::Decode, "{error}");
    assert!(error.to_string().contains("scan_uuid"), "{error}");
}

#[test]
fn the_default_scan_wait_polls_on_the_scan_schedule() {
    let options = ScanOptions::default();
    assert_eq!(options.schedule(), sdk::PollSchedule::scan());
    assert_eq!(options.deadline, Duration::from_secs(600));
    let waits: Vec<_> = options.schedule().waits().take(5).collect();
    assert_eq!(
        waits,
        [5.0, 7.5, 11.25, 16.875, 20.0].map(Duration::from_secs_f64)
    );
    // A 10-minute scan costs 31 polls instead of 120 at a fixed 5 s.
    assert_eq!(
        options.schedule().polls_within(Duration::from_secs(600)),
        31
    );
}
