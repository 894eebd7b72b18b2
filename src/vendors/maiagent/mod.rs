//! The MaiAgent facade: a direct multipart upload, and the presigned flow in one call (ask for
//! a presigned POST, send the file to storage, register the attachment, optionally on a
//! conversation).

mod api;
pub mod ext;
pub mod presigned_policy;
pub mod presigned_post;

pub use ext::MaiAgentAttachmentsExt;
pub use presigned_post::PresignedPost;

use crate::auth::Credential;
use crate::generated::maiagent_attachments::{Client, types};
use crate::maiagent::ext::UploadForm;
use crate::service::api::Api;
use crate::service::{Service, service_setters};
use crate::{Error, UploadSource};
use api::MaiAgent;

/// The API's base URL with the base path of MaiAgent's page. MaiAgent's official examples and
/// guides use [`V1_BASE_URL`]; pass it to [`MaiAgentClient::with_base_url`] to do the same.
pub const DEFAULT_BASE_URL: &str = "https://api.maiagent.ai/api";

/// The base URL MaiAgent's official examples use (beyond MaiAgent's page).
pub const V1_BASE_URL: &str = "https://api.maiagent.ai/api/v1";

/// `modelName` sent when asking for a presigned POST. MaiAgent's page names the parameter without
/// saying what it takes; `attachment` is the model the registered file belongs to.
pub const PRESIGN_MODEL_NAME: &str = "attachment";
/// `fieldName` sent when asking for a presigned POST: the attachment's `file` field.
pub const PRESIGN_FIELD_NAME: &str = "file";

/// A registered attachment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Attachment {
    /// The attachment id.
    pub id: uuid::Uuid,
    /// The file name.
    pub filename: String,
    /// The file, as the API returns it.
    pub file: String,
    /// The attachment type, any JSON value (MaiAgent's page leaves it open).
    pub attachment_type: Option<serde_json::Value>,
    /// The conversation, for a conversation attachment.
    pub conversation: Option<uuid::Uuid>,
}

impl From<types::Attachment> for Attachment {
    fn from(a: types::Attachment) -> Self {
        Self {
            id: a.id,
            filename: a.filename,
            file: a.file,
            attachment_type: a.type_.map(|t| t.0),
            conversation: None,
        }
    }
}

impl From<types::ConversationAttachment> for Attachment {
    fn from(a: types::ConversationAttachment) -> Self {
        Self {
            id: a.id,
            filename: a.filename,
            file: a.file,
            attachment_type: a.type_.map(|t| t.0),
            conversation: a.conversation,
        }
    }
}

/// Uploads attachments to MaiAgent.
///
/// ```no_run
/// use upload_clients::{MaiAgentClient, UploadSource, auth::Credential};
///
/// # async fn run() -> Result<(), upload_clients::Error> {
/// let mai = MaiAgentClient::new(Credential::api_key("<API key>"))?;
/// let source = UploadSource::from_path("report.pdf").await?;
/// let attachment = mai.upload_presigned(&source, None).await?;
/// println!("attachment {}", attachment.id);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MaiAgentClient {
    /// The API; its connection pool, without the API's credential, also sends to storage.
    service: Service<MaiAgent>,
    /// The `type` sent when registering an attachment.
    attachment_type: serde_json::Value,
}

impl MaiAgentClient {
    /// A client for [`DEFAULT_BASE_URL`].
    pub fn new(credential: Credential) -> Result<Self, Error> {
        Ok(Self {
            service: Service::new(DEFAULT_BASE_URL, credential)?,
            attachment_type: serde_json::Value::Null,
        })
    }

    service_setters!("[`crate::Limits::maiagent_attachments`]");

    /// The `type` sent when registering an attachment: by default `null`, as in the example of
    /// MaiAgent's page. MaiAgent's API reference lists `image`, `video`, `audio`, `sticker` and
    /// `other`; its examples send `image` for images and `other` for documents.
    ///
    /// ```
    /// # fn run() -> Result<(), upload_clients::Error> {
    /// use upload_clients::{MaiAgentClient, auth::Credential};
    /// let mai = MaiAgentClient::new(Credential::api_key("<API key>"))?.with_attachment_type("image");
    /// # let _ = mai; Ok(()) }
    /// ```
    pub fn with_attachment_type(mut self, attachment_type: impl Into<serde_json::Value>) -> Self {
        self.attachment_type = attachment_type.into();
        self
    }

    /// Uploads `source` in one multipart request (`POST /attachments-upload/`). MaiAgent's page
    /// states `200` with no body; the service also answers `201` with the attachment, which is
    /// then returned.
    pub async fn upload(&self, source: &UploadSource) -> Result<Option<Attachment>, Error> {
        self.service.check_source(source)?;
        self.service
            .run(Some(source), move || {
                self.upload_form_once(self.service.api.create_attachment_upload(), source)
            })
            .await
    }

    /// Uploads every source with [`upload`](Self::upload), at most `concurrency` at a time over
    /// this client's connection pool. The results come in the order of `sources`; one failure
    /// does not stop the others.
    pub async fn upload_many(
        &self,
        sources: &[UploadSource],
        concurrency: usize,
    ) -> Vec<Result<Option<Attachment>, Error>> {
        crate::bulk::for_each(sources, concurrency, |source| self.upload(source)).await
    }

    /// Uploads every source with [`upload_attachment`](Self::upload_attachment), at most
    /// `concurrency` at a time; results in the order of `sources`, one failure not stopping the
    /// others.
    pub async fn upload_attachment_many(
        &self,
        sources: &[UploadSource],
        concurrency: usize,
    ) -> Vec<Result<Attachment, Error>> {
        crate::bulk::for_each(sources, concurrency, |source| {
            self.upload_attachment(source)
        })
        .await
    }

    /// Uploads `source` to `POST /attachments/` as a multipart form, as MaiAgent's official
    /// examples do (beyond MaiAgent's page), and returns the attachment with its id, ready to
    /// attach to a message.
    pub async fn upload_attachment(&self, source: &UploadSource) -> Result<Attachment, Error> {
        self.service.check_source(source)?;
        self.service
            .run(Some(source), move || async move {
                let form = self.service.api.create_attachment_with_file();
                self.upload_form_once(form, source).await?.ok_or_else(|| {
                    Error::InvalidResponse {
                        api: MaiAgent::NAME,
                        message: "the upload to /attachments/ succeeded but its answer is not the attachment `{id, type, filename, file}`".into(),
                    }
                })
            })
            .await
    }

    /// One attempt of a multipart upload with `form` (an [`UploadForm`] of the extension): the
    /// attachment, when the answer holds one.
    async fn upload_form_once(
        &self,
        form: UploadForm<'_>,
        source: &UploadSource,
    ) -> Result<Option<Attachment>, Error> {
        let response = form.file(source.part(None).await?).send().await;
        let response = crate::service::api::result::<MaiAgent, _>(response).await?;
        Ok(response.into_inner().map(Attachment::from))
    }
}

mod presigned;

pub use presigned::InStorage;
