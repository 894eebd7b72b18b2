//! Bad input, for every facade client and for the CLI: each case is a clear error
//! ([`Error::is_invalid_input`], exit status 2 and one `error:` line in the CLI) and sends
//! nothing. "Sends nothing" is measured: every client points at a listener on a loopback
//! address that counts TCP connections (a connection counts even without a complete request),
//! and each test ends by asserting it saw none.
//!
//! The presigned flow's bad answers are the one exception to "nothing sent": the presign
//! request is sent (the bad input is the API's answer), so that test asserts exactly one
//! request to the API, none to storage, and an [`Error::InvalidResponse`] (exit status 1).

mod cli;
mod clients;
mod presigned;

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::counting::{self, Counting};
use upload_clients::ai_agents::KnownFilePurpose;
use upload_clients::auth::Credential;
use upload_clients::policy::RetryPolicy;
use upload_clients::{
    AcsChatClient, AiAgentsClient, Error, MaiAgentClient, RbmClient, UploadSource,
};

use common::THREAD;
const MIB: u64 = 1024 * 1024;

/// The facade operations that take a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Acs,
    Rbm,
    Agents,
    MaiDirect,
    MaiPresigned,
}

use Target::*;

const ALL: [Target; 5] = [Acs, Rbm, Agents, MaiDirect, MaiPresigned];

struct Clients {
    acs: AcsChatClient,
    rbm: RbmClient,
    agents: AiAgentsClient,
    mai: MaiAgentClient,
}

impl Clients {
    /// Every client pointed at `url`, with no retries (a wrongly sent request shows once).
    fn at(url: &str) -> Self {
        Self {
            acs: AcsChatClient::new(url, Credential::bearer("acs-token"))
                .expect("endpoint")
                .with_retry(RetryPolicy::none()),
            rbm: RbmClient::new(Credential::bearer("rbm-token"))
                .expect("client")
                .with_base_url(url)
                .expect("endpoint")
                .with_retry(RetryPolicy::none()),
            agents: AiAgentsClient::new(url, Credential::bearer("agents-token"))
                .expect("endpoint")
                .with_retry(RetryPolicy::none()),
            mai: MaiAgentClient::new(Credential::api_key("mai-key"))
                .expect("client")
                .with_base_url(url)
                .expect("endpoint")
                .with_retry(RetryPolicy::none()),
        }
    }

    async fn upload(&self, target: Target, source: &UploadSource) -> Result<(), Error> {
        match target {
            Acs => self.acs.upload_image(THREAD, source).await.map(drop),
            Rbm => self
                .rbm
                .upload_file("agent-1", source, None)
                .await
                .map(drop),
            Agents => self
                .agents
                .upload(source, KnownFilePurpose::Assistants.into())
                .await
                .map(drop),
            MaiDirect => self.mai.upload(source).await.map(drop),
            MaiPresigned => self.mai.upload_presigned(source, None).await.map(drop),
        }
    }

    /// What a caller does with a path: make a source of it, then upload it.
    async fn upload_path(&self, target: Target, path: &Path) -> Result<(), Error> {
        let source = UploadSource::from_path(path).await?;
        self.upload(target, &source).await
    }
}

/// Asserts `result` is bad input whose message holds every one of `needles`; returns the
/// message.
fn refused(case: &str, result: Result<(), Error>, needles: &[&str]) -> String {
    let err = result.expect_err(case);
    assert!(err.is_invalid_input(), "{case}: not invalid input: {err:?}");
    let message = err.to_string();
    assert!(message.starts_with("invalid input: "), "{case}: {message}");
    for needle in needles {
        assert!(
            message.contains(needle),
            "{case}: {message:?} lacks {needle:?}"
        );
    }
    println!("{case}: {message}");
    message
}

/// The files of the cases, in a temporary directory.
struct Files {
    dir: tempfile::TempDir,
    missing: PathBuf,
    directory: PathBuf,
    empty: PathBuf,
    unreadable: PathBuf,
    text: PathBuf,
    exe: PathBuf,
    png: PathBuf,
    pdf: PathBuf,
    /// One byte over each API's limit (sparse: no disk or memory is used).
    over_acs: PathBuf,
    over_rbm: PathBuf,
    over_agents: PathBuf,
}

