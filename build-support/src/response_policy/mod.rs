//! The response policy: the document is a claim about the service, and the service wins.
//!
//! A strict client generated from a document fails a whole call when the service sends a shape the document does
//! not describe. The live Bronto service does (a dataset without a parser has `parser_id: ""` where a uuid is
//! declared; members marked required are missing or `null`; see `tests/live-shapes/`), so this pipeline step
//! rewrites the patched document before generation, the same way for every client of the workspace:
//!
//! 1. **Members of response types are optional.** Every object schema reachable from a response, success or error
//!    (named or inline, through properties, items, maps and combinators) loses its `required` list, so the generated member is
//!    an `Option` (a list or map defaults to empty). A response that omits a member, or sends it as `null`, still
//!    decodes, and the caller reaches every member that did arrive. This is aws-sdk-rust's choice for output
//!    shapes, taken over Smithy's *client error correction* (which fills the zero value): a zero value cannot be
//!    told apart from a real one (an empty id passed back to the service, a nil uuid, epoch 0), and many generated
//!    types (enums, unions, constrained strings) have no honest zero. Two exceptions keep unions apart: a member
//!    whose schema is a single-value `enum` (a discriminator) stays required, and so do the required members of a
//!    union's branch (they tell a `{"alerts": [...]}` envelope from a bare list; relaxed, any object would match the
//!    branch and its list would come back silently empty).
//! 2. **Identifiers pass back verbatim.** A parameter takes a plain string where the document declares
//!    `format: uuid` (the service hands back `Export.export_id` as a plain string while `GET /exports/{exportId}`
//!    declares a uuid), and so does every member declared a uuid ([`opaque_identifiers`]): an identifier is an
//!    opaque token the client hands back, never a value it second-guesses. No operation takes a stricter id type
//!    than a response carries.
//!
//! Three more rules need code rather than document edits and are applied to the generated types by
//! [`tolerate_empty_and_null`]: an empty string where `format: uuid` / `date-time` / `date` is declared decodes as
//! absent (`Dataset.parser_id` is `""` for a dataset without a parser), a number also decodes from a numeric string
//! (usage series points arrive as `{"count": "6", "value": "21667.0"}`), and `null` for a list or map decodes as
//! empty.
//!
//! Types that are both sent and received (15 in the Bronto document) follow the response rule: their builders no
//! longer insist on the members the document marks required, and the service says so when a request lacks one.
//!
//! This file holds the document half ([`apply`]); the code half lives in `generated_types.rs`.

mod generated_types;

pub use generated_types::{opaque_identifiers, tolerate_empty_and_null};

use std::collections::BTreeSet;

use serde_json::Value;

/// What the policy changed, for the build log and the tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ResponsePolicyReport {
    /// Component schemas reachable from a response.
    pub response_schemas: BTreeSet<String>,
    /// `(JSON pointer of the object schema, member)` of every member made optional.
    pub relaxed_members: Vec<(String, String)>,
    /// `(JSON pointer of the object schema, member)` of every required member kept required: a union's
    /// discriminator, and the members that tell a union's branches apart.
    pub kept_members: Vec<(String, String)>,
    /// `(operationId, parameter)` of every parameter whose uuid `format` was dropped.
    pub verbatim_path_parameters: Vec<(String, String)>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn component_name(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}

/// Every `$ref` to a component schema anywhere under `node`.
fn collect_refs(node: &Value, out: &mut BTreeSet<String>) {
    match node {
        Value::Object(fields) => {
            if let Some(name) = fields
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(component_name)
            {
                out.insert(name.to_string());
            }
            fields.values().for_each(|value| collect_refs(value, out));
        }
        Value::Array(items) => items.iter().for_each(|value| collect_refs(value, out)),
        _ => {}
    }
}

/// The pointers of every response schema (success and error), and the component schemas they reach.
fn response_roots(document: &Value) -> (Vec<String>, BTreeSet<String>) {
    let mut pointers = Vec::new();
    let mut direct = BTreeSet::new();
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return (pointers, direct);
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(responses) = item
                .get(method)
                .and_then(|op| op.get("responses"))
                .and_then(Value::as_object)
            else {
                continue;
            };
            for (status, response) in responses {
                let Some(content) = response.get("content").and_then(Value::as_object) else {
                    continue;
                };
                for (media, body) in content {
                    if let Some(schema) = body.get("schema") {
                        collect_refs(schema, &mut direct);
                        pointers.push(format!(
                            "/paths/{}/{method}/responses/{}/content/{}/schema",
                            escape(path),
                            escape(status),
                            escape(media)
                        ));
                    }
                }
            }
        }
    }
    (pointers, direct)
}

fn reachable_components(document: &Value, start: BTreeSet<String>) -> BTreeSet<String> {
    let schemas = document.pointer("/components/schemas");
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = start.into_iter().collect();
    while let Some(name) = todo.pop() {
        let Some(schema) = schemas.and_then(|s| s.get(&name)) else {
            continue;
        };
        if !seen.insert(name) {
            continue;
        }
        let mut found = BTreeSet::new();
        collect_refs(schema, &mut found);
        todo.extend(found.into_iter().filter(|n| !seen.contains(n)));
    }
    seen
}

/// `true` for a member schema that can hold one value only (a union's discriminator).
fn is_discriminator(member: Option<&Value>) -> bool {
    member
        .and_then(|schema| schema.get("enum"))
        .and_then(Value::as_array)
        .is_some_and(|values| values.len() == 1)
}

