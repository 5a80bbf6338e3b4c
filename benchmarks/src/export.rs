//! Figure 3: an export streamed to a counting sink, through the facade (`Bronto::export_to`) and by hand with raw
//! reqwest, each in a fresh child process (this binary, re-executed with `--child export-facade|export-raw`) so
//! that its peak RSS (`VmHWM`) is the download's alone. The server runs in the parent process.

use std::io;
use std::pin::Pin;
use std::process::Command;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::StreamExt as _;
use reqwest::header::{ACCEPT, HeaderValue};
use sdk::bronto_api::types::Export;
use tokio::io::{AsyncWrite, AsyncWriteExt as _};

use crate::fixtures::{self, API_KEY};
use crate::server::{Routes, Server};
use crate::stats::{Comparison, Elapsed, Sample, Stopwatch};
use crate::{BoxError, progress};

/// The child flag's values.
pub(crate) const FACADE: &str = "export-facade";
/// See [`FACADE`].
pub(crate) const RAW: &str = "export-raw";

/// A writer that discards what it is given and counts it (`tokio::io::sink()`, wrapped).
#[derive(Debug)]
pub(crate) struct CountingSink {
    inner: tokio::io::Sink,
    written: u64,
}

impl CountingSink {
    /// Nothing written yet.
    pub(crate) fn new() -> Self {
        Self {
            inner: tokio::io::sink(),
            written: 0,
        }
    }

    /// Bytes written so far.
    pub(crate) fn written(&self) -> u64 {
        self.written
    }
}

impl AsyncWrite for CountingSink {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = result {
            this.written += n as u64;
        }
        result
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The process's peak resident set size so far, in KiB (`VmHWM` of `/proc/self/status`).
pub(crate) fn peak_rss_kib() -> Result<u64, BoxError> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM line in /proc/self/status".into())
}

/// What one child reports.
#[derive(Debug, Clone, Copy)]
struct ChildReport {
    bytes: u64,
    seconds: f64,
    /// CPU time of the child's one runtime thread during the export (0 when unknown).
    cpu_seconds: f64,
    /// Peak RSS after start-up (runtime and client built), before the export.
    start_kib: u64,
    /// Peak RSS at the end.
    peak_kib: u64,
}

impl ChildReport {
    fn line(&self) -> String {
        format!(
            "bytes={} seconds={} cpu_seconds={} start_kib={} peak_kib={}",
            self.bytes, self.seconds, self.cpu_seconds, self.start_kib, self.peak_kib
        )
    }

    fn sample(&self) -> Sample {
        Sample::measured(
            self.bytes as f64,
            Elapsed {
                wall: Duration::from_secs_f64(self.seconds),
                cpu: (self.cpu_seconds > 0.0).then(|| Duration::from_secs_f64(self.cpu_seconds)),
            },
        )
    }

    fn parse(text: &str) -> Result<Self, BoxError> {
        let line = text
            .lines()
            .rev()
            .find(|l| l.starts_with("bytes="))
            .ok_or("the child printed no report")?;
        let field = |name: &str| -> Result<&str, BoxError> {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                .ok_or_else(|| format!("the child's report has no `{name}`: {line}").into())
        };
        Ok(Self {
            bytes: field("bytes")?.parse()?,
            seconds: field("seconds")?.parse()?,
            cpu_seconds: field("cpu_seconds")?.parse()?,
            start_kib: field("start_kib")?.parse()?,
            peak_kib: field("peak_kib")?.parse()?,
        })
    }
}

/// The child's side: one export of `bytes` from the server at `base_url`, on a single-threaded runtime; prints
/// a [`ChildReport`] line on stdout.
pub(crate) fn child(side: &str, base_url: &str, bytes: u64) -> Result<(), BoxError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (written, elapsed, start_kib) = runtime.block_on(async {
        match side {
            FACADE => facade(base_url).await,
            RAW => raw(base_url).await,
            other => Err(format!("unknown child `{other}`").into()),
        }
    })?;
    if written != bytes {
        return Err(format!("{side}: {written} bytes written, {bytes} expected").into());
    }
    let report = ChildReport {
        bytes: written,
        seconds: elapsed.wall.as_secs_f64(),
        cpu_seconds: elapsed.cpu.map_or(0.0, |cpu| cpu.as_secs_f64()),
        start_kib,
        peak_kib: peak_rss_kib()?,
    };
    println!("{}", report.line());
    Ok(())
}

/// `Bronto::export_to` into a counting sink: create (already complete), then the download.
async fn facade(base_url: &str) -> Result<(u64, Elapsed, u64), BoxError> {
    let config = sdk::Config::builder()
        .bronto_base_url(base_url)
        .bronto_api_key(API_KEY)
        .build()?;
    let sdk = sdk::Sdk::new(config)?;
    let bronto = sdk.bronto()?;
    let request = fixtures::export_request()?;
    let options = sdk::ExportOptions::default().poll_interval(Duration::from_millis(10));
    let mut sink = CountingSink::new();
    let start_kib = peak_rss_kib()?;
    let watch = Stopwatch::start();
    let outcome = bronto
        .export_to(request, &mut sink, options, |_| {})
        .await?;
    let elapsed = watch.stop();
    if outcome.written != sink.written() || !outcome.decompressed {
        return Err("export_to reported a byte count other than what the sink received".into());
    }
    Ok((sink.written(), elapsed, start_kib))
}

