//! The embedded sandbox: its seed data conform to the types' JSON schemas, and every workflow of the tour works
//! against it.

use futures::TryStreamExt as _;
use schemars::JsonSchema;
use serde_json::{Value, json};
use vendor_sandbox::{Sandbox, seed};

/// Checks `value` against a JSON schema (the subset schemars emits): `$ref`, `type`, `enum`, `properties`,
/// `required`, `additionalProperties`, `items`, `anyOf`/`oneOf`/`allOf`. Returns the first violation's path.
fn conforms(value: &Value, schema: &Value, root: &Value, path: &str) -> Result<(), String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = root
            .pointer(reference.trim_start_matches('#'))
            .ok_or_else(|| format!("{path}: unresolved {reference}"))?;
        return conforms(value, target, root, path);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array)
            && !branches
                .iter()
                .any(|b| conforms(value, b, root, path).is_ok())
        {
            return Err(format!("{path}: matches no branch of {key}"));
        }
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        conforms(value, part, root, path)?;
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !values.contains(value)
    {
        return Err(format!("{path}: {value} is not one of {values:?}"));
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let ok = types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
        if !ok {
            return Err(format!("{path}: {actual} where the schema says {types:?}"));
        }
    }
    if let Value::Object(fields) = value {
        let properties = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !fields.contains_key(name) {
                return Err(format!("{path}: required `{name}` is missing"));
            }
        }
        if let Some(properties) = properties {
            let open = !matches!(
                schema.get("additionalProperties"),
                Some(Value::Bool(false)) | None
            ) || schema
                .get("additionalProperties")
                .is_some_and(Value::is_object);
            for (name, inner) in fields {
                match properties.get(name) {
                    Some(property) => conforms(inner, property, root, &format!("{path}/{name}"))?,
                    None if open => {}
                    None => return Err(format!("{path}: `{name}` is not a property of the type")),
                }
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (index, item) in items.iter().enumerate() {
            conforms(item, item_schema, root, &format!("{path}/{index}"))?;
        }
    }
    Ok(())
}

fn assert_conforms<T: JsonSchema>(value: &Value) {
    let schema = serde_json::to_value(schemars::schema_for!(T)).expect("schema as JSON");
    if let Err(problem) = conforms(value, &schema, &schema, "") {
        panic!("{}: {problem}\n{value:#}", std::any::type_name::<T>());
    }
}

#[tokio::test]
async fn the_seed_data_and_the_search_answers_conform_to_the_types_schemas() {
    use sdk::blubracket_api::types as blu;
    use sdk::bronto_api::types as bronto;
    assert_conforms::<bronto::ListApiKeysResponse>(&seed::api_keys());
    assert_conforms::<bronto::ListDatasetsResponse>(&seed::datasets());
    // What the sandbox computes: an event search, an aggregate in slices, a grouped aggregate.
    let sandbox = Sandbox::start().await;
    let sdk = sdk::Sdk::new(sandbox.config()).expect("sdk");
    let bronto = sdk.bronto().expect("bronto");
    for body in [
        json!({"from": [vendor_sandbox::SANDBOX_DATASET], "select": ["*"], "time_range": "Last 1 hour", "per_page": 4}),
        json!({"select": ["count(*)"], "time_range": "Last 24 hours", "num_of_slices": 4}),
        json!({"select": ["avg(latency_ms)"], "groups": ["level", "path"], "time_range": "Last 24 hours", "limit": 2}),
    ] {
        let answer: Value = bronto.post("/search", &body).await.expect("an answer");
        assert_conforms::<bronto::PostSearchResponse>(&answer);
    }
    for percent in [0, 50, 100] {
        assert_conforms::<bronto::Export>(&seed::export(percent, "https://storage.example/x", 10));
    }
    for alert in seed::alerts() {
        assert_conforms::<blu::Alert>(&alert);
    }
    for event in seed::events() {
        assert_conforms::<blu::Event>(&event);
    }
    for record in seed::audit_records() {
        assert_conforms::<blu::AuditRecord>(&record);
    }
    assert_conforms::<blu::CommitScanResult>(&seed::commit_scan_result());
}

#[test]
fn the_checker_rejects_what_does_not_conform() {
    let mut bad = seed::api_keys()["api_keys"][0].clone();
    bad["roles"] = json!("SearchApi");
    let schema = serde_json::to_value(schemars::schema_for!(sdk::bronto_api::types::ApiKey))
        .expect("schema");
    assert!(
        conforms(&bad, &schema, &schema, "").is_err(),
        "roles must be an array"
    );
    let mut unknown = seed::export(0, "", 0);
    unknown["status"] = json!(42);
    let schema = serde_json::to_value(schemars::schema_for!(sdk::bronto_api::types::Export))
        .expect("schema");
    assert!(
        conforms(&unknown, &schema, &schema, "").is_err(),
        "status must be a string"
    );
}

