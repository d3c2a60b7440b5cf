//! Signing in by a link sent by email, registering, and signing out.
//!
//! The sign-in page answers the same way whether or not an address has an
//! account, so nobody can use it to find out who is registered: asking for
//! a link only queues the request, and the email worker looks the address
//! up and sends the link, so known and unknown addresses take the same path
//! and the same time. Links work once, for 15 minutes, and only their hash
//! is stored.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    error::AppError,
    site::forms::{last_error, ErrorSummary, Field, PostForm},
};

/// How long an emailed sign-in link works.
pub const LINK_MINUTES: i64 = 15;

#[server]
pub async fn request_sign_in_link(email: String) -> Result<(), AppError> {
    use crate::{rate_limit, state::app_state};
    let state = app_state()?;
    let source = super::session::client_address().await;
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
    flows::queue_sign_in_link(&state.db, &email, &source).await?;
    leptos_axum::redirect("/sign-in/check-email");
    Ok(())
}

#[server]
pub async fn register(name: String, email: String) -> Result<(), AppError> {
    use crate::{rate_limit, state::app_state};
    let state = app_state()?;
    let source = super::session::client_address().await;
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
    flows::register(&state, &name, &email, &source).await?;
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
    let source = super::session::client_address().await;
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
    let (user_id, generation) = flows::check_password(&state.db, &email, password, &source).await?;
    super::session::start(user_id, generation, shared.as_deref() == Some("yes")).await?;
    leptos_axum::redirect("/account");
    Ok(())
}

/// Uses a sign-in link. A separate step from opening the link, so that mail
/// scanners which open every link in a message cannot use it up.
#[server]
pub async fn use_sign_in_link(token: String, shared: Option<String>) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let source = super::session::client_address().await;
    let (user_id, generation) = flows::redeem_sign_in_link(&state.db, &token, &source).await?;
    super::session::start(user_id, generation, shared.as_deref() == Some("yes")).await?;
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
    flows::link_account(&state.db, &token).await
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
    if let Some(user) = super::session::current_user().await? {
        let source = super::session::client_address().await;
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
    super::session::end().await?;
    leptos_axum::redirect("/signed-out");
    Ok(())
}

/// Ends every session of the signed-in person, on every device, this one too.
#[server]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user = super::session::require_user().await?;
    let source = super::session::client_address().await;
    flows::end_every_session(&state.db, user.id, &source).await?;
    super::session::end().await?;
    leptos_axum::redirect("/signed-out");
    Ok(())
}

/// The work behind the server functions, as plain functions that tests and
/// the demo sign-in can call.
#[cfg(feature = "ssr")]
pub mod flows {
    use super::LINK_MINUTES;
    use crate::{
        accounts::{emails, tokens},
        audit::{self, AuditEntry},
        error::AppError,
        mail,
        state::{AppState, Db},
        time::Timestamp,
    };

    /// Queues a request for a sign-in link. The same few writes whether or
    /// not the address has an account; the email worker does the rest.
    pub async fn queue_sign_in_link(db: &Db, email: &str, source: &str) -> Result<(), AppError> {
        sqlx::query("INSERT INTO sign_in_requests (email, source, created_at) VALUES ($1, $2, $3)")
            .bind(email)
            .bind(source)
            .bind(Timestamp::now())
            .execute(db.pool())
            .await?;
        Ok(())
    }

    /// Handles the queued requests for sign-in links, oldest first: emails
    /// a link to each address that has an account, and drops the others.
    /// Each request is taken by one worker only, in the transaction that
    /// queues its email. Returns how many were handled.
    pub async fn handle_sign_in_requests(db: &Db, base_url: &str) -> Result<usize, AppError> {
        let mut handled = 0;
        loop {
            let mut tx = db.begin_write().await?;
            let taken: Option<(String, String)> = sqlx::query_as(
                "DELETE FROM sign_in_requests WHERE id = (SELECT MIN(id) FROM sign_in_requests) \
                 RETURNING email, source",
            )
            .fetch_optional(&mut *tx)
            .await?;
            let Some((email, source)) = taken else {
                tx.rollback().await?;
                return Ok(handled);
            };
            send_sign_in_link(&mut tx, base_url, &email, &source).await?;
            tx.commit().await?;
            handled += 1;
        }
    }

