//! A JSON object writer over bytes: keys with a prefix, escaped strings, exact integers, and values formatted by
//! the caller's code (`Debug`, `Display`) with a panic in that code caught.

use std::fmt::{self, Write as _};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// What a field's value is written as when its `Debug` or `Display` implementation panicked.
pub(crate) const PANICKED: &str = "<formatting this value panicked>";

/// One JSON object being written: `{"k":v,...}`. The writer does not check keys: the layer avoids writing one
/// twice (a span's later `record` replaces its member, and the innermost of two same-named spans wins, see
/// `crate::layer`), since the line goes out as it is written.
pub(crate) struct Object {
    buf: Vec<u8>,
    empty: bool,
}

impl Object {
    /// An empty object with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity);
        buf.push(b'{');
        Self { buf, empty: true }
    }

    /// A fragment of members (`"k":v,"k2":v2`, no braces), to be spliced into an object later.
    pub(crate) fn fragment() -> Self {
        Self {
            buf: Vec::new(),
            empty: true,
        }
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// Where the object stands now, to [`Object::rewind`] to.
    pub(crate) fn mark(&self) -> (usize, bool) {
        (self.buf.len(), self.empty)
    }

    /// Forgets every member written since `mark`.
    pub(crate) fn rewind(&mut self, mark: (usize, bool)) {
        self.buf.truncate(mark.0);
        self.empty = mark.1;
    }

    /// Writes `"prefix.name":` (the prefix as it is, already a valid key start, or empty).
    pub(crate) fn key(&mut self, prefix: &str, name: &str) {
        if !self.empty {
            self.buf.push(b',');
        }
        self.empty = false;
        self.buf.push(b'"');
        escape_into(&mut self.buf, prefix);
        escape_into(&mut self.buf, name);
        self.buf.extend_from_slice(b"\":");
    }

    /// Writes `"prefix.name.suffix":`.
    pub(crate) fn key3(&mut self, prefix: &str, name: &str, suffix: &str) {
        self.key(prefix, name);
        // Reopen the key to append the suffix before its closing quote.
        self.buf.truncate(self.buf.len() - 2);
        escape_into(&mut self.buf, suffix);
        self.buf.extend_from_slice(b"\":");
    }

    /// Splices a fragment's members in.
    pub(crate) fn members(&mut self, fragment: &[u8]) {
        if fragment.is_empty() {
            return;
        }
        if !self.empty {
            self.buf.push(b',');
        }
        self.empty = false;
        self.buf.extend_from_slice(fragment);
    }

    /// A string value.
    pub(crate) fn string(&mut self, value: &str) {
        self.buf.push(b'"');
        escape_into(&mut self.buf, value);
        self.buf.push(b'"');
    }

    /// A value written by `write` through `fmt` (the caller's `Debug` or `Display`), as a JSON string. If the
    /// caller's code panics, whatever it wrote is discarded and [`PANICKED`] is written instead.
    pub(crate) fn formatted(&mut self, write: impl FnOnce(&mut dyn fmt::Write) -> fmt::Result) {
        let mark = self.buf.len();
        self.buf.push(b'"');
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut escaper = Escaper(&mut self.buf);
            write(&mut escaper)
        }));
        if !matches!(result, Ok(Ok(()))) {
            self.buf.truncate(mark);
            self.buf.push(b'"');
            escape_into(&mut self.buf, PANICKED);
        }
        self.buf.push(b'"');
    }

    /// A `bool`.
    pub(crate) fn bool(&mut self, value: bool) {
        self.buf
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    /// Any integer written with `Display`, as a JSON number (exact: no float on the way).
    pub(crate) fn integer(&mut self, value: impl fmt::Display) {
        let _ = write!(Escaper(&mut self.buf), "{value}");
    }

    /// An `i128`: a JSON number within the `i64` range, else its decimal digits as a string (see the crate docs).
    pub(crate) fn i128(&mut self, value: i128) {
        if i64::try_from(value).is_ok() {
            self.integer(value);
        } else {
            self.buf.push(b'"');
            self.integer(value);
            self.buf.push(b'"');
        }
    }

    /// A `u128`: a JSON number within the `u64` range, else its decimal digits as a string.
    pub(crate) fn u128(&mut self, value: u128) {
        if u64::try_from(value).is_ok() {
            self.integer(value);
        } else {
            self.buf.push(b'"');
            self.integer(value);
            self.buf.push(b'"');
        }
    }

    /// An `f64`: a JSON number (shortest form that reads back to the same value); `NaN`, `inf` and `-inf`, which
    /// JSON cannot carry, as those strings.
    pub(crate) fn f64(&mut self, value: f64) {
        if value.is_finite() {
            // `Debug` prints the shortest round-tripping form with an exponent when that is shorter (`1e300`),
            // always a valid JSON number.
            let _ = write!(Escaper(&mut self.buf), "{value:?}");
        } else if value.is_nan() {
            self.string("NaN");
        } else if value > 0.0 {
            self.string("inf");
        } else {
            self.string("-inf");
        }
    }

    /// The fragment's bytes (no braces).
    pub(crate) fn into_fragment(self) -> Vec<u8> {
        self.buf
    }

    /// Closes the object and returns the line.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.buf.push(b'}');
        self.buf
    }
}

