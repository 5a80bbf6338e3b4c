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
//!    spent; the difference over the time between the answers is the rate at which other users of the key spend,
//!    and the ratio of their spending to this process's is the crowd it shares the window with. The others are
//!    predicted to have spent, since the view, what that rate gives, but never more than their share of what the
//!    view left (`(crowd - 1) / crowd` of it): every process of a fleet predicts the others, and without that
//!    bound all of them would wait on each other and leave the window's end unspent. When the prediction leaves
//!    less than the margin above the reserve, the call waits (at most [`PacingPolicy::max_predicted_wait`], never
//!    past the reset) and then sends one probe that refreshes the view. A prediction never fails a call.
//!    The margin is one request. A refusal (429) says this process's views lag more than the prediction assumes
//!    (busy machines, slow answers): for the next eight windows without one, the others are predicted at their
//!    full rate, without the bound, and the margin is two requests per process of the crowd (at least four), so
//!    a process that was refused leaves the window's last requests to the others rather than race them again.
//! 5. **Spread the rest**: below [`PacingPolicy::spread_below`] of the limit, this process spaces its requests so
//!    that what is left above the reserve lasts until the reset.
//!
//! A reserve leaves room for the other services on the key: with `reserve(20)` this client never spends the
//! last 20 requests of a window.
//!
//! What lives where: the policy a caller sets ([`PacingPolicy`], `policy.rs`), the view an answer's headers give
//! (`window.rs`), and here the tenant's state and the rules above.

mod policy;
mod window;

pub use policy::PacingPolicy;
use window::{Window, same_window, window_from};

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// How many windows a refusal keeps the prediction cautious ([`State::caution`]).
const CAUTIOUS_WINDOWS: u32 = 8;

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
    /// For how many more windows the prediction is made without the others' share as its bound (and with a wider
    /// margin): [`CAUTIOUS_WINDOWS`] after a refusal, one less for each window that passes without one.
    caution: u32,
    /// Whether the current window refused one of this process's requests.
    refused_in_window: bool,
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
                caution: 0,
                refused_in_window: false,
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
        // How many spend at this process's pace (1 when it is alone).
        let crowd = state.crowd;
        // What the others are predicted to have spent since the view, at their measured rate; never more than
        // their share of what the view left (a crowd that spends at one pace shares what is left evenly). Without
        // that bound every process predicts the others are spending while all of them wait, and the window's end
        // goes unspent.
        // After a refusal, for a while: the others at their full rate, and two requests per process of the crowd
        // (at least four) kept back, so this process leaves the window's last requests to the others.
        let (others_share, margin) = if state.caution == 0 {
            (hard as f64 * (1.0 - 1.0 / crowd), 1.0)
        } else {
            (f64::INFINITY, 2.0 * crowd.max(2.0))
        };
        let predicted = hard as f64 - (state.others_rate * elapsed).min(others_share);
        let above = predicted - policy.reserve as f64;
        if above < margin {
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
        let refused = status == StatusCode::TOO_MANY_REQUESTS;
        if refused && !state.refused_in_window {
            state.refused_in_window = true;
            state.caution = CAUTIOUS_WINDOWS;
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
                        if !refused {
                            if !state.refused_in_window {
                                state.caution = state.caution.saturating_sub(1);
                            }
                            state.refused_in_window = false;
                        }
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
mod tests;
