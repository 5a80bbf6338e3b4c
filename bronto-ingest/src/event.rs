//! Events: what a caller hands in ([`Event`]) and what travels on the wire ([`EncodedEvent`]).

use std::fmt;

use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

/// One log event: a JSON object with a string `message` (required by Bronto) and any other fields.
///
/// A `timestamp` (RFC 3339, UTC, milliseconds) is added when the event is accepted if it has none; one that is
/// already there is kept as it is.
///
/// ```
/// use bronto_ingest::Event;
/// use serde_json::json;
///
/// let event = Event::new("user logged in").field("user_id", 42).field("ok", true);
/// assert_eq!(event.message(), Some("user logged in"));
///
/// // Any `Serialize` value that is a JSON object works too.
/// #[derive(serde::Serialize)]
/// struct Login { message: String, user_id: u64 }
/// let event = Event::from_serialize(&Login { message: "hi".into(), user_id: 7 }).expect("an object");
/// assert_eq!(event.fields()["user_id"], json!(7));
///
/// // An event without a message is refused before it is queued.
/// assert!(Event::default().field("user_id", 1).encode().is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Event {
    fields: Map<String, Value>,
}

impl Event {
    /// An event with `message` and no other field.
    pub fn new(message: impl Into<String>) -> Self {
        let mut fields = Map::new();
        fields.insert("message".to_string(), Value::String(message.into()));
        Self { fields }
    }

    /// Sets a field (builder style). Nested objects are fine: Bronto flattens them to dot notation.
    pub fn field(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fields.insert(key.into(), value.into());
        self
    }

    /// Sets a field, returning the value it replaces.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        self.fields.insert(key.into(), value.into())
    }

    /// An event from any value that serializes to a JSON object.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, EventError> {
        let value =
            serde_json::to_value(value).map_err(|e| EventError::Serialize(e.to_string()))?;
        Self::try_from(value)
    }

    /// The `message` field, when it is a string.
    pub fn message(&self) -> Option<&str> {
        self.fields.get("message").and_then(Value::as_str)
    }

    /// All fields.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// All fields, by value.
    pub fn into_fields(self) -> Map<String, Value> {
        self.fields
    }

    /// Checks the event (a string `message` is required) and serializes it once, as one NDJSON line, adding a
    /// `timestamp` when it has none. [`crate::Ingestor::send`] does this; it is public so that callers can check
    /// events, or measure their size, ahead of time.
    pub fn encode(&self) -> Result<EncodedEvent, EventError> {
        match self.fields.get("message") {
            None | Some(Value::Null) => return Err(EventError::MissingMessage),
            Some(Value::String(_)) => {}
            Some(_) => return Err(EventError::MessageNotString),
        }
        let mut line = serde_json::to_string(&self.fields)
            .map_err(|e| EventError::Serialize(e.to_string()))?;
        if !self.fields.contains_key("timestamp") {
            // The map is not empty (it has a message), so the text ends with `}` after at least one entry.
            append_timestamp(&mut line);
        }
        Ok(EncodedEvent {
            line: line.into_boxed_str(),
        })
    }
}

/// Appends `"timestamp":"<now>"` as the last member of `line`, a compact JSON object with at least one member
/// (so it ends with `}` after one): no re-serialization.
fn append_timestamp(line: &mut String) {
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    line.pop();
    line.push_str(",\"timestamp\":\"");
    line.push_str(&now);
    line.push_str("\"}");
}

impl From<Map<String, Value>> for Event {
    fn from(fields: Map<String, Value>) -> Self {
        Self { fields }
    }
}

impl TryFrom<Value> for Event {
    type Error = EventError;

