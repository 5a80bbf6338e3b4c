//! A fleet of four processes sharing one key stays inside the account's budget (issue 20's acceptance test): four
//! independent `Sdk` instances against a loopback server enforcing one fixed-window budget with the
//! `RateLimit-*` headers. In a test binary of its own, so no other test shares the machine while it measures.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::Response;
use integration_tests::handler_server::{Body, Seen, Server, answer};
use sdk::{Config, RequestOptions, RetryPolicy, Sdk};

const KEYS: &str = r#"{"api_keys": []}"#;
const ERROR: &str =
    r#"{"code": 429, "type": "TooManyRequests", "correlation_id": "c-1", "details": "slow down"}"#;

/// One process's worth of SDK: nothing shared with the others but the key and the server.
fn sdk_for_one_process(base_url: &str) -> Sdk {
    let config = Config::builder()
        .bronto_base_url(base_url)
        .bronto_api_key("fleet-key-1")
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(50))
                .max_backoff(Duration::from_millis(100))
                .jitter(false),
        )
        .operation_timeout(Duration::from_secs(10))
        .build()
        .expect("config");
    Sdk::new(config).expect("sdk")
}

/// A fixed-window budget, as one account's: `limit` requests per `window`, counted over every caller.
struct Budget {
    limit: u64,
    window: Duration,
    started: Instant,
    spent: Mutex<(u64, u64)>,
    served: Mutex<std::collections::HashMap<String, (u64, u64)>>,
    /// Requests served in each window, and every refusal (instance, ms into the run).
    per_window: Mutex<Vec<u64>>,
    refusals: Mutex<Vec<(String, u128)>>,
}

impl Budget {
    fn answer(&self, seen: &Seen) -> Response<Body> {
        let elapsed = seen.at.duration_since(self.started);
        let index = (elapsed.as_nanos() / self.window.as_nanos()) as u64;
        let left = self.window.saturating_sub(Duration::from_nanos(
            (elapsed.as_nanos() % self.window.as_nanos()) as u64,
        ));
        let reset = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        let instance = seen
            .headers
            .get("x-instance")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("?")
            .to_string();
        let mut spent = self.spent.lock().expect("lock");
        if spent.0 != index {
            *spent = (index, 0);
        }
        let served = spent.1 < self.limit;
        if served {
            spent.1 += 1;
            let mut per_window = self.per_window.lock().expect("lock");
            if per_window.len() <= index as usize {
                per_window.resize(index as usize + 1, 0);
            }
            per_window[index as usize] += 1;
        }
        let remaining = self.limit - spent.1;
        drop(spent);
        let mut tally = self.served.lock().expect("lock");
        let entry = tally.entry(instance.clone()).or_default();
        if served {
            entry.0 += 1;
        } else {
            entry.1 += 1;
            self.refusals
                .lock()
                .expect("lock")
                .push((instance.clone(), elapsed.as_millis()));
        }
        let headers = [
            ("ratelimit-limit", self.limit.to_string()),
            ("ratelimit-remaining", remaining.to_string()),
            ("ratelimit-reset", reset.to_string()),
        ];
        if served {
            answer(200, KEYS, &headers)
        } else {
            let mut response = answer(429, ERROR, &headers);
            response
                .headers_mut()
                .insert("retry-after", reset.to_string().parse().expect("header"));
            response
        }
    }
}

/// Callers in each instance, each making one call after another.
const CALLERS_PER_INSTANCE: usize = 1;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_of_four_sharing_one_key_stays_inside_the_accounts_budget() {
    // 8 whole windows: 32 s of calls from all four.
    let window = Duration::from_secs(4);
    let windows = 8;
    let run = window * windows;
    let budget = Arc::new(Budget {
        limit: 20,
        window,
        started: Instant::now(),
        spent: Mutex::new((0, 0)),
        served: Mutex::default(),
        per_window: Mutex::default(),
        refusals: Mutex::default(),
    });
    let answers = budget.clone();
    let server = Server::start(move |seen| answers.answer(seen)).await;
    let started = budget.started;
    let mut instances = Vec::new();
    for instance in 0..4 {
        // Four independent processes' worth of SDK: nothing shared but the key and the server.
        let sdk = sdk_for_one_process(&server.base_url);
        let bronto = sdk.bronto().expect("bronto").with(
            RequestOptions::new()
                .header("x-instance", &instance.to_string())
                .expect("header"),
        );
        for _ in 0..CALLERS_PER_INSTANCE {
            let bronto = bronto.clone();
            instances.push(tokio::spawn(async move {
                while started.elapsed() < run {
                    let _ = bronto.call(bronto.list_api_keys().send()).await;
                }
            }));
        }
    }
    for task in instances {
        task.await.expect("caller");
    }
    // The calls still waiting at the end go out in the next window: only the run's windows count.
    let allowed = budget.limit * u64::from(windows);
    let per_window = budget.per_window.lock().expect("lock").clone();
    let served: u64 = per_window.iter().take(windows as usize).sum();
    let tally = budget.served.lock().expect("lock").clone();
    let utilisation = served as f64 / allowed as f64;
    println!(
        "fleet: {tally:?}; served {served} of {allowed} allowed in {windows} windows \
         ({utilisation:.2}; per window {per_window:?}); refused at {:?}",
        budget.refusals.lock().expect("lock")
    );
    assert_eq!(tally.len(), 4, "{tally:?}");
    for (instance, (_, refused)) in &tally {
        assert!(
            *refused <= 1,
            "instance {instance} was refused {refused} times: {tally:?}"
        );
    }
    // Issue 20 asks for 0.9. Measured alone in its binary on the 2-core machine (2026-12-02): 0.95 to 0.99 in
    // seven runs (median 0.97), no instance refused twice; the refusals come where a process learns the crowd
    // (the end of the first window) or late in a race, one each at most.
    assert!(
        utilisation >= 0.9,
        "served {served} of {allowed}: {tally:?}"
    );
}
