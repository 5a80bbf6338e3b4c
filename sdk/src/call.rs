//! Running one call of a generated client under the SDK: per-call options in, a typed [`Error`] out.

use std::future::Future;
use std::time::Duration;

use client_runtime::RequestOptions;
use progenitor_client::ResponseValue;

use crate::error::{self, Error, ErrorKind};

/// Runs `call` with `options` in scope (the runtime reads them), bounded by the call's timeout or
/// `default_timeout`, and maps a failure to [`Error`] with what the runtime saw of the response.
pub(crate) async fn run<T, E, F>(
    options: RequestOptions,
    default_timeout: Duration,
    call: F,
) -> Result<ResponseValue<T>, Error>
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
    E: serde::Serialize,
{
    let limit = options.timeout_or(default_timeout);
    let scoped = client_runtime::scope(options, call);
    match tokio::time::timeout(limit, scoped).await {
        Ok((Ok(value), _)) => Ok(value),
        Ok((Err(error), meta)) => Err(error::from_progenitor(error, meta).await),
        Err(_) => Err(Error::new(ErrorKind::Timeout)
            .message(format!("the operation took longer than {limit:?}"))),
    }
}
