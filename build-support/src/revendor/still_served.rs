//! Step 1b of [`super::run`]: keeping what the new document drops but the service still serves (see
//! [`crate::still_served`]).

use std::collections::BTreeSet;
use std::path::Path;

use super::options::{RevendorError, write};
use super::stale_patches::drop_patch_entries;

/// Step 1b of [`super::run`]: drops the restorations the new document makes redundant, writes one for every dropped
/// operation the corpus shows still served (see [`crate::still_served`]), and prints what was kept and removed.
pub(super) fn keep_what_is_served(
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
