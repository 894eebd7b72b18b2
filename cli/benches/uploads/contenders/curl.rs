//! `curl` as a contender: one process per upload, or one process for many (`--parallel`).

use std::path::{Path, PathBuf};

use super::{AGENT, AGENTS_PATH, Api, MAIAGENT_PATH, THREAD, file_name};

/// What one curl run took.
#[derive(Debug, Clone, Copy)]
pub struct CurlTimes {
    /// curl's own `time_total`, summed over its transfers: the upload without process start.
    pub transfer: f64,
    /// From spawning curl to its exit, summed over its invocations.
    pub wall: f64,
    /// The largest peak RSS of its invocations, when measured.
    pub max_rss_kib: Option<u64>,
}

/// The curl invocations (each a list of arguments) for one upload of `path` on `api`.
///
/// The presigned flow is two curls: presign and the storage form in one (`--next`, one
/// connection), then the registration. curl cannot read the presign answer, so it sends the
/// fields the sink is known to return. One curl for all three transfers would be fairer on
/// process starts but not on bytes: curl 7.88 sends the storage form ~55% slower when a third
/// transfer follows it in the same invocation (BENCHMARKS.md has the measurement), which is
/// not the upload speed curl is the reference for.
fn curl_invocations(base: &str, api: Api, path: &Path) -> Vec<Vec<String>> {
    let name = file_name(path);
    let file = path.display().to_string();
    let common = |v: &mut Vec<String>| {
        v.extend(
            [
                "-sS",
                "--fail-with-body",
                "-o",
                "/dev/null",
                "--max-time",
                "600",
                "-w",
                "%{http_code} %{time_total}\\n",
            ]
            .map(String::from),
        );
    };
    let mut v = Vec::new();
    common(&mut v);
    let octet =
        |v: &mut Vec<String>, content_type: &str, auth: &str, extra: &[String], url: String| {
            v.extend(["-X", "POST", "-T", &file, "-H"].map(String::from));
            v.push(format!("Content-Type: {content_type}"));
            v.push("-H".into());
            v.push(format!("Authorization: {auth}"));
            v.extend(extra.iter().cloned());
            v.push(url);
        };
    match api {
        Api::Acs => octet(
            &mut v,
            "application/octet-stream",
            "Bearer bench-token",
            &["-H".into(), format!("image-filename: {name}")],
            format!(
                "{base}/chat/threads/{THREAD}/images?api-version={}",
                upload_clients::acs_chat::api_version()
            ),
        ),
        Api::Rbm => octet(
            &mut v,
            "image/png",
            "Bearer bench-token",
            &[],
            format!("{base}/upload/v1/files?agentId={AGENT}"),
        ),
        Api::Agents => {
            v.extend(["-H".into(), "Authorization: Bearer bench-token".into()]);
            v.extend(["-F".into(), "purpose=assistants".into()]);
            v.extend(["-F".into(), format!("filename={name}")]);
            v.extend(["-F".into(), format!("file=@{file};type=image/png")]);
            v.push(format!("{base}{AGENTS_PATH}/files?api-version=v1"));
        }
        Api::MaiAgent => {
            v.extend(["-H".into(), "Authorization: Api-Key bench-key".into()]);
            v.extend(["-F".into(), format!("file=@{file};type=image/png")]);
            v.push(format!("{base}{MAIAGENT_PATH}/attachments-upload/"));
        }
        Api::Presigned => {
            let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            v.extend(["-H".into(), "Authorization: Api-Key bench-key".into()]);
            v.extend(["-H".into(), "Content-Type: application/json".into()]);
            v.extend(["-d".into(), format!(r#"{{"fileSize":{len}}}"#)]);
            v.push(format!(
                "{base}{MAIAGENT_PATH}/upload-presigned-url/?fieldName=file&filename={name}&modelName=attachment"
            ));
            v.push("--next".into());
            common(&mut v);
            v.extend(["-F".into(), "key=media/${filename}".into()]);
            v.extend(["-F".into(), "policy=cG9saWN5".into()]);
            v.extend(["-F".into(), format!("file=@{file};type=image/png")]);
            v.push(format!("{base}/bucket"));
            let mut register = Vec::new();
            common(&mut register);
            register.extend(["-H".into(), "Authorization: Api-Key bench-key".into()]);
            register.extend(["-H".into(), "Content-Type: application/json".into()]);
            register.extend([
                "-d".into(),
                format!(r#"{{"filename":"{name}","file":"media/{name}"}}"#),
            ]);
            register.push(format!("{base}{MAIAGENT_PATH}/attachments/"));
            return vec![v, register];
        }
    }
    vec![v]
}

/// Uploads the file at `path` with curl; blocking.
pub fn curl(base: &str, api: Api, path: &Path) -> Result<CurlTimes, String> {
    curl_measured(base, api, path, false)
}

/// [`curl`], each invocation under `/usr/bin/time -v` when `rss` asks for its peak RSS (the
/// largest of the invocations, in [`CurlTimes::max_rss_kib`]).
pub fn curl_measured(base: &str, api: Api, path: &Path, rss: bool) -> Result<CurlTimes, String> {
    let mut times = CurlTimes {
        transfer: 0.0,
        wall: 0.0,
        max_rss_kib: None,
    };
    let mut statuses = Vec::new();
    for args in curl_invocations(base, api, path) {
        let mut command = crate::memory::command("curl", rss);
        command.args(args);
        let finished = crate::memory::run_measured(command, "curl", rss)?;
        times.wall += finished.secs;
        times.max_rss_kib = times.max_rss_kib.max(finished.max_rss_kib);
        for line in finished.stdout.lines().filter(|l| !l.trim().is_empty()) {
            let (code, secs) = line
                .split_once(' ')
                .ok_or_else(|| format!("curl printed {line:?}"))?;
            statuses.push(code.parse::<u16>().map_err(|e| e.to_string())?);
            times.transfer += secs.trim().parse::<f64>().map_err(|e| e.to_string())?;
        }
    }
    let expected: Vec<u16> = api.expected().iter().map(|(_, s, _)| *s).collect();
    if statuses != expected {
        return Err(format!("curl got statuses {statuses:?}, not {expected:?}"));
    }
    Ok(times)
}

/// One curl process sending every upload of `files` on `api` with `--parallel --parallel-max
/// max` (each upload the request of [`curl_invocations`], from a config file given with `-K`),
/// under `/usr/bin/time -v` when `rss` asks for its peak RSS.
pub struct CurlParallel {
    /// From spawning curl to its exit.
    pub wall: f64,
    /// The connections curl opened (`%{num_connects}` summed over the transfers).
    pub connects: u64,
    /// curl's peak RSS, when measured.
    pub max_rss_kib: Option<u64>,
}

/// A curl config file (`-K`) for the invocations of [`curl_invocations`]: each option on a line
/// of its own, `next` between transfers. `-sS` is left to the command line (it is global); the
/// write-out is replaced by `%{http_code} %{num_connects}`; `extra_headers` are added to every
/// transfer.
fn curl_config(invocations: &[Vec<String>], extra_headers: &[&str]) -> Result<String, String> {
    let quote = |v: &str| format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""));
    let mut config = String::new();
    for (i, args) in invocations.iter().enumerate() {
        if i > 0 {
            config.push_str("next\n");
        }
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let long = match arg.as_str() {
                "-sS" => continue,
                "--fail-with-body" => {
                    config.push_str("fail-with-body\n");
                    continue;
                }
                "--next" => {
                    for header in extra_headers {
                        config.push_str(&format!("header = {}\n", quote(header)));
                    }
                    config.push_str("next\n");
                    continue;
                }
                "-o" => "output",
                "-w" => {
                    it.next();
                    config.push_str("write-out = \"%{http_code} %{num_connects}\\n\"\n");
                    continue;
                }
                "-X" => "request",
                "-T" => "upload-file",
                "-H" => "header",
                "-F" => "form",
                "-d" => "data",
                other if other.starts_with("--") => &other[2..],
                other if other.starts_with('-') => {
                    return Err(format!("curl_config: unknown option {other}"));
                }
                url => {
                    config.push_str(&format!("url = {}\n", quote(url)));
                    continue;
                }
            };
            let value = it
                .next()
                .ok_or_else(|| format!("curl_config: {arg} without a value"))?;
            config.push_str(&format!("{long} = {}\n", quote(value)));
        }
        for header in extra_headers {
            config.push_str(&format!("header = {}\n", quote(header)));
        }
    }
    Ok(config)
}

/// Uploads every file of `files` on `api` with ONE curl process, `--parallel --parallel-max
/// max`; `extra_headers` are added to every transfer (`Expect:` drops curl's
/// `Expect: 100-continue`, which the facade does not send). Checks curl's exit status and every
/// transfer's status.
pub fn curl_parallel(
    base: &str,
    api: Api,
    files: &[PathBuf],
    max: usize,
    extra_headers: &[&str],
    rss: bool,
) -> Result<CurlParallel, String> {
    let invocations: Vec<Vec<String>> = files
        .iter()
        .flat_map(|f| curl_invocations(base, api, f))
        .collect();
    let config = curl_config(&invocations, extra_headers)?;
    let mut file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut file, config.as_bytes()).map_err(|e| e.to_string())?;
    let mut command = crate::memory::command("curl", rss);
    command
        .args([
            "-sS",
            "--parallel",
            "--parallel-max",
            &max.to_string(),
            "-K",
        ])
        .arg(file.path());
    let finished = crate::memory::run_measured(command, "curl --parallel", rss)?;
    let (mut statuses, mut connects) = (Vec::new(), 0u64);
    for line in finished.stdout.lines().filter(|l| !l.trim().is_empty()) {
        let (code, n) = line
            .split_once(' ')
            .ok_or_else(|| format!("curl printed {line:?}"))?;
        statuses.push(code.parse::<u16>().map_err(|e| e.to_string())?);
        connects += n.trim().parse::<u64>().map_err(|e| e.to_string())?;
    }
    // Parallel transfers end in any order: compare the statuses as counts.
    let mut expected: Vec<u16> = files
        .iter()
        .flat_map(|_| api.expected().into_iter().map(|(_, s, _)| s))
        .collect();
    expected.sort_unstable();
    statuses.sort_unstable();
    if statuses != expected {
        let ok = statuses.iter().filter(|s| (200..300).contains(*s)).count();
        return Err(format!(
            "curl --parallel got {} statuses ({ok} successes), not {}",
            statuses.len(),
            expected.len()
        ));
    }
    Ok(CurlParallel {
        wall: finished.secs,
        connects,
        max_rss_kib: finished.max_rss_kib,
    })
}
