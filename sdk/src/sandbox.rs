//! An embedded sandbox: both APIs mocked in-process on loopback, seeded with realistic data that conforms to the
//! vendors' documents, so everything (the tour, a service's own tests) runs without credentials or network.
//!
//! ```no_run
//! # async fn run() -> Result<(), sdk::Error> {
//! let sandbox = sdk::sandbox::Sandbox::start().await;
//! let sdk = sdk::Sdk::new(sandbox.config())?;
//! let bronto = sdk.bronto()?;
//! let keys = bronto.list_api_keys().call().await?;
//! assert!(!keys.api_keys.is_empty());
//! # Ok(()) }
//! ```
//!
//! What it serves (Bronto), answering as the service does where it matters:
//! - **API keys and datasets** with state: `create_api_key` echoes the name and roles it was sent (with the full
//!   key shown once) and the key is listed afterwards with only its first 8 characters; `delete_api_key` removes
//!   it; `create_dataset` echoes and lists; a dataset ingested into for the first time appears in the list.
//! - **Ingestion** (`sdk.ingestion()`): NDJSON, plain or gzip or Zstandard, at most 10 MiB (`413` beyond), kept
//!   per dataset ([`Sandbox::ingested`]).
//! - **Search over what was ingested**: `from` naming an ingested dataset, `where` empty or
//!   `key = 'value'` / `key != 'value'` joined by `AND` (anything else is a `400` saying so), `per_page` pages
//!   linked by `pagination_token`.
//! - **A seeded search** over [`SANDBOX_DATASET`]: three pages linked by `pagination_token`; an asynchronous
//!   search that answers "running" once and then its result.
//! - **An export** that goes from 0 % through 50 % to `COMPLETE`, its Zstandard-compressed file served by a second
//!   loopback host that refuses requests carrying a Bronto credential.
//! - **Errors**: a missing or wrong key is a `401`, an unknown route a `404`, a bad body a `400`, each with the
//!   vendor's error body (`code`, `type`, `details`, `correlation_id`).
//!
//! BluBracket: alerts (a bare array per page), events (an `{"events": [...]}` envelope per page) and system-audit
//! records (`{"audits": [...]}`), paged by the request's own `page` and `limit`, filtered by `state` / `severity`
//! when the request asks; a commit scan that answers "running" (`202`) once and then its result.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bronto_client::types;
use bronto_mock::MockServerExt as _;
use httpmock::{HttpMockResponse, MockServer};
use serde_json::{Value, json};

use crate::Config;

/// The API key the sandbox expects (it is not a secret: the sandbox is local).
pub const SANDBOX_API_KEY: &str = "sandbox-api-key";

/// The BluBracket token the sandbox expects.
pub const SANDBOX_BLUBRACKET_TOKEN: &str = "sandbox-blubracket-token";

/// The dataset the sandbox's searches and exports read.
pub const SANDBOX_DATASET: &str = "checkout-service";

const PAGE_TOKENS: [&str; 2] = [
    "5b2d8f0a-1c3e-4f5a-9b7c-0d1e2f3a4b5c",
    "6c3e9a1b-2d4f-4a6b-8c8d-1e2f3a4b5c6d",
];
const EXPORT_ID: &str = "7d4fa02c-3e5a-4b7c-9d9e-2f3a4b5c6d7e";
const SCAN_ID: &str = "8e5fb13d-4f6a-4c8d-8eaf-3a4b5c6d7e8f";

/// The running sandbox. Its servers stop when it is dropped.
pub struct Sandbox {
    bronto: MockServer,
    blubracket: MockServer,
    storage: MockServer,
    ingestion: MockServer,
    ingested: Ingested,
    resources: SharedResources,
    export_file: Vec<u8>,
    stored_export: Vec<u8>,
}

/// Events the sandbox's ingestion endpoint accepted, by dataset.
type Ingested = Arc<std::sync::Mutex<std::collections::BTreeMap<String, Vec<Value>>>>;

