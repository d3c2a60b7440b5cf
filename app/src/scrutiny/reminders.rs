//! Reminders the server sends on a schedule: residents who asked hear when
//! a vote opens and the day before it closes; landlord staff hear a week
//! before answers to a report are due and when they become overdue.
//!
//! Each reminder is claimed by a conditional update ("sent at" is still
//! empty) in the same transaction as its emails, so it goes out once even
//! when several app servers run the check at the same moment.
use sqlx::{Any, Transaction};

use super::queries::window_text;
use crate::time::format_date;
use crate::{
    error::AppError,
    mail::{self, Email},
    state::Db,
};

const HOUR: i64 = 3600 * 1000;
const DAY: i64 = 24 * HOUR;

/// How many of each reminder one check sent, for the log and for tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub votes_opened: usize,
    pub votes_closing: usize,
    pub answers_due_soon: usize,
    pub answers_overdue: usize,
    pub emails: usize,
}

/// Sends every reminder due at `now` (UTC milliseconds) that has not been
/// sent yet.
pub async fn send_due(db: &Db, base_url: &str, now: i64) -> Result<Sent, AppError> {
    let mut sent = Sent::default();
    let link = |path: String| format!("{}{path}", base_url.trim_end_matches('/'));

    // Votes open now whose opening has not been announced, and votes
    // closing within a day.
    for (column, closing) in [("opening_sent_at", false), ("closing_sent_at", true)] {
        let window = if closing {
            " AND r.closes_at <= $2"
        } else {
            ""
        };
        let sql = format!(
            "SELECT r.id, r.organisation_id, o.slug, o.name, r.title, r.opens_at, r.closes_at, r.votes_per_resident \
             FROM voting_rounds r JOIN organisations o ON o.id = r.organisation_id \
             WHERE r.{column} IS NULL AND r.opens_at <= $1 AND r.closes_at > $1{window}"
        );
        let mut query = sqlx::query_as::<_, RoundRow>(&sql).bind(now);
        if closing {
            query = query.bind(now + DAY);
        }
        let rounds = query.fetch_all(db.pool()).await?;
        for round in rounds {
            let mut tx = db.begin_write().await?;
            if !claim(&mut tx, "voting_rounds", column, round.id, now).await? {
                continue;
            }
            let address = link(format!(
                "/landlords/{}/scrutiny/rounds/{}",
                round.slug, round.id
            ));
            for (email, name) in vote_subscribers(&mut tx, round.organisation_id).await? {
                let message = if closing {
                    Email::compose(
                        &email,
                        &format!("Last day to vote: {}", round.title),
                        &format!("Hello {name},"),
                        &[format!(
                            "The vote at {} closes at the end of {}, UK time. If you have not voted yet, or want to change your votes, there is still time.",
                            round.name,
                            format_date(round.closes_at - 1)
                        )],
                        Some(("Vote now", &address)),
                        "you asked to hear the day before a vote closes. You can stop these emails on the scrutiny page.",
                    )
                } else {
                    Email::compose(
                        &email,
                        &format!("A vote has opened: {}", round.title),
                        &format!("Hello {name},"),
                        &[
                            format!(
                                "Residents of {} are choosing which topics the tenant panel looks into next.",
                                round.name
                            ),
                            format!(
                                "{}. You have {} votes, at most one for each topic.",
                                window_text(round.opens_at, round.closes_at),
                                round.votes_per_resident
                            ),
                        ],
                        Some(("See the topics and vote", &address)),
                        "you asked to hear when a vote opens. You can stop these emails on the scrutiny page.",
                    )
                };
                mail::enqueue(&mut *tx, &message).await?;
                sent.emails += 1;
            }
            tx.commit().await?;
            if closing {
                sent.votes_closing += 1;
            } else {
                sent.votes_opened += 1;
            }
        }
    }

    // Reports whose answers are due within a week, or overdue.
    for (column, overdue) in [("due_soon_sent_at", false), ("overdue_sent_at", true)] {
        let window = if overdue {
            "s.response_due_at <= $1"
        } else {
            "s.response_due_at > $1 AND s.response_due_at <= $2"
        };
        let sql = format!(
            "SELECT s.id, s.organisation_id, o.slug, o.name, s.title, s.response_due_at \
             FROM scrutiny_reviews s JOIN organisations o ON o.id = s.organisation_id \
             WHERE s.{column} IS NULL AND s.published_at IS NOT NULL AND {window}"
        );
        let mut query =
            sqlx::query_as::<_, (i64, i64, String, String, String, i64)>(&sql).bind(now);
        if !overdue {
            query = query.bind(now + 7 * DAY);
        }
        let reports = query.fetch_all(db.pool()).await?;
        for (id, organisation_id, slug, landlord, title, due) in reports {
            let mut tx = db.begin_write().await?;
            if !claim(&mut tx, "scrutiny_reviews", column, id, now).await? {
                continue;
            }
            let (unanswered, total): (i64, i64) = sqlx::query_as(
                "SELECT COALESCE(SUM(CASE WHEN response IS NULL THEN 1 ELSE 0 END), 0), COUNT(*) \
                 FROM recommendations WHERE review_id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            // Everything answered: nothing to remind anyone of.
            if unanswered > 0 {
                let address = link(format!("/landlords/{slug}/scrutiny/reviews/{id}"));
                let (subject, news) = if overdue {
                    (
                        format!("Overdue: answers to the panel's report \u{201c}{title}\u{201d}"),
                        format!(
                            "The answers were due by the end of {}. {unanswered} of {total} recommendations have no answer, and they are now shown as overdue on the public pages.",
                            format_date(due - 1)
                        ),
                    )
                } else {
                    (
                        format!("Due in a week: answers to the panel's report \u{201c}{title}\u{201d}"),
                        format!(
                            "The answers are due by the end of {}. {unanswered} of {total} recommendations have no answer yet. Anything not answered by then is shown as overdue on the public pages.",
                            format_date(due - 1)
                        ),
                    )
                };
                for (email, name) in staff(&mut tx, organisation_id).await? {
                    let message = Email::compose(
                        &email,
                        &subject,
                        &format!("Hello {name},"),
                        &[
                            format!("The tenant panel at {landlord} published its report \u{201c}{title}\u{201d}."),
                            news.clone(),
                        ],
                        Some(("Answer the recommendations", &address)),
                        "you are on the landlord's staff on Tenant Voice.",
                    );
                    mail::enqueue(&mut *tx, &message).await?;
                    sent.emails += 1;
                }
                if overdue {
                    sent.answers_overdue += 1;
                } else {
                    sent.answers_due_soon += 1;
                }
            }
            tx.commit().await?;
        }
    }
    Ok(sent)
}

#[derive(sqlx::FromRow)]
struct RoundRow {
    id: i64,
    organisation_id: i64,
    slug: String,
    name: String,
    title: String,
    opens_at: i64,
    closes_at: i64,
    votes_per_resident: i64,
}

/// Marks a reminder sent; false when another check got there first.
async fn claim(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    column: &str,
    id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query(&format!(
        "UPDATE {table} SET {column} = $1 WHERE id = $2 AND {column} IS NULL"
    ))
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(claimed == 1)
}

/// Tenants of a landlord who asked for vote emails: (email, name).
async fn vote_subscribers(
    tx: &mut Transaction<'static, Any>,
    organisation_id: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.email, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.organisation_id = $1 AND m.vote_emails = 1 \
         AND m.role IN ('resident', 'panel_member', 'panel_chair') AND u.deleted_at IS NULL ORDER BY u.id",
    )
    .bind(organisation_id)
    .fetch_all(&mut **tx)
    .await
}

/// The landlord's staff and administrators: (email, name).
async fn staff(
    tx: &mut Transaction<'static, Any>,
    organisation_id: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.email, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.organisation_id = $1 AND m.role IN ('landlord_staff', 'landlord_admin') \
         AND u.deleted_at IS NULL ORDER BY u.id",
    )
    .bind(organisation_id)
    .fetch_all(&mut **tx)
    .await
}

/// Whether a person gets vote emails at a landlord.
pub async fn vote_emails(db: &Db, organisation_id: i64, user_id: i64) -> Result<bool, AppError> {
    let wanted: Option<i64> = sqlx::query_scalar(
        "SELECT vote_emails FROM memberships WHERE organisation_id = $1 AND user_id = $2",
    )
    .bind(organisation_id)
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(wanted == Some(1))
}

pub async fn set_vote_emails(
    db: &Db,
    organisation_id: i64,
    user_id: i64,
    wanted: bool,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE memberships SET vote_emails = $1 WHERE organisation_id = $2 AND user_id = $3",
    )
    .bind(i64::from(wanted))
    .bind(organisation_id)
    .bind(user_id)
    .execute(db.pool())
    .await?;
    Ok(())
}
