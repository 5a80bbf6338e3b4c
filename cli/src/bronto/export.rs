//! `bronto export`: creates an export of a search ([`sdk::Bronto::export_to`]), waits for it with a bar of the
//! export's percent, then downloads it, decompressed, with a bar of the bytes written, to a file or standard
//! output: as exported (NDJSON, `-o jsonl` or no `-o`), or converted to `-o json` (one array), `-o csv` (a header
//! of every key, nested keys dotted) or `-o table`. A conversion holds the export in memory; `--stored` takes no
//! `-o` but `jsonl`.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use indicatif::ProgressBar;
use sdk::ExportOptions;
use sdk::bronto_api::types::{CreateExportDetails, CreateExportDetailsFrom, CreateExportRequest};
use tokio::io::AsyncWrite;

use crate::bronto::search::QueryArgs;
use crate::exit::UsageError;
use crate::output::{Format, RecordWriter};
use crate::progress::Progress;
use crate::session::{GlobalArgs, Session};

/// `bronto export`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    query: QueryArgs,
    /// Writes the export to this file (default: standard output).
    #[arg(short = 'f', long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// Writes the stored object as downloaded (Zstandard-compressed on the live service) instead of its data.
    #[arg(long)]
    stored: bool,
    /// Seconds between two status polls (default: 2, or 0.2 under --sandbox).
    #[arg(long, value_name = "SECONDS")]
    poll_interval: Option<f64>,
}

/// A writer that advances a progress bar by the bytes written through it.
struct Counting<W> {
    inner: W,
    bar: ProgressBar,
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Counting<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(written)) = &polled {
            self.bar.inc(*written as u64);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Runs `bronto export`.
pub async fn run(session: &Session, global: &GlobalArgs, args: ExportArgs) -> anyhow::Result<()> {
    let bronto = session.sdk.bronto()?;
    let details = CreateExportDetails::builder()
        .from(Some(CreateExportDetailsFrom::from(
            args.query.datasets(session)?,
        )))
        .where_(args.query.where_clause.clone())
        .time_range(args.query.time_range());
    let request: CreateExportRequest = CreateExportRequest::builder()
        .search_details(details)
        .try_into()
        .map_err(sdk::Error::from)?;

    // Data on a terminal and bars on the same terminal would mix: bars only when the data goes elsewhere.
    let progress = if args.file.is_none() && std::io::stdout().is_terminal() {
        Progress::off()
    } else {
        Progress::new(global.quiet)
    };
    let waiting = progress.percent("export: creating");
    let download = progress.bytes_hidden("downloading");

    let default_interval = if session.is_sandbox() { 0.2 } else { 2.0 };
    let interval =
        Duration::try_from_secs_f64(args.poll_interval.unwrap_or(default_interval).max(0.0))
            .unwrap_or(Duration::from_secs(2));
    let mut options = ExportOptions::default().poll_interval(interval);
    if args.stored {
        options = options.stored();
    }
    let on_progress = |state: &sdk::ExportProgress| {
        waiting.set_position(state.percent.clamp(0, 100) as u64);
        let status = state.status.as_ref().map_or_else(
            || "waiting".to_string(),
            |status| status.to_string().to_lowercase(),
        );
        waiting.set_message(format!("export: {status}"));
        if state.status == Some(sdk::bronto_api::types::ExportStatus::Complete) {
            progress.done(&waiting);
            progress.show(&download);
        }
    };

    let convert = match global.output {
        None | Some(Format::Jsonl) => None,
        Some(format) if args.stored => {
            return Err(UsageError(format!(
                "--stored writes the object as stored: -o {} does not apply (leave -o out, or drop --stored)",
                format.name()
            ))
            .into());
        }
        Some(format) => Some(format),
    };
    if let Some(format) = convert {
        let mut writer = Counting {
            inner: Vec::new(),
            bar: download.clone(),
        };
        let outcome = bronto
            .export_to(request, &mut writer, options, on_progress)
            .await;
        if outcome.is_err() {
            waiting.abandon();
            download.abandon();
        }
        let outcome = outcome?;
        progress.done(&download);
        let written = match &args.file {
            Some(path) => {
                let mut file = std::fs::File::create(path)
                    .map_err(|e| anyhow::anyhow!("creating {}: {e}", path.display()))?;
                write_converted(&writer.inner, format, &mut file)?
            }
            None => write_converted(&writer.inner, format, &mut std::io::stdout().lock())?,
        };
        if !global.quiet {
            let target = args.file.as_ref().map_or_else(
                || "standard output".to_string(),
                |path| path.display().to_string(),
            );
            eprintln!(
                "export {}: {written} events written to {target} as {}",
                outcome.export_id,
                format.name()
            );
        }
        return Ok(());
    }

    let outcome = match &args.file {
        Some(path) => {
            let file = tokio::fs::File::create(path)
                .await
                .map_err(|e| anyhow::anyhow!("creating {}: {e}", path.display()))?;
            let mut writer = Counting {
                inner: file,
                bar: download.clone(),
            };
            bronto
                .export_to(request, &mut writer, options, on_progress)
                .await
        }
        None => {
            let mut writer = Counting {
                inner: tokio::io::stdout(),
                bar: download.clone(),
            };
            bronto
                .export_to(request, &mut writer, options, on_progress)
                .await
        }
    };
    if outcome.is_err() {
        waiting.abandon();
        download.abandon();
    }
    let outcome = outcome?;
    progress.done(&download);
    if !global.quiet {
        let target = args.file.as_ref().map_or_else(
            || "standard output".to_string(),
            |path| path.display().to_string(),
        );
        let events = outcome
            .events
            .map_or_else(String::new, |events| format!("{events} events, "));
        let how = if outcome.decompressed {
            format!("decompressed from {} bytes downloaded", outcome.bytes)
        } else {
            "as stored".to_string()
        };
        eprintln!(
            "export {}: {events}{} bytes written to {target} ({how})",
            outcome.export_id, outcome.written
        );
    }
    Ok(())
}

/// Writes the exported NDJSON `data` to `out` as `format` (a line that is not JSON becomes `{"message": line}`);
/// returns the events written.
fn write_converted(
    data: &[u8],
    format: Format,
    out: &mut impl std::io::Write,
) -> anyhow::Result<usize> {
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(data)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|_| serde_json::json!({"message": line}))
        })
        .collect();
    if format == Format::Csv {
        crate::output::write_csv(&events, out)?;
        return Ok(events.len());
    }
    let mut writer = RecordWriter::new(format, out);
    for event in &events {
        writer.write(event)?;
    }
    writer.finish()?;
    Ok(events.len())
}
