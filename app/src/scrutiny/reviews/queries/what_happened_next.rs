//! "What happened next" in the database: every recommendation of every
//! published report, with where it stands now.
use super::due_text;
use crate::{
    error::AppError,
    landlords::queries::LandlordRecord,
    performance::LandlordRef,
    scrutiny::reviews::{Answer, NextLine, Standing, WhatHappenedNext},
    state::Db,
    time::Timestamp,
};

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
