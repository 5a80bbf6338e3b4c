//! Exit codes by error class, and errors as one readable line on standard error.

use std::process::ExitCode;

use sdk::ErrorKind;

/// What kind of failure ended a command; its exit code is [`ExitClass::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitClass {
    /// Any failure not classed below (a response that does not decode, a failed export, a file that cannot be
    /// read).
    Failure,
    /// The command line or the configuration is wrong (an unknown flag, a missing host or credential).
    Usage,
    /// The credential was refused or is missing for the call (401, 403).
    Auth,
    /// What was asked for does not exist (404).
    NotFound,
    /// The service is throttling (429), even after the retries the policy allows.
    RateLimited,
    /// The service failed (5xx), even after the retries the policy allows.
    Server,
    /// The service could not be reached, or did not answer in time.
    Network,
    /// The command ran, but part of its work did not get through (events that were not ingested).
    Incomplete,
}

impl ExitClass {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitClass::Failure => 1,
            ExitClass::Usage => 2,
            ExitClass::Auth => 3,
            ExitClass::NotFound => 4,
            ExitClass::RateLimited => 5,
            ExitClass::Server => 6,
            ExitClass::Network => 7,
            ExitClass::Incomplete => 8,
        }
    }

    /// The class of an SDK error.
    pub fn of_sdk(error: &sdk::Error) -> ExitClass {
        let status = error.status().map(|status| status.as_u16());
        if error.is_auth() {
            ExitClass::Auth
        } else if error.is_not_found() {
            ExitClass::NotFound
        } else if error.is_rate_limited() {
            ExitClass::RateLimited
        } else if status.is_some_and(|status| status >= 500) {
            ExitClass::Server
        } else if matches!(error.kind(), ErrorKind::Connect | ErrorKind::Timeout) {
            ExitClass::Network
        } else if matches!(error.kind(), ErrorKind::Config | ErrorKind::InvalidRequest) {
            ExitClass::Usage
        } else {
            ExitClass::Failure
        }
    }

    /// The class of any error a command returns: the first SDK error, usage error or incomplete delivery in its
    /// chain decides.
    pub fn of(error: &anyhow::Error) -> ExitClass {
        for cause in error.chain() {
            if let Some(error) = cause.downcast_ref::<sdk::Error>() {
                return ExitClass::of_sdk(error);
            }
            if cause.downcast_ref::<clap::Error>().is_some()
                || cause.downcast_ref::<UsageError>().is_some()
            {
                return ExitClass::Usage;
            }
            if cause.downcast_ref::<Incomplete>().is_some() {
                return ExitClass::Incomplete;
            }
        }
        ExitClass::Failure
    }
}

/// The exit codes, for `--help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  any other failure (a response that does not decode, a failed export, an unreadable file)
  2  usage: a wrong command line or configuration (no host, no credential, unknown profile)
  3  auth: the credential was refused (401, 403)
  4  not found (404)
  5  rate limited (429, after the retries the policy allows)
  6  server error (5xx, after the retries the policy allows)
  7  network: the service could not be reached or did not answer in time
  8  incomplete: the command ran but part of its work failed (events not ingested)";

/// A mistake in the command line or the configuration, found by the tool itself.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Part of a command's work did not get through (its message says what).
#[derive(Debug)]
pub struct Incomplete(pub String);

impl std::fmt::Display for Incomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Incomplete {}

/// The error as one line: its causes joined by `: `, each once, whitespace folded.
pub fn one_line(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !text.is_empty() && !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// Prints the error as one line on standard error and gives its exit code. A closed standard output (`| head`)
/// ends the command quietly and successfully.
pub fn report(error: &anyhow::Error) -> ExitCode {
    let broken_pipe = error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {}", one_line(error));
    ExitCode::from(ExitClass::of(error).code())
}

/// A tool's whole process: parses the arguments with `command` (clap prints usage errors with its own exit code),
/// runs `run` on a multi-threaded runtime, and turns its outcome into the exit code.
pub fn run_tool<F, Fut>(command: fn() -> clap::Command, run: F) -> ExitCode
where
    F: FnOnce(clap::ArgMatches) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let matches = match command().try_get_matches() {
        Ok(matches) => matches,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(error.exit_code().clamp(0, 255) as u8);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return report(&error.into()),
    };
    match runtime.block_on(run(matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => report(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_errors_are_classed_by_status_and_kind() {
        assert_eq!(
            ExitClass::of_sdk(&sdk::Error::new(ErrorKind::Credential)),
            ExitClass::Auth
        );
        assert_eq!(
            ExitClass::of_sdk(&sdk::Error::new(ErrorKind::Connect)),
            ExitClass::Network
        );
        assert_eq!(
            ExitClass::of_sdk(&sdk::Error::new(ErrorKind::Config)),
            ExitClass::Usage
        );
        assert_eq!(
            ExitClass::of_sdk(&sdk::Error::new(ErrorKind::Decode)),
            ExitClass::Failure
        );
        let wrapped = anyhow::Error::new(sdk::Error::new(ErrorKind::Timeout)).context("searching");
        assert_eq!(ExitClass::of(&wrapped), ExitClass::Network);
        assert_eq!(
            ExitClass::of(&anyhow::Error::new(Incomplete("x".into()))).code(),
            8
        );
    }

    #[test]
    fn an_error_reads_as_one_line() {
        let error = anyhow::anyhow!("first\nsecond").context("outer");
        assert_eq!(one_line(&error), "outer: first second");
    }
}
