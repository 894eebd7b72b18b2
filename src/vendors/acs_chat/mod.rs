//! The ACS Chat facade: upload an image to a chat thread from any [`UploadSource`], with the
//! image's URL resolved from the `Location` header.

mod api;
use progenitor_client::ClientInfo;
use url::Url;

use crate::auth::Credential;
use crate::auth::hooks::ClientAuth;
use crate::generated::acs_chat::{Client, types};
use crate::service::{Service, service_setters};
use crate::transport::checks::check_id;
use crate::{Error, UploadSource};
use api::AcsChat;

/// The API version the spec describes (its `info.version`, from the generated client):
/// `2024-03-15-preview`.
///
/// ```
/// assert_eq!(upload_clients::acs_chat::api_version(), "2024-03-15-preview");
/// ```
pub fn api_version() -> &'static str {
    <Client as ClientInfo<ClientAuth>>::api_version()
}

/// An image uploaded to a chat thread.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChatImage {
    /// The server-generated image id.
    pub id: String,
    /// The attachment type; values the spec does not list (such as `inlineImage`) are kept.
    pub attachment_type: Option<types::ChatAttachmentType>,
    /// The name including the file extension.
    pub name: Option<String>,
    /// The image's URL: the `Location` header resolved against the endpoint.
    pub url: Option<Url>,
}

/// Uploads chat images to an Azure Communication Services resource.
///
/// ```no_run
/// use upload_clients::{AcsChatClient, UploadSource, auth::Credential};
///
/// # async fn run() -> Result<(), upload_clients::Error> {
/// let acs = AcsChatClient::new(
///     "https://contoso.westus.communications.azure.com",
///     Credential::bearer("<ACS user access token>"),
/// )?;
/// let image = acs
///     .upload_image("19:abc-def@thread.v2", &UploadSource::from_path("cat.png").await?)
///     .await?;
/// println!("{} at {:?}", image.id, image.url);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AcsChatClient {
    service: Service<AcsChat>,
    api_version: String,
}

impl AcsChatClient {
    /// A client for the resource at `endpoint` (https, or http on loopback).
    pub fn new(endpoint: &str, credential: Credential) -> Result<Self, Error> {
        Ok(Self {
            service: Service::new(endpoint, credential)?,
            api_version: api_version().to_string(),
        })
    }

    /// Uses another `api-version`, sent as it is: the service decides which it accepts.
    /// `specs/acs-chat.yaml` lists the versions known to carry Upload Chat Image, the generally
    /// available `2025-03-15` among them (the emulator accepts exactly those); the default is
    /// the page's, [`api_version()`]. The README says which to choose.
    ///
    /// ```
    /// use upload_clients::{AcsChatClient, auth::Credential};
    /// # fn main() -> Result<(), upload_clients::Error> {
    /// let acs = AcsChatClient::new("https://contoso.communication.azure.com", Credential::bearer("t"))?
    ///     .with_api_version("2025-03-15");
    /// # let _ = acs; Ok(()) }
    /// ```
    pub fn with_api_version(mut self, api_version: impl Into<String>) -> Self {
        self.api_version = api_version.into();
        self
    }

    service_setters!("[`crate::Limits::acs_chat_images`]");

    /// Uploads `source` to the thread `thread_id`, sending its file name
    /// ([`UploadSource::file_name`]: in NFC unless the source keeps its bytes) as
    /// `image-filename`. Checks the id, name, type and size first; nothing is sent when they
    /// are wrong.
    ///
    /// A header carries visible ASCII only (ASP.NET Core refuses other bytes, and .NET's own
    /// client will not send them), so the name goes out percent-encoded as UTF-8
    /// ([`file_name::header_value`](crate::body::file_name::header_value)): `고양이 사진.png` is sent
    /// as `%EA%B3%A0%EC%96%91%EC%9D%B4%20%EC%82%AC%EC%A7%84.png`, which percent-decodes to the
    /// name as sent, and a plain ASCII name such as `cat.png` is sent unchanged.
    pub async fn upload_image(
        &self,
        thread_id: &str,
        source: &UploadSource,
    ) -> Result<ChatImage, Error> {
        check_id("thread id", thread_id)?;
        self.service.check_source(source)?;
        self.service
            .run(Some(source), || self.upload_image_once(thread_id, source))
            .await
    }

