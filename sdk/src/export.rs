//! Bronto exports as one awaited call: create, poll with progress, then stream the file to a writer.

use std::time::{Duration, Instant};

use bronto_client::types::{CreateExportRequest, Export, ExportStatus};
use futures::StreamExt as _;
use tokio::io::{AsyncWrite, AsyncWriteExt as _};

use crate::bronto::Bronto;
use crate::error::{Error, ErrorKind};

/// Options of [`Bronto::export_to`].
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions {
    /// Wait between status polls (default 2 s).
    pub poll_interval: Duration,
    /// Give up waiting for `COMPLETE` after this long (default 1 hour).
    pub deadline: Duration,
    /// Timeout of the download as a whole (default 1 hour).
    pub download_timeout: Duration,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(2),
            deadline: Duration::from_secs(3600),
            download_timeout: Duration::from_secs(3600),
        }
    }
}

/// Where an export stands, reported while waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportProgress {
    /// The export's id.
    pub export_id: String,
    /// Percent done, 0 to 100.
    pub percent: i64,
    /// The server's status.
    pub status: ExportStatus,
}

/// What a finished export delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOutcome {
    /// The export's id.
    pub export_id: String,
    /// Bytes written to the writer (equal to what the server announced, when it announced a size).
    pub bytes: u64,
    /// Events the server says the export holds.
    pub events: i64,
}

fn failed(export: &Export) -> Option<Error> {
    let detail = export
        .failure_detail
        .clone()
        .filter(|d| !d.trim().is_empty());
    let unknown = match &export.status {
        ExportStatus::UnknownValue(value) => Some(value.to_ascii_uppercase()),
        _ => None,
    };
    let kind = match unknown.as_deref() {
        Some(status) if status.contains("EXPIRED") => Some(ErrorKind::ExportExpired),
        Some(status)
            if status.contains("FAIL") || status.contains("ERROR") || status.contains("CANCEL") =>
        {
            Some(ErrorKind::ExportFailed)
        }
        _ if detail.is_some() => Some(ErrorKind::ExportFailed),
        _ => None,
    }?;
    let mut error = Error::new(kind).operation(format!("export {}", export.export_id));
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
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| format!("building the download client failed: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

impl Bronto {
    /// Creates an export, waits for it (calling `on_progress` with each status), then streams the file from its
    /// download location into `writer` in constant memory and checks the byte count.
    ///
    /// The download location is a different host (a pre-signed object-store URL): it is fetched with a separate
    /// HTTP client that carries **no Bronto credential** and follows no redirect to yet another host.
    ///
    /// ```no_run
    /// # async fn run(bronto: &sdk::Bronto) -> Result<(), sdk::Error> {
    /// let request = serde_json::from_value(serde_json::json!({
    ///     "search_details": {"from": ["my-dataset"], "time_range": "Last 24 hours"}
    /// })).expect("a valid export");
    /// let mut file = tokio::fs::File::create("export.json.gz").await.expect("file");
    /// let outcome = bronto
    ///     .export_to(request, &mut file, Default::default(), |p| println!("{}%", p.percent))
    ///     .await?;
    /// println!("{} bytes", outcome.bytes);
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
        let created = self.call(self.create_export().body(request).send()).await?;
        let export_id = created.export_id.clone();
        let id: uuid::Uuid = export_id
            .parse()
            .map_err(|_| Error::new(ErrorKind::Decode).message("the export id is not a UUID"))?;
        let started = Instant::now();
        let mut export = created;
        loop {
            if let Some(error) = failed(&export) {
                return Err(error);
            }
            on_progress(&ExportProgress {
                export_id: export_id.clone(),
                percent: export.progress.clamp(0, 100),
                status: export.status.clone(),
            });
            if export.status == ExportStatus::Complete {
                break;
            }
            if started.elapsed() + options.poll_interval > options.deadline {
                return Err(Error::new(ErrorKind::PollTimeout)
                    .operation(format!("export {export_id}"))
                    .message(format!("not complete after {:?}", options.deadline)));
            }
            tokio::time::sleep(options.poll_interval).await;
            export = self
                .call(self.get_export_by_id().export_id(id).send())
                .await?;
        }
        let bytes = self
            .download(&export, writer, options.download_timeout)
            .await?;
        Ok(ExportOutcome {
            export_id,
            bytes,
            events: export.events,
        })
    }

    async fn download<W>(
        &self,
        export: &Export,
        writer: &mut W,
        timeout: Duration,
    ) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin,
    {
        let label = format!("download of export {}", export.export_id);
        let url = download_url(&export.location).map_err(|e| e.operation(label.clone()))?;
        let storage = storage_client().map_err(|e| {
            Error::new(ErrorKind::Config)
                .operation(label.clone())
                .message(e)
        })?;
        let response = storage
            .get(url)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| {
                Error::new(crate::error::transport_kind(&e))
                    .operation(label.clone())
                    .source(e)
            })?;
        let status = response.status();
        if !status.is_success() {
            let headers = response.headers().clone();
            let (body, truncated) = crate::error::read_bounded(response).await;
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
        let mut written: u64 = 0;
        let mut chunks = response.bytes_stream();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| {
                Error::new(crate::error::transport_kind(&e))
                    .operation(label.clone())
                    .source(e)
            })?;
            writer.write_all(&chunk).await.map_err(|e| {
                Error::new(ErrorKind::Body)
                    .operation(label.clone())
                    .message("writing the export failed")
                    .source(e)
            })?;
            written += chunk.len() as u64;
        }
        writer.flush().await.map_err(|e| {
            Error::new(ErrorKind::Body)
                .operation(label.clone())
                .message("writing the export failed")
                .source(e)
        })?;
        if export.bytes > 0 && written != export.bytes as u64 {
            return Err(Error::new(ErrorKind::Integrity)
                .operation(label)
                .message(format!(
                    "received {written} bytes, the server announced {}",
                    export.bytes
                )));
        }
        Ok(written)
    }
}
