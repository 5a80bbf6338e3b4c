//! OTLP interop: the exporters send protobuf to `/v1/traces` and `/v1/logs` with the key and the resource, and
//! the layer's events carry the trace and span ids the exporter sent.

mod support;

use std::time::Duration;

use bronto_tracing::otlp::{OtlpConfig, SkipShipperThreads};
use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use prost::Message as _;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn string_attribute(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match &kv.value {
            Some(AnyValue {
                value: Some(any_value::Value::StringValue(text)),
            }) => Some(text.clone()),
            _ => None,
        })
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn config(receiver: &support::Receiver) -> OtlpConfig {
    OtlpConfig::base_url(receiver.url.clone())
        .api_key("otlp-test-key")
        .service_name("checkout")
        .service_namespace("payments")
}

#[test]
fn spans_reach_v1_traces_and_log_events_carry_their_ids() {
    let receiver = support::Receiver::start();
    let provider = config(&receiver).tracer_provider().expect("provider");
    let (layer, guard) = support::layer(&receiver);
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_opentelemetry::layer()
                .with_tracer(provider.tracer("tests"))
                .with_filter(SkipShipperThreads),
        )
        .with(layer);
    // A current_thread runtime on this thread: shutting the provider down from inside it must not deadlock.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let _default = tracing::subscriber::set_default(subscriber);
        {
            let span = tracing::info_span!("checkout_request", order = 42);
            let _entered = span.enter();
            tracing::info!("inside the traced span");
        }
        tracing::info!("outside any span");
        provider
            .shutdown()
            .expect("shutdown from a current_thread runtime");
    });
    let report = guard.shutdown(Duration::from_secs(10));
    assert_eq!(report.pending(), 0, "{report}");

    let traces: Vec<_> = receiver
        .otlp()
        .into_iter()
        .filter(|r| r.path == "/v1/traces")
        .collect();
    assert!(!traces.is_empty(), "the exporter posted to /v1/traces");
    let request = &traces[0];
    assert_eq!(
        header(&request.headers, "x-bronto-api-key"),
        Some("otlp-test-key")
    );
    assert_eq!(
        header(&request.headers, "content-type"),
        Some("application/x-protobuf")
    );
    let mut spans = Vec::new();
    for request in &traces {
        let decoded = ExportTraceServiceRequest::decode(&request.body[..]).expect("protobuf");
        for resource_spans in decoded.resource_spans {
            let attributes = resource_spans.resource.expect("a resource").attributes;
            assert_eq!(
                string_attribute(&attributes, "service.name").as_deref(),
                Some("checkout")
            );
            assert_eq!(
                string_attribute(&attributes, "service.namespace").as_deref(),
                Some("payments")
            );
            for scope in resource_spans.scope_spans {
                spans.extend(scope.spans);
            }
        }
    }
    assert_eq!(spans.len(), 1, "only the application's span: {spans:?}");
    let span = &spans[0];
    assert_eq!(span.name, "checkout_request");

    let events = receiver.events();
    let inside = support::event(&events, "inside the traced span");
    assert_eq!(inside["trace_id"], serde_json::json!(hex(&span.trace_id)));
    assert_eq!(inside["span_id"], serde_json::json!(hex(&span.span_id)));
    let outside = support::event(&events, "outside any span");
    assert!(outside.get("trace_id").is_none(), "{outside}");
}

#[test]
fn log_records_reach_v1_logs() {
    let receiver = support::Receiver::start();
    let provider = config(&receiver).logger_provider().expect("provider");
    let logger = provider.logger("tests");
    let mut record = logger.create_log_record();
    record.set_body("payment accepted".into());
    record.add_attribute("order", 42_i64);
    logger.emit(record);
    provider.shutdown().expect("shutdown");

    let logs: Vec<_> = receiver
        .otlp()
        .into_iter()
        .filter(|r| r.path == "/v1/logs")
        .collect();
    assert_eq!(logs.len(), 1);
    assert_eq!(
        header(&logs[0].headers, "x-bronto-api-key"),
        Some("otlp-test-key")
    );
    let decoded = ExportLogsServiceRequest::decode(&logs[0].body[..]).expect("protobuf");
    let resource_logs = &decoded.resource_logs[0];
    let attributes = &resource_logs
        .resource
        .as_ref()
        .expect("a resource")
        .attributes;
    assert_eq!(
        string_attribute(attributes, "service.name").as_deref(),
        Some("checkout")
    );
    let record = &resource_logs.scope_logs[0].log_records[0];
    assert_eq!(
        record.body.as_ref().and_then(|b| b.value.clone()),
        Some(any_value::Value::StringValue(
            "payment accepted".to_string()
        ))
    );
}

#[test]
fn a_missing_key_or_a_bad_target_is_an_error_without_the_key() {
    let error = OtlpConfig::base_url("http://127.0.0.1:9")
        .span_exporter()
        .expect_err("no key");
    assert_eq!(error, bronto_tracing::otlp::OtlpError::MissingCredential);
    let config = OtlpConfig::region("EU/evil").api_key("secret-otlp-key");
    let error = config.span_exporter().expect_err("not a slug");
    assert!(!error.to_string().contains("secret-otlp-key"));
    assert!(!format!("{config:?}").contains("secret-otlp-key"));
}
