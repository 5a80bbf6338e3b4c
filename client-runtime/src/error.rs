//! [`Error`]: one error type for every call through the runtime (the facade's `sdk::Error`), keeping what the server
//! said. Services build their own for tests with [`Error::new`] and its builder methods.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};

/// The most of an error body kept in an [`Error`]; the rest is dropped (and [`Error::body_truncated`] says so).
pub const MAX_ERROR_BODY: usize = 16 * 1024;

/// The most of an error body read: enough for the vendor's fields (a correlation id before 40 KiB of details) to
/// be parsed from it, bounded so that an endless or 1 GiB error body is never read to its end. Of what is read,
/// [`MAX_ERROR_BODY`] bytes are kept.
pub const MAX_ERROR_READ: usize = 1024 * 1024;

/// Headers whose values are replaced by `<redacted>` in an error.
const SENSITIVE_HEADERS: [&str; 5] = [
    "authorization",
    "x-bronto-api-key",
    "set-cookie",
    "cookie",
    "proxy-authorization",
];

/// What kind of failure an [`Error`] is, each with an example of what its `Display` reads like (the operation
/// first, and for a workflow the step before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The configuration is invalid (a bad region, base URL, key file, ...).
    ///
    /// For example: `invalid configuration: mars! is not a region: ...`.
    Config,
    /// The credential is missing, empty, or does not fit the client's credential mode. Nothing was sent.
    ///
    /// For example: `list_datasets: credential error: this client takes a credential per request, and the call supplied none`.
    Credential,
    /// The request could not be built (a missing required parameter, an invalid value).
    ///
    /// For example: `create_api_key: invalid request: no value supplied for roles`.
    InvalidRequest,
    /// No connection could be made, or it dropped before a response.
    ///
    /// For example: `list_api_keys: connection failed on GET http://127.0.0.1:9/api-keys: Connection refused (os error 111)`.
    Connect,
    /// An attempt or the whole operation ran out of time.
    ///
    /// For example: `list_api_keys: timed out: the operation deadline of 1ms ran out` (see [`Error::time_limit`]).
    Timeout,
    /// A redirect was refused (it would have taken the request, and the credential, to another host).
    ///
    /// For example: `get_export_by_id: redirect refused (status 302)`.
    Redirect,
    /// The rate governor did not send the call: the account's rate-limit window is spent and its reset comes
    /// after the call's deadline (the wait is in [`Error::rate_limit`]'s `retry_after`). A server's own `429` is
    /// [`ErrorKind::Status`]; [`Error::is_rate_limited`] is `true` for both.
    ///
    /// For example: `list_api_keys: rate limited, not sent: the account's rate-limit window is spent and refills in 40s, after the operation deadline`.
    RateLimited,
    /// The server answered with an error status.
    ///
    /// For example: `list_datasets: error response (status 401, correlation id c-1): Unauthorized: invalid API key`.
    Status,
    /// The response body is not what the document promises (not JSON, truncated, wrong shape).
    ///
    /// For example: `list_datasets: response did not decode (status 200) at .datasets[0].dataset: invalid type: integer 7, expected a string` (the path is in backticks).
    Decode,
    /// Reading the response body failed part-way.
    ///
    /// For example: `list_api_keys: reading the response body failed on GET https://api.eu.bronto.io/api-keys: connection reset`.
    Body,
    /// The export failed on the server (its `failure_detail` is in [`Error::details`]).
    ///
    /// For example: `export x-1: wait: the export failed: FAILED: out of quota`.
    ExportFailed,
    /// The export's download location has expired (or was refused by the storage host).
    ///
    /// For example: `export: download: download of export x-1: the export's download has expired (status 403)`.
    ExportExpired,
    /// A download did not deliver the byte count the server announced.
    ///
    /// For example: `export: download: download of export x-1: the download is incomplete: received 10 bytes, the server announced 20`.
    Integrity,
    /// A workflow's polling gave up (the server kept saying "not yet" past the deadline).
    ///
    /// For example: `export x-1: wait: gave up waiting: not complete after 60s; the export is left on the server ...`.
    PollTimeout,
    /// An asynchronous search's results expired before they were read (`410`).
    ///
    /// For example: `search: wait: get_search_status: the search's results have expired (status 410)`.
    ResultsExpired,
    /// A paged stream could not go on exactly: the server ignored its paging parameters (a page repeated, a
    /// token followed twice, a page larger than asked for), sent a next link without a usable token, or the
    /// stream reached its [`PagingLimits`](crate::PagingLimits) cap. The items before it were delivered.
    ///
    /// For example: `search: page 3: post_search: paging stopped: page 3: the same events as the page before ...`.
    Paging,
    /// The service ended an asynchronous search without results (`TIMED_OUT`, `CANCELLED_BY_USER`,
    /// `INTERNAL_SERVER_ERROR`).
    ///
    /// For example: `get_search_status: the search failed: TIMED_OUT`.
    SearchFailed,
}

