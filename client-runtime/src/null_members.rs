//! The members a partial-update body sends as `null`: how a typed `PATCH` clears a member.
//!
//! A generated request type writes an optional member only when it holds a value (`skip_serializing_if =
//! "Option::is_none"`), so a member the caller never touched is absent from the bytes. A partial update (JSON
//! merge patch, RFC 7396) reads an absent member as "keep" and `null` as "clear"; the builders of partial-update
//! bodies record the members cleared with `clear_<member>()` in a [`NullMembers`], which the body writes as
//! `"<member>": null` after its other members. The build pass that adds it is `build_support::passes::null_members`.
//!
//! ```
//! use client_runtime::__private::NullMembers;
//!
//! #[derive(serde::Serialize)]
//! struct Update {
//!     #[serde(skip_serializing_if = "Option::is_none")]
//!     name: Option<String>,
//!     #[serde(skip_serializing_if = "Option::is_none")]
//!     description: Option<String>,
//!     #[serde(flatten, skip_deserializing)]
//!     sent_as_null: NullMembers,
//! }
//!
//! let mut sent_as_null = NullMembers::default();
//! sent_as_null.insert("description");
//! let body = Update { name: None, description: None, sent_as_null };
//! assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"description":null}"#);
//! ```

use std::collections::BTreeSet;

/// The wire names of the members a request body sends as `null` (in name order).
///
/// Generated builders keep it consistent with the members: `clear_<member>()` adds a member and empties it, and
/// the member's setter removes it again (the last call wins), so a member is never sent both with a value and as
/// `null`. Decoding a body never fills it (a `null` read from a response is an unset member).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct NullMembers(BTreeSet<&'static str>);

impl NullMembers {
    /// Sends `member` (its wire name) as `null`.
    ///
    /// ```
    /// let mut members = client_runtime::__private::NullMembers::default();
    /// members.insert("description");
    /// assert!(members.contains("description"));
    /// ```
    pub fn insert(&mut self, member: &'static str) {
        self.0.insert(member);
    }

    /// No longer sends `member` as `null`; whether it was.
    ///
    /// ```
    /// let mut members = client_runtime::__private::NullMembers::default();
    /// members.insert("description");
    /// assert!(members.remove("description"));
    /// assert!(members.is_empty());
    /// ```
    pub fn remove(&mut self, member: &str) -> bool {
        self.0.remove(member)
    }

    /// Whether `member` is sent as `null`.
    pub fn contains(&self, member: &str) -> bool {
        self.0.contains(member)
    }

    /// Whether no member is sent as `null`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The members sent as `null`, in name order.
    ///
    /// ```
    /// let mut members = client_runtime::__private::NullMembers::default();
    /// members.insert("name");
    /// members.insert("description");
    /// assert_eq!(members.iter().collect::<Vec<_>>(), ["description", "name"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().copied()
    }
}

/// Writes `{"<member>": null, ...}`; flattened into a body, its members join the body's own.
impl serde::Serialize for NullMembers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for member in &self.0 {
            map.serialize_entry(member, &())?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::NullMembers;

    #[derive(serde::Serialize, serde::Deserialize, Default)]
    struct Body {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(flatten, skip_deserializing)]
        sent_as_null: NullMembers,
    }

    #[test]
    fn an_empty_set_adds_nothing_to_the_body() {
        let body = Body {
            name: Some("a".into()),
            ..Body::default()
        };
        assert_eq!(
            serde_json::to_string(&body).expect("serialises"),
            r#"{"name":"a"}"#
        );
    }

    #[test]
    fn each_member_is_written_as_null_after_the_others() {
        let mut body = Body {
            name: Some("a".into()),
            ..Body::default()
        };
        body.sent_as_null.insert("labels");
        body.sent_as_null.insert("description");
        assert_eq!(
            serde_json::to_string(&body).expect("serialises"),
            r#"{"name":"a","description":null,"labels":null}"#
        );
    }

    #[test]
    fn decoding_leaves_it_empty_and_reads_null_as_unset() {
        let body: Body =
            serde_json::from_str(r#"{"name":null,"description":null}"#).expect("decodes");
        assert_eq!(body.name, None);
        assert!(body.sent_as_null.is_empty());
    }
}
