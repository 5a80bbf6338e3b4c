//! The changelog draft: the entry for a re-vendored document ([`changelog_entry`]), inserted into `CHANGELOG.md`
//! ([`insert_changelog_entry`]), and the document's date read from its file name.

use std::fmt::Write as _;
use std::path::Path;

use super::semver::SemverReport;
use super::surface_changes::SurfaceChanges;

/// What the changelog entry says besides the surface changes.
#[derive(Debug, Clone, Default)]
pub struct ChangelogContext {
    /// The vendor's date of the document (`2026-08-24`), when known.
    pub document_date: Option<String>,
    /// The sha256 of the document.
    pub sha256: String,
    /// The version the change implies, when a verdict was reached.
    pub version: Option<String>,
    /// What cargo-semver-checks said, when it ran.
    pub semver: Option<SemverReport>,
}

/// The marker an entry drafted by `codegen revendor` starts with, so a reviewer knows to edit it.
pub const DRAFT_MARKER: &str =
    "<!-- drafted by `codegen revendor`: review and edit before release -->";

/// Drafts the changelog entry for a re-vendored document.
pub fn changelog_entry(changes: &SurfaceChanges, context: &ChangelogContext) -> String {
    let mut out = String::new();
    let version = context.version.as_deref().unwrap_or("Unreleased");
    let date = context.document_date.as_deref().unwrap_or("(undated)");
    let _ = writeln!(out, "## {version}: Bronto document of {date}\n");
    let _ = writeln!(out, "{DRAFT_MARKER}\n");
    let _ = writeln!(
        out,
        "Re-vendored `openapi/bronto/bronto-openapi.yaml` (sha256 `{}`).",
        context.sha256
    );
    match &context.semver {
        Some(report) => {
            let verdict = report
                .verdict
                .map(|v| v.to_string())
                .unwrap_or_else(|| "no verdict (see its output)".to_string());
            let _ = write!(out, "cargo-semver-checks on `bronto-client`: {verdict}");
            if report.failed_lints.is_empty() {
                let _ = writeln!(out, ".");
            } else {
                let lints = report
                    .failed_lints
                    .iter()
                    .map(|l| format!("`{}`", l.split(':').next().unwrap_or(l).trim()))
                    .collect::<Vec<_>>()
                    .join(", ");
                let _ = writeln!(out, "; failed lints: {lints}.");
            }
            for warning in &report.warned_lints {
                let _ = writeln!(out, "It also warned: `{warning}`.");
            }
        }
        None => {
            let _ = writeln!(
                out,
                "cargo-semver-checks did not run: judge the release from the changes below."
            );
        }
    }
    if changes.is_empty() {
        let _ = writeln!(out, "\nNo change to the generated API surface.");
    }
    for (heading, entries) in [
        ("Added", &changes.added),
        ("Removed", &changes.removed),
        ("Changed", &changes.changed),
    ] {
        if entries.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### {heading}\n");
        for entry in entries {
            let _ = writeln!(out, "- {entry}");
        }
    }
    out
}

/// The changelog's heading when `CHANGELOG.md` does not exist yet.
pub const CHANGELOG_HEADER: &str = "# Changelog\n\nThe crates' versions follow the vendor's document: see the README, \"Versioning\".\n";

/// Inserts `entry` above the first `## ` heading of `existing` (or after the header of a new changelog).
pub fn insert_changelog_entry(existing: Option<&str>, entry: &str) -> String {
    let existing = existing.unwrap_or(CHANGELOG_HEADER);
    let at = existing
        .match_indices("\n## ")
        .next()
        .map(|(index, _)| index + 1)
        .unwrap_or(existing.len());
    let (head, tail) = existing.split_at(at);
    let mut out = head.trim_end().to_string();
    out.push_str("\n\n");
    out.push_str(entry.trim_end());
    out.push('\n');
    if !tail.is_empty() {
        out.push('\n');
        out.push_str(tail);
    }
    out
}

/// The date in a file name such as `bronto-openapi-2026-08-24.yaml`.
pub fn date_in_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let bytes = name.as_bytes();
    (0..bytes.len().saturating_sub(9)).find_map(|start| {
        let candidate = name.get(start..start + 10)?;
        let ok = candidate.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        });
        ok.then(|| candidate.to_string())
    })
}
