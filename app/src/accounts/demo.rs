//! Demo mode only: the demo personas, each one click away from signing in,
//! so a newcomer can try every role. With demo mode off the page is a 404
//! and the server refuses the sign-in endpoint before it runs.
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::identity::Role;
use crate::{
    error::AppError,
    site::{forms::PostForm, ErrorPage},
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Persona {
    pub name: String,
    pub email: String,
    pub is_platform_admin: bool,
    /// (landlord name, role) pairs.
    pub roles: Vec<(String, Role)>,
}

#[server]
pub async fn demo_personas() -> Result<Vec<Persona>, AppError> {
    let state = crate::state::app_state()?;
    if !state.demo {
        return Err(AppError::NotFound);
    }
    let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT id, display_name, email, is_platform_admin FROM users \
         WHERE email LIKE '%@example.org' AND deleted_at IS NULL ORDER BY is_platform_admin, display_name",
    )
    .fetch_all(state.db.pool())
    .await?;
    let mut personas = Vec::with_capacity(rows.len());
    for (id, name, email, admin) in rows {
        let roles = crate::identity::session::memberships_of(&state.db, id)
            .await?
            .into_iter()
            .map(|m| (m.organisation_name, m.role))
            .collect();
        personas.push(Persona {
            name,
            email,
            is_platform_admin: admin == 1,
            roles,
        });
    }
    Ok(personas)
}

#[server]
pub async fn demo_sign_in(email: String) -> Result<(), AppError> {
    let state = crate::state::app_state()?;
    if !state.demo {
        return Err(AppError::NotFound);
    }
    let email = super::normalise_email(&email)?;
    // Only the invented people can be signed into this way.
    if !email.ends_with("@example.org") {
        return Err(AppError::NotFound);
    }
    let user: Option<(i64, i64)> = sqlx::query_as(
        "SELECT id, session_generation FROM users WHERE email = $1 AND deleted_at IS NULL",
    )
    .bind(&email)
    .fetch_optional(state.db.pool())
    .await?;
    let (user_id, generation) = user.ok_or(AppError::NotFound)?;
    let source = crate::identity::session::client_address().await;
    crate::audit::record(
        state.db.pool(),
        crate::audit::AuditEntry {
            actor_user_id: Some(user_id),
            organisation_id: None,
            action: "signed_in",
            subject: format!("user:{user_id} (demo persona)"),
            source: &source,
        },
    )
    .await?;
    crate::identity::session::start(user_id, generation, false).await?;
    crate::site::confirm("You are signed in as this demo person.");
    leptos_axum::redirect("/account");
    Ok(())
}

/// `/demo`: the personas, with a sign-in button each.
#[component]
pub fn DemoPage() -> impl IntoView {
    let personas = Resource::new(|| (), |_| demo_personas());
    let action = ServerAction::<DemoSignIn>::new();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match personas.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(personas) => view! {
                        <Title text="Try the demo as someone else"/>
                        <h1>"Try the demo as someone else"</h1>
                        <p>"These invented people hold every role. Choose one to sign in as them: no email needed, in demo mode only."</p>
                        <ul class="card-list">
                            {personas.into_iter().map(|persona| view! {
                                <li class="card">
                                    <h2 class="card-title">{persona.name.clone()}</h2>
                                    <ul>
                                        {persona.is_platform_admin.then(|| view! { <li>"Platform administrator"</li> })}
                                        {persona.roles.into_iter().map(|(landlord, role)| view! {
                                            <li>{role.label()}" at "{landlord}</li>
                                        }).collect_view()}
                                    </ul>
                                    <PostForm action signs_in=true>
                                        <input type="hidden" name="email" value=persona.email.clone()/>
                                        <button type="submit" class="button">"Sign in as "{persona.name}</button>
                                    </PostForm>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
