//! How an [`Error`] reads: its one-line `Display` (step, operation, kind, status, correlation id, ...) and its short
//! `Debug`, neither with a secret; and its `source`.

use std::fmt;

use reqwest::StatusCode;

use super::Error;

/// The most of a free text shown by `Debug` (the vendor's details can be as long as the body).
const DEBUG_TEXT: usize = 120;

fn clipped(text: &Option<String>) -> Option<String> {
    text.as_ref()
        .map(|text| match text.char_indices().nth(DEBUG_TEXT) {
            Some((end, _)) => format!("{}…", &text[..end]),
            None => text.clone(),
        })
}

/// Short: what a `main` that returns the error prints on one line. The headers and the body stay available through
/// [`Error::headers`], [`Error::body_bytes`] and [`Error::body_json`].
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let mut debug = f.debug_struct("Error");
        debug.field("kind", &inner.kind);
        if let Some(step) = &inner.step {
            debug.field("step", step);
        }
        if let Some(operation) = &inner.operation {
            debug.field("operation", operation);
        }
        if let Some(status) = inner.status {
            debug.field("status", &status.as_u16());
        }
        if let Some(id) = &inner.correlation_id {
            debug.field("correlation_id", id);
        }
        if let Some(path) = &inner.json_path {
            debug.field("json_path", path);
        }
        if let Some((limit, duration)) = inner.time_limit {
            debug.field("time_limit", &limit);
            debug.field("after", &duration);
        }
        if let Some(request) = &inner.request {
            debug.field("request", request);
        }
        if let Some(kind) = clipped(&inner.error_type) {
            debug.field("type", &kind);
        }
        if let Some(details) = clipped(&inner.details) {
            debug.field("details", &details);
        }
        if let Some(message) = clipped(&inner.message) {
            debug.field("message", &message);
        }
        if let Some(body) = &inner.body {
            debug.field("body_bytes", &body.len());
        }
        debug.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(step) = &self.inner.step {
            write!(f, "{step}: ")?;
        }
        if let Some(operation) = &self.inner.operation {
            write!(f, "{operation}: ")?;
        }
        write!(f, "{}", self.inner.kind)?;
        match (self.inner.status, &self.inner.correlation_id) {
            (Some(status), Some(id)) => {
                write!(f, " (status {}, correlation id {id})", status.as_u16())?
            }
            (Some(status), None) => write!(f, " (status {})", status.as_u16())?,
            (None, Some(id)) => write!(f, " (correlation id {id})")?,
            (None, None) => {}
        }
        if let Some(path) = &self.inner.json_path {
            write!(f, " at `{path}`")?;
        }
        if let Some(request) = &self.inner.request {
            write!(f, " on {request}")?;
        }
        if let Some((limit, duration)) = self.inner.time_limit {
            write!(f, ": the {limit} of {duration:?} ran out")?;
        }
        if let Some(kind) = &self.inner.error_type {
            write!(f, ": {kind}")?;
        }
        if let Some(details) = &self.inner.details {
            write!(f, ": {details}")?;
        }
        if let Some(message) = &self.inner.message {
            write!(f, ": {message}")?;
        }
        if self.inner.status == Some(StatusCode::TOO_MANY_REQUESTS) {
            let rate = &self.inner.rate_limit;
            match (rate.retry_after, rate.reset) {
                (Some(wait), _) => {
                    write!(f, "; the service asks to retry after {} s", wait.as_secs())?
                }
                (None, Some(reset)) => {
                    write!(f, "; the rate-limit window resets in {} s", reset.as_secs())?
                }
                (None, None) => write!(f, "; no retry hint")?,
            }
            match self.inner.attempts {
                0 => {}
                1 => write!(f, " (1 attempt made)")?,
                n => write!(f, " ({n} attempts made)")?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
