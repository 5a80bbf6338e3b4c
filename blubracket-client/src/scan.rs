//! Waiting for a CI commit scan: `getCommitScan` answers `202` while the scan runs and `200` once it is done.
//!
//! **Deprecated**: the scan workflow moved to the facade, beside the other workflows of both vendors
//! (`sdk::BluBracket::start_scan`, `sdk::BluBracket::commit_scan`, `sdk::CommitScan::wait`: the SDK's typed
//! errors naming the scan, a growing poll schedule, `Retry-After` honoured). This module stays, unchanged in
//! behaviour, until the next breaking release.
//!
//! ```no_run
//! # #![allow(deprecated)]
//! use blubracket_client::ScanPolling;
//! use blubracket_client::types::CommitScanRequest;
//!
//! # async fn run(client: blubracket_client::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let started = client
//!     .start_commit_scan()
//!     .body(CommitScanRequest::builder().repo_url("https://github.com/org/repo").pull_request_number(42))
//!     .call()
//!     .await?;
//! let scan = started.scan_uuid.ok_or("the service gave the scan no id")?;
//! let result = client.wait_for_scan(&scan, ScanPolling::default()).await?;
//! for (sha, found) in &result.secrets {
//!     println!("{sha}: {} secret(s)", found.secrets_found.len());
//! }
//! # Ok(()) }
//! ```

use std::time::Duration;

use tokio::time::Instant;

use crate::generated::{Client, Error};
use crate::types::{CommitScanResult, ErrorMessage};

/// How [`Client::wait_for_scan`] polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanPolling {
    /// The pause between two polls (default 5 s).
    pub interval: Duration,
    /// How long to wait in all before giving up (default 10 min).
    pub timeout: Duration,
}

impl Default for ScanPolling {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
            timeout: Duration::from_secs(600),
        }
    }
}

impl ScanPolling {
    /// Polls every `interval` for at most `timeout`.
    pub fn new(interval: Duration, timeout: Duration) -> Self {
        Self { interval, timeout }
    }
}

/// Why [`Client::wait_for_scan`] returned without a result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanWaitError {
    /// A poll failed (the status, the `{"message"}` body and the transport error are in the source).
    #[error("polling scan `{scan_uuid}` failed: {source}")]
    Api {
        /// The scan.
        scan_uuid: String,
        /// The error of the failing poll.
        source: Error<ErrorMessage>,
    },
    /// The scan was still running (`202`) when the timeout passed.
    #[error("scan `{scan_uuid}` still running after {polls} polls ({waited:?})")]
    TimedOut {
        /// The scan.
        scan_uuid: String,
        /// How many polls were made.
        polls: u32,
        /// How long was waited.
        waited: Duration,
    },
}

impl Client {
    /// **Deprecated** (see the [module docs](crate::scan)): use `sdk::BluBracket::start_scan` or
    /// `sdk::BluBracket::commit_scan`, then `sdk::CommitScan::wait`.
    ///
    /// Polls `getCommitScan` until it answers `200` (done) and returns that result; `202` (still running) waits
    /// `polling.interval` and polls again, until `polling.timeout` has passed.
    #[deprecated(
        note = "the scan workflow moved to the facade: `sdk::BluBracket::start_scan` / `commit_scan`, then `sdk::CommitScan::wait`"
    )]
    pub async fn wait_for_scan(
        &self,
        scan_uuid: &str,
        polling: ScanPolling,
    ) -> Result<CommitScanResult, ScanWaitError> {
        let started = Instant::now();
        let mut polls = 0u32;
        loop {
            polls = polls.saturating_add(1);
            let response = self
                .get_commit_scan()
                .scan_uuid(scan_uuid)
                .send()
                .await
                .map_err(|source| ScanWaitError::Api {
                    scan_uuid: scan_uuid.to_string(),
                    source,
                })?;
            if response.status() != reqwest::StatusCode::ACCEPTED {
                return Ok(response.into_inner());
            }
            let waited = started.elapsed();
            if waited.saturating_add(polling.interval) > polling.timeout {
                return Err(ScanWaitError::TimedOut {
                    scan_uuid: scan_uuid.to_string(),
                    polls,
                    waited,
                });
            }
            tracing::debug!(scan_uuid, polls, "commit scan still running");
            tokio::time::sleep(polling.interval).await;
        }
    }
}
