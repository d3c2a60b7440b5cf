//! Annual progress reviews: each year the tenant panel and invited
//! frontline staff write the year's verdict together, section by section.
//! Every save is a revision; a save made from an older revision is merged
//! with what was saved in between, or, where both changed the same words,
//! kept aside for its author to resolve beside the current text. Nothing
//! anyone saves is lost.
pub mod merge;
mod pages;
#[cfg(feature = "ssr")]
pub mod queries;

pub use pages::{AnnualReviewPage, AnnualReviewsPage, SectionHistoryPage, SectionPage};

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    performance::{
        model::{Figure, Status, Unit},
        LandlordRef,
    },
};

/// "Annual review 2025/26".
pub fn label(year: i32) -> String {
    format!(
        "Annual review {}",
        crate::performance::model::Period::year(year)
    )
}

/// The longest a section may be, in characters.
pub const MAX_SECTION_CHARS: usize = 20_000;

/// The longest the landlord's response to one section may be.
pub const MAX_RESPONSE_CHARS: usize = 5_000;

/// The sections every review starts with besides the commitments', as
/// (kind, title): the introduction first, the others after the commitments.
/// The kind stays when the chair renames a section, so next year's review
/// can find this year's recommendations.
pub const FREE_SECTIONS: [(&str, &str); 4] = [
    ("introduction", "Introduction"),
    ("tenants", "What tenants told us"),
    ("progress", "Progress on last year's recommendations"),
    ("recommendations", "Recommendations for next year"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SectionState {
    Drafting,
    Ready,
    Agreed,
}

impl SectionState {
    pub const ALL: [SectionState; 3] = [
        SectionState::Drafting,
        SectionState::Ready,
        SectionState::Agreed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SectionState::Drafting => "drafting",
            SectionState::Ready => "ready",
            SectionState::Agreed => "agreed",
        }
    }

    pub fn parse(text: &str) -> Option<SectionState> {
        SectionState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            SectionState::Drafting => "Drafting",
            SectionState::Ready => "Ready for review",
            SectionState::Agreed => "Agreed",
        }
    }
}

/// How many of the panel must sign a review off; the chair chooses when
/// asking, and more than half is the usual rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Quorum {
    Majority,
    TwoThirds,
    All,
}

impl Quorum {
    pub const ALL: [Quorum; 3] = [Quorum::Majority, Quorum::TwoThirds, Quorum::All];

    pub fn as_str(self) -> &'static str {
        match self {
            Quorum::Majority => "majority",
            Quorum::TwoThirds => "two_thirds",
            Quorum::All => "all",
        }
    }

    pub fn parse(text: &str) -> Option<Quorum> {
        Quorum::ALL.into_iter().find(|q| q.as_str() == text)
    }

    /// "more than half", to finish "It is signed off when … have signed."
    pub fn label(self) -> &'static str {
        match self {
            Quorum::Majority => "more than half",
            Quorum::TwoThirds => "at least two-thirds",
            Quorum::All => "every member",
        }
    }

    /// Whether `signed` of a panel of `members` is enough.
    pub fn met(self, signed: usize, members: usize) -> bool {
        members > 0
            && match self {
                Quorum::Majority => signed * 2 > members,
                Quorum::TwoThirds => signed * 3 >= members * 2,
                Quorum::All => signed >= members,
            }
    }
}

