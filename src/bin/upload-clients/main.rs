//! `upload-clients`: upload files to ACS Chat, RBM, Azure AI Agents or MaiAgent from the
//! command line. Arguments → facade → one human line or one `--json` object on stdout.
//!
//! Exit status: 0 on success, 2 for bad input or usage (nothing sent), 1 when the API, storage
//! or network failed, 130 on Ctrl-C. Errors are one line on stderr.
//!
//! One module per concern: [`args`] (shared options and the run's context), [`credentials`],
//! [`files`] (paths, sources, progress), [`output`], and one per service's subcommand.

mod acs_chat;
mod agents;
mod args;
mod credentials;
mod emulator;
mod files;
mod maiagent;
mod output;
mod rbm;

use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use upload_clients::Error;

use crate::args::{Common, Context};
use crate::output::{Outcome, fail, report};

#[derive(Parser)]
#[command(
    name = "upload-clients",
    version,
    about = "Upload files to ACS Chat, RBM, Azure AI Agents and MaiAgent"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Service,
}

#[derive(Subcommand)]
enum Service {
    /// Azure Communication Services Chat (token: ACS_ACCESS_TOKEN).
    #[command(subcommand)]
    AcsChat(acs_chat::AcsCommand),
    /// Google RCS Business Messaging (token: RBM_ACCESS_TOKEN).
    #[command(subcommand)]
    Rbm(rbm::RbmCommand),
    /// Azure AI Foundry Agents files (token: AZURE_AI_ACCESS_TOKEN).
    #[command(subcommand)]
    Agents(agents::AgentsCommand),
    /// MaiAgent attachments (API key: MAIAGENT_API_KEY).
    #[command(subcommand)]
    Maiagent(maiagent::MaiAgentCommand),
    /// A local emulator of the four services (and their storage), for tests without an
    /// account: prints `listening on http://127.0.0.1:PORT`, stops on Ctrl-C.
    Emulator(emulator::EmulatorArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Warnings always (an upload that succeeded but could not be cached, say); more with -v.
    let level = match cli.common.verbose {
        0 => "warn",
        1 => "debug",
        _ => "trace",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(format!("upload_clients={level}"))
        .init();
    if let Service::Emulator(args) = cli.command {
        return emulator::serve(args).await;
    }
    let json = cli.common.json;
    let started = Instant::now();
    tokio::select! {
        result = run(cli) => match result {
            Ok(outcomes) => report(outcomes, json, started.elapsed()),
            Err(error) => fail(&error),
        },
        _ = tokio::signal::ctrl_c() => {
            eprintln!("interrupted");
            ExitCode::from(130)
        }
    }
}

/// Runs the chosen subcommand: every file's outcome, or the error that stopped the run first.
async fn run(cli: Cli) -> Result<Vec<Outcome>, Error> {
    let ctx = Context::new(&cli.common)?;
    match cli.command {
        Service::AcsChat(command) => acs_chat::run(command, &ctx).await,
        Service::Rbm(command) => rbm::run(command, &ctx).await,
        Service::Agents(command) => agents::run(command, &ctx).await,
        Service::Maiagent(command) => maiagent::run(command, &ctx).await,
        Service::Emulator(_) => Ok(Vec::new()),
    }
}
