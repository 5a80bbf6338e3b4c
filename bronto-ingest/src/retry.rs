//! Ingestion's own retry schedule: what the server asks for (`Retry-After`, `RateLimit-Reset`), how long a batch
//! waits before its next attempt, and when it is given up. Nothing here is shared with the API calls' runtime: no
//! retry budget, and a longer maximum server wait.

use std::time::{Duration, SystemTime};

use client_runtime::RetryPolicy;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use tokio::time::Instant;

/// How long the server asks a client to wait: `Retry-After` (delta seconds or an HTTP date; a date in the past
/// is zero), else `RateLimit-Reset` (seconds until the window refills) when the window is spent (a `429`, or
/// `RateLimit-Remaining: 0`). Values that do not parse (negative, fractional, text) are ignored; huge ones are
/// clamped by the caller ([`Schedule::wait`]).
pub(crate) fn server_hint(status: StatusCode, headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(value) = text(RETRY_AFTER.as_str()) {
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        if let Ok(date) = httpdate::parse_http_date(value) {
            return Some(
                date.duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO),
            );
        }
    }
    let spent = status == StatusCode::TOO_MANY_REQUESTS
        || text("ratelimit-remaining").is_some_and(|remaining| remaining == "0");
    if !spent {
        return None;
    }
    text("ratelimit-reset")
        .and_then(|value| value.parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// The schedule of one batch: its attempts, backoff and deadline.
pub(crate) struct Schedule {
    backoff: Box<dyn Iterator<Item = Duration> + Send>,
    deadline: Instant,
    max_server_wait: Duration,
}

impl Schedule {
    /// Starts a batch's schedule now (its first attempt): computed delays from `policy`, a deadline of
    /// `retry_deadline` from now, server hints clamped to `max_server_wait`.
    pub(crate) fn start(
        policy: &RetryPolicy,
        retry_deadline: Duration,
        max_server_wait: Duration,
    ) -> Self {
        let now = Instant::now();
        Self {
            backoff: Box::new(policy.backoff()),
            deadline: now
                .checked_add(client_runtime::saturate(retry_deadline))
                .unwrap_or(now + client_runtime::saturate(Duration::MAX)),
            max_server_wait,
        }
    }

    /// The wait before the next attempt, or `None` when the batch is to be given up: its policy's attempts are
    /// spent, or the next attempt would start after its deadline. The wait is the computed backoff, or the
    /// server's hint (clamped to the maximum server wait) when that is longer: a `Retry-After` is never cut short,
    /// and never lets a batch retry faster than its backoff.
    pub(crate) fn wait(&mut self, hint: Option<Duration>) -> Option<Duration> {
        let computed = self.backoff.next()?;
        let wait = match hint {
            Some(hint) => hint.min(self.max_server_wait).max(computed),
            None => computed,
        };
        let resume = Instant::now().checked_add(wait)?;
        (resume <= self.deadline).then_some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("a header value"));
        }
        map
    }

    const THROTTLED: StatusCode = StatusCode::TOO_MANY_REQUESTS;
    const UNAVAILABLE: StatusCode = StatusCode::SERVICE_UNAVAILABLE;

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        assert_eq!(
            server_hint(THROTTLED, &headers(&[("retry-after", " 60 ")])),
            Some(Duration::from_secs(60))
        );
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let hint = server_hint(UNAVAILABLE, &headers(&[("retry-after", &later)])).expect("a date");
        assert!(
            hint > Duration::from_secs(110) && hint <= Duration::from_secs(120),
            "{hint:?}"
        );
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(120));
        assert_eq!(
            server_hint(UNAVAILABLE, &headers(&[("retry-after", &past)])),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn hostile_values_are_ignored() {
        for bad in ["-5", "1.5", "soon", "", "99999999999999999999999"] {
            assert_eq!(
                server_hint(UNAVAILABLE, &headers(&[("retry-after", bad)])),
                None,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rate_limit_reset_only_when_the_window_is_spent() {
        let far = [("ratelimit-remaining", "97"), ("ratelimit-reset", "240")];
        assert_eq!(server_hint(UNAVAILABLE, &headers(&far)), None);
        assert_eq!(
            server_hint(THROTTLED, &headers(&far)),
            Some(Duration::from_secs(240))
        );
        let spent = [("ratelimit-remaining", "0"), ("ratelimit-reset", "7")];
        assert_eq!(
            server_hint(UNAVAILABLE, &headers(&spent)),
            Some(Duration::from_secs(7))
        );
        // Retry-After wins over the reset.
        let both = [("retry-after", "3"), ("ratelimit-reset", "240")];
        assert_eq!(
            server_hint(THROTTLED, &headers(&both)),
            Some(Duration::from_secs(3))
        );
    }

    fn policy(attempts: u32) -> RetryPolicy {
        RetryPolicy::default()
            .max_attempts(attempts)
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(400))
            .jitter(false)
    }

    #[tokio::test]
    async fn the_wait_is_the_longer_of_backoff_and_hint_clamped_to_the_maximum() {
        let mut schedule = Schedule::start(
            &policy(10),
            Duration::from_secs(3600),
            Duration::from_secs(300),
        );
        // backon computes in f32: compare whole milliseconds.
        let ms = |wait: Option<Duration>| wait.map(|w| w.as_millis());
        assert_eq!(ms(schedule.wait(None)), Some(100));
        assert_eq!(
            ms(schedule.wait(Some(Duration::from_secs(60)))),
            Some(60_000)
        );
        assert_eq!(ms(schedule.wait(Some(Duration::ZERO))), Some(400));
        assert_eq!(ms(schedule.wait(Some(Duration::MAX))), Some(300_000));
    }

    #[tokio::test]
    async fn a_batch_is_given_up_when_attempts_run_out_or_the_deadline_would_pass() {
        let mut schedule = Schedule::start(
            &policy(3),
            Duration::from_secs(3600),
            Duration::from_secs(300),
        );
        assert!(schedule.wait(None).is_some());
        assert!(schedule.wait(None).is_some());
        assert_eq!(schedule.wait(None), None, "3 attempts: 2 waits");
        let mut schedule = Schedule::start(
            &policy(100),
            Duration::from_secs(10),
            Duration::from_secs(300),
        );
        assert!(schedule.wait(Some(Duration::from_secs(5))).is_some());
        assert_eq!(
            schedule.wait(Some(Duration::from_secs(60))),
            None,
            "past the deadline"
        );
    }
}
