//! The current trace on every API call: an [`Interceptor`] that sends the OpenTelemetry context of the span a
//! call runs in as W3C Trace Context headers (`traceparent`, and `tracestate` when the context has one).

use std::fmt;
use std::sync::Arc;

use client_runtime::{BeforeAttempt, Interceptor};
use opentelemetry::propagation::{Injector, TextMapPropagator};
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// Sends the current trace with every attempt of every call of a client, so that the API's side of a request
/// joins the trace of the service that made it.
///
/// The context is the current `tracing` span's, as `tracing-opentelemetry` tracks it; when that span is not one
/// it tracks, the OpenTelemetry API's own current context ([`opentelemetry::Context::current`]), for a service
/// that attaches contexts itself. With neither, nothing is sent: no made-up trace.
///
/// Each attempt is injected afresh at send time, so a retry carries the context of the span it runs in. The
/// default propagator is W3C Trace Context ([`TraceContextPropagator`]); [`TraceContext::with_propagator`] takes
/// any other, a composite with baggage, say. A propagator cannot set a credential header: the runtime refuses it
/// (the attempt goes on without that header).
///
/// ```
/// use bronto_tracing::otlp::TraceContext;
///
/// let runtime = client_runtime::Runtime::builder("https://api.eu.bronto.io")
///     .interceptor(TraceContext::new())
///     .build()?;
/// # let _ = runtime; Ok::<(), client_runtime::BaseUrlError>(())
/// ```
///
/// With the facade, `sdk::Config::builder().interceptor(TraceContext::new())` puts it on every client the
/// configuration builds.
#[derive(Clone)]
pub struct TraceContext {
    propagator: Arc<dyn TextMapPropagator + Send + Sync>,
}

impl TraceContext {
    /// W3C Trace Context: `traceparent` and `tracestate`.
    pub fn new() -> Self {
        Self::with_propagator(TraceContextPropagator::new())
    }

    /// The headers `propagator` writes instead.
    pub fn with_propagator(propagator: impl TextMapPropagator + Send + Sync + 'static) -> Self {
        Self {
            propagator: Arc::new(propagator),
        }
    }
}

impl Default for TraceContext {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for TraceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceContext")
            .field("propagator", &self.propagator)
            .finish()
    }
}

impl Interceptor for TraceContext {
    fn modify_before_attempt(&self, attempt: &mut BeforeAttempt<'_>) {
        let mut context = tracing::Span::current().context();
        if !context.has_active_span() {
            context = opentelemetry::Context::current();
        }
        if !context.span().span_context().is_valid() {
            return;
        }
        self.propagator
            .inject_context(&context, &mut AttemptHeaders(attempt));
    }
}

/// The attempt's headers as the place a propagator writes to.
struct AttemptHeaders<'a, 'b>(&'a mut BeforeAttempt<'b>);

impl Injector for AttemptHeaders<'_, '_> {
    fn set(&mut self, key: &str, value: String) {
        // A header the runtime refuses (a credential's name, a value that cannot be a header) is left out: the
        // call goes on without it, as it would without the interceptor.
        let _ = self.0.set_header(key, &value);
    }
}
