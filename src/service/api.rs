//! What the shared core needs of an API, as a trait: its name in errors and logs, its
//! generated client, its vendor error body and what it accepts. Each API implements it in its
//! folder (`vendors/<api>/api.rs`); the attempt, the hooks and the facades name an API by that
//! type, never by a string.

use progenitor_client::ResponseValue;

use crate::Limits;
use crate::error::{ApiErrorBody, Error};
use crate::service::attempt::Attempt;

/// One of the four APIs.
pub trait Api {
    /// The API's name in errors and logs.
    const NAME: &'static str;
    /// Its generated client.
    type Client: crate::auth::hooks::GeneratedClient;
    /// Its vendor's error body, as the generated client parses it.
    type ErrorBody;
    /// That body as the facade's [`ApiErrorBody`].
    fn error_body(body: Self::ErrorBody) -> ApiErrorBody;
    /// What the API accepts, as its facade checks by default.
    fn default_limits() -> Limits;
}

/// The response of a generated operation of the API `A`, or the facade's error for its failure,
/// told with what the running attempt observed (an error status whose body is not the vendor's
/// JSON keeps its status; a credential's error is returned whole).
pub(crate) async fn result<A: Api, T>(
    result: Result<ResponseValue<T>, progenitor_client::Error<A::ErrorBody>>,
) -> Result<ResponseValue<T>, Error> {
    match result {
        Ok(response) => Ok(response),
        Err(error) => {
            Err(Error::from_generated(A::NAME, error, A::error_body, Attempt::observed()).await)
        }
    }
}
