//! [`Failures`]: the receiver of failed batches that [`crate::Ingestor::failures`] hands out.

use std::fmt;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::FailedBatch;
use crate::worker::Shared;

/// Receives failed batches as they happen (see [`crate::Ingestor::failures`]).
///
/// Dropping it never loses a batch: the batches it still held, and every later one, go back to the reports of
/// [`crate::Ingestor::flush`] and [`crate::Ingestor::close`] ([`crate::DeliveryReport::failed_batches`]).
pub struct Failures {
    rx: mpsc::UnboundedReceiver<FailedBatch>,
    shared: Arc<Shared>,
}

impl fmt::Debug for Failures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failures")
            .field("held", &self.rx.len())
            .finish_non_exhaustive()
    }
}

/// Why [`Failures::try_recv`] returned no batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TryRecvError {
    /// No failed batch is waiting right now.
    #[error("no failed batch is waiting")]
    Empty,
    /// A newer receiver took over: failures go to it, or to the reports.
    #[error("this receiver was replaced")]
    Disconnected,
}

impl Failures {
    pub(crate) fn new(rx: mpsc::UnboundedReceiver<FailedBatch>, shared: Arc<Shared>) -> Self {
        Self { rx, shared }
    }

    /// The next failed batch, waiting for one. Pending while the ingestor runs and nothing failed.
    pub async fn recv(&mut self) -> Option<FailedBatch> {
        self.rx.recv().await
    }

    /// The next failed batch if one is waiting.
    pub fn try_recv(&mut self) -> Result<FailedBatch, TryRecvError> {
        self.rx.try_recv().map_err(|error| match error {
            mpsc::error::TryRecvError::Empty => TryRecvError::Empty,
            mpsc::error::TryRecvError::Disconnected => TryRecvError::Disconnected,
        })
    }
}

impl Drop for Failures {
    /// Closes the channel first (from then on the ingestor keeps new failures for its reports), then hands every
    /// batch still buffered back to the reports, in order.
    fn drop(&mut self) {
        self.rx.close();
        while let Ok(batch) = self.rx.try_recv() {
            self.shared.hold(batch);
        }
    }
}
