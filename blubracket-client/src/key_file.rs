//! Credentials: the key file the BluBracket console downloads, and the `BLUBRACKET_*` environment variables.
//!
//! # The key file
//! An Integration key is created under Settings > API Keys; the console then downloads it as JSON or CSV.
//!
//! **JSON** (documented), one or many tenants:
//! ```json
//! {"api_keys": {"https://mycompany.blubracket.com": {"id": "BLU-a492...", "key": "TofsB...", "token": "QkxVL..."}}}
//! ```
//!
//! **CSV** (the vendor never published its columns): a header row, then one row per tenant. Column names are
//! matched after trimming, lower-casing and turning spaces and `-` into `_`; the first matching column is used:
//!
//! | field  | accepted column names                                   | required |
//! |--------|---------------------------------------------------------|----------|
//! | tenant | `tenant`, `tenant_url`, `url`, `host`, `base_url`       | yes      |
//! | id     | `id`, `key_id`, `api_key_id`                            | yes      |
//! | key    | `key`, `secret`, `api_key`, `key_secret`, `secret_key`  | yes      |
//! | token  | `token`, `api_token`, `auth_token`, `bearer_token`      | no       |
//!
//! Every row has as many cells as the header (empty ones included): a row with a cell missing or extra is refused,
//! since its values would otherwise land in the wrong columns.
//!
//! The format is chosen by content: a file whose first non-blank character is `{` or `[` is JSON, anything else
//! must be CSV with such a header row.
//!
//! # Checks
//! * The token is base64 of `<id>:<key>` (so it starts `QkxVL`, base64 of `BLU-`). A missing token is derived; a
//!   token that disagrees with its id and key is refused ([`CredentialsError::TokenMismatch`]): the file was edited
//!   or mixed up.
//! * Tenant URLs are normalised (scheme added when missing, host lower-cased, trailing slash dropped) and must be
//!   https, or plain http on loopback only.
//! * A file readable by group or others is loaded, with a `tracing` warning (unix).
//! * No error message ever contains a key or a token; `Debug` of every type here redacts them.
//!
//! ```
//! use blubracket_client::KeyFile;
//!
//! let keys = KeyFile::parse(r#"{"api_keys": {"https://MyCompany.blubracket.com/": {
//!     "id": "BLU-a492144b-f118-4598-991e-f1d4d6209edf", "key": "TofsBEqwGg"}}}"#).unwrap();
//! let tenant = keys.tenant("https://mycompany.blubracket.com").unwrap();
//! assert_eq!(tenant.tenant_url(), "https://mycompany.blubracket.com");
//! assert!(tenant.credential().expose().starts_with("QkxVL"));
//! assert!(!format!("{keys:?}").contains("TofsBEqwGg"));
//! ```

use std::path::{Path, PathBuf};

use base64::Engine as _;
use client_runtime::{BaseUrl, BaseUrlError, Credential};
use serde_json::Value;

/// The environment variable naming the tenant URL (`https://<tenant>.blubracket.com`), as in the vendor's docs.
pub const HOST_ENV: &str = "BLUBRACKET_HOST";
/// The environment variable holding the Integration key's token, as in the vendor's docs.
pub const TOKEN_ENV: &str = "BLUBRACKET_INTEGRATION_KEY";

const TENANT_COLUMNS: &[&str] = &["tenant", "tenant_url", "url", "host", "base_url"];
const ID_COLUMNS: &[&str] = &["id", "key_id", "api_key_id"];
const KEY_COLUMNS: &[&str] = &["key", "secret", "api_key", "key_secret", "secret_key"];
const TOKEN_COLUMNS: &[&str] = &["token", "api_token", "auth_token", "bearer_token"];

