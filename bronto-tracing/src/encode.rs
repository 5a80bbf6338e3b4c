//! The encoding rules (see the crate docs): how an event, its spans and the service's identity become one JSON
//! object. Runs on the calling thread.

use std::error::Error;
use std::fmt;

use tracing::field::{Field, Visit};

use crate::json::Object;

/// How deep an error's source chain is followed (a cycle of `source()` would otherwise never end).
pub(crate) const MAX_SOURCES: usize = 32;

/// The keys the layer writes itself: an event field with one of these names is written as `fields.<name>`.
const RESERVED: &[&str] = &[
    "timestamp",
    "level",
    "target",
    "module_path",
    "file",
    "line",
    "thread",
    "spans",
    "trace_id",
    "span_id",
    "service.name",
    "service.version",
    "service.environment",
    "host.name",
];

/// Where an event field may be written: its own name, or under `fields.` when the layer owns the name.
fn event_key_prefix(name: &str) -> &'static str {
    if RESERVED.contains(&name) || name.starts_with("span.") || name.starts_with("fields.") {
        "fields."
    } else {
        ""
    }
}

/// Writes fields into an object, each key under `prefix` (`""` for an event, `span.<name>.` for a span).
pub(crate) struct FieldWriter<'a> {
    pub(crate) object: &'a mut Object,
    /// `None` for an event (whose keys follow [`event_key_prefix`]), `Some` for a span's fields.
    pub(crate) span_prefix: Option<&'a str>,
    /// Set when the event's `message` was written.
    pub(crate) message_seen: bool,
    /// For a span: where each field's member starts in the object (before its separating comma), by field name.
    starts: Option<&'a mut Vec<(&'static str, usize)>>,
}

impl<'a> FieldWriter<'a> {
    /// Writes an event's fields.
    pub(crate) fn event(object: &'a mut Object) -> Self {
        Self {
            object,
            span_prefix: None,
            message_seen: false,
            starts: None,
        }
    }

    /// Writes a span's fields under `prefix` (`span.<name>.`), noting in `starts` where each field's member
    /// starts (an error's sources belong to its field's member).
    pub(crate) fn span(
        object: &'a mut Object,
        prefix: &'a str,
        starts: &'a mut Vec<(&'static str, usize)>,
    ) -> Self {
        Self {
            object,
            span_prefix: Some(prefix),
            message_seen: false,
            starts: Some(starts),
        }
    }

    /// Writes the key for `field`; `false` when the field is the event's `message` (written as a string by the
    /// caller) or a `log` crate record's metadata (already in `target`, `file`, ...).
    fn key(&mut self, field: &Field) -> Key {
        let name = field.name();
        match self.span_prefix {
            Some(prefix) => {
                if let Some(starts) = self.starts.as_mut() {
                    starts.push((name, self.object.len()));
                }
                self.object.key(prefix, name);
                Key::Value
            }
            None if name == "message" => {
                self.object.key("", "message");
                self.message_seen = true;
                Key::Message
            }
            None if name.starts_with("log.") => Key::Skip,
            None => {
                self.object.key(event_key_prefix(name), name);
                Key::Value
            }
        }
    }

    fn number(&mut self, field: &Field, value: impl fmt::Display, write: impl FnOnce(&mut Object)) {
        match self.key(field) {
            Key::Value => write(self.object),
            Key::Message => self.object.formatted(|out| write!(out, "{value}")),
            Key::Skip => {}
        }
    }

    fn key_name(&self, field: &Field) -> (&str, String) {
        match self.span_prefix {
            Some(prefix) => (prefix, field.name().to_string()),
            None => (event_key_prefix(field.name()), field.name().to_string()),
        }
    }
}

enum Key {
    Value,
    Message,
    Skip,
}

impl Visit for FieldWriter<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if matches!(self.key(field), Key::Skip) {
            return;
        }
        self.object.formatted(|out| write!(out, "{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if matches!(self.key(field), Key::Skip) {
            return;
        }
        self.object.string(value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.number(field, value, |object| object.bool(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.number(field, value, |object| object.integer(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.number(field, value, |object| object.integer(value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.number(field, value, |object| object.i128(value));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.number(field, value, |object| object.u128(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.number(field, value, |object| object.f64(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn Error + 'static)) {
        if matches!(self.key(field), Key::Skip) {
            return;
        }
        self.object.formatted(|out| write!(out, "{value}"));
        let (prefix, name) = self.key_name(field);
        let prefix = prefix.to_string();
        let mut source = value.source();
        let mut index = 0usize;
        while let Some(error) = source {
            if index == MAX_SOURCES {
                break;
            }
            self.object
                .key3(&prefix, &name, &format!(".sources.{index}"));
            self.object.formatted(|out| write!(out, "{error}"));
            source = error.source();
            index += 1;
        }
    }
}
