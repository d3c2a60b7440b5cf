//! Accounts, sign-in, joining, invitations and the protections around them,
//! through HTTP on the real router, on SQLite and PostgreSQL.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
mod common;

use app::accounts::{
    account::{
        ChangeEmail, ChangeName, ConfirmEmailChange, DeleteAccount, RemovePassword, SetPassword,
    },
    demo::DemoSignIn,
    joining::{DecideJoinRequest, RequestToJoin},
    people::{AcceptInvitation, ChangeRole, Invite, WithdrawInvitation},
    sign_in::{
        Register, RequestSignInLink, SignInWithPassword, SignOut, SignOutEverywhere, UseSignInLink,
    },
};
use app::identity::Role;
use common::{Setup, TestApp};
use tenant_voice::demo;

fn token_of(link: &str) -> String {
    link.rsplit('=').next().unwrap().to_string()
}

on_both_databases! {
    async fn a_sign_in_link_signs_in_once(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut visitor = app.visitor();
        let reply = visitor.call::<RequestSignInLink>(&[("email", " Aisha.Rahman@Example.org ")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.header("location"), Some("/sign-in/check-email"));
        let link = app.emailed_link("aisha.rahman@example.org", "/sign-in/link?token=").await;
        // Only the hash is stored.
        let token = token_of(&link);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM email_tokens WHERE token_hash = '{token}'")).await, 0);

        // Opening the link only shows a button; it does not use the link up.
        let page = visitor.get(&link).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Sign in to Tenant Voice"));
        assert!(visitor.cookie.is_none());

        let reply = visitor.call::<UseSignInLink>(&[("token", &token)]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let cookie = reply.header("set-cookie").expect("a session cookie").to_string();
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http must not mark the cookie Secure: {cookie}");
        let account = visitor.get("/account").await;
        assert_eq!(account.status, 200);
        assert!(account.body.contains("Aisha Rahman"));
        assert!(account.body.contains("Brackenmoor Homes"));

        // Used once: a second use fails, for anyone.
        let mut other = app.visitor();
        let reply = other.call::<UseSignInLink>(&[("token", &token)]).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(reply.body.contains("expired or has already been used"));
        assert!(other.cookie.is_none());
    }

    async fn expired_and_forged_links_are_refused_and_audited(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut visitor = app.visitor();
        visitor.call::<RequestSignInLink>(&[("email", "tom.whitfield@example.org")]).await;
        let token = token_of(&app.emailed_link("tom.whitfield@example.org", "/sign-in/link?token=").await);
        sqlx::query("UPDATE email_tokens SET expires_at = expires_at - 15 * 60 * 1000 - 1")
            .execute(app.db.pool()).await.unwrap();
        let expired = visitor.call::<UseSignInLink>(&[("token", &token)]).await;
        assert_eq!(expired.status, 422);
        let forged = visitor.call::<UseSignInLink>(&[("token", &"a".repeat(64))]).await;
        assert_eq!(forged.status, 422);
        let nonsense = visitor.call::<UseSignInLink>(&[("token", "'; DROP TABLE users; --")]).await;
        assert_eq!(nonsense.status, 422);
        assert!(visitor.cookie.is_none());
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in_failed'").await, 3);
        assert_eq!(visitor.get("/account").await.status, 401);
    }

    async fn the_sign_in_page_answers_alike_for_unknown_addresses(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let known = app.visitor().call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await;
        let unknown = app.visitor().call::<RequestSignInLink>(&[("email", "nobody@example.org")]).await;
        assert_eq!((known.status, known.header("location")), (unknown.status, unknown.header("location")));
        assert_eq!(known.body, unknown.body);
        let outbox = app.outbox().await;
        assert_eq!(outbox.len(), 1);
        assert_eq!(outbox[0].0, "aisha.rahman@example.org");
        // A malformed address is a clear error about the field.
        let bad = app.visitor().call::<RequestSignInLink>(&[("email", "aisha@")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("\"field\":\"email\""), "{}", bad.body);
    }

    async fn without_javascript_errors_come_back_to_the_form(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut browser = app.browser_without_javascript();
        browser.on_page = "/sign-in".into();
        let reply = browser.call::<RequestSignInLink>(&[("email", "not an email")]).await;
        assert_eq!(reply.status, 302);
        assert!(browser.other_cookies.contains_key(app::site::forms::TYPED_COOKIE), "{:?}", reply.headers);
        let location = reply.header("location").unwrap().to_string();
        assert!(location.contains("__err="), "{location}");
        let page = browser.get(location.trim_start_matches(&format!("http://{}", common::HOST))).await;
        assert!(page.body.contains("Enter an email address like name@example.org"), "the error should show on the page");
        let field = page.body.split("id=\"sign-in-email\"").nth(1).unwrap_or_default().split('>').next().unwrap_or_default();
        assert!(field.contains("value=\"not an email\""), "what was typed should be kept: {field}");
        assert!(browser.other_cookies.is_empty(), "the typed text is forgotten once shown");
        // Passwords are never kept.
        browser.call::<SignInWithPassword>(&[("email", "aisha.rahman@example.org"), ("password", "secret secret")]).await;
        let typed = browser.other_cookies.get(app::site::forms::TYPED_COOKIE).expect("typed fields kept");
        let typed = app::site::forms::TypedFields::decode(typed).unwrap();
        assert_eq!(typed.fields, vec![("email".to_string(), "aisha.rahman@example.org".to_string())]);
        let reply = browser.call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await;
        assert_eq!((reply.status, reply.header("location")), (302, Some("/sign-in/check-email")));
    }

    async fn signing_in_changes_the_session_id(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut visitor = app.signed_in("aisha.rahman@example.org").await;
        let first = visitor.cookie.clone().unwrap();
        visitor.sign_in("aisha.rahman@example.org").await;
        let second = visitor.cookie.clone().unwrap();
        assert_ne!(first, second, "the session id must change at sign-in");
        let mut stale = app.visitor();
        stale.cookie = Some(first);
        assert_eq!(stale.get("/account").await.status, 401, "the old id must be worthless");
        assert_eq!(visitor.get("/account").await.status, 200);
    }

    async fn signing_out_ends_the_session(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut visitor = app.signed_in("aisha.rahman@example.org").await;
        let cookie = visitor.cookie.clone();
        let reply = visitor.call::<SignOut>(&[]).await;
        assert_eq!(reply.header("location"), Some("/signed-out"));
        assert!(visitor.cookie.is_none(), "the cookie should be cleared");
        let mut replay = app.visitor();
        replay.cookie = cookie;
        assert_eq!(replay.get("/account").await.status, 401, "the session must be gone on the server too");
    }

    async fn signing_out_everywhere_ends_every_session(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut phone = app.signed_in("aisha.rahman@example.org").await;
        let mut laptop = app.signed_in("aisha.rahman@example.org").await;
        let mut someone_else = app.signed_in("tom.whitfield@example.org").await;
        let reply = laptop.call::<SignOutEverywhere>(&[]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(phone.get("/account").await.status, 401);
        assert_eq!(laptop.get("/account").await.status, 401);
        assert_eq!(someone_else.get("/account").await.status, 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'signed_out_everywhere'").await, 1);
        // A new sign-in works as before.
        phone.sign_in("aisha.rahman@example.org").await;
        assert_eq!(phone.get("/account").await.status, 200);
    }

    async fn sessions_end_after_inactivity(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut visitor = app.signed_in("aisha.rahman@example.org").await;
        sqlx::query("UPDATE sessions SET expires_at = 1").execute(app.db.pool()).await.unwrap();
        assert_eq!(visitor.get("/account").await.status, 401);
    }

    async fn over_https_the_cookie_is_secure(backend: Backend) {
        let app = TestApp::start_with(backend, Setup { base_url: Some("https://portal.test"), ..Setup::default() }).await;
        app.add_person("Aisha Rahman", "aisha@example.org", None).await;
        let mut visitor = app.visitor();
        visitor.call::<RequestSignInLink>(&[("email", "aisha@example.org")]).await;
        let body = &app.outbox().await[0].2;
        let token = body.split_whitespace().find(|w| w.starts_with("https://portal.test/sign-in/link?token=")).map(token_of).expect("an https link");
        let reply = visitor.call::<UseSignInLink>(&[("token", &token)]).await;
        assert!(reply.header("set-cookie").unwrap().contains("Secure"));
    }

    async fn registering_never_reveals_who_has_an_account(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let new = app.visitor().call::<Register>(&[("name", "Nia Brown"), ("email", "nia@example.net")]).await;
        let taken = app.visitor().call::<Register>(&[("name", "Someone"), ("email", "aisha.rahman@example.org")]).await;
        assert_eq!((new.status, new.header("location"), &new.body), (taken.status, taken.header("location"), &taken.body));
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'nia@example.net'").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE display_name = 'Someone'").await, 0);
        let outbox = app.outbox().await;
        assert_eq!(outbox[0].1, "Finish creating your Tenant Voice account");
        assert_eq!(outbox[1].1, "You already have a Tenant Voice account");
        // Both messages say why they were sent, and both let the owner in.
        for (to, _, body) in &outbox {
            assert!(body.contains("Why you received this:"), "{body}");
            app.signed_in(to).await;
        }
        let empty = app.visitor().call::<Register>(&[("name", "  "), ("email", "x@example.net")]).await;
        assert_eq!(empty.status, 422);
        assert!(empty.body.contains("\"field\":\"name\""));
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'x@example.net'").await, 0);
    }

    async fn a_request_to_join_is_approved_by_staff(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        app.visitor().call::<Register>(&[("name", "Nia Brown"), ("email", "nia@example.net")]).await;
        let mut nia = app.signed_in("nia@example.net").await;
        let form = nia.get("/landlords/brackenmoor-homes/join").await;
        assert!(form.body.contains("Tenancy reference"));
        let bad = nia.call::<RequestToJoin>(&[("slug", "brackenmoor-homes"), ("tenancy_reference", "<script>")]).await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("tenancy_reference"));
        // A double click makes one request, not two.
        for _ in 0..2 {
            let reply = nia.call::<RequestToJoin>(&[("slug", "brackenmoor-homes"), ("tenancy_reference", "BH-204518")]).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM join_requests").await, 1);
        let waiting = nia.get("/landlords/brackenmoor-homes/join").await;
        assert!(waiting.body.contains("Your request is waiting"));
        assert!(waiting.body.contains("BH-204518"));

        let mut staff = app.signed_in("priya.shah@example.org").await;
        let people = staff.get("/landlords/brackenmoor-homes/people").await;
        assert_eq!(people.status, 200);
        assert!(people.body.contains("Nia Brown") && people.body.contains("BH-204518"));
        let (request_id,): (i64,) = sqlx::query_as("SELECT id FROM join_requests").fetch_one(app.db.pool()).await.unwrap();
        let id = request_id.to_string();
        let reply = staff.call::<DecideJoinRequest>(&[("slug", "brackenmoor-homes"), ("request_id", &id), ("decision", "approve")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'nia@example.net' AND m.role = 'resident'").await, 1);
        let again = staff.call::<DecideJoinRequest>(&[("slug", "brackenmoor-homes"), ("request_id", &id), ("decision", "approve")]).await;
        assert_eq!(again.status, 409, "a decided request cannot be decided twice");
        let (_, subject, _) = app.outbox().await.pop().unwrap();
        assert_eq!(subject, "You are now a verified resident of Brackenmoor Homes");
        assert!(nia.get("/landlords/brackenmoor-homes/join").await.body.contains("already part of Brackenmoor Homes as resident"));
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'join_approved'").await, 1);
    }

    async fn a_declined_request_tells_the_person_why(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let nia_id = app.add_person("Nia Brown", "nia@example.net", None).await;
        let mut nia = app.signed_in("nia@example.net").await;
        nia.call::<RequestToJoin>(&[("slug", "brackenmoor-homes"), ("tenancy_reference", "BH-1")]).await;
        let (request_id,): (i64,) = sqlx::query_as("SELECT id FROM join_requests").fetch_one(app.db.pool()).await.unwrap();
        let id = request_id.to_string();
        let mut staff = app.signed_in("priya.shah@example.org").await;
        let no_reason = staff.call::<DecideJoinRequest>(&[("slug", "brackenmoor-homes"), ("request_id", &id), ("decision", "decline"), ("reason", " ")]).await;
        assert_eq!(no_reason.status, 422);
        assert!(no_reason.body.contains("\"field\":\"reason\""));
        let reason = "We could not find tenancy BH-1. Please check the number on your rent statement.";
        let reply = staff.call::<DecideJoinRequest>(&[("slug", "brackenmoor-homes"), ("request_id", &id), ("decision", "decline"), ("reason", reason)]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM memberships WHERE user_id = {nia_id}")).await, 0);
        let page = nia.get("/landlords/brackenmoor-homes/join").await;
        assert!(page.body.contains("was not approved"));
        assert!(page.body.contains("We could not find tenancy BH-1."));
        let (_, subject, body) = app.outbox().await.pop().unwrap();
        assert_eq!(subject, "Your request to join Brackenmoor Homes was not approved");
        assert!(body.contains(reason));
        // Declined people may ask again.
        let reply = nia.call::<RequestToJoin>(&[("slug", "brackenmoor-homes"), ("tenancy_reference", "BH-204518")]).await;
        assert_eq!(reply.status, 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM join_requests WHERE status = 'pending'").await, 1);
    }

    async fn an_invitation_works_once_and_expires(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut staff = app.signed_in("priya.shah@example.org").await;
        let reply = staff.call::<Invite>(&[("slug", "brackenmoor-homes"), ("email", "New.Member@example.net"), ("role", "panel_member")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let link = app.emailed_link("new.member@example.net", "/invitations/accept?token=").await;
        let page = app.visitor().get(&link).await;
        assert!(page.body.contains("Brackenmoor Homes") && page.body.contains("panel member"), "{}", page.body);
        assert!(page.body.contains("Your name"), "a new person is asked their name");

        let mut invitee = app.visitor();
        let no_name = invitee.call::<AcceptInvitation>(&[("token", &token_of(&link)), ("name", "")]).await;
        assert_eq!(no_name.status, 422);
        assert_eq!(app.count("SELECT COUNT(*) FROM invitations WHERE accepted_at IS NOT NULL").await, 0, "a failed acceptance uses nothing up");
        let reply = invitee.call::<AcceptInvitation>(&[("token", &token_of(&link)), ("name", "Jo New")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.header("location"), Some("/landlords/brackenmoor-homes"));
        assert!(invitee.get("/account").await.body.contains("Panel member"));
        let again = app.visitor().call::<AcceptInvitation>(&[("token", &token_of(&link)), ("name", "Jo Again")]).await;
        assert_eq!(again.status, 422);

        staff.call::<Invite>(&[("slug", "brackenmoor-homes"), ("email", "late@example.net"), ("role", "resident")]).await;
        let late = app.emailed_link("late@example.net", "/invitations/accept?token=").await;
        sqlx::query("UPDATE invitations SET expires_at = 1 WHERE email = 'late@example.net'").execute(app.db.pool()).await.unwrap();
        let expired = app.visitor().call::<AcceptInvitation>(&[("token", &token_of(&late)), ("name", "Late")]).await;
        assert_eq!(expired.status, 422);
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'late@example.net'").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('invitation_sent', 'invitation_accepted')").await, 3);
    }

    async fn staff_cannot_hand_out_more_power_than_they_hold(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut staff = app.signed_in("priya.shah@example.org").await;
        let reply = staff.call::<Invite>(&[("slug", "brackenmoor-homes"), ("email", "boss@example.net"), ("role", "landlord_admin")]).await;
        assert_eq!(reply.status, 403);
        let (tom,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE email = 'tom.whitfield@example.org'").fetch_one(app.db.pool()).await.unwrap();
        let reply = staff.call::<ChangeRole>(&[("slug", "brackenmoor-homes"), ("user_id", &tom.to_string()), ("role", "panel_chair")]).await;
        assert_eq!(reply.status, 403);
        assert_eq!(staff.get("/landlords/brackenmoor-homes/audit").await.status, 403);

        let mut admin = app.signed_in("david.kerr@example.org").await;
        let reply = admin.call::<ChangeRole>(&[("slug", "brackenmoor-homes"), ("user_id", &tom.to_string()), ("role", "panel_chair")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let log = admin.get("/landlords/brackenmoor-homes/audit").await;
        assert_eq!(log.status, 200);
        assert!(log.body.contains("role changed") && log.body.contains("panel_member -&gt; panel_chair") || log.body.contains("panel_member -> panel_chair"), "{}", log.body);
        // The only administrator cannot remove themselves.
        let (david,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE email = 'david.kerr@example.org'").fetch_one(app.db.pool()).await.unwrap();
        let reply = admin.call::<ChangeRole>(&[("slug", "brackenmoor-homes"), ("user_id", &david.to_string()), ("role", "none")]).await;
        assert_eq!(reply.status, 409);
    }

    async fn an_admin_of_one_landlord_can_do_nothing_at_another(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        // A request waiting at Fernhill Vale, and one of its members.
        let nia = app.add_person("Nia Brown", "nia@example.net", None).await;
        sqlx::query("INSERT INTO join_requests (user_id, organisation_id, tenancy_reference, created_at) SELECT $1, id, 'FV-1', 0 FROM organisations WHERE slug = 'fernhill-vale-housing'")
            .bind(nia).execute(app.db.pool()).await.unwrap();
        let (request_id,): (i64,) = sqlx::query_as("SELECT id FROM join_requests").fetch_one(app.db.pool()).await.unwrap();
        let (grace,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE email = 'grace.mensah@example.org'").fetch_one(app.db.pool()).await.unwrap();
        let before = app.count("SELECT COUNT(*) FROM audit_log").await;

        // David administers Brackenmoor Homes only.
        let mut david = app.signed_in("david.kerr@example.org").await;
        let fernhill = "fernhill-vale-housing";
        let (request_id, grace) = (request_id.to_string(), grace.to_string());
        let attempts = [
            david.get(&format!("/landlords/{fernhill}/people")).await.status,
            david.get(&format!("/landlords/{fernhill}/audit")).await.status,
            david.call::<DecideJoinRequest>(&[("slug", fernhill), ("request_id", &request_id), ("decision", "approve")]).await.status,
            david.call::<DecideJoinRequest>(&[("slug", fernhill), ("request_id", &request_id), ("decision", "decline"), ("reason", "no")]).await.status,
            david.call::<Invite>(&[("slug", fernhill), ("email", "x@example.net"), ("role", "landlord_admin")]).await.status,
            david.call::<Invite>(&[("slug", fernhill), ("email", "x@example.net"), ("role", "resident")]).await.status,
            david.call::<ChangeRole>(&[("slug", fernhill), ("user_id", &grace), ("role", "landlord_admin")]).await.status,
            david.call::<ChangeRole>(&[("slug", fernhill), ("user_id", &grace), ("role", "none")]).await.status,
        ];
        assert_eq!(attempts, [403; 8]);
        // Pointing his own landlord's address at the other landlord's request changes nothing either.
        let sideways = david.call::<DecideJoinRequest>(&[("slug", "brackenmoor-homes"), ("request_id", &request_id), ("decision", "approve")]).await;
        assert_eq!(sideways.status, 409);
        let sideways = david.call::<ChangeRole>(&[("slug", "brackenmoor-homes"), ("user_id", &grace), ("role", "none")]).await;
        assert_eq!(sideways.status, 404);
        assert_eq!(app.count("SELECT COUNT(*) FROM join_requests WHERE status = 'pending'").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 0);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM memberships WHERE user_id = {grace} AND role = 'resident'")).await, 1);
        // Only his own sign-in was recorded.
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, before + 2);

        // And nobody signed out may do any of it.
        let mut stranger = app.visitor();
        assert_eq!(stranger.get(&format!("/landlords/{fernhill}/people")).await.status, 401);
        assert_eq!(stranger.call::<Invite>(&[("slug", fernhill), ("email", "x@example.net"), ("role", "resident")]).await.status, 401);
    }

    async fn cross_origin_posts_are_refused(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        for (header, value) in [
            ("origin", "http://evil.example"),
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-site", "same-site"),
            ("origin", "null"),
        ] {
            for html in [false, true] {
                let mut visitor = app.visitor();
                visitor.html = html;
                visitor.extra.push((header, value.to_string()));
                let reply = visitor.call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await;
                assert_eq!(reply.status, 403, "{header}: {value}");
                assert!(reply.body.contains("so it was refused"), "{}", reply.body);
            }
        }
        assert!(app.outbox().await.is_empty(), "a refused request changes nothing");
        // A signed-in person's session cannot be used from another site either.
        let mut aisha = app.signed_in("aisha.rahman@example.org").await;
        aisha.extra.push(("origin", "http://evil.example".into()));
        assert_eq!(aisha.call::<SignOutEverywhere>(&[]).await.status, 403);
        // The portal's own pages are fine, with or without the browser's marks.
        let mut own = app.visitor();
        own.extra.push(("origin", "http://portal.test".into()));
        assert_eq!(own.call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await.status, 200);
        let mut own = app.visitor();
        own.extra.push(("sec-fetch-site", "same-origin".into()));
        assert_eq!(own.call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await.status, 200);
    }

    async fn posts_that_say_nothing_of_where_they_come_from_are_refused(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        // No browser submits a form without Origin or Sec-Fetch-Site; a
        // request with neither might be forged, so it changes nothing.
        for html in [false, true] {
            let mut visitor = app.visitor();
            visitor.html = html;
            visitor.no_origin = true;
            let reply = visitor.call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await;
            assert_eq!(reply.status, 403, "{}", reply.body);
            assert!(reply.body.contains("so it was refused"), "{}", reply.body);
        }
        let mut aisha = app.signed_in("aisha.rahman@example.org").await;
        aisha.no_origin = true;
        assert_eq!(aisha.call::<SignOutEverywhere>(&[]).await.status, 403);
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1, "still signed in");
        // Reading needs neither.
        let mut reader = app.visitor();
        reader.no_origin = true;
        assert_eq!(reader.get("/landlords/brackenmoor-homes").await.status, 200);
    }

    async fn sign_in_requests_are_rate_limited_then_released(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        for _ in 0..5 {
            let reply = app.visitor().call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await;
            assert_eq!(reply.status, 200);
        }
        let limited = app.visitor().call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await;
        assert_eq!(limited.status, 429);
        assert!(limited.body.contains("RateLimited"), "{}", limited.body);
        let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=900).contains(&wait), "{wait}");
        assert_eq!(app.outbox().await.len(), 5, "no link is sent past the limit");
        // A browser without JavaScript gets the message on the page.
        let mut browser = app.browser_without_javascript();
        browser.on_page = "/sign-in".into();
        let reply = browser.call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await;
        let location = reply.header("location").unwrap().to_string();
        let page = browser.get(location.trim_start_matches("http://portal.test")).await;
        assert!(page.body.contains("Too many attempts. Please try again in 15 minutes."), "{}", page.body);
        // Another address is not held up by Aisha's limit.
        assert_eq!(app.visitor().call::<RequestSignInLink>(&[("email", "tom.whitfield@example.org")]).await.status, 200);
        // When the window has passed, the limit is released.
        sqlx::query("UPDATE rate_limits SET window_start = window_start - 15 * 60 * 1000")
            .execute(app.db.pool()).await.unwrap();
        assert_eq!(app.visitor().call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await.status, 200);
    }

    async fn the_demo_personas_exist_only_in_demo_mode(backend: Backend) {
        let app = TestApp::start(backend).await;
        demo::load(&app.db).await.unwrap();
        let mut visitor = app.visitor();
        assert_eq!(visitor.get("/demo").await.status, 404);
        let reply = visitor.call::<DemoSignIn>(&[("email", "david.kerr@example.org")]).await;
        assert_eq!(reply.status, 404);
        assert!(visitor.cookie.is_none());
        let mut browser = app.browser_without_javascript();
        assert_eq!(browser.call::<DemoSignIn>(&[("email", "david.kerr@example.org")]).await.status, 404);

        let app = TestApp::start_with(backend, Setup { demo_mode: true, ..Setup::default() }).await;
        demo::load(&app.db).await.unwrap();
        let mut visitor = app.visitor();
        let page = visitor.get("/demo").await;
        assert_eq!(page.status, 200);
        for name in ["Aisha Rahman", "David Kerr", "Sam Okafor", "Portal Administrator"] {
            assert!(page.body.contains(name), "{name}");
        }
        let reply = visitor.call::<DemoSignIn>(&[("email", "david.kerr@example.org")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(visitor.get("/account").await.body.contains("Landlord administrator"));
        // Only the invented people.
        app.add_person("Real Person", "real@council.example.net", None).await;
        assert_eq!(app.visitor().call::<DemoSignIn>(&[("email", "real@council.example.net")]).await.status, 404);
    }

    async fn the_header_shows_who_is_signed_in(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut visitor = app.visitor();
        assert!(visitor.get("/").await.body.contains("href=\"/sign-in\""));
        visitor.sign_in("aisha.rahman@example.org").await;
        let home = visitor.get("/").await.body;
        assert!(home.contains("Your account"));
        assert!(home.contains("Sign out"));
        assert!(!home.contains("href=\"/sign-in\""));
    }
}

on_both_databases! {
    async fn a_password_can_be_added_used_and_removed(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut aisha = app.signed_in("aisha.rahman@example.org").await;
        let short = aisha.call::<SetPassword>(&[("password", "short"), ("password_again", "short")]).await;
        assert_eq!(short.status, 422);
        let different = aisha.call::<SetPassword>(&[("password", "blue kettle morning"), ("password_again", "blue kettle evening")]).await;
        assert_eq!(different.status, 422);
        assert!(different.body.contains("password_again"));
        let set = aisha.call::<SetPassword>(&[("password", "blue kettle morning"), ("password_again", "blue kettle morning")]).await;
        assert_eq!(set.status, 200, "{}", set.body);
        let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM users WHERE email = 'aisha.rahman@example.org'")
            .fetch_one(app.db.pool()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"), "stored hashed: {hash}");
        assert!(!hash.contains("blue kettle"));
        assert_eq!(app.outbox().await.last().unwrap().1, "Your Tenant Voice password was changed");

        let mut laptop = app.visitor();
        let wrong = laptop.call::<SignInWithPassword>(&[("email", "aisha.rahman@example.org"), ("password", "blue kettle evening")]).await;
        let unknown = laptop.call::<SignInWithPassword>(&[("email", "nobody@example.org"), ("password", "blue kettle evening")]).await;
        assert_eq!((wrong.status, &wrong.body), (unknown.status, &unknown.body), "a wrong password and an unknown address look alike");
        assert_eq!(wrong.status, 422);
        assert!(laptop.cookie.is_none());
        let right = laptop.call::<SignInWithPassword>(&[("email", "Aisha.Rahman@example.org"), ("password", "blue kettle morning")]).await;
        assert_eq!(right.status, 200, "{}", right.body);
        assert_eq!(laptop.get("/account").await.status, 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in_failed' AND subject LIKE '%password'").await, 2);

        aisha.call::<RemovePassword>(&[]).await;
        let after = app.visitor().call::<SignInWithPassword>(&[("email", "aisha.rahman@example.org"), ("password", "blue kettle morning")]).await;
        assert_eq!(after.status, 422);
    }

    async fn wrong_passwords_are_rate_limited(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        for _ in 0..10 {
            let reply = app.visitor().call::<SignInWithPassword>(&[("email", "tom.whitfield@example.org"), ("password", "guess guess guess")]).await;
            assert_eq!(reply.status, 422);
        }
        let limited = app.visitor().call::<SignInWithPassword>(&[("email", "tom.whitfield@example.org"), ("password", "guess guess guess")]).await;
        assert_eq!(limited.status, 429);
    }

    async fn name_and_email_changes(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut aisha = app.signed_in("aisha.rahman@example.org").await;
        assert_eq!(aisha.call::<ChangeName>(&[("name", "")]).await.status, 422);
        assert_eq!(aisha.call::<ChangeName>(&[("name", "Aisha R.")]).await.status, 200);
        assert!(aisha.get("/account").await.body.contains("Aisha R."));

        // A new address changes only when its link is used.
        let reply = aisha.call::<ChangeEmail>(&[("email", "aisha.new@example.net")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'aisha.rahman@example.org'").await, 1);
        let link = app.emailed_link("aisha.new@example.net", "/account/confirm-email?token=").await;
        assert_eq!(aisha.get(&link).await.status, 200);
        let confirm = aisha.call::<ConfirmEmailChange>(&[("token", &token_of(&link))]).await;
        assert_eq!(confirm.status, 200, "{}", confirm.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'aisha.new@example.net'").await, 1);
        let (to, subject, _) = app.outbox().await.pop().unwrap();
        assert_eq!((to.as_str(), subject.as_str()), ("aisha.rahman@example.org", "Your Tenant Voice email address was changed"));
        assert_eq!(aisha.call::<ConfirmEmailChange>(&[("token", &token_of(&link))]).await.status, 422);

        // An address that is taken is never handed over.
        aisha.call::<ChangeEmail>(&[("email", "tom.whitfield@example.org")]).await;
        let (to, subject, body) = app.outbox().await.pop().unwrap();
        assert_eq!((to.as_str(), subject.as_str()), ("tom.whitfield@example.org", "This address already has a Tenant Voice account"));
        assert!(!body.contains("token="));
    }

    async fn everything_held_about_a_person_can_be_downloaded(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut sam = app.signed_in("sam.okafor@example.org").await;
        let export = sam.get("/api/account/export").await;
        assert_eq!(export.status, 200, "{}", export.body);
        assert!(export.header("content-disposition").unwrap().contains("attachment"));
        let data: serde_json::Value = serde_json::from_str(&export.body).unwrap();
        assert_eq!(data["email"], "sam.okafor@example.org");
        assert_eq!(data["memberships"].as_array().unwrap().len(), 2);
        assert!(data["activity"].as_array().unwrap().iter().any(|event| event["action"] == "signed_in"));
        assert_eq!(app.visitor().get("/api/account/export").await.status, 401);
    }

    async fn a_deleted_account_is_emptied_but_its_row_stays(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut aisha = app.signed_in("aisha.rahman@example.org").await;
        let mut phone = app.signed_in("aisha.rahman@example.org").await;
        let (id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE email = 'aisha.rahman@example.org'").fetch_one(app.db.pool()).await.unwrap();
        let unticked = aisha.call::<DeleteAccount>(&[]).await;
        assert_eq!(unticked.status, 422);
        let reply = aisha.call::<DeleteAccount>(&[("understood", "yes")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.header("location"), Some("/account-deleted"));
        let (name, email, deleted): (String, String, Option<i64>) = sqlx::query_as("SELECT display_name, email, deleted_at FROM users WHERE id = $1")
            .bind(id).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(name, "Former resident");
        assert!(!email.contains("aisha"));
        assert!(deleted.is_some());
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM memberships WHERE user_id = {id}")).await, 0);
        assert_eq!(phone.get("/account").await.status, 401, "every session ends");
        // The address is free again, and no link reaches the old account.
        let sent = app.outbox().await.len();
        app.visitor().call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await;
        assert_eq!(app.outbox().await.len(), sent);
        assert_eq!(app.visitor().call::<Register>(&[("name", "Aisha Again"), ("email", "aisha.rahman@example.org")]).await.status, 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'aisha.rahman@example.org' AND deleted_at IS NULL").await, 1);
    }
}

#[test]
fn roles_stay_in_step_with_the_database() {
    // The migration's CHECK lists the same roles as the code.
    let migration = include_str!("../../migrations/sqlite/0001_foundation.sql");
    for role in Role::ALL {
        assert!(
            migration.contains(&format!("'{}'", role.as_str())),
            "{role:?}"
        );
    }
}

/// Every landlord's kept counts against a count of the rows, and every
/// member's sort name against their name.
async fn counts_match_a_recount(app: &TestApp) {
    let wrong = app
        .count(
            "SELECT COUNT(*) FROM organisations o JOIN organisation_counts c ON c.organisation_id = o.id \
             WHERE c.members <> (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = o.id) \
             OR c.pending_requests <> (SELECT COUNT(*) FROM join_requests r WHERE r.organisation_id = o.id AND r.status = 'pending')",
        )
        .await;
    assert_eq!(wrong, 0, "landlords whose counts are wrong");
    let uncounted = app
        .count("SELECT COUNT(*) FROM organisations WHERE id NOT IN (SELECT organisation_id FROM organisation_counts)")
        .await;
    assert_eq!(uncounted, 0, "landlords without counts");
    let misnamed = app
        .count("SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.sort_name <> u.display_name")
        .await;
    assert_eq!(misnamed, 0, "members listed under an old name");
}

on_both_databases! {
    async fn long_lists_of_members_and_requests_come_a_page_at_a_time(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        // 120 more residents, named to come first, and 70 people waiting.
        for n in 0..120 {
            app.add_person(&format!("Aaron {n:03}"), &format!("aaron{n}@example.net"), Some(("brackenmoor-homes", Role::Resident))).await;
        }
        for n in 0..70 {
            let id = app.add_person(&format!("Asker {n:02}"), &format!("asker{n}@example.net"), None).await;
            sqlx::query("INSERT INTO join_requests (user_id, organisation_id, tenancy_reference, created_at) SELECT $1, id, 'BH-1', $2 FROM organisations WHERE slug = 'brackenmoor-homes'")
                .bind(id).bind(n as i64).execute(app.db.pool()).await.unwrap();
        }
        let total = app.count("SELECT COUNT(*) FROM memberships m JOIN organisations o ON o.id = m.organisation_id WHERE o.slug = 'brackenmoor-homes'").await;
        assert_eq!(total, 126);
        let mut staff = app.signed_in("priya.shah@example.org").await;
        let people = "/landlords/brackenmoor-homes/people";

        let first = staff.get(people).await;
        assert_eq!(first.status, 200);
        let body = &first.body;
        assert!(body.contains("Showing 1 to 50 of 126 members"), "{body}");
        assert!(body.contains("Aaron 000") && body.contains("Aaron 049") && !body.contains("Aaron 050"));
        assert!(body.contains(&format!("href=\"{people}?page=2#members\"")), "{body}");
        assert!(!body.contains("Previous page<span class=\"visually-hidden\"> of members"));
        assert!(body.contains("Showing 1 to 50 of 70 requests"), "{body}");
        assert!(body.contains("Asker 00") && body.contains("Asker 49") && !body.contains("Asker 50"));
        assert!(body.contains(&format!("href=\"{people}?requests_page=2#requests\"")), "{body}");

        let second = staff.get(&format!("{people}?page=2")).await.body;
        assert!(second.contains("Showing 51 to 100 of 126 members"), "{second}");
        assert!(second.contains("Aaron 050") && second.contains("Aaron 099") && !second.contains("Aaron 049<"));
        assert!(second.contains(&format!("href=\"{people}#members\"")), "back to the first page: {second}");
        assert!(second.contains(&format!("href=\"{people}?page=3#members\"")), "{second}");

        // The last page ends with the demo's people, in name order.
        let last = staff.get(&format!("{people}?page=3")).await.body;
        assert!(last.contains("Showing 101 to 126 of 126 members"), "{last}");
        let (aisha, sam) = (last.find("Aisha Rahman").unwrap(), last.find("Sam Okafor").unwrap());
        assert!(aisha < sam);
        assert!(!last.contains("?page=4"));

        // Pages past the end, or not numbers at all, show the nearest page.
        for (asked, showing) in [
            ("999", "Showing 101 to 126 of 126 members"),
            ("99999999999999999999999", "Showing 101 to 126 of 126 members"),
            ("0", "Showing 1 to 50 of 126 members"),
            ("-2", "Showing 1 to 50 of 126 members"),
            ("two", "Showing 1 to 50 of 126 members"),
            ("", "Showing 1 to 50 of 126 members"),
        ] {
            let page = staff.get(&format!("{people}?page={asked}")).await;
            assert_eq!(page.status, 200, "page {asked:?}");
            assert!(page.body.contains(showing), "page {asked:?}: {}", page.body);
        }

        // Each list's links keep the other list where it was.
        let both = staff.get(&format!("{people}?page=2&requests_page=2")).await.body;
        assert!(both.contains("Showing 51 to 70 of 70 requests"), "{both}");
        assert!(both.contains("Asker 50") && both.contains("Asker 69") && !both.contains("Asker 49"));
        assert!(both.contains(&format!("href=\"{people}?page=3&amp;requests_page=2#members\"")), "{both}");
        assert!(both.contains(&format!("href=\"{people}?page=2#requests\"")), "{both}");

        // Without JavaScript the same links are plain addresses to follow.
        let mut browser = app.browser_without_javascript();
        browser.cookie = staff.cookie.clone();
        let page = browser.get(&format!("{people}?page=2")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Showing 51 to 100 of 126 members"));
        counts_match_a_recount(&app).await;
    }

    async fn member_and_request_counts_follow_every_change(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        counts_match_a_recount(&app).await;
        let slug = "brackenmoor-homes";
        let mut staff = app.signed_in("priya.shah@example.org").await;
        let request_from = |email: &'static str, name: &'static str| {
            let app = &app;
            async move {
                app.visitor().call::<Register>(&[("name", name), ("email", email)]).await;
                let mut person = app.signed_in(email).await;
                let reply = person.call::<RequestToJoin>(&[("slug", slug), ("tenancy_reference", "BH-9")]).await;
                assert_eq!(reply.status, 200, "{}", reply.body);
                let (id,): (i64,) = sqlx::query_as("SELECT r.id FROM join_requests r JOIN users u ON u.id = r.user_id WHERE u.email = $1 AND r.status = 'pending'")
                    .bind(email).fetch_one(app.db.pool()).await.unwrap();
                id.to_string()
            }
        };
        let nia = request_from("nia@example.net", "Nia Brown").await;
        counts_match_a_recount(&app).await;
        let reply = staff.call::<DecideJoinRequest>(&[("slug", slug), ("request_id", &nia), ("decision", "approve")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        counts_match_a_recount(&app).await;
        let ola = request_from("ola@example.net", "Ola Smith").await;
        let reply = staff.call::<DecideJoinRequest>(&[("slug", slug), ("request_id", &ola), ("decision", "decline"), ("reason", "No such tenancy")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        counts_match_a_recount(&app).await;
        request_from("ola@example.net", "Ola Smith").await;
        counts_match_a_recount(&app).await;

        staff.call::<Invite>(&[("slug", slug), ("email", "jo@example.net"), ("role", "resident")]).await;
        let link = app.emailed_link("jo@example.net", "/invitations/accept?token=").await;
        let reply = app.visitor().call::<AcceptInvitation>(&[("token", &token_of(&link)), ("name", "Jo New")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        counts_match_a_recount(&app).await;

        let mut admin = app.signed_in("david.kerr@example.org").await;
        let (sam,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE email = 'sam.okafor@example.org'").fetch_one(app.db.pool()).await.unwrap();
        let reply = admin.call::<ChangeRole>(&[("slug", slug), ("user_id", &sam.to_string()), ("role", "none")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        counts_match_a_recount(&app).await;

        // A new name moves the person in the list.
        let mut aisha = app.signed_in("aisha.rahman@example.org").await;
        assert_eq!(aisha.call::<ChangeName>(&[("name", "Zara Rahman")]).await.status, 200);
        counts_match_a_recount(&app).await;
        let body = staff.get(&format!("/landlords/{slug}/people")).await.body;
        assert!(body.find("Tom Whitfield").unwrap() < body.find("Zara Rahman").unwrap(), "{body}");

        // Deleting accounts takes their memberships and requests with them.
        assert_eq!(aisha.call::<DeleteAccount>(&[("understood", "yes")]).await.status, 200);
        let mut ola = app.signed_in("ola@example.net").await;
        assert_eq!(ola.call::<DeleteAccount>(&[("understood", "yes")]).await.status, 200);
        counts_match_a_recount(&app).await;
        let body = staff.get(&format!("/landlords/{slug}/people")).await.body;
        let members = app.count("SELECT COUNT(*) FROM memberships m JOIN organisations o ON o.id = m.organisation_id WHERE o.slug = 'brackenmoor-homes'").await;
        assert!(body.contains(&format!("Showing 1 to {members} of {members} members")), "{body}");
        assert!(body.contains("No requests are waiting."), "{body}");
    }
}

on_both_databases! {
    async fn a_flood_of_password_sign_ins_waits_its_turn_or_is_asked_to_come_back(backend: Backend) {
        use app::accounts::password::gate;
        use leptos::server_fn::ServerFn;
        use tower::ServiceExt;
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let cap = gate::max_at_once();
        // Four times as many at once as may be checked together, each for a
        // different address, so no rate limit turns them away first.
        let mut attempts = tokio::task::JoinSet::new();
        for n in 0..cap * 4 {
            let router = app.router.clone();
            let body = format!("email=flood{n}%40example.net&password=not+the+password");
            attempts.spawn(async move {
                let request = axum::http::Request::builder()
                    .method("POST")
                    .uri(<SignInWithPassword as ServerFn>::PATH)
                    .header("host", common::HOST)
                    .header("origin", format!("http://{}", common::HOST))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(axum::body::Body::from(body))
                    .unwrap();
                let response = router.oneshot(request).await.unwrap();
                let status = response.status().as_u16();
                let retry_after = response.headers().get("retry-after").cloned();
                let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
                (status, retry_after, String::from_utf8_lossy(&bytes).into_owned())
            });
        }
        let (mut answered, mut told_to_wait) = (0, 0);
        while let Some(answer) = attempts.join_next().await {
            let (status, retry_after, body) = answer.unwrap();
            match status {
                422 => assert!(body.contains("do not match"), "{body}"),
                429 => {
                    told_to_wait += 1;
                    assert!(body.contains("Too many people are signing in right now. Please try again in a minute."), "{body}");
                    assert_eq!(retry_after.unwrap(), "60");
                }
                other => panic!("a sign-in answered {other}: {body}"),
            }
            answered += 1;
        }
        assert_eq!(answered, cap * 4);
        let peak = gate::peak_at_once();
        println!("{answered} sign-ins at once: {told_to_wait} told to wait, at most {peak} checks together (limit {cap})");
        assert!(peak <= cap, "{peak} password checks ran at once; at most {cap} may");
        assert!(peak >= 2, "the checks should run side by side, up to the limit (peak {peak})");
    }
}

/// Moves every session's sign-in time back by `minutes`, as if the person
/// had signed in that long ago.
async fn age_sessions(app: &TestApp, minutes: i64) {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, data FROM sessions")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    for (id, data) in rows {
        let mut data: serde_json::Value = serde_json::from_str(&data).unwrap();
        if let Some(at) = data["auth"]["signed_in_at"].as_i64() {
            data["auth"]["signed_in_at"] = (at - minutes * 60_000).into();
        } else {
            data["auth"]["signed_in_at"] = 0.into();
        }
        sqlx::query("UPDATE sessions SET data = $1 WHERE id = $2")
            .bind(data.to_string())
            .bind(id)
            .execute(app.db.pool())
            .await
            .unwrap();
    }
}

async fn user_id_of(app: &TestApp, email: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    id
}

on_both_databases! {
    async fn an_error_written_into_a_link_never_shows_on_the_page(backend: Backend) {
        use base64::Engine;
        use leptos::server_fn::{error::FromServerFnError, ServerFn};
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let crafted = "This link did not work: call 0800 123 4567";
        // Written exactly as the portal writes a refusal into an address.
        for error in [
            app::error::AppError::invalid("email", crafted),
            app::error::AppError::Conflict(crafted.into()),
        ] {
            let encoded = base64::engine::general_purpose::URL_SAFE.encode(error.ser());
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("__path", <RequestSignInLink as ServerFn>::PATH)
                .append_pair("__err", &encoded)
                .finish();
            let mut browser = app.browser_without_javascript();
            let page = browser.get(&format!("/sign-in?{query}")).await;
            assert_eq!(page.status, 200, "{}", page.body);
            assert!(!page.body.contains("0800"), "a crafted message showed: {}", page.body);
            assert!(!page.body.contains("There is a problem"), "{}", page.body);
        }

        // A real refusal, without JavaScript: post, follow the redirect, see the message.
        let mut browser = app.browser_without_javascript();
        browser.on_page = "/sign-in".into();
        let reply = browser.call::<RequestSignInLink>(&[("email", "not an email")]).await;
        assert_eq!(reply.status, 302);
        let location = reply.header("location").unwrap().trim_start_matches(&format!("http://{}", common::HOST)).to_string();
        assert!(location.contains("__err="), "{location}");
        // The same address sent to someone else shows them nothing.
        let elsewhere = app.browser_without_javascript().get(&location).await;
        assert!(!elsewhere.body.contains("Enter an email address like name@example.org"), "{}", elsewhere.body);
        let page = browser.get(&location).await;
        assert!(page.body.contains("There is a problem"), "{}", page.body);
        assert!(page.body.contains("Enter an email address like name@example.org"), "{}", page.body);
        assert!(browser.other_cookies.is_empty(), "the error's cookie goes once shown: {:?}", browser.other_cookies);
    }

    async fn over_https_browsers_stay_on_https_and_the_session_cookie_is_secure(backend: Backend) {
        use tenant_voice::router::{HSTS, PRIVATE};
        for (base_url, https) in [("https://portal.test", true), ("http://portal.test", false)] {
            let app = TestApp::start_with(backend, Setup { base_url: Some(base_url), ..Setup::default() }).await;
            demo::load(&app.db).await.unwrap();
            let home = app.visitor().get("/").await;
            assert_eq!(home.status, 200);
            assert_eq!(home.header("strict-transport-security"), https.then_some(HSTS), "{base_url}");
            let mut visitor = app.visitor();
            visitor.call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await;
            let outbox = app.outbox().await;
            let link = outbox.last().unwrap().2.split_whitespace().find(|word| word.contains("/sign-in/link?token=")).unwrap().to_string();
            assert_eq!(link.starts_with("https://"), https, "{link}");
            let reply = visitor.call::<UseSignInLink>(&[("token", &token_of(&link))]).await;
            let session_cookie = reply
                .headers
                .get_all("set-cookie")
                .iter()
                .map(|value| value.to_str().unwrap())
                .find(|value| value.starts_with(tenant_voice::sessions::COOKIE_NAME))
                .expect("signing in sets the session cookie")
                .to_string();
            assert_eq!(session_cookie.contains("; Secure"), https, "{session_cookie}");
            assert!(session_cookie.contains("HttpOnly"), "{session_cookie}");
            assert_eq!(reply.header("cache-control"), Some(PRIVATE), "the answer carrying the session cookie");
            assert_eq!(reply.header("strict-transport-security"), https.then_some(HSTS));
        }
    }

    async fn no_page_for_a_signed_in_person_is_kept_by_any_cache(backend: Backend) {
        use tenant_voice::router::PRIVATE;
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let slug = "brackenmoor-homes";
        let mut admin = app.signed_in("david.kerr@example.org").await;
        for page in [
            "/account".to_string(),
            format!("/landlords/{slug}/people"),
            format!("/landlords/{slug}/audit"),
            format!("/landlords/{slug}"),
            "/".to_string(),
        ] {
            let reply = admin.get(&page).await;
            assert_eq!(reply.status, 200, "{page}");
            assert_eq!(reply.header("cache-control"), Some(PRIVATE), "{page}");
        }
        // Signing out answers with the cookie's end: not stored either.
        let reply = admin.call::<SignOut>(&[]).await;
        assert!(reply.headers.get_all("set-cookie").iter().any(|v| v.to_str().unwrap().starts_with(tenant_voice::sessions::COOKIE_NAME)), "{:?}", reply.headers);
        assert_eq!(reply.header("cache-control"), Some(PRIVATE));
    }

    async fn a_copy_of_the_database_gives_no_live_session(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut aisha = app.signed_in("aisha.rahman@example.org").await;
        let cookie = aisha.cookie.clone().unwrap();
        let stored: Vec<(String,)> = sqlx::query_as("SELECT id FROM sessions").fetch_all(app.db.pool()).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0].0, cookie, "the database must not hold the session id itself");
        let mut thief = app.visitor();
        thief.cookie = Some(stored[0].0.clone());
        assert_eq!(thief.get("/account").await.status, 401, "what the database holds must not work as a cookie");
        assert_eq!(aisha.get("/account").await.status, 200);
        // Signing out still finds and deletes the stored session.
        aisha.call::<SignOut>(&[]).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    }

    async fn on_a_shared_computer_the_cookie_ends_with_the_browser(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let page = app.visitor().get(app::accounts::sign_in::PASSWORD_STEP).await;
        assert!(page.body.contains("This is a shared computer"), "the password form offers the choice");
        let session_cookie = |reply: &common::Reply| {
            let name = format!("{}=", tenant_voice::sessions::COOKIE_NAME);
            reply.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).find(|c| c.starts_with(&name)).unwrap()
        };
        for (shared, lasting) in [(Some("yes"), false), (None, true)] {
            let mut visitor = app.visitor();
            visitor.call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await;
            let link = app.emailed_link("aisha.rahman@example.org", "/sign-in/link?token=").await;
            let page = visitor.get(&link).await;
            assert!(page.body.contains("This is a shared computer"), "{}", page.body);
            let token = token_of(&link);
            let mut fields = vec![("token", token.as_str())];
            if let Some(shared) = shared {
                fields.push(("shared", shared));
            }
            let reply = visitor.call::<UseSignInLink>(&fields).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            let cookie = session_cookie(&reply);
            assert_eq!(cookie.contains("Max-Age") || cookie.contains("Expires"), lasting, "{cookie}");
            assert_eq!(visitor.get("/account").await.status, 200);
        }
        // With a password too.
        let mut aisha = app.signed_in("aisha.rahman@example.org").await;
        aisha.call::<SetPassword>(&[("password", "blue kettle morning"), ("password_again", "blue kettle morning")]).await;
        let mut visitor = app.visitor();
        let reply = visitor.call::<SignInWithPassword>(&[("email", "aisha.rahman@example.org"), ("password", "blue kettle morning"), ("shared", "yes")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let cookie = session_cookie(&reply);
        assert!(!cookie.contains("Max-Age") && !cookie.contains("Expires"), "{cookie}");
    }

    async fn the_sign_in_page_names_the_account_it_signs_in_to(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut visitor = app.visitor();
        visitor.call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await;
        let link = app.emailed_link("aisha.rahman@example.org", "/sign-in/link?token=").await;
        let page = app.visitor().get(&link).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("You are signing in as"), "{}", page.body);
        assert!(page.body.contains("A\u{2026} R\u{2026}") && page.body.contains("a\u{2026}@example.org"), "{}", page.body);
        assert!(!page.body.contains("aisha.rahman@"), "partly hidden");
        // Looking does not use the link up.
        let reply = visitor.call::<UseSignInLink>(&[("token", &token_of(&link))]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        // A used link names nobody.
        let page = app.visitor().get(&link).await;
        assert!(!page.body.contains("You are signing in as") && page.body.contains("expired or has already been used"), "{}", page.body);
    }

    async fn asking_for_a_sign_in_link_looks_nothing_up_until_the_worker_runs(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let known = app.visitor().call::<RequestSignInLink>(&[("email", "aisha.rahman@example.org")]).await;
        let unknown = app.visitor().call::<RequestSignInLink>(&[("email", "nobody@example.org")]).await;
        assert_eq!((known.status, known.header("location"), &known.body), (unknown.status, unknown.header("location"), &unknown.body));
        // The request only queued work: the same rows for either address.
        assert_eq!(app.count("SELECT COUNT(*) FROM sign_in_requests").await, 2);
        assert_eq!(app.count("SELECT COUNT(*) FROM email_tokens").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
        // The worker looks the addresses up and mails only the account.
        assert_eq!(app.run_sign_in_requests().await, 2);
        assert_eq!(app.count("SELECT COUNT(*) FROM sign_in_requests").await, 0);
        let outbox = app.outbox().await;
        assert_eq!(outbox.len(), 1);
        assert_eq!(outbox[0].0, "aisha.rahman@example.org");
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in_link_sent'").await, 1);
    }

    async fn changing_email_or_password_needs_a_recent_sign_in(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut aisha = app.signed_in("aisha.rahman@example.org").await;
        age_sessions(&app, 11).await;
        let email = aisha.call::<ChangeEmail>(&[("email", "aisha.new@example.net")]).await;
        assert_eq!(email.status, 422, "{}", email.body);
        assert!(email.body.contains("sign in again"), "{}", email.body);
        let password = aisha.call::<SetPassword>(&[("password", "blue kettle morning"), ("password_again", "blue kettle morning")]).await;
        assert_eq!(password.status, 422, "{}", password.body);
        assert_eq!(aisha.call::<RemovePassword>(&[]).await.status, 422);
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE password_hash IS NOT NULL AND email = 'aisha.rahman@example.org'").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM email_tokens WHERE purpose = 'confirm_email'").await, 0);
        // Still signed in for everything else.
        assert_eq!(aisha.get("/account").await.status, 200);
        // A fresh sign-in allows it.
        aisha.sign_in("aisha.rahman@example.org").await;
        let password = aisha.call::<SetPassword>(&[("password", "blue kettle morning"), ("password_again", "blue kettle morning")]).await;
        assert_eq!(password.status, 200, "{}", password.body);
        // So does a recent sign-in with that password.
        age_sessions(&app, 11).await;
        let mut again = app.visitor();
        again.call::<SignInWithPassword>(&[("email", "aisha.rahman@example.org"), ("password", "blue kettle morning")]).await;
        assert_eq!(again.call::<ChangeEmail>(&[("email", "aisha.new@example.net")]).await.status, 200);
    }

    async fn changing_email_or_password_signs_out_other_devices_and_tells_the_old_address(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut phone = app.signed_in("aisha.rahman@example.org").await;
        let mut laptop = app.signed_in("aisha.rahman@example.org").await;
        let reply = laptop.call::<SetPassword>(&[("password", "blue kettle morning"), ("password_again", "blue kettle morning")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(phone.get("/account").await.status, 401, "the other session ends");
        assert_eq!(laptop.get("/account").await.status, 200, "the one that made the change goes on");
        let (to, _, body) = app.outbox().await.pop().unwrap();
        assert_eq!(to, "aisha.rahman@example.org");
        assert!(body.contains("signed out on every other device"), "{body}");

        let mut phone = app.signed_in("aisha.rahman@example.org").await;
        let mut laptop = app.signed_in("aisha.rahman@example.org").await;
        laptop.call::<ChangeEmail>(&[("email", "aisha.new@example.net")]).await;
        let link = app.emailed_link("aisha.new@example.net", "/account/confirm-email?token=").await;
        let reply = laptop.call::<ConfirmEmailChange>(&[("token", &token_of(&link))]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(phone.get("/account").await.status, 401);
        assert_eq!(laptop.get("/account").await.status, 200);
        let (to, subject, body) = app.outbox().await.pop().unwrap();
        assert_eq!((to.as_str(), subject.as_str()), ("aisha.rahman@example.org", "Your Tenant Voice email address was changed"));
        assert!(body.contains("signed out on your other devices"), "{body}");
    }

    async fn an_invitation_cannot_change_a_members_role_unless_an_administrator_sent_it(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let tom = user_id_of(&app, "tom.whitfield@example.org").await;
        let role_of_tom = format!("SELECT COUNT(*) FROM memberships m JOIN organisations o ON o.id = m.organisation_id \
                                   WHERE m.user_id = {tom} AND o.slug = 'brackenmoor-homes' AND m.role = ");
        let mut staff = app.signed_in("priya.shah@example.org").await;
        let reply = staff.call::<Invite>(&[("slug", "brackenmoor-homes"), ("email", "tom.whitfield@example.org"), ("role", "landlord_staff")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let link = app.emailed_link("tom.whitfield@example.org", "/invitations/accept?token=").await;
        let mut tom_browser = app.signed_in("tom.whitfield@example.org").await;
        let reply = tom_browser.call::<AcceptInvitation>(&[("token", &token_of(&link))]).await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        assert!(reply.body.contains("only an administrator"), "{}", reply.body);
        assert_eq!(app.count(&format!("{role_of_tom} 'panel_member'")).await, 1);

        let mut admin = app.signed_in("david.kerr@example.org").await;
        admin.call::<Invite>(&[("slug", "brackenmoor-homes"), ("email", "tom.whitfield@example.org"), ("role", "panel_chair")]).await;
        let link = app.emailed_link("tom.whitfield@example.org", "/invitations/accept?token=").await;
        let reply = tom_browser.call::<AcceptInvitation>(&[("token", &token_of(&link))]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(app.count(&format!("{role_of_tom} 'panel_chair'")).await, 1);
    }

    async fn staff_cannot_invite_themselves_into_another_role(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut staff = app.signed_in("priya.shah@example.org").await;
        let reply = staff.call::<Invite>(&[("slug", "brackenmoor-homes"), ("email", "Priya.Shah@example.org"), ("role", "panel_chair")]).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(reply.body.contains("cannot invite yourself"), "{}", reply.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 0);
    }

    async fn pending_invitations_are_listed_and_can_be_withdrawn(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut staff = app.signed_in("priya.shah@example.org").await;
        staff.call::<Invite>(&[("slug", "brackenmoor-homes"), ("email", "new.member@example.net"), ("role", "panel_member")]).await;
        let link = app.emailed_link("new.member@example.net", "/invitations/accept?token=").await;
        let page = staff.get("/landlords/brackenmoor-homes/people").await;
        assert!(page.body.contains("Invitations waiting") && page.body.contains("new.member@example.net"), "{}", page.body);
        // Only those who may invite see them.
        let mut tom = app.signed_in("tom.whitfield@example.org").await;
        assert_ne!(tom.get("/landlords/brackenmoor-homes/people").await.status, 200);

        let (id,): (i64,) = sqlx::query_as("SELECT id FROM invitations").fetch_one(app.db.pool()).await.unwrap();
        let id = id.to_string();
        let reply = tom.call::<WithdrawInvitation>(&[("slug", "brackenmoor-homes"), ("invitation_id", &id)]).await;
        assert_eq!(reply.status, 403);
        let reply = staff.call::<WithdrawInvitation>(&[("slug", "brackenmoor-homes"), ("invitation_id", &id)]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(!staff.get("/landlords/brackenmoor-homes/people").await.body.contains("new.member@example.net"));
        let reply = app.visitor().call::<AcceptInvitation>(&[("token", &token_of(&link)), ("name", "Jo New")]).await;
        assert_eq!(reply.status, 422, "a withdrawn invitation no longer works");
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'new.member@example.net'").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'invitation_withdrawn'").await, 1);
    }

    async fn an_invitation_lapses_when_its_sender_can_no_longer_invite(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        let mut staff = app.signed_in("priya.shah@example.org").await;
        staff.call::<Invite>(&[("slug", "brackenmoor-homes"), ("email", "new.member@example.net"), ("role", "landlord_staff")]).await;
        let link = app.emailed_link("new.member@example.net", "/invitations/accept?token=").await;
        let priya = user_id_of(&app, "priya.shah@example.org").await.to_string();
        let mut admin = app.signed_in("david.kerr@example.org").await;
        let reply = admin.call::<ChangeRole>(&[("slug", "brackenmoor-homes"), ("user_id", &priya), ("role", "resident")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(!admin.get("/landlords/brackenmoor-homes/people").await.body.contains("new.member@example.net"), "a lapsed invitation is not listed");
        let page = app.visitor().get(&link).await;
        assert!(page.body.contains("This invitation did not work"), "{}", page.body);
        let reply = app.visitor().call::<AcceptInvitation>(&[("token", &token_of(&link)), ("name", "Jo New")]).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'new.member@example.net'").await, 0);
    }

    async fn an_invitation_link_does_not_sign_an_existing_account_in(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::demo_data()).await;
        app.add_person("Nia Brown", "nia@example.net", None).await;
        let mut staff = app.signed_in("priya.shah@example.org").await;
        staff.call::<Invite>(&[("slug", "brackenmoor-homes"), ("email", "nia@example.net"), ("role", "resident")]).await;
        let link = app.emailed_link("nia@example.net", "/invitations/accept?token=").await;
        let mut stranger = app.visitor();
        let page = stranger.get(&link).await;
        assert!(page.body.contains("Sign in as usual"), "{}", page.body);
        let reply = stranger.call::<AcceptInvitation>(&[("token", &token_of(&link))]).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(stranger.cookie.is_none(), "nobody is signed in by the link");
        assert_eq!(stranger.get("/account").await.status, 401);
        // Signed in to another account, it is refused too.
        let mut aisha = app.signed_in("aisha.rahman@example.org").await;
        assert_eq!(aisha.call::<AcceptInvitation>(&[("token", &token_of(&link))]).await.status, 422);
        // Signed in as usual, Nia accepts.
        let mut nia = app.signed_in("nia@example.net").await;
        assert!(nia.get(&link).await.body.contains("Accept the invitation"));
        let reply = nia.call::<AcceptInvitation>(&[("token", &token_of(&link))]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(nia.get("/account").await.body.contains("Brackenmoor Homes"));
    }
}
