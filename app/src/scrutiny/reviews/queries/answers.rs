//! The landlord's answers to a published report's recommendations, and
//! progress on the actions, in the database.
use chrono::NaiveDate;

use super::{due_text, published_at};
use crate::identity::Actor;
use crate::{
    audit,
    error::AppError,
    landlords::queries::LandlordRecord,
    mail::{self, Email},
    scrutiny::reviews::Answer,
    state::Db,
    time::Timestamp,
};

/// The end of a UK day ("2027-03-12"), as UTC milliseconds.
pub fn end_of_uk_day(text: &str) -> Result<i64, AppError> {
    let day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid("due_on", "Enter the date it is due, such as 2027-03-12"))?;
    crate::time::end_of_uk_day(day).ok_or_else(|| AppError::invalid("due_on", "Enter a real date"))
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
    actor: &Actor,
    answer: Answer,
    reason: &str,
    plan: Option<(String, String, i64)>,
    change_reason: &str,
) -> Result<(), AppError> {
    let &Actor { user_id, .. } = actor;
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
            "Someone else changed this answer just now. Read it again before changing it.".into(),
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
    audit::by_actor(
        &mut *tx,
        actor,
        "scrutiny.recommendation_answered",
        format!("recommendation:{recommendation_id}"),
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
                "This recommendation was not accepted, so there is no action to report on.".into(),
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
