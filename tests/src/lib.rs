//! Shared harness for the integration tests: the patched Bronto document, samples built from its schemas, and
//! mocks that check method, path, auth header and body of every operation.
//!
//! A test names the operation by its `operationId`; method and path come from the document, not from the test,
//! so a generated method that sends the wrong request fails:
//!
//! ```no_run
//! # async fn demo() {
//! use integration_tests::{Harness, operation};
//! let harness = Harness::start();
//! let op = operation("listApiKeys");
//! let mock = op.mock(&harness.server, &[], |when| when);
//! let response = harness.client.list_api_keys().send().await.unwrap();
//! mock.assert();
//! op.assert_decoded(&response.into_inner());
//! # }
//! ```

#![deny(missing_docs)]

pub mod blubracket;
pub mod corpus_guard;
pub mod coverage;
pub mod handler_server;
pub mod live_shapes;
pub mod loopback;
pub mod samples;

use std::path::PathBuf;
use std::sync::OnceLock;

use httpmock::{Mock, MockServer, When};
use serde_json::Value;

/// The API key every test client sends.
pub const API_KEY: &str = "test-api-key-0123456789";

/// Path of a file in the repository, from the tests crate.
pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

/// The Bronto pipeline exactly as `bronto-client/build.rs` runs it.
pub fn bronto_pipeline() -> build_support::Pipeline {
    build_support::clients::bronto(&repo_path(""))
}

/// The patched Bronto document (loaded once per test binary).
pub fn bronto_document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| match bronto_pipeline().prepare() {
        Ok(prepared) => prepared.value,
        Err(error) => panic!("the Bronto document does not prepare: {error}"),
    })
}

/// A mock server on loopback and a Bronto client pointed at it with [`API_KEY`].
pub struct Harness {
    /// The mock server.
    pub server: MockServer,
    /// A client for it.
    pub client: bronto_client::Client,
}

impl Harness {
    /// Starts a server and builds a client for it.
    pub fn start() -> Self {
        let server = MockServer::start();
        // One attempt per call: these tests check what each request and response look like; retries are the
        // runtime's business and are tested on their own (tests/sdk_policy.rs).
        let runtime = bronto_client::ClientConfig::with_base_url(server.base_url())
            .api_key(API_KEY)
            .runtime_builder()
            .and_then(|builder| Ok(builder.retry(client_runtime::RetryPolicy::none()).build()?))
            .unwrap_or_else(|e| panic!("client for the mock server: {e}"));
        let client = bronto_client::Client::with_runtime(runtime);
        Self { server, client }
    }
}

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Its operationId.
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template, e.g. `/api-keys/{apiKeyId}`.
    pub path: String,
    /// The operation object.
    pub spec: Value,
}

impl Operation {
    /// The schema of its first 2xx `application/json` response, if it has one.
    pub fn success_schema(&self) -> Option<Value> {
        self.spec
            .get("responses")?
            .as_object()?
            .iter()
            .filter(|(code, _)| code.starts_with('2'))
            .find_map(|(_, response)| {
                response
                    .pointer("/content/application~1json/schema")
                    .cloned()
            })
    }
}

/// Every operation of `document`, in document order.
pub fn operations_of(document: &Value) -> Vec<Operation> {
    let mut found = Vec::new();
    let paths = document
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten();
    for (path, item) in paths {
        for (method, spec) in item.as_object().into_iter().flatten() {
            if let Some(id) = spec.get("operationId").and_then(Value::as_str) {
                found.push(Operation {
                    id: id.to_string(),
                    method: method.to_ascii_uppercase(),
                    path: path.clone(),
                    spec: spec.clone(),
                });
            }
        }
    }
    found
}

/// Looks up a Bronto operation by operationId; panics (failing the test) when the document has none.
pub fn operation(id: &str) -> Operation {
    operations_of(bronto_document())
        .into_iter()
        .find(|op| op.id == id)
        .unwrap_or_else(|| panic!("the document has no operation `{id}`"))
}

/// Every operationId of the Bronto document, in document order.
pub fn operation_ids() -> Vec<String> {
    operations_of(bronto_document())
        .into_iter()
        .map(|op| op.id)
        .collect()
}

impl Operation {
    /// The concrete path with `{name}` placeholders replaced by `params`; panics on a placeholder left unfilled.
    pub fn concrete_path(&self, params: &[(&str, &str)]) -> String {
        let mut path = self.path.clone();
        for (name, value) in params {
            let placeholder = format!("{{{name}}}");
            assert!(
                path.contains(&placeholder),
                "{}: path {} has no parameter {name}",
                self.id,
                self.path
            );
            path = path.replace(&placeholder, value);
        }
        assert!(
            !path.contains('{'),
            "{}: path parameters left unfilled in {path}",
            self.id
        );
        path
    }