/// Why credentials could not be loaded. No variant ever holds a key or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The key file could not be read.
    #[error("cannot read the BluBracket key file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is neither JSON nor CSV with a recognised header row.
    #[error(
        "the BluBracket key file is neither JSON (`{{\"api_keys\": {{...}}}}`) nor CSV with a header row: {reason}"
    )]
    UnknownFormat {
        /// What was found instead.
        reason: &'static str,
    },
    /// The file looks like JSON but does not parse.
    #[error("the BluBracket key file is not valid JSON (line {line}, column {column})")]
    InvalidJson {
        /// 1-based line of the syntax error.
        line: usize,
        /// 1-based column of the syntax error.
        column: usize,
    },
    /// The JSON parses but is not `{"api_keys": {"<tenant URL>": {...}}}`.
    #[error("the BluBracket key file is JSON but not a key file: {problem}")]
    UnexpectedJson {
        /// What is wrong with its shape.
        problem: &'static str,
    },
    /// The CSV could not be read (bad quoting, not UTF-8, ...).
    #[error("the BluBracket key file is not valid CSV (near line {line})")]
    InvalidCsv {
        /// 1-based line of the problem.
        line: u64,
    },
    /// The CSV header has no column for a required field.
    #[error("the BluBracket key file's CSV header has no `{field}` column (accepted names: {})", accepted.join(", "))]
    MissingColumn {
        /// The field (`tenant`, `id` or `key`).
        field: &'static str,
        /// The column names accepted for it.
        accepted: &'static [&'static str],
    },
    /// A CSV row has more or fewer cells than the header: a cell is missing or extra, so every value after it
    /// would land in the wrong column (the key as the id, the token as the key) and still parse.
    #[error(
        "the BluBracket key file's CSV line {line} has {cells} cells where the header has {columns}: a cell is missing or extra"
    )]
    RowLength {
        /// 1-based line of the row.
        line: u64,
        /// Cells in the row.
        cells: usize,
        /// Columns in the header.
        columns: usize,
    },
    /// An entry lacks a field, or holds something other than a non-empty string in it.
    #[error("the key for tenant `{tenant}` has no `{field}` (a non-empty string)")]
    MissingField {
        /// The tenant URL as written in the file (`line N` for a CSV row without one).
        tenant: String,
        /// The missing field.
        field: &'static str,
    },
    /// The file holds no key at all.
    #[error("the BluBracket key file holds no keys")]
    NoTenants,
    /// The file holds keys for several tenants and none was chosen.
    #[error("the BluBracket key file holds keys for several tenants; choose one of: {}", tenants.join(", "))]
    SeveralTenants {
        /// The tenants in the file.
        tenants: Vec<String>,
    },
    /// The chosen tenant is not in the file.
    #[error("the BluBracket key file has no key for `{wanted}`; it has: {}", available.join(", "))]
    TenantNotFound {
        /// The tenant asked for (normalised).
        wanted: String,
        /// The tenants in the file.
        available: Vec<String>,
    },
    /// Two entries name the same tenant (after normalisation).
    #[error("the BluBracket key file holds two keys for `{tenant}`")]
    DuplicateTenant {
        /// The tenant.
        tenant: String,
    },
    /// The token is not base64 of `<id>:<key>`.
    #[error(
        "the token for tenant `{tenant}` (key id `{key_id}`) is not base64 of `<id>:<key>`: the file was edited or mixed up"
    )]
    TokenMismatch {
        /// The tenant.
        tenant: String,
        /// The key's id (an identifier, not a secret), or a placeholder when the id cell does not hold an id of
        /// the `BLU-` form (in a mixed-up file it may hold the key).
        key_id: String,
    },
    /// The token holds characters an HTTP header cannot carry (spaces, control characters, non-ASCII).
    #[error(
        "the token for tenant `{tenant}` is not a valid bearer token (visible ASCII characters only)"
    )]
    InvalidToken {
        /// The tenant.
        tenant: String,
    },
    /// A tenant URL was refused (not https, plain http off loopback, not a URL).
    #[error("tenant `{tenant}` refused: {source}")]
    TenantUrl {
        /// The tenant as written.
        tenant: String,
        /// Why.
        source: BaseUrlError,
    },
    /// A tenant URL with a path, or whose host is a single label (no dot) and not `localhost`: tenants are named in full
    /// (`https://<company>.blubracket.com`). In a damaged CSV row a key can land in the tenant cell, and a key is a
    /// valid single-label host name; refusing those keeps the key out of every message and every parsed file.
    #[error(
        "tenant `{tenant}` refused: a tenant is a full domain name and nothing else (like https://<company>.blubracket.com)"
    )]
    TenantHost {
        /// The tenant as written, or its line in a CSV file.
        tenant: String,
    },
    /// An environment variable is missing or empty.
    #[error("the environment variable {name} is not set (or empty, or not UTF-8)")]
    MissingEnv {
        /// Its name.
        name: &'static str,
    },
}

