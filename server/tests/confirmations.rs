//! Saying that it worked, and doing it once: after a form post, the page it
//! lands on says what was done, once, in a status region and in its title;
//! and the same form sent twice (a second press, the back button) is done
//! once and answered as the first time. Through HTTP as a browser without
//! JavaScript, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]
mod common;

use app::charter::CreateCharter;
use common::{
    cast::{Member, SAM, SLUG},
    Setup, TestApp, Visitor,
};
use leptos::server_fn::ServerFn;

const PEOPLE: &[Member] = &[SAM];

/// The fields of the "start a charter" form, as the page draws it.
fn charter_form<'a>(title: &'a str, once: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("slug", SLUG),
        ("charter_title", title),
        ("charter_about", ""),
        ("__page", "/landlords/test-homes/commitments"),
        ("__once", once),
    ]
}

async fn staff_browser(app: &TestApp) -> Visitor<'_> {
    let mut sam = app.signed_in(SAM.email).await;
    sam.html = true;
    sam.on_page = format!("/landlords/{SLUG}/commitments");
    sam
}

fn status_region(page: &str) -> Option<String> {
    let start = page.find("<div role=\"status\" id=\"confirmation\"")?;
    let end = page[start..].find("</div>")? + start;
    Some(page[start..end].to_string())
}

on_both_databases! {
    async fn the_page_an_action_lands_on_says_once_that_it_worked(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut sam = staff_browser(&app).await;
        let sent = sam
            .post_form(CreateCharter::PATH, &charter_form("Our promises <to you>", "a1b2c3d4e5f6a7b8a1b2c3d4e5f6a7b8"))
            .await;
        assert_eq!(sent.status, 302, "{}", sent.body);
        let landed = sent.header("location").unwrap().to_string();
        assert!(!landed.contains("__err"), "{landed}");
        let page = sam.get(&landed).await;
        let status = status_region(&page.body).unwrap_or_else(|| panic!("no confirmation in {}", page.body));
        assert!(status.contains("Your charter “Our promises &lt;to you&gt;” is started."), "{status}");
        // Said first in the title too, which a screen reader reads as the page opens.
        assert!(page.body.contains("<title>Your charter “Our promises ‹to you›” is started. · "), "{}", page.body);
        // Once: the next page is quiet.
        let again = sam.get(&landed).await;
        assert_eq!(status_region(&again.body), None);
        // Someone else's page never shows it.
        let visitor = app.get(&landed).await;
        assert_eq!(status_region(&visitor.body), None);
    }

    async fn the_same_form_sent_twice_is_done_once_and_answered_alike(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut sam = staff_browser(&app).await;
        let once = "0123456789abcdef0123456789abcdef";
        let first = sam.post_form(CreateCharter::PATH, &charter_form("Repairs promises", once)).await;
        // The browser never saw the first answer (the second press cancelled
        // it): the second is answered the same, confirmation and all.
        sam.other_cookies.clear();
        let second = sam.post_form(CreateCharter::PATH, &charter_form("Repairs promises", once)).await;
        assert_eq!(second.status, first.status);
        assert_eq!(second.header("location"), first.header("location"));
        assert!(!second.header("location").unwrap().contains("__err"), "{:?}", second.header("location"));
        assert_eq!(app.count("SELECT COUNT(*) FROM charters").await, 1);
        let page = sam.get(second.header("location").unwrap()).await;
        assert!(status_region(&page.body).is_some_and(|s| s.contains("Repairs promises")), "{}", page.body);

        // Two presses at the same moment, on one key: one charter.
        let mut other = staff_browser(&app).await;
        other.cookie = sam.cookie.clone();
        let at_once = "fedcba9876543210fedcba9876543210";
        let fields = charter_form("Estate promises", at_once);
        let (a, b) = tokio::join!(
            sam.post_form(CreateCharter::PATH, &fields),
            other.post_form(CreateCharter::PATH, &fields),
        );
        assert_eq!(a.header("location"), b.header("location"));
        assert!(!a.header("location").unwrap().contains("__err"));
        assert_eq!(app.count("SELECT COUNT(*) FROM charters").await, 2);

        // The same form changed and sent again is a new post: here, a
        // refused one (the name is taken), which still says why.
        let changed = sam.post_form(CreateCharter::PATH, &charter_form("Repairs promises ", once)).await;
        assert!(changed.header("location").unwrap().contains("__err"), "{:?}", changed.header("location"));
        // Forms with no key (clients calling the function) are sent as they are.
        let plain = sam
            .post_form(CreateCharter::PATH, &[("slug", SLUG), ("charter_title", "Repairs promises"), ("charter_about", "")])
            .await;
        assert!(plain.header("location").unwrap().contains("__err"), "{:?}", plain.header("location"));
        assert_eq!(app.count("SELECT COUNT(*) FROM charters").await, 2);
    }
}
