//! The options every command shares, the files of an upload command, and the context a
//! command runs in (one HTTP client, the retry policy and timeouts they ask for).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use clap::builder::TypedValueParser;
use upload_clients::Error;
use upload_clients::policy::RetryPolicy;
use upload_clients::policy::Timeouts;
use upload_clients::transport::default_client;

#[derive(Args)]
pub struct Common {
    /// Print exactly one JSON object (the result) on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// Give up on an attempt after SECS seconds in all (default: no limit, for large files).
    #[arg(long, global = true, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Give up on an attempt after SECS seconds without upload progress or a response
    /// (0: never).
    #[arg(long, global = true, value_name = "SECS", default_value_t = 120)]
    pub stall_timeout: u64,
    /// Attempts per request in all, the first included (1: no retry).
    #[arg(long, global = true, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub attempts: u32,
    /// Do not show a progress bar.
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Log requests to stderr (-v: debug, -vv: trace). Credentials are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The access token or API key (default: the service's environment variable). On a shared
    /// machine prefer --token-file: other users can read a command line.
    #[arg(long, global = true, value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Read the token or API key (or, with --auth connection-string, the connection string)
    /// from the first line of FILE; `-` reads standard input.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "token")]
    pub token_file: Option<PathBuf>,
    /// Where the credential comes from. Default: the token given (--token, --token-file, the
    /// service's variable), then the platform's usual source when there is a sign of it.
    /// acs-chat: token, connection-string; rbm: token, google; agents: token,
    /// developer-tools, azure-cli, managed-identity, workload-identity, client-secret;
    /// maiagent: token.
    #[arg(long, global = true, value_enum, value_name = "SOURCE")]
    pub auth: Option<crate::credentials::AuthSource>,
    /// RBM: a Google service-account JSON key, exchanged for tokens (default:
    /// GOOGLE_APPLICATION_CREDENTIALS, when no token is given).
    #[arg(long, global = true, value_name = "KEY.json")]
    pub credentials: Option<PathBuf>,
}

/// The files of an upload command.
#[derive(Args)]
pub struct Files {
    /// The files to upload.
    #[arg(value_name = "FILE", required_unless_present = "dir")]
    pub files: Vec<PathBuf>,
    /// Also upload every regular file directly in DIR (sorted by name; hidden files and
    /// subdirectories are skipped).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// How many files to upload at once.
    #[arg(long, value_name = "N", default_value_t = upload_clients::bulk::DEFAULT_CONCURRENCY,
          value_parser = clap::value_parser!(u16).range(1..=256).map(usize::from))]
    pub concurrency: usize,
    /// Record each file's progress in FILE, and resume from it: files done in an earlier run
    /// with this journal are not sent again (their results are printed), the others continue
    /// from where they got to.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
}

/// What a command runs with: the common options, one connection pool for every request, and
/// the retry policy and timeouts the options ask for.
pub struct Context<'a> {
    pub common: &'a Common,
    pub http: reqwest::Client,
    pub retry: RetryPolicy,
    pub timeouts: Timeouts,
    /// Ctrl-C and SIGTERM, as the run sees them.
    pub stop: crate::stop::Stop,
}

impl<'a> Context<'a> {
    pub fn new(common: &'a Common, stop: crate::stop::Stop) -> Result<Self, Error> {
        let retry = RetryPolicy {
            max_attempts: common.attempts,
            ..RetryPolicy::default()
        };
        let timeouts = Timeouts::default()
            .with_stall(
                (common.stall_timeout > 0).then(|| Duration::from_secs(common.stall_timeout)),
            )
            .with_request(common.timeout.map(Duration::from_secs));
        // The facades' own default client, so the root certificates are loaded once.
        let http = default_client()?;
        Ok(Self {
            common,
            http,
            retry,
            timeouts,
            stop,
        })
    }
}
