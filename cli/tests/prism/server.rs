//! Running Prism: `prism mock --errors` on 127.0.0.1 behind a proxy that records every
//! `sl-violations` header the facade and the CLI get.

use crate::common;

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use upload_clients::Error;

use super::setup::prism_install;
use super::{Answer, START_TIMEOUT, send, violations};

/// One `prism mock --errors` on 127.0.0.1, killed with its process group when dropped (so a
/// failed assertion still stops it), behind a proxy that records its responses.
pub(super) struct Prism {
    pub(super) child: Child,
    /// Prism's own port, for the raw requests of the negative controls.
    pub(super) port: u16,
    proxy: Proxy,
    log: PathBuf,
    /// Holds the spec copy and the log.
    _dir: Option<tempfile::TempDir>,
}

impl Prism {
    /// Prism for `spec_text` (YAML), named `name` in messages.
    pub(super) fn start(name: &str, spec_text: &str) -> Self {
        let bin = prism_install().join("node_modules/.bin/prism");
        let dir = tempfile::tempdir().expect("tempdir");
        let spec = dir.path().join(format!("{name}.yaml").replace(' ', "-"));
        std::fs::write(&spec, spec_text).expect("write spec");
        let log = dir.path().join("prism.log");
        // A port taken by someone else between `free_port` and Prism's bind: try another.
        for _ in 0..3 {
            let port = common::free_port();
            let out = std::fs::File::create(&log).expect("log");
            let child = Command::new(&bin)
                .arg("mock")
                .arg(&spec)
                .args(["--errors", "-h", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(out.try_clone().expect("log"))
                .stderr(out)
                // Its own process group, so that Drop can kill anything it might spawn.
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("{} does not start: {e}", bin.display()));
            let mut prism = Prism {
                child,
                port,
                proxy: Proxy::start(port),
                log: log.clone(),
                _dir: None,
            };
            if prism.wait_until_listening(name) {
                prism._dir = Some(dir);
                return prism;
            }
        }
        panic!("Prism for {name}: its port was taken 3 times");
    }

    /// Waits (at most [`START_TIMEOUT`]) until Prism says it listens and takes connections.
    /// False when its port was taken; a panic with its output for any other failure.
    fn wait_until_listening(&mut self, name: &str) -> bool {
        let started = Instant::now();
        let listening = format!("Prism is listening on http://127.0.0.1:{}", self.port);
        let addr: SocketAddr = ([127, 0, 0, 1], self.port).into();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let output = self.output();
                if output.contains("EADDRINUSE") {
                    return false;
                }
                panic!("Prism for {name} exited ({status}) before listening:\n{output}");
            }
            if self.output().contains(&listening)
                && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
            {
                return true;
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "Prism for {name} did not listen on {addr} within {START_TIMEOUT:?}; its output:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The base URL clients use (through the recording proxy), with `path` appended.
    pub(super) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.proxy.port)
    }

