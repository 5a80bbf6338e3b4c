//! The document's own examples decode: every response example the (patched) document gives for a success
//! response decodes through its operation's typed call. Where the vendor's example and its schema disagree, the
//! example is evidence of what the service sends, and a live correction (openapi/bronto/live-corrections.yaml,
//! section "document examples") makes the schema say so.

use integration_tests::{Harness, bronto_document, operations_of};
use serde_json::{Map, Value};

fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    let mut current = schema;
    for _ in 0..16 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                current = document
                    .pointer(reference.trim_start_matches('#'))
                    .unwrap_or_else(|| panic!("unresolved $ref {reference}"));
            }
            None => break,
        }
    }
    current
}

/// The example the document gives for `schema`, as a mock server serving the document (Prism) composes it: the
/// schema's own `example` verbatim where it has one, otherwise an object of its members' examples (a member
/// without any example is left out, response members being optional, unless the schema requires it: then its
/// `default` or first `enum` value, as Prism fills it), a list of its item's example, a union's first branch.
/// `None` when nothing under the schema has an example.
fn document_example(document: &Value, schema: &Value, depth: usize) -> Option<Value> {
    if depth > 12 {
        return None;
    }
    let schema = resolve(document, schema);
    if let Some(example) = schema.get("example") {
        return Some(example.clone());
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && values.len() == 1
    {
        return values.first().cloned();
    }
    let mut object = Map::new();
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            if let Some(Value::Object(fields)) = document_example(document, part, depth + 1) {
                object.extend(fields);
            }
        }
    }
    for (name, member) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(example) = document_example(document, member, depth + 1)
            .or_else(|| required_filler(document, schema, name, member))
        {
            object.insert(name.clone(), example);
        }
    }
    if object.is_empty()
        && let Some(first) = ["oneOf", "anyOf"]
            .iter()
            .find_map(|key| schema.get(*key)?.as_array()?.first())
    {
        return document_example(document, first, depth + 1);
    }
    if schema.get("type").and_then(Value::as_str) == Some("array") {
        let item = schema.get("items")?;
        return document_example(document, item, depth + 1).map(|item| Value::Array(vec![item]));
    }
    (!object.is_empty()).then_some(Value::Object(object))
}

/// What Prism puts for a member `schema` requires and that has no example: its `default`, else its first `enum`
/// value (a union's branch keeps its required members, so its example must have them: `QueryUnitConfig`'s
/// `{"type": "data_size", "input": "bytes"}`).
fn required_filler(document: &Value, schema: &Value, name: &str, member: &Value) -> Option<Value> {
    let required = schema
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(|required| required.iter().any(|r| r.as_str() == Some(name)));
    if !required {
        return None;
    }
    let member = resolve(document, member);
    member.get("default").cloned().or_else(|| {
        member
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|values| values.first().cloned())
    })
}

/// `(operationId, status, example)` of every success response the document gives an example for.
fn examples() -> Vec<(String, String, Value)> {
    let document = bronto_document();
    let mut found = Vec::new();
    for op in operations_of(document) {
        let responses = op.spec.get("responses").and_then(Value::as_object);
        for (status, response) in responses.into_iter().flatten() {
            if !status.starts_with('2') {
                continue;
            }
            let Some(media) = response.pointer("/content/application~1json") else {
                continue;
            };
            let example = media
                .get("example")
                .cloned()
                .or_else(|| {
                    media
                        .get("examples")
                        .and_then(Value::as_object)
                        .and_then(|examples| examples.values().next())
                        .and_then(|example| example.get("value").cloned())
                })
                .or_else(|| document_example(document, media.get("schema")?, 0));
            if let Some(example) = example {
                found.push((op.id.clone(), status.clone(), example));
            }
        }
    }
    found
}

#[test]
fn every_response_example_of_the_document_decodes_through_its_operation() {
    let examples = examples();
    assert!(
        examples.len() >= 50,
        "only {} examples found",
        examples.len()
    );
    let mut failures = Vec::new();
    for (id, status, example) in &examples {
        let operation = bronto_client::operations::Operation::find(id)
            .unwrap_or_else(|| panic!("{id} is not generated"));
        let bytes = example.to_string();
        match operation.decode_success(bytes.as_bytes()) {
            None => failures.push(format!(
                "{id} {status}: the operation has no typed JSON success"
            )),
            Some(Err(error)) => failures.push(format!("{id} {status}: {error} in {bytes}")),
            Some(Ok(_)) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples do not decode:\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n")
    );
}

/// The same through a real call on loopback, for the operations the corrections changed.
#[tokio::test]
async fn corrected_examples_decode_through_the_typed_calls() {
    let harness = Harness::start();
    let examples = examples();
    let example_of = |id: &str| {
        examples
            .iter()
            .find(|(op, ..)| op == id)
            .map(|(_, _, example)| example.to_string())
            .unwrap_or_else(|| panic!("{id} has no example"))
    };
    let dashboards = integration_tests::operation("listDashboards");
    let mock = dashboards.mock_answering(
        &harness.server,
        &[],
        |when| when,
        "application/json",
        &example_of("listDashboards"),
    );
    harness
        .client
        .list_dashboards()
        .call()
        .await
        .expect("listDashboards example");
    mock.assert();
    let monitors = integration_tests::operation("listMonitors");
    let mock = monitors.mock_answering(
        &harness.server,
        &[],
        |when| when,
        "application/json",
        &example_of("listMonitors"),
    );
    harness
        .client
        .list_monitors()
        .call()
        .await
        .expect("listMonitors example");
    mock.assert();
}
