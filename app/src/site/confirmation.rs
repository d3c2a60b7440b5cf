//! "Your comment is posted": the short confirmation at the top of the page
//! an action lands on. A server function that has done what was asked
//! calls `confirm`; the confirmation travels in a short-lived cookie across
//! the redirect that follows every form post, and the next page the server
//! draws shows it once, in a status region and in the page's title, so a
//! screen reader hears it as the page opens. It needs no JavaScript.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The cookie a confirmation waits in between the form post and the page
/// it redirects to. Read and cleared by the next page drawn.
pub const DONE_COOKIE: &str = "tenant_voice_done";

/// What was done, in a sentence, with an optional link to what it made
/// ("Go to your comment").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub text: String,
    pub link: Option<(String, String)>,
}

impl Confirmation {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            link: None,
        }
    }

    /// A link on this site only: `href` must be a path on the portal.
    pub fn with_link(mut self, href: impl Into<String>, label: impl Into<String>) -> Self {
        let href = href.into();
        if is_local(&href) {
            self.link = Some((href, label.into()));
        }
        self
    }
}

fn is_local(href: &str) -> bool {
    href.starts_with('/') && !href.starts_with("//") && !href.contains('\\')
}

#[cfg(feature = "ssr")]
impl Confirmation {
    pub fn encode(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(text: &str) -> Option<Self> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .ok()?;
        let confirmation: Self = serde_json::from_slice(&bytes).ok()?;
        // A cookie is the browser's to change: keep its link on this site.
        let link = confirmation.link.filter(|(href, _)| is_local(href));
        Some(Self {
            link,
            ..confirmation
        })
    }
}

/// Says, on the page this action lands on, that it worked. Call it once the
/// change is saved, just before the server function returns.
#[cfg(feature = "ssr")]
pub fn confirm(confirmation: impl Into<Confirmation>) {
    let confirmation = confirmation.into();
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let secure = use_context::<crate::state::AppState>()
        .is_some_and(|state| state.base_url.starts_with("https://"));
    if let Some(value) = confirmation.cookie(secure) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

#[cfg(feature = "ssr")]
impl Confirmation {
    /// The Set-Cookie header that carries it to the next page, for the few
    /// routes written outside Leptos (uploads).
    pub fn cookie(&self, secure: bool) -> Option<http::HeaderValue> {
        http::HeaderValue::from_str(&format!(
            "{DONE_COOKIE}={}; Path=/; Max-Age=120; HttpOnly; SameSite=Lax{}",
            self.encode(),
            if secure { "; Secure" } else { "" }
        ))
        .ok()
    }
}

impl From<&str> for Confirmation {
    fn from(text: &str) -> Self {
        Confirmation::new(text)
    }
}

impl From<String> for Confirmation {
    fn from(text: String) -> Self {
        Confirmation::new(text)
    }
}

/// The confirmation waiting for this page, if an action just landed here.
/// Taking it clears its cookie, so it shows once. Only on the server.
pub fn take_confirmation() -> Option<Confirmation> {
    #[cfg(feature = "ssr")]
    {
        let parts = use_context::<http::request::Parts>()?;
        let confirmation = parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(key, _)| *key == DONE_COOKIE)
            .map(|(_, value)| Confirmation::decode(value));
        let confirmation = confirmation?;
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(clear) = http::HeaderValue::from_str(&format!(
                "{DONE_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
            )) {
                response.append_header(http::header::SET_COOKIE, clear);
            }
        }
        confirmation
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// The confirmation at the top of the page: a status region, so assistive
/// technology announces it, focusable so a keyboard starts from it.
#[component]
pub fn ConfirmationBanner(confirmation: Option<Confirmation>) -> impl IntoView {
    confirmation.map(|confirmation| {
        view! {
            <div class="confirmation" role="status" id="confirmation" tabindex="-1">
                <p>
                    <span class="confirmation-tick" aria-hidden="true">"✓ "</span>
                    {confirmation.text}
                    {confirmation.link.map(|(href, label)| view! { " "<a href=href>{label}</a> })}
                </p>
            </div>
        }
    })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn a_confirmation_survives_its_cookie_and_keeps_links_on_the_site() {
        let done = Confirmation::new("Your comment is posted.").with_link("/a#c-1", "See it");
        assert_eq!(Confirmation::decode(&done.encode()), Some(done));
        let outside = Confirmation::new("x").with_link("https://example.com", "Go");
        assert_eq!(outside.link, None);
        let forged = Confirmation {
            text: "x".into(),
            link: Some(("//example.com".into(), "Go".into())),
        };
        assert_eq!(Confirmation::decode(&forged.encode()).unwrap().link, None);
        assert_eq!(Confirmation::decode("not base64!"), None);
    }
}