/// Which time limit ran out, for an [`ErrorKind::Timeout`] error ([`Error::time_limit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeLimit {
    /// Establishing the connection ([`Timeouts::connect`](crate::Timeouts::connect)).
    Connect,
    /// One attempt: sending the request and reading the whole response
    /// ([`Timeouts::attempt`](crate::Timeouts::attempt)).
    Attempt,
    /// A read of the response made no progress ([`Timeouts::idle`](crate::Timeouts::idle)).
    Idle,
    /// The whole operation, every attempt and wait included ([`Timeouts::operation`](crate::Timeouts::operation),
    /// or the handle's [`RequestOptions::timeout`](crate::RequestOptions::timeout)).
    Operation,
    /// A workflow's download as a whole (an export's `download_timeout`).
    Download,
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeLimit::Connect => "connect timeout",
            TimeLimit::Attempt => "attempt timeout",
            TimeLimit::Idle => "idle timeout",
            TimeLimit::Operation => "operation deadline",
            TimeLimit::Download => "download timeout",
        })
    }
}

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

/// An error from the SDK. Keeps the HTTP status, the vendor's correlation id, error type and details, the
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
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    operation: Option<String>,
    status: Option<StatusCode>,
    correlation_id: Option<String>,
    error_type: Option<String>,
    details: Option<String>,
    rate_limit: RateLimit,
    headers: HeaderMap,
    body: Option<Bytes>,
    body_truncated: bool,
    message: Option<String>,
    json_path: Option<String>,
    time_limit: Option<(TimeLimit, Duration)>,
    step: Option<String>,
    request: Option<String>,
    /// Attempts the runtime made (0: not known).
    attempts: u32,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
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

    /// The response body, at most [`MAX_ERROR_BODY`] bytes.
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

/// The most of a free text shown by `Debug` (the vendor's details can be as long as the body).
const DEBUG_TEXT: usize = 120;

fn clipped(text: &Option<String>) -> Option<String> {
    text.as_ref()
        .map(|text| match text.char_indices().nth(DEBUG_TEXT) {
            Some((end, _)) => format!("{}…", &text[..end]),
            None => text.clone(),
        })
}

