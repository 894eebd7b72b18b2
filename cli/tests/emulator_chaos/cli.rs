//! The CLI's `--chaos`, `--seed` and `--rate-limit`, against `upload-clients emulator` as its
//! own process.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, ChildStderr, ChildStdout, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::{create, faults_of, http};

/// The emulator process, killed by its PID when dropped; its output kept open while it runs
/// (a closed stderr would fail its next line).
struct Running {
    child: Child,
    _output: Option<(BufReader<ChildStdout>, BufReader<ChildStderr>)>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `upload-clients emulator` with `args`, which must exit: its exit code and stderr.
fn exit_of(args: &[&str]) -> (Option<i32>, String) {
    let mut child = crate::cli_command()
        .args(["emulator", "--port", "0"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the CLI");
    for _ in 0..200 {
        if let Ok(Some(status)) = child.try_wait() {
            let mut stderr = String::new();
            let _ = std::io::Read::read_to_string(
                &mut child.stderr.take().expect("stderr"),
                &mut stderr,
            );
            return (status.code(), stderr);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(Running {
        child,
        _output: None,
    });
    panic!("{args:?} started an emulator");
}

/// `upload-clients emulator` with `args`, running: the process, its base URL and the first
/// line of its stderr.
fn start(args: &[&str]) -> (Running, String, String) {
    let mut child = crate::cli_command()
        .args(["emulator", "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the emulator");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let (mut line, mut first) = (String::new(), String::new());
    stdout.read_line(&mut line).expect("stdout");
    stderr.read_line(&mut first).expect("stderr");
    let base = line.trim().strip_prefix("listening on ").map(str::to_owned);
    let running = Running {
        child,
        _output: Some((stdout, stderr)),
    };
    (running, base.unwrap_or_else(|| panic!("{line:?}")), first)
}

/// The CLI: values of `--chaos`, `--seed` and `--rate-limit` out of range are usage errors
/// (exit 2).
#[test]
fn the_cli_refuses_chaos_seed_and_rate_limit_out_of_range() {
    for (bad, says) in [
        (&["--chaos", "1.5"][..], "not a probability from 0 to 1"),
        (&["--chaos", "NaN"], "not a probability from 0 to 1"),
        (&["--rate-limit", "0"], "--rate-limit"),
        (&["--seed", "3"], "--chaos"),
    ] {
        let (code, stderr) = exit_of(bad);
        assert_eq!(code, Some(2), "{bad:?}: {stderr}");
        assert!(stderr.contains(says), "{bad:?}: {stderr}");
    }
}

/// The CLI: `--chaos` and `--seed` give the library's faults for the same seed.
#[test]
fn the_cli_takes_chaos_and_seed() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (_chaos, base, said) = start(&["--chaos", "1", "--seed", "7"]);
    assert!(
        said.contains("seed 7") && said.contains("--chaos 1 --seed 7"),
        "{said}"
    );
    let from_cli: Vec<Option<String>> = runtime.block_on(async {
        let http = http();
        for _ in 0..5 {
            create(&http, &base).await;
        }
        let listed: Vec<Value> = http
            .get(format!("{base}/_emulator/requests"))
            .send()
            .await
            .expect("requests")
            .json()
            .await
            .expect("JSON");
        listed
            .iter()
            .map(|r| r["fault"].as_str().map(str::to_owned))
            .collect()
    });
    assert!(from_cli.iter().all(Option::is_some), "{from_cli:?}");
    assert_eq!(from_cli, runtime.block_on(faults_of(1.0, 7, 5)));
}

/// The CLI: `--rate-limit` refuses beyond N.
#[test]
fn the_cli_takes_a_rate_limit() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (_limited, base, said) = start(&["--rate-limit", "1"]);
    assert!(said.contains("1 requests per second"), "{said}");
    let answers = runtime.block_on(async {
        let http = http();
        let first = create(&http, &base).await.map(|(s, _)| s);
        let (second, headers) = create(&http, &base).await.expect("answered");
        (first, second, headers.get("retry-after").cloned())
    });
    assert_eq!(
        answers,
        (Some(200), 429, Some(reqwest::header::HeaderValue::from(1)))
    );
}