/// Writes `text` escaped as the inside of a JSON string.
pub(crate) fn escape_into(buf: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f | 0x7f => b"",
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..index]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            buf.extend_from_slice(b"\\u00");
            buf.push(HEX[usize::from(byte >> 4)]);
            buf.push(HEX[usize::from(byte & 0xf)]);
        } else {
            buf.extend_from_slice(escape);
        }
        start = index + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
}

/// A `fmt::Write` that escapes what it is given into a JSON string's inside.
struct Escaper<'a>(&'a mut Vec<u8>);

impl fmt::Write for Escaper<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        escape_into(self.0, text);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(object: Object) -> serde_json::Value {
        serde_json::from_slice(&object.finish()).expect("valid JSON")
    }

    #[test]
    fn strings_with_every_control_character_round_trip() {
        let text: String = (0u8..0x80).map(char::from).chain("é漢🎉".chars()).collect();
        let mut object = Object::with_capacity(16);
        object.key("", "text");
        object.string(&text);
        object.key("a\"b.", "c\\d");
        object.bool(true);
        let value = parse(object);
        assert_eq!(value["text"], serde_json::json!(text));
        assert_eq!(value["a\"b.c\\d"], serde_json::json!(true));
    }

    #[test]
    fn a_panicking_formatter_leaves_valid_json() {
        let mut object = Object::with_capacity(16);
        object.key("", "bad");
        object.formatted(|out| {
            out.write_str("partial \"text")?;
            panic!("Debug blew up")
        });
        object.key("", "after");
        object.integer(1);
        let value = parse(object);
        assert_eq!(value["bad"], serde_json::json!(PANICKED));
        assert_eq!(value["after"], serde_json::json!(1));
    }

    #[test]
    fn floats_are_numbers_and_non_finite_ones_strings() {
        let mut object = Object::with_capacity(16);
        for (name, value) in [
            ("a", 0.1),
            ("b", 1e300),
            ("c", -2.5e-7),
            ("d", 3.0),
            ("nan", f64::NAN),
            ("inf", f64::INFINITY),
            ("ninf", f64::NEG_INFINITY),
        ] {
            object.key("", name);
            object.f64(value);
        }
        let value = parse(object);
        assert_eq!(value["a"].as_f64(), Some(0.1));
        assert_eq!(value["b"].as_f64(), Some(1e300));
        assert_eq!(value["c"].as_f64(), Some(-2.5e-7));
        assert_eq!(value["d"].as_f64(), Some(3.0));
        assert_eq!(value["nan"], serde_json::json!("NaN"));
        assert_eq!(value["inf"], serde_json::json!("inf"));
        assert_eq!(value["ninf"], serde_json::json!("-inf"));
    }
}
