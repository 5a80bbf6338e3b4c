//! A good citizen of a shared account: the runtime paces from the `RateLimit-*` headers, reads them right, keeps
//! tenants apart, polls cheaply, fails closed on a credential it cannot send, and lets a service in
//! (interceptors, layers). Each test is one finding of issue 20, against a loopback server. (The fleet test is
//! `sdk_fleet.rs`, alone in its binary.)

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, StreamBody};
use hyper::Response;
use hyper::body::Frame;
use integration_tests::handler_server::{Server, answer, body};
use sdk::{
    AttemptOutcome, BeforeAttempt, Config, Credential, ErrorKind, Interceptor, PollSchedule,
    RequestOptions, RetryPolicy, Sdk,
};

const KEYS: &str = r#"{"api_keys": []}"#;
const ERROR: &str =
    r#"{"code": 503, "type": "Unavailable", "correlation_id": "c-1", "details": "try later"}"#;

/// A server whose first answer is an error of `status` with `headers`, and every later one a 200 with
/// `then`: the conversation most retry findings need.
async fn first_then(
    status: u16,
    headers: &[(&'static str, &'static str)],
    then: &'static str,
) -> Server {
    let headers: Vec<(&str, String)> = headers
        .iter()
        .map(|(name, value)| (*name, value.to_string()))
        .collect();
    let answered = AtomicUsize::new(0);
    Server::start(move |_| {
        if answered.fetch_add(1, Ordering::SeqCst) == 0 {
            answer(status, ERROR, &headers)
        } else {
            answer(200, then, &[])
        }
    })
    .await
}

fn sdk_at(base_url: &str, configure: impl FnOnce(sdk::ConfigBuilder) -> sdk::ConfigBuilder) -> Sdk {
    let builder = Config::builder()
        .bronto_base_url(base_url)
        .bronto_api_key("fleet-key-1")
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(50))
                .max_backoff(Duration::from_millis(100))
                .jitter(false),
        );
    Sdk::new(configure(builder).build().expect("config")).expect("sdk")
}

