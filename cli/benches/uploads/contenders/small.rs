//! The small-uploads contenders: many small images through ACS.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use upload_clients::UploadSource;

use super::facade::Facade;
use super::raw::{acs_request, expect, raw};
use super::{Api, Env, THREAD, check, file_name};

/// The small-uploads contenders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallContender {
    /// `UploadSource::from_path` for every file (`concurrency` at a time), then
    /// `AcsChatClient::upload_many`: the facade from files on disk, all of its work timed.
    FacadeMany,
    /// `AcsChatClient::upload_many` alone, over sources built before the clock starts.
    FacadeManyPrebuilt,
    /// `UploadSource::from_path` + `upload_image` per file, in `buffer_unordered`.
    FacadeFromPath,
    /// `tokio::fs::read` + `UploadSource::from_bytes` for every file, then `upload_many`: the
    /// facade given the bytes, as a caller who reads small files whole would use it.
    FacadeFromBytes,
    /// Raw `reqwest` reading each file whole (`tokio::fs::read`) and sending the bytes: what a
    /// caller who knows the files are small would write; shown, not the target's baseline.
    RawRead,
    /// Raw `reqwest`: open, stream, check the answer, in `buffer_unordered`.
    Raw,
}

impl SmallContender {
    /// How the tables show the contender.
    pub fn name(self) -> &'static str {
        match self {
            SmallContender::FacadeMany => "facade: `from_path` for each, then `upload_many`",
            SmallContender::FacadeManyPrebuilt => {
                "facade: `upload_many` only (sources built before timing)"
            }
            SmallContender::FacadeFromPath => "facade: `from_path` + `upload_image` per file",
            SmallContender::FacadeFromBytes => {
                "facade: `tokio::fs::read` + `from_bytes` for each, then `upload_many`"
            }
            SmallContender::RawRead => "raw reqwest: `tokio::fs::read` + bytes body per file",
            SmallContender::Raw => "raw reqwest: open + stream per file",
        }
    }
}

/// The ACS request of [`raw`], with the file read whole into memory first.
async fn raw_acs_read(env: &Env, path: &Path) -> Result<(), String> {
    let content = tokio::fs::read(path).await.map_err(|e| e.to_string())?;
    let json = expect(acs_request(env, path).body(content), 201).await?;
    check(json["id"] == "img-sink", "ACS image")
}

/// `UploadSource::from_path` for every file, `concurrency` at a time, in order.
async fn sources_of(files: &[PathBuf], concurrency: usize) -> Result<Vec<UploadSource>, String> {
    use futures_util::StreamExt;
    futures_util::stream::iter(files.iter().map(UploadSource::from_path))
        .buffered(concurrency)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .map(|r| r.map_err(|e| e.to_string()))
        .collect()
}

/// Uploads every file of `files` through ACS with `concurrency` uploads in flight; returns the
/// time taken. Every upload must succeed.
pub async fn small_batch(
    env: &Env,
    facade: &Facade,
    files: &[PathBuf],
    concurrency: usize,
    contender: SmallContender,
) -> Result<Duration, String> {
    use futures_util::StreamExt;
    let Facade::Acs(acs) = facade else {
        return Err("the small case needs the ACS facade".into());
    };
    let prebuilt = if contender == SmallContender::FacadeManyPrebuilt {
        sources_of(files, concurrency).await?
    } else {
        Vec::new()
    };
    let started = Instant::now();
    let many =
        |results: Vec<Result<upload_clients::acs_chat::ChatImage, upload_clients::Error>>| {
            results
                .into_iter()
                .map(|r| {
                    r.map_err(|e| e.to_string())
                        .and_then(|image| check(image.id == "img-sink", "ACS image"))
                })
                .collect::<Vec<_>>()
        };
    let results: Vec<Result<(), String>> = match contender {
        SmallContender::FacadeMany => {
            let sources = sources_of(files, concurrency).await?;
            many(acs.upload_many(THREAD, &sources, concurrency).await)
        }
        SmallContender::FacadeManyPrebuilt => {
            many(acs.upload_many(THREAD, &prebuilt, concurrency).await)
        }
        SmallContender::FacadeFromBytes => {
            let sources = futures_util::stream::iter(files.iter().map(|f| async move {
                let content = tokio::fs::read(f).await.map_err(|e| e.to_string())?;
                Ok::<_, String>(UploadSource::from_bytes(content, file_name(f)))
            }))
            .buffered(concurrency)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
            many(acs.upload_many(THREAD, &sources, concurrency).await)
        }
        SmallContender::FacadeFromPath => {
            futures_util::stream::iter(files.iter().map(|f| facade.upload(f)))
                .buffer_unordered(concurrency)
                .collect()
                .await
        }
        SmallContender::RawRead => {
            futures_util::stream::iter(files.iter().map(|f| raw_acs_read(env, f)))
                .buffer_unordered(concurrency)
                .collect()
                .await
        }
        SmallContender::Raw => {
            futures_util::stream::iter(files.iter().map(|f| raw(env, Api::Acs, f)))
                .buffer_unordered(concurrency)
                .collect()
                .await
        }
    };
    let elapsed = started.elapsed();
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    if let Some(first) = failures.first() {
        return Err(format!(
            "{} of {} uploads failed, first: {first}",
            failures.len(),
            files.len()
        ));
    }
    Ok(elapsed)
}
