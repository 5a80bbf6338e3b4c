//! The one middleware point of the generated client: every request goes through the shared runtime.

use progenitor_client::{ClientHooks, Error, OperationInfo};

use crate::generated::Client;

impl ClientHooks<client_runtime::Runtime> for Client {
    /// Fails closed before anything is sent when the call's credential does not fit the client's mode.
    async fn pre<E>(
        &self,
        _request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        self.inner.check_credentials().map_err(Error::Custom)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner
            .execute(&self.client, request, info.operation_id)
            .await
    }
}
