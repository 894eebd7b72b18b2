//! The run of an upload command: its files taken one at a time as places free up (opened only
//! then), each result printed the moment it is final and recorded in the `--journal` first,
//! a rerun resuming from the journal, and Ctrl-C / SIGTERM stopping it cleanly.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use upload_clients::bulk::journal::{FileIdentity, Journal, Stage};
use upload_clients::{Error, UploadSource};

use crate::args::{Context, Files};
use crate::files::{Progress, paths};
use crate::output::{Ending, Outcome, Output, Reporter};
use crate::stop::{GRACE, Level};

/// One file's upload, as a service's command runs it.
pub struct Job {
    pub source: UploadSource,
    /// Where an earlier run with this journal got to with this file.
    pub resume: Option<Stage>,
    pub checkpoint: Checkpoint,
}

/// The name each file is sent under: its own (or `--filename`, one file only), in NFC unless
/// `--keep-name-bytes` asks for its exact bytes.
#[derive(Default)]
pub struct Naming {
    pub filename: Option<String>,
    pub keep_bytes: bool,
}

/// Records the steps a file reaches between its start and its end (a MaiAgent file in
/// storage, an AI Agents file uploaded), when the run keeps a journal.
#[derive(Clone)]
pub struct Checkpoint(Option<(Journal, FileIdentity)>);

impl Checkpoint {
    /// Appends `stage` to the journal: written at once (it outlives the process), synced with
    /// the file's result before that is printed.
    pub fn reached(&self, stage: Stage) -> Result<(), Error> {
        match &self.0 {
            Some((journal, id)) => journal.append(id, stage),
            None => Ok(()),
        }
    }

    /// Appends the file's last stage, sharing one `write` with the files that end at the
    /// same moment; like [`reached`](Self::reached), it is written when this returns `Ok`.
    pub async fn reached_last(&self, stage: Stage) -> Result<(), Error> {
        match &self.0 {
            Some((journal, id)) => journal.append_grouped(id, stage).await,
            None => Ok(()),
        }
    }
}

/// Uploads the files of `files` with `upload`, at most `--concurrency` at a time; `target`
/// says where they go, for the journal (service, endpoint, and every option that changes
/// what the service creates).
pub async fn run<F, Fut>(
    ctx: &Context<'_>,
    files: &Files,
    naming: Naming,
    target: String,
    upload: F,
) -> Result<ExitCode, Error>
where
    F: Fn(Job) -> Fut,
    Fut: Future<Output = Result<Output, Error>>,
{
    let paths = paths(files).await?;
    if naming.filename.is_some() && paths.len() > 1 {
        return Err(Error::InvalidInput(
            "--filename names one file; it cannot be used with several".into(),
        ));
    }
    let journal = match &files.journal {
        Some(path) => Some(Journal::open(path).await?),
        None => None,
    };
    let progress = Progress::new(ctx.common, paths.len());
    let mut reporter = Reporter::new(ctx.common.json, paths.len(), progress.bar());
    // The files in flight, so that those cut off by a stop are reported too.
    let in_flight: Arc<Mutex<BTreeMap<usize, String>>> = Arc::default();
    let stop = ctx.stop.clone();
    let items = paths
        .into_iter()
        .enumerate()
        .take_while(|_| stop.level() == Level::Running);
    let (upload, journal, target, naming) = (&upload, &journal, &target, &naming);
    let (progress, in_flight_ref) = (&progress, &in_flight);
    let mut done = std::pin::pin!(upload_clients::bulk::stream(
        items,
        files.concurrency,
        |(index, path): (usize, PathBuf)| async move {
            let label = path.display().to_string();
            in_flight_ref
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(index, label.clone());
            let outcome = one_file(path, label, naming, target, journal, progress, upload).await;
            in_flight_ref
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&index);
            outcome
        }
    ));
    let stopping = ctx.stop.reached(Level::Stopping);
    let aborting = ctx.stop.reached(Level::Aborting);
    tokio::pin!(stopping, aborting);
    let mut grace: Option<std::pin::Pin<Box<tokio::time::Sleep>>> = None;
    // Results wait for one journal sync that covers them all before they are printed; the
    // uploads go on meanwhile (their records are written, which outlives the process).
    let mut ready: Vec<Outcome> = Vec::new();
    let mut syncing: Option<(Vec<Outcome>, SyncFuture)> = None;
    // A sync waits LINGER for the results that end meanwhile, so that one sync serves many.
    let mut linger: Option<std::pin::Pin<Box<tokio::time::Sleep>>> = None;
    let mut finished = false;
    loop {
        if !ready.is_empty() && journal.is_none() {
            reporter.emit_all(ready.drain(..));
        }
        if let Some(journal) = journal {
            let lingered = linger.as_ref().is_some_and(|l| l.is_elapsed()) || finished;
            if syncing.is_none() && !ready.is_empty() && lingered {
                linger = None;
                let journal = journal.clone();
                let batch = std::mem::take(&mut ready);
                syncing = Some((batch, Box::pin(async move { journal.sync().await })));
            } else if !ready.is_empty() && linger.is_none() {
                linger = Some(Box::pin(tokio::time::sleep(LINGER)));
            }
        }
        if finished && syncing.is_none() && ready.is_empty() {
            break;
        }
        tokio::select! {
            next = done.next(), if !finished => match next {
                Some((_, outcome)) => ready.push(outcome),
                None => finished = true,
            },
            () = async { if let Some(l) = linger.as_mut() { l.await } },
                if linger.as_ref().is_some_and(|l| !l.is_elapsed()) => {}
            synced = async { if let Some((_, sync)) = syncing.as_mut() { sync.await } else { Ok(()) } },
                if syncing.is_some() => {
                if let Some((batch, _)) = syncing.take() {
                    print_synced(&mut reporter, batch, synced);
                }
            }
            () = &mut stopping, if grace.is_none() => {
                grace = Some(Box::pin(tokio::time::sleep(GRACE)));
            }
            () = async { if let Some(g) = grace.as_mut() { g.await } }, if grace.is_some() => break,
            () = &mut aborting => break,
        }
    }
    // What finished before the run was cut short is printed too, after one sync covering it
    // all (a sync still running is left to end on its own). The journal is synced even with
    // nothing to print: an upload cut off while its result waited for its group's write
    // left that record queued, and a rerun should find it.
    let mut rest = syncing.take().map(|(batch, _)| batch).unwrap_or_default();
    rest.append(&mut ready);
    let synced = match journal {
        Some(journal) => journal.sync().await,
        None => Ok(()),
    };
    if !rest.is_empty() {
        print_synced(&mut reporter, rest, synced);
    } else if let Err(error) = synced {
        eprintln!("warning: {error}");
    }
    let stopped = ctx.stop.level() != Level::Running;
    let cut_off = std::mem::take(&mut *in_flight.lock().unwrap_or_else(|e| e.into_inner()));
    reporter.emit_all(cut_off.into_values().map(|label| Outcome {
        label,
        bytes: None,
        ending: Ending::Interrupted,
        was_in_flight: false,
    }));
    Ok(reporter.finish(stopped))
}

