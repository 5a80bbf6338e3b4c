//! `POST /search` over the events ingested into an account: the datasets of `from` (names or ids; none: every
//! dataset), the time range (`time_range` "Last N units", or `from_ts`/`to_ts`), `where`, the `select`
//! projection (the legacy `result` rows, beside whole `events`), `limit` (the most events the search returns),
//! pages of `per_page` linked by a `pagination_token`, and the aggregates of [`crate::aggregate`]. Every other
//! member, and every form the sandbox does not read, is a `501` naming it.

use httpmock::HttpMockResponse;
use serde_json::{Map, Value, json};

use crate::aggregate::{self, Aggregate};
use crate::query::{self, Refusal, field};
use crate::reply;
use crate::state::{Account, Stored, now_millis};

/// Members of a search body the sandbox reads (or, for `timeline_enabled: false` and `explain_only: false`,
/// accepts as the defaults they are).
const KNOWN: [&str; 14] = [
    "from",
    "time_range",
    "from_ts",
    "to_ts",
    "where",
    "select",
    "groups",
    "limit",
    "num_of_slices",
    "per_page",
    "pagination_token",
    "async_enabled",
    "most_recent_first",
    "explain_only",
];

/// What a search asks for, read and checked.
#[derive(Debug)]
pub(crate) struct Query {
    datasets: Option<Vec<String>>,
    from_ms: Option<i64>,
    to_ms: i64,
    condition: query::Condition,
    select: Vec<String>,
    aggregate: Option<Aggregate>,
    groups: Vec<String>,
    limit: usize,
    slices: usize,
    per_page: Option<usize>,
    most_recent_first: bool,
}

fn refusal(refused: Refusal) -> HttpMockResponse {
    match refused {
        Refusal::Unsupported(what) => reply::not_implemented(&what),
        Refusal::Malformed(why) => reply::error(400, &why),
    }
}

pub(crate) fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Value::String(text) => vec![text.clone()],
        _ => Vec::new(),
    }
}

/// Reads a search body, refusing what the sandbox does not implement.
pub(crate) fn read(body: &Value) -> Result<Query, HttpMockResponse> {
    let Some(members) = body.as_object() else {
        return Err(reply::error(400, "the search body is not a JSON object"));
    };
    for (name, value) in members {
        let default = matches!(
            (name.as_str(), value),
            ("timeline_enabled" | "explain_only", Value::Bool(false))
        );
        if !KNOWN.contains(&name.as_str()) && !default && !value.is_null() {
            return Err(reply::not_implemented(&format!(
                "the search member `{name}`"
            )));
        }
    }
    if body["explain_only"] == true {
        return Err(reply::not_implemented(
            "the search member `explain_only: true`",
        ));
    }
    let now = now_millis();
    let (from_ms, to_ms) = match (
        body["from_ts"].as_i64(),
        body["to_ts"].as_i64(),
        body["time_range"].as_str(),
    ) {
        (None, None, None) => (None, now + 1),
        (None, None, Some(range)) => match query::relative_range(range) {
            Some(length) => (Some(now - length), now + 1),
            None => {
                return Err(reply::not_implemented(&format!(
                    "the time range `{range}` (only \"Last N minutes|hours|days|weeks\")"
                )));
            }
        },
        (from, to, None) => (from, to.unwrap_or(now + 1)),
        (_, _, Some(_)) => {
            return Err(reply::error(
                400,
                "`time_range` and `from_ts`/`to_ts` exclude each other",
            ));
        }
    };
    let condition = query::parse(body["where"].as_str().unwrap_or("")).map_err(refusal)?;
    let select = strings(&body["select"]);
    let mut aggregate = None;
    for expression in &select {
        match aggregate::parse(expression) {
            None => {}
            Some(Err(what)) => return Err(reply::not_implemented(&what)),
            Some(Ok(parsed)) if aggregate.is_none() => aggregate = Some(parsed),
            Some(Ok(_)) => {
                return Err(reply::not_implemented(
                    "more than one aggregate in one select",
                ));
            }
        }
    }
    if aggregate.is_some() && select.len() > 1 {
        return Err(reply::not_implemented("an aggregate selected beside keys"));
    }
    let groups = strings(&body["groups"]);
    if aggregate.is_none() && !groups.is_empty() {
        return Err(reply::not_implemented(
            "`groups` without an aggregate in select",
        ));
    }
    if groups.len() > 2 {
        return Err(reply::not_implemented(
            "more than two `groups` keys (the answer's nested groups_series has one level)",
        ));
    }
    let limit = body["limit"].as_u64().unwrap_or(100).clamp(1, 10_000) as usize;
    Ok(Query {
        datasets: body.get("from").filter(|f| !f.is_null()).map(strings),
        from_ms,
        to_ms,
        condition,
        select,
        aggregate,
        groups,
        limit,
        slices: body["num_of_slices"].as_u64().unwrap_or(10).clamp(1, 1440) as usize,
        per_page: body["per_page"]
            .as_u64()
            .map(|n| n.clamp(1, 10_000) as usize),
        most_recent_first: body["most_recent_first"] == true,
    })
}

