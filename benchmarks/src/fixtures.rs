//! What the server answers and the client asks: a search request, search responses of realistic events, and the
//! check that sequence numbers above 2^53 survive decoding exactly.

use sdk::bronto_api::types::{CreateExportRequest, CreateSearchRequest, PostSearchResponse};

use crate::BoxError;

/// The first event's sequence number: 2^53 + 1, the first integer an `f64` cannot hold. Every event's sequence
/// is `SEQUENCE_BASE + index`, and its `attributes.counter` the same value as an unsigned number.
pub(crate) const SEQUENCE_BASE: i64 = (1 << 53) + 1;

/// The API key both sides send.
pub(crate) const API_KEY: &str = "bench-api-key";

/// The search both sides send: an event query over one dataset, 100 events.
pub(crate) fn search_request() -> Result<CreateSearchRequest, BoxError> {
    Ok(serde_json::from_value(serde_json::json!({
        "from": ["2c8f0a4e-7d1b-4f3a-9b6e-5a0c1d2e3f40"],
        "select": ["*"],
        "where": "\"http.status_code\" >= 500 AND service = 'checkout-api'",
        "time_range": "Last 1 hour",
        "limit": 100,
        "most_recent_first": true
    }))?)
}

/// The export request of the facade side.
pub(crate) fn export_request() -> Result<CreateExportRequest, BoxError> {
    Ok(serde_json::from_value(serde_json::json!({
        "search_details": {"from": ["2c8f0a4e-7d1b-4f3a-9b6e-5a0c1d2e3f40"], "time_range": "Last 24 hours"}
    }))?)
}

/// One event as Bronto returns it from a search: about 900 bytes of JSON.
fn event(i: u64) -> serde_json::Value {
    const PATHS: [&str; 4] = [
        "/api/v1/orders",
        "/api/v1/cart/items",
        "/api/v1/users/me",
        "/health",
    ];
    let status = [200, 200, 200, 201, 404, 500][(i % 6) as usize];
    let path = PATHS[(i % 4) as usize];
    let sequence = SEQUENCE_BASE as u64 + i;
    let timestamp = 1_763_823_845_123_u64 + i / 8;
    let trace = format!("{:032x}", i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    serde_json::json!({
        "@raw": format!(
            "2025-11-22T15:04:05.123Z INFO checkout-api GET {path} completed with {status} in {} ms trace={trace}",
            i % 250
        ),
        "@time": "2025-11-22 15:04:05.123 UTC",
        "@status": if status >= 500 { "error" } else if status >= 400 { "warn" } else { "info" },
        "attributes": {
            "service.name": "checkout-api",
            "host.name": format!("ip-10-0-{}-{}", i % 7, i % 251),
            "deployment.environment": "production",
            "http.method": "GET",
            "http.route": path,
            "http.status_code": status,
            "duration_ms": (i % 250) as f64 + 0.25,
            "trace_id": trace,
            "counter": sequence
        },
        "message_kvs": {
            "user_id": format!("u-{}", 100_000 + i % 5_000),
            "cart_items": i % 12,
            "region": "eu-west-1"
        },
        "metadata": {
            "sequence": sequence,
            "timestamp": timestamp,
            "service_id": "0b7e4c1a-2d3f-4e5a-8b9c-0d1e2f3a4b5c",
            "context": format!("https://api.eu.bronto.io/search/context?timestamp={timestamp}&sequence={sequence}")
        },
        "links": [{"rel": "next", "href": format!("https://api.eu.bronto.io/search/context?sequence={sequence}")}]
    })
}

/// A search response with `count` events, serialized.
pub(crate) fn search_response(count: usize) -> Vec<u8> {
    let events: Vec<serde_json::Value> = (0..count as u64).map(event).collect();
    serde_json::json!({ "events": events })
        .to_string()
        .into_bytes()
}

/// Fails unless `response` holds `count` events whose sequence numbers (and `counter` attributes) are exactly
/// `SEQUENCE_BASE + index`: a decoder that went through `f64` would round them.
pub(crate) fn check_sequences(response: &PostSearchResponse, count: usize) -> Result<(), BoxError> {
    if response.events.len() != count {
        return Err(format!("expected {count} events, decoded {}", response.events.len()).into());
    }
    for (i, event) in response.events.iter().enumerate() {
        let expected = SEQUENCE_BASE + i as i64;
        let sequence = event.metadata.as_ref().and_then(|m| m.sequence);
        if sequence != Some(expected) {
            return Err(format!(
                "event {i}: sequence {sequence:?} decoded, {expected} sent (precision lost above 2^53)"
            )
            .into());
        }
        let counter = event
            .attributes
            .get("counter")
            .and_then(serde_json::Value::as_u64);
        if counter != Some(expected as u64) {
            return Err(format!(
                "event {i}: attributes.counter {counter:?} decoded, {expected} sent (precision lost above 2^53)"
            )
            .into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_above_2_pow_53_survive_and_rounding_is_caught() {
        let bytes = search_response(3);
        let mut decoded: PostSearchResponse = serde_json::from_slice(&bytes).expect("decodes");
        check_sequences(&decoded, 3).expect("exact");
        // What a decoder through f64 would produce.
        let rounded = (SEQUENCE_BASE as f64) as i64;
        assert_ne!(rounded, SEQUENCE_BASE);
        if let Some(metadata) = decoded.events[0].metadata.as_mut() {
            metadata.sequence = Some(rounded);
        }
        assert!(check_sequences(&decoded, 3).is_err());
    }

    #[test]
    fn requests_are_valid() {
        search_request().expect("a valid search");
        export_request().expect("a valid export");
    }
}
