//! `--debug`: one line on standard error per request attempt, from the runtime's `api.request` tracing span
//! (operation, method, path, status, duration, attempt, correlation id) and the origin the client sends to:
//!
//! ```text
//! debug: list_api_keys GET https://api.eu.bronto.io/api-keys -> 200 in 84 ms (attempt 1, correlation id 6f1c...)
//! ```
//!
//! The span carries no credential, header or query string, so neither does the line.

use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

/// What one request span recorded.
#[derive(Debug, Default, Clone)]
struct RequestFields {
    operation: Option<String>,
    method: Option<String>,
    path: Option<String>,
    status: Option<u64>,
    duration_ms: Option<u64>,
    attempt: Option<u64>,
    correlation_id: Option<String>,
}

impl Visit for RequestFields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        self.record_str(field, text.trim_matches('"'));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let value = Some(value.to_string());
        match field.name() {
            "operation_id" => self.operation = value,
            "method" => self.method = value,
            "path" => self.path = value,
            "correlation_id" => self.correlation_id = value,
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "status" => self.status = Some(value),
            "duration_ms" => self.duration_ms = Some(value),
            "attempt" => self.attempt = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, value.max(0) as u64);
    }
}

/// The layer that prints a line when a request span closes.
struct RequestLines {
    origin: String,
}

impl<S> Layer<S> for RequestLines
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        if attributes.metadata().name() != "api.request" {
            return;
        }
        let mut fields = RequestFields::default();
        attributes.record(&mut fields);
        if let Some(span) = context.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, context: Context<'_, S>) {
        if let Some(span) = context.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<RequestFields>()
        {
            values.record(fields);
        }
    }

    fn on_close(&self, id: Id, context: Context<'_, S>) {
        let Some(span) = context.span(&id) else {
            return;
        };
        let Some(fields) = span.extensions().get::<RequestFields>().cloned() else {
            return;
        };
        eprintln!("{}", line(&self.origin, &fields));
    }
}

fn line(origin: &str, fields: &RequestFields) -> String {
    let mut line = String::from("debug:");
    if let Some(operation) = &fields.operation {
        let _ = write!(line, " {operation}");
    }
    let _ = write!(
        line,
        " {} {}{}",
        fields.method.as_deref().unwrap_or("?"),
        origin.trim_end_matches('/'),
        fields.path.as_deref().unwrap_or("")
    );
    match fields.status {
        Some(status) => {
            let _ = write!(line, " -> {status}");
        }
        None => line.push_str(" -> no response"),
    }
    if let Some(ms) = fields.duration_ms {
        let _ = write!(line, " in {ms} ms");
    }
    let _ = write!(line, " (attempt {}", fields.attempt.unwrap_or(1));
    if let Some(id) = &fields.correlation_id {
        let _ = write!(line, ", correlation id {id}");
    }
    line.push(')');
    line
}

/// The scheme, host and port of `url`, without user information or anything after the authority's path.
fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let path = rest[authority.len()..]
        .split(['?', '#'])
        .next()
        .unwrap_or_default();
    if scheme.is_empty() {
        format!("{host}{path}")
    } else {
        format!("{scheme}://{host}{path}")
    }
}

/// Installs the `--debug` output for requests sent to `origin` (the client's base URL).
pub fn install(origin_url: Option<&str>) {
    let layer = RequestLines {
        origin: origin_url.map(origin).unwrap_or_default(),
    };
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_drops_user_information_and_queries() {
        assert_eq!(
            origin("https://user:secret@api.eu.bronto.io/v1?key=x"),
            "https://api.eu.bronto.io/v1"
        );
        assert_eq!(origin("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }

    #[test]
    fn a_line_names_method_url_status_timing_and_correlation_id() {
        let fields = RequestFields {
            operation: Some("list_api_keys".into()),
            method: Some("GET".into()),
            path: Some("/api-keys".into()),
            status: Some(200),
            duration_ms: Some(12),
            attempt: Some(1),
            correlation_id: Some("abc".into()),
        };
        assert_eq!(
            line("https://api.eu.bronto.io", &fields),
            "debug: list_api_keys GET https://api.eu.bronto.io/api-keys -> 200 in 12 ms (attempt 1, correlation id abc)"
        );
    }
}
