//! Annual reviews through HTTP on SQLite and PostgreSQL: starting a year's
//! review with a section per commitment and its figures frozen, arranging
//! sections, who may write, saving revisions that merge or are kept aside
//! when they overlap, history and differences, and many people saving the
//! same section at once with no acknowledged save lost.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
mod common;

use app::{
    annual_reviews::{
        AddSection, AddSectionNote, ArrangeSection, AskSignOff, InviteAuthor, PublishAnnualReview,
        ReopenReview, ResolveSectionNote, RespondToReview, RespondToSection, SaveSection,
        SetSectionState, SignReview, StartAnnualReview,
    },
    charter::{AddLaterView, AdoptTemplate, RecordAssessment},
    identity::Role,
    performance::{imports::PublishImport, model::Period},
    state::Backend,
    time::{civil_day, Timestamp},
};
use common::{
    cast::{Member, CATH, PAT, PETER, RITA, SAM, SLUG},
    pairs, Setup, TestApp, Visitor,
};

/// The people these stories need, from the one cast.
const PEOPLE: &[Member] = &[RITA, PAT, PETER, CATH, SAM];

fn last_year() -> i32 {
    Period::year_containing(civil_day(Timestamp::now())).year - 1
}

/// The NHF charter adopted, TP01 results for last year and the year before
/// published, and this year's review started by the chair. Returns the
/// year and the sections' ids in order.
async fn started(app: &TestApp) -> (i32, Vec<i64>) {
    let mut sam = app.signed_in("sam@example.org").await;
    assert_eq!(
        sam.call::<AdoptTemplate>(&[("slug", SLUG)]).await.status,
        200
    );
    let y = last_year();
    let file = format!(
        "measure,part,tenure,year,quarter,result,target,responses,method_note\n\
         TP01,,LCRA,{},,70.5,75,1000,\n\
         TP01,,LCRA,{},,74,75,1100,\n",
        Period::year(y - 1).year_label(),
        Period::year(y).year_label()
    );
    let reply = sam
        .upload(
            &format!("/landlords/{SLUG}/performance/import"),
            "tp.csv",
            file.as_bytes(),
        )
        .await;
    let import = reply
        .header("location")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let reply = sam
        .call::<PublishImport>(&[("slug", SLUG), ("id", &import), ("reason", "")])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let mut chair = app.signed_in("chair@example.org").await;
    let reply = chair
        .call::<StartAnnualReview>(&[("slug", SLUG), ("year", &y.to_string())])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let sections: Vec<i64> = sqlx::query_scalar(
        "SELECT s.id FROM review_sections s JOIN annual_reviews r ON r.id = s.review_id \
         WHERE s.removed_at IS NULL ORDER BY s.position",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    (y, sections)
}

async fn save(
    visitor: &mut Visitor<'_>,
    year: i32,
    section: i64,
    base: i64,
    body: &str,
) -> common::Reply {
    save_choosing(visitor, year, section, base, body, None).await
}

async fn current(app: &TestApp, section: i64) -> (i64, String) {
    sqlx::query_as(
        "SELECT s.revision, COALESCE(r.body, '') FROM review_sections s \
         LEFT JOIN section_revisions r ON r.section_id = s.id AND r.number = s.revision WHERE s.id = $1",
    )
    .bind(section)
    .fetch_one(app.db.pool())
    .await
    .unwrap()
}

/// Every section agreed, and the review of `year` signed off by the chair
/// and Pat (two of the panel's three).
async fn signed_off(app: &TestApp, year: i32) {
    let y = year.to_string();
    let sections: Vec<i64> = sqlx::query_scalar(
        "SELECT s.id FROM review_sections s JOIN annual_reviews r ON r.id = s.review_id \
         WHERE r.year = $1 AND s.removed_at IS NULL ORDER BY s.position",
    )
    .bind(i64::from(year))
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let mut pat = app.signed_in("pat@example.org").await;
    let mut chair = app.signed_in("chair@example.org").await;
    for section in sections {
        let fields = vec![
            ("slug", SLUG.to_string()),
            ("year", y.clone()),
            ("id", section.to_string()),
            ("state", "agreed".to_string()),
            ("assignee", String::new()),
        ];
        assert_eq!(
            pat.call::<SetSectionState>(&pairs(&fields)).await.status,
            200
        );
    }
    assert_eq!(
        chair
            .call::<AskSignOff>(&[("slug", SLUG), ("year", &y)])
            .await
            .status,
        200
    );
    let sign = [
        ("slug", SLUG),
        ("year", &y),
        ("decision", "signed"),
        ("note", ""),
    ];
    assert_eq!(pat.call::<SignReview>(&sign).await.status, 200);
    assert_eq!(chair.call::<SignReview>(&sign).await.status, 200);
}

/// Staff answer the review of `year` and publish it.
async fn published(app: &TestApp, year: i32) {
    let y = year.to_string();
    let mut sam = app.signed_in("sam@example.org").await;
    let reply = sam
        .call::<RespondToReview>(&[
            ("slug", SLUG),
            ("year", &y),
            ("response", "We accept the review."),
        ])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        sam.call::<PublishAnnualReview>(&[("slug", SLUG), ("year", &y)])
            .await
            .status,
        200
    );
}

/// A save, with the overlap page's choice when given: `replace` as its buttons send it.
async fn save_choosing(
    visitor: &mut Visitor<'_>,
    year: i32,
    section: i64,
    base: i64,
    body: &str,
    replace: Option<&str>,
) -> common::Reply {
    let mut fields = vec![
        ("slug", SLUG.to_string()),
        ("year", year.to_string()),
        ("id", section.to_string()),
        ("base_revision", base.to_string()),
        ("body", body.to_string()),
    ];
    if let Some(replace) = replace {
        fields.push(("replace", replace.to_string()));
    }
    visitor.call::<SaveSection>(&pairs(&fields)).await
}

const FIRST: &str = "Repairs were slow. Complaints rose. Cleaning improved.";
const PETERS: &str = "Repairs were much slower than promised. Complaints rose. Cleaning improved.";
const PATS: &str = "Repairs were quick this year. Complaints rose. Cleaning improved.";

/// Pat writes revision 1; Peter saves revision 2 from it; Pat, still on
/// revision 1, changes the same sentence: an overlap, kept as Pat's draft.
/// Returns the year, the section and Pat.
async fn overlapped(app: &TestApp) -> (i32, i64, Visitor<'_>) {
    let (year, sections) = started(app).await;
    let intro = sections[0];
    let mut pat = app.signed_in("pat@example.org").await;
    let mut peter = app.signed_in("peter@example.org").await;
    assert_eq!(save(&mut pat, year, intro, 0, FIRST).await.status, 200);
    assert_eq!(save(&mut peter, year, intro, 1, PETERS).await.status, 200);
    let reply = save(&mut pat, year, intro, 1, PATS).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(
        draft_of(app, intro, "pat@example.org").await.as_deref(),
        Some(PATS)
    );
    (year, intro, pat)
}

async fn draft_of(app: &TestApp, section: i64, email: &str) -> Option<String> {
    sqlx::query_scalar(
        "SELECT d.body FROM section_drafts d JOIN users u ON u.id = d.author_id \
         WHERE d.section_id = $1 AND u.email = $2",
    )
    .bind(section)
    .bind(email)
    .fetch_optional(app.db.pool())
    .await
    .unwrap()
}

