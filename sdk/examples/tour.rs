//! A tour of the SDK. With no credentials in the environment it runs against the embedded sandbox (both APIs
//! mocked on loopback); with `BRONTO_API_KEY` (and `BRONTO_REGION` or `BRONTO_BASE_URL`) and/or `BLUBRACKET_HOST`
//! and `BLUBRACKET_INTEGRATION_KEY` set, the same steps talk to those services.
//!
//! ```text
//! cargo run -p sdk --example tour                           # every step but the log layer's
//! cargo run -p sdk --example tour --features tracing-layer  # and the tour ships its own logs (step 7)
//! ```

use std::time::Duration;

use futures::TryStreamExt as _;
use sdk::blubracket_api::filters::{FilterId, values};
use sdk::blubracket_api::types::{Filter, SearchRequest};
use sdk::bronto_api::types;
use sdk::query::{attribute, string_literal};
use sdk::{AsyncSearchOptions, ExportOptions, Sdk};

fn live_credentials_present() -> bool {
    [
        sdk::env::BRONTO_API_KEY,
        sdk::env::BRONTO_BEARER_TOKEN,
        sdk::env::BLUBRACKET_INTEGRATION_KEY,
        sdk::env::BLUBRACKET_KEY_FILE,
    ]
    .iter()
    .any(|name| std::env::var(name).is_ok_and(|v| !v.is_empty()))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let live = live_credentials_present();
    // The sandbox lives as long as `main`; in live mode there is none.
    let sandbox = if live {
        None
    } else {
        Some(vendor_sandbox::Sandbox::start().await)
    };
    let (sdk, dataset) = match &sandbox {
        Some(sandbox) => {
            println!("No credentials in the environment: touring the embedded sandbox.");
            println!(
                "  Bronto at {}, BluBracket at {}",
                sandbox.bronto_base_url(),
                sandbox.blubracket_base_url()
            );
            (
                Sdk::new(sandbox.config())?,
                vendor_sandbox::SANDBOX_DATASET.to_string(),
            )
        }
        None => {
            println!("Credentials found: touring the live services from the environment.");
            let dataset = std::env::var("TOUR_DATASET").unwrap_or_default();
            (Sdk::from_env()?, dataset)
        }
    };

    if let Ok(bronto) = sdk.bronto() {
        bronto_steps(bronto, &dataset, live).await?;
    } else {
        println!("\nBronto is not configured: skipping its steps.");
    }
    ingestion_step(&sdk, sandbox.as_ref(), live).await?;
    log_layer_step(&sdk, live).await?;
    if let Ok(blubracket) = sdk.blubracket() {
        blubracket_steps(blubracket).await?;
    } else {
        println!("\nBluBracket is not configured: skipping its steps.");
    }
    println!("\nTour complete.");
    Ok(())
}

