//! Asking to join a landlord as a resident, and its staff deciding.
//!
//! Until a request is approved the person can read and comment, but cannot
//! propose topics or vote. A decline carries a reason the person sees.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::{
    accounts::Role,
    error::AppError,
    site::{
        forms::{last_error, ErrorSummary, Field, PostForm},
        ErrorPage,
    },
};

/// Where the signed-in person stands with one landlord.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JoinStatus {
    SignedOut,
    Member(Role),
    Pending {
        tenancy_reference: String,
    },
    /// The last request was declined; the person may ask again.
    Declined {
        reason: String,
    },
    CanAsk,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinPageData {
    pub landlord_name: String,
    pub slug: String,
    pub status: JoinStatus,
}

/// Checks a tenancy reference as typed: letters, digits, spaces, / and -.
pub fn check_tenancy_reference(text: &str) -> Result<String, AppError> {
    let reference = text.trim();
    if reference.is_empty() {
        return Err(AppError::invalid(
            "tenancy_reference",
            "Enter your tenancy reference. It is on your tenancy agreement and rent statements.",
        ));
    }
    if reference.chars().count() > 40
        || !reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '/' | '-'))
    {
        return Err(AppError::invalid(
            "tenancy_reference",
            "A tenancy reference has up to 40 letters, numbers, spaces, / or -",
        ));
    }
    Ok(reference.to_string())
}

#[server]
pub async fn join_page(slug: String) -> Result<JoinPageData, AppError> {
    let state = crate::state::app_state()?;
    let (organisation_id, landlord_name) =
        crate::landlords::queries::identify(&state.db, &slug).await?;
    let status = match super::session::current_user().await? {
        None => JoinStatus::SignedOut,
        Some(user) => queries::status(&state.db, user.id, organisation_id).await?,
    };
    Ok(JoinPageData {
        landlord_name,
        slug,
        status,
    })
}

#[server]
pub async fn request_to_join(slug: String, tenancy_reference: String) -> Result<(), AppError> {
    use crate::permissions::{self, Action};
    let state = crate::state::app_state()?;
    let (organisation_id, _) = crate::landlords::queries::identify(&state.db, &slug).await?;
    let user = super::session::current_user().await?;
    permissions::require(user.as_ref(), Action::RequestToJoin, organisation_id)?;
    let user = user.ok_or(AppError::NotSignedIn)?;
    let reference = check_tenancy_reference(&tenancy_reference)?;
    crate::rate_limit::hit(
        &state.db,
        &format!("join:person:{}", user.id),
        crate::rate_limit::JOIN_REQUESTS_PER_PERSON,
    )
    .await?;
    let source = super::session::client_address().await;
    queries::create_request(&state.db, user.id, organisation_id, &reference, &source).await?;
    leptos_axum::redirect(&format!("/landlords/{slug}/join"));
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequestView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub tenancy_reference: String,
    pub asked_on: String,
}

