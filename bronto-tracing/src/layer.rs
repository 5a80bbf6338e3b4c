//! [`BrontoLayer`]: the `tracing_subscriber::Layer` that encodes each event on the calling thread and enqueues it.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use chrono::{SecondsFormat, Utc};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_log::NormalizeEvent as _;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use crate::encode::FieldWriter;
use crate::feedback;
use crate::json::{Object, PANICKED};
use crate::queue::Queue;

/// What the layer adds to every event besides its fields, fixed when it is built.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) module_path: bool,
    pub(crate) file: bool,
    pub(crate) line: bool,
    pub(crate) thread: bool,
    /// Write `trace_id`/`span_id` of the enclosing OpenTelemetry span (feature `otlp`).
    #[cfg_attr(not(feature = "otlp"), allow(dead_code))]
    pub(crate) trace_ids: bool,
    /// The service identity members, encoded once (`"service.name":"checkout",...`).
    pub(crate) identity: Vec<u8>,
}

/// A span's fields, encoded once when the span is created (and appended to by `record`), as object members
/// `"span.<name>.<field>":value`. Shared by every Bronto layer of the subscriber (the encoding does not depend on
/// a layer's options).
struct SpanFields(Vec<u8>);

/// A `tracing_subscriber::Layer` that ships events to Bronto. Built with [`crate::LayerBuilder`], which also
/// returns the [`crate::Guard`] that flushes it.
///
/// Per event, on the calling thread: the event, its spans and the service identity are encoded into one JSON
/// line and pushed onto a lock-free queue bounded in bytes; nothing blocks, no system call is made and the worker
/// thread is not woken (it wakes on its own interval, or once when the queue passes half its bound). When the
/// queue is full the event is dropped and counted ([`crate::LayerReport::dropped`]).
#[derive(Clone)]
pub struct BrontoLayer {
    pub(crate) queue: Arc<Queue>,
    pub(crate) options: Arc<Options>,
    /// The subscriber this layer is part of, to ask `tracing-opentelemetry` for a span's context.
    #[cfg(feature = "otlp")]
    pub(crate) dispatch: Arc<std::sync::OnceLock<tracing::dispatcher::WeakDispatch>>,
}

impl fmt::Debug for BrontoLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BrontoLayer")
            .field("queue_bytes", &self.queue.capacity())
            .finish_non_exhaustive()
    }
}

