use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{find_landlord, list_landlords, Landlord};
use crate::site::ErrorPage;

/// The landlords hosted here, as a list of links.
#[component]
pub fn LandlordList() -> impl IntoView {
    let landlords = Resource::new(|| (), |_| list_landlords());
    view! {
        <Suspense fallback=|| view! { <p>"Loading landlords…"</p> }>
            {move || Suspend::new(async move {
                match landlords.await {
                    Ok(list) if list.is_empty() => view! {
                        <p>"No landlords have joined this portal yet."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="card-list">
                            {list.into_iter().map(|landlord| view! { <LandlordCard landlord/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn LandlordCard(landlord: Landlord) -> impl IntoView {
    let href = format!("/landlords/{}", landlord.slug);
    view! {
        <li class="card">
            <h3><a href=href>{landlord.name}</a></h3>
            <p>{landlord.summary}</p>
        </li>
    }
}

/// A landlord's own home page.
#[component]
pub fn LandlordPage() -> impl IntoView {
    let params = use_params_map();
    let landlord = Resource::new(
        move || params.read().get("slug").unwrap_or_default(),
        find_landlord,
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match landlord.await {
                    Ok(landlord) => view! { <LandlordHome landlord/> }.into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn LandlordHome(landlord: Landlord) -> impl IntoView {
    view! {
        <Title text=landlord.name.clone()/>
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <ol>
                <li><a href="/">"All landlords"</a></li>
                <li aria-current="page">{landlord.name.clone()}</li>
            </ol>
        </nav>
        <h1>{landlord.name}</h1>
        <p class="lead">{landlord.summary}</p>
        <div class="sections">
            <Section
                id="commitments"
                title="Commitments"
                link=(format!("/landlords/{}/commitments", landlord.slug), "See what was promised and the verdicts")
                about="What the landlord has promised its tenants, commitment by commitment, with the landlord's and the tenant panel's verdicts side by side."
            />
            <Section
                id="performance"
                title="Performance"
                link=(format!("/landlords/{}/performance", landlord.slug), "See how the landlord is doing")
                about="How the landlord is doing against its promises: the Tenant Satisfaction Measures and its own measures, with targets and trends."
            />
            <Section
                id="scrutiny"
                title="Scrutiny"
                link=(format!("/landlords/{}/scrutiny", landlord.slug), "Propose and vote on topics")
                about="Topics residents have proposed and voted on, the panel's reports and recommendations, and what the landlord said and did next."
            />
            <Section
                id="reviews"
                title="Annual reviews"
                link=(format!("/landlords/{}/annual-reviews", landlord.slug), "Read the annual reviews")
                about="The yearly progress review written by tenants and frontline staff together, with the landlord's response."
            />
        </div>
    }
}

#[component]
fn Section(
    id: &'static str,
    title: &'static str,
    about: &'static str,
    /// Where the section's pages are, once the feature exists.
    #[prop(optional)]
    link: Option<(String, &'static str)>,
) -> impl IntoView {
    let heading_id = format!("{id}-heading");
    let labelled_by = heading_id.clone();
    view! {
        <section class="section-card" id=id aria-labelledby=labelled_by>
            <h2 id=heading_id>{title}</h2>
            <p>{about}</p>
            {match link {
                Some((href, text)) => view! { <p><a href=href>{text}</a></p> }.into_any(),
                None => view! { <p class="empty">"Nothing has been published here yet."</p> }.into_any(),
            }}
        </section>
    }
}

/// The home page: what the portal is for, and the landlords on it.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=""/>
        <h1>"Hold your landlord to its promises"</h1>
        <p class="lead">
            "See what your landlord promised, how it is doing against those promises, "
            "which problems tenants chose to look into, and what the landlord said and did next. "
            "Everything here can be read without an account."
        </p>
        <h2>"Landlords on this portal"</h2>
        <LandlordList/>
    }
}
