//! The RBM facade: upload a file binary (streamed, its media type as `Content-Type`) or create
//! a file from a public URL, on the global or a regional endpoint.

mod api;
pub mod cache;
pub mod ext;

pub use cache::UploadCache;
pub use ext::RbmFilesExt;

use crate::auth::Credential;
use crate::generated::rbm_files::{Client, types};
use crate::service::{Service, service_setters};
use crate::transport::checks::{check_id, check_public_url};
use crate::{Error, UploadSource};
use api::Rbm;

/// An RBM endpoint: the global one or a regional one. Its name ([`name`](Self::name), parsed
/// back with [`str::parse`]) is `global`, `us`, `europe` or `asia`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    /// `https://rcsbusinessmessaging.googleapis.com`.
    #[default]
    Global,
    /// `https://us-rcsbusinessmessaging.googleapis.com`.
    Us,
    /// `https://europe-rcsbusinessmessaging.googleapis.com`.
    Europe,
    /// `https://asia-rcsbusinessmessaging.googleapis.com`.
    Asia,
}

impl Region {
    /// Every region, global first.
    pub const ALL: [Region; 4] = [Self::Global, Self::Us, Self::Europe, Self::Asia];

    /// The region's name: `global`, `us`, `europe` or `asia`.
    ///
    /// ```
    /// use upload_clients::rbm::Region;
    /// assert_eq!(Region::Europe.name(), "europe");
    /// assert_eq!("europe".parse::<Region>()?, Region::Europe);
    /// assert!("mars".parse::<Region>().is_err());
    /// # Ok::<(), upload_clients::Error>(())
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Us => "us",
            Self::Europe => "europe",
            Self::Asia => "asia",
        }
    }

    /// The region's endpoint.
    ///
    /// ```
    /// use upload_clients::rbm::Region;
    /// assert_eq!(Region::Europe.endpoint(), "https://europe-rcsbusinessmessaging.googleapis.com");
    /// ```
    pub fn endpoint(self) -> &'static str {
        match self {
            Self::Global => "https://rcsbusinessmessaging.googleapis.com",
            Self::Us => "https://us-rcsbusinessmessaging.googleapis.com",
            Self::Europe => "https://europe-rcsbusinessmessaging.googleapis.com",
            Self::Asia => "https://asia-rcsbusinessmessaging.googleapis.com",
        }
    }
}

impl std::str::FromStr for Region {
    type Err = Error;

    /// The region named `name` ([`Region::name`]).
    fn from_str(name: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|region| region.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|r| r.name()).collect();
                Error::InvalidInput(format!(
                    "{name:?} is not an RBM region (known: {})",
                    names.join(", ")
                ))
            })
    }
}

/// A file the RBM platform holds (for 60 days).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RbmFile {
    /// The file's name, `files/{uid}`, used in agent messages.
    pub name: String,
}

/// Uploads files to RCS Business Messaging.
///
/// ```no_run
/// use upload_clients::{RbmClient, UploadSource, auth::Credential, rbm::Region};
///
/// # async fn run() -> Result<(), upload_clients::Error> {
/// let rbm = RbmClient::new(Credential::bearer("<OAuth access token>"))?.with_region(Region::Europe)?;
/// let file = rbm.upload_file("my-agent", &UploadSource::from_path("cat.jpg").await?, None).await?;
/// let same = rbm.create_from_url("my-agent", "https://example.com/cat.jpg", None).await?;
/// println!("{} {}", file.name, same.name);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RbmClient {
    service: Service<Rbm>,
    cache: Option<std::sync::Arc<UploadCache>>,
}

impl RbmClient {
    /// A client for the global endpoint.
    pub fn new(credential: Credential) -> Result<Self, Error> {
        Ok(Self {
            service: Service::new(Region::Global.endpoint(), credential)?,
            cache: None,
        })
    }

    /// Uses a regional endpoint ([`with_base_url`](Self::with_base_url) with its URL).
    pub fn with_region(self, region: Region) -> Result<Self, Error> {
        self.with_base_url(region.endpoint())
    }

    service_setters!("[`crate::Limits::rbm_files`]");

    /// Remembers uploaded files in `cache` and returns the stored name instead of uploading
    /// the same content (or `fileUrl`) again for the same agent and thumbnail.
    pub fn with_cache(mut self, cache: UploadCache) -> Self {
        self.cache = Some(std::sync::Arc::new(cache));
        self
    }

