//! Figure 6: the `tracing` layer (`bronto-tracing`). The calling thread's cost of one `info!` (4 fields, 2
//! spans) against tracing-subscriber's JSON `fmt` layer writing through tracing-appender's `non_blocking` to a
//! sink, and of a filtered-out event against a bare registry; events per second end to end into a loopback
//! receiver against `bronto-ingest` fed the same events directly; and (in a child process, `--child
//! layer-outage`, for a clean RSS) the memory and accounting of an outage under a fixed event rate.
//!
//! Written against `bronto-tracing` and `bronto-ingest` alone (and `crate::{BoxError, progress, thousands,
//! stats::median}`), so that `bronto-tracing`'s own bench (`cargo bench -p bronto-tracing --bench layer`) runs the
//! same figures in release without building the generated clients.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bronto_ingest::{Event, IngestConfig};
use bronto_tracing::LayerBuilder;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;

use crate::{BoxError, progress};

/// One figure's row, before `main` formats it.
pub(crate) struct LayerRow {
    pub(crate) figure: String,
    pub(crate) goal: String,
    pub(crate) measured: String,
    pub(crate) ratio: String,
    /// `None`: reported, not judged.
    pub(crate) met: Option<bool>,
}

/// A loopback receiver on plain threads that answers every request 200 (or 503 while down) without decoding it.
struct Receiver {
    url: String,
    down: Arc<AtomicBool>,
}

impl Receiver {
    fn start() -> Result<Self, BoxError> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}", listener.local_addr()?);
        let down = Arc::new(AtomicBool::new(false));
        let serving = Arc::clone(&down);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let down = Arc::clone(&serving);
                std::thread::spawn(move || {
                    let _ = serve(stream, &down);
                });
            }
        });
        Ok(Self { url, down })
    }
}

fn serve(stream: TcpStream, down: &AtomicBool) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line.trim().is_empty() {
            continue;
        }
        let mut length = 0usize;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.trim().eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        // Read and discard: the receiver stands for a remote server, so its memory stays out of the process's
        // RSS (the outage figure measures the layer's).
        let read = std::io::copy(&mut (&mut reader).take(length as u64), &mut std::io::sink())?;
        if read < length as u64 {
            return Ok(());
        }
        let status = if down.load(Ordering::Relaxed) {
            503
        } else {
            200
        };
        writer.write_all(format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n").as_bytes())?;
    }
}

fn ingest(receiver: &Receiver) -> IngestConfig {
    IngestConfig::base_url(receiver.url.clone())
        .api_key("bench-key")
        .dataset("bench")
}

/// The event every side logs: `info!` with 4 fields inside 2 spans.
fn emit_in_spans(count: u64, mut each: impl FnMut(&dyn Fn())) {
    let outer = tracing::info_span!("request", request_id = "r-7", method = "POST");
    let _outer = outer.enter();
    let inner = tracing::info_span!("charge", attempt = 2_u64);
    let _inner = inner.enter();
    for index in 0..count {
        each(&|| {
            tracing::info!(
                order = index,
                amount_cents = 1299_u64,
                currency = "EUR",
                ok = true,
                "payment accepted"
            );
        });
    }
}

/// Nanoseconds per call, each call timed on its own (the clock's own cost is in both sides alike).
fn timed(count: u64, samples: &mut Vec<u64>) {
    emit_in_spans(count, |log| {
        let start = Instant::now();
        log();
        samples.push(start.elapsed().as_nanos() as u64);
    });
}

fn timed_filtered_out(count: u64, samples: &mut Vec<u64>) {
    for index in 0..count {
        let start = Instant::now();
        tracing::debug!(
            order = index,
            amount_cents = 1299_u64,
            currency = "EUR",
            ok = true,
            "filtered"
        );
        samples.push(start.elapsed().as_nanos() as u64);
    }
}

fn percentile(samples: &mut [u64], fraction: f64) -> f64 {
    samples.sort_unstable();
    let index = ((samples.len() as f64 - 1.0) * fraction).round() as usize;
    samples.get(index).copied().unwrap_or(0) as f64
}

