//! Sign-off: the chair asks the panel, members sign or dissent, and the
//! review is signed off at the quorum; where it stands, for the page.
use super::{panel, review_row, ReviewRow};
use crate::annual_reviews::{label, Quorum};
use crate::identity::Actor;
use crate::{
    audit,
    error::AppError,
    identity::CurrentUser,
    landlords::queries::LandlordRecord,
    markdown,
    permissions::{allows, Action},
    state::Db,
    time::{format_date, Timestamp},
};

/// The chair asks the panel to sign the review off, once every section is
/// agreed; the text is frozen meanwhile, and each member is emailed.
pub async fn ask_sign_off(
    db: &Db,
    base_url: &str,
    landlord: &LandlordRecord,
    year: i32,
    quorum: Quorum,
    actor: &Actor,
) -> Result<(), AppError> {
    let review = review_row(db, landlord, year).await?;
    if review.signed_off_at.is_some() || review.sign_off_asked_at.is_some() {
        return Ok(());
    }
    let open: Vec<String> = sqlx::query_scalar(
        "SELECT title FROM review_sections WHERE review_id = $1 AND removed_at IS NULL \
         AND state <> 'agreed' ORDER BY position",
    )
    .bind(review.id)
    .fetch_all(db.pool())
    .await?;
    if !open.is_empty() {
        return Err(AppError::Conflict(format!(
            "Every section must be agreed before sign-off. Not agreed yet: {}.",
            open.join(", ")
        )));
    }
    let members = panel(db, landlord.id).await?;
    let mut tx = db.begin_write().await?;
    let asked = sqlx::query(
        "UPDATE annual_reviews SET sign_off_asked_at = $1, quorum = $2 WHERE id = $3 AND sign_off_asked_at IS NULL",
    )
    .bind(Timestamp::now())
    .bind(quorum.as_str())
    .bind(review.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if asked == 1 {
        let link = format!(
            "{}/landlords/{}/annual-reviews/{year}#sign-off",
            base_url.trim_end_matches('/'),
            landlord.slug
        );
        for (_, email, name) in &members {
            let message = crate::mail::Email::compose(
                email,
                &format!("Please sign off the {}", label(year).to_lowercase()),
                &format!("Hello {name},"),
                &[format!(
                    "Every section of the {} at {} is agreed. Please read it and sign it off, or record a dissent with your reasons, which are published with the review.",
                    label(year).to_lowercase(),
                    landlord.name
                )],
                Some(("Read and sign off", &link)),
                "you are on the tenant panel on Tenant Voice.",
            );
            crate::mail::enqueue(&mut *tx, &message).await?;
        }
        audit::by_actor(
            &mut *tx,
            actor,
            "annual_review.sign_off_asked",
            format!("annual_review:{}", review.id),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The chair reopens the review for changes: sign-offs so far are cleared.
pub async fn reopen(db: &Db, landlord: &LandlordRecord, year: i32) -> Result<(), AppError> {
    let review = review_row(db, landlord, year).await?;
    if review.signed_off_at.is_some() {
        return Err(AppError::Conflict(
            "The review has been signed off, so it cannot be reopened.".into(),
        ));
    }
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE annual_reviews SET sign_off_asked_at = NULL WHERE id = $1 AND signed_off_at IS NULL")
        .bind(review.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM review_sign_offs WHERE review_id = $1")
        .bind(review.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A panel member signs the review off, or records a dissent with a note.
/// When enough of the panel have signed (the quorum the chair chose), the
/// review is signed off, its text frozen, and the landlord's time to
/// respond starts. Returns whether
/// the review is now signed off.
pub async fn sign(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    actor: &Actor,
    dissent: Option<&str>,
) -> Result<bool, AppError> {
    let &Actor {
        user_id: member, ..
    } = actor;
    let review = review_row(db, landlord, year).await?;
    if review.signed_off_at.is_some() {
        return Err(AppError::Conflict(
            "The review has already been signed off.".into(),
        ));
    }
    if review.sign_off_asked_at.is_none() {
        return Err(AppError::Conflict(
            "The chair has not asked for sign-off yet.".into(),
        ));
    }
    let members = panel(db, landlord.id).await?;
    let mut tx = db.begin_write().await?;
    let now = Timestamp::now();
    sqlx::query(
        "INSERT INTO review_sign_offs (review_id, user_id, decision, note, decided_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (review_id, user_id) DO UPDATE SET decision = excluded.decision, note = excluded.note, \
         decided_at = excluded.decided_at",
    )
    .bind(review.id)
    .bind(member)
    .bind(if dissent.is_some() { "dissent" } else { "signed" })
    .bind(dissent.unwrap_or_default())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    // Only current panel members count towards the quorum.
    let signed: Vec<i64> = sqlx::query_scalar(
        "SELECT user_id FROM review_sign_offs WHERE review_id = $1 AND decision = 'signed'",
    )
    .bind(review.id)
    .fetch_all(&mut *tx)
    .await?;
    let signed = signed
        .iter()
        .filter(|id| members.iter().any(|(member, _, _)| member == *id))
        .count();
    let quorum = review.quorum().met(signed, members.len());
    if quorum {
        let weeks: i64 =
            sqlx::query_scalar("SELECT response_weeks FROM organisations WHERE id = $1")
                .bind(landlord.id)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query(
            "UPDATE annual_reviews SET signed_off_at = $1, response_due_at = $2 \
             WHERE id = $3 AND signed_off_at IS NULL",
        )
        .bind(now)
        .bind(now.millis() + weeks * 7 * 24 * 3600 * 1000)
        .bind(review.id)
        .execute(&mut *tx)
        .await?;
    }
    audit::by_actor(
        &mut *tx,
        actor,
        if dissent.is_some() {
            "annual_review.dissent"
        } else {
            "annual_review.signed"
        },
        format!("annual_review:{}", review.id),
    )
    .await?;
    tx.commit().await?;
    Ok(quorum)
}

/// Where sign-off, the response and publishing stand, for the review page.
pub(super) async fn progress(
    db: &Db,
    landlord: &LandlordRecord,
    review: &ReviewRow,
    viewer: Option<&CurrentUser>,
) -> Result<crate::annual_reviews::Progress, AppError> {
    let members = panel(db, landlord.id).await?;
    let decisions: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT s.user_id, u.display_name, s.decision, s.note FROM review_sign_offs s \
         JOIN users u ON u.id = s.user_id WHERE s.review_id = $1 ORDER BY s.decided_at",
    )
    .bind(review.id)
    .fetch_all(db.pool())
    .await?;
    let (response, responded_at): (String, Option<i64>) =
        sqlx::query_as("SELECT response, responded_at FROM annual_reviews WHERE id = $1")
            .bind(review.id)
            .fetch_one(db.pool())
            .await?;
    let now = Timestamp::now().millis();
    let my_decision = viewer.and_then(|v| {
        decisions
            .iter()
            .find(|(id, _, _, _)| *id == v.id)
            .map(|(_, _, decision, _)| decision.clone())
    });
    Ok(crate::annual_reviews::Progress {
        asked: review.sign_off_asked_at.is_some(),
        signed_off_on: review.signed_off_at.map(|at| format_date(Timestamp(at))),
        published_on: review.published_at.map(|at| format_date(Timestamp(at))),
        signed: decisions
            .iter()
            .filter(|d| d.2 == "signed")
            .map(|d| d.1.clone())
            .collect(),
        dissents: decisions
            .iter()
            .filter(|d| d.2 == "dissent")
            .map(|d| (d.1.clone(), d.3.clone()))
            .collect(),
        panel_size: members.len(),
        quorum: review.quorum(),
        response_due_on: review
            .response_due_at
            .map(|at| crate::time::format_date(at - 1)),
        response_overdue: review.published_at.is_none()
            && review.response_due_at.is_some_and(|due| now >= due),
        published_late: matches!((review.published_at, review.response_due_at), (Some(at), Some(due)) if at >= due),
        response: (!response.is_empty()).then(|| response.clone()),
        response_html: markdown::to_html(&response),
        responded: responded_at.is_some(),
        may_ask: review.sign_off_asked_at.is_none()
            && review.signed_off_at.is_none()
            && allows(viewer, Action::RunAnnualReview, landlord.id),
        may_reopen: review.sign_off_asked_at.is_some()
            && review.signed_off_at.is_none()
            && allows(viewer, Action::RunAnnualReview, landlord.id),
        may_sign: review.sign_off_asked_at.is_some()
            && review.signed_off_at.is_none()
            && allows(viewer, Action::SignOffAnnualReview, landlord.id),
        my_decision,
        may_respond: review.awaits_response()
            && allows(viewer, Action::RespondToAnnualReview, landlord.id),
    })
}
