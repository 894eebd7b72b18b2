//! MaiAgent as the shared core sees it: its name, generated client and error body
//! ([`Api`]), and what it accepts (its [`Limits`] constructors).

use crate::Limits;
use crate::error::ApiErrorBody;
use crate::service::api::Api;

/// MaiAgent attachments.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MaiAgent;

impl Api for MaiAgent {
    const NAME: &'static str = crate::generated::maiagent_attachments::API_NAME;
    type Client = crate::generated::maiagent_attachments::Client;
    type ErrorBody = crate::generated::maiagent_attachments::types::MaiAgentError;
    fn error_body(body: Self::ErrorBody) -> ApiErrorBody {
        ApiErrorBody::MaiAgent(body)
    }
    fn default_limits() -> Limits {
        Limits::maiagent_attachments()
    }
}

impl Limits {
    /// MaiAgent attachments: doc, docx, txt, pdf, md, xls, xlsx, csv, ppt, pptx, json, jsonl
    /// and images; no size limit stated.
    pub fn maiagent_attachments() -> Self {
        Self::new(
            ["image/*"],
            [
                "doc", "docx", "txt", "pdf", "md", "xls", "xlsx", "csv", "ppt", "pptx", "json",
                "jsonl",
            ],
            None,
        )
    }
}