/// One tenant's credentials: its URL and its Integration key's token.
///
/// `Debug` shows the URL and the key id (when it has the `BLU-` form of one), never the token.
#[derive(Clone)]
pub struct TenantCredentials {
    tenant_url: String,
    key_id: Option<String>,
    credential: Credential,
}

impl std::fmt::Debug for TenantCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantCredentials")
            .field("tenant_url", &self.tenant_url)
            .field("key_id", &self.key_id.as_deref().map(shown_key_id))
            .field("credential", &self.credential)
            .finish()
    }
}

/// A key id as errors and `Debug` show it: as it is when it has the vendor's form (`BLU-` and a UUID's hex digits
/// and `-`), else a placeholder. The id column of a mixed-up file can hold anything, the key included (found by
/// tests/tests/key_file_properties.rs: a row with a cell missing and one extra put the key in the id column, and
/// the token mismatch quoted it).
fn shown_key_id(id: &str) -> String {
    // `BLU-<uuid>`: hex digits and dashes after the prefix. Found by key_file_properties (a long run): a damaged row
    // merged the id with the key (`BLU-aaa0aaa0-<key>`), which passed an alphanumeric check.
    let plain = id.strip_prefix("BLU-").is_some_and(|uuid| {
        !uuid.is_empty()
            && uuid.len() <= 36
            && uuid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
    });
    if plain {
        id.to_string()
    } else {
        "<not shown: not a BLU- key id>".to_string()
    }
}

impl TenantCredentials {
    /// Credentials for `tenant_url` with the token `token` (already base64 of `<id>:<key>`).
    pub fn new(tenant_url: &str, token: &str) -> Result<Self, CredentialsError> {
        let tenant_url = normalize_tenant_url(tenant_url)?;
        let token = token.trim();
        check_token(&tenant_url, token)?;
        Ok(Self {
            tenant_url,
            key_id: None,
            credential: Credential::bearer(token),
        })
    }

    /// Credentials from the values of `BLUBRACKET_HOST` and `BLUBRACKET_INTEGRATION_KEY` (the token), passed in so
    /// callers and tests need not touch the process environment. `None` or blank values are
    /// [`CredentialsError::MissingEnv`].
    pub fn from_env_values(
        host: Option<&str>,
        token: Option<&str>,
    ) -> Result<Self, CredentialsError> {
        let host = non_blank(host).ok_or(CredentialsError::MissingEnv { name: HOST_ENV })?;
        let token = non_blank(token).ok_or(CredentialsError::MissingEnv { name: TOKEN_ENV })?;
        Self::new(host, token)
    }

    /// Credentials from the environment: `BLUBRACKET_HOST` (`https://<tenant>.blubracket.com`) and
    /// `BLUBRACKET_INTEGRATION_KEY` (the token), the names the vendor's docs use.
    pub fn from_env() -> Result<Self, CredentialsError> {
        let host = std::env::var(HOST_ENV).ok();
        let token = std::env::var(TOKEN_ENV).ok();
        Self::from_env_values(host.as_deref(), token.as_deref())
    }

    /// The tenant's URL, normalised: `https://mycompany.blubracket.com`.
    pub fn tenant_url(&self) -> &str {
        &self.tenant_url
    }

    /// The key's id (`BLU-<uuid>`), when it came from a key file.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The bearer token.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }
}

/// A loaded key file: the credentials of one or more tenants.
///
/// `Debug` shows tenant URLs and key ids, never a key or a token.
#[derive(Debug, Clone)]
pub struct KeyFile {
    tenants: Vec<TenantCredentials>,
}

