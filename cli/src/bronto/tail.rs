//! `bronto tail`: follows a search, polling it over a recent window and printing each event once: an event
//! already printed (the same sequence number, or the same event when it has none) is skipped.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use futures::TryStreamExt as _;

use crate::bronto::search::{QueryArgs, event_record};
use crate::output::{Format, RecordWriter};
use crate::session::{GlobalArgs, Session};

/// How many printed events are remembered for deduplication.
const REMEMBERED: usize = 100_000;

/// `bronto tail`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct TailArgs {
    #[command(flatten)]
    query: QueryArgs,
    /// Seconds before the next poll after one that brought new events; each quiet poll waits 1.5 times longer,
    /// up to --max-interval (every poll spends the account's shared request budget).
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    interval: f64,
    /// The longest wait between two polls, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    max_interval: f64,
    /// Stops after this many polls (default: until interrupted).
    #[arg(long, value_name = "N")]
    polls: Option<u64>,
}

/// Events already printed, by sequence number (or by content for an event without one), bounded.
#[derive(Debug, Default)]
pub struct Seen {
    keys: HashSet<String>,
    order: VecDeque<String>,
}

impl Seen {
    /// `true` the first time `key` is offered.
    pub fn first(&mut self, key: String) -> bool {
        if !self.keys.insert(key.clone()) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > REMEMBERED
            && let Some(oldest) = self.order.pop_front()
        {
            self.keys.remove(&oldest);
        }
        true
    }
}

/// The key an event is deduplicated by.
fn key(event: &sdk::bronto_api::types::Event, record: &serde_json::Value) -> String {
    match event
        .metadata
        .as_ref()
        .and_then(|metadata| metadata.sequence)
    {
        Some(sequence) => format!("seq:{sequence}"),
        None => format!("event:{record}"),
    }
}

/// Runs `bronto tail`.
pub async fn run(session: &Session, global: &GlobalArgs, args: TailArgs) -> anyhow::Result<()> {
    let bronto = session.sdk.bronto()?;
    let mut query = args.query.clone();
    if query.time_range().is_none() {
        query.time_range = Some("Last 5 minutes".into());
    }
    let request = query.request(session, &[], None)?;
    // Lines as they come: a table would wait for the end, which a tail never reaches.
    let format = match Format::records_default(global.output) {
        Format::Table | Format::Json => Format::Jsonl,
        other => other,
    };
    let mut writer = RecordWriter::stdout(format);
    let interval =
        Duration::try_from_secs_f64(args.interval.max(0.0)).unwrap_or(Duration::from_secs(2));
    let max_interval =
        Duration::try_from_secs_f64(args.max_interval.max(0.0)).unwrap_or(Duration::from_secs(30));
    let schedule = sdk::PollSchedule::new(interval, 1.5, max_interval);
    let mut waits = schedule.waits();
    let mut seen = Seen::default();
    let mut polls = 0u64;
    loop {
        polls += 1;
        let mut fresh = Vec::new();
        let mut events = Box::pin(bronto.search_events(request.clone()));
        while let Some(event) = events.try_next().await? {
            let record = event_record(&event)?;
            if seen.first(key(&event, &record)) {
                let metadata = event.metadata.as_ref();
                let timestamp = metadata.and_then(|m| m.timestamp).or(event.timestamp);
                fresh.push((timestamp, metadata.and_then(|m| m.sequence), record));
            }
        }
        // Oldest first, as a log reads.
        fresh.sort_by_key(|(timestamp, sequence, _)| (*timestamp, *sequence));
        for (_, _, record) in &fresh {
            writer.write(record)?;
        }
        if args.polls.is_some_and(|limit| polls >= limit) {
            break;
        }
        if !fresh.is_empty() {
            // Something is happening: back to the first interval.
            waits = schedule.waits();
        }
        tokio::time::sleep(waits.next().unwrap_or(max_interval)).await;
    }
    writer.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_seen_once() {
        let mut seen = Seen::default();
        assert!(seen.first("seq:1".into()));
        assert!(!seen.first("seq:1".into()));
        assert!(seen.first("seq:2".into()));
    }
}