    /// Emails a sign-in link if the address has an account; does nothing
    /// otherwise.
    async fn send_sign_in_link(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        base_url: &str,
        email: &str,
        source: &str,
    ) -> Result<(), AppError> {
        let user: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, display_name FROM users WHERE email = $1 AND deleted_at IS NULL",
        )
        .bind(email)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some((user_id, name)) = user {
            let link = issue_sign_in_link(tx, base_url, user_id).await?;
            mail::enqueue(&mut **tx, &emails::sign_in_link(email, &name, &link)).await?;
            audit::record(
                &mut **tx,
                AuditEntry {
                    actor_user_id: Some(user_id),
                    organisation_id: None,
                    action: "sign_in_link_sent",
                    subject: format!("user:{user_id}"),
                    source,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// The account a sign-in link would sign in to, partly hidden.
    pub async fn link_account(db: &Db, token: &str) -> Result<super::LinkAccount, AppError> {
        let refused = || {
            AppError::invalid(
                "token",
                "This sign-in link has expired or has already been used. Links work once, for 15 minutes. Ask for a new one below.",
            )
        };
        if !tokens::looks_like_token(token) {
            return Err(refused());
        }
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT u.display_name, u.email FROM email_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.purpose = 'sign_in' AND t.used_at IS NULL \
             AND t.expires_at > $2 AND u.deleted_at IS NULL",
        )
        .bind(tokens::hash_token(token))
        .bind(Timestamp::now())
        .fetch_optional(db.pool())
        .await?;
        let (name, email) = row.ok_or_else(refused)?;
        Ok(super::LinkAccount {
            name: super::mask_name(&name),
            email: super::mask_email(&email),
        })
    }

    /// Creates an account and emails a link to confirm it; if the address is
    /// taken, emails the owner a sign-in link instead. Either way the page
    /// says the same thing.
    pub async fn register(
        state: &AppState,
        name: &str,
        email: &str,
        source: &str,
    ) -> Result<(), AppError> {
        let mut tx = state.db.begin_write().await?;
        let existing: Option<(i64, String)> =
            sqlx::query_as("SELECT id, display_name FROM users WHERE email = $1")
                .bind(email)
                .fetch_optional(&mut *tx)
                .await?;
        match existing {
            Some((user_id, existing_name)) => {
                let link = issue_sign_in_link(&mut tx, &state.base_url, user_id).await?;
                mail::enqueue(
                    &mut *tx,
                    &emails::already_registered(email, &existing_name, &link),
                )
                .await?;
            }
            None => {
                let (user_id,): (i64,) = sqlx::query_as(
                    "INSERT INTO users (email, display_name, created_at) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(email)
                .bind(name)
                .bind(Timestamp::now())
                .fetch_one(&mut *tx)
                .await?;
                let link = issue_sign_in_link(&mut tx, &state.base_url, user_id).await?;
                mail::enqueue(&mut *tx, &emails::welcome(email, name, &link)).await?;
                audit::record(
                    &mut *tx,
                    AuditEntry {
                        actor_user_id: Some(user_id),
                        organisation_id: None,
                        action: "registered",
                        subject: format!("user:{user_id}"),
                        source,
                    },
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stores a new single-use sign-in token for `user_id` and returns the
    /// link that carries it.
    pub async fn issue_sign_in_link(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        base_url: &str,
        user_id: i64,
    ) -> Result<String, AppError> {
        let token = tokens::new_token();
        let now = Timestamp::now();
        sqlx::query(
            "INSERT INTO email_tokens (token_hash, purpose, user_id, created_at, expires_at) \
             VALUES ($1, 'sign_in', $2, $3, $4)",
        )
        .bind(tokens::hash_token(&token))
        .bind(user_id)
        .bind(now)
        .bind(now.millis() + LINK_MINUTES * 60_000)
        .execute(&mut **tx)
        .await?;
        Ok(format!(
            "{}/sign-in/link?token={token}",
            base_url.trim_end_matches('/')
        ))
    }

    /// Uses up a sign-in token, returning whom it signs in and their session
    /// generation. Expired, used, forged and unknown tokens all fail the same
    /// way, and the failure is audited.
    pub async fn redeem_sign_in_link(
        db: &Db,
        token: &str,
        source: &str,
    ) -> Result<(i64, i64), AppError> {
        let refused = || {
            AppError::invalid(
                "token",
                "This sign-in link has expired or has already been used. Links work once, for 15 minutes. Ask for a new one below.",
            )
        };
        let mut tx = db.begin_write().await?;
        let redeemed: Option<(i64,)> = if tokens::looks_like_token(token) {
            sqlx::query_as(
                "UPDATE email_tokens SET used_at = $1 \
                 WHERE token_hash = $2 AND purpose = 'sign_in' AND used_at IS NULL AND expires_at > $1 \
                 RETURNING user_id",
            )
            .bind(Timestamp::now())
            .bind(tokens::hash_token(token))
            .fetch_optional(&mut *tx)
            .await?
        } else {
            None
        };
        let user: Option<(i64, i64)> =
            match redeemed {
                Some((user_id,)) => sqlx::query_as(
                    "SELECT id, session_generation FROM users WHERE id = $1 AND deleted_at IS NULL",
                )
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?,
                None => None,
            };
        let Some((user_id, generation)) = user else {
            // The failed attempt is recorded even though nothing else changes.
            tx.rollback().await?;
            audit::record(
                db.pool(),
                AuditEntry {
                    actor_user_id: None,
                    organisation_id: None,
                    action: "sign_in_failed",
                    subject: "link".into(),
                    source,
                },
            )
            .await?;
            return Err(refused());
        };
        audit::record(
            &mut *tx,
            AuditEntry {
                actor_user_id: Some(user_id),
                organisation_id: None,
                action: "signed_in",
                subject: format!("user:{user_id}"),
                source,
            },
        )
        .await?;
        tx.commit().await?;
        Ok((user_id, generation))
    }

    /// Checks an email and password. A wrong password and an unknown address
    /// get the same answer, after the same amount of work.
    pub async fn check_password(
        db: &Db,
        email: &str,
        password: String,
        source: &str,
    ) -> Result<(i64, i64), AppError> {
        let row: Option<(i64, Option<String>, i64)> = sqlx::query_as(
            "SELECT id, password_hash, session_generation FROM users WHERE email = $1 AND deleted_at IS NULL",
        )
        .bind(email)
        .fetch_optional(db.pool())
        .await?;
        let stored = row.as_ref().and_then(|(_, hash, _)| hash.clone());
        let matches = crate::accounts::password::verify(password, stored).await?;
        let user_id = row.as_ref().map(|(id, _, _)| *id);
        audit::record(
            db.pool(),
            AuditEntry {
                actor_user_id: user_id,
                organisation_id: None,
                action: if matches {
                    "signed_in"
                } else {
                    "sign_in_failed"
                },
                subject: match user_id {
                    Some(id) => format!("user:{id} by password"),
                    None => "password".into(),
                },
                source,
            },
        )
        .await?;
        match row {
            Some((id, _, generation)) if matches => Ok((id, generation)),
            _ => Err(AppError::invalid(
                "password",
                "That email address and password do not match. Check them, or get an emailed link instead.",
            )),
        }
    }

    /// "Sign out of every device": every session made before now stops
    /// counting at its next request.
    pub async fn end_every_session(db: &Db, user_id: i64, source: &str) -> Result<(), AppError> {
        let mut tx = db.begin_write().await?;
        sqlx::query("UPDATE users SET session_generation = session_generation + 1 WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut *tx,
            AuditEntry {
                actor_user_id: Some(user_id),
                organisation_id: None,
                action: "signed_out_everywhere",
                subject: format!("user:{user_id}"),
                source,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<RequestSignInLink>::new();
    let error = Signal::derive(move || last_error(action.value().get()));
    let with_password = ServerAction::<SignInWithPassword>::new();
    let password_error = Signal::derive(move || last_error(with_password.value().get()));
    view! {
        <Title text="Sign in"/>
        <h1>"Sign in"</h1>
        <p>"Enter your email address and we will email you a link that signs you in. You do not need a password."</p>
        <ErrorSummary form="sign-in" error/>
        <PostForm action>
            <Field form="sign-in" name="email" label="Email address" kind="email" autocomplete="email" error/>
            <button type="submit" class="button">"Email me a sign-in link"</button>
        </PostForm>
        <h2>"Or use your password"</h2>
        <p>"If you added a password on your account page, you can use it instead."</p>
        <ErrorSummary form="password" error=password_error/>
        <PostForm action=with_password>
            <Field form="password" name="email" label="Email address" kind="email" autocomplete="username" error=password_error/>
            <Field form="password" name="password" label="Password" kind="password" autocomplete="current-password" error=password_error/>
            <SharedComputer id="password-shared"/>
            <button type="submit" class="button secondary">"Sign in with password"</button>
        </PostForm>
        <h2>"New to Tenant Voice?"</h2>
        <p><a href="/register">"Create an account"</a>" to comment, and to ask your landlord to verify you as a resident so you can propose topics and vote."</p>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    let error = Signal::derive(move || last_error(action.value().get()));
    view! {
        <Title text="Create an account"/>
        <h1>"Create an account"</h1>
        <p>"We will email you a link to confirm your address. After that you can ask your landlord to verify you as a resident."</p>
        <ErrorSummary form="register" error/>
        <PostForm action>
            <Field form="register" name="name" label="Your name" hint="Shown beside your comments and proposals." autocomplete="name" error/>
            <Field form="register" name="email" label="Email address" kind="email" autocomplete="email" error/>
            <button type="submit" class="button">"Create my account"</button>
        </PostForm>
        <p>"Already have an account? "<a href="/sign-in">"Sign in"</a></p>
    }
}

#[component]
pub fn CheckEmailPage() -> impl IntoView {
    view! {
        <Title text="Check your email"/>
        <h1>"Check your email"</h1>
        <p>"If that address has an account, we have sent it a link to sign in. The link works once, for the next 15 minutes."</p>
        <p>"It can take a few minutes to arrive. If it does not, look in your junk or spam folder, or "<a href="/sign-in">"ask for another link"</a>"."</p>
    }
}

/// "This is a shared computer": the session's cookie then ends when the
/// browser closes, instead of lasting for days.
#[component]
fn SharedComputer(id: &'static str) -> impl IntoView {
    view! {
        <div class="field checkbox">
            <input type="checkbox" id=id name="shared" value="yes"/>
            <label for=id>"This is a shared computer (sign me out when the browser closes)"</label>
        </div>
    }
}

/// Where a sign-in link leads: whom it signs in, and one button to finish.
#[component]
pub fn SignInLinkPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let account = Resource::new(token, sign_in_link_account);
    let action = ServerAction::<UseSignInLink>::new();
    let error = Signal::derive(move || last_error(action.value().get()));
    view! {
        <Title text="Finish signing in"/>
        <h1>"Finish signing in"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(account) => view! {
                        {move || error.get().map(|error| view! {
                            <div class="error-summary" role="alert">
                                <h2>"This link did not work"</h2>
                                <p>{error.to_string()}</p>
                                <p><a href="/sign-in">"Ask for a new sign-in link"</a></p>
                            </div>
                        })}
                        <p class="notice">"You are signing in as "<strong>{account.name}</strong>" at "<strong>{account.email}</strong>"."</p>
                        <p>"If that is not you, do not go on: close this page. Someone may have sent you a link to their account."</p>
                        <PostForm action>
                            <input type="hidden" name="token" value=token/>
                            <SharedComputer id="link-shared"/>
                            <button type="submit" class="button">"Sign in to Tenant Voice"</button>
                        </PostForm>
                    }.into_any(),
                    Err(error) => view! {
                        <div class="error-summary" role="alert">
                            <h2>"This link did not work"</h2>
                            <p>{error.to_string()}</p>
                            <p><a href="/sign-in">"Ask for a new sign-in link"</a></p>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn SignedOutPage() -> impl IntoView {
    view! {
        <Title text="You are signed out"/>
        <h1>"You are signed out"</h1>
        <p>"You can still read everything that is published. "<a href="/sign-in">"Sign in again"</a></p>
    }
}

/// The sign-out button in the header: a form, so it works without JavaScript.
#[component]
pub fn SignOutButton() -> impl IntoView {
    let action = ServerAction::<SignOut>::new();
    view! {
        <PostForm action attr:class="inline-form">
            <button type="submit" class="link-button">"Sign out"</button>
        </PostForm>
    }
}
