//! A landlord's people, for its staff: requests to join, invitations by
//! email into any role, the members and their roles, and the audit log.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

use super::{joining::JoinRequestView, Role};
use crate::{
    error::AppError,
    site::{
        forms::{last_error, ErrorSummary, Field, PostForm, TextArea},
        ErrorPage,
    },
};

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;

/// How many people a long list shows at once.
pub const PAGE_SIZE: i64 = 50;

/// Which part of a long list one page shows. Pages are numbered from 1 and
/// read with LIMIT and OFFSET over an index in the list's order, so a page
/// costs the same however long the list is; the total is a running count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paging {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

impl Paging {
    /// The page asked for in the address (`?page=3`), kept within the list:
    /// a missing or malformed number shows the first page, one past the end
    /// the last, so a stale or mistyped link still shows something.
    pub fn clamp(asked: Option<&str>, total: i64) -> Paging {
        let pages = ((total.max(0) + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let asked = asked.unwrap_or_default().trim();
        let page = match asked.parse::<i64>() {
            Ok(page) => page,
            // Too many digits to read: further than the end.
            Err(_) if !asked.is_empty() && asked.bytes().all(|b| b.is_ascii_digit()) => pages,
            Err(_) => 1,
        };
        Paging {
            page: page.clamp(1, pages),
            pages,
            total: total.max(0),
        }
    }

    pub fn offset(self) -> i64 {
        (self.page - 1) * PAGE_SIZE
    }

    /// "Showing 51 to 100 of 200,000 members".
    pub fn showing(self, what: &str) -> String {
        let first = (self.offset() + 1).min(self.total);
        let last = (self.offset() + PAGE_SIZE).min(self.total);
        format!(
            "Showing {} to {} of {} {what}",
            grouped(first),
            grouped(last),
            grouped(self.total)
        )
    }
}

/// A whole number as people write it: 200000 as "200,000".
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// Plain links to the pages before and after, which work without
/// JavaScript; nothing when the list fits on one page. `href` gives the
/// address of a page number.
pub fn pager(paging: Paging, what: &'static str, href: impl Fn(i64) -> String) -> impl IntoView {
    let previous = (paging.page > 1).then(|| {
        view! {
            <a href=href(paging.page - 1) rel="prev">"Previous page"<span class="visually-hidden">{format!(" of {what}")}</span></a>" "
        }
    });
    let next = (paging.page < paging.pages).then(|| {
        view! {
            <a href=href(paging.page + 1) rel="next">"Next page"<span class="visually-hidden">{format!(" of {what}")}</span></a>
        }
    });
    (paging.pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label=format!("Pages of {what}")><p>{previous}{next}</p></nav>
        }
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeoplePageData {
    pub landlord_name: String,
    pub slug: String,
    pub requests: Vec<JoinRequestView>,
    pub requests_paging: Paging,
    pub members: Vec<MemberView>,
    pub members_paging: Paging,
    /// Roles this person may invite into.
    pub invitable: Vec<Role>,
    pub can_manage_members: bool,
    pub can_see_audit_log: bool,
}

/// `page` is the page of members, `requests_page` that of requests to join,
/// as the address gives them.
#[server]
pub async fn people_page(
    slug: String,
    page: Option<String>,
    requests_page: Option<String>,
) -> Result<PeoplePageData, AppError> {
    use crate::permissions::{allows, require, Action};
    let state = crate::state::app_state()?;
    let (organisation_id, landlord_name) =
        crate::landlords::queries::identify(&state.db, &slug).await?;
    let user = super::session::current_user().await?;
    require(user.as_ref(), Action::SeeMembers, organisation_id)?;
    let user = user.as_ref();
    let (requests, requests_paging) = if allows(user, Action::ReviewJoinRequests, organisation_id) {
        super::joining::queries::pending(&state.db, organisation_id, requests_page.as_deref())
            .await?
    } else {
        (Vec::new(), Paging::clamp(None, 0))
    };
    let (members, members_paging) =
        queries::members(&state.db, organisation_id, page.as_deref()).await?;
    Ok(PeoplePageData {
        landlord_name,
        slug,
        requests,
        requests_paging,
        members,
        members_paging,
        invitable: Role::ALL
            .into_iter()
            .filter(|role| allows(user, Action::Invite(*role), organisation_id))
            .collect(),
        can_manage_members: allows(user, Action::ManageMembers, organisation_id),
        can_see_audit_log: allows(user, Action::SeeAuditLog, organisation_id),
    })
}

#[server]
pub async fn invite(slug: String, email: String, role: String) -> Result<(), AppError> {
    use crate::permissions::{require, Action};
    let state = crate::state::app_state()?;
    let (organisation_id, _) = crate::landlords::queries::identify(&state.db, &slug).await?;
    let user = super::session::current_user().await?;
    let role = Role::parse(&role).ok_or_else(|| AppError::invalid("role", "Choose a role"))?;
    require(user.as_ref(), Action::Invite(role), organisation_id)?;
    let user = user.ok_or(AppError::NotSignedIn)?;
    let email = super::normalise_email(&email)?;
    let source = super::session::client_address().await;
    queries::invite(&state, organisation_id, &user, &email, role, &source).await?;
    leptos_axum::redirect(&format!("/landlords/{slug}/people?invited=1"));
    Ok(())
}

/// Changes a member's role, or removes them when `role` is "none".
#[server]
pub async fn change_role(slug: String, user_id: i64, role: String) -> Result<(), AppError> {
    use crate::permissions::{require, Action};
    let state = crate::state::app_state()?;
    let (organisation_id, _) = crate::landlords::queries::identify(&state.db, &slug).await?;
    let actor = super::session::current_user().await?;
    require(actor.as_ref(), Action::ManageMembers, organisation_id)?;
    let actor = actor.ok_or(AppError::NotSignedIn)?;
    let role = match role.as_str() {
        "none" => None,
        other => {
            Some(Role::parse(other).ok_or_else(|| AppError::invalid("role", "Choose a role"))?)
        }
    };
    let source = super::session::client_address().await;
    queries::change_role(&state.db, organisation_id, actor.id, user_id, role, &source).await?;
    leptos_axum::redirect(&format!("/landlords/{slug}/people"));
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub landlord_name: String,
    pub role: Role,
    pub email: String,
    /// Whether the address has no account yet, so a name is needed.
    pub needs_name: bool,
}

#[server]
pub async fn invitation(token: String) -> Result<InvitationView, AppError> {
    let state = crate::state::app_state()?;
    queries::open_invitation(&state.db, &token).await
}

#[server]
pub async fn accept_invitation(token: String, name: Option<String>) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    let source = super::session::client_address().await;
    let (user_id, generation, slug) =
        queries::accept_invitation(&state.db, &token, name.as_deref(), &source).await?;
    super::session::start(user_id, generation).await?;
    leptos_axum::redirect(&format!("/landlords/{slug}"));
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub when: String,
    pub who: String,
    pub action: String,
    pub subject: String,
    pub source: String,
}

#[server]
pub async fn audit_log(slug: String) -> Result<(String, Vec<AuditLine>), AppError> {
    use crate::permissions::{require, Action};
    let state = crate::state::app_state()?;
    let (organisation_id, landlord_name) =
        crate::landlords::queries::identify(&state.db, &slug).await?;
    let user = super::session::current_user().await?;
    require(user.as_ref(), Action::SeeAuditLog, organisation_id)?;
    Ok((
        landlord_name,
        queries::audit_log(&state.db, organisation_id).await?,
    ))
}

#[cfg(feature = "ssr")]
pub mod queries {
    use super::{AuditLine, InvitationView, MemberView, Paging, INVITATION_DAYS, PAGE_SIZE};
    use crate::{
        accounts::{check_display_name, emails, tokens, CurrentUser, Role},
        audit::{self, AuditEntry},
        error::AppError,
        mail,
        state::{AppState, Db},
        time::Timestamp,
    };

    /// How many people a landlord has, from the count the database keeps.
    pub async fn counts(db: &Db, organisation_id: i64) -> Result<(i64, i64), AppError> {
        let counts: Option<(i64, i64)> = sqlx::query_as(
            "SELECT members, pending_requests FROM organisation_counts WHERE organisation_id = $1",
        )
        .bind(organisation_id)
        .fetch_optional(db.pool())
        .await?;
        Ok(counts.unwrap_or_default())
    }

    /// One page of members by name. The page is picked from the index on
    /// (landlord, name) alone, then only its 50 people are read.
    pub async fn members(
        db: &Db,
        organisation_id: i64,
        asked: Option<&str>,
    ) -> Result<(Vec<MemberView>, Paging), AppError> {
        let (total, _) = counts(db, organisation_id).await?;
        let paging = Paging::clamp(asked, total);
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT u.id, u.display_name, u.email, m.role FROM \
             (SELECT user_id, role, sort_name FROM memberships WHERE organisation_id = $1 \
              ORDER BY sort_name, user_id LIMIT $2 OFFSET $3) m \
             JOIN users u ON u.id = m.user_id ORDER BY m.sort_name, m.user_id",
        )
        .bind(organisation_id)
        .bind(PAGE_SIZE)
        .bind(paging.offset())
        .fetch_all(db.pool())
        .await?;
        let members = rows
            .into_iter()
            .filter_map(|(user_id, name, email, role)| {
                Some(MemberView {
                    user_id,
                    name,
                    email,
                    role: Role::parse(&role)?,
                })
            })
            .collect();
        Ok((members, paging))
    }

    pub async fn invite(
        state: &AppState,
        organisation_id: i64,
        inviter: &CurrentUser,
        email: &str,
        role: Role,
        source: &str,
    ) -> Result<(), AppError> {
        let token = tokens::new_token();
        let now = Timestamp::now();
        let mut tx = state.db.begin_write().await?;
        let (invitation_id, landlord): (i64, String) = sqlx::query_as(
            "INSERT INTO invitations (organisation_id, email, role, token_hash, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             RETURNING id, (SELECT name FROM organisations WHERE id = $1)",
        )
        .bind(organisation_id)
        .bind(email)
        .bind(role.as_str())
        .bind(tokens::hash_token(&token))
        .bind(inviter.id)
        .bind(now)
        .bind(now.millis() + INVITATION_DAYS * 24 * 3_600_000)
        .fetch_one(&mut *tx)
        .await?;
        let link = state.link(&format!("/invitations/accept?token={token}"));
        mail::enqueue(
            &mut *tx,
            &emails::invitation(email, &landlord, role, &inviter.name, &link),
        )
        .await?;
        audit::record(
            &mut *tx,
            AuditEntry {
                actor_user_id: Some(inviter.id),
                organisation_id: Some(organisation_id),
                action: "invitation_sent",
                subject: format!("invitation:{invitation_id} {email} as {}", role.as_str()),
                source,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    fn invitation_refused() -> AppError {
        AppError::invalid(
            "token",
            "This invitation has expired or has already been used. Ask the person who invited you to send a new one.",
        )
    }

    pub async fn open_invitation(db: &Db, token: &str) -> Result<InvitationView, AppError> {
        if !tokens::looks_like_token(token) {
            return Err(invitation_refused());
        }
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT o.name, i.role, i.email FROM invitations i JOIN organisations o ON o.id = i.organisation_id \
             WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > $2",
        )
        .bind(tokens::hash_token(token))
        .bind(Timestamp::now())
        .fetch_optional(db.pool())
        .await?;
        let (landlord_name, role, email) = row.ok_or_else(invitation_refused)?;
        let has_account: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM users WHERE email = $1 AND deleted_at IS NULL")
                .bind(&email)
                .fetch_optional(db.pool())
                .await?;
        Ok(InvitationView {
            landlord_name,
            role: Role::parse(&role).ok_or_else(invitation_refused)?,
            email,
            needs_name: has_account.is_none(),
        })
    }

    /// Uses an invitation: the invited address's account (created if need
    /// be) gets the role, and is signed in, since the link proves the
    /// person reads that mailbox. Returns (user id, session generation, slug).
    pub async fn accept_invitation(
        db: &Db,
        token: &str,
        name: Option<&str>,
        source: &str,
    ) -> Result<(i64, i64, String), AppError> {
        if !tokens::looks_like_token(token) {
            return Err(invitation_refused());
        }
        let now = Timestamp::now();
        let mut tx = db.begin_write().await?;
        let invitation: Option<(i64, i64, String, String)> = sqlx::query_as(
            "UPDATE invitations SET accepted_at = $1 \
             WHERE token_hash = $2 AND accepted_at IS NULL AND expires_at > $1 \
             RETURNING id, organisation_id, email, role",
        )
        .bind(now)
        .bind(tokens::hash_token(token))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((invitation_id, organisation_id, email, role)) = invitation else {
            return Err(invitation_refused());
        };
        let existing: Option<(i64, i64)> = sqlx::query_as(
            "SELECT id, session_generation FROM users WHERE email = $1 AND deleted_at IS NULL",
        )
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
        let (user_id, generation) = match existing {
            Some(found) => found,
            None => {
                let name = check_display_name(name.unwrap_or_default())?;
                sqlx::query_as(
                    "INSERT INTO users (email, display_name, created_at) VALUES ($1, $2, $3) \
                     RETURNING id, session_generation",
                )
                .bind(&email)
                .bind(name)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        sqlx::query(
            "INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, organisation_id) DO UPDATE SET role = excluded.role",
        )
        .bind(user_id)
        .bind(organisation_id)
        .bind(&role)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE invitations SET accepted_by = $1 WHERE id = $2")
            .bind(user_id)
            .bind(invitation_id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut *tx,
            AuditEntry {
                actor_user_id: Some(user_id),
                organisation_id: Some(organisation_id),
                action: "invitation_accepted",
                subject: format!("invitation:{invitation_id} as {role}"),
                source,
            },
        )
        .await?;
        let (slug,): (String,) = sqlx::query_as("SELECT slug FROM organisations WHERE id = $1")
            .bind(organisation_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((user_id, generation, slug))
    }

    pub async fn change_role(
        db: &Db,
        organisation_id: i64,
        actor_id: i64,
        user_id: i64,
        role: Option<Role>,
        source: &str,
    ) -> Result<(), AppError> {
        let mut tx = db.begin_write().await?;
        let current: Option<(String,)> = sqlx::query_as(
            "SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2",
        )
        .bind(user_id)
        .bind(organisation_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((current,)) = current else {
            return Err(AppError::NotFound);
        };
        if current == "landlord_admin" && role != Some(Role::LandlordAdmin) {
            let (admins,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM memberships WHERE organisation_id = $1 AND role = 'landlord_admin'",
            )
            .bind(organisation_id)
            .fetch_one(&mut *tx)
            .await?;
            if admins <= 1 {
                return Err(AppError::Conflict(
                    "This is the landlord's only administrator. Make someone else an administrator first.".into(),
                ));
            }
        }
        match role {
            Some(role) => {
                sqlx::query(
                    "UPDATE memberships SET role = $1 WHERE user_id = $2 AND organisation_id = $3",
                )
                .bind(role.as_str())
                .bind(user_id)
                .bind(organisation_id)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND organisation_id = $2")
                    .bind(user_id)
                    .bind(organisation_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        audit::record(
            &mut *tx,
            AuditEntry {
                actor_user_id: Some(actor_id),
                organisation_id: Some(organisation_id),
                action: if role.is_some() {
                    "role_changed"
                } else {
                    "member_removed"
                },
                subject: format!(
                    "user:{user_id} {current} -> {}",
                    role.map(Role::as_str).unwrap_or("none")
                ),
                source,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn audit_log(db: &Db, organisation_id: i64) -> Result<Vec<AuditLine>, AppError> {
        let rows: Vec<(Timestamp, Option<String>, String, String, String)> = sqlx::query_as(
            "SELECT a.occurred_at, u.display_name, a.action, a.subject, a.source FROM audit_log a \
             LEFT JOIN users u ON u.id = a.actor_user_id \
             WHERE a.organisation_id = $1 ORDER BY a.occurred_at DESC, a.id DESC LIMIT 500",
        )
        .bind(organisation_id)
        .fetch_all(db.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(when, who, action, subject, source)| AuditLine {
                when: when.to_chrono().format("%-d %b %Y %H:%M UTC").to_string(),
                who: who.unwrap_or_else(|| "(nobody signed in)".into()),
                action: action.replace('_', " "),
                subject,
                source,
            })
            .collect())
    }
}

/// `/landlords/:slug/people`, for the landlord's staff.
#[component]
pub fn PeoplePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let actions = PeopleActions {
        decide: ServerAction::new(),
        invite: ServerAction::new(),
        change_role: ServerAction::new(),
    };
    // Asked again after each change, since the page itself shows the result.
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                query.read().get("page"),
                query.read().get("requests_page"),
                actions.decide.version().get()
                    + actions.invite.version().get()
                    + actions.change_role.version().get(),
            )
        },
        |(slug, page, requests_page, _)| people_page(slug, page, requests_page),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <PeopleView data actions/> }.into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The page's forms, made once so the page can refresh after each.
#[derive(Clone, Copy)]
struct PeopleActions {
    decide: ServerAction<super::joining::DecideJoinRequest>,
    invite: ServerAction<Invite>,
    change_role: ServerAction<ChangeRole>,
}

#[component]
fn PeopleView(data: PeoplePageData, actions: PeopleActions) -> impl IntoView {
    let decide_error = Signal::derive(move || last_error(actions.decide.value().get()));
    let query = use_query_map();
    let invited = move || query.read().get("invited").is_some();
    let slug = data.slug.clone();
    let audit_link = format!("/landlords/{}/audit", data.slug);
    // Each list's links keep the other list where it was.
    let (members_at, requests_at) = (data.members_paging.page, data.requests_paging.page);
    let address = {
        let slug = data.slug.clone();
        move |members: i64, requests: i64, anchor: &str| {
            let mut query = Vec::new();
            if members > 1 {
                query.push(format!("page={members}"));
            }
            if requests > 1 {
                query.push(format!("requests_page={requests}"));
            }
            let query = if query.is_empty() {
                String::new()
            } else {
                format!("?{}", query.join("&"))
            };
            format!("/landlords/{slug}/people{query}#{anchor}")
        }
    };
    let requests_pager = {
        let address = address.clone();
        pager(data.requests_paging, "requests", move |n| {
            address(members_at, n, "requests")
        })
    };
    let members_pager = pager(data.members_paging, "members", move |n| {
        address(n, requests_at, "members")
    });
    view! {
        <Title text=format!("People at {}", data.landlord_name)/>
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <ol>
                <li><a href="/">"All landlords"</a></li>
                <li><a href=format!("/landlords/{}", data.slug)>{data.landlord_name.clone()}</a></li>
                <li aria-current="page">"People"</li>
            </ol>
        </nav>
        <h1>"People at "{data.landlord_name.clone()}</h1>
        {data.can_see_audit_log.then(|| view! { <p><a href=audit_link>"Read the audit log"</a></p> })}

        <h2 id="requests">"Requests to join"</h2>
        <ErrorSummary form="decide" error=decide_error/>
        {if data.requests.is_empty() {
            view! { <p>"No requests are waiting."</p> }.into_any()
        } else {
            view! {
                <p>{data.requests_paging.showing("requests")}</p>
                <ul class="card-list">
                    {data.requests.into_iter().map(|request| view! { <RequestCard slug=slug.clone() request action=actions.decide/> }).collect_view()}
                </ul>
                {requests_pager}
            }.into_any()
        }}

        {(!data.invitable.is_empty()).then(|| view! {
            {move || invited().then(|| view! { <p class="notice" role="status">"Invitation sent."</p> })}
            <InviteForm slug=data.slug.clone() roles=data.invitable.clone() action=actions.invite/>
        })}

        <h2 id="members">"Members"</h2>
        <p>{data.members_paging.showing("members")}</p>
        <MemberTable slug=data.slug.clone() members=data.members can_manage=data.can_manage_members action=actions.change_role/>
        {members_pager}
    }
}

#[component]
fn RequestCard(
    slug: String,
    request: JoinRequestView,
    action: ServerAction<super::joining::DecideJoinRequest>,
) -> impl IntoView {
    let JoinRequestView {
        id,
        name,
        email,
        tenancy_reference,
        asked_on,
    } = request;
    let reason_id = format!("reason-{id}");
    let (slug_a, slug_b) = (slug.clone(), slug);
    let (name_a, name_b, name_c) = (name.clone(), name.clone(), name.clone());
    view! {
        <li class="card">
            <h3>{name}</h3>
            <dl class="facts">
                <dt>"Email"</dt><dd>{email}</dd>
                <dt>"Tenancy reference"</dt><dd>{tenancy_reference}</dd>
                <dt>"Asked on"</dt><dd>{asked_on}</dd>
            </dl>
            <PostForm action>
                <input type="hidden" name="slug" value=slug_a/>
                <input type="hidden" name="request_id" value=id/>
                <input type="hidden" name="decision" value="approve"/>
                <button type="submit" class="button">"Approve "{name_a}</button>
            </PostForm>
            <PostForm action>
                <input type="hidden" name="slug" value=slug_b/>
                <input type="hidden" name="request_id" value=id/>
                <input type="hidden" name="decision" value="decline"/>
                <TextArea form="decline" name="reason" id=reason_id label=format!("Reason for declining {name_b}") hint="The person is sent this reason." rows=3 required=false error=Signal::derive(|| None)/>
                <button type="submit" class="button secondary">"Decline "{name_c}</button>
            </PostForm>
        </li>
    }
}

#[component]
fn InviteForm(slug: String, roles: Vec<Role>, action: ServerAction<Invite>) -> impl IntoView {
    let error = Signal::derive(move || last_error(action.value().get()));
    view! {
        <h2>"Invite someone"</h2>
        <p>"They get an email with a link that works once, for 7 days."</p>
        <ErrorSummary form="invite" error/>
        <PostForm action>
            <input type="hidden" name="slug" value=slug/>
            <Field form="invite" name="email" label="Their email address" kind="email" error/>
            <div class="field">
                <label for="invite-role">"Role"</label>
                <select id="invite-role" name="role">
                    {roles.into_iter().map(|role| view! { <option value=role.as_str()>{role.label()}</option> }).collect_view()}
                </select>
            </div>
            <button type="submit" class="button">"Send invitation"</button>
        </PostForm>
    }
}

#[component]
fn MemberTable(
    slug: String,
    members: Vec<MemberView>,
    can_manage: bool,
    action: ServerAction<ChangeRole>,
) -> impl IntoView {
    let error = Signal::derive(move || last_error(action.value().get()));
    let rows = members
        .into_iter()
        .map(|member| {
            let role_cell = if can_manage {
                view! { <RoleForm action slug=slug.clone() member=member.clone()/> }.into_any()
            } else {
                view! { <span>{member.role.label()}</span> }.into_any()
            };
            view! { <tr><td>{member.name}</td><td>{member.email}</td><td>{role_cell}</td></tr> }
        })
        .collect_view();
    view! {
        <ErrorSummary form="role" error/>
        <table class="data-table">
            <caption class="visually-hidden">"Members and their roles"</caption>
            <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
fn RoleForm(action: ServerAction<ChangeRole>, slug: String, member: MemberView) -> impl IntoView {
    let select_id = format!("role-{}", member.user_id);
    let (name_a, name_b) = (member.name.clone(), member.name);
    let current = member.role;
    view! {
        <PostForm action>
            <input type="hidden" name="slug" value=slug/>
            <input type="hidden" name="user_id" value=member.user_id/>
            <label class="visually-hidden" for=select_id.clone()>"Role of "{name_a}</label>
            <select id=select_id name="role">
                {Role::ALL.into_iter().map(|role| view! {
                    <option value=role.as_str() selected=role == current>{role.label()}</option>
                }).collect_view()}
                <option value="none">"Remove from this landlord"</option>
            </select>
            <button type="submit" class="button small">"Change"<span class="visually-hidden">" role of "{name_b}</span></button>
        </PostForm>
    }
}

/// `/invitations/accept?token=…`
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let details = Resource::new(token, invitation);
    let action = ServerAction::<AcceptInvitation>::new();
    let error = Signal::derive(move || last_error(action.value().get()));
    view! {
        <Title text="Accept an invitation"/>
        <h1>"Accept an invitation"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Err(error) => view! {
                        <div class="error-summary" role="alert">
                            <h2>"This invitation did not work"</h2>
                            <p>{error.to_string()}</p>
                        </div>
                    }.into_any(),
                    Ok(view_data) => view! {
                        <p>"You are invited to join "<strong>{view_data.landlord_name.clone()}</strong>" as "{view_data.role.label().to_lowercase()}", with the email address "<strong>{view_data.email.clone()}</strong>"."</p>
                        <ErrorSummary form="accept" error/>
                        <PostForm action>
                            <input type="hidden" name="token" value=token/>
                            {view_data.needs_name.then(|| view! {
                                <Field form="accept" name="name" label="Your name" hint="Shown beside your comments and proposals." autocomplete="name" error/>
                            })}
                            <button type="submit" class="button">"Accept and sign in"</button>
                        </PostForm>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/landlords/:slug/audit`, for the landlord's administrators.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("slug").unwrap_or_default(),
        audit_log,
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok((landlord_name, lines)) => view! {
                        <Title text=format!("Audit log of {landlord_name}")/>
                        <h1>"Audit log of "{landlord_name}</h1>
                        <p>"Security events at this landlord, newest first: who did what, when, and from which network address."</p>
                        <table class="data-table">
                            <caption class="visually-hidden">"Audit log"</caption>
                            <thead><tr>
                                <th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th>
                                <th scope="col">"About"</th><th scope="col">"From"</th>
                            </tr></thead>
                            <tbody>
                                {lines.into_iter().map(|line| view! {
                                    <tr><td>{line.when}</td><td>{line.who}</td><td>{line.action}</td><td>{line.subject}</td><td>{line.source}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_from_the_address_stay_within_the_list() {
        let page = |asked: &str| Paging::clamp(Some(asked), 200_000).page;
        assert_eq!(Paging::clamp(None, 200_000).pages, 4_000);
        assert_eq!((page("2"), page(" 3 "), page("4000")), (2, 3, 4_000));
        assert_eq!(
            (page("4001"), page("99999999999999999999999")),
            (4_000, 4_000)
        );
        assert_eq!((page("0"), page("-5"), page("two"), page("")), (1, 1, 1, 1));
        assert_eq!(
            Paging::clamp(Some("7"), 0).page,
            1,
            "an empty list has one page"
        );
        let second = Paging::clamp(Some("2"), 200_000);
        assert_eq!(second.offset(), 50);
        assert_eq!(
            second.showing("members"),
            "Showing 51 to 100 of 200,000 members"
        );
        assert_eq!(
            Paging::clamp(Some("3"), 126).showing("members"),
            "Showing 101 to 126 of 126 members"
        );
    }

    #[test]
    fn numbers_are_grouped_in_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(200_002), "200,002");
        assert_eq!(grouped(-1_234_567), "-1,234,567");
    }
}
