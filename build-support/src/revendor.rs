//! Re-vendoring the Bronto document in one command (`codegen revendor NEW.yaml`), and the pure parts it is made of.
//!
//! [`run`] copies the vendor's document over the vendored one unchanged and records its sha256, rehearses every
//! recorded patch against it (and stops, listing them, when any is stale), refreshes both committed API-surface
//! summaries, and then reports what changed for callers: the diff of the Bronto summary, the verdict of
//! `cargo semver-checks` on the generated crate against a baseline (the last commit by default), the version that
//! verdict implies, the tags added or removed (each is a cargo feature: [`TagChanges`] says which features of
//! `bronto-client` and `sdk` to add or drop), and a drafted `CHANGELOG.md` entry.
//!
//! The pure parts are public so they are tested on their own: [`SurfaceChanges::between`] (what a summary diff means
//! in operations and types), [`changelog_entry`] and [`insert_changelog_entry`], [`stale_report`],
//! [`SemverReport::parse`], [`next_version`] and [`TagChanges::between`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::PipelineError;

// ---------------------------------------------------------------------------------------------------------------
// The API-surface summary, read back.
// ---------------------------------------------------------------------------------------------------------------

/// One operation line of a summary: `opId METHOD /path => rust_method(a: A, b: B) -> T, error E`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurfaceOperation {
    /// The operationId.
    pub id: String,
    /// `GET /path`.
    pub request: String,
    /// The client method (`list_datasets`), or `None` when the line says `NOT GENERATED`.
    pub method_name: Option<String>,
    /// `(parameter, type)` of the builder, in summary order.
    pub parameters: Vec<(String, String)>,
    /// `T, error E`, as written.
    pub returns: String,
}

impl SurfaceOperation {
    fn parse(line: &str) -> Option<Self> {
        let (head, tail) = line.split_once(" => ")?;
        let mut words = head.splitn(2, ' ');
        let id = words.next()?.to_string();
        let request = words.next()?.to_string();
        if tail.trim() == "NOT GENERATED" {
            return Some(Self {
                id,
                request,
                method_name: None,
                parameters: Vec::new(),
                returns: String::new(),
            });
        }
        let open = tail.find('(')?;
        let method_name = tail[..open].to_string();
        let close = matching_paren(tail, open)?;
        let parameters = split_top_level(&tail[open + 1..close])
            .into_iter()
            .filter_map(|p| {
                let (name, ty) = p.split_once(": ")?;
                Some((name.trim().to_string(), ty.trim().to_string()))
            })
            .collect();
        let returns = tail[close + 1..]
            .trim_start()
            .trim_start_matches("->")
            .trim()
            .to_string();
        Some(Self {
            id,
            request,
            method_name: Some(method_name),
            parameters,
            returns,
        })
    }
}

/// One type of a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SurfaceType {
    /// `struct Name` and its `  .field: Type` lines.
    Struct(Vec<(String, String)>),
    /// `enum Name = A | B | UnknownValue(String)`.
    Enum(Vec<String>),
    /// `type Name = Target`.
    Alias(String),
}

/// A summary read back: operations by operationId, types by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Surface {
    /// Operations by operationId.
    pub operations: BTreeMap<String, SurfaceOperation>,
    /// Types by name.
    pub types: BTreeMap<String, SurfaceType>,
}

impl Surface {
    /// Reads a summary written by [`crate::surface::summarize`]. Lines it does not recognise are ignored.
    pub fn parse(text: &str) -> Self {
        let mut surface = Self::default();
        let mut section = "";
        let mut current_struct: Option<String> = None;
        for line in text.lines() {
            if line.starts_with("## Operations") {
                section = "operations";
                continue;
            }
            if line.starts_with("## Types") {
                section = "types";
                continue;
            }
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            match section {
                "operations" => {
                    if let Some(operation) = SurfaceOperation::parse(line) {
                        surface.operations.insert(operation.id.clone(), operation);
                    }
                }
                "types" => {
                    if let Some(field) = line.strip_prefix("  .") {
                        if let (Some(name), Some((field, ty))) =
                            (&current_struct, field.split_once(": "))
                            && let Some(SurfaceType::Struct(fields)) = surface.types.get_mut(name)
                        {
                            fields.push((field.to_string(), ty.to_string()));
                        }
                        continue;
                    }
                    current_struct = None;
                    if let Some(name) = line.strip_prefix("struct ") {
                        let name = name.trim().to_string();
                        surface
                            .types
                            .insert(name.clone(), SurfaceType::Struct(Vec::new()));
                        current_struct = Some(name);
                    } else if let Some(rest) = line.strip_prefix("enum ") {
                        if let Some((name, variants)) = rest.split_once(" = ") {
                            let variants = variants.split(" | ").map(str::to_string).collect();
                            surface
                                .types
                                .insert(name.to_string(), SurfaceType::Enum(variants));
                        }
                    } else if let Some(rest) = line.strip_prefix("type ")
                        && let Some((name, target)) = rest.split_once(" = ")
                    {
                        surface
                            .types
                            .insert(name.to_string(), SurfaceType::Alias(target.to_string()));
                    }
                }
                _ => {}
            }
        }
        surface
    }
}

