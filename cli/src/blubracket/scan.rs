//! `blubracket scan`: starts a scan of a pull request or of commits (`startCommitScan`) and polls it
//! (`getCommitScan`: `202` while it runs) with a spinner until its result, which is printed.

use std::time::{Duration, Instant};

use sdk::blubracket_api::types::CommitScanRequest;

use crate::output::{self, Format};
use crate::progress::Progress;
use crate::session::{GlobalArgs, Session};

/// `blubracket scan`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ScanArgs {
    /// The repository's URL, such as `https://github.com/org/repo`.
    #[arg(long, value_name = "URL")]
    repo_url: String,
    /// The pull request to scan.
    #[arg(long = "pr", value_name = "NUMBER", conflicts_with = "commits")]
    pull_request: Option<u64>,
    /// The commits to scan; repeat or separate with commas.
    #[arg(long = "commit", value_delimiter = ',', value_name = "SHA")]
    commits: Vec<String>,
    /// Seconds between two polls (default: 5, or 0.2 under --sandbox).
    #[arg(long, value_name = "SECONDS")]
    poll_interval: Option<f64>,
    /// Gives up after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600.0)]
    timeout: f64,
}

/// Runs `blubracket scan`.
pub async fn run(session: &Session, global: &GlobalArgs, args: ScanArgs) -> anyhow::Result<()> {
    let blubracket = session.sdk.blubracket()?;
    let request = CommitScanRequest::builder()
        .repo_url(args.repo_url.clone())
        .pull_request_number(args.pull_request)
        .commit_shas(args.commits.clone());
    let spinner = Progress::new(global.quiet).spinner(format!("scanning {}", args.repo_url));
    let started = blubracket.start_commit_scan().body(request).call().await;
    let started = match started {
        Ok(started) => started,
        Err(error) => {
            spinner.abandon();
            return Err(error.into());
        }
    };
    let scan_uuid = started.scan_uuid.clone().ok_or_else(|| {
        sdk::Error::new(sdk::ErrorKind::Decode)
            .operation("startCommitScan")
            .message("the service gave the scan no scan_uuid")
    })?;
    spinner.set_message(format!("scan {scan_uuid} of {}", args.repo_url));
    let default_interval = if session.is_sandbox() { 0.2 } else { 5.0 };
    let interval = seconds(args.poll_interval.unwrap_or(default_interval), 5.0);
    let timeout = seconds(args.timeout, 600.0);
    let begun = Instant::now();
    let result = loop {
        let polled = blubracket
            .call_response(blubracket.get_commit_scan().scan_uuid(&scan_uuid).send())
            .await;
        let response = match polled {
            Ok(response) => response,
            Err(error) => {
                spinner.abandon();
                return Err(error.into());
            }
        };
        if response.status().as_u16() != 202 {
            break response.into_inner();
        }
        if begun.elapsed().saturating_add(interval) > timeout {
            spinner.abandon();
            return Err(sdk::Error::new(sdk::ErrorKind::PollTimeout)
                .operation("getCommitScan")
                .message(format!("scan {scan_uuid} still running after {timeout:?}"))
                .into());
        }
        tokio::time::sleep(interval).await;
    };
    spinner.finish_and_clear();
    if !global.quiet {
        let found: usize = result
            .secrets
            .values()
            .map(|commit| commit.secrets_found.len())
            .sum();
        eprintln!("scan {scan_uuid}: {found} secret(s) found");
    }
    output::write_answer(
        Format::answer_default(global.output),
        &serde_json::to_value(&result)?,
    )?;
    Ok(())
}

fn seconds(value: f64, fallback: f64) -> Duration {
    Duration::try_from_secs_f64(value.max(0.0)).unwrap_or(Duration::from_secs_f64(fallback))
}
