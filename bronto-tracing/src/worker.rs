//! The worker: its own OS thread and single-threaded tokio runtime, moving lines from the queue into a
//! `bronto-ingest` ingestor built on that runtime, and answering flush and shutdown.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use bronto_ingest::{EncodedEvent, Event, Failures, IngestConfig, Ingestor, TrySendError};
use chrono::{SecondsFormat, Utc};
use tokio::sync::{mpsc as tokio_mpsc, oneshot};
use tokio::time::Instant;

use crate::feedback;
use crate::queue::{LINE_OVERHEAD, Queue};

/// What the guard asks of the worker.
pub(crate) enum Command {
    /// Deliver what was queued before this command, then answer (by `deadline` at the latest).
    Flush { deadline: Instant, reply: Reply },
    /// Stop accepting, deliver everything, close the ingestor, answer and stop.
    Shutdown { deadline: Instant, reply: Reply },
}

/// Where the worker answers: a blocking caller or an async one.
pub(crate) enum Reply {
    Sync(mpsc::SyncSender<()>),
    Async(oneshot::Sender<()>),
}

impl Reply {
    fn send(self) {
        match self {
            Reply::Sync(tx) => {
                let _ = tx.try_send(());
            }
            Reply::Async(tx) => {
                let _ = tx.send(());
            }
        }
    }
}

/// Counts the worker keeps for the reports, beside the queue's.
#[derive(Debug, Default)]
pub(crate) struct WorkerState {
    /// Drop notices handed to the ingestor.
    pub(crate) notices: AtomicU64,
    /// Set when the worker has stopped (its ingestor closed or abandoned).
    pub(crate) finished: AtomicBool,
}

/// Everything the worker owns.
pub(crate) struct Worker {
    pub(crate) queue: Arc<Queue>,
    pub(crate) state: Arc<WorkerState>,
    pub(crate) rx: mpsc::Receiver<Vec<u8>>,
    pub(crate) commands: tokio_mpsc::UnboundedReceiver<Command>,
    pub(crate) ingestor: Ingestor,
    pub(crate) failures: Option<Failures>,
    pub(crate) interval: Duration,
    /// An event the ingestor's queue had no room for, with its charge.
    carry: Option<(EncodedEvent, usize)>,
    /// The charges of the lines handed to the ingestor and not yet released, in order.
    in_ingestor: VecDeque<usize>,
    /// How many settled (sent or failed) events have had their charge released.
    released: u64,
    /// The drop count last reported by a notice.
    dropped_reported: u64,
}

/// Starts the worker thread; returns the ingestor it built (or why it could not) once it runs.
pub(crate) fn spawn(
    config: IngestConfig,
    queue: Arc<Queue>,
    rx: mpsc::Receiver<Vec<u8>>,
    commands: tokio_mpsc::UnboundedReceiver<Command>,
    interval: Duration,
) -> Result<(Ingestor, Arc<WorkerState>), crate::BuildError> {
    let (ready_tx, ready_rx) = mpsc::sync_channel(1);
    let state = Arc::new(WorkerState::default());
    let worker_state = Arc::clone(&state);
    let thread_state = Arc::clone(&state);
    std::thread::Builder::new()
        .name("bronto-tracing".to_string())
        .spawn(move || {
            feedback::mark_worker_thread();
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .on_thread_start(feedback::mark_worker_thread)
                .thread_name("bronto-tracing-blocking")
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    let _ = ready_tx.send(Err(crate::BuildError::Runtime(error.to_string())));
                    return;
                }
            };
            let reply = runtime.block_on(async move {
                let ingestor = match config.build() {
                    Ok(ingestor) => ingestor,
                    Err(error) => {
                        let _ = ready_tx.send(Err(crate::BuildError::Ingest(error)));
                        return None;
                    }
                };
                let failures = ingestor.failures();
                let _ = ready_tx.send(Ok(ingestor.clone()));
                let worker = Worker {
                    queue,
                    state: thread_state,
                    rx,
                    commands,
                    ingestor,
                    failures,
                    interval,
                    carry: None,
                    in_ingestor: VecDeque::new(),
                    released: 0,
                    dropped_reported: 0,
                };
                worker.run().await
            });
            // Dropping the runtime settles what the ingestor still held (as interrupted); only then are the
            // counts final.
            drop(runtime);
            worker_state.finished.store(true, Ordering::Release);
            if let Some(reply) = reply {
                reply.send();
            }
        })
        .map_err(|error| crate::BuildError::Runtime(error.to_string()))?;
    let ingestor = ready_rx
        .recv()
        .map_err(|_| crate::BuildError::Runtime("the worker thread stopped".to_string()))??;
    Ok((ingestor, state))
}

