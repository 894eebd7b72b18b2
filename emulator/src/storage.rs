//! S3-style storage for the presigned flow: `POST /s3/{bucket}` checks the form's SigV4 POST
//! policy as S3 does (fields before the file part count, fields after it are ignored) and keeps
//! the object; `GET /s3/{bucket}/{key}` reads it back. Errors are S3's XML.

use http::Method;
use http::request::Parts;
use percent_encoding::percent_decode_str;

use super::body::BodyStream;
use super::form::raw_filename;
use super::objects::WriteError;
use super::record::{RecordedPart, RecordedRequest};
use super::reply::{self, Reply};
use super::s3_post_policy::{S3Error, check_form, check_size};
use super::state::{BUCKET, State};

/// The most form-field bytes storage reads before the file (S3's limit, 20 KB).
const FIELDS_CAP: usize = 20 * 1024;

/// A request under `/s3/`; `rest` is the path after it.
pub(crate) async fn handle(
    head: &Parts,
    rest: &str,
    mut body: BodyStream,
    state: &State,
    record: &mut RecordedRequest,
) -> Reply {
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    let key = percent_decode_str(key).decode_utf8_lossy().into_owned();
    let resource = format!("/{bucket}/{key}");
    if bucket != BUCKET {
        body.drain().await;
        return error(
            &s3(404, "NoSuchBucket", "The specified bucket does not exist"),
            &resource,
        );
    }
    match (&head.method, key.is_empty()) {
        (&Method::GET, false) => match state.objects.get(&format!("s3/{bucket}/{key}")) {
            Some(stored) => match tokio::fs::File::open(&stored.path).await {
                Ok(file) => reply::file(file, stored.bytes, "application/octet-stream"),
                Err(_) => error(
                    &s3(
                        500,
                        "InternalError",
                        "We encountered an internal error. Please try again.",
                    ),
                    &resource,
                ),
            },
            None => error(
                &s3(404, "NoSuchKey", "The specified key does not exist."),
                &resource,
            ),
        },
        (&Method::POST, true) => post(head, bucket, body, state, record).await,
        _ => {
            body.drain().await;
            error(
                &s3(
                    405,
                    "MethodNotAllowed",
                    "The specified method is not allowed against this resource.",
                ),
                &resource,
            )
        }
    }
}

fn s3(status: u16, code: &'static str, message: &str) -> S3Error {
    S3Error {
        status,
        code,
        message: message.to_owned(),
    }
}

fn error(e: &S3Error, resource: &str) -> Reply {
    let request_id = uuid::Uuid::new_v4().simple().to_string()[..16].to_uppercase();
    reply::xml(e.status, e.to_xml(resource, &request_id))
}

/// The XML body of an injected error status.
pub(crate) fn fault_xml(status: u16) -> String {
    let e = match status {
        503 => s3(503, "SlowDown", "Please reduce your request rate."),
        500 => s3(
            500,
            "InternalError",
            "We encountered an internal error. Please try again.",
        ),
        _ => s3(status, "InvalidRequest", "injected fault"),
    };
    e.to_xml("/", "EMULATORFAULT")
}

