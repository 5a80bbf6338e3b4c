//! Component 7, the attempt: its timeout (the runtime's attempt timeout, cut to what is left of the operation's
//! deadline), its `api.request` span (operation id, attempt, method, path, status, duration, paced wait,
//! correlation id; never a header or the query), and the HTTP client that sends it.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use tower::Service;
use tracing::Instrument as _;

use super::{Attempt, AttemptFuture, always_ready};

#[derive(Clone)]
pub(super) struct Send {
    pub(super) timeout: Duration,
}

/// Response headers that may carry the vendor's correlation id.
const CORRELATION_HEADERS: [&str; 3] = ["x-correlation-id", "correlation-id", "x-request-id"];

pub(crate) fn correlation_id(headers: &HeaderMap) -> Option<&str> {
    CORRELATION_HEADERS
        .iter()
        .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
}

impl Service<Attempt> for Send {
    type Response = reqwest::Response;
    type Error = reqwest::Error;
    type Future = AttemptFuture;

    always_ready!();

    fn call(&mut self, attempt: Attempt) -> Self::Future {
        let Attempt {
            mut request,
            client,
            call,
            number,
            paced,
        } = attempt;
        let now = Instant::now();
        if let Some(scope) = &call.scope
            && let Ok(mut slot) = scope.attempt_started.lock()
        {
            *slot = Some(now);
        }
        let remaining = call.deadline.saturating_duration_since(now);
        *request.timeout_mut() = Some(self.timeout.min(remaining));
        let span = tracing::info_span!(
            "api.request",
            operation_id = call.operation_id,
            attempt = number,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            paced_ms = paced.as_millis() as u64,
            correlation_id = tracing::field::Empty,
        );
        Box::pin(
            async move {
                let started = Instant::now();
                let result = client.execute(request).await;
                let span = tracing::Span::current();
                span.record("duration_ms", started.elapsed().as_millis() as u64);
                match &result {
                    Ok(response) => {
                        span.record("status", response.status().as_u16());
                        if let Some(id) = correlation_id(response.headers()) {
                            span.record("correlation_id", id);
                        }
                    }
                    Err(error) => {
                        tracing::debug!(
                            timeout = error.is_timeout(),
                            connect = error.is_connect(),
                            "request failed"
                        );
                    }
                }
                result
            }
            .instrument(span),
        )
    }
}
