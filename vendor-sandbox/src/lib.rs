//! A fake Bronto and BluBracket on loopback, for a service's tests, the SDK's tour and the CLI (`--sandbox`,
//! `bronto sandbox serve`): stateful and faithful for what it answers, and loud about the rest. An operation or a
//! query feature it does not implement answers `501 Not Implemented` with a body naming what is missing (the
//! SDK's error shows it), never a plausible wrong answer. See the README for the list of what it refuses.
//!
//! ```
//! use futures::TryStreamExt as _;
//! use sdk::bronto_api::types::CreateSearchRequest;
//!
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = vendor_sandbox::Sandbox::start().await;
//! let sdk = sdk::Sdk::new(sandbox.config())?;
//! let search: CreateSearchRequest = CreateSearchRequest::builder()
//!     .from([vendor_sandbox::SANDBOX_DATASET])
//!     .select(["*"])
//!     .time_range("Last 24 hours")
//!     .where_("level = 'error' AND latency_ms >= 200")
//!     .try_into()?;
//! let errors: Vec<_> = sdk.bronto()?.search_events(search).try_collect().await?;
//! assert_eq!(errors.len(), 6, "the seeded errors with a latency of 200 ms or more");
//! # Ok(()) }
//! ```
//!
//! Bronto (one host: the API, and ingestion at `POST /` as on the service's ingestion host):
//! - **Keys and accounts**: [`SANDBOX_API_KEY`] administers the default account; keys created through the API
//!   belong to the creator's account and do what their roles allow (an `IngestionApi`-only key gets `403` on the
//!   API, as live; a key without an ingestion role gets `403` on ingestion); a deleted key is refused (`401`).
//!   [`Sandbox::tenant`] adds an account that sees nothing of the others.
//! - **Search** over ingested events: `from` (names or ids), `time_range` (`Last N minutes|hours|days|weeks`) or
//!   `from_ts`/`to_ts`, `where` (comparisons, `LIKE`, `IN`, `IS [NOT] NULL`, `AND`/`OR`/`NOT`), `select`
//!   projections, `limit`, pages, the asynchronous form; aggregates `count(*)`, `avg`/`min`/`max`/`sum` of a
//!   field, `groups` and `num_of_slices` in the live response shape. [`SANDBOX_DATASET`] is seeded with 30 events
//!   of the last hour ([`seed::checkout_events`]).
//! - **Exports** of a search, honouring it, downloaded from a second host that refuses Bronto credentials.
//! - **Monitors** (create, list, get, update, delete, mute), **users** and **groups** (members, a user's groups).
//! - **Rate limits**: `RateLimit-Limit/Remaining/Reset` on every API answer, per account, with a budget set by
//!   [`SandboxBuilder::rate_limit`]; once spent, `429` with `Retry-After`.
//!
//! A test adds its own routes or typed mocks with [`Sandbox::route`]; [`conversation`] scripts replies
//! (`429`, `429`, `200`, headers, delays, a call count) for any mock.

#![deny(missing_docs)]

mod aggregate;
mod blubracket;
pub mod conversation;
mod dispatch;
mod export;
mod ingestion;
mod query;
mod reply;
mod resources;
mod search;
pub mod seed;
mod state;

use std::sync::{Arc, Mutex};

use httpmock::{HttpMockResponse, MockServer};
use serde_json::Value;

pub use state::RateLimitBudget;
use state::{Grant, State};

/// The API key that administers the sandbox's default account (not a secret: the sandbox is local).
pub const SANDBOX_API_KEY: &str = "sandbox-api-key";

/// The BluBracket token the sandbox expects.
pub const SANDBOX_BLUBRACKET_TOKEN: &str = "sandbox-blubracket-token";

/// The dataset the sandbox seeds with events.
pub const SANDBOX_DATASET: &str = "checkout-service";

/// The default account's name (its `org_id`).
const DEFAULT_ACCOUNT: &str = "sandbox-org";