/// One measure series in a section's frozen snapshot: the year's result
/// and target, and the year before's, as they stood when the review began.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRow {
    pub code: String,
    pub title: String,
    pub series: String,
    pub unit: Unit,
    pub result: Option<Figure>,
    pub target: Option<Figure>,
    pub status: Option<Status>,
    pub last_result: Option<Figure>,
    pub last_target: Option<Figure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionSummary {
    pub id: i64,
    pub position: i64,
    pub title: String,
    pub state: SectionState,
    pub assignee: Option<String>,
    pub revision: i64,
    /// "commitment", "introduction", "tenants", "progress", "recommendations" or "free".
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSummary {
    pub year: i32,
    pub label: String,
    pub stage: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualReviewsData {
    pub landlord: LandlordRef,
    pub reviews: Vec<ReviewSummary>,
    /// Years the chair may start a review for, as (year, label).
    pub startable: Vec<(String, String)>,
}

#[server]
pub async fn load_annual_reviews(slug: String) -> Result<AnnualReviewsData, AppError> {
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    queries::review::list(&state.db, &landlord, user.as_ref()).await
}

/// The chair starts the review of a year, with a section per commitment
/// (and its measures frozen) and the usual free sections.
#[server]
pub async fn start_annual_review(slug: String, year: String) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::RunAnnualReview).await?;
    let year: i32 = year
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("year", "Choose the year to review"))?;
    queries::review::start(&state.db, &landlord, year, &actor).await?;
    crate::site::confirm(format!(
        "The annual review of {} is started. Add its sections and invite staff to write with the panel.",
        crate::performance::model::Period::year(year).year_label()
    ));
    leptos_axum::redirect(&format!("/landlords/{slug}/annual-reviews/{year}"));
    Ok(())
}

/// Where sign-off, the landlord's response and publishing stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub asked: bool,
    pub signed_off_on: Option<String>,
    pub published_on: Option<String>,
    pub signed: Vec<String>,
    /// (who, their note), published with the review.
    pub dissents: Vec<(String, String)>,
    pub panel_size: usize,
    pub quorum: Quorum,
    pub response_due_on: Option<String>,
    pub response_overdue: bool,
    /// Published after the response was due.
    pub published_late: bool,
    pub response: Option<String>,
    pub response_html: String,
    pub responded: bool,
    pub may_ask: bool,
    pub may_reopen: bool,
    pub may_sign: bool,
    pub my_decision: Option<String>,
    pub may_respond: bool,
}

/// A section as the published review shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedSection {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub snapshot: Vec<SnapshotRow>,
    pub html: String,
    /// The landlord's response to this section, if it gave one.
    pub response_html: String,
}

/// What became of the recommendations made before a review's year: last
/// year's review's own, with the landlord's response to them, and the
/// scrutiny panel's that were still open during the year, with where each
/// stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Followup {
    pub last_review: Option<LastRecommendations>,
    pub scrutiny: Vec<crate::scrutiny::reviews::NextLine>,
}

/// The "Recommendations for next year" section of last year's published review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastRecommendations {
    pub year: i32,
    pub section_id: i64,
    pub title: String,
    pub html: String,
    pub response_html: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDetail {
    pub landlord: LandlordRef,
    pub year: i32,
    pub label: String,
    pub progress: Progress,
    /// Once published: the whole text, section by section.
    pub published: Option<Vec<PublishedSection>>,
    /// Once published: shown with the section on progress since last year.
    pub followup: Option<Followup>,
    /// Last year's review, if published: its year.
    pub last_year: Option<i32>,
    pub sections: Vec<SectionSummary>,
    pub can_write: bool,
    pub can_run: bool,
    /// Staff the chair may invite to write: (user id, name).
    pub inviteable: Vec<(String, String)>,
    pub authors: Vec<String>,
}

#[server]
pub async fn load_annual_review(slug: String, year: i32) -> Result<ReviewDetail, AppError> {
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    queries::review::review(&state.db, &landlord, year, user.as_ref()).await
}

