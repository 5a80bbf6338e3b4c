//! The governor's rules, one test each, on answers built by hand.

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

#[tokio::test]
async fn a_refusal_makes_the_prediction_cautious_for_eight_windows_without_one() {
    let governor = Arc::new(Governor::new(PacingPolicy::default().spread_below(0.0)));
    let caution = |governor: &Arc<Governor>| governor.lock().caution;
    assert_eq!(caution(&governor), 0);
    // A 429 whose window is over at once (Retry-After: 0).
    let (ticket, _) = governor.admit(far()).await.expect("first");
    let mut refused = answer(10, 0, 0);
    refused.insert("retry-after", HeaderValue::from(0u64));
    ticket.observe(StatusCode::TOO_MANY_REQUESTS, &refused);
    assert_eq!(caution(&governor), CAUTIOUS_WINDOWS);
    // The next window's first answer: the window that refused does not count.
    let (probe, _) = governor.admit(far()).await.expect("the probe");
    probe.observe(StatusCode::OK, &answer(10, 2, 0));
    assert_eq!(caution(&governor), CAUTIOUS_WINDOWS);
    // Each window without a refusal counts one down.
    for left in (0..CAUTIOUS_WINDOWS).rev() {
        let (probe, _) = governor.admit(far()).await.expect("a probe");
        probe.observe(StatusCode::OK, &answer(10, 9, 0));
        assert_eq!(caution(&governor), left);
    }
}

#[tokio::test]
async fn the_others_are_predicted_to_spend_no_more_than_their_share_unless_cautious() {
    let policy = PacingPolicy::default()
        .spread_below(0.0)
        .max_predicted_wait(Duration::from_secs(1));
    let governor = Arc::new(Governor::new(policy));
    // The others spent 4 for each of ours in 0.1 s: a crowd of 5, the others spending 40 a second.
    let (ticket, _) = governor.admit(far()).await.expect("first");
    ticket.observe(StatusCode::OK, &answer(100, 10, 60));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (ticket, _) = governor.admit(far()).await.expect("second");
    ticket.observe(StatusCode::OK, &answer(100, 5, 60));
    let crowd = governor.lock().crowd;
    assert!((crowd - 5.0).abs() < 0.5, "{crowd}");
    // 5 left, the view 0.3 s old: at their rate the others would have spent 12, but their share of 5 is 4, so
    // one is this process's: it goes at once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (next, paced) = governor.admit(far()).await.expect("its share");
    assert!(paced < Duration::from_millis(100), "{paced:?}");
    drop(next);
    // Cautious (after a refusal), the others' full rate counts: nothing is left for this process until the
    // predicted wait (1 s after the view) is over.
    governor.lock().caution = CAUTIOUS_WINDOWS;
    let (_, paced) = governor
        .admit(far())
        .await
        .expect("sent after the predicted wait");
    assert!(paced >= Duration::from_millis(400), "{paced:?}");
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
