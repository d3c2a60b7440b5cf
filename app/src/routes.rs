//! The top of the app: the HTML document, the header and footer every page
//! shares, and the route table that names each slice's pages. Nothing in
//! the app imports this module; the server does.
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};
use serde::{Deserialize, Serialize};

use crate::{
    accounts::{
        account::{AccountDeletedPage, AccountPage, ConfirmEmailPage},
        demo::DemoPage,
        joining::JoinPage,
        people::{AcceptInvitationPage, AuditLogPage, PeoplePage},
        sign_in::{
            CheckEmailPage, RegisterPage, SignInLinkPage, SignInPage, SignOutButton, SignedOutPage,
        },
    },
    annual_reviews::{AnnualReviewPage, AnnualReviewsPage, SectionHistoryPage, SectionPage},
    charter::{CommitmentPage, CommitmentsPage},
    comments::{CommentPage, ReportedCommentsPage},
    error::AppError,
    landlords::{HomePage, LandlordPage},
    performance::{
        imports::{ImportPage, ImportResultPage},
        manage::ManagePage,
        ComparePage, DashboardPage, MeasurePage,
    },
    scrutiny::{
        reviews::{RecommendationPage, ReviewPage, WhatHappenedNextPage},
        NewRoundPage, ProposalPage, ProposePage, RoundPage, ScrutinyPage,
    },
    site::{
        inert_title, stylesheet_href, take_confirmation, AboutPage, ConfirmationBanner,
        NotFoundPage, SITE_NAME,
    },
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: leptos::config::LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::site::send_content_security_policy();
    // Nothing outside an island is hydrated, so nothing outside one is
    // written into the page for the browser (islands turn this back on).
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    // The scripts come only with a page that has an island: see `IslandScripts`.
    let _ = options;
    view! {
        <!DOCTYPE html>
        <html lang="en-GB">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="description" content="See what your landlord promised, how it is doing, and what tenants asked it to change."/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Every page waits for its data before the server sends it, so the
    // status code is right and the page is complete without JavaScript.
    let ssr = || SsrMode::Async;
    // What the last action did, said first in the title (which a screen
    // reader reads as the page opens) and at the top of the page.
    let done = take_confirmation();
    let done_in_title = done.as_ref().map(|done| inert_title(&done.text));
    view! {
        <Stylesheet id="leptos" href=stylesheet_href()/>
        <Title formatter=move |title: String| {
            let title = inert_title(&title);
            let title = if title.is_empty() { SITE_NAME.to_string() } else { format!("{title} · {SITE_NAME}") };
            match &done_in_title {
                Some(done) => format!("{done} · {title}"),
                None => title,
            }
        }/>
        <Router>
            <a class="skip-link" href="#main">"Skip to main content"</a>
            <SiteHeader/>
            <main id="main" tabindex="-1">
                <ConfirmationBanner confirmation=done/>
                <Routes fallback=|| view! { <NotFoundPage/> }>
                    <Route path=path!("") view=HomePage ssr=ssr()/>
                    <Route path=path!("/about") view=AboutPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug") view=LandlordPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/join") view=JoinPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/people") view=PeoplePage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/audit") view=AuditLogPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/commitments") view=CommitmentsPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/commitments/:id") view=CommitmentPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/performance") view=DashboardPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/performance/import") view=ImportPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/performance/import/:id") view=ImportResultPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/performance/manage") view=ManagePage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/performance/:code") view=MeasurePage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/scrutiny") view=ScrutinyPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/scrutiny/propose") view=ProposePage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/scrutiny/proposals/:id") view=ProposalPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/scrutiny/rounds/new") view=NewRoundPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/scrutiny/rounds/:id") view=RoundPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/scrutiny/reviews/:id") view=ReviewPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/scrutiny/recommendations/:id") view=RecommendationPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/scrutiny/what-happened-next") view=WhatHappenedNextPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/comments/reported") view=ReportedCommentsPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/annual-reviews") view=AnnualReviewsPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/annual-reviews/:year") view=AnnualReviewPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/annual-reviews/:year/sections/:id") view=SectionPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/annual-reviews/:year/sections/:id/history") view=SectionHistoryPage ssr=ssr()/>
                    <Route path=path!("/landlords/:slug/comments/:id") view=CommentPage ssr=ssr()/>
                    <Route path=path!("/compare") view=ComparePage ssr=ssr()/>
                    <Route path=path!("/compare/:code") view=ComparePage ssr=ssr()/>
                    <Route path=path!("/sign-in") view=SignInPage ssr=ssr()/>
                    <Route path=path!("/sign-in/check-email") view=CheckEmailPage ssr=ssr()/>
                    <Route path=path!("/sign-in/link") view=SignInLinkPage ssr=ssr()/>
                    <Route path=path!("/signed-out") view=SignedOutPage ssr=ssr()/>
                    <Route path=path!("/register") view=RegisterPage ssr=ssr()/>
                    <Route path=path!("/account") view=AccountPage ssr=ssr()/>
                    <Route path=path!("/account/confirm-email") view=ConfirmEmailPage ssr=ssr()/>
                    <Route path=path!("/account-deleted") view=AccountDeletedPage ssr=ssr()/>
                    <Route path=path!("/invitations/accept") view=AcceptInvitationPage ssr=ssr()/>
                    <Route path=path!("/demo") view=DemoPage ssr=ssr()/>
                </Routes>
            </main>
            <SiteFooter/>
        </Router>
    }
}

