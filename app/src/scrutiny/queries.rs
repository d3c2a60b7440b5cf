//! Proposals, screening, rounds and votes in the database.
use chrono::NaiveDate;
use sqlx::{Any, Transaction};

use super::{
    ranks, ProposalDetail, ProposalStatus, ProposalSummary, ProposalText, RoundDetail, RoundState,
    RoundSummary, TopicLine,
};
use crate::identity::Actor;
use crate::{
    audit,
    error::AppError,
    landlords::queries::LandlordRecord,
    mail::{self, Email},
    performance::LandlordRef,
    site::paging::{Paging, PAGE_SIZE},
    state::Db,
    time::{format_date, start_of_uk_day, uk_today, Timestamp},
};

/// "From 1 December 2026 to the end of 14 December 2026".
pub fn window_text(opens_at: i64, closes_at: i64) -> String {
    format!(
        "From {} to the end of {}",
        format_date(opens_at),
        format_date(closes_at - 1)
    )
}

/// Suggested opening (today) and closing (two weeks, today included) days.
pub fn suggested_dates() -> (String, String) {
    let today = uk_today();
    let close = today + chrono::Duration::days(13);
    (today.to_string(), close.to_string())
}

/// Reads the round's days ("2026-12-01") into a window of UTC milliseconds:
/// from the start of the opening day to the end of the closing day.
pub fn window(opens_on: &str, closes_on: &str) -> Result<(i64, i64), AppError> {
    let day = |field: &str, text: &str| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::invalid(field, "Enter a date, such as 2026-12-01"))
    };
    let opens = day("opens_on", opens_on)?;
    let closes = day("closes_on", closes_on)?;
    if opens < uk_today() {
        return Err(AppError::invalid(
            "opens_on",
            "The round cannot open on a day that has passed",
        ));
    }
    if closes < opens {
        return Err(AppError::invalid(
            "closes_on",
            "The round must close on or after the day it opens",
        ));
    }
    if closes > opens + chrono::Duration::days(90) {
        return Err(AppError::invalid(
            "closes_on",
            "A round can last at most 90 days",
        ));
    }
    let opens_at =
        start_of_uk_day(opens).ok_or_else(|| AppError::invalid("opens_on", "Enter a real date"))?;
    let closes_at = start_of_uk_day(closes + chrono::Duration::days(1))
        .ok_or_else(|| AppError::invalid("closes_on", "Enter a real date"))?;
    Ok((opens_at, closes_at))
}

pub async fn rounds(db: &Db, organisation_id: i64) -> Result<Vec<RoundSummary>, sqlx::Error> {
    let now = Timestamp::now().millis();
    let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT id, title, opens_at, closes_at FROM voting_rounds WHERE organisation_id = $1 \
         ORDER BY closes_at DESC, id DESC",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, title, opens_at, closes_at)| RoundSummary {
            id,
            title,
            state: RoundState::at(now, opens_at, closes_at),
            when: window_text(opens_at, closes_at),
        })
        .collect())
}

