//! Comments through HTTP on the real router, on SQLite and PostgreSQL:
//! posting and replying, official responses, editing within the window,
//! reporting, hiding and restoring with the author told, who may do each,
//! and a corpus of hostile markup that must never come out executable.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
mod common;

use app::{
    charter::AdoptTemplate,
    comments::{EditComment, ModerateComment, PostComment, ReportComment},
    scrutiny::{
        reviews::{AddRecommendation, StartReview},
        Propose,
    },
};
use common::{
    cast::{key, last_number, propose, Member, ADA, CATH, NORA, OTTO, PAT, RITA, ROB, SAM, SLUG},
    Setup, TestApp, Visitor,
};

/// The people these stories need, from the one cast.
const PEOPLE: &[Member] = &[RITA, ROB, PAT, CATH, SAM, ADA, NORA, OTTO];

async fn post(
    visitor: &mut Visitor<'_>,
    subject: &str,
    parent: Option<i64>,
    n: u32,
    body: &str,
) -> common::Reply {
    let parent = parent.map(|p| p.to_string()).unwrap_or_default();
    let key = key(n);
    let mut fields = vec![
        ("slug", SLUG),
        ("subject", subject),
        ("submission_key", key.as_str()),
        ("body", body),
    ];
    if !parent.is_empty() {
        fields.push(("parent_id", parent.as_str()));
    }
    visitor.call::<PostComment>(&fields).await
}

/// Posts and returns the new comment's id.
async fn comment(
    visitor: &mut Visitor<'_>,
    subject: &str,
    parent: Option<i64>,
    n: u32,
    body: &str,
) -> i64 {
    let reply = post(visitor, subject, parent, n, body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let (text, link) = confirmation(&reply);
    assert!(text.ends_with("is posted."), "{text}");
    assert!(
        !reply.header("location").unwrap().contains('#'),
        "the page opens at its top, where the confirmation is"
    );
    assert!(link.contains("#comment-"), "{link}");
    last_number(&link)
}

/// What the page the post lands on will say, and the link it offers.
fn confirmation(reply: &common::Reply) -> (String, String) {
    let prefix = format!("{}=", app::site::confirmation::DONE_COOKIE);
    let cookie = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no confirmation: {:?}", reply.headers));
    let value = cookie[prefix.len()..].split(';').next().unwrap();
    let done = app::site::Confirmation::decode(value).unwrap();
    (
        done.text,
        done.link.map(|(href, _)| href).unwrap_or_default(),
    )
}

async fn moderate(
    visitor: &mut Visitor<'_>,
    id: i64,
    decision: &str,
    reason: &str,
) -> common::Reply {
    let id = id.to_string();
    visitor
        .call::<ModerateComment>(&[
            ("slug", SLUG),
            ("id", &id),
            ("decision", decision),
            ("reason", reason),
        ])
        .await
}

/// The sanitised bodies of the comments on a page.
fn comment_bodies(page: &str) -> Vec<String> {
    page.split("class=\"comment-text\">")
        .skip(1)
        .map(|rest| rest.split("</div>").next().unwrap().to_string())
        .collect()
}

/// Fails unless every tag in `html` is one the Markdown writer may emit,
/// with only its allowed attributes, and every link goes to a web or email
/// address. Text is escaped, so any "<" here is a real tag.
fn assert_inert(html: &str) {
    const TAGS: [&str; 14] = [
        "p",
        "strong",
        "em",
        "ul",
        "ol",
        "li",
        "a",
        "blockquote",
        "pre",
        "code",
        "br",
        "hr",
        "/",
        "",
    ];
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .map(|e| start + e)
            .unwrap_or_else(|| panic!("unclosed tag in {html}"));
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        let name = tag
            .trim_start_matches('/')
            .split(' ')
            .next()
            .unwrap_or_default();
        assert!(
            TAGS.contains(&name) && !name.is_empty(),
            "tag <{tag}> in {html}"
        );
        // Attributes: name="value" pairs, values escaped (no raw quotes inside).
        let mut attributes = tag
            .split_once(' ')
            .map(|(_, rest)| rest)
            .unwrap_or_default()
            .trim();
        while !attributes.is_empty() {
            let (attribute, after) = attributes
                .split_once("=\"")
                .unwrap_or_else(|| panic!("odd attribute in <{tag}>"));
            let (value, after) = after
                .split_once('"')
                .unwrap_or_else(|| panic!("unquoted value in <{tag}>"));
            match (name, attribute) {
                ("a", "href") => {
                    let lower = value.to_ascii_lowercase();
                    assert!(
                        lower.starts_with("https://")
                            || lower.starts_with("http://")
                            || lower.starts_with("mailto:"),
                        "link to {value} in {html}"
                    );
                }
                ("a", "rel") => assert_eq!(value, "nofollow ugc noopener noreferrer"),
                ("ol", "start") => assert!(value.chars().all(|c| c.is_ascii_digit()), "{value}"),
                _ => panic!("attribute {attribute} on <{name}> in {html}"),
            }
            attributes = after.trim();
        }
    }
}

