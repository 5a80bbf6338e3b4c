//! Bronto's paged search is exact and always ends: against servers that repeat a page, repeat or drop a token, or
//! ignore `per_page`, the stream ends with a typed paging error after the pages it could deliver, with the
//! requests counted.

use futures::StreamExt as _;
use integration_tests::loopback::{Answer, ScriptedServer};
use sdk::bronto_api::types;
use sdk::{Config, ErrorKind, PagingLimits, RetryPolicy, Sdk};
use serde_json::json;

const TOKEN_2: &str = "11111111-1111-4111-8111-111111111111";
const TOKEN_3: &str = "22222222-2222-4222-8222-222222222222";

fn bronto(server: &ScriptedServer) -> sdk::Bronto {
    let config = Config::builder()
        .bronto_base_url(&server.base_url)
        .bronto_api_key("paging-key")
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("config");
    Sdk::new(config)
        .expect("sdk")
        .bronto()
        .expect("bronto")
        .clone()
}

fn request() -> types::CreateSearchRequest {
    types::CreateSearchRequest::builder()
        .from(vec!["d".to_string()])
        .select(vec!["@raw".to_string()])
        .try_into()
        .expect("a search")
}

fn page(events: &[&str], next: Option<&str>) -> Answer {
    let links: Vec<_> = next
        .map(|href| vec![json!({"rel": "next", "href": href})])
        .unwrap_or_default();
    Answer::json(
        200,
        &json!({"events": events.iter().map(|raw| json!({"@raw": raw})).collect::<Vec<_>>(), "links": links})
            .to_string(),
    )
}

/// The events delivered and the error the stream ended with.
async fn drain(
    stream: impl futures::Stream<Item = Result<types::PostSearchResponse, sdk::Error>>,
) -> (Vec<String>, Option<sdk::Error>) {
    let mut stream = std::pin::pin!(stream);
    let mut events = Vec::new();
    while let Some(page) = stream.next().await {
        match page {
            Ok(page) => events.extend(page.events.into_iter().filter_map(|e| e.raw)),
            Err(error) => return (events, Some(error)),
        }
    }
    (events, None)
}

#[tokio::test]
async fn a_short_page_with_a_next_link_does_not_end_the_stream() {
    let server = ScriptedServer::start(vec![
        page(
            &["e1"],
            Some(&format!("/search?pagination_token={TOKEN_2}")),
        ),
        page(&["e2", "e3"], None),
    ])
    .await;
    let (events, error) = drain(bronto(&server).search_pages(request())).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(events, ["e1", "e2", "e3"]);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_server_that_ignores_the_token_ends_the_stream_with_a_paging_error() {
    let next = format!("/search?pagination_token={TOKEN_2}");
    let server = ScriptedServer::start(vec![
        page(&["e1", "e2"], Some(&next)),
        page(
            &["e1", "e2"],
            Some(&format!("/search?pagination_token={TOKEN_3}")),
        ),
    ])
    .await;
    let (events, error) = drain(bronto(&server).search_pages(request())).await;
    assert_eq!(events, ["e1", "e2"]);
    let error = error.expect("a paging error");
    assert_eq!(error.kind(), ErrorKind::Paging, "{error}");
    assert!(error.to_string().contains("page 2"), "{error}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_repeated_token_ends_the_stream_with_a_paging_error() {
    let next = format!("/search?pagination_token={TOKEN_2}");
    let server =
        ScriptedServer::start(vec![page(&["e1"], Some(&next)), page(&["e2"], Some(&next))]).await;
    let (events, error) = drain(bronto(&server).search_pages(request())).await;
    assert_eq!(events, ["e1", "e2"]);
    let error = error.expect("a paging error");
    assert_eq!(error.kind(), ErrorKind::Paging);
    assert!(error.to_string().contains("already followed"), "{error}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_next_link_without_a_usable_token_is_an_error_not_an_end() {
    for href in ["/search?per_page=2", "/search?pagination_token=&per_page=2"] {
        let server = ScriptedServer::start(vec![page(&["e1"], Some(href))]).await;
        let (events, error) = drain(bronto(&server).search_pages(request())).await;
        assert_eq!(events, ["e1"], "{href}");
        let error = error.expect("a paging error");
        assert_eq!(error.kind(), ErrorKind::Paging, "{href}: {error}");
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn a_page_larger_than_per_page_ends_the_stream() {
    let server = ScriptedServer::start(vec![
        page(
            &["e1"],
            Some(&format!("/search?pagination_token={TOKEN_2}&per_page=1")),
        ),
        page(&["e2", "e3", "e4"], None),
    ])
    .await;
    let (events, error) = drain(bronto(&server).search_pages(request())).await;
    assert_eq!(events, ["e1"]);
    let error = error.expect("a paging error");
    assert_eq!(error.kind(), ErrorKind::Paging);
    assert!(error.to_string().contains("per_page"), "{error}");
}

#[tokio::test]
async fn a_search_that_never_ends_stops_at_its_cap() {
    let answers: Vec<Answer> = (0..10)
        .map(|i| {
            let token = format!("{:08x}-1111-4111-8111-111111111111", i + 1);
            page(
                &[&format!("e{i}")],
                Some(&format!("/search?pagination_token={token}")),
            )
        })
        .collect();
    let server = ScriptedServer::start(answers).await;
    let stream = bronto(&server).search_pages_with(request(), PagingLimits::default().max_pages(3));
    let (events, error) = drain(stream).await;
    assert_eq!(events, ["e0", "e1", "e2"], "three pages delivered");
    let error = error.expect("the cap");
    assert_eq!(error.kind(), ErrorKind::Paging);
    assert!(error.to_string().contains("cap"), "{error}");
    assert_eq!(server.requests().len(), 3, "no fourth request");
}
