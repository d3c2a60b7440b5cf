//! The HTTP router: Leptos pages and server functions, static files, the
//! upload routes (`crate::uploads`), open data, the health check, request
//! logging and the safety nets around them.
use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use crate::plain_pages::{self, plain_page, server_error_page};
use app::{
    error::AppError,
    network::{ClientAddress, TrustedProxies},
    state::AppState,
};
use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
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
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
};

/// How long a signed-in session lasts without a request, unless configured.
pub const DEFAULT_SESSION_IDLE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Builds the whole application with the default session length.
pub fn build_app(state: AppState) -> Router {
    build_app_with(state, DEFAULT_SESSION_IDLE)
}

/// Builds the whole application, believing no proxy.
pub fn build_app_with(state: AppState, session_idle: Duration) -> Router {
    build_app_behind(state, session_idle, TrustedProxies::default())
}

/// Builds the whole application, reading the client's address from
/// `X-Forwarded-For` when a request comes through one of `proxies`. The
/// binary and the tests both call this.
pub fn build_app_behind(
    state: AppState,
    session_idle: Duration,
    proxies: TrustedProxies,
) -> Router {
    let routes = route_list();
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let page = {
        let options = state.leptos_options.clone();
        move || app::shell(options.clone())
    };
    let site_root = std::path::PathBuf::from(state.leptos_options.site_root.as_ref());
    plain_pages::use_stylesheet(app::site::asset_href(&state.leptos_options, "css"));
    // Hashed names change with their content, so a browser may keep them
    // for a year; unhashed ones (a debug build) must be asked for again.
    let built_files_cache = if state.leptos_options.hash_files {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Router::new()
        .route("/healthz", get(healthz))
        .merge(crate::uploads::routes())
        .route(
            "/landlords/{slug}/open-data/{file}",
            get(app::open_data::landlord_file),
        )
        .route(
            "/open-data/compare/{file}",
            get(app::open_data::comparison_file),
        )
        .route(
            "/help/import-template.csv",
            get(app::open_data::import_template),
        )
        // Built files are served here rather than by Leptos's fallback:
        // that one gave pages rendered beside it the wrong security policy.
        // Compressed once at build time (brotli at its highest setting, and
        // gzip), and served as they are.
        .nest_service(
            "/pkg",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static(built_files_cache),
                ))
                .service(
                    ServeDir::new(site_root.join("pkg"))
                        .precompressed_br()
                        .precompressed_gzip(),
                ),
        )
        .route_service(
            "/favicon.svg",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=86400"),
                ))
                .service(ServeFile::new(site_root.join("favicon.svg"))),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), page)
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            context,
            app::shell,
        ))
        .layer(middleware::from_fn(server_fn_status))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::repeated_posts::answer_repeats_once,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            remember_typed_fields,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            show_only_our_errors,
        ))
        .layer(crate::sessions::layer(
            state.db.clone(),
            &state.base_url,
            session_idle,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            hide_demo_endpoints,
        ))
        .layer(middleware::from_fn(keep_private_pages_private))
        .layer(middleware::from_fn(limit_server_fn_bodies))
        .layer(middleware::from_fn(refuse_cross_origin))
        // Public pages, stored compressed until what they show changes.
        .layer(middleware::from_fn_with_state(
            crate::page_cache::PageCache::new(state.db.clone()),
            crate::page_cache::serve,
        ))
        // Pages are made per request: a middling brotli setting compresses
        // them well at a small cost. (Built files come compressed already.)
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Precise(5)))
        // Pages rendered by Leptos set their own policy, with the nonce of
        // their scripts (see `app::site::content_security_policy`); every
        // other answer may run no script at all.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(NO_SCRIPT_POLICY),
        ))
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
        // Served over https, browsers are told to come back only that way,
        // so nobody on the network can catch a first plain-http request.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            {
                let https = state.base_url.starts_with("https://");
                move |_: &Response| https.then(|| HeaderValue::from_static(HSTS))
            },
        ))
        .layer(CatchPanicLayer::custom(|_panic| server_error_page()))
        .layer(middleware::from_fn(log_request))
        .layer(middleware::from_fn_with_state(
            Arc::new(proxies),
            find_client_address,
        ))
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
/// A release build (`cargo leptos build --release`) names its files by a
/// hash of their content and lists the hashes in this file beside the binary.
const HASH_FILE: &str = "hash.txt";

pub fn leptos_options(site_root: &std::path::Path, addr: std::net::SocketAddr) -> LeptosOptions {
    let hashed = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|folder| folder.join(HASH_FILE)))
        .is_some_and(|file| file.exists());
    LeptosOptions::builder()
        .output_name(crate::OUTPUT_NAME)
        .site_root(site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .hash_files(hashed)
        .hash_file(HASH_FILE.into())
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

/// The Cache-Control of every answer to a signed-in person, and of every
/// answer that sets the session cookie.
pub const PRIVATE: &str = "no-store, private";

/// A signed-in person's pages (names, emails, tenancy references, forms)
/// are never kept by a browser's or a shared cache, nor is an answer that
/// carries the session cookie.
async fn keep_private_pages_private(request: Request, next: Next) -> Response {
    let session_cookie = format!("{}=", crate::sessions::COOKIE_NAME);
    let signed_in = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|cookies| cookies.contains(&session_cookie));
    let mut response = next.run(request).await;
    let sets_session = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|cookie| cookie.starts_with(&session_cookie));
    if signed_in || sets_session {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(PRIVATE));
    }
    response
}