/// What the sandbox's Bronto remembers between calls: API keys and datasets, created or seeded.
#[derive(Debug, Default)]
struct Resources {
    api_keys: Vec<Value>,
    datasets: Vec<Value>,
}

type SharedResources = Arc<std::sync::Mutex<Resources>>;

/// A fresh id in the form the service hands out (a UUID).
fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Milliseconds since the epoch, as the service's timestamps.
fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

/// The value of header `name` of a mocked request.
fn header_value(request: &httpmock::HttpMockRequest, name: &str) -> Option<String> {
    request
        .headers_vec()
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.clone())
}

/// A `400` with the vendor's body, naming what is wrong with the request.
fn bad_request(details: &str) -> HttpMockResponse {
    json_response(400, &seed::error(400, "Bad Request", details))
}

/// The most one ingestion request may carry, compressed or not (the service's limit).
const MAX_INGESTION_BODY: usize = 10 * 1024 * 1024;

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("bronto", &self.bronto.base_url())
            .field("storage", &self.storage.base_url())
            .field("blubracket", &self.blubracket.base_url())
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

    /// The datasets listed by `listDatasets` before any is created.
    pub fn datasets() -> Value {
        json!({"datasets": [
            {"id": "3c1e0f9a-8b7c-4d6e-8f5a-4b3c2d1e0f9a", "collection": "shop", "dataset": SANDBOX_DATASET,
             "is_system_generated": false, "tags": {"team": "payments"}},
        ]})
    }

    fn event(sequence: i64, level: &str, message: &str) -> Value {
        json!({
            "@raw": format!("{{\"level\":\"{level}\",\"message\":\"{message}\"}}"),
            "@time": "2026-11-22T09:30:00.000Z",
            "@status": "ok",
            "attributes": {"level": level, "service": SANDBOX_DATASET},
            "message_kvs": {},
            "metadata": {"sequence": sequence, "timestamp": 1_795_340_000_000i64 + sequence % 1000},
        })
    }

    /// Page `index` (0, 1, 2) of the sandbox search.
    pub fn search_page(index: usize) -> Value {
        let base = 9_007_199_254_740_000i64 + (index as i64) * 10;
        let events: Vec<Value> = (0..3)
            .map(|i| {
                event(
                    base + i,
                    "error",
                    &format!("payment declined (page {}, event {})", index + 1, i + 1),
                )
            })
            .collect();
        let links: Vec<Value> = PAGE_TOKENS
            .get(index)
            .map(|token| vec![json!({"rel": "next", "href": format!("/search?pagination_token={token}&per_page=3")})])
            .unwrap_or_default();
        json!({"events": events, "links": links})
    }

    /// The result of the sandbox's asynchronous search.
    pub fn async_result() -> Value {
        json!({
            "status": "COMPLETED", "progress": 100,
            "events": [event(9_007_199_254_741_001, "warn", "slow upstream: 2.3 s")], "links": [],
        })
    }

    /// The BluBracket alerts, across all pages.
    pub fn alerts() -> Vec<Value> {
        let repos = [
            "payments-api",
            "checkout-web",
            "infra-terraform",
            "mobile-app",
            "docs-site",
        ];
        repos
            .iter()
            .enumerate()
            .map(|(i, repo)| {
                json!({
                    "alert_id": format!("a1b2c3d4-0000-4000-8000-00000000000{i}"),
                    "alert_type": "REPO_SCAN_MATCH",
                    "state": if i == 3 { "DISMISSED" } else { "ACTIVE" },
                    "severity": (["critical", "high", "medium", "high", "low"][i]),
                    "repo_name": repo,
                    "repo_type": "ENTERPRISE_PUBLIC",
                    "org": "acme",
                    "file_path": format!("config/secrets-{i}.yaml"),
                    "line_no": 10 + i,
                    "commit_hash": format!("{:040x}", 0xabcdef_u64 + i as u64),
                    "commit_time": "2026-11-20T08:15:00.123456+00:00",
                    "created": "2026-11-20T08:20:00+00:00",
                    "author_email": "dev@acme.example",
                    "author_name": "A. Developer",
                    "labels": ["aws", "production"],
                    "secret_hash": format!("5f0c6e2a-1b3d-4e5f-8a9b-00000000000{i}"),
                    "deep_link_url": format!("https://acme.blubracket.com/alerts/{i}"),
                    "risk_score": 0.9 - (i as f64) / 10.0,
                })
            })
            .collect()
    }

    /// The BluBracket events, across all pages.
    pub fn events() -> Vec<Value> {
        (0..4)
            .map(|i| {
                json!({
                    "event_id": format!("e5f6a7b8-0000-4000-8000-00000000000{i}"),
                    "type": "secret_detected",
                    "sub_type": (["aws_access_key", "github_token", "slack_webhook", "private_key"][i]),
                    "severity": (["critical", "high", "medium", "info"][i]),
                    "status": "open",
                    "created": "2026-11-21T12:00:00Z",
                    "repo_name": "payments-api",
                    "file_path": "src/config.rs",
                    "line_no": 40 + i,
                    "url": "git://github.com/acme/payments-api.git",
                })
            })
            .collect()
    }

    /// The BluBracket system-audit records, across all pages.
    pub fn audit_records() -> Vec<Value> {
        ["LOGIN", "API_TOKEN_CREATED", "ALERT_DISMISSED"]
            .iter()
            .enumerate()
            .map(|(i, kind)| {
                json!({
                    "id": format!("c9d0e1f2-0000-4000-8000-00000000000{i}"),
                    "audit_type": kind,
                    "audit_state": "SUCCESS",
                    "audit_time": "2026-11-21T12:00:00Z",
                    "email": "admin@acme.example",
                    "description": format!("{} by admin@acme.example", kind.to_lowercase().replace('_', " ")),
                })
            })
            .collect()
    }

    /// The result of the sandbox's commit scan.
    pub fn commit_scan_result() -> Value {
        json!({
            "scan_state": "DONE",
            "secrets": {"abcdef0123456789abcdef0123456789abcdef01": {"secrets_found": [
                {"secret_type": "aws_access_key", "file_path": "config/secrets-0.yaml", "line_no": 10},
            ]}},
        })
    }

    /// The vendor's error body.
    pub fn error(code: u16, kind: &str, details: &str) -> Value {
        json!({"code": code, "type": kind, "details": details, "correlation_id": format!("sandbox-{code}")})
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
        let blubracket = MockServer::start_async().await;
        let ingestion = MockServer::start_async().await;
        let export_file: Vec<u8> = (0..1200)
            .map(|i| {
                format!(
                    "{{\"sequence\":{},\"level\":\"error\",\"message\":\"payment declined\"}}\n",
                    9_007_199_254_740_000i64 + i
                )
            })
            .collect::<String>()
            .into_bytes();
        // Stored as the live service stores exports: Zstandard-compressed (`export_to` hands back the data).
        let stored_export = zstd::encode_all(&export_file[..], 3)
            .unwrap_or_else(|e| unreachable!("compressing in memory cannot fail: {e}"));
        let sandbox = Self {
            bronto,
            blubracket,
            storage,
            ingestion,
            ingested: Ingested::default(),
            resources: SharedResources::default(),
            export_file,
            stored_export,
        };
        sandbox.seed_bronto();
        sandbox.seed_ingestion();
        sandbox.seed_blubracket();
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
            .bronto_ingestion_url(self.ingestion.base_url())
            .bronto_api_key(SANDBOX_API_KEY)
            .blubracket_tenant(self.blubracket.base_url())
            .blubracket_token(SANDBOX_BLUBRACKET_TOKEN)
    }

    /// The sandbox's Bronto base URL.
    pub fn bronto_base_url(&self) -> String {
        self.bronto.base_url()
    }

    /// The events the sandbox's ingestion endpoint accepted into `dataset` (`""` when no dataset was named).
    pub fn ingested(&self, dataset: &str) -> Vec<Value> {
        self.ingested
            .lock()
            .map(|by_dataset| by_dataset.get(dataset).cloned().unwrap_or_default())
            .unwrap_or_default()
    }

    /// The ingestion endpoint: NDJSON posted to `/` with the key, gzip or zstd or plain, at most 10 MiB
    /// (`413` beyond, as the service answers), each event kept by dataset.
    fn seed_ingestion(&self) {
        let ingested = self.ingested.clone();
        let resources = self.resources.clone();
        self.ingestion.mock(move |when, then| {
            when.method("POST")
                .path("/")
                .header("x-bronto-api-key", SANDBOX_API_KEY);
            then.respond_with(move |request| {
                let header = |name: &str| header_value(request, name);
                let raw = request.body_ref();
                if raw.len() > MAX_INGESTION_BODY {
                    return json_response(
                        413,
                        &seed::error(413, "Payload Too Large", "over 10 MiB"),
                    );
                }
                let body = match header("content-encoding").as_deref() {
                    Some("zstd") => zstd::decode_all(raw).ok(),
                    Some("gzip") => {
                        let mut text = Vec::new();
                        std::io::Read::read_to_end(
                            &mut flate2::read::GzDecoder::new(raw),
                            &mut text,
                        )
                        .ok()
                        .map(|_| text)
                    }
                    _ => Some(raw.to_vec()),
                };
                let Some(body) = body.filter(|body| body.len() <= MAX_INGESTION_BODY) else {
                    return json_response(
                        400,
                        &seed::error(400, "Bad Request", "the body does not decompress"),
                    );
                };
                let events: Vec<Value> = String::from_utf8_lossy(&body)
                    .lines()
                    .filter(|line| !line.trim().is_empty())
                    .map(|line| {
                        serde_json::from_str(line).unwrap_or_else(|_| json!({"message": line}))
                    })
                    .collect();
                let dataset = header("x-bronto-dataset").unwrap_or_default();
                let collection = header("x-bronto-collection").unwrap_or_else(|| "default".into());
                if !dataset.is_empty() {
                    // The service creates a dataset the first time events arrive for it.
                    ensure_dataset(&resources, &collection, &dataset);
                }
                if let Ok(mut by_dataset) = ingested.lock() {
                    by_dataset.entry(dataset).or_default().extend(events);
                }
                HttpMockResponse::builder().status(200).build()
            });
        });
        self.ingestion.mock(|when, then| {
            when.any_request();
            then.respond_with(|_| {
                json_response(401, &seed::error(401, "Unauthorized", "invalid API key"))
            });
        });
    }

    /// The data of the sandbox's export (what `export_to` writes; the object it downloads is its Zstandard
    /// compression, as on the live service).
    pub fn export_file(&self) -> &[u8] {
        &self.export_file
    }

    fn seed_bronto(&self) {
        let server = &self.bronto;
        let key = SANDBOX_API_KEY;
        self.seed_resources();
        self.seed_ingested_search();

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
                .body(
                    json!({"links": [{"rel": "status", "href": "/search/status/sandbox-async-1"}]})
                        .to_string(),
                );
        });
        server.mock(|when, then| {
            when.method("GET")
                .path("/search/status/sandbox-async-1")
                .header("x-bronto-api-key", key);
            then.status(202)
                .header("content-type", "application/json")
                .header("retry-after", "0")
                .body(
                    json!({
                        "status": "IN_PROGRESS", "progress": 50,
                        "links": [{"rel": "status", "href": "/search/status/sandbox-async-2"}],
                    })
                    .to_string(),
                );
        });
        server.mock(|when, then| {
            when.method("GET")
                .path("/search/status/sandbox-async-2")
                .header("x-bronto-api-key", key);
            // Done: 201 with the results, as the service answers a finished search's status.
            then.status(201)
                .header("content-type", "application/json")
                .body(seed::async_result().to_string());
        });
        server.mock(|when, then| {
            when.method("DELETE").path_prefix("/search/status/");
            then.status(200);
        });

        // Export: created at 0 %, then 50 %, then complete with its file on the storage host.
        let location = format!(
            "{}/sandbox-bucket/{EXPORT_ID}.ndjson.zst?X-Amz-Signature=sandbox",
            self.storage.base_url()
        );
        let size = self.stored_export.len();
        server.create_export(|when, then| {
            let _ = when.into_inner().header("x-bronto-api-key", key);
            let _ = then.created(&typed::<types::Export>(seed::export(0, "", size)));
        });
        let polls = Arc::new(AtomicUsize::new(0));
        server.mock(move |when, then| {
            when.method("GET")
                .path(format!("/exports/{EXPORT_ID}"))
                .header("x-bronto-api-key", key);
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
                .path(format!("/sandbox-bucket/{EXPORT_ID}.ndjson.zst"))
                .query_param("X-Amz-Signature", "sandbox")
                .header_missing("x-bronto-api-key")
                .header_missing("authorization");
            then.status(200)
                .header("content-type", "application/zstd")
                .body(self.stored_export.clone());
        });

        // Last, as the service answers what nothing above matched: a missing or wrong key is a 401, any other
        // request a 404, each with the vendor's error body (mocks match in the order they were defined).
        server.mock(|when, then| {
            when.is_false(move |request| {
                request.headers_vec().iter().any(|(name, value)| {
                    name.eq_ignore_ascii_case("x-bronto-api-key") && value == key
                })
            });
            then.respond_with(|_| {
                json_response(401, &seed::error(401, "Unauthorized", "invalid API key"))
            });
        });
        server.mock(|when, then| {
            when.any_request();
            then.respond_with(|_| {
                json_response(404, &seed::error(404, "Not Found", "no such resource"))
            });
        });
    }
}

