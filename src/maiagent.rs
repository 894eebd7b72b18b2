//! The MaiAgent facade: a direct multipart upload, and the presigned flow in one call (ask for
//! a presigned POST, send the file to storage, register the attachment, optionally on a
//! conversation).

use crate::api::{Api, MaiAgent};
use crate::auth::Credential;
use crate::checks::check_id;
use crate::ext::MaiAgentAttachmentsExt;
use crate::ext::maiagent_attachments::UploadForm;
use crate::generated::maiagent_attachments::{Client, types};
use crate::presigned_policy::{self, Clocks, Policy};
use crate::presigned_post::{self, PresignedPost};
use crate::service::{Service, service_setters};
use crate::{Error, UploadSource};

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
        self.service.check(source)?;
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
        self.service.check(source)?;
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

    /// Uploads every source with [`upload_presigned`](Self::upload_presigned) (registered on
    /// `conversation` if given), at most `concurrency` at a time. The results come in the order
    /// of `sources`; one failure does not stop the others.
    pub async fn upload_presigned_many(
        &self,
        sources: &[UploadSource],
        conversation: Option<&str>,
        concurrency: usize,
    ) -> Vec<Result<Attachment, Error>> {
        crate::bulk::for_each(sources, concurrency, |source| {
            self.upload_presigned(source, conversation)
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
        let response = crate::api::result::<MaiAgent, _>(response).await?;
        Ok(response.into_inner().map(Attachment::from))
    }

    /// Asks for a presigned POST for `source`: its file name, size, [`PRESIGN_MODEL_NAME`] and
    /// [`PRESIGN_FIELD_NAME`], in the JSON body as MaiAgent's official examples send them and in
    /// the query as its page lists them.
    pub async fn presign(&self, source: &UploadSource) -> Result<PresignedPost, Error> {
        let (post, _) = self.presign_dated(source).await?;
        Ok(post)
    }

    /// A presigned POST, and how far the service's clock is ahead of this machine's (its
    /// answer's `Date`), for checking the policy's expiry on the clock that signed it.
    async fn presign_dated(
        &self,
        source: &UploadSource,
    ) -> Result<(PresignedPost, Option<chrono::TimeDelta>), Error> {
        let size = source.len().ok_or_else(|| {
            Error::InvalidInput(
                "the presigned flow needs the file's length; give the stream's length".into(),
            )
        })?;
        let size =
            i64::try_from(size).map_err(|_| Error::InvalidInput("the file is too large".into()))?;
        self.service
            .run(None, || self.presign_once(source, size))
            .await
    }

    async fn presign_once(
        &self,
        source: &UploadSource,
        size: i64,
    ) -> Result<(PresignedPost, Option<chrono::TimeDelta>), Error> {
        let response = self
            .service
            .api
            .create_upload_presigned_url()
            .field_name(PRESIGN_FIELD_NAME)
            .model_name(PRESIGN_MODEL_NAME)
            .filename(source.file_name())
            .body(
                types::UploadPresignedUrlRequest::builder()
                    .file_size(size)
                    .filename(Some(source.file_name().to_string()))
                    .model_name(Some(PRESIGN_MODEL_NAME.to_string()))
                    .field_name(Some(PRESIGN_FIELD_NAME.to_string())),
            )
            .send()
            .await;
        // The answer holds the form's policy and signature: an answer that does not parse is
        // described without its body.
        let parse_error = match &response {
            Err(progenitor_client::Error::InvalidResponsePayload(_, e)) => Some(e.to_string()),
            _ => None,
        };
        let response = crate::api::result::<MaiAgent, _>(response)
            .await
            .map_err(|error| match (error, parse_error) {
                (Error::InvalidResponse { api, .. }, Some(e)) => Error::InvalidResponse {
                    api,
                    message: format!(
                        "the presigned POST is not the {{url, fields}} object the API documents ({}); its body is not shown as it may hold the form's policy and signature",
                        if e.starts_with("missing field ") {
                            e.as_str()
                        } else {
                            "not valid JSON of that shape"
                        }
                    ),
                },
                (error, _) => error,
            })?;
        let clock_offset = presigned_policy::offset_from_date(
            response
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|v| v.to_str().ok()),
            chrono::Utc::now(),
        );
        let post = response.into_inner();
        let post = PresignedPost {
            url: post.url,
            fields: post.fields,
        };
        // Checked here, not left to the storage upload, so that it is the API's error and
        // nothing is sent to storage.
        post.check().map_err(|reason| Error::InvalidResponse {
            api: MaiAgent::NAME,
            message: format!("{reason}; nothing was sent to storage"),
        })?;
        Ok((post, clock_offset))
    }

    /// Registers a file already in storage under `key` as an attachment named `filename` (sent
    /// in NFC, as every file name is: see
    /// [`file_name::normalized`](crate::file_name::normalized)), on the conversation
    /// `conversation` if given. A name that cannot be sent
    /// ([`file_name::check`](crate::file_name::check)) is refused before any request.
    pub async fn register(
        &self,
        key: &str,
        filename: &str,
        conversation: Option<&str>,
    ) -> Result<Attachment, Error> {
        self.register_exact(key, &crate::file_name::normalized(filename), conversation)
            .await
    }

    /// [`register`](Self::register), sending `filename`'s exact bytes instead of its NFC: for
    /// a name that must arrive as it is, or one already as a source sends it
    /// ([`UploadSource::file_name`], which honours
    /// [`keep_file_name_bytes`](UploadSource::keep_file_name_bytes)).
    pub async fn register_exact(
        &self,
        key: &str,
        filename: &str,
        conversation: Option<&str>,
    ) -> Result<Attachment, Error> {
        crate::file_name::check(filename)?;
        self.service
            .run(None, move || {
                self.register_once(key, filename, conversation)
            })
            .await
    }

    async fn register_once(
        &self,
        key: &str,
        filename: &str,
        conversation: Option<&str>,
    ) -> Result<Attachment, Error> {
        match conversation {
            None => {
                let body = types::AttachmentCreate::builder()
                    .filename(filename)
                    .file(key)
                    .type_(Some(types::AttachmentType(self.attachment_type.clone())));
                let response = self.service.api.create_attachment().body(body).send().await;
                let response = crate::api::result::<MaiAgent, _>(response);
                Ok(response.await?.into_inner().into())
            }
            Some(conversation) => {
                let body = types::ConversationAttachmentCreate::builder()
                    .filename(filename)
                    .file(key)
                    .type_(Some(types::AttachmentType(self.attachment_type.clone())))
                    .conversation(conversation.parse::<uuid::Uuid>().ok());
                let response = self
                    .service
                    .api
                    .create_conversation_attachment()
                    .conversation_pk(conversation)
                    .body(body)
                    .send()
                    .await;
                let response = crate::api::result::<MaiAgent, _>(response);
                Ok(response.await?.into_inner().into())
            }
        }
    }

    /// The presigned flow in one call: [`store_presigned`](Self::store_presigned), then
    /// [`register`](Self::register) the attachment under the source's file name as it is sent
    /// (NFC, or its exact bytes after
    /// [`keep_file_name_bytes`](UploadSource::keep_file_name_bytes)) and the key storage
    /// stored it under (on `conversation` if given).
    ///
    /// Nothing is sent when the input is bad. When storage accepted the file but registration
    /// failed, the error is [`Error::Registration`] with the storage key: call
    /// [`register`](Self::register) with it rather than uploading again.
    pub async fn upload_presigned(
        &self,
        source: &UploadSource,
        conversation: Option<&str>,
    ) -> Result<Attachment, Error> {
        if let Some(conversation) = conversation {
            check_id("conversation id", conversation)?;
        }
        let key = self.store_presigned(source).await?.key;
        // The name as the source sends it: already in its final form.
        self.register_exact(&key, source.file_name(), conversation)
            .await
            .map_err(|source| Error::Registration {
                key,
                source: Box::new(source),
            })
    }

    /// The first half of the presigned flow: presign, check the returned policy (an expired
    /// one, or a `content-length-range` the file is outside of, fails here and nothing goes to
    /// storage), and POST the form to storage (fields in order, the file last, no credential).
    /// Returns the key storage stored the file under, for [`register`](Self::register), and
    /// the MD5 of what was sent (when verifying); a run that keeps them ([`crate::journal`])
    /// never sends the file to storage twice.
    pub async fn store_presigned(&self, source: &UploadSource) -> Result<InStorage, Error> {
        self.service.check(source)?;
        let (post, clock_offset) = self.presign_dated(source).await?;
        // What storage would refuse only after the whole file is refused now, on the clock
        // of the service that signed the policy.
        if let (Some(policy), Some(len)) = (Policy::of(&post), source.len()) {
            policy.check(len, Clocks::now(clock_offset))?;
        }
        // Storage is retried on its own: once it accepted the file, only registration is left.
        let (storage, post, verify) = (&self.service.http(), &post, self.service.verify);
        let stored = self
            .service
            .run(Some(source), || {
                presigned_post::upload(storage, post, source, verify)
            })
            .await?;
        let key = stored.key.ok_or_else(|| Error::InvalidResponse {
            api: MaiAgent::NAME,
            message: "the presigned POST has no `key` field".into(),
        })?;
        Ok(InStorage {
            key,
            md5: stored.md5,
        })
    }
}

/// A file in storage but not yet registered: what
/// [`store_presigned`](MaiAgentClient::store_presigned) returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InStorage {
    /// The key storage stored it under, for [`register`](MaiAgentClient::register).
    pub key: String,
    /// The MD5 of the bytes sent (32 lowercase hex digits), when the upload verified them;
    /// storage's `ETag` agreed when it stated one.
    pub md5: Option<String>,
}