/// One page of a landlord's proposals, newest first.
pub async fn proposals(
    db: &Db,
    organisation_id: i64,
    asked: Option<&str>,
) -> Result<(Vec<ProposalSummary>, Paging), sqlx::Error> {
    let (total,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM proposals WHERE organisation_id = $1")
            .bind(organisation_id)
            .fetch_one(db.pool())
            .await?;
    let paging = Paging::clamp(asked, total);
    let rows: Vec<(i64, String, String, i64, Timestamp)> = sqlx::query_as(
        "SELECT id, title, status, supporters, created_at \
         FROM proposals WHERE organisation_id = $1 ORDER BY created_at DESC, id DESC \
         LIMIT $2 OFFSET $3",
    )
    .bind(organisation_id)
    .bind(PAGE_SIZE)
    .bind(paging.offset())
    .fetch_all(db.pool())
    .await?;
    let proposals = rows
        .into_iter()
        .filter_map(|(id, title, status, supporters, at)| {
            Some(ProposalSummary {
                id,
                title,
                status: ProposalStatus::parse(&status)?,
                supporters,
                proposed_on: format_date(at),
            })
        })
        .collect();
    Ok((proposals, paging))
}

/// What a proposal may be about: the landlord's measures and commitments.
pub async fn concerns(db: &Db, organisation_id: i64) -> Result<Vec<(String, String)>, AppError> {
    let mut choices = vec![(String::new(), "Nothing in particular".to_string())];
    let commitments: Vec<(i64, String)> = sqlx::query_as(
        "SELECT c.id, c.title FROM commitments c JOIN charters h ON h.id = c.charter_id \
         WHERE h.organisation_id = $1 ORDER BY h.id, c.position",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await?;
    choices.extend(
        commitments
            .into_iter()
            .map(|(id, title)| (format!("commitment:{id}"), format!("Commitment: {title}"))),
    );
    for measure in crate::performance::queries::measures_for(db, organisation_id).await? {
        choices.push((
            format!("measure:{}", measure.code),
            format!(
                "Measure: {}",
                crate::performance::model::measure_name(&measure.title, &measure.code)
            ),
        ));
    }
    Ok(choices)
}

/// Reads the "concerns" choice into a measure code or a commitment id,
/// refusing anything that is not this landlord's.
async fn read_concerns(
    tx: &mut Transaction<'static, Any>,
    organisation_id: i64,
    concerns: &str,
    measures: &[String],
) -> Result<(Option<String>, Option<i64>), AppError> {
    let refuse = || AppError::invalid("concerns", "Choose a measure or commitment from the list");
    match concerns.split_once(':') {
        None if concerns.is_empty() => Ok((None, None)),
        Some(("measure", code)) if measures.iter().any(|m| m == code) => {
            Ok((Some(code.to_string()), None))
        }
        Some(("commitment", id)) => {
            let id: i64 = id.parse().map_err(|_| refuse())?;
            let owner: Option<i64> = sqlx::query_scalar(
                "SELECT h.organisation_id FROM commitments c JOIN charters h ON h.id = c.charter_id WHERE c.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
            if owner == Some(organisation_id) {
                Ok((None, Some(id)))
            } else {
                Err(refuse())
            }
        }
        _ => Err(refuse()),
    }
}

/// Records a proposal with its proposer as first supporter. The same form
/// posted again returns the proposal it made the first time.
pub async fn propose(
    db: &Db,
    actor: &Actor,
    submission_key: &str,
    text: &ProposalText,
    concerns: &str,
) -> Result<i64, AppError> {
    let &Actor {
        organisation_id,
        user_id,
        ..
    } = actor;
    let measures: Vec<String> = crate::performance::queries::measures_for(db, organisation_id)
        .await?
        .into_iter()
        .map(|m| m.code)
        .collect();
    let mut tx = db.begin_write().await?;
    let earlier: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM proposals WHERE organisation_id = $1 AND submission_key = $2",
    )
    .bind(organisation_id)
    .bind(submission_key)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = earlier {
        return Ok(id);
    }
    let (measure_code, commitment_id) =
        read_concerns(&mut tx, organisation_id, concerns, &measures).await?;
    let now = Timestamp::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO proposals (organisation_id, proposer_id, title, problem, why_it_matters, \
         measure_code, commitment_id, created_at, submission_key, supporters) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) RETURNING id",
    )
    .bind(organisation_id)
    .bind(user_id)
    .bind(&text.title)
    .bind(&text.problem)
    .bind(&text.why_it_matters)
    .bind(measure_code)
    .bind(commitment_id)
    .bind(now)
    .bind(submission_key)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO proposal_supporters (proposal_id, user_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(id)
    .bind(user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    audit::by_actor(
        &mut *tx,
        actor,
        "scrutiny.proposed",
        format!("proposal:{id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct ProposalRow {
    id: i64,
    title: String,
    problem: String,
    why_it_matters: String,
    measure_code: Option<String>,
    commitment_id: Option<i64>,
    commitment_title: Option<String>,
    status: String,
    decline_reason: Option<String>,
    merged_into: Option<i64>,
    merged_title: Option<String>,
    proposer: Option<String>,
    created_at: Timestamp,
    supporters: i64,
}

pub async fn proposal(
    db: &Db,
    landlord: &LandlordRecord,
    id: i64,
    viewer: Option<i64>,
) -> Result<ProposalDetail, AppError> {
    let row: ProposalRow = sqlx::query_as(
        "SELECT p.id, p.title, p.problem, p.why_it_matters, p.measure_code, p.commitment_id, \
                c.title AS commitment_title, p.status, p.decline_reason, p.merged_into, \
                m.title AS merged_title, u.display_name AS proposer, p.created_at, p.supporters \
         FROM proposals p \
         LEFT JOIN commitments c ON c.id = p.commitment_id \
         LEFT JOIN proposals m ON m.id = p.merged_into \
         LEFT JOIN users u ON u.id = p.proposer_id \
         WHERE p.id = $1 AND p.organisation_id = $2",
    )
    .bind(id)
    .bind(landlord.id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(AppError::NotFound)?;
    let supports =
        match viewer {
            Some(user_id) => sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM proposal_supporters WHERE proposal_id = $1 AND user_id = $2",
            )
            .bind(id)
            .bind(user_id)
            .fetch_one(db.pool())
            .await?
                > 0,
            None => false,
        };
    let merge_targets: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, title FROM proposals WHERE organisation_id = $1 AND id <> $2 \
         AND status IN ('submitted', 'put_forward') ORDER BY title",
    )
    .bind(landlord.id)
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let review: Option<i64> =
        sqlx::query_scalar("SELECT id FROM scrutiny_reviews WHERE proposal_id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
    let slug = &landlord.slug;
    let concerns = match (&row.measure_code, row.commitment_id) {
        (Some(code), _) => Some((
            format!("Measure {code}"),
            format!("/landlords/{slug}/performance/{code}"),
        )),
        (None, Some(commitment)) => Some((
            format!(
                "Commitment: {}",
                row.commitment_title.clone().unwrap_or_default()
            ),
            format!("/landlords/{slug}/commitments/{commitment}"),
        )),
        _ => None,
    };
    Ok(ProposalDetail {
        landlord: LandlordRef {
            slug: landlord.slug.clone(),
            name: landlord.name.clone(),
        },
        id: row.id,
        title: row.title,
        problem: row.problem,
        why_it_matters: row.why_it_matters,
        concerns,
        status: ProposalStatus::parse(&row.status)
            .ok_or_else(|| AppError::internal("reading a proposal", "unknown status"))?,
        decline_reason: row.decline_reason,
        merged_into: row.merged_into.zip(row.merged_title),
        supporters: row.supporters,
        proposed_by: row
            .proposer
            .unwrap_or_else(|| "Someone whose account has gone".into()),
        proposed_on: format_date(row.created_at),
        can_support: false,
        supports,
        can_screen: false,
        merge_targets,
        review,
        can_start_review: false,
    })
}

async fn status_of(
    executor: impl sqlx::Executor<'_, Database = Any>,
    organisation_id: i64,
    id: i64,
) -> Result<ProposalStatus, AppError> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM proposals WHERE id = $1 AND organisation_id = $2")
            .bind(id)
            .bind(organisation_id)
            .fetch_optional(executor)
            .await?;
    status
        .as_deref()
        .and_then(ProposalStatus::parse)
        .ok_or(AppError::NotFound)
}

pub async fn support(
    db: &Db,
    organisation_id: i64,
    id: i64,
    user_id: i64,
    support: bool,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let status = status_of(&mut *tx, organisation_id, id).await?;
    if !status.can_be_screened() {
        return Err(AppError::Conflict(
            "This proposal has been decided, so support can no longer change.".into(),
        ));
    }
    let change = if support {
        sqlx::query(
            "INSERT INTO proposal_supporters (proposal_id, user_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (proposal_id, user_id) DO NOTHING",
        )
        .bind(id)
        .bind(user_id)
        .bind(Timestamp::now())
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64
    } else {
        -(sqlx::query("DELETE FROM proposal_supporters WHERE proposal_id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64)
    };
    count_supporters(&mut tx, id, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Keeps a proposal's count of supporters in step, in the transaction that
/// added (`change` > 0) or removed them.
async fn count_supporters(
    tx: &mut Transaction<'static, Any>,
    proposal_id: i64,
    change: i64,
) -> Result<(), AppError> {
    if change != 0 {
        sqlx::query("UPDATE proposals SET supporters = supporters + $1 WHERE id = $2")
            .bind(change)
            .bind(proposal_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub enum Screening {
    PutForward,
    Merge(i64),
    Decline(String),
}

/// Applies the panel's decision and tells the proposer, in one transaction.
pub async fn screen(
    db: &Db,
    base_url: &str,
    landlord: &LandlordRecord,
    id: i64,
    actor: &Actor,
    decision: Screening,
) -> Result<(), AppError> {
    let &Actor { user_id, .. } = actor;
    let mut tx = db.begin_write().await?;
    let status = status_of(&mut *tx, landlord.id, id).await?;
    if !status.can_be_screened() {
        return Err(AppError::Conflict(format!(
            "This proposal has already been decided: {}.",
            status.label().to_lowercase()
        )));
    }
    let now = Timestamp::now();
    let (title, proposer): (String, Option<i64>) =
        sqlx::query_as("SELECT title, proposer_id FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let link = format!(
        "{}/landlords/{}/scrutiny/proposals/{id}",
        base_url.trim_end_matches('/'),
        landlord.slug
    );
    let (new_status, merged_into, reason, news): (&str, Option<i64>, Option<String>, String) =
        match &decision {
            Screening::PutForward => (
                "put_forward",
                None,
                None,
                "The tenant panel has put it forward for the next vote, where residents choose which topics the panel scrutinises.".into(),
            ),
            Screening::Merge(target) => {
                if *target == id {
                    return Err(AppError::invalid("merge_into", "Choose a different proposal to merge it with"));
                }
                let target_status = status_of(&mut *tx, landlord.id, *target)
                    .await
                    .map_err(|_| AppError::invalid("merge_into", "Choose a proposal from the list"))?;
                if !target_status.can_be_screened() {
                    return Err(AppError::invalid(
                        "merge_into",
                        "That proposal has been decided already; choose another",
                    ));
                }
                // Supporters carry over; someone backing both counts once.
                let carried = sqlx::query(
                    "INSERT INTO proposal_supporters (proposal_id, user_id, created_at) \
                     SELECT $1, user_id, created_at FROM proposal_supporters WHERE proposal_id = $2 \
                     ON CONFLICT (proposal_id, user_id) DO NOTHING",
                )
                .bind(*target)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                count_supporters(&mut tx, *target, carried as i64).await?;
                let target_title: String = sqlx::query_scalar("SELECT title FROM proposals WHERE id = $1")
                    .bind(*target)
                    .fetch_one(&mut *tx)
                    .await?;
                (
                    "merged",
                    Some(*target),
                    None,
                    format!("The tenant panel found a similar proposal, \u{201c}{target_title}\u{201d}, and merged yours into it. Everyone who supported yours now supports that one."),
                )
            }
            Screening::Decline(reason) => (
                "declined",
                None,
                Some(reason.clone()),
                format!("The tenant panel has decided not to take it forward. Their reason: {reason}"),
            ),
        };
    sqlx::query(
        "UPDATE proposals SET status = $1, merged_into = $2, decline_reason = $3, screened_by = $4, \
         screened_at = $5 WHERE id = $6",
    )
    .bind(new_status)
    .bind(merged_into)
    .bind(reason)
    .bind(user_id)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if let Some(proposer) = proposer {
        let person: Option<(String, String)> = sqlx::query_as(
            "SELECT email, display_name FROM users WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(proposer)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((email, name)) = person {
            let message = Email::compose(
                &email,
                &format!("Your proposal: {title}"),
                &format!("Hello {name},"),
                &[
                    format!("The tenant panel at {} has looked at your proposal \u{201c}{title}\u{201d}.", landlord.name),
                    news,
                ],
                Some(("See your proposal", &link)),
                "you proposed this topic for scrutiny on Tenant Voice.",
            );
            mail::enqueue(&mut *tx, &message).await?;
        }
    }
    audit::by_actor(
        &mut *tx,
        actor,
        &format!("scrutiny.proposal_{new_status}"),
        format!("proposal:{id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn put_forward(db: &Db, organisation_id: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, title FROM proposals WHERE organisation_id = $1 AND status = 'put_forward' ORDER BY title",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await
}

/// Opens a round on every proposal put forward (at least two).
pub async fn open_round(
    db: &Db,
    actor: &Actor,
    title: &str,
    (opens_at, closes_at): (i64, i64),
    votes_per_resident: i64,
    show_running_totals: bool,
) -> Result<i64, AppError> {
    let &Actor {
        organisation_id,
        user_id,
        ..
    } = actor;
    let mut tx = db.begin_write().await?;
    let topics: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM proposals WHERE organisation_id = $1 AND status = 'put_forward'",
    )
    .bind(organisation_id)
    .fetch_all(&mut *tx)
    .await?;
    if topics.len() < 2 {
        return Err(AppError::invalid(
            "title",
            "A vote needs at least two proposals put forward by the panel",
        ));
    }
    if votes_per_resident > topics.len() as i64 {
        return Err(AppError::invalid(
            "votes_per_resident",
            format!(
                "There are {} topics, so each resident can have at most {} votes",
                topics.len(),
                topics.len()
            ),
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO voting_rounds (organisation_id, title, opens_at, closes_at, votes_per_resident, \
         show_running_totals, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(organisation_id)
    .bind(title)
    .bind(opens_at)
    .bind(closes_at)
    .bind(votes_per_resident)
    .bind(i64::from(show_running_totals))
    .bind(user_id)
    .bind(Timestamp::now())
    .fetch_one(&mut *tx)
    .await?;
    for topic in &topics {
        sqlx::query("INSERT INTO round_topics (round_id, proposal_id) VALUES ($1, $2)")
            .bind(id)
            .bind(topic)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO topic_tallies (round_id, proposal_id) VALUES ($1, $2)")
            .bind(id)
            .bind(topic)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("INSERT INTO round_tallies (round_id) VALUES ($1)")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE proposals SET status = 'in_vote' WHERE organisation_id = $1 AND status = 'put_forward'")
        .bind(organisation_id)
        .execute(&mut *tx)
        .await?;
    audit::by_actor(
        &mut *tx,
        actor,
        "scrutiny.round_opened",
        format!("round:{id}"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct RoundRow {
    title: String,
    opens_at: i64,
    closes_at: i64,
    votes_per_resident: i64,
    show_running_totals: i64,
    decided_at: Option<i64>,
}

async fn round_row(
    executor: impl sqlx::Executor<'_, Database = Any>,
    organisation_id: i64,
    round_id: i64,
) -> Result<RoundRow, AppError> {
    sqlx::query_as(
        "SELECT title, opens_at, closes_at, votes_per_resident, show_running_totals, decided_at \
         FROM voting_rounds WHERE id = $1 AND organisation_id = $2",
    )
    .bind(round_id)
    .bind(organisation_id)
    .fetch_optional(executor)
    .await?
    .ok_or(AppError::NotFound)
}

pub async fn round(
    db: &Db,
    landlord: &LandlordRecord,
    round_id: i64,
    voter: Option<i64>,
    may_decide: bool,
) -> Result<RoundDetail, AppError> {
    let row = round_row(db.pool(), landlord.id, round_id).await?;
    let state = RoundState::at(Timestamp::now().millis(), row.opens_at, row.closes_at);
    // The running totals, never a count of the votes, so the page costs the
    // same with 40 voters or 400,000. The person's own votes are looked up
    // by the votes' key, one topic at a time.
    let topics: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT t.proposal_id, p.title, t.chosen, COALESCE(y.votes, 0) AS votes, \
                CASE WHEN EXISTS (SELECT 1 FROM votes v WHERE v.round_id = t.round_id \
                     AND v.proposal_id = t.proposal_id AND v.user_id = $2) THEN 1 ELSE 0 END AS mine \
         FROM round_topics t JOIN proposals p ON p.id = t.proposal_id \
         LEFT JOIN topic_tallies y ON y.round_id = t.round_id AND y.proposal_id = t.proposal_id \
         WHERE t.round_id = $1 ORDER BY p.title",
    )
    .bind(round_id)
    .bind(voter)
    .fetch_all(db.pool())
    .await?;
    let mine: Vec<i64> = topics
        .iter()
        .filter(|topic| topic.4 == 1)
        .map(|topic| topic.0)
        .collect();
    let voters: i64 = sqlx::query_scalar("SELECT voters FROM round_tallies WHERE round_id = $1")
        .bind(round_id)
        .fetch_optional(db.pool())
        .await?
        .unwrap_or(0);
    let visible =
        state == RoundState::Closed || (row.show_running_totals == 1 && state == RoundState::Open);
    let counts: Vec<i64> = topics.iter().map(|t| t.3).collect();
    let places = ranks(&counts);
    let mut lines: Vec<TopicLine> = topics
        .into_iter()
        .zip(places)
        .map(
            |((proposal_id, title, chosen, votes, _), (rank, tied))| TopicLine {
                proposal_id,
                title,
                votes: visible.then_some(votes),
                rank: visible.then_some(rank),
                tied: visible && tied,
                mine: mine.contains(&proposal_id),
                chosen: chosen == 1,
            },
        )
        .collect();
    if state == RoundState::Closed {
        lines.sort_by_key(|line| (line.rank, line.title.clone()));
    }
    Ok(RoundDetail {
        landlord: LandlordRef {
            slug: landlord.slug.clone(),
            name: landlord.name.clone(),
        },
        id: round_id,
        title: row.title,
        state,
        when: window_text(row.opens_at, row.closes_at),
        votes_per_resident: row.votes_per_resident,
        show_running_totals: row.show_running_totals == 1,
        topics: lines,
        votes_used: voter.map(|_| mine.len() as i64),
        can_vote: voter.is_some() && state == RoundState::Open,
        can_decide: may_decide && state == RoundState::Closed && row.decided_at.is_none(),
        decided: row.decided_at.is_some(),
        voters,
    })
}

/// The round's window and allowance, after checking the topic is in it.
async fn open_round_for_vote(
    tx: &mut Transaction<'static, Any>,
    organisation_id: i64,
    round_id: i64,
    proposal_id: i64,
    now: i64,
) -> Result<i64, AppError> {
    let row = round_row(&mut **tx, organisation_id, round_id).await?;
    match RoundState::at(now, row.opens_at, row.closes_at) {
        RoundState::Upcoming => {
            return Err(AppError::Conflict(format!(
                "Voting in this round has not started yet. It opens on {}.",
                format_date(row.opens_at)
            )))
        }
        RoundState::Closed => {
            return Err(AppError::Conflict(
                "Voting in this round has closed, so votes can no longer change.".into(),
            ))
        }
        RoundState::Open => {}
    }
    let in_round: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM round_topics WHERE round_id = $1 AND proposal_id = $2",
    )
    .bind(round_id)
    .bind(proposal_id)
    .fetch_one(&mut **tx)
    .await?;
    if in_round == 0 {
        return Err(AppError::NotFound);
    }
    Ok(row.votes_per_resident)
}

/// Adds a vote. A vote already cast is absorbed; going over the allowance
/// is refused by the conditional update on the ballot.
pub async fn vote(
    db: &Db,
    organisation_id: i64,
    round_id: i64,
    proposal_id: i64,
    user_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let allowance =
        open_round_for_vote(&mut tx, organisation_id, round_id, proposal_id, now).await?;
    sqlx::query(
        "INSERT INTO ballots (round_id, user_id, votes_used) VALUES ($1, $2, 0) \
         ON CONFLICT (round_id, user_id) DO NOTHING",
    )
    .bind(round_id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    let added = sqlx::query(
        "INSERT INTO votes (round_id, proposal_id, user_id, cast_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (round_id, proposal_id, user_id) DO NOTHING",
    )
    .bind(round_id)
    .bind(proposal_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if added == 0 {
        // Already voted for it: a double click or a retry.
        return Ok(());
    }
    let used: Option<i64> = sqlx::query_scalar(
        "UPDATE ballots SET votes_used = votes_used + 1 \
         WHERE round_id = $1 AND user_id = $2 AND votes_used < $3 RETURNING votes_used",
    )
    .bind(round_id)
    .bind(user_id)
    .bind(allowance)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(used) = used else {
        return Err(AppError::Conflict(format!(
            "You have used all {allowance} of your votes. Take a vote back from another topic first."
        )));
    };
    // A first vote makes one more resident who voted.
    count_vote(&mut tx, round_id, proposal_id, 1, i64::from(used == 1)).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves the running totals by a vote added (+1) or taken back (-1), and the
/// number of residents who voted by `voters`, in the vote's own transaction.
/// Relative updates stay exact when votes arrive together: SQLite lets one
/// writer in at a time, and PostgreSQL makes the second wait for the row.
async fn count_vote(
    tx: &mut Transaction<'static, Any>,
    round_id: i64,
    proposal_id: i64,
    votes: i64,
    voters: i64,
) -> Result<(), AppError> {
    let counted = sqlx::query(
        "UPDATE topic_tallies SET votes = votes + $1 WHERE round_id = $2 AND proposal_id = $3",
    )
    .bind(votes)
    .bind(round_id)
    .bind(proposal_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if voters != 0 {
        sqlx::query("UPDATE round_tallies SET voters = voters + $1 WHERE round_id = $2")
            .bind(voters)
            .bind(round_id)
            .execute(&mut **tx)
            .await?;
    }
    if counted != 1 {
        // Every topic gets its tally when the round opens; a vote that
        // cannot be counted is not recorded either.
        return Err(AppError::internal(
            "counting a vote",
            format!("no tally for round {round_id}, topic {proposal_id}"),
        ));
    }
    Ok(())
}

/// A proposal's title, for the sentence that says what was done to it.
pub async fn proposal_title(db: &Db, organisation_id: i64, id: i64) -> Result<String, AppError> {
    sqlx::query_scalar("SELECT title FROM proposals WHERE id = $1 AND organisation_id = $2")
        .bind(id)
        .bind(organisation_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::NotFound)
}

/// The votes a person has left in a round, for the confirmation of a vote.
pub async fn votes_left(
    db: &Db,
    organisation_id: i64,
    round_id: i64,
    user_id: i64,
) -> Result<i64, AppError> {
    let row = round_row(db.pool(), organisation_id, round_id).await?;
    let used: Option<i64> =
        sqlx::query_scalar("SELECT votes_used FROM ballots WHERE round_id = $1 AND user_id = $2")
            .bind(round_id)
            .bind(user_id)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.votes_per_resident - used.unwrap_or(0))
}

/// Takes a vote back; taking back a vote not cast changes nothing.
pub async fn withdraw(
    db: &Db,
    organisation_id: i64,
    round_id: i64,
    proposal_id: i64,
    user_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    open_round_for_vote(&mut tx, organisation_id, round_id, proposal_id, now).await?;
    let removed =
        sqlx::query("DELETE FROM votes WHERE round_id = $1 AND proposal_id = $2 AND user_id = $3")
            .bind(round_id)
            .bind(proposal_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if removed > 0 {
        let used: i64 = sqlx::query_scalar(
            "UPDATE ballots SET votes_used = votes_used - 1 WHERE round_id = $1 AND user_id = $2 \
             RETURNING votes_used",
        )
        .bind(round_id)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        // Their last vote taken back: one resident fewer has voted.
        count_vote(&mut tx, round_id, proposal_id, -1, -i64::from(used == 0)).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// After the round, marks a topic as taken on, or (`finish`) closes the
/// decision, marking the rest "not chosen this time".
pub async fn decide(
    db: &Db,
    actor: &Actor,
    round_id: i64,
    proposal_id: Option<i64>,
    finish: bool,
) -> Result<(), AppError> {
    let &Actor {
        organisation_id, ..
    } = actor;
    let mut tx = db.begin_write().await?;
    let row = round_row(&mut *tx, organisation_id, round_id).await?;
    if RoundState::at(Timestamp::now().millis(), row.opens_at, row.closes_at) != RoundState::Closed
    {
        return Err(AppError::Conflict(
            "The panel's choice is recorded after the round closes.".into(),
        ));
    }
    if row.decided_at.is_some() {
        return Err(AppError::Conflict(
            "The panel's choice for this round is already recorded.".into(),
        ));
    }
    if let Some(proposal_id) = proposal_id {
        let marked = sqlx::query(
            "UPDATE round_topics SET chosen = 1 WHERE round_id = $1 AND proposal_id = $2",
        )
        .bind(round_id)
        .bind(proposal_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if marked == 0 {
            return Err(AppError::NotFound);
        }
        sqlx::query("UPDATE proposals SET status = 'chosen' WHERE id = $1")
            .bind(proposal_id)
            .execute(&mut *tx)
            .await?;
        audit::by_actor(
            &mut *tx,
            actor,
            "scrutiny.topic_chosen",
            format!("proposal:{proposal_id}"),
        )
        .await?;
    }
    if finish {
        sqlx::query(
            "UPDATE proposals SET status = 'not_chosen' WHERE status = 'in_vote' AND id IN \
             (SELECT proposal_id FROM round_topics WHERE round_id = $1 AND chosen = 0)",
        )
        .bind(round_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE voting_rounds SET decided_at = $1 WHERE id = $2")
            .bind(Timestamp::now())
            .bind(round_id)
            .execute(&mut *tx)
            .await?;
        audit::by_actor(
            &mut *tx,
            actor,
            "scrutiny.round_decided",
            format!("round:{round_id}"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
