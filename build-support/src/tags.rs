//! Keeping part of a document: the operations of some tags, and only the components they reach.
//!
//! A service that calls one corner of an API should not compile a client for all of it. [`keep`] removes every
//! operation that has none of the kept tags (an operation listed under several tags stays when any of them is
//! kept), then every component (schema, response, parameter, request body, header, example, link, callback) that
//! no remaining operation reaches through `$ref`, directly or through other components: typify generates a type
//! for every component schema in the document, so dropping operations alone would save little. Security schemes
//! are kept (operations name them, they are never `$ref`'d, and they generate nothing).
//!
//! The pipeline filters after the response policy ([`crate::response_policy`]) has been applied to the whole
//! document, so a type is generated the same way whatever tags are kept: cargo features are additive, and a type
//! that is a response of one tag and a request of another must not change shape when the other tag is enabled.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::PipelineError;

/// The HTTP methods of a path item.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The component kinds reached through `$ref` (not `securitySchemes`, which operations name).
const REFERENCED_KINDS: [&str; 8] = [
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "links",
    "callbacks",
];

/// What [`keep`] removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TagFilterReport {
    /// operationId of every operation kept, by path, then method.
    pub kept_operations: Vec<String>,
    /// operationId of every operation removed, by path, then method.
    pub dropped_operations: Vec<String>,
    /// `kind/name` (`schemas/Dataset`) of every component removed.
    pub dropped_components: BTreeSet<String>,
}

/// The tags of the document's operations (not the top-level `tags` list, which may name tags no operation has).
pub fn operation_tags(document: &Value) -> BTreeSet<String> {
    operations(document)
        .flat_map(|(_, _, operation)| tags_of(operation))
        .collect()
}

fn operations(document: &Value) -> impl Iterator<Item = (&str, &'static str, &Value)> {
    document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            METHODS.into_iter().filter_map(move |method| {
                item.get(method)
                    .map(|operation| (path.as_str(), method, operation))
            })
        })
}

fn tags_of(operation: &Value) -> impl Iterator<Item = String> + '_ {
    operation
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
}

fn operation_id(operation: &Value) -> String {
    operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// `(kind, name)` of a local component reference (`#/components/schemas/Dataset`).
fn component(reference: &str) -> Option<(String, String)> {
    let rest = reference.strip_prefix("#/components/")?;
    let (kind, rest) = rest.split_once('/')?;
    // A pointer into a component (`#/components/schemas/A/properties/b`) still needs the whole component.
    let name = rest.split('/').next()?;
    Some((kind.to_string(), unescape(name)))
}

/// A JSON-pointer token, unescaped (`~1` is `/`, `~0` is `~`).
fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Every component referenced anywhere under `node`.
fn collect_references(node: &Value, out: &mut BTreeSet<(String, String)>) {
    match node {
        Value::Object(fields) => {
            if let Some(reference) = fields
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(component)
            {
                out.insert(reference);
            }
            fields
                .values()
                .for_each(|value| collect_references(value, out));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|value| collect_references(value, out)),
        _ => {}
    }
}

/// Keeps the operations that have at least one of `kept` tags, and the components they reach (see the module
/// docs). A tag no operation has is an error naming it, so a misspelt or retired tag does not silently generate
/// an empty client.
pub fn keep(
    document: &mut Value,
    kept: &BTreeSet<String>,
) -> Result<TagFilterReport, PipelineError> {
    let known = operation_tags(document);
    let unknown: Vec<String> = kept.difference(&known).cloned().collect();
    if !unknown.is_empty() {
        return Err(PipelineError::UnknownTags {
            unknown,
            known: known.into_iter().collect(),
        });
    }
    let mut report = TagFilterReport::default();
    let mut reached = BTreeSet::new();
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        paths.retain(|_, item| {
            let Some(fields) = item.as_object_mut() else {
                return true;
            };
            let mut any_kept = false;
            for method in METHODS {
                let Some(operation) = fields.get(method) else {
                    continue;
                };
                if tags_of(operation).any(|tag| kept.contains(&tag)) {
                    report.kept_operations.push(operation_id(operation));
                    any_kept = true;
                } else {
                    report.dropped_operations.push(operation_id(operation));
                    fields.remove(method);
                }
            }
            if any_kept {
                // The path item's own parameters, servers and extensions go with its kept operations.
                collect_references(item, &mut reached);
            }
            any_kept
        });
    }
    let components = document.get("components").cloned().unwrap_or(Value::Null);
    let mut todo: Vec<(String, String)> = reached.iter().cloned().collect();
    while let Some((kind, name)) = todo.pop() {
        let Some(body) = components.get(&kind).and_then(|named| named.get(&name)) else {
            continue;
        };
        let mut found = BTreeSet::new();
        collect_references(body, &mut found);
        for reference in found {
            if reached.insert(reference.clone()) {
                todo.push(reference);
            }
        }
    }
    if let Some(components) = document
        .get_mut("components")
        .and_then(Value::as_object_mut)
    {
        for kind in REFERENCED_KINDS {
            let Some(named) = components.get_mut(kind).and_then(Value::as_object_mut) else {
                continue;
            };
            named.retain(|name, _| {
                let keep = reached.contains(&(kind.to_string(), name.clone()));
                if !keep {
                    report.dropped_components.insert(format!("{kind}/{name}"));
                }
                keep
            });
        }
    }
    // The declared tags follow the operations, so the document stays self-consistent.
    if let Some(declared) = document.get_mut("tags").and_then(Value::as_array_mut) {
        declared.retain(|tag| {
            tag.get("name")
                .and_then(Value::as_str)
                .is_some_and(|name| kept.contains(name))
        });
    }
    Ok(report)
}

/// The operations of each tag (operationIds, by path, then method): what enabling a tag's feature compiles.
pub fn operations_by_tag(document: &Value) -> BTreeMap<String, Vec<String>> {
    let mut by_tag: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (_, _, operation) in operations(document) {
        for tag in tags_of(operation) {
            by_tag.entry(tag).or_default().push(operation_id(operation));
        }
    }
    by_tag
}
