//! Running one call of a generated client to its typed body or an [`Error`]: the operation deadline of the
//! client's handle, and the mapping of every failure (with what the runtime saw of the call: its operation, its last
//! response). The generated builders' `call()` and the facade's `Api::call` both run through here.

use std::future::Future;

use progenitor_client::{ByteStream, ResponseValue};

use crate::Runtime;
use crate::error::{self, DecodeFailure, Error, ErrorKind};

async fn run<T, E, F>(
    runtime: &Runtime,
    call: F,
    probe: fn(&[u8]) -> Option<DecodeFailure>,
) -> Result<ResponseValue<T>, Error>
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
    E: serde::Serialize,
{
    let limit = runtime.operation_timeout();
    // The generated futures are large (a request's whole state machine); on the heap, a caller that nests a few
    // of them (a workflow in a test on a 2 MiB thread, in a debug build) does not run out of stack.
    let call = Box::pin(call);
    // The deadline runs inside the record, so a call that runs out of time still reports its operation.
    let bounded = async { tokio::time::timeout(limit, call).await };
    match crate::record(bounded).await {
        (Ok(Ok(value)), _) => Ok(value),
        (Ok(Err(error)), record) => Err(error::from_progenitor(error, record, probe).await),
        (Err(_), record) => {
            let mut error = Error::new(ErrorKind::Timeout).message(format!(
                "the operation took longer than its deadline of {limit:?}"
            ));
            if let Some(operation) = record.operation_id {
                error = error.operation(operation);
            }
            Err(error)
        }
    }
}

/// Runs `call` (a generated builder's `send()`, built on a client whose runtime is `runtime`) to its typed
/// response. A body that does not decode is an [`ErrorKind::Decode`] error naming the operation and the JSON path.
pub async fn json<T, E, F>(runtime: &Runtime, call: F) -> Result<ResponseValue<T>, Error>
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
    T: serde::de::DeserializeOwned,
    E: serde::Serialize,
{
    run(runtime, call, |body| error::decode_json::<T>(body).err()).await
}

/// Like [`json`], for an operation whose answer is not JSON (a byte stream).
pub async fn stream<E, F>(runtime: &Runtime, call: F) -> Result<ResponseValue<ByteStream>, Error>
where
    F: Future<Output = Result<ResponseValue<ByteStream>, progenitor_client::Error<E>>>,
    E: serde::Serialize,
{
    run(runtime, call, |_| None).await
}
