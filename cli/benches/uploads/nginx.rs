//! nginx (Debian's package) as a real server for case 6: HTTP and HTTPS on 127.0.0.1, with a
//! test CA the benchmark makes itself (openssl), reading every request body to the end
//! (`proxy_request_buffering on`) before proxying it to the Rust sink, which runs as a process of
//! its own (this binary's `--serve`) so that the harness process's CPU time is the client's
//! alone. Both processes are stopped by PID.
//!
//! Install: `apt-get install -y nginx openssl`. Without them the case is skipped with a note.

use std::io::{BufRead as _, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The nginx binary, when installed.
fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// A running nginx in front of a sink process.
pub struct Nginx {
    nginx: Child,
    sink: Child,
    /// `http://127.0.0.1:PORT`.
    pub http: String,
    /// `https://localhost:PORT` (the certificate names `localhost` and 127.0.0.1).
    pub https: String,
    /// The test CA that signed nginx's certificate.
    pub ca: PathBuf,
    _dir: tempfile::TempDir,
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

fn run(program: &str, args: &[&str], dir: &Path) -> Result<(), String> {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// A CA and a server certificate for localhost / 127.0.0.1 signed by it, in `dir`.
fn make_ca(dir: &Path) -> Result<(), String> {
    run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=upload-clients bench CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        dir,
    )?;
    run(
        "openssl",
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
        dir,
    )?;
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .map_err(|e| e.to_string())?;
    run(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
        dir,
    )
}

/// Waits (bounded) until `port` accepts connections.
fn wait_for(port: u16, what: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("{what} did not listen on port {port} within 20 s"))
}

impl Nginx {
    /// nginx and its sink, or `Ok(None)` when nginx or openssl is not installed.
    pub fn start() -> Result<Option<Self>, String> {
        let Some(nginx) = nginx_binary() else {
            return Ok(None);
        };
        if Command::new("openssl").arg("version").output().is_err() {
            return Ok(None);
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        make_ca(dir.path())?;
        // The sink: this benchmark binary in `--serve` mode, as a process of its own.
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut sink = Command::new(exe)
            .args(["--serve", "3600"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the sink process: {e}"))?;
        let mut line = String::new();
        let stdout = sink.stdout.take().ok_or("no stdout")?;
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let upstream = line
            .split_whitespace()
            .nth(2)
            .and_then(|url| url.strip_prefix("http://"))
            .ok_or_else(|| format!("the sink printed {line:?}"))?
            .to_owned();
        let (http, https) = (free_port()?, free_port()?);
        let d = dir.path().display();
        let conf = format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
             client_max_body_size 0;\n  client_body_buffer_size 1m;\n  proxy_request_buffering on;\n\
             proxy_http_version 1.1;\n  proxy_read_timeout 600s;\n  keepalive_requests 100000;\n\
             upstream sink {{ server {upstream}; keepalive 64; }}\n\
             server {{\n    listen 127.0.0.1:{http};\n    listen 127.0.0.1:{https} ssl;\n\
             ssl_certificate {d}/server.pem;\n    ssl_certificate_key {d}/server.key;\n\
             location / {{ proxy_pass http://sink; proxy_set_header Connection \"\"; proxy_set_header Host $host; }}\n  }}\n}}\n"
        );
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).map_err(|e| e.to_string())?;
        let conf_arg = conf_path.display().to_string();
        let prefix = format!("{d}/");
        let child = Command::new(&nginx)
            .args([
                "-p",
                &prefix,
                "-c",
                &conf_arg,
                "-e",
                &format!("{d}/error.log"),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start nginx: {e}"));
        let child = match child {
            Ok(child) => child,
            Err(e) => {
                let _ = sink.kill();
                return Err(e);
            }
        };
        let started = Self {
            nginx: child,
            sink,
            http: format!("http://127.0.0.1:{http}"),
            https: format!("https://localhost:{https}"),
            ca: dir.path().join("ca.pem"),
            _dir: dir,
        };
        wait_for(http, "nginx (HTTP)")?;
        wait_for(https, "nginx (HTTPS)")?;
        Ok(Some(started))
    }

    /// `nginx -v`.
    pub fn version() -> String {
        nginx_binary()
            .and_then(|n| Command::new(n).arg("-v").output().ok())
            .map(|o| String::from_utf8_lossy(&o.stderr).trim().to_owned())
            .unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        for child in [&mut self.nginx, &mut self.sink] {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
        }
        for child in [&mut self.nginx, &mut self.sink] {
            for _ in 0..100 {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
