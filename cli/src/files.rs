//! The files of a run: the paths named on the command line and in `--dir` (listed at the
//! start, opened only when their turn comes), and one overall progress bar on a terminal.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use upload_clients::{Error, UploadSource};

use crate::args::{Common, Files};

/// The paths named by `files`: the positional files, then the regular files directly in
/// `--dir` (sorted by name, hidden ones skipped). A positional file that is missing, not a
/// regular file or empty stops the run with status 2 before anything is sent.
pub async fn paths(files: &Files) -> Result<Vec<PathBuf>, Error> {
    let mut paths = files.files.clone();
    for path in &paths {
        check(path).await?;
    }
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

/// A named file is checked as the library opens it (missing, a directory, empty,
/// unreadable), then closed until its turn comes.
async fn check(path: &std::path::Path) -> Result<(), Error> {
    UploadSource::from_path(path).await.map(drop)
}

/// One progress bar for the whole run on a terminal (none with `--no-progress`): its length
/// grows as files are opened.
pub struct Progress {
    bar: Option<ProgressBar>,
    done: Arc<AtomicUsize>,
    count: usize,
}

impl Progress {
    pub fn new(common: &Common, count: usize) -> Self {
        let bar = (!common.no_progress).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        Self {
            bar,
            done: Arc::default(),
            count,
        }
    }

    /// The bar, for printing above it.
    pub fn bar(&self) -> Option<ProgressBar> {
        self.bar.clone()
    }

    /// `source`, counted on the bar as it is sent (a retry counts from 0 again).
    pub fn track(&self, source: UploadSource) -> UploadSource {
        let Some(bar) = self.bar.clone() else {
            return source;
        };
        bar.inc_length(source.len().unwrap_or(0));
        let (done, count) = (self.done.clone(), self.count);
        let counted = AtomicU64::new(0);
        source.on_progress(move |p| {
            let before = counted.swap(p.sent, Ordering::Relaxed);
            let position = (bar.position() + p.sent).saturating_sub(before);
            bar.set_position(position);
            if p.total == Some(p.sent) {
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                bar.set_message(format!("{finished}/{count} files"));
            }
        })
    }
}
