//! One module per API the emulator serves, named as the library's (`upload_clients::<api>`):
//! each answers its operations as the vendor does, and [`errors`] gives each vendor's error body.

pub(crate) mod acs_chat;
pub(crate) mod ai_agents;
pub(crate) mod errors;
pub(crate) mod maiagent;
pub(crate) mod rbm;
