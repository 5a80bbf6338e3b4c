//! [`PacingPolicy`]: what a caller sets of the rate governor's pacing (on or off, the reserve, when to spread).

use std::time::Duration;

/// How the rate governor paces a tenant's requests (see [`crate::stack`] for where it sits).
///
/// ```
/// use std::time::Duration;
/// use client_runtime::PacingPolicy;
///
/// // Leave 10 requests of every window to the other services that share the key.
/// let policy = PacingPolicy::default().reserve(10);
/// assert_eq!(policy.reserve_requests(), 10);
/// assert!(!PacingPolicy::off().is_enabled());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PacingPolicy {
    pub(super) enabled: bool,
    pub(super) reserve: u64,
    pub(super) spread_below: f64,
    pub(super) max_predicted_wait: Duration,
}

impl Default for PacingPolicy {
    /// On, no reserve, spreading below half of the window's limit, predictions waited on for at most 5 s.
    fn default() -> Self {
        Self {
            enabled: true,
            reserve: 0,
            spread_below: 0.5,
            max_predicted_wait: Duration::from_secs(5),
        }
    }
}

impl PacingPolicy {
    /// No pacing: every request is sent and the server's refusals are left to the retry policy.
    pub fn off() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// Requests of each window this client leaves unspent, for the other services sharing the key (default 0).
    pub fn reserve(mut self, requests: u64) -> Self {
        self.reserve = requests;
        self
    }

    /// Below this fraction of the window's limit (default 0.5; 0 never spreads), requests are spaced so that
    /// what is left lasts until the reset.
    pub fn spread_below(mut self, fraction: f64) -> Self {
        self.spread_below = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self
    }

    /// The longest wait on a prediction that other users have spent the window (default 5 s).
    pub fn max_predicted_wait(mut self, wait: Duration) -> Self {
        self.max_predicted_wait = wait;
        self
    }

    /// `true` unless built with [`PacingPolicy::off`].
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// The reserve, in requests.
    pub fn reserve_requests(&self) -> u64 {
        self.reserve
    }
}
