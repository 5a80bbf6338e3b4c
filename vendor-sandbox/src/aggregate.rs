//! Aggregate searches (`count(*)`, `avg`/`min`/`max`/`sum` of a field), with `groups` and `num_of_slices`, in the
//! service's response shape as the live-shape corpus records it: `totals` with `count`, the aggregate's own key and
//! `timeseries` of numeric `@timestamp` slices (tests/live-shapes/bronto/search-timeseries-totals-numeric-timestamp
//! .json, search-full-envelope-live-members.json); `groups_series` with `key`, `name`, `count`, `stat`, `value`,
//! `timeseries` and nested `groups_series` (search-timeseries-groups-series.json); the legacy `groups` with a
//! bracketed `group` string (search-groups-bracketed-string.json) and `result` rows with stringly `@timestamp` and
//! value (search-timeseries-result-rows-stringly.json).

use serde_json::{Map, Value, json};

use crate::query::field;
use crate::state::Stored;

/// An aggregate of the `select` list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Aggregate {
    /// The expression as sent (`count(*)`, `avg(latency_ms)`): the key of its value in the answer.
    pub(crate) expression: String,
    function: &'static str,
    key: Option<String>,
}

/// `Some(Ok)` for an aggregate the sandbox computes, `Some(Err(name))` for a function it lacks, `None` for a key.
pub(crate) fn parse(expression: &str) -> Option<Result<Aggregate, String>> {
    let (name, rest) = expression.split_once('(')?;
    let argument = rest.strip_suffix(')')?.trim().trim_matches('"').to_string();
    let function = match name.trim().to_ascii_lowercase().as_str() {
        "count" if argument == "*" || argument.is_empty() => "count",
        "avg" | "average" => "avg",
        "max" => "max",
        "min" => "min",
        "sum" => "sum",
        other => return Some(Err(format!("the aggregate `{other}(...)`"))),
    };
    Some(Ok(Aggregate {
        expression: expression.to_string(),
        function,
        key: (function != "count").then_some(argument),
    }))
}

impl Aggregate {
    /// The aggregate over `events` (`None` when no event has a numeric value for the field).
    fn value(&self, events: &[&Stored]) -> Option<f64> {
        let Some(key) = &self.key else {
            return Some(events.len() as f64);
        };
        let values: Vec<f64> = events
            .iter()
            .filter_map(|event| field(&event.fields, key))
            .filter_map(|v| {
                v.as_f64()
                    .or_else(|| v.as_str().and_then(|t| t.parse().ok()))
            })
            .collect();
        if values.is_empty() {
            return None;
        }
        Some(match self.function {
            "avg" => values.iter().sum::<f64>() / values.len() as f64,
            "max" => values.iter().copied().fold(f64::MIN, f64::max),
            "min" => values.iter().copied().fold(f64::MAX, f64::min),
            _ => values.iter().sum(),
        })
    }
}

/// What an aggregate search asks: the aggregate, the group keys, the top-group limit, the slices and the range.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) aggregate: Aggregate,
    pub(crate) groups: Vec<String>,
    pub(crate) limit: usize,
    pub(crate) slices: usize,
    pub(crate) from_ms: i64,
    pub(crate) to_ms: i64,
}

fn slices(request: &Request, events: &[&Stored]) -> Vec<Value> {
    let span = (request.to_ms - request.from_ms).max(1);
    let count = request.slices.max(1) as i64;
    let width = (span + count - 1) / count;
    (0..count)
        .map(|index| {
            let start = request.from_ms + index * width;
            let inside: Vec<&Stored> = events
                .iter()
                .copied()
                .filter(|event| event.time_ms >= start && event.time_ms < start + width)
                .collect();
            json!({"@timestamp": start, "count": inside.len(), "quantiles": {}, "value": request.aggregate.value(&inside)})
        })
        .collect()
}

fn group_name(event: &Stored, key: &str) -> Value {
    field(&event.fields, key).map_or(Value::Null, |v| {
        Value::String(v.as_str().map_or_else(|| v.to_string(), str::to_string))
    })
}

