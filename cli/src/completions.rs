//! `completions SHELL`: a shell completion script ([`clap_complete`]) for the tool, with every command.

use clap_complete::Shell;

/// The `completions` command's arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Writes the completion script for `command` (the whole tool, generated commands included) to standard output.
pub fn write(args: &CompletionsArgs, command: &mut clap::Command) {
    let name = command.get_name().to_string();
    clap_complete::generate(args.shell, command, name, &mut std::io::stdout());
}
