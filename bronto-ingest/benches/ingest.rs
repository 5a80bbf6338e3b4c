//! Ingestion throughput against a local HTTP/1.1 server, next to the cost of compressing the same NDJSON alone.
//!
//! Run: `cargo bench -p bronto-ingest --bench ingest` (`BENCH_SMOKE=1` for a few-iteration run; `BENCH_EVENTS`
//! to change the event count). Prints a markdown table: events per second and MB/s of NDJSON through the
//! ingestor (events built, serialized, batched, compressed, sent and acknowledged), the MB/s of compressing the
//! same NDJSON alone on one thread with the same codec and level, and the ratio of the two.

#[path = "../tests/support/server.rs"]
mod server;

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bronto_ingest::{Compression, Event, IngestConfig};
use server::Reply;

const MB: f64 = 1_000_000.0;

/// A realistic web-service log event, about 300 bytes as NDJSON (timestamp included).
fn event(i: u64) -> Event {
    const PATHS: [&str; 4] = [
        "/api/v1/orders",
        "/api/v1/cart/items",
        "/api/v1/users/me",
        "/health",
    ];
    const METHODS: [&str; 3] = ["GET", "POST", "PUT"];
    let status = [200, 200, 200, 201, 404, 500][(i % 6) as usize];
    let path = PATHS[(i % 4) as usize];
    let method = METHODS[(i % 3) as usize];
    Event::new(format!(
        "{method} {path} completed with {status} in {} ms",
        i % 250
    ))
    .field("level", if status >= 500 { "error" } else { "info" })
    .field("service", "checkout-api")
    .field("host", format!("ip-10-0-{}-{}", i % 7, i % 251))
    .field(
        "trace_id",
        format!("{:032x}", i.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
    )
    .field("user_id", 100_000 + i % 5_000)
    .field(
        "http",
        serde_json::json!({"method": method, "path": path, "status": status}),
    )
    .field("duration_ms", (i % 250) as f64 + 0.25)
}

fn level(compression: Compression) -> &'static str {
    match compression {
        Compression::Gzip => "gzip (6)",
        Compression::Zstd => "zstd (3)",
        _ => "none",
    }
}

/// Compresses `raw` as the ingestor does (same codec and level).
fn compress(raw: &[u8], compression: Compression) -> usize {
    match compression {
        Compression::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(
                Vec::with_capacity(raw.len() / 4),
                flate2::Compression::default(),
            );
            encoder.write_all(raw).expect("gzip into memory");
            encoder.finish().expect("gzip into memory").len()
        }
        Compression::Zstd => zstd::bulk::compress(raw, 3)
            .expect("zstd into memory")
            .len(),
        _ => raw.len(),
    }
}

struct Row {
    compression: Compression,
    events: u64,
    ndjson_bytes: usize,
    wire_bytes: u64,
    requests: u64,
    ingest: Duration,
    alone: Duration,
}

/// The NDJSON of `count` events, cut into batches as the ingestor cuts them (by count and bytes).
fn batches(count: u64, max_events: usize, max_bytes: usize) -> Vec<Vec<u8>> {
    let mut batches = Vec::new();
    let mut batch = Vec::with_capacity(max_bytes);
    let mut in_batch = 0;
    for i in 0..count {
        let line = event(i).encode().expect("a valid event");
        if in_batch == max_events || batch.len() + line.len() + 1 > max_bytes {
            batches.push(std::mem::replace(&mut batch, Vec::with_capacity(max_bytes)));
            in_batch = 0;
        }
        batch.extend_from_slice(line.as_bytes());
        batch.push(b'\n');
        in_batch += 1;
    }
    if !batch.is_empty() {
        batches.push(batch);
    }
    batches
}