    /// Uploads every source to the thread `thread_id`, at most `concurrency` at a time over
    /// this client's connection pool ([`bulk::DEFAULT_CONCURRENCY`](crate::bulk::DEFAULT_CONCURRENCY)
    /// is a good start). The results come in the order of `sources`; one failure does not stop
    /// the others.
    pub async fn upload_many(
        &self,
        thread_id: &str,
        sources: &[UploadSource],
        concurrency: usize,
    ) -> Vec<Result<ChatImage, Error>> {
        crate::bulk::for_each(sources, concurrency, |source| {
            self.upload_image(thread_id, source)
        })
        .await
    }

    async fn upload_image_once(
        &self,
        thread_id: &str,
        source: &UploadSource,
    ) -> Result<ChatImage, Error> {
        let response = self
            .service
            .api
            .upload_chat_image()
            .chat_thread_id(thread_id)
            .api_version(self.api_version.as_str())
            .image_filename(crate::body::file_name::header_value(source.file_name()))
            .body(source.body(None).await?)
            .send()
            .await;
        let response = crate::service::api::result::<AcsChat, _>(response).await?;
        let url = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|location| {
                let endpoint = Url::parse(&format!("{}/", self.service.base_url())).ok()?;
                resolve_location(&endpoint, location)
            });
        let result = response.into_inner();
        Ok(ChatImage {
            id: result.id,
            attachment_type: result.attachment_type,
            name: result.name,
            url,
        })
    }
}

/// Resolves a `Location` header (relative in ACS's own sample) against the endpoint. Path
/// characters such as `:` and `@` in thread ids are kept as they are. Only an `http(s)` URL
/// with a host is an image's URL: `javascript:`, `file:`, `data:` and the like give `None`.
fn resolve_location(endpoint: &Url, location: &str) -> Option<Url> {
    endpoint
        .join(location.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_absolute_locations_resolve() {
        let endpoint = Url::parse("https://contoso.communication.azure.com/").unwrap();
        let relative =
            resolve_location(&endpoint, "/chat/threads/19:a@thread.v2/images/0-x").unwrap();
        assert_eq!(
            relative.as_str(),
            "https://contoso.communication.azure.com/chat/threads/19:a@thread.v2/images/0-x"
        );
        let absolute = resolve_location(&endpoint, "https://cdn.example.com/i/1").unwrap();
        assert_eq!(absolute.as_str(), "https://cdn.example.com/i/1");
        assert!(resolve_location(&endpoint, "http://[::1").is_none());
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn locations_that_are_not_http_urls_give_none() {
        let endpoint = Url::parse("https://contoso.communication.azure.com/").unwrap();
        for location in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:image/png;base64,AAAA",
            "ftp://example.com/i.png",
            "mailto:a@b.c",
        ] {
            assert_eq!(resolve_location(&endpoint, location), None, "{location}");
        }
    }

    proptest! {
        #[test]
        fn any_location_resolves_to_an_absolute_http_url_or_none(
            endpoint in prop_oneof![
                Just("https://contoso.communication.azure.com/"),
                Just("http://127.0.0.1:8080/base/"),
                Just("https://[::1]/"),
            ],
            location in prop_oneof![
                any::<String>(),
                "[a-z+.-]{0,8}:[ -~]{0,40}",
                "(/|//|\\\\|\\?|#|\\.\\./)?[ -~]{0,60}",
            ],
        ) {
            let endpoint = Url::parse(endpoint).unwrap();
            if let Some(url) = resolve_location(&endpoint, &location) {
                prop_assert!(matches!(url.scheme(), "http" | "https"), "{}", url);
                prop_assert!(url.host_str().is_some_and(|h| !h.is_empty()), "{}", url);
                prop_assert!(!url.cannot_be_a_base(), "{}", url);
            }
        }

        #[test]
        fn a_relative_image_path_stays_on_the_endpoint(
            thread in "19:[A-Za-z0-9-]{1,36}@thread\\.v2",
            image in "[A-Za-z0-9_-]{1,40}",
        ) {
            let endpoint = Url::parse("https://contoso.communication.azure.com/").unwrap();
            let path = format!("/chat/threads/{thread}/images/{image}");
            let url = resolve_location(&endpoint, &path).expect("resolves");
            prop_assert_eq!(url.host_str(), Some("contoso.communication.azure.com"));
            prop_assert_eq!(url.path(), path.as_str());
        }
    }
}
