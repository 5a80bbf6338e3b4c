//! What kind of failure an [`Error`](super::Error) is ([`ErrorKind`]) and, for a timeout, which limit ran out
//! ([`TimeLimit`]), each with the words its `Display` uses.

use std::fmt;

#[cfg(doc)]
use super::Error;

/// What kind of failure an [`Error`] is, each with an example of what its `Display` reads like (the operation
/// first, and for a workflow the step before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The configuration is invalid (a bad region, base URL, key file, ...).
    ///
    /// For example: `invalid configuration: mars! is not a region: ...`.
    Config,
    /// The credential is missing, empty, or does not fit the client's credential mode. Nothing was sent.
    ///
    /// For example: `list_datasets: credential error: this client takes a credential per request, and the call supplied none`.
    Credential,
    /// The request could not be built (a missing required parameter, an invalid value).
    ///
    /// For example: `create_api_key: invalid request: no value supplied for roles`.
    InvalidRequest,
    /// No connection could be made, or it dropped before a response.
    ///
    /// For example: `list_api_keys: connection failed on GET http://127.0.0.1:9/api-keys: Connection refused (os error 111)`.
    Connect,
    /// An attempt or the whole operation ran out of time.
    ///
    /// For example: `list_api_keys: timed out: the operation deadline of 1ms ran out` (see [`Error::time_limit`]).
    Timeout,
    /// A redirect was refused (it would have taken the request, and the credential, to another host).
    ///
    /// For example: `get_export_by_id: redirect refused (status 302)`.
    Redirect,
    /// The rate governor did not send the call: the account's rate-limit window is spent and its reset comes
    /// after the call's deadline (the wait is in [`Error::rate_limit`]'s `retry_after`). A server's own `429` is
    /// [`ErrorKind::Status`]; [`Error::is_rate_limited`] is `true` for both.
    ///
    /// For example: `list_api_keys: rate limited, not sent: the account's rate-limit window is spent and refills in 40s, after the operation deadline`.
    RateLimited,
    /// The server answered with an error status.
    ///
    /// For example: `list_datasets: error response (status 401, correlation id c-1): Unauthorized: invalid API key`.
    Status,
    /// The response body is not what the document promises (not JSON, truncated, wrong shape).
    ///
    /// For example: `list_datasets: response did not decode (status 200) at .datasets[0].dataset: invalid type: integer 7, expected a string` (the path is in backticks).
    Decode,
    /// Reading the response body failed part-way.
    ///
    /// For example: `list_api_keys: reading the response body failed on GET https://api.eu.bronto.io/api-keys: connection reset`.
    Body,
    /// The export failed on the server (its `failure_detail` is in [`Error::details`]).
    ///
    /// For example: `export x-1: wait: the export failed: FAILED: out of quota`.
    ExportFailed,
    /// The export's download location has expired (or was refused by the storage host).
    ///
    /// For example: `export: download: download of export x-1: the export's download has expired (status 403)`.
    ExportExpired,
    /// A download did not deliver the byte count the server announced.
    ///
    /// For example: `export: download: download of export x-1: the download is incomplete: received 10 bytes, the server announced 20`.
    Integrity,
    /// A workflow's polling gave up (the server kept saying "not yet" past the deadline).
    ///
    /// For example: `export x-1: wait: gave up waiting: not complete after 60s; the export is left on the server ...`.
    PollTimeout,
    /// An asynchronous search's results expired before they were read (`410`).
    ///
    /// For example: `search: wait: get_search_status: the search's results have expired (status 410)`.
    ResultsExpired,
    /// A paged stream could not go on exactly: the server ignored its paging parameters (a page repeated, a
    /// token followed twice, a page larger than asked for), sent a next link without a usable token, or the
    /// stream reached its [`PagingLimits`](crate::PagingLimits) cap. The items before it were delivered.
    ///
    /// For example: `search: page 3: post_search: paging stopped: page 3: the same events as the page before ...`.
    Paging,
    /// The service ended an asynchronous search without results (`TIMED_OUT`, `CANCELLED_BY_USER`,
    /// `INTERNAL_SERVER_ERROR`).
    ///
    /// For example: `get_search_status: the search failed: TIMED_OUT`.
    SearchFailed,
}

/// Which time limit ran out, for an [`ErrorKind::Timeout`] error ([`Error::time_limit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeLimit {
    /// Establishing the connection ([`Timeouts::connect`](crate::Timeouts::connect)).
    Connect,
    /// One attempt: sending the request and reading the whole response
    /// ([`Timeouts::attempt`](crate::Timeouts::attempt)).
    Attempt,
    /// A read of the response made no progress ([`Timeouts::idle`](crate::Timeouts::idle)).
    Idle,
    /// The whole operation, every attempt and wait included ([`Timeouts::operation`](crate::Timeouts::operation),
    /// or the handle's [`RequestOptions::timeout`](crate::RequestOptions::timeout)).
    Operation,
    /// A workflow's download as a whole (an export's `download_timeout`).
    Download,
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeLimit::Connect => "connect timeout",
            TimeLimit::Attempt => "attempt timeout",
            TimeLimit::Idle => "idle timeout",
            TimeLimit::Operation => "operation deadline",
            TimeLimit::Download => "download timeout",
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Config => "invalid configuration",
            ErrorKind::Credential => "credential error",
            ErrorKind::InvalidRequest => "invalid request",
            ErrorKind::Connect => "connection failed",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Redirect => "redirect refused",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Status => "error response",
            ErrorKind::Decode => "response did not decode",
            ErrorKind::Body => "reading the response body failed",
            ErrorKind::ExportFailed => "the export failed",
            ErrorKind::ExportExpired => "the export's download has expired",
            ErrorKind::Integrity => "the download is incomplete",
            ErrorKind::PollTimeout => "gave up waiting",
            ErrorKind::ResultsExpired => "the search's results have expired",
            ErrorKind::Paging => "paging stopped",
            ErrorKind::SearchFailed => "the search failed",
        })
    }
}
