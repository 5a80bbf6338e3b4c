//! The semver verdict: running cargo-semver-checks ([`run_semver_checks`]), reading its output ([`SemverReport`],
//! [`Verdict`]) and the version it implies ([`next_version`]).

use std::path::Path;
use std::process::Command;

use super::options::Baseline;

/// The release a change requires, as cargo-semver-checks judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// "no semver update required".
    None,
    /// A minor change (for a 0.x crate: the patch number moves).
    Minor,
    /// A breaking change (for a 0.x crate: the minor number moves).
    Major,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::None => "no semver update required",
            Verdict::Minor => "minor",
            Verdict::Major => "major (breaking)",
        })
    }
}

/// What cargo-semver-checks said about one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemverReport {
    /// The verdict; `None` when the output holds none (the tool failed before judging).
    pub verdict: Option<Verdict>,
    /// The lints that failed, with their one-line description (`enum_variant_missing: ...`).
    pub failed_lints: Vec<String>,
    /// The lints that only warned (`partial_ord_enum_variants_reordered: ...`): not part of the verdict, but the
    /// tool may say they "suggest" a bigger release.
    pub warned_lints: Vec<String>,
    /// The items each failed lint names (`variant MonitorType::Foo, previously in file ...`), in output order.
    pub items: Vec<String>,
}

impl SemverReport {
    /// Reads cargo-semver-checks' combined stdout and stderr.
    pub fn parse(output: &str) -> Self {
        let mut verdict = None;
        let mut failed_lints = Vec::new();
        let mut items = Vec::new();
        let mut warned_lints = Vec::new();
        let mut in_failed_items = false;
        for line in output.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with("Summary") {
                let this = if trimmed.contains("requires new major version") {
                    Some(Verdict::Major)
                } else if trimmed.contains("requires new minor version") {
                    Some(Verdict::Minor)
                } else if trimmed.contains("no semver update required") {
                    Some(Verdict::None)
                } else {
                    None
                };
                verdict = verdict.max(this);
            }
            if let Some(rest) = trimmed.strip_prefix("--- failure ") {
                failed_lints.push(rest.trim_end_matches("---").trim().to_string());
                in_failed_items = false;
            } else if let Some(rest) = trimmed.strip_prefix("--- warning ") {
                warned_lints.push(rest.trim_end_matches("---").trim().to_string());
                in_failed_items = false;
            } else if trimmed == "Failed in:" {
                in_failed_items = true;
            } else if in_failed_items && line.starts_with("  ") && !trimmed.is_empty() {
                items.push(trimmed.to_string());
            } else {
                in_failed_items = false;
            }
        }
        Self {
            verdict,
            failed_lints,
            warned_lints,
            items,
        }
    }
}

/// The next version of a crate at `current` (`0.1.0`, build metadata ignored) after a change judged `verdict`:
/// before 1.0 a breaking change moves the minor number and anything else the patch number; from 1.0 on, major,
/// minor, patch. `document_date` goes into the build metadata (`0.2.0+bronto.2026-08-24`).
pub fn next_version(current: &str, verdict: Verdict, document_date: Option<&str>) -> String {
    let core = current.split('+').next().unwrap_or(current);
    let core = core.split('-').next().unwrap_or(core);
    let mut numbers = core.split('.').map(|n| n.parse::<u64>().unwrap_or(0));
    let (major, minor, patch) = (
        numbers.next().unwrap_or(0),
        numbers.next().unwrap_or(0),
        numbers.next().unwrap_or(0),
    );
    let (major, minor, patch) = match (major, verdict) {
        (0, Verdict::Major) => (0, minor + 1, 0),
        (0, _) => (0, minor, patch + 1),
        (_, Verdict::Major) => (major + 1, 0, 0),
        (_, Verdict::Minor) => (major, minor + 1, 0),
        (_, Verdict::None) => (major, minor, patch + 1),
    };
    match document_date {
        Some(date) => format!("{major}.{minor}.{patch}+bronto.{date}"),
        None => format!("{major}.{minor}.{patch}"),
    }
}

/// Whether `cargo semver-checks` can be run.
pub fn semver_checks_installed() -> bool {
    Command::new("cargo")
        .args(["semver-checks", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The workspace's `version` (from `[workspace.package]`, else the first `version = ` line).
pub(super) fn workspace_version(root: &Path) -> String {
    std::fs::read_to_string(root.join("Cargo.toml"))
        .ok()
        .and_then(|text| {
            text.lines().find_map(|line| {
                let rest = line.trim().strip_prefix("version")?.trim_start();
                let value = rest.strip_prefix('=')?.trim().trim_matches('"');
                Some(value.to_string())
            })
        })
        .unwrap_or_else(|| "0.1.0".to_string())
}

/// Runs cargo-semver-checks on `package` of the workspace at `root` against `baseline`, prints its output
/// verbatim, and reads it.
pub fn run_semver_checks(root: &Path, package: &str, baseline: &Baseline) -> Option<SemverReport> {
    let mut command = Command::new("cargo");
    command
        .arg("semver-checks")
        .arg("check-release")
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .args(["--package", package]);
    match baseline {
        Baseline::Rev(rev) => command.args(["--baseline-rev", rev]),
        Baseline::Root(dir) => command.arg("--baseline-root").arg(dir),
        Baseline::Skip => return None,
    };
    println!("$ {command:?}");
    let output = match command.output() {
        Ok(output) => output,
        Err(error) => {
            println!("cargo semver-checks could not be started: {error}");
            return None;
        }
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    print!("{text}");
    Some(SemverReport::parse(&text))
}