fn sparse(dir: &Path, name: &str, len: u64) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .and_then(|f| f.set_len(len))
        .expect("sparse file");
    path
}

/// True when this process can open `path` for reading.
fn can_read(path: &Path) -> bool {
    std::fs::File::open(path).is_ok()
}

/// A regular, non-empty file this process cannot read.
///
/// The natural case is a file with mode 000. Tests often run as root, and root reads such a
/// file anyway (CAP_DAC_OVERRIDE), so when the mode-000 file can still be opened a write-only
/// sysfs attribute is used instead: a regular file of 4096 bytes whose opening for reading
/// fails with EACCES even for root (the kernel has no read method for it). When neither
/// exists the test fails: it never passes without an unreadable file.
fn unreadable(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let locked = common::write(dir, "locked.pdf", b"%PDF-1.4\n%locked\n");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if !can_read(&locked) {
        return locked;
    }
    let mut candidates = vec![
        PathBuf::from("/sys/bus/pci/rescan"),
        PathBuf::from("/sys/bus/pci/drivers_probe"),
    ];
    if let Ok(buses) = std::fs::read_dir("/sys/bus") {
        for bus in buses.flatten() {
            candidates.push(bus.path().join("drivers_probe"));
            candidates.push(bus.path().join("uevent"));
        }
    }
    candidates
        .into_iter()
        .find(|path| {
            std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > 0)
                && std::fs::File::open(path)
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
        })
        .expect(
            "running privileged (a mode-000 file is readable) and no write-only sysfs attribute \
             was found: this machine offers no unreadable file to test with",
        )
}

fn files() -> Files {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    let directory = path.join("folder.png");
    std::fs::create_dir(&directory).expect("mkdir");
    Files {
        missing: path.join("missing.png"),
        directory,
        empty: common::write(path, "empty.png", b""),
        unreadable: unreadable(path),
        text: common::write(path, "notes.txt", b"just some words"),
        exe: common::write(path, "tool.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        png: common::write(path, "sample.png", common::PNG_1X1),
        pdf: common::write(path, "report.pdf", b"%PDF-1.4\n%test\n"),
        over_acs: sparse(path, "huge.png", 20 * MIB + 1),
        over_rbm: sparse(path, "huge.mp4", 100 * MIB + 1),
        over_agents: sparse(path, "huge.pdf", 512 * MIB + 1),
        dir,
    }
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// Asserts that `listener` saw no connection: bad input sends nothing.
async fn nothing_was_sent(listener: &Counting) {
    assert_eq!(
        listener.connections().await,
        0,
        "bad input must send nothing"
    );
}

/// Runs the CLI with `args` (plus a token and `--no-progress`), as the `nobody` user when
/// `as_nobody`; returns its exit status and stderr, after checking stdout is empty.
async fn cli(args: Vec<String>, as_nobody: bool) -> (Option<i32>, String) {
    let output: Output = tokio::task::spawn_blocking(move || {
        let mut command = if as_nobody {
            let mut command = Command::new("setpriv");
            command.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                crate::cli_binary(),
            ]);
            common::scrub(&mut command);
            command
        } else {
            crate::cli_command()
        };
        command
            .args(&args)
            .args(["--token", "cli-token", "--no-progress"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("joined");
    assert!(output.stdout.is_empty(), "{:?}", output);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The listener really counts: a request that is sent shows up (so the zeros above mean
/// something).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counting_listener_sees_a_request_that_is_sent() {
    let listener: Counting = counting::listen("127.0.0.1").await;
    let clients = Clients::at(&listener.url);
    let source = UploadSource::from_bytes(common::PNG_1X1.to_vec(), "sample.png");
    let err = clients
        .upload(Acs, &source)
        .await
        .expect_err("the listener answers 500");
    assert_eq!(err.status(), Some(500), "{err}");
    assert_eq!(listener.connections().await, 1);
    clients
        .upload(Rbm, &source)
        .await
        .expect_err("the listener answers 500");
    assert_eq!(
        listener.connections().await,
        2,
        "counted since the listener started"
    );
}
