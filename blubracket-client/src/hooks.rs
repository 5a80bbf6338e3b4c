//! The one middleware point of the generated client: every request goes through the shared runtime.

use progenitor_client::{ClientHooks, OperationInfo};

use crate::generated::Client;

impl ClientHooks<client_runtime::Runtime> for Client {
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
