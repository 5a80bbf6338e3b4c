//! The CI commit scan: `202` while the scan runs, `200` when done, and `wait_for_scan` polling in between.

use std::time::{Duration, Instant};

use blubracket_client::types::ScanState;
use blubracket_client::{ScanPolling, ScanWaitError};
use integration_tests::blubracket::{BluHarness, blubracket_operation};
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
