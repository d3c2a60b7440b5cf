//! Performance and charters through HTTP on the real router, on SQLite and
//! PostgreSQL: importing results, status and trend, corrections and their
//! history, open data, charters, commitments and both sides' verdicts, and
//! who may do what.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
mod common;

use app::{
    charter::{AddCommitment, AdoptTemplate, EditCommitment, RecordAssessment},
    identity::Role,
    performance::{
        imports::{DiscardImport, PublishImport},
        manage::{AddLocalMeasure, SetCloseMargin},
        model::Period,
    },
    time::{civil_day, Timestamp},
};
use common::{
    cast::{Member, CATH, RITA, SAM, SLUG},
    pairs, Setup, TestApp, Visitor,
};

/// The people these stories need, from the one cast.
const PEOPLE: &[Member] = &[SAM, RITA, CATH];

const IMPORT: &str = "/landlords/test-homes/performance/import";
const STAFF: &str = SAM.email;

/// The last reporting year that has ended.
fn last_year() -> i32 {
    Period::year_containing(civil_day(Timestamp::now())).year - 1
}

fn label(year: i32) -> String {
    Period::year(year).year_label()
}

/// Five rows: two years of TP01, an emergency repairs result, a complaints
/// count with no target, and a target set for the year under way.
fn results_file() -> String {
    let y = last_year();
    format!(
        "measure,part,tenure,year,quarter,result,target,responses,method_note\n\
         TP01,,LCRA,{},,70.5,75,1000,=SUM(A1) phone survey\n\
         TP01,,LCRA,{},,74,75,1100,Phone survey\n\
         RP02,emergency,LCRA,{},,97,98,,\n\
         CH01,stage-1,LCRA,{},,30.2,,,\n\
         TP01,,LCRA,{},,,78,,\n",
        label(y - 1),
        label(y),
        label(y),
        label(y),
        label(y + 1),
    )
}

/// Uploads a file and returns the import's page address.
async fn upload(visitor: &mut Visitor<'_>, name: &str, bytes: &[u8]) -> String {
    let reply = visitor.upload(IMPORT, name, bytes).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let location = reply.header("location").unwrap().to_string();
    assert!(location.starts_with(&format!("{IMPORT}/")), "{location}");
    location
}

fn id_of(location: &str) -> String {
    location.rsplit('/').next().unwrap().to_string()
}

async fn publish(visitor: &mut Visitor<'_>, location: &str, reason: &str) -> common::Reply {
    let id = id_of(location);
    visitor
        .call::<PublishImport>(&[("slug", SLUG), ("id", &id), ("reason", reason)])
        .await
}

async fn figures(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM figures").await
}

