//! Large runs through the CLI against the emulator (issue 20): Ctrl-C mid-run reports what the
//! service created, `kill -9` then a rerun with the journal finishes without sending twice,
//! a finished journal sends nothing, and a rate-limited service gets every file.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use crate::cli_command;
use common::write;
use upload_clients_emulator::{Emulator, RecordedRequest};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// `count` small text files with distinct content, `doc-000.txt` …
fn text_files(dir: &Path, count: usize) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            write(
                dir,
                &format!("doc-{i:03}.txt"),
                format!("document {i}\n").as_bytes(),
            )
        })
        .collect()
}

/// The CLI with `args` (progress off), as a tokio child with piped output.
fn cli(args: &[&str]) -> tokio::process::Command {
    let mut command = cli_command();
    command
        .args(args)
        .arg("--no-progress")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tokio::process::Command::from(command)
}

async fn run(args: &[&str]) -> Result<Output, std::io::Error> {
    tokio::time::timeout(Duration::from_secs(120), cli(args).output())
        .await
        .map_err(|_| std::io::Error::other(format!("the CLI did not end: {args:?}")))?
}

/// The `--json` lines on stdout.
fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The CLI's arguments for a MaiAgent presigned run of the files in `dir` against `emu`, 8 at
/// a time, with `--json`.
fn presigned_run(emu: &Emulator, dir: &Path) -> Vec<String> {
    let (base, folder) = (format!("{}/api", emu.base_url()), dir.display().to_string());
    [
        "maiagent",
        "upload",
        "--presigned",
        "--dir",
        &folder,
        "--concurrency",
        "8",
        "--endpoint",
        &base,
        "--token",
        "any",
        "--json",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The CLI's arguments for an AI Agents run (purpose `assistants`) of the files in `dir`
/// against `emu`, then `extra`.
fn agents_run(emu: &Emulator, dir: &Path, extra: &[&str]) -> Vec<String> {
    let (base, folder) = (emu.base_url(), dir.display().to_string());
    let args = [
        "agents",
        "upload",
        "--dir",
        &folder,
        "--purpose",
        "assistants",
        "--endpoint",
        &base,
        "--token",
        "any",
    ];
    args.iter().chain(extra).map(|a| a.to_string()).collect()
}

/// Waits (at most 120 s) until `ready` holds for the emulator's records.
async fn wait_until(emu: &Emulator, ready: impl Fn(&[RecordedRequest]) -> bool) -> TestResult {
    for _ in 0..2400 {
        if ready(&emu.requests()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("the emulator never saw what the test waited for".into())
}

fn created_on(records: &[RecordedRequest], route: &str) -> Vec<String> {
    records
        .iter()
        .filter(|r| r.route.as_deref() == Some(route))
        .filter_map(|r| r.created.clone())
        .collect()
}

/// Storage POSTs per file name sent.
fn storage_posts(records: &[RecordedRequest]) -> BTreeMap<String, usize> {
    let mut posts = BTreeMap::new();
    for record in records
        .iter()
        .filter(|r| r.route.as_deref() == Some("storage.post"))
    {
        for name in record.parts.iter().filter_map(|p| p.filename.clone()) {
            *posts.entry(name).or_insert(0) += 1;
        }
    }
    posts
}

fn signal(pid: Option<u32>, name: &str) -> TestResult {
    let pid = pid.ok_or("the CLI has no pid")?.to_string();
    let status = std::process::Command::new("kill")
        .args([name, &pid])
        .status()?;
    if !status.success() {
        return Err(format!("kill {name} {pid} failed").into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_mid_run_prints_every_attachment_the_service_created() -> TestResult {
    let emu = Emulator::start().await?;
    // Each storage POST takes 300 ms, so the run is still going when Ctrl-C comes.
    emu.fail_next("storage.post".parse()?, "slow=300ms".parse()?, 1000);
    let dir = tempfile::tempdir()?;
    text_files(dir.path(), 60);
    let args = presigned_run(&emu, dir.path());
    let child = cli(&args.iter().map(String::as_str).collect::<Vec<_>>()).spawn()?;
    wait_until(&emu, |r| {
        created_on(r, "maiagent.createAttachment").len() >= 10
    })
    .await?;
    signal(child.id(), "-INT")?;
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output()).await??;
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let created: BTreeSet<String> = created_on(&emu.requests(), "maiagent.createAttachment")
        .into_iter()
        .collect();
    let printed: BTreeSet<String> = json_lines(&output)
        .iter()
        .filter(|l| l["ok"] == true)
        .filter_map(|l| l["result"]["id"].as_str().map(str::to_owned))
        .collect();
    assert!(
        created.len() >= 10 && created.len() < 60,
        "stopped mid-run: {}",
        created.len()
    );
    assert_eq!(
        printed, created,
        "every attachment the service created is printed"
    );
    let summary = text(&output.stderr);
    assert!(summary.contains("not started (stopped)"), "{summary}");
    Ok(())
}

/// The last stage the journal `journal_text` records for each file name.
fn last_stages(journal_text: &str) -> BTreeMap<String, String> {
    let mut last_stage: BTreeMap<String, String> = BTreeMap::new();
    for line in journal_text.lines().skip(1) {
        if let Ok(record) = serde_json::from_str::<serde_json::Value>(line) {
            last_stage.insert(
                record["name"].as_str().unwrap_or_default().to_owned(),
                record["stage"].as_str().unwrap_or_default().to_owned(),
            );
        }
    }
    last_stage
}

/// A `stored` record of the journal keeps the MD5 of what was sent, which storage's ETag agreed
/// with: checked against each stored file's content.
fn stored_records_keep_the_md5_sent(journal_text: &str) -> TestResult {
    for line in journal_text.lines().skip(1) {
        let Ok(record) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if record["stage"] == "stored" {
            use md5::Digest as _;
            let content = std::fs::read(record["file"].as_str().unwrap_or_default())?;
            let md5: String = md5::Md5::digest(&content)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(record["md5"].as_str(), Some(md5.as_str()), "{line}");
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_then_a_rerun_with_the_journal_finishes_every_file_without_sending_twice()
-> TestResult {
    let emu = Emulator::start().await?;
    // Registration is slow, so when the run is killed some files are stored, not registered.
    emu.fail_next(
        "maiagent.createAttachment".parse()?,
        "slow=400ms".parse()?,
        1000,
    );
    let dir = tempfile::tempdir()?;
    let files = tempfile::tempdir()?;
    text_files(files.path(), 48);
    let journal = dir.path().join("run.journal").display().to_string();
    let mut args = presigned_run(&emu, files.path());
    args.extend(["--journal".to_owned(), journal.clone()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = cli(&args).spawn()?;
    wait_until(&emu, |r| {
        created_on(r, "maiagent.createAttachment").len() >= 8
    })
    .await?;
    signal(child.id(), "-KILL")?;
    child.wait().await?;
    // What the killed run left: files in storage whose registration had not ended.
    let journal_text = std::fs::read_to_string(&journal)?;
    let last_stage = last_stages(&journal_text);
    stored_records_keep_the_md5_sent(&journal_text)?;
    let stored_only: Vec<&String> = last_stage
        .iter()
        .filter(|(_, s)| *s == "stored")
        .map(|(n, _)| n)
        .collect();
    assert!(
        !stored_only.is_empty(),
        "some files were stored, not registered: {last_stage:?}"
    );
    let registered_before = created_on(&emu.requests(), "maiagent.createAttachment").len();

    let output = run(&args).await?;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let lines = json_lines(&output);
    assert_eq!(
        lines.len(),
        48,
        "one line per file: {}",
        text(&output.stdout)
    );
    assert!(
        lines.iter().all(|l| l["ok"] == true),
        "{}",
        text(&output.stdout)
    );
    let from_journal = lines.iter().filter(|l| l["from_journal"] == true).count();
    assert!(
        from_journal > 0,
        "files done before the kill are not sent again"
    );

    let records = emu.requests();
    let registrations = created_on(&records, "maiagent.createAttachment").len();
    let duplicates = registrations - 48;
    println!(
        "killed after {registered_before} registrations; {} stored only; {from_journal} from the journal; {duplicates} duplicate attachments",
        stored_only.len()
    );
    assert!(
        duplicates <= 8,
        "at most --concurrency duplicates: {duplicates}"
    );
    let posts = storage_posts(&records);
    for name in stored_only {
        assert_eq!(
            posts.get(name),
            Some(&1),
            "{name} was registered without a second storage POST"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_journal_sends_nothing_an_edited_file_is_sent_again_a_torn_line_is_skipped()
-> TestResult {
    let emu = Emulator::start().await?;
    let dir = tempfile::tempdir()?;
    let files = tempfile::tempdir()?;
    let paths = text_files(files.path(), 3);
    let journal = dir.path().join("run.journal");
    let args = agents_run(
        &emu,
        files.path(),
        &["--journal", &journal.display().to_string()],
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let uploads = || created_on(&emu.requests(), "ai-agents.uploadFile").len();

    let first = run(&args).await?;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert_eq!(uploads(), 3);

    let again = run(&args).await?;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(uploads(), 3, "a finished journal sends nothing");
    let printed = text(&again.stdout);
    assert_eq!(
        printed.matches("(done earlier; from the journal)").count(),
        3,
        "{printed}"
    );
    assert!(
        printed.contains("; 3 done earlier (from the journal)"),
        "{printed}"
    );

    std::fs::write(&paths[1], "document 1, edited\n")?;
    let edited = run(&args).await?;
    assert_eq!(edited.status.code(), Some(0), "{}", text(&edited.stderr));
    assert_eq!(uploads(), 4, "the edited file is sent again, and only it");

    let mut torn = std::fs::read(&journal)?;
    torn.extend_from_slice(br#"{"target":"ai-agents","file":"/x","na"#);
    std::fs::write(&journal, &torn)?;
    let after_crash = run(&args).await?;
    assert_eq!(
        after_crash.status.code(),
        Some(0),
        "{}",
        text(&after_crash.stderr)
    );
    assert_eq!(
        uploads(),
        4,
        "the torn line is skipped, the records before it kept"
    );
    assert!(
        text(&after_crash.stderr).contains("skipped journal lines"),
        "{}",
        text(&after_crash.stderr)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_names_the_file_an_earlier_run_started_but_did_not_finish() -> TestResult {
    let emu = Emulator::start().await?;
    // The first upload is refused (not retried): its journal says it was started, not done.
    emu.fail_next("ai-agents.uploadFile".parse()?, "400".parse()?, 1);
    let dir = tempfile::tempdir()?;
    let files = tempfile::tempdir()?;
    text_files(files.path(), 3);
    let journal = dir.path().join("run.journal").display().to_string();
    let args = agents_run(
        &emu,
        files.path(),
        &["--concurrency", "1", "--journal", &journal],
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let first = run(&args).await?;
    assert_eq!(first.status.code(), Some(1), "{}", text(&first.stdout));
    let rerun = run(&args).await?;
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun.stderr));
    let said = text(&rerun.stderr);
    let notes: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("was started by an earlier run"))
        .collect();
    assert_eq!(notes.len(), 1, "{said}");
    assert!(
        notes[0].contains("doc-000.txt"),
        "the refused file, the first of one at a time: {said}"
    );
    assert_eq!(created_on(&emu.requests(), "ai-agents.uploadFile").len(), 3);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_service_gets_every_file_and_none_fails_for_being_throttled() -> TestResult {
    // 20 requests/s, answered 429 beyond it with retry-after-ms and Retry-After, as Azure does.
    let emu = Emulator::builder().rate_limit(20).start().await?;
    let files = tempfile::tempdir()?;
    text_files(files.path(), 80);
    let args = agents_run(&emu, files.path(), &["--concurrency", "16", "--json"]);
    let output = run(&args.iter().map(String::as_str).collect::<Vec<_>>()).await?;
    let records = emu.requests();
    let throttled = records.iter().filter(|r| r.status == 429).count();
    println!("{} requests, {throttled} answered 429", records.len());
    assert!(throttled > 0, "the service did throttle the run");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    let lines = json_lines(&output);
    assert_eq!(
        lines.iter().filter(|l| l["ok"] == true).count(),
        80,
        "{}",
        text(&output.stdout)
    );
    assert_eq!(created_on(&records, "ai-agents.uploadFile").len(), 80);
    Ok(())
}

/// One service's part of the soak: its command, the route that creates what it uploads, and
/// the field of a result naming what was created.
struct SoakPart {
    args: Vec<String>,
    route: &'static str,
    id_field: &'static str,
    /// Killed with -9 once this many were created, then resumed.
    kill_after: Option<usize>,
}

/// Files per service in the soak.
const SOAK_PER_SERVICE: usize = 250;
/// Uploads at a time in each of the soak's runs.
const SOAK_CONCURRENCY: usize = 16;

/// The soak's part for `service` against the emulator at `base`: [`SOAK_PER_SERVICE`] files of
/// distinct content in `dir/service`, a journal `dir/service.journal`, and the command that
/// uploads them.
fn soak_part(
    dir: &Path,
    base: &str,
    (service, route, id_field, kill_after): (&str, &'static str, &'static str, Option<usize>),
) -> std::io::Result<SoakPart> {
    let folder = dir.join(service);
    std::fs::create_dir(&folder)?;
    for i in 0..SOAK_PER_SERVICE {
        // Distinct content: RBM names a file by its content.
        let (name, mut data) = match service {
            "acs" | "rbm" => (format!("img-{i:03}.png"), common::PNG_1X1.to_vec()),
            _ => (format!("doc-{i:03}.txt"), b"document ".to_vec()),
        };
        data.extend_from_slice(format!("{service} {i}\n").as_bytes());
        write(&folder, &name, &data);
    }
    let journal = dir.join(format!("{service}.journal"));
    let mut args: Vec<String> = match service {
        "acs" => vec![
            "acs-chat",
            "upload-image",
            "--endpoint",
            base,
            "--thread-id",
            common::THREAD,
        ],
        "rbm" => vec![
            "rbm",
            "upload",
            "--endpoint",
            base,
            "--agent-id",
            "soak-agent",
        ],
        "agents" => vec![
            "agents",
            "upload",
            "--endpoint",
            base,
            "--purpose",
            "assistants",
        ],
        _ => vec!["maiagent", "upload", "--presigned"],
    }
    .into_iter()
    .map(str::to_owned)
    .collect();
    if service == "maiagent" {
        args.extend(["--endpoint".into(), format!("{base}/api")]);
    }
    args.extend(
        [
            "--dir",
            &folder.display().to_string(),
            "--journal",
            &journal.display().to_string(),
            "--concurrency",
            &SOAK_CONCURRENCY.to_string(),
            "--attempts",
            "10",
            "--stall-timeout",
            "2",
            "--token",
            "any",
            "--json",
        ]
        .map(str::to_owned),
    );
    Ok(SoakPart {
        args,
        route,
        id_field,
        kill_after,
    })
}

/// How a soak part's runs went: what they reported created, in how many runs, after a kill.
struct SoakRuns {
    reported: BTreeSet<String>,
    runs: usize,
    killed: bool,
}

/// Runs `part` against `emu`: killed with -9 first when it says so, then run (again) with the
/// journal until every file is done.
async fn run_soak_part(
    emu: &Emulator,
    part: &SoakPart,
) -> Result<SoakRuns, Box<dyn std::error::Error>> {
    let args: Vec<&str> = part.args.iter().map(String::as_str).collect();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    let mut collect = |output: &Output| {
        for line in json_lines(output).iter().filter(|l| l["ok"] == true) {
            if let Some(id) = line["result"][part.id_field].as_str() {
                reported.insert(id.to_owned());
            }
        }
    };
    let mut killed = false;
    if let Some(after) = part.kill_after {
        let mut child = cli(&args).spawn()?;
        wait_until(emu, |r| created_on(r, part.route).len() >= after).await?;
        signal(child.id(), "-KILL")?;
        child.wait().await?;
        killed = true;
    }
    // Run (again) with the journal until every file is done: a file whose attempts all met
    // faults is resumed like any other.
    let mut runs = 0;
    loop {
        runs += 1;
        let output = run(&args).await?;
        collect(&output);
        if output.status.code() == Some(0) {
            break;
        }
        assert!(
            runs < 4,
            "{}: still failing after {runs} runs: {}",
            part.route,
            text(&output.stdout)
        );
    }
    Ok(SoakRuns {
        reported,
        runs,
        killed,
    })
}

/// Prints the counts of `part`'s runs, then checks them against what the emulator recorded:
/// every file reported once, each something the service holds, and no more duplicates than
/// answers lost (and uploads in flight at a kill).
fn check_soak_part(records: &[RecordedRequest], part: &SoakPart, soak: &SoakRuns) {
    let SoakRuns {
        reported,
        runs,
        killed,
    } = soak;
    let created: BTreeSet<String> = created_on(records, part.route).into_iter().collect();
    let lost = records
        .iter()
        .filter(|r| r.route.as_deref() == Some(part.route) && r.answer_lost())
        .count();
    let faults = records.iter().filter(|r| r.fault.is_some()).count();
    let duplicates = created.len() - reported.len();
    println!(
        "soak {}: {} files reported in {runs} run(s){}, {} created, {duplicates} duplicates, {lost} answers lost after storing, {faults} faults so far",
        part.route,
        reported.len(),
        if *killed { " after a kill -9" } else { "" },
        created.len(),
    );
    assert_eq!(
        reported.len(),
        SOAK_PER_SERVICE,
        "{}: every file done, once",
        part.route
    );
    assert!(
        reported.is_subset(&created),
        "{}: every result printed is something the service holds",
        part.route
    );
    let allowed = lost + if *killed { SOAK_CONCURRENCY } else { 0 };
    assert!(
        duplicates <= allowed,
        "{}: {duplicates} duplicates, but only {lost} answers were lost{}",
        part.route,
        if *killed {
            " and 16 were in flight at the kill"
        } else {
            ""
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_1000_uploads_over_four_services_in_chaos_mode_with_a_kill_and_a_resume() -> TestResult
{
    // A random fault on one request in twenty: resets before and after the upload was stored,
    // 503 and 429 with their waits (each pausing the whole run), stalls of half a second.
    let emu = Emulator::builder()
        .chaos(0.05, 20261207)
        .stall_for(Duration::from_millis(500))
        .start()
        .await?;
    let dir = tempfile::tempdir()?;
    let base = emu.base_url();
    let mut parts = Vec::new();
    for service in [
        ("acs", "acs-chat.uploadChatImage", "id", None),
        ("rbm", "rbm.uploadFile", "name", None),
        ("agents", "ai-agents.uploadFile", "id", None),
        ("maiagent", "maiagent.createAttachment", "id", Some(60)),
    ] {
        parts.push(soak_part(dir.path(), &base, service)?);
    }
    for part in &parts {
        let soak = run_soak_part(&emu, part).await?;
        check_soak_part(&emu.requests(), part, &soak);
    }
    Ok(())
}
