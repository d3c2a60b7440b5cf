//! Comments, reports and moderation in the database.

use super::{
    CommentDetail, CommentView, ModerationLine, ModerationQueue, OfficialAnswer, Subject,
    SubjectKind, EDIT_MINUTES,
};
use crate::identity::Actor;
use crate::{
    audit,
    error::AppError,
    identity::{CurrentUser, Role},
    landlords::queries::LandlordRecord,
    mail::{self, Email},
    markdown,
    performance::LandlordRef,
    permissions::{allows, Action},
    site::paging::{Paging, PAGE_SIZE},
    state::Db,
    time::Timestamp,
};

const EDIT_MILLIS: i64 = EDIT_MINUTES * 60 * 1000;

/// Where a comment's subject is: its title and the page it is on.
pub struct Place {
    pub title: String,
    pub link: String,
}

/// The subject's title and page, if it belongs to this landlord and the
/// viewer may read it (recommendations of unpublished reports are for the
/// panel and staff only).
pub async fn subject(
    db: &Db,
    landlord: &LandlordRecord,
    subject: Subject,
    viewer: Option<&CurrentUser>,
) -> Result<Place, AppError> {
    let slug = &landlord.slug;
    let id = subject.id;
    match subject.kind {
        SubjectKind::Proposal => {
            let title: String = sqlx::query_scalar(
                "SELECT title FROM proposals WHERE id = $1 AND organisation_id = $2",
            )
            .bind(id)
            .bind(landlord.id)
            .fetch_optional(db.pool())
            .await?
            .ok_or(AppError::NotFound)?;
            Ok(Place {
                title,
                link: format!("/landlords/{slug}/scrutiny/proposals/{id}"),
            })
        }
        SubjectKind::Recommendation => {
            let (number, review_title, published_at): (i64, String, Option<i64>) = sqlx::query_as(
                "SELECT r.number, v.title, v.published_at FROM recommendations r \
                     JOIN scrutiny_reviews v ON v.id = r.review_id \
                     WHERE r.id = $1 AND v.organisation_id = $2",
            )
            .bind(id)
            .bind(landlord.id)
            .fetch_optional(db.pool())
            .await?
            .ok_or(AppError::NotFound)?;
            if published_at.is_none() && !allows(viewer, Action::SeeDraftReviews, landlord.id) {
                return Err(AppError::NotFound);
            }
            Ok(Place {
                title: format!("Recommendation {number}: {review_title}"),
                link: format!("/landlords/{slug}/scrutiny/recommendations/{id}"),
            })
        }
        SubjectKind::Commitment => {
            let title: String = sqlx::query_scalar(
                "SELECT c.title FROM commitments c JOIN charters ch ON ch.id = c.charter_id \
                 WHERE c.id = $1 AND ch.organisation_id = $2",
            )
            .bind(id)
            .bind(landlord.id)
            .fetch_optional(db.pool())
            .await?
            .ok_or(AppError::NotFound)?;
            Ok(Place {
                title,
                link: format!("/landlords/{slug}/commitments/{id}"),
            })
        }
    }
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: i64,
    parent_id: Option<i64>,
    author_id: Option<i64>,
    author: Option<String>,
    role: Option<String>,
    body: String,
    official: i64,
    created_at: i64,
    edited_at: Option<i64>,
    hidden_at: Option<i64>,
    hidden_reason: Option<String>,
    subject_kind: String,
    subject_id: i64,
}

const COMMENT_COLUMNS: &str = "SELECT c.id, c.parent_id, c.author_id, u.display_name AS author, \
        m.role, c.body, c.official, c.created_at, c.edited_at, c.hidden_at, c.hidden_reason, \
        c.subject_kind, c.subject_id \
     FROM comments c \
     LEFT JOIN users u ON u.id = c.author_id \
     LEFT JOIN memberships m ON m.user_id = c.author_id AND m.organisation_id = c.organisation_id";

impl CommentRow {
    fn subject(&self) -> Result<Subject, AppError> {
        Subject::parse(&format!("{}:{}", self.subject_kind, self.subject_id))
            .ok_or_else(|| AppError::internal("reading a comment", "unknown subject"))
    }