    /// Prism's own URL for `path`, bypassing the proxy.
    pub(super) fn direct(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Prism's stdout and stderr so far (the last 6000 characters).
    pub(super) fn output(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = text.len().saturating_sub(6000);
        let start = (start..text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        text[start..].to_string()
    }

    /// The statuses and `sl-violations` of the responses since the last call.
    fn take(&self) -> Exchanges {
        self.proxy.take()
    }

    /// The value of a facade call, after checking that it succeeded and that Prism found nothing
    /// wrong with its requests (or its own responses); otherwise a panic with Prism's findings.
    /// Returns the statuses of the responses the call got.
    #[track_caller]
    pub(super) fn conforms<T>(&self, what: &str, result: Result<T, Error>) -> (T, Vec<u16>) {
        let exchanges = self.take();
        match result {
            Ok(value) => {
                assert!(
                    exchanges.violations.is_empty(),
                    "{what}: Prism reported violations: {:#?}",
                    exchanges.violations
                );
                (value, exchanges.statuses)
            }
            Err(error) => panic!(
                "{what} failed: {error}\n{error:?}\nPrism's violations: {:#?}\nPrism's log:\n{}",
                exchanges.violations,
                self.output()
            ),
        }
    }

    /// Prism's answer to a raw `request` (sent straight to it, for the negative controls).
    #[track_caller]
    pub(super) fn send(
        &self,
        rt: &tokio::runtime::Runtime,
        request: reqwest::RequestBuilder,
    ) -> Answer {
        rt.block_on(send(request)).unwrap_or_else(|e| {
            panic!(
                "no answer from Prism: {e:?}\nPrism's log:\n{}",
                self.output()
            )
        })
    }

    /// Runs the CLI with `args` (plus `--json --no-progress --attempts 1`), checks that it
    /// succeeded with no violations, and returns the JSON object it printed.
    #[track_caller]
    pub(super) fn cli(&self, args: &[&str]) -> serde_json::Value {
        let output = crate::cli_command()
            .args(args)
            .args(["--json", "--no-progress", "--attempts", "1"])
            .output()
            .expect("the CLI runs");
        let exchanges = self.take();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && exchanges.violations.is_empty(),
            "upload-clients {args:?}: {}\nstdout: {stdout}\nstderr: {}\nPrism's violations: {:#?}\nPrism's log:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            exchanges.violations,
            self.output()
        );
        assert_eq!(stdout.lines().count(), 1, "one JSON object: {stdout}");
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        // Prism 5.14.2 is one node process without children (checked with `ps --ppid`); the
        // group is killed anyway, then the process itself, then reaped. (In its own group it
        // does not get a terminal's Ctrl-C: an interrupted `cargo test` can leave it running.)
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the proxy saw Prism answer.
#[derive(Debug, Default)]
struct Exchanges {
    statuses: Vec<u16>,
    /// One line per violation: `location: message (severity)`.
    violations: Vec<String>,
}

/// The bytes Prism sent on one connection.
type Recording = Arc<Mutex<Vec<u8>>>;

/// A TCP proxy to Prism that records each connection's responses, so that a test sees the
/// `sl-violations` header of every response the facade and the CLI get.
struct Proxy {
    port: u16,
    connections: Arc<Mutex<Vec<Recording>>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    fn start(target: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let connections: Arc<Mutex<Vec<Recording>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (record, stopped) = (connections.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let buffer = Arc::new(Mutex::new(Vec::new()));
                record.lock().expect("lock").push(buffer.clone());
                let (Ok(mut client_read), Ok(mut server_read)) =
                    (client.try_clone(), server.try_clone())
                else {
                    continue;
                };
                let (mut client_write, mut server_write) = (client, server);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut client_read, &mut server_write);
                    let _ = server_write.shutdown(Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let mut chunk = vec![0u8; 64 * 1024];
                    loop {
                        let n = match server_read.read(&mut chunk) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        // Recorded before the client can see it, so after a call returns its
                        // responses are all here.
                        buffer.lock().expect("lock").extend_from_slice(&chunk[..n]);
                        if client_write.write_all(&chunk[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = client_write.shutdown(Shutdown::Write);
                });
            }
        });
        Proxy {
            port,
            connections,
            stop,
        }
    }

    fn take(&self) -> Exchanges {
        let mut exchanges = Exchanges::default();
        for buffer in self.connections.lock().expect("lock").iter() {
            let bytes = std::mem::take(&mut *buffer.lock().expect("lock"));
            let text = String::from_utf8_lossy(&bytes);
            // A status line follows the previous response's body directly (no CRLF after it).
            for (at, _) in text.match_indices("HTTP/1.1 ") {
                let code = text.get(at + 9..at + 12).and_then(|c| c.parse().ok());
                exchanges.statuses.push(code.expect("status code"));
            }
            for line in text.split("\r\n") {
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("sl-violations")
                {
                    exchanges.violations.extend(violations(value.trim()));
                }
            }
        }
        exchanges
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees `stop`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}
