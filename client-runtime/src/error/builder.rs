//! The [`Error`] type and the builder methods that fill it (the runtime's, and services' own for tests).

use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};

use super::{DecodeFailure, ErrorKind, MAX_ERROR_BODY, RateLimit, TimeLimit};

/// Headers whose values are replaced by `<redacted>` in an error.
const SENSITIVE_HEADERS: [&str; 5] = [
    "authorization",
    "x-bronto-api-key",
    "set-cookie",
    "cookie",
    "proxy-authorization",
];

/// rate-limit state, the response headers (credentials redacted) and the body (bounded to [`MAX_ERROR_BODY`]).
///
/// Its `Display` shows the operation, the status and the correlation id where they apply (and, for a response that
/// did not decode, the JSON path of the failing value), and never a secret. Its `Debug` is as short.
///
/// ```
/// # fn handle(error: client_runtime::Error) {
/// if error.is_rate_limited() {
///     let wait = error.rate_limit().retry_after.or(error.rate_limit().reset);
///     println!("slow down for {wait:?} (correlation id {:?})", error.correlation_id());
/// } else if error.is_not_found() {
///     println!("no such thing");
/// }
/// # }
/// ```
pub struct Error {
    pub(super) inner: Box<Inner>,
}

#[derive(Debug)]
pub(super) struct Inner {
    pub(super) kind: ErrorKind,
    pub(super) operation: Option<String>,
    pub(super) status: Option<StatusCode>,
    pub(super) correlation_id: Option<String>,
    pub(super) error_type: Option<String>,
    pub(super) details: Option<String>,
    pub(super) rate_limit: RateLimit,
    pub(super) headers: HeaderMap,
    pub(super) body: Option<Bytes>,
    pub(super) body_truncated: bool,
    pub(super) message: Option<String>,
    pub(super) json_path: Option<String>,
    pub(super) time_limit: Option<(TimeLimit, Duration)>,
    pub(super) step: Option<String>,
    pub(super) request: Option<String>,
    /// Attempts the runtime made (0: not known).
    pub(super) attempts: u32,
    pub(super) source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error of `kind`, with nothing else known yet: add what applies with the builder methods. For services'
    /// own tests and wrappers:
    ///
    /// ```
    /// use client_runtime::{Error, ErrorKind};
    /// let error = Error::new(ErrorKind::Status)
    ///     .operation("list_api_keys")
    ///     .message("the tenant is suspended");
    /// assert_eq!(error.to_string(), "list_api_keys: error response: the tenant is suspended");
    /// ```
    pub fn new(kind: ErrorKind) -> Self {
        let inner = Inner {
            kind,
            operation: None,
            status: None,
            correlation_id: None,
            error_type: None,
            details: None,
            rate_limit: RateLimit::default(),
            headers: HeaderMap::new(),
            body: None,
            body_truncated: false,
            message: None,
            json_path: None,
            time_limit: None,
            step: None,
            request: None,
            attempts: 0,
            source: None,
        };
        Self {
            inner: Box::new(inner),
        }
    }

    /// The same error, classified as `kind`.
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.inner.kind = kind;
        self
    }

    /// Sets the vendor's error details.
    pub fn details_text(mut self, details: impl Into<String>) -> Self {
        self.inner.details = Some(details.into());
        self
    }

    /// Sets what the SDK (or the service building the error) says beyond the kind.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = Some(message.into());
        self
    }

    /// Records where in the response body decoding failed, and what was expected there.
    pub fn decode_failure(mut self, failure: DecodeFailure) -> Self {
        self.inner.json_path = Some(failure.path);
        self.inner.message = Some(failure.expected);
        self
    }

    /// Classifies the error as a timeout of `limit` (which was `duration`). A timed-out call did not end with a
    /// response, so any status and correlation id seen before the limit ran out are dropped from the error (the
    /// headers stay readable through [`Error::headers`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use client_runtime::{Error, ErrorKind, TimeLimit};
    /// let error = Error::new(ErrorKind::Body)
    ///     .operation("list_api_keys")
    ///     .timed_out(TimeLimit::Operation, Duration::from_millis(1));
    /// assert_eq!(error.to_string(), "list_api_keys: timed out: the operation deadline of 1ms ran out");
    /// ```
    pub fn timed_out(mut self, limit: TimeLimit, duration: Duration) -> Self {
        self.inner.kind = ErrorKind::Timeout;
        self.inner.time_limit = Some((limit, duration));
        self.inner.status = None;
        self.inner.correlation_id = None;
        self
    }

    /// Names the step of a workflow the error ended (`export: download`), shown before the operation.
    pub fn during(mut self, step: impl Into<String>) -> Self {
        if self.inner.step.is_none() {
            self.inner.step = Some(step.into());
        }
        self
    }

    /// Records the request that failed as its method and URL; the URL's query and fragment are never kept (a
    /// pre-signed URL's query is its signature).
    pub fn request_line(mut self, method: &reqwest::Method, url: &reqwest::Url) -> Self {
        let mut shown = url.clone();
        shown.set_query(None);
        shown.set_fragment(None);
        let _ = shown.set_password(None);
        let _ = shown.set_username("");
        self.inner.request = Some(format!("{method} {shown}"));
        self
    }

    /// Sets the operation that failed.
    pub fn operation(mut self, operation: impl Into<String>) -> Self {
        self.inner.operation = Some(operation.into());
        self
    }

    /// Sets the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// Records the response's status and headers (credentials redacted) and the rate-limit state.
    pub fn response(mut self, status: StatusCode, headers: &HeaderMap) -> Self {
        self.inner.status = Some(status);
        self.inner.rate_limit = RateLimit::from_headers(headers);
        let mut kept = headers.clone();
        for name in SENSITIVE_HEADERS {
            if kept.contains_key(name) {
                kept.insert(name, HeaderValue::from_static("<redacted>"));
            }
        }
        if self.inner.correlation_id.is_none() {
            self.inner.correlation_id = ["x-correlation-id", "correlation-id", "x-request-id"]
                .iter()
                .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
                .map(str::to_string);
        }
        self.inner.headers = kept;
        self
    }

    /// Keeps at most [`MAX_ERROR_BODY`] bytes of `body`, and reads the vendor's error fields when it is JSON
    /// (`correlation_id`, `type`, `details`, or BluBracket's `message`).
    pub fn body(mut self, body: Bytes, truncated: bool) -> Self {
        if let Ok(serde_json::Value::Object(fields)) =
            serde_json::from_slice::<serde_json::Value>(&body)
        {
            let text = |name: &str| {
                fields.get(name).and_then(|value| match value {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Null => None,
                    other => Some(other.to_string()),
                })
            };
            if let Some(id) = text("correlation_id") {
                self.inner.correlation_id = Some(id);
            }
            self.inner.error_type = text("type").or(self.inner.error_type);
            self.inner.details = text("details")
                .or_else(|| text("message"))
                .or(self.inner.details);
        }
        let truncated = truncated || body.len() > MAX_ERROR_BODY;
        self.inner.body = Some(body.slice(..body.len().min(MAX_ERROR_BODY)));
        self.inner.body_truncated = truncated;
        self
    }
}