/// Approves or declines a request. `decision` is "approve" or "decline"; a
/// decline needs a reason, which the person is sent.
#[server]
pub async fn decide_join_request(
    slug: String,
    request_id: i64,
    decision: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    use crate::permissions::{self, Action};
    let state = crate::state::app_state()?;
    let (organisation_id, _) = crate::landlords::queries::identify(&state.db, &slug).await?;
    let user = super::session::current_user().await?;
    permissions::require(user.as_ref(), Action::ReviewJoinRequests, organisation_id)?;
    let user = user.ok_or(AppError::NotSignedIn)?;
    let decision = match decision.as_str() {
        "approve" => queries::Decision::Approve,
        "decline" => {
            let reason = reason.unwrap_or_default();
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(AppError::invalid(
                    "reason",
                    "Say why you are declining: the person will be told",
                ));
            }
            if reason.chars().count() > 1000 {
                return Err(AppError::invalid(
                    "reason",
                    "The reason must be 1,000 characters or fewer",
                ));
            }
            queries::Decision::Decline(reason.to_string())
        }
        _ => return Err(AppError::invalid("decision", "Choose approve or decline")),
    };
    let source = super::session::client_address().await;
    queries::decide(
        &state,
        organisation_id,
        request_id,
        user.id,
        decision,
        &source,
    )
    .await?;
    leptos_axum::redirect(&format!("/landlords/{slug}/people"));
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod queries {
    use super::JoinStatus;
    use crate::{
        accounts::{emails, Role},
        audit::{self, AuditEntry},
        error::AppError,
        mail,
        site::paging::{Paging, PAGE_SIZE},
        state::{AppState, Db},
        time::Timestamp,
    };

    pub async fn status(
        db: &Db,
        user_id: i64,
        organisation_id: i64,
    ) -> Result<JoinStatus, AppError> {
        let role: Option<(String,)> = sqlx::query_as(
            "SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2",
        )
        .bind(user_id)
        .bind(organisation_id)
        .fetch_optional(db.pool())
        .await?;
        if let Some(role) = role.and_then(|(role,)| Role::parse(&role)) {
            return Ok(JoinStatus::Member(role));
        }
        let latest: Option<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT status, tenancy_reference, decline_reason FROM join_requests \
             WHERE user_id = $1 AND organisation_id = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(user_id)
        .bind(organisation_id)
        .fetch_optional(db.pool())
        .await?;
        Ok(match latest {
            Some((status, tenancy_reference, _)) if status == "pending" => {
                JoinStatus::Pending { tenancy_reference }
            }
            Some((status, _, reason)) if status == "declined" => JoinStatus::Declined {
                reason: reason.unwrap_or_default(),
            },
            _ => JoinStatus::CanAsk,
        })
    }

    pub async fn create_request(
        db: &Db,
        user_id: i64,
        organisation_id: i64,
        tenancy_reference: &str,
        source: &str,
    ) -> Result<(), AppError> {
        let mut tx = db.begin_write().await?;
        // The unique index allows one open request; a second (a double
        // click, a retry) is absorbed without a second effect.
        let created: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO join_requests (user_id, organisation_id, tenancy_reference, created_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, organisation_id) WHERE status = 'pending' DO NOTHING RETURNING id",
        )
        .bind(user_id)
        .bind(organisation_id)
        .bind(tenancy_reference)
        .bind(Timestamp::now())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((request_id,)) = created {
            audit::record(
                &mut *tx,
                AuditEntry {
                    actor_user_id: Some(user_id),
                    organisation_id: Some(organisation_id),
                    action: "join_requested",
                    subject: format!("join_request:{request_id}"),
                    source,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One page of the requests waiting, oldest first. The page's ids come
    /// from the index on (landlord, status, asked, id) alone; the total is
    /// the count the database keeps.
    pub async fn pending(
        db: &Db,
        organisation_id: i64,
        asked: Option<&str>,
    ) -> Result<(Vec<super::JoinRequestView>, Paging), AppError> {
        let (_, total) = crate::accounts::counts(db, organisation_id).await?;
        let paging = Paging::clamp(asked, total);
        let rows: Vec<(i64, String, String, String, crate::time::Timestamp)> = sqlx::query_as(
            "SELECT r.id, u.display_name, u.email, r.tenancy_reference, r.created_at \
             FROM (SELECT id FROM join_requests WHERE organisation_id = $1 AND status = 'pending' \
                   ORDER BY created_at, id LIMIT $2 OFFSET $3) page \
             JOIN join_requests r ON r.id = page.id JOIN users u ON u.id = r.user_id \
             ORDER BY r.created_at, r.id",
        )
        .bind(organisation_id)
        .bind(PAGE_SIZE)
        .bind(paging.offset())
        .fetch_all(db.pool())
        .await?;
        let requests = rows
            .into_iter()
            .map(
                |(id, name, email, tenancy_reference, created_at)| super::JoinRequestView {
                    id,
                    name,
                    email,
                    tenancy_reference,
                    asked_on: created_at.to_chrono().format("%-d %B %Y").to_string(),
                },
            )
            .collect();
        Ok((requests, paging))
    }

    pub enum Decision {
        Approve,
        Decline(String),
    }

    /// Decides a pending request of this landlord. A request of another
    /// landlord, or one already decided, is "not found": nothing changes.
    pub async fn decide(
        state: &AppState,
        organisation_id: i64,
        request_id: i64,
        decided_by: i64,
        decision: Decision,
        source: &str,
    ) -> Result<(), AppError> {
        let mut tx = state.db.begin_write().await?;
        let (status, reason) = match &decision {
            Decision::Approve => ("approved", None),
            Decision::Decline(reason) => ("declined", Some(reason.as_str())),
        };
        let decided: Option<(i64,)> = sqlx::query_as(
            "UPDATE join_requests SET status = $1, decline_reason = $2, decided_at = $3, decided_by = $4 \
             WHERE id = $5 AND organisation_id = $6 AND status = 'pending' RETURNING user_id",
        )
        .bind(status)
        .bind(reason)
        .bind(Timestamp::now())
        .bind(decided_by)
        .bind(request_id)
        .bind(organisation_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((user_id,)) = decided else {
            return Err(AppError::Conflict(
                "That request has already been decided, or does not exist.".into(),
            ));
        };
        let (name, email, landlord, slug): (String, String, String, String) = sqlx::query_as(
            "SELECT u.display_name, u.email, o.name, o.slug FROM users u, organisations o \
             WHERE u.id = $1 AND o.id = $2",
        )
        .bind(user_id)
        .bind(organisation_id)
        .fetch_one(&mut *tx)
        .await?;
        let message = match &decision {
            Decision::Approve => {
                // A person who became a member meanwhile (say, by invitation)
                // keeps the role they have.
                sqlx::query(
                    "INSERT INTO memberships (user_id, organisation_id, role, created_at) \
                     VALUES ($1, $2, 'resident', $3) ON CONFLICT (user_id, organisation_id) DO NOTHING",
                )
                .bind(user_id)
                .bind(organisation_id)
                .bind(Timestamp::now())
                .execute(&mut *tx)
                .await?;
                emails::join_approved(
                    &email,
                    &name,
                    &landlord,
                    &state.link(&format!("/landlords/{slug}")),
                )
            }
            Decision::Decline(reason) => emails::join_declined(&email, &name, &landlord, reason),
        };
        mail::enqueue(&mut *tx, &message).await?;
        audit::record(
            &mut *tx,
            AuditEntry {
                actor_user_id: Some(decided_by),
                organisation_id: Some(organisation_id),
                action: match decision {
                    Decision::Approve => "join_approved",
                    Decision::Decline(_) => "join_declined",
                },
                subject: format!("user:{user_id}"),
                source,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// `/landlords/:slug/join`: ask to join as a resident, or see where a request stands.
#[component]
pub fn JoinPage() -> impl IntoView {
    let params = use_params_map();
    let action = ServerAction::<RequestToJoin>::new();
    // Asked again after each request, since the page itself shows the result.
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                action.version().get(),
            )
        },
        |(slug, _)| join_page(slug),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <JoinView data action/> }.into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn JoinView(data: JoinPageData, action: ServerAction<RequestToJoin>) -> impl IntoView {
    let title = format!("Join {} as a resident", data.landlord_name);
    let back = format!("/landlords/{}", data.slug);
    let body = match data.status {
        JoinStatus::SignedOut => view! {
            <p>"To ask to join, first "<a href="/sign-in">"sign in"</a>" or "<a href="/register">"create an account"</a>"."</p>
        }.into_any(),
        JoinStatus::Member(role) => view! {
            <p class="notice">{format!("You are already part of {} as {}.", data.landlord_name, role.label().to_lowercase())}</p>
        }.into_any(),
        JoinStatus::Pending { tenancy_reference } => view! {
            <div class="notice" role="status">
                <h2>"Your request is waiting"</h2>
                <p>"You asked to join with tenancy reference "<strong>{tenancy_reference}</strong>". Staff at "{data.landlord_name.clone()}" will check it and we will email you their answer."</p>
                <p>"Meanwhile you can read everything and comment. You can propose topics and vote once you are approved."</p>
            </div>
        }.into_any(),
        JoinStatus::Declined { reason } => view! {
            <div class="notice">
                <h2>"Your last request was not approved"</h2>
                <p>"The reason given: "{reason}</p>
                <p>"You can ask again below, for example with a corrected tenancy reference."</p>
            </div>
            <JoinForm slug=data.slug.clone() action/>
        }.into_any(),
        JoinStatus::CanAsk => view! { <JoinForm slug=data.slug.clone() action/> }.into_any(),
    };
    view! {
        <Title text=title.clone()/>
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <ol>
                <li><a href="/">"All landlords"</a></li>
                <li><a href=back>{data.landlord_name.clone()}</a></li>
                <li aria-current="page">"Join"</li>
            </ol>
        </nav>
        <h1>{title}</h1>
        {body}
    }
}

#[component]
fn JoinForm(slug: String, action: ServerAction<RequestToJoin>) -> impl IntoView {
    let error = Signal::derive(move || last_error(action.value().get()));
    view! {
        <p>"Staff check your tenancy reference before you can propose topics and vote. It is on your tenancy agreement and rent statements."</p>
        <ErrorSummary form="join" error/>
        <PostForm action>
            <input type="hidden" name="slug" value=slug/>
            <Field form="join" name="tenancy_reference" label="Tenancy reference" hint="For example BH-204518" error/>
            <button type="submit" class="button">"Ask to join"</button>
        </PostForm>
    }
}
