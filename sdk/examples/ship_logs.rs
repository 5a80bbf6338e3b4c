//! Ship this service's own logs into Bronto, on the sandbox: install the layer, log inside spans (and through
//! the `log` crate), flush, and find the events again with a search by a span field.
//!
//! ```text
//! cargo run -p sdk --example ship_logs --features tracing-layer
//! ```

use std::time::Duration;

use futures::TryStreamExt as _;
use sdk::bronto_api::types;
use sdk::query::{attribute, string_literal};
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = vendor_sandbox::Sandbox::start().await;
    let sdk = sdk::Sdk::new(sandbox.config())?;

    // 1. The layer, from the same configuration as everything else; its own worker thread and runtime.
    let (layer, guard) = sdk
        .log_layer()?
        .dataset("ship-logs")
        .service("ship-logs-example", env!("CARGO_PKG_VERSION"))
        .environment("sandbox")
        .build()?;
    // Ship this service's own targets (here, the example's), INFO and above. The filter matters on the
    // sandbox: its mock server runs in this process and logs too.
    let own = Targets::new()
        .with_target("ship_logs", LevelFilter::INFO)
        .with_target("legacy", LevelFilter::INFO);
    tracing_subscriber::registry()
        .with(layer.with_filter(own))
        .init();
    // Code that logs through the `log` crate: bridged into `tracing`.
    tracing_log::LogTracer::init()?;
    guard.install_panic_hook(Duration::from_secs(2));

    // 2. Log inside spans.
    for (request_id, amount) in [("r-7", 1299), ("r-8", 500)] {
        let span = tracing::info_span!("request", request_id, method = "POST");
        let _entered = span.enter();
        tracing::info!(amount_cents = amount, "payment accepted");
        log::warn!(target: "legacy", "slow database call for {request_id}");
    }

    // 3. Flush: returns the delivery report.
    let report = guard.flush_async(Duration::from_secs(5)).await;
    println!("1. flushed: {report}");
    println!(
        "2. the sandbox holds {} events in dataset ship-logs",
        sandbox.ingested("ship-logs").len()
    );

    // 4. Find the events of one request by a span field.
    let clause = format!(
        "{} = {}",
        attribute("span.request.request_id"),
        string_literal("r-7")
    );
    let search = types::CreateSearchRequest::builder()
        .select(["*"])
        .from(["ship-logs"])
        .where_(&clause)
        .time_range("Last 15 minutes")
        .per_page(std::num::NonZeroU64::new(20).ok_or("a page size")?);
    let found: Vec<_> = sdk
        .bronto()?
        .search_events(search.try_into()?)
        .try_collect()
        .await?;
    println!("3. {} events match {clause}:", found.len());
    for event in &found {
        println!("   {}", event.raw.as_deref().unwrap_or("(no raw)"));
    }
    if found.len() != 2 {
        return Err(format!(
            "expected the 2 events of request r-7, found {}",
            found.len()
        )
        .into());
    }

    let report = guard.shutdown_async(Duration::from_secs(5)).await;
    println!("4. shut down: {report}");
    Ok(())
}