impl KeyFile {
    /// Reads and checks the key file at `path` (JSON or CSV, chosen by content). Warns through `tracing` when the
    /// file is readable by group or others.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, CredentialsError> {
        let path = path.as_ref();
        let read_error = |source| CredentialsError::Read {
            path: path.to_path_buf(),
            source,
        };
        let metadata = std::fs::metadata(path).map_err(read_error)?;
        warn_if_exposed(path, &metadata);
        let bytes = std::fs::read(path).map_err(read_error)?;
        let text = String::from_utf8(bytes).map_err(|_| CredentialsError::UnknownFormat {
            reason: "the file is not UTF-8 text",
        })?;
        Self::parse(&text)
    }

    /// Parses key-file contents, JSON or CSV (chosen by content).
    pub fn parse(text: &str) -> Result<Self, CredentialsError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let start = text.trim_start();
        if start.is_empty() {
            return Err(CredentialsError::UnknownFormat {
                reason: "the file is empty",
            });
        }
        if start.starts_with('{') || start.starts_with('[') {
            Self::parse_json(text)
        } else {
            Self::parse_csv(text)
        }
    }

    /// Parses the JSON form: `{"api_keys": {"<tenant URL>": {"id", "key", "token"?}}}`.
    pub fn parse_json(text: &str) -> Result<Self, CredentialsError> {
        // Parse to a `Value` first: serde's typed errors can quote the offending value, a syntax error only has a
        // position.
        let value: Value =
            serde_json::from_str(text).map_err(|error| CredentialsError::InvalidJson {
                line: error.line(),
                column: error.column(),
            })?;
        let entries = value
            .as_object()
            .ok_or(CredentialsError::UnexpectedJson {
                problem: "the top level is not an object",
            })?
            .get("api_keys")
            .ok_or(CredentialsError::UnexpectedJson {
                problem: "it has no `api_keys`",
            })?
            .as_object()
            .ok_or(CredentialsError::UnexpectedJson {
                problem: "`api_keys` is not an object of tenant URL to key",
            })?;
        let mut raw = Vec::with_capacity(entries.len());
        for (tenant, entry) in entries {
            let field = |name: &str| {
                entry
                    .get(name)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|value| !value.is_empty())
            };
            if !entry.is_object() {
                return Err(CredentialsError::MissingField {
                    tenant: tenant.clone(),
                    field: "id",
                });
            }
            if entry.get("token").is_some_and(|token| !token.is_string()) {
                return Err(CredentialsError::MissingField {
                    tenant: tenant.clone(),
                    field: "token",
                });
            }
            raw.push(RawKey {
                tenant: tenant.clone(),
                line: None,
                id: field("id").map(str::to_string),
                key: field("key").map(str::to_string),
                token: field("token").map(str::to_string),
            });
        }
        Self::from_raw(raw)
    }

    /// Parses the CSV form: a header row naming the columns (see the [module docs](self)), one row per tenant.
    pub fn parse_csv(text: &str) -> Result<Self, CredentialsError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|error| csv_error(&error))?
            .iter()
            .map(normalize_column)
            .collect::<Vec<_>>();
        let column = |accepted: &[&str]| {
            headers
                .iter()
                .position(|name| accepted.contains(&name.as_str()))
        };
        let (tenant, id, key, token) = (
            column(TENANT_COLUMNS),
            column(ID_COLUMNS),
            column(KEY_COLUMNS),
            column(TOKEN_COLUMNS),
        );
        if tenant.is_none() && id.is_none() && key.is_none() && token.is_none() {
            return Err(CredentialsError::UnknownFormat {
                reason: "the first line names none of the key's columns (tenant, id, key, token)",
            });
        }
        let require = |index: Option<usize>, field, accepted| {
            index.ok_or(CredentialsError::MissingColumn { field, accepted })
        };
        let tenant = require(tenant, "tenant", TENANT_COLUMNS)?;
        let id = require(id, "id", ID_COLUMNS)?;
        let key = require(key, "key", KEY_COLUMNS)?;

        let mut raw = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|error| csv_error(&error))?;
            if record.iter().all(str::is_empty) {
                continue;
            }
            let line = record.position().map_or(0, csv::Position::line);
            // Found by tests/tests/key_file_properties.rs: a row missing its tenant cell parsed, with the id as the
            // tenant, the key as the id and the token as the key, and showed the key as the key id.
            if record.len() != headers.len() {
                return Err(CredentialsError::RowLength {
                    line,
                    cells: record.len(),
                    columns: headers.len(),
                });
            }
            let cell = |index: usize| {
                record
                    .get(index)
                    .filter(|value| !value.is_empty())
                    .map(str::to_string)
            };
            let tenant = cell(tenant).ok_or_else(|| CredentialsError::MissingField {
                tenant: format!("line {line}"),
                field: "tenant",
            })?;
            raw.push(RawKey {
                tenant,
                line: Some(line),
                id: cell(id),
                key: cell(key),
                token: token.and_then(cell),
            });
        }
        Self::from_raw(raw)
    }

    fn from_raw(raw: Vec<RawKey>) -> Result<Self, CredentialsError> {
        if raw.is_empty() {
            return Err(CredentialsError::NoTenants);
        }
        let mut tenants: Vec<TenantCredentials> = Vec::with_capacity(raw.len());
        for entry in raw {
            let checked = entry.check()?;
            if tenants
                .iter()
                .any(|known| known.tenant_url == checked.tenant_url)
            {
                return Err(CredentialsError::DuplicateTenant {
                    tenant: checked.tenant_url,
                });
            }
            tenants.push(checked);
        }
        // JSON objects carry no order worth keeping: list tenants by URL, whatever the format.
        tenants.sort_by(|a, b| a.tenant_url.cmp(&b.tenant_url));
        Ok(Self { tenants })
    }

    /// Every tenant in the file, sorted by tenant URL.
    pub fn tenants(&self) -> &[TenantCredentials] {
        &self.tenants
    }

    /// The credentials for `tenant_url` (normalised before comparing: scheme, host case, trailing slash).
    pub fn tenant(&self, tenant_url: &str) -> Result<&TenantCredentials, CredentialsError> {
        let wanted = normalize_tenant_url(tenant_url)?;
        self.tenants
            .iter()
            .find(|tenant| tenant.tenant_url == wanted)
            .ok_or_else(|| CredentialsError::TenantNotFound {
                wanted,
                available: self.tenant_urls(),
            })
    }

    /// The file's only tenant; [`CredentialsError::SeveralTenants`] when it holds more than one.
    pub fn single(&self) -> Result<&TenantCredentials, CredentialsError> {
        match self.tenants.as_slice() {
            [only] => Ok(only),
            [] => Err(CredentialsError::NoTenants),
            _ => Err(CredentialsError::SeveralTenants {
                tenants: self.tenant_urls(),
            }),
        }
    }

    /// [`KeyFile::tenant`] when `tenant_url` is given, [`KeyFile::single`] otherwise.
    pub fn select(&self, tenant_url: Option<&str>) -> Result<&TenantCredentials, CredentialsError> {
        match tenant_url {
            Some(url) => self.tenant(url),
            None => self.single(),
        }
    }

    fn tenant_urls(&self) -> Vec<String> {
        self.tenants
            .iter()
            .map(|tenant| tenant.tenant_url.clone())
            .collect()
    }
}

