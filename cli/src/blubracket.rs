//! The `blubracket` tool: every operation of the BluBracket document ([`BluBracketOperations`]) and the workflow
//! commands `alerts`, `events`, `audit` and `scan`, plus `profile` and `completions`.

pub mod findings;
pub mod scan;

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use crate::completions::CompletionsArgs;
use crate::exit::{self, EXIT_CODES_HELP};
use crate::operations::{BluBracketOperations, Printer};
use crate::output::Format;
use crate::profile::ProfileCommand;
use crate::session::{GlobalArgs, Session, Vendor};

/// The workflow commands' names: a generated operation with one of them is reached as `api-<name>`.
pub const WORKFLOWS: &[&str] = &[
    "alerts",
    "events",
    "audit",
    "scan",
    "profile",
    "completions",
];

/// `blubracket`: the BluBracket API by hand.
#[derive(Debug, Parser)]
#[command(
    name = "blubracket",
    version,
    about = "The BluBracket API by hand: every operation of its document, plus alerts, events, audit and scan.",
    long_about = "The BluBracket API by hand: every operation of its document as a command (its parameters as \
                  flags, its body from --json-body FILE|- or flags, its answer as JSON), plus the workflow \
                  commands alerts, events, audit and scan.\n\n\
                  Settings: flags (--base-url is the tenant URL), then the environment (BLUBRACKET_HOST, \
                  BLUBRACKET_INTEGRATION_KEY or BLUBRACKET_KEY_FILE), then the profile (see `blubracket \
                  profile`). --sandbox runs against the SDK's embedded sandbox.",
    after_help = EXIT_CODES_HELP,
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct BluBracketArgs {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Option<Workflow>,
}

/// The hand-written commands.
#[derive(Debug, Subcommand)]
enum Workflow {
    /// Lists alerts matching the filters, every page.
    Alerts(findings::FindingsArgs),
    /// Lists events matching the filters, every page.
    Events(findings::FindingsArgs),
    /// Lists system-audit records matching the filters, every page.
    Audit(findings::FindingsArgs),
    /// Starts a commit or pull-request scan and waits for its result.
    Scan(scan::ScanArgs),
    /// Reads and writes profiles (settings kept in the user's configuration directory).
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Prints a shell completion script.
    Completions(CompletionsArgs),
}

/// The whole command line: the workflows and every generated operation.
pub fn command() -> clap::Command {
    BluBracketArgs::command().subcommands(BluBracketOperations::commands(WORKFLOWS))
}

/// Runs `blubracket` with the process's arguments.
pub fn main() -> ExitCode {
    exit::run_tool(command, |matches| async move { run(&matches).await })
}

async fn run(matches: &clap::ArgMatches) -> anyhow::Result<()> {
    let BluBracketArgs {
        global,
        command: workflow,
    } = BluBracketArgs::from_arg_matches(matches)?;
    // Commands that need no API.
    match &workflow {
        Some(Workflow::Profile(profile)) => {
            return crate::profile::run(profile, global.profile.as_deref());
        }
        Some(Workflow::Completions(completions)) => {
            crate::completions::write(completions, &mut command());
            return Ok(());
        }
        _ => {}
    }
    let session = Session::start(&global, None, Vendor::BluBracket).await?;
    if global.debug {
        crate::debug::install(session.origins.0.as_deref());
    }
    match workflow {
        Some(Workflow::Alerts(args)) => {
            findings::run(&session, &global, findings::Findings::Alerts, args).await
        }
        Some(Workflow::Events(args)) => {
            findings::run(&session, &global, findings::Findings::Events, args).await
        }
        Some(Workflow::Audit(args)) => {
            findings::run(&session, &global, findings::Findings::Audit, args).await
        }
        Some(Workflow::Scan(args)) => scan::run(&session, &global, args).await,
        Some(Workflow::Profile(_) | Workflow::Completions(_)) => Ok(()),
        None => {
            let Some((name, sub)) = matches.subcommand() else {
                return Ok(());
            };
            let printer = Printer::new(Format::answer_default(global.output));
            BluBracketOperations::run(session.sdk.blubracket()?, name, sub, printer, WORKFLOWS)
                .await
                .unwrap_or_else(|| {
                    Err(exit::UsageError(format!("`{name}` is not a blubracket command")).into())
                })
        }
    }
}
