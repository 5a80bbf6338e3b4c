//! Reading what a server says about its request budget: `Retry-After` (seconds or an HTTP date) and
//! `RateLimit-Limit` / `RateLimit-Remaining` / `RateLimit-Reset` (seconds left in the window).
//!
//! The values come from the network, so every reader here is total: a negative, non-numeric or fractional-garbage
//! value is ignored (`None`), a huge one is clamped to [`LONGEST_WAIT`](crate::LONGEST_WAIT), and nothing panics.
//! What a value *means* for a retry (a reset matters only when the window is spent) is the retry classifier's
//! concern ([`crate::stack`]), not this module's.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

fn text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
}

/// A count of requests (`RateLimit-Limit`, `RateLimit-Remaining`): a non-negative integer, else `None`.
pub(crate) fn count(headers: &HeaderMap, name: &str) -> Option<u64> {
    text(headers, name)?.parse::<u64>().ok()
}

/// Seconds as the header says them: a non-negative integer or decimal number, clamped to
/// [`LONGEST_WAIT`](crate::LONGEST_WAIT); `None` for anything else (negative, `NaN`, `inf`, words).
fn seconds(value: &str) -> Option<Duration> {
    if let Ok(whole) = value.parse::<u64>() {
        return Some(crate::saturate(Duration::from_secs(whole)));
    }
    let number = value
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)?;
    Some(crate::saturate(Duration::from_secs_f64(
        number.min(crate::LONGEST_WAIT.as_secs_f64()),
    )))
}

/// `Retry-After`: delay-seconds or an HTTP date (a date in the past means now).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = text(headers, RETRY_AFTER.as_str())?;
    if let Some(delay) = seconds(value) {
        return Some(delay);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(crate::saturate(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    ))
}

/// `RateLimit-Reset`: the time left until the window refills.
pub(crate) fn reset(headers: &HeaderMap) -> Option<Duration> {
    seconds(text(headers, "ratelimit-reset")?)
}

/// A header map of `(name, value)` pairs, for the tests of the modules that read these headers.
#[cfg(test)]
pub(crate) fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, reqwest::header::HeaderValue::from_static(value));
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")])),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", " 1.5 ")])),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(&headers(&[(
                "retry-after",
                "Wed, 21 Oct 2015 07:28:00 GMT"
            )])),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(90));
        let mut map = HeaderMap::new();
        map.insert(
            "retry-after",
            reqwest::header::HeaderValue::from_str(&soon).expect("date"),
        );
        let delay = retry_after(&map).expect("a date");
        assert!(
            delay > Duration::from_secs(85) && delay <= Duration::from_secs(90),
            "{delay:?}"
        );
    }

    #[test]
    fn hostile_values_are_ignored_or_clamped() {
        for value in ["-1", "soon", "NaN", "inf", "-0.5", "1e999x", ""] {
            assert_eq!(
                retry_after(&headers(&[("retry-after", value)])),
                None,
                "{value}"
            );
            assert_eq!(
                reset(&headers(&[("ratelimit-reset", value)])),
                None,
                "{value}"
            );
        }
        assert_eq!(
            retry_after(&headers(&[("retry-after", "18446744073709551615")])),
            Some(crate::LONGEST_WAIT)
        );
        assert_eq!(
            reset(&headers(&[("ratelimit-reset", "1e300")])),
            Some(crate::LONGEST_WAIT)
        );
        assert_eq!(
            count(
                &headers(&[("ratelimit-remaining", "-3")]),
                "ratelimit-remaining"
            ),
            None
        );
        assert_eq!(
            count(
                &headers(&[("ratelimit-remaining", "97")]),
                "ratelimit-remaining"
            ),
            Some(97)
        );
    }
}