async fn run(compression: Compression, count: u64) -> Row {
    const MAX_EVENTS: usize = 10_000;
    const MAX_BYTES: usize = 4 * 1024 * 1024;

    // The same NDJSON, compressed alone on this thread.
    let ndjson = batches(count, MAX_EVENTS, MAX_BYTES);
    let ndjson_bytes: usize = ndjson.iter().map(Vec::len).sum();
    let started = Instant::now();
    let mut compressed = 0;
    for batch in &ndjson {
        compressed += compress(batch, compression);
    }
    let alone = started.elapsed();
    std::hint::black_box(compressed);
    drop(ndjson);

    // The ingestor against a local server that only counts bytes.
    let wire = Arc::new(AtomicU64::new(0));
    let requests = Arc::new(AtomicU64::new(0));
    let (server_wire, server_requests) = (Arc::clone(&wire), Arc::clone(&requests));
    let server = server::start(move |request| {
        server_wire.fetch_add(request.body.len() as u64, Ordering::Relaxed);
        server_requests.fetch_add(1, Ordering::Relaxed);
        Reply::status(200)
    })
    .await;
    let ingestor = IngestConfig::base_url(server.url())
        .api_key("bench-key")
        .compression(compression)
        .max_batch_events(MAX_EVENTS)
        .max_batch_bytes(MAX_BYTES)
        .build()
        .expect("a valid configuration");
    let started = Instant::now();
    for i in 0..count {
        ingestor.send(event(i)).await.expect("accepted");
    }
    let report = ingestor.close().await;
    let ingest = started.elapsed();
    assert_eq!(report.sent, count, "every event acknowledged: {report:?}");
    Row {
        compression,
        events: count,
        ndjson_bytes,
        wire_bytes: wire.load(Ordering::Relaxed),
        requests: requests.load(Ordering::Relaxed),
        ingest,
        alone,
    }
}

fn main() {
    let smoke = std::env::var_os("BENCH_SMOKE").is_some_and(|v| v != "0");
    let count: u64 = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if smoke { 2_000 } else { 200_000 });
    let iterations = if smoke { 1 } else { 3 };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // What the caller's side costs alone: building and serializing the events, no ingestor.
    let started = Instant::now();
    let mut built = 0usize;
    for i in 0..count {
        built += event(i).encode().expect("a valid event").len() + 1;
    }
    let build_alone = started.elapsed().as_secs_f64();
    std::hint::black_box(built);
    let sample = event(1).encode().expect("a valid event");
    println!(
        "{count} events of about {} bytes as NDJSON, {iterations} iteration(s) per row, median shown; \
         batches of up to 10,000 events / 4 MiB, 4 requests in flight, 2 runtime workers",
        sample.len() + 1
    );
    println!();
    println!(
        "| compression | events/s | NDJSON MB/s | wire MB | requests | compress alone MB/s (1 thread) | ingest / compress alone |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for compression in [Compression::Gzip, Compression::Zstd, Compression::None] {
        let mut rows: Vec<Row> = (0..iterations)
            .map(|_| runtime.block_on(run(compression, count)))
            .collect();
        rows.sort_by_key(|row| row.ingest);
        let row = &rows[rows.len() / 2];
        let seconds = row.ingest.as_secs_f64();
        let ingest_mbs = row.ndjson_bytes as f64 / MB / seconds;
        let (alone, ratio) = if row.compression == Compression::None {
            ("-".to_string(), "-".to_string())
        } else {
            let alone_mbs = row.ndjson_bytes as f64 / MB / row.alone.as_secs_f64();
            (
                format!("{alone_mbs:.1}"),
                format!("{:.2}", ingest_mbs / alone_mbs),
            )
        };
        println!(
            "| {} | {:.0} | {:.1} | {:.2} ({:.1}x smaller) | {} | {} | {} |",
            level(row.compression),
            row.events as f64 / seconds,
            ingest_mbs,
            row.wire_bytes as f64 / MB,
            row.ndjson_bytes as f64 / row.wire_bytes.max(1) as f64,
            row.requests,
            alone,
            ratio,
        );
    }
    println!();
    println!(
        "Building and serializing the same events alone (no ingestor, 1 thread): {:.0} events/s, {:.1} MB/s.",
        count as f64 / build_alone,
        built as f64 / MB / build_alone
    );
}
