//! Bad input to the CLI: exit status 2 and one `error: invalid input: …` line, nothing sent.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::counting;

use common::THREAD;

use super::Target::*;
use super::{ALL, Target, cli, files, nothing_was_sent, shown};

/// The CLI arguments that upload `file` with `target` to `endpoint`.
fn command(target: Target, file: &Path, endpoint: &str) -> Vec<String> {
    let file = shown(file);
    let args: Vec<&str> = match target {
        Acs => vec![
            "acs-chat",
            "upload-image",
            &file,
            "--endpoint",
            endpoint,
            "--thread-id",
            THREAD,
        ],
        Rbm => vec![
            "rbm",
            "upload",
            &file,
            "--agent-id",
            "agent-1",
            "--endpoint",
            endpoint,
        ],
        Agents => vec![
            "agents",
            "upload",
            &file,
            "--endpoint",
            endpoint,
            "--purpose",
            "assistants",
        ],
        MaiDirect => vec!["maiagent", "upload", &file, "--endpoint", endpoint],
        MaiPresigned => vec![
            "maiagent",
            "upload",
            &file,
            "--presigned",
            "--endpoint",
            endpoint,
        ],
    };
    args.into_iter().map(str::to_owned).collect()
}

/// Asserts the CLI exits 2 with one `error: invalid input: …` line holding every needle.
async fn cli_refuses(case: &str, args: Vec<String>, needles: &[&str], as_nobody: bool) {
    let (code, err) = cli(args, as_nobody).await;
    assert_eq!(code, Some(2), "{case}: {err}");
    assert_eq!(err.lines().count(), 1, "{case}: {err}");
    assert!(err.starts_with("error: invalid input: "), "{case}: {err}");
    for needle in needles {
        assert!(err.contains(needle), "{case}: {err:?} lacks {needle:?}");
    }
    print!("CLI {case}: {err}");
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_a_missing_empty_or_unreadable_file_or_a_directory() {
    let listener = counting::listen("127.0.0.1").await;
    let ep = listener.url.clone();
    let f = files();
    for target in ALL {
        for (what, path, needle) in [
            ("missing file", &f.missing, "no such file"),
            ("directory", &f.directory, "is a directory"),
            ("empty file", &f.empty, "is empty"),
            ("unreadable file", &f.unreadable, "cannot read"),
        ] {
            cli_refuses(
                &format!("{target:?} {what}"),
                command(target, path, &ep),
                &[&shown(path), needle],
                false,
            )
            .await;
        }
    }
    // As root the mode-000 file above was replaced by a sysfs attribute; the real mode-000
    // case is then also run as the unprivileged `nobody` user, when `setpriv` is there and
    // `nobody` may run the binary (its directories may be closed to others).
    if std::fs::File::open(f.dir.path().join("locked.pdf")).is_ok() && nobody_can_run_the_cli() {
        use std::os::unix::fs::PermissionsExt;
        let open = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(f.dir.path(), open).expect("chmod dir");
        let locked = f.dir.path().join("locked.pdf");
        for target in ALL {
            cli_refuses(
                &format!("{target:?} mode-000 file as nobody"),
                command(target, &locked, &ep),
                &[&shown(&locked), "cannot read", "ermission denied"],
                true,
            )
            .await;
        }
    }
    nothing_was_sent(&listener).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_a_type_its_service_does_not_accept_or_a_file_over_its_limit() {
    let listener = counting::listen("127.0.0.1").await;
    let f = files();
    let refused_type = "text/plain, which this service does not accept";
    let refused_exe = "portable-executable, which this service does not accept";
    for (target, path, needle) in [
        (Acs, &f.text, refused_type),
        (Rbm, &f.text, refused_type),
        (MaiDirect, &f.exe, refused_exe),
        (MaiPresigned, &f.exe, refused_exe),
        (
            Acs,
            &f.over_acs,
            "over the limit of 20971520 bytes (20 MiB)",
        ),
        (
            Rbm,
            &f.over_rbm,
            "over the limit of 104857600 bytes (100 MiB)",
        ),
        (
            Agents,
            &f.over_agents,
            "over the limit of 536870912 bytes (512 MiB)",
        ),
    ] {
        cli_refuses(
            &format!("{target:?} {}", path.file_name().unwrap().to_string_lossy()),
            command(target, path, &listener.url),
            &[needle],
            false,
        )
        .await;
    }
    nothing_was_sent(&listener).await;
}

/// The commands that take an id (or a purpose), each with `id` and named for it; `png` and
/// `pdf` are files to send, `ep` the endpoint.
fn commands_with_id(
    id: &str,
    png: &str,
    pdf: &str,
    ep: &str,
) -> Vec<(String, Vec<String>, &'static str)> {
    vec![
        (
            format!("Acs thread id {id:?}"),
            strings(&[
                "acs-chat",
                "upload-image",
                png,
                "--endpoint",
                ep,
                "--thread-id",
                id,
            ]),
            "thread id",
        ),
        (
            format!("Rbm agent id {id:?}"),
            strings(&["rbm", "upload", png, "--agent-id", id, "--endpoint", ep]),
            "agent id",
        ),
        (
            format!("Rbm upload-url agent id {id:?}"),
            strings(&[
                "rbm",
                "upload-url",
                "--file-url",
                "https://example.com/a.png",
                "--agent-id",
                id,
                "--endpoint",
                ep,
            ]),
            "agent id",
        ),
        (
            format!("Mai conversation id {id:?}"),
            strings(&[
                "maiagent",
                "upload",
                pdf,
                "--presigned",
                "--conversation",
                id,
                "--endpoint",
                ep,
            ]),
            "conversation id",
        ),
        (
            format!("Agents purpose {id:?}"),
            strings(&["agents", "upload", pdf, "--endpoint", ep, "--purpose", id]),
            "purpose",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_an_empty_or_malformed_id_or_purpose() {
    let listener = counting::listen("127.0.0.1").await;
    let f = files();
    let (png, pdf) = (shown(&f.png), shown(&f.pdf));
    for (id, needle) in [("", "is empty"), ("a b", "whitespace")] {
        for (case, args, what) in commands_with_id(id, &png, &pdf, &listener.url) {
            cli_refuses(&case, args, &[what, needle], false).await;
        }
    }
    nothing_was_sent(&listener).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_an_invalid_endpoint_or_http_off_loopback() {
    let listener = counting::listen("127.0.0.1").await;
    let f = files();
    let ftp = format!("ftp://127.0.0.1:{}", listener.port);
    for (endpoint, needle) in [
        ("not a url", "is not a valid URL"),
        (ftp.as_str(), "has scheme \"ftp\""),
        ("http://example.com", "http:// on a non-loopback host"),
    ] {
        for target in ALL {
            let file = if target == Acs { &f.png } else { &f.pdf };
            cli_refuses(
                &format!("{target:?} endpoint {endpoint:?}"),
                command(target, file, endpoint),
                &[&format!("endpoint {endpoint:?}"), needle],
                false,
            )
            .await;
        }
        let url = strings(&[
            "rbm",
            "upload-url",
            "--file-url",
            "https://example.com/a.png",
            "--agent-id",
            "a",
            "--endpoint",
            endpoint,
        ]);
        cli_refuses(
            &format!("Rbm upload-url endpoint {endpoint:?}"),
            url,
            &[needle],
            false,
        )
        .await;
    }
    nothing_was_sent(&listener).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_a_file_url_or_thumbnail_url_that_is_not_http() {
    let listener = counting::listen("127.0.0.1").await;
    let ep = listener.url.clone();
    let f = files();
    let png = shown(&f.png);
    for url in [
        "ftp://127.0.0.1/a.png",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "cat.png",
    ] {
        let args = strings(&[
            "rbm",
            "upload-url",
            "--file-url",
            url,
            "--agent-id",
            "a",
            "--endpoint",
            &ep,
        ]);
        cli_refuses(
            &format!("Rbm fileUrl {url:?}"),
            args,
            &[&format!("fileUrl {url:?}")],
            false,
        )
        .await;
        let args = strings(&[
            "rbm",
            "upload",
            &png,
            "--agent-id",
            "a",
            "--thumbnail-url",
            url,
            "--endpoint",
            &ep,
        ]);
        cli_refuses(
            &format!("Rbm thumbnailUrl {url:?}"),
            args,
            &[&format!("thumbnailUrl {url:?}")],
            false,
        )
        .await;
    }
    nothing_was_sent(&listener).await;
}

/// True when `setpriv` can run the binary as `nobody`.
fn nobody_can_run_the_cli() -> bool {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .args([crate::cli_binary(), "--version"])
        .output()
        .is_ok_and(|output| output.status.success())
}