async fn bronto_steps(
    bronto: &sdk::Bronto,
    dataset: &str,
    live: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    println!("\n1. Bronto API keys");
    if live && std::env::var("TOUR_CREATE_API_KEY").as_deref() != Ok("1") {
        println!("   (not creating a key on a live account; set TOUR_CREATE_API_KEY=1 to do so)");
    } else {
        let request = types::CreateApiKeyRequest::builder()
            .name("tour key")
            .roles(["SearchApi"])
            .ttl(3600);
        let created = bronto.create_api_key().body(request).call().await?;
        let shown: String = created
            .api_key
            .unwrap_or_default()
            .chars()
            .take(8)
            .collect();
        println!(
            "   created {:?} with roles {:?} (key starts {shown}…, shown once)",
            created.name, created.roles
        );
    }
    let keys = bronto.list_api_keys().call().await?;
    for key in &keys.api_keys {
        println!(
            "   - {:?} {:?}",
            key.name.as_deref().unwrap_or("?"),
            key.roles
        );
    }

    if dataset.is_empty() {
        println!("\n(Set TOUR_DATASET to a dataset id for the search and export steps.)");
        return Ok(());
    }
    let clause = format!("{} = {}", attribute("level"), string_literal("error"));
    let search: types::CreateSearchRequest = types::CreateSearchRequest::builder()
        .from([dataset])
        .select(["@raw"])
        .where_(&clause)
        .time_range("Last 24 hours")
        .limit(std::num::NonZeroU64::new(3).ok_or("a limit")?)
        .try_into()?;

    println!("\n2. A paged search: {clause}");
    let mut pages = 0;
    let mut events = 0;
    let mut stream = std::pin::pin!(bronto.search_pages(search.clone()));
    while let Some(page) = stream.try_next().await? {
        pages += 1;
        events += page.events.len();
        let first = page
            .events
            .first()
            .and_then(|e| e.raw.clone())
            .unwrap_or_default();
        println!(
            "   page {pages}: {} events, first: {first}",
            page.events.len()
        );
    }
    println!("   {events} events over {pages} pages (every page carried the same filters)");

    println!("\n3. An asynchronous search");
    let submitted = bronto.submit_search(search.clone()).await?;
    let options = AsyncSearchOptions {
        poll_interval: Duration::from_millis(500),
        ..Default::default()
    };
    let result = submitted
        .wait(options, |polls| println!("   still running (poll {polls})"))
        .await?;
    println!("   done: {} events", result.events.len());

    println!("\n4. An export, downloaded to a file");
    let path = std::env::temp_dir().join("sdk-tour-export.ndjson");
    let mut file = tokio::fs::File::create(&path).await?;
    let request = types::CreateExportRequest::builder().search_details(
        types::CreateExportDetails::builder()
            .from([dataset])
            .where_(&clause)
            .time_range("Last 24 hours"),
    );
    let options = ExportOptions::default().poll_interval(Duration::from_millis(200));
    let outcome = bronto
        .export_to(request.try_into()?, &mut file, options, |p| {
            println!("   {}: {}%", p.export_id, p.percent)
        })
        .await?;
    println!(
        "   wrote {} bytes of data ({} events, a {}-byte stored object{}) to {}",
        outcome.written,
        outcome.events.unwrap_or_default(),
        outcome.bytes,
        if outcome.decompressed {
            ", Zstandard-compressed"
        } else {
            ""
        },
        path.display()
    );
    Ok(())
}

async fn ingestion_step(
    sdk: &Sdk,
    sandbox: Option<&vendor_sandbox::Sandbox>,
    live: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    println!("\n5. Ingestion, from the same configuration");
    if live && std::env::var("TOUR_INGEST").as_deref() != Ok("1") {
        println!("   (not ingesting into a live account; set TOUR_INGEST=1 to do so)");
        return Ok(());
    }
    let ingestor = sdk.ingestion()?.dataset("sdk-tour").build()?;
    for i in 0..500 {
        let event = sdk::ingest::Event::new(format!("tour event {i}"))
            .field("level", if i % 10 == 0 { "error" } else { "info" });
        ingestor.send(event).await?;
    }
    let report = ingestor.close().await;
    println!("   {report}");
    if let Some(sandbox) = sandbox {
        println!(
            "   the sandbox received {} events in dataset sdk-tour",
            sandbox.ingested("sdk-tour").len()
        );
    }

    println!("\n6. Finding the ingested errors with a search");
    let bronto = sdk.bronto()?;
    let clause = format!("{} = {}", attribute("level"), string_literal("error"));
    let search = types::CreateSearchRequest::builder()
        // `*` alone nulls `@raw` on the live service; ask for it to print it.
        .select(["@raw", "*"])
        .from(["sdk-tour"])
        .where_(&clause)
        .time_range("Last 15 minutes")
        .per_page(std::num::NonZeroU64::new(20).ok_or("a page size")?);
    let found: Vec<_> = bronto
        .search_events(search.try_into()?)
        .try_collect()
        .await?;
    println!(
        "   {} events match {clause} (every tenth of the 500 sent); the first: {}",
        found.len(),
        found
            .first()
            .and_then(|event| event.raw.as_deref())
            .unwrap_or("none")
    );
    Ok(())
}

