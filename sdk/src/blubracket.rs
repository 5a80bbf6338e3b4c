//! [`BluBracket`]: the BluBracket client under the SDK's policy, with typed errors and paged streams.

use blubracket_client::types::{Alert, AuditRecord, Event, SearchRequest};
use futures::{Stream, StreamExt as _};

use crate::error::{self, Error};

/// The BluBracket API under the SDK's runtime policy.
///
/// It dereferences to the generated [`blubracket_client::Client`]; run a builder's `send()` through
/// [`Api::call`](crate::Api::call) for the typed body or an [`Error`], or page through alerts and events as streams:
///
/// ```no_run
/// # async fn run(sdk: &sdk::Sdk) -> Result<(), sdk::Error> {
/// use futures::TryStreamExt as _;
/// use sdk::blubracket_api::types::{Filter, SearchRequest};
/// let blubracket = sdk.blubracket()?;
/// let request = SearchRequest::new([Filter::new("state", ["ACTIVE"])]).with_limit(100);
/// let alerts: Vec<_> = blubracket.alerts(request).try_collect().await?;
/// # let _ = alerts; Ok(()) }
/// ```
pub type BluBracket = crate::call::Api<blubracket_client::Client>;

impl BluBracket {
    /// Every alert matching `request`, page after page (the same filters on every page) until a short page.
    pub fn alerts(
        &self,
        request: SearchRequest,
    ) -> impl Stream<Item = Result<Alert, Error>> + use<> {
        self.client.alert_stream(request).then(map_item)
    }

    /// Every event matching `request`, page after page.
    pub fn events(
        &self,
        request: SearchRequest,
    ) -> impl Stream<Item = Result<Event, Error>> + use<> {
        self.client.event_stream(request).then(map_item)
    }

    /// Every system-audit record matching `request`, page after page.
    pub fn audit_records(
        &self,
        request: SearchRequest,
    ) -> impl Stream<Item = Result<AuditRecord, Error>> + use<> {
        self.client.audit_stream(request).then(map_item)
    }
}

async fn map_item<T>(
    item: Result<T, progenitor_client::Error<blubracket_client::types::ErrorMessage>>,
) -> Result<T, Error> {
    match item {
        Ok(value) => Ok(value),
        Err(e) => Err(error::from_progenitor(e, Default::default(), |_| None).await),
    }
}