#[tokio::test]
async fn every_tour_workflow_runs_against_the_sandbox() {
    let sandbox = Sandbox::start().await;
    let sdk = sdk::Sdk::new(sandbox.config()).expect("sdk");
    let bronto = sdk.bronto().expect("bronto");

    let keys = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect("keys");
    assert_eq!(keys.api_keys.len(), 2);
    let request: sdk::bronto_api::types::CreateApiKeyRequest =
        serde_json::from_value(json!({"name": "t", "roles": ["SearchApi"]})).expect("typed");
    let created = bronto
        .call(bronto.create_api_key().body(request).send())
        .await
        .expect("created");
    assert!(
        created.api_key.is_some_and(|k| k.len() > 8),
        "the full key is shown on creation"
    );

    let search = json!({"from": [vendor_sandbox::SANDBOX_DATASET], "select": ["@raw"], "time_range": "Last 1 hour", "limit": 9, "per_page": 3});
    let events: Vec<_> = bronto
        .search_events(serde_json::from_value(search.clone()).expect("typed"))
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(events.len(), 9, "three pages of three, up to the limit");

    // A dataset the account does not have is a 404, not an empty answer.
    let unfiltered = json!({"from": ["other"], "select": ["@raw"], "time_range": "Last 1 hour"});
    let error = bronto
        .search_events(serde_json::from_value(unfiltered).expect("typed"))
        .try_collect::<Vec<_>>()
        .await
        .expect_err("no such dataset");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));

    let result = bronto
        .search_async(
            serde_json::from_value(search).expect("typed"),
            Default::default(),
        )
        .await
        .expect("async search");
    assert_eq!(result.events.len(), 9, "the whole answer, up to the limit");

    let mut file = Vec::new();
    let request: sdk::bronto_api::types::CreateExportRequest = serde_json::from_value(
        json!({"search_details": {"from": [vendor_sandbox::SANDBOX_DATASET], "time_range": "Last 1 hour", "where": "level = 'error'"}}),
    )
    .expect("typed");
    let options = sdk::ExportOptions::default().poll_interval(std::time::Duration::from_millis(5));
    let mut progress = Vec::new();
    let outcome = bronto
        .export_to(request, &mut file, options, |p| progress.push(p.percent))
        .await
        .expect("export");
    assert_eq!(file, sandbox.export_file());
    assert_eq!(
        String::from_utf8_lossy(&file).lines().count(),
        10,
        "the export honours its search: the seeded errors"
    );
    assert_eq!(outcome.written as usize, sandbox.export_file().len());
    assert!(
        outcome.decompressed,
        "the sandbox stores its export as the service does"
    );
    assert!(
        outcome.bytes > 0,
        "the stored (compressed) object was downloaded"
    );
    assert_eq!(progress, [0, 50, 100]);

    let blubracket = sdk.blubracket().expect("blubracket");
    use sdk::blubracket_api::types::{Filter, SearchRequest};
    let active: Vec<_> = blubracket
        .alerts(SearchRequest::new([Filter::new("state", ["ACTIVE"])]).with_limit(2))
        .try_collect()
        .await
        .expect("alerts");
    assert_eq!(active.len(), 4, "one of the five alerts is dismissed");
    let events: Vec<_> = blubracket
        .events(SearchRequest::new(Vec::<Filter>::new()).with_limit(3))
        .try_collect()
        .await
        .expect("events");
    assert_eq!(events.len(), 4);
}

/// The SDK pointed at `sandbox`, with a key the sandbox does not know.
fn with_a_wrong_key(sandbox: &vendor_sandbox::Sandbox) -> sdk::Sdk {
    let config = sandbox
        .config_builder()
        .bronto_api_key("not-the-sandbox-key")
        .build()
        .expect("config");
    sdk::Sdk::new(config).expect("sdk")
}

