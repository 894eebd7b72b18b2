//! The operation a request matched, and what it tells about itself; its checks live in the
//! sibling modules `credential`, `parameters`, `body`, `multipart` and `response`.

use std::fmt;

use openapiv3::{OpenAPI, PathItem};

use super::ApiId;

/// One matched operation.
pub struct Operation<'a> {
    pub(super) api: ApiId,
    pub(super) id: &'a str,
    pub(super) template: &'a str,
    pub(super) path_params: Vec<(String, String)>,
    pub(super) item: &'a PathItem,
    pub(super) op: &'a openapiv3::Operation,
    pub(super) doc: &'a OpenAPI,
}

impl fmt::Debug for Operation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operation")
            .field("api", &self.api)
            .field("operation_id", &self.id)
            .field("path", &self.template)
            .field("path_params", &self.path_params)
            .finish()
    }
}

impl<'a> Operation<'a> {
    /// The API whose spec describes this operation.
    pub fn api(&self) -> ApiId {
        self.api
    }

    /// The spec's `operationId` of this operation (e.g. `uploadChatImage`).
    pub fn operation_id(&self) -> &str {
        self.id
    }

    /// The percent-decoded value of the path parameter `name` (e.g. `chatThreadId`).
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}