/// The same by hand: create the export with raw reqwest + serde, then stream its location through the same
/// Zstandard decoder into the sink.
async fn raw(base_url: &str) -> Result<(u64, Elapsed, u64), BoxError> {
    let api = client_runtime::tls::client_builder()
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let storage = client_runtime::tls::client_builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(3600))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let request = fixtures::export_request()?;
    let mut api_key = HeaderValue::from_static(API_KEY);
    api_key.set_sensitive(true);
    let mut sink = CountingSink::new();
    let start_kib = peak_rss_kib()?;
    let watch = Stopwatch::start();
    let export: Export = api
        .post(format!("{base_url}/exports"))
        .header(ACCEPT, "application/json")
        .header("x-bronto-api-key", api_key)
        .json(&request)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    if export.status != Some(sdk::bronto_api::types::ExportStatus::Complete) {
        return Err(format!(
            "export {:?} is {:?}, not complete",
            export.export_id, export.status
        )
        .into());
    }
    let location = export
        .location
        .ok_or("a complete export without a location")?;
    let response = storage.get(&location).send().await?.error_for_status()?;
    // The same decoder the facade uses, over the same kind of byte stream.
    let body = tokio_util::io::StreamReader::new(
        response
            .bytes_stream()
            .map(|chunk| chunk.map_err(io::Error::other)),
    );
    let mut decoder = async_compression::tokio::bufread::ZstdDecoder::new(body);
    decoder.multiple_members(true);
    tokio::io::copy(&mut decoder, &mut sink).await?;
    sink.flush().await?;
    let elapsed = watch.stop();
    Ok((sink.written(), elapsed, start_kib))
}

/// What figure 3 measured.
pub(crate) struct ExportFigures {
    /// Throughput (bytes per second), facade vs raw.
    pub(crate) throughput: Comparison,
    /// The largest peak RSS of the facade's children, KiB.
    pub(crate) facade_peak_kib: u64,
    /// The largest peak RSS of the raw children, KiB.
    pub(crate) raw_peak_kib: u64,
    /// The largest peak RSS of the facade's children before the export started, KiB.
    pub(crate) facade_start_kib: u64,
}

/// Runs `rounds` ABAB rounds of one child per side, each exporting `bytes`.
pub(crate) fn run(bytes: u64, rounds: usize) -> Result<ExportFigures, BoxError> {
    let server = Server::start(Routes {
        export_bytes: bytes,
        ..Routes::default()
    })?;
    let exe = std::env::current_exe()?;
    let url = server.url();
    let spawn = |side: &str| -> Result<ChildReport, BoxError> {
        let output = Command::new(&exe)
            .args([
                "--child",
                side,
                "--url",
                &url,
                "--bytes",
                &bytes.to_string(),
            ])
            .output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!(
                "child `{side}` failed ({}): {}{}",
                output.status,
                stdout,
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        let report = ChildReport::parse(&stdout)?;
        if report.bytes != bytes {
            return Err(
                format!("child `{side}` streamed {} of {bytes} bytes", report.bytes).into(),
            );
        }
        Ok(report)
    };
    let mut figures = ExportFigures {
        throughput: Comparison::new(format!("{:.0} MiB export", bytes as f64 / MIB)),
        facade_peak_kib: 0,
        raw_peak_kib: 0,
        facade_start_kib: 0,
    };
    for round in 0..rounds {
        progress(format_args!(
            "export download: round {}/{rounds}",
            round + 1
        ));
        // Alternate which side goes first.
        let (a, b) = if round % 2 == 0 {
            let a = spawn(FACADE)?;
            (a, spawn(RAW)?)
        } else {
            let b = spawn(RAW)?;
            (spawn(FACADE)?, b)
        };
        figures.facade_peak_kib = figures.facade_peak_kib.max(a.peak_kib);
        figures.facade_start_kib = figures.facade_start_kib.max(a.start_kib);
        figures.raw_peak_kib = figures.raw_peak_kib.max(b.peak_kib);
        figures.throughput.push(a.sample(), b.sample());
    }
    Ok(figures)
}

/// Bytes in a MiB.
pub(crate) const MIB: f64 = 1024.0 * 1024.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_round_trip() {
        let report = ChildReport {
            bytes: 7,
            seconds: 0.5,
            cpu_seconds: 0.25,
            start_kib: 100,
            peak_kib: 200,
        };
        let parsed = ChildReport::parse(&format!("noise\n{}\n", report.line())).expect("parses");
        assert_eq!(
            (parsed.bytes, parsed.start_kib, parsed.peak_kib),
            (7, 100, 200)
        );
        assert!(ChildReport::parse("nothing").is_err());
    }

    #[test]
    fn peak_rss_is_readable() {
        assert!(peak_rss_kib().expect("VmHWM") > 0);
    }
}
