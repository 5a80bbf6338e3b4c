//! Bronto exports as one awaited call: create, poll with progress, then stream the file to a writer.

use std::time::{Duration, Instant};

use bronto_client::types::{CreateExportRequest, Export, ExportStatus};
use futures::StreamExt as _;
use tokio::io::{AsyncWrite, AsyncWriteExt as _};

use crate::PollSchedule;
use crate::bronto::Bronto;
use client_runtime::{Error, ErrorKind};

/// What [`Bronto::export_to`] writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportData {
    /// The export's data: the stored object decompressed while it streams, when it is Zstandard-compressed (as
    /// the live service stores it; recognised by its magic number), otherwise as stored. The default.
    #[default]
    Decompressed,
    /// The stored object, byte for byte (Zstandard-compressed on the live service).
    Stored,
}

/// Options of [`Bronto::export_to`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ExportOptions {
    /// The first wait between status polls (default 2 s); each later wait is 1.5 times the one before, up to
    /// [`ExportOptions::max_poll_interval`] ([`PollSchedule::export`]).
    pub poll_interval: Duration,
    /// The longest wait between status polls (default 30 s).
    pub max_poll_interval: Duration,
    /// Give up waiting for `COMPLETE` after this long (default 1 hour).
    pub deadline: Duration,
    /// Timeout of the download as a whole (default 1 hour).
    pub download_timeout: Duration,
    /// What to write: the data (default) or the stored object.
    pub data: ExportData,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(2),
            max_poll_interval: Duration::from_secs(30),
            deadline: Duration::from_secs(3600),
            download_timeout: Duration::from_secs(3600),
            data: ExportData::Decompressed,
        }
    }
}

impl ExportOptions {
    /// Sets the first wait between status polls.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Sets the longest wait between status polls.
    pub fn max_poll_interval(mut self, interval: Duration) -> Self {
        self.max_poll_interval = interval;
        self
    }

    /// Polls on `schedule` (its first wait and cap; the growth is the export's 1.5).
    pub fn poll_schedule(self, schedule: PollSchedule) -> Self {
        self.poll_interval(schedule.first())
            .max_poll_interval(schedule.cap())
    }

    fn schedule(&self) -> PollSchedule {
        PollSchedule::new(self.poll_interval, 1.5, self.max_poll_interval)
    }

    /// Sets how long to wait for `COMPLETE`.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets the timeout of the download as a whole.
    pub fn download_timeout(mut self, timeout: Duration) -> Self {
        self.download_timeout = timeout;
        self
    }

    /// Writes the stored object byte for byte instead of its decompressed data.
    pub fn stored(mut self) -> Self {
        self.data = ExportData::Stored;
        self
    }
}

/// Where an export stands, reported while waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportProgress {
    /// The export's id.
    pub export_id: String,
    /// Percent done, 0 to 100.
    pub percent: i64,
    /// The server's status (`None` when the answer carried none).
    pub status: Option<ExportStatus>,
}

/// What a finished export delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportOutcome {
    /// The export's id.
    pub export_id: String,
    /// Bytes of the stored object downloaded (equal to what the server announced, when it announced a size).
    pub bytes: u64,
    /// Bytes written to the writer: the decompressed data, or `bytes` when the stored object was written.
    pub written: u64,
    /// `true` when the stored object was Zstandard-compressed and the data was decompressed.
    pub decompressed: bool,
    /// Events the server says the export holds (`None` when it did not say).
    pub events: Option<i64>,
}

fn failed(export: &Export) -> Option<Error> {
    let detail = export
        .failure_detail
        .clone()
        .filter(|d| !d.trim().is_empty());
    let kind = match export.status.as_ref() {
        Some(ExportStatus::Failed) => Some(ErrorKind::ExportFailed),
        Some(ExportStatus::UnknownValue(value)) => {
            let status = value.to_ascii_uppercase();
            if status.contains("EXPIRED") {
                Some(ErrorKind::ExportExpired)
            } else if status.contains("FAIL")
                || status.contains("ERROR")
                || status.contains("CANCEL")
            {
                Some(ErrorKind::ExportFailed)
            } else {
                None
            }
        }
        _ => None,
    }
    .or(detail.as_ref().map(|_| ErrorKind::ExportFailed))?;
    let mut error = Error::new(kind);
    if let Some(detail) = detail {
        error = error.details_text(detail);
    }
    Some(error)
}

