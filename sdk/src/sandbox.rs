//! An embedded sandbox: both APIs mocked in-process on loopback, seeded with realistic data that conforms to the
//! vendors' documents, so everything (the tour, a service's own tests) runs without credentials or network.
//!
//! ```no_run
//! # async fn run() -> Result<(), sdk::Error> {
//! let sandbox = sdk::sandbox::Sandbox::start().await;
//! let sdk = sdk::Sdk::new(sandbox.config())?;
//! let bronto = sdk.bronto()?;
//! let keys = bronto.call(bronto.list_api_keys().send()).await?;
//! assert!(!keys.api_keys.is_empty());
//! # Ok(()) }
//! ```
//!
//! What it serves (Bronto): API keys (list, create); a search over three pages linked by `pagination_token`; an
//! asynchronous search that answers "running" once and then its result; an export that goes from 0 % through
//! 50 % to `COMPLETE`, with its file served by a second loopback host that refuses requests carrying a Bronto
//! credential.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bronto_client::types;
use bronto_mock::MockServerExt as _;
use httpmock::{HttpMockResponse, MockServer};
use serde_json::{Value, json};

use crate::Config;

/// The API key the sandbox expects (it is not a secret: the sandbox is local).
pub const SANDBOX_API_KEY: &str = "sandbox-api-key";

/// The dataset the sandbox's searches and exports read.
pub const SANDBOX_DATASET: &str = "checkout-service";

const PAGE_TOKENS: [&str; 2] = [
    "5b2d8f0a-1c3e-4f5a-9b7c-0d1e2f3a4b5c",
    "6c3e9a1b-2d4f-4a6b-8c8d-1e2f3a4b5c6d",
];
const EXPORT_ID: &str = "7d4fa02c-3e5a-4b7c-9d9e-2f3a4b5c6d7e";

/// The running sandbox. Its servers stop when it is dropped.
pub struct Sandbox {
    bronto: MockServer,
    storage: MockServer,
    export_file: Vec<u8>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("bronto", &self.bronto.base_url())
            .field("storage", &self.storage.base_url())
            .finish()
    }
}

/// The seed data, as JSON: public so tests can check it against the document's schemas.
pub mod seed {
    use super::*;

    /// The API keys listed by `listApiKeys`.
    pub fn api_keys() -> Value {
        json!({"api_keys": [
            {"id": "0f8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", "name": "checkout ingestion", "roles": ["IngestionApi"],
             "api_key": "bk_live_", "expires_at": 1_893_456_000_000i64},
            {"id": "1a9c8d7e-6f5a-4b4c-8d3e-2f1a0b9c8d7e", "name": "dashboards (read only)", "roles": ["SearchApi"],
             "api_key": "bk_live_"},
        ]})
    }

    /// The key `createApiKey` answers with (its full value is shown once).
    pub fn created_api_key() -> Value {
        json!({"id": "2b0d9e8f-7a6b-4c5d-9e4f-3a2b1c0d9e8f", "name": "tour key", "roles": ["SearchApi"],
               "api_key": "bk_live_tour_0123456789abcdef", "expires_at": 1_893_456_000_000i64})
    }

    fn event(sequence: i64, level: &str, message: &str) -> Value {
        json!({
            "@raw": format!("{{\"level\":\"{level}\",\"message\":\"{message}\"}}"),
            "raw": format!("level={level} message=\"{message}\""),
            "time": "2026-11-22T09:30:00.000Z",
            "attributes": {"level": level, "service": SANDBOX_DATASET},
            "message_kvs": {},
            "metadata": {"sequence": sequence, "timestamp": 1_795_340_000_000i64 + sequence % 1000},
        })
    }

    /// Page `index` (0, 1, 2) of the sandbox search.
    pub fn search_page(index: usize) -> Value {
        let base = 9_007_199_254_740_000i64 + (index as i64) * 10;
        let events: Vec<Value> = (0..3)
            .map(|i| event(base + i, "error", &format!("payment declined (page {}, event {})", index + 1, i + 1)))
            .collect();
        let links: Vec<Value> = PAGE_TOKENS
            .get(index)
            .map(|token| vec![json!({"rel": "next", "href": format!("/search?pagination_token={token}&per_page=3")})])
            .unwrap_or_default();
        json!({"events": events, "links": links})
    }

    /// The result of the sandbox's asynchronous search.
    pub fn async_result() -> Value {
        json!({"events": [event(9_007_199_254_741_001, "warn", "slow upstream: 2.3 s")], "links": []})
    }

    /// The export's state at `percent`.
    pub fn export(percent: i64, location: &str, bytes: usize) -> Value {
        let status = match percent {
            0 => "CREATED",
            100 => "COMPLETE",
            _ => "IN_PROGRESS",
        };
        json!({
            "export_id": EXPORT_ID, "org_id": "sandbox-org", "status": status, "progress": percent,
            "location": if percent == 100 { location } else { "" }, "bytes": bytes, "events": 1200,
            "created_at": 1_795_340_000_000i64,
            "search_details": {"from": SANDBOX_DATASET, "time_range": "Last 24 hours", "where": "level = 'error'"},
        })
    }
}

fn json_response(status: u16, body: &Value) -> HttpMockResponse {
    HttpMockResponse::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_string())
        .build()
}

