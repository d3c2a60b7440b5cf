//! Scrutiny reviews: the panel scopes a chosen topic, logs its evidence and
//! writes a report with numbered recommendations. Publishing the report
//! starts the landlord's deadline to answer each recommendation; answers,
//! actions and progress are public, and anything late is marked overdue.
#[cfg(feature = "ssr")]
pub mod file_kinds;
mod pages;
#[cfg(feature = "ssr")]
pub mod queries;

pub use pages::{RecommendationPage, RecommendationsTable, ReviewPage, WhatHappenedNextPage};

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::validation::{optional_text, required_text};
use crate::{error::AppError, performance::LandlordRef};

/// The landlord's answer to a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Accepted,
    PartlyAccepted,
    NotAccepted,
}

impl Answer {
    pub const ALL: [Answer; 3] = [
        Answer::Accepted,
        Answer::PartlyAccepted,
        Answer::NotAccepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Accepted => "accepted",
            Answer::PartlyAccepted => "partly_accepted",
            Answer::NotAccepted => "not_accepted",
        }
    }

    pub fn parse(text: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|a| a.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Answer::Accepted => "Accepted",
            Answer::PartlyAccepted => "Partly accepted",
            Answer::NotAccepted => "Not accepted",
        }
    }
}

/// Where a recommendation stands, for everyone to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Standing {
    AwaitingAnswer,
    AnswerOverdue,
    NotAccepted,
    InProgress(Answer),
    ActionOverdue(Answer),
    Done(Answer),
}

impl Standing {
    /// Works out the standing at `now`. `answer_due` is the report's
    /// response deadline; `action_due` the date the landlord set.
    pub fn at(
        now: i64,
        answer: Option<Answer>,
        answer_due: Option<i64>,
        action_due: Option<i64>,
        done: bool,
    ) -> Standing {
        match answer {
            None if answer_due.is_some_and(|due| now > due) => Standing::AnswerOverdue,
            None => Standing::AwaitingAnswer,
            Some(Answer::NotAccepted) => Standing::NotAccepted,
            Some(answer) if done => Standing::Done(answer),
            Some(answer) if action_due.is_some_and(|due| now > due) => {
                Standing::ActionOverdue(answer)
            }
            Some(answer) => Standing::InProgress(answer),
        }
    }

    pub fn label(self) -> String {
        match self {
            Standing::AwaitingAnswer => "Waiting for the landlord's answer".into(),
            Standing::AnswerOverdue => "Answer overdue".into(),
            Standing::NotAccepted => "Not accepted".into(),
            Standing::InProgress(answer) => format!("{}, in progress", answer.label()),
            Standing::ActionOverdue(answer) => format!("{}, action overdue", answer.label()),
            Standing::Done(answer) => format!("{}, done", answer.label()),
        }
    }

    pub fn is_overdue(self) -> bool {
        matches!(self, Standing::AnswerOverdue | Standing::ActionOverdue(_))
    }

    /// A class for the stylesheet.
    pub fn class(self) -> &'static str {
        match self {
            Standing::AwaitingAnswer | Standing::InProgress(_) => "standing standing-open",
            Standing::AnswerOverdue | Standing::ActionOverdue(_) => "standing standing-overdue",
            Standing::NotAccepted => "standing standing-declined",
            Standing::Done(_) => "standing standing-done",
        }
    }
}

/// Shown by the document upload form, here and on the server's refusal page.
pub const DOCUMENT_HINT: &str = "PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG, text or CSV, up to 10 MB. The evidence log is published with the report, so leave out residents' personal details.";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub url: Option<String>,
    /// For a meeting: the day it was held, as people write it.
    pub held_on: Option<String>,
    pub added_by: String,
    pub added_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressUpdate {
    pub body: String,
    pub marks_done: bool,
    pub by: String,
    pub on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    pub id: i64,
    pub number: i64,
    pub text: String,
    pub answer: Option<Answer>,
    pub reason: String,
    pub action: String,
    pub owner: String,
    pub due_on: Option<String>,
    pub standing: Standing,
    pub updates: Vec<ProgressUpdate>,
    /// "Answered 40 days after it was due", when the first answer was late.
    pub answered_late: Option<String>,
    /// Earlier versions of the answer, oldest first.
    pub changes: Vec<crate::site::history::Change>,
}

