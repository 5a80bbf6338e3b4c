//! Retry policy as data: which failures are retried, how long to wait, and what the server says about waiting.

use std::time::Duration;

use backon::BackoffBuilder as _;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// How failed attempts are retried: bounded attempts, exponential backoff with jitter, and the server's own
/// `Retry-After` / `RateLimit-Reset` honoured (clamped to [`RetryPolicy::max_server_delay`]).
///
/// Only requests that are safe to repeat are retried at all (see [`crate::Runtime`]); this type only says when
/// and how long.
///
/// ```
/// use std::time::Duration;
/// use client_runtime::RetryPolicy;
///
/// let policy = RetryPolicy::default().max_attempts(5).initial_backoff(Duration::from_millis(50));
/// assert_eq!(policy.attempts(), 5);
/// assert!(RetryPolicy::none().attempts() == 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_server_delay: Duration,
    jitter: bool,
    budget: u32,
    server_errors: bool,
}

impl Default for RetryPolicy {
    /// 3 attempts, backoff from 200 ms doubling up to 5 s with jitter, server hints honoured up to 30 s, a retry
    /// budget of 500 tokens per client.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_server_delay: Duration::from_secs(30),
            jitter: true,
            budget: 500,
            server_errors: false,
        }
    }
}

impl RetryPolicy {
    /// One attempt, never retried.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts including the first (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff delay; each later one doubles, up to [`RetryPolicy::max_backoff`].
    pub fn initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// The longest computed backoff delay.
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// The longest wait a server's `Retry-After` or `RateLimit-Reset` may impose. A call through the runtime
    /// whose server asks for longer is not retried sooner than asked: it ends with the server's answer (the hint is
    /// in the error's rate-limit state), so the caller decides. (Ingestion's batches still clamp the hint.)
    pub fn max_server_delay(mut self, delay: Duration) -> Self {
        self.max_server_delay = delay;
        self
    }

    /// The retry budget of a client, in tokens (default 500), as in smithy's standard retry mode: a retry costs 5
    /// tokens (10 after a timeout), a success refunds what its retries cost (1 when it needed none), and when the
    /// budget is spent no call retries, so an outage does not multiply the load. Retries resume as successes
    /// refill it.
    pub fn retry_budget(mut self, tokens: u32) -> Self {
        self.budget = tokens;
        self
    }

    /// Also retries every other 5xx but 501 and 505, which no retry fixes (for idempotent deliveries such as
    /// ingestion's batches; off by default).
    pub fn retry_server_errors(mut self, retry: bool) -> Self {
        self.server_errors = retry;
        self
    }

    /// `true` when an answer with `status` is worth another attempt under this policy.
    pub fn retries_status(&self, status: StatusCode) -> bool {
        is_retryable_status(status)
            || (self.server_errors
                && status.is_server_error()
                && status != StatusCode::NOT_IMPLEMENTED
                && status != StatusCode::HTTP_VERSION_NOT_SUPPORTED)
    }

    /// The retry budget's capacity.
    pub fn budget(&self) -> u32 {
        self.budget
    }

    /// `true` when a server hint is short enough to wait for (see [`RetryPolicy::max_server_delay`]).
    pub fn honours(&self, server_hint: Duration) -> bool {
        server_hint <= self.max_server_delay
    }

    /// Random jitter on computed delays (on by default; off makes delays exact, for tests).
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Total attempts including the first.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The computed delays between attempts: `attempts() - 1` of them.
    pub fn backoff(&self) -> impl Iterator<Item = Duration> + use<> {
        let mut builder = backon::ExponentialBuilder::new()
            .with_min_delay(self.initial_backoff)
            .with_max_delay(self.max_backoff)
            .with_factor(2.0)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize);
        if self.jitter {
            builder = builder.with_jitter();
        }
        builder.build()
    }

    /// The delay before the next attempt: the server's hint (clamped) when it gave one, else `computed`.
    pub fn delay(&self, computed: Duration, server_hint: Option<Duration>) -> Duration {
        match server_hint {
            Some(hint) => hint.min(self.max_server_delay),
            None => computed,
        }
    }
}