/// The running sandbox. Its servers stop when it is dropped.
pub struct Sandbox {
    bronto: MockServer,
    storage: MockServer,
    blubracket: MockServer,
    state: dispatch::Shared,
    /// The id of the mock that dispatches every Bronto request (re-added after a test's own routes).
    dispatcher: Mutex<usize>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("bronto", &self.bronto.base_url())
            .field("storage", &self.storage.base_url())
            .field("blubracket", &self.blubracket.base_url())
            .finish()
    }
}

/// Options of a [`Sandbox`] before it starts.
#[derive(Debug, Clone, Default)]
pub struct SandboxBuilder {
    rate_limit: RateLimitBudget,
}

impl SandboxBuilder {
    /// Each account's request budget (default: [`RateLimitBudget::default`], 1,000 per 5 minutes).
    pub fn rate_limit(mut self, budget: RateLimitBudget) -> Self {
        self.rate_limit = budget;
        self
    }

    /// Starts the sandbox's servers on loopback and seeds them.
    pub async fn start(self) -> Sandbox {
        let bronto = MockServer::start_async().await;
        let storage = MockServer::start_async().await;
        let blubracket = MockServer::start_async().await;
        let mut state = State {
            budget_rule: self.rate_limit,
            ..State::default()
        };
        seed_default_account(&mut state);
        let sandbox = Sandbox {
            bronto,
            storage,
            blubracket,
            state: Arc::new(Mutex::new(state)),
            dispatcher: Mutex::new(0),
        };
        sandbox.mount_storage();
        blubracket::seed(&sandbox.blubracket);
        let id = sandbox.mount_dispatcher();
        if let Ok(mut dispatcher) = sandbox.dispatcher.lock() {
            *dispatcher = id;
        }
        sandbox
    }
}

fn seed_default_account(state: &mut State) {
    state.keys.insert(
        SANDBOX_API_KEY.to_string(),
        Grant {
            account: DEFAULT_ACCOUNT.to_string(),
            key_id: "sandbox-admin".to_string(),
            roles: vec!["Admin".to_string()],
        },
    );
    let listed = |value: Value, member: &str| value[member].as_array().cloned().unwrap_or_default();
    let account = state.account(DEFAULT_ACCOUNT);
    account.api_keys = listed(seed::api_keys(), "api_keys");
    account.datasets = listed(seed::datasets(), "datasets");
    let now = state::now_millis();
    for line in seed::checkout_events(now) {
        ingestion::store(state, DEFAULT_ACCOUNT, SANDBOX_DATASET, &line, now);
    }
}

/// A configuration builder for a sandbox already running at `url` (another process's `bronto sandbox serve`):
/// the API and ingestion at that URL, with [`SANDBOX_API_KEY`].
pub fn config_for_url(url: &str) -> sdk::ConfigBuilder {
    sdk::Config::builder()
        .bronto_base_url(url)
        .bronto_ingestion_url(url)
        .bronto_api_key(SANDBOX_API_KEY)
}

impl Sandbox {
    /// Starts a sandbox with the default options.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// Options before starting.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// A configuration pointing the SDK at the sandbox.
    pub fn config(&self) -> sdk::Config {
        self.config_builder()
            .build()
            .unwrap_or_else(|e| unreachable!("the sandbox's own configuration is valid: {e}"))
    }

    /// A configuration builder pointing at the sandbox, to adjust before building.
    pub fn config_builder(&self) -> sdk::ConfigBuilder {
        config_for_url(&self.bronto.base_url())
            .blubracket_tenant(self.blubracket.base_url())
            .blubracket_token(SANDBOX_BLUBRACKET_TOKEN)
    }

    /// The sandbox's Bronto base URL (the API, and ingestion at `POST /`).
    pub fn bronto_base_url(&self) -> String {
        self.bronto.base_url()
    }

    /// The sandbox's BluBracket tenant URL.
    pub fn blubracket_base_url(&self) -> String {
        self.blubracket.base_url()
    }

