//! The tools as a person uses them: the binaries run against the SDK's embedded sandbox (`--sandbox`) and
//! against mock servers on loopback, checking output formats, exit codes, and that no secret is printed.

#![allow(clippy::unwrap_used)]

mod blubracket;
mod bronto;
mod operations;
mod settings;
mod shared_sandbox;
mod terminal;

use assert_cmd::Command;

/// The tool `name` with an environment that holds none of the SDK's settings and an empty profiles file.
pub fn tool(name: &str, profiles: &std::path::Path) -> Command {
    let binary = match name {
        "bronto" => env!("CARGO_BIN_EXE_bronto"),
        "blubracket" => env!("CARGO_BIN_EXE_blubracket"),
        other => panic!("no tool {other}"),
    };
    let mut command = Command::new(binary);
    for (key, _) in std::env::vars() {
        if key.starts_with("BRONTO_") || key.starts_with("BLUBRACKET_") {
            command.env_remove(key);
        }
    }
    command.env(cli::profile::PROFILES_ENV, profiles.join("profiles.json"));
    command
}

/// A directory for one test's files.
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Standard output as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
