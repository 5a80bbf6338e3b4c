//! [`Failures`]: the receiver of failed batches that [`crate::Ingestor::failures`] hands out.

use std::fmt;
use std::sync::Arc;

use crate::FailedBatch;
use crate::accounting::Shared;

/// Receives failed batches as they happen (see [`crate::Ingestor::failures`]).
///
/// The batches it has not taken yet count against [`crate::IngestConfig::max_failed_bytes`], like those held for
/// the reports: a receiver that is not drained loses its oldest batches to the bound (counted in
/// [`crate::DeliveryReport::overflowed`]), it never grows without bound.
///
/// Dropping it never loses a batch: the batches it still held, and every later one, go back to the reports of
/// [`crate::Ingestor::flush`] and [`crate::Ingestor::close`] ([`crate::DeliveryReport::failed_batches`]).
pub struct Failures {
    id: u64,
    shared: Arc<Shared>,
}

impl fmt::Debug for Failures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failures")
            .field("id", &self.id)
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
    /// No failed batch will come: the ingestor has stopped and every batch was taken.
    #[error("the ingestor has stopped and no failed batch is left")]
    Disconnected,
}

impl Failures {
    pub(crate) fn new(id: u64, shared: Arc<Shared>) -> Self {
        Self { id, shared }
    }

    /// The next failed batch, waiting for one: pending while the ingestor runs and nothing failed, `None` once
    /// the ingestor has stopped (after `close`) and every batch was taken.
    pub async fn recv(&mut self) -> Option<FailedBatch> {
        self.shared.recv(self.id).await
    }

    /// The next failed batch if one is waiting.
    pub fn try_recv(&mut self) -> Result<FailedBatch, TryRecvError> {
        match self.shared.try_take(self.id) {
            Ok(Some(batch)) => Ok(batch),
            Ok(None) => Err(TryRecvError::Empty),
            Err(()) => Err(TryRecvError::Disconnected),
        }
    }
}

impl Drop for Failures {
    /// From now on the ingestor keeps new failures for its reports, and every batch not taken yet goes back to
    /// them, in order.
    fn drop(&mut self) {
        self.shared.drop_receiver(self.id);
    }
}
