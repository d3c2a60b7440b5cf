//! `/account`: the signed-in person's own page.
use leptos::prelude::*;
use leptos_meta::Title;

use super::{sign_in::SignOutEverywhere, CurrentUser};
use crate::{error::AppError, site::ErrorPage};

#[server]
pub async fn my_account() -> Result<CurrentUser, AppError> {
    super::session::require_user().await
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let account = Resource::new(|| (), |_| my_account());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(user) => view! { <AccountView user/> }.into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AccountView(user: CurrentUser) -> impl IntoView {
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    view! {
        <Title text="Your account"/>
        <h1>"Your account"</h1>
        <dl class="facts">
            <dt>"Name"</dt><dd>{user.name.clone()}</dd>
            <dt>"Email"</dt><dd>{user.email.clone()}</dd>
        </dl>
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
                                    <p><a href=format!("/landlords/{}/people", membership.slug)>"People and requests to join at "{membership.organisation_name.clone()}</a></p>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <h2>"Signing out"</h2>
        <p>"If you signed in on a computer or phone you no longer use, or one that is shared, you can sign out everywhere at once, including here."</p>
        <ActionForm action=everywhere>
            <button type="submit" class="button secondary">"Sign out of every device"</button>
        </ActionForm>
    }
}
