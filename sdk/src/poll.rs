//! How the workflows poll: a wait that starts short, grows by a factor and stops growing at a cap, so a long
//! export or a quiet `bronto tail` costs a few requests of the account's budget, not one every two seconds.
//! Every poll is a call through the runtime, so it also waits on the rate governor when the window is spent.
//!
//! | workflow | first wait | growth | cap |
//! |---|---|---|---|
//! | export ([`ExportOptions`](crate::ExportOptions)) | 2 s | ×1.5 | 30 s |
//! | asynchronous search ([`AsyncSearchOptions`](crate::AsyncSearchOptions)) | 1 s | ×1.5 | 15 s (the service cancels a search not polled for a minute) |
//! | `bronto tail` | 2 s | ×1.5 | 30 s, back to 2 s when new events arrive |
//! | BluBracket commit scan ([`ScanOptions`](crate::ScanOptions)) | 5 s | ×1.5 | 20 s (a finished scan is read at most 20 s late) |
//!
//! (bronto-cli's live suite moved its export polling to 2 s × 1.5 clamped at 30 s for the same reason: fixed
//! polling spent the account's whole budget; its PR #44.)

use std::time::Duration;

/// A growing poll interval: `first`, then ×`growth` each time, at most `cap`.
///
/// ```
/// use std::time::Duration;
/// let waits: Vec<_> = sdk::PollSchedule::export().waits().take(4).collect();
/// assert_eq!(waits, [2.0, 3.0, 4.5, 6.75].map(Duration::from_secs_f64));
/// // An 8-minute export costs 20 status polls instead of 240 at a fixed 2 s.
/// assert_eq!(sdk::PollSchedule::export().polls_within(Duration::from_secs(480)), 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollSchedule {
    first: Duration,
    growth: f64,
    cap: Duration,
}

impl PollSchedule {
    /// `first`, growing by `growth` (at least 1) up to `cap` (at least `first`).
    pub fn new(first: Duration, growth: f64, cap: Duration) -> Self {
        let growth = if growth.is_finite() {
            growth.max(1.0)
        } else {
            1.0
        };
        Self {
            first,
            growth,
            cap: cap.max(first),
        }
    }

    /// An export's: 2 s × 1.5 up to 30 s.
    pub fn export() -> Self {
        Self::new(Duration::from_secs(2), 1.5, Duration::from_secs(30))
    }

    /// An asynchronous search's: 1 s × 1.5 up to 15 s, well inside the minute after which the service cancels a
    /// search nobody polls.
    pub fn search() -> Self {
        Self::new(Duration::from_secs(1), 1.5, Duration::from_secs(15))
    }

    /// A BluBracket commit scan's: 5 s × 1.5 up to 20 s. BluBracket documents no request budget, but the runtime
    /// (and the tenant) is shared, so a long scan costs a few polls a minute rather than twelve.
    pub fn scan() -> Self {
        Self::new(Duration::from_secs(5), 1.5, Duration::from_secs(20))
    }

    /// `bronto tail`'s: 2 s × 1.5 up to 30 s.
    pub fn tail() -> Self {
        Self::export()
    }

    /// The same schedule with every wait divided by `factor` (for tests that run hours in seconds).
    pub fn scaled(self, factor: u32) -> Self {
        let factor = factor.max(1);
        Self::new(self.first / factor, self.growth, self.cap / factor)
    }

    /// The first wait.
    pub fn first(&self) -> Duration {
        self.first
    }

    /// The longest wait.
    pub fn cap(&self) -> Duration {
        self.cap
    }

    /// The waits, one per poll, endless.
    pub fn waits(&self) -> impl Iterator<Item = Duration> + use<> {
        let (growth, cap) = (self.growth, self.cap);
        std::iter::successors(Some(self.first), move |wait| {
            Some(wait.mul_f64(growth).min(cap))
        })
    }

    /// How many polls the schedule makes in `span`: what a workflow that waits that long promises to cost.
    pub fn polls_within(&self, span: Duration) -> u32 {
        let mut elapsed = Duration::ZERO;
        let mut polls = 0;
        for wait in self.waits() {
            elapsed += wait;
            if elapsed > span || wait.is_zero() && polls > 1_000_000 {
                break;
            }
            polls += 1;
        }
        polls
    }
}
