//! The named passes (build-support, `passes/`): each runs on a small document and on the vendor's, its count is
//! in the surface summary, and each fails the build naming itself when the pattern it rewrites is missing where
//! the document says it must be there.

use build_support::passes::{
    client_new_uses_the_runtime, integral_numbers, name_constraint_errors, name_required_members,
    non_exhaustive_types, note_operations, null_members, plain_value_setters, redact_secrets,
    repeat_array_query_params,
};
use serde_json::json;

const SMALL: &str = r#"
openapi: 3.0.3
info: { title: Small, version: 1.0.0 }
paths:
  /keys:
    post:
      operationId: createKey
      parameters:
        - { name: tag, in: query, schema: { type: array, items: { type: string } } }
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/CreateKey' }
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Key' }
components:
  schemas:
    CreateKey:
      type: object
      required: [name]
      properties:
        name: { type: string }
        ttl: { type: number, default: 60 }
        headers: { type: object, additionalProperties: { type: string }, x-sensitive: true }
    Key:
      type: object
      properties:
        id: { type: string }
        api_key: { type: string }
        weight: { type: number }
"#;

fn small_pipeline(dir: &tempfile::TempDir) -> build_support::Pipeline {
    let path = dir.path().join("doc.yaml");
    std::fs::write(&path, SMALL).expect("write");
    build_support::Pipeline::new("small", &path).inner_type(build_support::clients::INNER_TYPE)
}

fn expect_failure(
    result: Result<build_support::passes::PassCount, build_support::PipelineError>,
    name: &str,
) {
    match result {
        Ok(count) => panic!(
            "pass {name} should fail on a missing pattern, changed {}",
            count.changed
        ),
        Err(error) => {
            let message = error.to_string();
            assert!(message.contains(&format!("pass `{name}`")), "{message}");
            assert!(
                message.contains("expects"),
                "says what it expected: {message}"
            );
        }
    }
}

#[test]
fn every_pass_runs_on_a_small_document_and_its_count_is_in_the_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = small_pipeline(&dir).generate_client().expect("generate");
    let summary = output.surface;
    for line in [
        "request_policy: 1 document defaults moved into descriptions",
        "note_operations: 1 changed",
        "redact_secrets: 2 changed",
        "integral_numbers: 2 changed",
    ] {
        assert!(summary.contains(line), "missing `{line}` in:\n{summary}");
    }
    assert!(summary.contains("\nKey.api_key\n"), "{summary}");
    assert!(summary.contains("\nCreateKey.headers\n"), "{summary}");
    assert!(summary.contains("plain_value_setters: "), "{summary}");
    assert!(
        summary.contains("name_required_members: 1 changed"),
        "{summary}"
    );
    // The default is documented, not sent.
    assert!(output.source.contains("The document's default: `60`"));
    assert!(
        output
            .source
            .contains("pub ttl: ::std::option::Option<f64>"),
        "{}",
        output.source
    );
    let mock = small_pipeline(&dir)
        .generate_mock("small_client")
        .expect("mock");
    assert!(mock.contains("query_param_missing(\"tag\")"), "{mock}");
}

#[test]
fn every_pass_runs_on_the_vendor_document() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = build_support::clients::bronto(&root)
        .generate_client()
        .expect("the vendor's document generates");
    for name in [
        "note_operations",
        "plain_value_setters",
        "null_members",
        "name_required_members",
        "redact_secrets",
        "integral_numbers",
    ] {
        assert!(
            output.surface.contains(&format!("\n{name}: ")),
            "{name} is not in the summary"
        );
    }
}

fn file(source: &str) -> syn::File {
    syn::parse_str(source).expect("test source parses")
}

fn types_items(source: &str) -> Vec<syn::Item> {
    file(source).items
}

#[test]
fn redact_secrets_fails_loudly_without_a_derived_debug() {
    let document = json!({"components": {"schemas": {"Key": {"properties": {"api_key": {"type": "string"}}}}}});
    // A hand-written Debug (or a future typify that derives none) leaves nothing the pass knows how to replace.
    let mut items = types_items("pub struct Key { pub api_key: Option<String> }");
    match redact_secrets::run(&mut items, &document) {
        Ok(_) => panic!("should fail"),
        Err(error) => {
            let message = error.to_string();
            assert!(message.contains("pass `redact_secrets`"), "{message}");
            assert!(message.contains("derives no `Debug`"), "{message}");
        }
    }
    // The document says a secret member exists, but the generated code has no such member.
    let mut items = types_items("#[derive(Debug)] pub struct Key { pub id: Option<String> }");
    assert!(redact_secrets::run(&mut items, &document).is_err());
    // A mark that names nothing generated fails too.
    let marked = json!({"components": {"schemas": {"Key": {"properties": {"blob": {"x-sensitive": true}}}}}});
    let mut items = types_items("#[derive(Debug)] pub struct Key { pub id: Option<String> }");
    let message = redact_secrets::run(&mut items, &marked)
        .expect_err("unused mark")
        .to_string();
    assert!(message.contains("Key.blob"), "{message}");
}

