//! Public pages served like static files. A page a signed-out visitor sees
//! is the same for everyone, so it is rendered once, compressed once (brotli
//! and gzip) and its bytes served again until what it shows changes.
//!
//! Changes are seen through `public_versions` (migration 0013): database
//! triggers bump a landlord's version in the same transaction as every write
//! to a table whose rows public pages show (on PostgreSQL at commit, one of
//! eight stripes per transaction, so concurrent writers do not queue). Each request reads the versions
//! its page depends on in one small query, so every app server sharing the
//! database sees a change exactly when it commits; an entry whose versions
//! differ is rendered again. The versions are read before the page is
//! rendered, so an entry can only be older than its versions say, never
//! newer, and a change made while it renders is seen on the next request.
//!
//! Only GET and HEAD of the public pages listed in `page_kind`, from a
//! visitor sending no cookie at all (so never a signed-in person, nor one
//! whose form is being shown again), with no `__err`/`__path` in the query,
//! are served from or stored in the cache; only complete 200 HTML answers
//! that set no cookie and carry no script are stored. The cache holds at
//! most `max_entries` pages and `max_bytes` bytes, least recently used
//! first out, so query strings that do not change a page only churn it.
//! Entries also expire after `MAX_AGE`, for what changes with the clock
//! alone (a voting round opening or closing, "overdue").
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use app::state::Db;
use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::Response,
};
use http_body_util::BodyExt;
use tower::ServiceExt;
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// The longest an entry is served, for what changes with time and no write.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// Pages kept, unless configured otherwise.
pub const DEFAULT_MAX_ENTRIES: usize = 2_000;
/// Bytes kept (all three encodings of every page), unless configured otherwise.
pub const DEFAULT_MAX_BYTES: usize = 128 * 1024 * 1024;
/// A page larger than this is served but not kept.
const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;
/// A longer address is served but not kept.
const MAX_KEY_BYTES: usize = 2048;

/// The header saying whether a page came from the cache: `hit` or `miss`
/// (rendered now and stored). Answers the cache passed by do not carry it.
pub const CACHE_HEADER: &str = "x-cache";

pub struct PageCache {
    db: Db,
    max_entries: usize,
    max_bytes: usize,
    state: Mutex<Entries>,
    hits: AtomicU64,
}

#[derive(Default)]
struct Entries {
    pages: HashMap<String, Arc<Entry>>,
    /// When each page was last used, by `tick`.
    used: HashMap<String, u64>,
    tick: u64,
    bytes: usize,
}

struct Entry {
    versions: (i64, i64),
    stored_at: Instant,
    headers: HeaderMap,
    identity: Bytes,
    br: Option<Bytes>,
    gzip: Option<Bytes>,
}

impl Entry {
    fn size(&self, key: &str) -> usize {
        key.len()
            + self.identity.len()
            + self.br.as_ref().map_or(0, Bytes::len)
            + self.gzip.as_ref().map_or(0, Bytes::len)
            + 512
    }
}

/// What a page depends on: one landlord (and the site-wide row), or every
/// landlord (pages across landlords, and those comparing with others).
enum Depends<'a> {
    Landlord(&'a str),
    Everything,
}

impl PageCache {
    pub fn new(db: Db) -> Arc<PageCache> {
        Self::with_limits(db, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_BYTES)
    }

    pub fn with_limits(db: Db, max_entries: usize, max_bytes: usize) -> Arc<PageCache> {
        Arc::new(PageCache {
            db,
            max_entries: max_entries.max(1),
            max_bytes,
            state: Mutex::new(Entries::default()),
            hits: AtomicU64::new(0),
        })
    }

    /// Pages held now.
    pub fn len(&self) -> usize {
        self.lock().pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held now.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Answers served from the cache so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let mut state = self.lock();
        let entry = state.pages.get(key)?.clone();
        state.tick += 1;
        let tick = state.tick;
        state.used.insert(key.to_string(), tick);
        Some(entry)
    }

    fn remove(state: &mut Entries, key: &str) {
        if let Some(old) = state.pages.remove(key) {
            state.bytes = state.bytes.saturating_sub(old.size(key));
        }
        state.used.remove(key);
    }

