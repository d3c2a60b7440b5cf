//! Saving a section's text as revisions: merging saves made at the same
//! time, keeping an author's draft aside when they overlap, replacing
//! with the author's choice, and the history of revisions.
use super::{hold_open, landlord_ref, require_writer, revision_body, section_review};
use crate::annual_reviews::{
    label,
    merge::{self, Merged},
    RevisionLine, SectionHistory,
};
use crate::{
    audit,
    error::AppError,
    identity::CurrentUser,
    landlords::queries::LandlordRecord,
    permissions::{require_or_hide, Action},
    state::Db,
    time::Timestamp,
};

/// What became of a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// A new revision with this number.
    New(i64),
    /// A new revision combining this save with others saved since its base.
    Merged(i64),
    /// The text was the same as the current revision's.
    Unchanged,
    /// A new revision that took the place of this one, by the author's
    /// choice ("Replace their version with mine").
    Replaced { number: i64, replaced: i64 },
}

/// The author's choice, on the page that shows their kept-aside draft beside
/// the current text, to put their version in its place: where the email to
/// the other authors links to, and where the request came from.
#[derive(Debug, Clone, Copy)]
pub struct Replace<'a> {
    pub base_url: &'a str,
    pub source: &'a str,
}

/// Saves `body` as the next revision of a section. If others saved since
/// `base`, their changes and this one are merged; where they overlap, the
/// text is kept as the author's draft and the save is refused with a
/// conflict, so the author can resolve it beside the current text. The
/// revision number moves on only from the number read, so two saves at the
/// same moment never overwrite each other: the later one merges again.
pub async fn save(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    id: i64,
    author: &CurrentUser,
    base: i64,
    body: &str,
) -> Result<Saved, AppError> {
    save_choosing(db, landlord, year, id, author, base, body, None).await
}