#[tokio::test]
async fn a_503_with_a_far_reset_and_budget_left_is_retried_after_the_backoff() {
    let server = first_then(
        503,
        &[("ratelimit-remaining", "97"), ("ratelimit-reset", "240")],
        KEYS,
    )
    .await;
    let sdk = sdk_at(&server.base_url, |b| b);
    let bronto = sdk.bronto().expect("bronto");
    let started = Instant::now();
    bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect("retried after the backoff, not the window's reset");
    assert_eq!(server.seen().len(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_zero_reset_does_not_cut_the_backoff() {
    let server = first_then(
        503,
        &[("ratelimit-remaining", "5"), ("ratelimit-reset", "0")],
        KEYS,
    )
    .await;
    let sdk = sdk_at(&server.base_url, |b| {
        b.retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(300))
                .jitter(false),
        )
    });
    let bronto = sdk.bronto().expect("bronto");
    let started = Instant::now();
    bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect("retried");
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    let gap = seen[1].at.duration_since(seen[0].at);
    assert!(
        gap >= Duration::from_millis(290),
        "retried after {gap:?}, not the 300 ms backoff"
    );
    assert!(started.elapsed() >= Duration::from_millis(290));
}

#[tokio::test]
async fn a_spent_window_whose_reset_passes_the_deadline_fails_at_once_and_sends_nothing() {
    let server = Server::start(|_| {
        answer(
            200,
            KEYS,
            &[
                ("ratelimit-limit", "100".into()),
                ("ratelimit-remaining", "0".into()),
                ("ratelimit-reset", "60".into()),
            ],
        )
    })
    .await;
    let sdk = sdk_at(&server.base_url, |b| {
        b.operation_timeout(Duration::from_secs(5))
    });
    let bronto = sdk.bronto().expect("bronto");
    bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect("the last of the window");
    let started = Instant::now();
    let error = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect_err("the window is spent for 60 s, the deadline is 5 s");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(error.kind(), ErrorKind::RateLimited, "{error}");
    assert!(error.is_rate_limited());
    assert_eq!(error.status(), None, "no status came from the server");
    let shown = error.to_string();
    assert!(
        shown.contains("not sent") && shown.contains("60s"),
        "{shown}"
    );
    assert!(
        error.rate_limit().retry_after >= Some(Duration::from_secs(59)),
        "{:?}",
        error.rate_limit()
    );
    assert_eq!(
        server.seen().len(),
        1,
        "nothing was sent into the spent window"
    );
}

#[tokio::test]
async fn a_spent_window_whose_reset_comes_in_time_is_waited_for() {
    let calls = Arc::new(AtomicUsize::new(0));
    let count = calls.clone();
    let server = Server::start(move |_| {
        let remaining = if count.fetch_add(1, Ordering::SeqCst) == 0 {
            0
        } else {
            9
        };
        answer(
            200,
            KEYS,
            &[
                ("ratelimit-limit", "10".into()),
                ("ratelimit-remaining", remaining.to_string()),
                ("ratelimit-reset", "1".into()),
            ],
        )
    })
    .await;
    let sdk = sdk_at(&server.base_url, |b| b);
    let bronto = sdk.bronto().expect("bronto");
    bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect("first");
    bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect("after the reset");
    let seen = server.seen();
    let gap = seen[1].at.duration_since(seen[0].at);
    assert!(
        gap >= Duration::from_millis(900),
        "sent into the spent window after {gap:?}"
    );
}

/// An export that takes `runs_for`, served by a loopback server counting its status polls.
async fn slow_export(runs_for: Duration, poll_status: u16) -> (Server, Arc<AtomicU64>) {
    let started = Instant::now();
    let polls = Arc::new(AtomicU64::new(0));
    let count = polls.clone();
    let server_url = Arc::new(Mutex::new(String::new()));
    let url = server_url.clone();
    let server = Server::start(move |seen| match (seen.method.as_str(), seen.path.as_str()) {
        ("POST", "/exports") => answer(201, r#"{"export_id": "x-8min", "status": "IN_PROGRESS", "progress": 0}"#, &[]),
        ("GET", "/exports/x-8min") => {
            count.fetch_add(1, Ordering::SeqCst);
            if poll_status != 200 {
                return answer(poll_status, ERROR, &[]);
            }
            if started.elapsed() < runs_for {
                answer(200, r#"{"export_id": "x-8min", "status": "IN_PROGRESS", "progress": 50}"#, &[])
            } else {
                let location = format!("{}/download/x-8min", url.lock().expect("lock"));
                let body = serde_json::json!({"export_id": "x-8min", "status": "COMPLETE", "progress": 100,
                    "location": location, "bytes": 5});
                answer(200, &body.to_string(), &[])
            }
        }
        ("GET", "/download/x-8min") => Response::builder().status(200).body(body("hello")).expect("response"),
        _ => answer(404, ERROR, &[]),
    })
    .await;
    *server_url.lock().expect("lock") = server.base_url.clone();
    (server, polls)
}

fn export_request() -> sdk::bronto_api::types::CreateExportRequest {
    use sdk::bronto_api::types::{CreateExportDetails, CreateExportRequest};
    CreateExportRequest::builder()
        .search_details(
            CreateExportDetails::builder()
                .from(["logs"])
                .time_range("Last 24 hours"),
        )
        .try_into()
        .expect("export request")
}

#[tokio::test]
async fn an_eight_minute_export_costs_what_the_poll_schedule_promises() {
    // 8 minutes at 1/100 scale: 4.8 s.
    let schedule = PollSchedule::export().scaled(100);
    let runs_for = Duration::from_millis(4800);
    let (server, polls) = slow_export(runs_for, 200).await;
    let sdk = sdk_at(&server.base_url, |b| b);
    let bronto = sdk.bronto().expect("bronto");
    let mut data = Vec::new();
    let options = sdk::ExportOptions::default().poll_schedule(schedule);
    let outcome = bronto
        .export_to(export_request(), &mut data, options, |_| {})
        .await
        .expect("the export completes");
    assert_eq!(data, b"hello");
    assert_eq!(outcome.export_id, "x-8min");
    let promised = u64::from(schedule.polls_within(runs_for)) + 1;
    let polled = polls.load(Ordering::SeqCst);
    println!(
        "8-minute export (scaled): {polled} status polls, {promised} promised, 240 at a fixed 2 s"
    );
    assert!(
        polled <= promised,
        "{polled} polls, the schedule promises {promised}"
    );
    assert!(
        polled >= promised.saturating_sub(3),
        "{polled} polls: the export was not waited for"
    );
}

#[tokio::test]
async fn a_failed_wait_names_the_export_and_the_export_resumes_by_id() {
    let (server, _) = slow_export(Duration::ZERO, 500).await;
    let sdk = sdk_at(&server.base_url, |b| b);
    let bronto = sdk.bronto().expect("bronto");
    let mut data = Vec::new();
    let options = sdk::ExportOptions::default().poll_schedule(PollSchedule::export().scaled(100));
    let error = bronto
        .export_to(export_request(), &mut data, options, |_| {})
        .await
        .expect_err("the status poll fails");
    assert!(error.to_string().contains("export x-8min: wait"), "{error}");
    assert_eq!(error.step(), Some("export x-8min: wait"));

    // After a restart: the saved id is enough.
    let (server, _) = slow_export(Duration::from_millis(200), 200).await;
    let sdk = sdk_at(&server.base_url, |b| b);
    let bronto = sdk.bronto().expect("bronto");
    let export = bronto
        .wait_for_export("x-8min", options, |_| {})
        .await
        .expect("resumed");
    let mut data = Vec::new();
    let outcome = bronto
        .download_export_to(&export, &mut data, options)
        .await
        .expect("downloaded");
    assert_eq!((data.as_slice(), outcome.bytes), (b"hello".as_slice(), 5));
    assert_eq!(
        server.count("POST", "/exports"),
        0,
        "no second export was created"
    );
}

#[tokio::test]
async fn a_rate_limited_status_poll_waits_for_the_window_instead_of_failing_the_export() {
    let polls = Arc::new(AtomicUsize::new(0));
    let count = polls.clone();
    let url = Arc::new(Mutex::new(String::new()));
    let location = url.clone();
    let server = Server::start(
        move |seen| match (seen.method.as_str(), seen.path.as_str()) {
            ("POST", "/exports") => answer(
                201,
                r#"{"export_id": "x-rl", "status": "IN_PROGRESS"}"#,
                &[],
            ),
            ("GET", "/exports/x-rl") => match count.fetch_add(1, Ordering::SeqCst) {
                // The window is spent for longer than the runtime's 30 s hint limit allows it to retry.
                0 => answer(
                    429,
                    ERROR,
                    &[
                        ("retry-after", "1".into()),
                        ("ratelimit-remaining", "0".into()),
                    ],
                ),
                _ => {
                    let body = serde_json::json!({"export_id": "x-rl", "status": "COMPLETE",
                    "location": format!("{}/download/x-rl", location.lock().expect("lock"))});
                    answer(200, &body.to_string(), &[])
                }
            },
            ("GET", "/download/x-rl") => Response::builder()
                .status(200)
                .body(body("ok"))
                .expect("response"),
            _ => answer(404, ERROR, &[]),
        },
    )
    .await;
    *url.lock().expect("lock") = server.base_url.clone();
    // The runtime itself does not wait out the hint (its limit is 100 ms here): the export's wait step does.
    let sdk = sdk_at(&server.base_url, |b| {
        b.retry_policy(RetryPolicy::default().max_server_delay(Duration::from_millis(100)))
    });
    let bronto = sdk.bronto().expect("bronto");
    let mut data = Vec::new();
    let options = sdk::ExportOptions::default().poll_schedule(PollSchedule::export().scaled(100));
    bronto
        .export_to(export_request(), &mut data, options, |_| {})
        .await
        .expect("the export waits for the window");
    assert_eq!(data, b"ok");
}

#[tokio::test]
async fn a_throttled_tenant_leaves_the_other_tenant_unaffected() {
    let server = Server::start(|seen| {
        let key = seen
            .headers
            .get("x-bronto-api-key")
            .and_then(|v| v.to_str().ok());
        if key == Some("tenant-noisy") {
            answer(
                429,
                ERROR,
                &[
                    ("retry-after", "2".into()),
                    ("ratelimit-remaining", "0".into()),
                    ("ratelimit-reset", "2".into()),
                ],
            )
        } else {
            answer(
                200,
                KEYS,
                &[
                    ("ratelimit-remaining", "50".into()),
                    ("ratelimit-reset", "60".into()),
                ],
            )
        }
    })
    .await;
    let config = Config::builder()
        .bronto_base_url(&server.base_url)
        .bronto_per_request_credentials()
        .max_in_flight(4)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .retry_budget(20)
                .max_server_delay(Duration::from_secs(5))
                .jitter(false),
        )
        .build()
        .expect("config");
    let sdk = Sdk::new(config).expect("sdk");
    let bronto = sdk.bronto().expect("bronto");
    let noisy = bronto.with(RequestOptions::new().credential(Credential::api_key("tenant-noisy")));
    let quiet = bronto.with(RequestOptions::new().credential(Credential::api_key("tenant-quiet")));
    let throttled: Vec<_> = (0..8)
        .map(|_| {
            let noisy = noisy.clone();
            tokio::spawn(async move { noisy.call(noisy.list_api_keys().send()).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    for _ in 0..5 {
        quiet
            .call(quiet.list_api_keys().send())
            .await
            .expect("the quiet tenant's calls");
    }
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "the quiet tenant waited {:?} behind the noisy one",
        started.elapsed()
    );
    assert_eq!(
        quiet.client().runtime().retry_budget_available(),
        20,
        "its own retry tokens"
    );
    assert!(
        noisy.client().runtime().retry_budget_available() < 20,
        "the noisy tenant paid for its retries"
    );
    for call in throttled {
        let _ = call.await.expect("joined");
    }
}

/// A server whose bodies take `body_time` to stream, recording when each request came and its body ended.
async fn slow_bodies(body_time: Duration) -> (Server, Arc<Mutex<Vec<(Instant, Instant)>>>) {
    let spans: Arc<Mutex<Vec<(Instant, Instant)>>> = Arc::default();
    let record = spans.clone();
    let server = Server::start(move |seen| {
        let record = record.clone();
        let arrived = seen.at;
        let chunks = futures::stream::unfold(0u8, move |step| {
            let record = record.clone();
            async move {
                match step {
                    0..=3 => {
                        tokio::time::sleep(body_time / 4).await;
                        let chunk = if step == 0 {
                            "{\"api_keys\": ["
                        } else if step < 3 {
                            " "
                        } else {
                            "]}"
                        };
                        if step == 3 {
                            record.lock().expect("lock").push((arrived, Instant::now()));
                        }
                        Some((
                            Ok::<_, Infallible>(Frame::data(Bytes::from(chunk))),
                            step + 1,
                        ))
                    }
                    _ => None,
                }
            }
        });
        Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(StreamBody::new(chunks).boxed())
            .expect("response")
    })
    .await;
    (server, spans)
}

#[tokio::test]
async fn two_slow_bodies_under_one_slot_do_not_overlap() {
    let (server, spans) = slow_bodies(Duration::from_millis(400)).await;
    let sdk = sdk_at(&server.base_url, |b| b.max_in_flight(1));
    let bronto = sdk.bronto().expect("bronto");
    let (a, b) = tokio::join!(
        bronto.call(bronto.list_api_keys().send()),
        bronto.call(bronto.list_api_keys().send())
    );
    a.expect("first");
    b.expect("second");
    let mut spans = spans.lock().expect("lock").clone();
    spans.sort();
    assert_eq!(spans.len(), 2);
    assert!(
        spans[1].0 >= spans[0].1,
        "the second request arrived {:?} before the first body ended",
        spans[0].1.duration_since(spans[1].0)
    );
}

#[tokio::test]
async fn a_key_that_cannot_be_a_header_is_refused_before_anything_is_sent() {
    let server = Server::start(|_| answer(200, KEYS, &[])).await;
    let error = Config::builder()
        .bronto_base_url(&server.base_url)
        .bronto_api_key("key-from-a-mounted-secret\n")
        .build()
        .expect_err("a newline cannot travel in a header");
    assert_eq!(error.kind(), ErrorKind::Credential, "{error}");
    assert!(
        !error.to_string().contains("key-from-a-mounted-secret"),
        "{error}"
    );

    // Per request: the call fails closed, typed, and nothing reaches the server.
    let config = Config::builder()
        .bronto_base_url(&server.base_url)
        .bronto_per_request_credentials()
        .build()
        .expect("config");
    let sdk = Sdk::new(config).expect("sdk");
    let tenant = sdk
        .bronto()
        .expect("bronto")
        .with(RequestOptions::new().credential(Credential::api_key("tenant-key\n")));
    let error = tenant
        .call(tenant.list_api_keys().send())
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Credential, "{error}");
    assert!(error.to_string().contains("cannot be sent"), "{error}");
    assert!(!error.to_string().contains("tenant-key"), "{error}");
    assert!(
        server.seen().is_empty(),
        "nothing was sent: {:?}",
        server.seen()
    );

    // From the environment, as bronto-ingest reads it: trimmed.
    let config = Config::builder()
        .with_env_from(|name| match name {
            "BRONTO_BASE_URL" => Some(server.base_url.clone()),
            "BRONTO_API_KEY" => Some("env-key-7\n".to_string()),
            _ => None,
        })
        .build()
        .expect("trimmed");
    let sdk = Sdk::new(config).expect("sdk");
    let bronto = sdk.bronto().expect("bronto");
    bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect("sent");
    let seen = server.seen();
    assert_eq!(
        seen[0]
            .headers
            .get("x-bronto-api-key")
            .map(|v| v.as_bytes()),
        Some(b"env-key-7".as_slice())
    );
}

#[tokio::test]
async fn an_asynchronous_search_is_not_submitted_twice_after_a_504() {
    let server = Server::start(|_| answer(504, ERROR, &[])).await;
    let sdk = sdk_at(&server.base_url, |b| b);
    let bronto = sdk.bronto().expect("bronto");
    let request: sdk::bronto_api::types::CreateSearchRequest = serde_json::from_value(
        serde_json::json!({"from": ["logs"], "select": ["*"], "time_range": "Last 10 minutes"}),
    )
    .expect("request");
    let error = bronto
        .submit_search(request.clone())
        .await
        .expect_err("504");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(504));
    assert_eq!(
        server.count("POST", "/search"),
        1,
        "a second submit would start a second search"
    );

    // A plain (synchronous) search is a read: retried as before.
    let _ = bronto.call(bronto.post_search().body(request).send()).await;
    assert_eq!(server.count("POST", "/search"), 4);
}

#[tokio::test]
async fn a_429_on_submit_is_retried_since_the_server_did_nothing() {
    let server = first_then(
        429,
        &[("retry-after", "0")],
        r#"{"events": [], "status": "COMPLETED"}"#,
    )
    .await;
    let sdk = sdk_at(&server.base_url, |b| b);
    let bronto = sdk.bronto().expect("bronto");
    let request: sdk::bronto_api::types::CreateSearchRequest = serde_json::from_value(
        serde_json::json!({"from": ["logs"], "select": ["*"], "time_range": "Last 10 minutes"}),
    )
    .expect("request");
    bronto
        .submit_search(request)
        .await
        .expect("the retry after a 429");
    assert_eq!(server.seen().len(), 2);
}

#[derive(Debug)]
struct TraceParent;

impl Interceptor for TraceParent {
    fn modify_before_attempt(&self, attempt: &mut BeforeAttempt<'_>) {
        let value = format!(
            "00-{:032x}-{:016x}-01",
            0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736_u128, attempt.attempt
        );
        attempt.set_header("traceparent", &value).expect("a header");
        assert!(
            attempt.set_header("x-bronto-api-key", "stolen").is_err(),
            "the credential is not theirs"
        );
    }
}

/// What an observer saw of one attempt: method, operation, attempt, status.
type Observed = (String, &'static str, u32, Option<u16>);

#[derive(Debug, Default)]
struct Observer {
    attempts: Mutex<Vec<Observed>>,
}

impl Interceptor for Observer {
    fn read_after_attempt(&self, outcome: &AttemptOutcome<'_>) {
        self.attempts.lock().expect("lock").push((
            outcome.method.to_string(),
            outcome.operation_id,
            outcome.attempt,
            outcome.status.map(|s| s.as_u16()),
        ));
    }
}

#[tokio::test]
async fn interceptors_add_a_traceparent_and_observe_every_attempt() {
    let server = first_then(503, &[], KEYS).await;
    let observer = Arc::new(Observer::default());
    let tag = tower::util::MapRequestLayer::new(|mut attempt: sdk::stack::Attempt| {
        attempt
            .request_mut()
            .headers_mut()
            .insert("x-own-component", "1".parse().expect("header"));
        attempt
    });
    let sdk = sdk_at(&server.base_url, |b| {
        b.interceptor(TraceParent)
            .interceptor(observer.clone())
            .layer(tag)
    });
    let bronto = sdk.bronto().expect("bronto");
    bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect("second attempt");
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    for (index, request) in seen.iter().enumerate() {
        let parent = request
            .headers
            .get("traceparent")
            .and_then(|v| v.to_str().ok())
            .expect("traceparent");
        assert!(
            parent.ends_with(&format!("{:016x}-01", index + 1)),
            "{parent}"
        );
        assert_eq!(
            request
                .headers
                .get("x-bronto-api-key")
                .map(|v| v.as_bytes()),
            Some(b"fleet-key-1".as_slice())
        );
        assert!(
            request.headers.contains_key("x-own-component"),
            "the service's own layer ran"
        );
    }
    let attempts = observer.attempts.lock().expect("lock").clone();
    assert_eq!(
        attempts,
        vec![
            ("GET".to_string(), "list_api_keys", 1, Some(503)),
            ("GET".to_string(), "list_api_keys", 2, Some(200)),
        ]
    );
}