    fn put(&self, key: String, entry: Arc<Entry>) {
        let size = entry.size(&key);
        if size > self.max_bytes {
            return;
        }
        let mut state = self.lock();
        Self::remove(&mut state, &key);
        while !state.pages.is_empty()
            && (state.pages.len() + 1 > self.max_entries || state.bytes + size > self.max_bytes)
        {
            // The least recently used goes. A scan, but only when a page is
            // stored, which costs a render anyway.
            let Some(oldest) = state
                .used
                .iter()
                .min_by_key(|(_, tick)| **tick)
                .map(|(key, _)| key.clone())
            else {
                break;
            };
            Self::remove(&mut state, &oldest);
        }
        state.tick += 1;
        let tick = state.tick;
        state.bytes += size;
        state.used.insert(key.clone(), tick);
        state.pages.insert(key, entry);
    }

    /// The versions the page depends on now, in one query.
    async fn versions(&self, depends: &Depends<'_>) -> Option<(i64, i64)> {
        let query = match depends {
            // A version is the sum of its stripes (see migration 0013).
            Depends::Landlord(slug) => sqlx::query_as::<_, (i64, i64)>(
                "SELECT CAST(COALESCE((SELECT SUM(v.version) FROM organisations o \
                 JOIN public_versions v ON v.organisation_id = o.id WHERE o.slug = $1), -1) AS BIGINT), \
                 CAST(COALESCE((SELECT SUM(version) FROM public_versions WHERE organisation_id = 0), -1) AS BIGINT)",
            )
            .bind(slug.to_string()),
            Depends::Everything => sqlx::query_as::<_, (i64, i64)>(
                "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
                 FROM public_versions",
            ),
        };
        match query.fetch_one(self.db.pool()).await {
            Ok(versions) => Some(versions),
            Err(error) => {
                tracing::warn!(%error, "cannot read page versions; page not cached");
                None
            }
        }
    }
}

/// The middleware: `.layer(middleware::from_fn_with_state(cache, page_cache::serve))`,
/// inside the compression layer (it sends its own compressed bytes).
pub async fn serve(State(cache): State<Arc<PageCache>>, request: Request, next: Next) -> Response {
    let Some(key) = cache_key(&request) else {
        return next.run(request).await;
    };
    let path = request.uri().path().to_string();
    let Some(depends) = page_kind(&path) else {
        return next.run(request).await;
    };
    let Some(versions) = cache.versions(&depends).await else {
        return next.run(request).await;
    };
    let encoding = preferred_encoding(request.headers());
    let head = request.method() == Method::HEAD;
    if let Some(entry) = cache.get(&key) {
        let fresh = entry.stored_at.elapsed() < MAX_AGE;
        let current = entry.versions == versions;
        if fresh && current {
            cache.hits.fetch_add(1, Ordering::Relaxed);
            return respond(&entry, encoding, head, "hit");
        }
    }
    if head {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    if !storable(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let identity = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            tracing::warn!(%error, "a page's body failed; not cached");
            let mut response = Response::new(Body::from(
                "The page could not be sent in full. Please try again.",
            ));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            drop(parts);
            return response;
        }
    };
    // Leptos ends every page with inline scripts (with the page's nonce)
    // that only hydration reads. Public pages have no island, so nothing
    // does: the copy kept goes without them. A page still carrying a nonce
    // has a script that runs, and is rendered each time.
    let Some(identity) = without_inert_scripts(&identity)
        .filter(|page| page.len() <= MAX_PAGE_BYTES && !has_nonce(page))
    else {
        return Response::from_parts(parts, Body::from(identity));
    };
    let mut headers = parts.headers;
    headers.remove(header::CONTENT_LENGTH);
    headers.remove(header::TRANSFER_ENCODING);
    // The page runs no script, so its policy needs no nonce (which would
    // otherwise be the same for everyone the copy is served to).
    if let Some(policy) = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|value| value.to_str().ok())
        .map(without_nonce)
    {
        match HeaderValue::from_str(&policy) {
            Ok(value) => {
                headers.insert(header::CONTENT_SECURITY_POLICY, value);
            }
            Err(_) => {
                headers.remove(header::CONTENT_SECURITY_POLICY);
            }
        }
    }
    let br = compress(&identity, "br").await;
    let gzip = compress(&identity, "gzip").await;
    let entry = Arc::new(Entry {
        versions,
        stored_at: Instant::now(),
        headers,
        identity,
        br,
        gzip,
    });
    cache.put(key, entry.clone());
    respond(&entry, encoding, false, "miss")
}

