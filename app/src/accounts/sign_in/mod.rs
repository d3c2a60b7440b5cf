//! Signing in by a link sent by email, registering, and signing out.
//!
//! The sign-in page answers the same way whether or not an address has an
//! account, so nobody can use it to find out who is registered: asking for
//! a link only queues the request, and the email worker looks the address
//! up and sends the link, so known and unknown addresses take the same path
//! and the same time. Links work once, for 15 minutes, and only their hash
//! is stored.
mod pages;
#[cfg(feature = "ssr")]
pub mod queries;

use leptos::prelude::*;

pub use pages::{
    CheckEmailPage, RegisterPage, SignInLinkPage, SignInPage, SignOutButton, SignedOutPage,
    PASSWORD_STEP,
};

use crate::error::AppError;

/// How long an emailed sign-in link works.
pub const LINK_MINUTES: i64 = 15;

#[server]
pub async fn request_sign_in_link(email: String) -> Result<(), AppError> {
    use crate::{rate_limit, state::app_state};
    let state = app_state()?;
    let source = crate::identity::session::client_address().await;
    rate_limit::hit(
        &state.db,
        &rate_limit::address_bucket("sign-in", &source),
        rate_limit::SIGN_IN_PER_ADDRESS,
    )
    .await?;
    let email = super::normalise_email(&email)?;
    rate_limit::hit(
        &state.db,
        &rate_limit::email_bucket("sign-in", &email, &source),
        rate_limit::SIGN_IN_PER_EMAIL,
    )
    .await?;
    queries::queue_sign_in_link(&state.db, &email, &source).await?;
    leptos_axum::redirect("/sign-in/check-email");
    Ok(())
}

#[server]
pub async fn register(name: String, email: String) -> Result<(), AppError> {
    use crate::{rate_limit, state::app_state};
    let state = app_state()?;
    let source = crate::identity::session::client_address().await;
    rate_limit::hit(
        &state.db,
        &rate_limit::address_bucket("sign-in", &source),
        rate_limit::SIGN_IN_PER_ADDRESS,
    )
    .await?;
    let name = super::check_display_name(&name)?;
    let email = super::normalise_email(&email)?;
    rate_limit::hit(
        &state.db,
        &rate_limit::email_bucket("sign-in", &email, &source),
        rate_limit::SIGN_IN_PER_EMAIL,
    )
    .await?;
    queries::register(&state, &name, &email, &source).await?;
    leptos_axum::redirect("/sign-in/check-email");
    Ok(())
}

#[server]
pub async fn sign_in_with_password(
    email: String,
    password: String,
    shared: Option<String>,
) -> Result<(), AppError> {
    use crate::{rate_limit, state::app_state};
    let state = app_state()?;
    let source = crate::identity::session::client_address().await;
    rate_limit::hit(
        &state.db,
        &rate_limit::address_bucket("sign-in", &source),
        rate_limit::SIGN_IN_PER_ADDRESS,
    )
    .await?;
    let email = super::normalise_email(&email)?;
    rate_limit::hit(
        &state.db,
        &format!("password:email:{email}"),
        rate_limit::PASSWORD_PER_EMAIL,
    )
    .await?;
    let (user_id, generation) =
        queries::check_password(&state.db, &email, password, &source).await?;
    crate::identity::session::start(user_id, generation, shared.as_deref() == Some("yes")).await?;
    crate::site::confirm("You are signed in.");
    leptos_axum::redirect("/account");
    Ok(())
}

/// Uses a sign-in link. A separate step from opening the link, so that mail
/// scanners which open every link in a message cannot use it up.
#[server]
pub async fn use_sign_in_link(token: String, shared: Option<String>) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let source = crate::identity::session::client_address().await;
    let (user_id, generation) = queries::redeem_sign_in_link(&state.db, &token, &source).await?;
    crate::identity::session::start(user_id, generation, shared.as_deref() == Some("yes")).await?;
    crate::site::confirm("You are signed in.");
    leptos_axum::redirect("/account");
    Ok(())
}

/// Whom a sign-in link signs in, partly hidden: enough for the person to
/// notice a link meant for someone else. Looking does not use the link up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LinkAccount {
    pub name: String,
    pub email: String,
}

#[server]
pub async fn sign_in_link_account(token: String) -> Result<LinkAccount, AppError> {
    let state = crate::state::app_state()?;
    queries::link_account(&state.db, &token).await
}

/// "Aisha Rahman" as "A… R…": each word's first letter.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|word| word.chars().next())
        .map(|first| format!("{first}\u{2026}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// "aisha.rahman@example.org" as "a…@example.org".
pub fn mask_email(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}\u{2026}@{domain}")
        }
        None => "\u{2026}".into(),
    }
}

#[server]
pub async fn sign_out() -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    if let Some(user) = crate::identity::session::current_user().await? {
        let source = crate::identity::session::client_address().await;
        crate::audit::record(
            state.db.pool(),
            crate::audit::AuditEntry {
                actor_user_id: Some(user.id),
                organisation_id: None,
                action: "signed_out",
                subject: format!("user:{}", user.id),
                source: &source,
            },
        )
        .await?;
    }
    crate::identity::session::end().await?;
    leptos_axum::redirect("/signed-out");
    Ok(())
}

/// Ends every session of the signed-in person, on every device, this one too.
#[server]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user = crate::identity::session::require_user().await?;
    let source = crate::identity::session::client_address().await;
    queries::end_every_session(&state.db, user.id, &source).await?;
    crate::identity::session::end().await?;
    leptos_axum::redirect("/signed-out");
    Ok(())
}