/// One entry as read, before the checks.
struct RawKey {
    tenant: String,
    /// The CSV line the entry came from (`None` for JSON).
    line: Option<u64>,
    id: Option<String>,
    key: Option<String>,
    token: Option<String>,
}

impl RawKey {
    fn check(self) -> Result<TenantCredentials, CredentialsError> {
        let normalized = normalize_tenant_url(&self.tenant);
        // How errors name the entry: the tenant as written, unless it is a CSV cell that is not a tenant URL. A
        // stray quote can pull the rest of a row (the key included) into that cell, so such a row is named by its
        // line, and its cell is never quoted (found by tests/tests/key_file_properties.rs).
        let shown = match (self.line, &normalized) {
            (Some(line), Err(_)) => format!("line {line}"),
            _ => self.tenant.clone(),
        };
        let missing = |field| CredentialsError::MissingField {
            tenant: shown.clone(),
            field,
        };
        let id = self.id.as_deref().ok_or_else(|| missing("id"))?;
        let key = self.key.as_deref().ok_or_else(|| missing("key"))?;
        let tenant_url = normalized.map_err(|error| match (self.line, error) {
            (Some(_), CredentialsError::TenantUrl { source, .. }) => CredentialsError::TenantUrl {
                tenant: shown.clone(),
                source: relabel(source, &shown),
            },
            (Some(_), CredentialsError::TenantHost { .. }) => CredentialsError::TenantHost {
                tenant: shown.clone(),
            },
            (_, error) => error,
        })?;
        let derived = derive_token(id, key);
        let token = match self.token.as_deref() {
            None => derived,
            Some(given) if token_matches(given, id, key) => given.to_string(),
            Some(_) => {
                return Err(CredentialsError::TokenMismatch {
                    tenant: tenant_url,
                    key_id: shown_key_id(id),
                });
            }
        };
        check_token(&tenant_url, &token)?;
        Ok(TenantCredentials {
            tenant_url,
            key_id: Some(id.to_string()),
            credential: Credential::bearer(token),
        })
    }
}