    /// A JSON object becomes an event; any other JSON value is refused.
    fn try_from(value: Value) -> Result<Self, Self::Error> {
        match value {
            Value::Object(fields) => Ok(Self { fields }),
            other => Err(EventError::NotAnObject {
                found: json_kind(&other),
            }),
        }
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An accepted event in its wire form: one compact JSON object, serialized once, without the trailing newline.
///
/// Compact JSON never contains a raw newline (newlines inside strings are escaped), so each event is exactly one
/// NDJSON line. Failed events are handed back in this form, byte for byte what was sent, and can be queued again
/// with [`crate::Ingestor::resend`] or written to a dead-letter file as they are.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EncodedEvent {
    line: Box<str>,
}

impl EncodedEvent {
    /// An event encoded elsewhere (by a logging layer, read from a dead-letter file), checked and taken as it is:
    /// what [`crate::Ingestor::try_send_encoded`] and [`crate::Ingestor::send_encoded`] queue without parsing it
    /// into an [`Event`] and serializing it again.
    ///
    /// The check reads the line once, without building its values: it must be exactly one JSON object (nothing
    /// after it but whitespace), with a string `message` (Bronto requires one), and no raw line break (`\n` or
    /// `\r`, which would split it in NDJSON; escaped ones inside strings are fine). Duplicate `message` or
    /// `timestamp` members are refused (readers disagree on which one wins). Spaces and tabs around the object
    /// are removed; otherwise the text is kept byte for byte, members in their order, except that a line without
    /// a `timestamp` member gets one, as [`Event::encode`] adds it: the current time (RFC 3339, UTC,
    /// milliseconds, `Z`) appended as the last member. A `timestamp` that is there, of any type, is kept.
    ///
    /// The size limit of a batch is checked when the event is queued ([`EventError::TooLarge`]).
    ///
    /// ```
    /// use bronto_ingest::{EncodedEvent, EventError};
    ///
    /// let line = r#"{"timestamp":"2026-12-02T07:21:09.512Z","message":"payment accepted","order":42}"#;
    /// let event = EncodedEvent::from_line(line.to_string()).expect("valid");
    /// assert_eq!(event.as_str(), line);
    ///
    /// let stamped = EncodedEvent::from_line(r#"{"message":"m"}"#.to_string()).expect("valid");
    /// assert!(stamped.as_str().starts_with(r#"{"message":"m","timestamp":"20"#));
    ///
    /// assert_eq!(EncodedEvent::from_line(r#"{"msg":"m"}"#.to_string()), Err(EventError::MissingMessage));
    /// assert_eq!(
    ///     EncodedEvent::from_line("{\"message\":\"m\",\n\"n\":1}".to_string()),
    ///     Err(EventError::NotOneLine)
    /// );
    /// ```
    pub fn from_line(line: String) -> Result<Self, EventError> {
        let mut line = line;
        let end = line.trim_end_matches([' ', '\t']).len();
        line.truncate(end);
        let start = line.len() - line.trim_start_matches([' ', '\t']).len();
        if start > 0 {
            line.drain(..start);
        }
        let checked = crate::line::check(&line)?;
        if !checked.has_timestamp {
            // A valid object with a `message` ends with `}` after at least one member.
            append_timestamp(&mut line);
        }
        Ok(Self {
            line: line.into_boxed_str(),
        })
    }

    /// A line this workspace's own encoder wrote (`bronto-tracing`'s layer), taken without the check of
    /// [`EncodedEvent::from_line`]: see [`crate::__private::trusted_line`].
    pub(crate) fn trusted(line: String) -> Self {
        debug_assert!(
            crate::line::check(&line).is_ok_and(|checked| checked.has_timestamp),
            "a trusted line is one JSON object on one line with a string message and a timestamp: {line}"
        );
        Self {
            line: line.into_boxed_str(),
        }
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.line
    }

    /// The JSON text as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.line.as_bytes()
    }

    /// Length of the JSON text in bytes (the NDJSON line takes one more, for the newline).
    pub fn len(&self) -> usize {
        self.line.len()
    }

    /// `true` for an empty line (never the case for an encoded event; here for completeness).
    pub fn is_empty(&self) -> bool {
        self.line.is_empty()
    }

    /// Parses the line back into an [`Event`].
    pub fn to_event(&self) -> Result<Event, EventError> {
        let value: Value =
            serde_json::from_str(&self.line).map_err(|e| EventError::Serialize(e.to_string()))?;
        Event::try_from(value)
    }

    /// The JSON text, by value.
    pub fn into_string(self) -> String {
        self.line.into_string()
    }
}

impl fmt::Debug for EncodedEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncodedEvent({})", self.line)
    }
}

impl fmt::Display for EncodedEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line)
    }
}

