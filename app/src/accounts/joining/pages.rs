//! The page for asking to join a landlord, or seeing where a request
//! stands. (Staff decide requests on the people page.)
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{join_page, JoinPageData, JoinStatus, RequestToJoin};
use crate::site::{
    forms::{last_error, ErrorSummary, Field, PostForm},
    ErrorPage,
};

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