    /// The comment as `viewer` sees it, without its replies.
    fn view(
        &self,
        landlord: &LandlordRecord,
        viewer: Option<&CurrentUser>,
        now: i64,
    ) -> CommentView {
        let mine = viewer.is_some() && viewer.map(|v| v.id) == self.author_id;
        let hidden = self.hidden_at.is_some();
        CommentView {
            id: self.id,
            author: self
                .author
                .clone()
                .unwrap_or_else(|| "Someone whose account has gone".into()),
            author_role: self
                .role
                .as_deref()
                .and_then(Role::parse)
                .map(|role| role.label().to_string()),
            official: self.official == 1,
            posted: crate::time::format_moment(self.created_at),
            edited: self.edited_at.is_some(),
            hidden_note: self.hidden_at.map(|at| {
                format!(
                    "A moderator hid this comment on {}. Their reason: {}",
                    crate::time::format_moment(at),
                    self.hidden_reason.clone().unwrap_or_default()
                )
            }),
            html: (!hidden).then(|| markdown::to_html(&self.body)),
            replies: Vec::new(),
            is_reply: self.parent_id.is_some(),
            can_reply: self.parent_id.is_none()
                && !hidden
                && allows(viewer, Action::Comment, landlord.id),
            can_edit: mine && !hidden && now < self.created_at + EDIT_MILLIS,
            can_report: viewer.is_some()
                && !mine
                && !hidden
                && allows(viewer, Action::ReportComment, landlord.id),
            can_moderate: allows(viewer, Action::ModerateComments, landlord.id),
            changes: Vec::new(),
        }
    }
}

/// Puts each official response's earlier wording beside it (replies too).
async fn add_changes(
    db: &Db,
    landlord: &LandlordRecord,
    comments: &mut [CommentView],
) -> Result<(), sqlx::Error> {
    use crate::site::history::store;
    fn official(comments: &[CommentView], ids: &mut Vec<i64>) {
        for comment in comments {
            if comment.official {
                ids.push(comment.id);
            }
            official(&comment.replies, ids);
        }
    }
    fn hand_out(comments: &mut [CommentView], changes: &mut Vec<store::Owned>) {
        for comment in comments {
            comment.changes = changes
                .extract_if(.., |(subject, _, _)| *subject == comment.id)
                .map(|(_, _, change)| change)
                .collect();
            hand_out(&mut comment.replies, changes);
        }
    }
    let mut ids = Vec::new();
    official(comments, &mut ids);
    let mut changes = store::load(db, landlord.id, store::Kind::Comment, &ids).await?;
    hand_out(comments, &mut changes);
    Ok(())
}

/// The visible official answers on `subject`, oldest first, each with
/// the author of the comment it answers.
pub async fn official_answers(
    db: &Db,
    landlord: &LandlordRecord,
    subject: Subject,
) -> Result<Vec<OfficialAnswer>, AppError> {
    // (id, created_at, body, parent_id, the parent's author)
    type AnswerRow = (i64, i64, String, Option<i64>, Option<String>);
    let rows: Vec<AnswerRow> = sqlx::query_as(
        "SELECT c.id, c.created_at, c.body, c.parent_id, u.display_name FROM comments c \
         LEFT JOIN comments p ON p.id = c.parent_id \
         LEFT JOIN users u ON u.id = p.author_id \
         WHERE c.organisation_id = $1 AND c.subject_kind = $2 AND c.subject_id = $3 \
           AND c.official = 1 AND c.hidden_at IS NULL \
         ORDER BY c.created_at, c.id",
    )
    .bind(landlord.id)
    .bind(subject.kind.as_str())
    .bind(subject.id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, created_at, body, parent, author)| OfficialAnswer {
            id,
            posted: crate::time::format_moment(created_at),
            answers: parent.map(|_| author.unwrap_or_else(|| "a former member".into())),
            beginning: beginning(&body),
        })
        .collect())
}

