//! The raw escape hatch: [`Bronto::get`], [`Bronto::post`], ... and [`Bronto::raw`] for endpoints the vendor serves
//! but does not declare, through the same credential, retries, deadline and errors as the generated operations.

use bronto_client::ClientInfo as _;
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use client_runtime::error::{self, Error, ErrorKind};

use super::Bronto;

impl Bronto {
    /// `GET path` with JSON out.
    pub async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.raw(Method::GET, path, None).await
    }

    /// `POST path` with JSON in and out (never retried: a POST may create something).
    pub async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, Error> {
        self.raw(Method::POST, path, Some(body)).await
    }

    /// `PUT path` with JSON in and out.
    pub async fn put<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, Error> {
        self.raw(Method::PUT, path, Some(body)).await
    }

    /// `PATCH path` with JSON in and out (never retried).
    pub async fn patch<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, Error> {
        self.raw(Method::PATCH, path, Some(body)).await
    }

    /// `DELETE path` with JSON out (an empty body reads as `null`).
    pub async fn delete<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.raw(Method::DELETE, path, None).await
    }

    /// A raw call on a path of the configured host, for endpoints the vendor serves but does not declare:
    /// the same credentials, retries (GET/PUT/DELETE only), timeouts, per-call options of the handle and error
    /// mapping as the generated operations. `path` must be an absolute path (`/...`); it can never name another
    /// host.
    pub async fn raw<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, Error> {
        let label = format!("{method} {path}");
        let response = self.exchange(method, path, body).await?;
        response.json().map_err(|e| e.operation(label))
    }

    /// Sends one request to `target` (an absolute path, or a URL on the configured origin) under the runtime
    /// policy; a 2xx answer comes back whole, anything else as an [`Error`].
    pub(crate) async fn exchange(
        &self,
        method: Method,
        target: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<RawResponse, Error> {
        let label = format!("{method} {target}");
        let runtime = self.client.runtime().clone();
        let url = if target.starts_with('/') && !target.starts_with("//") && !target.contains('#') {
            format!("{}{target}", self.client.baseurl())
        } else {
            match reqwest::Url::parse(target) {
                Ok(url) if runtime.base_url().same_origin(&url) => url.to_string(),
                _ => {
                    return Err(Error::new(ErrorKind::InvalidRequest).operation(label).message(
                        "a raw call takes an absolute path on the configured host, such as `/things`",
                    ));
                }
            }
        };
        let http = runtime.http_client().clone();
        let mut builder = http.request(method, url).header(ACCEPT, "application/json");
        if let Some(body) = body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let request = builder.build().map_err(|e| {
            Error::new(ErrorKind::InvalidRequest)
                .operation(label.clone())
                .with_source(e)
        })?;
        let limit = runtime.operation_timeout();
        let started = std::time::Instant::now();
        let (method, url) = (request.method().clone(), request.url().clone());
        let send = async {
            runtime
                .check_credentials()
                .map_err(|message| Error::new(ErrorKind::Credential).message(message))?;
            let response = runtime
                .execute(&http, request, "raw")
                .await
                .map_err(|e| transport_error(e, &method, &url))?;
            let status = response.status();
            let headers = response.headers().clone();
            if !status.is_success() {
                let (bytes, truncated) = error::read_bounded(response).await;
                let kind = if status.is_redirection() {
                    ErrorKind::Redirect
                } else {
                    ErrorKind::Status
                };
                return Err(Error::new(kind)
                    .response(status, &headers)
                    .body(bytes, truncated));
            }
            let body = response
                .bytes()
                .await
                .map_err(|e| transport_error(e, &method, &url).response(status, &headers))?;
            Ok(RawResponse {
                status,
                headers,
                body,
            })
        };
        let (result, record) = client_runtime::record(tokio::time::timeout(limit, send)).await;
        match result {
            Ok(Err(error)) if error.is_timeout() => {
                let (limit, duration) = client_runtime::call::time_limit(
                    &runtime,
                    started,
                    &record,
                    std::error::Error::source(&error),
                );
                Err(error.timed_out(limit, duration).operation(label))
            }
            Ok(result) => result.map_err(|e| e.operation(label)),
            Err(_) => Err(Error::new(ErrorKind::Timeout)
                .operation(label)
                .timed_out(client_runtime::TimeLimit::Operation, limit)),
        }
    }
}

/// A transport failure of a raw call: its kind, the request's method and URL (no query), and the innermost cause.
fn transport_error(error: reqwest::Error, method: &Method, url: &reqwest::Url) -> Error {
    let kind = error::transport_kind(&error);
    let mut mapped = Error::new(kind);
    if kind != ErrorKind::Timeout {
        mapped = mapped
            .message(error::root_cause(&error))
            .request_line(method, url);
    }
    mapped.with_source(error)
}

/// A successful raw answer.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: reqwest::StatusCode,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: bytes::Bytes,
}

impl RawResponse {
    /// The body as JSON (an empty body reads as `null`).
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        let parsed = if self.body.iter().all(u8::is_ascii_whitespace) {
            serde_json::from_str("null")
        } else {
            serde_json::from_slice(&self.body)
        };
        parsed.map_err(|e| {
            let mut error = Error::new(ErrorKind::Decode)
                .response(self.status, &self.headers)
                .with_source(e);
            if let Err(failure) = error::decode_json::<T>(&self.body) {
                error = error.decode_failure(failure);
            }
            error.body(self.body.clone(), false)
        })
    }
}