/// The token of a key: base64 (standard alphabet, padded) of `<id>:<key>`.
///
/// ```
/// assert_eq!(blubracket_client::key_file::derive_token("BLU-1", "k"), "QkxVLTE6aw==");
/// ```
pub fn derive_token(id: &str, key: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{key}"))
}

/// `true` when `token` decodes (padded or not) to exactly `<id>:<key>`.
fn token_matches(token: &str, id: &str, key: &str) -> bool {
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    lenient
        .decode(token.trim())
        .is_ok_and(|decoded| decoded == format!("{id}:{key}").as_bytes())
}

fn check_token(tenant_url: &str, token: &str) -> Result<(), CredentialsError> {
    let valid = !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic());
    if valid {
        Ok(())
    } else {
        Err(CredentialsError::InvalidToken {
            tenant: tenant_url.to_string(),
        })
    }
}

/// Normalises a tenant URL: `https://` added when there is no scheme, host lower-cased, trailing slash dropped.
/// Refuses plain http off loopback, user info, queries, fragments, a path, and a host that is a single label (no dot)
/// other than `localhost`.
///
/// ```
/// use blubracket_client::key_file::normalize_tenant_url;
/// assert_eq!(normalize_tenant_url("MyCompany.BluBracket.com/").unwrap(), "https://mycompany.blubracket.com");
/// assert!(normalize_tenant_url("http://mycompany.blubracket.com").is_err());
/// // A single-label host is not a tenant (in a damaged CSV row it may be a key).
/// assert!(normalize_tenant_url("mycompany").is_err());
/// assert!(normalize_tenant_url("mycompany.blubracket.com/keys,BLU-1").is_err());
/// assert!(normalize_tenant_url("http://localhost:8080").is_ok());
/// ```
pub fn normalize_tenant_url(tenant: &str) -> Result<String, CredentialsError> {
    let trimmed = tenant.trim();
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let url = BaseUrl::parse(&with_scheme).map_err(|source| CredentialsError::TenantUrl {
        tenant: trimmed.to_string(),
        source,
    })?;
    let full_host = match url.url().host() {
        Some(url::Host::Domain(name)) => name == "localhost" || name.contains('.'),
        Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => true,
        None => false,
    };
    // A tenant is a host, with no path: in a CSV row a stray quote can pull the rest of the row (the key included)
    // into the tenant cell, where it would read as a path.
    let bare = matches!(url.url().path(), "" | "/");
    if !full_host || !bare {
        return Err(CredentialsError::TenantHost {
            tenant: trimmed.to_string(),
        });
    }
    Ok(url.to_string())
}

