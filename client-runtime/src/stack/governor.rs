//! The rate governor: one per host and credential (a tenant), pacing that tenant's requests from the
//! `RateLimit-*` view the server gave with its latest answers.
//!
//! The budget belongs to the account, and every process using the key spends it. The server's
//! `RateLimit-Remaining` already counts every replica's spending, so pacing from it is fleet-aware without a
//! shared store. The rules, in the order [`Governor::admit`] applies them:
//!
//! 1. **No view yet** (the server never sent the headers, or pacing is off): send.
//! 2. **The window is over** (its reset has passed): one request goes out as a probe; the others wait for its
//!    answer, which brings the new window's view. Callers waiting for a reset therefore do not all wake and race
//!    into the new window.
//! 3. **The window is spent**: what the server said is left, less this process's requests still unanswered, is
//!    at or below the caller's [`PacingPolicy::reserve`]. The call waits for the reset, or, when that would pass
//!    its operation deadline, fails at once (not sent) with the wait named.
//! 4. **Others are spending it**: between two answers of one window, the count fell by more than this process
//!    spent; the difference over the time between the answers is the rate at which other users of the key spend.
//!    When, at that rate, nothing above the reserve is left, the call waits (at most
//!    [`PacingPolicy::max_predicted_wait`], never past the reset) and then sends one probe that refreshes the
//!    view. A prediction never fails a call.
//! 5. **Spread the rest**: below [`PacingPolicy::spread_below`] of the limit, this process spaces its requests so
//!    that what is left above the reserve lasts until the reset.
//!
//! A reserve leaves room for the other services on the key: with `reserve(20)` this client never spends the
//! last 20 requests of a window.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

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
    enabled: bool,
    reserve: u64,
    spread_below: f64,
    max_predicted_wait: Duration,
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

/// What the server last said about the window.
#[derive(Debug, Clone, Copy)]
struct Window {
    limit: Option<u64>,
    remaining: u64,
    reset_at: Instant,
    observed_at: Instant,
}

/// What the governor knows of the server's headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Knowledge {
    /// No answer yet: the first request goes out alone, so a fleet starting at once does not burst into a window
    /// it knows nothing of.
    Nothing,
    /// Answers came without the headers (an API that sends none): nothing to pace by.
    NoHeaders,
    /// A window is known.
    Window,
}

#[derive(Debug)]
struct State {
    knowledge: Knowledge,
    window: Option<Window>,
    /// The window's first view (its count and when it came), to measure how fast the fleet spends it.
    first_view: Option<(u64, Instant)>,
    /// This process's requests sent and not answered yet (they count against what the view says is left).
    unanswered: u64,
    /// Our answers since the window's first view (to tell our spending from others').
    answered_in_window: u64,
    /// Whether a probe of an expired window is out.
    probing: bool,
    /// Requests per second that other users of the key spend, estimated from the view's decrease.
    others_rate: f64,
    /// How many spend the window at this process's pace (1 when it is alone), from the latest measure; kept
    /// across windows, while the rates start again with each window.
    crowd: f64,
    /// The earliest next send while spreading.
    next_send: Option<Instant>,
}

enum Decision {
    Send {
        probe: bool,
    },
    /// Wait until `until`; `spent` when the server's own view says the window is spent (a refusal if the wait
    /// passes the deadline), else a prediction (sent as a probe when the deadline would pass).
    Wait {
        until: Instant,
        spent: bool,
    },
    /// A probe is out: wait for its answer.
    WaitForAnswer,
}

/// A call the governor did not let out: waiting for the window would pass the operation's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// How long the call would have had to wait.
    pub(crate) wait: Duration,
}

/// One tenant's governor.
#[derive(Debug)]
pub(crate) struct Governor {
    policy: PacingPolicy,
    state: Mutex<State>,
    changed: tokio::sync::Notify,
}

/// A request admitted by the governor. Its answer's headers refresh the view ([`Ticket::observe`]); dropped
/// unanswered (a transport failure), it stops counting against the window.
#[derive(Debug)]
pub(crate) struct Ticket {
    governor: Arc<Governor>,
    probe: bool,
    settled: bool,
}

