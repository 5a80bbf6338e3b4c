//! Checks for the constructs progenitor 0.15 / typify 0.8 cannot handle.
//!
//! The generator reacts to these with a panic deep inside its code (or, worse, silently drops a type). Running the
//! checks first turns each one into a [`Finding`] that names the JSON pointer of the offending construct, so the
//! fix (a recorded patch) is obvious.

use serde_json::Value;

/// One construct the generator cannot handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// RFC 6901 pointer into the (patched) document.
    pub pointer: String,
    /// What is wrong and why the generator cares.
    pub problem: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.pointer, self.problem)
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Escapes one reference token (RFC 6901).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn child(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_token(token))
}

/// Runs every check; an empty result means the document is safe to hand to the generator.
pub fn check(document: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut report = |pointer: String, problem: String| findings.push(Finding { pointer, problem });

    match document.get("openapi").and_then(Value::as_str) {
        Some(version) if version.starts_with("3.0.") => {}
        other => report(
            "/openapi".into(),
            format!("progenitor reads OpenAPI 3.0.x only, found {other:?}"),
        ),
    }

    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let item_ptr = child("/paths", path);
            let Some(item) = item.as_object() else {
                continue;
            };
            if item.contains_key("$ref") {
                report(
                    item_ptr.clone(),
                    "path items defined by $ref are not supported".into(),
                );
            }
            for method in METHODS {
                if let Some(operation) = item.get(method) {
                    check_operation(&child(&item_ptr, method), operation, &mut report);
                }
            }
        }
    }

    check_inline_names(document, &mut report);
    walk_schemas(document, "", &mut report);
    findings
}

/// progenitor names an operation's inline success body `{OperationId}Response` and an inline request body
/// `{OperationId}Body`; when a component schema already has that name, the generator silently reuses the
/// component type for the body and drops the envelope's fields.
fn check_inline_names(document: &Value, report: &mut impl FnMut(String, String)) {
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    let Some(paths) = document.get("paths").and_then(Value::as_object) else {
        return;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let pascal: String = id
                .chars()
                .enumerate()
                .map(|(i, c)| if i == 0 { c.to_ascii_uppercase() } else { c })
                .collect();
            let op_ptr = child(&child("/paths", path), method);
            let mut check = |suffix: &str, schema: Option<&Value>, schema_ptr: String| {
                let inline =
                    schema.is_some_and(|s| s.get("$ref").is_none() && s.get("title").is_none());
                let name = format!("{pascal}{suffix}");
                if inline && schemas.contains_key(&name) {
                    report(
                        schema_ptr,
                        format!(
                            "this inline schema would be named `{name}`, the name of an existing component \
                             schema: the generator would reuse that type and drop fields (give it a `title`)"
                        ),
                    );
                }
            };
            if let Some(responses) = operation.get("responses").and_then(Value::as_object) {
                for (code, response) in responses.iter().filter(|(code, _)| code.starts_with('2')) {
                    let pointer =
                        format!("{op_ptr}/responses/{code}/content/application~1json/schema");
                    check(
                        "Response",
                        response.pointer("/content/application~1json/schema"),
                        pointer,
                    );
                }
            }
            check(
                "Body",
                operation.pointer("/requestBody/content/application~1json/schema"),
                format!("{op_ptr}/requestBody/content/application~1json/schema"),
            );
        }
    }
}

fn check_operation(pointer: &str, operation: &Value, report: &mut impl FnMut(String, String)) {
    if operation
        .get("operationId")
        .and_then(Value::as_str)
        .is_none()
    {
        report(
            child(pointer, "operationId"),
            "every operation needs an operationId (it names the method)".into(),
        );
    }

    for (index, parameter) in operation
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let param_ptr = format!("{pointer}/parameters/{index}");
        match parameter.get("in").and_then(Value::as_str) {
            Some("cookie") => report(
                param_ptr.clone(),
                "cookie parameters are not supported".into(),
            ),
            Some("query") => {
                if let Some(style) = parameter.get("style").and_then(Value::as_str)
                    && style != "form"
                {
                    report(
                        param_ptr.clone(),
                        format!("query style `{style}` is not supported (only `form`)"),
                    );
                }
            }
            _ => {}
        }
    }

    if let Some(content) = operation
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
    {
        if content.len() > 1 {
            report(
                format!("{pointer}/requestBody/content"),
                format!(
                    "{} request media types; progenitor supports exactly one",
                    content.len()
                ),
            );
        }
        for (media, body) in content {
            let media_ptr = child(&format!("{pointer}/requestBody/content"), media);
            if media.starts_with("multipart/") {
                report(
                    media_ptr.clone(),
                    "multipart request bodies are not supported".into(),
                );
            }
            if media.contains("json") && body.get("schema").is_none() {
                report(media_ptr, "a JSON request body needs a schema".into());
            }
        }
    }

    let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
        return;
    };
    let success: Vec<&String> = responses
        .keys()
        .filter(|code| code.starts_with('2') || code.as_str() == "2XX")
        .collect();
    if responses.contains_key("default") && !success.is_empty() {
        report(
            format!("{pointer}/responses/default"),
            "a `default` response beside a success response counts as a second success type; \
             progenitor asserts there is at most one (use 4XX/5XX or drop `default`)"
                .into(),
        );
    }
    let success_shapes: std::collections::BTreeSet<String> = success
        .iter()
        .map(|code| response_shape(&responses[code.as_str()]))
        .collect();
    if success_shapes.len() > 1 {
        report(
            format!("{pointer}/responses"),
            format!(
                "success responses {success:?} have different bodies ({}); progenitor needs one success type",
                success_shapes.into_iter().collect::<Vec<_>>().join(" vs ")
            ),
        );
    }
    let error_shapes: std::collections::BTreeSet<String> = responses
        .iter()
        .filter(|(code, _)| {
            code.starts_with('4') || code.starts_with('5') || code.as_str() == "default"
        })
        .map(|(_, response)| response_shape(response))
        .collect();
    if error_shapes.len() > 1 {
        report(
            format!("{pointer}/responses"),
            format!(
                "error responses have different bodies ({}); progenitor asserts one error type per operation",
                error_shapes.into_iter().collect::<Vec<_>>().join(" vs ")
            ),
        );
    }
    let inline_errors: Vec<&String> = responses
        .iter()
        .filter(|(code, response)| {
            (code.starts_with('4') || code.starts_with('5'))
                && response
                    .pointer("/content/application~1json/schema")
                    .is_some_and(|schema| schema.get("$ref").is_none())
        })
        .map(|(code, _)| code)
        .collect();
    if inline_errors.len() > 1 {
        report(
            format!("{pointer}/responses"),
            format!(
                "inline error schemas on {inline_errors:?}: their generated type names collide and one is lost; \
                 use a $ref to a named schema"
            ),
        );
    }
}