/// The first words of a comment as plain text, for a list of them:
/// Markdown's marks dropped, cut at a word after about 160 characters.
fn beginning(body: &str) -> String {
    const ABOUT: usize = 160;
    let plain: String = body
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '#' | '>' | '`' | '[' | ']'))
        .collect();
    let words: Vec<&str> = plain.split_whitespace().collect();
    let mut out = String::new();
    for word in &words {
        if out.chars().count() + word.chars().count() > ABOUT && !out.is_empty() {
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// One page of the comments on a subject, oldest first, each with all its
/// replies; and how many comments and replies there are in all. Pages count
/// comments, not replies, so a reply is always shown under its comment.
pub async fn thread(
    db: &Db,
    landlord: &LandlordRecord,
    subject: Subject,
    viewer: Option<&CurrentUser>,
    asked: Option<&str>,
) -> Result<(Vec<CommentView>, Paging, i64), AppError> {
    let (top_level, all): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN parent_id IS NULL THEN 1 ELSE 0 END), 0), COUNT(*) \
         FROM comments WHERE organisation_id = $1 AND subject_kind = $2 AND subject_id = $3",
    )
    .bind(landlord.id)
    .bind(subject.kind.as_str())
    .bind(subject.id)
    .fetch_one(db.pool())
    .await?;
    let paging = Paging::clamp(asked, top_level);
    let rows: Vec<CommentRow> = sqlx::query_as(&format!(
        "{COMMENT_COLUMNS} WHERE c.organisation_id = $1 AND c.subject_kind = $2 \
         AND c.subject_id = $3 AND COALESCE(c.parent_id, c.id) IN \
         (SELECT id FROM comments WHERE organisation_id = $1 AND subject_kind = $2 \
          AND subject_id = $3 AND parent_id IS NULL ORDER BY created_at, id LIMIT $4 OFFSET $5) \
         ORDER BY c.created_at, c.id"
    ))
    .bind(landlord.id)
    .bind(subject.kind.as_str())
    .bind(subject.id)
    .bind(PAGE_SIZE)
    .bind(paging.offset())
    .fetch_all(db.pool())
    .await?;
    let now = Timestamp::now().millis();
    let mut comments: Vec<CommentView> = Vec::new();
    for row in rows.iter().filter(|row| row.parent_id.is_none()) {
        let mut comment = row.view(landlord, viewer, now);
        comment.replies = rows
            .iter()
            .filter(|reply| reply.parent_id == Some(row.id))
            .map(|reply| reply.view(landlord, viewer, now))
            .collect();
        comments.push(comment);
    }
    add_changes(db, landlord, &mut comments).await?;
    Ok((comments, paging, all))
}