/// Why an event was refused before it was queued.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// The value is not a JSON object.
    #[error("an event must be a JSON object, found {found}")]
    NotAnObject {
        /// What it was instead (`"an array"`, `"a string"`, ...).
        found: &'static str,
    },
    /// No `message` field (or a null one): Bronto requires it.
    #[error("an event needs a `message` field")]
    MissingMessage,
    /// `message` is there but is not a string.
    #[error("the `message` field of an event must be a string")]
    MessageNotString,
    /// The NDJSON line (with its newline) is larger than the batch limit, so no request could carry it.
    #[error(
        "the event takes {size} bytes as an NDJSON line, more than the {limit}-byte batch limit"
    )]
    TooLarge {
        /// The line's size in bytes, newline included.
        size: usize,
        /// The configured batch limit in bytes (at most 10 MiB).
        limit: usize,
    },
    /// A pre-encoded line ([`EncodedEvent::from_line`]) is not valid JSON, or has more than one JSON value. The
    /// text says where (line and column), never what the line holds.
    #[error("the line is not one valid JSON object: {0}")]
    InvalidJson(String),
    /// A pre-encoded line ([`EncodedEvent::from_line`]) contains a raw line break (`\n` or `\r`), so it would not
    /// be one NDJSON line.
    #[error("an encoded event must be one line, without a raw line break")]
    NotOneLine,
    /// The value could not be serialized to JSON (a map with non-string keys, a failing `Serialize` impl).
    #[error("the event could not be serialized: {0}")]
    Serialize(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_timestamp_is_added_only_when_missing() {
        let encoded = Event::new("m").field("n", 1).encode().expect("valid");
        let value: Value = serde_json::from_str(encoded.as_str()).expect("json");
        let stamp = value["timestamp"].as_str().expect("a timestamp string");
        let parsed = chrono::DateTime::parse_from_rfc3339(stamp).expect("RFC 3339");
        assert_eq!(parsed.offset().local_minus_utc(), 0, "{stamp}");
        assert!(stamp.ends_with('Z'), "{stamp}");
        assert_eq!(value["message"], json!("m"));
        assert_eq!(value["n"], json!(1));

        let kept = Event::new("m")
            .field("timestamp", "2020-01-02T03:04:05Z")
            .encode()
            .expect("valid");
        let value: Value = serde_json::from_str(kept.as_str()).expect("json");
        assert_eq!(value["timestamp"], json!("2020-01-02T03:04:05Z"));
    }

    #[test]
    fn the_message_is_required_and_must_be_a_string() {
        assert_eq!(
            Event::default().field("a", 1).encode(),
            Err(EventError::MissingMessage)
        );
        assert_eq!(
            Event::default().field("message", Value::Null).encode(),
            Err(EventError::MissingMessage)
        );
        assert_eq!(
            Event::default().field("message", 3).encode(),
            Err(EventError::MessageNotString)
        );
        assert!(matches!(
            Event::from_serialize(&[1, 2]),
            Err(EventError::NotAnObject { found: "an array" })
        ));
    }

    fn line(text: &str) -> Result<EncodedEvent, EventError> {
        EncodedEvent::from_line(text.to_string())
    }

    #[test]
    fn a_line_with_a_timestamp_is_kept_byte_for_byte() {
        let text = r#"{"timestamp":"2026-12-02T07:21:09.512Z","message":"m\n\u00e9","z":{"a":[1,2.5,null,"x"]},"b":true}"#;
        let encoded = line(text).expect("valid");
        assert_eq!(encoded.as_str(), text);
        // A timestamp of another type is there all the same, and kept.
        let text = r#"{"message":"m","timestamp":null}"#;
        assert_eq!(line(text).expect("valid").as_str(), text);
        // Spaces and tabs around the object go; spaces inside stay.
        assert_eq!(
            line(" \t{ \"message\" : \"m\" , \"timestamp\":1 }\t ")
                .expect("valid")
                .as_str(),
            r#"{ "message" : "m" , "timestamp":1 }"#
        );
    }

    #[test]
    fn a_line_without_a_timestamp_gets_one_as_encode_adds_it() {
        let encoded = line(r#"{"message":"m","n":1}"#).expect("valid");
        let text = encoded.as_str();
        let stamp = text
            .strip_prefix(r#"{"message":"m","n":1,"timestamp":""#)
            .and_then(|rest| rest.strip_suffix(r#""}"#))
            .expect("the timestamp appended as the last member");
        let parsed = chrono::DateTime::parse_from_rfc3339(stamp).expect("RFC 3339");
        assert_eq!(parsed.offset().local_minus_utc(), 0, "{stamp}");
        assert!(stamp.ends_with('Z') && stamp.len() == 24, "{stamp}");
        let event = encoded.to_event().expect("parses");
        assert_eq!(event.fields()["n"], json!(1));
    }

    #[test]
    fn a_line_must_be_one_valid_json_object() {
        for (text, found) in [
            ("[1,2]", "an array"),
            (r#""message""#, "a string"),
            ("42", "a number"),
            ("-1", "a number"),
            ("true", "a boolean"),
            ("null", "null"),
        ] {
            assert_eq!(line(text), Err(EventError::NotAnObject { found }), "{text}");
        }
        for text in [
            "",
            "   ",
            r#"{"message":"m""#,
            r#"{"message":"m","#,
            r#"{"message":"m","n":}"#,
            r#"{"message":"m"} {"message":"n"}"#,
            r#"{"message":"m"}x"#,
            r#"{message:"m"}"#,
            r#"{"message":"m",}"#,
            r#"{"message":"unterminated}"#,
            "{\"message\":\"m\",\"n\":01}",
            "x",
        ] {
            assert!(
                matches!(line(text), Err(EventError::InvalidJson(_))),
                "{text:?}: {:?}",
                line(text)
            );
        }
        // The error says where, not what the line holds.
        let Err(EventError::InvalidJson(why)) = line(r#"{"message":"secret-value","n":}"#) else {
            panic!("refused");
        };
        assert!(!why.contains("secret-value"), "{why}");
        assert!(why.contains("column"), "{why}");
    }

    #[test]
    fn a_line_needs_a_string_message_once() {
        assert_eq!(line(r#"{"msg":"m"}"#), Err(EventError::MissingMessage));
        assert_eq!(line("{}"), Err(EventError::MissingMessage));
        assert_eq!(line(r#"{"message":null}"#), Err(EventError::MissingMessage));
        for value in ["1", "true", "[\"m\"]", r#"{"text":"m"}"#, "1.5"] {
            assert_eq!(
                line(&format!(r#"{{"message":{value}}}"#)),
                Err(EventError::MessageNotString),
                "{value}"
            );
        }
        // A nested `message` is not the event's.
        assert_eq!(
            line(r#"{"inner":{"message":"m"}}"#),
            Err(EventError::MissingMessage)
        );
        // An escaped key is the same key to any reader.
        assert!(line(r#"{"messag\u0065":"m"}"#).is_ok());
        assert!(matches!(
            line(r#"{"message":"a","message":"b"}"#),
            Err(EventError::InvalidJson(_))
        ));
        assert!(matches!(
            line(r#"{"message":"a","timestamp":1,"timestamp":2}"#),
            Err(EventError::InvalidJson(_))
        ));
    }

    #[test]
    fn a_line_with_a_raw_line_break_is_refused() {
        assert_eq!(
            line("{\"message\":\"m\",\n\"n\":1}"),
            Err(EventError::NotOneLine)
        );
        assert_eq!(line("{\"message\":\"m\"}\r\n"), Err(EventError::NotOneLine));
        assert_eq!(line("{\"message\":\"m\"}\n"), Err(EventError::NotOneLine));
        // Escaped line breaks inside strings are fine.
        assert!(line(r#"{"message":"a\nb\r"}"#).is_ok());
    }

    #[test]
    fn a_line_never_contains_a_raw_newline() {
        let encoded = Event::new("line one\nline two\r\n")
            .field("nested", json!({"a": {"b": "c\nd"}}))
            .encode()
            .expect("valid");
        assert!(!encoded.as_str().contains('\n'));
        assert!(!encoded.as_str().contains('\r'));
        let back = encoded.to_event().expect("parses back");
        assert_eq!(back.message(), Some("line one\nline two\r\n"));
    }
}