/// The presigned POST.
async fn post(
    head: &Parts,
    bucket: &str,
    body: BodyStream,
    state: &State,
    record: &mut RecordedRequest,
) -> Reply {
    let resource = format!("/{bucket}");
    let mut body = body;
    if head.headers.contains_key(http::header::AUTHORIZATION) {
        body.drain().await;
        return error(
            &s3(
                400,
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
            ),
            &resource,
        );
    }
    // S3 refuses a POST without a length (chunked), before reading it.
    if !head.headers.contains_key(http::header::CONTENT_LENGTH) {
        return error(
            &s3(
                411,
                "MissingContentLength",
                "You must provide the Content-Length HTTP header.",
            ),
            &resource,
        );
    }
    let boundary = head
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok());
    let Some(boundary) = boundary else {
        body.drain().await;
        return error(
            &s3(
                412,
                "PreconditionFailed",
                "Bucket POST must be of the enclosure-type multipart/form-data",
            ),
            &resource,
        );
    };
    let malformed = || {
        s3(
            400,
            "MalformedPOSTRequest",
            "The body of your POST request is not well-formed multipart/form-data.",
        )
    };
    let mut multipart = multer::Multipart::new(body, boundary);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut field_bytes = 0usize;
    let outcome = loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => {
                break Err(s3(
                    400,
                    "InvalidArgument",
                    "POST requires exactly one file upload per request.",
                ));
            }
            Err(_) => break Err(malformed()),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let filename = raw_filename(field.headers());
        let content_type = field.content_type().map(|m| m.to_string());
        if !name.eq_ignore_ascii_case("file") {
            // Read in chunks and stopped at the cap: a huge field is never held whole.
            let mut value = Vec::new();
            let read = loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        field_bytes += chunk.len();
                        if field_bytes > FIELDS_CAP {
                            break Ok(());
                        }
                        value.extend_from_slice(&chunk);
                    }
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e),
                }
            };
            if read.is_err() {
                break Err(malformed());
            }
            if field_bytes > FIELDS_CAP {
                break Err(s3(
                    400,
                    "MaxPostPreDataLengthExceeded",
                    "Your POST request fields preceding the upload file were too large.",
                ));
            }
            record.parts.push(RecordedPart {
                name: name.clone(),
                filename,
                content_type,
                bytes: value.len() as u64,
            });
            fields.push((name, String::from_utf8_lossy(&value).into_owned()));
            continue;
        }
        let form = match check_form(
            &state.signing,
            bucket,
            &fields,
            filename.as_deref(),
            chrono::Utc::now(),
        ) {
            Ok(form) => form,
            Err(e) => break Err(e),
        };
        let max = form.content_length_range.map(|(_, max)| max);
        let written = state.objects.write(&mut field, max, true).await;
        let stored = match written {
            Ok(stored) => stored,
            Err(WriteError::TooLarge { limit }) => {
                break Err(check_size(form.content_length_range, limit + 1)
                    .err()
                    .unwrap_or_else(malformed));
            }
            Err(WriteError::Body(_)) => break Err(malformed()),
            Err(WriteError::Io(_)) => {
                break Err(s3(
                    500,
                    "InternalError",
                    "We encountered an internal error. Please try again.",
                ));
            }
        };
        record.parts.push(RecordedPart {
            name,
            filename,
            content_type,
            bytes: stored.bytes,
        });
        if let Err(e) = check_size(form.content_length_range, stored.bytes) {
            state.objects.discard(stored).await;
            break Err(e);
        }
        break Ok((form, stored));
    };
    // Fields after the file are read and ignored, as S3 does.
    while let Ok(Some(_)) = multipart.next_field().await {}
    let (form, stored) = match outcome {
        Ok(accepted) => accepted,
        Err(e) => return error(&e, &resource),
    };
    let key = form.object_key.clone();
    let id = format!("s3/{bucket}/{key}");
    // S3's ETag of an object from one POST is its MD5, quoted.
    let etag = format!(
        "\"{}\"",
        stored
            .md5
            .unwrap_or_default()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    state.objects.keep(id.clone(), stored);
    record.created = Some(id);
    let location = format!(
        "{}/s3/{bucket}/{}",
        state.base_url,
        percent_encoding::utf8_percent_encode(&key, percent_encoding::NON_ALPHANUMERIC)
    );
    let mut reply = match form.success_action_status {
        201 => reply::xml(
            201,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse><Location>{}</Location><Bucket>{bucket}</Bucket><Key>{}</Key><ETag>{}</ETag></PostResponse>",
                escape(&location),
                escape(&key),
                escape(&etag)
            ),
        ),
        status => reply::empty(status),
    };
    for (name, value) in [("location", location), ("etag", etag)] {
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            reply.headers_mut().insert(name, value);
        }
    }
    reply
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}