/// How late a first answer was, for the record: `None` when it was in time.
pub fn lateness(answered_at: Option<i64>, due_at: Option<i64>) -> Option<String> {
    const DAY: i64 = 24 * 3600 * 1000;
    let late = answered_at? - due_at?;
    (late > 0).then(|| match (late / DAY).max(1) {
        1 => "Answered 1 day after it was due".to_string(),
        days => format!("Answered {days} days after it was due"),
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDetail {
    pub landlord: LandlordRef,
    pub id: i64,
    pub title: String,
    pub scope: String,
    pub summary: String,
    pub from_proposal: Option<(i64, String)>,
    pub published_on: Option<String>,
    pub answers_due_on: Option<String>,
    pub evidence: Vec<Evidence>,
    pub recommendations: Vec<Recommendation>,
    pub can_work: bool,
    pub can_publish: bool,
    pub can_respond: bool,
}

impl ReviewDetail {
    pub fn is_published(&self) -> bool {
        self.published_on.is_some()
    }
}

#[server]
pub async fn load_review(slug: String, id: i64) -> Result<ReviewDetail, AppError> {
    use crate::permissions::{allows, Action};
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    let mut detail =
        queries::report::visible_review(&state.db, &landlord, id, user.as_ref()).await?;
    let published = detail.is_published();
    detail.can_work = !published && allows(user.as_ref(), Action::WorkOnReviews, landlord.id);
    detail.can_publish = !published && allows(user.as_ref(), Action::PublishReports, landlord.id);
    detail.can_respond =
        published && allows(user.as_ref(), Action::RespondToRecommendations, landlord.id);
    Ok(detail)
}

/// One recommendation with the review it belongs to, for its own page
/// (where people discuss it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecommendationDetail {
    pub landlord: LandlordRef,
    pub review_id: i64,
    pub review_title: String,
    pub published: bool,
    pub recommendation: Recommendation,
}

#[server]
pub async fn load_recommendation(slug: String, id: i64) -> Result<RecommendationDetail, AppError> {
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    let review_id: i64 = sqlx::query_scalar(
        "SELECT r.review_id FROM recommendations r JOIN scrutiny_reviews v ON v.id = r.review_id \
         WHERE r.id = $1 AND v.organisation_id = $2",
    )
    .bind(id)
    .bind(landlord.id)
    .fetch_optional(state.db.pool())
    .await?
    .ok_or(AppError::NotFound)?;
    let review =
        queries::report::visible_review(&state.db, &landlord, review_id, user.as_ref()).await?;
    let published = review.is_published();
    let recommendation = review
        .recommendations
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(AppError::NotFound)?;
    Ok(RecommendationDetail {
        landlord: review.landlord,
        review_id,
        review_title: review.title,
        published,
        recommendation,
    })
}

/// Starts a review, from a chosen topic (`proposal_id`) or from scratch.
#[server]
pub async fn start_review(
    slug: String,
    title: String,
    proposal_id: Option<i64>,
) -> Result<(), AppError> {
    let crate::permissions::Authorised { state, actor, .. } =
        crate::permissions::authorise(&slug, crate::permissions::Action::WorkOnReviews).await?;
    let title = required_text("title", &title, "a title for the review", 150)?;
    let id = queries::report::start(&state.db, &actor, &title, proposal_id).await?;
    crate::site::confirm(format!(
        "The review “{title}” is started. Only the panel and the landlord's staff see it until it is published."
    ));
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny/reviews/{id}"));
    Ok(())
}

/// Saves the scope and the report's summary while the review is a draft.
#[server]
pub async fn save_review_text(
    slug: String,
    id: i64,
    scope: String,
    summary: String,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::WorkOnReviews).await?;
    let scope = optional_text("scope", &scope, "the scope", 8000)?;
    let summary = optional_text("summary", &summary, "the summary", 8000)?;
    queries::report::save_text(&state.db, landlord.id, id, &scope, &summary).await?;
    crate::site::confirm("Your changes to the review are saved.");
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny/reviews/{id}"));
    Ok(())
}

/// Adds a note, link or meeting to the evidence log.
#[server]
pub async fn add_evidence(
    slug: String,
    id: i64,
    kind: String,
    title: String,
    body: String,
    url: String,
    held_on: Option<String>,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        person,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::WorkOnReviews).await?;
    if !matches!(kind.as_str(), "note" | "link" | "meeting") {
        return Err(AppError::invalid(
            "kind",
            "Choose a note, a link or a meeting",
        ));
    }
    let title = required_text("title", &title, "a title", 200)?;
    let body = optional_text("body", &body, "the text", 8000)?;
    let url = url.trim();
    let url = if url.is_empty() {
        if kind == "link" {
            return Err(AppError::invalid(
                "url",
                "Enter the address the link goes to",
            ));
        }
        None
    } else {
        // Only web addresses, so a link can never run script.
        let parsed = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                AppError::invalid("url", "Enter a web address starting with https://")
            })?;
        Some(parsed.to_string())
    };
    let held_on = if kind == "meeting" {
        Some(queries::report::meeting_day(
            held_on.as_deref().unwrap_or_default(),
        )?)
    } else {
        None
    };
    queries::report::add_evidence(
        &state.db,
        landlord.id,
        id,
        person.id,
        &kind,
        &title,
        &body,
        url.as_deref(),
        held_on.as_deref(),
    )
    .await?;
    crate::site::confirm(format!("“{title}” is added to the evidence."));
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny/reviews/{id}"));
    Ok(())
}

