//! ACS Chat as the shared core sees it: its name, generated client and error body
//! ([`Api`]), and what it accepts (its [`Limits`] constructors).

use crate::Limits;
use crate::body::limits::MB;
use crate::error::ApiErrorBody;
use crate::service::api::Api;

/// Azure Communication Services Chat, Upload Chat Image.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AcsChat;

impl Api for AcsChat {
    const NAME: &'static str = crate::generated::acs_chat::API_NAME;
    type Client = crate::generated::acs_chat::Client;
    type ErrorBody = crate::generated::acs_chat::types::ErrorResponse;
    fn error_body(body: Self::ErrorBody) -> ApiErrorBody {
        ApiErrorBody::AcsChat(body)
    }
    fn default_limits() -> Limits {
        Limits::acs_chat_images()
    }
}

impl Limits {
    /// ACS chat images: jpeg, png, gif, heic, webp (Microsoft's page), at most 20 MiB (the limit
    /// Microsoft's own chat UI enforces; the page states none). HEIC is also accepted as
    /// `image/heif`, the type its magic bytes are recognised as.
    pub fn acs_chat_images() -> Self {
        Self::new(
            [
                "image/jpeg",
                "image/png",
                "image/gif",
                "image/heic",
                "image/heif",
                "image/webp",
            ],
            ["jpg", "jpeg", "png", "gif", "heic", "webp"],
            Some(20 * MB),
        )
    }
}
