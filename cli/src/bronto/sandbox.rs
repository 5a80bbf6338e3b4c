//! `bronto sandbox serve`: one sandbox for several processes. It prints its URL on the first line of standard
//! output and runs until killed; `bronto --sandbox-url URL ...` (or `BRONTO_SANDBOX_URL`, in the environment or
//! a profile) points other commands at it, so `bronto ingest` then `bronto search` see the same data.

use std::io::Write as _;
use std::time::Duration;

/// `bronto sandbox`'s commands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum SandboxCommand {
    /// Starts a sandbox on loopback, prints its URL, and serves until the process is killed.
    Serve(ServeArgs),
}

/// `bronto sandbox serve`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Requests each account may make per window before a 429 (default: 1000).
    #[arg(long, value_name = "REQUESTS")]
    rate_limit: Option<u64>,
    /// The rate limit's window in seconds (default: 300).
    #[arg(long, value_name = "SECONDS")]
    rate_window: Option<u64>,
}

/// Runs `bronto sandbox`.
pub async fn run(command: SandboxCommand) -> anyhow::Result<()> {
    let SandboxCommand::Serve(args) = command;
    let default = vendor_sandbox::RateLimitBudget::default();
    let budget = vendor_sandbox::RateLimitBudget {
        limit: args.rate_limit.unwrap_or(default.limit),
        window: args.rate_window.map_or(default.window, Duration::from_secs),
    };
    let sandbox = vendor_sandbox::Sandbox::builder()
        .rate_limit(budget)
        .start()
        .await;
    let url = sandbox.bronto_base_url();
    let mut out = std::io::stdout();
    writeln!(out, "{url}")?;
    out.flush()?;
    eprintln!(
        "sandbox serving at {url} until killed; in other shells: bronto --sandbox-url {url} ... \
         (API key {}, any dataset)",
        vendor_sandbox::SANDBOX_API_KEY
    );
    std::future::pending::<()>().await;
    drop(sandbox);
    Ok(())
}
