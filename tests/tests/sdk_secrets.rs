//! No secret appears in any `Debug`, `Display` or tracing output of the SDK's configuration, clients and errors.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use integration_tests::loopback::{Answer, ScriptedServer};
use sdk::{Config, Credential, RequestOptions, RetryPolicy, Sdk};

const KEY: &str = "very-secret-api-key-5b1e";
const BEARER: &str = "very-secret-bearer-9d2c";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut buffer) = self.0.lock() {
            buffer.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn no_secret_in_debug_display_or_traces() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = ScriptedServer::start(vec![
        Answer::json(
            429,
            r#"{"code":429,"type":"T","correlation_id":"c","details":"d"}"#,
        )
        .header("retry-after", "0"),
        Answer::json(
            401,
            r#"{"code":401,"type":"Unauthorized","correlation_id":"c2","details":"bad key"}"#,
        ),
    ])
    .await;
    let config = Config::builder()
        .bronto_base_url(&server.base_url)
        .bronto_api_key(KEY)
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .expect("config");
    let mut shown = vec![format!("{config:?}")];
    let sdk = Sdk::new(config).expect("sdk");
    shown.push(format!("{sdk:?}"));
    let bronto = sdk.bronto().expect("bronto");
    shown.push(format!("{bronto:?}"));
    let error = bronto
        .call(bronto.list_api_keys().send())
        .await
        .expect_err("401");
    shown.push(format!("{error:?}"));
    shown.push(error.to_string());
    shown.push(format!(
        "{:?}",
        RequestOptions::new().credential(Credential::bearer(BEARER))
    ));
    shown.push(format!("{:?}", Credential::bearer(BEARER)));
    shown.push(format!(
        "{:?}",
        Config::builder()
            .bronto_region("eu")
            .bronto_bearer_token(BEARER)
    ));
    let bearer_config = Config::builder()
        .bronto_region("eu")
        .bronto_bearer_token(BEARER)
        .build()
        .expect("config");
    shown.push(format!("{bearer_config:?}"));
    shown.push(format!("{:?}", Sdk::new(bearer_config).expect("sdk")));

    // The key did go to the server, so a leak would be visible if it happened.
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("x-bronto-api-key").as_deref() == Some(KEY))
    );

    let traces = String::from_utf8(captured.0.lock().map(|b| b.clone()).unwrap_or_default())
        .unwrap_or_default();
    assert!(
        traces.contains("api.request"),
        "a span per request: {traces}"
    );
    assert!(
        traces.contains("list_api_keys"),
        "spans name the operation: {traces}"
    );
    assert!(
        traces.contains("attempt=2"),
        "the retry shows as attempt 2: {traces}"
    );
    shown.push(traces);
    for text in &shown {
        assert!(!text.contains(KEY), "key leaked: {text}");
        assert!(!text.contains(BEARER), "token leaked: {text}");
    }
}
