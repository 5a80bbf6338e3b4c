//! [`LayerBuilder`]: the layer's options on top of an ingestion configuration, and what `build` starts.

use std::sync::Arc;
use std::time::Duration;

use bronto_ingest::{ConfigError, IngestConfig};

use crate::guard::{Control, Guard};
use crate::json::Object;
use crate::layer::{BrontoLayer, Options};
use crate::queue::Queue;
use crate::worker;

/// The queue's default bound: 16 MiB of encoded events (queued, or held by the ingestor and not yet settled).
pub const DEFAULT_QUEUE_BYTES: usize = 16 * 1024 * 1024;

/// Builds a [`BrontoLayer`] and its [`Guard`] from a `bronto-ingest` configuration (where to send, the
/// credential, dataset, collection, tags, batching, retries).
///
/// ```
/// use bronto_tracing::LayerBuilder;
/// use bronto_ingest::IngestConfig;
///
/// let builder = LayerBuilder::new(IngestConfig::region("eu").api_key("my-ingestion-key").dataset("checkout"))
///     .service("checkout", env!("CARGO_PKG_VERSION"))
///     .environment("prod")
///     .queue_bytes(8 * 1024 * 1024);
/// assert!(!format!("{builder:?}").contains("my-ingestion-key"));
/// ```
#[derive(Clone, Debug)]
pub struct LayerBuilder {
    ingest: IngestConfig,
    queue_bytes: usize,
    service_name: Option<String>,
    service_version: Option<String>,
    environment: Option<String>,
    host: Option<String>,
    module_path: bool,
    file: bool,
    line: bool,
    thread: bool,
    trace_ids: bool,
    interval: Duration,
    drop_timeout: Duration,
}

/// Why [`LayerBuilder::build`] failed. Never contains the credential.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The ingestion configuration was refused.
    #[error(transparent)]
    Ingest(#[from] ConfigError),
    /// The worker thread or its runtime could not start.
    #[error("the bronto-tracing worker could not start: {0}")]
    Runtime(String),
    /// An option is out of range.
    #[error("{0}")]
    Option(String),
}

impl LayerBuilder {
    /// A layer sending through an ingestor built from `ingest`. Defaults: a queue of [`DEFAULT_QUEUE_BYTES`],
    /// `file` and `line` on, `module_path` and `thread` off, the host name from `HOSTNAME` (or the kernel's on
    /// Linux), the worker waking every 100 ms, a 5 s bounded wait when the guard is dropped.
    pub fn new(ingest: IngestConfig) -> Self {
        Self {
            ingest,
            queue_bytes: DEFAULT_QUEUE_BYTES,
            service_name: None,
            service_version: None,
            environment: None,
            host: default_host(),
            module_path: false,
            file: true,
            line: true,
            thread: false,
            trace_ids: true,
            interval: Duration::from_millis(100),
            drop_timeout: Duration::from_secs(5),
        }
    }

    /// The dataset (`x-bronto-dataset`), on the ingestion configuration.
    pub fn dataset(mut self, dataset: impl Into<String>) -> Self {
        self.ingest = self.ingest.dataset(dataset);
        self
    }

    /// The collection (`x-bronto-collection`), on the ingestion configuration.
    pub fn collection(mut self, collection: impl Into<String>) -> Self {
        self.ingest = self.ingest.collection(collection);
        self
    }

