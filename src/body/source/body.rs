//! A source as the bytes of one attempt: opened fresh for each (a file read whole when it
//! fits one chunk, else streamed a chunk ahead), as a request body of exact length or a
//! multipart file part, with its MD5 taken as it goes when the caller verifies.

use super::*;

impl UploadSource {
    async fn open(&self) -> Result<ByteStream, Error> {
        match &self.origin {
            Origin::Path(path) => {
                match self.len {
                    // A file that fits one read is opened and read in one trip to the blocking
                    // pool: streaming it would take three (open, read, end of file), which cost
                    // more than sending it (BENCHMARKS.md, many small uploads). The buffer is the
                    // one the stream below would allocate anyway.
                    Some(len) if len <= CHUNK as u64 => {
                        let chunk = read_path(path, len).await?;
                        Ok(Box::pin(futures_util::stream::iter([Ok(chunk)])))
                    }
                    _ => {
                        let file = tokio::task::spawn_blocking({
                            let path = path.clone();
                            move || std::fs::File::open(path)
                        })
                        .await
                        .map_err(|e| cannot_read(path, e))?
                        .map_err(|e| cannot_read(path, e))?;
                        Ok(Box::pin(FileStream::new(file, STREAM_CHUNK)))
                    }
                }
            }
            Origin::Bytes(bytes) => {
                let bytes = bytes.clone();
                let chunks = (0..bytes.len()).step_by(CHUNK).map(move |start| {
                    Ok(bytes.slice(start..(start + CHUNK).min(bytes.len())))
                });
                Ok(Box::pin(futures_util::stream::iter(chunks.collect::<Vec<_>>())))
            }
            Origin::Stream(slot) => slot
                .lock()
                .map_err(|_| Error::InvalidInput("the stream source is poisoned".into()))?
                .take()
                .ok_or_else(|| {
                    Error::InvalidInput(
                        "this stream was already sent once and cannot be sent again; use a path or bytes to allow retries"
                            .into(),
                    )
                }),
        }
    }

    /// The SHA-256 of the content, hex, read in chunks (`None` for a one-shot stream, which
    /// cannot be read twice).
    #[cfg(feature = "rbm")]
    pub(crate) async fn sha256(&self) -> Result<Option<String>, Error> {
        use futures_util::StreamExt;
        use sha2::Digest;
        if !self.is_replayable() {
            return Ok(None);
        }
        let mut hasher = sha2::Sha256::new();
        let mut stream = self.open().await?;
        while let Some(chunk) = stream.next().await {
            hasher.update(chunk.map_err(|e| match &self.origin {
                Origin::Path(path) => cannot_read(path, e),
                _ => Error::InvalidInput(format!("cannot read the source: {e}")),
            })?);
        }
        Ok(Some(format!("{:x}", hasher.finalize())))
    }

    /// A fresh request body for one attempt, of exact length when the length is known.
    /// `digest`, when given, gets the MD5 of the bytes once the body was sent to the end.
    pub(crate) async fn body(&self, digest: Option<&SentDigest>) -> Result<reqwest::Body, Error> {
        if let Some(content) = self.whole().await? {
            // One buffer: hyper sends it with the headers, and nothing polls a stream for it.
            Attempt::touch_current();
            if let Some(digest) = digest {
                digest.of_whole(&content);
            }
            return Ok(reqwest::Body::from(content));
        }
        let stream = self.open().await?;
        Ok(reqwest::Body::wrap(crate::body::upload_body::UploadBody {
            stream: sync_wrapper::SyncWrapper::new(stream),
            expected: self.len,
            sent: 0,
            progress: self.progress.clone(),
            attempt: Attempt::current(),
            digest: digest.map(SentDigest::tap),
        }))
    }

    /// The whole content for one attempt, when it fits one chunk and nobody watches progress
    /// (a streamed body reports it as the connection takes the bytes): a path read with one
    /// open, bytes shared without a copy. `None` for the others, which are streamed.
    ///
    /// A file whose length changed since [`from_path`](Self::from_path) measured it fails here,
    /// before anything is sent.
    async fn whole(&self) -> Result<Option<Bytes>, Error> {
        if self.progress.is_some() {
            return Ok(None);
        }
        match (&self.origin, self.len) {
            (Origin::Bytes(bytes), _) if bytes.len() <= CHUNK => Ok(Some(bytes.clone())),
            (Origin::Path(path), Some(len)) if len <= CHUNK as u64 => {
                let content = read_path(path, len).await?;
                if content.len() as u64 != len {
                    return Err(Error::InvalidInput(format!(
                        "{} changed since it was measured: it had {len} bytes, now it has {}",
                        path.display(),
                        if (content.len() as u64) < len {
                            format!("{}", content.len())
                        } else {
                            "more".to_string()
                        }
                    )));
                }
                Ok(Some(content))
            }
            _ => Ok(None),
        }
    }

    /// A fresh multipart file part for one attempt, with file name, type and length; `digest`
    /// as for [`body`](Self::body).
    pub(crate) async fn part(
        &self,
        digest: Option<&SentDigest>,
    ) -> Result<crate::body::multipart::Part, Error> {
        let body = self.body(digest).await?;
        let part = match self.len {
            Some(len) => crate::body::multipart::Part::stream_with_length(body, len),
            None => crate::body::multipart::Part::stream(body),
        };
        part.file_name(self.file_name())
            .mime_str(&self.content_type)
    }
}
