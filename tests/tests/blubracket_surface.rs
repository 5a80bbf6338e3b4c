//! The committed API-surface summary matches what the hand-written document generates, so a change of the document
//! shows up in review as a readable diff of what callers see.

use integration_tests::repo_path;

const REFRESH: &str = "UPDATE_API_SURFACE=1 cargo test --workspace --test blubracket_surface";

#[test]
fn committed_surface_matches_the_generated_client() {
    let path = repo_path("openapi/blubracket-api-surface.txt");
    let generated = blubracket_client::API_SURFACE;
    if std::env::var_os("UPDATE_API_SURFACE").is_some() {
        std::fs::write(&path, generated).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let diff = similar::TextDiff::from_lines(committed.as_str(), generated)
            .unified_diff()
            .context_radius(1)
            .header("committed", "generated")
            .to_string();
        panic!(
            "openapi/blubracket-api-surface.txt is out of date with the document.\n\
             Review the diff below, then refresh it with:\n\n    {REFRESH}\n\n{diff}"
        );
    }
}

#[test]
fn the_pipeline_regenerates_the_same_surface_from_the_document() {
    // The build script and this run of the pipeline agree byte for byte: generation is deterministic.
    let output = integration_tests::blubracket::blubracket_pipeline()
        .generate_client()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.surface, blubracket_client::API_SURFACE);
    // Response objects keep unknown fields in a flattened map (`additionalProperties: {}`).
    for object in ["struct Alert\n", "struct Event\n", "struct AuditRecord\n"] {
        let start = output
            .surface
            .find(object)
            .unwrap_or_else(|| panic!("no {object:?} in the surface"));
        let block: String = output.surface[start..]
            .lines()
            .skip(1)
            .take_while(|line| line.starts_with("  ."))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            block.contains(".extra: Map<String,Value>"),
            "{object} keeps no unknown fields:\n{block}"
        );
    }
}
