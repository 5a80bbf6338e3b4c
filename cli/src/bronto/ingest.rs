//! `bronto ingest FILE...|-`: sends events to Bronto's ingestion endpoint through the SDK's ingestion client
//! ([`sdk::Sdk::ingestion`]: batching, compression, retries, nothing lost silently). Each non-empty line is an
//! event: a JSON object as it is (NDJSON), anything else as the event's `message`. A bar shows the bytes read and
//! the events sent; the final report says what was sent and what failed, and the exit code is 8 when anything
//! failed.

use std::path::PathBuf;

use anyhow::Context as _;
use sdk::ingest::Event;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncRead, BufReader};

use crate::exit::{Incomplete, UsageError};
use crate::output::Format;
use crate::progress::Progress;
use crate::session::{GlobalArgs, Session};

/// `bronto ingest`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct IngestArgs {
    /// Files of events, one per line (NDJSON or plain text); `-` reads standard input.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// The dataset the events go to.
    #[arg(long, value_name = "NAME")]
    dataset: Option<String>,
    /// The collection the dataset belongs to.
    #[arg(long, value_name = "NAME")]
    collection: Option<String>,
    /// Tags for every event, as key=value; repeat or separate with commas.
    #[arg(long = "tag", value_delimiter = ',', value_name = "KEY=VALUE")]
    tags: Vec<String>,
}

/// The event a line holds: a JSON object as it is, anything else as the message.
fn event_of(line: &str) -> Event {
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(fields)) => Event::from(fields),
        _ => Event::new(line),
    }
}

/// Runs `bronto ingest`.
pub async fn run(session: &Session, global: &GlobalArgs, args: IngestArgs) -> anyhow::Result<()> {
    let mut config = session.sdk.ingestion()?;
    if let Some(dataset) = &args.dataset {
        config = config.dataset(dataset);
    }
    if let Some(collection) = &args.collection {
        config = config.collection(collection);
    }
    for tag in &args.tags {
        let (key, value) = tag
            .split_once('=')
            .ok_or_else(|| UsageError(format!("the tag `{tag}` is not KEY=VALUE")))?;
        config = config.tag(key, value);
    }
    let ingestor = config.build().map_err(sdk::Error::from)?;

    let total: Option<u64> = args
        .files
        .iter()
        .map(|path| {
            (path.as_os_str() != "-")
                .then(|| std::fs::metadata(path).ok().map(|meta| meta.len()))
                .flatten()
        })
        .sum();
    let progress = Progress::new(global.quiet);
    let bar = progress.bytes(total, "reading");

    let mut rejected: u64 = 0;
    let mut rejections: Vec<String> = Vec::new();
    let mut lines_read: u64 = 0;
    for path in &args.files {
        let reader: Box<dyn AsyncRead + Unpin + Send> = if path.as_os_str() == "-" {
            Box::new(tokio::io::stdin())
        } else {
            Box::new(
                tokio::fs::File::open(path)
                    .await
                    .with_context(|| format!("opening {}", path.display()))?,
            )
        };
        let mut lines = BufReader::new(reader).lines();
        while let Some(line) = lines
            .next_line()
            .await
            .with_context(|| format!("reading {}", path.display()))?
        {
            bar.inc(line.len() as u64 + 1);
            lines_read += 1;
            if line.trim().is_empty() {
                continue;
            }
            if let Err(error) = ingestor.send(event_of(&line)).await {
                match error.event_error() {
                    Some(reason) => {
                        rejected += 1;
                        if rejections.len() < 5 {
                            rejections.push(format!("{}:{lines_read}: {reason}", path.display()));
                        }
                    }
                    None => return Err(sdk::Error::from(error).into()),
                }
            }
            if lines_read.is_multiple_of(256) {
                let stats = ingestor.stats();
                bar.set_message(format!("{} sent of {}", stats.sent, stats.accepted));
            }
        }
    }
    bar.set_message("delivering");
    let report = ingestor.close().await;
    bar.finish_and_clear();

    let format = Format::records_default(global.output);
    match format {
        Format::Json | Format::Jsonl => {
            let summary = json!({
                "accepted": report.accepted,
                "sent": report.sent,
                "failed": report.failed,
                "rejected": rejected,
                "failed_by_reason": report.failed_by_reason,
                "requests": report.requests,
                "retried_requests": report.retried_requests,
            });
            println!("{summary}");
        }
        Format::Table | Format::Csv => println!("{report}, rejected {rejected}"),
    }
    for rejection in &rejections {
        eprintln!("rejected: {rejection}");
    }
    if report.failed > 0 || rejected > 0 || report.pending() > 0 {
        return Err(Incomplete(format!(
            "{} of {} events were not ingested",
            report.failed + rejected + report.pending(),
            report.accepted + rejected
        ))
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_are_events_and_other_lines_are_messages() {
        assert_eq!(
            event_of(r#"{"message": "m", "level": "error"}"#).fields()["level"],
            json!("error")
        );
        assert_eq!(event_of("plain text").message(), Some("plain text"));
        assert_eq!(event_of("[1, 2]").message(), Some("[1, 2]"));
    }
}