/// Removes `required` from the object schema at `pointer` and from every inline schema under it (not through
/// `$ref`s: components are relaxed on their own).
fn relax(node: &mut Value, pointer: &str, report: &mut ResponsePolicyReport) {
    relax_schema(node, pointer, report, false);
}

/// `union_branch`: the schema is a branch of a `oneOf`/`anyOf`, whose required members are what tell the branches
/// apart (BluBracket's `{"alerts": [...]}` envelope beside a bare list): they stay required, or any object would
/// match the branch and its list would silently come back empty.
fn relax_schema(
    node: &mut Value,
    pointer: &str,
    report: &mut ResponsePolicyReport,
    union_branch: bool,
) {
    let Value::Object(fields) = node else {
        return;
    };
    if union_branch && fields.contains_key("properties") {
        // Keep this level's `required`; relax what is nested.
        for name in fields
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            report
                .kept_members
                .push((pointer.to_string(), name.to_string()));
        }
    } else if let Some(Value::Array(required)) = fields.get("required").cloned() {
        let properties = fields.get("properties");
        let kept: Vec<Value> = required
            .iter()
            .filter(|name| {
                name.as_str()
                    .is_some_and(|n| is_discriminator(properties.and_then(|p| p.get(n))))
            })
            .cloned()
            .collect();
        for name in required.iter().filter_map(Value::as_str) {
            let member = (pointer.to_string(), name.to_string());
            if kept.iter().any(|k| k.as_str() == Some(name)) {
                report.kept_members.push(member);
            } else {
                report.relaxed_members.push(member);
            }
        }
        if kept.is_empty() {
            fields.remove("required");
        } else {
            fields.insert("required".into(), Value::Array(kept));
        }
    }
    // A union of branches that only said which members are required (`anyOf: [{required: [from]}, {required:
    // [from_expr]}]`) describes no shape once nothing is required: drop it rather than generate empty variants.
    for combinator in ["anyOf", "oneOf"] {
        let constraint_only = fields
            .get(combinator)
            .and_then(Value::as_array)
            .is_some_and(|branches| {
                branches.iter().all(|branch| {
                    branch.as_object().is_some_and(|b| {
                        b.keys().all(|k| matches!(k.as_str(), "required" | "type"))
                    })
                })
            });
        if constraint_only && fields.contains_key("properties") {
            fields.remove(combinator);
            report
                .relaxed_members
                .push((pointer.to_string(), combinator.to_string()));
        }
    }
    for (key, child) in fields.iter_mut() {
        match key.as_str() {
            "properties" => {
                if let Value::Object(members) = child {
                    for (name, member) in members.iter_mut() {
                        relax(
                            member,
                            &format!("{pointer}/properties/{}", escape(name)),
                            report,
                        );
                    }
                }
            }
            "items" | "additionalProperties" | "not" => {
                relax(child, &format!("{pointer}/{key}"), report)
            }
            "allOf" | "oneOf" | "anyOf" => {
                if let Value::Array(parts) = child {
                    for (index, part) in parts.iter_mut().enumerate() {
                        relax_schema(
                            part,
                            &format!("{pointer}/{key}/{index}"),
                            report,
                            key != "allOf",
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

fn verbatim_path_parameters(document: &mut Value, report: &mut Vec<(String, String)>) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in METHODS {
            let Some(operation) = item.get_mut(method) else {
                continue;
            };
            let operation_id = operation
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let Some(parameters) = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for parameter in parameters {
                let name = parameter
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                if let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut)
                    && schema.get("format").and_then(Value::as_str) == Some("uuid")
                    && schema.remove("format").is_some()
                {
                    report.push((operation_id.clone(), name));
                }
            }
        }
    }
}

/// Components referenced directly as a branch of a `oneOf`/`anyOf` anywhere in the document.
fn union_branch_components(document: &Value) -> BTreeSet<String> {
    fn walk(node: &Value, out: &mut BTreeSet<String>) {
        match node {
            Value::Object(fields) => {
                for combinator in ["oneOf", "anyOf"] {
                    for branch in fields
                        .get(combinator)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(name) = branch
                            .get("$ref")
                            .and_then(Value::as_str)
                            .and_then(component_name)
                        {
                            out.insert(name.to_string());
                        }
                    }
                }
                fields.values().for_each(|child| walk(child, out));
            }
            Value::Array(items) => items.iter().for_each(|child| walk(child, out)),
            _ => {}
        }
    }
    let mut names = BTreeSet::new();
    walk(document, &mut names);
    names
}

/// Applies the policy to a patched document (see the module docs).
pub fn apply(document: &mut Value) -> ResponsePolicyReport {
    let mut report = ResponsePolicyReport::default();
    let (inline_roots, direct) = response_roots(document);
    report.response_schemas = reachable_components(document, direct);
    for pointer in &inline_roots {
        if let Some(schema) = document.pointer_mut(pointer) {
            relax(schema, pointer, &mut report);
        }
    }
    let branches = union_branch_components(document);
    let names: Vec<String> = report.response_schemas.iter().cloned().collect();
    for name in &names {
        let pointer = format!("/components/schemas/{}", escape(name));
        if let Some(schema) = document.pointer_mut(&pointer) {
            let branch = branches.contains(name);
            relax_schema(schema, &pointer, &mut report, branch);
        }
    }
    verbatim_path_parameters(document, &mut report.verbatim_path_parameters);
    report
}