impl<S> Layer<S> for BrontoLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    #[cfg(feature = "otlp")]
    fn on_register_dispatch(&self, subscriber: &tracing::Dispatch) {
        let _ = self.dispatch.set(subscriber.downgrade());
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if feedback::quiet() {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        if span.extensions().get::<SpanFields>().is_some() {
            return; // another Bronto layer encoded it already
        }
        let _encoding = feedback::Encoding::enter();
        let prefix = span_prefix(attrs.metadata().name());
        let mut object = Object::fragment();
        let visited = catch_unwind(AssertUnwindSafe(|| {
            attrs.record(&mut FieldWriter::span(&mut object, &prefix));
        }));
        let fragment = match visited {
            Ok(()) => object.into_fragment(),
            Err(_) => panicked_fragment(&prefix),
        };
        span.extensions_mut().insert(SpanFields(fragment));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if feedback::quiet() {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let _encoding = feedback::Encoding::enter();
        let prefix = span_prefix(span.name());
        let mut object = Object::fragment();
        let visited = catch_unwind(AssertUnwindSafe(|| {
            values.record(&mut FieldWriter::span(&mut object, &prefix));
        }));
        let fragment = match visited {
            Ok(()) => object.into_fragment(),
            Err(_) => panicked_fragment(&prefix),
        };
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<SpanFields>() {
            // Appended: the later value of a field wins when the line is parsed.
            Some(fields) if !fields.0.is_empty() && !fragment.is_empty() => {
                fields.0.push(b',');
                fields.0.extend_from_slice(&fragment);
            }
            Some(fields) if fields.0.is_empty() => fields.0 = fragment,
            Some(_) => {}
            None => extensions.insert(SpanFields(fragment)),
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if feedback::on_worker_thread() {
            return;
        }
        if feedback::encoding() {
            // An event emitted by a field's `Debug` while another event is being encoded.
            self.queue.reentrant();
            return;
        }
        let _encoding = feedback::Encoding::enter();
        let line = self.encode(event, &ctx);
        self.queue.push(line);
    }
}

impl BrontoLayer {
    fn encode<S>(&self, event: &Event<'_>, ctx: &Context<'_, S>) -> Vec<u8>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let normalized = event.normalized_metadata();
        let metadata = normalized.as_ref().unwrap_or_else(|| event.metadata());
        let mut object = Object::with_capacity(self.queue.line_hint());
        object.key("", "timestamp");
        object.string(&Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true));
        object.key("", "level");
        object.string(metadata.level().as_str());
        object.key("", "target");
        object.string(metadata.target());
        if self.options.module_path
            && let Some(module) = metadata.module_path()
        {
            object.key("", "module_path");
            object.string(module);
        }
        if self.options.file
            && let Some(file) = metadata.file()
        {
            object.key("", "file");
            object.string(file);
        }
        if self.options.line
            && let Some(line) = metadata.line()
        {
            object.key("", "line");
            object.integer(line);
        }
        if self.options.thread {
            let thread = std::thread::current();
            object.key("", "thread");
            match thread.name() {
                Some(name) => object.string(name),
                None => object.formatted(|out| write!(out, "{:?}", thread.id())),
            }
        }
        #[cfg(feature = "otlp")]
        if self.options.trace_ids {
            self.trace_ids(event, ctx, &mut object);
        }
        if let Some(scope) = ctx.event_scope(event) {
            let mut names = String::new();
            for span in scope.from_root() {
                if !names.is_empty() {
                    names.push('>');
                }
                names.push_str(span.name());
                if let Some(fields) = span.extensions().get::<SpanFields>() {
                    object.members(&fields.0);
                }
            }
            if !names.is_empty() {
                object.key("", "spans");
                object.string(&names);
            }
        }
        object.members(&self.options.identity);

        let mut writer = FieldWriter::event(&mut object);
        let visited = catch_unwind(AssertUnwindSafe(|| event.record(&mut writer)));
        let message_seen = writer.message_seen;
        if visited.is_err() {
            // A field's code panicked outside a formatter (an error's `source()`): the object may be cut in the
            // middle of a member, so the event is written again with no fields but the placeholder.
            let mut object = Object::with_capacity(256);
            object.key("", "timestamp");
            object.string(&Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true));
            object.key("", "level");
            object.string(metadata.level().as_str());
            object.key("", "target");
            object.string(metadata.target());
            object.key("", "message");
            object.string(PANICKED);
            object.members(&self.options.identity);
            return object.finish();
        }
        if !message_seen {
            object.key("", "message");
            object.string(metadata.name());
        }
        object.finish()
    }
}

#[cfg(feature = "otlp")]
impl BrontoLayer {
    /// `trace_id` and `span_id` of the event's span, as OpenTelemetry sees it (lowercase hex).
    fn trace_ids<S>(&self, event: &Event<'_>, ctx: &Context<'_, S>, object: &mut Object)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        use opentelemetry::trace::TraceContextExt as _;
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        let Some(dispatch) = self.dispatch.get().and_then(|weak| weak.upgrade()) else {
            return;
        };
        let Some(otel) = tracing_opentelemetry::get_otel_context(&span.id(), &dispatch) else {
            return;
        };
        let otel_span = otel.span();
        let context = otel_span.span_context();
        if context.is_valid() {
            object.key("", "trace_id");
            object.string(&context.trace_id().to_string());
            object.key("", "span_id");
            object.string(&context.span_id().to_string());
        }
    }
}

/// `span.<name>.`.
fn span_prefix(name: &str) -> String {
    let mut prefix = String::with_capacity(name.len() + 6);
    prefix.push_str("span.");
    prefix.push_str(name);
    prefix.push('.');
    prefix
}

/// A span whose fields could not be recorded.
fn panicked_fragment(prefix: &str) -> Vec<u8> {
    let mut object = Object::fragment();
    object.key(prefix, "fields");
    object.string(PANICKED);
    object.into_fragment()
}
