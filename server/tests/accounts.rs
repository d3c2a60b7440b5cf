//! Accounts, sign-in, joining, invitations and the protections around them,
//! through HTTP on the real router, on SQLite and PostgreSQL.
mod common;

use app::{
    accounts::{
        account::{
            ChangeEmail, ChangeName, ConfirmEmailChange, DeleteAccount, RemovePassword, SetPassword,
        },
        demo::DemoSignIn,
        joining::{DecideJoinRequest, RequestToJoin},
        people::{AcceptInvitation, ChangeRole, Invite},
        sign_in::{
            Register, RequestSignInLink, SignInWithPassword, SignOut, SignOutEverywhere,
            UseSignInLink,
        },
        Role,
    },
    state::Backend,
};
use common::TestApp;
use tenant_voice::demo;

async fn with_demo(backend: Backend) -> TestApp {
    let app = TestApp::start(backend).await;
    demo::load(&app.db).await.unwrap();
    app
}

fn token_of(link: &str) -> String {
    link.rsplit('=').next().unwrap().to_string()
}

on_both_databases! {
    async fn a_sign_in_link_signs_in_once(backend: Backend) {
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
        let mut visitor = app.signed_in("aisha.rahman@example.org").await;
        sqlx::query("UPDATE sessions SET expires_at = 1").execute(app.db.pool()).await.unwrap();
        assert_eq!(visitor.get("/account").await.status, 401);
    }

    async fn over_https_the_cookie_is_secure(backend: Backend) {
        let app = TestApp::start_configured(backend, false, "https://portal.test").await;
        app.add_person("Aisha Rahman", "aisha@example.org", None).await;
        let mut visitor = app.visitor();
        visitor.call::<RequestSignInLink>(&[("email", "aisha@example.org")]).await;
        let body = &app.outbox().await[0].2;
        let token = body.split_whitespace().find(|w| w.starts_with("https://portal.test/sign-in/link?token=")).map(token_of).expect("an https link");
        let reply = visitor.call::<UseSignInLink>(&[("token", &token)]).await;
        assert!(reply.header("set-cookie").unwrap().contains("Secure"));
    }

    async fn registering_never_reveals_who_has_an_account(backend: Backend) {
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = TestApp::start_with(backend, false).await;
        demo::load(&app.db).await.unwrap();
        let mut visitor = app.visitor();
        assert_eq!(visitor.get("/demo").await.status, 404);
        let reply = visitor.call::<DemoSignIn>(&[("email", "david.kerr@example.org")]).await;
        assert_eq!(reply.status, 404);
        assert!(visitor.cookie.is_none());
        let mut browser = app.browser_without_javascript();
        assert_eq!(browser.call::<DemoSignIn>(&[("email", "david.kerr@example.org")]).await.status, 404);

        let app = TestApp::start_with(backend, true).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
        for _ in 0..10 {
            let reply = app.visitor().call::<SignInWithPassword>(&[("email", "tom.whitfield@example.org"), ("password", "guess guess guess")]).await;
            assert_eq!(reply.status, 422);
        }
        let limited = app.visitor().call::<SignInWithPassword>(&[("email", "tom.whitfield@example.org"), ("password", "guess guess guess")]).await;
        assert_eq!(limited.status, 429);
    }

    async fn name_and_email_changes(backend: Backend) {
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
        let app = with_demo(backend).await;
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
