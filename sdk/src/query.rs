//! Safe building blocks for Bronto's `where` clause (a subset of SQL).
//!
//! The SDK never rewrites a clause: it only offers the two escapes an untrusted value needs to be embedded safely.
//!
//! ```
//! use sdk::query::{attribute, string_literal};
//! let user_input = "O'Brien";
//! let clause = format!("{} = {}", attribute("customer.name"), string_literal(user_input));
//! assert_eq!(clause, r#""customer.name" = 'O''Brien'"#);
//! ```

/// A string literal: the value in single quotes, each `'` doubled. Backslashes and every other character are kept
/// as they are (the syntax has no backslash escapes).
pub fn string_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// An attribute (key) reference: the name in double quotes, each `"` doubled, so a key with spaces, dots or
/// operators in it cannot change the clause.
pub fn attribute(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled() {
        assert_eq!(string_literal("it's"), "'it''s'");
        assert_eq!(string_literal("''"), "''''''");
        assert_eq!(attribute(r#"a"b"#), r#""a""b""#);
    }

    #[test]
    fn an_injection_attempt_stays_one_literal() {
        let hostile = "x' OR '1'='1";
        assert_eq!(string_literal(hostile), "'x'' OR ''1''=''1'");
        let hostile_key = r#"k" = 'v' OR "x"#;
        assert_eq!(attribute(hostile_key), r#""k"" = 'v' OR ""x""#);
    }

    #[test]
    fn backslashes_and_unicode_are_left_alone() {
        assert_eq!(string_literal(r"C:\temp\n"), r"'C:\temp\n'");
        assert_eq!(string_literal("héllo 🌍 ✓"), "'héllo 🌍 ✓'");
        assert_eq!(attribute("naïve.clé"), "\"naïve.clé\"");
        assert_eq!(string_literal(""), "''");
    }
}
