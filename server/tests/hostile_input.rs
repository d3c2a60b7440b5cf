//! What an attacker or a careless client sends, through HTTP on the real
//! router with the demo data, on SQLite and PostgreSQL: text that tries to
//! break out of the element it is shown in, requests the server functions
//! cannot read, and form posts that say nothing of where they come from.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
mod common;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use common::{Setup, TestApp, Visitor};
use scraper::{Html, Selector};

/// Typed text that tries to end each element the browser reads as raw text
/// and open a script. Short enough for every box's limit.
const HOSTILE: &str =
    "</textarea></title></style></script></noscript><script>alert(\"tv-xss\")</script>";
const MARK: &str = "tv-xss";
/// The hostile script as it would stand in a page if it escaped. (Pages
/// also carry their data for the browser as script, where the same text is
/// escaped as a JavaScript string and reads `alert(\"tv-xss\")`.)
const LIVE_SCRIPT: &str = "alert(\"tv-xss\")";

const BRACKENMOOR: &str = "brackenmoor-homes";
/// The demo's annual reviews are at Fernhill Vale.
const FERNHILL: &str = "fernhill-vale-housing";

/// The demo's people in every role at both landlords, and the platform's
/// administrator.
const PEOPLE: &[(&str, &str)] = &[
    (BRACKENMOOR, "margaret.oyelaran@example.org"),
    (BRACKENMOOR, "priya.shah@example.org"),
    (BRACKENMOOR, "david.kerr@example.org"),
    (BRACKENMOOR, "tom.whitfield@example.org"),
    (BRACKENMOOR, "aisha.rahman@example.org"),
    (BRACKENMOOR, "admin@example.org"),
    (FERNHILL, "eileen.doherty@example.org"),
    (FERNHILL, "stan.kowalski@example.org"),
    (FERNHILL, "lewis.grant@example.org"),
    (FERNHILL, "ruth.adebayo@example.org"),
    (FERNHILL, "grace.mensah@example.org"),
];

/// Fernhill Vale's landlord staff, who answer a signed-off review.
const FERNHILL_STAFF: &[(&str, &str)] = &[
    (FERNHILL, "lewis.grant@example.org"),
    (FERNHILL, "ruth.adebayo@example.org"),
];

/// Actions a walk through the forms must not take: they would end the
/// walker's session or account, or change its role part-way.
const NOT_TAKEN: &[&str] = &[
    "sign_out",
    "delete_account",
    "remove_password",
    "demo_sign_in",
    "change_role",
    "change_email",
    "set_password",
];

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

/// A form on a page, as a browser would submit it: every field with its
/// value, and free-text fields filled with `HOSTILE`.
struct FilledForm {
    action: String,
    fields: Vec<(String, String)>,
    /// What each field held before it was filled in.
    original: BTreeMap<String, String>,
}

fn forms_on(html: &Html) -> Vec<FilledForm> {
    let mut forms = Vec::new();
    for form in html.select(&selector("form[method=post]")) {
        let Some(action) = form.value().attr("action") else {
            continue;
        };
        if !action.starts_with("/api/") {
            continue;
        }
        let mut fields = Vec::new();
        let mut original = BTreeMap::new();
        for input in form.select(&selector("input[name]")) {
            let name = input.value().attr("name").unwrap().to_string();
            let value = input.value().attr("value").unwrap_or_default().to_string();
            original.insert(name.clone(), value.clone());
            let value = match input.value().attr("type").unwrap_or("text") {
                "text" | "email" | "search" | "url" | "tel" => HOSTILE.to_string(),
                "checkbox" | "radio" if input.value().attr("checked").is_none() => continue,
                "password" | "file" => continue,
                _ => value,
            };
            fields.push((name, value));
        }
        for select in form.select(&selector("select[name]")) {
            let name = select.value().attr("name").unwrap().to_string();
            let options: Vec<_> = select.select(&selector("option")).collect();
            let chosen = options
                .iter()
                .find(|option| option.value().attr("selected").is_some())
                .or(options.first());
            if let Some(option) = chosen {
                let value = option.value().attr("value").unwrap_or_default();
                fields.push((name, value.to_string()));
            }
        }
        for textarea in form.select(&selector("textarea[name]")) {
            let name = textarea.value().attr("name").unwrap().to_string();
            original.insert(name.clone(), textarea.text().collect());
            fields.push((name, HOSTILE.to_string()));
        }
        if let Some(button) = form.select(&selector("button[name]")).next() {
            let name = button.value().attr("name").unwrap().to_string();
            let value = button.value().attr("value").unwrap_or_default();
            fields.push((name, value.to_string()));
        }
        forms.push(FilledForm {
            action: action.to_string(),
            fields,
            original,
        });
    }
    forms
}

