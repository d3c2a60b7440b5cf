//! The pieces every page is made of, below every slice: the error pages,
//! form widgets, paging, the history of a changed answer, breadcrumbs, the
//! style sheet's address and the scripts for islands. This layer imports
//! no slice; the page shell and the route table are in `crate::routes`.
pub mod confirmation;
mod errors;
pub mod forms;
pub mod history;
mod pages;
pub mod paging;

#[cfg(feature = "ssr")]
pub use confirmation::confirm;
pub use confirmation::{take_confirmation, Confirmation, ConfirmationBanner};
pub use errors::{ErrorPage, NotFoundPage};
pub use pages::AboutPage;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const SITE_NAME: &str = "Tenant Voice";

/// The page's Content-Security-Policy: scripts only from this site or with
/// this page's nonce (the hydration script Leptos writes carries it), so
/// markup that slipped into a page still could not run. WebAssembly needs
/// 'wasm-unsafe-eval' to compile; nothing else is loosened.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

#[cfg(feature = "ssr")]
pub fn send_content_security_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(policy) = http::HeaderValue::from_str(&content_security_policy(&nonce.to_string())) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, policy);
    }
}

/// The address of the site's style sheet. Release builds name their files
/// by their content (`tenant_voice.<hash>.css`, listed in the hash file
/// beside the binary), so a browser may keep them for a year.
pub fn stylesheet_href() -> String {
    // Not `app_state()`: the route list is drawn once at start without the
    // state, and that is no error worth logging.
    #[cfg(feature = "ssr")]
    if let Some(state) = use_context::<crate::state::AppState>() {
        return asset_href(&state.leptos_options, "css");
    }
    "/pkg/tenant_voice.css".to_string()
}

/// `/pkg/<output name>[.<hash>].<kind>` for the built file of `kind`
/// ("css", "js" or "wasm"), as cargo-leptos named it.
#[cfg(feature = "ssr")]
pub fn asset_href(options: &leptos::config::LeptosOptions, kind: &str) -> String {
    // The file belongs to the binary, so it is read once per process.
    static HASHES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hashes = HASHES.get_or_init(|| {
        std::env::current_exe()
            .ok()
            .and_then(|exe| {
                let file = exe.parent()?.join(options.hash_file.as_ref());
                std::fs::read_to_string(file).ok()
            })
            .unwrap_or_default()
    });
    let hash = options
        .hash_files
        .then(|| {
            hashes.lines().find_map(|line| {
                let (name, hash) = line.split_once(':')?;
                (name.trim() == kind).then(|| hash.trim().to_string())
            })
        })
        .flatten();
    match hash {
        Some(hash) => format!(
            "/{}/{}.{hash}.{kind}",
            options.site_pkg_dir, options.output_name
        ),
        None => format!("/{}/{}.{kind}", options.site_pkg_dir, options.output_name),
    }
}

/// The scripts that bring a page's islands to life. Every page is complete
/// HTML without them, so only a page with an island carries them (a few
/// kilobytes of JavaScript and the islands' WebAssembly); the rest send
/// none. Put it once on the page, beside its island.
#[component]
pub fn IslandScripts() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::state::AppState>().map(|state| {
            view! { <HydrationScripts options=state.leptos_options islands=true/> }
        })
    }
    #[cfg(not(feature = "ssr"))]
    {}
}

/// A page's data once it has loaded, shown by `show`, or the error page.
/// The server waits for it before sending the page, so it arrives whole.
pub fn loaded<T, V, F>(data: Resource<Result<T, AppError>>, show: F) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + for<'de> Deserialize<'de> + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Copy + Send + Sync + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => show(data).into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Where this page sits: "All landlords", then `trail` as (address, name)
/// links, then the current page.
#[component]
pub fn Breadcrumb(trail: Vec<(String, String)>, current: String) -> impl IntoView {
    view! {
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <ol>
                <li><a href="/">"All landlords"</a></li>
                {trail.into_iter().map(|(href, name)| view! { <li><a href=href>{name}</a></li> }).collect_view()}
                <li aria-current="page">{current}</li>
            </ol>
        </nav>
    }
}

/// Page titles come from what people typed (a proposal's title, say), and
/// the server writes the title element without escaping it, so "</title>"
/// in a name could open a script. Angle brackets become look-alikes that
/// cannot end the element; the same on server and browser, so hydration
/// agrees.
pub fn inert_title(text: &str) -> String {
    text.replace('<', "\u{2039}").replace('>', "\u{203a}")
}
