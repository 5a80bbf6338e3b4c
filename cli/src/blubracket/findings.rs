//! `blubracket alerts`, `events` and `audit`: the records matching filters, page after page
//! ([`sdk::BluBracket::alerts`], `events`, `audit_records`), in the chosen format.
//!
//! Filters are `--filter id=OP:value,...`: `state=EQ:ACTIVE`, `severity=NEQ:low`, several values of one filter
//! separated by `|` (`severity=EQ:critical|high`); without `OP:` the service's default (any of the values) applies.

use std::num::NonZeroU32;

use futures::{Stream, StreamExt as _, TryStreamExt as _};
use sdk::blubracket_api::types::{Filter, FilterOperator, SearchRequest};
use serde_json::Value;

use crate::exit::UsageError;
use crate::output::{Format, RecordWriter};
use crate::session::{GlobalArgs, Session};

/// The operators a filter may name.
const OPERATORS: &[&str] = &[
    "EQ",
    "NEQ",
    "GT",
    "GE",
    "LT",
    "LE",
    "LIKE",
    "ILIKE",
    "NEQ_NULL_AWARE",
];

/// Which records to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Findings {
    /// Alerts (`searchAlerts`).
    Alerts,
    /// Events (`searchEvents`).
    Events,
    /// System-audit records (`searchSystemAudit`).
    Audit,
}

/// The arguments of `alerts`, `events` and `audit`.
#[derive(Debug, Clone, clap::Args)]
pub struct FindingsArgs {
    /// Filters as id=OP:value (OP one of EQ, NEQ, GT, GE, LT, LE, LIKE, ILIKE, NEQ_NULL_AWARE; values of one
    /// filter separated by `|`); repeat or separate with commas. Filters are ANDed.
    #[arg(long = "filter", value_delimiter = ',', value_name = "ID=OP:VALUE")]
    filters: Vec<String>,
    /// Stops after this many records (pages are followed until then).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Records per page asked of the service.
    #[arg(long, value_name = "N")]
    page_size: Option<NonZeroU32>,
}

/// Parses one `id=OP:value|value` filter.
///
/// ```
/// let filter = cli::blubracket::findings::parse_filter("severity=EQ:critical|high").unwrap();
/// assert_eq!(filter.id, "severity");
/// assert_eq!(filter.value, ["critical", "high"]);
/// assert!(cli::blubracket::findings::parse_filter("state").is_err());
/// ```
pub fn parse_filter(text: &str) -> Result<Filter, UsageError> {
    let (id, rest) = text
        .split_once('=')
        .filter(|(id, _)| !id.trim().is_empty())
        .ok_or_else(|| UsageError(format!("the filter `{text}` is not id=OP:value")))?;
    let (op, values) = match rest.split_once(':') {
        Some((op, values)) if OPERATORS.contains(&op.to_ascii_uppercase().as_str()) => {
            (Some(op.to_ascii_uppercase()), values)
        }
        _ => (None, rest),
    };
    let values: Vec<&str> = values.split('|').collect();
    let filter = Filter::new(id.trim(), values);
    Ok(match op {
        Some(op) => filter.with_op(
            FilterOperator::try_from(op.as_str())
                .map_err(|e| UsageError(format!("the filter `{text}`: {e}")))?,
        ),
        None => filter,
    })
}

/// Runs `alerts`, `events` or `audit`.
pub async fn run(
    session: &Session,
    global: &GlobalArgs,
    findings: Findings,
    args: FindingsArgs,
) -> anyhow::Result<()> {
    let blubracket = session.sdk.blubracket()?;
    let filters = args
        .filters
        .iter()
        .map(|text| parse_filter(text))
        .collect::<Result<Vec<_>, _>>()?;
    let mut request = SearchRequest::new(filters);
    if let Some(size) = args.page_size {
        request = request.with_limit(size.get());
    }
    let records: std::pin::Pin<Box<dyn Stream<Item = Result<Value, sdk::Error>> + Send>> =
        match findings {
            Findings::Alerts => Box::pin(blubracket.alerts(request).map(as_value)),
            Findings::Events => Box::pin(blubracket.events(request).map(as_value)),
            Findings::Audit => Box::pin(blubracket.audit_records(request).map(as_value)),
        };
    let mut records = records.take(args.limit.unwrap_or(usize::MAX));
    let mut writer = RecordWriter::stdout(Format::records_default(global.output));
    while let Some(record) = records.try_next().await? {
        writer.write(&record)?;
    }
    writer.finish()?;
    Ok(())
}

fn as_value<T: serde::Serialize>(item: Result<T, sdk::Error>) -> Result<Value, sdk::Error> {
    item.and_then(|item| {
        serde_json::to_value(item).map_err(|e| {
            sdk::Error::new(sdk::ErrorKind::Decode).message(format!("re-encoding a record: {e}"))
        })
    })
}
