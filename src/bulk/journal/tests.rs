//! The journal's own tests: records survive reopening, torn lines, the lock, the header.

use super::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn id(file: &str, size: u64) -> FileIdentity {
    FileIdentity {
        target: "test".into(),
        file: file.into(),
        name: file.into(),
        size,
        modified_ns: 1,
    }
}

#[tokio::test]
async fn the_last_record_of_each_file_survives_reopening() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("run.journal");
    let journal = Journal::open(&path).await?;
    journal.record(&id("a", 1), Stage::Sending).await?;
    journal
        .record(
            &id("a", 1),
            Stage::Stored {
                key: "k/a".into(),
                md5: Some("e4d7f1b4ed2e42d15898f4b27b019da4".into()),
            },
        )
        .await?;
    journal.record(&id("b", 2), Stage::Sending).await?;
    drop(journal);
    let journal = Journal::open(&path).await?;
    assert_eq!(journal.len(), 2);
    assert_eq!(
        journal.last(&id("a", 1)).await?,
        Some(Stage::Stored {
            key: "k/a".into(),
            md5: Some("e4d7f1b4ed2e42d15898f4b27b019da4".into())
        })
    );
    assert_eq!(journal.last(&id("b", 2)).await?, Some(Stage::Sending));
    assert_eq!(journal.last(&id("a", 2)).await?, None, "another size");
    Ok(())
}

#[tokio::test]
async fn a_torn_last_line_is_skipped_and_the_next_record_is_whole() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("run.journal");
    let journal = Journal::open(&path).await?;
    let done = Stage::Done {
        result: serde_json::json!({"id": 1}),
        summary: None,
    };
    journal.record(&id("a", 1), done.clone()).await?;
    drop(journal);
    let mut text = std::fs::read(&path)?;
    text.extend_from_slice(br#"{"target":"test","file":"b","na"#);
    std::fs::write(&path, &text)?;
    let journal = Journal::open(&path).await?;
    assert_eq!(journal.skipped_lines(), 1);
    assert_eq!(journal.last(&id("a", 1)).await?, Some(done));
    journal.record(&id("b", 2), Stage::Sending).await?;
    drop(journal);
    let journal = Journal::open(&path).await?;
    assert_eq!(journal.skipped_lines(), 1, "the torn line stays skipped");
    assert_eq!(journal.last(&id("b", 2)).await?, Some(Stage::Sending));
    Ok(())
}

#[tokio::test]
async fn a_file_begun_is_sending_until_it_is_done_and_a_changed_file_is_new() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, b"%PDF-1.4 one")?;
    let journal = Journal::open(dir.path().join("run.journal")).await?;
    let source = UploadSource::from_path(&file).await?;
    let (id, last) = journal.begin(&source, "target")?;
    assert_eq!((id.name.as_str(), id.size, last), ("report.pdf", 12, None));
    // Noted in memory, read back (written first) when asked for.
    assert_eq!(journal.begin(&source, "target")?.1, Some(Stage::Sending));
    let done = Stage::Done {
        result: serde_json::json!({"id": "a1"}),
        summary: None,
    };
    journal.record(&id, done.clone()).await?;
    assert_eq!(journal.begin(&source, "target")?.1, Some(done.clone()));
    assert_eq!(journal.begin(&source, "another target")?.1, None);
    std::fs::write(&file, b"%PDF-1.4 one, edited")?;
    let edited = UploadSource::from_path(&file).await?;
    assert_eq!(
        journal.begin(&edited, "target")?.1,
        None,
        "an edited file is new"
    );
    drop(journal);
    let journal = Journal::open(dir.path().join("run.journal")).await?;
    assert_eq!(
        journal.begin(&source, "target")?.1,
        Some(done),
        "after reopening"
    );
    assert!(
        journal
            .begin(&UploadSource::from_bytes(b"x".to_vec(), "x.txt"), "target")
            .is_err(),
        "bytes have no path to be known by"
    );
    Ok(())
}

#[tokio::test]
async fn a_file_that_is_not_a_journal_is_refused_and_left_alone() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "my notes\n")?;
    let error = Journal::open(&path).await.err().map(|e| e.to_string());
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("is not an upload-clients journal")),
        "{error:?}"
    );
    let text = std::fs::read_to_string(&path)?;
    assert_eq!(text, "my notes\n");
    Ok(())
}

#[tokio::test]
async fn a_header_cut_short_starts_the_journal_afresh() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("run.journal");
    std::fs::write(&path, &HEADER.as_bytes()[..10])?;
    let journal = Journal::open(&path).await?;
    assert!(journal.is_empty());
    journal.record(&id("a", 1), Stage::Sending).await?;
    drop(journal);
    let text = std::fs::read_to_string(&path)?;
    assert!(text.starts_with(&format!("{HEADER}\n{{")), "{text}");
    assert_eq!(
        Journal::open(&path).await?.last(&id("a", 1)).await?,
        Some(Stage::Sending)
    );
    Ok(())
}

#[tokio::test]
async fn one_journal_is_used_by_one_run_at_a_time() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("run.journal");
    let first = Journal::open(&path).await?;
    let second = Journal::open(&path).await.err().map(|e| e.to_string());
    assert!(
        second
            .as_deref()
            .is_some_and(|e| e.contains("in use by another run")),
        "{second:?}"
    );
    drop(first);
    assert!(Journal::open(&path).await.is_ok());
    Ok(())
}

#[tokio::test]
async fn records_appended_together_share_one_write_and_each_is_in_the_file_when_its_append_returns()
-> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("run.journal");
    let journal = Journal::open(&path).await?;
    let done = |n: i64| Stage::Done {
        result: serde_json::json!({ "id": n }),
        summary: None,
    };
    // What another process (a rerun after `kill -9`) would read, as each append returns.
    let seen_after = |file: &str| -> Result<String, std::io::Error> {
        let text = std::fs::read_to_string(&path)?;
        Ok(format!("{file}: {text}"))
    };
    type Seen = Result<String, Box<dyn std::error::Error>>;
    let (a, b) = tokio::join!(
        async {
            journal.append_grouped(&id("a", 1), done(1)).await?;
            Seen::Ok(seen_after("a")?)
        },
        async {
            journal.append_grouped(&id("b", 2), done(2)).await?;
            Seen::Ok(seen_after("b")?)
        },
    );
    let (a, b) = (a?, b?);
    for (seen, record) in [(&a, r#""file":"a""#), (&b, r#""file":"b""#)] {
        assert!(
            seen.contains(record),
            "{record} missing from what was written: {seen}"
        );
    }
    // When the first append returned, the second's record was already written with it.
    assert!(
        a.contains(r#""file":"b""#),
        "the two records did not share a write: {a}"
    );
    drop(journal);
    let journal = Journal::open(&path).await?;
    assert_eq!(journal.last(&id("a", 1)).await?, Some(done(1)));
    assert_eq!(journal.last(&id("b", 2)).await?, Some(done(2)));
    Ok(())
}
