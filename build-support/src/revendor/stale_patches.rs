//! Stale patches: the report printed when a new document leaves recorded patches stale ([`stale_report`]), their
//! ids, and removing their entries from a patch file ([`drop_patch_entries`]).

use std::fmt::Write as _;

use crate::PipelineError;

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