/// Adds a comment and returns its id; the same submission key again
/// returns the first comment's id and adds nothing.
#[allow(clippy::too_many_arguments)]
pub async fn post(
    db: &Db,
    landlord: &LandlordRecord,
    subject: Subject,
    parent_id: Option<i64>,
    author_id: i64,
    submission_key: &str,
    body: &str,
    official: bool,
) -> Result<i64, AppError> {
    let mut tx = db.begin_write().await?;
    let earlier: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, author_id FROM comments WHERE organisation_id = $1 AND submission_key = $2",
    )
    .bind(landlord.id)
    .bind(submission_key)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((id, author)) = earlier {
        return if author == Some(author_id) {
            Ok(id)
        } else {
            Err(AppError::invalid(
                "body",
                "This form is out of date. Please copy your comment, reload the page and try again.",
            ))
        };
    }
    if let Some(parent) = parent_id {
        let parent: Option<(Option<i64>, Option<i64>, String, i64)> = sqlx::query_as(
            "SELECT parent_id, hidden_at, subject_kind, subject_id FROM comments \
             WHERE id = $1 AND organisation_id = $2",
        )
        .bind(parent)
        .bind(landlord.id)
        .fetch_optional(&mut *tx)
        .await?;
        match parent {
            Some((None, None, kind, id)) if kind == subject.kind.as_str() && id == subject.id => {}
            Some((Some(_), _, _, _)) => {
                return Err(AppError::invalid(
                    "body",
                    "Replies go under the first comment of a conversation; you cannot reply to a reply.",
                ))
            }
            Some((None, Some(_), _, _)) => {
                return Err(AppError::Conflict(
                    "That comment has been hidden by a moderator, so it cannot be replied to.".into(),
                ))
            }
            _ => return Err(AppError::NotFound),
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO comments (organisation_id, subject_kind, subject_id, parent_id, author_id, \
         body, official, created_at, submission_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(landlord.id)
    .bind(subject.kind.as_str())
    .bind(subject.id)
    .bind(parent_id)
    .bind(author_id)
    .bind(body)
    .bind(i64::from(official))
    .bind(Timestamp::now())
    .bind(submission_key)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn row(db: &Db, landlord: &LandlordRecord, id: i64) -> Result<CommentRow, AppError> {
    sqlx::query_as(&format!(
        "{COMMENT_COLUMNS} WHERE c.id = $1 AND c.organisation_id = $2"
    ))
    .bind(id)
    .bind(landlord.id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(AppError::NotFound)
}

/// One comment with what the viewer may see and do with it.
pub async fn detail(
    db: &Db,
    landlord: &LandlordRecord,
    id: i64,
    viewer: Option<&CurrentUser>,
) -> Result<CommentDetail, AppError> {
    let row = row(db, landlord, id).await?;
    let subject = row.subject()?;
    let place = self::subject(db, landlord, subject, viewer).await?;
    let now = Timestamp::now().millis();
    let mut comment = row.view(landlord, viewer, now);
    add_changes(db, landlord, std::slice::from_mut(&mut comment)).await?;
    let mine = viewer.is_some() && viewer.map(|v| v.id) == row.author_id;
    let moderator = comment.can_moderate;
    let hidden = row.hidden_at.is_some();
    let reports: Vec<(i64, String)> = if moderator {
        sqlx::query_as(
            "SELECT r.created_at, r.reason FROM comment_reports r JOIN comments c ON c.id = r.comment_id \
             WHERE r.comment_id = $1 AND r.created_at > COALESCE(c.reports_kept_at, 0) \
             ORDER BY r.created_at",
        )
        .bind(id)
        .fetch_all(db.pool())
        .await?
    } else {
        Vec::new()
    };
    let earlier: Vec<(i64, String)> = if moderator {
        sqlx::query_as(
            "SELECT replaced_at, body FROM comment_edits WHERE comment_id = $1 ORDER BY replaced_at, id",
        )
        .bind(id)
        .fetch_all(db.pool())
        .await?
    } else {
        Vec::new()
    };
    let reported_by_me = match viewer {
        Some(viewer) => {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM comment_reports WHERE comment_id = $1 AND user_id = $2",
            )
            .bind(id)
            .bind(viewer.id)
            .fetch_one(db.pool())
            .await?
                > 0
        }
        None => false,
    };
    Ok(CommentDetail {
        landlord: LandlordRef {
            slug: landlord.slug.clone(),
            name: landlord.name.clone(),
        },
        subject: subject.to_string(),
        subject_title: place.title,
        subject_link: format!("{}#comment-{id}", place.link),
        source: comment.can_edit.then(|| row.body.clone()),
        hidden_html: (hidden && (mine || moderator)).then(|| markdown::to_html(&row.body)),
        edit_until: comment
            .can_edit
            .then(|| crate::time::format_moment(row.created_at + EDIT_MILLIS)),
        reports: reports
            .into_iter()
            .map(|(at, reason)| (crate::time::format_moment(at), reason))
            .collect(),
        earlier_versions: earlier
            .into_iter()
            .map(|(at, body)| (crate::time::format_moment(at), body))
            .collect(),
        hidden,
        reported_by_me,
        submission_key: crate::accounts::tokens::new_token(),
        can_answer_officially: comment.can_reply
            && allows(viewer, Action::PostOfficialResponse, landlord.id),
        comment,
    })
}

/// The author's change, kept within the edit window; the earlier text is
/// kept for moderators. An official response is a published answer: a
/// change to it needs `change_reason`, and its earlier wording stays on
/// the public record. Returns the comment's place in its thread.
pub async fn edit(
    db: &Db,
    landlord: &LandlordRecord,
    id: i64,
    author_id: i64,
    body: &str,
    change_reason: &str,
) -> Result<String, AppError> {
    let mut tx = db.begin_write().await?;
    let (author, created_at, hidden_at, old_body, kind, subject_id, official): (
        Option<i64>,
        i64,
        Option<i64>,
        String,
        String,
        i64,
        i64,
    ) = sqlx::query_as(
        "SELECT author_id, created_at, hidden_at, body, subject_kind, subject_id, official FROM comments \
         WHERE id = $1 AND organisation_id = $2",
    )
    .bind(id)
    .bind(landlord.id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if author != Some(author_id) {
        return Err(AppError::Forbidden);
    }
    if hidden_at.is_some() {
        return Err(AppError::Conflict(
            "A moderator has hidden this comment, so it cannot be changed.".into(),
        ));
    }
    let now = Timestamp::now().millis();
    if now >= created_at + EDIT_MILLIS {
        return Err(AppError::Conflict(format!(
            "Comments can only be changed in the {EDIT_MINUTES} minutes after they are posted. \
             Your new text is still in the box: copy it into a new comment instead."
        )));
    }
    if old_body != body {
        if official == 1 {
            let reason = crate::site::history::required_reason(change_reason)?;
            use crate::site::history::store;
            store::record(
                &mut tx,
                store::NewChange {
                    organisation_id: landlord.id,
                    kind: store::Kind::Comment,
                    subject_id: id,
                    part: "",
                    earlier: vec![("The official response", old_body.clone())],
                    reason: &reason,
                    due: None,
                    by: author_id,
                    at: now,
                },
            )
            .await?;
        }
        sqlx::query(
            "INSERT INTO comment_edits (comment_id, body, replaced_at) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(&old_body)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // Only over the text just read, so no change is lost unrecorded.
        let changed = sqlx::query(
            "UPDATE comments SET body = $1, edited_at = $2 WHERE id = $3 AND body = $4 AND hidden_at IS NULL",
        )
        .bind(body)
        .bind(now)
        .bind(id)
        .bind(&old_body)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(AppError::Conflict(
                "This comment changed just now. Your text is still in the box: read the comment again and try once more.".into(),
            ));
        }
    }
    tx.commit().await?;
    let subject = Subject::parse(&format!("{kind}:{subject_id}"))
        .ok_or_else(|| AppError::internal("editing a comment", "unknown subject"))?;
    let place = self::subject(db, landlord, subject, None).await;
    Ok(match place {
        Ok(place) => format!("{}#comment-{id}", place.link),
        Err(_) => format!("/landlords/{}/comments/{id}", landlord.slug),
    })
}

/// The address of a comment's own page, for emails.
fn comment_link(base_url: &str, landlord: &LandlordRecord, id: i64) -> String {
    format!(
        "{}/landlords/{}/comments/{id}",
        base_url.trim_end_matches('/'),
        landlord.slug
    )
}

/// People who moderate comments at a landlord: (email, name).
async fn moderators(
    executor: &mut sqlx::AnyConnection,
    organisation_id: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.email, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.organisation_id = $1 AND m.role IN ('panel_chair', 'landlord_admin') \
         AND u.deleted_at IS NULL ORDER BY u.id",
    )
    .bind(organisation_id)
    .fetch_all(executor)
    .await
}

/// Records a report; the first report since a moderator last looked tells
/// the moderators by email. A second report by the same person counts once.
pub async fn report(
    db: &Db,
    base_url: &str,
    landlord: &LandlordRecord,
    id: i64,
    reporter: &CurrentUser,
    reason: &str,
    source: &str,
) -> Result<(), AppError> {
    let row = row(db, landlord, id).await?;
    subject(db, landlord, row.subject()?, Some(reporter)).await?;
    if row.author_id == Some(reporter.id) {
        return Err(AppError::invalid(
            "reason",
            "This is your own comment. You can change it in the 15 minutes after posting, or ask a moderator to hide it.",
        ));
    }
    if row.hidden_at.is_some() {
        return Err(AppError::Conflict(
            "A moderator has already hidden this comment.".into(),
        ));
    }
    let mut tx = db.begin_write().await?;
    let now = Timestamp::now();
    let added = sqlx::query(
        "INSERT INTO comment_reports (comment_id, user_id, reason, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (comment_id, user_id) DO NOTHING",
    )
    .bind(id)
    .bind(reporter.id)
    .bind(reason)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if added == 0 {
        return Ok(());
    }
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM comment_reports r JOIN comments c ON c.id = r.comment_id \
         WHERE r.comment_id = $1 AND r.created_at > COALESCE(c.reports_kept_at, 0)",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if open == 1 {
        let link = comment_link(base_url, landlord, id);
        for (email, name) in moderators(&mut tx, landlord.id).await? {
            let message = Email::compose(
                &email,
                "A comment has been reported",
                &format!("Hello {name},"),
                &[
                    format!(
                        "Someone has reported a comment on Tenant Voice at {}. Their reason: {reason}",
                        landlord.name
                    ),
                    "Please read it and decide whether to hide it or keep it visible.".into(),
                ],
                Some(("Read the comment", &link)),
                "you moderate comments for this landlord on Tenant Voice.",
            );
            mail::enqueue(&mut *tx, &message).await?;
        }
    }
    audit::by_person(
        &mut *tx,
        reporter.id,
        landlord.id,
        "comment.reported",
        format!("comment:{id}"),
        source,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub enum Moderation {
    Hide(String),
    Restore,
    Keep,
}

/// Hides a comment (telling its author why), restores it, or keeps a
/// reported comment visible. Each is in the audit log; hiding and restoring
/// undo each other.
pub async fn moderate(
    db: &Db,
    base_url: &str,
    landlord: &LandlordRecord,
    id: i64,
    actor: &Actor,
    decision: Moderation,
) -> Result<(), AppError> {
    let &Actor {
        user_id: moderator_id,
        ..
    } = actor;
    let row = row(db, landlord, id).await?;
    let place = subject(db, landlord, row.subject()?, None).await.ok();
    let mut tx = db.begin_write().await?;
    let now = Timestamp::now();
    let hidden: Option<i64> = sqlx::query_scalar("SELECT hidden_at FROM comments WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let (action, news) = match &decision {
        Moderation::Hide(reason) => {
            if hidden.is_some() {
                return Err(AppError::Conflict("This comment is already hidden.".into()));
            }
            sqlx::query(
                "UPDATE comments SET hidden_at = $1, hidden_by = $2, hidden_reason = $3 WHERE id = $4",
            )
            .bind(now)
            .bind(moderator_id)
            .bind(reason)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            (
                "comment.hidden",
                Some(format!(
                    "A moderator has hidden it. Their reason: {reason} Readers now see a note in its place. \
                     If you think this is a mistake, reply to the panel chair or the landlord."
                )),
            )
        }
        Moderation::Restore => {
            if hidden.is_none() {
                return Err(AppError::Conflict("This comment is not hidden.".into()));
            }
            sqlx::query(
                "UPDATE comments SET hidden_at = NULL, hidden_by = NULL, hidden_reason = NULL, \
                 reports_kept_at = $1 WHERE id = $2",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            (
                "comment.restored",
                Some(
                    "A moderator has looked again and shown it again; everyone can read it."
                        .to_string(),
                ),
            )
        }
        Moderation::Keep => {
            if hidden.is_some() {
                return Err(AppError::Conflict(
                    "This comment is hidden; restore it to show it again.".into(),
                ));
            }
            sqlx::query("UPDATE comments SET reports_kept_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            ("comment.kept_visible", None)
        }
    };
    if let (Some(news), Some(author)) = (news, row.author_id) {
        let person: Option<(String, String)> = sqlx::query_as(
            "SELECT email, display_name FROM users WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(author)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((email, name)) = person {
            let link = comment_link(base_url, landlord, id);
            let about = place
                .as_ref()
                .map(|place| format!(" about \u{201c}{}\u{201d}", place.title))
                .unwrap_or_default();
            let message = Email::compose(
                &email,
                "Your comment on Tenant Voice",
                &format!("Hello {name},"),
                &[
                    format!(
                        "This is about your comment{about} at {}, posted {}.",
                        landlord.name,
                        crate::time::format_moment(row.created_at)
                    ),
                    news,
                ],
                Some(("See your comment", &link)),
                "you posted this comment on Tenant Voice.",
            );
            mail::enqueue(&mut *tx, &message).await?;
        }
    }
    audit::by_actor(&mut *tx, actor, action, format!("comment:{id}")).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct QueueRow {
    id: i64,
    author: Option<String>,
    body: String,
    subject_kind: String,
    subject_id: i64,
    reports: i64,
    at: i64,
}

/// One page of the reported comments waiting for a moderator, newest
/// report first, and one page of the hidden comments, most recently hidden
/// first.
pub async fn queue(
    db: &Db,
    landlord: &LandlordRecord,
    reported_page: Option<&str>,
    hidden_page: Option<&str>,
) -> Result<ModerationQueue, AppError> {
    let (waiting,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM comments c WHERE c.organisation_id = $1 AND c.hidden_at IS NULL \
         AND EXISTS (SELECT 1 FROM comment_reports r WHERE r.comment_id = c.id \
                     AND r.created_at > COALESCE(c.reports_kept_at, 0))",
    )
    .bind(landlord.id)
    .fetch_one(db.pool())
    .await?;
    let (hidden_total,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM comments WHERE organisation_id = $1 AND hidden_at IS NOT NULL",
    )
    .bind(landlord.id)
    .fetch_one(db.pool())
    .await?;
    let reported_paging = Paging::clamp(reported_page, waiting);
    let hidden_paging = Paging::clamp(hidden_page, hidden_total);
    let reported: Vec<QueueRow> = sqlx::query_as(
        "SELECT c.id, u.display_name AS author, c.body, c.subject_kind, c.subject_id, \
                COUNT(r.user_id) AS reports, MAX(r.created_at) AS at \
         FROM comments c \
         JOIN comment_reports r ON r.comment_id = c.id AND r.created_at > COALESCE(c.reports_kept_at, 0) \
         LEFT JOIN users u ON u.id = c.author_id \
         WHERE c.organisation_id = $1 AND c.hidden_at IS NULL \
         GROUP BY c.id, u.display_name, c.body, c.subject_kind, c.subject_id \
         ORDER BY MAX(r.created_at) DESC, c.id DESC LIMIT $2 OFFSET $3",
    )
    .bind(landlord.id)
    .bind(PAGE_SIZE)
    .bind(reported_paging.offset())
    .fetch_all(db.pool())
    .await?;
    let hidden: Vec<QueueRow> = sqlx::query_as(
        "SELECT c.id, u.display_name AS author, c.body, c.subject_kind, c.subject_id, \
                0 AS reports, c.hidden_at AS at \
         FROM comments c LEFT JOIN users u ON u.id = c.author_id \
         WHERE c.organisation_id = $1 AND c.hidden_at IS NOT NULL \
         ORDER BY c.hidden_at DESC, c.id DESC LIMIT $2 OFFSET $3",
    )
    .bind(landlord.id)
    .bind(PAGE_SIZE)
    .bind(hidden_paging.offset())
    .fetch_all(db.pool())
    .await?;
    let lines = |rows: Vec<QueueRow>| async move {
        let mut lines = Vec::with_capacity(rows.len());
        for row in rows {
            let subject_title =
                match Subject::parse(&format!("{}:{}", row.subject_kind, row.subject_id)) {
                    Some(subject) => match self::subject(db, landlord, subject, None).await {
                        Ok(place) => place.title,
                        Err(_) => "A draft report".to_string(),
                    },
                    None => String::new(),
                };
            let mut excerpt: String = row.body.chars().take(200).collect();
            if row.body.chars().count() > 200 {
                excerpt.push('\u{2026}');
            }
            lines.push(ModerationLine {
                id: row.id,
                author: row
                    .author
                    .unwrap_or_else(|| "Someone whose account has gone".into()),
                excerpt,
                subject_title,
                reports: row.reports,
                when: crate::time::format_moment(row.at),
            });
        }
        Ok::<_, AppError>(lines)
    };
    let reported = lines(reported).await?;
    let hidden = lines(hidden).await?;
    Ok(ModerationQueue {
        landlord: LandlordRef {
            slug: landlord.slug.clone(),
            name: landlord.name.clone(),
        },
        reported,
        reported_paging,
        hidden,
        hidden_paging,
    })
}
