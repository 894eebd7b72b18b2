//! The request body: what is uploaded ([`UploadSource`]: a path, bytes or a stream, with its
//! name and type), how a file is read (measured and sniffed in one trip, streamed in
//! page-aligned chunks), how its name travels, the multipart form, what each API accepts
//! ([`Limits`]), and one attempt's body with its progress and, when verified, its MD5.

pub(crate) mod content_type;
pub(crate) mod file_io;
pub mod file_name;
pub(crate) mod file_stream;
pub(crate) mod limits;
pub(crate) mod multipart;
pub(crate) mod page_buffer;
pub(crate) mod sent_digest;
pub(crate) mod source;
pub(crate) mod upload_body;

pub use limits::Limits;
pub use multipart::{Form, Part};
pub use source::{Progress, UploadSource};
