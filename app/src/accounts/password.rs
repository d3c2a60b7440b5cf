//! Optional passwords, for people who prefer one to emailed links. Hashed
//! with Argon2id on a blocking thread, so hashing never stalls the server,
//! and only a few at once (see `gate`), so a flood cannot exhaust memory.
use crate::error::AppError;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 200;

/// Length is the rule that matters; no rules about symbols or digits.
pub fn check_new_password(password: &str, again: &str) -> Result<(), AppError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(AppError::invalid(
            "password",
            format!("Use at least {MIN_LENGTH} characters. Three or four ordinary words make a strong password."),
        ));
    }
    if length > MAX_LENGTH {
        return Err(AppError::invalid(
            "password",
            format!("Use at most {MAX_LENGTH} characters"),
        ));
    }
    if password != again {
        return Err(AppError::invalid(
            "password_again",
            "The two passwords are different. Type the same password twice.",
        ));
    }
    Ok(())
}

#[cfg(feature = "ssr")]
pub async fn hash(password: String) -> Result<String, AppError> {
    use argon2::{
        password_hash::{rand_core::OsRng, PasswordHasher, SaltString},
        Argon2,
    };
    gate::run(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await?
    .map_err(|e| AppError::internal("hashing a password", e))
}

/// Whether `password` matches `stored`. With no stored hash (no such
/// account, or no password) a dummy hash is checked anyway, so the answer
/// takes as long either way and timing reveals nothing.
#[cfg(feature = "ssr")]
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    use argon2::{Argon2, PasswordHash, PasswordVerifier};
    let known = stored.is_some();
    let stored = match stored {
        Some(stored) => stored,
        None => dummy_hash().await?,
    };
    let matches = gate::run(move || {
        PasswordHash::new(&stored)
            .map(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await?;
    Ok(known && matches)
}

/// Each Argon2 computation holds about 19 MB for a moment: a flood of
/// sign-ins must queue for a few, not take the server's memory. At most
/// `max_at_once()` run together; the rest wait up to `QUEUE_WAIT`, then are
/// told to try again in a minute (429).
#[cfg(feature = "ssr")]
pub mod gate {
    use std::{
        sync::{
            atomic::{AtomicUsize, Ordering},
            OnceLock,
        },
        time::Duration,
    };

    use tokio::sync::Semaphore;

    use crate::error::AppError;

    /// How long an attempt waits for its turn before it is refused.
    pub const QUEUE_WAIT: Duration = Duration::from_secs(5);

    static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);

    /// Two per processor core: enough to keep every core busy.
    pub fn max_at_once() -> usize {
        std::thread::available_parallelism()
            .map(|cores| cores.get() * 2)
            .unwrap_or(4)
            .clamp(2, 32)
    }

    fn permits() -> &'static Semaphore {
        static PERMITS: OnceLock<Semaphore> = OnceLock::new();
        PERMITS.get_or_init(|| Semaphore::new(max_at_once()))
    }

    /// The most computations that have run at once in this process (for tests).
    pub fn peak_at_once() -> usize {
        PEAK.load(Ordering::SeqCst)
    }

    /// Runs `work` on a blocking thread once a turn is free.
    pub async fn run<T: Send + 'static>(
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        run_waiting(QUEUE_WAIT, work).await
    }

    async fn run_waiting<T: Send + 'static>(
        wait: Duration,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let permit = tokio::time::timeout(wait, permits().acquire())
            .await
            .map_err(|_| {
                tracing::warn!("password checks are all busy; one was refused");
                AppError::Busy
            })?
            .map_err(|e| AppError::internal("waiting to check a password", e))?;
        tokio::task::spawn_blocking(move || {
            // The turn goes with the work: if the request is dropped, the
            // computation still counts until it ends.
            let _permit = permit;
            let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
            PEAK.fetch_max(now, Ordering::SeqCst);
            let result = work();
            IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
            result
        })
        .await
        .map_err(|e| AppError::internal("checking a password", e))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[tokio::test]
        async fn when_every_turn_is_taken_an_attempt_waits_then_is_asked_to_come_back() {
            let all = u32::try_from(max_at_once()).unwrap();
            let held = permits().acquire_many(all).await.unwrap();
            let refused = run_waiting(Duration::from_millis(50), || ())
                .await
                .unwrap_err();
            assert_eq!(refused, AppError::Busy);
            assert_eq!(refused.status(), http::StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(
                refused.to_string(),
                "Too many people are signing in right now. Please try again in a minute."
            );
            // A turn freed while waiting is taken.
            let waiting = tokio::spawn(run_waiting(Duration::from_secs(5), || 7));
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(held);
            assert_eq!(waiting.await.unwrap().unwrap(), 7);
        }
    }
}

#[cfg(feature = "ssr")]
async fn dummy_hash() -> Result<String, AppError> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| hash(super::tokens::new_token()))
        .await
        .cloned()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_need_length_and_a_matching_repeat() {
        assert!(check_new_password("correct horse", "correct horse").is_ok());
        let short = check_new_password("short", "short").unwrap_err();
        assert!(matches!(short, AppError::Invalid { ref field, .. } if field == "password"));
        let different = check_new_password("correct horse", "correct house").unwrap_err();
        assert!(
            matches!(different, AppError::Invalid { ref field, .. } if field == "password_again")
        );
        assert!(check_new_password(&"x".repeat(201), &"x".repeat(201)).is_err());
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(stored.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse battery".into(), Some(stored))
            .await
            .unwrap());
        assert!(!verify("anything at all".into(), None).await.unwrap());
    }
}