/// The cache key (path and sorted query), or None when this request must
/// not be served from or stored in the cache.
fn cache_key(request: &Request) -> Option<String> {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return None;
    }
    let headers = request.headers();
    // Any cookie may change the page (the session names the person; the
    // typed-fields cookie refills a form), so visitors with one are served
    // fresh pages. A signed-out visitor has none.
    if headers.contains_key(header::COOKIE) || headers.contains_key(header::AUTHORIZATION) {
        return None;
    }
    let uri = request.uri();
    let mut pairs: Vec<(String, String)> = match uri.query() {
        Some(query) => url::form_urlencoded::parse(query.as_bytes())
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect(),
        None => Vec::new(),
    };
    if pairs
        .iter()
        .any(|(name, _)| name.starts_with("__") || name.contains("token"))
    {
        return None;
    }
    pairs.sort();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    let key = if query.is_empty() {
        uri.path().to_string()
    } else {
        format!("{}?{query}", uri.path())
    };
    (key.len() <= MAX_KEY_BYTES).then_some(key)
}

/// Whether a path is a public page, and what it shows. Pages with forms
/// for signed-in people, sign-in, accounts, tokens and staff pages are not
/// listed and so never cached.
fn page_kind(path: &str) -> Option<Depends<'_>> {
    if matches!(path, "/" | "/about" | "/compare") || path.starts_with("/compare/") {
        return (path.matches('/').count() <= 2).then_some(Depends::Everything);
    }
    let rest = path.strip_prefix("/landlords/")?;
    let mut segments = rest.split('/');
    let slug = segments.next().filter(|slug| !slug.is_empty())?;
    let tail: Vec<&str> = segments.collect();
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let public = match tail.as_slice() {
        [] | ["commitments"] | ["scrutiny"] | ["scrutiny", "what-happened-next"] => true,
        ["annual-reviews"] => true,
        ["commitments", id] => number(id),
        ["scrutiny", "proposals" | "rounds" | "reviews" | "recommendations", id] => number(id),
        ["comments", id] => number(id),
        ["annual-reviews", year] => number(year),
        ["annual-reviews", year, "sections", id] => number(year) && number(id),
        ["annual-reviews", year, "sections", id, "history"] => number(year) && number(id),
        // Measures are compared with other landlords' figures.
        ["performance"] => return Some(Depends::Everything),
        ["performance", code] => {
            return (!matches!(*code, "import" | "manage" | "")).then_some(Depends::Everything)
        }
        _ => false,
    };
    public.then_some(Depends::Landlord(slug))
}

/// Only a complete 200 HTML page that sets no cookie and is not private.
fn storable(response: &Response) -> bool {
    let headers = response.headers();
    response.status() == StatusCode::OK
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|kind| kind.starts_with("text/html"))
        && !headers.contains_key(header::SET_COOKIE)
        && !headers.contains_key(header::CONTENT_ENCODING)
        && !headers
            .get(header::CACHE_CONTROL)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.contains("no-store") || value.contains("private"))
}

fn has_nonce(body: &[u8]) -> bool {
    body.windows(6).any(|window| window == b"nonce=")
}

/// The page without the inline scripts Leptos writes after `</html>`, or
/// None if anything else follows it.
fn without_inert_scripts(body: &Bytes) -> Option<Bytes> {
    const END: &[u8] = b"</html>";
    let end = body.windows(END.len()).rposition(|window| window == END)? + END.len();
    let mut tail = &body[end..];
    while !tail.is_empty() {
        let rest = tail.strip_prefix(b"<script nonce=\"")?;
        let close = rest.windows(9).position(|window| window == b"</script>")?;
        let script = &rest[..close];
        let opened = script.iter().position(|&b| b == b'>')?;
        // Only the assignments of its hydration data, never code from elsewhere.
        if script[..opened].contains(&b'<') || !script[opened + 1..].starts_with(b"__") {
            return None;
        }
        tail = &rest[close + 9..];
    }
    Some(body.slice(..end))
}

