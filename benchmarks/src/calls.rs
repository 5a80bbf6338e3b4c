//! Typed calls and decoding: the facade (`sdk::Sdk` from `sdk::Config`, hooks and retry policy on) against raw
//! reqwest + serde into the same generated types, against the same local server, interleaved round by round.

use std::time::Duration;

use futures::{StreamExt as _, TryStreamExt as _};
use reqwest::header::{ACCEPT, HeaderValue};
use sdk::bronto_api::types::{CreateSearchRequest, PostSearchResponse};

use crate::fixtures::{self, API_KEY};
use crate::server::{Routes, Server};
use crate::stats::{Comparison, Elapsed, Sample, Stopwatch};
use crate::{BoxError, progress};

/// The user agent both sides send (the facade's own, for SDK version 0.1.0).
const USER_AGENT: &str = "sdk/0.1.0 bronto-client/0.1.0";
/// The SDK's attempt timeout, which the raw side sets per request too.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// The two clients under test, pointed at one server.
pub(crate) struct Sides {
    sdk: sdk::Sdk,
    raw: reqwest::Client,
    search_url: String,
    api_key: HeaderValue,
}

impl Sides {
    /// The facade with the default policy (3 attempts, timeouts, 16 in flight) and a raw reqwest client with the
    /// SDK's connection settings (connect timeout, user agent, no redirects; default pool).
    pub(crate) fn new(base_url: &str) -> Result<Self, BoxError> {
        let config = sdk::Config::builder()
            .bronto_base_url(base_url)
            .bronto_api_key(API_KEY)
            .build()?;
        let sdk = sdk::Sdk::new(config)?;
        let raw = client_runtime::tls::client_builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let mut api_key = HeaderValue::from_static(API_KEY);
        api_key.set_sensitive(true);
        Ok(Self {
            sdk,
            raw,
            search_url: format!("{base_url}/search"),
            api_key,
        })
    }

    /// One search through the facade.
    pub(crate) async fn facade(
        &self,
        request: &CreateSearchRequest,
    ) -> Result<PostSearchResponse, BoxError> {
        let bronto = self.sdk.bronto()?;
        Ok(bronto
            .call(bronto.post_search().body(request.clone()).send())
            .await?)
    }

    /// The same search by hand: the same headers and body, the body read whole and decoded by serde.
    pub(crate) async fn raw(
        &self,
        request: &CreateSearchRequest,
    ) -> Result<PostSearchResponse, BoxError> {
        let response = self
            .raw
            .post(&self.search_url)
            .header(ACCEPT, "application/json")
            .header("api-version", "1.0.0")
            .header("x-bronto-api-key", self.api_key.clone())
            .json(request)
            .timeout(ATTEMPT_TIMEOUT)
            .send()
            .await?
            .error_for_status()?;
        let body = response.bytes().await?;
        Ok(serde_json::from_slice(&body)?)
    }
}

/// Runs `requests` searches with at most `concurrency` in flight through `one`, checking each answer's size.
async fn batch<F, Fut>(
    requests: usize,
    concurrency: usize,
    events: usize,
    one: F,
) -> Result<Elapsed, BoxError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<PostSearchResponse, BoxError>>,
{
    let watch = Stopwatch::start();
    futures::stream::iter(0..requests)
        .map(|_| one())
        .buffer_unordered(concurrency)
        .try_for_each(|response| async move {
            if response.events.len() == events {
                Ok(())
            } else {
                Err(format!("expected {events} events, got {}", response.events.len()).into())
            }
        })
        .await?;
    Ok(watch.stop())
}

/// Figure 1: requests per second of a 100-event search, facade vs raw reqwest, ABAB rounds.
pub(crate) async fn typed_call(
    rounds: usize,
    requests: usize,
    concurrency: usize,
) -> Result<Comparison, BoxError> {
    const EVENTS: usize = 100;
    let body = fixtures::search_response(EVENTS);
    let response_bytes = body.len();
    let server = Server::start(Routes {
        search: body.into(),
        ..Routes::default()
    })?;
    let sides = Sides::new(&server.url())?;
    let request = fixtures::search_request()?;
    // Both answers decode to the same value, and the sequences are exact on both sides.
    let (facade, raw) = (sides.facade(&request).await?, sides.raw(&request).await?);
    fixtures::check_sequences(&facade, EVENTS)?;
    fixtures::check_sequences(&raw, EVENTS)?;
    if facade != raw {
        return Err("the facade and raw reqwest decoded different values".into());
    }
    // Warm-up: connections open, allocator and caches warm.
    let warm = (requests / 4).max(concurrency);
    batch(warm, concurrency, EVENTS, || sides.facade(&request)).await?;
    batch(warm, concurrency, EVENTS, || sides.raw(&request)).await?;

    let mut comparison = Comparison::new(format!(
        "{EVENTS}-event search ({} KB), {concurrency} in flight",
        response_bytes / 1000
    ));
    for round in 0..rounds {
        progress(format_args!(
            "typed call, {concurrency} in flight: round {}/{rounds}",
            round + 1
        ));
        // Alternate which side goes first, so neither always inherits the other's warm (or cold) state.
        let (a, b) = if round % 2 == 0 {
            let a = batch(requests, concurrency, EVENTS, || sides.facade(&request)).await?;
            let b = batch(requests, concurrency, EVENTS, || sides.raw(&request)).await?;
            (a, b)
        } else {
            let b = batch(requests, concurrency, EVENTS, || sides.raw(&request)).await?;
            let a = batch(requests, concurrency, EVENTS, || sides.facade(&request)).await?;
            (a, b)
        };
        comparison.push(
            Sample::measured(requests as f64, a),
            Sample::measured(requests as f64, b),
        );
    }
    Ok(comparison)
}

