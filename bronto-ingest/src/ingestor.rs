//! [`Ingestor`]: the cloneable handle callers send events through.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc, oneshot, watch};

use crate::accounting::Shared;
use crate::config::{IngestConfig, Prepared};
use crate::worker::{Command, Delivery, Dispatcher};
use crate::{
    DeliveryReport, EncodedEvent, Event, EventError, Failures, IngestError, SendError, TrySendError,
};

/// Sends events to Bronto in batches from a background task. Cheap to clone; every clone feeds the same queue.
///
/// * [`Ingestor::send`] waits while the queue is full (backpressure); [`Ingestor::try_send`] gives the event back
///   instead. The queue fills when every request slot is taken, also by batches waiting to be retried (an
///   outage, or a `429` with a `Retry-After` of up to [`IngestConfig::max_server_wait`]).
/// * Every accepted event ends up either acknowledged by the server or handed back in a [`FailedBatch`](crate::FailedBatch): in the
///   report of the next [`Ingestor::flush`] / [`Ingestor::close`], or through [`Ingestor::failures`] once a
///   receiver is taken; or, beyond [`IngestConfig::max_failed_bytes`] of failed batches held, released and
///   counted in [`DeliveryReport::overflowed`].
/// * Delivery is at least once: a connection that drops after the server took a request but before it answered
///   is retried, and the server may then see those events twice.
/// * Call [`Ingestor::close`] (or [`Ingestor::close_within`], to bound the wait) before the runtime shuts down.
///   If every handle is dropped without it, the background task still delivers what was accepted (while the
///   runtime runs), but nobody receives its report.
#[derive(Clone)]
pub struct Ingestor {
    tx: mpsc::Sender<Command>,
    shared: Arc<Shared>,
    max_batch_bytes: usize,
    running: watch::Receiver<()>,
}

impl fmt::Debug for Ingestor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ingestor")
            .field("max_batch_bytes", &self.max_batch_bytes)
            .field("closed", &self.tx.is_closed())
            .finish_non_exhaustive()
    }
}

impl Ingestor {
    pub(crate) fn start(
        config: IngestConfig,
        prepared: Prepared,
        handle: &tokio::runtime::Handle,
    ) -> Self {
        let shared = Arc::new(Shared::new(config.max_failed_bytes));
        let (tx, rx) = mpsc::channel(config.queue_capacity);
        let (running_tx, running) = watch::channel(());
        let max_in_flight = u32::try_from(config.max_in_flight).unwrap_or(u32::MAX);
        let dispatcher = Dispatcher {
            rx,
            delivery: Arc::new(Delivery {
                runtime: prepared.runtime,
                url: prepared.url,
                headers: prepared.headers,
                compression: config.compression,
                limit: config.max_batch_bytes,
                retry: crate::worker::delivery_policy(config.retry.clone()),
                retry_deadline: config.retry_deadline,
                max_server_wait: config.max_server_wait,
                shared: Arc::clone(&shared),
            }),
            max_batch_bytes: config.max_batch_bytes,
            max_batch_events: config.max_batch_events,
            linger: config.linger,
            in_flight: Arc::new(Semaphore::new(max_in_flight as usize)),
            max_in_flight,
            batch: Vec::new(),
            batch_bytes: 0,
            deadline: None,
            next_event: None,
            _running: running_tx,
        };
        handle.spawn(dispatcher.run());
        Self {
            tx,
            shared,
            max_batch_bytes: config.max_batch_bytes,
            running,
        }
    }

    fn check(&self, event: &Event) -> Result<EncodedEvent, EventError> {
        let encoded = event.encode()?;
        self.check_size(&encoded)?;
        Ok(encoded)
    }

    fn check_size(&self, encoded: &EncodedEvent) -> Result<(), EventError> {
        let size = encoded.len() + 1;
        if size > self.max_batch_bytes {
            return Err(EventError::TooLarge {
                size,
                limit: self.max_batch_bytes,
            });
        }
        Ok(())
    }

    /// Queues `event`, waiting while the queue is full. An invalid event (no string `message`, larger than the
    /// batch limit) is refused here with [`SendError::Rejected`], before it is queued.
    pub async fn send(&self, event: Event) -> Result<(), SendError<Event>> {
        let encoded = match self.check(&event) {
            Ok(encoded) => encoded,
            Err(error) => return Err(SendError::Rejected { event, error }),
        };
        let Ok(permit) = self.tx.reserve().await else {
            return Err(SendError::Closed(event));
        };
        self.shared.accepted(encoded.len() as u64 + 1);
        permit.send(Command::Event(encoded));
        Ok(())
    }

    /// Queues `event` if there is room now; otherwise gives it back ([`TrySendError::Full`]).
    pub fn try_send(&self, event: Event) -> Result<(), TrySendError<Event>> {
        let permit = match self.tx.try_reserve() {
            Ok(permit) => permit,
            Err(mpsc::error::TrySendError::Full(())) => return Err(TrySendError::Full(event)),
            Err(mpsc::error::TrySendError::Closed(())) => {
                return Err(TrySendError::Closed(event));
            }
        };
        let encoded = match self.check(&event) {
            Ok(encoded) => encoded,
            Err(error) => return Err(TrySendError::Rejected { event, error }),
        };
        self.shared.accepted(encoded.len() as u64 + 1);
        permit.send(Command::Event(encoded));
        Ok(())
    }