/// A short description of a response body, used to compare success responses.
fn response_shape(response: &Value) -> String {
    match response.get("content").and_then(Value::as_object) {
        None => "no body".into(),
        Some(content) if content.is_empty() => "no body".into(),
        Some(content) => content
            .iter()
            .map(|(media, body)| match body.pointer("/schema/$ref") {
                Some(Value::String(reference)) => format!("{media} {reference}"),
                _ => format!(
                    "{media} {}",
                    body.get("schema").map(Value::to_string).unwrap_or_default()
                ),
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Walks every object in the document looking at schema-level problems.
fn walk_schemas(value: &Value, pointer: &str, report: &mut impl FnMut(String, String)) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref")
                && !reference.starts_with('#')
            {
                report(
                    child(pointer, "$ref"),
                    format!("external reference `{reference}` is not supported"),
                );
            }
            check_schema(map, pointer, report);
            for (key, inner) in map {
                // `example`/`examples` are data, not schemas.
                if key != "example" && key != "examples" {
                    walk_schemas(inner, &child(pointer, key), report);
                }
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                walk_schemas(inner, &format!("{pointer}/{index}"), report);
            }
        }
        _ => {}
    }
}

fn json_type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn value_matches_type(value: &Value, declared: &str) -> bool {
    let actual = json_type_of(value);
    actual == declared || (declared == "number" && actual == "integer") || value.is_null()
}

fn check_schema(
    map: &serde_json::Map<String, Value>,
    pointer: &str,
    report: &mut impl FnMut(String, String),
) {
    let declared = map.get("type").and_then(Value::as_str);

    if let Some(Value::Array(values)) = map.get("enum") {
        for (index, value) in values.iter().enumerate() {
            if let Value::String(text) = value
                && !text.chars().any(|c| c.is_ascii_alphanumeric())
            {
                report(
                    format!("{pointer}/enum/{index}"),
                    format!(
                        "enum value `{text}` has no letter or digit, so typify cannot name a variant for it"
                    ),
                );
            }
        }
        if let Some(default) = map.get("default")
            && !values.contains(default)
        {
            report(
                child(pointer, "default"),
                format!("default {default} is not one of the enum values"),
            );
        }
    }

    if let (Some(declared), Some(default)) = (declared, map.get("default"))
        && !value_matches_type(default, declared)
    {
        report(
            child(pointer, "default"),
            format!("default {default} does not match the declared type `{declared}`"),
        );
    }

    // An object whose own example is a list is a list mis-declared (typed as an object, real data would not fit).
    if let (Some(declared), Some(example)) = (declared, map.get("example"))
        && declared == "object"
        && !value_matches_type(example, declared)
    {
        report(
            child(pointer, "type"),
            format!(
                "declared `{declared}` but the document's own example is {}: the generated type would reject real data",
                json_type_of(example)
            ),
        );
    }

    if let (Some(Value::Array(branches)), Some(Value::Object(_))) =
        (map.get("oneOf"), map.get("properties"))
        && branches.iter().all(|branch| {
            branch.as_object().is_some_and(|b| {
                b.contains_key("required") && b.keys().all(|k| k == "required" || k == "type")
            })
        })
    {
        report(
            child(pointer, "oneOf"),
            "`oneOf` branches that only list required properties become enums with no variants in typify 0.8: \
             the type could never be built or decoded"
                .into(),
        );
    }

    if let (Some(Value::Array(required)), Some(Value::Object(properties))) =
        (map.get("required"), map.get("properties"))
    {
        for name in required.iter().filter_map(Value::as_str) {
            if !properties.contains_key(name) {
                report(
                    child(pointer, "required"),
                    format!("requires `{name}`, which is not one of its properties"),
                );
            }
        }
    }
}