impl Governor {
    pub(crate) fn new(policy: PacingPolicy) -> Self {
        Self {
            policy,
            state: Mutex::new(State {
                knowledge: Knowledge::Nothing,
                window: None,
                first_view: None,
                unanswered: 0,
                answered_in_window: 0,
                probing: false,
                others_rate: 0.0,
                crowd: 1.0,
                next_send: None,
            }),
            changed: tokio::sync::Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until a request may go out under the window, and admits it; or refuses it at once when the wait for
    /// a spent window would pass `deadline`. Returns the ticket and how long the call was paced.
    pub(crate) async fn admit(
        self: &Arc<Self>,
        deadline: Instant,
    ) -> Result<(Ticket, Duration), Refusal> {
        let started = Instant::now();
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let now = Instant::now();
            let decision = self.decide(now);
            let until = match decision {
                Decision::Send { probe } => {
                    return Ok((self.ticket(probe), started.elapsed()));
                }
                Decision::Wait { until, spent } if until > deadline => {
                    if spent {
                        return Err(Refusal {
                            wait: until.saturating_duration_since(now),
                        });
                    }
                    // A prediction that would pass the deadline: find out with one probe instead.
                    if let Some(ticket) = self.probe_now() {
                        return Ok((ticket, started.elapsed()));
                    }
                    deadline
                }
                Decision::Wait { until, .. } => until,
                Decision::WaitForAnswer => {
                    if now >= deadline {
                        return Err(Refusal {
                            wait: Duration::ZERO,
                        });
                    }
                    deadline
                }
            };
            tokio::select! {
                () = tokio::time::sleep_until(tokio::time::Instant::from_std(until)) => {}
                () = &mut notified => {}
            }
            // Whatever it waited on, a call whose deadline has come is not sent late.
            if Instant::now() >= deadline {
                return Err(Refusal {
                    wait: Duration::ZERO,
                });
            }
        }
    }

    fn ticket(self: &Arc<Self>, probe: bool) -> Ticket {
        Ticket {
            governor: self.clone(),
            probe,
            settled: false,
        }
    }

    /// Admits a probe now if none is out.
    fn probe_now(self: &Arc<Self>) -> Option<Ticket> {
        let mut state = self.lock();
        if state.probing || state.unanswered > 0 {
            return None;
        }
        state.probing = true;
        state.unanswered += 1;
        drop(state);
        Some(self.ticket(true))
    }

    fn decide(&self, now: Instant) -> Decision {
        let policy = &self.policy;
        let mut state = self.lock();
        if !policy.enabled || state.knowledge == Knowledge::NoHeaders {
            state.unanswered += 1;
            return Decision::Send { probe: false };
        }
        let window = match state.window {
            Some(window) => window,
            // Nothing known yet: the same as a window that has just refilled.
            None => Window {
                limit: None,
                remaining: 0,
                reset_at: now,
                observed_at: now,
            },
        };
        if now >= window.reset_at {
            if state.probing {
                return Decision::WaitForAnswer;
            }
            state.probing = true;
            state.unanswered += 1;
            return Decision::Send { probe: true };
        }
        let hard = window.remaining.saturating_sub(state.unanswered);
        if hard <= policy.reserve {
            return Decision::Wait {
                until: window.reset_at,
                spent: true,
            };
        }
        let elapsed = now
            .saturating_duration_since(window.observed_at)
            .as_secs_f64();
        let predicted = hard as f64 - state.others_rate * elapsed;
        let above = predicted - policy.reserve as f64;
        // How many spend at this process's pace: with others on the key, the last few requests of a window would
        // be raced for by processes acting on views the others have already spent, so they are left unspent.
        let crowd = state.crowd;
        // With others on the key, the last requests of a window go to whoever acts on the freshest view: keep a quarter
        // of a request per other process back, so a process does not send on a view the others have spent.
        if above < 1.0 + (crowd - 1.0) / 4.0 {
            let until = window
                .reset_at
                .min(window.observed_at + policy.max_predicted_wait);
            if now < until {
                return Decision::Wait {
                    until,
                    spent: false,
                };
            }
            if state.probing || state.unanswered > 0 {
                return Decision::WaitForAnswer;
            }
            state.probing = true;
            state.unanswered += 1;
            return Decision::Send { probe: true };
        }
        // Spread the rest when it runs low, and always while others are spending it too: then every process's
        // view lags behind the others' requests, and spacing its own is what keeps the fleet from overshooting.
        let low = window
            .limit
            .is_some_and(|limit| predicted < limit as f64 * policy.spread_below);
        if low || (crowd > 1.0 && policy.spread_below > 0.0) {
            if let Some(next) = state.next_send
                && now < next
            {
                return Decision::Wait {
                    until: next,
                    spent: false,
                };
            }
            // This process's share of what is left, spread until the reset: the fleet as a whole spends it evenly.
            let left = window.reset_at.saturating_duration_since(now);
            // (Aiming at three quarters of the time left: a crowd measured too large would otherwise leave the
            // window's end unspent.)
            state.next_send = Some(now + left.mul_f64(0.75).div_f64((above / crowd).max(1.0)));
        }
        state.unanswered += 1;
        Decision::Send { probe: false }
    }

    /// Takes in what an answer said about the window.
    fn observe(&self, probe: bool, status: StatusCode, headers: &HeaderMap) {
        let now = Instant::now();
        let mut state = self.lock();
        state.unanswered = state.unanswered.saturating_sub(1);
        state.answered_in_window += 1;
        if probe {
            state.probing = false;
        }
        match window_from(status, headers, now) {
            None => {
                if state.knowledge == Knowledge::Nothing {
                    state.knowledge = Knowledge::NoHeaders;
                }
            }
            Some(window) => {
                state.knowledge = Knowledge::Window;
                match state.window {
                    Some(old) if now < old.reset_at && same_window(&old, &window) => {
                        // The header counts whole seconds, rounded up, so each view's reset is late by up to a
                        // second: the earliest of one window's views is the closest.
                        let reset_at = old.reset_at.min(window.reset_at);
                        // A larger count in the same window is an answer that overtook a later one: the view
                        // keeps the smaller count.
                        if window.remaining <= old.remaining {
                            let window = Window { reset_at, ..window };
                            state.window = Some(window);
                            state.measure_others(window);
                        } else if let Some(kept) = state.window.as_mut() {
                            kept.reset_at = reset_at;
                        }
                    }
                    // An answer from an earlier window that arrives late (its reset comes well before the
                    // current one's): it says nothing of the current window.
                    Some(old)
                        if now < old.reset_at
                            && window.reset_at + Duration::from_millis(1500) < old.reset_at
                            && status != StatusCode::TOO_MANY_REQUESTS => {}
                    _ => {
                        state.window = Some(window);
                        state.first_view = Some((window.remaining, now));
                        state.answered_in_window = 0;
                        // A rate measured in the last window (a burst at its start, say) says little of this one.
                        state.others_rate = 0.0;
                        state.next_send = None;
                    }
                }
            }
        }
        drop(state);
        self.changed.notify_waiters();
    }

    fn forget(&self, probe: bool) {
        let mut state = self.lock();
        state.unanswered = state.unanswered.saturating_sub(1);
        if probe {
            state.probing = false;
        }
        drop(state);
        self.changed.notify_waiters();
    }

    /// What the server last said is left in the window, and when it refills (`None` before any view).
    pub(crate) fn view(&self) -> Option<(u64, Duration)> {
        let state = self.lock();
        state.window.map(|window| {
            (
                window.remaining,
                window.reset_at.saturating_duration_since(Instant::now()),
            )
        })
    }
}

impl State {
    /// How fast the others on the key spend the window: what it lost since its first view, less what this
    /// process spent, over the time between the views (an average over the window, steadier than any one gap).
    fn measure_others(&mut self, latest: Window) {
        let Some((first, since)) = self.first_view else {
            return;
        };
        let elapsed = latest
            .observed_at
            .saturating_duration_since(since)
            .as_secs_f64();
        if elapsed < 0.001 {
            return;
        }
        let others = first
            .saturating_sub(latest.remaining)
            .saturating_sub(self.answered_in_window);
        self.others_rate = others as f64 / elapsed;
        let own_rate = self.answered_in_window as f64 / elapsed;
        self.crowd = if others == 0 {
            1.0
        } else {
            (1.0 + self.others_rate / own_rate.max(self.others_rate / 16.0)).min(17.0)
        };
    }
}

/// Two views of one window: their resets agree to within the header's one-second resolution.
fn same_window(old: &Window, new: &Window) -> bool {
    let (early, late) = if old.reset_at <= new.reset_at {
        (old.reset_at, new.reset_at)
    } else {
        (new.reset_at, old.reset_at)
    };
    late.saturating_duration_since(early) <= Duration::from_millis(1500)
}

/// The window an answer describes. A 429 says the window is spent whatever its headers claim, until the later of
/// its `Retry-After` and `RateLimit-Reset`. An answer without a count says nothing.
fn window_from(status: StatusCode, headers: &HeaderMap, now: Instant) -> Option<Window> {
    let limit = crate::rate_headers::count(headers, "ratelimit-limit");
    let reset = crate::rate_headers::reset(headers);
    let refused = status == StatusCode::TOO_MANY_REQUESTS;
    let (remaining, reset) = if refused {
        let hint = crate::rate_headers::retry_after(headers);
        let wait = match (reset, hint) {
            (Some(a), Some(b)) => a.max(b),
            (a, b) => a.or(b)?,
        };
        (0, wait)
    } else {
        let remaining = crate::rate_headers::count(headers, "ratelimit-remaining")?;
        // Without a reset the view is good for a second: enough to pace a burst, never a long wait.
        (remaining, reset.unwrap_or(Duration::from_secs(1)))
    };
    let remaining = limit.map_or(remaining, |limit| remaining.min(limit));
    Some(Window {
        limit,
        remaining,
        reset_at: now + crate::saturate(reset),
        observed_at: now,
    })
}

impl Ticket {
    /// The answer came: its headers refresh the tenant's view.
    pub(crate) fn observe(mut self, status: StatusCode, headers: &HeaderMap) {
        self.settled = true;
        self.governor.observe(self.probe, status, headers);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if !self.settled {
            self.governor.forget(self.probe);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn answer(limit: u64, remaining: u64, reset: u64) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("ratelimit-limit", HeaderValue::from(limit));
        headers.insert("ratelimit-remaining", HeaderValue::from(remaining));
        headers.insert("ratelimit-reset", HeaderValue::from(reset));
        headers
    }

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

    #[tokio::test]
    async fn the_first_request_goes_alone_and_an_api_without_headers_is_not_paced() {
        let governor = Arc::new(Governor::new(PacingPolicy::default()));
        let (first, _) = governor.admit(far()).await.expect("the first");
        let soon = Instant::now() + Duration::from_millis(100);
        assert!(
            governor.admit(soon).await.is_err(),
            "a second request waits for the first answer"
        );
        first.observe(StatusCode::OK, &HeaderMap::new());
        let tickets: Vec<_> = futures_admit(&governor, 5).await;
        assert_eq!(tickets.len(), 5, "no headers: nothing to pace by");
    }

    async fn futures_admit(governor: &Arc<Governor>, n: usize) -> Vec<Ticket> {
        let mut tickets = Vec::new();
        for _ in 0..n {
            tickets.push(governor.admit(far()).await.expect("admitted").0);
        }
        tickets
    }

    #[tokio::test]
    async fn a_spent_window_refuses_a_call_whose_deadline_comes_first() {
        let governor = Arc::new(Governor::new(PacingPolicy::default()));
        let (ticket, _) = governor.admit(far()).await.expect("first");
        ticket.observe(StatusCode::OK, &answer(100, 0, 40));
        let refusal = governor
            .admit(Instant::now() + Duration::from_secs(5))
            .await
            .expect_err("spent");
        assert!(
            refusal.wait > Duration::from_secs(38) && refusal.wait <= Duration::from_secs(40),
            "{refusal:?}"
        );
    }

    #[tokio::test]
    async fn the_reserve_is_left_unspent() {
        let governor = Arc::new(Governor::new(
            PacingPolicy::default().reserve(3).spread_below(0.0),
        ));
        let (ticket, _) = governor.admit(far()).await.expect("first");
        ticket.observe(StatusCode::OK, &answer(100, 5, 60));
        let deadline = Instant::now() + Duration::from_secs(1);
        let first = governor.admit(deadline).await.expect("5 - 0 > 3");
        let second = governor.admit(deadline).await.expect("5 - 1 > 3");
        assert!(
            governor.admit(deadline).await.is_err(),
            "5 - 2 unanswered = 3: the reserve"
        );
        drop((first, second));
    }

    #[tokio::test]
    async fn a_429_spends_the_window_until_its_hint() {
        let governor = Arc::new(Governor::new(PacingPolicy::default()));
        let (ticket, _) = governor.admit(far()).await.expect("first");
        let mut headers = answer(100, 50, 1);
        headers.insert("retry-after", HeaderValue::from(30u64));
        ticket.observe(StatusCode::TOO_MANY_REQUESTS, &headers);
        let refusal = governor
            .admit(Instant::now() + Duration::from_secs(2))
            .await
            .expect_err("a 429 spends the window whatever Remaining says");
        assert!(refusal.wait > Duration::from_secs(28), "{refusal:?}");
    }

    #[tokio::test]
    async fn after_the_reset_one_probe_goes_out_and_the_rest_wait_for_its_answer() {
        let governor = Arc::new(Governor::new(PacingPolicy::default()));
        let (ticket, _) = governor.admit(far()).await.expect("first");
        ticket.observe(StatusCode::OK, &answer(10, 0, 0));
        let (probe, _) = governor.admit(far()).await.expect("the probe");
        let waiting = {
            let governor = governor.clone();
            tokio::spawn(async move { governor.admit(far()).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !waiting.is_finished(),
            "a second caller waits for the probe's answer"
        );
        probe.observe(StatusCode::OK, &answer(10, 9, 60));
        let (second, paced) = waiting
            .await
            .expect("task")
            .expect("admitted after the probe");
        assert!(paced >= Duration::from_millis(40), "{paced:?}");
        drop(second);
    }

    #[tokio::test]
    async fn spending_by_others_is_predicted_and_a_prediction_never_refuses() {
        let governor = Arc::new(Governor::new(
            PacingPolicy::default()
                .spread_below(0.0)
                .max_predicted_wait(Duration::from_millis(200)),
        ));
        let (ticket, _) = governor.admit(far()).await.expect("first");
        ticket.observe(StatusCode::OK, &answer(100, 50, 60));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (ticket, _) = governor.admit(far()).await.expect("second");
        // 49 of the 50 went elsewhere in 0.1 s: others spend about 490 a second.
        ticket.observe(StatusCode::OK, &answer(100, 1, 60));
        let (probe, paced) = governor
            .admit(Instant::now() + Duration::from_millis(50))
            .await
            .expect("a prediction past the deadline sends a probe instead of refusing");
        assert!(paced < Duration::from_millis(40), "{paced:?}");
        drop(probe);
        let (_, paced) = governor
            .admit(far())
            .await
            .expect("after the predicted wait");
        assert!(
            paced >= Duration::from_millis(50),
            "waited on the prediction: {paced:?}"
        );
    }

    #[tokio::test]
    async fn the_rest_of_a_window_is_spread_until_its_reset() {
        let governor = Arc::new(Governor::new(PacingPolicy::default()));
        let (ticket, _) = governor.admit(far()).await.expect("first");
        // 4 left of 10, 2 s to go: about one request every 0.5 s.
        ticket.observe(StatusCode::OK, &answer(10, 4, 2));
        let (a, paced_a) = governor.admit(far()).await.expect("a");
        a.observe(StatusCode::OK, &answer(10, 3, 2));
        let (_b, paced_b) = governor.admit(far()).await.expect("b");
        assert!(paced_a < Duration::from_millis(100), "{paced_a:?}");
        assert!(paced_b >= Duration::from_millis(300), "spaced: {paced_b:?}");
    }

    #[test]
    fn hostile_headers_give_no_view_or_a_clamped_one() {
        let now = Instant::now();
        let mut headers = HeaderMap::new();
        headers.insert("ratelimit-remaining", HeaderValue::from_static("lots"));
        assert!(window_from(StatusCode::OK, &headers, now).is_none());
        let window = window_from(StatusCode::OK, &answer(10, 500, 5), now).expect("a view");
        assert_eq!(
            window.remaining, 10,
            "remaining above the limit is clamped to it"
        );
        headers.insert("ratelimit-remaining", HeaderValue::from_static("3"));
        headers.insert(
            "ratelimit-reset",
            HeaderValue::from_static("99999999999999999999"),
        );
        let window = window_from(StatusCode::OK, &headers, now).expect("a view");
        assert!(window.reset_at <= now + crate::LONGEST_WAIT);
    }
}
