//! The few small pages the server writes itself, outside Leptos: refusals
//! before a request reaches the app (too large, from another site), the
//! upload handlers' error pages, and the last resort when rendering panics.
use std::sync::OnceLock;

use axum::{
    body::Body,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

/// The built style sheet's address (hashed in release builds).
static STYLESHEET: OnceLock<String> = OnceLock::new();

/// Sets the style sheet's address once, when the router is built.
pub fn use_stylesheet(href: String) {
    let _ = STYLESHEET.set(href);
}

/// The last resort when rendering panics: a plain page that still helps.
pub fn server_error_page() -> Response<Body> {
    tracing::error!("a request panicked; the friendly error page was sent");
    plain_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Sorry, something went wrong",
        "<p>Nothing was saved. Please try again in a few minutes.</p>\
         <p><a href=\"/\">Go to the list of landlords</a></p>",
    )
}

/// A minimal page in the site's style, for answers given outside Leptos.
pub fn plain_page(status: StatusCode, title: &str, body_html: &str) -> Response<Body> {
    let stylesheet = STYLESHEET
        .get()
        .map(String::as_str)
        .unwrap_or("/pkg/tenant_voice.css");
    let html = format!(
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Tenant Voice</title><link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"{stylesheet}\"></head>\
         <body><main id=\"main\"><h1>{title}</h1>{body_html}</main></body></html>"
    );
    let mut response = (status, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