    /// The events the default account ingested into `dataset` (`""` when no dataset was named), as sent.
    pub fn ingested(&self, dataset: &str) -> Vec<Value> {
        self.state
            .lock()
            .map(|mut state| {
                state
                    .account(DEFAULT_ACCOUNT)
                    .events
                    .get(dataset)
                    .map(|events| events.iter().map(|event| event.original.clone()).collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }

    /// The data of the most recent export (what `export_to` writes; the stored object is its Zstandard
    /// compression, as on the live service); empty before any export.
    pub fn export_file(&self) -> Vec<u8> {
        self.state
            .lock()
            .ok()
            .and_then(|state| {
                let id = state.last_export.clone()?;
                state.exports.get(&id).map(|job| job.data.clone())
            })
            .unwrap_or_default()
    }

    /// Adds an account (a tenant) and returns the key that administers it; it shares nothing with the others.
    pub fn tenant(&self, name: &str) -> String {
        let key = format!("sandbox-key-{name}-{}", state::new_id());
        if let Ok(mut state) = self.state.lock() {
            let account = format!("sandbox-org-{name}");
            state.account(&account);
            state.keys.insert(
                key.clone(),
                Grant {
                    account,
                    key_id: format!("{name}-admin"),
                    roles: vec!["Admin".to_string()],
                },
            );
        }
        key
    }

    /// Adds a test's own routes or typed mocks to the running sandbox's Bronto host: they are matched before the
    /// sandbox's own answers (and without its key check or rate limit).
    ///
    /// ```
    /// use bronto_mock::MockServerExt as _;
    ///
    /// # #[tokio::main] async fn main() -> Result<(), sdk::Error> {
    /// let sandbox = vendor_sandbox::Sandbox::start().await;
    /// let mock = sandbox.route(|server| {
    ///     server.list_dashboards(|_when, then| {
    ///         then.into_inner().status(200).body(r#"{"dashboards": []}"#);
    ///     })
    /// });
    /// let sdk = sdk::Sdk::new(sandbox.config())?;
    /// let dashboards = sdk.bronto()?.list_dashboards().call().await?;
    /// assert!(dashboards.dashboards.is_empty());
    /// mock.assert();
    /// # Ok(()) }
    /// ```
    pub fn route<'a, R>(&'a self, add: impl FnOnce(&'a MockServer) -> R) -> R {
        let Ok(mut dispatcher) = self.dispatcher.lock() else {
            return add(&self.bronto);
        };
        httpmock::Mock::new(*dispatcher, &self.bronto).delete();
        let added = add(&self.bronto);
        *dispatcher = self.mount_dispatcher();
        added
    }

    fn mount_dispatcher(&self) -> usize {
        let shared = self.state.clone();
        let storage = self.storage.base_url();
        self.bronto
            .mock(|when, then| {
                when.any_request();
                then.respond_with(move |request| dispatch::handle(&shared, &storage, request));
            })
            .id()
    }

    /// The storage host: an export's object by its presigned-looking URL, refusing a request that carries a
    /// Bronto credential.
    fn mount_storage(&self) {
        let shared = self.state.clone();
        self.storage.mock(|when, then| {
            when.any_request();
            then.respond_with(move |request| {
                let credential = ["x-bronto-api-key", "authorization"]
                    .iter()
                    .any(|name| ingestion::header(request, name).is_some());
                let path = request.uri().path().to_string();
                let signed = request
                    .query_params()
                    .iter()
                    .any(|(name, _)| name == "X-Amz-Signature");
                let id = path
                    .strip_prefix("/sandbox-bucket/")
                    .and_then(|name| name.strip_suffix(".ndjson.zst"));
                let object = id.and_then(|id| shared.lock().ok()?.objects.get(id).cloned());
                match object {
                    _ if credential => {
                        reply::error(400, "a presigned URL takes no other credential")
                    }
                    Some(object) if signed => HttpMockResponse::builder()
                        .status(200)
                        .header("content-type", "application/zstd")
                        .body(object)
                        .build(),
                    _ => reply::error(403, "no such object, or the URL is not signed"),
                }
            });
        });
    }
}
