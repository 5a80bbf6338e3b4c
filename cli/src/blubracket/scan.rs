//! `blubracket scan`: starts a scan of a pull request or of commits (`startCommitScan`) and polls it
//! (`getCommitScan`: `202` while it runs) with a spinner until its result, which is printed.

use std::time::Duration;

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
    /// Seconds between two polls, fixed (default: 5, growing ×1.5 up to 20; 0.2 under --sandbox).
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
    let scan = match blubracket.start_scan(request).await {
        Ok(scan) => scan,
        Err(error) => {
            spinner.abandon();
            return Err(error.into());
        }
    };
    let scan_uuid = scan.scan_uuid().to_string();
    spinner.set_message(format!("scan {scan_uuid} of {}", args.repo_url));
    let mut options = sdk::ScanOptions {
        deadline: seconds(args.timeout, 600.0),
        ..sdk::ScanOptions::default()
    };
    // A given interval (or the sandbox's) is polled at as it is; the default grows (`sdk::PollSchedule::scan`).
    let fixed = args
        .poll_interval
        .or(session.is_sandbox().then_some(0.2))
        .map(|interval| seconds(interval, 5.0));
    if let Some(interval) = fixed {
        options.poll_interval = interval;
        options.max_poll_interval = interval;
    }
    let polled = scan
        .wait(options, |polls| {
            spinner.set_message(format!(
                "scan {scan_uuid} of {} (still running, {polls} polls)",
                args.repo_url
            ));
        })
        .await;
    let result = match polled {
        Ok(result) => result,
        Err(error) => {
            spinner.abandon();
            return Err(error.into());
        }
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