    /// A tag (`x-bronto-tags`), on the ingestion configuration.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.ingest = self.ingest.tag(key, value);
        self
    }

    /// The most bytes of encoded events held at once, in the queue and in the ingestor until acknowledged (each
    /// event is charged the memory its line takes plus 64 bytes: its allocation while queued, its exact length
    /// once handed to the ingestor). Beyond it, events are dropped and counted.
    pub fn queue_bytes(mut self, bytes: usize) -> Self {
        self.queue_bytes = bytes;
        self
    }

    /// The service's name and version, written as `service.name` and `service.version` on every event.
    pub fn service(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self.service_version = Some(version.into());
        self
    }

    /// The deployment environment, written as `service.environment` (`prod`, `staging`, ...).
    pub fn environment(mut self, environment: impl Into<String>) -> Self {
        self.environment = Some(environment.into());
        self
    }

    /// The host name written as `host.name` (`None` to leave it out).
    pub fn host(mut self, host: Option<String>) -> Self {
        self.host = host;
        self
    }

    /// Writes the event's `module_path` (default off: it is usually the target).
    pub fn with_module_path(mut self, on: bool) -> Self {
        self.module_path = on;
        self
    }

    /// Writes the event's source `file` (default on).
    pub fn with_file(mut self, on: bool) -> Self {
        self.file = on;
        self
    }

    /// Writes the event's source `line` (default on).
    pub fn with_line_number(mut self, on: bool) -> Self {
        self.line = on;
        self
    }

    /// Writes the calling `thread`'s name (or id) (default off).
    pub fn with_thread_names(mut self, on: bool) -> Self {
        self.thread = on;
        self
    }

    /// Writes `trace_id` and `span_id` of the enclosing OpenTelemetry span (from `tracing-opentelemetry`) on
    /// each event (default on; only with the `otlp` feature, else ignored).
    pub fn with_trace_ids(mut self, on: bool) -> Self {
        self.trace_ids = on;
        self
    }

    /// How often the worker wakes to move queued events into the ingestor (default 100 ms; it also wakes once
    /// when the queue passes half its bound).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// How long dropping the [`Guard`] waits for delivery (default 5 s).
    pub fn drop_timeout(mut self, timeout: Duration) -> Self {
        self.drop_timeout = timeout;
        self
    }

    /// Starts the worker thread (with its own single-threaded tokio runtime, where the ingestor is built) and
    /// returns the layer and its guard. Works with or without a runtime on the calling thread.
    pub fn build(self) -> Result<(BrontoLayer, Guard), BuildError> {
        if self.queue_bytes < 4096 {
            return Err(BuildError::Option(format!(
                "queue_bytes must be at least 4096, got {}",
                self.queue_bytes
            )));
        }
        if self.interval.is_zero() {
            return Err(BuildError::Option("interval must not be zero".to_string()));
        }
        let (queue, rx) = Queue::new(self.queue_bytes);
        let queue = Arc::new(queue);
        let (commands, command_rx) = tokio::sync::mpsc::unbounded_channel();
        let (ingestor, state) = worker::spawn(
            self.ingest.clone(),
            Arc::clone(&queue),
            rx,
            command_rx,
            self.interval,
        )?;
        let options = Arc::new(Options {
            module_path: self.module_path,
            file: self.file,
            line: self.line,
            thread: self.thread,
            trace_ids: self.trace_ids,
            identity: self.identity(),
        });
        let layer = BrontoLayer {
            queue: Arc::clone(&queue),
            options,
            #[cfg(feature = "otlp")]
            dispatch: Arc::default(),
        };
        let guard = Guard {
            control: Control {
                queue,
                state,
                ingestor,
                commands,
            },
            drop_timeout: self.drop_timeout,
        };
        Ok((layer, guard))
    }

    fn identity(&self) -> Vec<u8> {
        let mut object = Object::fragment();
        for (key, value) in [
            ("service.name", &self.service_name),
            ("service.version", &self.service_version),
            ("service.environment", &self.environment),
            ("host.name", &self.host),
        ] {
            if let Some(value) = value {
                object.key("", key);
                object.string(value);
            }
        }
        object.into_fragment()
    }
}

fn default_host() -> Option<String> {
    let from_env = std::env::var("HOSTNAME").ok();
    let from_kernel = || {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|name| name.trim().to_string())
    };
    from_env
        .or_else(from_kernel)
        .filter(|name| !name.trim().is_empty())
}
