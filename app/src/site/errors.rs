use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;

/// Sets the status of the response being rendered on the server.
fn set_status(_status: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(options), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(_status),
    ) {
        options.set_status(status);
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Page not found"/>
        <h1>"Page not found"</h1>
        <p>"We could not find that page. It may have moved, or the address may be mistyped."</p>
        <p><a href="/">"Go to the list of landlords"</a></p>
    }
}

/// Shows an error in place of a page, with the matching status code.
#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_status(error.status().as_u16());
    match error {
        AppError::NotFound => view! { <NotFoundPage/> }.into_any(),
        AppError::NotSignedIn => view! {
            <Title text="Please sign in"/>
            <h1>"Please sign in"</h1>
            <p>"You need to sign in to see this page."</p>
            <p><a href="/sign-in" class="button">"Sign in"</a></p>
        }
        .into_any(),
        AppError::Forbidden => view! {
            <Title text="Not allowed"/>
            <h1>"You cannot see this page"</h1>
            <p>"Your account does not have permission to see this page. If you think it should, ask your landlord's administrator."</p>
            <p><a href="/">"Go to the list of landlords"</a></p>
        }
        .into_any(),
        other => view! {
            <Title text="Something went wrong"/>
            <h1>"Sorry, something went wrong"</h1>
            <p>{other.to_string()}</p>
            <p><a href="/">"Go to the list of landlords"</a></p>
        }
        .into_any(),
    }
}
