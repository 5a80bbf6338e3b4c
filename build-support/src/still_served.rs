//! Keeping what the live service still serves when a re-vendored document stops declaring it.
//!
//! The vendor's document has dropped paths the live service kept serving (35 of them in July 2026, `/usage` in
//! October). Re-vendored as it came, such a document would delete methods callers use: a breaking release for an
//! endpoint that still answers. `codegen revendor` therefore compares the operations of the previous document with
//! the new one ([`dropped_operations`]), looks for evidence that each dropped operation is still served (a shape of
//! `tests/live-shapes/` naming it: [`served_evidence`]), and for each one with evidence writes a live correction
//! that re-adds it from the previous document ([`restoration`]), with that evidence. A restoration is applied before
//! the generator fixes (see [`crate::patches::RecordedPatch::restores`]), so the fixes recorded for the re-added
//! paths and schemas apply as they did and the generated client does not change. The operations without evidence
//! are reported as removals, and the semver verdict judges them.
//!
//! When a later document declares a restored operation again, [`redundant_restorations`] names the restoration to
//! drop.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::patches::PatchSet;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of a document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DocumentOperation {
    /// The operationId.
    pub id: String,
    /// The method, lowercase (`get`).
    pub method: String,
    /// The path template (`/usage`).
    pub path: String,
}

impl std::fmt::Display for DocumentOperation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` ({} {})",
            self.id,
            self.method.to_uppercase(),
            self.path
        )
    }
}

/// Every operation of `document` with an operationId, in path order.
pub fn operations(document: &Value) -> Vec<DocumentOperation> {
    let mut found = Vec::new();
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(id) = item
                    .get(method)
                    .and_then(|op| op.get("operationId"))
                    .and_then(Value::as_str)
                {
                    found.push(DocumentOperation {
                        id: id.to_string(),
                        method: method.to_string(),
                        path: path.clone(),
                    });
                }
            }
        }
    }
    found
}

/// The operations of `old` whose operationId `new` no longer declares.
pub fn dropped_operations(old: &Value, new: &Value) -> Vec<DocumentOperation> {
    let kept: BTreeSet<String> = operations(new).into_iter().map(|op| op.id).collect();
    operations(old)
        .into_iter()
        .filter(|op| !kept.contains(&op.id))
        .collect()
}

/// Evidence that the live service serves an operation, by operationId: one line per shape of the corpus directory
/// `corpus` (`tests/live-shapes/bronto`) that names the operation, `tests/live-shapes/bronto/<file> (<source>)`.
/// Files that are not shape envelopes are skipped.
pub fn served_evidence(corpus: &Path) -> BTreeMap<String, Vec<String>> {
    let mut evidence: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(corpus) else {
        return evidence;
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let shown_dir = corpus
        .components()
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    for file in files {
        let Some(shape) = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        else {
            continue;
        };
        let (Some(operation), Some(source)) = (
            shape.get("operation").and_then(Value::as_str),
            shape.get("source").and_then(Value::as_str),
        ) else {
            continue;
        };
        let name = file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        evidence
            .entry(operation.to_string())
            .or_default()
            .push(format!("{shown_dir}/{name} ({source})"));
    }
    evidence
}

/// What a re-vendored document drops, split by the evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Dropped operations with evidence that they are still served, and that evidence: kept by a restoration.
    pub kept: Vec<(DocumentOperation, Vec<String>)>,
    /// Dropped operations without evidence: removed from the client.
    pub removed: Vec<DocumentOperation>,
}

impl Dropped {
    /// Splits `dropped` by `evidence` (as [`served_evidence`] reads it).
    pub fn split(
        dropped: Vec<DocumentOperation>,
        evidence: &BTreeMap<String, Vec<String>>,
    ) -> Self {
        let mut split = Self::default();
        for operation in dropped {
            match evidence.get(&operation.id) {
                Some(lines) if !lines.is_empty() => split.kept.push((operation, lines.clone())),
                _ => split.removed.push(operation),
            }
        }
        split
    }

    /// The changelog's `### Kept` section (empty when nothing was kept).
    pub fn changelog_section(&self) -> String {
        let mut out = String::new();
        if self.kept.is_empty() {
            return out;
        }
        out.push_str("\n### Kept\n\n");
        for (operation, _) in &self.kept {
            let _ = writeln!(
                out,
                "- operation {operation}: no longer in the vendor's document, still served live (live correction \
                 `{}`)",
                restoration_id(&operation.id)
            );
        }
        out
    }

    /// The report `codegen revendor` prints.
    pub fn report(&self) -> String {
        let mut out = String::new();
        if self.kept.is_empty() && self.removed.is_empty() {
            out.push_str("the new document drops no operation\n");
            return out;
        }
        for (operation, evidence) in &self.kept {
            let _ = writeln!(
                out,
                "kept {operation}: the new document drops it, but the live service still serves it \
                 (re-added by the live correction `{}`), as recorded in:",
                restoration_id(&operation.id)
            );
            for line in evidence {
                let _ = writeln!(out, "    {line}");
            }
        }
        for operation in &self.removed {
            let _ = writeln!(
                out,
                "removed {operation}: the new document drops it and no live shape shows it still served"
            );
        }
        out
    }
}