/// The index of the `)` that closes the `(` at `open`.
fn matching_paren(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (index, c) in text.char_indices().skip_while(|(i, _)| *i < open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits `a: A, b: Map<K, V>` on the commas outside of `<>`, `()` and `[]`.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(text[start..index].trim());
                start = index + 1;
            }
            _ => {}
        }
    }
    let last = text[start..].trim();
    if !last.is_empty() {
        parts.push(last);
    }
    parts
}

// ---------------------------------------------------------------------------------------------------------------
// What changed between two summaries.
// ---------------------------------------------------------------------------------------------------------------

/// The changes between two API-surface summaries, in callers' terms. Every entry is a readable sentence fragment
/// (in Markdown) for the changelog; they are sorted by operationId or type name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SurfaceChanges {
    /// New operations, types, parameters, fields and enum values.
    pub added: Vec<String>,
    /// Operations, types, parameters, fields and enum values that are gone.
    pub removed: Vec<String>,
    /// Things present in both whose type or shape changed.
    pub changed: Vec<String>,
}

impl SurfaceChanges {
    /// Compares the summary `old` with `new`.
    pub fn between(old: &str, new: &str) -> Self {
        let (old, new) = (Surface::parse(old), Surface::parse(new));
        let mut changes = Self::default();

        for (id, operation) in &new.operations {
            match old.operations.get(id) {
                None => changes.added.push(format!(
                    "operation `{id}` (`{}`){}",
                    operation.request,
                    operation
                        .method_name
                        .as_ref()
                        .map(|m| format!(": `Client::{m}`"))
                        .unwrap_or_default()
                )),
                Some(before) => changes.compare_operations(before, operation),
            }
        }
        for (id, operation) in &old.operations {
            if !new.operations.contains_key(id) {
                changes
                    .removed
                    .push(format!("operation `{id}` (`{}`)", operation.request));
            }
        }

        for (name, ty) in &new.types {
            match old.types.get(name) {
                None => changes.added.push(format!("type `{name}`")),
                Some(before) => changes.compare_types(name, before, ty),
            }
        }
        for name in old.types.keys() {
            if !new.types.contains_key(name) {
                changes.removed.push(format!("type `{name}`"));
            }
        }
        changes
    }

    /// Whether the two summaries describe the same surface.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    fn compare_operations(&mut self, before: &SurfaceOperation, after: &SurfaceOperation) {
        let id = &after.id;
        if before.request != after.request {
            self.changed.push(format!(
                "operation `{id}`: now `{}` (was `{}`)",
                after.request, before.request
            ));
        }
        if before.method_name != after.method_name {
            let show = |m: &Option<String>| {
                m.as_ref()
                    .map(|m| format!("`Client::{m}`"))
                    .unwrap_or_else(|| "not generated".to_string())
            };
            self.changed.push(format!(
                "operation `{id}`: {} (was {})",
                show(&after.method_name),
                show(&before.method_name)
            ));
        }
        compare_members(
            &format!("operation `{id}`: parameter"),
            &before.parameters,
            &after.parameters,
            self,
        );
        if before.returns != after.returns && after.method_name.is_some() {
            self.changed.push(format!(
                "operation `{id}`: returns `{}` (was `{}`)",
                after.returns, before.returns
            ));
        }
    }

    fn compare_types(&mut self, name: &str, before: &SurfaceType, after: &SurfaceType) {
        match (before, after) {
            (SurfaceType::Struct(old), SurfaceType::Struct(new)) => {
                compare_members(&format!("field `{name}`"), old, new, self);
            }
            (SurfaceType::Enum(old), SurfaceType::Enum(new)) => {
                for variant in new.iter().filter(|v| !old.contains(v)) {
                    self.added.push(format!("enum value `{name}::{variant}`"));
                }
                for variant in old.iter().filter(|v| !new.contains(v)) {
                    self.removed.push(format!("enum value `{name}::{variant}`"));
                }
            }
            (SurfaceType::Alias(old), SurfaceType::Alias(new)) => {
                if old != new {
                    self.changed
                        .push(format!("type `{name}` = `{new}` (was `{old}`)"));
                }
            }
            _ => self.changed.push(format!(
                "type `{name}`: now {} (was {})",
                kind(after),
                kind(before)
            )),
        }
    }
}