/// Facts every page may show: whether this is the demo, and who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInfo {
    pub demo: bool,
    pub signed_in_as: Option<String>,
}

#[server]
pub async fn load_site_info() -> Result<SiteInfo, AppError> {
    let state = crate::state::app_state()?;
    let user = crate::identity::session::current_user().await?;
    Ok(SiteInfo {
        demo: state.demo,
        signed_in_as: user.map(|user| user.name),
    })
}

#[component]
fn SiteHeader() -> impl IntoView {
    // Asked again on every navigation, so signing in or out shows at once.
    let location = leptos_router::hooks::use_location();
    let info = Resource::new(move || location.pathname.get(), |_| load_site_info());
    view! {
        <header class="site-header">
            <Suspense>
                {move || Suspend::new(async move {
                    info.await.ok().filter(|info| info.demo).map(|_| view! {
                        <p class="demo-banner">
                            <strong>"Demo portal."</strong>" "
                            <span class="demo-more">"Every landlord, person and figure here is invented. "</span>
                            "Nothing here is real. "
                            <a href="/demo">"Try it as someone else"</a>
                        </p>
                    })
                })}
            </Suspense>
            <div class="header-inner">
                <a class="site-name" href="/">{SITE_NAME}</a>
                <nav aria-label="Main">
                    <ul>
                        <li><a href="/">"Landlords"</a></li>
                        <li><a href="/about">"About"</a></li>
                        <Suspense fallback=|| view! { <li><a href="/sign-in">"Sign in"</a></li> }>
                            {move || Suspend::new(async move {
                                match info.await.ok().and_then(|info| info.signed_in_as) {
                                    Some(name) => view! {
                                        <li><a href="/account">"Your account"<span class="visually-hidden">" ("{name}")"</span></a></li>
                                        <li><SignOutButton/></li>
                                    }.into_any(),
                                    None => view! { <li><a href="/sign-in">"Sign in"</a></li> }.into_any(),
                                }
                            })}
                        </Suspense>
                    </ul>
                </nav>
            </div>
        </header>
    }
}

#[component]
fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>
                {SITE_NAME}
                " is open-source software where tenants see what their landlord promised, how it is doing, and what happened next."
            </p>
            <p><a href="/about">"About this portal and accessibility"</a></p>
        </footer>
    }
}