    /// Queues an event already encoded ([`EncodedEvent::from_line`], or handed back in a
    /// [`FailedBatch`](crate::FailedBatch)), waiting while the queue is full. It goes out byte for byte as it is;
    /// one larger than the batch limit is refused with [`SendError::Rejected`] ([`EventError::TooLarge`]). Counted
    /// like any other event (`accepted`, then `sent` or `failed`).
    pub async fn send_encoded(&self, event: EncodedEvent) -> Result<(), SendError<EncodedEvent>> {
        if let Err(error) = self.check_size(&event) {
            return Err(SendError::Rejected { event, error });
        }
        let Ok(permit) = self.tx.reserve().await else {
            return Err(SendError::Closed(event));
        };
        self.shared.accepted(event.len() as u64 + 1);
        permit.send(Command::Event(event));
        Ok(())
    }

    /// Queues an already encoded event if there is room now; otherwise gives it back ([`TrySendError::Full`]).
    /// As [`Ingestor::send_encoded`]: byte for byte, the batch limit checked, counted like any other event. This
    /// is the way for a producer that encodes its own lines (a logging layer) to skip the [`Event`] map.
    ///
    /// ```no_run
    /// use bronto_ingest::{EncodedEvent, IngestConfig, TrySendError};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let ingestor = IngestConfig::region("eu").api_key("key").dataset("checkout").build()?;
    /// let event = EncodedEvent::from_line(r#"{"message":"payment accepted","order":42}"#.to_string())?;
    /// match ingestor.try_send_encoded(event) {
    ///     Ok(()) => {}
    ///     Err(TrySendError::Full(event)) => ingestor.send_encoded(event).await?,
    ///     Err(other) => return Err(other.into()),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn try_send_encoded(&self, event: EncodedEvent) -> Result<(), TrySendError<EncodedEvent>> {
        if let Err(error) = self.check_size(&event) {
            return Err(TrySendError::Rejected { event, error });
        }
        let permit = match self.tx.try_reserve() {
            Ok(permit) => permit,
            Err(mpsc::error::TrySendError::Full(())) => return Err(TrySendError::Full(event)),
            Err(mpsc::error::TrySendError::Closed(())) => {
                return Err(TrySendError::Closed(event));
            }
        };
        self.shared.accepted(event.len() as u64 + 1);
        permit.send(Command::Event(event));
        Ok(())
    }

    /// Queues an event handed back in a [`FailedBatch`](crate::FailedBatch) again, as it is (its timestamp is
    /// kept): [`Ingestor::send_encoded`].
    pub async fn resend(&self, event: EncodedEvent) -> Result<(), SendError<EncodedEvent>> {
        self.send_encoded(event).await
    }

    /// Sends the open batch now and waits until every event accepted before this call is acknowledged or
    /// handed back. While the server throttles or is down that can take up to [`IngestConfig::retry_deadline`]
    /// (10 minutes by default): bound the wait with `tokio::time::timeout` if needed (the events stay in
    /// delivery), or stop with [`Ingestor::close_within`]. Returns the counts so far and the failed batches held
    /// since the previous report.
    pub async fn flush(&self) -> Result<DeliveryReport, IngestError> {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Command::Flush(reply)).await.is_err() {
            return Err(IngestError::Closed);
        }
        // The dispatcher answers once everything before the flush is settled; if it is gone (close() ran
        // meanwhile), close() settled everything too.
        let _ = done.await;
        Ok(self.shared.take_report())
    }

    /// Stops accepting events (on every clone), delivers everything already accepted, and returns the final
    /// report: `sent + failed == accepted`, with the failed batches not yet handed back. Calling it again
    /// returns the counts with no batches.
    pub async fn close(&self) -> DeliveryReport {
        let (reply, done) = oneshot::channel();
        if self.tx.send(Command::Close(reply)).await.is_ok() {
            let _ = done.await;
        }
        // Another handle's close may still be draining: wait until the dispatcher has stopped.
        let mut running = self.running.clone();
        let _ = running.wait_for(|()| false).await;
        self.shared.take_report()
    }

    /// Like [`Ingestor::close`], within `timeout`: once it has passed, batches waiting to be retried (a long
    /// `Retry-After`, an outage) or in flight stop, and fail as
    /// [`FailureReason::Abandoned`](crate::FailureReason::Abandoned), with what is still queued; the final report
    /// follows (`sent + failed == accepted`). This is the way to stop within a deadline (a service's shutdown
    /// grace period) while batches would otherwise be retried for up to [`IngestConfig::retry_deadline`].
    pub async fn close_within(&self, timeout: Duration) -> DeliveryReport {
        let close = self.close();
        tokio::pin!(close);
        match tokio::time::timeout(timeout, &mut close).await {
            Ok(report) => report,
            Err(_) => {
                self.shared.abandon();
                close.await
            }
        }
    }

    /// From now on, failed batches are sent to the returned receiver as they happen instead of being held for
    /// the next report. `None` while an earlier receiver is still alive. If the receiver is dropped, failures go
    /// back to the reports, the batches it still held included: they are never discarded.
    pub fn failures(&self) -> Option<Failures> {
        self.shared
            .new_receiver()
            .map(|id| Failures::new(id, Arc::clone(&self.shared)))
    }

    /// The counts so far, without waiting and without taking the held failed batches
    /// ([`DeliveryReport::failed_batches`] is empty).
    pub fn stats(&self) -> DeliveryReport {
        self.shared.counts()
    }

    /// `true` once [`Ingestor::close`] has run (on any clone).
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}
