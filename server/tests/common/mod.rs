//! The test harness: the real router (built by the same function the binary
//! uses) over a fresh database, on SQLite or on PostgreSQL.
#![allow(dead_code)]

pub mod cast;
pub mod smtp;
pub mod test_database;

use app::state::{AppState, Backend, Db};
use axum::{
    body::Body,
    http::{HeaderMap, Request},
    Router,
};
use http_body_util::BodyExt;
use tenant_voice::{database, router};
pub use test_database::TestDatabase;
use tower::ServiceExt;

/// Form fields built at run time, as `Visitor::call` takes them.
pub fn pairs<'a>(fields: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

pub struct TestApp {
    pub router: Router,
    pub db: Db,
    pub base_url: String,
    _database: TestDatabase,
}

/// How a test portal is set up. `Setup::default()` is an empty portal
/// (each test adds its landlords and people) reached at http://portal.test.
#[derive(Default)]
pub struct Setup {
    /// The demo landlords, their people and data, as `tenant-voice demo` loads them.
    pub demo_data: bool,
    /// Demo mode (DEMO=true): sign-in links shown on the page.
    pub demo_mode: bool,
    /// BASE_URL; http://portal.test if not given.
    pub base_url: Option<&'static str>,
    /// TRUSTED_PROXIES, as the setting reads it.
    pub trusted_proxies: &'static str,
    /// People from the cast (and their landlords).
    pub cast: &'static [cast::Member],
}

impl Setup {
    /// The demo landlords with their people and data.
    pub fn demo_data() -> Setup {
        Setup {
            demo_data: true,
            ..Setup::default()
        }
    }

    /// Test Homes with these people from the cast.
    pub fn cast(people: &'static [cast::Member]) -> Setup {
        Setup {
            cast: people,
            ..Setup::default()
        }
    }
}

impl TestApp {
    /// An empty portal.
    pub async fn start(backend: Backend) -> TestApp {
        Self::start_with(backend, Setup::default()).await
    }

    /// The one way a test portal starts: a fresh, migrated database on
    /// `backend` behind the router the binary builds, set up as asked.
    pub async fn start_with(backend: Backend, setup: Setup) -> TestApp {
        let base_url = setup.base_url.unwrap_or("http://portal.test");
        let database = TestDatabase::create(backend).await;
        let db = database::connect(&database.url)
            .await
            .expect("connect to the test database");
        database::migrate(&db)
            .await
            .expect("migrate the test database");
        let state = AppState {
            db: db.clone(),
            leptos_options: router::leptos_options(
                std::path::Path::new("target/site"),
                "127.0.0.1:0".parse().unwrap(),
            ),
            base_url: base_url.into(),
            demo: setup.demo_mode,
        };
        let proxies = app::network::TrustedProxies::parse(setup.trusted_proxies)
            .expect("trusted proxies are addresses or ranges");
        let app = TestApp {
            router: router::build_app_behind(state, router::DEFAULT_SESSION_IDLE, proxies),
            db,
            base_url: base_url.into(),
            _database: database,
        };
        if setup.demo_data {
            assert_eq!(
                tenant_voice::demo::load(&app.db).await.unwrap(),
                tenant_voice::demo::DemoOutcome::Loaded
            );
        }
        if !setup.cast.is_empty() {
            cast::add_cast(&app, setup.cast).await;
        }
        app
    }

    pub fn url(&self) -> &str {
        &self._database.url
    }

    /// A GET with no cookie and no headers, as a bare client sends it.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }
}

/// An answer, with its headers.
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or_default()
    }
}

/// The host the test portal is reached at (its BASE_URL is http://portal.test).
pub const HOST: &str = "portal.test";

/// A visitor with a cookie jar of one cookie (the session). `html` visitors
/// post forms as a browser without JavaScript does (Accept: text/html, and
/// get redirected); the others call server functions as the app's own
/// JavaScript does, and get JSON and real status codes.
pub struct Visitor<'a> {
    app: &'a TestApp,
    pub cookie: Option<String>,
    pub html: bool,
    /// Extra headers for every request, such as a hostile Origin.
    pub extra: Vec<(&'static str, String)>,
    /// The page the visitor's forms are on (the Referer of their posts).
    pub on_page: String,
    /// Cookies other than the session's.
    pub other_cookies: std::collections::BTreeMap<String, String>,
    /// Sends neither Origin nor Sec-Fetch-Site, as no browser does.
    pub no_origin: bool,
    /// Sends no Referer with form posts, as a browser set to hide it does.
    pub no_referer: bool,
    /// The address the visitor's connection comes from; None, as a test
    /// calling the router directly has none.
    pub peer: Option<std::net::SocketAddr>,
}

