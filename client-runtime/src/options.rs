//! Per-call options, carried as a value by the handle a call is made through ([`Runtime::with_options`]), and the
//! record of what a call saw (its operation and last response), kept for error reporting.
//!
//! [`Runtime::with_options`]: crate::Runtime::with_options

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::Credential;

/// Options for the calls made through one handle: a timeout for each whole operation, extra headers, and (for
/// clients in per-request credential mode) the credential. A handle carries them as a value
/// ([`Runtime::with_options`](crate::Runtime::with_options), `sdk::Api::with`), so every call, workflow, stream and
/// spawned task made through it uses them.
///
/// ```
/// use std::time::Duration;
/// use client_runtime::{Credential, RequestOptions};
///
/// let options = RequestOptions::new()
///     .timeout(Duration::from_secs(5))
///     .header("x-request-purpose", "nightly-report")?
///     .credential(Credential::api_key("tenant-a-key"));
/// assert!(!format!("{options:?}").contains("tenant-a-key"));
/// // A header that would carry a credential is refused, not dropped.
/// assert!(RequestOptions::new().header("Authorization", "Bearer x").is_err());
/// # Ok::<(), client_runtime::InvalidHeader>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) headers: HeaderMap,
    pub(crate) credential: Option<Credential>,
    pub(crate) retry_safe: Option<bool>,
}

impl RequestOptions {
    /// No options: the client's defaults apply.
    pub fn new() -> Self {
        Self::default()
    }

    /// Limits the whole operation (every attempt and the waits between them) to `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Adds a header to every attempt. A name or value that is not valid HTTP, or a header that carries
    /// credentials (`authorization`, `x-bronto-api-key`, `cookie`, `proxy-authorization`: use
    /// [`RequestOptions::credential`]), is refused with an [`InvalidHeader`] that names the header (never its value).
    pub fn header(mut self, name: &str, value: &str) -> Result<Self, InvalidHeader> {
        let parsed = HeaderName::from_bytes(name.as_bytes()).map_err(|_| InvalidHeader {
            name: name.to_string(),
            reason: "is not a valid header name",
        })?;
        if carries_credential(&parsed) {
            return Err(InvalidHeader {
                name: name.to_string(),
                reason: "carries a credential; set it with RequestOptions::credential",
            });
        }
        let value = HeaderValue::from_str(value).map_err(|_| InvalidHeader {
            name: name.to_string(),
            reason: "has a value that is not valid in a header",
        })?;
        self.headers.append(parsed, value);
        Ok(self)
    }

    /// These options with `later` on top: its timeout and credential replace these, its headers are added.
    pub fn merged(&self, later: RequestOptions) -> RequestOptions {
        let mut headers = self.headers.clone();
        for (name, value) in &later.headers {
            headers.append(name.clone(), value.clone());
        }
        RequestOptions {
            timeout: later.timeout.or(self.timeout),
            headers,
            credential: later.credential.or_else(|| self.credential.clone()),
            retry_safe: later.retry_safe.or(self.retry_safe),
        }
    }

    /// Says whether the calls made with these options are safe to send twice, overriding the rule by method
    /// (GET, PUT, DELETE, and the POSTs listed as reads, are; other POSTs and PATCH are not). A call that is not
    /// is retried only when the server certainly did nothing: a `429`, or a connection that never opened. The
    /// SDK's asynchronous search submits with `retry_safe(false)`: a second submit would start a second search.
    ///
    /// ```
    /// let once = client_runtime::RequestOptions::new().retry_safe(false);
    /// assert_eq!(once.is_retry_safe(), Some(false));
    /// ```
    pub fn retry_safe(mut self, safe: bool) -> Self {
        self.retry_safe = Some(safe);
        self
    }

    /// The override set with [`RequestOptions::retry_safe`], if any.
    pub fn is_retry_safe(&self) -> Option<bool> {
        self.retry_safe
    }

    /// The extra headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// This call's timeout, or `default` when it sets none.
    pub fn timeout_or(&self, default: Duration) -> Duration {
        self.timeout.unwrap_or(default)
    }

    /// The credential for this call (clients in per-request credential mode require one).
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }
}

/// Headers a caller may not set through [`RequestOptions::header`]: they carry credentials.
const CREDENTIAL_HEADERS: [&str; 4] = [
    "authorization",
    "x-bronto-api-key",
    "cookie",
    "proxy-authorization",
];

/// `true` for a header that carries credentials (see [`RequestOptions::header`]).
pub(crate) fn carries_credential(name: &HeaderName) -> bool {
    CREDENTIAL_HEADERS.contains(&name.as_str())
}

