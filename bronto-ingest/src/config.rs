//! [`IngestConfig`]: where events go, how they are batched and compressed, and how failures are retried.

use std::time::Duration;

use client_runtime::{AuthScheme, BaseUrl, BaseUrlError, Credential, RetryPolicy, Runtime};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};

use crate::Ingestor;

/// Bronto's limit on one request body, compressed or not: 10 MiB (10,485,760 bytes). Larger requests get `413`.
pub const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

/// The longest server `Retry-After` a batch waits for by default: 5 minutes (longer hints are clamped to it).
pub const DEFAULT_MAX_SERVER_WAIT: Duration = Duration::from_secs(5 * 60);

/// How long a batch is retried by default, from its first attempt: 10 minutes.
pub const DEFAULT_RETRY_DEADLINE: Duration = Duration::from_secs(10 * 60);

/// The most NDJSON bytes of failed batches held for the reports and a receiver by default: 16 MiB.
pub const DEFAULT_MAX_FAILED_BYTES: usize = 16 * 1024 * 1024;

/// How request bodies are compressed (`Content-Encoding`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// `gzip` at the default level (6). The default.
    #[default]
    Gzip,
    /// `zstd` at level 3.
    Zstd,
    /// No compression.
    None,
}

impl Compression {
    /// The `Content-Encoding` value, `None` for an uncompressed body.
    pub fn content_encoding(self) -> Option<&'static str> {
        match self {
            Compression::Gzip => Some("gzip"),
            Compression::Zstd => Some("zstd"),
            Compression::None => None,
        }
    }
}

#[derive(Clone, Debug)]
enum Target {
    Region(String),
    BaseUrl(String),
}

/// Configuration of an [`Ingestor`], builder style; [`IngestConfig::build`] validates it and starts the
/// background task (it must be called inside a tokio runtime).
///
/// Defaults: gzip, batches of at most 4 MiB and 10,000 events, a linger of 200 ms, 4 requests in flight, a queue
/// of 10,000 events, a 30 s timeout per attempt, and ingestion's own retry schedule (not shared with the API
/// calls, no retry budget):
///
/// * a retryable failure (429, 408, 5xx but 501/505, a connection error or timeout) is retried after a backoff
///   of 200 ms doubling up to 30 s, each delay plus a random jitter of up to as much again
///   ([`IngestConfig::retry_policy`]);
/// * a server's `Retry-After` (seconds or an HTTP date; `RateLimit-Reset` when the window is spent) is honoured
///   up to [`DEFAULT_MAX_SERVER_WAIT`] (5 minutes, [`IngestConfig::max_server_wait`]): the wait is the longer of
///   the hint and the backoff;
/// * a batch is retried without an attempt limit until its next attempt would start more than
///   [`DEFAULT_RETRY_DEADLINE`] (10 minutes, [`IngestConfig::retry_deadline`]) after its first one; it then fails
///   as [`FailureReason::RetriesExhausted`](crate::FailureReason::RetriesExhausted);
/// * while a batch waits it keeps its request slot: with every slot taken the queue fills, `send` waits and
///   `try_send` gives the event back, so an outage or a throttled account slows the producer instead of
///   filling memory;
/// * failed batches not yet handed back are held up to [`DEFAULT_MAX_FAILED_BYTES`] (16 MiB of NDJSON,
///   [`IngestConfig::max_failed_bytes`]); beyond it the oldest are released and counted
///   ([`DeliveryReport::overflowed`](crate::DeliveryReport::overflowed)).
///
/// ```
/// use std::time::Duration;
/// use bronto_ingest::{Compression, Credential, IngestConfig};
///
/// let config = IngestConfig::region("eu")
///     .credential(Credential::api_key("my-ingestion-key"))
///     .dataset("checkout")
///     .collection("payments")
///     .tag("env", "prod")
///     .compression(Compression::Zstd)
///     .max_batch_bytes(2 * 1024 * 1024)
///     .linger(Duration::from_millis(500));
/// assert!(!format!("{config:?}").contains("my-ingestion-key"));
/// ```
#[derive(Clone, Debug)]
pub struct IngestConfig {
    target: Target,
    credential: Option<Credential>,
    dataset: Option<String>,
    collection: Option<String>,
    tags: Vec<(String, String)>,
    pub(crate) compression: Compression,
    pub(crate) max_batch_bytes: usize,
    pub(crate) max_batch_events: usize,
    pub(crate) linger: Duration,
    pub(crate) max_in_flight: usize,
    pub(crate) queue_capacity: usize,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_server_wait: Duration,
    pub(crate) retry_deadline: Duration,
    pub(crate) max_failed_bytes: usize,
    pub(crate) request_timeout: Duration,
    connect_timeout: Duration,
}