impl Worker {
    /// Runs until a shutdown, whose reply it returns (sent once the runtime is gone and every count final).
    async fn run(mut self) -> Option<Reply> {
        let mut tick = tokio::time::interval(self.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let command = tokio::select! {
                _ = tick.tick() => None,
                () = self.queue.wake.notified() => None,
                command = self.commands.recv() => match command {
                    Some(command) => Some(command),
                    // Every guard is gone without a shutdown (a leaked guard): keep shipping until the process
                    // ends; the layer may still be installed.
                    None => {
                        self.housekeeping();
                        tick.tick().await;
                        continue;
                    }
                },
            };
            match command {
                None => self.housekeeping(),
                Some(Command::Flush { deadline, reply }) => {
                    let target = self.queue.queued();
                    self.drain(target, deadline).await;
                    let _ = tokio::time::timeout_at(deadline, self.ingestor.flush()).await;
                    self.settle();
                    if self.notice() {
                        let _ = tokio::time::timeout_at(deadline, self.ingestor.flush()).await;
                        self.settle();
                    }
                    reply.send();
                }
                Some(Command::Shutdown { deadline, reply }) => {
                    self.queue.close();
                    let target = self.queue.queued();
                    self.drain(target, deadline).await;
                    let _ = tokio::time::timeout_at(deadline, self.ingestor.flush()).await;
                    self.settle();
                    self.notice();
                    let _ = tokio::time::timeout_at(deadline, self.ingestor.close()).await;
                    self.settle();
                    if self.carry.take().is_some() {
                        self.queue.dropped_closed.fetch_add(1, Ordering::Relaxed);
                    }
                    return Some(reply);
                }
            }
        }
    }

    /// The periodic work: move what fits into the ingestor, release settled charges, report drops.
    fn housekeeping(&mut self) {
        self.pump();
        self.settle();
        self.notice();
    }

    /// Moves queued lines into the ingestor while its queue has room.
    fn pump(&mut self) {
        loop {
            let (event, size) = match self.carry.take() {
                Some(carried) => carried,
                None => match self.next_line() {
                    Some(next) => next,
                    None => return,
                },
            };
            match self.ingestor.try_send_encoded(event) {
                Ok(()) => self.in_ingestor.push_back(size),
                Err(TrySendError::Full(event)) => {
                    self.carry = Some((event, size));
                    return;
                }
                Err(_) => self.refused(size),
            }
        }
    }

    /// Hands `count` queued lines (those queued before a flush) to the ingestor, waiting for room, until
    /// `deadline`; what is left stays queued.
    async fn drain(&mut self, count: usize, deadline: Instant) {
        let mut left = count + usize::from(self.carry.is_some());
        while left > 0 {
            let (mut event, size) = match self.carry.take() {
                Some(carried) => carried,
                None => match self.next_line() {
                    Some(next) => next,
                    None => return,
                },
            };
            left -= 1;
            loop {
                match self.ingestor.try_send_encoded(event) {
                    Ok(()) => {
                        self.in_ingestor.push_back(size);
                        break;
                    }
                    Err(TrySendError::Full(back)) => {
                        if Instant::now() >= deadline {
                            self.carry = Some((back, size));
                            return;
                        }
                        event = back;
                        self.settle();
                        let pause = Instant::now() + Duration::from_millis(2);
                        tokio::time::sleep_until(pause.min(deadline)).await;
                    }
                    Err(_) => {
                        self.refused(size);
                        break;
                    }
                }
            }
        }
    }

    /// The next queued line, taken as it is (no parse into a map, no second serialization, no check: see
    /// `bronto_ingest::__private::trusted_line`), with its charge.
    fn next_line(&mut self) -> Option<(EncodedEvent, usize)> {
        loop {
            let line = self.rx.try_recv().ok()?;
            self.queue.taken();
            let size = line.capacity() + LINE_OVERHEAD;
            // The layer's encoder writes valid lines by construction (its property test reads every line back
            // with `EncodedEvent::from_line`), so the line is taken without parsing it again.
            let encoded = String::from_utf8(line)
                .ok()
                .map(bronto_ingest::__private::trusted_line);
            match encoded {
                Some(encoded) => {
                    // The encoded event holds exactly its text: the allocation's slack goes back to the budget.
                    let held = encoded.len() + LINE_OVERHEAD;
                    if held < size {
                        self.queue.release(size - held);
                        return Some((encoded, held));
                    }
                    return Some((encoded, size));
                }
                None => self.refused(size),
            }
        }
    }

    /// A line the ingestor refused (larger than a batch) or that did not parse.
    fn refused(&mut self, size: usize) {
        self.queue.release(size);
        self.queue.dropped_invalid.fetch_add(1, Ordering::Relaxed);
    }

    /// Releases the charges of the events the ingestor settled (sent or failed), oldest first; discards failed
    /// batches (the ingestor's counts keep their number and reasons) so that memory stays bounded.
    fn settle(&mut self) {
        if let Some(failures) = self.failures.as_mut() {
            while failures.try_recv().is_ok() {}
        }
        let stats = self.ingestor.stats();
        let settled = stats.sent + stats.failed;
        while self.released < settled {
            let Some(size) = self.in_ingestor.pop_front() else {
                break;
            };
            self.queue.release(size);
            self.released += 1;
        }
    }

    /// Once there is room again, ships one event saying how many were dropped since the last notice; `true`
    /// when it did.
    fn notice(&mut self) -> bool {
        let dropped = self.queue.dropped();
        if dropped == self.dropped_reported || self.carry.is_some() {
            return false;
        }
        let new = dropped - self.dropped_reported;
        let event = Event::new(format!(
            "bronto-tracing dropped {new} events (queue full, refused or after shutdown)"
        ))
        .field(
            "timestamp",
            Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        )
        .field("level", "WARN")
        .field("target", "bronto_tracing")
        .field("dropped", new)
        .field("dropped_total", dropped);
        let size = 256 + LINE_OVERHEAD;
        if !self.queue.charge(size) {
            return false;
        }
        match self.ingestor.try_send(event) {
            Ok(()) => {
                self.in_ingestor.push_back(size);
                self.dropped_reported = dropped;
                self.state.notices.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(_) => {
                self.queue.release(size);
                false
            }
        }
    }
}