/// How long a journal sync waits for more results to cover: a run of many small files syncs
/// at most 50 times a second, not once per file (each `fdatasync` is a disk write and a
/// filesystem commit: at 2 ms the journal cost 13-16% of 2,000 small uploads over HTTPS, at
/// 20 ms 8-10%; BENCHMARKS.md). A person does not see 20 ms; the uploads do not wait for it.
const LINGER: std::time::Duration = std::time::Duration::from_millis(20);

/// A journal sync in progress.
type SyncFuture = std::pin::Pin<Box<dyn Future<Output = Result<(), Error>>>>;

/// Prints `batch` once the journal sync covering it ended; if it failed, the results are
/// printed anyway (they happened) with a warning that a rerun may send them again.
fn print_synced(reporter: &mut Reporter, batch: Vec<Outcome>, synced: Result<(), Error>) {
    if let Err(error) = synced {
        eprintln!(
            "warning: {error}; the next {} results are not on the disk, and a rerun with this journal after a power loss may send them again",
            batch.len()
        );
    }
    reporter.emit_all(batch);
}

/// One file: its journal record first (a file done earlier is not sent again), then the
/// upload from where it got to, each step recorded before the result is printed.
async fn one_file<F, Fut>(
    path: PathBuf,
    label: String,
    naming: &Naming,
    target: &str,
    journal: &Option<Journal>,
    progress: &Progress,
    upload: &F,
) -> Outcome
where
    F: Fn(Job) -> Fut,
    Fut: Future<Output = Result<Output, Error>>,
{
    let mut outcome = Outcome {
        label,
        bytes: None,
        ending: Ending::Interrupted,
        was_in_flight: false,
    };
    let ending = async {
        let mut source = UploadSource::from_path(&path).await?;
        if let Some(name) = &naming.filename {
            source = source.with_file_name(name.clone());
        }
        if naming.keep_bytes {
            source = source.keep_file_name_bytes();
        }
        outcome.bytes = source.len();
        // The file as it was opened is the file the journal knows (or not).
        let (checkpoint, resume) = match journal {
            Some(journal) => {
                let (id, resume) = journal.begin(&source, target)?;
                if let Some(Stage::Done { result, summary }) = resume {
                    return Ok(Ending::FromJournal(Output {
                        human: summary.unwrap_or_else(|| result.to_string()),
                        json: result,
                    }));
                }
                outcome.was_in_flight = resume == Some(Stage::Sending);
                (Checkpoint(Some((journal.clone(), id))), resume)
            }
            None => (Checkpoint(None), None),
        };
        let source = progress.track(source);
        let last_step = checkpoint.clone();
        let output = upload(Job {
            source,
            resume,
            checkpoint,
        })
        .await?;
        // Written before its place is given up, synced before it is printed: a rerun never
        // sends it again.
        let done = Stage::Done {
            result: output.json.clone(),
            summary: Some(output.human.clone()),
        };
        if let Err(error) = last_step.reached_last(done).await {
            eprintln!("warning: {}: uploaded, but {error}", path.display());
        }
        Ok(Ending::Uploaded(output))
    }
    .await;
    outcome.ending = match ending {
        Ok(ending) => ending,
        Err(error) => Ending::Failed(error),
    };
    outcome
}
