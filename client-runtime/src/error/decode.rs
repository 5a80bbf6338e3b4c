//! Where a JSON body failed to decode ([`DecodeFailure`]), found by decoding it again ([`decode_json`]).

/// Where a JSON body failed to decode into its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeFailure {
    /// The path of the failing value, `.` for the root (`.datasets[1].parser_id`).
    pub path: String,
    /// What serde expected there.
    pub expected: String,
}

/// Decodes `body` as `T`, and on failure says where. (Decoding through `serde_path_to_error` costs a little on
/// every value, so the generated calls decode plainly and only a failure is decoded again this way.)
pub fn decode_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, DecodeFailure> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        DecodeFailure {
            path: if path.starts_with('.') || path.starts_with('[') {
                path
            } else {
                format!(".{path}")
            },
            expected: error.into_inner().to_string(),
        }
    })?;
    deserializer.end().map_err(|error| DecodeFailure {
        path: ".".to_string(),
        expected: error.to_string(),
    })?;
    Ok(value)
}
