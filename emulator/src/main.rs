//! `upload-clients-emulator`: the local emulator of the four services as a server, for tests in
//! any language. Prints `listening on http://127.0.0.1:PORT` first, then serves until Ctrl-C.
//! `upload-clients emulator` (the CLI) is the same server with the same options.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use upload_clients_emulator::serve::{ServeArgs, serve};

/// A local emulator of ACS Chat, RBM, Azure AI Agents and MaiAgent (and their storage), for
/// tests without an account: prints `listening on http://127.0.0.1:PORT`, stops on Ctrl-C.
#[derive(Parser)]
#[command(name = "upload-clients-emulator", version)]
struct Cli {
    #[command(flatten)]
    args: ServeArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.args.verbose {
        0 => "warn",
        1 => "debug",
        _ => "trace",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(format!("upload_clients_emulator={level}"))
        .init();
    serve(cli.args).await
}
