//! What the generated builders' setters accept: plain values where the member is optional, so that
//! `.where_("level = 'error'")` and `.from(["a", "b"])` read as they should.

/// A value for an optional member: the value itself (`&str`, `String`, ...), `Some(value)`, or `None`.
///
/// ```
/// use client_runtime::__private::IntoOptional;
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
/// use client_runtime::__private::IntoStrings;
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

/// How a value reaches an optional member of a generated type ([`IntoOptionalMember`]'s second parameter, always
/// inferred): the value itself, or an `Option` of it.
pub mod form {
    /// The member's value (or anything that converts into it).
    #[derive(Debug)]
    pub enum Value {}
    /// `Some(value)` or `None`.
    #[derive(Debug)]
    pub enum Optional {}
}

/// A value for an optional member whose type is generated (an enum, a constrained string, an object): the value
/// or anything that converts into it (`TryInto`, so a constrained string checks its constraint), or an `Option` of
/// either. A value that does not convert makes the builder's `try_into()` fail, naming the member and why.
///
/// ```
/// use client_runtime::__private::IntoOptionalMember;
/// #[derive(Debug, PartialEq)]
/// struct Name(String);
/// impl TryFrom<&str> for Name {
///     type Error = String;
///     fn try_from(value: &str) -> Result<Self, String> {
///         if value.is_empty() { Err("Name: must not be empty".into()) } else { Ok(Name(value.into())) }
///     }
/// }
/// assert_eq!(IntoOptionalMember::<Name, _>::into_optional_member("a"), Ok(Some(Name("a".into()))));
/// assert_eq!(IntoOptionalMember::<Name, _>::into_optional_member(None::<&str>), Ok(None));
/// assert!(IntoOptionalMember::<Name, _>::into_optional_member("").is_err());
/// ```
pub trait IntoOptionalMember<T, Form> {
    /// The member's value, or why the value does not convert.
    fn into_optional_member(self) -> Result<Option<T>, String>;
}

impl<T, V> IntoOptionalMember<T, form::Value> for V
where
    V: TryInto<T>,
    V::Error: std::fmt::Display,
{
    fn into_optional_member(self) -> Result<Option<T>, String> {
        self.try_into().map(Some).map_err(|e| e.to_string())
    }
}

impl<T, V> IntoOptionalMember<T, form::Optional> for Option<V>
where
    V: TryInto<T>,
    V::Error: std::fmt::Display,
{
    fn into_optional_member(self) -> Result<Option<T>, String> {
        self.map(|value| value.try_into().map_err(|e| e.to_string()))
            .transpose()
    }
}

/// A value for an optional list of strings: any iterable of string-like items (`["a", "b"]`), or an `Option` of a
/// list (`None::<Vec<String>>` leaves it unset).
///
/// ```
/// use client_runtime::__private::IntoOptionalStrings;
/// assert_eq!(IntoOptionalStrings::<_>::into_optional_strings(["a"]), Some(vec!["a".to_string()]));
/// assert_eq!(IntoOptionalStrings::<_>::into_optional_strings(None::<Vec<String>>), None);
/// ```
pub trait IntoOptionalStrings<Form> {
    /// The member's value.
    fn into_optional_strings(self) -> Option<Vec<String>>;
}

impl<I> IntoOptionalStrings<form::Value> for I
where
    I: IntoIterator,
    I::Item: Into<String>,
{
    fn into_optional_strings(self) -> Option<Vec<String>> {
        Some(self.into_strings())
    }
}

impl<I> IntoOptionalStrings<form::Optional> for Option<I>
where
    I: IntoIterator,
    I::Item: Into<String>,
{
    fn into_optional_strings(self) -> Option<Vec<String>> {
        self.map(IntoStrings::into_strings)
    }
}
