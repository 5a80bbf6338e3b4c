//! Component 1, the credential: the handle's extra headers, then the credential in its scheme's header, only on a
//! request to the configured origin (a redirect or an absolute link to another host never carries it). Runs once
//! per call, before the retry component copies the request for each attempt.
//!
//! A credential that cannot be a header value never gets here: [`Runtime::check_credentials`] refuses it before
//! anything is sent.
//!
//! [`Runtime::check_credentials`]: crate::Runtime::check_credentials

use tower::Service;

use super::{Attempt, AttemptFuture, AttemptService, always_ready};
use crate::{AuthScheme, BaseUrl};

#[derive(Clone)]
pub(super) struct Credentials {
    pub(super) inner: AttemptService,
    pub(super) scheme: AuthScheme,
    pub(super) base_url: BaseUrl,
}

impl Service<Attempt> for Credentials {
    type Response = reqwest::Response;
    type Error = reqwest::Error;
    type Future = AttemptFuture;

    always_ready!();

    fn call(&mut self, mut attempt: Attempt) -> Self::Future {
        let credential_headers = self.scheme.credential_headers();
        for (name, value) in &attempt.call.extra_headers {
            if !credential_headers.contains(name) {
                attempt
                    .request
                    .headers_mut()
                    .append(name.clone(), value.clone());
            }
        }
        if let Some(credential) = &attempt.call.credential
            && self.base_url.same_origin(attempt.request.url())
            && let Some((name, value)) = credential.header(&self.scheme)
        {
            attempt.request.headers_mut().insert(name, value);
        }
        let mut inner = self.inner.clone();
        Box::pin(async move { inner.call(attempt).await })
    }
}