impl TestApp {
    pub fn visitor(&self) -> Visitor<'_> {
        Visitor {
            app: self,
            cookie: None,
            html: false,
            extra: Vec::new(),
            on_page: "/".into(),
            other_cookies: Default::default(),
            no_origin: false,
            no_referer: false,
            peer: None,
        }
    }

    pub fn browser_without_javascript(&self) -> Visitor<'_> {
        Visitor {
            html: true,
            ..self.visitor()
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("read the body")
            .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Does what the email worker does before sending: handles the queued
    /// requests for sign-in links, writing their emails to the outbox.
    pub async fn run_sign_in_requests(&self) -> usize {
        app::accounts::sign_in::queries::handle_sign_in_requests(&self.db, &self.base_url)
            .await
            .expect("handle requests for sign-in links")
    }

    /// Emails in the outbox, once the worker has handled the requests for
    /// sign-in links: (recipient, subject, plain-text body).
    pub async fn outbox(&self) -> Vec<(String, String, String)> {
        self.run_sign_in_requests().await;
        sqlx::query_as("SELECT recipient, subject, body_text FROM outbox ORDER BY id")
            .fetch_all(self.db.pool())
            .await
            .unwrap()
    }

    /// The path of the last link starting with `prefix` emailed to `to`.
    pub async fn emailed_link(&self, to: &str, prefix: &str) -> String {
        let outbox = self.outbox().await;
        let (_, _, body) = outbox
            .iter()
            .rev()
            .find(|(recipient, _, _)| recipient == to)
            .unwrap_or_else(|| panic!("no email to {to} in {outbox:?}"));
        let link = body
            .split_whitespace()
            .find(|word| word.starts_with(&format!("http://{HOST}{prefix}")))
            .unwrap_or_else(|| panic!("no {prefix} link in: {body}"));
        link.trim_start_matches(&format!("http://{HOST}"))
            .to_string()
    }

    /// A person with an account, optionally with a role at a landlord.
    pub async fn add_person(
        &self,
        name: &str,
        email: &str,
        role: Option<(&str, app::identity::Role)>,
    ) -> i64 {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO users (email, display_name, created_at) VALUES ($1, $2, 0) RETURNING id",
        )
        .bind(email)
        .bind(name)
        .fetch_one(self.db.pool())
        .await
        .unwrap();
        if let Some((slug, role)) = role {
            sqlx::query(
                "INSERT INTO memberships (user_id, organisation_id, role, created_at) \
                 SELECT $1, id, $2, 0 FROM organisations WHERE slug = $3",
            )
            .bind(id)
            .bind(role.as_str())
            .bind(slug)
            .execute(self.db.pool())
            .await
            .unwrap();
        }
        id
    }

    /// A landlord with no data, for tests that control every figure.
    pub async fn add_landlord(&self, slug: &str, name: &str) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO organisations (slug, name, summary, created_at) VALUES ($1, $2, '', 0) RETURNING id",
        )
        .bind(slug)
        .bind(name)
        .fetch_one(self.db.pool())
        .await
        .unwrap()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(self.db.pool()).await.unwrap();
        n
    }

    /// A visitor signed in as `email`, through the real emailed-link flow.
    pub async fn signed_in(&self, email: &str) -> Visitor<'_> {
        let mut visitor = self.visitor();
        visitor.sign_in(email).await;
        visitor
    }
}

