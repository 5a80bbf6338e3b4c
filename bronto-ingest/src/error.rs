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

impl<T> From<SendError<T>> for client_runtime::Error {
    /// The SDK's one error type: a closed ingestor is a configuration error (nothing more can be sent through it),
    /// a refused event an invalid request. The event itself is dropped; keep it with `into_event` first if needed.
    fn from(error: SendError<T>) -> Self {
        let kind = match &error {
            SendError::Closed(_) => client_runtime::ErrorKind::Config,
            SendError::Rejected { .. } => client_runtime::ErrorKind::InvalidRequest,
        };
        client_runtime::Error::new(kind)
            .operation("ingest")
            .message(error.to_string())
    }
}

impl<T> From<TrySendError<T>> for client_runtime::Error {
    /// As for [`SendError`]; a full queue is a timeout-like condition worth trying again
    /// ([`client_runtime::Error::is_retryable`]).
    fn from(error: TrySendError<T>) -> Self {
        let kind = match &error {
            TrySendError::Full(_) => client_runtime::ErrorKind::Timeout,
            TrySendError::Closed(_) => client_runtime::ErrorKind::Config,
            TrySendError::Rejected { .. } => client_runtime::ErrorKind::InvalidRequest,
        };
        client_runtime::Error::new(kind)
            .operation("ingest")
            .message(error.to_string())
    }
}

impl From<IngestError> for client_runtime::Error {
    fn from(error: IngestError) -> Self {
        client_runtime::Error::new(client_runtime::ErrorKind::Config)
            .operation("ingest")
            .message(error.to_string())
    }
}