impl IngestConfig {
    /// Sends to `https://ingestion.{region}.bronto.io/`; `region` is a slug such as `eu` or `us` (lowercase
    /// letters, digits and `-`, so that no value can move the host off Bronto's domain).
    pub fn region(region: impl Into<String>) -> Self {
        Self::with_target(Target::Region(region.into()))
    }

    /// Sends to `base_url` instead (https, or http on a loopback host, for tests and local collectors).
    pub fn base_url(base_url: impl Into<String>) -> Self {
        Self::with_target(Target::BaseUrl(base_url.into()))
    }

    fn with_target(target: Target) -> Self {
        Self {
            target,
            credential: None,
            dataset: None,
            collection: None,
            tags: Vec::new(),
            compression: Compression::default(),
            max_batch_bytes: 4 * 1024 * 1024,
            max_batch_events: 10_000,
            linger: Duration::from_millis(200),
            max_in_flight: 4,
            queue_capacity: 10_000,
            retry: RetryPolicy::default()
                .max_attempts(u32::MAX)
                .initial_backoff(Duration::from_millis(200))
                .max_backoff(Duration::from_secs(30)),
            max_server_wait: DEFAULT_MAX_SERVER_WAIT,
            retry_deadline: DEFAULT_RETRY_DEADLINE,
            max_failed_bytes: DEFAULT_MAX_FAILED_BYTES,
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// The ingestion (or admin) API key, sent as `x-bronto-api-key`; a bearer token is sent as `Authorization`.
    /// Required.
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Shorthand for `credential(Credential::api_key(key))`.
    pub fn api_key(self, key: impl Into<String>) -> Self {
        self.credential(Credential::api_key(key))
    }

    /// The dataset (`x-bronto-dataset`).
    pub fn dataset(mut self, dataset: impl Into<String>) -> Self {
        self.dataset = Some(dataset.into());
        self
    }

    /// The collection (`x-bronto-collection`).
    pub fn collection(mut self, collection: impl Into<String>) -> Self {
        self.collection = Some(collection.into());
        self
    }

    /// Adds a tag; all tags travel as `x-bronto-tags: k=v,k2=v2`. Keys and values may not contain `,` or `=`.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// Body compression (default gzip).
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// The most uncompressed NDJSON bytes in one request (default 4 MiB, at most [`MAX_REQUEST_BYTES`]). An
    /// event whose line alone is larger is refused at `send`.
    pub fn max_batch_bytes(mut self, bytes: usize) -> Self {
        self.max_batch_bytes = bytes;
        self
    }

    /// The most events in one request (default 10,000).
    pub fn max_batch_events(mut self, events: usize) -> Self {
        self.max_batch_events = events;
        self
    }

    /// How long a batch waits for more events after its first one before it is sent anyway (default 200 ms).
    /// When it is due, events already queued still join it (up to the limits), so with a zero linger a batch
    /// goes out as soon as nothing more is waiting.
    pub fn linger(mut self, linger: Duration) -> Self {
        self.linger = linger;
        self
    }

    /// The most requests in flight at once (default 4). When all are busy, batches wait, the queue fills and
    /// `send` waits: that is the backpressure.
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.max_in_flight = requests;
        self
    }

    /// How many accepted events may wait in the queue before `send` waits and `try_send` gives the event back
    /// (default 10,000).
    pub fn queue_capacity(mut self, events: usize) -> Self {
        self.queue_capacity = events;
        self
    }

    /// Attempts and backoff for retryable failures (429, 408, 5xx other than 501/505, connection errors): a
    /// batch makes at most [`RetryPolicy::attempts`] attempts, waiting [`RetryPolicy::backoff`] in between (or the
    /// server's hint when longer). The default: no attempt limit (the [`IngestConfig::retry_deadline`] ends a
    /// batch), backoff from 200 ms doubling to 30 s with jitter.
    ///
    /// The policy's [`RetryPolicy::max_server_delay`] and [`RetryPolicy::retry_budget`] do not apply here:
    /// ingestion does not share the API calls' retry budget (its retries are bounded by the requests in flight,
    /// each batch's schedule and its deadline), and server hints are capped by
    /// [`IngestConfig::max_server_wait`].
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The longest `Retry-After` (or `RateLimit-Reset`) a batch waits for before its next attempt (default
    /// [`DEFAULT_MAX_SERVER_WAIT`], 5 minutes). A longer hint is clamped to it: the batch tries again after this
    /// long. The wait holds the batch's request slot, so it slows `send` rather than buffering more.
    pub fn max_server_wait(mut self, wait: Duration) -> Self {
        self.max_server_wait = wait;
        self
    }

    /// How long a batch is retried, counted from its first attempt (default [`DEFAULT_RETRY_DEADLINE`],
    /// 10 minutes): a batch whose next attempt would start later fails as
    /// [`FailureReason::RetriesExhausted`](crate::FailureReason::RetriesExhausted) with the last error.
    pub fn retry_deadline(mut self, deadline: Duration) -> Self {
        self.retry_deadline = deadline;
        self
    }

    /// The most NDJSON bytes of failed batches held until they are handed back (in the next report, or to a
    /// [`Ingestor::failures`] receiver that has not taken them yet; default [`DEFAULT_MAX_FAILED_BYTES`],
    /// 16 MiB). When a new failure would pass it, the oldest held batches are released (and the new one too if it
    /// alone is larger), counted in [`DeliveryReport::overflowed`](crate::DeliveryReport::overflowed); `0`
    /// keeps none.
    pub fn max_failed_bytes(mut self, bytes: usize) -> Self {
        self.max_failed_bytes = bytes;
        self
    }

    /// Timeout of one attempt, response included (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Validates the configuration and starts the background task that batches and sends.
    ///
    /// Must be called from inside a tokio runtime (the task is spawned on it).
    pub fn build(self) -> Result<Ingestor, ConfigError> {
        let prepared = self.prepare()?;
        let handle = tokio::runtime::Handle::try_current().map_err(|_| ConfigError::NoRuntime)?;
        Ok(Ingestor::start(self, prepared, &handle))
    }

    fn prepare(&self) -> Result<Prepared, ConfigError> {
        let base = match &self.target {
            Target::Region(region) if client_runtime::is_region_slug(region) => {
                format!("https://ingestion.{region}.bronto.io")
            }
            Target::Region(region) => {
                return Err(ConfigError::Region(region.chars().take(64).collect()));
            }
            Target::BaseUrl(url) => url.clone(),
        };
        let base_url = BaseUrl::parse(&base)?;
        let credential = self
            .credential
            .clone()
            .ok_or(ConfigError::MissingCredential)?;
        if credential.is_blank() || credential.header(&AuthScheme::bronto()).is_none() {
            return Err(ConfigError::InvalidCredential);
        }
        if self.max_batch_bytes == 0 || self.max_batch_bytes > MAX_REQUEST_BYTES {
            return Err(ConfigError::Limit(format!(
                "max_batch_bytes must be between 1 and {MAX_REQUEST_BYTES}, got {}",
                self.max_batch_bytes
            )));
        }
        for (name, value) in [
            ("max_batch_events", self.max_batch_events),
            ("max_in_flight", self.max_in_flight),
            ("queue_capacity", self.queue_capacity),
        ] {
            if value == 0 {
                return Err(ConfigError::Limit(format!("{name} must be at least 1")));
            }
        }
        // The semaphore that bounds requests in flight counts in u32.
        if u32::try_from(self.max_in_flight).is_err() {
            return Err(ConfigError::Limit("max_in_flight is too large".to_string()));
        }

        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let mut optional = |name: &'static str, value: Option<&str>| -> Result<(), ConfigError> {
            match value {
                Some(value) => {
                    let value = HeaderValue::from_str(value)
                        .ok()
                        .filter(|_| !value.trim().is_empty())
                        .ok_or(ConfigError::InvalidHeader { name })?;
                    headers.insert(HeaderName::from_static(name), value);
                    Ok(())
                }
                None => Ok(()),
            }
        };
        optional("x-bronto-dataset", self.dataset.as_deref())?;
        optional("x-bronto-collection", self.collection.as_deref())?;
        if !self.tags.is_empty() {
            let mut text = String::new();
            for (key, value) in &self.tags {
                let bad = |s: &str| s.trim().is_empty() || s.contains([',', '=']);
                if bad(key) || bad(value) {
                    return Err(ConfigError::InvalidTag(format!("{key}={value}")));
                }
                if !text.is_empty() {
                    text.push(',');
                }
                text.push_str(key);
                text.push('=');
                text.push_str(value);
            }
            optional("x-bronto-tags", Some(&text))?;
        }

        // The runtime makes one attempt per call with this configuration's own limits (its request timeout is each
        // attempt's, its in-flight bound the runtime's); the retries are the worker's, on ingestion's own schedule,
        // so no batch draws on a retry budget shared with the API calls.
        let runtime = Runtime::builder(base_url.as_str())
            .credential(credential)
            .auth_scheme(AuthScheme::bronto())
            .timeouts(client_runtime::Timeouts {
                connect: self.connect_timeout,
                attempt: self.request_timeout,
                operation: Duration::MAX,
                idle: self.request_timeout,
            })
            .max_in_flight(self.max_in_flight)
            .retry(RetryPolicy::none())
            .user_agent(concat!("bronto-ingest/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Prepared {
            url: base_url.url().clone(),
            runtime,
            headers,
        })
    }
}

/// What `build` derives from the configuration before it starts the task.
pub(crate) struct Prepared {
    pub(crate) url: reqwest::Url,
    pub(crate) runtime: Runtime,
    pub(crate) headers: HeaderMap,
}

/// Why an [`IngestConfig`] was refused. Never contains the credential.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL is not https (or http on loopback), or not a URL.
    #[error(transparent)]
    BaseUrl(#[from] BaseUrlError),
    /// The region is not a slug.
    #[error(
        "`{0}` is not a region: a region is a slug of lowercase letters, digits and `-` (`eu`, `us`)"
    )]
    Region(String),
    /// No credential was configured.
    #[error("a credential (an ingestion API key) is required")]
    MissingCredential,
    /// The credential is blank or cannot be sent as a header (control characters).
    #[error("the credential is blank or cannot be sent as a header")]
    InvalidCredential,
    /// A dataset or collection that cannot be a header value.
    #[error("`{name}` must be a non-blank, valid header value")]
    InvalidHeader {
        /// The header (`x-bronto-dataset`, `x-bronto-collection`, `x-bronto-tags`).
        name: &'static str,
    },
    /// A tag with an empty key or value, or one containing `,` or `=`.
    #[error(
        "tag `{0}` is invalid: keys and values must be non-blank and may not contain `,` or `=`"
    )]
    InvalidTag(String),
    /// A batch, queue or concurrency limit out of range.
    #[error("{0}")]
    Limit(String),
    /// `build` was called outside a tokio runtime.
    #[error("IngestConfig::build must be called inside a tokio runtime")]
    NoRuntime,
}