#[tokio::test]
async fn the_sandbox_answers_a_wrong_key_and_an_unknown_route_like_the_service() {
    let sandbox = vendor_sandbox::Sandbox::start().await;
    let wrong = with_a_wrong_key(&sandbox);
    let bronto = wrong.bronto().expect("bronto");
    let error = bronto.list_api_keys().call().await.expect_err("401");
    assert!(error.is_auth(), "{error}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(error.correlation_id(), Some("sandbox-401"));

    let right = sdk::Sdk::new(sandbox.config()).expect("sdk");
    let bronto = right.bronto().expect("bronto");
    let error = bronto
        .get::<serde_json::Value>("/no/such/route")
        .await
        .expect_err("404");
    assert!(error.is_not_found(), "{error}");
    assert_eq!(error.details(), Some("no such resource"));
    // The seeded routes still answer the right key.
    bronto.list_api_keys().call().await.expect("seeded");
}

#[tokio::test]
async fn ingestion_comes_from_the_same_config_and_the_sandbox_serves_it() {
    let sandbox = vendor_sandbox::Sandbox::start().await;
    let sdk = sdk::Sdk::new(sandbox.config()).expect("sdk");
    for (compression, dataset) in [
        (sdk::ingest::Compression::Zstd, "zstd-events"),
        (sdk::ingest::Compression::Gzip, "gzip-events"),
        (sdk::ingest::Compression::None, "plain-events"),
    ] {
        let ingestor = sdk
            .ingestion()
            .expect("configured")
            .dataset(dataset)
            .compression(compression)
            .build()
            .expect("an ingestor");
        for i in 0..300 {
            ingestor
                .send(sdk::ingest::Event::new(format!("event {i}")).field("i", i))
                .await
                .expect("accepted");
        }
        let report = ingestor.close().await;
        assert_eq!(
            (report.sent, report.failed),
            (300, 0),
            "{dataset}: {report}"
        );
        let received = sandbox.ingested(dataset);
        assert_eq!(received.len(), 300, "{dataset}");
        assert_eq!(received[299]["message"], "event 299");
    }
    // The wrong key is refused as the service refuses it.
    let wrong = with_a_wrong_key(&sandbox);
    let ingestor = wrong
        .ingestion()
        .expect("configured")
        .build()
        .expect("an ingestor");
    ingestor
        .send(sdk::ingest::Event::new("refused"))
        .await
        .expect("accepted locally");
    let report = ingestor.close().await;
    assert_eq!((report.sent, report.failed), (0, 1), "{report}");

    // A custom base URL without an ingestion URL says what to set.
    let error = sdk::Sdk::new(
        sdk::Config::builder()
            .bronto_base_url("http://127.0.0.1:9")
            .bronto_api_key("k")
            .build()
            .expect("config"),
    )
    .expect("sdk")
    .ingestion()
    .expect_err("not configured");
    assert!(
        error.to_string().contains("BRONTO_INGESTION_URL"),
        "{error}"
    );
}

#[tokio::test]
async fn created_api_keys_and_datasets_echo_what_was_sent_and_are_listed_afterwards() {
    use sdk::bronto_api::types::{CreateApiKeyRequest, CreateDatasetRequest};
    let sandbox = vendor_sandbox::Sandbox::start().await;
    let sdk = sdk::Sdk::new(sandbox.config()).expect("sdk");
    let bronto = sdk.bronto().expect("bronto");

    let created = bronto
        .create_api_key()
        .body(
            CreateApiKeyRequest::builder()
                .name("nightly report")
                .roles(["SearchApi", "IngestionApi"]),
        )
        .call()
        .await
        .expect("created");
    assert_eq!(created.name.as_deref(), Some("nightly report"));
    assert_eq!(created.roles, ["SearchApi", "IngestionApi"]);
    let secret = created.api_key.clone().expect("the key, shown once");
    assert!(secret.len() > 8);
    let id = created.id.clone().expect("an id");

    let listed = bronto.list_api_keys().call().await.expect("listed");
    let key = listed
        .api_keys
        .iter()
        .find(|key| key.id.as_deref() == Some(id.as_str()))
        .expect("the new key is listed");
    assert_eq!(key.name.as_deref(), Some("nightly report"));
    assert_eq!(
        key.api_key.as_deref(),
        Some(&secret[..8]),
        "only its first 8 characters"
    );

    // Two keys with different names are two keys.
    let second = bronto
        .create_api_key()
        .body(
            CreateApiKeyRequest::builder()
                .name("second")
                .roles(["SearchApi"]),
        )
        .call()
        .await
        .expect("created");
    assert_ne!(second.id, created.id);

    bronto
        .delete_api_key()
        .api_key_id(&id)
        .call()
        .await
        .expect("deleted");
    let listed = bronto.list_api_keys().call().await.expect("listed");
    assert!(
        listed
            .api_keys
            .iter()
            .all(|key| key.id.as_deref() != Some(id.as_str()))
    );
    let error = bronto
        .delete_api_key()
        .api_key_id(&id)
        .call()
        .await
        .expect_err("already gone");
    assert!(error.is_not_found(), "{error}");

    // A request the service would refuse is refused with its error body.
    let error = bronto
        .post::<serde_json::Value>("/api-keys", &serde_json::json!({"name": "no roles"}))
        .await
        .expect_err("roles are required");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    assert!(
        error.details().is_some_and(|d| d.contains("roles")),
        "{error}"
    );

    let dataset = bronto
        .create_dataset()
        .body(
            CreateDatasetRequest::builder()
                .collection("shop")
                .dataset("refunds"),
        )
        .call()
        .await
        .expect("created");
    assert_eq!(
        dataset.collection.as_deref().map(String::as_str),
        Some("shop")
    );
    assert_eq!(
        dataset.dataset.as_deref().map(String::as_str),
        Some("refunds")
    );
    let datasets = bronto.list_datasets().call().await.expect("listed");
    assert!(datasets.datasets.iter().any(|d| d.id == dataset.id));
    let only = bronto
        .list_datasets()
        .from(vec![dataset.id.clone().expect("an id")])
        .call()
        .await
        .expect("filtered");
    assert_eq!(only.datasets.len(), 1);
}

#[tokio::test]
async fn events_ingested_into_the_sandbox_are_found_by_a_search() {
    use futures::TryStreamExt as _;
    use sdk::bronto_api::types::CreateSearchRequest;
    let sandbox = vendor_sandbox::Sandbox::start().await;
    let sdk = sdk::Sdk::new(sandbox.config()).expect("sdk");
    let ingestor = sdk
        .ingestion()
        .expect("configured")
        .dataset("orders")
        .collection("shop")
        .build()
        .expect("an ingestor");
    for order in 0..250 {
        let level = if order % 10 == 0 { "error" } else { "info" };
        ingestor
            .send(
                sdk::ingest::Event::new(format!("order {order}"))
                    .field("order", order)
                    .field("level", level),
            )
            .await
            .expect("accepted");
    }
    let report = ingestor.close().await;
    assert_eq!(report.sent, 250, "{report}");
    let bronto = sdk.bronto().expect("bronto");

    // The dataset the ingestion created is listed.
    let datasets = bronto.list_datasets().call().await.expect("listed");
    assert!(
        datasets
            .datasets
            .iter()
            .any(
                |d| d.dataset.as_deref().map(String::as_str) == Some("orders")
                    && d.collection.as_deref().map(String::as_str) == Some("shop")
            )
    );

    let search = |clause: &str| {
        CreateSearchRequest::builder()
            .select(["*"])
            .from(["orders"])
            .where_(clause)
            .per_page(std::num::NonZeroU64::new(7).expect("7"))
            .limit(std::num::NonZeroU64::new(1000).expect("1000"))
            .try_into()
            .expect("a search")
    };
    let errors: Vec<_> = bronto
        .search_events(search("level = 'error'"))
        .try_collect()
        .await
        .expect("found");
    assert_eq!(errors.len(), 25, "over 4 pages of 7");
    let orders: Vec<String> = errors
        .iter()
        .map(|event| {
            event
                .attributes
                .get("order")
                .cloned()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(orders[0], "\"0\"");
    assert_eq!(orders[24], "\"240\"");
    let sequences: std::collections::BTreeSet<_> = errors
        .iter()
        .filter_map(|event| event.metadata.as_ref().and_then(|m| m.sequence))
        .collect();
    assert_eq!(sequences.len(), 25, "distinct sequence numbers");

    let all: Vec<_> = bronto
        .search_events(search(""))
        .try_collect()
        .await
        .expect("found");
    assert_eq!(all.len(), 250);
    let none: Vec<_> = bronto
        .search_events(search("level = 'error' AND order = '1'"))
        .try_collect()
        .await
        .expect("found");
    assert!(none.is_empty());

    let liked: Vec<_> = bronto
        .search_events(search("level LIKE '%err%' AND order < 100"))
        .try_collect()
        .await
        .expect("LIKE and numeric comparisons");
    assert_eq!(liked.len(), 10);

    // What the sandbox does not implement is a 501 naming it, and the SDK's message shows the name.
    let error = bronto
        .search_events(search("lower(level) = 'error'"))
        .try_collect::<Vec<_>>()
        .await
        .expect_err("not implemented");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(501));
    assert!(error.to_string().contains("lower(...)"), "{error}");
}
