//! What callers read back from an [`Error`]: its kind, status, correlation id, rate-limit state, headers and body,
//! and the `is_*` predicates.

use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::{Error, ErrorKind, RateLimit, TimeLimit};

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// For a timeout: which limit ran out, and how long it was.
    pub fn time_limit(&self) -> Option<(TimeLimit, Duration)> {
        self.inner.time_limit
    }

    /// The workflow step the error ended (`export: wait`), for errors of a workflow.
    pub fn step(&self) -> Option<&str> {
        self.inner.step.as_deref()
    }

    /// The request that failed (`GET https://api.eu.bronto.io/api-keys`, never a query), for errors of the
    /// transport (no connection, a body that broke off).
    pub fn request(&self) -> Option<&str> {
        self.inner.request.as_deref()
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The vendor's correlation id (from the error body or a response header), to quote to the vendor's support.
    pub fn correlation_id(&self) -> Option<&str> {
        self.inner.correlation_id.as_deref()
    }

    /// The vendor's error type (Bronto's `type`).
    pub fn error_type(&self) -> Option<&str> {
        self.inner.error_type.as_deref()
    }

    /// The vendor's error details (Bronto's `details`, BluBracket's `message`).
    pub fn details(&self) -> Option<&str> {
        self.inner.details.as_deref()
    }

    /// The operation that failed (its operationId, or `METHOD /path` for a raw call).
    pub fn operation_id(&self) -> Option<&str> {
        self.inner.operation.as_deref()
    }

    /// The rate-limit state reported with the response.
    pub fn rate_limit(&self) -> RateLimit {
        self.inner.rate_limit
    }

    /// Attempts the runtime made before this error (`None` when not known, e.g. an error built by hand).
    pub fn attempts(&self) -> Option<u32> {
        (self.inner.attempts > 0).then_some(self.inner.attempts)
    }

    /// The response headers, with credential-bearing headers redacted.
    pub fn headers(&self) -> &HeaderMap {
        &self.inner.headers
    }

    /// The response body, at most [`MAX_ERROR_BODY`](super::MAX_ERROR_BODY) bytes.
    pub fn body_bytes(&self) -> Option<&Bytes> {
        self.inner.body.as_ref()
    }

    /// The response body read again as JSON, without another request: for a response that did not decode into
    /// its type, the data that did arrive. `None` when there is no body, or it is not JSON (or was truncated).
    ///
    /// ```
    /// # fn show(error: client_runtime::Error) {
    /// if error.kind() == client_runtime::ErrorKind::Decode {
    ///     eprintln!("{error}"); // names the operation and the JSON path that failed
    ///     let raw = error.body_json().unwrap_or_default();
    ///     println!("{} datasets (raw)", raw["datasets"].as_array().map_or(0, Vec::len));
    /// }
    /// # }
    /// ```
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(self.inner.body.as_ref()?).ok()
    }

    /// For a response that did not decode: the JSON path of the value that failed (`.datasets[1].parser_id`).
    pub fn json_path(&self) -> Option<&str> {
        self.inner.json_path.as_deref()
    }

    /// What the SDK says about the failure beyond its kind (for a decode failure: what was expected).
    pub fn message_text(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }

    /// `true` when the body was longer than what is kept.
    pub fn body_truncated(&self) -> bool {
        self.inner.body_truncated
    }

    /// `true` for failures worth another try later: 408, 429, 502, 503, 504, timeouts and connection failures.
    /// (The SDK has already retried these where that was safe.)
    pub fn is_retryable(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Connect | ErrorKind::Timeout)
            || self.inner.status.is_some_and(crate::is_retryable_status)
    }

    /// `true` for a 429.
    pub fn is_rate_limited(&self) -> bool {
        self.inner.kind == ErrorKind::RateLimited
            || self.inner.status == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// `true` for a 404.
    pub fn is_not_found(&self) -> bool {
        self.inner.status == Some(StatusCode::NOT_FOUND)
    }

    /// `true` for a 401 or 403, and for credential errors raised before sending.
    pub fn is_auth(&self) -> bool {
        self.inner.kind == ErrorKind::Credential
            || matches!(self.inner.status.map(|s| s.as_u16()), Some(401 | 403))
    }

    /// `true` when an attempt or the whole operation timed out.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }
}
