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

/// A span's fields, encoded once when the span is created and updated by `record`, as object members
/// `"span.<name>.<field>":value`. Shared by every Bronto layer of the subscriber (the encoding does not depend on
/// a layer's options).
///
/// Lines go out as they are written, so no key may be written twice: a field has one member here (a later
/// `record` of it replaces the member), and when an enclosing span has the same name (`shadows`), the event's
/// encoding leaves out the outer span's members that an inner one of that name also has (the innermost wins).
struct SpanFields {
    /// Each field's member (an error's sources included), by field name, in the order first written.
    members: Vec<(&'static str, Vec<u8>)>,
    /// The members joined by commas, ready to splice into an event.
    joined: Vec<u8>,
    /// An enclosing span has the same name (the registry fixes a span's parents when it is created).
    shadows: bool,
}

impl SpanFields {
    fn new(shadows: bool) -> Self {
        Self {
            members: Vec::new(),
            joined: Vec::new(),
            shadows,
        }
    }

    /// Sets each member of `members`, replacing the one of the same field name.
    fn update(&mut self, members: Vec<(&'static str, Vec<u8>)>) {
        if members.is_empty() {
            return;
        }
        for (name, member) in members {
            match self.members.iter_mut().find(|(known, _)| *known == name) {
                Some(slot) => slot.1 = member,
                None => self.members.push((name, member)),
            }
        }
        self.joined.clear();
        for (index, (_, member)) in self.members.iter().enumerate() {
            if index > 0 {
                self.joined.push(b',');
            }
            self.joined.extend_from_slice(member);
        }
    }

    fn has(&self, name: &str) -> bool {
        self.members.iter().any(|(known, _)| *known == name)
    }
}

/// Encodes span fields (`record` visits them) under `prefix`, one member per field.
fn span_members(
    prefix: &str,
    record: impl FnOnce(&mut FieldWriter<'_>),
) -> Vec<(&'static str, Vec<u8>)> {
    let mut object = Object::fragment();
    let mut starts = Vec::new();
    let visited = catch_unwind(AssertUnwindSafe(|| {
        record(&mut FieldWriter::span(&mut object, prefix, &mut starts));
    }));
    if visited.is_err() {
        return vec![("fields", panicked_fragment(prefix))];
    }
    let bytes = object.into_fragment();
    let mut members = Vec::with_capacity(starts.len());
    for (index, &(name, start)) in starts.iter().enumerate() {
        let end = starts.get(index + 1).map_or(bytes.len(), |&(_, next)| next);
        let member = &bytes[start..end];
        let member = member.strip_prefix(b",").unwrap_or(member);
        members.push((name, member.to_vec()));
    }
    members
}

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
        let name = attrs.metadata().name();
        let prefix = span_prefix(name);
        let members = span_members(&prefix, |writer| attrs.record(writer));
        let shadows = span.scope().skip(1).any(|ancestor| ancestor.name() == name);
        let mut fields = SpanFields::new(shadows);
        fields.update(members);
        span.extensions_mut().insert(fields);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if feedback::quiet() {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let _encoding = feedback::Encoding::enter();
        let prefix = span_prefix(span.name());
        let members = span_members(&prefix, |writer| values.record(writer));
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<SpanFields>() {
            // A field recorded again replaces its member: the later value wins.
            Some(fields) => fields.update(members),
            None => {
                let shadows = span
                    .scope()
                    .skip(1)
                    .any(|ancestor| ancestor.name() == span.name());
                let mut fields = SpanFields::new(shadows);
                fields.update(members);
                extensions.insert(fields);
            }
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
            let before_spans = object.mark();
            let mut shadowed = false;
            for span in scope.from_root() {
                if !names.is_empty() {
                    names.push('>');
                }
                names.push_str(span.name());
                if let Some(fields) = span.extensions().get::<SpanFields>() {
                    shadowed |= fields.shadows;
                    object.members(&fields.joined);
                }
            }
            if shadowed {
                // Two enclosing spans share a name, so their keys may collide: write the spans again, leaving
                // out each member that an inner span of the same name also has.
                object.rewind(before_spans);
                if let Some(scope) = ctx.event_scope(event) {
                    write_shadowed_spans(scope.from_root().collect(), &mut object);
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

/// The spans' members, root to leaf, where a member is left out when an inner span of the same name has the same
/// field (the innermost wins).
fn write_shadowed_spans<S>(
    spans: Vec<tracing_subscriber::registry::SpanRef<'_, S>>,
    object: &mut Object,
) where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    for (index, span) in spans.iter().enumerate() {
        let extensions = span.extensions();
        let Some(fields) = extensions.get::<SpanFields>() else {
            continue;
        };
        for (name, member) in &fields.members {
            let overridden = spans[index + 1..].iter().any(|inner| {
                inner.name() == span.name()
                    && inner
                        .extensions()
                        .get::<SpanFields>()
                        .is_some_and(|inner| inner.has(name))
            });
            if !overridden {
                object.members(member);
            }
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