/// What a retry costs from the budget, and what a success refunds (smithy's standard retry mode).
pub(crate) const RETRY_COST: u32 = 5;
/// A retry after a timeout costs more: timeouts are the costliest failures to repeat during an outage.
pub(crate) const TIMEOUT_RETRY_COST: u32 = 10;
/// What a success that needed no retry refunds.
pub(crate) const SUCCESS_REFUND: u32 = 1;

/// A client's retry budget: a token bucket shared by every call of the client.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    available: std::sync::Mutex<u32>,
    capacity: u32,
}

impl RetryBudget {
    pub(crate) fn new(capacity: u32) -> Self {
        Self {
            available: std::sync::Mutex::new(capacity),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, u32> {
        self.available
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes `cost` tokens if there are that many.
    pub(crate) fn take(&self, cost: u32) -> bool {
        let mut available = self.lock();
        if *available >= cost {
            *available -= cost;
            true
        } else {
            false
        }
    }

    /// Gives back `amount` tokens, up to the capacity.
    pub(crate) fn refund(&self, amount: u32) {
        let mut available = self.lock();
        *available = available.saturating_add(amount).min(self.capacity);
    }

    /// Tokens left.
    pub(crate) fn available(&self) -> u32 {
        *self.lock()
    }
}

/// Statuses worth another attempt: 408, 429, 502, 503, 504.
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 502 | 503 | 504)
}

/// What the server says about waiting: `Retry-After` (seconds or an HTTP date), else `RateLimit-Reset` when
/// `RateLimit-Remaining` says the window is spent (the time until it refills means nothing while budget is left).
/// `None` when neither applies or parses; hostile values are ignored or clamped.
pub fn server_delay(headers: &HeaderMap) -> Option<Duration> {
    crate::stack::classifier::server_hint(StatusCode::OK, headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_headers::headers;

    #[test]
    fn backoff_is_bounded_and_grows() {
        let policy = RetryPolicy::default()
            .max_attempts(4)
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(250))
            .jitter(false);
        // backon computes in f32: compare whole milliseconds.
        let delays: Vec<u128> = policy.backoff().map(|d| d.as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 250]);
        assert_eq!(RetryPolicy::none().backoff().count(), 0);
    }

    #[test]
    fn jitter_stays_within_twice_the_delay() {
        let policy = RetryPolicy::default()
            .max_attempts(2)
            .initial_backoff(Duration::from_millis(100));
        for _ in 0..50 {
            let delay = policy.backoff().next().expect("one delay");
            assert!(
                delay >= Duration::from_millis(100) && delay <= Duration::from_millis(200),
                "{delay:?}"
            );
        }
    }

    #[test]
    fn server_hints_are_read_and_clamped() {
        assert_eq!(
            server_delay(&headers(&[("retry-after", "7")])),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            server_delay(&headers(&[
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", "3")
            ])),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            server_delay(&headers(&[
                ("ratelimit-remaining", "97"),
                ("ratelimit-reset", "240")
            ])),
            None,
            "the reset of a window with budget left is no reason to wait"
        );
        // Retry-After wins over RateLimit-Reset.
        assert_eq!(
            server_delay(&headers(&[("retry-after", "1"), ("ratelimit-reset", "9")])),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            server_delay(&headers(&[(
                "retry-after",
                "Wed, 21 Oct 2015 07:28:00 GMT"
            )])),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(server_delay(&headers(&[("retry-after", "soon")])), None);
        let policy = RetryPolicy::default().max_server_delay(Duration::from_secs(10));
        assert_eq!(
            policy.delay(Duration::from_millis(5), Some(Duration::from_secs(3600))),
            Duration::from_secs(10)
        );
        assert_eq!(
            policy.delay(Duration::from_millis(5), None),
            Duration::from_millis(5)
        );
    }

    #[test]
    fn retryable_statuses() {
        for code in [408u16, 429, 502, 503, 504] {
            assert!(is_retryable_status(
                StatusCode::from_u16(code).expect("status")
            ));
        }
        for code in [200u16, 400, 401, 403, 404, 409, 413, 500, 501] {
            assert!(!is_retryable_status(
                StatusCode::from_u16(code).expect("status")
            ));
        }
    }
}
