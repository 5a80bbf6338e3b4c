//! The ingestion endpoint (`POST /` on the sandbox's host, as on the service's ingestion host): NDJSON, plain or
//! gzip or Zstandard, at most 10 MiB (`413` beyond); each event kept in its account by dataset, its nested
//! objects flattened to dotted keys, its time read from `timestamp` (RFC 3339 or epoch milliseconds) or the
//! arrival. A key needs an ingestion role (`IngestionApi`, or the sandbox's administrator key): `401` for an
//! unknown key, `403` for one without.

use httpmock::{HttpMockRequest, HttpMockResponse};
use serde_json::{Map, Value, json};

use crate::reply;
use crate::resources::ensure_dataset;
use crate::state::{State, Stored, now_millis};

/// The most one ingestion request may carry, compressed or not (the service's limit).
const MAX_INGESTION_BODY: usize = 10 * 1024 * 1024;

/// The value of header `name` of a request.
pub(crate) fn header(request: &HttpMockRequest, name: &str) -> Option<String> {
    request
        .headers_vec()
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.clone())
}

/// Nested objects and arrays as dotted keys (`http.status`, `tags.0`).
pub(crate) fn flatten(prefix: &str, value: &Value, into: &mut Map<String, Value>) {
    let key = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        }
    };
    match value {
        Value::Object(fields) => fields
            .iter()
            .for_each(|(name, inner)| flatten(&key(name), inner, into)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(index, inner)| flatten(&key(&index.to_string()), inner, into)),
        other => {
            into.insert(prefix.to_string(), other.clone());
        }
    }
}

/// An event's time: its `timestamp` (RFC 3339 text or epoch milliseconds), else `arrival`.
pub(crate) fn event_time(event: &Value, arrival: i64) -> i64 {
    match &event["timestamp"] {
        Value::String(text) => {
            chrono::DateTime::parse_from_rfc3339(text).map_or(arrival, |t| t.timestamp_millis())
        }
        Value::Number(number) => number.as_i64().unwrap_or(arrival),
        _ => arrival,
    }
}

/// Stores `line` (JSON, or text as `{"message": line}`) in `dataset` of `account`.
pub(crate) fn store(state: &mut State, account: &str, dataset: &str, line: &str, arrival: i64) {
    let original: Value = serde_json::from_str(line).unwrap_or_else(|_| json!({"message": line}));
    let mut fields = Map::new();
    flatten("", &original, &mut fields);
    let stored = Stored {
        raw: line.to_string(),
        time_ms: event_time(&original, arrival),
        original,
        fields,
        sequence: state.sequence(),
    };
    state
        .account(account)
        .events
        .entry(dataset.to_string())
        .or_default()
        .push(stored);
}

fn decompress(request: &HttpMockRequest) -> Option<Vec<u8>> {
    let raw = request.body_ref();
    match header(request, "content-encoding").as_deref() {
        Some("zstd") => zstd::decode_all(raw).ok(),
        Some("gzip") => {
            let mut text = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(raw), &mut text).ok()?;
            Some(text)
        }
        Some("deflate") => {
            let mut text = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(raw), &mut text).ok()?;
            Some(text)
        }
        _ => Some(raw.to_vec()),
    }
}

/// Answers one ingestion request.
pub(crate) fn ingest(state: &mut State, request: &HttpMockRequest) -> HttpMockResponse {
    let grant = header(request, "x-bronto-api-key").and_then(|key| state.keys.get(&key).cloned());
    let Some(grant) = grant else {
        return reply::error(401, "invalid API key");
    };
    if !grant.may_ingest() {
        return reply::error(403, "Access denied. User does not have permission");
    }
    if request.body_ref().len() > MAX_INGESTION_BODY {
        return reply::error(413, "over 10 MiB");
    }
    let Some(body) = decompress(request).filter(|body| body.len() <= MAX_INGESTION_BODY) else {
        return reply::error(400, "the body does not decompress");
    };
    let dataset = header(request, "x-bronto-dataset").unwrap_or_default();
    let collection = header(request, "x-bronto-collection").unwrap_or_else(|| "default".into());
    if !dataset.is_empty() {
        // The service creates a dataset the first time events arrive for it.
        ensure_dataset(state.account(&grant.account), &collection, &dataset);
    }
    let arrival = now_millis();
    for line in String::from_utf8_lossy(&body)
        .lines()
        .filter(|line| !line.trim().is_empty())
    {
        store(state, &grant.account, &dataset, line, arrival);
    }
    reply::empty(200)
}