impl Sandbox {
    /// Starts the sandbox's servers on loopback and seeds them.
    pub async fn start() -> Self {
        let bronto = MockServer::start_async().await;
        let storage = MockServer::start_async().await;
        let export_file: Vec<u8> = (0..1200)
            .map(|i| format!("{{\"sequence\":{},\"level\":\"error\",\"message\":\"payment declined\"}}\n", 9_007_199_254_740_000i64 + i))
            .collect::<String>()
            .into_bytes();
        let sandbox = Self {
            bronto,
            storage,
            export_file,
        };
        sandbox.seed_bronto();
        sandbox
    }

    /// A configuration pointing the SDK at the sandbox.
    pub fn config(&self) -> Config {
        self.config_builder()
            .build()
            .unwrap_or_else(|e| unreachable!("the sandbox's own configuration is valid: {e}"))
    }

    /// A configuration builder pointing at the sandbox, to adjust before building.
    pub fn config_builder(&self) -> crate::ConfigBuilder {
        Config::builder()
            .bronto_base_url(self.bronto.base_url())
            .bronto_api_key(SANDBOX_API_KEY)
    }

    /// The sandbox's Bronto base URL.
    pub fn bronto_base_url(&self) -> String {
        self.bronto.base_url()
    }

    /// The bytes the sandbox's export downloads.
    pub fn export_file(&self) -> &[u8] {
        &self.export_file
    }

    fn seed_bronto(&self) {
        let server = &self.bronto;
        let key = SANDBOX_API_KEY;
        server.list_api_keys(|when, then| {
            let _ = when.into_inner().header("x-bronto-api-key", key);
            let _ = then.ok(&typed::<types::ListApiKeysResponse>(seed::api_keys()));
        });
        server.create_api_key(|when, then| {
            let _ = when.into_inner().header("x-bronto-api-key", key);
            let _ = then.created(&typed::<types::ApiKey>(seed::created_api_key()));
        });

        // Paged search: page 1 has no token; pages 2 and 3 are reached by the tokens of the `next` links. Every
        // page requires the dataset filter, so a client that drops filters after page 1 gets a 404.
        let filter = json!({"from": [SANDBOX_DATASET]}).to_string();
        server.mock(|when, then| {
            when.method("POST")
                .path("/search")
                .header("x-bronto-api-key", key)
                .json_body_includes(filter.clone())
                .body_excludes("pagination_token")
                .body_excludes("async_enabled\":true");
            then.status(200)
                .header("content-type", "application/json")
                .body(seed::search_page(0).to_string());
        });
        for (index, token) in PAGE_TOKENS.iter().enumerate() {
            let page = json!({"pagination_token": token}).to_string();
            server.mock(|when, then| {
                when.method("POST")
                    .path("/search")
                    .header("x-bronto-api-key", key)
                    .json_body_includes(filter.clone())
                    .json_body_includes(page);
                then.status(200)
                    .header("content-type", "application/json")
                    .body(seed::search_page(index + 1).to_string());
            });
        }

        // Asynchronous search: submitted, running once, then done.
        server.mock(|when, then| {
            when.method("POST")
                .path("/search")
                .header("x-bronto-api-key", key)
                .json_body_includes(json!({"async_enabled": true}).to_string());
            then.status(202)
                .header("content-type", "application/json")
                .body(json!({"links": [{"rel": "status", "href": "/search/status/sandbox-async-1"}]}).to_string());
        });
        server.mock(|when, then| {
            when.method("GET").path("/search/status/sandbox-async-1").header("x-bronto-api-key", key);
            then.status(202)
                .header("content-type", "application/json")
                .header("retry-after", "0")
                .body(json!({"links": [{"rel": "status", "href": "/search/status/sandbox-async-2"}]}).to_string());
        });
        server.mock(|when, then| {
            when.method("GET").path("/search/status/sandbox-async-2").header("x-bronto-api-key", key);
            then.status(200)
                .header("content-type", "application/json")
                .body(seed::async_result().to_string());
        });
        server.mock(|when, then| {
            when.method("DELETE").path_prefix("/search/status/");
            then.status(204);
        });

        // Export: created at 0 %, then 50 %, then complete with its file on the storage host.
        let location = format!("{}/sandbox-bucket/{EXPORT_ID}.ndjson?X-Amz-Signature=sandbox", self.storage.base_url());
        let size = self.export_file.len();
        server.create_export(|when, then| {
            let _ = when.into_inner().header("x-bronto-api-key", key);
            let _ = then.created(&typed::<types::Export>(seed::export(0, "", size)));
        });
        let polls = Arc::new(AtomicUsize::new(0));
        server.mock(move |when, then| {
            when.method("GET").path(format!("/exports/{EXPORT_ID}")).header("x-bronto-api-key", key);
            then.respond_with(move |_| {
                let percent = match polls.fetch_add(1, Ordering::SeqCst) {
                    0 => 50,
                    _ => 100,
                };
                json_response(200, &seed::export(percent, &location, size))
            });
        });
        self.storage.mock(|when, then| {
            when.method("GET")
                .path(format!("/sandbox-bucket/{EXPORT_ID}.ndjson"))
                .query_param("X-Amz-Signature", "sandbox")
                .header_missing("x-bronto-api-key")
                .header_missing("authorization");
            then.status(200)
                .header("content-type", "application/x-ndjson")
                .body(self.export_file.clone());
        });
    }
}

/// Seed JSON as the client's type (the seed is checked against the document's schemas by the SDK's tests).
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap_or_else(|e| unreachable!("sandbox seed data matches its type: {e}"))
}