/// The chair asks the panel to sign the review off, saying how many must
/// sign (more than half when not said).
#[server]
pub async fn ask_sign_off(slug: String, year: i32, quorum: Option<String>) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::RunAnnualReview).await?;
    let quorum = match quorum.as_deref() {
        None | Some("") => Quorum::Majority,
        Some(text) => Quorum::parse(text)
            .ok_or_else(|| AppError::invalid("quorum", "Choose how many of the panel must sign"))?,
    };
    queries::sign_off::ask_sign_off(&state.db, &state.base_url, &landlord, year, quorum, &actor)
        .await?;
    let review = format!("/landlords/{slug}/annual-reviews/{year}");
    crate::site::confirm(
        crate::site::Confirmation::new(
            "The panel is asked to sign off the review, and each member has been emailed.",
        )
        .with_link(format!("{review}#sign-off"), "See who has signed"),
    );
    leptos_axum::redirect(&review);
    Ok(())
}

/// The chair reopens the review for changes before it is signed off.
#[server]
pub async fn reopen_review(slug: String, year: i32) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::RunAnnualReview).await?;
    queries::sign_off::reopen(&state.db, &landlord, year).await?;
    crate::site::confirm(
        "The review is open for changes again. Ask for sign-off when it is ready.",
    );
    leptos_axum::redirect(&format!("/landlords/{slug}/annual-reviews/{year}"));
    Ok(())
}

/// A panel member's answer at sign-off, as the form's two buttons send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignOffChoice {
    Signed,
    Dissent,
}

/// What the chair does to a section's place in the review, as the
/// section's buttons send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrangeChoice {
    Rename,
    Up,
    Down,
    Remove,
}

/// A panel member signs off ("signed") or dissents ("dissent", with a note).
#[server]
pub async fn sign_review(
    slug: String,
    year: i32,
    decision: SignOffChoice,
    note: Option<String>,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::SignOffAnnualReview)
        .await?;
    let dissent = match decision {
        SignOffChoice::Signed => None,
        SignOffChoice::Dissent => Some(crate::validation::required_text(
            "note",
            note.as_deref().unwrap_or_default(),
            "why you dissent, which is published with the review",
            2000,
        )?),
    };
    queries::sign_off::sign(&state.db, &landlord, year, &actor, dissent.as_deref()).await?;
    let review = format!("/landlords/{slug}/annual-reviews/{year}");
    crate::site::confirm(
        crate::site::Confirmation::new(match decision {
            SignOffChoice::Signed => "You have signed off the review.",
            SignOffChoice::Dissent => {
                "Your dissent is recorded. It will be published with the review."
            }
        })
        .with_link(format!("{review}#sign-off"), "See the sign-off"),
    );
    leptos_axum::redirect(&review);
    Ok(())
}

/// The landlord's response to the signed-off review.
#[server]
pub async fn respond_to_review(slug: String, year: i32, response: String) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        person,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::RespondToAnnualReview)
        .await?;
    let response = crate::validation::required_text(
        "response",
        &response,
        "the landlord's response",
        MAX_SECTION_CHARS,
    )?;
    queries::follow_up::respond(&state.db, &landlord, year, person.id, &response).await?;
    let review = format!("/landlords/{slug}/annual-reviews/{year}");
    crate::site::confirm(
        crate::site::Confirmation::new("The landlord's response is saved.")
            .with_link(format!("{review}#response"), "Go to the response"),
    );
    leptos_axum::redirect(&review);
    Ok(())
}

/// The landlord's optional response to one section; empty takes it away.
#[server]
pub async fn respond_to_section(
    slug: String,
    year: i32,
    id: i64,
    response: String,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::RespondToAnnualReview)
        .await?;
    let response = crate::validation::optional_text(
        "response",
        &response,
        "the response to this section",
        MAX_RESPONSE_CHARS,
    )?;
    queries::follow_up::respond_to_section(&state.db, &landlord, year, id, &actor, &response)
        .await?;
    leptos_axum::redirect(&format!(
        "/landlords/{slug}/annual-reviews/{year}/sections/{id}?responded=1#response"
    ));
    Ok(())
}

