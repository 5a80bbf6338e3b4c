//! The responses the sandbox sends: JSON bodies and the vendor's error body.

use httpmock::HttpMockResponse;
use serde_json::{Value, json};

/// The vendor's error body (`code`, `type`, `details`, `correlation_id`).
pub(crate) fn error_body(code: u16, kind: &str, details: &str) -> Value {
    json!({"code": code, "type": kind, "details": details, "correlation_id": format!("sandbox-{code}")})
}

/// `body` as JSON with `status`.
pub(crate) fn json(status: u16, body: &Value) -> HttpMockResponse {
    HttpMockResponse::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_string())
        .build()
}

/// An error with the vendor's body.
pub(crate) fn error(status: u16, details: &str) -> HttpMockResponse {
    let kind = match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        501 => "Not Implemented",
        _ => "Internal Server Error",
    };
    json(status, &error_body(status, kind, details))
}

/// A `501` naming what the sandbox does not implement: never a plausible wrong answer.
pub(crate) fn not_implemented(what: &str) -> HttpMockResponse {
    error(501, &format!("the sandbox does not implement {what}"))
}

/// A response with no body.
pub(crate) fn empty(status: u16) -> HttpMockResponse {
    HttpMockResponse::builder().status(status).build()
}