/// Runs the figures; `smoke` uses tiny sizes.
pub(crate) fn run(smoke: bool) -> Result<Vec<LayerRow>, BoxError> {
    let mut rows = Vec::new();
    let receiver = Receiver::start()?;
    let (events, rounds) = if smoke {
        (2_000_u64, 2)
    } else {
        (1_000_000_u64, 4)
    };
    let per_round = events / rounds;

    // 1. The calling thread: the layer against fmt JSON + non_blocking, ABAB.
    progress(format_args!(
        "layer: calling thread, {events} events a side"
    ));
    let (layer, guard) = LayerBuilder::new(ingest(&receiver))
        .queue_bytes(1 << 30)
        .build()?;
    let ours = tracing_subscriber::registry().with(layer);
    let (writer, appender_guard) = tracing_appender::non_blocking(std::io::sink());
    let theirs = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().json().with_writer(writer));
    let (ours, theirs) = (tracing::Dispatch::new(ours), tracing::Dispatch::new(theirs));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        tracing::dispatcher::with_default(&ours, || timed(per_round, &mut a));
        tracing::dispatcher::with_default(&theirs, || timed(per_round, &mut b));
    }
    let report = guard.shutdown(Duration::from_secs(600));
    drop(appender_guard);
    let (median_a, median_b) = (percentile(&mut a, 0.5), percentile(&mut b, 0.5));
    let (p99_a, p99_b) = (percentile(&mut a, 0.99), percentile(&mut b, 0.99));
    let ratio = median_a / median_b.max(1.0);
    rows.push(LayerRow {
        figure: "Layer: calling thread's cost of `info!` (4 fields, 2 spans), bronto-tracing vs fmt JSON through `non_blocking` to a sink".into(),
        goal: "median ratio ≤ 1.0 (stretch ≤ 0.5)".into(),
        measured: format!(
            "median {median_a:.0} ns vs {median_b:.0} ns, p99 {p99_a:.0} ns vs {p99_b:.0} ns ({events} events a side, {rounds} ABAB rounds; layer: {report})"
        ),
        ratio: format!("{ratio:.2} (p99 {:.2})", p99_a / p99_b.max(1.0)),
        met: Some(ratio <= 1.0),
    });

    // 2. A filtered-out event: the layer behind `LevelFilter::INFO` vs a bare registry.
    progress(format_args!("layer: filtered-out events"));
    let (layer, guard) = LayerBuilder::new(ingest(&receiver)).build()?;
    let ours = tracing::Dispatch::new(
        tracing_subscriber::registry().with(layer.with_filter(LevelFilter::INFO)),
    );
    let bare = tracing::Dispatch::new(tracing_subscriber::registry());
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        tracing::dispatcher::with_default(&ours, || timed_filtered_out(per_round, &mut a));
        tracing::dispatcher::with_default(&bare, || timed_filtered_out(per_round, &mut b));
    }
    let report = guard.shutdown(Duration::from_secs(60));
    let (median_a, median_b) = (percentile(&mut a, 0.5), percentile(&mut b, 0.5));
    let ratio = median_a / median_b.max(1.0);
    rows.push(LayerRow {
        figure: "Layer: a filtered-out `debug!`, layer behind `LevelFilter::INFO` vs a bare registry".into(),
        goal: "median ratio ≤ 1.1".into(),
        measured: format!(
            "median {median_a:.0} ns vs {median_b:.0} ns ({events} events a side; layer shipped {} events)",
            report.sent
        ),
        ratio: format!("{ratio:.2}"),
        met: Some(ratio <= 1.1),
    });

    // 3. End to end: events per second into the receiver, the layer vs bronto-ingest fed directly.
    let (e2e_events, e2e_rounds) = if smoke {
        (2_000_u64, 1)
    } else {
        (200_000_u64, 3)
    };
    progress(format_args!(
        "layer: end to end, {e2e_events} events a side, {e2e_rounds} rounds"
    ));
    let mut ratios = Vec::new();
    let (mut rate_a, mut rate_b, mut dropped) = (Vec::new(), Vec::new(), 0);
    for _ in 0..e2e_rounds {
        let start = Instant::now();
        let (layer, guard) = LayerBuilder::new(ingest(&receiver))
            .queue_bytes(1 << 30)
            .build()?;
        let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
        tracing::dispatcher::with_default(&dispatch, || emit_in_spans(e2e_events, |log| log()));
        let report = guard.shutdown(Duration::from_secs(600));
        let a = report.sent as f64 / start.elapsed().as_secs_f64();
        dropped += report.dropped;
        if report.sent != e2e_events {
            return Err(format!(
                "the layer delivered {} of {e2e_events}: {report}",
                report.sent
            )
            .into());
        }

        let start = Instant::now();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let sent = runtime.block_on(async {
            let ingestor = ingest(&receiver).build()?;
            for index in 0..e2e_events {
                let event = Event::new("payment accepted")
                    .field("level", "INFO")
                    .field("target", "benchmarks::layer")
                    .field("span.request.request_id", "r-7")
                    .field("span.request.method", "POST")
                    .field("span.charge.attempt", 2)
                    .field("spans", "request>charge")
                    .field("order", index)
                    .field("amount_cents", 1299)
                    .field("currency", "EUR")
                    .field("ok", true);
                ingestor.send(event).await?;
            }
            Ok::<u64, BoxError>(ingestor.close().await.sent)
        })?;
        let b = sent as f64 / start.elapsed().as_secs_f64();
        ratios.push(a / b);
        rate_a.push(a);
        rate_b.push(b);
    }
    let ratio = crate::stats::median(&ratios);
    rows.push(LayerRow {
        figure: "Layer: end to end into a loopback receiver (gzip), events delivered per second, bronto-tracing vs bronto-ingest fed the same events".into(),
        goal: "ratio ≥ 0.9, 0 dropped".into(),
        measured: format!(
            "layer {} ev/s, ingest {} ev/s (median of {e2e_rounds} rounds of {e2e_events}); dropped {dropped}",
            crate::thousands(crate::stats::median(&rate_a)),
            crate::thousands(crate::stats::median(&rate_b)),
        ),
        ratio: format!("{ratio:.2}"),
        met: Some(ratio >= 0.9 && dropped == 0),
    });

    // 4. An outage, in a child process so that its RSS is its own.
    progress(format_args!("layer: outage (child process)"));
    let exe = std::env::current_exe()?;
    let mut command = std::process::Command::new(exe);
    command.args(["--child", "layer-outage"]);
    if smoke {
        command.arg("--smoke");
    }
    let output = command.output()?;
    if !output.status.success() {
        return Err(format!(
            "the outage child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let text = String::from_utf8(output.stdout)?;
    let field = |name: &str| -> Result<String, BoxError> {
        text.split_whitespace()
            .find_map(|part| part.strip_prefix(&format!("{name}=")).map(str::to_string))
            .ok_or_else(|| format!("no {name} in the child's output: {text}").into())
    };
    let peak: f64 = field("peak_above_start")?.parse()?;
    let bound: f64 = field("bound")?.parse()?;
    let exact = field("exact")? == "true";
    let ratio = peak / bound;
    rows.push(LayerRow {
        figure: "Layer: outage (receiver answering 503 for 3 s of 6 s under 20,000 events/s), peak RSS above start vs the queue bound".into(),
        goal: "≤ 1.10, and emitted + notices == sent + failed + dropped".into(),
        measured: format!(
            "peak RSS {:.1} MiB above start, bound {:.0} MiB; {}",
            peak / 1048576.0,
            bound / 1048576.0,
            field("report")?.replace('_', " ")
        ),
        ratio: format!("{ratio:.2}"),
        met: Some(ratio <= 1.10 && exact),
    });
    Ok(rows)
}

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix("VmRSS:").and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .ok()
                })
            })
        })
        .map_or(0, |kb| kb * 1024)
}