/// Publishes the review with the landlord's response.
#[server]
pub async fn publish_annual_review(slug: String, year: i32) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::RespondToAnnualReview)
        .await?;
    queries::follow_up::publish(&state.db, &landlord, year, &actor).await?;
    crate::site::confirm(
        "The annual review is published. Everyone can now read it, with the landlord's response.",
    );
    leptos_axum::redirect(&format!("/landlords/{slug}/annual-reviews/{year}"));
    Ok(())
}

/// The chair adds a free section at the end.
#[server]
pub async fn add_section(slug: String, year: i32, title: String) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::RunAnnualReview).await?;
    let title = crate::validation::required_text("title", &title, "the section's title", 150)?;
    queries::sections::add_section(&state.db, &landlord, year, &title).await?;
    crate::site::confirm(format!("The section “{}” is added.", title.trim()));
    leptos_axum::redirect(&format!("/landlords/{slug}/annual-reviews/{year}"));
    Ok(())
}

/// The chair renames, moves ("up" or "down") or removes a section.
#[server]
pub async fn arrange_section(
    slug: String,
    year: i32,
    section_id: i64,
    change: ArrangeChoice,
    title: Option<String>,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::RunAnnualReview).await?;
    let change = match change {
        ArrangeChoice::Rename => {
            queries::sections::Arrange::Rename(crate::validation::required_text(
                "title",
                title.as_deref().unwrap_or_default(),
                "the section's new title",
                150,
            )?)
        }
        ArrangeChoice::Up => queries::sections::Arrange::Up,
        ArrangeChoice::Down => queries::sections::Arrange::Down,
        ArrangeChoice::Remove => queries::sections::Arrange::Remove,
    };
    let done = match &change {
        queries::sections::Arrange::Rename(title) => format!("The section is renamed “{title}”."),
        queries::sections::Arrange::Up => "The section is moved up.".to_string(),
        queries::sections::Arrange::Down => "The section is moved down.".to_string(),
        queries::sections::Arrange::Remove => "The section is removed.".to_string(),
    };
    queries::sections::arrange(&state.db, &landlord, year, section_id, change).await?;
    crate::site::confirm(done);
    leptos_axum::redirect(&format!("/landlords/{slug}/annual-reviews/{year}"));
    Ok(())
}

/// The chair invites a member of staff to write with the panel.
#[server]
pub async fn invite_author(slug: String, year: i32, user_id: i64) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        person,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::RunAnnualReview).await?;
    queries::sections::invite_author(&state.db, &landlord, year, user_id, person.id).await?;
    crate::site::confirm("They are invited to write the review with the panel.");
    leptos_axum::redirect(&format!("/landlords/{slug}/annual-reviews/{year}"));
    Ok(())
}

/// An author's note on a section, for the other authors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionNote {
    pub id: i64,
    pub by: String,
    pub on: String,
    pub body: String,
    /// "Resolved by … on …", once dealt with.
    pub resolved: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionDetail {
    pub landlord: LandlordRef,
    pub year: i32,
    pub label: String,
    pub id: i64,
    pub title: String,
    /// For the section on progress since last year.
    pub followup: Option<Followup>,
    /// The authors' notes; only for the panel and staff.
    pub notes: Vec<SectionNote>,
    pub state: SectionState,
    pub assignee: Option<String>,
    pub snapshot: Vec<SnapshotRow>,
    pub revision: i64,
    pub body: String,
    pub html: String,
    pub last_saved: Option<String>,
    /// The viewer's own save that overlapped someone else's, to resolve:
    /// (their text, the revision it started from).
    pub my_draft: Option<(String, i64)>,
    /// With `my_draft`: who saved the version shown beside it (since the
    /// draft started), and when it was saved, for the sentence that says
    /// what "Replace their version with mine" does.
    pub draft_replaces: Option<(String, String)>,
    pub can_write: bool,
    /// The panel and staff see every revision; the public the text alone.
    pub can_see_history: bool,
    /// People who may be assigned: (user id, name).
    pub assignable: Vec<(String, String)>,
    /// The landlord's response to this section, and whether this person may
    /// write it now (after sign-off, before publishing).
    pub response: String,
    pub response_html: String,
    pub may_respond: bool,
}

