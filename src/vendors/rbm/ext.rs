//! `uploadFile` of RBM `files.create` (`POST /upload/v1/files`): the file binary as the request
//! body, with the file's own media type as `Content-Type`, which progenitor cannot generate.

use progenitor_client::{Error, ResponseValue};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};

use crate::generated::rbm_files::facade_operations::UPLOAD_FILE;
use crate::generated::rbm_files::{Client, types};
use crate::service::send;

/// Adds [`upload_file`](RbmFilesExt::upload_file) to the generated RBM client.
pub trait RbmFilesExt {
    /// files.create (Upload URI, media upload request): uploads the file binary as the request
    /// body; see [`UPLOAD_FILE`] for the operation's description.
    ///
    /// ```no_run
    /// use upload_clients::rbm::RbmFilesExt;
    /// use upload_clients::generated::rbm_files::Client;
    ///
    /// use upload_clients::auth::{ClientAuth, Credential};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = Client::new("https://rcsbusinessmessaging.googleapis.com", ClientAuth::new(Credential::bearer("token")));
    /// let file = client
    ///     .upload_file()
    ///     .agent_id("my-agent")
    ///     .content_type("image/png")
    ///     .body(std::fs::read("cat.png")?)
    ///     .send()
    ///     .await?;
    /// println!("{}", file.name);
    /// # Ok(()) }
    /// ```
    fn upload_file(&self) -> UploadFile<'_>;
}

impl RbmFilesExt for Client {
    fn upload_file(&self) -> UploadFile<'_> {
        UploadFile::new(self)
    }
}

/// Builder for [`RbmFilesExt::upload_file`].
#[derive(Debug)]
pub struct UploadFile<'a> {
    client: &'a Client,
    agent_id: Result<String, String>,
    thumbnail_url: Result<Option<String>, String>,
    content_type: Result<String, String>,
    content_length: Option<u64>,
    body: Result<reqwest::Body, String>,
}

impl<'a> UploadFile<'a> {
    /// A builder with nothing set.
    pub fn new(client: &'a Client) -> Self {
        Self {
            client,
            agent_id: Err("agent_id was not initialized".to_string()),
            thumbnail_url: Ok(None),
            content_type: Err("content_type was not initialized".to_string()),
            content_length: None,
            body: Err("body was not initialized".to_string()),
        }
    }

    /// Required. The agent's unique identifier (query `agentId`).
    pub fn agent_id<V: TryInto<String>>(mut self, value: V) -> Self {
        self.agent_id = value
            .try_into()
            .map_err(|_| "conversion to `String` for agent_id failed".to_string());
        self
    }

    /// Optional. Publicly available URL of the thumbnail (query `thumbnailUrl`).
    pub fn thumbnail_url<V: TryInto<String>>(mut self, value: V) -> Self {
        self.thumbnail_url = value
            .try_into()
            .map(Some)
            .map_err(|_| "conversion to `String` for thumbnail_url failed".to_string());
        self
    }

    /// Required. The media type of the body: one of the types the spec lists for the
    /// operation ([`UPLOAD_FILE`]`.content_types`); any other is refused before sending.
    pub fn content_type<V: TryInto<String>>(mut self, value: V) -> Self {
        self.content_type = value
            .try_into()
            .map_err(|_| "conversion to `String` for content_type failed".to_string());
        self
    }

    /// The length of the body in bytes, sent as `Content-Length` when the body is a stream
    /// (bodies made from bytes carry their length already).
    pub fn content_length(mut self, value: u64) -> Self {
        self.content_length = Some(value);
        self
    }

    /// Required. The file binary.
    pub fn body<B: TryInto<reqwest::Body>>(mut self, value: B) -> Self {
        self.body = value
            .try_into()
            .map_err(|_| "conversion to `reqwest::Body` for body failed".to_string());
        self
    }

    /// Sends a `POST` request to `/upload/v1/files`.
    pub async fn send(
        self,
    ) -> Result<ResponseValue<types::File>, Error<types::GoogleErrorResponse>> {
        let Self {
            client,
            agent_id,
            thumbnail_url,
            content_type,
            content_length,
            body,
        } = self;
        let agent_id = agent_id.map_err(Error::InvalidRequest)?;
        let thumbnail_url = thumbnail_url.map_err(Error::InvalidRequest)?;
        let content_type = content_type.map_err(Error::InvalidRequest)?;
        let body = body.map_err(Error::InvalidRequest)?;
        if !UPLOAD_FILE.content_types.contains(&content_type.as_str()) {
            return Err(Error::InvalidRequest(format!(
                "content type {content_type:?} is not one RBM accepts ({})",
                UPLOAD_FILE.content_types.join(", ")
            )));
        }
        let url = send::url(&client.baseurl, &UPLOAD_FILE, &[]).map_err(Error::InvalidRequest)?;
        let mut query = vec![("agentId", agent_id)];
        query.extend(thumbnail_url.map(|url| ("thumbnailUrl", url)));
        let mut request = client
            .client
            .post(url)
            .header(
                reqwest::header::ACCEPT,
                HeaderValue::from_static("application/json"),
            )
            .header(CONTENT_TYPE, content_type)
            .query(&query);
        if let Some(length) = content_length {
            request = request.header(CONTENT_LENGTH, length);
        }
        let request = request.body(body).build()?;
        let response = send::run(client, UPLOAD_FILE.operation_id, request).await?;
        send::decode_json(response, &UPLOAD_FILE).await
    }
}
