//! A guard against evidence that goes stale: every operation a live shape names, and every place a live correction
//! changes, must still exist in the patched document, so a re-vendor cannot silently orphan evidence.
//!
//! [`shape_problems`] checks the corpus of `tests/live-shapes/` against a patched document: a shape that names an
//! operation needs that operation at its method and path; a shape that names none must be of an endpoint the
//! document does not declare (else it should name it). [`correction_problems`] checks the live corrections: what an
//! `add`, `replace`, `copy` or `move` wrote must still be there (no later patch or correction removed it), what a
//! `remove` removed must still be gone, and every corpus file an entry cites as evidence must exist.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::live_shapes::Shape;

/// `(method, path)` of every operation of `document`, by operationId.
pub fn operations(document: &Value) -> BTreeMap<String, (String, String)> {
    let mut found = BTreeMap::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                found.insert(id.to_string(), (method.to_uppercase(), path.clone()));
            }
        }
    }
    found
}

/// What of the corpus `shapes` (file name to shape) `document` no longer has: one line per problem.
pub fn shape_problems(shapes: &BTreeMap<String, Shape>, document: &Value) -> Vec<String> {
    let declared = operations(document);
    let mut problems = Vec::new();
    for (file, shape) in shapes {
        match &shape.operation {
            Some(id) => match declared.get(id) {
                None => problems.push(format!(
                    "{file}: names operation `{id}`, which the patched document no longer declares"
                )),
                Some((method, path)) if *method != shape.method || *path != shape.path => {
                    problems.push(format!(
                        "{file}: `{id}` is {method} {path} in the patched document, the shape says {} {}",
                        shape.method, shape.path
                    ))
                }
                Some(_) => {}
            },
            None => {
                if let Some((id, _)) = declared
                    .iter()
                    .find(|(_, (m, p))| *m == shape.method && *p == shape.path)
                {
                    problems.push(format!(
                        "{file}: names no operation, but the patched document declares {} {} as `{id}`",
                        shape.method, shape.path
                    ));
                }
            }
        }
    }
    problems
}

/// What of the live corrections `entries` (each `(id, evidence, operations as JSON)`) `document` no longer has, and
/// which cited corpus files are missing (`corpus_file_exists` answers for a path such as
/// `tests/live-shapes/bronto/x.json`).
pub fn correction_problems(
    entries: &[(String, Vec<String>, Value)],
    document: &Value,
    corpus_file_exists: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, evidence, operations) in entries {
        for operation in operations.as_array().into_iter().flatten() {
            let op = operation["op"].as_str().unwrap_or_default();
            let path = operation["path"].as_str().unwrap_or_default();
            if path.ends_with("/-") {
                continue;
            }
            let present = document.pointer(path).is_some();
            match op {
                "add" | "replace" | "copy" | "move" if !present => problems.push(format!(
                    "live correction `{id}`: `{path}` ({op}) no longer exists in the patched document"
                )),
                "remove" if present => problems.push(format!(
                    "live correction `{id}`: `{path}` (remove) is back in the patched document"
                )),
                _ => {}
            }
        }
        for line in evidence {
            for file in cited_corpus_files(line) {
                if !corpus_file_exists(&file) {
                    problems.push(format!(
                        "live correction `{id}`: cites {file}, which is not in the corpus"
                    ));
                }
            }
        }
    }
    problems
}

/// The corpus files an evidence line cites: `tests/live-shapes/bronto/a.json, b.json` names both.
pub fn cited_corpus_files(line: &str) -> Vec<String> {
    let mut files = Vec::new();
    let mut directory = None;
    for word in line.split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')') {
        let word = word.trim_matches(|c: char| c == ':' || c == ';' || c == '`' || c == '"');
        if !word.ends_with(".json") {
            continue;
        }
        if let Some((dir, _)) = word
            .rsplit_once('/')
            .filter(|_| word.starts_with("tests/live-shapes/"))
        {
            directory = Some(dir.to_string());
            files.push(word.to_string());
        } else if let Some(dir) = &directory
            && !word.contains('/')
        {
            files.push(format!("{dir}/{word}"));
        }
    }
    files
}