/// `count` searches of one side only (`facade` or `raw`), one in flight, after the same check and warm-up as
/// figure 1, untimed: for a profiler, which then sees one side's path alone. `benchmarks/instructions.sh` runs it
/// under callgrind at two counts and takes the difference, so the setup cancels out.
pub(crate) async fn one_side(side: &str, count: usize) -> Result<(), BoxError> {
    const EVENTS: usize = 100;
    let server = Server::start(Routes {
        search: fixtures::search_response(EVENTS).into(),
        ..Routes::default()
    })?;
    let sides = Sides::new(&server.url())?;
    let request = fixtures::search_request()?;
    match side {
        "facade" => {
            fixtures::check_sequences(&sides.facade(&request).await?, EVENTS)?;
            batch(count, 1, EVENTS, || sides.facade(&request)).await?;
        }
        "raw" => {
            fixtures::check_sequences(&sides.raw(&request).await?, EVENTS)?;
            batch(count, 1, EVENTS, || sides.raw(&request)).await?;
        }
        other => return Err(format!("--calls takes `facade` or `raw`, not `{other}`").into()),
    }
    Ok(())
}

/// What figure 2 measures.
pub(crate) struct Decoding {
    /// The facade end to end vs `serde_json::from_slice` on the same bytes already in memory.
    pub(crate) vs_from_slice: Comparison,
    /// The facade vs raw reqwest + `serde_json::from_slice`, both end to end over loopback.
    pub(crate) vs_raw: Comparison,
    /// `serde_json::from_slice` vs raw reqwest + `from_slice`: what the transport alone costs.
    pub(crate) transport: Comparison,
}

/// Figure 2: a large search response decoded by the client (through the facade, end to end) vs
/// `serde_json::from_slice` into the same type; raw reqwest end to end as a third side, to separate the transport
/// from the client. Every decoded response is checked for exact sequence numbers, outside the timed part.
pub(crate) async fn decoding(
    rounds: usize,
    per_round: usize,
    events: usize,
) -> Result<Decoding, BoxError> {
    let body = fixtures::search_response(events);
    let size = body.len();
    let body = bytes::Bytes::from(body);
    let server = Server::start(Routes {
        search: body.clone(),
        ..Routes::default()
    })?;
    let sides = Sides::new(&server.url())?;
    let request = fixtures::search_request()?;

    let label = format!("{events}-event response ({:.1} MB)", size as f64 / 1e6);
    let mut result = Decoding {
        vs_from_slice: Comparison::new(label.clone()),
        vs_raw: Comparison::new(label.clone()),
        transport: Comparison::new(label),
    };
    // One untimed pass of each side (warm-up and the exactness check).
    fixtures::check_sequences(&sides.facade(&request).await?, events)?;
    fixtures::check_sequences(&sides.raw(&request).await?, events)?;
    fixtures::check_sequences(&serde_json::from_slice(&body)?, events)?;

    for round in 0..rounds {
        progress(format_args!("decoding: round {}/{rounds}", round + 1));
        let (mut facade, mut slice, mut raw) = (Elapsed::ZERO, Elapsed::ZERO, Elapsed::ZERO);
        // Rotate the order of the three sides from round to round. Each side decodes `per_round` responses in
        // one timed stretch and keeps them: checking and dropping them happens after the clock stops.
        for step in 0..3 {
            let side = (round + step) % 3;
            let mut responses = Vec::with_capacity(per_round);
            let watch = Stopwatch::start();
            for _ in 0..per_round {
                responses.push(match side {
                    0 => sides.facade(&request).await?,
                    1 => serde_json::from_slice::<PostSearchResponse>(&body)?,
                    _ => sides.raw(&request).await?,
                });
            }
            let elapsed = watch.stop();
            match side {
                0 => facade = elapsed,
                1 => slice = elapsed,
                _ => raw = elapsed,
            }
            for response in &responses {
                fixtures::check_sequences(response, events)?;
            }
        }
        let n = per_round as f64;
        let (facade, slice, raw) = (
            Sample::measured(n, facade),
            Sample::measured(n, slice),
            Sample::measured(n, raw),
        );
        result.vs_from_slice.push(facade, slice);
        result.vs_raw.push(facade, raw);
        result.transport.push(raw, slice);
    }
    Ok(result)
}
