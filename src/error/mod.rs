//! The facade's one error type. Every message says what went wrong and what to do next, and
//! never holds a credential.

use reqwest::header::HeaderMap;

/// Everything that can go wrong in an upload.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was refused before any request was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The API answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The storage host of a presigned POST refused the file.
    #[error("{0}")]
    Storage(Box<StorageError>),
    /// Storage accepted the file but registering it with the API failed; register it again with
    /// `key` instead of uploading again.
    #[error(
        "the file is stored as `{key}` but registering it failed: {source}; register that key again instead of uploading the file again"
    )]
    Registration {
        /// The storage key the file was stored under.
        key: String,
        /// Why registration failed.
        #[source]
        source: Box<Error>,
    },
    /// What the service says it stored is not what was sent: storage's `ETag` is not the MD5
    /// of the bytes sent, or the size the API reports is not the file's. Storage's is retried
    /// (the same key is written again); the API's is not (the file it kept has an id: delete
    /// it).
    #[error(
        "{what} is not the file that was sent: its {check} is {received}, the file's is {sent}; {next}"
    )]
    Integrity {
        /// What was checked: the stored object or the API's file.
        what: String,
        /// What was compared (`MD5 (storage's ETag)`, `size in bytes`).
        check: &'static str,
        /// The value of the bytes sent.
        sent: String,
        /// The value the service reported.
        received: String,
        /// What to do about it.
        next: &'static str,
    },
    /// The service finished processing the file with an error.
    #[error("file {id} failed processing: {}", details.as_deref().unwrap_or("no details given"))]
    Processing {
        /// The file id.
        id: String,
        /// The service's `status_details`.
        details: Option<String>,
    },
    /// The API answered something its spec does not allow (e.g. a body that is not the JSON
    /// it should be).
    #[error("{api} sent an unexpected response: {message}")]
    InvalidResponse {
        /// Which API.
        api: &'static str,
        /// What was wrong.
        message: String,
    },
    /// The request could not be sent or the response not read. The message holds the whole
    /// cause chain (e.g. `invalid peer certificate: UnknownIssuer`) and what to do about it.
    #[error("network error: {}; {}", causes(.0), transport_hint(.0))]
    Transport(#[source] reqwest::Error),
    /// A deadline passed.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The credential could not be obtained or used.
    #[error("authentication failed: {0}")]
    Auth(String),
    /// A credential's token endpoint could not be reached; retried like any network error.
    #[error("cannot reach the token endpoint {url}: {}; {}", causes(.source), transport_hint(.source))]
    TokenEndpoint {
        /// The token endpoint.
        url: String,
        /// Why it could not be reached.
        #[source]
        source: reqwest::Error,
    },
    /// A credential crate could not get a token now (its service unreachable or busy); retried.
    #[error("{0}; check the network and the credential's service")]
    TokenUnavailable(String),
    /// The operation failed on every attempt the retry policy allowed.
    #[error("gave up after {attempts} attempts: {source}")]
    RetriesExhausted {
        /// Attempts made.
        attempts: u32,
        /// The last attempt's error.
        #[source]
        source: Box<Error>,
    },
    /// The operation failed in a way worth retrying, but it could not be retried.
    #[error("{source} (not retried: {reason})")]
    NotRetried {
        /// Why no retry was made.
        reason: &'static str,
        /// The error.
        #[source]
        source: Box<Error>,
    },
    /// The run's journal could not be read or written ([`crate::bulk::journal`]).
    #[error("cannot use the journal {}: {source}; check the path, its permissions and free space", path.display())]
    Journal {
        /// The journal file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The RBM upload cache file could not be written.
    #[error("cannot write the upload cache {}: {source}; check the directory's permissions and free space", path.display())]
    Cache {
        /// The cache file.
        path: std::path::PathBuf,
        /// Why it could not be written.
        #[source]
        source: std::io::Error,
    },
}

impl From<crate::auth::AuthError> for Error {
    fn from(error: crate::auth::AuthError) -> Self {
        match error {
            crate::auth::AuthError::Refused(message) => Self::Auth(message),
            crate::auth::AuthError::Unreachable { url, source } => {
                Self::TokenEndpoint { url, source }
            }
            unavailable @ crate::auth::AuthError::Unavailable { .. } => {
                Self::TokenUnavailable(unavailable.to_string())
            }
        }
    }
}

impl Error {
    /// The HTTP status of an API or storage error.
    ///
    /// ```
    /// assert_eq!(upload_clients::Error::InvalidInput("x".into()).status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::Storage(e) => Some(e.status),
            Self::Registration { source, .. }
            | Self::RetriesExhausted { source, .. }
            | Self::NotRetried { source, .. } => source.status(),
            _ => None,
        }
    }

    /// True for errors found before any request was sent.
    ///
    /// ```
    /// assert!(upload_clients::Error::InvalidInput("empty file".into()).is_invalid_input());
    /// ```
    pub fn is_invalid_input(&self) -> bool {
        match self {
            Self::InvalidInput(_) => true,
            Self::RetriesExhausted { source, .. } | Self::NotRetried { source, .. } => {
                source.is_invalid_input()
            }
            _ => false,
        }
    }

    pub(crate) fn from_reqwest(error: reqwest::Error) -> Self {
        if error.is_timeout() {
            Self::Timeout(format!(
                "{error}; raise the timeout for large files or slow links"
            ))
        } else {
            Self::Transport(error.without_url())
        }
    }

    /// `Api` for an error `status` of `api` with its response `headers` and `body`.
    fn api_status(api: &'static str, status: u16, headers: &HeaderMap, body: ApiErrorBody) -> Self {
        Self::Api(Box::new(ApiError {
            api,
            status,
            request_id: crate::transport::response::request_id(headers),
            retry_after: crate::transport::response::retry_after(headers),
            body,
        }))
    }

    /// Turns an error of a generated operation of `api` into the facade's error, reading a
    /// short raw body for statuses the spec does not describe.
    pub(crate) async fn from_generated<E>(
        api: &'static str,
        error: progenitor_client::Error<E>,
        wrap: fn(E) -> ApiErrorBody,
        observed: crate::service::attempt::Observed,
    ) -> Self {
        let crate::service::attempt::Observed {
            last_response,
            credential_error,
        } = observed;
        use progenitor_client::Error as G;
        match error {
            G::InvalidRequest(message) => Self::InvalidInput(message),
            G::ResponseBodyError(e) if crate::transport::response::is_over_limit(&e) => {
                let body = format!(
                    "the response body is larger than {} bytes and was not read further",
                    crate::transport::response::RESPONSE_BODY_LIMIT
                );
                match last_response {
                    Some((status, headers)) if status >= 400 => {
                        Self::api_status(api, status, &headers, ApiErrorBody::Raw(body))
                    }
                    _ => Self::InvalidResponse { api, message: body },
                }
            }
            G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => {
                Self::from_reqwest(e)
            }
            G::ErrorResponse(value) => {
                let (status, headers) = (value.status().as_u16(), value.headers().clone());
                Self::api_status(api, status, &headers, wrap(value.into_inner()))
            }
            G::InvalidResponsePayload(bytes, e) => {
                // An error status whose body is not the vendor's JSON: keep the status.
                match last_response {
                    Some((status, headers)) if status >= 400 => Self::api_status(
                        api,
                        status,
                        &headers,
                        ApiErrorBody::Raw(crate::transport::response::truncate(&bytes)),
                    ),
                    _ => Self::InvalidResponse {
                        api,
                        message: format!(
                            "{e} in {:?}",
                            crate::transport::response::truncate(&bytes)
                        ),
                    },
                }
            }
            G::UnexpectedResponse(response) => {
                let (status, headers) = (response.status().as_u16(), response.headers().clone());
                let body = crate::transport::response::read_capped(response).await;
                Self::api_status(api, status, &headers, ApiErrorBody::Raw(body))
            }
            // Only the crate's hooks produce `Custom`, for a credential that could not be had:
            // the attempt kept its error whole (a token endpoint out of reach is retried).
            G::Custom(message) => credential_error.map_or(Self::Auth(message), Self::from),
        }
    }
}

mod chain;
mod vendor;

pub(crate) use chain::transport_hint;
pub use chain::{causes, is_certificate_error};
pub use vendor::{ApiError, ApiErrorBody, StorageError};
