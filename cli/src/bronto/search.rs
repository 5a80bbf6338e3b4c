//! `bronto search`: a search's events, page after page ([`sdk::Bronto::search_pages`]), in the chosen format.
//! Sequence numbers are printed exactly as the service sent them.

use std::num::NonZeroU64;

use futures::TryStreamExt as _;
use sdk::bronto_api::types::CreateSearchRequest;
use serde_json::Value;

use crate::exit::UsageError;
use crate::output::{Format, RecordWriter};
use crate::session::{GlobalArgs, Session};

/// The selection when `--select` is not given: the whole event.
pub const DEFAULT_SELECT: &str = "@raw";

/// What to search: the where clause, the datasets and the time range (shared by `search`, `tail` and `export`).
#[derive(Debug, Clone, clap::Args)]
pub struct QueryArgs {
    /// The where clause, in Bronto's query language (e.g. "level = 'error'"); default: every event.
    #[arg(value_name = "WHERE")]
    pub where_clause: Option<String>,
    /// The datasets (log ids) to search; repeat or separate with commas. Under --sandbox: the sandbox's dataset.
    #[arg(long, value_delimiter = ',', value_name = "LOG_ID")]
    pub from: Vec<String>,
    /// A relative time range in Bronto's words ("Last 24 hours").
    #[arg(long, value_name = "RANGE", conflicts_with = "since")]
    pub time_range: Option<String>,
    /// A relative time range as a duration: 15m, 1h, 7d.
    #[arg(long, value_name = "DURATION", value_parser = crate::time_range::since)]
    pub since: Option<String>,
}

impl QueryArgs {
    /// The datasets: `--from`, or the sandbox's dataset under `--sandbox`; a usage error when there are none.
    pub fn datasets(&self, session: &Session) -> anyhow::Result<Vec<String>> {
        if !self.from.is_empty() {
            return Ok(self.from.clone());
        }
        if session.is_sandbox() {
            return Ok(vec![vendor_sandbox::SANDBOX_DATASET.to_string()]);
        }
        Err(UsageError("name the datasets to search with --from LOG_ID[,LOG_ID...]".into()).into())
    }

    /// The time range: `--time-range`, or `--since` in Bronto's words.
    pub fn time_range(&self) -> Option<String> {
        self.time_range.clone().or_else(|| self.since.clone())
    }

    /// The search request for this query.
    pub fn request(
        &self,
        session: &Session,
        select: &[String],
        per_page: Option<NonZeroU64>,
    ) -> anyhow::Result<CreateSearchRequest> {
        // The document requires a selection; `@raw` (the whole event) is always available.
        let select = if select.is_empty() {
            vec![DEFAULT_SELECT.to_string()]
        } else {
            select.to_vec()
        };
        let builder = CreateSearchRequest::builder()
            .from(Some(self.datasets(session)?))
            .where_(self.where_clause.clone())
            .time_range(self.time_range())
            .per_page(per_page)
            .select(select);
        let request: CreateSearchRequest = builder.try_into().map_err(sdk::Error::from)?;
        Ok(request)
    }
}

/// `bronto search`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct SearchArgs {
    #[command(flatten)]
    query: QueryArgs,
    /// The columns or expressions to select; repeat or separate with commas (default: @raw, the whole event).
    #[arg(long, value_delimiter = ',', value_name = "EXPR")]
    select: Vec<String>,
    /// Stops after this many events (pages are followed until then).
    #[arg(long, value_name = "N")]
    limit: Option<u64>,
    /// Events per page asked of the service.
    #[arg(long, value_name = "N")]
    per_page: Option<NonZeroU64>,
}

/// An event as a record: the event as the service sent it.
pub fn event_record(event: &sdk::bronto_api::types::Event) -> anyhow::Result<Value> {
    Ok(serde_json::to_value(event)?)
}

/// Runs `bronto search`.
pub async fn run(session: &Session, global: &GlobalArgs, args: SearchArgs) -> anyhow::Result<()> {
    let bronto = session.sdk.bronto()?;
    let request = args.query.request(session, &args.select, args.per_page)?;
    let mut writer = RecordWriter::stdout(Format::records_default(global.output));
    let limit = args.limit.unwrap_or(u64::MAX);
    let mut pages = Box::pin(bronto.search_pages(request));
    let mut printed: u64 = 0;
    'pages: while printed < limit {
        let Some(page) = pages.try_next().await? else {
            break;
        };
        for event in &page.events {
            if printed >= limit {
                break 'pages;
            }
            writer.write(&event_record(event)?)?;
            printed += 1;
        }
    }
    writer.finish()?;
    Ok(())
}
