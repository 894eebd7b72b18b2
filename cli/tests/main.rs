//! The CLI's integration tests, one binary: the `upload-clients` command against httpmock, the
//! emulator (its process and Prism's agreement with it), local HTTPS servers and proxies, with
//! bad input, non-ASCII names, credentials and large runs.

#[path = "../../tests/common/mod.rs"]
mod common;

mod bad_input;
mod cli;
mod credentials;
mod emulator;
mod emulator_chaos;
mod file_names;
mod large_runs;
mod prism;
mod rbm_cache;
mod tls_and_proxy;

use std::process::Command;

/// The CLI binary this crate builds.
fn cli_binary() -> &'static str {
    env!("CARGO_BIN_EXE_upload-clients")
}

/// The CLI binary as a command, with none of the variables it reads ([`common::CLI_ENV`]) set.
fn cli_command() -> Command {
    let mut command = Command::new(cli_binary());
    common::scrub(&mut command);
    command
}