/// Markup that has run script in some sanitiser somewhere.
const HOSTILE: [&str; 16] = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "<iframe src=\"javascript:alert(4)\"></iframe>",
    "[click](javascript:alert(5))",
    "[click](  JAVASCRIPT:alert(6) )",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCg3KTwvc2NyaXB0Pg==)",
    "<a href=\"javascript:alert(8)\">x</a>",
    "<style>body{display:none}</style>",
    "<p style=\"background:url(javascript:alert(9))\">x</p>",
    "[x](https://example.org/\"onmouseover=\"alert(10))",
    "![x](https://example.org/x.png\"onerror=\"alert(11))",
    "<<script>script>alert(12)<</script>/script>",
    "<div onclick=alert(13)>\n\n*inside*\n\n</div>",
    "`<script>alert(14)</script>` and\n\n    <script>alert(15)</script>",
    "https://example.org/<script>alert(16)</script>",
];

on_both_databases! {
    async fn people_comment_and_reply_once_with_safe_markdown(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let proposal = propose(&mut app.signed_in(RITA.email).await, 1, "Damp").await;
        let subject = format!("proposal:{proposal}");
        let mut rob = app.signed_in("rob@example.org").await;
        let first = comment(&mut rob, &subject, None, 1, "We *all* have this.\n\n- Flat 3\n- Flat 9").await;
        // The same form posted twice (a double click, a retry) makes one comment.
        assert_eq!(comment(&mut rob, &subject, None, 1, "We *all* have this.").await, first);
        let mut rita = app.signed_in("rita@example.org").await;
        let reply = comment(&mut rita, &subject, Some(first), 2, "Thank you, see https://example.org/damp.").await;
        // One level of replies only.
        let refused = post(&mut rob, &subject, Some(reply), 3, "Replying to a reply").await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        // A reply belongs under a comment on the same subject.
        let other = propose(&mut app.signed_in(RITA.email).await, 2, "Bins and recycling").await;
        let refused = post(&mut rob, &format!("proposal:{other}"), Some(first), 4, "Wrong place").await;
        assert_eq!(refused.status, 404, "{}", refused.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM comments").await, 2);

        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/proposals/{proposal}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("2 comments"), "{}", page.body);
        assert!(page.body.contains("We <em>all</em> have this."), "{}", page.body);
        assert!(page.body.contains("<li>Flat 3</li>"));
        assert!(page.body.contains("<a href=\"https://example.org/damp\" rel=\"nofollow ugc noopener noreferrer\">"));
        assert!(page.body.contains("Rita Resident"));
        assert!(page.body.contains("(Resident)"));
        assert!(page.body.contains(&format!("id=\"comment-{reply}\"")));

        for (body, why) in [("   ", "empty"), (&*"x".repeat(5001), "too long")] {
            let refused = post(&mut rob, &subject, None, 5, body).await;
            assert_eq!(refused.status, 422, "{why}: {}", refused.body);
            assert!(refused.body.contains("body"), "{}", refused.body);
        }
        assert_eq!(post(&mut rob, "proposal:999999", None, 6, "Where?").await.status, 404);
        assert_eq!(post(&mut rob, "review:1", None, 7, "What?").await.status, 404);
        assert_eq!(post(&mut app.visitor(), &subject, None, 8, "Anonymous").await.status, 401);
        // Anyone signed in may comment, members or not; another landlord's
        // proposal is not found from this landlord's address.
        let mut nora = app.signed_in("nora@example.org").await;
        comment(&mut nora, &subject, None, 9, "I am waiting to join.").await;
        app.add_landlord("third-homes", "Third Homes").await;
        let mut otto = app.signed_in("otto@example.org").await;
        let refused = otto
            .call::<PostComment>(&[("slug", "third-homes"), ("subject", &subject), ("submission_key", &key(10)), ("body", "Hi")])
            .await;
        assert_eq!(refused.status, 404, "{}", refused.body);
    }

    async fn comments_on_recommendations_follow_the_report_and_on_commitments(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut pat = app.signed_in("pat@example.org").await;
        let reply = pat.call::<StartReview>(&[("slug", SLUG), ("title", "Cleaning")]).await;
        let review = last_number(reply.header("location").unwrap()).to_string();
        pat.call::<AddRecommendation>(&[("slug", SLUG), ("id", &review), ("text", "Clean weekly.")]).await;
        let recommendation: i64 = app.count("SELECT id FROM recommendations").await;
        let subject = format!("recommendation:{recommendation}");
        // Unpublished: residents cannot see it, so cannot comment on it.
        let mut rita = app.signed_in("rita@example.org").await;
        assert_eq!(post(&mut rita, &subject, None, 1, "Hello").await.status, 404);
        let id = comment(&mut pat, &subject, None, 2, "Should we say weekly or fortnightly?").await;
        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/recommendations/{recommendation}")).await;
        assert_eq!(page.status, 401, "a draft's recommendation is not public");
        let page = pat.get(&format!("/landlords/{SLUG}/scrutiny/recommendations/{recommendation}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("fortnightly"), "{}", page.body);
        assert_eq!(rita.get(&format!("/landlords/{SLUG}/comments/{id}")).await.status, 404);

        let mut sam = app.signed_in("sam@example.org").await;
        assert_eq!(sam.call::<AdoptTemplate>(&[("slug", SLUG)]).await.status, 200);
        let commitment: i64 = app.count("SELECT MIN(id) FROM commitments").await;
        let subject = format!("commitment:{commitment}");
        comment(&mut rita, &subject, None, 3, "Repairs were **late** again.").await;
        let page = app.get(&format!("/landlords/{SLUG}/commitments/{commitment}")).await;
        assert!(page.body.contains("Repairs were <strong>late</strong> again."), "{}", page.body);
    }

    async fn only_landlord_staff_post_official_responses(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let proposal = propose(&mut app.signed_in(RITA.email).await, 1, "Damp").await;
        let subject = format!("proposal:{proposal}");
        for (n, (email, allowed)) in [("rita@example.org", false), ("chair@example.org", false), ("sam@example.org", true), ("ada@example.org", true)].into_iter().enumerate() {
            let mut person = app.signed_in(email).await;
            let reply = person
                .call::<PostComment>(&[("slug", SLUG), ("subject", &subject), ("submission_key", &key(n as u32)),
                    ("body", "We are on it."), ("official", "yes")])
                .await;
            assert_eq!(reply.status, if allowed { 200 } else { 403 }, "{email}: {}", reply.body);
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM comments WHERE official = 1").await, 2);
        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/proposals/{proposal}")).await;
        assert_eq!(page.body.matches("Official answer</p>").count(), 2, "{}", page.body);
        assert!(page.body.contains("(Landlord staff)"));
    }

    async fn an_official_answer_can_be_a_reply_shown_under_what_it_answers(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let proposal = propose(&mut app.signed_in(RITA.email).await, 1, "Damp").await;
        let subject = format!("proposal:{proposal}");
        let question = comment(&mut app.signed_in(RITA.email).await, &subject, None, 2, "When will the damp be fixed?").await;

        // Only landlord staff see the choice on the reply form, and only they may use it.
        let comment_page = format!("/landlords/{SLUG}/comments/{question}");
        let mut sam = app.signed_in("sam@example.org").await;
        assert!(sam.get(&comment_page).await.body.contains("Post as the official answer from"));
        let mut chair = app.signed_in("chair@example.org").await;
        let page = chair.get(&comment_page).await.body;
        assert!(page.contains("Post my reply") && !page.contains("Post as the official answer from"), "{page}");
        let parent = question.to_string();
        let reply = |n: u32| -> Vec<(&'static str, String)> {
            vec![("slug", SLUG.into()), ("subject", subject.clone()), ("parent_id", parent.clone()),
                 ("submission_key", key(n)), ("body", "We start the repairs on 3 May.".into()), ("official", "yes".into())]
        };
        assert_eq!(chair.call::<PostComment>(&common::pairs(&reply(3))).await.status, 403);
        let sent = sam.call::<PostComment>(&common::pairs(&reply(4))).await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        let (said, link) = confirmation(&sent);
        assert_eq!(said, "Your official answer is posted.");
        let answer = last_number(&link);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM comments WHERE official = 1 AND parent_id = {question}")).await, 1);

        // Anyone sees it under the comment it answers, and in the list of official answers.
        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/proposals/{proposal}")).await.body;
        let under = &page[page.find(&format!("id=\"comment-{question}\"")).unwrap()..];
        let reply_at = under.find(&format!("id=\"comment-{answer}\"")).expect("the answer among the replies");
        assert!(under[..reply_at].contains("class=\"comment-list replies\""), "{under}");
        assert!(under[reply_at..].contains("Official answer to this comment"));
        let list = &page[page.find("id=\"official-answers\"").expect("a list of official answers")..];
        let list = &list[..list.find("</ul>").unwrap()];
        assert!(list.contains(&format!("href=\"/landlords/{SLUG}/comments/{answer}\"")), "{list}");
        assert!(list.contains(&format!("answering {}", RITA.name)), "{list}");
        assert!(list.contains("We start the repairs on 3 May."), "{list}");
    }

    async fn a_changed_official_response_keeps_its_earlier_wording_and_reason_in_public(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let proposal = propose(&mut app.signed_in(RITA.email).await, 1, "Damp").await;
        let subject = format!("proposal:{proposal}");
        let mut sam = app.signed_in("sam@example.org").await;
        let reply = sam
            .call::<PostComment>(&[("slug", SLUG), ("subject", &subject), ("submission_key", &key(1)),
                ("body", "We will survey every flat by March."), ("official", "yes")])
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let (said, link) = confirmation(&reply);
        assert_eq!(said, "Your official answer is posted.");
        let id = last_number(&link).to_string();
        let edit = |reason: &'static str| vec![("slug", SLUG.to_string()), ("id", id.clone()),
            ("body", "We will survey every flat by June.".to_string()), ("change_reason", reason.to_string())];

        // A published answer does not change without a reason, and nothing is saved.
        let reply = sam.call::<EditComment>(&common::pairs(&edit(""))).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(reply.body.contains("Say why you are changing this answer"), "{}", reply.body);
        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/proposals/{proposal}")).await;
        assert!(page.body.contains("by March."), "{}", page.body);
        assert!(!page.body.contains("Changed on"), "{}", page.body);

        let reply = sam.call::<EditComment>(&common::pairs(&edit("The surveyors start later."))).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        // Anyone, signed out, reads the new wording, the old one and why.
        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/proposals/{proposal}")).await;
        assert!(page.body.contains("We will survey every flat by June."), "{}", page.body);
        assert!(page.body.contains("Changed on "), "{}", page.body);
        assert!(page.body.contains("Reason: The surveyors start later."), "{}", page.body);
        assert!(page.body.contains("We will survey every flat by March."), "{}", page.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM answer_changes WHERE subject_kind = 'comment'").await, 1);
    }

    async fn authors_edit_for_fifteen_minutes_and_readers_see_it_was_edited(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let proposal = propose(&mut app.signed_in(RITA.email).await, 1, "Damp").await;
        let subject = format!("proposal:{proposal}");
        let mut rob = app.signed_in("rob@example.org").await;
        let id = comment(&mut rob, &subject, None, 1, "Frist!").await;
        let path = format!("/landlords/{SLUG}/comments/{id}");
        let page = rob.get(&path).await;
        assert!(page.body.contains("Change your comment"), "{}", page.body);
        let fields = |body: &str| vec![("slug", SLUG.to_string()), ("id", id.to_string()), ("body", body.to_string())];
        let reply = rob.call::<EditComment>(&common::pairs(&fields("First!"))).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let mut rita = app.signed_in("rita@example.org").await;
        assert_eq!(rita.call::<EditComment>(&common::pairs(&fields("Mine now"))).await.status, 403);
        assert_eq!(rob.call::<EditComment>(&common::pairs(&fields(" "))).await.status, 422);
        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/proposals/{proposal}")).await;
        assert!(page.body.contains("<p>First!</p>"), "{}", page.body);
        assert!(page.body.contains("(edited)"));
        assert_eq!(app.count("SELECT COUNT(*) FROM comment_edits").await, 1);

        // Sixteen minutes later the window has closed; the text typed is not
        // saved, and the refusal says what to do instead.
        sqlx::query("UPDATE comments SET created_at = created_at - 960000")
            .execute(app.db.pool()).await.unwrap();
        let reply = rob.call::<EditComment>(&common::pairs(&fields("Too late"))).await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        assert!(reply.body.contains("15 minutes"), "{}", reply.body);
        assert!(!rob.get(&path).await.body.contains("Change your comment"));
    }

    async fn reports_reach_the_moderators_who_hide_and_restore_with_the_author_told(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let proposal = propose(&mut app.signed_in(RITA.email).await, 1, "Damp").await;
        let subject = format!("proposal:{proposal}");
        let mut rob = app.signed_in("rob@example.org").await;
        let id = comment(&mut rob, &subject, None, 1, "Rita at number 12 never pays her rent.").await;
        let id_text = id.to_string();
        let report = |reason: &'static str| vec![("slug", SLUG.to_string()), ("id", id_text.clone()), ("reason", reason.to_string())];

        assert_eq!(rob.call::<ReportComment>(&common::pairs(&report("Oops"))).await.status, 422, "not your own");
        let mut rita = app.signed_in("rita@example.org").await;
        assert_eq!(rita.call::<ReportComment>(&common::pairs(&report(" "))).await.status, 422);
        assert_eq!(rita.call::<ReportComment>(&common::pairs(&report("It names me and my address."))).await.status, 200);
        assert_eq!(rita.call::<ReportComment>(&common::pairs(&report("Again"))).await.status, 200, "twice counts once");
        assert_eq!(app.count("SELECT COUNT(*) FROM comment_reports").await, 1);
        let outbox = app.outbox().await;
        let told: Vec<&String> = outbox.iter().filter(|(_, subject, _)| subject == "A comment has been reported").map(|(to, _, _)| to).collect();
        assert_eq!(told, ["chair@example.org", "ada@example.org"], "the moderators, once");

        // The queue is for moderators.
        let queue = format!("/landlords/{SLUG}/comments/reported");
        assert_eq!(rita.get(&queue).await.status, 403);
        assert_eq!(app.signed_in("pat@example.org").await.get(&queue).await.status, 403);
        let mut chair = app.signed_in("chair@example.org").await;
        let page = chair.get(&queue).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("never pays her rent"), "{}", page.body);

        let mut pat = app.signed_in("pat@example.org").await;
        assert_eq!(moderate(&mut pat, id, "hide", "Personal details").await.status, 403, "panel members do not moderate");
        assert_eq!(moderate(&mut chair, id, "hide", "  ").await.status, 422, "a reason is needed");
        let reply = moderate(&mut chair, id, "hide", "It shares a neighbour's personal details.").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(moderate(&mut chair, id, "hide", "Again").await.status, 409);
        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/proposals/{proposal}")).await;
        assert!(!page.body.contains("never pays her rent"), "hidden text is gone from the thread");
        assert!(page.body.contains("A moderator hid this comment on"), "{}", page.body);
        assert!(page.body.contains("It shares a neighbour&#x27;s personal details.") || page.body.contains("It shares a neighbour's personal details."));
        // The author and moderators still see what it said; others do not.
        let comment_page = format!("/landlords/{SLUG}/comments/{id}");
        assert!(rob.get(&comment_page).await.body.contains("never pays her rent"));
        assert!(!rita.get(&comment_page).await.body.contains("never pays her rent"));
        // Nobody can reply to it, and it leaves the queue.
        assert_eq!(post(&mut rita, &subject, Some(id), 2, "Reply").await.status, 409);
        assert!(chair.get(&queue).await.body.contains("Nothing is waiting."));

        let outbox = app.outbox().await;
        assert!(outbox.iter().any(|(to, _, body)| to == "rob@example.org" && body.contains("It shares a neighbour's personal details.")), "{outbox:?}");

        // Undone by an administrator; the author is told again.
        let mut ada = app.signed_in("ada@example.org").await;
        assert_eq!(moderate(&mut ada, id, "restore", "").await.status, 200);
        assert!(app.get(&format!("/landlords/{SLUG}/scrutiny/proposals/{proposal}")).await.body.contains("never pays her rent"));
        assert_eq!(moderate(&mut ada, id, "restore", "").await.status, 409);
        let outbox = app.outbox().await;
        assert_eq!(outbox.iter().filter(|(to, subject, _)| to == "rob@example.org" && subject == "Your comment on Tenant Voice").count(), 2);

        // A new report after the restore asks again; keeping it visible clears it.
        assert_eq!(pat.call::<ReportComment>(&common::pairs(&report("Still personal."))).await.status, 200);
        assert!(chair.get(&queue).await.body.contains("1 report"));
        assert_eq!(moderate(&mut chair, id, "keep", "").await.status, 200);
        assert!(chair.get(&queue).await.body.contains("Nothing is waiting."));

        let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE subject = $1 ORDER BY id")
            .bind(format!("comment:{id}"))
            .fetch_all(app.db.pool()).await.unwrap();
        assert_eq!(actions, ["comment.reported", "comment.hidden", "comment.restored", "comment.reported", "comment.kept_visible"]);
    }

    async fn hostile_markup_in_comments_and_proposals_never_runs(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let proposal = propose(&mut app.signed_in(RITA.email).await, 1, "Damp").await;
        let subject = format!("proposal:{proposal}");
        let mut rob = app.signed_in("rob@example.org").await;
        for (n, payload) in HOSTILE.iter().enumerate() {
            comment(&mut rob, &subject, None, 100 + n as u32, payload).await;
        }
        let page = app.get(&format!("/landlords/{SLUG}/scrutiny/proposals/{proposal}")).await;
        let bodies = comment_bodies(&page.body);
        assert_eq!(bodies.len(), HOSTILE.len(), "{}", page.body);
        for body in &bodies {
            assert_inert(body);
        }
        // The typed text is still there for people to read, as text.
        assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{}", page.body);

        // The same corpus as proposals: titles and text are plain text.
        let mut rita = app.signed_in("rita@example.org").await;
        for (n, payload) in HOSTILE.iter().enumerate() {
            // More proposals than one person may make in an hour: this test
            // is about markup, so the allowance starts afresh each time.
            sqlx::query("DELETE FROM rate_limits").execute(app.db.pool()).await.unwrap();
            let title: String = payload.chars().take(150).collect();
            let reply = rita
                .call::<Propose>(&[("slug", SLUG), ("submission_key", &key(200 + n as u32)), ("title", &title),
                    ("problem", payload), ("why_it_matters", payload), ("concerns", "")])
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            let page = app.get(reply.header("location").unwrap()).await;
            for marker in ["<script>alert", "<img src=x", "<svg onload", "<iframe", "<style>", "<p style", "<div onclick", "<a href=\"javascript"] {
                assert!(!page.body.contains(marker), "{marker} in the page for {payload}");
            }
        }
    }
}
