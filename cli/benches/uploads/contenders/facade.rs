//! The crate's facade clients as contenders.

use std::path::Path;
use upload_clients::ai_agents::KnownFilePurpose;
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{
    AcsChatClient, AiAgentsClient, Limits, MaiAgentClient, RbmClient, UploadSource,
};

use super::{AGENT, AGENTS_PATH, Api, Env, MAIAGENT_PATH, THREAD, check};

/// A facade client, built before any timing (building one sets up TLS, which is not upload
/// work), with the API's limits unless the file exceeds them.
pub enum Facade {
    /// ACS Chat.
    Acs(AcsChatClient),
    /// RBM.
    Rbm(RbmClient),
    /// AI Agents.
    Agents(AiAgentsClient),
    /// MaiAgent, one request or presigned.
    MaiAgent(MaiAgentClient, bool),
}

impl Facade {
    /// The facade of `api` on the sink, for files of `size` bytes.
    pub fn new(env: &Env, api: Api, size: u64) -> Result<Self, String> {
        let lift = api.limit().is_some_and(|max| size > max);
        let limits = |default: Limits| if lift { Limits::none() } else { default };
        let http = env.http.clone();
        let e = |e: upload_clients::Error| e.to_string();
        Ok(match api {
            Api::Acs => Facade::Acs(
                AcsChatClient::new(&env.base, Credential::bearer("bench-token"))
                    .map_err(e)?
                    .with_http_client(http)
                    .with_limits(limits(Limits::acs_chat_images()))
                    .with_retry(RetryPolicy::none()),
            ),
            Api::Rbm => Facade::Rbm(
                RbmClient::new(Credential::bearer("bench-token"))
                    .map_err(e)?
                    .with_base_url(&env.base)
                    .map_err(e)?
                    .with_http_client(http)
                    .with_limits(limits(Limits::rbm_files()))
                    .with_retry(RetryPolicy::none()),
            ),
            Api::Agents => Facade::Agents(
                AiAgentsClient::new(
                    &format!("{}{AGENTS_PATH}", env.base),
                    Credential::bearer("bench-token"),
                )
                .map_err(e)?
                .with_http_client(http)
                .with_limits(limits(Limits::ai_agents_files()))
                .with_retry(RetryPolicy::none()),
            ),
            Api::MaiAgent | Api::Presigned => Facade::MaiAgent(
                MaiAgentClient::new(Credential::api_key("bench-key"))
                    .map_err(e)?
                    .with_base_url(&format!("{}{MAIAGENT_PATH}", env.base))
                    .map_err(e)?
                    .with_http_client(http)
                    .with_limits(limits(Limits::maiagent_attachments()))
                    .with_retry(RetryPolicy::none()),
                api == Api::Presigned,
            ),
        })
    }

    /// Uploads the file at `path` as a user of the facade does: `UploadSource::from_path`,
    /// then the upload call; checks the result.
    pub async fn upload(&self, path: &Path) -> Result<(), String> {
        let source = UploadSource::from_path(path)
            .await
            .map_err(|e| e.to_string())?;
        self.upload_source(&source).await
    }

    /// Uploads `source` and checks the result.
    pub async fn upload_source(&self, source: &UploadSource) -> Result<(), String> {
        let e = |e: upload_clients::Error| e.to_string();
        match self {
            Facade::Acs(client) => {
                let image = client.upload_image(THREAD, source).await.map_err(e)?;
                check(image.id == "img-sink" && image.url.is_some(), "ACS image")
            }
            Facade::Rbm(client) => {
                let file = client.upload_file(AGENT, source, None).await.map_err(e)?;
                check(file.name == "files/sink", "RBM file")
            }
            Facade::Agents(client) => {
                let info = client
                    .upload(source, KnownFilePurpose::Assistants.into())
                    .await
                    .map_err(e)?;
                check(Some(info.bytes as u64) == source.len(), "FileInfo.bytes")
            }
            Facade::MaiAgent(client, false) => client.upload(source).await.map(drop).map_err(e),
            Facade::MaiAgent(client, true) => {
                let attachment = client.upload_presigned(source, None).await.map_err(e)?;
                check(attachment.file == "media/f", "attachment")
            }
        }
    }

    /// The facade's own `upload_many` (`upload_presigned_many` for the presigned path) over
    /// `sources`, `concurrency` at a time: one result per source, in order.
    pub async fn upload_many(
        &self,
        sources: &[UploadSource],
        concurrency: usize,
    ) -> Vec<Result<(), String>> {
        fn each<T>(results: Vec<Result<T, upload_clients::Error>>) -> Vec<Result<(), String>> {
            results
                .into_iter()
                .map(|r| r.map(drop).map_err(|e| e.to_string()))
                .collect()
        }
        match self {
            Facade::Acs(client) => each(client.upload_many(THREAD, sources, concurrency).await),
            Facade::Rbm(client) => {
                each(client.upload_many(AGENT, sources, None, concurrency).await)
            }
            Facade::Agents(client) => each(
                client
                    .upload_many(sources, KnownFilePurpose::Assistants.into(), concurrency)
                    .await,
            ),
            Facade::MaiAgent(client, false) => each(client.upload_many(sources, concurrency).await),
            Facade::MaiAgent(client, true) => each(
                client
                    .upload_presigned_many(sources, None, concurrency)
                    .await,
            ),
        }
    }
}
