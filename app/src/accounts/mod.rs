//! People and their roles. A person holds at most one role at each landlord,
//! and may belong to several landlords; platform administrators run the
//! installation itself.
//!
//! Signing in is by a link sent by email (a password is optional); joining a
//! landlord is by request (approved by its staff) or by invitation.
pub mod account;
pub mod demo;
#[cfg(feature = "ssr")]
pub mod emails;
pub mod joining;
pub mod password;
pub mod people;
pub mod sign_in;
#[cfg(feature = "ssr")]
pub mod tokens;

use crate::error::AppError;

/// Checks a name people will see, returning it trimmed.
pub fn check_display_name(text: &str) -> Result<String, AppError> {
    let name = text.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", "Enter your name"));
    }
    if name.chars().count() > 100 {
        return Err(AppError::invalid(
            "name",
            "Your name must be 100 characters or fewer",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "Your name cannot contain special control characters",
        ));
    }
    Ok(name.to_string())
}

/// Checks an email address and returns it in the lower-case form it is stored in.
pub fn normalise_email(text: &str) -> Result<String, AppError> {
    let email = text.trim().to_lowercase();
    let invalid = || AppError::invalid("email", "Enter an email address like name@example.org");
    if email.is_empty() {
        return Err(AppError::invalid("email", "Enter your email address"));
    }
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    if local.is_empty() || local.contains('@') || !domain_ok {
        return Err(invalid());
    }
    Ok(email)
}

/// How many members and pending requests to join a landlord has, from
/// the counts the database keeps.
#[cfg(feature = "ssr")]
pub async fn counts(
    db: &crate::state::Db,
    organisation_id: i64,
) -> Result<(i64, i64), crate::error::AppError> {
    let counts: Option<(i64, i64)> = sqlx::query_as(
        "SELECT members, pending_requests FROM organisation_counts WHERE organisation_id = $1",
    )
    .bind(organisation_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(counts.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowered_and_checked() {
        assert_eq!(
            normalise_email("  Aisha.Rahman@Example.ORG ").unwrap(),
            "aisha.rahman@example.org"
        );
        for bad in [
            "",
            "aisha",
            "aisha@",
            "@example.org",
            "a@b",
            "a b@example.org",
            "a@example..org",
            "a@@example.org",
        ] {
            let error = normalise_email(bad).unwrap_err();
            assert!(
                matches!(error, AppError::Invalid { ref field, .. } if field == "email"),
                "{bad}"
            );
        }
    }
}
