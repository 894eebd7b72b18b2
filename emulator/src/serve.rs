//! The emulator as a server until Ctrl-C, with its options: one definition for the
//! `upload-clients-emulator` binary and the CLI's `upload-clients emulator`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::{Emulator, FaultRule};
use clap::Args;

/// The server's options (clap arguments, flattened into a command).
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The port to listen on (0: a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Keep uploaded objects under DIR (default: a temporary directory removed on exit).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// A fault the next requests to a route get: ROUTE=FAULT[,times=N], for example
    /// `ai-agents.uploadFile=503,retry-after=1,times=2`. FAULT: a status (with retry-after=S,
    /// retry-after-date=S or retry-after-ms=MS), reset (mid-body, nothing stored), reset-after
    /// (handled and stored, then the answer dropped), stall, slow=DURATION or huge=BYTES.
    /// Routes: {api}.{operationId} of the specs, storage.post and storage.get.
    #[arg(long, value_name = "RULE")]
    fault: Vec<FaultRule>,
    /// Chaos mode: with probability P (0 to 1) each request to an API route or storage.post
    /// gets one random fault: reset, reset-after, 503 with Retry-After: 1, 429 with
    /// retry-after-ms: 200 and Retry-After: 1, or a 2-second stall. --fault rules go first.
    #[arg(long, value_name = "P", value_parser = probability)]
    chaos: Option<f64>,
    /// The seed of chaos mode's choices: the same seed and the same requests in the same order
    /// get the same faults (printed at start, to replay a run).
    #[arg(long, value_name = "S", default_value_t = 0, requires = "chaos")]
    seed: u64,
    /// At most N requests per second over all API and storage routes (a token bucket of N);
    /// beyond it, 429 (storage: 503 SlowDown) with retry-after-ms and Retry-After.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    rate_limit: Option<u32>,
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
    /// Log to stderr (-v: debug, -vv: trace).
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Serves until Ctrl-C: 0 then, 1 when it cannot start.
pub async fn serve(args: ServeArgs) -> ExitCode {
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
    if let Some(probability) = args.chaos {
        builder = builder.chaos(probability, args.seed);
    }
    if let Some(per_second) = args.rate_limit {
        builder = builder.rate_limit(per_second);
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
    if let Some(probability) = args.chaos {
        eprintln!(
            "chaos: a random fault per request with probability {probability}, seed {0} (replay: --chaos {probability} --seed {0})",
            args.seed
        );
    }
    if let Some(per_second) = args.rate_limit {
        eprintln!("rate limit: {per_second} requests per second");
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

/// `--chaos`: a probability from 0 to 1.
fn probability(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "`{text}` is not a probability from 0 to 1 (0: no faults, 1: a fault on every request)"
        )),
    }
}