fn kind(ty: &SurfaceType) -> &'static str {
    match ty {
        SurfaceType::Struct(_) => "a struct",
        SurfaceType::Enum(_) => "an enum",
        SurfaceType::Alias(_) => "a type alias",
    }
}

/// Compares named members (struct fields or builder parameters). `what` is `field `Type`` or
/// `operation `id`: parameter`; a field is written `Type.field`, a parameter `` `name` ``.
fn compare_members(
    what: &str,
    old: &[(String, String)],
    new: &[(String, String)],
    changes: &mut SurfaceChanges,
) {
    let member = |name: &str, ty: &str| {
        if let Some(type_name) = what
            .strip_prefix("field `")
            .and_then(|t| t.strip_suffix('`'))
        {
            format!("field `{type_name}.{name}: {ty}`")
        } else {
            format!("{what} `{name}: {ty}`")
        }
    };
    let old_map: BTreeMap<&str, &str> = old.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let new_map: BTreeMap<&str, &str> = new.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    for (name, ty) in &new_map {
        match old_map.get(name) {
            None => changes.added.push(member(name, ty)),
            Some(before) if before != ty => changes
                .changed
                .push(format!("{} (was `{before}`)", member(name, ty))),
            Some(_) => {}
        }
    }
    for (name, ty) in &old_map {
        if !new_map.contains_key(name) {
            changes.removed.push(member(name, ty));
        }
    }
}

/// A unified diff of two summaries (one line of context), headed `committed` / `regenerated`; empty when equal.
pub fn surface_diff(old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(1)
        .header("committed", "regenerated")
        .to_string()
}

// ---------------------------------------------------------------------------------------------------------------
// Stale patches.
// ---------------------------------------------------------------------------------------------------------------

/// The message printed when a new document leaves recorded patches stale: one line per patch with what failed, and
/// what to do. Errors other than [`PipelineError::StalePatch`] are listed as they are.
pub fn stale_report(stale: &[PipelineError]) -> String {
    let mut out = format!(
        "{} recorded patch(es) no longer apply to the new document:\n",
        stale.len()
    );
    for error in stale {
        match error {
            PipelineError::StalePatch {
                id,
                operation,
                path,
                problem,
            } => {
                let _ = writeln!(
                    out,
                    "  - `{id}`: operation {operation} at `{path}`: {problem}"
                );
            }
            other => {
                let _ = writeln!(out, "  - {other}");
            }
        }
    }
    out.push_str(
        "For each: if the vendor fixed the quirk, delete the entry; if the construct moved, update its paths \
         (openapi/bronto/patches.yaml or live-corrections.yaml). Then run the same command again. Nothing but the \
         document and its digest was written.\n",
    );
    out
}