/// Adds the next numbered recommendation to a draft report.
#[server]
pub async fn add_recommendation(slug: String, id: i64, text: String) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::WorkOnReviews).await?;
    let text = required_text("text", &text, "the recommendation", 2000)?;
    queries::report::add_recommendation(&state.db, landlord.id, id, &text).await?;
    crate::site::confirm("The recommendation is added.");
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny/reviews/{id}"));
    Ok(())
}

/// Publishes the report: it becomes public, and the landlord's deadline
/// to answer starts.
#[server]
pub async fn publish_report(slug: String, id: i64) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::PublishReports).await?;
    let now = crate::time::Timestamp::now().millis();
    queries::report::publish(&state.db, &landlord, id, &actor, now).await?;
    crate::site::confirm(
        "The report is published. Everyone can now read it, and the landlord has been asked to answer each recommendation.",
    );
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny/reviews/{id}"));
    Ok(())
}

/// The landlord's answer to one recommendation. An accepted or partly
/// accepted one needs an action, an owner and a due date.
#[allow(clippy::too_many_arguments)]
#[server]
pub async fn answer_recommendation(
    slug: String,
    review_id: i64,
    recommendation_id: i64,
    answer: String,
    reason: String,
    action: String,
    owner: String,
    due_on: String,
    change_reason: Option<String>,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::RespondToRecommendations)
        .await?;
    let answer = Answer::parse(&answer).ok_or_else(|| {
        AppError::invalid("answer", "Choose accepted, partly accepted or not accepted")
    })?;
    let reason = required_text("reason", &reason, "the reason for this answer", 4000)?;
    let plan = if answer == Answer::NotAccepted {
        None
    } else {
        let action = required_text("action", &action, "what will be done", 4000)?;
        let owner = required_text("owner", &owner, "who is responsible", 200)?;
        let due_at = queries::answers::end_of_uk_day(&due_on)?;
        Some((action, owner, due_at))
    };
    queries::answers::answer(
        &state.db,
        &state.base_url,
        &landlord,
        review_id,
        recommendation_id,
        &actor,
        answer,
        &reason,
        plan,
        change_reason.as_deref().unwrap_or_default(),
    )
    .await?;
    crate::site::confirm(format!(
        "Your answer (“{}”) is published with the report.",
        answer.label().to_lowercase()
    ));
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny/reviews/{review_id}"));
    Ok(())
}

