//! `upload-clients`: upload files to ACS Chat, RBM, Azure AI Agents or MaiAgent from the
//! command line. Arguments → facade → one human line or one `--json` object on stdout.
//!
//! Exit status: 0 on success, 2 for bad input or usage (nothing sent), 1 when the API, storage
//! or network failed, 130 on Ctrl-C. Errors are one line on stderr.
//!
//! One module per concern: [`args`] (shared options and the run's context), [`credentials`],
//! [`files`] (paths, progress), [`run`] (the run of many files: results as they come, the
//! journal), [`stop`] (Ctrl-C and SIGTERM), [`output`], and one per service's subcommand.

#![forbid(unsafe_code)]

mod args;
mod credentials;
mod files;
mod output;
mod run;
mod stop;
mod vendors;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use upload_clients::Error;

use crate::args::{Common, Context};
use crate::output::fail;
use crate::stop::{Level, Stop};
use crate::vendors::{acs_chat, ai_agents, maiagent, rbm};

#[derive(Parser)]
#[command(
    name = "upload-clients",
    version,
    about = "Upload files to ACS Chat, RBM, Azure AI Agents and MaiAgent"
)]
struct Cli {
    #[command(subcommand)]
    command: Service,
}

/// A service's commands, with the options every upload takes (`--json`, `--token`,
/// `--attempts`, …), which the emulator does not.
#[derive(Args)]
struct ServiceArgs<C: Subcommand> {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: C,
}

#[derive(Subcommand)]
enum Service {
    /// Azure Communication Services Chat (token: ACS_ACCESS_TOKEN).
    AcsChat(ServiceArgs<acs_chat::AcsCommand>),
    /// Google RCS Business Messaging (token: RBM_ACCESS_TOKEN).
    Rbm(ServiceArgs<rbm::RbmCommand>),
    /// Azure AI Foundry Agents files (token: AZURE_AI_ACCESS_TOKEN).
    Agents(ServiceArgs<ai_agents::AgentsCommand>),
    /// MaiAgent attachments (API key: MAIAGENT_API_KEY).
    Maiagent(ServiceArgs<maiagent::MaiAgentCommand>),
    /// A local emulator of the four services (and their storage), for tests without an
    /// account: prints `listening on http://127.0.0.1:PORT`, stops on Ctrl-C.
    Emulator(upload_clients_emulator::serve::ServeArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Warnings always (an upload that succeeded but could not be cached, say); more with -v.
    let verbose = match &cli.command {
        Service::AcsChat(s) => s.common.verbose,
        Service::Rbm(s) => s.common.verbose,
        Service::Agents(s) => s.common.verbose,
        Service::Maiagent(s) => s.common.verbose,
        Service::Emulator(args) => args.verbose,
    };
    let level = match verbose {
        0 => "warn",
        1 => "debug",
        _ => "trace",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(format!(
            "upload_clients={level},upload_clients_emulator={level}"
        ))
        .init();
    if let Service::Emulator(args) = cli.command {
        return upload_clients_emulator::serve::serve(args).await;
    }
    let stop = Stop::listen();
    // A run of files handles the signals itself (run.rs) and prints what finished; anything
    // still going a moment after a second one (a credential being fetched, say) ends here.
    let ended = async {
        stop.reached(Level::Aborting).await;
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    };
    let result = tokio::select! {
        result = run(cli, stop.clone()) => result,
        () = ended => Ok(ExitCode::from(130)),
    };
    match result {
        Ok(status) => status,
        Err(error) => fail(&error),
    }
}

/// Runs the chosen subcommand: its exit status, or the error that stopped the run before any
/// upload.
async fn run(cli: Cli, stop: Stop) -> Result<ExitCode, Error> {
    match cli.command {
        Service::AcsChat(s) => acs_chat::run(s.command, &Context::new(&s.common, stop)?).await,
        Service::Rbm(s) => rbm::run(s.command, &Context::new(&s.common, stop)?).await,
        Service::Agents(s) => ai_agents::run(s.command, &Context::new(&s.common, stop)?).await,
        Service::Maiagent(s) => maiagent::run(s.command, &Context::new(&s.common, stop)?).await,
        Service::Emulator(_) => Ok(ExitCode::SUCCESS),
    }
}
