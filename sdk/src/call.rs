//! [`Api`]: a generated client under the SDK's policy. Running one call: per-call options in, a typed [`Error`] out.

use std::future::Future;
use std::ops::Deref;
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
    probe: fn(&[u8]) -> Option<error::DecodeFailure>,
) -> Result<ResponseValue<T>, Error>
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
    E: serde::Serialize,
{
    let limit = options.timeout_or(default_timeout);
    // The deadline runs inside the scope, so a call that runs out of time still reports its operation.
    let bounded = async { tokio::time::timeout(limit, call).await };
    match client_runtime::scope(options, bounded).await {
        (Ok(Ok(value)), _) => Ok(value),
        (Ok(Err(error)), record) => Err(error::from_progenitor(error, record, probe).await),
        (Err(_), record) => {
            let mut error = Error::new(ErrorKind::Timeout)
                .message(format!("the operation took longer than {limit:?}"));
            if let Some(operation) = record.operation_id {
                error = error.operation(operation);
            }
            Err(error)
        }
    }
}

/// A generated client under the SDK's runtime policy: it dereferences to the client, so every operation is there
/// as a builder, and [`Api::call`] runs a builder's `send()` to the typed body or an [`Error`]. Used as
/// [`Bronto`](crate::Bronto) and [`BluBracket`](crate::BluBracket).
#[derive(Debug, Clone)]
pub struct Api<C> {
    pub(crate) client: C,
    pub(crate) operation_timeout: Duration,
}

impl<C> Deref for Api<C> {
    type Target = C;

    fn deref(&self) -> &Self::Target {
        &self.client
    }
}

impl<C> Api<C> {
    pub(crate) fn new(client: C, operation_timeout: Duration) -> Self {
        Self {
            client,
            operation_timeout,
        }
    }

    /// The generated client.
    pub fn client(&self) -> &C {
        &self.client
    }

    /// Runs one call of the generated client (`api.some_operation()...send()`) and returns its typed body.
    ///
    /// A body that does not decode into its type is an [`ErrorKind::Decode`](crate::ErrorKind::Decode) error
    /// naming the operation and the JSON path of the failing value; the body stays readable through
    /// [`Error::body_json`].
    pub async fn call<T, E, F>(&self, call: F) -> Result<T, Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
        T: serde::de::DeserializeOwned,
        E: serde::Serialize,
    {
        self.call_with(RequestOptions::new(), call).await
    }

    /// Like [`Api::call`], with per-call options: a timeout for the whole operation, extra headers, and the
    /// credential when the client is in per-request credential mode.
    pub async fn call_with<T, E, F>(&self, options: RequestOptions, call: F) -> Result<T, Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
        T: serde::de::DeserializeOwned,
        E: serde::Serialize,
    {
        self.call_response(options, call)
            .await
            .map(ResponseValue::into_inner)
    }

    /// Like [`Api::call_with`], keeping the status and headers of the response.
    pub async fn call_response<T, E, F>(
        &self,
        options: RequestOptions,
        call: F,
    ) -> Result<ResponseValue<T>, Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
        T: serde::de::DeserializeOwned,
        E: serde::Serialize,
    {
        run(options, self.operation_timeout, call, |body| {
            error::decode_json::<T>(body).err()
        })
        .await
    }

    /// Runs a call whose answer is not JSON (`-> ByteStream`, such as Bronto's `explain_error`), with per-call
    /// options; read the stream with `into_inner()`.
    pub async fn call_stream<E, F>(
        &self,
        options: RequestOptions,
        call: F,
    ) -> Result<ResponseValue<progenitor_client::ByteStream>, Error>
    where
        F: Future<
            Output = Result<
                ResponseValue<progenitor_client::ByteStream>,
                progenitor_client::Error<E>,
            >,
        >,
        E: serde::Serialize,
    {
        run(options, self.operation_timeout, call, |_| None).await
    }
}