impl Sandbox {
    /// API keys and datasets: listed, created (echoing what was sent, and listed afterwards), deleted.
    fn seed_resources(&self) {
        let key = SANDBOX_API_KEY;
        if let Ok(mut resources) = self.resources.lock() {
            resources.api_keys = seed::api_keys()["api_keys"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            resources.datasets = seed::datasets()["datasets"]
                .as_array()
                .cloned()
                .unwrap_or_default();
        }
        let server = &self.bronto;

        let resources = self.resources.clone();
        server.mock(move |when, then| {
            when.method("GET")
                .path("/api-keys")
                .header("x-bronto-api-key", key);
            then.respond_with(move |_| {
                let keys = resources
                    .lock()
                    .map(|resources| resources.api_keys.clone())
                    .unwrap_or_default();
                json_response(200, &json!({ "api_keys": keys }))
            });
        });
        let resources = self.resources.clone();
        server.mock(move |when, then| {
            when.method("POST")
                .path("/api-keys")
                .header("x-bronto-api-key", key);
            then.respond_with(move |request| {
                let body: Value = serde_json::from_slice(request.body_ref()).unwrap_or(Value::Null);
                let Some(name) = body["name"].as_str().filter(|name| !name.is_empty()) else {
                    return bad_request("`name` is required");
                };
                let Some(roles) = body["roles"].as_array().filter(|roles| !roles.is_empty()) else {
                    return bad_request(
                        "`roles` is required: a list of role ids such as SearchApi",
                    );
                };
                let secret = format!("bk_sandbox_{}", new_id().replace('-', ""));
                let created_at = now_millis();
                let mut created = json!({
                    "id": new_id(), "name": name, "roles": roles, "api_key": secret,
                    "metadata": {"created_at": created_at, "updated_at": created_at},
                });
                if let Some(ttl) = body["ttl"].as_i64() {
                    created["expires_at"] = json!(created_at / 1000 + ttl);
                }
                // Listed afterwards with only the key's first 8 characters, as the service does.
                let mut listed = created.clone();
                listed["api_key"] = json!(secret.chars().take(8).collect::<String>());
                if let Ok(mut resources) = resources.lock() {
                    resources.api_keys.push(listed);
                }
                json_response(201, &created)
            });
        });
        let resources = self.resources.clone();
        server.mock(move |when, then| {
            when.method("DELETE")
                .path_prefix("/api-keys/")
                .header("x-bronto-api-key", key);
            then.respond_with(move |request| {
                let id = request
                    .uri()
                    .path()
                    .trim_start_matches("/api-keys/")
                    .to_string();
                let removed = resources.lock().is_ok_and(|mut resources| {
                    let before = resources.api_keys.len();
                    resources.api_keys.retain(|key| key["id"] != id.as_str());
                    resources.api_keys.len() < before
                });
                if removed {
                    HttpMockResponse::builder().status(204).build()
                } else {
                    json_response(
                        404,
                        &seed::error(404, "Not Found", "no API key with this id"),
                    )
                }
            });
        });

        let resources = self.resources.clone();
        server.mock(move |when, then| {
            when.method("GET")
                .path("/datasets")
                .header("x-bronto-api-key", key);
            then.respond_with(move |request| {
                let wanted: Vec<String> = request
                    .query_params()
                    .into_iter()
                    .filter(|(name, _)| name == "from")
                    .flat_map(|(_, value)| value.split(',').map(str::to_string).collect::<Vec<_>>())
                    .collect();
                let datasets: Vec<Value> = resources
                    .lock()
                    .map(|resources| resources.datasets.clone())
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|dataset| {
                        wanted.is_empty() || wanted.iter().any(|id| dataset["id"] == id.as_str())
                    })
                    .collect();
                json_response(200, &json!({ "datasets": datasets }))
            });
        });
        let resources = self.resources.clone();
        server.mock(move |when, then| {
            when.method("POST")
                .path("/datasets")
                .header("x-bronto-api-key", key);
            then.respond_with(move |request| {
                let body: Value = serde_json::from_slice(request.body_ref()).unwrap_or(Value::Null);
                let Some(collection) = body["collection"].as_str().filter(|c| !c.is_empty()) else {
                    return bad_request("`collection` is required");
                };
                let dataset = body["dataset"].as_str().unwrap_or("default");
                json_response(201, &ensure_dataset(&resources, collection, dataset))
            });
        });
    }

