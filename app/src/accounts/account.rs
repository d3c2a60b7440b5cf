//! `/account`: the signed-in person's own page. Their details, an optional
//! password, their landlords, a download of everything held about them, and
//! deleting the account (contributions stay, as "Former resident").
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use super::{sign_in::SignOutEverywhere, CurrentUser};
use crate::{
    error::AppError,
    site::{
        forms::{last_error, ErrorSummary, Field, PostForm},
        ErrorPage,
    },
};

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
    let user = super::session::require_user().await?;
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
    let user = super::session::require_user().await?;
    let name = super::check_display_name(&name)?;
    sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
        .bind(&name)
        .bind(user.id)
        .execute(state.db.pool())
        .await?;
    leptos_axum::redirect("/account?saved=name");
    Ok(())
}

/// Sends a confirmation link to the new address; the account changes only
/// when it is used.
#[server]
pub async fn change_email(email: String) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user = super::session::require_user().await?;
    let email = super::normalise_email(&email)?;
    if email == user.email {
        return Err(AppError::invalid(
            "email",
            "That is already your email address",
        ));
    }
    super::session::require_recent_sign_in("email").await?;
    let source = super::session::client_address().await;
    crate::rate_limit::hit(
        &state.db,
        &crate::rate_limit::email_bucket("sign-in", &email, &source),
        crate::rate_limit::SIGN_IN_PER_EMAIL,
    )
    .await?;
    queries::start_email_change(&state, &user, &email).await?;
    leptos_axum::redirect("/account?saved=email-sent");
    Ok(())
}

#[server]
pub async fn confirm_email_change(token: String) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let source = super::session::client_address().await;
    let (user_id, generation) = queries::confirm_email_change(&state.db, &token, &source).await?;
    // Every other session of the person has ended; this one goes on if it
    // is theirs.
    if super::session::signed_in_user_id().await? == Some(user_id) {
        super::session::keep_after_ending_others(generation).await?;
    }
    leptos_axum::redirect("/account?saved=email");
    Ok(())
}

#[server]
pub async fn set_password(password: String, password_again: String) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user = super::session::require_user().await?;
    super::password::check_new_password(&password, &password_again)?;
    super::session::require_recent_sign_in("password").await?;
    let hash = super::password::hash(password).await?;
    let source = super::session::client_address().await;
    let generation = queries::store_password(&state.db, &user, Some(hash), &source).await?;
    super::session::keep_after_ending_others(generation).await?;
    leptos_axum::redirect("/account?saved=password");
    Ok(())
}

