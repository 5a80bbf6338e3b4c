//! Component 2, retry: runs a call's attempts under the [`RetryPolicy`]. After each attempt the classifier
//! ([`super::classifier`]) says whether to try again and how long to wait; the tenant's retry tokens pay for it
//! (smithy's standard retry mode: an outage does not multiply the load); and no wait runs past the operation's
//! deadline. A request whose body cannot be copied (a stream) gets one attempt.

use std::time::{Duration, Instant};

use tower::Service;

use super::classifier::{self, Verdict};
use super::{Attempt, AttemptFuture, AttemptService, always_ready};
use crate::retry::{RetryPolicy, SUCCESS_REFUND};

#[derive(Clone)]
pub(super) struct Retry {
    pub(super) inner: AttemptService,
    pub(super) policy: RetryPolicy,
}

impl Service<Attempt> for Retry {
    type Response = reqwest::Response;
    type Error = reqwest::Error;
    type Future = AttemptFuture;

    always_ready!();

    fn call(&mut self, first: Attempt) -> Self::Future {
        let inner = self.inner.clone();
        let policy = self.policy.clone();
        Box::pin(run(inner, policy, first))
    }
}

async fn run(
    mut inner: AttemptService,
    policy: RetryPolicy,
    first: Attempt,
) -> reqwest::Result<reqwest::Response> {
    let call = first.call.clone();
    let budget = &call.tenant.budget;
    let attempts = policy.attempts();
    let mut backoff = policy.backoff();
    let mut spent = 0;
    let mut pending = first;
    loop {
        let number = pending.number;
        // Keep a copy for the next attempt while one may follow.
        let (this, next) = if number < attempts {
            match pending.request.try_clone() {
                Some(copy) => {
                    let next = Attempt {
                        request: copy,
                        client: pending.client.clone(),
                        call: pending.call.clone(),
                        number: number + 1,
                        paced: Duration::ZERO,
                    };
                    (pending, Some(next))
                }
                None => (pending, None),
            }
        } else {
            (pending, None)
        };
        let outcome = inner.call(this).await;
        if let Some(scope) = &call.scope
            && let Ok(mut slot) = scope.attempts.lock()
        {
            *slot = number;
        }
        if outcome
            .as_ref()
            .is_ok_and(|response| !policy.retries_status(response.status()))
        {
            // A success refunds what its retries cost, or a token when it needed none.
            budget.refund(if spent > 0 { spent } else { SUCCESS_REFUND });
        }
        let Some(next) = next else {
            return outcome;
        };
        let computed = backoff.next().unwrap_or(Duration::ZERO);
        let Verdict::Retry { wait, cost } =
            classifier::classify(&policy, &outcome, call.retry_safe, computed)
        else {
            return outcome;
        };
        if Instant::now()
            .checked_add(wait)
            .is_none_or(|resume| resume >= call.deadline)
        {
            return outcome;
        }
        if !budget.take(cost) {
            tracing::debug!(
                operation_id = call.operation_id,
                attempt = number,
                "retry budget spent: not retrying"
            );
            return outcome;
        }
        spent += cost;
        tracing::debug!(
            operation_id = call.operation_id,
            attempt = number,
            wait_ms = wait.as_millis() as u64,
            "retrying"
        );
        // Drop the answer (and its in-flight slot) before sleeping.
        drop(outcome);
        tokio::time::sleep(wait).await;
        pending = next;
    }
}