    /// `POST /search` over the events ingested into the sandbox: `from` names ingested datasets; `where` may be
    /// empty or `key = 'value'` / `key != 'value'` comparisons joined by `AND`; `per_page` pages are linked by
    /// `pagination_token`. Anything else in `where` is a `400` saying what the sandbox understands.
    fn seed_ingested_search(&self) {
        let key = SANDBOX_API_KEY;
        let matcher = self.ingested.clone();
        let ingested = self.ingested.clone();
        self.bronto.mock(move |when, then| {
            when.method("POST")
                .path("/search")
                .header("x-bronto-api-key", key)
                .is_true(move |request| {
                    let body: Value =
                        serde_json::from_slice(request.body_ref()).unwrap_or(Value::Null);
                    let by_dataset = matcher.lock();
                    search_datasets(&body).iter().any(|dataset| {
                        by_dataset
                            .as_ref()
                            .is_ok_and(|by_dataset| by_dataset.contains_key(dataset.as_str()))
                    })
                });
            then.respond_with(move |request| {
                let body: Value = serde_json::from_slice(request.body_ref()).unwrap_or(Value::Null);
                let clause = body["where"].as_str().unwrap_or("");
                let Some(conditions) = parse_where(clause) else {
                    return bad_request(
                        "the sandbox's search understands `key = 'value'` and `key != 'value'` joined by AND",
                    );
                };
                let events: Vec<Value> = {
                    let Ok(by_dataset) = ingested.lock() else {
                        return json_response(500, &seed::error(500, "Internal Server Error", "lock"));
                    };
                    search_datasets(&body)
                        .iter()
                        .flat_map(|dataset| by_dataset.get(dataset).cloned().unwrap_or_default())
                        .collect()
                };
                let matching: Vec<Value> = events
                    .iter()
                    .enumerate()
                    .filter(|(_, event)| {
                        conditions.iter().all(|(field, equal, value)| {
                            let actual = match &event[field.as_str()] {
                                Value::String(text) => Some(text.clone()),
                                Value::Null => None,
                                other => Some(other.to_string()),
                            };
                            (actual.as_deref() == Some(value.as_str())) == *equal
                        })
                    })
                    .map(|(index, event)| ingested_event(index, event))
                    .collect();
                let per_page = body["per_page"].as_u64().unwrap_or(100).max(1) as usize;
                let offset = body["pagination_token"]
                    .as_str()
                    .and_then(|token| token.strip_prefix("sandbox-offset-"))
                    .and_then(|offset| offset.parse::<usize>().ok())
                    .unwrap_or(0);
                let page: Vec<Value> = matching.iter().skip(offset).take(per_page).cloned().collect();
                let next = offset + page.len();
                let links: Vec<Value> = if next < matching.len() {
                    vec![json!({"rel": "next", "href": format!("/search?pagination_token=sandbox-offset-{next}&per_page={per_page}")})]
                } else {
                    Vec::new()
                };
                json_response(200, &json!({"events": page, "links": links}))
            });
        });
    }
}

