//! What the generated builders' setters accept: plain values where the member is optional, so that
//! `.where_("level = 'error'")` and `.from(["a", "b"])` read as they should.

/// A value for an optional member: the value itself (`&str`, `String`, ...), `Some(value)`, or `None`.
///
/// ```
/// use client_runtime::IntoOptional;
/// let plain: Option<String> = "Last 24 hours".into_optional();
/// assert_eq!(plain.as_deref(), Some("Last 24 hours"));
/// let unset: Option<String> = None::<String>.into_optional();
/// assert_eq!(unset, None);
/// ```
pub trait IntoOptional<T> {
    /// The member's value.
    fn into_optional(self) -> Option<T>;
}

impl<T> IntoOptional<T> for Option<T> {
    fn into_optional(self) -> Option<T> {
        self
    }
}

impl IntoOptional<String> for String {
    fn into_optional(self) -> Option<String> {
        Some(self)
    }
}

impl IntoOptional<String> for &str {
    fn into_optional(self) -> Option<String> {
        Some(self.to_string())
    }
}

impl IntoOptional<String> for &String {
    fn into_optional(self) -> Option<String> {
        Some(self.clone())
    }
}

impl IntoOptional<String> for Option<&str> {
    fn into_optional(self) -> Option<String> {
        self.map(str::to_string)
    }
}

/// A list of strings from any iterable of string-like items: `["a", "b"]`, `vec!["a".to_string()]`, ...
///
/// ```
/// use client_runtime::IntoStrings;
/// assert_eq!(["a", "b"].into_strings(), vec!["a".to_string(), "b".to_string()]);
/// ```
pub trait IntoStrings {
    /// The list.
    fn into_strings(self) -> Vec<String>;
}

impl<I> IntoStrings for I
where
    I: IntoIterator,
    I::Item: Into<String>,
{
    fn into_strings(self) -> Vec<String> {
        self.into_iter().map(Into::into).collect()
    }
}
