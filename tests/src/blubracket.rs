//! Harness for the BluBracket tests: the hand-written document, a loopback mock server with a client that sends
//! [`TOKEN`], mocks that check an operation's method, path and Bearer header, and temporary key files.
//!
//! A test names the operation by its `operationId` with [`blubracket_operation`]; method and path come from the
//! document, not from the test, so a generated method that sends the wrong request fails. The coverage test
//! (`blubracket_coverage.rs`) counts those calls.
//!
//! ```no_run
//! # async fn demo() {
//! use integration_tests::blubracket::{BluHarness, blubracket_operation};
//! let harness = BluHarness::start();
//! let op = blubracket_operation("deleteIgnoreRules");
//! let mock = op.mock(&harness.server, &[], |when| when, 204, None);
//! harness.client.delete_ignore_rules().send().await.unwrap();
//! mock.assert();
//! # }
//! ```

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use httpmock::{Mock, MockServer, When};
use serde_json::Value;

use crate::{Operation, operations_of, repo_path};

/// The bearer token every test client sends.
pub const TOKEN: &str = "QkxVLXRlc3QtdG9rZW4tMDEyMzQ1Njc4OQ";

/// The BluBracket pipeline exactly as `blubracket-client/build.rs` runs it (hand-written: no digest, no patches).
pub fn blubracket_pipeline() -> build_support::Pipeline {
    build_support::clients::blubracket(&repo_path(""))
}

/// The document as the generator sees it (loaded once per test binary).
pub fn blubracket_document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| match blubracket_pipeline().prepare() {
        Ok(prepared) => prepared.value,
        Err(error) => panic!("the BluBracket document does not prepare: {error}"),
    })
}

/// A mock server on loopback and a BluBracket client pointed at it with [`TOKEN`].
pub struct BluHarness {
    /// The mock server.
    pub server: MockServer,
    /// A client for it.
    pub client: blubracket_client::Client,
}

impl BluHarness {
    /// Starts a server and builds a client for it.
    pub fn start() -> Self {
        let server = MockServer::start();
        // One attempt per call, as in the Bronto harness.
        let runtime = blubracket_client::ClientConfig::new(server.base_url())
            .token(TOKEN)
            .runtime_builder()
            .and_then(|builder| Ok(builder.retry(client_runtime::RetryPolicy::none()).build()?))
            .unwrap_or_else(|e| panic!("client for the mock server: {e}"));
        let client = blubracket_client::Client::with_runtime(runtime);
        Self { server, client }
    }
}

/// One operation of the BluBracket document: the shared [`Operation`] with BluBracket's own mocks (Bearer header,
/// declared statuses only).
#[derive(Debug, Clone)]
pub struct BluOperation(Operation);

impl std::ops::Deref for BluOperation {
    type Target = Operation;

    fn deref(&self) -> &Operation {
        &self.0
    }
}

/// Looks up an operation by operationId; panics (failing the test) when the document has none.
pub fn blubracket_operation(id: &str) -> BluOperation {
    operations_of(blubracket_document())
        .into_iter()
        .find(|op| op.id == id)
        .map(BluOperation)
        .unwrap_or_else(|| panic!("the BluBracket document has no operation `{id}`"))
}

/// Every operationId of the document, in document order.
pub fn blubracket_operation_ids() -> Vec<String> {
    operations_of(blubracket_document())
        .into_iter()
        .map(|op| op.id)
        .collect()
}

impl BluOperation {
    /// `true` when the document declares `status` for this operation (exactly, or by its `2XX`-style range).
    pub fn declares(&self, status: u16) -> bool {
        let responses = self.spec.get("responses").and_then(Value::as_object);
        let range = format!("{}XX", status / 100);
        responses.is_some_and(|r| r.contains_key(&status.to_string()) || r.contains_key(&range))
    }

    /// A mock matching this operation's method, concrete path and `Authorization: Bearer TOKEN`, refined by
    /// `refine`, answering `status` with `body` as JSON (or no body). Panics when the document does not declare
    /// `status` for the operation, so a test cannot drift from the document.
    pub fn mock<'a>(
        &self,
        server: &'a MockServer,
        path_params: &[(&str, &str)],
        refine: impl FnOnce(When) -> When,
        status: u16,
        body: Option<&Value>,
    ) -> Mock<'a> {
        let body = body.map(Value::to_string);
        self.mock_raw(
            server,
            path_params,
            refine,
            status,
            body.as_deref().map(|b| ("application/json", b)),
        )
    }

    /// Like [`BluOperation::mock`], with a body of any content type.
    pub fn mock_raw<'a>(
        &self,
        server: &'a MockServer,
        path_params: &[(&str, &str)],
        refine: impl FnOnce(When) -> When,
        status: u16,
        body: Option<(&str, &str)>,
    ) -> Mock<'a> {
        assert!(
            self.declares(status),
            "{}: the document does not declare status {status}",
            self.id
        );
        let method = self.method.clone();
        let path = self.concrete_path(path_params);
        server.mock(|when, then| {
            let when = when
                .method(method.as_str())
                .path(path)
                .header("authorization", format!("Bearer {TOKEN}"));
            refine(when);
            let then = then.status(status);
            if let Some((content_type, body)) = body {
                then.header("content-type", content_type).body(body);
            }
        })
    }
}

/// A directory under the system temp dir, removed on drop (for key files).
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a fresh, empty directory.
    pub fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "blubracket-tests-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Self { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `contents` to `name` in the directory, owner-only (0600 on unix), and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path.join(name);
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        path
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