#[server]
pub async fn load_section(slug: String, year: i32, id: i64) -> Result<SectionDetail, AppError> {
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    queries::sections::section(&state.db, &landlord, year, id, user.as_ref()).await
}

/// Saves a section's text as a new revision. `base_revision` is the one the
/// author started from: if others saved since, the changes are merged, or
/// (where they overlap) the text is kept aside and the author is asked to
/// resolve it beside the current version. There the author combines the
/// two, or chooses `replace` ("yes") to put their version in place of the
/// current one; see `queries::revisions::save_choosing`.
#[server]
pub async fn save_section(
    slug: String,
    year: i32,
    id: i64,
    base_revision: i64,
    body: String,
    replace: Option<String>,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        person,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::WriteAnnualReview).await?;
    let body = check_section_text(&body)?;
    let replace = parse_replace(replace.as_deref())?;
    let outcome = queries::revisions::save_choosing(
        &state.db,
        &landlord,
        year,
        id,
        &person,
        base_revision,
        &body,
        replace.then_some(queries::revisions::Replace {
            base_url: &state.base_url,
            source: &actor.source,
        }),
    )
    .await?;
    let note = match outcome {
        queries::revisions::Saved::New(number) => format!("saved={number}"),
        queries::revisions::Saved::Merged(number) => format!("merged={number}"),
        queries::revisions::Saved::Unchanged => "unchanged=1".to_string(),
        queries::revisions::Saved::Replaced { number, .. } => format!("replaced={number}"),
    };
    leptos_axum::redirect(&format!(
        "/landlords/{slug}/annual-reviews/{year}/sections/{id}?{note}"
    ));
    Ok(())
}

/// An author leaves a note on a section for the others.
#[server]
pub async fn add_section_note(
    slug: String,
    year: i32,
    id: i64,
    note: String,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        person,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::WriteAnnualReview).await?;
    let note = crate::validation::required_text("note", &note, "your note", 2000)?;
    queries::sections::add_note(&state.db, &landlord, year, id, &person, &note).await?;
    let section = format!("/landlords/{slug}/annual-reviews/{year}/sections/{id}");
    crate::site::confirm(
        crate::site::Confirmation::new("Your note is added. The other authors can see it.")
            .with_link(format!("{section}#notes"), "Go to the notes"),
    );
    leptos_axum::redirect(&section);
    Ok(())
}

/// Marks an author's note resolved.
#[server]
pub async fn resolve_section_note(
    slug: String,
    year: i32,
    id: i64,
    note_id: i64,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        person,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::WriteAnnualReview).await?;
    queries::sections::resolve_note(&state.db, &landlord, year, id, note_id, &person).await?;
    let section = format!("/landlords/{slug}/annual-reviews/{year}/sections/{id}");
    crate::site::confirm(
        crate::site::Confirmation::new("The note is marked as dealt with.")
            .with_link(format!("{section}#notes"), "Go to the notes"),
    );
    leptos_axum::redirect(&section);
    Ok(())
}

/// The overlap page's choice: "yes" is "Replace their version with mine";
/// "no", empty or absent is the ordinary save.
pub fn parse_replace(value: Option<&str>) -> Result<bool, AppError> {
    match value.map(str::trim) {
        None | Some("" | "no" | "false") => Ok(false),
        Some("yes" | "true") => Ok(true),
        Some(_) => Err(AppError::invalid(
            "replace",
            "Choose to save the combined text, or to replace their version with yours. Nothing was saved.",
        )),
    }
}

