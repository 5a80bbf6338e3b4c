//! The background side: one dispatcher task that batches, and one task per request in flight that sends,
//! retries, splits and settles every event as sent or failed.

use std::mem;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use client_runtime::{RetryPolicy, Runtime};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_ENCODING, HeaderMap, HeaderValue};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::accounting::{Shared, line_bytes};
use crate::body::{self, Body};
use crate::retry::{Schedule, server_hint};
use crate::{Compression, EncodedEvent, FailureReason};

/// What handles send to the dispatcher, in order.
pub(crate) enum Command {
    /// An accepted event (already counted in `accepted`).
    Event(EncodedEvent),
    /// Send the open batch now and answer once every earlier event is settled.
    Flush(oneshot::Sender<()>),
    /// Like `Flush`, then stop accepting, drain what is queued, and stop.
    Close(oneshot::Sender<()>),
}

/// How requests are made, shared by the request tasks.
pub(crate) struct Delivery {
    pub(crate) runtime: Runtime,
    pub(crate) url: reqwest::Url,
    pub(crate) headers: HeaderMap,
    pub(crate) compression: Compression,
    pub(crate) limit: usize,
    /// Which statuses are retried, the attempts and the computed backoff of a batch.
    pub(crate) retry: RetryPolicy,
    /// How long a batch is retried, from its first attempt.
    pub(crate) retry_deadline: Duration,
    /// The longest server hint honoured.
    pub(crate) max_server_wait: Duration,
    pub(crate) shared: Arc<Shared>,
}

/// The dispatcher: reads commands in order, builds batches, and starts a request task per batch.
pub(crate) struct Dispatcher {
    pub(crate) rx: mpsc::Receiver<Command>,
    pub(crate) delivery: Arc<Delivery>,
    pub(crate) max_batch_bytes: usize,
    pub(crate) max_batch_events: usize,
    pub(crate) linger: Duration,
    pub(crate) in_flight: Arc<Semaphore>,
    pub(crate) max_in_flight: u32,
    pub(crate) batch: Vec<EncodedEvent>,
    pub(crate) batch_bytes: usize,
    pub(crate) deadline: Option<Instant>,
    /// An event received while the open batch, too full to take it, waits for a request slot.
    pub(crate) next_event: Option<EncodedEvent>,
    /// Dropped when the dispatcher stops: what a second `close` waits for.
    pub(crate) _running: watch::Sender<()>,
}

impl Dispatcher {
    pub(crate) async fn run(mut self) {
        loop {
            let deadline = self.deadline;
            tokio::select! {
                command = self.rx.recv() => {
                    if self.handle(command).await.is_break() {
                        return;
                    }
                }
                () = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {}
            }
            // Under a steady stream the receive branch is always ready: honour the linger here too.
            while self.deadline.is_some_and(|d| d <= Instant::now()) {
                // The batch is due. Take what is already queued first (up to the limits; a full batch is sent on
                // the way): under load, the time spent waiting for a request slot serves as the linger, so a
                // short linger does not degrade into one-event requests.
                match self.rx.try_recv() {
                    Ok(command) => {
                        if self.handle(Some(command)).await.is_break() {
                            return;
                        }
                    }
                    Err(_) => self.dispatch().await,
                }
            }
        }
    }

