//! Per-request options, carried to the runtime through a task-local scope around the call.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::Credential;

/// Options for one call: a timeout for the whole operation, extra headers, and (for clients in per-request
/// credential mode) the credential.
///
/// ```
/// use std::time::Duration;
/// use client_runtime::{Credential, RequestOptions};
///
/// let options = RequestOptions::new()
///     .timeout(Duration::from_secs(5))
///     .header("x-request-purpose", "nightly-report")
///     .credential(Credential::api_key("tenant-a-key"));
/// assert!(!format!("{options:?}").contains("tenant-a-key"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) headers: HeaderMap,
    pub(crate) credential: Option<Credential>,
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

    /// Adds a header to every attempt. Names and values that are not valid HTTP are ignored; a header that
    /// carries credentials cannot be set this way (use [`RequestOptions::credential`]).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            self.headers.append(name, value);
        }
        self
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

/// One call's scope: its options in, its operation and response metadata out.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallScope {
    pub(crate) options: RequestOptions,
    pub(crate) last_response: Arc<Mutex<Option<ResponseMeta>>>,
    pub(crate) operation: Arc<Mutex<Option<&'static str>>>,
}

/// What a call's scope saw: the operation it ran (even when it failed before a request was sent) and the last
/// response.
#[derive(Debug, Clone, Default)]
pub struct CallRecord {
    /// The operation the call ran (the generated method's name, e.g. `list_api_keys`).
    pub operation_id: Option<&'static str>,
    /// What the runtime saw of the last response.
    pub response: Option<ResponseMeta>,
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

/// Runs `future` (a call of a generated client) with `options`, and returns its output together with what the
/// scope saw: the operation and the last response.
pub async fn scope<F: Future>(options: RequestOptions, future: F) -> (F::Output, CallRecord) {
    let scope = CallScope {
        options,
        last_response: Arc::default(),
        operation: Arc::default(),
    };
    let last = scope.last_response.clone();
    let operation = scope.operation.clone();
    let output = CALL_SCOPE.scope(scope, future).await;
    let response = last.lock().ok().and_then(|mut guard| guard.take());
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
        },
    )
}

/// The options of the call in progress, if it runs inside [`scope`].
pub(crate) fn current() -> Option<CallScope> {
    CALL_SCOPE.try_with(Clone::clone).ok()
}
