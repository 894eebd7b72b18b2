//! Typed clients for file-upload APIs.
pub mod generated;