/// Groups of `events` by `key`, largest aggregate first (then by name), with their events.
fn grouped<'a>(
    events: &[&'a Stored],
    key: &str,
    aggregate: &Aggregate,
) -> Vec<(Value, Vec<&'a Stored>, Option<f64>)> {
    let mut groups: Vec<(Value, Vec<&'a Stored>)> = Vec::new();
    for event in events {
        let name = group_name(event, key);
        match groups.iter_mut().find(|(known, _)| *known == name) {
            Some((_, members)) => members.push(event),
            None => groups.push((name, vec![event])),
        }
    }
    let mut valued: Vec<_> = groups
        .into_iter()
        .map(|(name, members)| {
            let value = aggregate.value(&members);
            (name, members, value)
        })
        .collect();
    valued.sort_by(|a, b| {
        b.2.unwrap_or(f64::MIN)
            .total_cmp(&a.2.unwrap_or(f64::MIN))
            .then_with(|| a.0.to_string().cmp(&b.0.to_string()))
    });
    valued
}

/// The second group key's groups under a first-level group: `name`, `count`, `value` (the nested item of the
/// corpus, which carries no `key` and no deeper level).
fn nested(events: &[&Stored], keys: &[String], aggregate: &Aggregate) -> Vec<Value> {
    let Some(key) = keys.first() else {
        return Vec::new();
    };
    grouped(events, key, aggregate)
        .into_iter()
        .map(|(name, members, value)| json!({"name": name, "count": members.len(), "value": value}))
        .collect()
}

/// Java's `Date.toString()` form that the legacy `result` rows carry (`Wed Jul 22 05:42:55 UTC 2026`).
fn java_date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%a %b %d %H:%M:%S UTC %Y").to_string())
        .unwrap_or_default()
}

/// The answer to an aggregate search over `events` (already filtered by range and `where`).
pub(crate) fn answer(request: &Request, events: &[&Stored]) -> Value {
    let aggregate = &request.aggregate;
    let total_slices = slices(request, events);
    let mut totals = Map::new();
    totals.insert("count".into(), json!(events.len()));
    if aggregate.function != "count" {
        totals.insert(aggregate.expression.clone(), json!(aggregate.value(events)));
    }
    totals.insert("timeseries".into(), Value::Array(total_slices.clone()));
    let result: Vec<Value> = total_slices
        .iter()
        .map(|slice| {
            let start = slice["@timestamp"].as_i64().unwrap_or_default();
            let value = slice["value"].as_f64().map_or_else(String::new, |v| format!("{v:?}"));
            json!({"@time": java_date(start), "@timestamp": start.to_string(), aggregate.expression.clone(): value})
        })
        .collect();
    let Some((first, rest)) = request.groups.split_first() else {
        return json!({"totals": totals, "result": result, "events": [], "answer": [], "is_exact": true});
    };
    let all = grouped(events, first, aggregate);
    totals.insert("total_groups".into(), json!(all.len() as f64));
    let top: Vec<_> = all.into_iter().take(request.limit.max(1)).collect();
    totals.insert("retrieved_groups".into(), json!(top.len() as f64));
    let mut legacy = Vec::new();
    let series: Vec<Value> = top
        .iter()
        .map(|(name, members, value)| {
            for (inner, count, value) in flatten_groups(name, members, rest, aggregate) {
                legacy.push(json!({"group": format!("[{}]", inner.join(", ")), "count": count, "value": value}));
            }
            json!({
                "key": first, "name": name, "count": members.len(), "stat": aggregate.expression,
                "value": value, "quantiles": {}, "timeseries": slices(request, members),
                "groups_series": nested(members, rest, aggregate),
            })
        })
        .collect();
    json!({"totals": totals, "groups_series": series, "groups": legacy, "events": [], "answer": [], "is_exact": true})
}

/// Every combination of group values under `name` (for the legacy `groups` rows).
fn flatten_groups(
    name: &Value,
    members: &[&Stored],
    keys: &[String],
    aggregate: &Aggregate,
) -> Vec<(Vec<String>, usize, Option<f64>)> {
    let label = name
        .as_str()
        .map_or_else(|| "null".to_string(), str::to_string);
    let Some((key, rest)) = keys.split_first() else {
        return vec![(vec![label], members.len(), aggregate.value(members))];
    };
    grouped(members, key, aggregate)
        .into_iter()
        .flat_map(|(inner, inner_members, _)| {
            flatten_groups(&inner, &inner_members, rest, aggregate)
                .into_iter()
                .map(|(mut labels, count, value)| {
                    labels.insert(0, label.clone());
                    (labels, count, value)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}
