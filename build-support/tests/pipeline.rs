//! The pipeline's failure modes and guarantees, on small documents written by the tests.

use std::path::{Path, PathBuf};

use build_support::{Pipeline, PipelineError};

const MINIMAL: &str = r#"
openapi: 3.0.3
info: { title: Mini, version: 1.0.0 }
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Thing' }
        '404':
          description: missing
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Problem' }
components:
  schemas:
    Thing:
      type: object
      additionalProperties: false
      required: [id, colour]
      properties:
        id: { type: string }
        colour: { type: string, enum: [red, green] }
    Problem:
      type: object
      properties:
        message: { type: string }
"#;

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write test file");
    path
}

fn digest_line(bytes: &[u8]) -> String {
    format!("{}  doc.yaml\n", build_support::document::sha256_hex(bytes))
}

#[test]
fn a_hand_edited_vendored_document_fails_with_how_to_revendor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = write(dir.path(), "doc.yaml", MINIMAL);
    let digest = write(
        dir.path(),
        "doc.yaml.sha256",
        &digest_line(MINIMAL.as_bytes()),
    );
    assert!(Pipeline::new("t", &doc).digest(&digest).prepare().is_ok());

    write(dir.path(), "doc.yaml", &MINIMAL.replace("missing", "gone"));
    let error = Pipeline::new("t", &doc)
        .digest(&digest)
        .prepare()
        .expect_err("edited document must fail");
    assert!(
        matches!(error, PipelineError::DigestMismatch { .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains("re-vendor"), "{message}");
    assert!(message.contains("sha256sum"), "{message}");
}

#[test]
fn a_malformed_digest_file_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = write(dir.path(), "doc.yaml", MINIMAL);
    let digest = write(dir.path(), "doc.yaml.sha256", "not-a-digest\n");
    let error = Pipeline::new("t", &doc)
        .digest(&digest)
        .prepare()
        .expect_err("bad digest file");
    assert!(matches!(error, PipelineError::Parse { .. }), "{error}");
}

#[test]
fn a_patch_whose_quirk_is_gone_fails_loudly_and_names_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = write(dir.path(), "doc.yaml", MINIMAL);
    let patches = write(
        dir.path(),
        "patches.yaml",
        r#"
- id: colour-has-blue
  reason: pretend the vendor's enum lacks blue
  operations:
    - { op: test, path: /components/schemas/Thing/properties/colour/enum/1, value: blue }
    - { op: add, path: /components/schemas/Thing/properties/colour/enum/-, value: blue }
"#,
    );
    let error = Pipeline::new("t", &doc)
        .patches(&patches)
        .prepare()
        .expect_err("stale patch");
    match &error {
        PipelineError::StalePatch { id, operation, .. } => {
            assert_eq!(id, "colour-has-blue");
            assert_eq!(*operation, 0);
        }
        other => panic!("expected a stale patch, got {other}"),
    }
    assert!(error.to_string().contains("colour-has-blue"));
}

#[test]
fn a_patch_without_a_reason_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = write(dir.path(), "doc.yaml", MINIMAL);
    let patches = write(
        dir.path(),
        "patches.yaml",
        "- id: no-reason\n  reason: ' '\n  operations:\n    - { op: remove, path: /info/version }\n",
    );
    let error = Pipeline::new("t", &doc)
        .patches(&patches)
        .prepare()
        .expect_err("no reason");
    assert!(error.to_string().contains("has no reason"), "{error}");
}

#[test]
fn a_patch_that_applies_changes_the_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = write(dir.path(), "doc.yaml", MINIMAL);
    let patches = write(
        dir.path(),
        "patches.yaml",
        r#"
- id: add-blue
  reason: the server also answers blue
  operations:
    - { op: test, path: /components/schemas/Thing/properties/colour/enum/1, value: green }
    - { op: add, path: /components/schemas/Thing/properties/colour/enum/-, value: blue }
"#,
    );
    let prepared = Pipeline::new("t", &doc)
        .patches(&patches)
        .prepare()
        .expect("patched");
    assert_eq!(
        prepared
            .value
            .pointer("/components/schemas/Thing/properties/colour/enum/2"),
        Some(&serde_json::json!("blue"))
    );
}

