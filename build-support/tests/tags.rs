//! Keeping part of a document by tag, and the cargo features that choose the tags.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use build_support::tag_features::{self, ALL_TAGS};
use build_support::tags;
use build_support::{Pipeline, PipelineError};
use serde_json::json;

/// Four operations: `listThings` (tag `things`), `getWidget` (`widgets`), `getThingWidget` (both tags), and an
/// untagged `ping`. `Thing` reaches `Part` through an inline array, which reaches `Colour` through `allOf`; the
/// shared error, header, parameter and request body are components too. `Orphan` is referenced by nothing, and
/// `WidgetOnly` only by the `widgets` operation.
const DOCUMENT: &str = r##"
openapi: 3.0.3
info: { title: Tagged, version: 1.0.0 }
tags:
  - { name: things }
  - { name: widgets }
paths:
  /things:
    parameters:
      - { $ref: '#/components/parameters/Region' }
    get:
      tags: [things]
      operationId: listThings
      responses:
        '200':
          description: ok
          headers:
            RateLimit-Reset: { $ref: '#/components/headers/RateLimitReset' }
          content:
            application/json:
              schema:
                type: array
                items: { $ref: '#/components/schemas/Thing' }
        '4XX': { $ref: '#/components/responses/Problem' }
    post:
      tags: [things]
      operationId: createThing
      requestBody: { $ref: '#/components/requestBodies/NewThing' }
      responses:
        '201': { description: created }
  /widgets/{id}:
    get:
      tags: [widgets]
      operationId: getWidget
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/WidgetOnly' }
  /things/{id}/widget:
    get:
      tags: [widgets, things]
      operationId: getThingWidget
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Thing' }
  /ping:
    get:
      operationId: ping
      responses:
        '204': { description: pong }
components:
  parameters:
    Region: { name: region, in: query, schema: { type: string } }
    Unused: { name: unused, in: query, schema: { type: string } }
  headers:
    RateLimitReset: { schema: { type: integer } }
    UnusedHeader: { schema: { type: integer } }
  responses:
    Problem:
      description: a problem
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Problem' }
  requestBodies:
    NewThing:
      content:
        application/json:
          schema: { $ref: '#/components/schemas/NewThing' }
  schemas:
    Thing:
      type: object
      required: [id]
      properties:
        id: { type: string }
        parts:
          type: array
          items: { $ref: '#/components/schemas/Part' }
    Part:
      type: object
      properties:
        colour:
          allOf:
            - { $ref: '#/components/schemas/Colour' }
    Colour: { type: string, enum: [red, green] }
    NewThing:
      type: object
      required: [name]
      properties:
        name: { type: string }
    Problem:
      type: object
      properties:
        message: { type: string }
    WidgetOnly:
      type: object
      properties:
        size: { type: integer }
    Orphan:
      type: object
      properties:
        lost: { type: string }
"##;