/// A section's text: at most `MAX_SECTION_CHARS`, and may be empty.
pub fn check_section_text(body: &str) -> Result<String, AppError> {
    if body.chars().count() > MAX_SECTION_CHARS {
        return Err(AppError::invalid(
            "body",
            format!(
                "Keep the section to {MAX_SECTION_CHARS} characters or fewer; it has {}. Nothing was saved; your text is still in the box.",
                body.chars().count()
            ),
        ));
    }
    // Line endings as the browser sends them vary; store one kind.
    Ok(body.replace("\r\n", "\n"))
}

/// Sets a section's state and who is writing it.
#[server]
pub async fn set_section_state(
    slug: String,
    year: i32,
    id: i64,
    state: String,
    assignee: String,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state: app,
        landlord,
        person,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::WriteAnnualReview).await?;
    let new_state = SectionState::parse(&state)
        .ok_or_else(|| AppError::invalid("state", "Choose where the section stands"))?;
    let assignee = match assignee.trim() {
        "" => None,
        id => Some(
            id.parse::<i64>()
                .map_err(|_| AppError::invalid("assignee", "Choose someone from the list"))?,
        ),
    };
    queries::sections::set_state(&app.db, &landlord, year, id, &person, new_state, assignee)
        .await?;
    crate::site::confirm(format!(
        "Saved: the section is now “{}”.",
        new_state.label().to_lowercase()
    ));
    leptos_axum::redirect(&format!(
        "/landlords/{slug}/annual-reviews/{year}/sections/{id}"
    ));
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionLine {
    pub number: i64,
    pub by: String,
    pub on: String,
    pub based_on: i64,
    pub merged: bool,
    pub characters: usize,
    /// Saved with "Replace their version with mine": the revision it took
    /// the place of, and who saved that one.
    pub replaced: Option<(i64, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionHistory {
    pub landlord: LandlordRef,
    pub year: i32,
    pub id: i64,
    pub title: String,
    pub revisions: Vec<RevisionLine>,
    /// The comparison asked for: (from, to, changes).
    pub comparison: Option<(i64, i64, Vec<merge::Change>)>,
}

#[server]
pub async fn load_section_history(
    slug: String,
    year: i32,
    id: i64,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<SectionHistory, AppError> {
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    queries::revisions::history(&state.db, &landlord, year, id, user.as_ref(), from, to).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_have_a_limit_and_one_kind_of_line_ending() {
        assert_eq!(check_section_text("a\r\nb").unwrap(), "a\nb");
        assert_eq!(check_section_text("").unwrap(), "");
        let error = check_section_text(&"x".repeat(MAX_SECTION_CHARS + 1)).unwrap_err();
        assert!(error.to_string().contains("your text is still in the box"));
    }

    #[test]
    fn replacing_is_an_explicit_yes_or_no() {
        assert!(!parse_replace(None).unwrap());
        assert!(!parse_replace(Some("")).unwrap());
        assert!(!parse_replace(Some("no")).unwrap());
        assert!(parse_replace(Some("yes")).unwrap());
        assert!(parse_replace(Some("maybe")).is_err());
    }

    #[test]
    fn each_quorum_needs_its_share_of_the_panel() {
        for quorum in Quorum::ALL {
            assert_eq!(Quorum::parse(quorum.as_str()), Some(quorum));
            assert!(!quorum.met(0, 0), "an empty panel signs nothing off");
        }
        assert!(!Quorum::Majority.met(2, 4) && Quorum::Majority.met(3, 4));
        assert!(Quorum::Majority.met(2, 3));
        assert!(!Quorum::TwoThirds.met(3, 5) && Quorum::TwoThirds.met(4, 5));
        assert!(Quorum::TwoThirds.met(2, 3) && !Quorum::TwoThirds.met(1, 3));
        assert!(!Quorum::All.met(2, 3) && Quorum::All.met(3, 3));
    }

    #[test]
    fn states_read_back_what_they_write() {
        for state in SectionState::ALL {
            assert_eq!(SectionState::parse(state.as_str()), Some(state));
        }
        assert_eq!(SectionState::parse("done"), None);
    }
}