/// The service's own `tracing` logs into Bronto: the layer from the same configuration, events inside a span,
/// a flush, and a search by the span's field.
#[cfg(feature = "tracing-layer")]
async fn log_layer_step(sdk: &Sdk, live: bool) -> Result<(), Box<dyn std::error::Error>> {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    println!("\n7. This service's own logs, through the tracing layer");
    if live && std::env::var("TOUR_INGEST").as_deref() != Ok("1") {
        println!("   (not ingesting into a live account; set TOUR_INGEST=1 to do so)");
        return Ok(());
    }
    let (layer, guard) = sdk
        .log_layer()?
        .dataset("sdk-tour-logs")
        .service("sdk-tour", env!("CARGO_PKG_VERSION"))
        .environment(if live { "live" } else { "sandbox" })
        .build()?;
    // Only the tour's own events: on the sandbox its mock server runs in this process and logs too.
    let own = Targets::new().with_target("tour", LevelFilter::INFO);
    tracing_subscriber::registry()
        .with(layer.with_filter(own))
        .try_init()?;
    // A run id keeps this run's events apart from an earlier run's on a live account.
    let run = format!(
        "tour-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis()
    );
    for (step, amount_cents) in [("reserve", 1299_u64), ("charge", 1299), ("receipt", 0)] {
        let span = tracing::info_span!("checkout", run = run.as_str(), step);
        let _entered = span.enter();
        tracing::info!(amount_cents, "checkout step done");
    }
    tracing::info!(run = run.as_str(), "outside any span");
    let report = guard.flush_async(Duration::from_secs(10)).await;
    println!("   flushed: {report}");

    let clause = format!(
        "{} = {}",
        attribute("span.checkout.run"),
        string_literal(&run)
    );
    let search = types::CreateSearchRequest::builder()
        .select(["@raw", "*"])
        .from(["sdk-tour-logs"])
        .where_(&clause)
        .time_range("Last 15 minutes")
        .per_page(std::num::NonZeroU64::new(20).ok_or("a page size")?);
    let found: Vec<_> = sdk
        .bronto()?
        .search_events(search.try_into()?)
        .try_collect()
        .await?;
    println!(
        "   {} events match {clause} (the 3 logged inside the span; the one outside has no span field)",
        found.len()
    );
    if let Some(raw) = found.first().and_then(|event| event.raw.as_deref()) {
        println!("   the first, as shipped: {raw}");
    }
    let report = guard.shutdown_async(Duration::from_secs(10)).await;
    println!("   shut down: {report}");
    if !live && found.len() != 3 {
        return Err(format!(
            "expected the 3 events logged in the span, found {}",
            found.len()
        )
        .into());
    }
    Ok(())
}

#[cfg(not(feature = "tracing-layer"))]
async fn log_layer_step(_: &Sdk, _: bool) -> Result<(), Box<dyn std::error::Error>> {
    println!("\n7. This service's own logs, through the tracing layer");
    println!(
        "   (built without the `tracing-layer` feature: run with `--features tracing-layer` for this step)"
    );
    Ok(())
}

async fn blubracket_steps(blubracket: &sdk::BluBracket) -> Result<(), Box<dyn std::error::Error>> {
    println!("\n8. BluBracket alerts: state = ACTIVE, two per page");
    let request =
        SearchRequest::new([Filter::new(FilterId::State, [values::ACTIVE])]).with_limit(2);
    let alerts: Vec<_> = blubracket.alerts(request).try_collect().await?;
    for alert in &alerts {
        println!(
            "   - {} {} in {}:{}",
            alert
                .severity
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            alert.repo_name.as_deref().unwrap_or("?"),
            alert.file_path.as_deref().unwrap_or("?"),
            alert.line_no.unwrap_or_default()
        );
    }
    println!("   {} active alerts", alerts.len());

    println!("\n9. BluBracket events, three per page");
    let request = SearchRequest::new(Vec::<Filter>::new()).with_limit(3);
    let events: Vec<_> = blubracket.events(request).try_collect().await?;
    for event in &events {
        println!(
            "   - {} {} ({})",
            event.sub_type.as_deref().unwrap_or("?"),
            event
                .severity
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            event.created.map(|t| t.to_rfc3339()).unwrap_or_default()
        );
    }
    println!("   {} events", events.len());
    Ok(())
}