fn document() -> serde_json::Value {
    serde_yaml::from_str(DOCUMENT).expect("test document parses")
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn components(document: &serde_json::Value, kind: &str) -> BTreeSet<String> {
    document["components"][kind]
        .as_object()
        .map(|named| named.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn an_operation_is_kept_when_any_of_its_tags_is_kept() {
    let mut document = document();
    let report = tags::keep(&mut document, &set(&["things"])).expect("filter");
    assert_eq!(
        report.kept_operations,
        ["listThings", "createThing", "getThingWidget"]
    );
    assert_eq!(report.dropped_operations, ["ping", "getWidget"]);
    let paths: BTreeSet<String> = document["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .cloned()
        .collect();
    assert_eq!(paths, set(&["/things", "/things/{id}/widget"]));
    assert_eq!(document["tags"], json!([{ "name": "things" }]));

    let mut document = self::document();
    let report = tags::keep(&mut document, &set(&["widgets"])).expect("filter");
    assert_eq!(report.kept_operations, ["getThingWidget", "getWidget"]);
    assert!(document["paths"]["/things"].is_null());
}

#[test]
fn components_reached_only_through_nested_references_are_kept_and_the_rest_dropped() {
    let mut document = document();
    let report = tags::keep(&mut document, &set(&["things"])).expect("filter");
    // Thing -> (array items) Part -> (allOf) Colour; the error through a response component; the request body's
    // schema through a request-body component.
    assert_eq!(
        components(&document, "schemas"),
        set(&["Colour", "NewThing", "Part", "Problem", "Thing"])
    );
    assert_eq!(components(&document, "parameters"), set(&["Region"]));
    assert_eq!(components(&document, "headers"), set(&["RateLimitReset"]));
    assert_eq!(components(&document, "responses"), set(&["Problem"]));
    assert_eq!(components(&document, "requestBodies"), set(&["NewThing"]));
    assert_eq!(
        report.dropped_components,
        set(&[
            "headers/UnusedHeader",
            "parameters/Unused",
            "schemas/Orphan",
            "schemas/WidgetOnly"
        ])
    );

    // `widgets` alone reaches Thing (through the shared operation) but neither the error nor the request body.
    let mut document = self::document();
    tags::keep(&mut document, &set(&["widgets"])).expect("filter");
    assert_eq!(
        components(&document, "schemas"),
        set(&["Colour", "Part", "Thing", "WidgetOnly"])
    );
    assert!(components(&document, "requestBodies").is_empty());
}

#[test]
fn a_tag_no_operation_has_is_an_error_naming_it() {
    let mut document = document();
    let error = tags::keep(&mut document, &set(&["things", "gadgets"])).expect_err("unknown tag");
    assert!(
        matches!(&error, PipelineError::UnknownTags { unknown, .. } if unknown == &["gadgets"]),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("`gadgets`"), "{message}");
    assert!(message.contains("things, widgets"), "{message}");
    // Nothing was removed.
    assert_eq!(document, self::document());
}

#[test]
fn the_operations_tags_are_what_the_operations_carry() {
    assert_eq!(
        tags::operation_tags(&document()),
        set(&["things", "widgets"])
    );
    let by_tag = tags::operations_by_tag(&document());
    assert_eq!(by_tag["widgets"], ["getThingWidget", "getWidget"]);
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write test file");
    path
}

/// The named items of the generated `types` module and its submodules (structs, enums, aliases, functions), by
/// path (`builder::Thing`), as formatted source.
fn types(source: &str) -> BTreeMap<String, String> {
    fn collect(items: &[syn::Item], prefix: &str, found: &mut BTreeMap<String, String>) {
        for item in items {
            let name = match item {
                syn::Item::Struct(s) => s.ident.to_string(),
                syn::Item::Enum(e) => e.ident.to_string(),
                syn::Item::Type(t) => t.ident.to_string(),
                syn::Item::Fn(f) => f.sig.ident.to_string(),
                syn::Item::Mod(m) => {
                    if let Some((_, nested)) = &m.content {
                        collect(nested, &format!("{prefix}{}::", m.ident), found);
                    }
                    continue;
                }
                _ => continue,
            };
            let file: syn::File = syn::parse_quote!(#item);
            found.insert(format!("{prefix}{name}"), prettyplease::unparse(&file));
        }
    }
    let file = syn::parse_file(source).expect("generated code parses");
    let mut found = BTreeMap::new();
    for item in &file.items {
        if let syn::Item::Mod(module) = item
            && module.ident == "types"
            && let Some((_, items)) = &module.content
        {
            collect(items, "", &mut found);
        }
    }
    found
}

#[test]
fn a_filtered_client_has_only_the_kept_operations_and_the_types_they_reach() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = write(dir.path(), "doc.yaml", DOCUMENT);
    let output = Pipeline::new("t", &doc)
        .keep_tags(["widgets"])
        .generate_client()
        .expect("filtered client");
    assert!(output.source.contains("fn get_widget"), "getWidget kept");
    assert!(output.source.contains("fn get_thing_widget"));
    assert!(
        !output.source.contains("fn list_things"),
        "listThings dropped"
    );
    assert!(!output.source.contains("fn ping"));
    let names: BTreeSet<String> = types(&output.source)
        .into_keys()
        .filter(|name| !name.contains("::"))
        .collect();
    assert!(
        names.contains("WidgetOnly") && names.contains("Colour"),
        "{names:?}"
    );
    assert!(
        !names.contains("Orphan") && !names.contains("NewThing"),
        "{names:?}"
    );
    // The operations table and the surface follow the filter.
    assert!(
        output.surface.contains("## Operations (2)"),
        "{}",
        output.surface
    );
    assert!(output.source.contains("id: \"getWidget\""));
    assert!(!output.source.contains("id: \"listThings\""));

    let error = Pipeline::new("t", &doc)
        .keep_tags(["gadget"])
        .generate_client()
        .expect_err("unknown tag");
    assert!(error.to_string().contains("`gadget`"), "{error}");
}

#[test]
fn a_type_is_generated_the_same_whatever_tags_are_kept() {
    // `Thing` is a response of `things` (listThings) and the request body of `gadgets`' only operation. The
    // response policy relaxes it on the whole document, so a client of `gadgets` alone gets the very type the
    // whole client has: enabling another tag's feature never changes a type under a crate that uses it.
    let shared = DOCUMENT.replace(
        "  /ping:\n",
        "  /gadgets:\n    put:\n      tags: [gadgets]\n      operationId: putGadget\n      requestBody:\n        \
         content:\n          application/json:\n            schema: { $ref: '#/components/schemas/Thing' }\n      \
         responses:\n        '204': { description: stored }\n  /ping:\n",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = write(dir.path(), "doc.yaml", &shared);
    let whole = types(
        &Pipeline::new("t", &doc)
            .generate_client()
            .expect("whole")
            .source,
    );
    let gadgets = types(
        &Pipeline::new("t", &doc)
            .keep_tags(["gadgets"])
            .generate_client()
            .expect("gadgets")
            .source,
    );
    assert!(gadgets.contains_key("Thing"), "{:?}", gadgets.keys());
    assert!(
        whole["Thing"].contains("Option<::std::string::String>"),
        "the response policy made Thing.id optional: {}",
        whole["Thing"]
    );
    for (name, item) in &gadgets {
        assert_eq!(Some(item), whole.get(name), "type {name} differs");
    }
}

#[test]
fn each_tag_of_the_bronto_document_alone_generates_the_very_types_of_the_whole_client() {
    // The real document, every tag on its own: each type (and builder, and helper) a one-tag client has is
    // byte for byte the one the whole client has, so enabling another tag feature never changes a type.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let pipeline = build_support::clients::bronto(&root);
    let prepared = pipeline.prepare().expect("the Bronto document prepares");
    let whole = types(
        &pipeline
            .generate_from(&prepared)
            .expect("whole client")
            .source,
    );
    for tag in prepared.tags() {
        let (filtered, report) = prepared
            .keep_tags(&BTreeSet::from([tag.clone()]))
            .expect("filter");
        assert!(!report.kept_operations.is_empty(), "{tag}: no operation");
        let output = pipeline
            .generate_from(&filtered)
            .unwrap_or_else(|error| panic!("{tag}: one-tag client: {error}"));
        let items = types(&output.source);
        assert!(items.len() < whole.len(), "{tag}: nothing dropped");
        for (name, item) in &items {
            assert_eq!(Some(item), whole.get(name), "{tag}: type {name} differs");
        }
    }
}

#[test]
fn all_tags_keeps_everything_and_tag_features_keep_their_tags() {
    let tags = set(&["api-keys", "search"]);
    let vars = |features: &[&str]| -> BTreeSet<String> {
        features.iter().map(|f| tag_features::env_var(f)).collect()
    };
    assert_eq!(tag_features::env_var("api-keys"), "CARGO_FEATURE_API_KEYS");
    assert_eq!(
        tag_features::selection(&tags, &vars(&["default", ALL_TAGS, "api-keys", "search"]))
            .expect("selection"),
        None
    );
    assert_eq!(
        tag_features::selection(&tags, &vars(&["search"])).expect("selection"),
        Some(set(&["search"]))
    );
    assert_eq!(
        tag_features::selection(&tags, &vars(&[])).expect("selection"),
        Some(BTreeSet::new())
    );
    let error = tag_features::selection(&tags, &vars(&["search", "exports"])).expect_err("stray");
    assert!(
        error.to_string().contains("CARGO_FEATURE_EXPORTS"),
        "{error}"
    );
}

#[test]
fn a_tag_that_cannot_name_a_feature_is_reported() {
    assert!(tag_features::name_problem("top-keys").is_none());
    assert!(tag_features::name_problem("config_assistant").is_none());
    for bad in [
        "Organizations",
        "two words",
        "",
        "-x",
        ALL_TAGS,
        "default",
        "a/b",
    ] {
        assert!(
            tag_features::name_problem(bad).is_some(),
            "{bad:?} accepted"
        );
    }
    let error = tag_features::check_names(&set(&["a-b", "a_b"])).expect_err("shared variable");
    assert!(error.to_string().contains("CARGO_FEATURE_A_B"), "{error}");
}

fn features(entries: &[(&str, &[&str])]) -> tag_features::Features {
    entries
        .iter()
        .map(|(name, enables)| (name.to_string(), set(enables)))
        .collect()
}

#[test]
fn declared_features_must_match_the_tags() {
    let tags = set(&["api-keys", "search"]);
    let good = features(&[
        ("default", &[ALL_TAGS]),
        (ALL_TAGS, &["api-keys", "search"]),
        ("api-keys", &[]),
        ("search", &[]),
    ]);
    assert!(tag_features::check_declared(&tags, &good).is_empty());

    let with_new_tag = set(&["api-keys", "search", "exports"]);
    let problems = tag_features::check_declared(&with_new_tag, &good).join("\n");
    assert!(
        problems.contains("tag `exports` has no feature"),
        "{problems}"
    );
    assert!(
        problems.contains("`all-tags` must enable exactly every tag"),
        "{problems}"
    );

    let retired = set(&["api-keys"]);
    let problems = tag_features::check_declared(&retired, &good).join("\n");
    assert!(
        problems.contains("feature `search` selects no tag"),
        "{problems}"
    );
}

#[test]
fn forwarded_features_must_mirror_the_tags() {
    let tags = set(&["api-keys", "exports"]);
    let good = features(&[
        ("default", &["bronto-all"]),
        (
            "bronto-all",
            &[
                "bronto-client/all-tags",
                "bronto-api-keys",
                "bronto-exports",
            ],
        ),
        ("bronto-api-keys", &["bronto-client/api-keys"]),
        (
            "bronto-exports",
            &["bronto-client/exports", "dep:async-compression"],
        ),
        ("ingest", &["dep:bronto-ingest"]),
    ]);
    assert!(tag_features::check_forwarded(&tags, &good, "bronto-", "bronto-client").is_empty());
    let problems = tag_features::check_forwarded(
        &set(&["api-keys", "users"]),
        &good,
        "bronto-",
        "bronto-client",
    )
    .join("\n");
    assert!(problems.contains("no feature `bronto-users`"), "{problems}");
    assert!(
        problems.contains("`bronto-exports` forwards to no tag"),
        "{problems}"
    );
    assert!(problems.contains("`bronto-all` lacks"), "{problems}");
}

const MANIFEST: &str = "\
[features]
## Everything.
default = [\"bronto-all\"]
## BEGIN generated tag features (codegen features): bronto-all
bronto-all = [
    \"bronto-client/all-tags\",
    \"bronto-api-keys\",
]
## END generated tag features
ingest = [\"dep:bronto-ingest\"]
## BEGIN generated tag features (codegen features): bronto-tags
bronto-api-keys = [\"bronto-client/api-keys\"]
bronto-exports = [\"bronto-client/exports\", \"dep:async-compression\"]
## END generated tag features
## BEGIN generated tag features (codegen features): all-tags
## END generated tag features
## BEGIN generated tag features (codegen features): tags
## END generated tag features
";

#[test]
fn codegen_features_rewrites_only_the_generated_blocks_and_keeps_what_a_tag_feature_also_enables() {
    let written =
        tag_features::manifests::rewrite(MANIFEST, &set(&["exports", "users"])).expect("rewrites");
    let expected = "\
[features]
## Everything.
default = [\"bronto-all\"]
## BEGIN generated tag features (codegen features): bronto-all
bronto-all = [
    \"bronto-client/all-tags\",
    \"bronto-exports\",
    \"bronto-users\",
]
## END generated tag features
ingest = [\"dep:bronto-ingest\"]
## BEGIN generated tag features (codegen features): bronto-tags
bronto-exports = [\"bronto-client/exports\", \"dep:async-compression\"]
bronto-users = [\"bronto-client/users\"]
## END generated tag features
## BEGIN generated tag features (codegen features): all-tags
all-tags = [
    \"exports\",
    \"users\",
]
## END generated tag features
## BEGIN generated tag features (codegen features): tags
exports = []
users = []
## END generated tag features
";
    assert_eq!(written, expected);
    // Written again from its own output, nothing changes.
    assert_eq!(
        tag_features::manifests::rewrite(&written, &set(&["exports", "users"])).expect("rewrites"),
        written
    );
}

#[test]
fn codegen_features_refuses_an_unclosed_or_unknown_block() {
    let unclosed = "## BEGIN generated tag features (codegen features): tags\napi-keys = []\n";
    let error =
        tag_features::manifests::rewrite(unclosed, &set(&["api-keys"])).expect_err("no END line");
    assert!(error.to_string().contains("no `## END"), "{error}");
    let unknown = "## BEGIN generated tag features (codegen features): widgets\n## END generated tag features\n";
    let error =
        tag_features::manifests::rewrite(unknown, &set(&["api-keys"])).expect_err("unknown block");
    assert!(
        error
            .to_string()
            .contains("unknown generated block `widgets`"),
        "{error}"
    );
}
