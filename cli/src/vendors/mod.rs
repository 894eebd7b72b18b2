//! One command per API, named as the library's module (`upload_clients::<api>`): each builds its
//! client from the shared options and runs its uploads through [`crate::run`].

pub(crate) mod acs_chat;
pub(crate) mod ai_agents;
pub(crate) mod maiagent;
pub(crate) mod rbm;
