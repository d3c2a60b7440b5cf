//! Scrutiny reviews: the panel scopes a chosen topic, logs its evidence and
//! writes a report with numbered recommendations. Publishing the report
//! starts the landlord's deadline to answer each recommendation; answers,
//! actions and progress are public, and anything late is marked overdue.
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
    let user = crate::accounts::session::current_user().await?;
    let mut detail = server::visible_review(&state.db, &landlord, id, user.as_ref()).await?;
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
    let user = crate::accounts::session::current_user().await?;
    let review_id: i64 = sqlx::query_scalar(
        "SELECT r.review_id FROM recommendations r JOIN scrutiny_reviews v ON v.id = r.review_id \
         WHERE r.id = $1 AND v.organisation_id = $2",
    )
    .bind(id)
    .bind(landlord.id)
    .fetch_optional(state.db.pool())
    .await?
    .ok_or(AppError::NotFound)?;
    let review = server::visible_review(&state.db, &landlord, review_id, user.as_ref()).await?;
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
    let crate::permissions::Authorised {
        state,
        landlord,
        person,
    } = crate::permissions::authorise(&slug, crate::permissions::Action::WorkOnReviews).await?;
    let title = required_text("title", &title, "a title for the review", 150)?;
    let source = crate::accounts::session::client_address().await;
    let id = server::start(
        &state.db,
        landlord.id,
        person.id,
        &title,
        proposal_id,
        &source,
    )
    .await?;
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
    server::save_text(&state.db, landlord.id, id, &scope, &summary).await?;
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
        Some(server::meeting_day(held_on.as_deref().unwrap_or_default())?)
    } else {
        None
    };
    server::add_evidence(
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
    server::add_recommendation(&state.db, landlord.id, id, &text).await?;
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
        person,
    } = crate::permissions::authorise(&slug, crate::permissions::Action::PublishReports).await?;
    let source = crate::accounts::session::client_address().await;
    let now = crate::time::Timestamp::now().millis();
    server::publish(&state.db, &landlord, id, person.id, now, &source).await?;
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
        person,
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
        let due_at = server::end_of_uk_day(&due_on)?;
        Some((action, owner, due_at))
    };
    let source = crate::accounts::session::client_address().await;
    server::answer(
        &state.db,
        &state.base_url,
        &landlord,
        review_id,
        recommendation_id,
        person.id,
        answer,
        &reason,
        plan,
        change_reason.as_deref().unwrap_or_default(),
        &source,
    )
    .await?;
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
    } = crate::permissions::authorise(&slug, crate::permissions::Action::RespondToRecommendations)
        .await?;
    let body = required_text("progress", &progress, "what has happened", 2000)?;
    server::progress(
        &state.db,
        landlord.id,
        review_id,
        recommendation_id,
        person.id,
        &body,
        done.as_deref() == Some("yes"),
    )
    .await?;
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
        person,
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
    crate::audit::by_person(
        &mut *tx,
        person.id,
        landlord.id,
        "scrutiny.response_weeks_set",
        format!("weeks:{weeks}"),
        &crate::accounts::session::client_address().await,
    )
    .await?;
    tx.commit().await?;
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
    let user = crate::accounts::session::current_user().await?;
    let mut data = server::what_happened_next(&state.db, &landlord).await?;
    if !allows(user.as_ref(), Action::SeeDraftReviews, landlord.id) {
        data.drafts.clear();
    }
    data.can_start = allows(user.as_ref(), Action::WorkOnReviews, landlord.id);
    data.can_set_deadline = allows(user.as_ref(), Action::SetResponseDeadline, landlord.id);
    Ok(data)
}

#[cfg(feature = "ssr")]
pub mod server {
    use chrono::{Datelike, NaiveDate};
    use sqlx::Any;

    use super::*;
    use crate::{
        audit,
        landlords::queries::LandlordRecord,
        mail::{self, Email},
        state::Db,
        time::{format_date, Timestamp},
    };

    const WEEK: i64 = 7 * 24 * 3600 * 1000;

