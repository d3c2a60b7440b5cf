//! The people every test meets and the steps many tests take. One cast,
//! written once: residents, panel and staff of Test Homes, someone who
//! belongs to no landlord, and a resident of Other Homes. Each test file
//! picks the people its stories need.
use app::{
    identity::Role,
    scrutiny::{OpenRound, Propose, ScreenProposal},
};

use super::{TestApp, Visitor};

/// The landlord most tests are about.
pub const SLUG: &str = "test-homes";
/// Another landlord, whose people count for nothing at Test Homes.
pub const OTHER_SLUG: &str = "other-homes";

/// Someone in the cast: their name, email and role (at which landlord).
#[derive(Clone, Copy)]
pub struct Member {
    pub name: &'static str,
    pub email: &'static str,
    pub role: Option<(&'static str, Role)>,
}

const fn at_test_homes(name: &'static str, email: &'static str, role: Role) -> Member {
    Member {
        name,
        email,
        role: Some((SLUG, role)),
    }
}

pub const RITA: Member = at_test_homes("Rita Resident", "rita@example.org", Role::Resident);
pub const ROB: Member = at_test_homes("Rob Resident", "rob@example.org", Role::Resident);
pub const PAT: Member = at_test_homes("Pat Panel", "pat@example.org", Role::PanelMember);
pub const PETER: Member = at_test_homes("Peter Panel", "peter@example.org", Role::PanelMember);
pub const CATH: Member = at_test_homes("Cath Chair", "chair@example.org", Role::PanelChair);
pub const SAM: Member = at_test_homes("Sam Staff", "sam@example.org", Role::LandlordStaff);
pub const ADA: Member = at_test_homes("Ada Admin", "ada@example.org", Role::LandlordAdmin);
/// Signed up, member of no landlord.
pub const NORA: Member = Member {
    name: "Nora Nobody",
    email: "nora@example.org",
    role: None,
};
/// A resident of Other Homes.
pub const OTTO: Member = Member {
    name: "Otto Other",
    email: "otto@example.org",
    role: Some((OTHER_SLUG, Role::Resident)),
};

/// Adds Test Homes, Other Homes when someone in `people` belongs there,
/// and `people`.
pub async fn add_cast(app: &TestApp, people: &[Member]) {
    app.add_landlord(SLUG, "Test Homes").await;
    if people
        .iter()
        .any(|person| matches!(person.role, Some((OTHER_SLUG, _))))
    {
        app.add_landlord(OTHER_SLUG, "Other Homes").await;
    }
    for person in people {
        app.add_person(person.name, person.email, person.role).await;
    }
}

/// A submission key (the hidden field that makes a double post count
/// once): the `n`th of many distinct ones.
pub fn key(n: u32) -> String {
    format!("{n:064x}")
}

/// The number at the end of an address: "/…/proposals/12" or "…#comment-12".
pub fn last_number(location: &str) -> i64 {
    location
        .rsplit(['/', '-'])
        .next()
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no number at the end of {location}"))
}

/// UK days from today, as the date fields send them.
pub fn uk_days(from: i64, to: i64) -> (String, String) {
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    (
        (today + chrono::Duration::days(from)).to_string(),
        (today + chrono::Duration::days(to)).to_string(),
    )
}

/// Proposes a topic at Test Homes with submission key `n`; returns its id.
pub async fn propose(visitor: &mut Visitor<'_>, n: u32, title: &str) -> i64 {
    let reply = visitor
        .call::<Propose>(&[
            ("slug", SLUG),
            ("submission_key", &key(n)),
            ("title", title),
            ("problem", "Repairs take weeks."),
            ("why_it_matters", "Families live with mould."),
            ("concerns", ""),
        ])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    last_number(reply.header("location").unwrap())
}

/// Rita proposes a topic for each of `titles`, Pat puts them forward and
/// the chair opens a vote on them from today for a week, with `votes`
/// each. Returns (round id, [topic ids]).
pub async fn open_vote(
    app: &TestApp,
    titles: &[&str],
    votes: &str,
    running_totals: bool,
) -> (i64, Vec<i64>) {
    let mut rita = app.signed_in(RITA.email).await;
    let mut topics = Vec::new();
    for (n, title) in titles.iter().enumerate() {
        topics.push(propose(&mut rita, n as u32 + 1, title).await);
    }
    let mut pat = app.signed_in(PAT.email).await;
    for id in &topics {
        let id = id.to_string();
        let reply = pat
            .call::<ScreenProposal>(&[("slug", SLUG), ("id", &id), ("decision", "put_forward")])
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let (opens, closes) = uk_days(0, 7);
    let mut chair = app.signed_in(CATH.email).await;
    let mut fields = vec![
        ("slug", SLUG),
        ("title", "Spring topics"),
        ("opens_on", opens.as_str()),
        ("closes_on", closes.as_str()),
        ("votes_per_resident", votes),
    ];
    if running_totals {
        fields.push(("show_running_totals", "yes"));
    }
    let reply = chair.call::<OpenRound>(&fields).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    (last_number(reply.header("location").unwrap()), topics)
}