/// The download location must be https (or plain http on loopback, for tests).
fn download_url(location: &str) -> Result<reqwest::Url, Error> {
    let invalid =
        || Error::new(ErrorKind::Decode).message("the export's location is not an https URL");
    let url = reqwest::Url::parse(location).map_err(|_| invalid())?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(invalid()),
    }
}

/// The HTTP client for download locations, built once per process: no default headers, no credential, no
/// redirects (a pre-signed URL answers directly). Building a client costs milliseconds, which showed in the
/// benchmarks for small exports.
fn storage_client() -> Result<&'static reqwest::Client, String> {
    static CLIENT: std::sync::OnceLock<Result<reqwest::Client, String>> =
        std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            client_runtime::tls::client_builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(Duration::from_secs(10))
                // A download that stalls mid-body fails after a minute without progress, not at the hour.
                .read_timeout(Duration::from_secs(60))
                .build()
                .map_err(|e| format!("building the download client failed: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The first bytes of a Zstandard frame.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// A failure of the download's transport, told apart from the decoder's failures when reading.
#[derive(Debug)]
struct Transport(reqwest::Error);

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Transport {}

impl Bronto {
    /// Creates an export, waits for it (calling `on_progress` with each status), then streams its data from the
    /// download location into `writer` in constant memory: decompressed while it streams when the stored object is
    /// Zstandard-compressed, as the live service stores it (or byte for byte with [`ExportOptions::stored`]). The
    /// byte count the server announced is checked against the stored bytes.
    ///
    /// The download location is a different host (a pre-signed object-store URL): it is fetched with a separate
    /// HTTP client that carries **no Bronto credential** and follows no redirect to yet another host, and no error
    /// shows the URL (its query is the signature).
    ///
    /// ```no_run
    /// # async fn run(bronto: &sdk::Bronto) -> Result<(), sdk::Error> {
    /// use sdk::bronto_api::types::{CreateExportDetails, CreateExportRequest};
    /// let request = CreateExportRequest::builder().search_details(
    ///     CreateExportDetails::builder()
    ///         .from(["my-dataset"])
    ///         .time_range("Last 24 hours"),
    /// );
    /// let mut file = tokio::fs::File::create("export.json").await.expect("file");
    /// let outcome = bronto
    ///     .export_to(request.try_into()?, &mut file, Default::default(), |p| println!("{}%", p.percent))
    ///     .await?;
    /// println!("{} bytes of data from a {}-byte object", outcome.written, outcome.bytes);
    /// # Ok(()) }
    /// ```
    pub async fn export_to<W>(
        &self,
        request: CreateExportRequest,
        writer: &mut W,
        options: ExportOptions,
        mut on_progress: impl FnMut(&ExportProgress),
    ) -> Result<ExportOutcome, Error>
    where
        W: AsyncWrite + Unpin,
    {
        let created = self
            .call(self.create_export().body(request).send())
            .await
            .map_err(|e| e.during("export: create"))?;
        let export_id = created.export_id.clone().ok_or_else(|| {
            Error::new(ErrorKind::Decode)
                .during("export: create")
                .operation("create_export")
                .message("the created export has no export_id")
        })?;
        let export = self
            .wait_until_complete(created, &export_id, options, &mut on_progress)
            .await?;
        self.download_export_to(&export, writer, options).await
    }

    /// Waits for the export `export_id` (created earlier, perhaps by another process) to complete, polling on
    /// the export's [`PollSchedule`] (from [`ExportOptions::poll_interval`], ×1.5, up to
    /// [`ExportOptions::max_poll_interval`]) and calling `on_progress` with each status. With
    /// [`Bronto::download_export_to`], this is how a service resumes an export after a restart:
    ///
    /// ```no_run
    /// # async fn run(bronto: &sdk::Bronto, saved_id: &str) -> Result<(), sdk::Error> {
    /// let options = sdk::ExportOptions::default();
    /// let export = bronto.wait_for_export(saved_id, options, |p| println!("{}%", p.percent)).await?;
    /// let mut file = tokio::fs::File::create("export.json").await.expect("file");
    /// bronto.download_export_to(&export, &mut file, options).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// A poll the account's rate limit refuses (the window is spent) waits for the window and polls again,
    /// within [`ExportOptions::deadline`]. Every error names the export id (`export x-1: wait: ...`). When the
    /// deadline passes, the export is left on the server as it is: resume it later with this call, or delete it
    /// with `delete_export_by_id`.
    pub async fn wait_for_export(
        &self,
        export_id: &str,
        options: ExportOptions,
        mut on_progress: impl FnMut(&ExportProgress),
    ) -> Result<Export, Error> {
        let export = self.poll_export(export_id, options.deadline).await?;
        self.wait_until_complete(export, export_id, options, &mut on_progress)
            .await
    }

    /// One status poll of the wait step: a refusal by the rate limit waits for its window (within `deadline`)
    /// instead of ending the export's wait.
    async fn poll_export(&self, export_id: &str, deadline: Duration) -> Result<Export, Error> {
        let started = Instant::now();
        let step = format!("export {export_id}: wait");
        loop {
            // The id goes back exactly as the service handed it out (a plain string, whatever the document says).
            match self
                .call(self.get_export_by_id().export_id(export_id).send())
                .await
            {
                Ok(export) => return Ok(export),
                Err(error) if error.is_rate_limited() => {
                    let limit = error.rate_limit();
                    let wait = limit
                        .retry_after
                        .or(limit.reset)
                        .unwrap_or(Duration::from_secs(1))
                        .max(Duration::from_millis(100));
                    if started.elapsed().saturating_add(wait) > deadline {
                        return Err(error.during(step));
                    }
                    tokio::time::sleep(wait).await;
                }
                Err(error) => return Err(error.during(step)),
            }
        }
    }

    async fn wait_until_complete(
        &self,
        mut export: Export,
        export_id: &str,
        options: ExportOptions,
        on_progress: &mut impl FnMut(&ExportProgress),
    ) -> Result<Export, Error> {
        let step = format!("export {export_id}: wait");
        let started = Instant::now();
        let mut waits = options.schedule().waits();
        loop {
            if let Some(error) = failed(&export) {
                return Err(error.during(step));
            }
            on_progress(&ExportProgress {
                export_id: export_id.to_string(),
                percent: export.progress.unwrap_or(0).clamp(0, 100),
                status: export.status.clone(),
            });
            if export.status == Some(ExportStatus::Complete) {
                return Ok(export);
            }
            let wait = waits.next().unwrap_or(options.max_poll_interval);
            let left = options.deadline.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(Error::new(ErrorKind::PollTimeout)
                    .during(step)
                    .message(format!(
                        "not complete after {:?}; the export is left on the server (resume it with \
                         wait_for_export, or delete it)",
                        options.deadline
                    )));
            }
            // The last wait is cut to the deadline, so the final answer is read before giving up.
            tokio::time::sleep(wait.min(left)).await;
            export = self
                .poll_export(
                    export_id,
                    options.deadline.saturating_sub(started.elapsed()),
                )
                .await?;
        }
    }

    /// Streams a `COMPLETE` export's data from its download location into `writer` in constant memory (see
    /// [`Bronto::export_to`] for how; errors name the export id, `export: download: download of export x-1: ...`).
    pub async fn download_export_to<W>(
        &self,
        export: &Export,
        writer: &mut W,
        options: ExportOptions,
    ) -> Result<ExportOutcome, Error>
    where
        W: AsyncWrite + Unpin,
    {
        let export_id = export.export_id.clone().unwrap_or_default();
        let (bytes, written, decompressed) = self
            .download(export, &export_id, writer, options)
            .await
            .map_err(|e| e.during("export: download"))?;
        Ok(ExportOutcome {
            export_id,
            bytes,
            written,
            decompressed,
            events: export.events,
        })
    }

    /// Streams the export's object into `writer`; returns (stored bytes, bytes written, decompressed).
    async fn download<W>(
        &self,
        export: &Export,
        export_id: &str,
        writer: &mut W,
        options: ExportOptions,
    ) -> Result<(u64, u64, bool), Error>
    where
        W: AsyncWrite + Unpin,
    {
        use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _};

        let label = format!("download of export {export_id}");
        let location = export.location.as_deref().ok_or_else(|| {
            Error::new(ErrorKind::Decode)
                .operation(label.clone())
                .message("the export is COMPLETE but has no location")
        })?;
        let url = download_url(location).map_err(|e| e.operation(label.clone()))?;
        let storage = storage_client().map_err(|e| {
            Error::new(ErrorKind::Config)
                .operation(label.clone())
                .message(e)
        })?;
        // Every reqwest error of this request names the pre-signed URL, signature included: drop it.
        let transport = |e: reqwest::Error| {
            let kind = client_runtime::error::transport_kind(&e);
            let error = Error::new(kind).operation(label.clone());
            let error = if kind == ErrorKind::Timeout {
                error.timed_out(
                    client_runtime::TimeLimit::Download,
                    options.download_timeout,
                )
            } else {
                error.message(client_runtime::error::root_cause(&e))
            };
            error.with_source(e.without_url())
        };
        let response = storage
            .get(url)
            .timeout(client_runtime::saturate(options.download_timeout))
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            let headers = response.headers().clone();
            let (body, truncated) = client_runtime::error::read_bounded(response).await;
            // Object stores answer 403 (signature expired) or 404 (object gone) for a stale link.
            let kind = if matches!(status.as_u16(), 403 | 404 | 410) {
                ErrorKind::ExportExpired
            } else {
                ErrorKind::Status
            };
            return Err(Error::new(kind)
                .operation(label)
                .response(status, &headers)
                .body(body, truncated));
        }
        let stored = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = stored.clone();
        let chunks = response.bytes_stream().map(move |chunk| {
            chunk
                .inspect(|bytes| {
                    counter.fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
                })
                .map_err(|e| std::io::Error::other(Transport(e.without_url())))
        });
        let mut body = tokio_util::io::StreamReader::new(chunks);
        let read_failed = |e: std::io::Error, decoding: bool| match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<Transport>())
        {
            Some(Transport(source)) if source.is_timeout() => Error::new(ErrorKind::Timeout)
                .operation(label.clone())
                .timed_out(
                    client_runtime::TimeLimit::Download,
                    options.download_timeout,
                ),
            Some(Transport(source)) => Error::new(client_runtime::error::transport_kind(source))
                .operation(label.clone())
                .message(client_runtime::error::root_cause(source)),
            None if decoding => Error::new(ErrorKind::Decode)
                .operation(label.clone())
                .message("the export's Zstandard data is corrupt")
                .with_source(e),
            None => Error::new(ErrorKind::Body)
                .operation(label.clone())
                .with_source(e),
        };
        let compressed = body
            .fill_buf()
            .await
            .map_err(|e| read_failed(e, false))?
            .starts_with(&ZSTD_MAGIC);
        let decompress = compressed && options.data == ExportData::Decompressed;
        let mut reader: std::pin::Pin<Box<dyn AsyncRead + Send + '_>> = if decompress {
            let mut decoder = async_compression::tokio::bufread::ZstdDecoder::new(body);
            decoder.multiple_members(true);
            Box::pin(decoder)
        } else {
            Box::pin(body)
        };
        let mut buffer = vec![0; 64 * 1024];
        let mut written: u64 = 0;
        loop {
            let read = reader
                .read(&mut buffer)
                .await
                .map_err(|e| read_failed(e, decompress))?;
            if read == 0 {
                break;
            }
            writer.write_all(&buffer[..read]).await.map_err(|e| {
                Error::new(ErrorKind::Body)
                    .operation(label.clone())
                    .message("writing the export failed")
                    .with_source(e)
            })?;
            written += read as u64;
        }
        writer.flush().await.map_err(|e| {
            Error::new(ErrorKind::Body)
                .operation(label.clone())
                .message("writing the export failed")
                .with_source(e)
        })?;
        let stored = stored.load(std::sync::atomic::Ordering::Relaxed);
        if let Some(announced) = export.bytes.filter(|announced| *announced > 0)
            && stored != announced as u64
        {
            return Err(Error::new(ErrorKind::Integrity)
                .operation(label)
                .message(format!(
                    "received {stored} bytes, the server announced {announced}"
                )));
        }
        Ok((stored, written, decompress))
    }
}
