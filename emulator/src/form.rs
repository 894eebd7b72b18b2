//! Reading an operation's `multipart/form-data` body: the file part streamed to storage, the
//! text parts read (small), every part recorded, and the parts checked against the spec.

use super::body::BodyStream;
use super::objects::{Stored, WriteError};
use super::record::RecordedPart;
use super::reply::Reply;
use super::server::Call;

/// The most of a text part kept (a `purpose` or a `filename` is far shorter).
const TEXT_CAP: usize = 64 * 1024;

/// The file part of a form.
pub(crate) struct FilePart {
    /// Its `filename`, exactly as the part header carried it.
    pub(crate) filename: Option<String>,
    /// Its `Content-Type`, if any.
    pub(crate) content_type: Option<String>,
    /// Where its bytes went.
    pub(crate) stored: Stored,
}

/// A form that passed its spec's checks.
pub(crate) struct Form {
    /// The text parts, in order.
    pub(crate) texts: Vec<(String, String)>,
    /// The file part, if the form had one.
    pub(crate) file: Option<FilePart>,
}

impl Form {
    /// The text part `name`.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The `filename` parameter of a part's `Content-Disposition`, as sent (no decoding).
pub(crate) fn raw_filename(headers: &http::HeaderMap) -> Option<String> {
    let value = headers.get(http::header::CONTENT_DISPOSITION)?;
    let text = String::from_utf8_lossy(value.as_bytes());
    let mut rest = text.as_ref();
    while let Some(at) = rest.find("filename") {
        let after = &rest[at + "filename".len()..];
        let boundary_ok = at == 0 || rest[..at].ends_with([';', ' ', '\t']);
        if let (true, Some(value)) = (boundary_ok, after.trim_start().strip_prefix('=')) {
            let value = value.trim_start();
            return Some(match value.strip_prefix('"') {
                Some(quoted) => quoted.split('"').next().unwrap_or_default().to_owned(),
                None => value
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            });
        }
        rest = after;
    }
    None
}

/// Reads the form of `call`, streaming its file part (at most `limit` bytes) to storage.
/// A malformed body, a file over the limit or parts the spec does not allow get the API's
/// error answer (and the file, if stored, is deleted).
pub(crate) async fn read(
    call: &mut Call<'_>,
    body: BodyStream,
    boundary: &str,
    limit: Option<u64>,
) -> Result<Form, Reply> {
    let binary = call.op.binary_parts();
    let mut multipart = multer::Multipart::new(body, boundary);
    let (mut seen, mut texts, mut file) = (Vec::new(), Vec::new(), None::<FilePart>);
    let failure = loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break None,
            Err(e) => break Some((400, format!("the multipart body is malformed: {e}"), None)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let filename = raw_filename(field.headers());
        let content_type = field.content_type().map(|m| m.to_string());
        let is_file = binary.contains(&name);
        if is_file && filename.is_none() {
            break Some((
                400,
                format!("the `{name}` part must be a file (a part with a filename)"),
                Some(name),
            ));
        }
        if is_file && file.is_none() {
            match call.state.objects.write(&mut field, limit, false).await {
                Ok(stored) => {
                    call.record.parts.push(RecordedPart {
                        name: name.clone(),
                        filename: filename.clone(),
                        content_type: content_type.clone(),
                        bytes: stored.bytes,
                    });
                    seen.push((name, None));
                    file = Some(FilePart {
                        filename,
                        content_type,
                        stored,
                    });
                }
                Err(WriteError::TooLarge { limit }) => {
                    break Some((
                        413,
                        format!("the file is over the limit of {limit} bytes for this service"),
                        Some(name),
                    ));
                }
                Err(WriteError::Body(e)) => {
                    break Some((400, format!("the multipart body is malformed: {e}"), None));
                }
                Err(WriteError::Io(e)) => {
                    break Some((
                        500,
                        format!("the emulator could not store the file: {e}"),
                        None,
                    ));
                }
            }
            continue;
        }
        let (mut value, mut bytes) = (Vec::new(), 0u64);
        let read = loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    bytes += chunk.len() as u64;
                    if value.len() < TEXT_CAP {
                        value.extend_from_slice(&chunk[..chunk.len().min(TEXT_CAP - value.len())]);
                    }
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        if let Err(e) = read {
            break Some((400, format!("the multipart body is malformed: {e}"), None));
        }
        call.record.parts.push(RecordedPart {
            name: name.clone(),
            filename,
            content_type,
            bytes,
        });
        let text = String::from_utf8_lossy(&value).into_owned();
        seen.push((name.clone(), (!is_file).then(|| text.clone())));
        texts.push((name, text));
    };
    let failure = failure.or_else(|| {
        call.op
            .check_multipart(&seen)
            .err()
            .map(|v| (v.kind.status(), v.message, v.param))
    });
    match failure {
        None => Ok(Form { texts, file }),
        Some((status, message, param)) => {
            while let Ok(Some(_)) = multipart.next_field().await {}
            if let Some(file) = file {
                call.state.objects.discard(file.stored).await;
            }
            Err(call.error(status, &message, param.as_deref()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::raw_filename;

    #[test]
    fn filename_as_sent() {
        let mut headers = http::HeaderMap::new();
        let value = "form-data; name=\"file\"; filename=\"見積書 %22v2%22.pdf\"";
        headers.insert(
            http::header::CONTENT_DISPOSITION,
            http::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
        );
        assert_eq!(
            raw_filename(&headers).as_deref(),
            Some("見積書 %22v2%22.pdf")
        );
        headers.insert(
            http::header::CONTENT_DISPOSITION,
            http::HeaderValue::from_static("form-data; name=\"purpose\""),
        );
        assert_eq!(raw_filename(&headers), None);
    }
}