#[test]
fn integral_numbers_fails_loudly_when_no_number_member_is_found() {
    let document = json!({"components": {"schemas": {"Slice": {"properties": {"value": {"type": "number"}}}}}});
    let mut items = types_items("pub struct Slice { pub value: ::serde_json::Number }");
    expect_failure(
        integral_numbers::run(&mut items, &document),
        "integral_numbers",
    );
}

#[test]
fn name_required_members_fails_loudly_without_typify_defaults() {
    let document =
        json!({"components": {"schemas": {"A": {"required": ["x"], "properties": {"x": {}}}}}});
    let mut items = types_items(
        "pub mod builder { impl Default for A { fn default() -> Self { Self { x: Err(\"missing x\".to_string()) } } } }",
    );
    expect_failure(
        name_required_members::run(&mut items, &document),
        "name_required_members",
    );
}

#[test]
fn name_required_members_expects_nothing_of_union_branches_written_inline() {
    // The response policy keeps the `required` lists that tell a union's branches apart; an inline branch becomes
    // an enum variant, which has no builder, so a document whose only required lists are such branches (the Bronto
    // document's `metrics` tag alone) implies no change. A named object inside a branch still does.
    let branches = json!({"components": {"schemas": {"Unit": {"oneOf": [
        {"type": "object", "required": ["input"], "properties": {"input": {"type": "string"}}},
        {"type": "object", "required": ["value"], "properties": {"value": {"type": "string"}}}
    ]}}}});
    let mut items = types_items("pub mod builder {}");
    let count = name_required_members::run(&mut items, &branches).expect("no change implied");
    assert_eq!(count.changed, 0);
    let nested = json!({"components": {"schemas": {"Unit": {"anyOf": [
        {"type": "object", "properties": {"range": {"type": "object", "required": ["from"], "properties": {"from": {}}}}}
    ]}}}});
    let mut items = types_items("pub mod builder {}");
    expect_failure(
        name_required_members::run(&mut items, &nested),
        "name_required_members",
    );
}

#[test]
fn plain_value_setters_fails_loudly_when_setters_have_another_shape() {
    let mut items = types_items(
        "pub mod builder { impl A { pub fn x(mut self, value: impl Into<Option<String>>) -> Self { self.x = Ok(value.into()); self } } }",
    );
    expect_failure(plain_value_setters::run(&mut items), "plain_value_setters");
}

#[test]
fn note_operations_fails_loudly_without_operation_info() {
    let mut source = file(
        "pub mod builder { impl<'a> ListThings<'a> { pub async fn send(self) -> Result<(), ()> { let info = Info { id: \"list_things\" }; Ok(()) } } }",
    );
    expect_failure(note_operations::run(&mut source, 1), "note_operations");
}

#[test]
fn repeat_array_query_params_fails_loudly_without_query_param_calls() {
    let mut source = file(
        "impl<'a> When<'a> { pub fn tag<T>(self, value: T) -> Self where T: Into<Option<&'a ::std::vec::Vec<String>>> { Self(self.0.query(\"tag\")) } }",
    );
    expect_failure(
        repeat_array_query_params::run(&mut source, 1),
        "repeat_array_query_params",
    );
}

#[test]
fn client_new_uses_the_runtime_fails_loudly_without_a_two_argument_new() {
    let mut source = file("impl Client { pub fn new(baseurl: &str) -> Self { todo!() } }");
    expect_failure(
        client_new_uses_the_runtime::run(&mut source),
        "client_new_uses_the_runtime",
    );
}

#[test]
fn non_exhaustive_types_fails_loudly_when_types_holds_no_struct_or_enum() {
    let document = json!({"components": {"schemas": {"A": {"type": "object"}}}});
    let mut items = types_items("pub type A = ::serde_json::Map<String, ::serde_json::Value>;");
    expect_failure(
        non_exhaustive_types::run(&mut items, &document),
        "non_exhaustive_types",
    );
}

