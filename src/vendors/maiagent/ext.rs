//! The two multipart uploads of MaiAgent, which progenitor cannot generate:
//! `createAttachmentUpload` (`POST /api/attachments-upload/`) and the multipart form of
//! `createAttachment` (`POST /api/attachments/`, whose JSON form is generated).

use progenitor_client::{Error, ResponseValue};

use crate::body::multipart::{Form, Part};
use crate::generated::FacadeOperation;
use crate::generated::maiagent_attachments::facade_operations::{
    CREATE_ATTACHMENT, CREATE_ATTACHMENT_UPLOAD,
};
use crate::generated::maiagent_attachments::{Client, types};
use crate::service::send;

/// Adds the multipart uploads to the generated MaiAgent client.
pub trait MaiAgentAttachmentsExt {
    /// Create a new attachment (integrated): uploads the file in a multipart form with one
    /// `file` part; see [`CREATE_ATTACHMENT_UPLOAD`]. MaiAgent's page states `200` with no body;
    /// the service also answers `201` with the attachment, which is then returned.
    ///
    /// ```no_run
    /// use upload_clients::body::Part;
    /// use upload_clients::maiagent::MaiAgentAttachmentsExt;
    /// use upload_clients::generated::maiagent_attachments::Client;
    ///
    /// use upload_clients::auth::{ClientAuth, Credential};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = Client::new("https://api.maiagent.ai/api", ClientAuth::new(Credential::api_key("key")));
    /// let response = client
    ///     .create_attachment_upload()
    ///     .file(Part::bytes(std::fs::read("example_file.pdf")?).file_name("example_file.pdf"))
    ///     .send()
    ///     .await?;
    /// if let Some(attachment) = response.into_inner() {
    ///     println!("attachment {}", attachment.id);
    /// }
    /// # Ok(()) }
    /// ```
    fn create_attachment_upload(&self) -> UploadForm<'_>;

    /// Uploads the file to `POST /attachments/` as a multipart form with one `file` part, as
    /// MaiAgent's official examples do (beyond MaiAgent's page; see [`CREATE_ATTACHMENT`]):
    /// the answer is the attachment with its id.
    ///
    /// ```no_run
    /// use upload_clients::body::Part;
    /// use upload_clients::maiagent::MaiAgentAttachmentsExt;
    /// use upload_clients::generated::maiagent_attachments::Client;
    ///
    /// use upload_clients::auth::{ClientAuth, Credential};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = Client::new("https://api.maiagent.ai/api/v1", ClientAuth::new(Credential::api_key("key")));
    /// let response = client
    ///     .create_attachment_with_file()
    ///     .file(Part::bytes(std::fs::read("report.pdf")?).file_name("report.pdf"))
    ///     .send()
    ///     .await?;
    /// if let Some(attachment) = response.into_inner() {
    ///     println!("attachment {}", attachment.id);
    /// }
    /// # Ok(()) }
    /// ```
    fn create_attachment_with_file(&self) -> UploadForm<'_>;
}

impl MaiAgentAttachmentsExt for Client {
    fn create_attachment_upload(&self) -> UploadForm<'_> {
        UploadForm::new(self, &CREATE_ATTACHMENT_UPLOAD)
    }

    fn create_attachment_with_file(&self) -> UploadForm<'_> {
        UploadForm::new(self, &CREATE_ATTACHMENT)
    }
}

/// Builder for the multipart uploads of [`MaiAgentAttachmentsExt`]: a form with one `file` part.
#[derive(Debug)]
pub struct UploadForm<'a> {
    client: &'a Client,
    operation: &'static FacadeOperation,
    file: Result<Part, String>,
}

impl<'a> UploadForm<'a> {
    /// A builder for `operation` with nothing set.
    fn new(client: &'a Client, operation: &'static FacadeOperation) -> Self {
        Self {
            client,
            operation,
            file: Err("file was not initialized".to_string()),
        }
    }

    /// Required. The file to upload (the `file` part). Give the part a file name and, for a
    /// stream, its length (`Part::stream_with_length`).
    pub fn file(mut self, value: Part) -> Self {
        self.file = Ok(value);
        self
    }

    /// Sends the form. Every 2xx status the spec lists is success; the attachment comes back
    /// when the answer holds one.
    pub async fn send(
        self,
    ) -> Result<ResponseValue<Option<types::Attachment>>, Error<types::MaiAgentError>> {
        let Self {
            client,
            operation,
            file,
        } = self;
        let file = file.map_err(Error::InvalidRequest)?;
        let url = send::url(&client.baseurl, operation, &[]).map_err(Error::InvalidRequest)?;
        let (content_type, body) = Form::new().part("file", file).into_body();
        let request = client
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .build()?;
        let response = send::run(client, operation.operation_id, request).await?;
        send::decode_optional_json(response, operation).await
    }
}
