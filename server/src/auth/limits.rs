//! What keeps sign-in and sign-up from being abused: attempt limits per client address
//! and per account, and a bound on password hashes running at once.

use crate::config::Config;
use crate::store::{AttemptRate, Store, StoreError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How long a sign-in waits for a free hashing slot before the server says it is busy.
const HASH_QUEUE_WAIT: Duration = Duration::from_secs(10);

/// Why an attempt was not let through.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    /// Attempts used up; `retry_after` seconds until the next one.
    #[error("{message}")]
    TooMany { message: String, retry_after: u64 },
    /// No hashing slot came free in time, or the server is stopping.
    #[error("{0}")]
    Busy(String),
    /// The hashing thread is gone (a bug).
    #[error("{0}")]
    Broken(String),
    /// The attempts could not be counted.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A job for a hashing thread.
type Job = Box<dyn FnOnce() + Send>;

/// The sign-in guards of one server process.
pub struct SignInGuard {
    per_address: AttemptRate,
    per_account: AttemptRate,
    hashing: Semaphore,
    /// Hashes run on a fixed set of threads, not the blocking pool: the allocator keeps
    /// a hash's 19 MiB in the arena of the thread that ran it, so hundreds of blocking
    /// threads would each keep theirs (680 MB after 200 sign-ups, measured), while a few
    /// threads keep a few.
    jobs: std::sync::mpsc::Sender<Job>,
    busy: AtomicUsize,
    peak: AtomicUsize,
    /// Hashes that had to wait for a free slot.
    waited: AtomicUsize,
}

/// Counts a hash as running until dropped, however its request ends (a client gone
/// mid-hash drops the future: the count must still go down).
struct Busy<'a>(&'a AtomicUsize);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl SignInGuard {
    pub fn new(config: &Config) -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = std::sync::Arc::new(Mutex::new(queue));
        for n in 0..config.password_hashes {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || loop {
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(_) => return,
                    };
                    match job {
                        // A panicking job must not take the thread with it.
                        Ok(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                        // The guard is gone: the server is stopping.
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        Self {
            per_address: AttemptRate::new(config.signin_per_address, Duration::from_secs(60)),
            per_account: AttemptRate::new(config.signin_per_account, Duration::from_secs(3600)),
            hashing: Semaphore::new(config.password_hashes),
            jobs,
            busy: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            waited: AtomicUsize::new(0),
        }
    }

    /// Counts an attempt from `address` for `email` (already normalised); both must have
    /// attempts left. The account's limit is spent even when the address's is not, so
    /// guessing one password from many addresses stops too. The counts are the
    /// database's, shared by every server process on it; the keys are hashes, so the
    /// table holds no address or e-mail.
    pub async fn attempt(
        &self,
        store: &dyn Store,
        address: &str,
        email: &str,
    ) -> Result<(), LimitError> {
        let by_address = store
            .take_attempt(&limit_key("address", address), self.per_address)
            .await?;
        let by_account = store
            .take_attempt(&limit_key("account", email), self.per_account)
            .await?;
        match (by_address, by_account) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(wait), _) => Err(too_many(
                "too many sign-in attempts from this address",
                wait,
            )),
            (_, Err(wait)) => Err(too_many("too many sign-in attempts for this account", wait)),
        }
    }

    /// Runs a password hash or check on a hashing thread once one is free.
    pub async fn hash<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, LimitError> {
        let _permit = match self.hashing.try_acquire() {
            Ok(permit) => permit,
            Err(_) => {
                self.waited.fetch_add(1, Ordering::SeqCst);
                tokio::time::timeout(HASH_QUEUE_WAIT, self.hashing.acquire())
                    .await
                    .map_err(|_| {
                        LimitError::Busy("the server is busy signing people in; try again".into())
                    })?
                    .map_err(|_| LimitError::Busy("the server is shutting down".into()))?
            }
        };
        let now = self.busy.fetch_add(1, Ordering::SeqCst) + 1;
        let _busy = Busy(&self.busy);
        self.peak.fetch_max(now, Ordering::SeqCst);
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        let result = match self.jobs.send(job) {
            Ok(()) => result.await.ok(),
            Err(_) => None,
        };
        result.ok_or_else(|| LimitError::Broken("the password hashing thread stopped".into()))
    }

    /// The most hashes that ever ran at once (the bound is checked against it).
    pub fn peak_hashes(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// Hashes running now.
    pub fn running_hashes(&self) -> usize {
        self.busy.load(Ordering::SeqCst)
    }

    /// Hashes that had to wait for a slot.
    pub fn waited_hashes(&self) -> usize {
        self.waited.load(Ordering::SeqCst)
    }
}

/// The key a limit counts under: a hash of what is limited.
fn limit_key(kind: &str, value: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{kind}:{value}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn too_many(what: &str, wait: Duration) -> LimitError {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    LimitError::TooMany {
        message: format!("{what}; try again in {secs} s"),
        retry_after: secs.max(1),
    }
}