/// Strict-Transport-Security when BASE_URL is https: a year, subdomains too.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The Content-Security-Policy of answers that are not Leptos pages.
const NO_SCRIPT_POLICY: &str = "default-src 'self'; script-src 'none'; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The most a server function may be sent. The longest text box holds tens
/// of kilobytes; uploads have their own routes and limits.
pub const MAX_SERVER_FN_BODY: usize = 1024 * 1024;

/// Refuses state-changing requests unless they say they come from this
/// site, whether a form post or a server-function call. Browsers mark every
/// request with Sec-Fetch-Site; older ones at least send Origin, which must
/// then name this host. A request with neither is refused too: every
/// browser that submits a form sends one of them, and a program calling the
/// portal must send `Origin` with the portal's own address (see README).
async fn refuse_cross_origin(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) || is_same_origin(request.headers())
    {
        return next.run(request).await;
    }
    tracing::warn!(path = request.uri().path(), "cross-origin request refused");
    let wants_html = wants_html(request.headers());
    let message = "This request did not say it came from this website, so it was refused. Nothing was changed.";
    if wants_html {
        plain_page(
            StatusCode::FORBIDDEN,
            "Request refused",
            &format!("<p>{message}</p><p><a href=\"/\">Go to the list of landlords</a></p>"),
        )
    } else {
        (StatusCode::FORBIDDEN, message).into_response()
    }
}

pub fn is_same_origin(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match (text("origin"), text("host")) {
        (None, _) => false,
        (Some(origin), Some(host)) => url::Url::parse(origin).is_ok_and(|origin| {
            let origin_host = match (origin.host_str(), origin.port()) {
                (Some(name), Some(port)) => format!("{name}:{port}"),
                (Some(name), None) => name.to_string(),
                (None, _) => return false,
            };
            origin_host.eq_ignore_ascii_case(host)
        }),
        (Some(_), None) => false,
    }
}

/// Refuses a server-function call whose body is larger than
/// `MAX_SERVER_FN_BODY` with 413 and a plain message, before anything reads
/// it; otherwise passes it on, already read.
async fn limit_server_fn_bodies(request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let wants_html = wants_html(request.headers());
    if declared.is_some_and(|length| length > MAX_SERVER_FN_BODY as u64) {
        return too_large(wants_html);
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_SERVER_FN_BODY).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => too_large(wants_html),
    }
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// 413, as a page for a browser's form post, or as the error a server
/// function answers for the app's own scripts.
fn too_large(wants_html: bool) -> Response {
    tracing::warn!("a request was larger than a server function takes; refused");
    let error = AppError::TooLarge;
    if wants_html {
        return plain_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too much to send",
            &format!(
                "<p>{}</p><p>Use your browser's Back button to return to the form: what you typed is still there.</p>",
                app::html::escape(&error.to_string())
            ),
        );
    }
    let mut response = (
        StatusCode::PAYLOAD_TOO_LARGE,
        serde_json::to_string(&error).unwrap_or_default(),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert("serverfnerror", HeaderValue::from_static("1"));
    response
}

