//! Ctrl-C and SIGTERM: the first stops starting new files and gives the ones in flight a
//! short grace period; the second aborts them at once. Either way the run prints what
//! finished and exits 130.

use std::time::Duration;

use tokio::sync::watch;

/// How long the uploads in flight may take to finish after the first Ctrl-C or SIGTERM.
pub const GRACE: Duration = Duration::from_secs(10);

/// How far a run has been asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Running,
    /// Start nothing new; let what is in flight finish within [`GRACE`].
    Stopping,
    /// Stop now.
    Aborting,
}

/// The run's view of the signals it got.
#[derive(Clone)]
pub struct Stop(watch::Receiver<Level>);

impl Stop {
    /// Listens for Ctrl-C (and SIGTERM on Unix) for the rest of the process.
    pub fn listen() -> Self {
        let (tell, stop) = watch::channel(Level::Running);
        tokio::spawn(async move {
            let mut level = Level::Running;
            while signal().await {
                level = match level {
                    Level::Running => {
                        eprintln!(
                            "stopping: no new files; the uploads in flight get {}s to finish (Ctrl-C again to abort them)",
                            GRACE.as_secs()
                        );
                        Level::Stopping
                    }
                    _ => {
                        eprintln!("aborting the uploads in flight");
                        Level::Aborting
                    }
                };
                if tell.send(level).is_err() {
                    return;
                }
            }
        });
        Self(stop)
    }

    /// Where the run stands now.
    pub fn level(&self) -> Level {
        *self.0.borrow()
    }

    /// Waits until the run is asked to stop at least as far as `level`.
    pub async fn reached(&self, level: Level) {
        let mut stop = self.0.clone();
        // An error means the listener is gone: no signal will come.
        if stop.wait_for(|now| *now >= level).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// The next Ctrl-C or SIGTERM; false when they can no longer be listened for.
async fn signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return tokio::signal::ctrl_c().await.is_ok();
        };
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => interrupted.is_ok(),
            terminated = term.recv() => terminated.is_some(),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.is_ok()
    }
}
