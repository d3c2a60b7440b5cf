//! Optional passwords, for people who prefer one to emailed links. Hashed
//! with Argon2id on a blocking thread, so hashing never stalls the server.
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
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|e| AppError::internal("hashing a password", e))?
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
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| AppError::internal("checking a password", e))?;
    Ok(known && matches)
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