    /// Handles one command; `Break` when the dispatcher is done.
    async fn handle(&mut self, command: Option<Command>) -> ControlFlow<()> {
        match command {
            Some(Command::Event(event)) => self.push(event).await,
            Some(Command::Flush(reply)) => {
                self.settle_all().await;
                let _ = reply.send(());
            }
            Some(Command::Close(reply)) => {
                self.close(vec![reply]).await;
                return ControlFlow::Break(());
            }
            None => {
                // Every handle was dropped without `close`: deliver what was accepted all the same.
                self.settle_all().await;
                let held = self.delivery.shared.held_failures();
                if held > 0 {
                    tracing::error!(
                        batches = held,
                        "bronto ingestion: every Ingestor handle was dropped without close(); \
                         failed batches remain undelivered to the caller"
                    );
                }
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    /// Stops accepting, drains every event already queued (or about to be, by a handle holding a permit),
    /// settles everything, then answers every flush and close that arrived meanwhile.
    async fn close(&mut self, mut replies: Vec<oneshot::Sender<()>>) {
        self.rx.close();
        while let Some(command) = self.rx.recv().await {
            match command {
                Command::Event(event) => self.push(event).await,
                Command::Flush(reply) | Command::Close(reply) => replies.push(reply),
            }
        }
        self.settle_all().await;
        for reply in replies {
            let _ = reply.send(());
        }
    }

    async fn push(&mut self, event: EncodedEvent) {
        let size = event.len() + 1;
        let mut event = event;
        if !self.batch.is_empty() && self.batch_bytes + size > self.max_batch_bytes {
            // Held where `Drop` finds it while the full batch waits for a request slot.
            self.next_event = Some(event);
            self.dispatch().await;
            match self.next_event.take() {
                Some(held) => event = held,
                None => return,
            }
        }
        if self.batch.is_empty() {
            // A linger too long to add (`Duration::MAX`: wait for a full batch or a flush) saturates at a year.
            self.deadline = Some(Instant::now() + client_runtime::saturate(self.linger));
        }
        self.batch.push(event);
        self.batch_bytes += size;
        if self.batch.len() >= self.max_batch_events || self.batch_bytes >= self.max_batch_bytes {
            self.dispatch().await;
        }
    }

    /// Sends the open batch (waiting for a free request slot: that wait is what fills the queue).
    ///
    /// The events stay in `self.batch` until a slot is free and the request task takes them, so a dispatcher
    /// dropped while it waits (the runtime shutting down) still finds them in its `Drop`.
    async fn dispatch(&mut self) {
        self.deadline = None;
        if self.batch.is_empty() {
            self.batch_bytes = 0;
            return;
        }
        let slot = Arc::clone(&self.in_flight).acquire_owned().await;
        let events = mem::take(&mut self.batch);
        self.batch_bytes = 0;
        let delivery = Arc::clone(&self.delivery);
        match slot {
            Ok(permit) => {
                // The task owns the events from here on, inside a guard made before it is spawned: if it panics,
                // or the runtime drops it (even before its first poll), the guard counts what it had not settled
                // as failed before it gives the slot back.
                let unsettled = Unsettled::new(Arc::clone(&delivery.shared), events, Some(permit));
                tokio::spawn(async move { delivery.deliver(unsettled).await });
            }
            // The semaphore is never closed; were it, send inline rather than lose the batch.
            Err(_) => {
                let unsettled = Unsettled::new(Arc::clone(&delivery.shared), events, None);
                delivery.deliver(unsettled).await;
            }
        }
    }

    /// Sends the open batch and waits until every request in flight has settled its events.
    async fn settle_all(&mut self) {
        self.dispatch().await;
        // Each request task holds one permit until its events are counted as sent or failed.
        let _all = self.in_flight.acquire_many(self.max_in_flight).await;
    }
}

/// The dispatcher's last act, however it stops: returning after `close` (nothing is left then), a panic, or the
/// runtime dropping its task at shutdown. Events it had accepted but not handed to a request task (the open batch,
/// and what is still queued) are counted as failed ([`FailureReason::Interrupted`]) and kept for the report, so
/// `sent + failed == accepted` holds even then. `_running` is dropped after this, so a waiting `close` sees the
/// final counts.
impl Drop for Dispatcher {
    fn drop(&mut self) {
        let mut left = mem::take(&mut self.batch);
        left.extend(self.next_event.take());
        self.rx.close();
        loop {
            match self.rx.try_recv() {
                Ok(Command::Event(event)) => left.push(event),
                // Dropping the reply lets the waiting `flush`/`close` go on.
                Ok(Command::Flush(_) | Command::Close(_)) => {}
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                // A handle holds a send permit (it counted the event and is about to queue it, with no await in
                // between): wait for that event rather than lose it.
                Err(mpsc::error::TryRecvError::Empty) => std::thread::yield_now(),
            }
        }
        if !left.is_empty() {
            self.delivery.shared.fail(left, FailureReason::Interrupted);
        }
        self.delivery.shared.stop();
    }
}

/// The events one request task has taken on and not yet settled, with the task's request slot. Settling pops them;
/// if the task ends any other way (a panic, or the runtime dropping the task at shutdown), dropping the guard counts
/// the rest as failed ([`FailureReason::Interrupted`]), and only then frees the slot (fields drop after `drop`), so
/// `flush` and `close`, which wait for every slot, never see them pending.
struct Unsettled {
    shared: Arc<Shared>,
    /// Batches still to send, the next one last (a `413` pushes the two halves, left on top).
    stack: Vec<Vec<EncodedEvent>>,
    _slot: Option<OwnedSemaphorePermit>,
}

impl Unsettled {
    fn new(
        shared: Arc<Shared>,
        events: Vec<EncodedEvent>,
        slot: Option<OwnedSemaphorePermit>,
    ) -> Self {
        Self {
            shared,
            stack: vec![events],
            _slot: slot,
        }
    }
}

impl Drop for Unsettled {
    fn drop(&mut self) {
        let left: Vec<EncodedEvent> = self.stack.drain(..).rev().flatten().collect();
        if !left.is_empty() {
            self.shared.fail(left, FailureReason::Interrupted);
        }
    }
}

/// What one request's final outcome was.
enum Outcome {
    Sent,
    TooLarge,
    Failed(FailureReason),
}

/// What one attempt came to.
enum Attempt {
    Done(Outcome),
    /// A retryable failure (429, 408, 5xx but 501/505, a transport error): the failure, and the server's hint.
    Retry {
        last: String,
        hint: Option<Duration>,
    },
}

/// The operation id ingestion's requests run under.
pub(crate) const OPERATION: &str = "ingest";

/// The statuses a batch is retried on: the configured policy's, also the other 5xx but 501 and 505 (a batch
/// can be sent again: delivery is at least once).
pub(crate) fn delivery_policy(configured: RetryPolicy) -> RetryPolicy {
    configured.retry_server_errors(true)
}

impl Delivery {
    /// Delivers the guard's events, splitting on 413, until each one is counted as sent or failed, then frees the
    /// guard's request slot.
    ///
    /// A batch stays on the guard's stack while its request runs and leaves it only together with being counted
    /// (no code outside this crate runs in between), so a panic anywhere (in a `tracing` subscriber, in the HTTP
    /// stack) or a cancellation leaves every event either counted or still on the stack, where the guard fails it.
    async fn deliver(&self, mut unsettled: Unsettled) {
        while let Some(events) = unsettled.stack.last() {
            let outcome = self.send_batch(events).await;
            let Some(mut events) = unsettled.stack.pop() else {
                break;
            };
            match outcome {
                Outcome::Sent => self.shared.sent(events.len() as u64, line_bytes(&events)),
                Outcome::TooLarge if events.len() > 1 => {
                    let right = events.split_off(events.len() / 2);
                    let (left_len, right_len) = (events.len(), right.len());
                    // The left half first, to keep the order of acceptance.
                    unsettled.stack.push(right);
                    unsettled.stack.push(events);
                    self.shared.update(|report| report.split_batches += 1);
                    tracing::debug!(
                        left = left_len,
                        right = right_len,
                        "413: splitting the batch"
                    );
                }
                Outcome::TooLarge => {
                    let size = events.iter().map(|e| e.len() + 1).sum();
                    self.shared.fail(events, FailureReason::TooLarge { size });
                }
                Outcome::Failed(reason) => self.shared.fail(events, reason),
            }
        }
    }

    /// One batch: the body is built once, then sent and retried here, on ingestion's own schedule (the runtime
    /// makes one attempt per call and spends no retry budget), until it succeeds, fails for good, or its schedule
    /// gives it up. While it waits, the batch keeps its request slot: that is what holds the dispatcher, fills the
    /// queue and makes `send` wait.
    async fn send_batch(&self, events: &[EncodedEvent]) -> Outcome {
        let abandoned = |attempts: u32, last: Option<String>| {
            Outcome::Failed(FailureReason::Abandoned {
                attempts,
                last: last.unwrap_or_else(|| "no attempt was made".to_string()),
            })
        };
        let body = tokio::select! {
            biased;
            () = self.shared.abandoned() => return abandoned(0, None),
            body = self.body(events) => body,
        };
        let body = match body {
            Ok(body) => body,
            Err(e) => return Outcome::Failed(FailureReason::Internal(e.to_string())),
        };
        let count = events.len() as u64;
        let mut schedule = Schedule::start(&self.retry, self.retry_deadline, self.max_server_wait);
        let mut attempts: u32 = 0;
        let mut last = None;
        loop {
            let attempt = tokio::select! {
                biased;
                () = self.shared.abandoned() => return abandoned(attempts, last),
                attempt = self.attempt(&body) => attempt,
            };
            attempts = attempts.saturating_add(1);
            let retry = attempts > 1;
            self.shared.update(|report| {
                report.requests += 1;
                if retry {
                    report.retried += count;
                    report.retried_requests += 1;
                }
            });
            let (error, hint) = match attempt {
                Attempt::Done(outcome) => return outcome,
                Attempt::Retry { last, hint } => (last, hint),
            };
            let Some(wait) = schedule.wait(hint) else {
                return Outcome::Failed(FailureReason::RetriesExhausted {
                    attempts,
                    last: error,
                });
            };
            if hint.is_some() {
                self.shared.update(|report| report.server_waits += 1);
            }
            tracing::debug!(
                attempt = attempts,
                wait_ms = wait.as_millis() as u64,
                server_hint = hint.is_some(),
                error = %error,
                "bronto ingestion: retrying a batch"
            );
            last = Some(error);
            tokio::select! {
                biased;
                () = self.shared.abandoned() => return abandoned(attempts, last),
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// The batch's request body, compressed off the async worker threads a chunk at a time (the batch's NDJSON
    /// is never copied whole before it is compressed: see `body::CHUNK_BYTES`).
    async fn body(&self, events: &[EncodedEvent]) -> std::io::Result<Body> {
        body::build(events, self.compression, self.limit, |job| async move {
            tokio::task::spawn_blocking(job)
                .await
                .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())))
        })
        .await
    }

    async fn attempt(&self, body: &Body) -> Attempt {
        let http = self.runtime.http_client();
        let mut request = http
            .post(self.url.clone())
            .headers(self.headers.clone())
            .body(body.bytes.clone());
        if let Some(encoding) = body.encoding {
            request = request.header(CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        let request = match request.build() {
            Ok(request) => request,
            Err(e) => {
                return Attempt::Done(Outcome::Failed(FailureReason::Internal(e.to_string())));
            }
        };
        let response = match self.runtime.execute(http, request, OPERATION).await {
            Ok(response) => response,
            Err(e) => {
                return Attempt::Retry {
                    last: describe(&e),
                    hint: None,
                };
            }
        };
        let status = response.status();
        if status.is_success() {
            // Acknowledged with the status line; a body cut short afterwards changes nothing.
            let _ = response.bytes().await;
            return Attempt::Done(Outcome::Sent);
        }
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            let _ = response.bytes().await;
            return Attempt::Done(Outcome::TooLarge);
        }
        if self.retry.retries_status(status) {
            let hint = server_hint(status, response.headers());
            let _ = response.bytes().await;
            return Attempt::Retry {
                last: format!("status {}", status.as_u16()),
                hint,
            };
        }
        let text = response.bytes().await.unwrap_or_default();
        let mut message = String::from_utf8_lossy(&text[..text.len().min(512)]).into_owned();
        message.truncate(message.trim_end().len());
        Attempt::Done(Outcome::Failed(FailureReason::Rejected {
            status: status.as_u16(),
            message,
        }))
    }
}

/// A transport error in a few words plus its innermost cause (reqwest errors carry the URL, never headers).
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect error"
    } else {
        "request error"
    };
    let mut source: &dyn std::error::Error = error;
    while let Some(next) = source.source() {
        source = next;
    }
    format!("{kind}: {source}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_statuses_include_5xx_but_not_permanent_ones() {
        for code in [408u16, 429, 500, 502, 503, 504, 507, 599] {
            assert!(
                delivery_policy(RetryPolicy::default())
                    .retries_status(StatusCode::from_u16(code).expect("status")),
                "{code}"
            );
        }
        for code in [400u16, 401, 403, 404, 413, 422, 501, 505] {
            assert!(
                !delivery_policy(RetryPolicy::default())
                    .retries_status(StatusCode::from_u16(code).expect("status")),
                "{code}"
            );
        }
    }
}
