//! What the sandbox remembers: accounts (tenants) with their keys, datasets, events, monitors, users and groups;
//! the searches and exports in flight; each account's request budget.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde_json::Value;

/// An event as ingested: its line, its fields (nested objects flattened to dotted keys, as the service does), its
/// time (from its `timestamp`, else the arrival) and a sequence number.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) raw: String,
    pub(crate) original: Value,
    pub(crate) fields: serde_json::Map<String, Value>,
    pub(crate) time_ms: i64,
    pub(crate) sequence: i64,
}

/// One tenant: what its keys see, and nothing of another account's.
#[derive(Debug, Default)]
pub(crate) struct Account {
    /// Keys as `listApiKeys` lists them (the secret shortened to 8 characters).
    pub(crate) api_keys: Vec<Value>,
    pub(crate) datasets: Vec<Value>,
    /// Events by dataset name.
    pub(crate) events: BTreeMap<String, Vec<Stored>>,
    pub(crate) monitors: Vec<Value>,
    pub(crate) users: Vec<Value>,
    pub(crate) groups: Vec<Value>,
    /// Members by group id.
    pub(crate) members: BTreeMap<String, Vec<Value>>,
    pub(crate) budget: Budget,
}

/// What a key may do: its account and roles.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub(crate) account: String,
    pub(crate) key_id: String,
    pub(crate) roles: Vec<String>,
}

impl Grant {
    /// A key whose only roles are ingestion roles: refused (403) by the API, as live.
    pub(crate) fn ingestion_only(&self) -> bool {
        !self.roles.is_empty() && self.roles.iter().all(|role| role == "IngestionApi")
    }

    /// Whether the key may ingest (an ingestion role, or the account's administrator key).
    pub(crate) fn may_ingest(&self) -> bool {
        self.roles
            .iter()
            .any(|role| role == "IngestionApi" || role == "Admin")
    }
}

/// An account's request budget: `limit` requests per `window`, as the service's `RateLimit-*` headers report.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitBudget {
    /// Requests allowed per window.
    pub limit: u64,
    /// The window's length.
    pub window: Duration,
}

impl Default for RateLimitBudget {
    /// 1,000 requests per 5 minutes: generous for tests; the live figure is about 100 per 5 minutes
    /// (bronto-cli PR #44).
    fn default() -> Self {
        Self {
            limit: 1000,
            window: Duration::from_secs(300),
        }
    }
}

/// The budget spent in the current window.
#[derive(Debug)]
pub(crate) struct Budget {
    pub(crate) rule: RateLimitBudget,
    started: Instant,
    spent: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Self::new(RateLimitBudget::default())
    }
}

/// The answer of [`Budget::spend`]: the headers' values, and whether the request may go on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spent {
    pub(crate) allowed: bool,
    pub(crate) limit: u64,
    pub(crate) remaining: u64,
    /// Whole seconds until the window resets (at least 1 while it runs).
    pub(crate) reset_seconds: u64,
}

impl Budget {
    pub(crate) fn new(rule: RateLimitBudget) -> Self {
        Self {
            rule,
            started: Instant::now(),
            spent: 0,
        }
    }

    /// Spends one request of the window (a new window starts when the last one ended).
    pub(crate) fn spend(&mut self) -> Spent {
        if self.started.elapsed() >= self.rule.window {
            self.started = Instant::now();
            self.spent = 0;
        }
        let left = self.rule.window.saturating_sub(self.started.elapsed());
        let reset_seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        let allowed = self.spent < self.rule.limit;
        if allowed {
            self.spent += 1;
        }
        Spent {
            allowed,
            limit: self.rule.limit,
            remaining: self.rule.limit.saturating_sub(self.spent),
            reset_seconds: reset_seconds.max(1),
        }
    }
}

/// A search answered in pages: the matching events fixed when it started, and where the next page begins.
#[derive(Debug, Clone)]
pub(crate) struct Cursor {
    pub(crate) account: String,
    pub(crate) pages: Vec<Value>,
    pub(crate) offset: usize,
    pub(crate) per_page: usize,
    pub(crate) template: Value,
}

/// An asynchronous search: its result, computed when submitted, answered after one "running" poll.
#[derive(Debug, Clone)]
pub(crate) struct AsyncSearch {
    pub(crate) account: String,
    pub(crate) result: Value,
    pub(crate) polls: usize,
}

/// An export: its state as listed, the polls so far, and the stored (Zstandard) object once complete.
#[derive(Debug, Clone)]
pub(crate) struct ExportJob {
    pub(crate) account: String,
    pub(crate) record: Value,
    pub(crate) polls: usize,
    pub(crate) data: Vec<u8>,
}

/// Everything, behind one lock.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) accounts: BTreeMap<String, Account>,
    /// Grants by secret.
    pub(crate) keys: HashMap<String, Grant>,
    pub(crate) cursors: HashMap<String, Cursor>,
    pub(crate) async_searches: HashMap<String, AsyncSearch>,
    pub(crate) exports: BTreeMap<String, ExportJob>,
    /// Stored export objects by export id (what the storage host serves).
    pub(crate) objects: BTreeMap<String, Vec<u8>>,
    pub(crate) last_export: Option<String>,
    pub(crate) budget_rule: RateLimitBudget,
    pub(crate) next_sequence: i64,
}

impl State {
    /// A sequence number unique in the sandbox, above 2^53 as the service's are.
    pub(crate) fn sequence(&mut self) -> i64 {
        self.next_sequence += 1;
        9_100_000_000_000_000 + self.next_sequence
    }

    /// The account `name`, created empty when new.
    pub(crate) fn account(&mut self, name: &str) -> &mut Account {
        let rule = self.budget_rule;
        self.accounts
            .entry(name.to_string())
            .or_insert_with(|| Account {
                budget: Budget::new(rule),
                ..Account::default()
            })
    }
}

/// A fresh id in the form the service hands out (a UUID).
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Milliseconds since the epoch, as the service's timestamps.
pub(crate) fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