/// Short: what a `main` that returns the error prints on one line. The headers and the body stay available through
/// [`Error::headers`], [`Error::body_bytes`] and [`Error::body_json`].
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let mut debug = f.debug_struct("Error");
        debug.field("kind", &inner.kind);
        if let Some(step) = &inner.step {
            debug.field("step", step);
        }
        if let Some(operation) = &inner.operation {
            debug.field("operation", operation);
        }
        if let Some(status) = inner.status {
            debug.field("status", &status.as_u16());
        }
        if let Some(id) = &inner.correlation_id {
            debug.field("correlation_id", id);
        }
        if let Some(path) = &inner.json_path {
            debug.field("json_path", path);
        }
        if let Some((limit, duration)) = inner.time_limit {
            debug.field("time_limit", &limit);
            debug.field("after", &duration);
        }
        if let Some(request) = &inner.request {
            debug.field("request", request);
        }
        if let Some(kind) = clipped(&inner.error_type) {
            debug.field("type", &kind);
        }
        if let Some(details) = clipped(&inner.details) {
            debug.field("details", &details);
        }
        if let Some(message) = clipped(&inner.message) {
            debug.field("message", &message);
        }
        if let Some(body) = &inner.body {
            debug.field("body_bytes", &body.len());
        }
        debug.finish()
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Config => "invalid configuration",
            ErrorKind::Credential => "credential error",
            ErrorKind::InvalidRequest => "invalid request",
            ErrorKind::Connect => "connection failed",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Redirect => "redirect refused",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Status => "error response",
            ErrorKind::Decode => "response did not decode",
            ErrorKind::Body => "reading the response body failed",
            ErrorKind::ExportFailed => "the export failed",
            ErrorKind::ExportExpired => "the export's download has expired",
            ErrorKind::Integrity => "the download is incomplete",
            ErrorKind::PollTimeout => "gave up waiting",
            ErrorKind::ResultsExpired => "the search's results have expired",
            ErrorKind::Paging => "paging stopped",
            ErrorKind::SearchFailed => "the search failed",
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(step) = &self.inner.step {
            write!(f, "{step}: ")?;
        }
        if let Some(operation) = &self.inner.operation {
            write!(f, "{operation}: ")?;
        }
        write!(f, "{}", self.inner.kind)?;
        match (self.inner.status, &self.inner.correlation_id) {
            (Some(status), Some(id)) => {
                write!(f, " (status {}, correlation id {id})", status.as_u16())?
            }
            (Some(status), None) => write!(f, " (status {})", status.as_u16())?,
            (None, Some(id)) => write!(f, " (correlation id {id})")?,
            (None, None) => {}
        }
        if let Some(path) = &self.inner.json_path {
            write!(f, " at `{path}`")?;
        }
        if let Some(request) = &self.inner.request {
            write!(f, " on {request}")?;
        }
        if let Some((limit, duration)) = self.inner.time_limit {
            write!(f, ": the {limit} of {duration:?} ran out")?;
        }
        if let Some(kind) = &self.inner.error_type {
            write!(f, ": {kind}")?;
        }
        if let Some(details) = &self.inner.details {
            write!(f, ": {details}")?;
        }
        if let Some(message) = &self.inner.message {
            write!(f, ": {message}")?;
        }
        if self.inner.status == Some(StatusCode::TOO_MANY_REQUESTS) {
            let rate = &self.inner.rate_limit;
            match (rate.retry_after, rate.reset) {
                (Some(wait), _) => {
                    write!(f, "; the service asks to retry after {} s", wait.as_secs())?
                }
                (None, Some(reset)) => {
                    write!(f, "; the rate-limit window resets in {} s", reset.as_secs())?
                }
                (None, None) => write!(f, "; no retry hint")?,
            }
            match self.inner.attempts {
                0 => {}
                1 => write!(f, " (1 attempt made)")?,
                n => write!(f, " ({n} attempts made)")?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Where a JSON body failed to decode into its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeFailure {
    /// The path of the failing value, `.` for the root (`.datasets[1].parser_id`).
    pub path: String,
    /// What serde expected there.
    pub expected: String,
}

/// Decodes `body` as `T`, and on failure says where. (Decoding through `serde_path_to_error` costs a little on
/// every value, so the generated calls decode plainly and only a failure is decoded again this way.)
pub fn decode_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, DecodeFailure> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        DecodeFailure {
            path: if path.starts_with('.') || path.starts_with('[') {
                path
            } else {
                format!(".{path}")
            },
            expected: error.into_inner().to_string(),
        }
    })?;
    deserializer.end().map_err(|error| DecodeFailure {
        path: ".".to_string(),
        expected: error.to_string(),
    })?;
    Ok(value)
}