#[server]
pub async fn remove_password() -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let user = super::session::require_user().await?;
    super::session::require_recent_sign_in("password").await?;
    let source = super::session::client_address().await;
    let generation = queries::store_password(&state.db, &user, None, &source).await?;
    super::session::keep_after_ending_others(generation).await?;
    leptos_axum::redirect("/account?saved=password-removed");
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
    let user = super::session::require_user().await?;
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
    let user = super::session::require_user().await?;
    if understood.as_deref() != Some("yes") {
        return Err(AppError::invalid(
            "understood",
            "Tick the box to show you understand that deleting cannot be undone",
        ));
    }
    let source = super::session::client_address().await;
    queries::delete(&state.db, user.id, &source).await?;
    super::session::end().await?;
    leptos_axum::redirect("/account-deleted");
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod queries {
    use super::{
        AccountExport, ExportedEvent, ExportedInvitation, ExportedJoinRequest, ExportedMembership,
        FORMER_RESIDENT,
    };
    use crate::{
        accounts::{emails, sign_in::LINK_MINUTES, tokens, CurrentUser},
        audit::{self, AuditEntry},
        error::AppError,
        mail,
        state::{AppState, Db},
        time::Timestamp,
    };

    fn day(at: Timestamp) -> String {
        at.to_chrono().format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    pub async fn start_email_change(
        state: &AppState,
        user: &CurrentUser,
        new_email: &str,
    ) -> Result<(), AppError> {
        let mut tx = state.db.begin_write().await?;
        let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE email = $1")
            .bind(new_email)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            mail::enqueue(&mut *tx, &emails::new_email_taken(new_email)).await?;
        } else {
            let token = tokens::new_token();
            let now = Timestamp::now();
            sqlx::query(
                "INSERT INTO email_tokens (token_hash, purpose, user_id, new_email, created_at, expires_at) \
                 VALUES ($1, 'confirm_email', $2, $3, $4, $5)",
            )
            .bind(tokens::hash_token(&token))
            .bind(user.id)
            .bind(new_email)
            .bind(now)
            .bind(now.millis() + LINK_MINUTES * 60_000)
            .execute(&mut *tx)
            .await?;
            let link = state.link(&format!("/account/confirm-email?token={token}"));
            mail::enqueue(
                &mut *tx,
                &emails::confirm_new_email(new_email, &user.name, &link),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Moves the account to its new address and ends its sessions; returns
    /// the account and its new session generation.
    pub async fn confirm_email_change(
        db: &Db,
        token: &str,
        source: &str,
    ) -> Result<(i64, i64), AppError> {
        let refused = || {
            AppError::invalid(
                "token",
                "This confirmation link has expired or has already been used. Ask for a new one on your account page.",
            )
        };
        if !tokens::looks_like_token(token) {
            return Err(refused());
        }
        let mut tx = db.begin_write().await?;
        let row: Option<(i64, Option<String>)> = sqlx::query_as(
            "UPDATE email_tokens SET used_at = $1 \
             WHERE token_hash = $2 AND purpose = 'confirm_email' AND used_at IS NULL AND expires_at > $1 \
             RETURNING user_id, new_email",
        )
        .bind(Timestamp::now())
        .bind(tokens::hash_token(token))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((user_id, Some(new_email))) = row else {
            return Err(refused());
        };
        let old: Option<(String, String)> = sqlx::query_as(
            "SELECT email, display_name FROM users WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let (old_email, name) = old.ok_or_else(refused)?;
        let taken: Option<(i64,)> = sqlx::query_as("SELECT id FROM users WHERE email = $1")
            .bind(&new_email)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(AppError::Conflict(
                "Another account started using that address meanwhile, so your address did not change.".into(),
            ));
        }
        let (generation,): (i64,) = sqlx::query_as(
            "UPDATE users SET email = $1, session_generation = session_generation + 1 \
             WHERE id = $2 RETURNING session_generation",
        )
        .bind(&new_email)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        mail::enqueue(
            &mut *tx,
            &emails::email_changed(&old_email, &name, &new_email),
        )
        .await?;
        audit::record(
            &mut *tx,
            AuditEntry {
                actor_user_id: Some(user_id),
                organisation_id: None,
                action: "email_changed",
                subject: format!("user:{user_id}"),
                source,
            },
        )
        .await?;
        tx.commit().await?;
        Ok((user_id, generation))
    }

    /// Sets or removes the password and ends the person's sessions; returns
    /// the new session generation, for the session that made the change.
    pub async fn store_password(
        db: &Db,
        user: &CurrentUser,
        hash: Option<String>,
        source: &str,
    ) -> Result<i64, AppError> {
        let mut tx = db.begin_write().await?;
        let (had,): (Option<String>,) =
            sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
                .bind(user.id)
                .fetch_one(&mut *tx)
                .await?;
        let removing = hash.is_none();
        let (generation,): (i64,) = sqlx::query_as(
            "UPDATE users SET password_hash = $1, session_generation = session_generation + 1 \
             WHERE id = $2 RETURNING session_generation",
        )
        .bind(hash)
        .bind(user.id)
        .fetch_one(&mut *tx)
        .await?;
        let message = if removing {
            emails::password_removed(&user.email, &user.name)
        } else {
            emails::password_changed(&user.email, &user.name, had.is_none())
        };
        mail::enqueue(&mut *tx, &message).await?;
        audit::record(
            &mut *tx,
            AuditEntry {
                actor_user_id: Some(user.id),
                organisation_id: None,
                action: if removing {
                    "password_removed"
                } else {
                    "password_set"
                },
                subject: format!("user:{}", user.id),
                source,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(generation)
    }

    pub async fn export(db: &Db, user: &CurrentUser) -> Result<AccountExport, AppError> {
        let (created_at, hash): (Timestamp, Option<String>) =
            sqlx::query_as("SELECT created_at, password_hash FROM users WHERE id = $1")
                .bind(user.id)
                .fetch_one(db.pool())
                .await?;
        let memberships: Vec<(String, String, Timestamp)> = sqlx::query_as(
            "SELECT o.name, m.role, m.created_at FROM memberships m JOIN organisations o ON o.id = m.organisation_id \
             WHERE m.user_id = $1 ORDER BY o.name",
        )
        .bind(user.id)
        .fetch_all(db.pool())
        .await?;
        let requests: Vec<(String, String, String, Option<String>, Timestamp)> = sqlx::query_as(
            "SELECT o.name, r.tenancy_reference, r.status, r.decline_reason, r.created_at \
             FROM join_requests r JOIN organisations o ON o.id = r.organisation_id \
             WHERE r.user_id = $1 ORDER BY r.id",
        )
        .bind(user.id)
        .fetch_all(db.pool())
        .await?;
        let invitations: Vec<(String, String, Timestamp, Option<i64>)> = sqlx::query_as(
            "SELECT o.name, i.role, i.created_at, i.accepted_at FROM invitations i \
             JOIN organisations o ON o.id = i.organisation_id \
             WHERE i.email = $1 OR i.accepted_by = $2 ORDER BY i.id",
        )
        .bind(&user.email)
        .bind(user.id)
        .fetch_all(db.pool())
        .await?;
        let events: Vec<(Timestamp, String, String, String)> = sqlx::query_as(
            "SELECT occurred_at, action, subject, source FROM audit_log \
             WHERE actor_user_id = $1 OR subject = $2 OR subject LIKE $3 ORDER BY id",
        )
        .bind(user.id)
        .bind(format!("user:{}", user.id))
        .bind(format!("user:{} %", user.id))
        .fetch_all(db.pool())
        .await?;
        Ok(AccountExport {
            name: user.name.clone(),
            email: user.email.clone(),
            created_at: day(created_at),
            has_password: hash.is_some(),
            is_platform_admin: user.is_platform_admin,
            memberships: memberships
                .into_iter()
                .map(|(landlord, role, since)| ExportedMembership {
                    landlord,
                    role,
                    since: day(since),
                })
                .collect(),
            join_requests: requests
                .into_iter()
                .map(
                    |(landlord, tenancy_reference, status, decline_reason, at)| {
                        ExportedJoinRequest {
                            landlord,
                            tenancy_reference,
                            status,
                            decline_reason,
                            asked_at: day(at),
                        }
                    },
                )
                .collect(),
            invitations: invitations
                .into_iter()
                .map(|(landlord, role, sent, accepted)| ExportedInvitation {
                    landlord,
                    role,
                    sent_at: day(sent),
                    accepted: accepted.is_some(),
                })
                .collect(),
            activity: events
                .into_iter()
                .map(|(at, action, subject, from)| ExportedEvent {
                    at: day(at),
                    action,
                    subject,
                    from,
                })
                .collect(),
        })
    }

    /// Empties the account but keeps its row, so whatever the person wrote
    /// stays, shown as by "Former resident". Their memberships, requests,
    /// links and sessions go.
    pub async fn delete(db: &Db, user_id: i64, source: &str) -> Result<(), AppError> {
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "UPDATE users SET email = $1, display_name = $2, password_hash = NULL, is_platform_admin = 0, \
             deleted_at = $3, session_generation = session_generation + 1 WHERE id = $4",
        )
        .bind(format!("deleted-{user_id}@deleted.invalid"))
        .bind(FORMER_RESIDENT)
        .bind(Timestamp::now())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        for table in ["memberships", "join_requests", "email_tokens"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        audit::record(
            &mut *tx,
            AuditEntry {
                actor_user_id: Some(user_id),
                organisation_id: None,
                action: "account_deleted",
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
pub fn AccountPage() -> impl IntoView {
    let actions = AccountActions {
        name: ServerAction::new(),
        email: ServerAction::new(),
        password: ServerAction::new(),
        remove_password: ServerAction::new(),
    };
    // Asked again after each change, since the page shows the result.
    let account = Resource::new(
        move || {
            actions.name.version().get()
                + actions.password.version().get()
                + actions.remove_password.version().get()
        },
        |_| my_account(),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(details) => view! { <AccountView details actions/> }.into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct AccountActions {
    name: ServerAction<ChangeName>,
    email: ServerAction<ChangeEmail>,
    password: ServerAction<SetPassword>,
    remove_password: ServerAction<RemovePassword>,
}

fn saved_message(key: &str) -> Option<&'static str> {
    Some(match key {
        "name" => "Your name was saved.",
        "email-sent" => "We sent a link to the new address. Your address changes when you use it.",
        "email" => "Your email address was changed.",
        "password" => "Your password was saved.",
        "password-removed" => "Your password was removed. You sign in with emailed links.",
        _ => return None,
    })
}

#[component]
fn AccountView(details: AccountDetails, actions: AccountActions) -> impl IntoView {
    let query = use_query_map();
    let saved = move || {
        query
            .read()
            .get("saved")
            .and_then(|key| saved_message(&key))
    };
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let delete = ServerAction::<DeleteAccount>::new();
    let name_error = Signal::derive(move || last_error(actions.name.value().get()));
    let email_error = Signal::derive(move || last_error(actions.email.value().get()));
    let password_error = Signal::derive(move || {
        last_error(actions.password.value().get())
            .or_else(|| last_error(actions.remove_password.value().get()))
    });
    let delete_error = Signal::derive(move || last_error(delete.value().get()));
    let AccountDetails { user, has_password } = details;
    view! {
        <Title text="Your account"/>
        <h1>"Your account"</h1>
        {move || saved().map(|message| view! { <p class="notice" role="status">{message}</p> })}

        <h2>"Your landlords"</h2>
        {if user.memberships.is_empty() {
            view! {
                <p>"You are not part of any landlord yet. Choose yours from the "<a href="/">"list of landlords"</a>" and ask to join as a resident."</p>
            }.into_any()
        } else {
            view! {
                <ul class="card-list">
                    {user.memberships.into_iter().map(|membership| {
                        let staff = matches!(membership.role, super::Role::LandlordStaff | super::Role::LandlordAdmin);
                        view! {
                            <li class="card">
                                <h3><a href=format!("/landlords/{}", membership.slug)>{membership.organisation_name.clone()}</a></h3>
                                <p>{membership.role.label()}</p>
                                {staff.then(|| view! {
                                    <p><a href=format!("/landlords/{}/people", membership.slug)>{format!("People and requests to join at {}", membership.organisation_name)}</a></p>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}

        <h2>"Your name"</h2>
        <ErrorSummary form="name" error=name_error/>
        <PostForm action=actions.name>
            <Field form="name" name="name" label="Name" hint="Shown beside your comments and proposals." autocomplete="name" value=user.name.clone() error=name_error/>
            <button type="submit" class="button secondary">"Save name"</button>
        </PostForm>

        <p>"Changing your email address or password needs a recent sign-in (in the last 10 minutes), and signs you out on every other device."</p>
        <h2>"Your email address"</h2>
        <p>{format!("Emails go to {}.", user.email)}</p>
        <ErrorSummary form="email" error=email_error/>
        <PostForm action=actions.email>
            <Field form="email" name="email" label="New email address" hint="We send a link to the new address; it changes when you use the link." kind="email" autocomplete="email" error=email_error/>
            <button type="submit" class="button secondary">"Change email address"</button>
        </PostForm>

        <h2>"Password"</h2>
        <p>{if has_password {
            "You can sign in with your password or with an emailed link."
        } else {
            "You sign in with emailed links. You can add a password if you prefer one."
        }}</p>
        <ErrorSummary form="new-password" error=password_error/>
        <PostForm action=actions.password>
            <Field form="new-password" name="password" label=if has_password { "New password" } else { "Password" } hint="At least 10 characters. Three or four ordinary words make a strong password." kind="password" autocomplete="new-password" error=password_error/>
            <Field form="new-password" name="password_again" label="Type it again" kind="password" autocomplete="new-password" error=password_error/>
            <button type="submit" class="button secondary">{if has_password { "Change password" } else { "Add password" }}</button>
        </PostForm>
        {has_password.then(|| view! {
            <PostForm action=actions.remove_password>
                <button type="submit" class="button secondary">"Remove password"</button>
            </PostForm>
        })}

        <h2>"Your data"</h2>
        <p><a href="/api/account/export" download="tenant-voice-my-data.json">"Download everything Tenant Voice holds about you"</a>" (a JSON file)."</p>

        <h2>"Signing out"</h2>
        <p>"If you signed in on a computer or phone you no longer use, or one that is shared, you can sign out everywhere at once, including here."</p>
        <PostForm action=everywhere>
            <button type="submit" class="button secondary">"Sign out of every device"</button>
        </PostForm>

        <h2>"Delete your account"</h2>
        <p>"Your name, email address, password and memberships are deleted. Comments, proposals and votes you made stay, shown as by \u{201c}Former resident\u{201d}. This cannot be undone."</p>
        <ErrorSummary form="delete" error=delete_error/>
        <PostForm action=delete>
            <div class="field checkbox" class:field-invalid=move || delete_error.get().is_some()>
                <input type="checkbox" id="delete-understood" name="understood" value="yes"/>
                <label for="delete-understood">"I understand that deleting my account cannot be undone"</label>
            </div>
            <button type="submit" class="button danger">"Delete my account"</button>
        </PostForm>
    }
}

/// `/account/confirm-email?token=…`: one button to confirm the new address.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let action = ServerAction::<ConfirmEmailChange>::new();
    let error = Signal::derive(move || last_error(action.value().get()));
    view! {
        <Title text="Confirm your new email address"/>
        <h1>"Confirm your new email address"</h1>
        {move || error.get().map(|error| view! {
            <div class="error-summary" role="alert">
                <h2>"This link did not work"</h2>
                <p>{error.to_string()}</p>
            </div>
        })}
        <PostForm action>
            <input type="hidden" name="token" value=token/>
            <button type="submit" class="button">"Use this email address"</button>
        </PostForm>
    }
}

#[component]
pub fn AccountDeletedPage() -> impl IntoView {
    view! {
        <Title text="Your account was deleted"/>
        <h1>"Your account was deleted"</h1>
        <p>"Your details are gone. Thank you for taking part. You can still read everything that is published."</p>
    }
}
