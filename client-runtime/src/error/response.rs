//! What is read of a response for an error: the rate-limit state ([`RateLimit`]) and a body read to a bound
//! ([`read_bounded`]).

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;

use super::MAX_ERROR_READ;

/// The rate-limit state the server reported with a response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// `RateLimit-Limit`.
    pub limit: Option<u64>,
    /// `RateLimit-Remaining`.
    pub remaining: Option<u64>,
    /// `RateLimit-Reset`: time left in the window.
    pub reset: Option<Duration>,
    /// `Retry-After`.
    pub retry_after: Option<Duration>,
}

impl RateLimit {
    /// Reads the rate-limit headers (`Retry-After` as seconds or an HTTP date; hostile values ignored or clamped).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            limit: crate::rate_headers::count(headers, "ratelimit-limit"),
            remaining: crate::rate_headers::count(headers, "ratelimit-remaining"),
            reset: crate::rate_headers::reset(headers),
            retry_after: crate::rate_headers::retry_after(headers),
        }
    }
}

/// Reads at most [`MAX_ERROR_READ`] bytes of an error response, and says whether more was left.
pub async fn read_bounded(response: reqwest::Response) -> (Bytes, bool) {
    read_at_most(response, MAX_ERROR_READ).await
}

/// Reads at most `limit` bytes of a response, and says whether more was left (the rest is never read: dropping
/// the response closes the connection).
pub(crate) async fn read_at_most(mut response: reqwest::Response, limit: usize) -> (Bytes, bool) {
    let mut kept = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = limit.saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if chunk.len() > room {
            return (Bytes::from(kept), true);
        }
    }
    (Bytes::from(kept), false)
}
