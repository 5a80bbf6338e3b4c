//! OTLP interop: the exporters send protobuf to `/v1/traces` and `/v1/logs` with the key and the resource, the
//! layer's events carry the trace and span ids the exporter sent, and `TraceContext` sends the current trace with
//! every API call.

mod support;

use std::time::Duration;

use bronto_tracing::otlp::{OtlpConfig, SkipShipperThreads, TraceContext};
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

/// An API call through a runtime carrying `trace_context`, to the receiver's `/v1/probe`, inside whatever span or
/// context is current; the headers the receiver saw.
async fn call_with(
    receiver: &support::Receiver,
    trace_context: TraceContext,
) -> Vec<(String, String)> {
    let runtime = client_runtime::Runtime::builder(receiver.url.clone())
        .auth_scheme(client_runtime::AuthScheme::bronto())
        .credential(client_runtime::Credential::api_key("trace-test-key"))
        .interceptor(trace_context)
        .build()
        .expect("runtime");
    let before = receiver.otlp().len();
    let request = runtime
        .http_client()
        .get(format!("{}/v1/probe", receiver.url))
        .build()
        .expect("request");
    let response = runtime
        .execute(runtime.http_client(), request, "probe")
        .await
        .expect("answered");
    assert_eq!(response.status(), 200);
    let seen = receiver.otlp();
    assert_eq!(seen.len(), before + 1, "one request");
    seen[before].headers.clone()
}

/// A tracer of its own (no exporter): the test reads the ids from the span it makes.
fn tracer_provider() -> opentelemetry_sdk::trace::SdkTracerProvider {
    opentelemetry_sdk::trace::SdkTracerProvider::builder().build()
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn an_api_call_inside_a_traced_span_carries_its_traceparent() {
    use opentelemetry::trace::TraceContextExt as _;
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;

    let receiver = support::Receiver::start();
    let provider = tracer_provider();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("tests")));
    let _default = tracing::subscriber::set_default(subscriber);
    current_thread().block_on(async {
        let span = tracing::info_span!("checkout_request");
        let expected = {
            let context = span.context();
            let ids = context.span().span_context().clone();
            format!("00-{}-{}-01", ids.trace_id(), ids.span_id())
        };
        let headers =
            tracing::Instrument::instrument(call_with(&receiver, TraceContext::new()), span).await;
        assert_eq!(header(&headers, "traceparent"), Some(expected.as_str()));
        assert_eq!(
            header(&headers, "x-bronto-api-key"),
            Some("trace-test-key"),
            "the credential is the runtime's, untouched"
        );

        // Outside any span: no made-up trace.
        let headers = call_with(&receiver, TraceContext::new()).await;
        assert_eq!(header(&headers, "traceparent"), None, "{headers:?}");
    });
}

#[test]
fn a_context_attached_through_the_opentelemetry_api_is_sent_too() {
    use opentelemetry::trace::{TraceContextExt as _, Tracer as _};

    let receiver = support::Receiver::start();
    let provider = tracer_provider();
    let tracer = provider.tracer("tests");
    current_thread().block_on(async {
        let span = tracer.start("handled_by_hand");
        let context = opentelemetry::Context::current_with_span(span);
        let ids = context.span().span_context().clone();
        let _attached = context.attach();
        let headers = call_with(&receiver, TraceContext::new()).await;
        assert_eq!(
            header(&headers, "traceparent"),
            Some(format!("00-{}-{}-01", ids.trace_id(), ids.span_id()).as_str())
        );
    });
}

/// A propagator that tries to write the credential's header: the runtime refuses it and the call goes on with
/// the runtime's own key.
#[derive(Debug)]
struct OverwritesTheKey;

impl opentelemetry::propagation::TextMapPropagator for OverwritesTheKey {
    fn inject_context(
        &self,
        _context: &opentelemetry::Context,
        injector: &mut dyn opentelemetry::propagation::Injector,
    ) {
        injector.set("x-bronto-api-key", "stolen".to_string());
        injector.set("x-probe", "from the propagator".to_string());
    }

    fn extract_with_context(
        &self,
        context: &opentelemetry::Context,
        _extractor: &dyn opentelemetry::propagation::Extractor,
    ) -> opentelemetry::Context {
        context.clone()
    }

    fn fields(&self) -> opentelemetry::propagation::text_map_propagator::FieldIter<'_> {
        opentelemetry::propagation::text_map_propagator::FieldIter::new(&[])
    }
}

#[test]
fn a_propagator_cannot_replace_the_credential() {
    use opentelemetry::trace::{TraceContextExt as _, Tracer as _};

    let receiver = support::Receiver::start();
    let provider = tracer_provider();
    let context = opentelemetry::Context::current_with_span(provider.tracer("tests").start("s"));
    let _attached = context.attach();
    let headers = current_thread().block_on(call_with(
        &receiver,
        TraceContext::with_propagator(OverwritesTheKey),
    ));
    assert_eq!(header(&headers, "x-bronto-api-key"), Some("trace-test-key"));
    assert_eq!(header(&headers, "x-probe"), Some("from the propagator"));
}
