//! Mapping a generated client's error (progenitor's) into an [`Error`] ([`from_progenitor`]), and what it uses for
//! transport errors ([`transport_kind`], [`root_cause`]).

use bytes::Bytes;

use super::{DecodeFailure, Error, ErrorKind, read_bounded};

/// Maps a transport error (no response) to its kind.
pub fn transport_kind(error: &reqwest::Error) -> ErrorKind {
    if error.is_timeout() {
        ErrorKind::Timeout
    } else if error.is_redirect() {
        ErrorKind::Redirect
    } else if error.is_decode() {
        ErrorKind::Decode
    } else if error.is_body() {
        ErrorKind::Body
    } else if error.is_builder() {
        ErrorKind::InvalidRequest
    } else {
        ErrorKind::Connect
    }
}

/// The innermost cause of an error (`Connection refused (os error 111)`): what went wrong, without the URL that
/// reqwest's own message carries.
pub fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Turns a generated client's error into an [`Error`], using what the runtime saw of the response when the
/// generated error does not carry it.
///
/// `probe` decodes a success body again to find where it failed (see [`decode_json`](super::decode_json)).
pub async fn from_progenitor<E: serde::Serialize>(
    error: progenitor_client::Error<E>,
    record: crate::CallRecord,
    probe: fn(&[u8]) -> Option<DecodeFailure>,
) -> Error {
    use progenitor_client::Error as P;
    let operation = record.operation_id;
    let meta = record.response;
    let mut mapped = match error {
        P::ErrorResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let body = serde_json::to_vec(&response.into_inner()).unwrap_or_default();
            Error::new(ErrorKind::Status)
                .response(status, &headers)
                .body(Bytes::from(body), false)
        }
        P::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let kind = if status.is_redirection() {
                ErrorKind::Redirect
            } else if status.is_success() {
                ErrorKind::Decode
            } else {
                ErrorKind::Status
            };
            let (body, truncated) = read_bounded(response).await;
            Error::new(kind)
                .response(status, &headers)
                .body(body, truncated)
        }
        P::InvalidResponsePayload(bytes, source) => {
            let mut error = Error::new(ErrorKind::Decode).with_source(source);
            let mut success = true;
            if let Some(meta) = &meta {
                error = error.response(meta.status, &meta.headers);
                success = meta.status.is_success();
            }
            if success {
                if let Some(failure) = probe(&bytes) {
                    error = error.decode_failure(failure);
                }
            } else {
                error.inner.kind = ErrorKind::Status;
            }
            error.body(bytes, false)
        }
        P::CommunicationError(source) => {
            let kind = transport_kind(&source);
            let mut error = Error::new(kind);
            if kind != ErrorKind::Timeout {
                error = error.message(root_cause(&source));
            }
            error.with_source(source)
        }
        P::ResponseBodyError(source) => {
            let kind = if source.is_timeout() {
                ErrorKind::Timeout
            } else {
                ErrorKind::Body
            };
            let mut error = Error::new(kind);
            if kind != ErrorKind::Timeout {
                error = error.message(root_cause(&source));
            }
            let mut error = error.with_source(source);
            if let Some(meta) = &meta {
                error = error.response(meta.status, &meta.headers);
            }
            error
        }
        P::InvalidRequest(message) => Error::new(ErrorKind::InvalidRequest).message(message),
        P::Custom(message) => Error::new(ErrorKind::Credential).message(message),
        P::InvalidUpgrade(source) => Error::new(ErrorKind::Connect).with_source(source),
    };
    if let Some(operation) = operation {
        mapped.inner.operation = Some(operation.to_string());
    }
    mapped.inner.attempts = record.attempts;
    if record.refused.is_some() {
        // The governor answered in the server's stead: nothing was sent, and no status came from the server.
        mapped.inner.kind = ErrorKind::RateLimited;
        mapped.inner.status = None;
        mapped.inner.correlation_id = None;
        mapped.inner.error_type = None;
        // The refused attempt was not sent.
        mapped.inner.attempts = record.attempts.saturating_sub(1);
    }
    if matches!(
        mapped.inner.kind,
        ErrorKind::Connect | ErrorKind::Body | ErrorKind::Redirect
    ) && let Some((method, url)) = &record.request
    {
        mapped = mapped.request_line(method, url);
    }
    mapped
}
