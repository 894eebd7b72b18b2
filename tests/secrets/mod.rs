//! Secrets never show: tokens, API keys and the presigned form's `policy` and signature stay
//! out of `Debug` and `Display` of clients, credentials and presigned posts, out of every
//! error of a failing upload (and its `source()` chain), and out of `tracing` output at every
//! level (TRACE captured here, with the `log` records of reqwest too). Storage hosts get no
//! credential, and a redirect to another host (another address, host name or port) drops it.
//! TLS is rustls only.
//!
//! Every test logs into the one process-wide subscriber, and every test checks the whole log
//! for every secret of the file.

mod clients;
mod presigned;
mod transport;

use crate::common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use common::scripted::{Recorded, Scripted};
use upload_clients::auth::{TokenFuture, TokenProvider};
use upload_clients::policy::RetryPolicy;
use upload_clients::{Error, UploadSource};

const ACS_TOKEN: &str = "acs-SECRET-token-3f9a1c";
const RBM_TOKEN: &str = "rbm-SECRET-token-77be02";
const AGENTS_TOKEN: &str = "agents-SECRET-token-5d41e8";
const MAI_KEY: &str = "mai-SECRET-apikey-0c8e4b";
const PROVIDED_TOKEN: &str = "provided-SECRET-token-a11b";
const POLICY: &str = "cG9saWN5LVNFQ1JFVC1lNGY3ZDAxOWI2";
const SIGNATURE: &str = "7e1f0SECRET0signature0b5a9d2c4e6";
const SECURITY_TOKEN: &str = "FwoGZXIvYXdzSECRETsessiontoken";
const THUMBNAIL_SIGNATURE: &str = "9c2dSECRETthumbsig41f0";

/// Every secret of this file.
const SECRETS: &[&str] = &[
    ACS_TOKEN,
    RBM_TOKEN,
    AGENTS_TOKEN,
    MAI_KEY,
    PROVIDED_TOKEN,
    POLICY,
    SIGNATURE,
    SECURITY_TOKEN,
    THUMBNAIL_SIGNATURE,
];

/// A signed thumbnail URL: RBM's media upload sends it in the request's query.
fn signed_thumbnail() -> String {
    format!("https://cdn.example.com/t.png?X-Amz-Signature={THUMBNAIL_SIGNATURE}")
}

/// The log of this process: a TRACE-level `fmt` subscriber writing into memory, installed once
/// for every test (also as the `log` logger, so reqwest's own records are caught).
fn log_buffer() -> Arc<Mutex<Vec<u8>>> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUFFER
        .get_or_init(|| {
            let buffer = Arc::new(Mutex::new(Vec::new()));
            let sink = buffer.clone();
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(move || Sink(sink.clone()))
                .try_init()
                .expect("the only subscriber");
            buffer
        })
        .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned()
}

/// Asserts no secret of this file is in `text`, in any letter case.
fn assert_no_secret(what: &str, text: &str) {
    let lower = text.to_lowercase();
    for secret in SECRETS {
        assert!(
            !lower.contains(&secret.to_lowercase()),
            "{what} shows the secret {secret:?}:\n{text}"
        );
    }
}

/// Everything an error shows: `Display` and `Debug` of it and of each error in its chain.
fn everything_shown(err: &Error) -> String {
    let mut shown = format!("{err}\n{err:?}\n");
    let mut next = std::error::Error::source(err);
    while let Some(source) = next {
        shown.push_str(&format!("{source}\n{source:?}\n"));
        next = source.source();
    }
    shown
}

/// Retries quickly, so that retried failures show their whole path in a short test.
fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 2,
        base_delay: std::time::Duration::from_millis(1),
        max_delay: std::time::Duration::from_millis(5),
        deadline: None,
    }
}

fn png() -> UploadSource {
    UploadSource::from_bytes(common::PNG_1X1.to_vec(), "sample.png")
}

fn pdf() -> UploadSource {
    UploadSource::from_bytes(b"%PDF-1.4\n%secret-free\n".to_vec(), "report.pdf")
}

fn heads(server: &Scripted) -> Vec<Recorded> {
    server.requests.lock().unwrap().clone()
}

/// A token provider that gives [`PROVIDED_TOKEN`].
struct Provided;

impl TokenProvider for Provided {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async { Ok(PROVIDED_TOKEN.to_string().into()) })
    }
}

/// Asserts that no secret shows in anything `errors` show (each error, its `Debug` and its
/// chain) or in what is `shown` of clients, and that the process's TRACE log holds each of
/// `logged` (so the log checked is not empty of what the test did) and no secret.
fn assert_nothing_shown(errors: &[(String, Error)], shown: &[(&str, String)], logged: &[&str]) {
    for (case, err) in errors {
        assert_no_secret(case, &everything_shown(err));
    }
    for (what, text) in shown {
        assert_no_secret(what, text);
    }
    let logs = logs();
    for line in logged {
        assert!(logs.contains(line), "the log lacks {line:?}:\n{logs}");
    }
    assert_no_secret("the TRACE log", &logs);
}
