//! `tenant-voice admin create`: the first platform administrator.
use app::{
    accounts::normalise_email,
    audit::{self, AuditEntry},
    error::AppError,
    state::Db,
    time::Timestamp,
};

#[derive(Debug, PartialEq, Eq)]
pub enum AdminOutcome {
    Created,
    /// The person already had an account and is now an administrator too.
    Promoted,
    AlreadyAdmin,
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("--{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("cannot save the administrator: {0}")]
    Database(#[from] sqlx::Error),
}

pub async fn create_admin(
    db: &Db,
    email: &str,
    name: Option<&str>,
) -> Result<AdminOutcome, AdminError> {
    let email = normalise_email(email).map_err(|error| match error {
        AppError::Invalid { field, message } => AdminError::Invalid { field, message },
        other => AdminError::Invalid {
            field: "email".into(),
            message: other.to_string(),
        },
    })?;
    let name = match name.map(str::trim) {
        Some("") => {
            return Err(AdminError::Invalid {
                field: "name".into(),
                message: "Enter a name, or leave it out".into(),
            })
        }
        Some(name) if name.chars().count() > 100 => {
            return Err(AdminError::Invalid {
                field: "name".into(),
                message: "Use 100 characters or fewer".into(),
            })
        }
        Some(name) => name.to_string(),
        None => email.split('@').next().unwrap_or_default().to_string(),
    };

    let mut tx = db.pool().begin().await?;
    let existing: Option<(i64, i64)> =
        sqlx::query_as("SELECT id, is_platform_admin FROM users WHERE email = $1")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?;
    let (user_id, outcome) = match existing {
        Some((_, 1)) => return Ok(AdminOutcome::AlreadyAdmin),
        Some((id, _)) => {
            sqlx::query("UPDATE users SET is_platform_admin = 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            (id, AdminOutcome::Promoted)
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (email, display_name, is_platform_admin, created_at) VALUES ($1, $2, 1, $3) RETURNING id",
            )
            .bind(&email)
            .bind(&name)
            .bind(Timestamp::now())
            .fetch_one(&mut *tx)
            .await?;
            (id, AdminOutcome::Created)
        }
    };
    audit::record(
        &mut *tx,
        AuditEntry {
            actor_user_id: None,
            organisation_id: None,
            action: "platform_admin.granted",
            subject: format!("user:{user_id}"),
            source: "cli",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}