/// A progress update on an accepted recommendation; `done` = "yes" marks
/// the action complete.
#[server]
pub async fn add_progress(
    slug: String,
    review_id: i64,
    recommendation_id: i64,
    progress: String,
    done: Option<String>,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        person,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::RespondToRecommendations)
        .await?;
    let body = required_text("progress", &progress, "what has happened", 2000)?;
    queries::answers::progress(
        &state.db,
        landlord.id,
        review_id,
        recommendation_id,
        person.id,
        &body,
        done.as_deref() == Some("yes"),
    )
    .await?;
    crate::site::confirm(if done.as_deref() == Some("yes") {
        "Your update is published, and the action is marked as done."
    } else {
        "Your update is published."
    });
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny/reviews/{review_id}"));
    Ok(())
}

/// Sets the weeks the landlord has to answer a published report (1 to 26).
/// Reports already published keep the deadline they were given.
#[server]
pub async fn set_response_weeks(slug: String, weeks: String) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::SetResponseDeadline)
        .await?;
    let weeks: i64 = weeks
        .trim()
        .parse()
        .ok()
        .filter(|w| (1..=26).contains(w))
        .ok_or_else(|| AppError::invalid("weeks", "Enter a whole number of weeks from 1 to 26"))?;
    let mut tx = state.db.begin_write().await?;
    sqlx::query("UPDATE organisations SET response_weeks = $1 WHERE id = $2")
        .bind(weeks)
        .bind(landlord.id)
        .execute(&mut *tx)
        .await?;
    crate::audit::by_actor(
        &mut *tx,
        &actor,
        "scrutiny.response_weeks_set",
        format!("weeks:{weeks}"),
    )
    .await?;
    tx.commit().await?;
    crate::site::confirm(format!(
        "Saved. Reports published from now on must be answered within {weeks} weeks."
    ));
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny/what-happened-next"));
    Ok(())
}

/// One line of "what happened next".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextLine {
    pub review_id: i64,
    pub review_title: String,
    pub number: i64,
    pub text: String,
    pub standing: Standing,
    pub action: String,
    pub due_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatHappenedNext {
    pub landlord: LandlordRef,
    pub lines: Vec<NextLine>,
    pub drafts: Vec<(i64, String)>,
    pub published: Vec<(i64, String)>,
    pub can_start: bool,
    /// Weeks the landlord has to answer a report, and whether this person may change it.
    pub response_weeks: i64,
    pub can_set_deadline: bool,
}

/// Every recommendation of every published report, with where it stands.
#[server]
pub async fn load_what_happened_next(slug: String) -> Result<WhatHappenedNext, AppError> {
    use crate::permissions::{allows, Action};
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    let mut data = queries::what_happened_next::what_happened_next(&state.db, &landlord).await?;
    if !allows(user.as_ref(), Action::SeeDraftReviews, landlord.id) {
        data.drafts.clear();
    }
    data.can_start = allows(user.as_ref(), Action::WorkOnReviews, landlord.id);
    data.can_set_deadline = allows(user.as_ref(), Action::SetResponseDeadline, landlord.id);
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standing_follows_answers_deadlines_and_progress() {
        let now = 1_000;
        let due_later = Some(2_000);
        let due_before = Some(500);
        assert_eq!(
            Standing::at(now, None, due_later, None, false),
            Standing::AwaitingAnswer
        );
        assert_eq!(
            Standing::at(now, None, due_before, None, false),
            Standing::AnswerOverdue
        );
        assert_eq!(
            Standing::at(now, Some(Answer::NotAccepted), due_before, None, false),
            Standing::NotAccepted
        );
        assert_eq!(
            Standing::at(now, Some(Answer::Accepted), due_before, due_later, false),
            Standing::InProgress(Answer::Accepted)
        );
        assert_eq!(
            Standing::at(
                now,
                Some(Answer::PartlyAccepted),
                due_later,
                due_before,
                false
            ),
            Standing::ActionOverdue(Answer::PartlyAccepted)
        );
        assert_eq!(
            Standing::at(now, Some(Answer::Accepted), due_later, due_before, true),
            Standing::Done(Answer::Accepted)
        );
        assert!(Standing::AnswerOverdue.is_overdue());
        assert!(!Standing::Done(Answer::Accepted).is_overdue());
    }
}
