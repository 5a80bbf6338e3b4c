//! The caller's way in: [`Interceptor`]s with two named hook points around every attempt (after smithy's
//! interceptors): one that may add headers computed at send time, one that reads what happened.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};

use crate::InvalidHeader;

/// Hooks a service runs around every attempt of every call of a client (retries included), in the order they
/// were added ([`RuntimeBuilder::interceptor`](crate::RuntimeBuilder::interceptor)).
///
/// Both hooks are synchronous and run on the calling task: keep them short (read a span, bump a counter). A hook
/// that panics is caught: the attempt goes on, the panic is logged once, never propagated into the call.
///
/// A W3C `traceparent` computed at send time, and an observer counting attempts for a service's metrics (a
/// service on OpenTelemetry uses `bronto_tracing::otlp::TraceContext`, which sends its current context's ids):
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use client_runtime::{AttemptOutcome, BeforeAttempt, Interceptor};
///
/// /// Sends the current span's id as the parent of the request. (A service on OpenTelemetry reads the ids of its
/// /// current context instead: `opentelemetry::trace::TraceContextExt`.)
/// #[derive(Debug)]
/// struct TraceParent { trace_id: u128 }
///
/// impl Interceptor for TraceParent {
///     fn modify_before_attempt(&self, attempt: &mut BeforeAttempt<'_>) {
///         let span_id = tracing::Span::current().id().map_or(1, |id| id.into_u64());
///         let value = format!("00-{:032x}-{:016x}-01", self.trace_id, span_id);
///         attempt.set_header("traceparent", &value).expect("a valid header");
///     }
/// }
///
/// #[derive(Debug, Default)]
/// struct Attempts { sent: AtomicU64, retried: AtomicU64 }
///
/// impl Interceptor for Attempts {
///     fn read_after_attempt(&self, outcome: &AttemptOutcome<'_>) {
///         self.sent.fetch_add(1, Ordering::Relaxed);
///         if outcome.attempt > 1 {
///             self.retried.fetch_add(1, Ordering::Relaxed);
///         }
///         println!("{} {} -> {:?} in {:?} (paced {:?})",
///             outcome.method, outcome.operation_id, outcome.status, outcome.duration, outcome.paced);
///     }
/// }
///
/// let runtime = client_runtime::Runtime::builder("https://api.eu.bronto.io")
///     .interceptor(TraceParent { trace_id: 0x4bf92f3577b34da6a3ce929d0e0e4736 })
///     .interceptor(Attempts::default())
///     .build()?;
/// # let _ = runtime; Ok::<(), client_runtime::BaseUrlError>(())
/// ```
pub trait Interceptor: Send + Sync + fmt::Debug + 'static {
    /// Runs before each attempt is sent, after the credential is set and the rate governor let it out: the place
    /// for headers computed at send time. The default does nothing.
    fn modify_before_attempt(&self, attempt: &mut BeforeAttempt<'_>) {
        let _ = attempt;
    }

    /// Runs after each attempt, with its outcome. The default does nothing.
    fn read_after_attempt(&self, outcome: &AttemptOutcome<'_>) {
        let _ = outcome;
    }
}

/// A shared interceptor is an interceptor (a configuration hands the same one to every client it builds).
impl<T: Interceptor + ?Sized> Interceptor for Arc<T> {
    fn modify_before_attempt(&self, attempt: &mut BeforeAttempt<'_>) {
        (**self).modify_before_attempt(attempt);
    }

    fn read_after_attempt(&self, outcome: &AttemptOutcome<'_>) {
        (**self).read_after_attempt(outcome);
    }
}

/// An attempt about to be sent, as an [`Interceptor`] sees it: the request line, and its headers to add to (never
/// the credential's).
#[derive(Debug)]
pub struct BeforeAttempt<'a> {
    pub(crate) request: &'a mut reqwest::Request,
    pub(crate) credential_headers: &'a [HeaderName],
    /// The operation (the generated method's name, such as `list_api_keys`).
    pub operation_id: &'static str,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
}

