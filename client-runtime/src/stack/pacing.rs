//! Component 3, the rate governor's place in the stack: each attempt is admitted by its tenant's
//! [`Governor`](super::governor::Governor) before it is sent, and its answer's headers refresh the tenant's view.
//!
//! An attempt the governor refuses (the window is spent and its reset comes after the operation's deadline) is
//! not sent: the component answers in the server's stead with a `429` marked as not sent, carrying `Retry-After`
//! with the wait and an error body naming it. The call's error is then an
//! [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited) that says it was not sent.

use std::time::Duration;

use reqwest::ResponseBuilderExt as _;
use tower::Service;

use super::classifier::NotSent;
use super::governor::Refusal;
use super::{Attempt, AttemptFuture, AttemptService, always_ready};

#[derive(Clone)]
pub(super) struct Pacing {
    pub(super) inner: AttemptService,
}

impl Service<Attempt> for Pacing {
    type Response = reqwest::Response;
    type Error = reqwest::Error;
    type Future = AttemptFuture;

    always_ready!();

    fn call(&mut self, mut attempt: Attempt) -> Self::Future {
        let mut inner = self.inner.clone();
        Box::pin(async move {
            let governor = attempt.call.tenant.governor.clone();
            let (ticket, paced) = match governor.admit(attempt.call.deadline).await {
                Ok(admitted) => admitted,
                Err(refusal) => {
                    let view = governor.view();
                    if let Some(scope) = &attempt.call.scope
                        && let Ok(mut slot) = scope.refused.lock()
                    {
                        *slot = Some(refusal.wait);
                    }
                    return Ok(refused(&attempt, refusal, view));
                }
            };
            attempt.paced = paced;
            if !paced.is_zero() {
                tracing::debug!(
                    operation_id = attempt.call.operation_id,
                    paced_ms = paced.as_millis() as u64,
                    "paced by the rate governor"
                );
            }
            let outcome = inner.call(attempt).await;
            match &outcome {
                Ok(response) => ticket.observe(response.status(), response.headers()),
                Err(_) => drop(ticket),
            }
            outcome
        })
    }
}

/// The answer for an attempt that was not sent.
fn refused(
    attempt: &Attempt,
    refusal: Refusal,
    view: Option<(u64, Duration)>,
) -> reqwest::Response {
    let seconds = refusal.wait.as_secs() + u64::from(refusal.wait.subsec_nanos() > 0);
    let details = if refusal.wait.is_zero() {
        "not sent: the operation deadline passed while waiting for the rate-limit window"
            .to_string()
    } else {
        format!(
            "not sent: the account's rate-limit window is spent and refills in {seconds}s, after the operation \
             deadline"
        )
    };
    let body = serde_json::json!({
        "code": 429,
        "type": "RateLimited",
        "correlation_id": "",
        "details": details,
    });
    let mut builder = http::Response::builder()
        .status(429)
        .url(attempt.request.url().clone())
        .header("content-type", "application/json")
        .header("retry-after", seconds);
    if let Some((remaining, reset)) = view {
        builder = builder
            .header("ratelimit-remaining", remaining)
            .header("ratelimit-reset", reset.as_secs());
    }
    let mut response = reqwest::Response::from(
        builder
            .body(body.to_string())
            .unwrap_or_else(|_| http::Response::new(String::new())),
    );
    response.extensions_mut().insert(NotSent);
    response
}