/// The dataset names `from` names in `account` (an id or a name); `Err` names one the account lacks.
fn datasets(account: &Account, wanted: &Option<Vec<String>>) -> Result<Vec<String>, String> {
    let Some(wanted) = wanted else {
        return Ok(account.events.keys().cloned().collect());
    };
    wanted
        .iter()
        .map(|name| {
            if let Some(dataset) = account.datasets.iter().find(|d| d["id"] == name.as_str()) {
                return Ok(dataset["dataset"].as_str().unwrap_or_default().to_string());
            }
            let known = account.events.contains_key(name)
                || account
                    .datasets
                    .iter()
                    .any(|d| d["dataset"] == name.as_str());
            if known {
                Ok(name.clone())
            } else {
                Err(name.clone())
            }
        })
        .collect()
}

/// An event as the search answers it: its line as `@raw`, its fields as string attributes, time and sequence.
pub(crate) fn render(event: &Stored, raw: bool) -> Value {
    let attributes: Map<String, Value> = event
        .fields
        .iter()
        .map(|(key, value)| {
            (
                key.clone(),
                Value::String(
                    value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_string),
                ),
            )
        })
        .collect();
    let time = chrono::DateTime::from_timestamp_millis(event.time_ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
        .unwrap_or_default();
    json!({
        "@raw": if raw { Value::String(event.raw.clone()) } else { Value::Null },
        "@time": time,
        "@status": event.fields.get("level").and_then(Value::as_str).unwrap_or("info"),
        "attributes": attributes,
        "message_kvs": {},
        "metadata": {"sequence": event.sequence, "timestamp": event.time_ms},
    })
}

/// The whole answer of a search, before paging: for an event search the events and their projection rows, for
/// an aggregate the aggregate's answer.
pub(crate) enum Answer {
    Events(Vec<(Value, Value)>),
    Aggregate(Value),
}

/// Runs `query` over `account`.
pub(crate) fn run(query: &Query, account: &Account) -> Result<Answer, HttpMockResponse> {
    let names = datasets(account, &query.datasets)
        .map_err(|name| reply::error(404, &format!("no dataset `{name}` in this account")))?;
    let mut events: Vec<&Stored> = names
        .iter()
        .flat_map(|name| account.events.get(name).into_iter().flatten())
        .filter(|event| {
            query.from_ms.is_none_or(|from| event.time_ms >= from) && event.time_ms < query.to_ms
        })
        .filter(|event| query.condition.matches(&event.fields))
        .collect();
    events.sort_by_key(|event| (event.time_ms, event.sequence));
    if let Some(aggregate) = &query.aggregate {
        let from_ms = query
            .from_ms
            .unwrap_or_else(|| events.first().map_or(query.to_ms - 1, |e| e.time_ms));
        let request = aggregate::Request {
            aggregate: aggregate.clone(),
            groups: query.groups.clone(),
            limit: query.limit,
            slices: query.slices,
            from_ms,
            to_ms: query.to_ms,
        };
        return Ok(Answer::Aggregate(aggregate::answer(&request, &events)));
    }
    if query.most_recent_first {
        events.reverse();
    }
    events.truncate(query.limit);
    let star = query.select.iter().any(|s| s == "*");
    let raw = !star || query.select.iter().any(|s| s == "@raw");
    let mut columns: Vec<String> = query.select.iter().filter(|s| *s != "*").cloned().collect();
    if star {
        for event in &events {
            for key in event.fields.keys() {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
    }
    Ok(Answer::Events(
        events
            .iter()
            .map(|event| {
                let whole = render(event, raw);
                let row: Map<String, Value> = columns
                    .iter()
                    .map(|column| {
                        let value = match column.as_str() {
                            "@raw" => whole["@raw"].clone(),
                            "@time" => whole["@time"].clone(),
                            key => field(&event.fields, key).cloned().unwrap_or(Value::Null),
                        };
                        (column.clone(), value)
                    })
                    .collect();
                (whole, Value::Object(row))
            })
            .collect(),
    ))
}

/// The page size of `query` (its `per_page`, else its `limit`).
pub(crate) fn page_size(query: &Query) -> usize {
    query.per_page.unwrap_or(query.limit)
}
