//! The window an answer's `RateLimit-*` headers describe, read so that hostile values give no view or a clamped one.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// What the server last said about the window.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub(super) limit: Option<u64>,
    pub(super) remaining: u64,
    pub(super) reset_at: Instant,
    pub(super) observed_at: Instant,
}

/// Two views of one window: their resets agree to within the header's one-second resolution.
pub(super) fn same_window(old: &Window, new: &Window) -> bool {
    let (early, late) = if old.reset_at <= new.reset_at {
        (old.reset_at, new.reset_at)
    } else {
        (new.reset_at, old.reset_at)
    };
    late.saturating_duration_since(early) <= Duration::from_millis(1500)
}

/// The window an answer describes. A 429 says the window is spent whatever its headers claim, until the later of
/// its `Retry-After` and `RateLimit-Reset`. An answer without a count says nothing.
pub(super) fn window_from(status: StatusCode, headers: &HeaderMap, now: Instant) -> Option<Window> {
    let limit = crate::rate_headers::count(headers, "ratelimit-limit");
    let reset = crate::rate_headers::reset(headers);
    let refused = status == StatusCode::TOO_MANY_REQUESTS;
    let (remaining, reset) = if refused {
        let hint = crate::rate_headers::retry_after(headers);
        let wait = match (reset, hint) {
            (Some(a), Some(b)) => a.max(b),
            (a, b) => a.or(b)?,
        };
        (0, wait)
    } else {
        let remaining = crate::rate_headers::count(headers, "ratelimit-remaining")?;
        // Without a reset the view is good for a second: enough to pace a burst, never a long wait.
        (remaining, reset.unwrap_or(Duration::from_secs(1)))
    };
    let remaining = limit.map_or(remaining, |limit| remaining.min(limit));
    Some(Window {
        limit,
        remaining,
        reset_at: now + crate::saturate(reset),
        observed_at: now,
    })
}