on_both_databases! {
    async fn staff_import_check_preview_and_publish(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut staff = app.signed_in(STAFF).await;
        let location = upload(&mut staff, "results.csv", results_file().as_bytes()).await;
        // Checked but not yet published: nothing public has changed.
        assert_eq!(figures(&app).await, 0);
        let page = staff.get(&location).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("The file has no problems"), "{}", page.body);
        assert!(page.body.contains("5 rows: 5 with new figures"), "{}", page.body);
        assert!(page.body.contains("Publish these figures"));
        assert!(!page.body.contains("changes figures already published"), "new figures only: no warning");

        let reply = publish(&mut staff, &location, "").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(figures(&app).await, 5);
        let page = staff.get(&location).await;
        assert!(page.body.contains("Published on"), "{}", page.body);

        // Publishing again (a double click, a retry) changes nothing more.
        let changes = app.count("SELECT COUNT(*) FROM figure_changes").await;
        let reply = publish(&mut staff, &location, "").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM figure_changes").await, changes);

        // The public dashboard: the latest year, status and trend.
        let page = app.get("/landlords/test-homes/performance").await;
        assert_eq!(page.status, 200);
        let body = page.body;
        assert!(body.contains("Overall satisfaction (TP01)"), "the plain name first: {body}");
        // A plain summary comes before any chart.
        let summary = format!(
            "0 of 2 results with a target met it in {}; 2 were close; none was missed. 1 more has no target to judge by.",
            label(last_year())
        );
        let at = body.find(&summary).unwrap_or_else(|| panic!("{summary}: {body}"));
        assert!(at < body.find("chart-row").unwrap());
        assert!(body.contains("74%"));
        assert!(body.contains("Close to target"), "74 against 75 is within 5% of the target");
        assert!(body.contains("Better"), "74 is up from 70.5");
        assert!(body.contains("was 70.5%"));
        assert!(body.contains("30.2 per 1,000 homes"));
        assert!(body.contains("No target"));
        // The chart's words are page text; its key names only what it draws.
        assert!(body.contains("<strong>74%</strong> · target 75% · close to target</span>"), "{body}");
        assert!(body.contains("Result with no target to judge it by"), "CH01 has no target");
        assert!(!body.contains("Target missed</li>"), "nothing missed, so no red in the key");
        assert!(!body.contains("<text"), "no text drawn inside the SVG");
        assert!(body.contains("/landlords/test-homes/open-data/performance.csv"));
        assert!(!body.contains("Import results"), "the public sees no staff links");

        // The measure's own page has every period, newest first, and the target ahead.
        let page = app.get("/landlords/test-homes/performance/TP01").await;
        assert_eq!(page.status, 200);
        // The chart reads down the years, oldest first; the table starts with the newest.
        let chart = page.body.find("class=\"bar-chart\"").unwrap();
        let table = page.body.find("every period").unwrap();
        let chart_rows = &page.body[chart..table];
        assert!(chart_rows.find(&label(last_year() - 1)).unwrap() < chart_rows.find(&label(last_year())).unwrap());
        let table = &page.body[table..];
        let newest = table.find(&label(last_year() + 1)).unwrap();
        let older = table.find(&format!(">{}<", label(last_year() - 1))).unwrap();
        assert!(newest < older, "newest period first");
        assert!(page.body.contains("No published figure for this measure has been changed."));
        assert_eq!(app.get("/landlords/test-homes/performance/XX99").await.status, 404);
        assert_eq!(app.get("/landlords/nobody/performance").await.status, 404);
    }

    async fn a_reimport_of_the_same_file_changes_nothing(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut staff = app.signed_in(STAFF).await;
        let first = upload(&mut staff, "results.csv", results_file().as_bytes()).await;
        assert_eq!(publish(&mut staff, &first, "").await.status, 200);
        let before: Vec<(String, i64, Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT measure_code, year, result, target FROM figures ORDER BY measure_code, year, part")
                .fetch_all(app.db.pool()).await.unwrap();
        let changes = app.count("SELECT COUNT(*) FROM figure_changes").await;

        let again = upload(&mut staff, "results.csv", results_file().as_bytes()).await;
        let page = staff.get(&again).await;
        assert!(page.body.contains("5 rows: 5 unchanged"), "{}", page.body);
        assert_eq!(publish(&mut staff, &again, "").await.status, 200);
        let after: Vec<(String, i64, Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT measure_code, year, result, target FROM figures ORDER BY measure_code, year, part")
                .fetch_all(app.db.pool()).await.unwrap();
        assert_eq!(before, after);
        assert_eq!(app.count("SELECT COUNT(*) FROM figure_changes").await, changes);
    }

    async fn corrections_need_a_reason_and_stay_visible(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut staff = app.signed_in(STAFF).await;
        let first = upload(&mut staff, "results.csv", results_file().as_bytes()).await;
        assert_eq!(publish(&mut staff, &first, "").await.status, 200);

        let file = format!(
            "measure,year,result\nTP01,{},73.5\n",
            label(last_year())
        );
        let correction = upload(&mut staff, "fix.csv", file.as_bytes()).await;
        let page = staff.get(&correction).await;
        assert!(page.body.contains("1 row: 1 correcting published figures"), "{}", page.body);
        assert!(page.body.contains("74% → 73.5%"), "{}", page.body);
        // Said in red words before the button, with the old and new figures.
        let warning = page.body.find("This import changes figures already published").expect("a warning");
        let line = format!("Line 2: TP01, Rented homes, {}: result 74% → 73.5%", Period::year(last_year()));
        let listed = page.body.find(&line).unwrap_or_else(|| panic!("{line}: {}", page.body));
        let button = page.body.find("Publish, and correct 1 published figure").expect("the button says so");
        assert!(warning < listed && listed < button);

        let reply = publish(&mut staff, &correction, "  ").await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(reply.body.contains("reason"), "{}", reply.body);
        let value: i64 = sqlx::query_scalar("SELECT result FROM figures WHERE measure_code = 'TP01' AND year = $1")
            .bind(i64::from(last_year())).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(value, 74_000, "refused: nothing written");

        let reply = publish(&mut staff, &correction, "The contractor re-weighted the survey").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let (old, new, reason): (Option<i64>, Option<i64>, String) = sqlx::query_as(
            "SELECT old_value, new_value, reason FROM figure_changes WHERE old_value IS NOT NULL",
        ).fetch_one(app.db.pool()).await.unwrap();
        assert_eq!((old, new, reason.as_str()), (Some(74_000), Some(73_500), "The contractor re-weighted the survey"));

        let page = app.get("/landlords/test-homes/performance/TP01").await;
        assert!(page.body.contains("The contractor re-weighted the survey"), "{}", page.body);
        assert!(page.body.contains("Sam Staff"));
        assert!(page.body.contains("73.5%"));
    }

    async fn every_kind_of_bad_file_is_explained_and_nothing_is_written(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut staff = app.signed_in(STAFF).await;
        let y = label(last_year());
        let future = label(last_year() + 1);
        let header = "measure,part,tenure,year,quarter,result,target,responses,method_note";
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("not a number", format!("{header}\nTP01,,LCRA,{y},,seventy,,,\n").into_bytes(), "<td>2</td><td>result</td>"),
            ("over 100%", format!("{header}\nTP01,,LCRA,{y},,101,,,\n").into_bytes(), "cannot be more than 100"),
            ("unknown measure", format!("{header}\nXX01,,LCRA,{y},,50,,,\n").into_bytes(), "Unknown measure code"),
            ("duplicate row", format!("{header}\nTP01,,LCRA,{y},,50,,,\nTP01,,LCRA,{y},,51,,,\n").into_bytes(), "line 2"),
            ("future period", format!("{header}\nTP01,,LCRA,{future},,50,,,\n").into_bytes(), "has not ended yet"),
            ("wrong encoding", {
                let mut bytes = format!("{header}\nTP01,,LCRA,{y},,50,,,").into_bytes();
                bytes.extend_from_slice(b"Caf\xe9 survey\n");
                bytes
            }, "UTF-8"),
            ("empty", Vec::new(), "no rows"),
            ("fifty megabytes", vec![b'x'; 50 * 1024 * 1024], "50.0 MB"),
        ];
        for (what, bytes, expected) in cases {
            let location = upload(&mut staff, "bad.csv", &bytes).await;
            let page = staff.get(&location).await;
            assert_eq!(page.status, 200, "{what}");
            assert!(page.body.contains("Nothing has been published"), "{what}: {}", page.body);
            assert!(page.body.contains(expected), "{what}: expected {expected:?} in {}", page.body);
            // A rejected file cannot be published.
            let reply = publish(&mut staff, &location, "").await;
            assert_eq!(reply.status, 409, "{what}: {}", reply.body);
        }
        assert_eq!(figures(&app).await, 0);
    }

    async fn a_checked_file_can_be_set_aside(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut staff = app.signed_in(STAFF).await;
        let location = upload(&mut staff, "results.csv", results_file().as_bytes()).await;
        let id = id_of(&location);
        let reply = staff.call::<DiscardImport>(&[("slug", SLUG), ("id", &id)]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(publish(&mut staff, &location, "").await.status, 409);
        assert_eq!(figures(&app).await, 0);
        assert!(staff.get(&location).await.body.contains("set aside"));
    }

    async fn only_this_landlords_staff_may_import(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        app.add_landlord("other-homes", "Other Homes").await;
        app.add_person("Otto Other", "other@example.org", Some(("other-homes", Role::LandlordAdmin))).await;
        let bytes = results_file().into_bytes();

        let mut stranger = app.visitor();
        assert_eq!(stranger.upload(IMPORT, "r.csv", &bytes).await.status, 401);
        let mut resident = app.signed_in(RITA.email).await;
        assert_eq!(resident.upload(IMPORT, "r.csv", &bytes).await.status, 403);
        assert_eq!(resident.get(IMPORT).await.status, 403);
        let mut other = app.signed_in("other@example.org").await;
        assert_eq!(other.upload(IMPORT, "r.csv", &bytes).await.status, 403);
        assert_eq!(app.count("SELECT COUNT(*) FROM imports").await, 0);

        // Staff upload; people from elsewhere can neither see nor publish it.
        let mut staff = app.signed_in(STAFF).await;
        let location = upload(&mut staff, "results.csv", &bytes).await;
        let id = id_of(&location);
        assert_eq!(resident.get(&location).await.status, 403);
        assert_eq!(other.get(&location).await.status, 403);
        let reply = resident.call::<PublishImport>(&[("slug", SLUG), ("id", &id), ("reason", "")]).await;
        assert_eq!(reply.status, 403, "{}", reply.body);
        let reply = other.call::<PublishImport>(&[("slug", SLUG), ("id", &id), ("reason", "")]).await;
        assert_eq!(reply.status, 403, "{}", reply.body);
        // Nor through their own landlord's address.
        let reply = other.call::<PublishImport>(&[("slug", "other-homes"), ("id", &id), ("reason", "")]).await;
        assert_eq!(reply.status, 404, "{}", reply.body);
        assert_eq!(figures(&app).await, 0);
    }

    async fn the_close_margin_decides_close_or_missed(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut staff = app.signed_in(STAFF).await;
        let location = upload(&mut staff, "results.csv", results_file().as_bytes()).await;
        assert_eq!(publish(&mut staff, &location, "").await.status, 200);
        for bad in ["60", "-1", "five"] {
            let reply = staff.call::<SetCloseMargin>(&[("slug", SLUG), ("close_within", bad)]).await;
            assert_eq!(reply.status, 422, "{bad}: {}", reply.body);
        }
        let reply = staff.call::<SetCloseMargin>(&[("slug", SLUG), ("close_within", "0")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body = app.get("/landlords/test-homes/performance").await.body;
        assert!(!body.contains("· close to target"), "{body}");
        assert!(body.contains("<strong>74%</strong> · target 75% · target missed"), "{body}");
        let mut resident = app.signed_in(RITA.email).await;
        let reply = resident.call::<SetCloseMargin>(&[("slug", SLUG), ("close_within", "10")]).await;
        assert_eq!(reply.status, 403);
    }

    async fn local_measures_can_be_added_and_imported(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut staff = app.signed_in(STAFF).await;
        let measure = |code: &'static str| {
            [("slug", SLUG), ("code", code), ("title", "Average days to fix damp and mould"),
             ("about", "Days from report to repair."), ("unit", "days"), ("direction", "lower")]
        };
        let reply = staff.call::<AddLocalMeasure>(&measure("TP01")).await;
        assert_eq!(reply.status, 422, "a built-in code is taken: {}", reply.body);
        let reply = staff.call::<AddLocalMeasure>(&measure("dm01")).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let reply = staff.call::<AddLocalMeasure>(&measure("DM01")).await;
        assert_eq!(reply.status, 422, "a second DM01: {}", reply.body);

        let file = format!("measure,year,result,target\nDM01,{},18.5,14\n", label(last_year()));
        let location = upload(&mut staff, "damp.csv", file.as_bytes()).await;
        assert_eq!(publish(&mut staff, &location, "").await.status, 200);
        let body = app.get("/landlords/test-homes/performance/DM01").await.body;
        assert!(body.contains("18.5 days"), "{body}");
        assert!(body.contains("Lower is better"));
        assert!(body.contains("Target missed"), "18.5 days is well over the 14-day target");
    }

    async fn open_data_downloads_state_units_and_periods(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        app.add_landlord("other-homes", "Other Homes").await;
        let mut staff = app.signed_in(STAFF).await;
        let location = upload(&mut staff, "results.csv", results_file().as_bytes()).await;
        assert_eq!(publish(&mut staff, &location, "").await.status, 200);

        let mut visitor = app.visitor();
        let csv = visitor.get("/landlords/test-homes/open-data/performance.csv").await;
        assert_eq!(csv.status, 200);
        assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
        assert!(csv.header("content-disposition").unwrap().contains("test-homes-performance.csv"));
        let mut lines = csv.body.lines();
        assert!(lines.next().unwrap().starts_with("landlord,landlord_slug,measure,measure_title,part,tenure,year,quarter,period_start,period_end,unit,better,result,target,status,trend"));
        let y = last_year();
        let row = csv.body.lines().find(|l| l.contains(&format!("TP01,Overall satisfaction,,LCRA,{}", label(y)))).unwrap();
        assert!(row.contains(&format!("{y}-04-01,{}-03-31,percent,higher,74,75,close,better,1100", y + 1)), "{row}");
        // A note that a spreadsheet would run as a formula is made harmless.
        assert!(csv.body.contains("'=SUM(A1) phone survey"), "{}", csv.body);

        let json = visitor.get("/landlords/test-homes/open-data/performance.json").await;
        assert_eq!(json.header("content-type"), Some("application/json"));
        let data: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        let rows = data["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 5);
        assert!(data["about"].as_str().unwrap().contains("April to March"));
        let tp01 = rows.iter().find(|r| r["measure"] == "TP01" && r["year"] == label(y)).unwrap();
        assert_eq!(tp01["result"], 74.0);
        assert_eq!(tp01["unit"], "percent");

        let one = visitor.get("/landlords/test-homes/open-data/measure-tp01.json").await;
        let data: serde_json::Value = serde_json::from_str(&one.body).unwrap();
        assert_eq!(data["rows"].as_array().unwrap().len(), 3);

        let compare = visitor.get("/open-data/compare/TP01.csv").await;
        assert_eq!(compare.status, 200);
        assert!(compare.body.contains("Test Homes"));
        let page = app.get("/compare/TP01").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Test Homes"), "{}", page.body);
        assert!(page.body.contains("74%"));

        for missing in [
            "/landlords/test-homes/open-data/performance.xml",
            "/landlords/test-homes/open-data/measure-xx99.csv",
            "/landlords/nobody/open-data/performance.csv",
            "/open-data/compare/DM01.csv",
        ] {
            assert_eq!(visitor.get(missing).await.status, 404, "{missing}");
        }
        let template = visitor.get("/help/import-template.csv").await;
        assert_eq!(template.status, 200);
        assert!(template.body.starts_with("measure,part,tenure,year,quarter,result,target,responses,method_note"));
    }

    async fn the_template_uploaded_unchanged_is_refused_line_by_line(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let template = app.visitor().get("/help/import-template.csv").await.body;
        let mut staff = app.signed_in(STAFF).await;
        let location = upload(&mut staff, "results-template.csv", template.as_bytes()).await;
        let page = staff.get(&location).await;
        let examples = template.lines().count() - 1;
        assert!(page.body.contains(&format!("There are {examples} problems with the file")), "{}", page.body);
        assert_eq!(page.body.matches("one of the template&#x27;s example rows").count()
            + page.body.matches("one of the template's example rows").count(), examples, "{}", page.body);
        assert!(!page.body.contains("Publish these figures"), "nothing to publish");
        assert_eq!(figures(&app).await, 0);
    }

    /// The "Start a charter of your own" form, submitted as a browser
    /// without JavaScript submits it, with the fields the page draws.
    async fn staff_start_a_charter_of_their_own_from_its_form(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut staff = app.signed_in(STAFF).await;
        staff.html = true;
        let page = format!("/landlords/{SLUG}/commitments");
        staff.on_page = page.clone();
        let form = staff.get(&page).await.body;
        for name in ["charter_title", "charter_about"] {
            assert!(form.contains(&format!("name=\"{name}\"")), "the form has {name}");
        }
        let path = <app::charter::CreateCharter as leptos::server_fn::ServerFn>::PATH;
        let reply = staff
            .post_form(path, &[("slug", SLUG), ("charter_title", "Our repairs promise"), ("charter_about", "What we promise about repairs.")])
            .await;
        assert_eq!(reply.status, 302, "{}", reply.body);
        assert_eq!(reply.header("location"), Some(page.as_str()));
        let shown = staff.get(&page).await.body;
        assert!(shown.contains("Our repairs promise"), "the new charter is listed");
        // Without a name it is refused with a message at the name's box, and
        // what was typed is kept.
        let reply = staff
            .post_form(path, &[("slug", SLUG), ("charter_title", " "), ("charter_about", "Kept words")])
            .await;
        let location = reply.header("location").unwrap().to_string();
        assert!(location.contains("__err="), "{location}");
        let shown = staff.get(location.trim_start_matches("http://portal.test")).await.body;
        assert!(shown.contains("Enter the charter"), "{shown}");
        assert!(shown.contains("href=\"#charter-charter_title\""));
        assert!(shown.contains("Kept words"));
        assert_eq!(app.count("SELECT COUNT(*) FROM charters").await, 1);
    }

    async fn charters_commitments_history_and_verdicts(backend: Backend) {
        let app = TestApp::start_with(backend, Setup::cast(PEOPLE)).await;
        let mut resident = app.signed_in(RITA.email).await;
        let reply = resident.call::<AdoptTemplate>(&[("slug", SLUG)]).await;
        assert_eq!(reply.status, 403);
        let mut staff = app.signed_in(STAFF).await;
        assert_eq!(staff.call::<AdoptTemplate>(&[("slug", SLUG)]).await.status, 200);
        let reply = staff.call::<AdoptTemplate>(&[("slug", SLUG)]).await;
        assert_eq!(reply.status, 409, "adopted once only: {}", reply.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM commitments").await, 6);

        let page = app.get("/landlords/test-homes/commitments").await;
        assert_eq!(page.status, 200);
        for title in ["Together with Tenants", "Relationships", "When things go wrong"] {
            assert!(page.body.contains(title), "{title}");
        }
        assert!(!page.body.contains("Edit charters"), "the public sees no forms");

        let (id, charter_id): (i64, i64) = sqlx::query_as("SELECT id, charter_id FROM commitments WHERE title = 'Quality'")
            .fetch_one(app.db.pool()).await.unwrap();
        let id = id.to_string();
        let edit = |version: &'static str, codes: &'static str| {
            vec![("slug", SLUG.to_string()), ("id", id.clone()), ("version", version.to_string()),
                 ("title", "Quality".to_string()), ("expectation", "Damp is fixed within 14 days.".to_string()),
                 ("responsible_team", "Property services".to_string()), ("measure_codes", codes.to_string()),
                 ("reason", "Tenants asked for a damp promise".to_string())]
        };
        let reply = staff.call::<EditCommitment>(&pairs(&edit("1", "TP04, XX99"))).await;
        assert_eq!(reply.status, 422, "unknown measure code: {}", reply.body);
        let fields = edit("1", "tp04, RP02");
        let fields = pairs(&fields);
        let reply = staff.call::<EditCommitment>(&fields).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        // A second save from the same starting version would overwrite: refused.
        let reply = staff.call::<EditCommitment>(&fields).await;
        assert_eq!(reply.status, 409, "{}", reply.body);

        let page = app.get(&format!("/landlords/test-homes/commitments/{id}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Version 2"), "{}", page.body);
        assert!(page.body.contains("Tenants asked for a damp promise"));
        assert!(page.body.contains("Your home is good quality"), "version 1 stays readable");
        assert!(page.body.contains("TP04, RP02"));

        let year = label(last_year());
        let verdict = |rating: &'static str, evidence: &'static str| {
            vec![("slug", SLUG.to_string()), ("id", id.clone()), ("year", year.clone()),
                 ("rating", rating.to_string()), ("evidence", evidence.to_string())]
        };
        let reply = staff.call::<RecordAssessment>(&pairs(&verdict("kept", "Repairs are on time"))).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let mut chair = app.signed_in("chair@example.org").await;
        let panel_verdict = verdict("not_kept", "Damp repairs take months");
        assert_eq!(chair.call::<RecordAssessment>(&pairs(&panel_verdict)).await.status, 200);
        assert_eq!(resident.call::<RecordAssessment>(&pairs(&panel_verdict)).await.status, 403);
        assert_eq!(chair.call::<RecordAssessment>(&pairs(&verdict("brilliant", ""))).await.status, 422);

        let (side_landlord, side_panel): (String, String) = (
            sqlx::query_scalar("SELECT rating FROM assessments WHERE side = 'landlord'").fetch_one(app.db.pool()).await.unwrap(),
            sqlx::query_scalar("SELECT rating FROM assessments WHERE side = 'panel'").fetch_one(app.db.pool()).await.unwrap(),
        );
        assert_eq!((side_landlord.as_str(), side_panel.as_str()), ("kept", "not_kept"));
        let page = app.get(&format!("/landlords/test-homes/commitments?year={year}")).await;
        assert!(page.body.contains("Repairs are on time"), "{}", page.body);
        assert!(page.body.contains("Damp repairs take months"));
        assert!(page.body.contains("Not kept"));

        let csv = app.get("/landlords/test-homes/open-data/commitments.csv").await;
        assert_eq!(csv.status, 200);
        assert!(csv.body.contains("Damp repairs take months"), "{}", csv.body);

        // A commitment of one's own, on an adopted charter.
        let charter_id = charter_id.to_string();
        let reply = staff.call::<AddCommitment>(&[("slug", SLUG), ("charter_id", &charter_id), ("title", "Estates"),
            ("expectation", "Shared spaces are clean."), ("responsible_team", ""), ("measure_codes", "TP10")]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM commitment_versions").await, 8);
    }

    async fn the_demo_has_five_years_a_charter_and_verdicts(backend: Backend) {
        let app = TestApp::start(backend).await;
        tenant_voice::demo::load(&app.db).await.unwrap();
        let years = app.count("SELECT COUNT(DISTINCT year) FROM figures WHERE result IS NOT NULL").await;
        assert_eq!(years, 5);
        assert!(app.count("SELECT COUNT(*) FROM figure_changes WHERE old_value IS NOT NULL").await >= 2);
        let body = app.get("/landlords/brackenmoor-homes/performance").await.body;
        assert!(body.contains("Average days to fix damp and mould reports (DM01)"), "{body}");
        let body = app.get("/landlords/fernhill-vale-housing/commitments").await.body;
        assert!(body.contains("The tenant panel&#x27;s verdict") || body.contains("The tenant panel's verdict"), "{body}");
        assert!(body.contains("Partly kept"));
    }
}
