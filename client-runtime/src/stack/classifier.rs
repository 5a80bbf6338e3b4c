//! The retry classifier: what an attempt's outcome says about trying again, and how long to wait first.
//!
//! - **What is retried**: the statuses of [`RetryPolicy::retries_status`] (408, 429, 502, 503, 504 by default)
//!   and transport failures. A request that is not safe to send twice (a creating POST, an asynchronous search's
//!   submit) is retried only when the server certainly did not act on it: a `429` (refused before any work) or a
//!   connection that never opened. So a `504` after a search was submitted never starts a second search.
//! - **How long to wait**: the computed back-off, or longer when the server says so. `Retry-After` (seconds or an
//!   HTTP date) is always honoured. `RateLimit-Reset` is the time until the window refills, which matters only
//!   when the window is spent: it is read for a `429` or when `RateLimit-Remaining` is `0`, and never below the
//!   back-off (a `503` with `Remaining: 97, Reset: 240` is retried after the back-off; `Reset: 0` does not cut the
//!   back-off to nothing).
//! - **When not to wait**: a server hint longer than [`RetryPolicy::max_server_delay`] ends the call with the
//!   server's answer (its hint is in the error), rather than a retry sooner than asked. Hostile values are read by
//!   [`crate::rate_headers`]: ignored or clamped, never a panic. The retry component ends the call rather than
//!   sleep past its deadline.

use std::time::Duration;

use reqwest::{Response, StatusCode};

use crate::retry::{RETRY_COST, RetryPolicy, TIMEOUT_RETRY_COST};

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Hand the outcome to the caller.
    Done,
    /// Try again after `wait`, paying `cost` tokens of the tenant's retry budget.
    Retry { wait: Duration, cost: u32 },
}

/// A response the runtime made itself (the rate governor refused to send): never retried.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NotSent;

/// The wait a server asks for with `response`: `Retry-After`, else `RateLimit-Reset` when the window is spent.
pub(crate) fn server_hint(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
) -> Option<Duration> {
    if let Some(hint) = crate::rate_headers::retry_after(headers) {
        return Some(hint);
    }
    let spent = status == StatusCode::TOO_MANY_REQUESTS
        || crate::rate_headers::count(headers, "ratelimit-remaining") == Some(0);
    spent.then(|| crate::rate_headers::reset(headers)).flatten()
}

/// Classifies one attempt's outcome. `backoff` is the computed delay this retry would wait.
pub(crate) fn classify(
    policy: &RetryPolicy,
    outcome: &reqwest::Result<Response>,
    retry_safe: bool,
    backoff: Duration,
) -> Verdict {
    match outcome {
        Ok(response) => {
            let status = response.status();
            if response.extensions().get::<NotSent>().is_some() || !policy.retries_status(status) {
                return Verdict::Done;
            }
            if !retry_safe && status != StatusCode::TOO_MANY_REQUESTS {
                return Verdict::Done;
            }
            let hint = server_hint(status, response.headers());
            if hint.is_some_and(|hint| !policy.honours(hint)) {
                return Verdict::Done;
            }
            Verdict::Retry {
                wait: backoff.max(hint.unwrap_or(Duration::ZERO)),
                cost: RETRY_COST,
            }
        }
        Err(error) if error.is_connect() => Verdict::Retry {
            wait: backoff,
            cost: RETRY_COST,
        },
        Err(error) if retry_safe && error.is_timeout() => Verdict::Retry {
            wait: backoff,
            cost: TIMEOUT_RETRY_COST,
        },
        Err(error) if retry_safe && error.is_request() => Verdict::Retry {
            wait: backoff,
            cost: RETRY_COST,
        },
        Err(_) => Verdict::Done,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)]) -> reqwest::Result<Response> {
        let mut builder = http::Response::builder().status(status);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        Ok(Response::from(
            builder.body(Vec::<u8>::new()).expect("response"),
        ))
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::default().max_server_delay(Duration::from_secs(30))
    }

    const BACKOFF: Duration = Duration::from_millis(200);

    /// A retry after `wait` at the cost of an ordinary retry.
    fn retry(wait: Duration) -> Verdict {
        Verdict::Retry {
            wait,
            cost: RETRY_COST,
        }
    }

    #[test]
    fn a_far_reset_on_a_503_with_budget_left_waits_the_backoff() {
        let outcome = answer(
            503,
            &[("ratelimit-remaining", "97"), ("ratelimit-reset", "240")],
        );
        assert_eq!(classify(&policy(), &outcome, true, BACKOFF), retry(BACKOFF));
    }

    #[test]
    fn a_zero_reset_never_cuts_the_backoff() {
        let outcome = answer(
            429,
            &[("ratelimit-remaining", "0"), ("ratelimit-reset", "0")],
        );
        assert_eq!(classify(&policy(), &outcome, true, BACKOFF), retry(BACKOFF));
    }

    #[test]
    fn the_reset_of_a_spent_window_is_waited_for() {
        for (status, headers) in [
            (429, vec![("ratelimit-reset", "3")]),
            (
                503,
                vec![("ratelimit-remaining", "0"), ("ratelimit-reset", "3")],
            ),
        ] {
            assert_eq!(
                classify(&policy(), &answer(status, &headers), true, BACKOFF),
                retry(Duration::from_secs(3)),
                "{status}"
            );
        }
    }

    #[test]
    fn retry_after_is_always_honoured() {
        let outcome = answer(503, &[("retry-after", "2"), ("ratelimit-remaining", "50")]);
        assert_eq!(
            classify(&policy(), &outcome, true, BACKOFF),
            retry(Duration::from_secs(2))
        );
        let far = answer(429, &[("retry-after", "3600")]);
        assert_eq!(classify(&policy(), &far, true, BACKOFF), Verdict::Done);
    }

    #[test]
    fn hostile_hints_fall_back_to_the_backoff() {
        for value in ["-5", "soon", "NaN"] {
            let outcome = answer(429, &[("retry-after", value), ("ratelimit-reset", value)]);
            assert_eq!(
                classify(&policy(), &outcome, true, BACKOFF),
                retry(BACKOFF),
                "{value}"
            );
        }
        let huge = answer(503, &[("retry-after", "99999999999999999999999")]);
        assert_eq!(classify(&policy(), &huge, true, BACKOFF), Verdict::Done);
    }

    #[test]
    fn an_unsafe_request_is_retried_only_when_nothing_was_done() {
        for status in [502u16, 503, 504] {
            assert_eq!(
                classify(&policy(), &answer(status, &[]), false, BACKOFF),
                Verdict::Done
            );
        }
        assert!(matches!(
            classify(&policy(), &answer(429, &[]), false, BACKOFF),
            Verdict::Retry { .. }
        ));
    }

    #[test]
    fn what_the_runtime_did_not_send_is_never_retried() {
        let mut outcome = answer(429, &[("retry-after", "1")]);
        if let Ok(response) = &mut outcome {
            response.extensions_mut().insert(NotSent);
        }
        assert_eq!(classify(&policy(), &outcome, true, BACKOFF), Verdict::Done);
    }

    #[test]
    fn successes_and_client_errors_are_done() {
        for status in [200u16, 201, 400, 401, 404, 409, 501] {
            assert_eq!(
                classify(&policy(), &answer(status, &[]), true, BACKOFF),
                Verdict::Done
            );
        }
    }
}
