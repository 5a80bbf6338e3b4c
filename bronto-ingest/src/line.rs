//! Checking a line that was encoded elsewhere ([`crate::EncodedEvent::from_line`]): one JSON object on one line,
//! with a string `message`, read once without building its values.

use std::fmt;

use serde::Deserializer as _;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::EventError;

/// What the check found in a valid line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Checked {
    /// The object has a `timestamp` member (of any type, `null` included, as [`crate::Event::encode`] counts it).
    pub(crate) has_timestamp: bool,
}

/// Checks that `line` (already trimmed of surrounding whitespace) is exactly one JSON object, on one line, with a
/// string `message`. Other members are parsed only to check their syntax (nothing is allocated for them).
pub(crate) fn check(line: &str) -> Result<Checked, EventError> {
    if line.bytes().any(|b| b == b'\n' || b == b'\r') {
        return Err(EventError::NotOneLine);
    }
    match line.as_bytes().first() {
        Some(b'{') => {}
        Some(b'[') => return Err(not_an_object("an array")),
        Some(b'"') => return Err(not_an_object("a string")),
        Some(b't' | b'f') => return Err(not_an_object("a boolean")),
        Some(b'n') => return Err(not_an_object("null")),
        Some(b'-' | b'0'..=b'9') => return Err(not_an_object("a number")),
        // Empty, or not JSON at all: let the parser say where.
        _ => {}
    }
    let mut deserializer = serde_json::Deserializer::from_str(line);
    let members = deserializer
        .deserialize_map(MembersVisitor)
        .map_err(|e| EventError::InvalidJson(e.to_string()))?;
    deserializer
        .end()
        .map_err(|e| EventError::InvalidJson(e.to_string()))?;
    match members.message {
        None | Some(Kind::Null) => Err(EventError::MissingMessage),
        Some(Kind::Other) => Err(EventError::MessageNotString),
        Some(Kind::String) => Ok(Checked {
            has_timestamp: members.timestamp,
        }),
    }
}

fn not_an_object(found: &'static str) -> EventError {
    EventError::NotAnObject { found }
}

/// The members the check looks at.
struct Members {
    message: Option<Kind>,
    timestamp: bool,
}

/// A member's name, compared without allocating (after unescaping: `"messag\u0065"` is `message`, as any JSON
/// reader sees it).
enum Key {
    Message,
    Timestamp,
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "message" => Key::Message,
            "timestamp" => Key::Timestamp,
            _ => Key::Other,
        })
    }
}

/// The JSON type of `message`, as far as the check cares.
enum Kind {
    String,
    Null,
    Other,
}

/// Reads the top-level object: `message` for its type, `timestamp` for its presence, the rest skipped.
struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Members;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
        let mut members = Members {
            message: None,
            timestamp: false,
        };
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Message => {
                    if members.message.is_some() {
                        return Err(de::Error::duplicate_field("message"));
                    }
                    members.message = Some(map.next_value::<Kind>()?);
                }
                Key::Timestamp => {
                    if members.timestamp {
                        return Err(de::Error::duplicate_field("timestamp"));
                    }
                    members.timestamp = true;
                    map.next_value::<IgnoredAny>()?;
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(members)
    }
}

impl<'de> de::Deserialize<'de> for Kind {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Kind, E> {
        Ok(Kind::String)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Kind, E> {
        Ok(Kind::Other)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Kind, E> {
        Ok(Kind::Other)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Kind, E> {
        Ok(Kind::Other)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Kind, E> {
        Ok(Kind::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Kind::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Kind::Other)
    }
}