/// Like `save`, with the choice the page offers beside a kept-aside draft.
/// While an author has one, the ordinary save of that draft unchanged is
/// refused: it would drop the words saved since without saying so. The
/// author either combines the two or chooses `replace`, which saves their
/// text in place of the current revision (the one they were shown: if
/// someone saved again since, they are asked again), records which
/// revision it replaced, and emails the other authors whose words leave the
/// current text. Without a kept-aside draft, `replace` changes nothing.
#[allow(clippy::too_many_arguments)]
pub async fn save_choosing(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    id: i64,
    author: &CurrentUser,
    base: i64,
    body: &str,
    replace: Option<Replace<'_>>,
) -> Result<Saved, AppError> {
    let review = section_review(db, landlord, year, id).await?;
    require_writer(db, landlord, &review, author).await?;
    loop {
        let mut tx = db.begin_write().await?;
        hold_open(&mut tx, review.id).await?;
        let current: i64 = sqlx::query_scalar("SELECT revision FROM review_sections WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if base > current || base < 0 {
            return Err(AppError::invalid(
                "body",
                "This page is out of date. Copy your text, reload the page and try again.",
            ));
        }
        let current_body = revision_body(&mut tx, id, current).await?;
        let draft: Option<(String, i64)> = sqlx::query_as(
            "SELECT body, based_on FROM section_drafts WHERE section_id = $1 AND author_id = $2",
        )
        .bind(id)
        .bind(author.id)
        .fetch_optional(&mut *tx)
        .await?;
        let replacing = match (replace, &draft) {
            (Some(replace), Some((_, started))) => Some((replace, *started)),
            _ => None,
        };
        let (text, merged) = if let Some((_, started)) = replacing {
            if base != current {
                // Someone saved again after the page was shown: replace
                // nothing they have not seen. The draft keeps its start, so
                // the next choice still tells everyone whose words it drops.
                keep_draft(&mut tx, id, author.id, body, started).await?;
                tx.commit().await?;
                return Err(AppError::Conflict(
                    "Someone saved this section again while you were choosing, so nothing was replaced. \
                     Their newest version is now beside yours. Read it, then choose again."
                        .into(),
                ));
            }
            (body.to_string(), false)
        } else if base == current {
            (body.to_string(), false)
        } else {
            let base_body = revision_body(&mut tx, id, base).await?;
            match merge::merge_apart(base_body, body.to_string(), current_body.clone()).await? {
                Merged::Clean(text) => (text, true),
                Merged::Conflict => {
                    keep_draft(&mut tx, id, author.id, body, base).await?;
                    tx.commit().await?;
                    return Err(AppError::Conflict(
                        "Someone else changed the same part of this section while you were writing. \
                         Nothing you wrote is lost: your version is beside theirs below. \
                         Combine them and save again."
                            .into(),
                    ));
                }
            }
        };
        if text == current_body {
            clear_draft(&mut tx, id, author.id).await?;
            tx.commit().await?;
            return Ok(Saved::Unchanged);
        }
        if replacing.is_none() && draft.as_ref().is_some_and(|(kept, _)| kept == body) {
            // The kept-aside draft, unchanged: saving it would take out the
            // other side's words unseen. That must be an explicit choice.
            tx.rollback().await?;
            return Err(AppError::Conflict(
                "Nothing was saved. Your text is still exactly the version you kept aside, so saving it \
                 would take out the words saved by someone else since. Combine the two versions in the box \
                 and press \u{201c}Save the combined text\u{201d}. Or, if your version should take the place \
                 of theirs, press \u{201c}Replace their version with mine\u{201d}."
                    .into(),
            ));
        }
        let replaced = replacing.map(|_| current);
        let moved =
            sqlx::query("UPDATE review_sections SET revision = $1 WHERE id = $2 AND revision = $3")
                .bind(current + 1)
                .bind(id)
                .bind(current)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if moved == 0 {
            // Someone saved between the read and the update: start again,
            // merging with theirs.
            tx.rollback().await?;
            continue;
        }
        sqlx::query(
            "INSERT INTO section_revisions (section_id, number, body, based_on, merged, author_id, saved_at, replaced_revision) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(current + 1)
        .bind(&text)
        .bind(base)
        .bind(i64::from(merged))
        .bind(author.id)
        .bind(Timestamp::now())
        .bind(replaced)
        .execute(&mut *tx)
        .await?;
        clear_draft(&mut tx, id, author.id).await?;
        if let Some((choice, started)) = replacing {
            tell_replaced(
                &mut tx,
                choice,
                landlord,
                year,
                id,
                author,
                (started, current),
            )
            .await?;
            audit::by_person(
                &mut *tx,
                author.id,
                landlord.id,
                "annual_review.section_replaced",
                format!("review_section:{id}"),
                choice.source,
            )
            .await?;
            tx.commit().await?;
            return Ok(Saved::Replaced {
                number: current + 1,
                replaced: current,
            });
        }
        tx.commit().await?;
        return Ok(if merged {
            Saved::Merged(current + 1)
        } else {
            Saved::New(current + 1)
        });
    }
}

/// Emails the people whose revisions after `started` up to `replaced` (the
/// words the kept-aside draft did not include) were replaced, inside the
/// save's transaction; not the person who replaced them.
async fn tell_replaced(
    tx: &mut sqlx::AnyConnection,
    choice: Replace<'_>,
    landlord: &LandlordRecord,
    year: i32,
    section_id: i64,
    replacer: &CurrentUser,
    (started, replaced): (i64, i64),
) -> Result<(), sqlx::Error> {
    let people: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT u.email, u.display_name FROM section_revisions r JOIN users u ON u.id = r.author_id \
         WHERE r.section_id = $1 AND r.number > $2 AND r.number <= $3 AND u.id <> $4 AND u.deleted_at IS NULL \
         ORDER BY u.email",
    )
    .bind(section_id)
    .bind(started)
    .bind(replaced)
    .bind(replacer.id)
    .fetch_all(&mut *tx)
    .await?;
    if people.is_empty() {
        return Ok(());
    }
    let (title, saved_at): (String, i64) = sqlx::query_as(
        "SELECT s.title, r.saved_at FROM review_sections s \
         JOIN section_revisions r ON r.section_id = s.id AND r.number = $2 WHERE s.id = $1",
    )
    .bind(section_id)
    .bind(replaced)
    .fetch_one(&mut *tx)
    .await?;
    let replacer_name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(replacer.id)
        .fetch_one(&mut *tx)
        .await?;
    let link = format!(
        "{}/landlords/{}/annual-reviews/{year}/sections/{section_id}/history?from={replaced}&to={}",
        choice.base_url.trim_end_matches('/'),
        landlord.slug,
        replaced + 1
    );
    let review = label(year).to_lowercase();
    for (email, name) in &people {
        let message = crate::mail::Email::compose(
            email,
            &format!("Your words in \u{201c}{title}\u{201d} were replaced"),
            &format!("Hello {name},"),
            &[
                format!(
                    "{replacer_name} has put their own version of the section \u{201c}{title}\u{201d} in place of the one \
                     saved on {} (revision {replaced}). This is in the {review} at {}. Their changes overlapped \
                     yours, and they chose to replace your version rather than combine the two.",
                    crate::time::format_moment(saved_at),
                    landlord.name
                ),
                "Your words are not lost. They are kept in the section\u{2019}s history, where you can read them \
                 and copy anything back into the section."
                    .to_string(),
            ],
            Some(("See what changed in the history", &link)),
            "you wrote part of this section of the annual review on Tenant Voice.",
        );
        crate::mail::enqueue(&mut *tx, &message).await?;
    }
    Ok(())
}

