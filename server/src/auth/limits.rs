//! What keeps sign-in and sign-up from being abused: attempt limits per client address
//! and per account, and a bound on password hashes running at once.

use crate::config::Config;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Keys kept before the expired ones are swept out: a flood of new addresses costs at most
/// this many entries (~100 bytes each) between sweeps.
const SWEEP_AT: usize = 50_000;
/// How long a sign-in waits for a free hashing slot before the server says it is busy.
const HASH_QUEUE_WAIT: Duration = Duration::from_secs(10);

/// A keyed rate limit (generic cell rate algorithm): each key may spend `burst` attempts at
/// once, then one more every `window / burst`. One instant per key is all it keeps.
pub struct RateLimit {
    interval: Duration,
    tolerance: Duration,
    next_free: Mutex<HashMap<String, Instant>>,
}

impl RateLimit {
    pub fn new(burst: u32, window: Duration) -> Self {
        let burst = burst.max(1);
        let interval = window / burst;
        Self {
            interval,
            tolerance: window - interval,
            next_free: Mutex::new(HashMap::new()),
        }
    }

    /// Spends one attempt of `key`; when none is left, says how long until the next one.
    pub fn take(&self, key: &str) -> Result<(), Duration> {
        self.take_at(key, Instant::now())
    }

    fn take_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut map = self.next_free.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= SWEEP_AT {
            map.retain(|_, tat| *tat > now);
        }
        let tat = map.get(key).copied().unwrap_or(now).max(now);
        if tat > now + self.tolerance {
            return Err(tat - self.tolerance - now);
        }
        map.insert(key.to_owned(), tat + self.interval);
        Ok(())
    }
}

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
}

/// A job for a hashing thread.
type Job = Box<dyn FnOnce() + Send>;

/// The sign-in guards of one server process.
pub struct SignInGuard {
    per_address: RateLimit,
    per_account: RateLimit,
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
            per_address: RateLimit::new(config.signin_per_address, Duration::from_secs(60)),
            per_account: RateLimit::new(config.signin_per_account, Duration::from_secs(3600)),
            hashing: Semaphore::new(config.password_hashes),
            jobs,
            busy: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            waited: AtomicUsize::new(0),
        }
    }

    /// Counts an attempt from `address` for `email` (already normalised); both must have
    /// attempts left. The account's limit is spent even when the address's is not, so
    /// guessing one password from many addresses stops too.
    pub fn attempt(&self, address: &str, email: &str) -> Result<(), LimitError> {
        let by_address = self.per_address.take(address);
        let by_account = self.per_account.take(email);
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

fn too_many(what: &str, wait: Duration) -> LimitError {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    LimitError::TooMany {
        message: format!("{what}; try again in {secs} s"),
        retry_after: secs.max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_per_interval() {
        let limit = RateLimit::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limit.take_at("a", t0).is_ok());
        }
        let wait = limit.take_at("a", t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(20));
        // Other keys are not affected.
        assert!(limit.take_at("b", t0).is_ok());
        // After one interval, one more attempt, and only one.
        let t1 = t0 + Duration::from_secs(20);
        assert!(limit.take_at("a", t1).is_ok());
        assert!(limit.take_at("a", t1).is_err());
        // After the whole window the full burst is back.
        let t2 = t1 + Duration::from_secs(80);
        for _ in 0..3 {
            assert!(limit.take_at("a", t2).is_ok());
        }
        assert!(limit.take_at("a", t2).is_err());
    }

    #[test]
    fn a_flood_of_keys_is_swept() {
        let limit = RateLimit::new(1, Duration::from_millis(1));
        let t0 = Instant::now();
        for i in 0..SWEEP_AT {
            limit.take_at(&i.to_string(), t0).unwrap();
        }
        limit.take_at("late", t0 + Duration::from_secs(1)).unwrap();
        assert_eq!(limit.next_free.lock().unwrap().len(), 1);
    }
}