    /// The first success status the document declares and its JSON schema, if it has a body.
    pub fn success(&self) -> (u16, Option<&Value>) {
        let responses = self.spec.get("responses").and_then(Value::as_object);
        let (code, response) = responses
            .into_iter()
            .flatten()
            .find(|(code, _)| code.starts_with('2'))
            .unwrap_or_else(|| panic!("{} declares no success response", self.id));
        let status = code.parse().unwrap_or(200);
        (
            status,
            response.pointer("/content/application~1json/schema"),
        )
    }

    /// A response body built from the document's examples and schemas (`Null` when the success has no body).
    pub fn sample_response(&self) -> Value {
        match self.success().1 {
            Some(schema) => samples::sample(bronto_document(), schema),
            None => Value::Null,
        }
    }

    /// A request body built from the document's examples and schemas.
    pub fn sample_request(&self) -> Value {
        let schema = self
            .spec
            .pointer("/requestBody/content/application~1json/schema")
            .unwrap_or_else(|| panic!("{} has no JSON request body", self.id));
        samples::sample(bronto_document(), schema)
    }

    /// A mock that matches this operation's method, concrete path and the API key, refines the match with
    /// `refine` (query parameters, body), and answers with the success status and [`Self::sample_response`].
    pub fn mock<'a>(
        &self,
        server: &'a MockServer,
        path_params: &[(&str, &str)],
        refine: impl FnOnce(When) -> When,
    ) -> Mock<'a> {
        let body = self.sample_response();
        let text = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        self.mock_answering(server, path_params, refine, "application/json", &text)
    }

    /// Like [`Self::mock`], answering with `body` (sent as `content_type`; an empty body is sent bare).
    pub fn mock_answering<'a>(
        &self,
        server: &'a MockServer,
        path_params: &[(&str, &str)],
        refine: impl FnOnce(When) -> When,
        content_type: &str,
        body: &str,
    ) -> Mock<'a> {
        let (status, _) = self.success();
        let path = self.concrete_path(path_params);
        server.mock(|when, then| {
            let when = when
                .method(self.method.as_str())
                .path(path)
                .header("x-bronto-api-key", API_KEY);
            refine(when);
            let then = then.status(status);
            if !body.is_empty() {
                then.header("content-type", content_type).body(body);
            }
        })
    }

    /// Asserts that `decoded` (the client's typed response) kept every field of [`Self::sample_response`].
    pub fn assert_decoded<T: serde::Serialize>(&self, decoded: &T) {
        self.assert_decoded_as(&self.sample_response(), decoded);
    }

    /// Asserts that `decoded` kept every field of `expected` (a response the test built itself).
    pub fn assert_decoded_as<T: serde::Serialize>(&self, expected: &Value, decoded: &T) {
        let actual = serde_json::to_value(decoded)
            .unwrap_or_else(|e| panic!("{}: re-serializing the response: {e}", self.id));
        assert_json_includes(&self.id, expected, &actual);
    }
}

/// Parses a UUID literal of a test.
pub fn uuid(text: &str) -> uuid::Uuid {
    uuid::Uuid::parse_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Asserts every field and element of `expected` is in `actual`; numbers compare by value (`5` equals `5.0`).
pub fn assert_json_includes(context: &str, expected: &Value, actual: &Value) {
    if let Err(path) = includes(expected, actual, String::new()) {
        panic!(
            "{context}: decoded value differs at `{path}`\nexpected: {expected:#}\nactual:   {actual:#}"
        );
    }
}

fn is_empty_container(value: &Value) -> bool {
    matches!(value, Value::Object(map) if map.is_empty())
        || matches!(value, Value::Array(items) if items.is_empty())
}

fn includes(expected: &Value, actual: &Value, path: String) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                let inner = format!("{path}/{key}");
                match a.get(key) {
                    Some(found) => includes(value, found, inner)?,
                    // The generated types skip empty maps and lists when serializing: nothing was lost.
                    None if is_empty_container(value) => {}
                    None => return Err(inner),
                }
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (index, (ev, av)) in e.iter().zip(a).enumerate() {
                includes(ev, av, format!("{path}/{index}"))?;
            }
            Ok(())
        }
        (Value::Number(e), Value::Number(a)) => {
            let same = match (e.as_i64(), a.as_i64()) {
                (Some(x), Some(y)) => x == y,
                _ => e.as_f64() == a.as_f64(),
            };
            if same { Ok(()) } else { Err(path) }
        }
        (e, a) if e == a => Ok(()),
        _ => Err(path),
    }
}