/// The field a refusal in `location` (`__err=…`) names, if it names one.
fn refused_field(location: &str) -> Option<String> {
    use base64::Engine;
    let query = location.split_once('?')?.1;
    let (_, encoded) =
        url::form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == "__err")?;
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(encoded.as_bytes())
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        app::error::AppError::Invalid { field, .. } => Some(field),
        _ => None,
    }
}

/// Addresses on this landlord's pages (and the account's) that a person
/// can follow from `html`.
fn links_on(html: &Html, slug: &str) -> Vec<String> {
    html.select(&selector("a[href]"))
        .filter_map(|a| a.value().attr("href"))
        .map(|href| href.split('#').next().unwrap_or_default().to_string())
        .filter(|href| {
            (href.starts_with(&format!("/landlords/{slug}")) || href.starts_with("/account"))
                && !href.contains("/open-data/")
                && !href.contains("/documents/")
                && !href.ends_with(".csv")
                && !href.ends_with(".json")
        })
        .collect()
}

/// Pages of the same kind ("/scrutiny/proposals/7" and "/8") count as one,
/// so the walk sees every kind of page without reading every proposal.
fn kind_of(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    path.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

/// What the walk saw of hostile text shown back in text boxes.
#[derive(Default)]
struct Seen {
    pages: usize,
    posts: usize,
    /// Text boxes, by field name, that showed `HOSTILE` whole, as stored.
    prefilled: BTreeSet<String>,
    /// The same, on a page that answered a refused post.
    kept_after_refusal: BTreeSet<String>,
}

/// The page holds no element made from typed text: no script, style or
/// title that carries the mark, and every text box that shows the hostile
/// text shows all of it, exactly as typed. Returns those boxes' names.
fn check_page(path: &str, body: &str) -> Vec<String> {
    let html = Html::parse_document(body);
    for tag in ["script", "style", "noscript"] {
        for element in html.select(&selector(tag)) {
            let text: String = element.text().collect();
            assert!(
                !text.contains(LIVE_SCRIPT),
                "{path}: typed text became a <{tag}> element:\n{}",
                element.html()
            );
        }
    }
    for title in html.select(&selector("title")) {
        let text: String = title.text().collect();
        assert!(
            !text.contains("</") && !text.contains('<'),
            "{path}: the title holds markup: {text}"
        );
    }
    let mut shown = Vec::new();
    for textarea in html.select(&selector("textarea")) {
        let text: String = textarea.text().collect();
        if text.contains(MARK) || text.contains("</textarea") {
            assert_eq!(
                text,
                HOSTILE,
                "{path}: the text box {:?} does not show what was typed",
                textarea.value().attr("name")
            );
            shown.push(
                textarea
                    .value()
                    .attr("name")
                    .unwrap_or_default()
                    .to_string(),
            );
        }
    }
    shown
}

/// Walks the pages `visitor` can reach from this landlord's page, checking
/// each; with `fill`, also submits every form on them with hostile text, as
/// a browser without JavaScript does, and checks the page it lands on.
async fn walk(visitor: &mut Visitor<'_>, slug: &str, fill: bool, seen: &mut Seen) {
    let mut queue = VecDeque::from([format!("/landlords/{slug}"), "/account".to_string()]);
    let mut visited = BTreeSet::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    while let Some(path) = queue.pop_front() {
        if !visited.insert(path.clone()) {
            continue;
        }
        let count = kinds.entry(kind_of(&path)).or_default();
        *count += 1;
        if *count > 2 {
            continue;
        }
        let reply = visitor.get(&path).await;
        if reply.status != 200 {
            continue;
        }
        seen.pages += 1;
        seen.prefilled.extend(check_page(&path, &reply.body));
        let (links, forms) = {
            let html = Html::parse_document(&reply.body);
            (links_on(&html, slug), forms_on(&html))
        };
        queue.extend(links);
        if !fill {
            continue;
        }
        for mut form in forms {
            if NOT_TAKEN.iter().any(|name| form.action.contains(name)) {
                continue;
            }
            // A field the server refuses (a measure code, a date) gets its
            // own value back and the form is sent again, so that the
            // hostile text in the other fields is saved where it can be.
            for _attempt in 0..4 {
                visitor.on_page = path.clone();
                let fields: Vec<(&str, &str)> = form
                    .fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let reply = visitor.post_form(&form.action, &fields).await;
                seen.posts += 1;
                assert!(
                    reply.status < 500,
                    "{} from {path} answered {}: {}",
                    form.action,
                    reply.status,
                    reply.body
                );
                let Some(location) = reply.header("location").map(str::to_string) else {
                    break;
                };
                let location = location
                    .trim_start_matches("http://portal.test")
                    .to_string();
                if !location.starts_with('/') {
                    break;
                }
                let landed = visitor.get(&location).await;
                let shown = check_page(&location, &landed.body);
                if !location.contains("__err=") {
                    seen.prefilled.extend(shown);
                    break;
                }
                seen.kept_after_refusal.extend(shown);
                let Some(field) = refused_field(&location) else {
                    break;
                };
                let Some(own) = form.original.get(&field).cloned() else {
                    break;
                };
                let mut changed = false;
                for (name, value) in form.fields.iter_mut() {
                    if *name == field && *value != own {
                        *value = own.clone();
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
        }
    }
}

async fn walk_as(app: &TestApp, people: &[(&str, &str)], fill: bool, seen: &mut Seen) {
    for (slug, email) in people {
        let mut visitor = app.browser_without_javascript();
        visitor.html = false;
        visitor.sign_in(email).await;
        visitor.html = true;
        walk(&mut visitor, slug, fill, seen).await;
    }
}

on_both_databases! {
    /// Every form on every kind of page, filled with text that tries to end
    /// its text box (and a title, style or script) and open a script: the
    /// text is stored and shown back exactly as typed, both when a box is
    /// filled in for editing and when a refused post keeps what was typed,
    /// and it never becomes an element of the page.
    async fn typed_text_shown_back_in_a_text_box_stays_text(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut seen = Seen::default();
        walk_as(&app, PEOPLE, true, &mut seen).await;
        // The landlord answers a review once the panel has signed it off;
        // the walk cannot sign for a majority, so the demo's review of the
        // year just ended is marked signed off here.
        sqlx::query(
            "UPDATE annual_reviews SET sign_off_asked_at = $1, signed_off_at = $1, response_due_at = $2 \
             WHERE published_at IS NULL",
        )
        .bind(app::time::Timestamp::now().0)
        .bind(app::time::Timestamp::now().0 + 30 * 86_400_000)
        .execute(app.db.pool())
        .await
        .unwrap();
        walk_as(&app, FERNHILL_STAFF, true, &mut seen).await;
        // Walk again, now that the hostile text is saved wherever it could be.
        walk_as(&app, PEOPLE, false, &mut seen).await;
        for slug in [BRACKENMOOR, FERNHILL] {
            let mut reader = app.browser_without_javascript();
            walk(&mut reader, slug, false, &mut seen).await;
        }

        assert!(seen.pages > 50, "the walk reached {} pages", seen.pages);
        assert!(seen.posts > 30, "the walk sent {} forms", seen.posts);
        // The boxes the outside test found open, filled in from what was saved.
        for name in ["body", "scope", "summary", "expectation", "response"] {
            assert!(
                seen.prefilled.contains(name),
                "no '{name}' box was shown filled in with saved text; seen: {:?}",
                seen.prefilled
            );
        }
        assert!(
            seen.kept_after_refusal.len() >= 5,
            "refused posts kept typed text in too few boxes: {:?}",
            seen.kept_after_refusal
        );
    }
}

/// Every number-valued argument any server function takes, so that each
/// malformed number below reaches every function that reads one.
const NUMBER_FIELDS: &[&str] = &[
    "id",
    "year",
    "base_revision",
    "charter_id",
    "from",
    "to",
    "merge_into",
    "note_id",
    "parent_id",
    "proposal_id",
    "recommendation_id",
    "request_id",
    "review_id",
    "round_id",
    "section_id",
    "user_id",
    "version",
    "weeks",
    "support",
    "vote",
];

/// Bodies no portal page sends: (what is wrong, content type, body).
fn malformed_bodies() -> Vec<(String, &'static str, Vec<u8>)> {
    const FORM: &str = "application/x-www-form-urlencoded";
    let mut bodies = vec![
        ("an empty body".to_string(), FORM, Vec::new()),
        (
            "JSON where a form is expected".to_string(),
            "application/json",
            br#"{"slug":"brackenmoor-homes","id":1,"year":2025}"#.to_vec(),
        ),
        (
            "bytes that are not UTF-8".to_string(),
            FORM,
            b"slug=\xff\xfe&id=\xc3".to_vec(),
        ),
        (
            "escaped bytes that are not UTF-8".to_string(),
            FORM,
            b"slug=%FF%FE&email=%C3".to_vec(),
        ),
    ];
    for number in ["abc", "1.5", "1e3", "0x10", "99999999999999999999", "-"] {
        let mut body = format!("slug={BRACKENMOOR}");
        for field in NUMBER_FIELDS {
            body.push_str(&format!("&{field}={number}"));
        }
        bodies.push((format!("the number {number:?}"), FORM, body.into_bytes()));
    }
    let mut twice = format!("slug={BRACKENMOOR}&slug={FERNHILL}");
    for field in NUMBER_FIELDS {
        twice.push_str(&format!("&{field}=1&{field}=2"));
    }
    bodies.push((
        "every key given twice".to_string(),
        FORM,
        twice.into_bytes(),
    ));
    bodies
}

on_both_databases! {
    /// Malformed requests of every kind, sent to every server function the
    /// router serves, signed out and signed in: each is answered 4xx with a
    /// plain message, never 500, and an oversized body 413.
    async fn malformed_requests_to_every_server_function_get_a_plain_4xx(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let paths: BTreeSet<&str> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path)
            .collect();
        assert!(paths.len() > 80, "only {} server functions were found", paths.len());
        let bodies = malformed_bodies();
        let huge = vec![b'a'; 8 * 1024 * 1024];
        let mut signed_in = app.signed_in("david.kerr@example.org").await;
        let mut signed_out = app.visitor();
        let mut walked = 0;
        for path in &paths {
            for visitor in [&mut signed_out, &mut signed_in] {
                // These need no arguments: they would end the session under test.
                let ends_session = ["sign_out", "delete_account"].iter().any(|name| path.contains(name));
                if ends_session && visitor.cookie.is_some() {
                    walked += 1;
                    continue;
                }
                // A function that takes arguments cannot run without them.
                let empty = visitor.post_raw(path, "application/x-www-form-urlencoded", Vec::new()).await;
                let takes_arguments = empty.status == 400;
                for (what, content_type, body) in &bodies {
                    let reply = visitor.post_raw(path, content_type, body.clone()).await;
                    assert!(
                        reply.status < 500,
                        "{path} answered {} to {what}: {}",
                        reply.status,
                        reply.body
                    );
                    let unreadable = ["an empty body", "JSON where a form is expected", "bytes that are not UTF-8"];
                    if takes_arguments && unreadable.contains(&what.as_str()) {
                        assert_eq!(reply.status, 400, "{path}, {what}: {}", reply.body);
                        let error: app::error::AppError = serde_json::from_str(&reply.body)
                            .unwrap_or_else(|_| panic!("{path}, {what}: not a plain error: {}", reply.body));
                        assert!(error.to_string().contains("nothing was saved"), "{path}: {error}");
                    }
                }
                let reply = visitor.post_raw(path, "application/x-www-form-urlencoded", huge.clone()).await;
                assert_eq!(reply.status, 413, "{path}: {}", reply.body);
                walked += 1;
            }
        }
        eprintln!("walked {} server functions", paths.len());
        assert_eq!(walked, paths.len() * 2);
        // A browser without JavaScript is sent back to the form with the message.
        let mut browser = app.browser_without_javascript();
        browser.on_page = format!("/landlords/{BRACKENMOOR}/scrutiny/propose");
        let propose = <app::scrutiny::Propose as leptos::server_fn::ServerFn>::PATH;
        let reply = browser.post_raw(propose, "application/x-www-form-urlencoded", b"slug=x".to_vec()).await;
        assert_eq!(reply.status, 302, "{}", reply.body);
        assert!(reply.header("location").unwrap().contains("__err="));
        let reply = browser.post_raw(propose, "application/x-www-form-urlencoded", huge).await;
        assert_eq!(reply.status, 413);
        assert!(reply.body.contains("Too much to send"), "{}", reply.body);
    }

    /// A browser that sends no Referer (some are set to hide it) is sent
    /// back to the form's own page with the message, not to the home page.
    async fn a_refused_form_post_without_a_referer_returns_to_its_own_page(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut aisha = app.signed_in("aisha.rahman@example.org").await;
        aisha.html = true;
        let page = format!("/landlords/{BRACKENMOOR}/scrutiny/propose");
        let reply = aisha.get(&page).await;
        let html = Html::parse_document(&reply.body);
        let form = forms_on(&html)
            .into_iter()
            .find(|form| form.action.contains("propose"))
            .expect("the propose form");
        assert_eq!(
            form.original.get(app::site::forms::PAGE_FIELD).map(String::as_str),
            Some(page.as_str()),
            "the form names its own page"
        );
        aisha.no_referer = true;
        let fields: Vec<(&str, &str)> = form
            .fields
            .iter()
            .map(|(k, v)| (k.as_str(), if k == "title" { "" } else { v.as_str() }))
            .collect();
        let reply = aisha.post_form(&form.action, &fields).await;
        assert_eq!(reply.status, 302, "{}", reply.body);
        let location = reply.header("location").unwrap().to_string();
        assert!(
            location.starts_with(&format!("http://portal.test{page}?")),
            "sent to {location}"
        );
        let landed = aisha.get(location.trim_start_matches("http://portal.test")).await;
        assert!(landed.body.contains("There is a problem"), "{}", landed.body);
        // The field never names another site.
        for elsewhere in ["//evil.example/x", "https://evil.example/", "/\\evil.example"] {
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (*k, if *k == app::site::forms::PAGE_FIELD { elsewhere } else { *v }))
                .collect();
            let reply = aisha.post_form(&form.action, &fields).await;
            let location = reply.header("location").unwrap_or_default();
            assert!(!location.contains("evil.example"), "{elsewhere} sent to {location}");
        }
    }

    /// Every page says which scripts may run: only the portal's own files
    /// and the page's own inline script, by its nonce; other answers none.
    async fn every_page_sends_a_content_security_policy_with_its_nonce(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut david = app.signed_in("david.kerr@example.org").await;
        let mut nonces = BTreeSet::new();
        let mut scripts_seen = 0;
        for path in [
            "/",
            "/landlords/brackenmoor-homes/scrutiny",
            "/account",
            "/no-such-page",
            "/landlords/brackenmoor-homes/performance/import",
        ] {
            let reply = david.get(path).await;
            let policy = reply.header("content-security-policy").unwrap_or_else(|| panic!("{path}: no policy")).to_string();
            for directive in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"] {
                assert!(policy.contains(directive), "{path}: {policy}");
            }
            assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
            let nonce = policy
                .split("'nonce-")
                .nth(1)
                .and_then(|rest| rest.split('\'').next())
                .unwrap_or_else(|| panic!("{path}: no nonce in {policy}"))
                .to_string();
            let html = Html::parse_document(&reply.body);
            let scripts: Vec<_> = html.select(&selector("script")).collect();
            scripts_seen += scripts.len();
            for script in scripts {
                if script.value().attr("src").is_none() {
                    assert_eq!(script.value().attr("nonce"), Some(nonce.as_str()), "{path}: {}", script.html());
                }
            }
            nonces.insert(nonce);
        }
        assert_eq!(nonces.len(), 5, "each page has its own nonce");
        assert!(scripts_seen > 0, "the page with an island carries its scripts");
        let reply = david.get("/healthz").await;
        let policy = reply.header("content-security-policy").unwrap_or_default();
        assert!(policy.contains("script-src 'none'"), "{policy}");
    }
}

/// The server writes the children of `<script>`, `<style>`, `<noscript>`,
/// `<title>` and `<textarea>` without escaping them. So no page draws one
/// itself: text boxes come only from `site::forms::TextArea`, which escapes
/// what it is given, and titles only through `<Title>`, whose formatter makes
/// them inert (`site::inert_title`). This reads the views' source to hold it.
#[test]
fn no_page_draws_an_element_whose_text_goes_unescaped() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src");
    let mut files = vec![root.clone()];
    let mut found = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(
                std::fs::read_dir(&path)
                    .unwrap()
                    .map(|entry| entry.unwrap().path()),
            );
            continue;
        }
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        let source = std::fs::read_to_string(&path).unwrap();
        // Unit tests hold hostile strings on purpose.
        let source = source
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        for (number, line) in source.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for tag in ["<script", "<style", "<noscript", "<title", "<textarea"] {
                let allowed = (tag == "<textarea" && name == "site/forms.rs")
                    // The email's own HTML, written with escaping by hand.
                    || (tag == "<title" && name == "mail.rs")
                    // Charts are SVG, whose <title> is escaped XML.
                    || (tag == "<title" && name.starts_with("performance/charts"));
                if code.contains(tag) && !code.contains(&format!("\"{tag}")) && !allowed {
                    found.push(format!("{name}:{}: {}", number + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "elements whose text is not escaped:\n{}",
        found.join("\n")
    );
}