impl Visitor<'_> {
    fn request(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("host", HOST);
        let mut cookies: Vec<String> = self
            .other_cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        if let Some(cookie) = &self.cookie {
            cookies.push(format!("{}={cookie}", tenant_voice::sessions::COOKIE_NAME));
        }
        if !cookies.is_empty() {
            builder = builder.header("cookie", cookies.join("; "));
        }
        if self.html {
            builder = builder.header("accept", "text/html");
            if !self.no_referer {
                builder = builder.header("referer", format!("http://{HOST}{}", self.on_page));
            }
        }
        // As a browser does: the same-origin check refuses posts that carry
        // neither header. Tests that set their own send theirs instead.
        let sets_own = |header: &str| self.extra.iter().any(|(name, _)| *name == header);
        if !sets_own("origin") && !sets_own("sec-fetch-site") && !self.no_origin {
            builder = builder.header("origin", format!("http://{HOST}"));
        }
        for (name, value) in &self.extra {
            builder = builder.header(*name, value);
        }
        if let Some(peer) = self.peer {
            builder = builder.extension(axum::extract::ConnectInfo(peer));
        }
        builder
    }

    fn keep_cookie(&mut self, reply: &Reply) {
        for value in reply.headers.get_all("set-cookie") {
            let value = value.to_str().unwrap();
            let prefix = format!("{}=", tenant_voice::sessions::COOKIE_NAME);
            if let Some(rest) = value.strip_prefix(&prefix) {
                let cookie = rest.split(';').next().unwrap_or_default();
                self.cookie = (!cookie.is_empty() && !value.contains("Max-Age=0"))
                    .then(|| cookie.to_string());
            } else if let Some((name, rest)) = value.split_once('=') {
                let cookie = rest.split(';').next().unwrap_or_default();
                if cookie.is_empty() || value.contains("Max-Age=0") {
                    self.other_cookies.remove(name);
                } else {
                    self.other_cookies
                        .insert(name.to_string(), cookie.to_string());
                }
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let request = self.request("GET", path).body(Body::empty()).unwrap();
        let reply = self.app.send(request).await;
        self.keep_cookie(&reply);
        reply
    }

    /// Calls the server function `F` with form fields, as a form post.
    pub async fn call<F: leptos::server_fn::ServerFn>(&mut self, fields: &[(&str, &str)]) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let request = self
            .request("POST", F::PATH)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let reply = self.app.send(request).await;
        self.keep_cookie(&reply);
        reply
    }

    /// Posts form fields to any address, as a browser submits a form.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.post_raw(path, "application/x-www-form-urlencoded", body.into_bytes())
            .await
    }

    /// Posts exactly these bytes, as a careless or hostile client might.
    pub async fn post_raw(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let request = self
            .request("POST", path)
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap();
        let reply = self.app.send(request).await;
        self.keep_cookie(&reply);
        reply
    }

    /// Posts a file in a multipart form, as a browser's file upload does.
    pub async fn upload(&mut self, path: &str, file_name: &str, bytes: &[u8]) -> Reply {
        self.post_multipart(path, &[], "file", file_name, bytes)
            .await
    }

    /// Posts a multipart form: text `fields`, then the file in `file_field`.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file_field: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Reply {
        let boundary = "----tenant-voice-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = self
            .request("POST", path)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("content-length", body.len().to_string())
            .body(Body::from(body))
            .unwrap();
        let reply = self.app.send(request).await;
        self.keep_cookie(&reply);
        reply
    }

    /// Asks for a sign-in link for `email` and uses it.
    pub async fn sign_in(&mut self, email: &str) {
        use app::accounts::sign_in::{RequestSignInLink, UseSignInLink};
        let reply = self.call::<RequestSignInLink>(&[("email", email)]).await;
        assert!(
            reply.status < 400,
            "asking for a link failed: {} {}",
            reply.status,
            reply.body
        );
        let link = self.app.emailed_link(email, "/sign-in/link?token=").await;
        let token = link.rsplit('=').next().unwrap().to_string();
        let reply = self.call::<UseSignInLink>(&[("token", &token)]).await;
        assert!(
            reply.status < 400,
            "using the link failed: {} {}",
            reply.status,
            reply.body
        );
        assert!(
            self.cookie.is_some(),
            "signing in should set the session cookie"
        );
    }
}

/// Writes each test once and runs it on both databases:
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_databases {
    ($(#[doc = $doc:literal])* async fn $name:ident($backend:ident: Backend) $body:block $($rest:tt)*) => {
        $(#[doc = $doc])*
        async fn $name($backend: app::state::Backend) $body

        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(app::state::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(app::state::Backend::Postgres).await
            }
        }

        $crate::on_both_databases! { $($rest)* }
    };
    () => {};
}
