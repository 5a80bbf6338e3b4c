//! `Sdk::log_layer`: the service's own `tracing` events into Bronto, from the same `Config` as ingestion.

use crate::{Error, Sdk, tracing_layer};

impl Sdk {
    /// A [`tracing_layer::LayerBuilder`] over [`Sdk::ingestion`]'s configuration (region or
    /// `BRONTO_INGESTION_URL`, credential, retry policy, timeouts), to adjust (service identity, queue bound)
    /// (dataset, collection, tags) and build into the layer and its guard.
    ///
    /// ```no_run
    /// # fn run(sdk: &sdk::Sdk) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use tracing_subscriber::layer::SubscriberExt as _;
    /// use tracing_subscriber::util::SubscriberInitExt as _;
    ///
    /// let (layer, guard) = sdk
    ///     .log_layer()?
    ///     .dataset("checkout")
    ///     .service("checkout", env!("CARGO_PKG_VERSION"))
    ///     .build()?;
    /// tracing_subscriber::registry().with(layer).init();
    /// tracing::info!(order = 42, "payment accepted");
    /// let report = guard.shutdown(Duration::from_secs(5));
    /// println!("{report}");
    /// # Ok(()) }
    /// ```
    pub fn log_layer(&self) -> Result<tracing_layer::LayerBuilder, Error> {
        Ok(tracing_layer::LayerBuilder::new(self.ingestion()?))
    }
}
