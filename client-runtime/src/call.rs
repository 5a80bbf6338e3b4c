//! Running one call of a generated client to its typed body or an [`Error`]: the operation deadline of the
//! client's handle, and the mapping of every failure (with what the runtime saw of the call: its operation, its last
//! response). The generated builders' `call()` and the facade's `Api::call` both run through here.

use std::future::Future;
use std::pin::Pin;

use progenitor_client::{ByteStream, ResponseValue};

use std::time::Instant;

use crate::error::{self, DecodeFailure, Error, ErrorKind, TimeLimit};
use crate::{CallRecord, Runtime};

/// Which of the runtime's limits ended a call that timed out: the operation's deadline when it has passed (an
/// attempt's timer is cut to what is left of it, so it fires at the deadline too), else the connect timeout for a
/// connection that never opened, else the attempt's timeout when the last attempt ran that long, else the idle
/// timeout of a read that made no progress.
pub fn time_limit(
    runtime: &Runtime,
    started: Instant,
    record: &CallRecord,
    source: Option<&(dyn std::error::Error + 'static)>,
) -> (TimeLimit, std::time::Duration) {
    let timeouts = runtime.timeouts();
    let operation = runtime.operation_timeout();
    let connecting = source
        .and_then(|source| source.downcast_ref::<reqwest::Error>())
        .is_some_and(reqwest::Error::is_connect);
    if started.elapsed() >= operation {
        (TimeLimit::Operation, operation)
    } else if connecting {
        (TimeLimit::Connect, timeouts.connect)
    } else if record
        .attempt_started
        .is_none_or(|attempt| attempt.elapsed() >= timeouts.attempt)
    {
        (TimeLimit::Attempt, timeouts.attempt)
    } else {
        (TimeLimit::Idle, timeouts.idle)
    }
}

// The call's future goes on the heap. A generated `send()` future is large (a request's whole state machine, about
// 3.7 KB for a search in a release build): boxed before the first `await` (by `json` and `stream`), so the
// futures that wrap it (this module's, the facade's `Api::call`, a caller's `join_all` or `FuturesUnordered`) hold
// a pointer instead of another copy, are moved with a few bytes instead of kilobytes, and a caller that nests a few
// of them (a workflow in a test on a 2 MiB thread, in a debug build) does not run out of stack.
async fn run<T, E, F>(
    runtime: &Runtime,
    call: Pin<Box<F>>,
    probe: fn(&[u8]) -> Option<DecodeFailure>,
) -> Result<ResponseValue<T>, Error>
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
    E: serde::Serialize,
{
    let limit = runtime.operation_timeout();
    let started = Instant::now();
    // The deadline runs inside the record, so a call that runs out of time still reports its operation.
    let bounded = async { tokio::time::timeout(limit, call).await };
    match crate::record(bounded).await {
        (Ok(Ok(value)), _) => Ok(value),
        (Ok(Err(error)), record) => {
            // A timeout of the transport (no response, or a body that stopped): which limit ran out.
            let limit = match &error {
                progenitor_client::Error::CommunicationError(source)
                | progenitor_client::Error::ResponseBodyError(source)
                    if source.is_timeout() =>
                {
                    Some(time_limit(runtime, started, &record, Some(source)))
                }
                _ => None,
            };
            // Boxed: the error path's future (it may read a bounded body) stays out of every call's size.
            let mapped = Box::pin(error::from_progenitor(error, record, probe)).await;
            Err(match limit {
                Some((limit, duration)) => mapped.timed_out(limit, duration),
                None => mapped,
            })
        }
        (Err(_), record) => {
            let mut error = Error::new(ErrorKind::Timeout).timed_out(TimeLimit::Operation, limit);
            if let Some(operation) = record.operation_id {
                error = error.operation(operation);
            }
            Err(error)
        }
    }
}

/// Runs `call` (a generated builder's `send()`, built on a client whose runtime is `runtime`) to its typed
/// response. A body that does not decode is an [`ErrorKind::Decode`] error naming the operation and the JSON path.
///
/// `call` is moved to the heap at once, before the returned future is first polled: the returned future is small
/// (about 1 KB, against the 3.7 KB of a search's `send()`), whatever wraps it.
pub fn json<'a, T, E, F>(
    runtime: &'a Runtime,
    call: F,
) -> impl Future<Output = Result<ResponseValue<T>, Error>> + 'a
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>> + 'a,
    T: serde::de::DeserializeOwned + 'a,
    E: serde::Serialize + 'a,
{
    run(runtime, Box::pin(call), |body| {
        error::decode_json::<T>(body).err()
    })
}

/// Like [`json`], for an operation whose answer is not JSON (a byte stream).
/// `call` is moved to the heap at once, as for [`json`].
pub fn stream<'a, E, F>(
    runtime: &'a Runtime,
    call: F,
) -> impl Future<Output = Result<ResponseValue<ByteStream>, Error>> + 'a
where
    F: Future<Output = Result<ResponseValue<ByteStream>, progenitor_client::Error<E>>> + 'a,
    E: serde::Serialize + 'a,
{
    run(runtime, Box::pin(call), |_| None)
}
