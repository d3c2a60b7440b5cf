//! The HTTP router: Leptos pages and server functions, static files, the
//! health check, request logging and the safety nets around them.
use std::{
    sync::OnceLock,
    time::{Duration, Instant},
};

use app::state::AppState;
use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{
    file_and_error_handler_with_context, generate_route_list, AxumRouteListing, LeptosRoutes,
};
use tower_http::{
    catch_panic::CatchPanicLayer, compression::CompressionLayer, set_header::SetResponseHeaderLayer,
};

/// Builds the whole application. The binary and the tests both call this.
pub fn build_app(state: AppState) -> Router {
    let routes = route_list();
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let page = {
        let options = state.leptos_options.clone();
        move || app::shell(options.clone())
    };
    Router::new()
        .route("/healthz", get(healthz))
        .leptos_routes_with_context(&state, routes, context.clone(), page)
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            context,
            app::shell,
        ))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(CatchPanicLayer::custom(|_panic| server_error_page()))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// The app's routes, worked out once per process. While Leptos walks the app
/// to list them it holds back every resource load in the process
/// (leptos-rs/leptos#4773), so it must never run beside a page being rendered,
/// as it would when several routers are built in one process (the tests).
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// Leptos settings for a site whose built files are under `site_root`.
pub fn leptos_options(site_root: &std::path::Path, addr: std::net::SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(crate::OUTPUT_NAME)
        .site_root(site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build()
}

/// 200 when the database answers, 503 when it does not.
async fn healthz(State(state): State<AppState>) -> Response {
    if crate::database::is_healthy(&state.db).await {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
    }
}

/// One log line per request. The query string is left out: it may carry tokens.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let duration: Duration = started.elapsed();
    let duration_ms = format!("{:.2}", duration.as_secs_f64() * 1000.0);
    tracing::info!(
        target: "tenant_voice::http",
        %method,
        path,
        status = response.status().as_u16(),
        duration_ms = %duration_ms,
        "request"
    );
    response
}

/// The last resort when rendering panics: a plain page that still helps.
fn server_error_page() -> Response<Body> {
    tracing::error!("a request panicked; the friendly error page was sent");
    let html = "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
        <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
        <title>Something went wrong · Tenant Voice</title><link rel=\"stylesheet\" href=\"/pkg/tenant_voice.css\"></head>\
        <body><main id=\"main\"><h1>Sorry, something went wrong</h1>\
        <p>Nothing was saved. Please try again in a few minutes.</p>\
        <p><a href=\"/\">Go to the list of landlords</a></p></main></body></html>";
    let mut response = (StatusCode::INTERNAL_SERVER_ERROR, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
