//! The committed API-surface summary matches what the hand-written document generates, so a change of the document
//! shows up in review as a readable diff of what callers see.

#[test]
fn committed_surface_matches_the_generated_client() {
    integration_tests::coverage::assert_surface_current(
        "openapi/blubracket-api-surface.txt",
        blubracket_client::API_SURFACE,
        "blubracket_surface",
    );
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