/// The id of the restoration of `operation_id`: `still-served-get-usage` for `getUsage`.
pub fn restoration_id(operation_id: &str) -> String {
    let mut id = String::from("still-served-");
    for c in operation_id.chars() {
        if c.is_ascii_uppercase() {
            id.push('-');
            id.push(c.to_ascii_lowercase());
        } else {
            id.push(c);
        }
    }
    id
}

/// A JSON pointer token (`/usage` becomes `~1usage`).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Every `$ref` under `value`.
fn refs(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(fields) => {
            for (name, inner) in fields {
                match (name.as_str(), inner) {
                    ("$ref", Value::String(target)) => {
                        found.insert(target.clone());
                    }
                    _ => refs(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
        _ => {}
    }
}

/// The `#/components/...` targets `value` reaches in `old` (transitively) that `new` lacks, as pointers.
fn missing_components(value: &Value, old: &Value, new: &Value) -> Vec<String> {
    let mut reached = BTreeSet::new();
    let mut pending = BTreeSet::new();
    refs(value, &mut pending);
    while let Some(target) = pending.pop_first() {
        let Some(pointer) = target.strip_prefix('#') else {
            continue;
        };
        if !pointer.starts_with("/components/") || !reached.insert(pointer.to_string()) {
            continue;
        }
        if let Some(component) = old.pointer(pointer) {
            let mut more = BTreeSet::new();
            refs(component, &mut more);
            pending.extend(more.into_iter().filter(|t| !reached.contains(&t[1..])));
        }
    }
    reached
        .into_iter()
        .filter(|pointer| new.pointer(pointer).is_none() && old.pointer(pointer).is_some())
        .collect()
}

/// The live correction that re-adds `operation` (and the components it reaches that `new` lacks) from `old`, as
/// an entry of `live-corrections.yaml`. `None` when `old` does not hold it.
pub fn restoration(
    operation: &DocumentOperation,
    evidence: &[String],
    old: &Value,
    new: &Value,
    document_date: Option<&str>,
) -> Option<String> {
    let item = old.get("paths")?.get(&operation.path)?;
    let op = item.get(&operation.method)?;
    let path_pointer = format!("/paths/{}", escape(&operation.path));
    let mut operations = Vec::new();
    if new.pointer(&path_pointer).is_some() {
        operations.push(json!({
            "op": "add",
            "path": format!("{path_pointer}/{}", operation.method),
            "value": op,
        }));
    } else {
        // The whole path is gone: re-add it with its path-level members and this one operation.
        let mut restored = Map::new();
        for (name, value) in item.as_object()? {
            if !METHODS.contains(&name.as_str()) {
                restored.insert(name.clone(), value.clone());
            }
        }
        restored.insert(operation.method.clone(), op.clone());
        operations.push(json!({ "op": "add", "path": path_pointer, "value": restored }));
    }
    let mut reaches = item.clone();
    if let Some(fields) = reaches.as_object_mut() {
        fields.retain(|name, _| !METHODS.contains(&name.as_str()) || *name == operation.method);
    }
    for pointer in missing_components(&reaches, old, new) {
        operations.push(json!({ "op": "add", "path": pointer, "value": old.pointer(&pointer) }));
    }
    let when = document_date
        .map(|d| format!("The {d} document"))
        .unwrap_or_else(|| "The re-vendored document".into());
    let mut entry = String::new();
    let _ = writeln!(entry, "- id: {}", restoration_id(&operation.id));
    let _ = writeln!(entry, "  restores: true");
    let _ = writeln!(
        entry,
        "  reason: >-\n    {when} no longer declares {} {} (`{}`), which the live service still serves: re-added as the\n    previous document declared it (written by `codegen revendor`).",
        operation.method.to_uppercase(),
        operation.path,
        operation.id
    );
    entry.push_str("  evidence:\n");
    for line in evidence {
        let _ = writeln!(entry, "    - {}", Value::String(line.clone()));
    }
    entry.push_str("  operations:\n");
    for op in operations {
        let _ = writeln!(entry, "    - {op}");
    }
    Some(entry)
}

/// The restorations of `corrections` whose operations `new` declares again, with the operationIds: each can be
/// dropped.
pub fn redundant_restorations(corrections: &PatchSet, new: &Value) -> Vec<(String, Vec<String>)> {
    let declared: BTreeSet<String> = operations(new).into_iter().map(|op| op.id).collect();
    let mut redundant = Vec::new();
    for patch in corrections.patches.iter().filter(|p| p.restores) {
        let value = serde_json::to_value(&patch.operations).unwrap_or(Value::Null);
        let mut ids = BTreeSet::new();
        collect_operation_ids(&value, &mut ids);
        if !ids.is_empty() && ids.iter().all(|id| declared.contains(id)) {
            redundant.push((patch.id.clone(), ids.into_iter().collect()));
        }
    }
    redundant
}

fn collect_operation_ids(value: &Value, ids: &mut BTreeSet<String>) {
    match value {
        Value::Object(fields) => {
            for (name, inner) in fields {
                match (name.as_str(), inner) {
                    ("operationId", Value::String(id)) => {
                        ids.insert(id.clone());
                    }
                    _ => collect_operation_ids(inner, ids),
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| collect_operation_ids(item, ids)),
        _ => {}
    }
}