#[test]
fn name_constraint_errors_fails_loudly_without_typify_constraint_messages() {
    let document = json!({"components": {"schemas": {"Name": {"type": "string", "minLength": 1}}}});
    let mut items = types_items(
        "impl ::std::str::FromStr for Name { type Err = String; fn from_str(v: &str) -> Result<Self, String> { Err(\"too short\".into()) } }",
    );
    expect_failure(
        name_constraint_errors::run(&mut items, &document),
        "name_constraint_errors",
    );
}

/// A document whose one `PATCH` takes `UpdateThing`, with one required and one optional member.
fn patch_document() -> serde_json::Value {
    json!({
        "paths": {"/things/{id}": {
            "patch": {"operationId": "updateThing", "requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/UpdateThing"}}}}},
            "put": {"operationId": "replaceThing", "requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ReplaceThing"}}}}}
        }},
        "components": {"schemas": {
            "UpdateThing": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"}, "description": {"type": "string"}}},
            "ReplaceThing": {"type": "object", "properties": {"description": {"type": "string"}}}
        }}
    })
}

fn patch_bodies() -> std::collections::BTreeMap<String, String> {
    [
        ("updateThing", "UpdateThing"),
        ("replaceThing", "ReplaceThing"),
    ]
    .into_iter()
    .map(|(id, ty)| (id.to_string(), ty.to_string()))
    .collect()
}

/// typify's shape for `UpdateThing` and `ReplaceThing` (after `plain_value_setters`), reduced to what the pass reads.
const PATCH_TYPES: &str = r#"
    pub struct UpdateThing {
        pub name: String,
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub description: ::std::option::Option<::std::string::String>,
    }
    pub struct ReplaceThing {
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub description: ::std::option::Option<::std::string::String>,
    }
    pub mod builder {
        pub struct UpdateThing {
            name: Result<String, String>,
            description: Result<Option<String>, String>,
        }
        impl Default for UpdateThing {
            fn default() -> Self { Self { name: Err("no value supplied for name".to_string()), description: Ok(Default::default()) } }
        }
        impl UpdateThing {
            pub fn description<T>(mut self, value: T) -> Self { self.description = Ok(value.into_optional()); self }
        }
        impl TryFrom<UpdateThing> for super::UpdateThing {
            type Error = String;
            fn try_from(value: UpdateThing) -> Result<Self, String> { Ok(Self { name: value.name?, description: value.description? }) }
        }
    }
"#;

#[test]
fn null_members_gives_each_optional_member_of_a_patch_body_a_clear_and_leaves_a_put_alone() {
    let mut items = types_items(PATCH_TYPES);
    let report = null_members::run(&mut items, &patch_bodies(), &patch_document()).expect("runs");
    assert_eq!(report.count.changed, 1);
    assert_eq!(report.members, vec!["UpdateThing.description".to_string()]);
    let generated: syn::File = syn::parse_quote!(#(#items)*);
    let source = prettyplease::unparse(&generated);
    assert!(
        source.contains("pub fn clear_description(mut self) -> Self"),
        "{source}"
    );
    assert!(
        source.contains(r#"self.sent_as_null.remove("description");"#),
        "{source}"
    );
    assert!(
        source.contains("sent_as_null: value.sent_as_null"),
        "{source}"
    );
    assert!(
        source.contains("#[serde(flatten, skip_deserializing)]"),
        "{source}"
    );
    // A `PUT` replaces: the body that requires nothing still gets no way to send `null`.
    assert_eq!(
        source
            .matches("sent_as_null: ::client_runtime::__private::NullMembers")
            .count(),
        2,
        "{source}"
    );
    assert_eq!(
        null_members::partial_updates(&patch_document()),
        vec![null_members::PartialUpdate {
            operation: "updateThing".into(),
            optional_members: 1
        }]
    );
}

#[test]
fn null_members_fails_loudly_when_a_patch_body_has_no_member_it_can_clear() {
    // A typify that wrote an unset member (no `skip_serializing_if`) leaves the pass nothing it knows to clear.
    let mut items = types_items(&PATCH_TYPES.replace(
        "#[serde(skip_serializing_if = \"::std::option::Option::is_none\")]",
        "",
    ));
    expect_failure(
        null_members::run(&mut items, &patch_bodies(), &patch_document())
            .map(|report| report.count),
        "null_members",
    );
    // A builder whose setter has another name (`set_description`) fails too, naming the body that is short.
    let mut items =
        types_items(&PATCH_TYPES.replace("pub fn description<T>", "pub fn set_description<T>"));
    let message = null_members::run(&mut items, &patch_bodies(), &patch_document())
        .expect_err("no setter")
        .to_string();
    assert!(message.contains("pass `null_members`"), "{message}");
    assert!(message.contains("UpdateThing: 0 of 1"), "{message}");
}
