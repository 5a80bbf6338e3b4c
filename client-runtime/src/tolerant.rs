//! Deserializers the generated types use to follow the workspace's response policy (see `build-support`'s
//! `response_policy`): what the live service sends in place of an absent value decodes as absent.

use serde::de::{Deserialize, Deserializer, IntoDeserializer as _};

/// An optional formatted string (`Uuid`, `DateTime`, `NaiveDate`): `null`, a missing member and `""` are all
/// `None`; any other string must parse as `T`.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Dataset {
///     #[serde(default, deserialize_with = "client_runtime::__private::empty_as_none")]
///     parser_id: Option<uuid::Uuid>,
/// }
/// let dataset: Dataset = serde_json::from_str(r#"{"parser_id": ""}"#).unwrap();
/// assert_eq!(dataset.parser_id, None);
/// ```
pub fn empty_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> Deserialize<'a>,
{
    let text: Option<std::borrow::Cow<'de, str>> = Option::deserialize(deserializer)?;
    match text.as_deref() {
        None | Some("") => Ok(None),
        Some(text) => {
            let inner: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
                text.into_deserializer();
            T::deserialize(inner)
                .map(Some)
                .map_err(serde::de::Error::custom)
        }
    }
}

/// A list or map that defaults to empty: `null` decodes as empty, like a missing member.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Page {
///     #[serde(default, deserialize_with = "client_runtime::__private::null_as_default")]
///     events: Vec<String>,
/// }
/// let page: Page = serde_json::from_str(r#"{"events": null}"#).unwrap();
/// assert!(page.events.is_empty());
/// ```
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// An optional number that may arrive as a numeric string: `6`, `6.0` and `"6"` alike (the live Bronto service sends
/// usage series points as `{"count": "6", "value": "21667.0"}` where the document declares numbers). `null`, a
/// missing member and `""` are `None`; any other string must parse as `T`.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Point {
///     #[serde(default, deserialize_with = "client_runtime::__private::number_or_numeric_string")]
///     count: Option<i64>,
/// }
/// let point: Point = serde_json::from_str(r#"{"count": "6"}"#).unwrap();
/// assert_eq!(point.count, Some(6));
/// let point: Point = serde_json::from_str(r#"{"count": 9007199254740993}"#).unwrap();
/// assert_eq!(point.count, Some(9007199254740993));
/// ```
pub fn number_or_numeric_string<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + std::str::FromStr,
    T::Err: std::fmt::Display,
{
    deserializer.deserialize_option(NumberVisitor(std::marker::PhantomData))
}

struct NumberVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T> serde::de::Visitor<'de> for NumberVisitor<T>
where
    T: Deserialize<'de> + std::str::FromStr,
    T::Err: std::fmt::Display,
{
    type Value = Option<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number, or a string holding one")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Self::Value, E> {
        T::deserialize(value.into_deserializer()).map(Some)
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Self::Value, E> {
        T::deserialize(value.into_deserializer()).map(Some)
    }

    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Self::Value, E> {
        T::deserialize(value.into_deserializer()).map(Some)
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Self::Value, E> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(None);
        }
        value
            .parse()
            .map(Some)
            .map_err(|e| E::custom(format!("{value:?} is not a number: {e}")))
    }
}