/// `error` with the URL it quotes replaced by `label` (a CSV row's line: its cell may hold a secret).
fn relabel(error: BaseUrlError, label: &str) -> BaseUrlError {
    let label = label.to_string();
    match error {
        BaseUrlError::Invalid(_) => BaseUrlError::Invalid(label),
        BaseUrlError::Scheme(_) => BaseUrlError::Scheme(label),
        BaseUrlError::InsecureHost(_) => BaseUrlError::InsecureHost(label),
        BaseUrlError::Extra(_) => BaseUrlError::Extra(label),
        BaseUrlError::Host(_) => BaseUrlError::Host(label),
        other => other,
    }
}

fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|value| !value.is_empty())
}

fn normalize_column(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
        .replace([' ', '-'], "_")
}

fn csv_error(error: &csv::Error) -> CredentialsError {
    // Only the position: a CSV error's own message can quote a field.
    CredentialsError::InvalidCsv {
        line: error.position().map_or(1, csv::Position::line),
    }
}

/// `true` when a unix mode lets group or others read the file.
pub fn readable_by_others(mode: u32) -> bool {
    mode & 0o044 != 0
}

#[cfg(unix)]
fn warn_if_exposed(path: &Path, metadata: &std::fs::Metadata) {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = metadata.permissions().mode();
    if readable_by_others(mode) {
        tracing::warn!(
            path = %path.display(),
            mode = %format!("{:03o}", mode & 0o777),
            "the BluBracket key file is readable by group or others; restrict it with `chmod 600`"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_exposed(_path: &Path, _metadata: &std::fs::Metadata) {}

/// A key file that cannot be used is a configuration error (`?` in a function returning `sdk::Error`); the message
/// names the problem, never a key.
impl From<CredentialsError> for client_runtime::Error {
    fn from(error: CredentialsError) -> Self {
        let message = error.to_string();
        client_runtime::Error::new(client_runtime::ErrorKind::Config)
            .message(message)
            .with_source(error)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::sync::{Arc, Mutex};

    use super::*;

    const ID: &str = "BLU-a492144b-f118-4598-991e-f1d4d6209edf";
    const KEY: &str = "TofsB-secret-EqwGg";

    #[test]
    fn the_derived_token_starts_like_the_vendors_example() {
        let token = derive_token(ID, KEY);
        assert!(token.starts_with("QkxVL"), "{token}");
        assert!(token_matches(&token, ID, KEY));
        assert!(token_matches(token.trim_end_matches('='), ID, KEY));
        assert!(!token_matches(&token, ID, "other"));
        assert!(!token_matches("not base64 !!", ID, KEY));
    }

    #[test]
    fn group_or_other_read_bits_count_as_exposed() {
        assert!(!readable_by_others(0o600));
        assert!(!readable_by_others(0o700));
        assert!(readable_by_others(0o640));
        assert!(readable_by_others(0o604));
        assert!(readable_by_others(0o644));
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn load_capturing_logs(path: &Path) -> (Result<KeyFile, CredentialsError>, String) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let result = tracing::subscriber::with_default(subscriber, || KeyFile::load(path));
        let logs = captured.0.lock().map(|b| b.clone()).unwrap_or_default();
        (result, String::from_utf8_lossy(&logs).into_owned())
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_readable_by_others_loads_with_a_warning_that_hides_the_key() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("keys.json");
        let mut file = std::fs::File::create(&path).expect("create");
        write!(
            file,
            r#"{{"api_keys": {{"https://mycompany.blubracket.com": {{"id": "{ID}", "key": "{KEY}"}}}}}}"#
        )
        .expect("write");
        drop(file);

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let (result, logs) = load_capturing_logs(&path);
        assert!(result.is_ok(), "{result:?}");
        assert!(logs.contains("WARN"), "{logs}");
        assert!(logs.contains("readable by group or others"), "{logs}");
        assert!(logs.contains("644"), "{logs}");
        assert!(!logs.contains(KEY), "{logs}");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let (result, logs) = load_capturing_logs(&path);
        assert!(result.is_ok(), "{result:?}");
        assert!(!logs.contains("readable"), "{logs}");
    }
}