impl From<ConfigError> for client_runtime::Error {
    /// The SDK's one error type: an invalid ingestion configuration.
    fn from(error: ConfigError) -> Self {
        client_runtime::Error::new(client_runtime::ErrorKind::Config).message(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepare(config: IngestConfig) -> Result<Prepared, ConfigError> {
        config.prepare()
    }

    #[test]
    fn a_region_becomes_the_ingestion_host() {
        let prepared = prepare(IngestConfig::region("us").api_key("k")).expect("valid");
        assert_eq!(prepared.url.as_str(), "https://ingestion.us.bronto.io/");
        assert_eq!(
            prepared
                .headers
                .get(CONTENT_TYPE)
                .map(HeaderValue::as_bytes),
            Some(&b"application/json"[..])
        );
        for bad in ["evil.com/", "EU", "", "eu@x", "eu.evil"] {
            assert!(
                matches!(
                    prepare(IngestConfig::region(bad).api_key("k")),
                    Err(ConfigError::Region(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn optional_headers_and_tags() {
        let prepared = prepare(
            IngestConfig::base_url("http://127.0.0.1:9")
                .api_key("k")
                .dataset("ds")
                .collection("col")
                .tag("env", "prod")
                .tag("team", "core"),
        )
        .expect("valid");
        let header = |name: &str| {
            prepared
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        assert_eq!(header("x-bronto-dataset").as_deref(), Some("ds"));
        assert_eq!(header("x-bronto-collection").as_deref(), Some("col"));
        assert_eq!(
            header("x-bronto-tags").as_deref(),
            Some("env=prod,team=core")
        );
        assert!(matches!(
            prepare(IngestConfig::region("eu").api_key("k").tag("a,b", "c")),
            Err(ConfigError::InvalidTag(_))
        ));
        assert!(matches!(
            prepare(IngestConfig::region("eu").api_key("k").tag("a", "b=c")),
            Err(ConfigError::InvalidTag(_))
        ));
        assert!(matches!(
            prepare(IngestConfig::region("eu").api_key("k").dataset("a\nb")),
            Err(ConfigError::InvalidHeader {
                name: "x-bronto-dataset"
            })
        ));
    }

    #[test]
    fn credentials_and_limits_are_checked() {
        assert_eq!(
            prepare(IngestConfig::region("eu")).err(),
            Some(ConfigError::MissingCredential)
        );
        let err = prepare(IngestConfig::region("eu").api_key("sec\r\nret")).err();
        assert_eq!(err, Some(ConfigError::InvalidCredential));
        assert!(!format!("{err:?}").contains("sec"));
        assert_eq!(
            prepare(IngestConfig::region("eu").api_key("  ")).err(),
            Some(ConfigError::InvalidCredential)
        );
        assert!(matches!(
            prepare(IngestConfig::base_url("http://ingest.example.com").api_key("k")),
            Err(ConfigError::BaseUrl(BaseUrlError::InsecureHost(_)))
        ));
        for config in [
            IngestConfig::region("eu").max_batch_bytes(MAX_REQUEST_BYTES + 1),
            IngestConfig::region("eu").max_batch_bytes(0),
            IngestConfig::region("eu").max_batch_events(0),
            IngestConfig::region("eu").max_in_flight(0),
            IngestConfig::region("eu").queue_capacity(0),
        ] {
            assert!(
                matches!(prepare(config.api_key("k")), Err(ConfigError::Limit(_))),
                "limit accepted"
            );
        }
        assert!(
            prepare(
                IngestConfig::region("eu")
                    .api_key("k")
                    .max_batch_bytes(MAX_REQUEST_BYTES)
            )
            .is_ok()
        );
    }

    #[test]
    fn build_outside_a_runtime_is_an_error() {
        assert_eq!(
            IngestConfig::region("eu").api_key("k").build().err(),
            Some(ConfigError::NoRuntime)
        );
    }
}
