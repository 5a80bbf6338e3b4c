//! Errors of the [`crate::Ingestor`] handle. Each one that refuses an event gives the event back.

use crate::EventError;

/// Why [`crate::Ingestor::send`] did not accept an event. The event comes back in every case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError<T> {
    /// The ingestor was closed.
    #[error("the ingestor is closed")]
    Closed(T),
    /// The event itself is invalid (no `message`, too large, ...).
    #[error("event refused: {error}")]
    Rejected {
        /// The event, unchanged.
        event: T,
        /// What is wrong with it.
        error: EventError,
    },
}

impl<T> SendError<T> {
    /// The event that was not accepted.
    pub fn into_event(self) -> T {
        match self {
            SendError::Closed(event) | SendError::Rejected { event, .. } => event,
        }
    }

    /// What is wrong with the event, for [`SendError::Rejected`].
    pub fn event_error(&self) -> Option<&EventError> {
        match self {
            SendError::Rejected { error, .. } => Some(error),
            SendError::Closed(_) => None,
        }
    }
}

/// Why [`crate::Ingestor::try_send`] did not accept an event. The event comes back in every case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrySendError<T> {
    /// The queue is full (backpressure): try again later, or use `send`, which waits.
    #[error("the ingestion queue is full")]
    Full(T),
    /// The ingestor was closed.
    #[error("the ingestor is closed")]
    Closed(T),
    /// The event itself is invalid (no `message`, too large, ...).
    #[error("event refused: {error}")]
    Rejected {
        /// The event, unchanged.
        event: T,
        /// What is wrong with it.
        error: EventError,
    },
}

impl<T> TrySendError<T> {
    /// The event that was not accepted.
    pub fn into_event(self) -> T {
        match self {
            TrySendError::Full(event)
            | TrySendError::Closed(event)
            | TrySendError::Rejected { event, .. } => event,
        }
    }

    /// `true` when the queue was full.
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }
}

/// Why [`crate::Ingestor::flush`] could not run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The ingestor was closed; [`crate::Ingestor::close`] returned the final report.
    #[error("the ingestor is closed")]
    Closed,
}