/// A failed server function answers 500 by default; give it the status its
/// error means (401, 403, 404, 422, 429…), so machine clients can tell.
async fn server_fn_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status();
        let retry_after_secs = match error {
            AppError::RateLimited { retry_after_secs } => Some(retry_after_secs),
            AppError::Busy => Some(60),
            _ => None,
        };
        if let Some(retry_after_secs) = retry_after_secs {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Without JavaScript, a refused form post is answered with a redirect back
/// to the form, carrying the error. This keeps what was typed (never
/// passwords or tokens) in a short-lived cookie so the form can show it
/// again; see `app::site::forms::TYPED_COOKIE`.
async fn remember_typed_fields(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    use app::site::forms::{TypedFields, TYPED_COOKIE};
    let is_form_post = request.method() == Method::POST
        && request.uri().path().starts_with("/api/")
        && wants_html(request.headers())
        && request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|kind| kind.starts_with("application/x-www-form-urlencoded"));
    if !is_form_post {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_SERVER_FN_BODY).await else {
        return too_large(true);
    };
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&bytes)
        .filter(|(name, _)| !name.contains("password") && !name.contains("token"))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    // Leptos answers a form post with a redirect to its Referer. A browser
    // set to send none would land on the home page with the message lost,
    // so every form names its own page too.
    if !parts.headers.contains_key(header::REFERER) {
        if let Some(page) = fields
            .iter()
            .find(|(name, _)| name == app::site::forms::PAGE_FIELD)
            .map(|(_, page)| page.as_str())
            .filter(|page| is_local_path(page))
        {
            if let Ok(referer) =
                HeaderValue::from_str(&format!("{}{page}", state.base_url.trim_end_matches('/')))
            {
                parts.headers.insert(header::REFERER, referer);
            }
        }
    }
    let fields: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(name, _)| name != app::site::forms::PAGE_FIELD)
        .collect();
    let mut response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let refused = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|location| location.contains("__err="));
    let secure = if state.base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    // The error the form is sent back with, vouched for to this browser
    // alone (see `show_only_our_errors`).
    if let Some(error) = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(error_in)
    {
        if let Ok(cookie) = HeaderValue::from_str(&format!(
            "{ERROR_COOKIE}={}; Path=/; Max-Age=300; HttpOnly; SameSite=Lax{secure}",
            app::accounts::tokens::hash_token(&error)
        )) {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    let encoded = TypedFields { path, fields }.encode();
    // Cookies hold about 4 kB; a longer text is kept by the browser's back button instead.
    if refused && encoded.len() < 3500 {
        if let Ok(cookie) = HeaderValue::from_str(&format!(
            "{TYPED_COOKIE}={encoded}; Path=/; Max-Age=300; HttpOnly; SameSite=Lax{secure}"
        )) {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    response
}

/// The cookie holding a hash of the error a refused form post was just sent
/// back with (`__err` in the address).
pub const ERROR_COOKIE: &str = "tenant_voice_error";

/// The `__err` of an address or a query string, if it has one.
fn error_in(address: &str) -> Option<String> {
    let query = address.split_once('?').map_or(address, |(_, query)| query);
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "__err")
        .map(|(_, value)| value.into_owned())
}

/// Leptos shows the error a page's address carries (`__err`), and anyone
/// can write an address: "This link did not work: call 0800 …" would show
/// on the portal's own page. So an error shows only to the browser this
/// portal just sent it to, as its cookie vouches; any other is taken out of
/// the address before the page is made, and the page shows none. The cookie
/// goes once the error has been shown.
async fn show_only_our_errors(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(error) = request.uri().query().and_then(error_in) else {
        return next.run(request).await;
    };
    let vouched = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, value)| {
            name == ERROR_COOKIE && value == app::accounts::tokens::hash_token(&error)
        });
    if !vouched {
        tracing::warn!(
            path = request.uri().path(),
            "an error in the address that this portal did not send was left out"
        );
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                request
                    .uri()
                    .query()
                    .map(|query| url::form_urlencoded::parse(query.as_bytes()))
                    .into_iter()
                    .flatten()
                    .filter(|(key, _)| key != "__err" && key != "__path"),
            )
            .finish();
        let path = request.uri().path();
        let address = if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        };
        match address.parse() {
            Ok(uri) => *request.uri_mut() = uri,
            Err(_) => {
                return (StatusCode::BAD_REQUEST, "That address could not be read.\n")
                    .into_response()
            }
        }
        return next.run(request).await;
    }
    let mut response = next.run(request).await;
    let secure = if state.base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    if let Ok(clear) = HeaderValue::from_str(&format!(
        "{ERROR_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"
    )) {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    response
}

/// A path on this site ("/landlords/x?y=1"), never another site's address
/// ("//evil.example", "https://…") nor one with control characters.
fn is_local_path(page: &str) -> bool {
    page.starts_with('/')
        && !page.starts_with("//")
        && !page.starts_with("/\\")
        && !page.chars().any(|c| c.is_control() || c == '\\')
}

/// With demo mode off, the demo sign-in endpoint does not exist.
async fn hide_demo_endpoints(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    use leptos::server_fn::ServerFn;
    if !state.demo && request.uri().path() == <app::accounts::demo::DemoSignIn as ServerFn>::PATH {
        return (StatusCode::NOT_FOUND, "Not found\n").into_response();
    }
    next.run(request).await
}

/// Works out the client's address once, for rate limits and the audit log
/// (see `app::network`). Without a connection address (a test calling the
/// router directly) there is nothing to believe and nothing is set.
async fn find_client_address(
    State(proxies): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip());
    if let Some(peer) = peer {
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok());
        let client = proxies.client(peer, forwarded);
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

/// One log line per request. The query string is left out: it may carry tokens.
async fn log_request(request: Request, next: Next) -> Response {
    use tracing::Instrument;
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    // Every line logged while the request is handled carries its id, and
    // the answer names it, so "reference N" on an error page leads to the
    // request and everything logged for it.
    let id = request_id();
    let span = tracing::info_span!("request", id = %id);
    let mut request = request;
    request
        .extensions_mut()
        .insert(app::error::RequestId(id.clone()));
    let mut response = next.run(request).instrument(span.clone()).await;
    let duration: Duration = started.elapsed();
    let duration_ms = format!("{:.2}", duration.as_secs_f64() * 1000.0);
    span.in_scope(|| {
        tracing::info!(
            target: "tenant_voice::http",
            %method,
            path,
            status = response.status().as_u16(),
            duration_ms = %duration_ms,
            "request"
        )
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// The header that names the request an answer belongs to.
pub const REQUEST_ID: &str = "x-request-id";

/// Sixteen hex digits, random: unique enough to find one request in a log.
fn request_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}