/// Maps a transport error (no response) to its kind.
pub fn transport_kind(error: &reqwest::Error) -> ErrorKind {
    if error.is_timeout() {
        ErrorKind::Timeout
    } else if error.is_redirect() {
        ErrorKind::Redirect
    } else if error.is_decode() {
        ErrorKind::Decode
    } else if error.is_body() {
        ErrorKind::Body
    } else if error.is_builder() {
        ErrorKind::InvalidRequest
    } else {
        ErrorKind::Connect
    }
}

/// The innermost cause of an error (`Connection refused (os error 111)`): what went wrong, without the URL that
/// reqwest's own message carries.
pub fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
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

/// Turns a generated client's error into an [`Error`], using what the runtime saw of the response when the
/// generated error does not carry it.
///
/// `probe` decodes a success body again to find where it failed (see [`decode_json`]).
pub async fn from_progenitor<E: serde::Serialize>(
    error: progenitor_client::Error<E>,
    record: crate::CallRecord,
    probe: fn(&[u8]) -> Option<DecodeFailure>,
) -> Error {
    use progenitor_client::Error as P;
    let operation = record.operation_id;
    let meta = record.response;
    let mut mapped = match error {
        P::ErrorResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let body = serde_json::to_vec(&response.into_inner()).unwrap_or_default();
            Error::new(ErrorKind::Status)
                .response(status, &headers)
                .body(Bytes::from(body), false)
        }
        P::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let kind = if status.is_redirection() {
                ErrorKind::Redirect
            } else if status.is_success() {
                ErrorKind::Decode
            } else {
                ErrorKind::Status
            };
            let (body, truncated) = read_bounded(response).await;
            Error::new(kind)
                .response(status, &headers)
                .body(body, truncated)
        }
        P::InvalidResponsePayload(bytes, source) => {
            let mut error = Error::new(ErrorKind::Decode).with_source(source);
            let mut success = true;
            if let Some(meta) = &meta {
                error = error.response(meta.status, &meta.headers);
                success = meta.status.is_success();
            }
            if success {
                if let Some(failure) = probe(&bytes) {
                    error = error.decode_failure(failure);
                }
            } else {
                error.inner.kind = ErrorKind::Status;
            }
            error.body(bytes, false)
        }
        P::CommunicationError(source) => {
            let kind = transport_kind(&source);
            let mut error = Error::new(kind);
            if kind != ErrorKind::Timeout {
                error = error.message(root_cause(&source));
            }
            error.with_source(source)
        }
        P::ResponseBodyError(source) => {
            let kind = if source.is_timeout() {
                ErrorKind::Timeout
            } else {
                ErrorKind::Body
            };
            let mut error = Error::new(kind);
            if kind != ErrorKind::Timeout {
                error = error.message(root_cause(&source));
            }
            let mut error = error.with_source(source);
            if let Some(meta) = &meta {
                error = error.response(meta.status, &meta.headers);
            }
            error
        }
        P::InvalidRequest(message) => Error::new(ErrorKind::InvalidRequest).message(message),
        P::Custom(message) => Error::new(ErrorKind::Credential).message(message),
        P::InvalidUpgrade(source) => Error::new(ErrorKind::Connect).with_source(source),
    };
    if let Some(operation) = operation {
        mapped.inner.operation = Some(operation.to_string());
    }
    mapped.inner.attempts = record.attempts;
    if record.refused.is_some() {
        // The governor answered in the server's stead: nothing was sent, and no status came from the server.
        mapped.inner.kind = ErrorKind::RateLimited;
        mapped.inner.status = None;
        mapped.inner.correlation_id = None;
        mapped.inner.error_type = None;
        // The refused attempt was not sent.
        mapped.inner.attempts = record.attempts.saturating_sub(1);
    }
    if matches!(
        mapped.inner.kind,
        ErrorKind::Connect | ErrorKind::Body | ErrorKind::Redirect
    ) && let Some((method, url)) = &record.request
    {
        mapped = mapped.request_line(method, url);
    }
    mapped
}
