//! A CI commit scan, [`BluBracket::start_scan`]: started once (`startCommitScan`, which answers with the scan's id),
//! then polled (`getCommitScan`: `202` while the scan runs, `200` with the result once it is done) on the
//! [`PollSchedule::scan`](crate::PollSchedule::scan) schedule by [`CommitScan::wait`]. A scan started elsewhere
//! (another process, before a restart) is resumed by id with [`BluBracket::commit_scan`].

use std::time::{Duration, Instant};

use blubracket_client::types::{CommitScanRequest, CommitScanResult};
use client_runtime::{Error, ErrorKind};

use super::BluBracket;
use crate::PollSchedule;

/// Options of a commit-scan wait.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScanOptions {
    /// The first wait between two polls when the server gives no `Retry-After` (default 5 s); each later wait is
    /// 1.5 times the one before, up to [`ScanOptions::max_poll_interval`].
    pub poll_interval: Duration,
    /// The longest wait between two polls (default 20 s).
    pub max_poll_interval: Duration,
    /// Give up after this long (default 10 minutes): an [`ErrorKind::PollTimeout`] error naming the scan. The scan
    /// itself runs on at the service; [`BluBracket::commit_scan`] resumes the wait.
    pub deadline: Duration,
}

impl Default for ScanOptions {
    fn default() -> Self {
        let schedule = PollSchedule::scan();
        Self {
            poll_interval: schedule.first(),
            max_poll_interval: schedule.cap(),
            deadline: Duration::from_secs(600),
        }
    }
}

impl ScanOptions {
    /// The waits these options poll on.
    pub fn schedule(&self) -> PollSchedule {
        PollSchedule::new(self.poll_interval, 1.5, self.max_poll_interval)
    }
}

/// A commit scan the service is running, known by its id. [`CommitScan::wait`] polls it to its result.
///
/// ```no_run
/// # async fn run(sdk: &sdk::Sdk) -> Result<(), sdk::Error> {
/// use sdk::blubracket_api::types::CommitScanRequest;
/// let blubracket = sdk.blubracket()?;
/// let request = CommitScanRequest::builder().repo_url("https://github.com/org/repo").pull_request_number(42);
/// let scan = blubracket.start_scan(request).await?;
/// println!("scan {} started", scan.scan_uuid());
/// let result = scan.wait(sdk::ScanOptions::default(), |polls| println!("still running ({polls})")).await?;
/// for (sha, found) in &result.secrets {
///     println!("{sha}: {} secret(s)", found.secrets_found.len());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CommitScan {
    blubracket: BluBracket,
    scan_uuid: String,
}

impl CommitScan {
    /// The scan's id (`scan_uuid`): keep it to resume the wait with [`BluBracket::commit_scan`].
    pub fn scan_uuid(&self) -> &str {
        &self.scan_uuid
    }

    /// Polls until the scan is done and returns its result. `on_poll` is called after each "still running"
    /// (`202`) answer with the number of polls so far. A `Retry-After` on that answer is honoured (at most the
    /// schedule's longest wait).
    ///
    /// Every error names the scan: a failed poll keeps its status and the service's `{"message"}` (the runtime
    /// has retried it where that was safe); a scan still running at [`ScanOptions::deadline`] is an
    /// [`ErrorKind::PollTimeout`] error.
    pub async fn wait(
        &self,
        options: ScanOptions,
        mut on_poll: impl FnMut(u32),
    ) -> Result<CommitScanResult, Error> {
        let started = Instant::now();
        let schedule = options.schedule();
        let mut waits = schedule.waits();
        let mut polls = 0u32;
        loop {
            let response = self
                .blubracket
                .call_response(
                    self.blubracket
                        .get_commit_scan()
                        .scan_uuid(&self.scan_uuid)
                        .send(),
                )
                .await
                .map_err(|error| self.named(error))?;
            if response.status().as_u16() != 202 {
                return Ok(response.into_inner());
            }
            polls = polls.saturating_add(1);
            on_poll(polls);
            let scheduled = waits.next().unwrap_or(schedule.cap());
            let wait = client_runtime::server_delay(response.headers())
                .unwrap_or(scheduled)
                .min(schedule.cap());
            let waited = started.elapsed();
            if waited.saturating_add(wait) > options.deadline {
                return Err(self.named(
                    Error::new(ErrorKind::PollTimeout)
                        .operation("getCommitScan")
                        .message(format!(
                            "still running after {polls} polls ({:.1} s; the deadline is {:?})",
                            waited.as_secs_f64(),
                            options.deadline
                        )),
                ));
            }
            tracing::debug!(scan_uuid = %self.scan_uuid, polls, ?wait, "commit scan still running");
            tokio::time::sleep(wait).await;
        }
    }

    fn named(&self, error: Error) -> Error {
        error.during(format!("scan {}: wait", self.scan_uuid))
    }
}

impl BluBracket {
    /// Starts a CI commit scan (`startCommitScan`) of a pull request or of commits; [`CommitScan::wait`] then
    /// polls it to its result. A body that does not build (a required member missing) is an
    /// [`ErrorKind::InvalidRequest`] error; an answer without a `scan_uuid` is an [`ErrorKind::Decode`] error.
    pub async fn start_scan<R>(&self, request: R) -> Result<CommitScan, Error>
    where
        R: TryInto<CommitScanRequest>,
        R::Error: std::fmt::Display,
    {
        let request = request.try_into().map_err(|error| {
            Error::new(ErrorKind::InvalidRequest)
                .operation("startCommitScan")
                .message(format!("the scan request does not build: {error}"))
        })?;
        let started = self.start_commit_scan().body(request).call().await?;
        let scan_uuid = started
            .scan_uuid
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                Error::new(ErrorKind::Decode)
                    .operation("startCommitScan")
                    .message("the service gave the scan no scan_uuid")
            })?;
        Ok(self.commit_scan(scan_uuid))
    }

    /// A scan started earlier (by this process before a restart, or by another), known by its id: its
    /// [`CommitScan::wait`] resumes polling. Makes no call.
    pub fn commit_scan(&self, scan_uuid: impl Into<String>) -> CommitScan {
        CommitScan {
            blubracket: self.clone(),
            scan_uuid: scan_uuid.into(),
        }
    }
}
