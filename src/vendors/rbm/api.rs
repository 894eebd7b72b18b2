//! RBM as the shared core sees it: its name, generated client and error body
//! ([`Api`]), and what it accepts (its [`Limits`] constructors).

use crate::Limits;
use crate::body::limits::MB;
use crate::error::ApiErrorBody;
use crate::service::api::Api;

/// Google RCS Business Messaging, files.create.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rbm;

impl Api for Rbm {
    const NAME: &'static str = crate::generated::rbm_files::API_NAME;
    type Client = crate::generated::rbm_files::Client;
    type ErrorBody = crate::generated::rbm_files::types::GoogleErrorResponse;
    fn error_body(body: Self::ErrorBody) -> ApiErrorBody {
        ApiErrorBody::Rbm(body)
    }
    fn default_limits() -> Limits {
        Limits::rbm_files()
    }
}

impl Limits {
    /// RBM files: the image, audio, video and pdf types Google's page lists (the spec's media
    /// types of `uploadFile`, from the generated code), at most 100 MiB (Google's RBM media
    /// limit; the page states none).
    ///
    /// ```
    /// let limits = upload_clients::Limits::rbm_files();
    /// assert!(limits.content_types.iter().any(|t| t == "audio/mp4-latm"));
    /// assert_eq!(limits.content_types.len(), 20);
    /// ```
    pub fn rbm_files() -> Self {
        use crate::generated::rbm_files::facade_operations::UPLOAD_FILE;
        Self::new(
            UPLOAD_FILE.content_types.iter().copied(),
            [] as [&str; 0],
            Some(100 * MB),
        )
    }

    /// RBM thumbnails: images only (image/jpeg, image/jpg, image/gif, image/png).
    pub fn rbm_thumbnails() -> Self {
        Self::new(
            ["image/jpeg", "image/jpg", "image/gif", "image/png"],
            [] as [&str; 0],
            None,
        )
    }
}
