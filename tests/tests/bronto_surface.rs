//! The committed API-surface summary matches what the current document generates, and a change of the vendor's
//! document shows up in it as a readable diff.

use integration_tests::repo_path;

#[test]
fn committed_surface_matches_the_generated_client() {
    integration_tests::coverage::assert_surface_current(
        "openapi/bronto/api-surface.txt",
        bronto_client::API_SURFACE,
        "bronto_surface",
    );
}

/// Regenerates from `document` with the recorded patches, as a re-vendoring would: patches the document no longer
/// needs are skipped and returned by id.
fn rehearse(document: &str) -> (String, Vec<String>) {
    let (output, stale) =
        build_support::clients::bronto_candidate(&repo_path(""), &repo_path(document))
            .rehearse()
            .unwrap_or_else(|e| panic!("{document}: {e}"));
    let stale_ids = stale
        .into_iter()
        .map(|error| match error {
            build_support::PipelineError::StalePatch { id, .. } => id,
            other => panic!("unexpected rehearsal error: {other}"),
        })
        .collect();
    (output.surface, stale_ids)
}

#[test]
fn regenerating_from_the_previous_document_shows_the_change_as_a_readable_diff() {
    let previous_path = "../shared/reference/bronto/bronto-openapi-2026-07-24.yaml";
    if !repo_path(previous_path).exists() {
        // shared/ sits beside every checkout on developer machines and CI; say so loudly if it is missing.
        panic!(
            "{previous_path} is missing: the rehearsal document lives in shared/reference/bronto/"
        );
    }
    let (previous, stale) = rehearse(previous_path);
    // The histogram variants arrived in 08-24 with their `oneOf`s: the older document does not need those patches,
    // and the rehearsal names exactly them.
    assert_eq!(
        stale,
        vec![
            "one-of-required-only-time-slice".to_string(),
            "one-of-required-only-metric-timeseries-aggregates-items".to_string(),
        ],
        "patches the 07-24 document does not need"
    );
    let current = bronto_client::API_SURFACE;
    let diff = similar::TextDiff::from_lines(previous.as_str(), current);
    let removed: Vec<String> = diff
        .iter_all_changes()
        .filter(|c| c.tag() == similar::ChangeTag::Delete)
        .map(|c| c.value().trim_end().to_string())
        .collect();
    let added: Vec<String> = diff
        .iter_all_changes()
        .filter(|c| c.tag() == similar::ChangeTag::Insert)
        .map(|c| c.value().trim_end().to_string())
        .collect();
    let shown = diff.unified_diff().context_radius(1).to_string();
    println!("{shown}");

    // `Monitor.type` became `monitor_type`.
    assert!(
        removed
            .iter()
            .any(|l| l.starts_with("  .type_: ") || l.starts_with("  .type: ")),
        "the old `type` field should be removed:\n{shown}"
    );
    assert!(
        added.iter().any(|l| l.starts_with("  .monitor_type: ")),
        "the new `monitor_type` field should be added:\n{shown}"
    );
    // `GET /datasets` gained `from` and `from_expr` filters.
    assert!(
        added
            .iter()
            .any(|l| l.starts_with("listDatasets GET /datasets") && l.contains("from_expr")),
        "listDatasets should gain from/from_expr:\n{shown}"
    );
    // Nothing else about the operation list changed: the diff is small enough to review.
    assert!(
        removed.len() + added.len() < 200,
        "diff unexpectedly large:\n{shown}"
    );
}