/// A header [`RequestOptions::header`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the header `{name}` {reason}")]
pub struct InvalidHeader {
    name: String,
    reason: &'static str,
}

impl InvalidHeader {
    pub(crate) fn new(name: &str, reason: &'static str) -> Self {
        Self {
            name: name.to_string(),
            reason,
        }
    }
}

/// What the runtime saw of the last response of a call: kept for error reporting, since some client errors
/// (a body that does not decode) do not carry the status and headers themselves.
#[derive(Debug, Clone)]
pub struct ResponseMeta {
    /// The operation.
    pub operation_id: &'static str,
    /// The final status.
    pub status: StatusCode,
    /// The final response's headers.
    pub headers: HeaderMap,
    /// Attempts made (1 = no retry).
    pub attempts: u32,
}

/// One call's record: what the runtime saw (its operation and last response), for error reporting. Nothing flows
/// *into* a call this way: options travel with the handle. A record that is not there (a call made outside
/// [`record`], or in a task it spawned) only means less detail in an error, never a different request.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallScope {
    pub(crate) last_response: Arc<Mutex<Option<ResponseMeta>>>,
    pub(crate) operation: Arc<Mutex<Option<&'static str>>>,
    pub(crate) attempts: Arc<Mutex<u32>>,
    pub(crate) request: Arc<Mutex<Option<(reqwest::Method, reqwest::Url)>>>,
    pub(crate) attempt_started: Arc<Mutex<Option<std::time::Instant>>>,
    /// Set when the rate governor did not send the call: how long it would have had to wait.
    pub(crate) refused: Arc<Mutex<Option<Duration>>>,
}

/// What a call's scope saw: the operation it ran (even when it failed before a request was sent) and the last
/// response.
#[derive(Debug, Clone, Default)]
pub struct CallRecord {
    /// The operation the call ran (the generated method's name, e.g. `list_api_keys`).
    pub operation_id: Option<&'static str>,
    /// What the runtime saw of the last response.
    pub response: Option<ResponseMeta>,
    /// Attempts the runtime made (0 when none was sent).
    pub attempts: u32,
    /// The method and URL of the request the runtime sent (for transport errors, which carry neither).
    pub request: Option<(reqwest::Method, reqwest::Url)>,
    /// When the last attempt started (to tell an attempt's timeout from an idle read's).
    pub attempt_started: Option<std::time::Instant>,
    /// Set when the rate governor did not send the call (the wait for the window would have passed the
    /// deadline): how long it would have had to wait.
    pub refused: Option<Duration>,
}

/// Notes the operation a generated call runs, in the scope of the call in progress. The generated `send()` of every
/// operation calls it first, so an error raised before any request (a builder value that does not convert) still
/// names its operation.
pub fn note_operation(operation_id: &'static str) {
    let _ = CALL_SCOPE.try_with(|scope| {
        if let Ok(mut slot) = scope.operation.lock() {
            *slot = Some(operation_id);
        }
    });
}

tokio::task_local! {
    pub(crate) static CALL_SCOPE: CallScope;
}

/// Runs `future` (one call of a generated client) and returns its output together with what the runtime saw of
/// it: the operation and the last response.
pub async fn record<F: Future>(future: F) -> (F::Output, CallRecord) {
    let scope = CallScope::default();
    let last = scope.last_response.clone();
    let operation = scope.operation.clone();
    let attempts = scope.attempts.clone();
    let request = scope.request.clone();
    let attempt_started = scope.attempt_started.clone();
    let refused = scope.refused.clone();
    let output = CALL_SCOPE.scope(scope, future).await;
    let attempts = attempts.lock().map(|guard| *guard).unwrap_or_default();
    let request = request.lock().ok().and_then(|mut guard| guard.take());
    let attempt_started = attempt_started.lock().ok().and_then(|guard| *guard);
    let response = last.lock().ok().and_then(|mut guard| guard.take());
    let refused = refused.lock().ok().and_then(|guard| *guard);
    let operation_id = operation
        .lock()
        .ok()
        .and_then(|guard| *guard)
        .or(response.as_ref().map(|meta| meta.operation_id));
    (
        output,
        CallRecord {
            operation_id,
            response,
            attempts,
            request,
            attempt_started,
            refused,
        },
    )
}

/// The record of the call in progress, if it runs inside [`record`].
pub(crate) fn current() -> Option<CallScope> {
    CALL_SCOPE.try_with(Clone::clone).ok()
}