/// The datasets a search body names in `from` (a list, or one name).
fn search_datasets(body: &Value) -> Vec<String> {
    match &body["from"] {
        Value::Array(names) => names
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Value::String(name) => vec![name.clone()],
        _ => Vec::new(),
    }
}

/// `key = 'value' AND key != 'value'` as (key, equal, value) triples; `None` for anything else.
fn parse_where(clause: &str) -> Option<Vec<(String, bool, String)>> {
    if clause.trim().is_empty() {
        return Some(Vec::new());
    }
    clause
        .split(" AND ")
        .map(|condition| {
            let (field, equal, value) = match condition.split_once("!=") {
                Some((field, value)) => (field, false, value),
                None => {
                    let (field, value) = condition.split_once('=')?;
                    (field, true, value)
                }
            };
            let field = field.trim().trim_matches('"');
            let value = value.trim().strip_prefix('\'')?.strip_suffix('\'')?;
            (!field.is_empty() && !value.contains('\''))
                .then(|| (field.to_string(), equal, value.to_string()))
        })
        .collect()
}

/// An ingested event as the search answers it: the line as `@raw`, its fields as attributes, a sequence number.
fn ingested_event(index: usize, event: &Value) -> Value {
    let attributes: serde_json::Map<String, Value> = event
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, value)| !value.is_object() && !value.is_array())
        .map(|(key, value)| {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            (key.clone(), Value::String(text))
        })
        .collect();
    let status = event["level"].as_str().unwrap_or("info");
    json!({
        "@raw": event.to_string(),
        "@time": "2026-11-27 12:00:00.000 UTC",
        "@status": status,
        "attributes": attributes,
        "message_kvs": {},
        "metadata": {"sequence": 9_100_000_000_000_000i64 + index as i64, "timestamp": 1_795_340_000_000i64 + index as i64},
    })
}

