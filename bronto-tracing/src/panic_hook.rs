//! The optional panic hook: ship the panic with its spans, flush, then run the previous hook.

use std::panic::PanicHookInfo;
use std::time::Duration;

use crate::feedback;
use crate::guard::Control;

/// Chains a hook in front of the current one.
pub(crate) fn install(control: Control, timeout: Duration) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
        if !feedback::quiet()
            && !control
                .state
                .finished
                .load(std::sync::atomic::Ordering::Acquire)
        {
            ship(info);
            let _ = control.call_blocking(timeout, false);
        }
        previous(info);
    }));
}

fn ship(info: &PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>");
    let thread = std::thread::current();
    let thread = thread.name().unwrap_or("<unnamed>");
    let location = info.location().map(|location| {
        format!(
            "{}:{}:{}",
            location.file(),
            location.line(),
            location.column()
        )
    });
    tracing::error!(
        target: "panic",
        panic_location = location.as_deref().unwrap_or("unknown"),
        panic_thread = thread,
        "panicked: {message}"
    );
}