    /// The end of a UK day ("2027-03-12"), as UTC milliseconds.
    pub fn end_of_uk_day(text: &str) -> Result<i64, AppError> {
        let day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::invalid("due_on", "Enter the date it is due, such as 2027-03-12")
        })?;
        crate::time::end_of_uk_day(day)
            .ok_or_else(|| AppError::invalid("due_on", "Enter a real date"))
    }

    pub async fn start(
        db: &Db,
        organisation_id: i64,
        user_id: i64,
        title: &str,
        proposal_id: Option<i64>,
        source: &str,
    ) -> Result<i64, AppError> {
        let mut tx = db.begin_write().await?;
        if let Some(proposal_id) = proposal_id {
            let status: Option<String> = sqlx::query_scalar(
                "SELECT status FROM proposals WHERE id = $1 AND organisation_id = $2",
            )
            .bind(proposal_id)
            .bind(organisation_id)
            .fetch_optional(&mut *tx)
            .await?;
            match status.as_deref() {
                Some("chosen") => {}
                Some(_) => {
                    return Err(AppError::Conflict(
                        "A review starts from a topic the panel has chosen.".into(),
                    ))
                }
                None => return Err(AppError::NotFound),
            }
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM scrutiny_reviews WHERE proposal_id = $1")
                    .bind(proposal_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(id) = existing {
                // Started already (a double click): the same review.
                return Ok(id);
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO scrutiny_reviews (organisation_id, proposal_id, title, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(organisation_id)
        .bind(proposal_id)
        .bind(title)
        .bind(user_id)
        .bind(Timestamp::now())
        .fetch_one(&mut *tx)
        .await?;
        audit::by_person(
            &mut *tx,
            user_id,
            organisation_id,
            "scrutiny.review_started",
            format!("review:{id}"),
            source,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The review's publication time, after checking it is this landlord's.
    async fn published_at(
        executor: impl sqlx::Executor<'_, Database = Any>,
        organisation_id: i64,
        id: i64,
    ) -> Result<Option<i64>, AppError> {
        let row: Option<(Option<i64>,)> = sqlx::query_as(
            "SELECT published_at FROM scrutiny_reviews WHERE id = $1 AND organisation_id = $2",
        )
        .bind(id)
        .bind(organisation_id)
        .fetch_optional(executor)
        .await?;
        row.map(|(at,)| at).ok_or(AppError::NotFound)
    }

    /// Holds a draft review open for the rest of the write: the check that
    /// it is unpublished is an update of its row, which locks it until
    /// commit (PostgreSQL re-checks it after any publish it waited for), so
    /// publishing waits for this write or this write sees the publication.
    pub async fn hold_draft(
        conn: &mut sqlx::AnyConnection,
        organisation_id: i64,
        id: i64,
    ) -> Result<(), AppError> {
        let held = sqlx::query(
            "UPDATE scrutiny_reviews SET published_at = published_at \
             WHERE id = $1 AND organisation_id = $2 AND published_at IS NULL",
        )
        .bind(id)
        .bind(organisation_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if held == 1 {
            return Ok(());
        }
        published_at(&mut *conn, organisation_id, id).await?;
        Err(published_already())
    }

    fn published_already() -> AppError {
        AppError::Conflict(
            "The report has been published, so the review can no longer change.".into(),
        )
    }

    pub async fn save_text(
        db: &Db,
        organisation_id: i64,
        id: i64,
        scope: &str,
        summary: &str,
    ) -> Result<(), AppError> {
        let mut tx = db.begin_write().await?;
        // Unpublished is part of the write itself.
        let changed = sqlx::query(
            "UPDATE scrutiny_reviews SET scope = $1, summary = $2 \
             WHERE id = $3 AND organisation_id = $4 AND published_at IS NULL",
        )
        .bind(scope)
        .bind(summary)
        .bind(id)
        .bind(organisation_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            published_at(&mut *tx, organisation_id, id).await?;
            return Err(published_already());
        }
        tx.commit().await?;
        Ok(())
    }

    /// The day a meeting was held, as "2026-11-03": a real date, within the
    /// last five years or the coming one.
    pub fn meeting_day(text: &str) -> Result<String, AppError> {
        let day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::invalid(
                "held_on",
                "Enter the date of the meeting, such as 2026-11-03",
            )
        })?;
        let today = crate::time::uk_today();
        if day < today - chrono::Duration::days(5 * 366)
            || day > today + chrono::Duration::days(366)
        {
            return Err(AppError::invalid(
                "held_on",
                "Enter a date within the last five years or the coming year",
            ));
        }
        Ok(day.to_string())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn add_evidence(
        db: &Db,
        organisation_id: i64,
        id: i64,
        user_id: i64,
        kind: &str,
        title: &str,
        body: &str,
        url: Option<&str>,
        held_on: Option<&str>,
    ) -> Result<(), AppError> {
        let mut tx = db.begin_write().await?;
        hold_draft(&mut tx, organisation_id, id).await?;
        sqlx::query(
            "INSERT INTO review_evidence (review_id, kind, title, body, url, held_on, added_by, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(kind)
        .bind(title)
        .bind(body)
        .bind(url)
        .bind(held_on)
        .bind(user_id)
        .bind(Timestamp::now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_recommendation(
        db: &Db,
        organisation_id: i64,
        id: i64,
        text: &str,
    ) -> Result<i64, AppError> {
        let mut tx = db.begin_write().await?;
        hold_draft(&mut tx, organisation_id, id).await?;
        let number: i64 = sqlx::query_scalar(
            "INSERT INTO recommendations (review_id, number, text) \
             SELECT $1, COALESCE(MAX(number), 0) + 1, $2 FROM recommendations WHERE review_id = $1 \
             RETURNING number",
        )
        .bind(id)
        .bind(text)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(number)
    }

    /// Publishes a report at `now`; the landlord's answers are due after the
    /// landlord's response period. Publishing twice publishes once.
    pub async fn publish(
        db: &Db,
        landlord: &LandlordRecord,
        id: i64,
        user_id: i64,
        now: i64,
        source: &str,
    ) -> Result<(), AppError> {
        let mut tx = db.begin_write().await?;
        let weeks: i64 =
            sqlx::query_scalar("SELECT response_weeks FROM organisations WHERE id = $1")
                .bind(landlord.id)
                .fetch_one(&mut *tx)
                .await?;
        // Publishes only a draft, in one statement: it waits for any edit
        // holding the draft (`hold_draft`), and edits after it are refused.
        let published = sqlx::query(
            "UPDATE scrutiny_reviews SET published_at = $1, response_due_at = $2 \
             WHERE id = $3 AND organisation_id = $4 AND published_at IS NULL",
        )
        .bind(now)
        .bind(now + weeks * WEEK)
        .bind(id)
        .bind(landlord.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if published == 0 {
            // Published already (twice publishes once), or not this landlord's.
            published_at(&mut *tx, landlord.id, id).await?;
            return Ok(());
        }
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM recommendations WHERE review_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if count == 0 {
            return Err(AppError::Conflict(
                "Add at least one recommendation before publishing the report.".into(),
            ));
        }
        audit::by_person(
            &mut *tx,
            user_id,
            landlord.id,
            "scrutiny.report_published",
            format!("review:{id}"),
            source,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the landlord's answer and tells the panel. Changing an answer
    /// already given needs `change_reason`, and keeps the earlier one on the
    /// public record; the same answer posted again changes nothing.
    #[allow(clippy::too_many_arguments)]
    pub async fn answer(
        db: &Db,
        base_url: &str,
        landlord: &LandlordRecord,
        review_id: i64,
        recommendation_id: i64,
        user_id: i64,
        answer: Answer,
        reason: &str,
        plan: Option<(String, String, i64)>,
        change_reason: &str,
        source: &str,
    ) -> Result<(), AppError> {
        let mut tx = db.begin_write().await?;
        if published_at(&mut *tx, landlord.id, review_id)
            .await?
            .is_none()
        {
            return Err(AppError::Conflict(
                "The report is not published yet, so it cannot be answered.".into(),
            ));
        }
        let (action, owner, due_at) = match plan {
            Some((action, owner, due_at)) => (action, owner, Some(due_at)),
            None => (String::new(), String::new(), None),
        };
        // The answer as it stands, read under the write lock (SQLite) or
        // re-checked by the update below (PostgreSQL).
        let before: Option<EarlierAnswer> = sqlx::query_as(
            "SELECT response, reason, action, owner, due_at, done_at, responded_at FROM recommendations \
             WHERE id = $1 AND review_id = $2",
        )
        .bind(recommendation_id)
        .bind(review_id)
        .fetch_optional(&mut *tx)
        .await?;
        let before = before.ok_or(AppError::NotFound)?;
        if before.done_at.is_some() {
            return Err(AppError::NotFound);
        }
        let now = Timestamp::now().millis();
        let earlier = match &before.response {
            None => None,
            Some(response) => {
                let same = response == answer.as_str()
                    && before.reason == reason
                    && before.action == action
                    && before.owner == owner
                    && before.due_at == due_at;
                if same {
                    // Posted twice: the answer stands as it is.
                    return Ok(());
                }
                Some((
                    response.clone(),
                    crate::site::history::required_reason(change_reason)?,
                ))
            }
        };
        // The update only lands on the answer just read, so two changes at
        // once cannot both claim to replace it.
        let changed = sqlx::query(
            "UPDATE recommendations SET response = $1, reason = $2, action = $3, owner = $4, due_at = $5, \
             responded_by = $6, responded_at = $7, first_responded_at = COALESCE(first_responded_at, $7) \
             WHERE id = $8 AND review_id = $9 AND done_at IS NULL \
             AND COALESCE(responded_at, 0) = $10",
        )
        .bind(answer.as_str())
        .bind(reason)
        .bind(&action)
        .bind(&owner)
        .bind(due_at)
        .bind(user_id)
        .bind(now)
        .bind(recommendation_id)
        .bind(review_id)
        .bind(before.responded_at.unwrap_or(0))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(AppError::Conflict(
                "Someone else changed this answer just now. Read it again before changing it."
                    .into(),
            ));
        }
        if let Some((response, change_reason)) = earlier {
            let label = Answer::parse(&response)
                .map(Answer::label)
                .unwrap_or_default();
            let mut wording = vec![
                ("The landlord's answer", label.to_string()),
                ("Why", before.reason.clone()),
            ];
            if !before.action.is_empty() {
                wording.push(("What will be done", before.action.clone()));
                wording.push(("Responsible", before.owner.clone()));
                wording.push(("Due by", before.due_at.map(due_text).unwrap_or_default()));
            }
            crate::site::history::store::record(
                &mut tx,
                crate::site::history::store::NewChange {
                    organisation_id: landlord.id,
                    kind: crate::site::history::store::Kind::Recommendation,
                    subject_id: recommendation_id,
                    part: "",
                    earlier: wording,
                    reason: &change_reason,
                    due: (before.due_at != due_at).then_some((before.due_at, due_at)),
                    by: user_id,
                    at: now,
                },
            )
            .await?;
        }
        let (number, title): (i64, String) = sqlx::query_as(
            "SELECT r.number, s.title FROM recommendations r JOIN scrutiny_reviews s ON s.id = r.review_id WHERE r.id = $1",
        )
        .bind(recommendation_id)
        .fetch_one(&mut *tx)
        .await?;
        let panel: Vec<(String, String)> = sqlx::query_as(
            "SELECT u.email, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.organisation_id = $1 AND m.role IN ('panel_member', 'panel_chair') AND u.deleted_at IS NULL",
        )
        .bind(landlord.id)
        .fetch_all(&mut *tx)
        .await?;
        let link = format!(
            "{}/landlords/{}/scrutiny/reviews/{review_id}",
            base_url.trim_end_matches('/'),
            landlord.slug
        );
        for (email, name) in panel {
            let message = Email::compose(
                &email,
                &format!("{} answered recommendation {number}", landlord.name),
                &format!("Hello {name},"),
                &[
                    format!(
                        "{} has answered recommendation {number} of \u{201c}{title}\u{201d}: {}.",
                        landlord.name,
                        answer.label().to_lowercase()
                    ),
                    format!("Their reason: {reason}"),
                ],
                Some(("Read the answer", &link)),
                "you are on the tenant panel that made this recommendation.",
            );
            mail::enqueue(&mut *tx, &message).await?;
        }
        audit::by_person(
            &mut *tx,
            user_id,
            landlord.id,
            "scrutiny.recommendation_answered",
            format!("recommendation:{recommendation_id}"),
            source,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn progress(
        db: &Db,
        organisation_id: i64,
        review_id: i64,
        recommendation_id: i64,
        user_id: i64,
        body: &str,
        done: bool,
    ) -> Result<(), AppError> {
        let mut tx = db.begin_write().await?;
        published_at(&mut *tx, organisation_id, review_id).await?;
        let row: Option<(Option<String>, Option<i64>)> = sqlx::query_as(
            "SELECT response, done_at FROM recommendations WHERE id = $1 AND review_id = $2",
        )
        .bind(recommendation_id)
        .bind(review_id)
        .fetch_optional(&mut *tx)
        .await?;
        match row {
            None => return Err(AppError::NotFound),
            Some((None, _)) | Some((Some(_), Some(_))) => {
                return Err(AppError::Conflict(
                    "Progress is reported on an answered recommendation until it is done.".into(),
                ))
            }
            Some((Some(answer), None)) if answer == "not_accepted" => {
                return Err(AppError::Conflict(
                    "This recommendation was not accepted, so there is no action to report on."
                        .into(),
                ))
            }
            Some(_) => {}
        }
        let now = Timestamp::now();
        sqlx::query(
            "INSERT INTO recommendation_updates (recommendation_id, body, marks_done, added_by, added_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(recommendation_id)
        .bind(body)
        .bind(i64::from(done))
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done {
            sqlx::query("UPDATE recommendations SET done_at = $1 WHERE id = $2")
                .bind(now)
                .bind(recommendation_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[derive(sqlx::FromRow)]
    struct EarlierAnswer {
        response: Option<String>,
        reason: String,
        action: String,
        owner: String,
        due_at: Option<i64>,
        done_at: Option<i64>,
        responded_at: Option<i64>,
    }

    #[derive(sqlx::FromRow)]
    struct ReviewRow {
        title: String,
        scope: String,
        summary: String,
        proposal_id: Option<i64>,
        proposal_title: Option<String>,
        published_at: Option<i64>,
        response_due_at: Option<i64>,
    }

    #[derive(sqlx::FromRow)]
    struct EvidenceRow {
        kind: String,
        title: String,
        body: String,
        url: Option<String>,
        held_on: Option<String>,
        added_by: Option<String>,
        added_at: Timestamp,
    }

    #[derive(sqlx::FromRow)]
    struct NextRow {
        review_id: i64,
        title: String,
        published_at: i64,
        response_due_at: Option<i64>,
        number: i64,
        text: String,
        response: Option<String>,
        action: String,
        due_at: Option<i64>,
        done_at: Option<i64>,
    }

    #[derive(sqlx::FromRow)]
    struct RecommendationRow {
        id: i64,
        number: i64,
        text: String,
        response: Option<String>,
        reason: String,
        action: String,
        owner: String,
        due_at: Option<i64>,
        done_at: Option<i64>,
        first_responded_at: Option<i64>,
    }

    fn due_text(at: i64) -> String {
        format_date(at)
    }

    /// The review, if the viewer may read it: published reports are
    /// public; a draft is for the panel and staff, and to others it does
    /// not exist yet.
    pub async fn visible_review(
        db: &Db,
        landlord: &LandlordRecord,
        id: i64,
        viewer: Option<&crate::accounts::CurrentUser>,
    ) -> Result<ReviewDetail, AppError> {
        use crate::permissions::{require_or_hide, Action};
        let detail = review(db, landlord, id).await?;
        if !detail.is_published() {
            require_or_hide(viewer, Action::SeeDraftReviews, landlord.id)?;
        }
        Ok(detail)
    }

    pub async fn review(
        db: &Db,
        landlord: &LandlordRecord,
        id: i64,
    ) -> Result<ReviewDetail, AppError> {
        let header: ReviewRow = sqlx::query_as(
            "SELECT s.title, s.scope, s.summary, s.proposal_id, p.title AS proposal_title, \
                    s.published_at, s.response_due_at \
             FROM scrutiny_reviews s LEFT JOIN proposals p ON p.id = s.proposal_id \
             WHERE s.id = $1 AND s.organisation_id = $2",
        )
        .bind(id)
        .bind(landlord.id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::NotFound)?;
        let ReviewRow {
            title,
            scope,
            summary,
            proposal_id,
            proposal_title,
            published_at: published,
            response_due_at: answers_due,
        } = header;
        let mut evidence: Vec<EvidenceRow> = sqlx::query_as(
            "SELECT e.kind, e.title, e.body, e.url, e.held_on, u.display_name AS added_by, e.added_at FROM review_evidence e \
             LEFT JOIN users u ON u.id = e.added_by WHERE e.review_id = $1 ORDER BY e.added_at, e.id",
        )
        .bind(id)
        .fetch_all(db.pool())
        .await?;
        let documents: Vec<(i64, String, String, i64, Option<String>, Timestamp)> = sqlx::query_as(
            "SELECT d.id, d.title, d.content_type, d.size_bytes, u.display_name, d.added_at \
             FROM evidence_documents d LEFT JOIN users u ON u.id = d.added_by \
             WHERE d.review_id = $1 ORDER BY d.added_at, d.id",
        )
        .bind(id)
        .fetch_all(db.pool())
        .await?;
        evidence.extend(documents.into_iter().map(
            |(document, title, content_type, size, added_by, added_at)| EvidenceRow {
                kind: "document".into(),
                title,
                body: format!(
                    "{}, {}",
                    crate::scrutiny::file_kinds::label_of(&content_type),
                    crate::scrutiny::file_kinds::size_text(size)
                ),
                url: Some(format!(
                    "/landlords/{}/scrutiny/reviews/{id}/documents/{document}",
                    landlord.slug
                )),
                held_on: None,
                added_by,
                added_at,
            },
        ));
        evidence.sort_by_key(|e| e.added_at);
        let rows: Vec<RecommendationRow> = sqlx::query_as(
            "SELECT id, number, text, response, reason, action, owner, due_at, done_at, first_responded_at \
             FROM recommendations WHERE review_id = $1 ORDER BY number",
        )
        .bind(id)
        .fetch_all(db.pool())
        .await?;
        let updates: Vec<(i64, String, i64, Option<String>, Timestamp)> = sqlx::query_as(
            "SELECT u.recommendation_id, u.body, u.marks_done, p.display_name, u.added_at \
             FROM recommendation_updates u JOIN recommendations r ON r.id = u.recommendation_id \
             LEFT JOIN users p ON p.id = u.added_by WHERE r.review_id = $1 ORDER BY u.added_at, u.id",
        )
        .bind(id)
        .fetch_all(db.pool())
        .await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut changes = crate::site::history::store::load(
            db,
            landlord.id,
            crate::site::history::store::Kind::Recommendation,
            &ids,
        )
        .await?;
        let now = Timestamp::now().millis();
        let gone = || "Someone whose account has gone".to_string();
        Ok(ReviewDetail {
            landlord: LandlordRef {
                slug: landlord.slug.clone(),
                name: landlord.name.clone(),
            },
            id,
            title,
            scope,
            summary,
            from_proposal: proposal_id.zip(proposal_title),
            published_on: published.map(|at| format_date(Timestamp(at))),
            answers_due_on: answers_due.map(due_text),
            evidence: evidence
                .into_iter()
                .map(|e| Evidence {
                    kind: e.kind,
                    title: e.title,
                    body: e.body,
                    url: e.url,
                    held_on: e.held_on.as_deref().and_then(|day| {
                        let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
                        Some(crate::time::format_day((
                            day.year(),
                            day.month(),
                            day.day(),
                        )))
                    }),
                    added_by: e.added_by.unwrap_or_else(gone),
                    added_on: format_date(e.added_at),
                })
                .collect(),
            recommendations: rows
                .into_iter()
                .map(|r| {
                    let answer = r.response.as_deref().and_then(Answer::parse);
                    Recommendation {
                        id: r.id,
                        number: r.number,
                        text: r.text,
                        answer,
                        reason: r.reason,
                        action: r.action,
                        owner: r.owner,
                        due_on: r.due_at.map(due_text),
                        standing: Standing::at(
                            now,
                            answer,
                            answers_due,
                            r.due_at,
                            r.done_at.is_some(),
                        ),
                        answered_late: lateness(r.first_responded_at, answers_due),
                        changes: changes
                            .extract_if(.., |(subject, _, _)| *subject == r.id)
                            .map(|(_, _, change)| change)
                            .collect(),
                        updates: updates
                            .iter()
                            .filter(|u| u.0 == r.id)
                            .map(|(_, body, done, by, at)| ProgressUpdate {
                                body: body.clone(),
                                marks_done: *done == 1,
                                by: by.clone().unwrap_or_else(gone),
                                on: format_date(*at),
                            })
                            .collect(),
                    }
                })
                .collect(),
            can_work: false,
            can_publish: false,
            can_respond: false,
        })
    }

    /// A recommendation of a published report, with where it stands now,
    /// when its report was published and when its action was done.
    pub struct Followed {
        pub line: NextLine,
        pub published_at: i64,
        pub done_at: Option<i64>,
    }

    /// Every recommendation of every published report, newest report first.
    pub async fn published_recommendations(
        db: &Db,
        organisation_id: i64,
    ) -> Result<Vec<Followed>, sqlx::Error> {
        let rows: Vec<NextRow> = sqlx::query_as(
            "SELECT r.review_id, s.title, s.published_at, s.response_due_at, r.number, r.text, \
             r.response, r.action, r.due_at, r.done_at \
             FROM recommendations r JOIN scrutiny_reviews s ON s.id = r.review_id \
             WHERE s.organisation_id = $1 AND s.published_at IS NOT NULL ORDER BY s.published_at DESC, r.number",
        )
        .bind(organisation_id)
        .fetch_all(db.pool())
        .await?;
        let now = Timestamp::now().millis();
        Ok(rows
            .into_iter()
            .map(|row| {
                let answer = row.response.as_deref().and_then(Answer::parse);
                Followed {
                    line: NextLine {
                        review_id: row.review_id,
                        review_title: row.title,
                        number: row.number,
                        text: row.text,
                        standing: Standing::at(
                            now,
                            answer,
                            row.response_due_at,
                            row.due_at,
                            row.done_at.is_some(),
                        ),
                        action: row.action,
                        due_on: row.due_at.map(due_text),
                    },
                    published_at: row.published_at,
                    done_at: row.done_at,
                }
            })
            .collect())
    }

    pub async fn what_happened_next(
        db: &Db,
        landlord: &LandlordRecord,
    ) -> Result<WhatHappenedNext, AppError> {
        let reviews: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
            "SELECT id, title, published_at FROM scrutiny_reviews \
             WHERE organisation_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(landlord.id)
        .fetch_all(db.pool())
        .await?;
        let lines = published_recommendations(db, landlord.id)
            .await?
            .into_iter()
            .map(|followed| followed.line)
            .collect();
        Ok(WhatHappenedNext {
            landlord: LandlordRef {
                slug: landlord.slug.clone(),
                name: landlord.name.clone(),
            },
            lines,
            drafts: reviews
                .iter()
                .filter(|r| r.2.is_none())
                .map(|r| (r.0, r.1.clone()))
                .collect(),
            published: reviews
                .iter()
                .filter(|r| r.2.is_some())
                .map(|r| (r.0, r.1.clone()))
                .collect(),
            can_start: false,
            response_weeks: sqlx::query_scalar(
                "SELECT response_weeks FROM organisations WHERE id = $1",
            )
            .bind(landlord.id)
            .fetch_one(db.pool())
            .await?,
            can_set_deadline: false,
        })
    }
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
