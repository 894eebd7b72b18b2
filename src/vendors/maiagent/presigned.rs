//! MaiAgent's presigned flow: ask for a presigned POST, check its policy on the service's
//! clock, send the file to storage (its MD5 checked against storage's `ETag`), register it.

use super::api::MaiAgent;
use super::{Attachment, MaiAgentClient, PRESIGN_FIELD_NAME, PRESIGN_MODEL_NAME};
use crate::generated::maiagent_attachments::types;
use crate::maiagent::presigned_policy::{self, Clocks, Policy};
use crate::maiagent::presigned_post::{self, PresignedPost};
use crate::service::api::Api;
use crate::transport::checks::check_id;
use crate::{Error, UploadSource};

impl MaiAgentClient {
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
        let response = crate::service::api::result::<MaiAgent, _>(response)
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
        post.storage_url()
            .map_err(|reason| Error::InvalidResponse {
                api: MaiAgent::NAME,
                message: format!("{reason}; nothing was sent to storage"),
            })?;
        Ok((post, clock_offset))
    }

    /// Registers a file already in storage under `key` as an attachment named `filename` (sent
    /// in NFC, as every file name is: see
    /// [`file_name::normalized`](crate::body::file_name::normalized)), on the conversation
    /// `conversation` if given. A name that cannot be sent
    /// ([`file_name::check_sendable`](crate::body::file_name::check_sendable)) is refused before any request.
    pub async fn register(
        &self,
        key: &str,
        filename: &str,
        conversation: Option<&str>,
    ) -> Result<Attachment, Error> {
        self.register_exact(
            key,
            &crate::body::file_name::normalized(filename),
            conversation,
        )
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
        crate::body::file_name::check_sendable(filename)?;
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
                let response = crate::service::api::result::<MaiAgent, _>(response);
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
                let response = crate::service::api::result::<MaiAgent, _>(response);
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
    /// the MD5 of what was sent (when verifying); a run that keeps them ([`crate::bulk::journal`])
    /// never sends the file to storage twice.
    pub async fn store_presigned(&self, source: &UploadSource) -> Result<InStorage, Error> {
        self.service.check_source(source)?;
        let (post, clock_offset) = self.presign_dated(source).await?;
        // What storage would refuse only after the whole file is refused now, on the clock
        // of the service that signed the policy.
        if let (Some(policy), Some(len)) = (Policy::of(&post), source.len()) {
            policy.admit(len, Clocks::now(clock_offset))?;
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
