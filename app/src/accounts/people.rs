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
    pub members: Vec<MemberView>,
    /// Roles this person may invite into.
    pub invitable: Vec<Role>,
    pub can_manage_members: bool,
    pub can_see_audit_log: bool,
}

#[server]
pub async fn people_page(slug: String) -> Result<PeoplePageData, AppError> {
    use crate::permissions::{allows, require, Action};
    let state = crate::state::app_state()?;
    let (organisation_id, landlord_name) =
        crate::landlords::queries::identify(&state.db, &slug).await?;
    let user = super::session::current_user().await?;
    require(user.as_ref(), Action::SeeMembers, organisation_id)?;
    let user = user.as_ref();
    let requests = if allows(user, Action::ReviewJoinRequests, organisation_id) {
        super::joining::queries::pending(&state.db, organisation_id).await?
    } else {
        Vec::new()
    };
    Ok(PeoplePageData {
        landlord_name,
        slug,
        requests,
        members: queries::members(&state.db, organisation_id).await?,
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
    use super::{AuditLine, InvitationView, MemberView, INVITATION_DAYS};
    use crate::{
        accounts::{check_display_name, emails, tokens, CurrentUser, Role},
        audit::{self, AuditEntry},
        error::AppError,
        mail,
        state::{AppState, Db},
        time::Timestamp,
    };

    pub async fn members(db: &Db, organisation_id: i64) -> Result<Vec<MemberView>, AppError> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT u.id, u.display_name, u.email, m.role FROM memberships m \
             JOIN users u ON u.id = m.user_id WHERE m.organisation_id = $1 \
             ORDER BY u.display_name, u.id",
        )
        .bind(organisation_id)
        .fetch_all(db.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(user_id, name, email, role)| {
                Some(MemberView {
                    user_id,
                    name,
                    email,
                    role: Role::parse(&role)?,
                })
            })
            .collect())
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
                actions.decide.version().get()
                    + actions.invite.version().get()
                    + actions.change_role.version().get(),
            )
        },
        |(slug, _)| people_page(slug),
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

        <h2>"Requests to join"</h2>
        <ErrorSummary form="decide" error=decide_error/>
        {if data.requests.is_empty() {
            view! { <p>"No requests are waiting."</p> }.into_any()
        } else {
            view! {
                <ul class="card-list">
                    {data.requests.into_iter().map(|request| view! { <RequestCard slug=slug.clone() request action=actions.decide/> }).collect_view()}
                </ul>
            }.into_any()
        }}

        {(!data.invitable.is_empty()).then(|| view! {
            {move || invited().then(|| view! { <p class="notice" role="status">"Invitation sent."</p> })}
            <InviteForm slug=data.slug.clone() roles=data.invitable.clone() action=actions.invite/>
        })}

        <h2>"Members"</h2>
        <MemberTable slug=data.slug.clone() members=data.members can_manage=data.can_manage_members action=actions.change_role/>
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
