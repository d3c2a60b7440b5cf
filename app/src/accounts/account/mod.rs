//! `/account`: the signed-in person's own page. Their details, an optional
//! password, their landlords, a download of everything held about them, and
//! deleting the account (contributions stay, as "Former resident").
mod pages;
#[cfg(feature = "ssr")]
pub mod queries;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use pages::{AccountDeletedPage, AccountPage, ConfirmEmailPage};

use crate::error::AppError;
use crate::identity::CurrentUser;

/// The name shown in place of a deleted account's.
pub const FORMER_RESIDENT: &str = "Former resident";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDetails {
    pub user: CurrentUser,
    pub has_password: bool,
}

#[server]
pub async fn my_account() -> Result<AccountDetails, AppError> {
    let state = crate::state::app_state()?;
    let user = crate::identity::session::require_user().await?;
    let (hash,): (Option<String>,) =
        sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(state.db.pool())
            .await?;
    Ok(AccountDetails {
        user,
        has_password: hash.is_some(),
    })
}

#[server]
pub async fn change_name(name: String) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user = crate::identity::session::require_user().await?;
    let name = super::check_display_name(&name)?;
    sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
        .bind(&name)
        .bind(user.id)
        .execute(state.db.pool())
        .await?;
    crate::site::confirm("Your name is saved.");
    leptos_axum::redirect("/account");
    Ok(())
}

/// Sends a confirmation link to the new address; the account changes only
/// when it is used.
#[server]
pub async fn change_email(email: String) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user = crate::identity::session::require_user().await?;
    let email = super::normalise_email(&email)?;
    if email == user.email {
        return Err(AppError::invalid(
            "email",
            "That is already your email address",
        ));
    }
    crate::identity::session::require_recent_sign_in("email").await?;
    let source = crate::identity::session::client_address().await;
    crate::rate_limit::hit(
        &state.db,
        &crate::rate_limit::email_bucket("sign-in", &email, &source),
        crate::rate_limit::SIGN_IN_PER_EMAIL,
    )
    .await?;
    queries::start_email_change(&state, &user, &email).await?;
    crate::site::confirm(
        "We sent a link to the new address. Your address changes when you use it.",
    );
    leptos_axum::redirect("/account");
    Ok(())
}

#[server]
pub async fn confirm_email_change(token: String) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let source = crate::identity::session::client_address().await;
    let (user_id, generation) = queries::confirm_email_change(&state.db, &token, &source).await?;
    // Every other session of the person has ended; this one goes on if it
    // is theirs.
    if crate::identity::session::signed_in_user_id().await? == Some(user_id) {
        crate::identity::session::keep_after_ending_others(generation).await?;
    }
    crate::site::confirm("Your email address is changed.");
    leptos_axum::redirect("/account");
    Ok(())
}

#[server]
pub async fn set_password(password: String, password_again: String) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user = crate::identity::session::require_user().await?;
    super::password::check_new_password(&password, &password_again)?;
    crate::identity::session::require_recent_sign_in("password").await?;
    let hash = super::password::hash(password).await?;
    let source = crate::identity::session::client_address().await;
    let generation = queries::store_password(&state.db, &user, Some(hash), &source).await?;
    crate::identity::session::keep_after_ending_others(generation).await?;
    crate::site::confirm("Your password is saved.");
    leptos_axum::redirect("/account");
    Ok(())
}

#[server]
pub async fn remove_password() -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user = crate::identity::session::require_user().await?;
    crate::identity::session::require_recent_sign_in("password").await?;
    let source = crate::identity::session::client_address().await;
    let generation = queries::store_password(&state.db, &user, None, &source).await?;
    crate::identity::session::keep_after_ending_others(generation).await?;
    crate::site::confirm("Your password is removed. You sign in with emailed links.");
    leptos_axum::redirect("/account");
    Ok(())
}

/// Everything the portal holds about the signed-in person, as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountExport {
    pub name: String,
    pub email: String,
    pub created_at: String,
    pub has_password: bool,
    pub is_platform_admin: bool,
    pub memberships: Vec<ExportedMembership>,
    pub join_requests: Vec<ExportedJoinRequest>,
    pub invitations: Vec<ExportedInvitation>,
    pub activity: Vec<ExportedEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedMembership {
    pub landlord: String,
    pub role: String,
    pub since: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedJoinRequest {
    pub landlord: String,
    pub tenancy_reference: String,
    pub status: String,
    pub decline_reason: Option<String>,
    pub asked_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedInvitation {
    pub landlord: String,
    pub role: String,
    pub sent_at: String,
    pub accepted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedEvent {
    pub at: String,
    pub action: String,
    pub subject: String,
    pub from: String,
}

/// A plain GET, so the page can offer it as a download link.
#[server(endpoint = "account/export", input = leptos::server_fn::codec::GetUrl)]
pub async fn export_my_data() -> Result<AccountExport, AppError> {
    let state = crate::state::app_state()?;
    let user = crate::identity::session::require_user().await?;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::CONTENT_DISPOSITION,
            http::HeaderValue::from_static("attachment; filename=\"tenant-voice-my-data.json\""),
        );
    }
    queries::export(&state.db, &user).await
}

#[server]
pub async fn delete_account(understood: Option<String>) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user = crate::identity::session::require_user().await?;
    if understood.as_deref() != Some("yes") {
        return Err(AppError::invalid(
            "understood",
            "Tick the box to show you understand that deleting cannot be undone",
        ));
    }
    let source = crate::identity::session::client_address().await;
    queries::delete(&state.db, user.id, &source).await?;
    crate::identity::session::end().await?;
    leptos_axum::redirect("/account-deleted");
    Ok(())
}
