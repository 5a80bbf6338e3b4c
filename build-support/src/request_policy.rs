//! The request policy: a request carries what the caller set, and nothing the document would add.
//!
//! A `default` in a schema documents what the *service* does when a member is absent. typify turns it into a value
//! the *client* fills in: the member is no longer optional, its builder starts from the default and serde writes
//! it, so every `search-timeseries` body carried `"num_of_slices": 100` and the service's own default (and any
//! later change of it) never applied; a decoded response, likewise, showed a value the service had not sent.
//!
//! This step moves every object member's `default` into its description (`The document's default: `100` ...`)
//! before generation. The member is then an `Option` that is sent only when set; a caller who wants the
//! document's default sends it explicitly (`.num_of_slices(100)`), and the generated docs say what it is.

use serde_json::Value;

/// `(JSON pointer of the member, its default)` of every default moved into a description.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RequestPolicyReport {
    /// The members whose `default` was moved, with the default as JSON text.
    pub moved_defaults: Vec<(String, String)>,
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn walk(node: &mut Value, pointer: &str, report: &mut RequestPolicyReport) {
    match node {
        Value::Object(fields) => {
            if let Some(Value::Object(properties)) = fields.get_mut("properties") {
                for (name, member) in properties.iter_mut() {
                    let Value::Object(member_fields) = member else {
                        continue;
                    };
                    let Some(default) = member_fields.remove("default") else {
                        continue;
                    };
                    let text = default.to_string();
                    let note = format!(
                        "The document's default: `{text}`. The service applies its own default when the member \
                         is absent; set it to send this value."
                    );
                    let description = match member_fields.get("description").and_then(Value::as_str)
                    {
                        Some(existing) if !existing.trim().is_empty() => {
                            format!("{}\n\n{note}", existing.trim_end())
                        }
                        _ => note,
                    };
                    member_fields.insert("description".into(), Value::String(description));
                    report
                        .moved_defaults
                        .push((format!("{pointer}/properties/{}", escape(name)), text));
                }
            }
            for (key, value) in fields.iter_mut() {
                walk(value, &format!("{pointer}/{}", escape(key)), report);
            }
        }
        Value::Array(items) => {
            for (index, value) in items.iter_mut().enumerate() {
                walk(value, &format!("{pointer}/{index}"), report);
            }
        }
        _ => {}
    }
}

/// Applies the policy to a patched document.
pub fn apply(document: &mut Value) -> RequestPolicyReport {
    let mut report = RequestPolicyReport::default();
    walk(document, "", &mut report);
    report
}
