//! Loading an OpenAPI document and checking a vendored document against its recorded digest.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::PipelineError;

/// A document read from disk: its raw bytes and its parsed JSON value.
#[derive(Debug, Clone)]
pub struct LoadedDocument {
    /// Where the document came from.
    pub path: PathBuf,
    /// The exact bytes on disk (what the digest covers).
    pub bytes: Vec<u8>,
    /// The parsed document (YAML and JSON both parse into a JSON value).
    pub value: serde_json::Value,
}

/// Reads and parses a YAML or JSON document.
pub fn load(path: &Path) -> Result<LoadedDocument, PipelineError> {
    let bytes = std::fs::read(path).map_err(|source| PipelineError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let value = parse(path, &bytes)?;
    Ok(LoadedDocument {
        path: path.to_path_buf(),
        bytes,
        value,
    })
}

/// Parses document bytes: JSON when the file name ends in `.json`, YAML otherwise (YAML is a superset of JSON).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<serde_json::Value, PipelineError> {
    let is_json = path.extension().is_some_and(|e| e == "json");
    let parsed = if is_json {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    } else {
        serde_yaml::from_slice(bytes).map_err(|e| e.to_string())
    };
    parsed.map_err(|message| PipelineError::Parse {
        path: path.to_path_buf(),
        message,
    })
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads a digest file in `sha256sum` format (`<hex>  <file name>`; only the first word is used).
pub fn read_recorded_digest(path: &Path) -> Result<String, PipelineError> {
    let text = std::fs::read_to_string(path).map_err(|source| PipelineError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let digest = text.split_whitespace().next().unwrap_or_default();
    let valid = digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit());
    if !valid {
        return Err(PipelineError::Parse {
            path: path.to_path_buf(),
            message: "expected a sha256sum line: 64 hex digits, two spaces, the file name".into(),
        });
    }
    Ok(digest.to_ascii_lowercase())
}

/// Fails unless the document's bytes hash to the recorded digest.
///
/// A vendored document is never edited by hand: quirks are fixed by patches. The error says how to re-vendor.
pub fn verify_digest(document: &LoadedDocument, recorded: &str) -> Result<(), PipelineError> {
    let actual = sha256_hex(&document.bytes);
    if actual == recorded {
        Ok(())
    } else {
        Err(PipelineError::DigestMismatch {
            path: document.path.clone(),
            recorded: recorded.to_string(),
            actual,
        })
    }
}
