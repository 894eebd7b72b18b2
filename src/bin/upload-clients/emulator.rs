//! `upload-clients emulator`: the local emulator of the four services, until Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use upload_clients::emulator::{Emulator, FaultRule};

#[derive(Args)]
pub struct EmulatorArgs {
    /// The port to listen on (0: a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Keep uploaded objects under DIR (default: a temporary directory removed on exit).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// A fault the next requests to a route get: ROUTE=FAULT[,times=N], for example
    /// `ai-agents.uploadFile=503,retry-after=1,times=2`. FAULT: a status (with retry-after=S,
    /// retry-after-date=S or retry-after-ms=MS), reset, stall, slow=DURATION or huge=BYTES.
    /// Routes: {api}.{operationId} of the specs, storage.post and storage.get.
    #[arg(long, value_name = "RULE")]
    fault: Vec<FaultRule>,
    /// How long an AI Agents file takes to become `processed`, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 600)]
    processing_ms: u64,
    /// AI Agents files end in `error` with these status details.
    #[arg(long, value_name = "TEXT")]
    processing_error: Option<String>,
    /// Accept any size, type and extension (for benchmarks of large files); by default each
    /// API accepts what its client does.
    #[arg(long)]
    no_limits: bool,
}

/// Serves until Ctrl-C: 0 then, 1 when it cannot start.
pub async fn serve(args: EmulatorArgs) -> ExitCode {
    let mut builder = Emulator::builder()
        .port(args.port)
        .processing_time(Duration::from_millis(args.processing_ms));
    if let Some(dir) = args.data {
        builder = builder.data_dir(dir);
    }
    if args.no_limits {
        builder = builder.without_limits();
    }
    if let Some(details) = args.processing_error {
        builder = builder.processing_error(details);
    }
    let emulator = match builder.start().await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    for rule in args.fault {
        emulator.fail_next(rule.route, rule.fault, rule.times);
    }
    println!("listening on {}", emulator.base_url());
    eprintln!(
        "ACS Chat, RBM and AI Agents: --endpoint {0}; MaiAgent: --endpoint {0}/api; requests: {0}/_emulator/requests. Ctrl-C stops.",
        emulator.base_url()
    );
    match tokio::signal::ctrl_c().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot wait for Ctrl-C: {e}");
            ExitCode::from(1)
        }
    }
}