/// The dataset `collection`/`dataset`, created (with a fresh id) when it does not exist yet.
fn ensure_dataset(resources: &SharedResources, collection: &str, dataset: &str) -> Value {
    let Ok(mut resources) = resources.lock() else {
        return Value::Null;
    };
    if let Some(existing) = resources
        .datasets
        .iter()
        .find(|known| known["collection"] == collection && known["dataset"] == dataset)
    {
        return existing.clone();
    }
    let created_at = now_millis();
    let created = json!({
        "id": new_id(), "collection": collection, "dataset": dataset, "is_system_generated": false,
        "metadata": {"created_at": created_at, "updated_at": created_at},
    });
    resources.datasets.push(created.clone());
    created
}

impl Sandbox {
    fn seed_blubracket(&self) {
        let bearer = format!("Bearer {SANDBOX_BLUBRACKET_TOKEN}");
        for (path, items, envelope) in [
            ("/api/public/alert/search", seed::alerts(), None),
            ("/api/public/event/search", seed::events(), Some("events")),
            (
                "/api/system-audit/search",
                seed::audit_records(),
                Some("audits"),
            ),
        ] {
            self.blubracket.mock(|when, then| {
                when.method("POST")
                    .path(path)
                    .header("authorization", bearer.clone());
                then.respond_with(move |request| {
                    let body: Value =
                        serde_json::from_slice(request.body_ref()).unwrap_or(Value::Null);
                    let page = body["page"].as_u64().unwrap_or(1).max(1) as usize;
                    let limit = body["limit"].as_u64().unwrap_or(100).max(1) as usize;
                    let matching: Vec<Value> = items
                        .iter()
                        .filter(|item| matches_filters(item, &body))
                        .cloned()
                        .collect();
                    let slice: Vec<Value> = matching
                        .into_iter()
                        .skip((page - 1) * limit)
                        .take(limit)
                        .collect();
                    let answer = match envelope {
                        Some(key) => json!({ key: slice }),
                        None => Value::Array(slice),
                    };
                    json_response(200, &answer)
                });
            });
        }
        // A commit scan: started, running once (202), then done.
        self.blubracket.mock(|when, then| {
            when.method("POST")
                .path("/api/analyzer/commit/scan")
                .header("authorization", bearer.clone());
            then.status(200)
                .header("content-type", "application/json")
                .body(json!({"scan_uuid": SCAN_ID}).to_string());
        });
        let polls = Arc::new(AtomicUsize::new(0));
        self.blubracket.mock(|when, then| {
            when.method("GET")
                .path(format!("/api/analyzer/commit/scan/{SCAN_ID}"))
                .header("authorization", bearer.clone());
            then.respond_with(move |_| match polls.fetch_add(1, Ordering::SeqCst) {
                0 => json_response(202, &json!({"message": "scan in progress"})),
                _ => json_response(200, &seed::commit_scan_result()),
            });
        });
        self.blubracket.mock(|when, then| {
            when.method("POST")
                .path("/api/public/alert/count")
                .header("authorization", bearer.clone());
            then.status(200)
                .header("content-type", "application/json")
                .body(json!({"count": 5}).to_string());
        });
    }

    /// The sandbox's BluBracket tenant URL.
    pub fn blubracket_base_url(&self) -> String {
        self.blubracket.base_url()
    }
}

/// Equality filters (`op` absent or `EQ`) on top-level string fields, as the documented filters use them.
fn matches_filters(item: &Value, request: &Value) -> bool {
    request["filters"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|filter| {
            let op = filter["op"].as_str().unwrap_or("EQ");
            let Some(id) = filter["id"].as_str() else {
                return true;
            };
            let values: Vec<&str> = filter["value"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match (op, item[id].as_str()) {
                ("EQ", Some(actual)) => values.contains(&actual),
                ("NEQ", Some(actual)) => !values.contains(&actual),
                (_, None) => false,
                _ => true,
            }
        })
}

/// Seed JSON as the client's type (the seed is checked against the document's schemas by the SDK's tests).
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value)
        .unwrap_or_else(|e| unreachable!("sandbox seed data matches its type: {e}"))
}
