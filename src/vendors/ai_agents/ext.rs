//! `uploadFile` of Azure AI Foundry Agents (`POST /files?api-version=v1`): a
//! `multipart/form-data` body, which progenitor cannot generate.

use progenitor_client::{Error, ResponseValue};
use reqwest::header::HeaderValue;

use crate::body::multipart::{Form, Part};
use crate::generated::ai_agents_files::facade_operations::UPLOAD_FILE;
use crate::generated::ai_agents_files::{Client, types};
use crate::service::send;

/// Adds [`upload_file`](AiAgentsFilesExt::upload_file) to the generated AI Agents client.
pub trait AiAgentsFilesExt {
    /// Files - Upload File: uploads a file for use by other operations; see [`UPLOAD_FILE`].
    ///
    /// ```no_run
    /// use upload_clients::body::Part;
    /// use upload_clients::ai_agents::AiAgentsFilesExt;
    /// use upload_clients::generated::ai_agents_files::{Client, types};
    ///
    /// use upload_clients::auth::{ClientAuth, Credential};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = Client::new(
    ///     "https://res.services.ai.azure.com/api/projects/proj",
    ///     ClientAuth::new(Credential::bearer("token")),
    /// );
    /// let info = client
    ///     .upload_file()
    ///     .file(Part::bytes(std::fs::read("notes.pdf")?).file_name("notes.pdf"))
    ///     .purpose(types::KnownFilePurpose::Assistants)
    ///     .send()
    ///     .await?;
    /// println!("{} is {:?}", info.id, info.status);
    /// # Ok(()) }
    /// ```
    fn upload_file(&self) -> UploadFile<'_>;
}

impl AiAgentsFilesExt for Client {
    fn upload_file(&self) -> UploadFile<'_> {
        UploadFile::new(self)
    }
}

/// Builder for [`AiAgentsFilesExt::upload_file`].
#[derive(Debug)]
pub struct UploadFile<'a> {
    client: &'a Client,
    api_version: Result<String, String>,
    file: Result<Part, String>,
    purpose: Result<types::FilePurpose, String>,
    filename: Result<Option<String>, String>,
}

impl<'a> UploadFile<'a> {
    /// A builder with nothing set but `api-version`, which starts at the spec's default (`v1`).
    pub fn new(client: &'a Client) -> Self {
        Self {
            client,
            api_version: UPLOAD_FILE
                .default_of("api-version")
                .map(str::to_string)
                .ok_or_else(|| "api_version was not initialized".to_string()),
            file: Err("file was not initialized".to_string()),
            purpose: Err("purpose was not initialized".to_string()),
            filename: Ok(None),
        }
    }

    /// The API version to use for this operation (query `api-version`).
    pub fn api_version<V: TryInto<String>>(mut self, value: V) -> Self {
        self.api_version = value
            .try_into()
            .map_err(|_| "conversion to `String` for api_version failed".to_string());
        self
    }

    /// Required. The file data, in bytes: the `file` part of the form. Give the part a file
    /// name and, for a stream, its length (`Part::stream_with_length`) so the request carries a
    /// `Content-Length`.
    pub fn file(mut self, value: Part) -> Self {
        self.file = Ok(value);
        self
    }

    /// Required. The intended purpose of the uploaded file (the `purpose` part).
    pub fn purpose<V: TryInto<types::FilePurpose>>(mut self, value: V) -> Self {
        self.purpose = value
            .try_into()
            .map_err(|_| "conversion to `FilePurpose` for purpose failed".to_string());
        self
    }

    /// The name of the file (the `filename` part), sent as given: this builder does not
    /// normalise (the facade passes [`UploadSource::file_name`](crate::UploadSource::file_name),
    /// already in NFC).
    pub fn filename<V: TryInto<String>>(mut self, value: V) -> Self {
        self.filename = value
            .try_into()
            .map(Some)
            .map_err(|_| "conversion to `String` for filename failed".to_string());
        self
    }

    /// Sends a `POST` request to `/files`. The form holds `purpose`, then `filename` if set,
    /// then `file` last, so a server can read the small fields before the large one.
    pub async fn send(self) -> Result<ResponseValue<types::FileInfo>, Error<types::AgentV1Error>> {
        let Self {
            client,
            api_version,
            file,
            purpose,
            filename,
        } = self;
        let api_version = api_version.map_err(Error::InvalidRequest)?;
        let file = file.map_err(Error::InvalidRequest)?;
        let purpose = purpose.map_err(Error::InvalidRequest)?;
        let filename = filename.map_err(Error::InvalidRequest)?;
        let purpose = match serde_json::to_value(&purpose) {
            Ok(serde_json::Value::String(purpose)) => purpose,
            _ => return Err(Error::InvalidRequest("purpose is not a string".to_string())),
        };
        let mut form = Form::new().text("purpose", purpose);
        if let Some(filename) = filename {
            form = form.text("filename", filename);
        }
        let form = form.part("file", file);
        let url = send::url(&client.baseurl, &UPLOAD_FILE, &[]).map_err(Error::InvalidRequest)?;
        let (content_type, body) = form.into_body();
        let request = client
            .client
            .post(url)
            .header(
                reqwest::header::ACCEPT,
                HeaderValue::from_static("application/json"),
            )
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .query(&[("api-version", api_version)])
            .body(body)
            .build()?;
        let response = send::run(client, UPLOAD_FILE.operation_id, request).await?;
        send::decode_json(response, &UPLOAD_FILE).await
    }
}