/// The ids of the stale patches among `stale`.
pub fn stale_ids(stale: &[PipelineError]) -> Vec<String> {
    stale
        .iter()
        .filter_map(|error| match error {
            PipelineError::StalePatch { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect()
}

/// Removes the entries `ids` from a patch file's text (each entry runs from its `- id: ` line to the next line
/// at column 0, blank lines included), keeping every other line, comments included, as it was. For rehearsals against an older document.
pub fn drop_patch_entries(text: &str, ids: &[String]) -> String {
    let mut out = String::new();
    let mut dropping = false;
    for line in text.split_inclusive('\n') {
        if let Some(id) = line.strip_prefix("- id:") {
            dropping = ids.iter().any(|wanted| wanted == id.trim());
        } else if !line.starts_with(' ') && !line.trim().is_empty() {
            // Anything else at column 0 (a comment before the next entry, say) ends the entry.
            dropping = false;
        }
        if !dropping {
            out.push_str(line);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------------------
// cargo-semver-checks.
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// The changelog.
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// The command.
// ---------------------------------------------------------------------------------------------------------------

/// Where cargo-semver-checks takes the baseline from.
#[derive(Debug, Clone)]
pub enum Baseline {
    /// A git revision of the workspace (`--baseline-rev`), normally `HEAD`.
    Rev(String),
    /// Another checkout of the workspace (`--baseline-root`).
    Root(PathBuf),
    /// Do not run cargo-semver-checks.
    Skip,
}

/// The options of `codegen revendor`.
#[derive(Debug, Clone)]
pub struct Options {
    /// The vendor's new document.
    pub document: PathBuf,
    /// The workspace root.
    pub root: PathBuf,
    /// The vendor's date of the document (default: the date in its file name).
    pub document_date: Option<String>,
    /// The semver baseline.
    pub baseline: Baseline,
    /// The packages cargo-semver-checks judges.
    pub semver_packages: Vec<String>,
    /// Delete the stale patches instead of stopping (for a rehearsal against an older document).
    pub drop_stale_patches: bool,
    /// Draft the changelog entry into `CHANGELOG.md` (otherwise it is only printed).
    pub write_changelog: bool,
}

/// How a run ended.
#[derive(Debug)]
pub enum Outcome {
    /// Patches are stale: the document and digest were written, nothing else.
    StalePatches(Vec<PipelineError>),
    /// Everything was refreshed.
    Done {
        /// The operations the new document drops: kept (still served, re-added by a live correction) or removed.
        dropped: crate::still_served::Dropped,
        /// The surface changes.
        changes: SurfaceChanges,
        /// cargo-semver-checks' report, when it ran.
        semver: Option<SemverReport>,
        /// The version the verdict implies.
        version: Option<String>,
    },
}

/// A failure of the command itself (not a verdict).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevendorError {
    /// The pipeline failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

fn read(path: &Path) -> Result<String, RevendorError> {
    std::fs::read_to_string(path).map_err(|source| RevendorError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), RevendorError> {
    std::fs::write(path, contents).map_err(|source| RevendorError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The tags a re-vendored document added and removed, and what the crates' features must change to match (see
/// [`crate::tag_features`]): each tag is a cargo feature of `bronto-client` and `bronto-<tag>` of `sdk`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TagChanges {
    /// Tags the new document's operations have and the previous document's did not.
    pub added: Vec<String>,
    /// Tags the previous document's operations had and the new document's do not.
    pub removed: Vec<String>,
    /// What `bronto-client`'s and `sdk`'s features must change (empty when they agree with the new tags).
    pub feature_problems: Vec<String>,
}

impl TagChanges {
    /// Compares the tags of two documents and checks the workspace's features (`features`: package name to its
    /// features, as [`crate::tag_features::workspace_features`] reads them) against the new ones.
    pub fn between(
        old: &BTreeSet<String>,
        new: &BTreeSet<String>,
        features: &BTreeMap<String, crate::tag_features::Features>,
    ) -> Self {
        use crate::tag_features::{check_declared, check_forwarded, check_names};
        let mut feature_problems: Vec<String> = check_names(new)
            .err()
            .map(|e| e.to_string())
            .into_iter()
            .collect();
        match features.get("bronto-client") {
            Some(declared) => feature_problems.extend(
                check_declared(new, declared)
                    .into_iter()
                    .map(|p| format!("bronto-client: {p}")),
            ),
            None => feature_problems.push("no bronto-client package in the workspace".into()),
        }
        if let Some(declared) = features.get("sdk") {
            feature_problems.extend(
                check_forwarded(new, declared, "bronto-", "bronto-client")
                    .into_iter()
                    .map(|p| format!("sdk: {p}")),
            );
        }
        Self {
            added: new.difference(old).cloned().collect(),
            removed: old.difference(new).cloned().collect(),
            feature_problems,
        }
    }

    /// The report `codegen revendor` prints.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let list = |tags: &[String]| tags.join(", ");
        if self.added.is_empty() && self.removed.is_empty() {
            out.push_str("no tag added or removed\n");
        }
        if !self.added.is_empty() {
            let _ = writeln!(out, "tags added: {}", list(&self.added));
        }
        if !self.removed.is_empty() {
            let _ = writeln!(out, "tags removed: {}", list(&self.removed));
        }
        if self.feature_problems.is_empty() {
            out.push_str("bronto-client's and sdk's tag features match the document\n");
        } else {
            out.push_str(
                "the tag features must change (bronto-client/Cargo.toml, sdk/Cargo.toml):\n",
            );
            for problem in &self.feature_problems {
                let _ = writeln!(out, "  - {problem}");
            }
        }
        out
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
fn workspace_version(root: &Path) -> String {
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

/// `codegen revendor`: see the module documentation. Prints as it goes.
pub fn run(options: &Options) -> Result<Outcome, RevendorError> {
    let root = &options.root;
    let dir = root.join("openapi/bronto");
    let vendored = dir.join("bronto-openapi.yaml");
    let digest_file = dir.join("bronto-openapi.yaml.sha256");
    let bronto_surface_path = dir.join("api-surface.txt");
    let blubracket_surface_path = root.join("openapi/blubracket-api-surface.txt");

    // The previous document's tags, before it is replaced (none when it does not prepare).
    let old_tags = crate::clients::bronto_candidate(root, &vendored)
        .prepare()
        .map(|prepared| prepared.tags())
        .unwrap_or_default();

    // The previous document as it came, to tell what the new one drops.
    let old_document = std::fs::read(&vendored)
        .ok()
        .and_then(|bytes| crate::document::parse(&vendored, &bytes).ok());

    // 1. The document, unchanged, and its digest.
    let bytes = std::fs::read(&options.document).map_err(|source| RevendorError::Io {
        path: options.document.clone(),
        source,
    })?;
    let new_document = crate::document::parse(&options.document, &bytes)?;
    let sha256 = crate::document::sha256_hex(&bytes);
    write(&vendored, &bytes)?;
    write(&digest_file, format!("{sha256}  bronto-openapi.yaml\n"))?;
    println!(
        "vendored {} as {} (sha256 {sha256})",
        options.document.display(),
        vendored.display()
    );

    let document_date = options
        .document_date
        .clone()
        .or_else(|| date_in_file_name(&options.document));

    // 1b. What the new document drops: what is still served is kept by a live correction.
    let dropped = keep_what_is_served(
        root,
        old_document.as_ref(),
        &new_document,
        document_date.as_deref(),
    )?;

    // 2. Rehearse every patch.
    let (_, stale) = crate::clients::bronto_candidate(root, &vendored).rehearse()?;
    if !stale.is_empty() {
        if !options.drop_stale_patches {
            print!("{}", stale_report(&stale));
            return Ok(Outcome::StalePatches(stale));
        }
        let ids = stale_ids(&stale);
        for file in ["patches.yaml", "live-corrections.yaml"] {
            let path = dir.join(file);
            if path.exists() {
                let text = read(&path)?;
                write(&path, drop_patch_entries(&text, &ids))?;
            }
        }
        println!("dropped stale patch(es): {}", ids.join(", "));
    } else {
        println!("every recorded patch still applies");
    }

    // 3. Both summaries, from the same pipelines the build scripts run.
    let old_surface = std::fs::read_to_string(&bronto_surface_path).unwrap_or_default();
    let bronto = crate::clients::bronto(root).generate_client()?;
    let blubracket = crate::clients::blubracket(root).generate_client()?;
    write(&bronto_surface_path, &bronto.surface)?;
    write(&blubracket_surface_path, &blubracket.surface)?;
    println!(
        "refreshed {} and {}",
        bronto_surface_path.display(),
        blubracket_surface_path.display()
    );

    // 4a. The surface diff.
    let diff = surface_diff(&old_surface, &bronto.surface);
    if diff.is_empty() {
        println!("\n== API-surface diff: none");
    } else {
        println!("\n== API-surface diff (openapi/bronto/api-surface.txt)\n{diff}");
    }
    let changes = SurfaceChanges::between(&old_surface, &bronto.surface);

    // 4b. The tags, each a cargo feature.
    let new_tags = crate::clients::bronto(root).prepare()?.tags();
    let tags = match crate::tag_features::workspace_features(&root.join("Cargo.toml")) {
        Ok(features) => TagChanges::between(&old_tags, &new_tags, &features),
        Err(error) => TagChanges {
            feature_problems: vec![format!("the features could not be read: {error}")],
            ..TagChanges::between(&old_tags, &new_tags, &BTreeMap::new())
        },
    };
    println!("\n== Tags (cargo features)\n{}", tags.report());

    // 4c. The semver verdict.
    let mut semver: Option<SemverReport> = None;
    if matches!(options.baseline, Baseline::Skip) {
        println!("\n== cargo-semver-checks: skipped");
    } else if !semver_checks_installed() {
        println!(
            "\n== cargo-semver-checks is not installed (`cargo install --locked cargo-semver-checks`): \
             only the surface diff above judges this change"
        );
    } else {
        for package in &options.semver_packages {
            println!("\n== cargo-semver-checks: {package}");
            if let Some(report) = run_semver_checks(root, package, &options.baseline) {
                semver = Some(match semver.take() {
                    None => report,
                    Some(mut merged) => {
                        merged.verdict = merged.verdict.max(report.verdict);
                        merged.failed_lints.extend(report.failed_lints);
                        merged.warned_lints.extend(report.warned_lints);
                        merged.items.extend(report.items);
                        merged
                    }
                });
            }
        }
    }
    let version = semver
        .as_ref()
        .and_then(|report| report.verdict)
        .map(|verdict| next_version(&workspace_version(root), verdict, document_date.as_deref()));
    if let Some(report) = &semver {
        println!(
            "\n== verdict: {}{}",
            report
                .verdict
                .map(|v| v.to_string())
                .unwrap_or_else(|| "none reached (see the output above)".into()),
            version
                .as_ref()
                .map(|v| format!(": next version {v}"))
                .unwrap_or_default()
        );
        for item in &report.failed_lints {
            println!("  failed: {item}");
        }
        for item in &report.warned_lints {
            println!("  warned: {item}");
        }
    }

    // 4d. The changelog draft.
    let entry = changelog_entry(
        &changes,
        &ChangelogContext {
            document_date,
            sha256,
            version: version.clone(),
            semver: semver.clone(),
        },
    );
    let entry = entry + &dropped.changelog_section();
    println!("\n== CHANGELOG.md draft\n{entry}");
    if options.write_changelog {
        let path = root.join("CHANGELOG.md");
        let existing = std::fs::read_to_string(&path).ok();
        write(&path, insert_changelog_entry(existing.as_deref(), &entry))?;
        println!("drafted into {}", path.display());
    }
    Ok(Outcome::Done {
        dropped,
        changes,
        semver,
        version,
    })
}

/// Step 1b of [`run`]: drops the restorations the new document makes redundant, writes one for every dropped
/// operation the corpus shows still served (see [`crate::still_served`]), and prints what was kept and removed.
fn keep_what_is_served(
    root: &Path,
    old_document: Option<&serde_json::Value>,
    new_document: &serde_json::Value,
    document_date: Option<&str>,
) -> Result<crate::still_served::Dropped, RevendorError> {
    use crate::still_served::{
        Dropped, dropped_operations, redundant_restorations, restoration, restoration_id,
        served_evidence,
    };
    let path = root.join("openapi/bronto/live-corrections.yaml");
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    let existing = crate::patches::PatchSet::parse(&path, text.as_bytes()).unwrap_or_default();
    let redundant = redundant_restorations(&existing, new_document);
    if !redundant.is_empty() {
        let ids: Vec<String> = redundant.iter().map(|(id, _)| id.clone()).collect();
        text = drop_patch_entries(&text, &ids);
        for (id, operations) in &redundant {
            println!(
                "dropped the restoration `{id}`: the new document declares {} again",
                operations.join(", ")
            );
        }
    }
    let dropped = match old_document {
        Some(old) => Dropped::split(
            dropped_operations(old, new_document),
            &served_evidence(&root.join("tests/live-shapes/bronto")),
        ),
        None => Dropped::default(),
    };
    let known: BTreeSet<&str> = existing.patches.iter().map(|p| p.id.as_str()).collect();
    for (operation, evidence) in &dropped.kept {
        if known.contains(restoration_id(&operation.id).as_str()) {
            continue;
        }
        if let Some(old) = old_document
            && let Some(entry) = restoration(operation, evidence, old, new_document, document_date)
        {
            if !text.ends_with("\n\n") {
                text.push('\n');
            }
            text.push_str(&entry);
        }
    }
    if !redundant.is_empty() || !dropped.kept.is_empty() {
        write(&path, &text)?;
    }
    println!(
        "\n== Operations the new document drops\n{}",
        dropped.report()
    );
    Ok(dropped)
}
