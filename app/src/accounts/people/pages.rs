//! The people page and its forms, the page for accepting an invitation,
//! and the audit log page.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    audit_log, invitation, people_page, AcceptInvitation, ChangeRole, InvitationStep, Invite,
    MemberView, PendingInvitation, PeoplePageData, WithdrawInvitation,
};
use crate::{
    accounts::joining::{DecideJoinRequest, JoinRequestView},
    identity::Role,
    site::{
        forms::{last_error, ErrorSummary, Field, PostForm, TextArea},
        paging::pager,
        ErrorPage,
    },
};

/// `/landlords/:slug/people`, for the landlord's staff.
#[component]
pub fn PeoplePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let actions = PeopleActions {
        decide: ServerAction::new(),
        invite: ServerAction::new(),
        change_role: ServerAction::new(),
        withdraw: ServerAction::new(),
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
                    + actions.change_role.version().get()
                    + actions.withdraw.version().get(),
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
    decide: ServerAction<DecideJoinRequest>,
    invite: ServerAction<Invite>,
    change_role: ServerAction<ChangeRole>,
    withdraw: ServerAction<WithdrawInvitation>,
}

#[component]
fn PeopleView(data: PeoplePageData, actions: PeopleActions) -> impl IntoView {
    let decide_error = Signal::derive(move || last_error(actions.decide.value().get()));
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
            <InviteForm slug=data.slug.clone() roles=data.invitable.clone() action=actions.invite/>
            <InvitationList slug=data.slug.clone() invitations=data.invitations.clone() action=actions.withdraw/>
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
    action: ServerAction<DecideJoinRequest>,
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

/// The invitations waiting to be used, each with a button to withdraw it.
#[component]
fn InvitationList(
    slug: String,
    invitations: Vec<PendingInvitation>,
    action: ServerAction<WithdrawInvitation>,
) -> impl IntoView {
    let error = Signal::derive(move || last_error(action.value().get()));
    let rows = invitations
        .into_iter()
        .map(|invitation| {
            let slug = slug.clone();
            let (id, email) = (invitation.id, invitation.email.clone());
            let withdraw = invitation.can_withdraw.then(move || {
                view! {
                    <PostForm action>
                        <input type="hidden" name="slug" value=slug/>
                        <input type="hidden" name="invitation_id" value=id/>
                        <button type="submit" class="button small secondary">"Withdraw"<span class="visually-hidden">{format!(" the invitation to {email}")}</span></button>
                    </PostForm>
                }
            });
            view! {
                <tr>
                    <td>{invitation.email}</td>
                    <td>{invitation.role.label()}</td>
                    <td>{invitation.invited_by}</td>
                    <td>{invitation.sent_on}</td>
                    <td>{invitation.ends_on}</td>
                    <td>{withdraw}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <h2 id="invitations">"Invitations waiting"</h2>
        <ErrorSummary form="withdraw" error/>
        {if rows.is_empty() {
            view! { <p>"No invitations are waiting to be used."</p> }.into_any()
        } else {
            view! {
                <table class="data-table">
                    <caption class="visually-hidden">"Invitations waiting to be used"</caption>
                    <thead><tr>
                        <th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Sent by"</th>
                        <th scope="col">"Sent on"</th><th scope="col">"Works until"</th><th scope="col"><span class="visually-hidden">"Withdraw"</span></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }.into_any()
        }}
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
                    Ok(view_data) => {
                        let intro = view! {
                            <p>"You are invited to join "<strong>{view_data.landlord_name.clone()}</strong>" as "{view_data.role.label().to_lowercase()}", with the email address "<strong>{view_data.email.clone()}</strong>"."</p>
                        };
                        let next = match view_data.step {
                            InvitationStep::SignInFirst => view! {
                                <p class="notice">"This address already has an account. "<a href="/sign-in">"Sign in as usual"</a>", then open the invitation link from your email again to accept it."</p>
                            }.into_any(),
                            InvitationStep::WrongAccount => view! {
                                <p class="notice">"You are signed in to a different account. Sign out, sign in with the address the invitation was sent to, then open the link again."</p>
                            }.into_any(),
                            step => {
                                let new_account = step == InvitationStep::NewAccount;
                                view! {
                                    <ErrorSummary form="accept" error/>
                                    <PostForm action signs_in=true>
                                        <input type="hidden" name="token" value=token/>
                                        {new_account.then(|| view! {
                                            <Field form="accept" name="name" label="Your name" hint="Shown beside your comments and proposals." autocomplete="name" error/>
                                        })}
                                        <button type="submit" class="button">{if new_account { "Accept and sign in" } else { "Accept the invitation" }}</button>
                                    </PostForm>
                                }.into_any()
                            }
                        };
                        view! { {intro}{next} }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// `/landlords/:slug/audit`, for the landlord's administrators.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                query.read().get("page"),
            )
        },
        |(slug, page)| audit_log(slug, page),
    );
    let slug = move || params.read().get("slug").unwrap_or_default();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok((landlord_name, lines, paging)) => {
                        let slug = slug();
                        let pages = pager(paging, "the audit log", move |n| format!("/landlords/{slug}/audit?page={n}"));
                        view! {
                        <Title text=format!("Audit log of {landlord_name}")/>
                        <h1>"Audit log of "{landlord_name}</h1>
                        <p>"Security events at this landlord, newest first: who did what, when, and from which network address."</p>
                        <p>{paging.showing("events")}</p>
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
                        {pages}
                    }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
