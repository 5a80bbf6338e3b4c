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
//! What it serves (Bronto): API keys (list, create); a search over three pages linked by `pagination_token`; an
//! asynchronous search that answers "running" once and then its result; an export that goes from 0 % through
//! 50 % to `COMPLETE`, with its file served by a second loopback host that refuses requests carrying a Bronto
//! credential. BluBracket: alerts (a bare array per page), events (an `{"events": [...]}` envelope per page) and
//! system-audit records (`{"audits": [...]}`), paged by the request's own `page` and `limit`, filtered by `state` /
//! `severity` when the request asks; a commit scan that answers "running" (`202`) once and then its result.

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
    export_file: Vec<u8>,
    stored_export: Vec<u8>,
}

/// Events the sandbox's ingestion endpoint accepted, by dataset.
type Ingested = Arc<std::sync::Mutex<std::collections::BTreeMap<String, Vec<Value>>>>;

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

    /// The key `createApiKey` answers with (its full value is shown once).
    pub fn created_api_key() -> Value {
        json!({"id": "2b0d9e8f-7a6b-4c5d-9e4f-3a2b1c0d9e8f", "name": "tour key", "roles": ["SearchApi"],
               "api_key": "bk_live_tour_0123456789abcdef", "expires_at": 1_893_456_000_000i64})
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
        self.ingestion.mock(move |when, then| {
            when.method("POST")
                .path("/")
                .header("x-bronto-api-key", SANDBOX_API_KEY);
            then.respond_with(move |request| {
                let header = |name: &str| {
                    request
                        .headers_vec()
                        .iter()
                        .find(|(key, _)| key.eq_ignore_ascii_case(name))
                        .map(|(_, value)| value.clone())
                };
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
