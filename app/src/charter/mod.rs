//! Charters and their commitments: what the landlord promised, the measures
//! that show whether each promise is kept, and the landlord's and the tenant
//! panel's verdicts side by side, year by year. Every change to a
//! commitment is kept as a version anyone can read.
mod pages;
#[cfg(feature = "ssr")]
pub mod queries;
pub mod template;

pub use pages::{CommitmentPage, CommitmentsPage};

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    performance::{model::Status, LandlordRef},
    validation::{optional_text, required_text},
};

/// A verdict on whether a commitment is being kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Kept,
    PartlyKept,
    NotKept,
}

impl Rating {
    pub const ALL: [Rating; 3] = [Rating::Kept, Rating::PartlyKept, Rating::NotKept];

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Kept => "kept",
            Rating::PartlyKept => "partly_kept",
            Rating::NotKept => "not_kept",
        }
    }

    pub fn parse(text: &str) -> Option<Rating> {
        Rating::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Rating::Kept => "Kept",
            Rating::PartlyKept => "Partly kept",
            Rating::NotKept => "Not kept",
        }
    }
}

/// Whose verdict: the landlord's own, or the tenant panel's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Landlord,
    Panel,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Landlord => "landlord",
            Side::Panel => "panel",
        }
    }

    pub fn parse(text: &str) -> Option<Side> {
        match text {
            "landlord" => Some(Side::Landlord),
            "panel" => Some(Side::Panel),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Side::Landlord => "The landlord's verdict",
            Side::Panel => "The tenant panel's verdict",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub year: i32,
    pub side: Side,
    pub rating: Rating,
    pub evidence: String,
    pub by: String,
    pub on: String,
    /// Earlier verdicts this one replaced, oldest first, with the reasons.
    pub changes: Vec<crate::site::history::Change>,
}

/// The commitment's page keys for a verdict's history: "2025:landlord".
pub fn verdict_part(year: i32, side: Side) -> String {
    format!("{year}:{}", side.as_str())
}

/// Refused once the year's annual review is published.
pub fn year_closed(year: i32) -> AppError {
    AppError::Conflict(format!(
        "The annual review of {} has been published, so its verdicts are closed and cannot be replaced. Add a later view instead: it is shown, dated, after the published verdict.",
        crate::performance::model::Period::year(year)
    ))
}

/// How one linked measure stands in the year shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureStanding {
    pub code: String,
    pub title: String,
    /// e.g. "78.5% (target 80%)" for each series with a result.
    pub results: Vec<(String, Option<Status>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentSummary {
    pub id: i64,
    pub position: i64,
    pub title: String,
    pub expectation: String,
    pub responsible_team: String,
    pub measures: Vec<MeasureStanding>,
    pub landlord: Option<Assessment>,
    pub panel: Option<Assessment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharterSummary {
    pub id: i64,
    pub title: String,
    pub about: String,
    pub commitments: Vec<CommitmentSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentsData {
    pub landlord: LandlordRef,
    pub charters: Vec<CharterSummary>,
    pub year: i32,
    /// Years to choose from, newest first.
    pub years: Vec<i32>,
    pub can_edit: bool,
    /// Whether the NHF template has been adopted already.
    pub has_template: bool,
}

/// The landlord's charters for one year (the current reporting year's
/// predecessor, the latest with a full year behind it, unless asked).
#[server]
pub async fn load_commitments(
    slug: String,
    year: Option<String>,
) -> Result<CommitmentsData, AppError> {
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    let can_edit = crate::permissions::allows(
        user.as_ref(),
        crate::permissions::Action::EditCharter,
        landlord.id,
    );
    let years = queries::years(&state.db, landlord.id).await?;
    let year = year
        .as_deref()
        .and_then(crate::performance::model::Period::parse_year)
        .or(years.first().copied())
        .unwrap_or_else(queries::last_full_year);
    let charters = queries::charters(&state.db, &landlord, year).await?;
    let has_template = charters.iter().any(|c| c.title == template::TITLE);
    Ok(CommitmentsData {
        landlord: LandlordRef {
            slug: landlord.slug,
            name: landlord.name,
        },
        charters,
        year,
        years,
        can_edit,
        has_template,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub version: i64,
    pub title: String,
    pub expectation: String,
    pub responsible_team: String,
    pub measure_codes: String,
    pub reason: String,
    pub by: String,
    pub on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentDetail {
    pub landlord: LandlordRef,
    pub charter_title: String,
    pub id: i64,
    pub title: String,
    pub expectation: String,
    pub responsible_team: String,
    pub measure_codes: String,
    pub version: i64,
    pub measures: Vec<MeasureStanding>,
    pub year: i32,
    /// Every verdict, newest year first.
    pub assessments: Vec<Assessment>,
    /// Views added after a year's review was published, oldest first.
    pub later_views: Vec<Assessment>,
    /// Years whose annual review is published: their verdicts are closed.
    pub closed_years: Vec<i32>,
    pub versions: Vec<Version>,
    pub can_edit: bool,
    pub can_assess_as: Option<Side>,
    pub known_codes: Vec<String>,
}

#[server]
pub async fn load_commitment(slug: String, id: i64) -> Result<CommitmentDetail, AppError> {
    use crate::permissions::{allows, Action};
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    let can_assess_as = if allows(user.as_ref(), Action::AssessAsLandlord, landlord.id) {
        Some(Side::Landlord)
    } else if allows(user.as_ref(), Action::AssessAsPanel, landlord.id) {
        Some(Side::Panel)
    } else {
        None
    };
    let mut detail = queries::commitment(&state.db, &landlord, id).await?;
    detail.can_edit = allows(user.as_ref(), Action::EditCharter, landlord.id);
    detail.can_assess_as = can_assess_as;
    Ok(detail)
}

/// Adopts the National Housing Federation's Together with Tenants charter,
/// with its six commitments linked to the measures that show them.
#[server]
pub async fn adopt_template(slug: String) -> Result<(), AppError> {
    let crate::permissions::Authorised { state, actor, .. } =
        crate::permissions::authorise(&slug, crate::permissions::Action::EditCharter).await?;
    queries::adopt_template(&state.db, &actor).await?;
    crate::site::confirm(
        "The Together with Tenants charter is adopted, with its six commitments. You can edit each one.",
    );
    leptos_axum::redirect(&format!("/landlords/{slug}/commitments"));
    Ok(())
}

/// Starts a charter of the landlord's own.
#[server]
/// The arguments are named as the form's fields are (`charter_title`, not
/// `title`), so that each field's error links to its own box.
pub async fn create_charter(
    slug: String,
    charter_title: String,
    charter_about: String,
) -> Result<(), AppError> {
    let crate::permissions::Authorised { state, actor, .. } =
        crate::permissions::authorise(&slug, crate::permissions::Action::EditCharter).await?;
    let title = required_text("charter_title", &charter_title, "the charter's name", 200)?;
    let about = optional_text("charter_about", &charter_about, "the description", 2000)?;
    queries::create_charter(&state.db, &actor, &title, &about, None).await?;
    crate::site::confirm(format!("Your charter “{title}” is started."));
    leptos_axum::redirect(&format!("/landlords/{slug}/commitments"));
    Ok(())
}

/// What a commitment says, as typed into its form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentText {
    pub title: String,
    pub expectation: String,
    pub responsible_team: String,
    pub measure_codes: String,
}

/// Checks a commitment's fields; measure codes must be ones the landlord reports.
pub fn check_commitment(
    title: &str,
    expectation: &str,
    responsible_team: &str,
    measure_codes: &str,
    known: &[String],
) -> Result<CommitmentText, AppError> {
    let title = required_text("title", title, "a title", 200)?;
    let expectation = required_text("expectation", expectation, "what tenants can expect", 4000)?;
    let responsible_team =
        optional_text("responsible_team", responsible_team, "the team's name", 200)?;
    let mut codes: Vec<String> = Vec::new();
    for code in measure_codes
        .split([',', ' ', ';'])
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
    {
        if !known.contains(&code) {
            return Err(AppError::invalid(
                "measure_codes",
                format!("{code} is not a measure this landlord reports. Use codes such as TP01, separated by commas."),
            ));
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(CommitmentText {
        title,
        expectation,
        responsible_team,
        measure_codes: codes.join(", "),
    })
}

#[server]
pub async fn add_commitment(
    slug: String,
    charter_id: i64,
    title: String,
    expectation: String,
    responsible_team: String,
    measure_codes: String,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::EditCharter).await?;
    let known = known_codes(&state, landlord.id).await?;
    let text = check_commitment(
        &title,
        &expectation,
        &responsible_team,
        &measure_codes,
        &known,
    )?;
    let id = queries::add_commitment(&state.db, &actor, charter_id, &text).await?;
    crate::site::confirm(format!("The commitment “{}” is added.", text.title));
    leptos_axum::redirect(&format!("/landlords/{slug}/commitments/{id}"));
    Ok(())
}

/// Saves a new version of a commitment. `version` is the one the editor
/// started from: if someone else saved since, nothing is overwritten.
// A form's fields arrive as arguments, one each.
#[allow(clippy::too_many_arguments)]
#[server]
pub async fn edit_commitment(
    slug: String,
    id: i64,
    version: i64,
    title: String,
    expectation: String,
    responsible_team: String,
    measure_codes: String,
    reason: String,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::EditCharter).await?;
    let known = known_codes(&state, landlord.id).await?;
    let text = check_commitment(
        &title,
        &expectation,
        &responsible_team,
        &measure_codes,
        &known,
    )?;
    let reason = required_text("reason", &reason, "what changed and why", 1000)?;
    queries::edit_commitment(&state.db, &actor, id, version, &text, &reason).await?;
    crate::site::confirm(
        "Your changes are saved as a new version. The earlier wording stays visible, with your reason.",
    );
    leptos_axum::redirect(&format!("/landlords/{slug}/commitments/{id}"));
    Ok(())
}

/// Records the landlord's or the panel's verdict for a year; the side is
/// the one the person speaks for.
#[server]
pub async fn record_assessment(
    slug: String,
    id: i64,
    year: String,
    rating: String,
    evidence: String,
    change_reason: Option<String>,
) -> Result<(), AppError> {
    let giving = verdict_from(
        &slug,
        &year,
        &rating,
        &evidence,
        "the evidence for this verdict",
    )
    .await?;
    // A verdict is for a year that has begun.
    if giving.year > queries::last_full_year() + 1 {
        return Err(AppError::invalid("year", "Choose a year such as 2025/26"));
    }
    queries::record_assessment(
        &giving.state.db,
        &giving.actor,
        id,
        giving.verdict(),
        change_reason.as_deref().unwrap_or_default(),
    )
    .await?;
    crate::site::confirm(format!(
        "{} verdict for {} is saved and shown on this page.",
        match giving.side {
            Side::Landlord => "The landlord's",
            Side::Panel => "The tenant panel's",
        },
        crate::performance::model::Period::year(giving.year).year_label()
    ));
    leptos_axum::redirect(&format!("/landlords/{slug}/commitments/{id}"));
    Ok(())
}

/// A view on a closed year, added after its annual review was published:
/// shown, dated, after the published verdict, which it never replaces.
#[server]
pub async fn add_later_view(
    slug: String,
    id: i64,
    year: String,
    rating: String,
    evidence: String,
) -> Result<(), AppError> {
    let giving = verdict_from(&slug, &year, &rating, &evidence, "what you see now").await?;
    queries::add_later_view(&giving.state.db, &giving.actor, id, giving.verdict()).await?;
    crate::site::confirm(
        "Your later view is added. It is shown, dated, after the published verdict.",
    );
    leptos_axum::redirect(&format!("/landlords/{slug}/commitments/{id}"));
    Ok(())
}

/// A verdict as sent, checked, with who gives it: the landlord's side for
/// staff, the panel's for the panel.
#[cfg(feature = "ssr")]
struct GivenVerdict {
    state: crate::state::AppState,
    actor: crate::identity::Actor,
    year: i32,
    side: Side,
    rating: Rating,
    evidence: String,
}

#[cfg(feature = "ssr")]
impl GivenVerdict {
    fn verdict(&self) -> queries::Verdict<'_> {
        queries::Verdict {
            year: self.year,
            side: self.side,
            rating: self.rating,
            evidence: &self.evidence,
        }
    }
}

#[cfg(feature = "ssr")]
async fn verdict_from(
    slug: &str,
    year: &str,
    rating: &str,
    evidence: &str,
    evidence_words: &str,
) -> Result<GivenVerdict, AppError> {
    use crate::permissions::{authorise_one_of, Action, Authorised};
    let (Authorised { state, actor, .. }, action) =
        authorise_one_of(slug, &[Action::AssessAsLandlord, Action::AssessAsPanel]).await?;
    let side = if action == Action::AssessAsLandlord {
        Side::Landlord
    } else {
        Side::Panel
    };
    let year = crate::performance::model::Period::parse_year(year)
        .ok_or_else(|| AppError::invalid("year", "Choose a year such as 2025/26"))?;
    let rating = Rating::parse(rating)
        .ok_or_else(|| AppError::invalid("rating", "Choose kept, partly kept or not kept"))?;
    let evidence = required_text("evidence", evidence, evidence_words, 4000)?;
    Ok(GivenVerdict {
        state,
        actor,
        year,
        side,
        rating,
        evidence,
    })
}

#[cfg(feature = "ssr")]
async fn known_codes(
    state: &crate::state::AppState,
    organisation_id: i64,
) -> Result<Vec<String>, AppError> {
    Ok(
        crate::performance::queries::measures_for(&state.db, organisation_id)
            .await?
            .into_iter()
            .map(|m| m.code)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commitments_link_only_to_measures_the_landlord_reports() {
        let known = vec!["TP01".to_string(), "TP06".to_string(), "DM01".to_string()];
        let text =
            check_commitment(" Voice ", "We listen.", "", "tp06, dm01 TP06", &known).unwrap();
        assert_eq!(text.title, "Voice");
        assert_eq!(text.measure_codes, "TP06, DM01");
        let error = check_commitment("Voice", "We listen.", "", "TP99", &known).unwrap_err();
        assert!(matches!(error, AppError::Invalid { ref field, .. } if field == "measure_codes"));
        let error = check_commitment("Voice", "  ", "", "", &known).unwrap_err();
        assert!(matches!(error, AppError::Invalid { ref field, .. } if field == "expectation"));
        let long = "x".repeat(201);
        assert!(check_commitment(&long, "We listen.", "", "", &known).is_err());
    }
}
