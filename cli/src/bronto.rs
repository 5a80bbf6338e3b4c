//! The `bronto` tool: every operation of the Bronto document ([`BrontoOperations`]) and the workflow commands
//! `search`, `tail`, `export` and `ingest`, plus `profile` and `completions`.

pub mod export;
pub mod ingest;
pub mod sandbox;
pub mod search;
pub mod tail;

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use crate::completions::CompletionsArgs;
use crate::exit::{self, EXIT_CODES_HELP};
use crate::operations::{BrontoOperations, Printer};
use crate::output::Format;
use crate::profile::ProfileCommand;
use crate::session::{GlobalArgs, Session, Vendor};

/// The workflow commands' names: a generated operation with one of them is reached as `api-<name>`.
pub const WORKFLOWS: &[&str] = &[
    "search",
    "tail",
    "export",
    "ingest",
    "sandbox",
    "profile",
    "completions",
];

/// `bronto`: the Bronto API by hand.
#[derive(Debug, Parser)]
#[command(
    name = "bronto",
    version,
    about = "The Bronto API by hand: every operation of its document, plus search, tail, export and ingest.",
    long_about = "The Bronto API by hand: every operation of its document as a command (its parameters as flags, \
                  its body from --json-body FILE|- or flags, its answer as JSON), plus the workflow commands \
                  search, tail, export and ingest.\n\n\
                  Settings: flags, then the environment (BRONTO_REGION or BRONTO_BASE_URL, BRONTO_API_KEY or \
                  BRONTO_BEARER_TOKEN, BRONTO_INGESTION_URL), then the profile (see `bronto profile`). \
                  --sandbox runs against a sandbox of the process; `bronto sandbox serve` runs one that \
                  commands share through --sandbox-url.",
    after_help = EXIT_CODES_HELP,
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct BrontoArgs {
    #[command(flatten)]
    global: GlobalArgs,
    /// The Bronto region (`eu`, `us`); default: BRONTO_REGION.
    #[arg(long, global = true, value_name = "REGION")]
    region: Option<String>,
    #[command(subcommand)]
    command: Option<Workflow>,
}

/// The hand-written commands.
#[derive(Debug, Subcommand)]
enum Workflow {
    /// Searches events (every page, in order) and prints them.
    Search(search::SearchArgs),
    /// Follows new events of a search, each printed once (deduplicated by sequence number).
    Tail(tail::TailArgs),
    /// Exports a search's events to a file or standard output: creates the export, waits for it, downloads it
    /// decompressed.
    Export(export::ExportArgs),
    /// Sends events to Bronto's ingestion endpoint from files or standard input (NDJSON or plain lines).
    Ingest(ingest::IngestArgs),
    /// Runs a sandbox for several commands: `bronto sandbox serve` prints its URL for `--sandbox-url`.
    #[command(subcommand)]
    Sandbox(sandbox::SandboxCommand),
    /// Reads and writes profiles (settings kept in the user's configuration directory).
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Prints a shell completion script.
    Completions(CompletionsArgs),
}

/// The whole command line: the workflows and every generated operation.
pub fn command() -> clap::Command {
    BrontoArgs::command().subcommands(BrontoOperations::commands(WORKFLOWS))
}

/// Runs `bronto` with the process's arguments.
pub fn main() -> ExitCode {
    exit::run_tool(command, |matches| async move { run(&matches).await })
}

async fn run(matches: &clap::ArgMatches) -> anyhow::Result<()> {
    let BrontoArgs {
        global,
        region,
        command: workflow,
    } = BrontoArgs::from_arg_matches(matches)?;
    // Commands that need no API.
    match &workflow {
        Some(Workflow::Profile(profile)) => {
            return crate::profile::run(profile, global.profile.as_deref());
        }
        Some(Workflow::Completions(completions)) => {
            crate::completions::write(completions, &mut command());
            return Ok(());
        }
        Some(Workflow::Sandbox(sandbox)) => return sandbox::run(sandbox.clone()).await,
        _ => {}
    }
    let session = Session::start(&global, region.as_deref(), Vendor::Bronto).await?;
    if global.debug {
        crate::debug::install(session.origins.0.as_deref());
    }
    match workflow {
        Some(Workflow::Search(search)) => search::run(&session, &global, search).await,
        Some(Workflow::Tail(tail)) => tail::run(&session, &global, tail).await,
        Some(Workflow::Export(export)) => export::run(&session, &global, export).await,
        Some(Workflow::Ingest(ingest)) => ingest::run(&session, &global, ingest).await,
        Some(Workflow::Profile(_) | Workflow::Completions(_) | Workflow::Sandbox(_)) => Ok(()),
        None => {
            let Some((name, sub)) = matches.subcommand() else {
                return Ok(());
            };
            let printer = Printer::new(Format::answer_default(global.output));
            BrontoOperations::run(session.sdk.bronto()?, name, sub, printer, WORKFLOWS)
                .await
                .unwrap_or_else(|| {
                    Err(exit::UsageError(format!("`{name}` is not a bronto command")).into())
                })
        }
    }
}