/// The revision a revision replaced, if it was saved with "Replace their version with mine".
async fn replaced_by(app: &TestApp, section: i64, number: i64) -> Option<i64> {
    sqlx::query_scalar(
        "SELECT replaced_revision FROM section_revisions WHERE section_id = $1 AND number = $2",
    )
    .bind(section)
    .bind(number)
    .fetch_one(app.db.pool())
    .await
    .unwrap()
}

fn section_response(year: i32, section: i64, text: &str) -> Vec<(&'static str, String)> {
    vec![
        ("slug", SLUG.to_string()),
        ("year", year.to_string()),
        ("id", section.to_string()),
        ("response", text.to_string()),
    ]
}

on_both_databases! {
    async fn the_chair_starts_a_review_with_a_section_per_commitment_and_frozen_figures(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, sections) = started(&app).await;
        // Introduction, six NHF commitments, then three free sections.
        assert_eq!(sections.len(), 10);
        let titles: Vec<String> = sqlx::query_scalar("SELECT title FROM review_sections ORDER BY position")
            .fetch_all(app.db.pool()).await.unwrap();
        assert_eq!(titles[0], "Introduction");
        assert_eq!(titles[9], "Recommendations for next year");
        // Starting twice starts once; other years in range can be started.
        let mut chair = app.signed_in("chair@example.org").await;
        assert_eq!(chair.call::<StartAnnualReview>(&[("slug", SLUG), ("year", &year.to_string())]).await.status, 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM annual_reviews").await, 1);
        assert_eq!(chair.call::<StartAnnualReview>(&[("slug", SLUG), ("year", "1999")]).await.status, 422);
        let mut pat = app.signed_in("pat@example.org").await;
        assert_eq!(pat.call::<StartAnnualReview>(&[("slug", SLUG), ("year", &year.to_string())]).await.status, 403);

        // The satisfaction commitment's section shows TP01 for both years,
        // and keeps showing it after the figures change.
        let path = |id: i64| format!("/landlords/{SLUG}/annual-reviews/{year}/sections/{id}");
        let with_tp01: i64 = app.count("SELECT id FROM review_sections WHERE snapshot LIKE '%TP01%' ORDER BY position LIMIT 1").await;
        let page = pat.get(&path(with_tp01)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("74%"), "{}", page.body);
        assert!(page.body.contains("70.5%"), "{}", page.body);
        sqlx::query("UPDATE figures SET result = 99000 WHERE measure_code = 'TP01'").execute(app.db.pool()).await.unwrap();
        let page = pat.get(&path(with_tp01)).await;
        assert!(page.body.contains("74%") && !page.body.contains("99%"), "frozen: {}", page.body);

        // A draft is for the panel and staff.
        assert_eq!(app.visitor().get(&path(sections[0])).await.status, 401);
        assert_eq!(app.signed_in("rita@example.org").await.get(&path(sections[0])).await.status, 404);
        assert_eq!(app.signed_in("sam@example.org").await.get(&path(sections[0])).await.status, 200);
    }

    async fn the_chair_adds_renames_moves_and_removes_sections(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, sections) = started(&app).await;
        let year_text = year.to_string();
        let mut chair = app.signed_in("chair@example.org").await;
        let mut pat = app.signed_in("pat@example.org").await;
        assert_eq!(pat.call::<AddSection>(&[("slug", SLUG), ("year", &year_text), ("title", "Mine")]).await.status, 403);
        assert_eq!(chair.call::<AddSection>(&[("slug", SLUG), ("year", &year_text), ("title", " ")]).await.status, 422);
        assert_eq!(chair.call::<AddSection>(&[("slug", SLUG), ("year", &year_text), ("title", "Repairs in focus")]).await.status, 200);
        let arrange = |id: i64, change: &str, title: &str| {
            vec![("slug", SLUG.to_string()), ("year", year_text.clone()), ("section_id", id.to_string()),
                 ("change", change.to_string()), ("title", title.to_string())]
        };
        assert_eq!(chair.call::<ArrangeSection>(&pairs(&arrange(sections[0], "rename", "Welcome"))).await.status, 200);
        assert_eq!(chair.call::<ArrangeSection>(&pairs(&arrange(sections[0], "down", ""))).await.status, 200);
        assert_eq!(chair.call::<ArrangeSection>(&pairs(&arrange(sections[9], "remove", ""))).await.status, 200);
        let titles: Vec<String> = sqlx::query_scalar("SELECT title FROM review_sections WHERE removed_at IS NULL ORDER BY position")
            .fetch_all(app.db.pool()).await.unwrap();
        assert_eq!(titles[1], "Welcome");
        assert_eq!(titles.last().unwrap(), "Repairs in focus");
        assert!(!titles.contains(&"Recommendations for next year".to_string()));
        assert_eq!(titles.len(), 10);
        let page = chair.get(&format!("/landlords/{SLUG}/annual-reviews/{year}")).await;
        assert!(page.body.contains("Welcome") && page.body.contains("Repairs in focus"), "{}", page.body);
    }

    async fn the_panel_and_invited_staff_write_and_overlapping_saves_lose_nothing(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, sections) = started(&app).await;
        let intro = sections[0];
        let mut pat = app.signed_in("pat@example.org").await;
        let mut peter = app.signed_in("peter@example.org").await;
        let mut sam = app.signed_in("sam@example.org").await;
        let mut rita = app.signed_in("rita@example.org").await;

        // Staff write only once the chair invites them; residents never.
        assert_eq!(save(&mut sam, year, intro, 0, "Hello").await.status, 403);
        assert_eq!(save(&mut rita, year, intro, 0, "Hello").await.status, 403);
        let sam_id = app.count("SELECT id FROM users WHERE email = 'sam@example.org'").await.to_string();
        let mut chair = app.signed_in("chair@example.org").await;
        let reply = chair.call::<InviteAuthor>(&[("slug", SLUG), ("year", &year.to_string()), ("user_id", &sam_id)]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);

        let base = "Repairs were slow. Complaints rose. Cleaning improved.";
        assert_eq!(save(&mut pat, year, intro, 0, base).await.status, 200);
        assert_eq!(current(&app, intro).await, (1, base.to_string()));
        // Two people start from revision 1 and change different sentences: merged.
        let reply = save(&mut peter, year, intro, 1, "Repairs were much slower than promised. Complaints rose. Cleaning improved.").await;
        assert!(reply.header("location").unwrap().ends_with("?saved=2"), "{:?}", reply.header("location"));
        let reply = save(&mut sam, year, intro, 1, "Repairs were slow. Complaints rose. Cleaning improved in every block.").await;
        assert!(reply.header("location").unwrap().ends_with("?merged=3"), "{:?}", reply.header("location"));
        assert_eq!(current(&app, intro).await.1, "Repairs were much slower than promised. Complaints rose. Cleaning improved in every block.");

        // Pat, still on revision 1, changes the first sentence too: an overlap.
        let pats = "Repairs were quick this year. Complaints rose. Cleaning improved.";
        let reply = save(&mut pat, year, intro, 1, pats).await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        assert_eq!(current(&app, intro).await.0, 3, "nothing overwritten");
        let page = pat.get(&format!("/landlords/{SLUG}/annual-reviews/{year}/sections/{intro}")).await;
        assert!(page.body.contains("Your changes overlap someone else"), "{}", page.body);
        assert!(page.body.contains(pats), "Pat's text is kept: {}", page.body);
        assert!(page.body.contains("Cleaning improved in every block."), "the current text beside it");
        // Pat combines the two and saves from the current revision.
        let combined = "Repairs were much slower than promised, though quicker by March. Complaints rose. Cleaning improved in every block.";
        assert_eq!(save(&mut pat, year, intro, 3, combined).await.status, 200);
        assert!(!pat.get(&format!("/landlords/{SLUG}/annual-reviews/{year}/sections/{intro}")).await.body.contains("overlap"));
        assert_eq!(save(&mut pat, year, intro, 4, combined).await.header("location").map(|l| l.ends_with("?unchanged=1")), Some(true));

        // Bad input: too long, or a base from the future.
        let long = "x".repeat(20_001);
        assert_eq!(save(&mut pat, year, intro, 4, &long).await.status, 422);
        assert_eq!(save(&mut pat, year, intro, 9, "From the future").await.status, 422);
        assert_eq!(current(&app, intro).await.0, 4);

        // History lists every revision and compares any two.
        let history = pat.get(&format!("/landlords/{SLUG}/annual-reviews/{year}/sections/{intro}/history?from=1&to=4")).await;
        assert_eq!(history.status, 200);
        assert!(history.body.contains("Revision 3 by Sam Staff"), "{}", history.body);
        assert!(history.body.contains("combined with changes saved since revision 1"));
        assert!(history.body.contains("<del>"), "{}", history.body);
        assert!(history.body.contains("<ins>"));

        // Notes between the authors, resolved when dealt with; not for residents.
        let note = |body: &str| vec![("slug", SLUG.to_string()), ("year", year.to_string()), ("id", intro.to_string()), ("note", body.to_string())];
        assert_eq!(peter.call::<AddSectionNote>(&pairs(&note("Can we add the number of visits?"))).await.status, 200);
        assert_eq!(peter.call::<AddSectionNote>(&pairs(&note("  "))).await.status, 422);
        assert_eq!(rita.call::<AddSectionNote>(&pairs(&note("Me too"))).await.status, 403);
        let note_id = app.count("SELECT id FROM section_notes").await.to_string();
        let resolve = vec![("slug", SLUG.to_string()), ("year", year.to_string()), ("id", intro.to_string()), ("note_id", note_id.clone())];
        assert_eq!(rita.call::<ResolveSectionNote>(&pairs(&resolve)).await.status, 403);
        assert_eq!(sam.call::<ResolveSectionNote>(&pairs(&resolve)).await.status, 200);
        let section_page = pat.get(&format!("/landlords/{SLUG}/annual-reviews/{year}/sections/{intro}")).await.body;
        assert!(section_page.contains("Can we add the number of visits?"), "{section_page}");
        assert!(section_page.contains("Resolved by Sam Staff"), "{section_page}");
        let wrong = vec![("slug", SLUG.to_string()), ("year", year.to_string()), ("id", sections[1].to_string()), ("note_id", note_id)];
        assert_eq!(sam.call::<ResolveSectionNote>(&pairs(&wrong)).await.status, 404, "a note belongs to its section");

        // State and who is writing it.
        let pat_id = app.count("SELECT id FROM users WHERE email = 'pat@example.org'").await.to_string();
        let state = |state: &str, who: &str| vec![("slug", SLUG.to_string()), ("year", year.to_string()), ("id", intro.to_string()),
            ("state", state.to_string()), ("assignee", who.to_string())];
        assert_eq!(pat.call::<SetSectionState>(&pairs(&state("agreed", &pat_id))).await.status, 200);
        let rita_id = app.count("SELECT id FROM users WHERE email = 'rita@example.org'").await.to_string();
        assert_eq!(pat.call::<SetSectionState>(&pairs(&state("ready", &rita_id))).await.status, 422, "not writing this review");
        assert_eq!(pat.call::<SetSectionState>(&pairs(&state("finished", ""))).await.status, 422);
        let (s, who): (String, Option<i64>) = sqlx::query_as("SELECT state, assignee_id FROM review_sections WHERE id = $1")
            .bind(intro).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!((s.as_str(), who.map(|w| w.to_string())), ("agreed", Some(pat_id)));
    }

    async fn many_people_saving_one_section_at_once_lose_no_acknowledged_save(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, sections) = started(&app).await;
        let section = sections[0];
        // Eight paragraphs; each writer rewrites their own, all from revision 1.
        let paragraphs: Vec<String> = (0..8).map(|n| format!("Paragraph {n} as first written.")).collect();
        let mut pat = app.signed_in("pat@example.org").await;
        assert_eq!(save(&mut pat, year, section, 0, &paragraphs.join("\n\n")).await.status, 200);
        // A seeded shuffle of who saves when, different on each database.
        let mut seed: u64 = match backend { Backend::Sqlite => 0x9E37_79B9, Backend::Postgres => 0x85EB_CA6B };
        let mut order: Vec<usize> = (0..8).collect();
        for i in (1..order.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        let mut visitors = Vec::new();
        for _ in 0..8 {
            visitors.push(app.signed_in(if visitors.len() % 2 == 0 { "pat@example.org" } else { "peter@example.org" }).await);
        }
        let saves = order.iter().zip(visitors.iter_mut()).map(|(&n, visitor)| {
            let mut text = paragraphs.clone();
            text[n] = format!("Paragraph {n}, rewritten by writer {n}.");
            let body = text.join("\n\n");
            async move { (n, save(visitor, year, section, 1, &body).await) }
        });
        let results = futures_join_all(saves).await;
        let (revision, body) = current(&app, section).await;
        let mut acknowledged = 0;
        for (n, reply) in &results {
            match reply.status {
                200 => {
                    acknowledged += 1;
                    assert!(body.contains(&format!("Paragraph {n}, rewritten by writer {n}.")), "save {n} lost: {body}");
                }
                other => panic!("save {n} answered {other}: {}", reply.body),
            }
        }
        assert_eq!(acknowledged, 8);
        assert_eq!(revision, 9, "one revision per save");
        // Every revision is recoverable, numbered without gaps.
        let numbers: Vec<i64> = sqlx::query_scalar("SELECT number FROM section_revisions WHERE section_id = $1 ORDER BY number")
            .bind(section).fetch_all(app.db.pool()).await.unwrap();
        assert_eq!(numbers, (1..=9).collect::<Vec<i64>>());
    }

    async fn rounds_of_random_overlapping_saves_keep_every_acknowledged_word_and_every_draft(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, sections) = started(&app).await;
        let section = sections[0];
        let paragraphs: Vec<String> = (0..8).map(|n| format!("Paragraph {n} as first written.")).collect();
        let mut pat = app.signed_in("pat@example.org").await;
        assert_eq!(save(&mut pat, year, section, 0, &paragraphs.join("\n\n")).await.status, 200);
        let mut writers = Vec::new();
        for n in 0..6 {
            let email = format!("writer{n}@example.org");
            app.add_person(&format!("Writer {n}"), &email, Some((SLUG, Role::PanelMember))).await;
            writers.push((n, app.signed_in(&email).await));
        }
        // A seeded generator, different on each database; writers often pick
        // the same paragraph, so some saves overlap and are kept as drafts.
        let mut seed: u64 = match backend { Backend::Sqlite => 0x2545_F491, Backend::Postgres => 0x9E37_79B9 };
        let mut next = move |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        let (mut acknowledged, mut kept) = (0, 0);
        for round in 0..4 {
            let (base, body) = current(&app, section).await;
            let edits: Vec<(usize, String)> = writers.iter().map(|(n, _)| {
                let mut text: Vec<String> = body.split("\n\n").map(str::to_string).collect();
                let paragraph = next(text.len() as u64) as usize;
                text[paragraph] = format!("Paragraph {paragraph}, rewritten by writer {n} in round {round}.");
                (paragraph, text.join("\n\n"))
            }).collect();
            let saves = writers.iter_mut().zip(edits.iter()).map(|((n, visitor), (paragraph, text))| async move {
                (*n, *paragraph, text.clone(), save(visitor, year, section, base, text).await.status)
            });
            let results = futures_join_all(saves).await;
            let (_, after) = current(&app, section).await;
            for (n, paragraph, text, status) in results {
                match status {
                    200 => {
                        acknowledged += 1;
                        let words = format!("Paragraph {paragraph}, rewritten by writer {n} in round {round}.");
                        assert!(after.contains(&words), "round {round}: writer {n}'s save was lost: {after}");
                    }
                    409 => {
                        kept += 1;
                        let draft: String = sqlx::query_scalar(
                            "SELECT d.body FROM section_drafts d JOIN users u ON u.id = d.author_id \
                             WHERE d.section_id = $1 AND u.email = $2")
                            .bind(section).bind(format!("writer{n}@example.org"))
                            .fetch_one(app.db.pool()).await.unwrap();
                        assert_eq!(draft, text, "round {round}: writer {n}'s overlapping text is kept whole");
                    }
                    other => panic!("round {round}: writer {n} got {other}"),
                }
            }
        }
        assert!(acknowledged > 0 && kept > 0, "the seed gives both outcomes: {acknowledged} saved, {kept} kept");
        // Every acknowledged save made one revision, numbered without gaps,
        // and every revision can be read back.
        let numbers: Vec<i64> = sqlx::query_scalar("SELECT number FROM section_revisions WHERE section_id = $1 ORDER BY number")
            .bind(section).fetch_all(app.db.pool()).await.unwrap();
        assert_eq!(numbers, (1..=1 + acknowledged).collect::<Vec<i64>>());
    }

    async fn the_demo_has_a_review_being_written_with_sections_in_every_state(backend: Backend) {
        let app = TestApp::start(backend).await;
        tenant_voice::demo::load(&app.db).await.unwrap();
        for state in ["drafting", "ready", "agreed"] {
            let n = app.count(&format!("SELECT COUNT(*) FROM review_sections WHERE state = '{state}'")).await;
            assert!(n > 0, "no demo section is {state}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM section_revisions WHERE merged = 1").await, 1);
        // Last year's is published, with the landlord's response and one dissent.
        assert_eq!(app.count("SELECT COUNT(*) FROM annual_reviews WHERE published_at IS NOT NULL AND response <> ''").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM review_sign_offs WHERE decision = 'dissent'").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM review_sections WHERE response <> ''").await, 2, "two sections answered on their own");
        let published: i64 = app.count("SELECT year FROM annual_reviews WHERE published_at IS NOT NULL").await;
        let page = app.get(&format!("/landlords/fernhill-vale-housing/annual-reviews/{published}")).await;
        assert_eq!(page.status, 200);
        for expected in ["too generous", "rewrite every standard letter", "What became of earlier recommendations"] {
            assert!(page.body.contains(expected), "{expected} missing: {}", page.body);
        }
        let current = app.get(&format!("/landlords/fernhill-vale-housing/annual-reviews/{}", published + 1)).await;
        assert_eq!(current.status, 401, "this year's is not public yet");
        assert_eq!(app.outbox().await.len(), 0, "the demo sends no email");
        assert_eq!(app.count("SELECT COUNT(*) FROM annual_reviews r JOIN organisations o ON o.id = r.organisation_id WHERE o.slug = 'brackenmoor-homes'").await, 0,
            "Brackenmoor's years are left for the browser tests to start");
    }

    async fn the_panel_signs_off_with_a_dissent_and_the_landlord_answers_and_publishes(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, sections) = started(&app).await;
        let y = year.to_string();
        let page = format!("/landlords/{SLUG}/annual-reviews/{year}");
        let mut chair = app.signed_in("chair@example.org").await;
        let mut pat = app.signed_in("pat@example.org").await;
        let mut peter = app.signed_in("peter@example.org").await;
        let mut sam = app.signed_in("sam@example.org").await;
        let ask = [("slug", SLUG), ("year", y.as_str())];

        save(&mut pat, year, sections[0], 0, "We met eleven times.").await;
        let reply = chair.call::<AskSignOff>(&ask).await;
        assert_eq!(reply.status, 409, "sections not agreed yet");
        assert!(reply.body.contains("Introduction"), "{}", reply.body);
        for section in &sections {
            let fields = vec![("slug", SLUG.to_string()), ("year", y.clone()), ("id", section.to_string()),
                ("state", "agreed".to_string()), ("assignee", String::new())];
            assert_eq!(pat.call::<SetSectionState>(&pairs(&fields)).await.status, 200);
        }
        assert_eq!(pat.call::<AskSignOff>(&ask).await.status, 403, "only the chair asks");
        assert_eq!(chair.call::<AskSignOff>(&ask).await.status, 200);
        let asked: Vec<String> = app.outbox().await.into_iter().filter(|(_, s, _)| s.starts_with("Please sign off")).map(|(to, _, _)| to).collect();
        assert_eq!(asked.len(), 3, "{asked:?}");
        // The text is frozen while the panel signs; the chair may reopen.
        assert_eq!(save(&mut pat, year, sections[0], 1, "Changed.").await.status, 409);
        let sign = |decision: &str, note: &str| vec![("slug", SLUG.to_string()), ("year", y.clone()),
            ("decision", decision.to_string()), ("note", note.to_string())];
        assert_eq!(pat.call::<SignReview>(&pairs(&sign("signed", ""))).await.status, 200);
        assert_eq!(chair.call::<ReopenReview>(&ask).await.status, 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM review_sign_offs").await, 0, "reopening clears sign-offs");
        assert_eq!(pat.call::<SignReview>(&pairs(&sign("signed", ""))).await.status, 409, "not asked any more");
        assert_eq!(chair.call::<AskSignOff>(&ask).await.status, 200);

        assert_eq!(pat.call::<SignReview>(&pairs(&sign("signed", ""))).await.status, 200);
        assert_eq!(peter.call::<SignReview>(&pairs(&sign("dissent", "  "))).await.status, 422, "a dissent needs its reasons");
        assert_eq!(peter.call::<SignReview>(&pairs(&sign("dissent", "The repairs section is too kind to the landlord."))).await.status, 200);
        assert_eq!(sam.call::<SignReview>(&pairs(&sign("signed", ""))).await.status, 403, "staff do not sign");
        assert_eq!(app.signed_in("rita@example.org").await.call::<SignReview>(&pairs(&sign("signed", ""))).await.status, 403);
        assert_eq!(app.count("SELECT COUNT(*) FROM annual_reviews WHERE signed_off_at IS NOT NULL").await, 0, "1 of 3 is no majority");
        let reply = sam.call::<RespondToReview>(&[("slug", SLUG), ("year", &y), ("response", "Thanks.")]).await;
        assert_eq!(reply.status, 409, "not signed off yet");
        assert_eq!(chair.call::<SignReview>(&pairs(&sign("signed", ""))).await.status, 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM annual_reviews WHERE signed_off_at IS NOT NULL AND response_due_at IS NOT NULL").await, 1);
        assert_eq!(peter.call::<SignReview>(&pairs(&sign("signed", ""))).await.status, 409, "signed off: frozen");
        assert_eq!(save(&mut pat, year, sections[0], 1, "Changed.").await.status, 409);

        // The landlord's response, overdue once its date passes.
        sqlx::query("UPDATE annual_reviews SET response_due_at = 1").execute(app.db.pool()).await.unwrap();
        assert!(sam.get(&page).await.body.contains("is overdue"));
        assert_eq!(pat.call::<RespondToReview>(&[("slug", SLUG), ("year", &y), ("response", "Ours.")]).await.status, 403);
        assert_eq!(sam.call::<RespondToReview>(&[("slug", SLUG), ("year", &y), ("response", " ")]).await.status, 422);
        assert_eq!(sam.call::<PublishAnnualReview>(&ask).await.status, 409, "no response yet");
        assert_eq!(app.visitor().get(&page).await.status, 401, "not public before publishing");
        let reply = sam.call::<RespondToReview>(&[("slug", SLUG), ("year", &y), ("response", "We accept the panel's findings on **repairs**.")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(sam.call::<PublishAnnualReview>(&ask).await.status, 200);
        assert_eq!(sam.call::<PublishAnnualReview>(&ask).await.status, 200, "twice is once");

        // Public: contents, text, dissent with its reasons, the response.
        let public = app.visitor().get(&page).await;
        assert_eq!(public.status, 200);
        for expected in ["Contents", "We met eleven times.", "Peter Panel", "too kind to the landlord",
                         "findings on <strong>repairs</strong>.", "Signed off on"] {
            assert!(public.body.contains(expected), "{expected} missing: {}", public.body);
        }
        assert!(!public.body.contains("is overdue"), "answered and published");
        assert!(public.body.contains("it was published late, on"), "the missed date stays on the record");
        let list = app.visitor().get(&format!("/landlords/{SLUG}/annual-reviews")).await;
        assert!(list.body.contains("Published on"), "{}", list.body);
    }

    async fn a_review_signed_off_and_published_just_after_midnight_in_summer_shows_the_uk_day(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, _) = started(&app).await;
        signed_off(&app, year).await;
        published(&app, year).await;
        // 00:30 on 16 June in British Summer Time is 23:30 on 15 June in UTC.
        let half_past_midnight = 1_781_566_200_000_i64;
        sqlx::query("UPDATE annual_reviews SET signed_off_at = $1, published_at = $1")
            .bind(half_past_midnight)
            .execute(app.db.pool())
            .await
            .unwrap();
        let page = app.visitor().get(&format!("/landlords/{SLUG}/annual-reviews/{year}")).await;
        assert!(page.body.contains("Signed off on 16 June 2026"), "{}", page.body);
        assert!(!page.body.contains("15 June 2026"), "{}", page.body);
        let list = app.visitor().get(&format!("/landlords/{SLUG}/annual-reviews")).await;
        assert!(list.body.contains("Published on 16 June 2026"), "{}", list.body);
    }

    async fn the_chair_may_ask_for_more_than_a_majority(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, sections) = started(&app).await;
        let y = year.to_string();
        let mut pat = app.signed_in("pat@example.org").await;
        for section in &sections {
            let fields = vec![("slug", SLUG.to_string()), ("year", y.clone()), ("id", section.to_string()),
                ("state", "agreed".to_string()), ("assignee", String::new())];
            assert_eq!(pat.call::<SetSectionState>(&pairs(&fields)).await.status, 200);
        }
        let mut chair = app.signed_in("chair@example.org").await;
        let reply = chair.call::<AskSignOff>(&[("slug", SLUG), ("year", &y), ("quorum", "most")]).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM annual_reviews WHERE sign_off_asked_at IS NOT NULL").await, 0);
        assert_eq!(chair.call::<AskSignOff>(&[("slug", SLUG), ("year", &y), ("quorum", "all")]).await.status, 200);
        let page = chair.get(&format!("/landlords/{SLUG}/annual-reviews/{year}")).await;
        assert!(page.body.contains("when every member of the panel has signed"), "{}", page.body);
        let sign = [("slug", SLUG), ("year", y.as_str()), ("decision", "signed"), ("note", "")];
        assert_eq!(pat.call::<SignReview>(&sign).await.status, 200);
        assert_eq!(chair.call::<SignReview>(&sign).await.status, 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM annual_reviews WHERE signed_off_at IS NOT NULL").await, 0,
            "two of three is a majority, but the chair asked for everyone");
        assert_eq!(app.signed_in("peter@example.org").await.call::<SignReview>(&sign).await.status, 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM annual_reviews WHERE signed_off_at IS NOT NULL").await, 1);
    }

    async fn the_landlord_may_answer_single_sections_and_the_published_review_has_charts(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, sections) = started(&app).await;
        let commitment = sections[1];
        let mut pat = app.signed_in("pat@example.org").await;
        let mut sam = app.signed_in("sam@example.org").await;
        save(&mut pat, year, commitment, 0, "Satisfaction rose, but not to the target.").await;
        let answer = section_response(year, commitment, "We will visit every estate twice.");
        let reply = sam.call::<RespondToSection>(&pairs(&answer)).await;
        assert_eq!(reply.status, 409, "not signed off yet: {}", reply.body);

        signed_off(&app, year).await;
        assert_eq!(pat.call::<RespondToSection>(&pairs(&answer)).await.status, 403, "the panel does not answer for the landlord");
        let long = "x".repeat(app::annual_reviews::MAX_RESPONSE_CHARS + 1);
        let reply = sam.call::<RespondToSection>(&pairs(&section_response(year, commitment, &long))).await;
        assert_eq!(reply.status, 422);
        assert!(reply.body.contains("characters or fewer"), "{}", reply.body);
        let elsewhere = section_response(year, 999_999, "Lost?");
        assert_eq!(sam.call::<RespondToSection>(&pairs(&elsewhere)).await.status, 404);
        assert_eq!(sam.call::<RespondToSection>(&pairs(&answer)).await.status, 200);
        let section_page = format!("/landlords/{SLUG}/annual-reviews/{year}/sections/{commitment}");
        let page = sam.get(&section_page).await;
        assert!(page.body.contains("We will visit every estate twice."), "{}", page.body);
        assert!(page.body.contains("Save the response to this section"));
        // An empty answer takes it away; a second answer replaces it.
        assert_eq!(sam.call::<RespondToSection>(&pairs(&section_response(year, commitment, " "))).await.status, 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM review_sections WHERE response <> ''").await, 0);
        assert_eq!(sam.call::<RespondToSection>(&pairs(&answer)).await.status, 200);
        published(&app, year).await;
        assert_eq!(sam.call::<RespondToSection>(&pairs(&answer)).await.status, 409, "published: frozen");

        let public = app.visitor().get(&format!("/landlords/{SLUG}/annual-reviews/{year}")).await;
        assert_eq!(public.status, 200);
        for expected in ["We will visit every estate twice.", "response to this section",
                         "class=\"bar-chart\"", "The year before", "What became of earlier recommendations"] {
            assert!(public.body.contains(expected), "{expected} missing: {}", public.body);
        }
        // The chart has a bar for each year, grey for the year before, in words too.
        let chart = &public.body[public.body.find("class=\"bar-chart\"").unwrap()..];
        let chart = &chart[..chart.find("</ol></div>").unwrap()];
        for expected in ["70.5", "74", &Period::year(year - 1).to_string(), &Period::year(year).to_string()] {
            assert!(chart.contains(expected), "{expected} missing: {chart}");
        }

        // The published text is public; its earlier wordings stay with the authors.
        let public_section = app.visitor().get(&section_page).await;
        assert_eq!(public_section.status, 200);
        assert!(!public_section.body.contains("See every revision"));
        let history = format!("{section_page}/history");
        assert_eq!(app.visitor().get(&history).await.status, 401);
        assert_eq!(app.signed_in("rita@example.org").await.get(&history).await.status, 404);
        assert_eq!(pat.get(&history).await.status, 200);
        assert!(pat.get(&section_page).await.body.contains("See every revision"));
    }

    async fn each_review_follows_up_last_years_recommendations_and_the_scrutiny_panels(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, sections) = started(&app).await;
        let recommendations = *sections.last().unwrap();
        let mut pat = app.signed_in("pat@example.org").await;
        save(&mut pat, year, recommendations, 0, "- Answer letters within ten days.").await;
        // Renaming the section does not lose it.
        let mut chair = app.signed_in("chair@example.org").await;
        let rename = vec![("slug", SLUG.to_string()), ("year", year.to_string()), ("section_id", recommendations.to_string()),
            ("change", "rename".to_string()), ("title", "What we ask for next".to_string())];
        assert_eq!(chair.call::<ArrangeSection>(&pairs(&rename)).await.status, 200);
        signed_off(&app, year).await;
        let mut sam = app.signed_in("sam@example.org").await;
        let answer = section_response(year, recommendations, "Agreed: a ten-day promise from June.");
        assert_eq!(sam.call::<RespondToSection>(&pairs(&answer)).await.status, 200);
        published(&app, year).await;

        // Scrutiny recommendations: one still open, one done before the year began.
        let organisation = app.count(&format!("SELECT id FROM organisations WHERE slug = '{SLUG}'")).await;
        let now = Timestamp::now().millis();
        let long_ago = now - 800 * 24 * 3600 * 1000;
        for (title, published_at, text, done_at) in [
            ("Damp and mould", now, "Reply to damp reports within a week.", None),
            ("Old report", long_ago, "Long since done.", Some(long_ago)),
        ] {
            let review: i64 = sqlx::query_scalar(
                "INSERT INTO scrutiny_reviews (organisation_id, title, created_at, published_at) VALUES ($1, $2, $3, $3) RETURNING id")
                .bind(organisation).bind(title).bind(published_at).fetch_one(app.db.pool()).await.unwrap();
            sqlx::query("INSERT INTO recommendations (review_id, number, text, response, done_at) VALUES ($1, 1, $2, 'accepted', $3)")
                .bind(review).bind(text).bind(done_at).execute(app.db.pool()).await.unwrap();
        }

        let next = year + 1;
        assert_eq!(chair.call::<StartAnnualReview>(&[("slug", SLUG), ("year", &next.to_string())]).await.status, 200);
        let progress: i64 = app.count(&format!(
            "SELECT s.id FROM review_sections s JOIN annual_reviews r ON r.id = s.review_id WHERE r.year = {next} AND s.kind = 'progress'")).await;
        let page = pat.get(&format!("/landlords/{SLUG}/annual-reviews/{next}/sections/{progress}")).await;
        assert_eq!(page.status, 200);
        for expected in ["What became of earlier recommendations", "Answer letters within ten days.",
                         "Agreed: a ten-day promise from June.", "What we ask for next",
                         &format!("/landlords/{SLUG}/annual-reviews/{year}#section-{recommendations}"),
                         "Reply to damp reports within a week.", "Accepted, in progress"] {
            assert!(page.body.contains(expected), "{expected} missing: {}", page.body);
        }
        assert!(!page.body.contains("Long since done."), "done before the year began");
        // Other sections do not repeat it.
        let intro: i64 = app.count(&format!(
            "SELECT s.id FROM review_sections s JOIN annual_reviews r ON r.id = s.review_id WHERE r.year = {next} AND s.kind = 'introduction'")).await;
        let page = pat.get(&format!("/landlords/{SLUG}/annual-reviews/{next}/sections/{intro}")).await;
        assert!(!page.body.contains("What became of earlier recommendations"));
    }
    async fn saving_the_kept_aside_draft_unchanged_does_not_replace_the_other_authors_words(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, intro, mut pat) = overlapped(&app).await;
        // The overlap page's form is based on revision 2, the one shown beside
        // the draft; pressing the ordinary save with the draft unchanged would
        // put Pat's words over Peter's without saying so.
        let reply = save(&mut pat, year, intro, 2, PATS).await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        assert!(reply.body.contains("Replace their version with mine"), "{}", reply.body);
        assert_eq!(current(&app, intro).await, (2, PETERS.to_string()), "Peter's words stay");
        assert_eq!(draft_of(&app, intro, "pat@example.org").await.as_deref(), Some(PATS), "Pat's draft stays");
        // "no" is the ordinary save, refused the same way.
        assert_eq!(save_choosing(&mut pat, year, intro, 2, PATS, Some("no")).await.status, 409);
        assert_eq!(current(&app, intro).await.0, 2);
        // A choice that is neither is a plain refusal, never a crash.
        let reply = save_choosing(&mut pat, year, intro, 2, PATS, Some("maybe")).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(reply.body.contains("Choose"), "{}", reply.body);
        assert_eq!(current(&app, intro).await.0, 2);
        assert_eq!(draft_of(&app, intro, "pat@example.org").await.as_deref(), Some(PATS));
    }

    async fn replacing_their_version_is_recorded_shown_in_the_history_and_emailed_to_them(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, intro, mut pat) = overlapped(&app).await;
        let emails_before = app.outbox().await.len();
        let reply = save_choosing(&mut pat, year, intro, 2, PATS, Some("yes")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(reply.header("location").unwrap().ends_with("?replaced=3"), "{:?}", reply.header("location"));
        assert_eq!(current(&app, intro).await, (3, PATS.to_string()));
        assert_eq!(replaced_by(&app, intro, 3).await, Some(2), "the revision says what it replaced");
        assert_eq!(replaced_by(&app, intro, 2).await, None);
        assert_eq!(draft_of(&app, intro, "pat@example.org").await, None, "the overlap is resolved");
        let page = pat.get(&format!("/landlords/{SLUG}/annual-reviews/{year}/sections/{intro}?replaced=3")).await;
        assert!(!page.body.contains("Your changes overlap someone else"), "{}", page.body);

        // Peter is told who replaced his words, where, and where to find them; Pat is not emailed.
        let emails: Vec<_> = app.outbox().await.into_iter().skip(emails_before).collect();
        assert_eq!(emails.len(), 1, "{emails:?}");
        let (to, subject, text) = &emails[0];
        assert_eq!(to, "peter@example.org");
        assert!(subject.contains("Introduction"), "{subject}");
        for expected in ["Pat Panel", "Introduction", &app::annual_reviews::label(year).to_lowercase(), "Test Homes",
                         &format!("http://portal.test/landlords/{SLUG}/annual-reviews/{year}/sections/{intro}/history")] {
            assert!(text.contains(expected), "{expected} missing: {text}");
        }

        let history = pat.get(&format!("/landlords/{SLUG}/annual-reviews/{year}/sections/{intro}/history")).await;
        assert_eq!(history.status, 200);
        assert!(history.body.contains("Replaced Peter Panel\u{2019}s version (revision 2)"), "{}", history.body);
        assert_eq!(history.body.matches("Replaced ").count(), 1, "only revision 3 replaced anything");
        // The replaced words are still in the history.
        let compare = pat.get(&format!("/landlords/{SLUG}/annual-reviews/{year}/sections/{intro}/history?from=2&to=3")).await;
        assert!(compare.body.contains("much slower than promised"), "{}", compare.body);
        // The choice is in the audit log.
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'annual_review.section_replaced'").await, 1);
    }

    async fn replacing_a_version_saved_after_the_page_was_shown_asks_again(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, intro, mut pat) = overlapped(&app).await;
        // The chair saves revision 3 while Pat reads the overlap page (based on 2).
        let mut chair = app.signed_in("chair@example.org").await;
        let chairs = "Repairs were much slower than promised. Complaints rose. Cleaning improved a lot.";
        assert_eq!(save(&mut chair, year, intro, 2, chairs).await.status, 200);
        let emails_before = app.outbox().await.len();
        let reply = save_choosing(&mut pat, year, intro, 2, PATS, Some("yes")).await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        assert_eq!(current(&app, intro).await, (3, chairs.to_string()), "nothing replaced that Pat has not seen");
        assert_eq!(draft_of(&app, intro, "pat@example.org").await.as_deref(), Some(PATS));
        assert_eq!(app.outbox().await.len(), emails_before, "no email for a refused save");
        // Having seen revision 3, Pat replaces it: Peter and the chair are both told.
        assert_eq!(save_choosing(&mut pat, year, intro, 3, PATS, Some("yes")).await.status, 200);
        assert_eq!(current(&app, intro).await, (4, PATS.to_string()));
        assert_eq!(replaced_by(&app, intro, 4).await, Some(3));
        let mut told: Vec<String> = app.outbox().await.into_iter().skip(emails_before).map(|(to, _, _)| to).collect();
        told.sort();
        assert_eq!(told, vec!["chair@example.org".to_string(), "peter@example.org".to_string()]);
    }

    async fn a_combined_text_after_an_overlap_saves_as_usual(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, intro, mut pat) = overlapped(&app).await;
        let emails_before = app.outbox().await.len();
        let combined = "Repairs were much slower than promised, though quick by March. Complaints rose. Cleaning improved.";
        let reply = save_choosing(&mut pat, year, intro, 2, combined, Some("no")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(reply.header("location").unwrap().ends_with("?saved=3"), "{:?}", reply.header("location"));
        assert_eq!(current(&app, intro).await, (3, combined.to_string()));
        assert_eq!(replaced_by(&app, intro, 3).await, None, "an ordinary save");
        assert_eq!(draft_of(&app, intro, "pat@example.org").await, None);
        assert_eq!(app.outbox().await.len(), emails_before, "nobody's words were replaced");
        // Without the field at all, as before.
        assert_eq!(save(&mut pat, year, intro, 3, &format!("{combined} More.")).await.status, 200);
        // With no draft kept aside, "yes" is an ordinary save too.
        assert!(save_choosing(&mut pat, year, intro, 4, "Fresh text.", Some("yes")).await.header("location").unwrap().ends_with("?saved=5"));
        assert_eq!(replaced_by(&app, intro, 5).await, None);
        assert_eq!(app.outbox().await.len(), emails_before);
    }

    async fn without_javascript_the_overlap_page_offers_both_choices_and_says_what_replacing_does(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, intro, _) = overlapped(&app).await;
        let mut browser = app.browser_without_javascript();
        browser.sign_in("pat@example.org").await;
        let path = format!("/landlords/{SLUG}/annual-reviews/{year}/sections/{intro}");
        browser.on_page = path.clone();
        let page = browser.get(&path).await;
        assert_eq!(page.status, 200);
        for expected in ["Save the combined text", "Replace their version with mine",
                         "This puts your version in place of the one saved by Peter Panel on",
                         "Their words will be kept only in the history, and we will email them to say so.",
                         "Combine the two in the box, then press \u{201c}Save the combined text\u{201d}.",
                         "name=\"replace\" value=\"yes\"", "name=\"replace\" value=\"no\"", PATS, PETERS] {
            assert!(page.body.contains(expected), "{expected} missing: {}", page.body);
        }
        // The ordinary save of the unchanged draft comes back with the reason.
        let fields = vec![("slug", SLUG.to_string()), ("year", year.to_string()), ("id", intro.to_string()),
            ("base_revision", "2".to_string()), ("body", PATS.to_string()), ("replace", "no".to_string())];
        let reply = browser.call::<SaveSection>(&pairs(&fields)).await;
        assert!((300..400).contains(&reply.status), "{} {}", reply.status, reply.body);
        let back = reply.header("location").unwrap().trim_start_matches("http://portal.test").to_string();
        assert!(back.contains("__err="), "{back}");
        let page = browser.get(&back).await;
        assert!(page.body.contains("Replace their version with mine"), "{}", page.body);
        assert!(page.body.contains(PATS), "Pat's text is still in the box");
        assert_eq!(current(&app, intro).await, (2, PETERS.to_string()));
        // Pressing "Replace their version with mine" sends replace=yes.
        let fields = vec![("slug", SLUG.to_string()), ("year", year.to_string()), ("id", intro.to_string()),
            ("base_revision", "2".to_string()), ("body", PATS.to_string()), ("replace", "yes".to_string())];
        let reply = browser.call::<SaveSection>(&pairs(&fields)).await;
        assert!(reply.header("location").unwrap().contains("replaced=3"), "{:?}", reply.header("location"));
        let page = browser.get(&path).await;
        assert!(page.body.contains(PATS) && !page.body.contains("Replace their version with mine"), "{}", page.body);
    }

    async fn a_year_once_reviewed_is_closed_and_later_views_are_added_beside_it(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, _) = started(&app).await;
        let commitment: i64 = sqlx::query_scalar("SELECT MIN(commitment_id) FROM review_sections WHERE commitment_id IS NOT NULL")
            .fetch_one(app.db.pool()).await.unwrap();
        let (id, label) = (commitment.to_string(), Period::year(year).year_label());
        let verdict = |rating: &str, evidence: &str, reason: &str| {
            vec![("slug", SLUG.to_string()), ("id", id.clone()), ("year", label.clone()), ("rating", rating.to_string()),
                 ("evidence", evidence.to_string()), ("change_reason", reason.to_string())]
        };
        let mut sam = app.signed_in("sam@example.org").await;
        let mut chair = app.signed_in("chair@example.org").await;
        assert_eq!(sam.call::<RecordAssessment>(&pairs(&verdict("kept", "Repairs on time", ""))).await.status, 200);
        assert_eq!(chair.call::<RecordAssessment>(&pairs(&verdict("not_kept", "Damp left for months", ""))).await.status, 200);
        let reply = sam.call::<RecordAssessment>(&pairs(&verdict("partly_kept", "Mostly on time", ""))).await;
        assert_eq!(reply.status, 422, "replacing a public verdict needs a reason: {}", reply.body);
        let reply = sam.call::<RecordAssessment>(&pairs(&verdict("partly_kept", "Mostly on time", "The October figures came in"))).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let page_path = format!("/landlords/{SLUG}/commitments/{commitment}");
        let page = app.get(&page_path).await.body;
        assert!(page.contains("Changed on ") && page.contains("The October figures came in") && page.contains("Repairs on time"), "{page}");

        signed_off(&app, year).await;
        published(&app, year).await;
        for (who, rating) in [(&mut sam, "not_kept"), (&mut chair, "kept")] {
            let reply = who.call::<RecordAssessment>(&pairs(&verdict(rating, "Second thoughts", "We looked again"))).await;
            assert_eq!(reply.status, 409, "{}", reply.body);
            assert!(reply.body.contains("verdicts are closed"), "{}", reply.body);
        }
        let ratings: Vec<String> = sqlx::query_scalar("SELECT rating FROM assessments ORDER BY side").fetch_all(app.db.pool()).await.unwrap();
        assert_eq!(ratings, ["partly_kept", "not_kept"], "the published verdicts stand");
        let later = [("slug", SLUG), ("id", id.as_str()), ("year", label.as_str()), ("rating", "not_kept"), ("evidence", "Complaints doubled after the review")];
        let reply = chair.call::<AddLaterView>(&later).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let open_year = Period::year(year - 1).year_label();
        let reply = sam.call::<AddLaterView>(&[("slug", SLUG), ("id", &id), ("year", &open_year), ("rating", "kept"), ("evidence", "Fine")]).await;
        assert_eq!(reply.status, 409, "a year not yet reviewed changes its verdict instead: {}", reply.body);
        let page = app.get(&page_path).await.body;
        let (verdict_at, later_at) = (page.find("Damp left for months").unwrap(), page.find("Complaints doubled after the review").unwrap());
        assert!(verdict_at < later_at, "the later view comes after the published verdict");
        assert!(page.contains("Later view, added on "), "{page}");
    }

    async fn saves_and_notes_racing_a_request_for_sign_off_never_land_after_it(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let (year, sections) = started(&app).await;
        let y = year.to_string();
        let mut pat = app.signed_in("pat@example.org").await;
        let mut peter = app.signed_in("peter@example.org").await;
        let mut chair = app.signed_in("chair@example.org").await;
        for section in &sections {
            let fields = [("slug", SLUG.to_string()), ("year", y.clone()), ("id", section.to_string()), ("state", "agreed".to_string()), ("assignee", String::new())];
            assert_eq!(pat.call::<SetSectionState>(&pairs(&fields)).await.status, 200);
        }
        // A probe for the test only: notes any section write that runs once
        // sign-off has been asked for, as the database sees it then.
        let probe: &[&str] = match backend {
            Backend::Sqlite => &[
                "CREATE TABLE late_writes (section_id BIGINT)",
                "CREATE TRIGGER late_revision AFTER INSERT ON section_revisions \
                 WHEN (SELECT r.sign_off_asked_at FROM annual_reviews r JOIN review_sections s ON s.review_id = r.id WHERE s.id = NEW.section_id) IS NOT NULL \
                 BEGIN INSERT INTO late_writes VALUES (NEW.section_id); END",
                "CREATE TRIGGER late_note AFTER INSERT ON section_notes \
                 WHEN (SELECT r.sign_off_asked_at FROM annual_reviews r JOIN review_sections s ON s.review_id = r.id WHERE s.id = NEW.section_id) IS NOT NULL \
                 BEGIN INSERT INTO late_writes VALUES (NEW.section_id); END",
            ],
            Backend::Postgres => &[
                "CREATE TABLE late_writes (section_id BIGINT)",
                "CREATE FUNCTION late_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF EXISTS (SELECT 1 FROM annual_reviews r JOIN review_sections s ON s.review_id = r.id \
                 WHERE s.id = NEW.section_id AND r.sign_off_asked_at IS NOT NULL) THEN \
                 INSERT INTO late_writes VALUES (NEW.section_id); END IF; RETURN NEW; END $$",
                "CREATE TRIGGER late_revision AFTER INSERT ON section_revisions FOR EACH ROW EXECUTE FUNCTION late_write()",
                "CREATE TRIGGER late_note AFTER INSERT ON section_notes FOR EACH ROW EXECUTE FUNCTION late_write()",
            ],
        };
        for sql in probe {
            sqlx::query(sql).execute(app.db.pool()).await.unwrap();
        }
        let section = sections[0];
        for round in 0..40 {
            let (base, _) = current(&app, section).await;
            let body = format!("Round {round}: repairs were slow.");
            let note = [("slug", SLUG.to_string()), ("year", y.clone()), ("id", section.to_string()), ("note", format!("Note {round}"))];
            let ask = [("slug", SLUG), ("year", y.as_str()), ("quorum", "majority")];
            let note = pairs(&note);
            let (saved, noted, asked) = tokio::join!(
                save(&mut pat, year, section, base, &body),
                peter.call::<AddSectionNote>(&note),
                chair.call::<AskSignOff>(&ask),
            );
            assert_eq!(asked.status, 200, "{}", asked.body);
            for reply in [&saved, &noted] {
                assert!(reply.status == 200 || reply.status == 409, "{}: {}", reply.status, reply.body);
            }
            let reply = chair.call::<ReopenReview>(&[("slug", SLUG), ("year", &y)]).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM late_writes").await, 0, "writes landed after sign-off was asked for");
    }
}

/// Runs futures at the same time and gathers their results in order.
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let futures: Vec<_> = futures.map(Box::pin).collect();
    let mut results = Vec::new();
    // Poll them all together; each completes independently.
    let mut pending: Vec<_> = futures.into_iter().map(Some).collect();
    let mut outputs: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for (slot, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => {
                        *output = Some(value);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    results.extend(
        outputs
            .into_iter()
            .map(|o| o.expect("every future finished")),
    );
    results
}