#[test]
fn unsupported_constructs_are_named_by_json_pointer_not_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let quirky = MINIMAL
        .replace(
            "        '404':",
            "        default:\n          description: other\n          content:\n            application/json:\n              schema: { $ref: '#/components/schemas/Problem' }\n        '404':",
        )
        .replace("enum: [red, green]", "enum: ['==', green]");
    let doc = write(dir.path(), "doc.yaml", &quirky);
    let error = Pipeline::new("t", &doc)
        .prepare()
        .expect_err("quirks found");
    let PipelineError::Unsupported { findings } = &error else {
        panic!("expected findings, got {error}");
    };
    let pointers: Vec<&str> = findings.iter().map(|f| f.pointer.as_str()).collect();
    assert!(
        pointers.contains(&"/paths/~1things~1{id}/get/responses/default"),
        "{pointers:?}"
    );
    assert!(
        pointers.contains(&"/components/schemas/Thing/properties/colour/enum/0"),
        "{pointers:?}"
    );
    // And generation through the same pipeline refuses instead of panicking.
    assert!(Pipeline::new("t", &doc).generate_client().is_err());
}

#[test]
fn openapi_3_1_and_missing_operation_ids_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = write(
        dir.path(),
        "doc.yaml",
        &MINIMAL
            .replace("openapi: 3.0.3", "openapi: 3.1.0")
            .replace("operationId: getThing", "summary: x"),
    );
    let error = Pipeline::new("t", &doc).prepare().expect_err("3.1");
    let message = error.to_string();
    assert!(message.contains("/openapi"), "{message}");
    assert!(
        message.contains("/paths/~1things~1{id}/get/operationId"),
        "{message}"
    );
}

#[test]
fn generation_is_deterministic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = write(dir.path(), "doc.yaml", MINIMAL);
    let first = Pipeline::new("t", &doc)
        .generate_client()
        .expect("generate");
    let second = Pipeline::new("t", &doc)
        .generate_client()
        .expect("generate");
    assert_eq!(first.source, second.source);
    assert_eq!(first.surface, second.surface);
    let mock_a = Pipeline::new("t", &doc)
        .generate_mock("t_client")
        .expect("mock");
    let mock_b = Pipeline::new("t", &doc)
        .generate_mock("t_client")
        .expect("mock");
    assert_eq!(mock_a, mock_b);
}

#[test]
fn generated_types_are_open_to_new_values_and_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = write(dir.path(), "doc.yaml", MINIMAL);
    let output = Pipeline::new("t", &doc)
        .generate_client()
        .expect("generate");
    assert_eq!(
        output.forward_compat.opened_enums,
        vec!["ThingColour".to_string()]
    );
    assert_eq!(
        output.forward_compat.opened_structs,
        vec!["Thing".to_string()]
    );
    assert!(
        output
            .source
            .contains("UnknownValue(::std::string::String)")
    );
    assert!(!output.source.contains("deny_unknown_fields"));
}

#[test]
fn the_surface_lists_operations_and_types() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = write(dir.path(), "doc.yaml", MINIMAL);
    let output = Pipeline::new("t", &doc)
        .generate_client()
        .expect("generate");
    assert!(
        output
            .surface
            .contains("getThing GET /things/{id} => get_thing(id: String) -> Thing, error Problem"),
        "{}",
        output.surface
    );
    assert!(
        output
            .surface
            .contains("struct Thing\n  .colour: Option<ThingColour>\n  .id: Option<String>"),
        "a response type's required members are optional (the response policy): {}",
        output.surface
    );
    assert!(
        output
            .surface
            .contains("enum ThingColour = Red | Green | UnknownValue(String)")
    );
}

#[test]
fn required_only_one_of_branches_are_reported_before_they_become_empty_enums() {
    let dir = tempfile::tempdir().expect("tempdir");
    let quirky = MINIMAL.replace(
        "    Problem:\n",
        "    Choice:\n      type: object\n      properties:\n        a: { type: string }\n        b: { type: string }\n      oneOf:\n        - { type: object, required: [a] }\n        - { type: object, required: [b] }\n    Problem:\n",
    );
    let doc = write(dir.path(), "doc.yaml", &quirky);
    let error = Pipeline::new("t", &doc)
        .prepare()
        .expect_err("oneOf quirk found");
    assert!(
        error
            .to_string()
            .contains("/components/schemas/Choice/oneOf"),
        "{error}"
    );
}

#[test]
fn an_inline_body_named_like_a_component_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let quirky = MINIMAL
        .replace(
            "              schema: { $ref: '#/components/schemas/Thing' }",
            "              schema: { type: object, properties: { things: { type: array, items: { $ref: '#/components/schemas/GetThingResponse' } } } }",
        )
        .replace("    Problem:\n", "    GetThingResponse:\n      type: object\n      properties:\n        id: { type: string }\n    Problem:\n");
    let doc = write(dir.path(), "doc.yaml", &quirky);
    let error = Pipeline::new("t", &doc)
        .prepare()
        .expect_err("name collision found");
    assert!(error.to_string().contains("`GetThingResponse`"), "{error}");
}