impl BeforeAttempt<'_> {
    /// The method.
    pub fn method(&self) -> &Method {
        self.request.method()
    }

    /// The URL (its query may hold what the caller sent: do not log it whole).
    pub fn url(&self) -> &Url {
        self.request.url()
    }

    /// Sets a header of this attempt, replacing one of the same name. A header that carries the credential, or
    /// a name or value that is not valid HTTP, is refused and nothing changes.
    pub fn set_header(&mut self, name: &str, value: &str) -> Result<(), InvalidHeader> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| InvalidHeader::new(name, "is not a valid header name"))?;
        if self.credential_headers.contains(&name) || crate::options::carries_credential(&name) {
            return Err(InvalidHeader::new(
                name.as_str(),
                "carries a credential; an interceptor cannot set it",
            ));
        }
        let value = HeaderValue::from_str(value).map_err(|_| {
            InvalidHeader::new(name.as_str(), "has a value that is not valid in a header")
        })?;
        self.request.headers_mut().insert(name, value);
        Ok(())
    }
}

/// What happened to one attempt, as an [`Interceptor`] reads it.
#[derive(Debug)]
#[non_exhaustive]
pub struct AttemptOutcome<'a> {
    /// The method.
    pub method: &'a Method,
    /// The operation.
    pub operation_id: &'static str,
    /// 1 for the first attempt; the retries so far are `attempt - 1`.
    pub attempt: u32,
    /// The status, when an answer came.
    pub status: Option<StatusCode>,
    /// The transport failure, when none came.
    pub error: Option<&'a reqwest::Error>,
    /// From sending to the answer's headers.
    pub duration: Duration,
    /// How long the rate governor held this attempt before letting it out.
    pub paced: Duration,
}

/// The interceptors of a runtime, in order.
#[derive(Clone, Default)]
pub(crate) struct Interceptors(pub(crate) Vec<Arc<dyn Interceptor>>);

impl fmt::Debug for Interceptors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

impl Interceptors {
    /// Runs a hook of every interceptor, each panic caught and logged.
    pub(crate) fn each(&self, mut hook: impl FnMut(&dyn Interceptor)) {
        for interceptor in &self.0 {
            let run = std::panic::AssertUnwindSafe(|| hook(interceptor.as_ref()));
            if std::panic::catch_unwind(run).is_err() {
                tracing::warn!(interceptor = ?interceptor, "an interceptor panicked; the attempt goes on");
            }
        }
    }
}

/// Component 6: the interceptors' hooks around the attempt below.
#[derive(Clone)]
pub(super) struct Hooks {
    pub(super) inner: super::AttemptService,
    pub(super) interceptors: Interceptors,
    pub(super) credential_headers: Vec<HeaderName>,
}

impl tower::Service<super::Attempt> for Hooks {
    type Response = reqwest::Response;
    type Error = reqwest::Error;
    type Future = super::AttemptFuture;

    super::always_ready!();

    fn call(&mut self, mut attempt: super::Attempt) -> Self::Future {
        if self.interceptors.0.is_empty() {
            return tower::Service::call(&mut self.inner, attempt);
        }
        let operation_id = attempt.call.operation_id;
        let number = attempt.number;
        let paced = attempt.paced;
        self.interceptors.each(|interceptor| {
            interceptor.modify_before_attempt(&mut BeforeAttempt {
                request: &mut attempt.request,
                credential_headers: &self.credential_headers,
                operation_id,
                attempt: number,
            });
        });
        let method = attempt.request.method().clone();
        let interceptors = self.interceptors.clone();
        let mut inner = self.inner.clone();
        Box::pin(async move {
            let started = std::time::Instant::now();
            let outcome = tower::Service::call(&mut inner, attempt).await;
            let duration = started.elapsed();
            interceptors.each(|interceptor| {
                interceptor.read_after_attempt(&AttemptOutcome {
                    method: &method,
                    operation_id,
                    attempt: number,
                    status: outcome.as_ref().ok().map(reqwest::Response::status),
                    error: outcome.as_ref().err(),
                    duration,
                    paced,
                });
            });
            outcome
        })
    }
}