    /// Uploads the binary of `source` for `agent_id`, with an optional public thumbnail URL.
    pub async fn upload_file(
        &self,
        agent_id: &str,
        source: &UploadSource,
        thumbnail_url: Option<&str>,
    ) -> Result<RbmFile, Error> {
        check_id("agent id", agent_id)?;
        if let Some(url) = thumbnail_url {
            check_public_url("thumbnailUrl", url)?;
        }
        self.service.check_source(source)?;
        let cache_key = match &self.cache {
            Some(_) => source.sha256().await?.map(|hash| {
                format!(
                    "{agent_id}|sha256:{hash}|thumbnail:{}",
                    thumbnail_url.unwrap_or_default()
                )
            }),
            None => None,
        };
        if let Some(name) = self.cached(cache_key.as_deref()).await {
            return Ok(RbmFile { name });
        }
        let media_type = source
            .content_type()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim();
        let file = self
            .service
            .run(Some(source), || async move {
                let mut request = self
                    .service
                    .api
                    .upload_file()
                    .agent_id(agent_id)
                    .content_type(media_type);
                if let Some(url) = thumbnail_url {
                    request = request.thumbnail_url(url);
                }
                finish(request.body(source.body(None).await?).send().await).await
            })
            .await?;
        self.remember(cache_key, &file).await;
        Ok(file)
    }

    /// Uploads every source for `agent_id` (each with `thumbnail_url`, if given), at most
    /// `concurrency` at a time over this client's connection pool. The results come in the
    /// order of `sources`; one failure does not stop the others.
    pub async fn upload_many(
        &self,
        agent_id: &str,
        sources: &[UploadSource],
        thumbnail_url: Option<&str>,
        concurrency: usize,
    ) -> Vec<Result<RbmFile, Error>> {
        crate::bulk::for_each(sources, concurrency, |source| {
            self.upload_file(agent_id, source, thumbnail_url)
        })
        .await
    }

    /// Creates a file from the public `file_url` (fetched by the RBM platform), with an
    /// optional thumbnail URL. Use the same URL for identical files.
    pub async fn create_from_url(
        &self,
        agent_id: &str,
        file_url: &str,
        thumbnail_url: Option<&str>,
    ) -> Result<RbmFile, Error> {
        check_id("agent id", agent_id)?;
        check_public_url("fileUrl", file_url)?;
        let mut body = types::CreateFileRequest::builder()
            .agent_id(agent_id)
            .file_url(Some(file_url.to_string()));
        if let Some(url) = thumbnail_url {
            check_public_url("thumbnailUrl", url)?;
            body = body.thumbnail_url(Some(url.to_string()));
        }
        let cache_key = self.cache.as_ref().map(|_| {
            format!(
                "{agent_id}|url:{file_url}|thumbnail:{}",
                thumbnail_url.unwrap_or_default()
            )
        });
        if let Some(name) = self.cached(cache_key.as_deref()).await {
            return Ok(RbmFile { name });
        }
        let api = &self.service.api;
        let file = self
            .service
            .run(None, || {
                let body = body.clone();
                async move { finish(api.create_file().body(body).send().await).await }
            })
            .await?;
        self.remember(cache_key, &file).await;
        Ok(file)
    }

    async fn cached(&self, key: Option<&str>) -> Option<String> {
        let (cache, key) = (self.cache.as_ref()?, key?);
        let name = cache.get(key).await?;
        tracing::debug!(%name, "reusing a cached RBM file");
        Some(name)
    }

    /// Records an uploaded file in the cache. The upload succeeded whatever happens here: a
    /// cache that cannot be written is a warning, not a failed upload (which a caller would
    /// retry, sending the file again).
    async fn remember(&self, key: Option<String>, file: &RbmFile) {
        if let (Some(cache), Some(key)) = (&self.cache, key)
            && let Err(error) = cache.insert(key, file.name.clone()).await
        {
            tracing::warn!(file = %file.name, %error, "uploaded, but not recorded in the cache");
        }
    }
}

async fn finish(
    response: Result<
        progenitor_client::ResponseValue<types::File>,
        progenitor_client::Error<types::GoogleErrorResponse>,
    >,
) -> Result<RbmFile, Error> {
    let file = crate::service::api::result::<Rbm, _>(response).await?;
    Ok(RbmFile {
        name: file.into_inner().name,
    })
}
