//! The facade clients against httpmock: what they send, what they return, the errors they
//! give, and that bad input sends nothing.

mod bad_input;
mod errors;
mod integrity;
mod presigned;
mod uploads;

use crate::common;
use httpmock::prelude::*;
use upload_clients::UploadSource;

/// A mock that answers anything; the tests that use it check it was never called.
async fn catch_all(server: &MockServer) -> httpmock::Mock<'_> {
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await
}

fn png_source() -> UploadSource {
    UploadSource::from_bytes(common::PNG_1X1.to_vec(), "sample.png")
}