/// The policy without its `'nonce-…'` source.
fn without_nonce(policy: &str) -> String {
    policy
        .split(' ')
        .filter(|part| !part.starts_with("'nonce-"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The encoding to send: brotli, else gzip, when the client accepts it.
fn preferred_encoding(headers: &HeaderMap) -> Encoding {
    let mut br = false;
    let mut gzip = false;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let refused = parts.any(|param| {
                let param = param.trim();
                param
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            match name.as_str() {
                "br" => br = true,
                "gzip" | "x-gzip" => gzip = true,
                _ => {}
            }
        }
    }
    if br {
        Encoding::Brotli
    } else if gzip {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

fn respond(entry: &Entry, encoding: Encoding, head: bool, how: &'static str) -> Response {
    let (bytes, content_encoding) = match encoding {
        Encoding::Brotli if entry.br.is_some() => {
            (entry.br.clone().unwrap_or_default(), Some("br"))
        }
        Encoding::Gzip | Encoding::Brotli if entry.gzip.is_some() => {
            (entry.gzip.clone().unwrap_or_default(), Some("gzip"))
        }
        _ => (entry.identity.clone(), None),
    };
    let mut headers = entry.headers.clone();
    if let Some(content_encoding) = content_encoding {
        headers.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(content_encoding),
        );
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    headers.insert(CACHE_HEADER, HeaderValue::from_static(how));
    let mut response = Response::new(if head {
        Body::empty()
    } else {
        Body::from(bytes)
    });
    *response.headers_mut() = headers;
    response
}

/// The page compressed once, well, by the same code the
/// compression layer uses; None if it would not compress.
async fn compress(bytes: &Bytes, encoding: &'static str) -> Option<Bytes> {
    let body = bytes.clone();
    let service = tower::service_fn(move |_request: Request| {
        let body = body.clone();
        async move {
            let mut response = Response::new(Body::from(body.clone()));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    // Brotli 9 is most of 11's gain at a tenth of its time (this runs on
    // every change); gzip at its best is cheap.
    let quality = match encoding {
        "br" => CompressionLevel::Precise(9),
        _ => CompressionLevel::Best,
    };
    let layer = CompressionLayer::new().quality(quality);
    let request = Request::builder()
        .header(header::ACCEPT_ENCODING, encoding)
        .body(Body::empty())
        .ok()?;
    let response = tower::Layer::layer(&layer, service)
        .oneshot(request)
        .await
        .ok()?;
    let compressed = response
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|value| value == encoding);
    let bytes = response.into_body().collect().await.ok()?.to_bytes();
    compressed.then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(uri: &str) -> Option<String> {
        cache_key(&Request::get(uri).body(Body::empty()).unwrap())
    }

    #[test]
    fn keys_sort_the_query_and_refuse_forms_shown_again() {
        assert_eq!(key("/compare?b=2&a=1"), key("/compare?a=1&b=2"));
        assert_eq!(key("/about").as_deref(), Some("/about"));
        assert_eq!(key("/landlords/x?__err=abc"), None);
        assert_eq!(key("/sign-in/link?token=abc"), None);
        let with_cookie = Request::get("/")
            .header("cookie", "tenant_voice_session=x")
            .body(Body::empty())
            .unwrap();
        assert_eq!(cache_key(&with_cookie), None);
    }

    #[test]
    fn only_public_pages_are_cached() {
        assert!(page_kind("/").is_some());
        assert!(page_kind("/landlords/x").is_some());
        assert!(page_kind("/landlords/x/scrutiny/reviews/3").is_some());
        assert!(page_kind("/landlords/x/performance/import").is_none());
        assert!(page_kind("/landlords/x/people").is_none());
        assert!(page_kind("/landlords/x/join").is_none());
        assert!(page_kind("/landlords/x/comments/reported").is_none());
        assert!(page_kind("/sign-in").is_none());
        assert!(page_kind("/account").is_none());
    }

    #[test]
    fn encodings_follow_accept_encoding() {
        let mut headers = HeaderMap::new();
        assert_eq!(preferred_encoding(&headers), Encoding::Identity);
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, br;q=0"),
        );
        assert_eq!(preferred_encoding(&headers), Encoding::Gzip);
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br"),
        );
        assert_eq!(preferred_encoding(&headers), Encoding::Brotli);
    }

    #[test]
    fn only_hydration_data_after_the_page_is_dropped() {
        let page = Bytes::from_static(
            b"<html><body>x</body></html><script nonce=\"a\">__RESOLVED_RESOURCES=[];</script>",
        );
        assert_eq!(
            without_inert_scripts(&page).as_deref(),
            Some(&b"<html><body>x</body></html>"[..])
        );
        let page = Bytes::from_static(b"<html></html><script nonce=\"a\">alert(1)</script>");
        assert_eq!(without_inert_scripts(&page), None);
        assert!(has_nonce(b"<script nonce=\"a\">"));
    }

    #[test]
    fn policies_lose_their_nonce() {
        assert_eq!(
            without_nonce("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'; x"),
            "script-src 'self' 'wasm-unsafe-eval'; x"
        );
    }
}
