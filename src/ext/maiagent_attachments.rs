//! `createAttachmentUpload` of MaiAgent (`POST /api/attachments-upload/`): a
//! `multipart/form-data` body, which progenitor cannot generate.

use progenitor_client::{Error, ResponseValue};
use reqwest::multipart::{Form, Part};

use super::send;
use crate::generated::maiagent_attachments::facade_operations::CREATE_ATTACHMENT_UPLOAD;
use crate::generated::maiagent_attachments::{Client, types};

/// Adds [`create_attachment_upload`](MaiAgentAttachmentsExt::create_attachment_upload) to the
/// generated MaiAgent client.
pub trait MaiAgentAttachmentsExt {
    /// Create a new attachment (integrated): uploads the file in a multipart form with one
    /// `file` part; see [`CREATE_ATTACHMENT_UPLOAD`]. The API states no response body.
    ///
    /// ```no_run
    /// use reqwest::multipart::Part;
    /// use upload_clients::ext::MaiAgentAttachmentsExt;
    /// use upload_clients::generated::maiagent_attachments::Client;
    ///
    /// use upload_clients::{auth::Credential, hooks::Hooks};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = Client::new("https://api.maiagent.ai/api", Hooks::new(Credential::api_key("key")));
    /// let response = client
    ///     .create_attachment_upload()
    ///     .file(Part::bytes(std::fs::read("example_file.pdf")?).file_name("example_file.pdf"))
    ///     .send()
    ///     .await?;
    /// assert_eq!(response.status(), 200);
    /// # Ok(()) }
    /// ```
    fn create_attachment_upload(&self) -> CreateAttachmentUpload<'_>;
}

impl MaiAgentAttachmentsExt for Client {
    fn create_attachment_upload(&self) -> CreateAttachmentUpload<'_> {
        CreateAttachmentUpload::new(self)
    }
}

/// Builder for [`MaiAgentAttachmentsExt::create_attachment_upload`].
#[derive(Debug)]
pub struct CreateAttachmentUpload<'a> {
    client: &'a Client,
    file: Result<Part, String>,
}

impl<'a> CreateAttachmentUpload<'a> {
    /// A builder with nothing set.
    pub fn new(client: &'a Client) -> Self {
        Self {
            client,
            file: Err("file was not initialized".to_string()),
        }
    }

    /// Required. The file to upload (the `file` part). Give the part a file name and, for a
    /// stream, its length (`Part::stream_with_length`).
    pub fn file(mut self, value: Part) -> Self {
        self.file = Ok(value);
        self
    }

    /// Sends a `POST` request to `/api/attachments-upload/`.
    pub async fn send(self) -> Result<ResponseValue<()>, Error<types::MaiAgentError>> {
        let Self { client, file } = self;
        let file = file.map_err(Error::InvalidRequest)?;
        let url = send::url(&client.baseurl, &CREATE_ATTACHMENT_UPLOAD, &[])
            .map_err(Error::InvalidRequest)?;
        let request = client
            .client
            .post(url)
            .multipart(Form::new().part("file", file))
            .build()?;
        let response = send::run(client, CREATE_ATTACHMENT_UPLOAD.operation_id, request).await?;
        send::decode_empty(response, 200, |s| (400..=499).contains(&s)).await
    }
}
