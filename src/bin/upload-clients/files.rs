//! The files of a run: the paths named on the command line and in `--dir`, opened before
//! anything is sent, with one overall progress bar on a terminal.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use upload_clients::{Error, UploadSource};

use crate::args::{Common, Files};

/// The paths named by `files`: the positional files, then the regular files directly in
/// `--dir` (sorted by name, hidden ones skipped).
async fn paths(files: &Files) -> Result<Vec<PathBuf>, Error> {
    let mut paths = files.files.clone();
    if let Some(dir) = &files.dir {
        let mut entries = tokio::fs::read_dir(dir).await.map_err(|e| {
            Error::InvalidInput(format!("{}: cannot list the directory: {e}", dir.display()))
        })?;
        let mut found = Vec::new();
        while let Some(entry) = entries.next_entry().await.map_err(|e| {
            Error::InvalidInput(format!("{}: cannot list the directory: {e}", dir.display()))
        })? {
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            let is_file = entry.file_type().await.is_ok_and(|t| t.is_file());
            if is_file && !hidden {
                found.push(entry.path());
            }
        }
        if found.is_empty() {
            return Err(Error::InvalidInput(format!(
                "{}: the directory holds no files to upload",
                dir.display()
            )));
        }
        found.sort();
        paths.extend(found);
    }
    Ok(paths)
}

/// Opens every file before anything is sent (a missing, empty or unreadable one stops the
/// run with status 2), with one overall progress bar on a terminal unless `--no-progress`.
pub async fn sources(
    files: &Files,
    filename: Option<String>,
    common: &Common,
) -> Result<(Vec<String>, Vec<UploadSource>), Error> {
    let paths = paths(files).await?;
    if filename.is_some() && paths.len() > 1 {
        return Err(Error::InvalidInput(
            "--filename names one file; it cannot be used with several".into(),
        ));
    }
    let labels = paths.iter().map(|p| p.display().to_string()).collect();
    let mut sources = Vec::with_capacity(paths.len());
    for path in &paths {
        let mut source = UploadSource::from_path(path).await?;
        if let Some(name) = &filename {
            source = source.with_file_name(name.clone());
        }
        sources.push(source);
    }
    if common.no_progress {
        return Ok((labels, sources));
    }
    let total = sources.iter().filter_map(UploadSource::len).sum();
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta} {msg}")
    {
        bar.set_style(style);
    }
    let done = Arc::new(AtomicUsize::new(0));
    let count = sources.len();
    let sources = sources
        .into_iter()
        .map(|source| {
            let (bar, done) = (bar.clone(), done.clone());
            // This file's bytes counted so far: a retry starts again from 0.
            let counted = AtomicU64::new(0);
            source.on_progress(move |p| {
                let before = counted.swap(p.sent, Ordering::Relaxed);
                let position = (bar.position() + p.sent).saturating_sub(before);
                bar.set_position(position);
                if p.total == Some(p.sent) {
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    bar.set_message(format!("{finished}/{count} files"));
                    if finished == count {
                        bar.finish_and_clear();
                    }
                }
            })
        })
        .collect();
    Ok((labels, sources))
}
