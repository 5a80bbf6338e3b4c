//! The corpus of live shapes (`tests/live-shapes/`): request and response bodies that public third-party projects
//! recorded from the live services, each with its source. Evidence from outside our own document.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

/// One recorded shape.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shape {
    /// The file name (set when loading).
    #[serde(skip)]
    pub file: String,
    /// The operationId in the vendor's document, `None` for an endpoint the document does not declare.
    pub operation: Option<String>,
    /// The HTTP method.
    pub method: String,
    /// The path template.
    pub path: String,
    /// `request` or `response`.
    pub direction: String,
    /// The response status (responses only).
    #[serde(default)]
    pub status: Option<u16>,
    /// Where the shape was recorded.
    pub source: String,
    /// What it shows.
    pub shows: String,
    /// The body as recorded.
    pub body: Value,
}

impl Shape {
    /// `true` for a response shape.
    pub fn is_response(&self) -> bool {
        self.direction == "response"
    }

    /// The path with every `{placeholder}` replaced by `value`.
    pub fn concrete_path(&self, value: &str) -> String {
        let mut path = String::new();
        let mut rest = self.path.as_str();
        while let Some(start) = rest.find('{') {
            path.push_str(&rest[..start]);
            path.push_str(value);
            rest = rest[start..].split_once('}').map_or("", |(_, after)| after);
        }
        path.push_str(rest);
        path
    }
}

fn corpus_dir(vendor: &str) -> PathBuf {
    crate::repo_path("tests/live-shapes").join(vendor)
}

/// Every shape recorded for `vendor` (`bronto` or `blubracket`), by file name.
pub fn load(vendor: &str) -> BTreeMap<String, Shape> {
    let dir = corpus_dir(vendor);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut shapes = BTreeMap::new();
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("file name")
            .to_string();
        let text = std::fs::read_to_string(&path).expect("read shape");
        let mut shape: Shape = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{name}: not a shape envelope: {e}"));
        shape.file = name.clone();
        shapes.insert(name, shape);
    }
    shapes
}

/// The corpus's `SOURCES.md`.
pub fn sources() -> String {
    let path = crate::repo_path("tests/live-shapes/SOURCES.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Where a re-serialised value lost or changed what the recorded one carried: one line per difference, as a JSON
/// path. A member recorded as `null` or `""` may be absent (the response policy decodes both as absent; a `null`
/// member with a documented default may come back as that default), and so may
/// an empty list or object (the generated types skip empty containers when serialising). Numbers compare by value
/// (`7.0` equals `7`, and a numeric string its number); integers compare exactly.
pub fn lost_fields(recorded: &Value, reserialised: &Value) -> Vec<String> {
    let mut lost = Vec::new();
    compare(recorded, Some(reserialised), "", &mut lost);
    lost
}

fn may_be_absent(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        _ => false,
    }
}

fn numbers_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
        (Some(x), Some(y), _, _) => x == y,
        (_, _, Some(x), Some(y)) => x == y,
        _ => a.as_f64() == b.as_f64(),
    }
}

fn compare(recorded: &Value, reserialised: Option<&Value>, path: &str, lost: &mut Vec<String>) {
    let shown = if path.is_empty() { "." } else { path };
    if recorded.is_null() {
        // Nothing arrived: absent, null, or the member's documented default are all faithful.
        return;
    }
    let Some(reserialised) = reserialised.filter(|v| !v.is_null()) else {
        if !may_be_absent(recorded) {
            lost.push(format!("{shown}: dropped (was {recorded})"));
        }
        return;
    };
    match (recorded, reserialised) {
        (Value::Object(fields), Value::Object(kept)) => {
            for (name, value) in fields {
                compare(value, kept.get(name), &format!("{path}.{name}"), lost);
            }
        }
        (Value::Array(items), Value::Array(kept)) => {
            if items.len() != kept.len() {
                lost.push(format!(
                    "{shown}: {} items became {}",
                    items.len(),
                    kept.len()
                ));
                return;
            }
            for (index, (item, kept)) in items.iter().zip(kept).enumerate() {
                compare(item, Some(kept), &format!("{path}[{index}]"), lost);
            }
        }
        (Value::Number(a), Value::Number(b)) if numbers_equal(a, b) => {}
        // A numeric string decodes as the number the document declares (the response policy): same value.
        (Value::String(text), Value::Number(b))
            if text
                .trim()
                .parse::<serde_json::Number>()
                .is_ok_and(|a| numbers_equal(&a, b)) => {}
        (a, b) if a == b => {}
        (a, b) => lost.push(format!("{shown}: {a} became {b}")),
    }
}
