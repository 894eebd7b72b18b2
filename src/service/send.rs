//! The one way the extension builders build a URL, run the client hooks and decode a response,
//! matching what progenitor generates for its own operations.

use progenitor_client::{ClientHooks, Error, OperationInfo, ResponseValue};
use serde::de::DeserializeOwned;

use crate::generated::{FacadeOperation, ParameterLocation};

/// `baseurl` + the operation's path, each `{name}` replaced by its percent-encoded value.
/// A missing path parameter is named in the error, as generated builders do.
pub(crate) fn url(
    baseurl: &str,
    op: &FacadeOperation,
    path_params: &[(&str, &str)],
) -> Result<String, String> {
    let mut path = op.path.to_string();
    for param in op
        .parameters
        .iter()
        .filter(|p| p.location == ParameterLocation::Path)
    {
        let value = path_params
            .iter()
            .find(|(name, _)| *name == param.name)
            .map(|(_, value)| *value)
            .ok_or_else(|| format!("{} was not initialized", param.name))?;
        path = path.replace(
            &format!("{{{}}}", param.name),
            &progenitor_client::encode_path(value),
        );
    }
    Ok(format!("{baseurl}{path}"))
}

/// Runs the hooks of `client` around `request`, as generated operations do.
pub(crate) async fn run<C, E>(
    client: &C,
    operation_id: &'static str,
    mut request: reqwest::Request,
) -> Result<reqwest::Response, Error<E>>
where
    C: ClientHooks<crate::auth::hooks::ClientAuth>,
{
    let info = OperationInfo { operation_id };
    client.pre(&mut request, &info).await?;
    let result = client.exec(request, &info).await;
    client.post(&result, &info).await?;
    Ok(result?)
}

/// Decodes `response` as the spec says `op` answers: a success status as JSON `T`, an error
/// status as the vendor's error body `E`, anything else as [`Error::UnexpectedResponse`].
#[cfg(any(feature = "rbm", feature = "ai-agents"))]
pub(crate) async fn decode_json<T: DeserializeOwned, E: DeserializeOwned>(
    response: reqwest::Response,
    op: &FacadeOperation,
) -> Result<ResponseValue<T>, Error<E>> {
    match response.status().as_u16() {
        status if op.is_success(status) => ResponseValue::from_response(response).await,
        status if op.is_error(status) => Err(Error::ErrorResponse(
            ResponseValue::from_response(response).await?,
        )),
        _ => Err(Error::UnexpectedResponse(response)),
    }
}

/// Like [`decode_json`] for an operation whose success statuses come with or without a body:
/// `Some(T)` when the body is a `T`, `None` when it is empty or something else (the upload
/// succeeded either way).
#[cfg(feature = "maiagent")]
pub(crate) async fn decode_optional_json<T: DeserializeOwned, E: DeserializeOwned>(
    response: reqwest::Response,
    op: &FacadeOperation,
) -> Result<ResponseValue<Option<T>>, Error<E>> {
    match response.status().as_u16() {
        status if op.is_success(status) => {
            let (status, headers) = (response.status(), response.headers().clone());
            let body = response.bytes().await.map_err(Error::ResponseBodyError)?;
            let value = serde_json::from_slice(&body).ok();
            Ok(ResponseValue::new(value, status, headers))
        }
        status if op.is_error(status) => Err(Error::ErrorResponse(
            ResponseValue::from_response(response).await?,
        )),
        _ => Err(Error::UnexpectedResponse(response)),
    }
}