/// The outage child: prints `peak_above_start=N bound=N exact=true|false report=...`.
pub(crate) fn outage_child(smoke: bool) -> Result<(), BoxError> {
    const BOUND: usize = 32 * 1024 * 1024;
    let receiver = Receiver::start()?;
    let (layer, guard) = LayerBuilder::new(ingest(&receiver))
        .queue_bytes(BOUND)
        .build()?;
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let start_rss = rss_bytes();
    let sampling = AtomicBool::new(true);
    let (seconds, rate) = if smoke {
        (1.0, 2_000.0)
    } else {
        (6.0, 20_000.0)
    };
    let total = (seconds * rate) as u64;
    let (report, (peak_rss, charged_at_peak, max_charged)) = std::thread::scope(|scope| {
        // The peak RSS, the bytes charged against the bound at that moment, and the most ever charged.
        let sampler = scope.spawn(|| {
            let mut peak = (start_rss, 0_u64, 0_u64);
            while sampling.load(Ordering::Relaxed) {
                let (rss, charged) = (rss_bytes(), guard.stats().queued_bytes);
                if rss > peak.0 {
                    (peak.0, peak.1) = (rss, charged);
                }
                peak.2 = peak.2.max(charged);
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        });
        let begin = Instant::now();
        tracing::dispatcher::with_default(&dispatch, || {
            let mut emitted = 0u64;
            emit_in_spans(total, |log| {
                let at = begin.elapsed().as_secs_f64();
                receiver.down.store(
                    at >= seconds / 6.0 && at < seconds * 4.0 / 6.0,
                    Ordering::Relaxed,
                );
                let due = Duration::from_secs_f64(emitted as f64 / rate);
                if let Some(wait) = due.checked_sub(begin.elapsed()) {
                    std::thread::sleep(wait);
                }
                log();
                emitted += 1;
            });
        });
        receiver.down.store(false, Ordering::Relaxed);
        let report = guard.shutdown(Duration::from_secs(120));
        sampling.store(false, Ordering::Relaxed);
        (report, sampler.join().unwrap_or_default())
    });
    let exact = report.emitted + report.notices == report.sent + report.failed + report.dropped
        && report.pending() == 0;
    println!(
        "peak_above_start={} charged_at_peak={charged_at_peak} max_charged={max_charged} bound={BOUND} exact={exact} report={}",
        peak_rss.saturating_sub(start_rss),
        report.to_string().replace(' ', "_")
    );
    Ok(())
}