async fn keep_draft(
    tx: &mut sqlx::AnyConnection,
    section_id: i64,
    author_id: i64,
    body: &str,
    base: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO section_drafts (section_id, author_id, body, based_on, saved_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (section_id, author_id) DO UPDATE SET body = excluded.body, based_on = excluded.based_on, \
         saved_at = excluded.saved_at",
    )
    .bind(section_id)
    .bind(author_id)
    .bind(body)
    .bind(base)
    .bind(Timestamp::now())
    .execute(tx)
    .await?;
    Ok(())
}

async fn clear_draft(
    tx: &mut sqlx::AnyConnection,
    section_id: i64,
    author_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM section_drafts WHERE section_id = $1 AND author_id = $2")
        .bind(section_id)
        .bind(author_id)
        .execute(tx)
        .await?;
    Ok(())
}

/// A stored revision: its number, author, when saved, the revision it was
/// based on, whether it was merged, its text, and the revision it replaced.
type RevisionRow = (i64, Option<String>, i64, i64, i64, String, Option<i64>);

pub async fn history(
    db: &Db,
    landlord: &LandlordRecord,
    year: i32,
    id: i64,
    viewer: Option<&CurrentUser>,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<SectionHistory, AppError> {
    section_review(db, landlord, year, id).await?;
    // Earlier wordings are the authors' working; only the text is published.
    require_or_hide(viewer, Action::SeeDraftReviews, landlord.id)?;
    let title: String = sqlx::query_scalar("SELECT title FROM review_sections WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await?;
    let rows: Vec<RevisionRow> = sqlx::query_as(
        "SELECT r.number, u.display_name, r.saved_at, r.based_on, r.merged, r.body, r.replaced_revision \
         FROM section_revisions r LEFT JOIN users u ON u.id = r.author_id \
         WHERE r.section_id = $1 ORDER BY r.number DESC",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let gone = || "Someone whose account has gone".to_string();
    let body_of = |number: i64| {
        rows.iter()
            .find(|r| r.0 == number)
            .map(|r| r.5.clone())
            .unwrap_or_default()
    };
    let comparison = match (from, to) {
        (Some(from), Some(to)) => {
            let known = |n: i64| n == 0 || rows.iter().any(|r| r.0 == n);
            if !known(from) || !known(to) {
                return Err(AppError::invalid(
                    "from",
                    "Choose two revisions from the list",
                ));
            }
            Some((
                from,
                to,
                merge::diff_apart(body_of(from), body_of(to)).await?,
            ))
        }
        _ => None,
    };
    Ok(SectionHistory {
        landlord: landlord_ref(landlord),
        year,
        id,
        title,
        revisions: rows
            .iter()
            .map(
                |(number, by, at, based_on, merged, body, replaced)| RevisionLine {
                    number: *number,
                    by: by.clone().unwrap_or_else(gone),
                    on: crate::time::format_moment(*at),
                    based_on: *based_on,
                    merged: *merged == 1,
                    characters: body.chars().count(),
                    replaced: replaced.map(|n| {
                        let whose = rows.iter().find(|r| r.0 == n).and_then(|r| r.1.clone());
                        (
                            n,
                            whose.unwrap_or_else(|| "someone whose account has gone".into()),
                        )
                    }),
                },
            )
            .collect(),
        comparison,
    })
}
