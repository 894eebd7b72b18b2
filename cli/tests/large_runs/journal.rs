//! Interrupted runs and the journal: Ctrl-C mid-run, `kill -9` then a rerun, a finished
//! journal, a file an earlier run did not finish.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use upload_clients_emulator::Emulator;

use super::{
    TestResult, agents_run, cli, created_on, json_lines, presigned_run, run, signal, storage_posts,
    text, text_files, wait_until,
};

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
