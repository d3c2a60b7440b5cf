//! Comments on proposals (and the topics they become), recommendations and
//! commitments. Signed-in people comment and reply (one level), write simple
//! Markdown, and may edit for 15 minutes; landlord staff can mark a comment
//! as the landlord's official response. Anyone signed in can report a
//! comment; panel chairs and landlord administrators hide comments with a
//! reason (a placeholder stays), restore them, or keep them visible.
mod pages;
#[cfg(feature = "ssr")]
pub mod queries;

pub use pages::{comment_thread, CommentPage, CommentThread, ReportedCommentsPage, ThreadHandle};

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError, performance::LandlordRef, site::paging::Paging, validation::required_text,
};

/// Minutes an author may edit a comment after posting it.
pub const EDIT_MINUTES: i64 = 15;
pub const MAX_COMMENT_CHARS: usize = 5000;

/// What a moderator chose for a reported or hidden comment, as the form's
/// buttons send it; anything else is refused when the request is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModerationChoice {
    Hide,
    Restore,
    Keep,
}

/// What a comment is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubjectKind {
    Proposal,
    Recommendation,
    Commitment,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Proposal => "proposal",
            SubjectKind::Recommendation => "recommendation",
            SubjectKind::Commitment => "commitment",
        }
    }
}

/// A subject as forms carry it: "proposal:12".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: i64,
}

impl Subject {
    pub fn new(kind: SubjectKind, id: i64) -> Subject {
        Subject { kind, id }
    }

    pub fn parse(text: &str) -> Option<Subject> {
        let (kind, id) = text.split_once(':')?;
        let kind = [
            SubjectKind::Proposal,
            SubjectKind::Recommendation,
            SubjectKind::Commitment,
        ]
        .into_iter()
        .find(|k| k.as_str() == kind)?;
        Some(Subject {
            kind,
            id: id.parse().ok()?,
        })
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.id)
    }
}

/// One comment as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    pub id: i64,
    pub author: String,
    /// The author's role at this landlord, such as "Panel member".
    pub author_role: Option<String>,
    pub official: bool,
    pub posted: String,
    pub edited: bool,
    /// The placeholder that replaces a hidden comment.
    pub hidden_note: Option<String>,
    /// The comment as sanitised HTML; None when hidden.
    pub html: Option<String>,
    pub replies: Vec<CommentView>,
    pub is_reply: bool,
    pub can_reply: bool,
    pub can_edit: bool,
    pub can_report: bool,
    pub can_moderate: bool,
    /// For an official response: its earlier wording after each change.
    pub changes: Vec<crate::site::history::Change>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    pub landlord: LandlordRef,
    pub subject: String,
    /// One page of the comments, each with its replies.
    pub comments: Vec<CommentView>,
    pub paging: Paging,
    /// Comments and replies in all.
    pub count: i64,
    pub can_comment: bool,
    pub can_post_official: bool,
    pub signed_in: bool,
    /// A fresh key for the form, so posting it twice makes one comment.
    pub submission_key: String,
    /// Every visible official answer here, on any page, oldest first.
    pub official_answers: Vec<OfficialAnswer>,
}

/// An official answer as the thread lists it: where it is, whose comment
/// it answers (None when it stands on its own), and how it begins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficialAnswer {
    pub id: i64,
    pub posted: String,
    pub answers: Option<String>,
    pub beginning: String,
}

/// Checks a comment's text: not empty, not too long.
pub fn check_body(field: &str, body: &str) -> Result<String, AppError> {
    required_text(field, body, "your comment", MAX_COMMENT_CHARS)
}

/// The comments on `subject`; `page` as in `?comments_page=2`.
#[server]
pub async fn load_thread(
    slug: String,
    subject: String,
    page: Option<String>,
) -> Result<Thread, AppError> {
    use crate::permissions::{allows, Action};
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    let subject = Subject::parse(&subject).ok_or(AppError::NotFound)?;
    queries::subject(&state.db, &landlord, subject, user.as_ref()).await?;
    let (comments, paging, count) = queries::thread(
        &state.db,
        &landlord,
        subject,
        user.as_ref(),
        page.as_deref(),
    )
    .await?;
    Ok(Thread {
        subject: subject.to_string(),
        comments,
        paging,
        count,
        can_comment: allows(user.as_ref(), Action::Comment, landlord.id),
        can_post_official: allows(user.as_ref(), Action::PostOfficialResponse, landlord.id),
        signed_in: user.is_some(),
        submission_key: crate::accounts::tokens::new_token(),
        official_answers: queries::official_answers(&state.db, &landlord, subject).await?,
        landlord: LandlordRef {
            slug: landlord.slug,
            name: landlord.name,
        },
    })
}

/// Posts a comment, or a reply when `parent_id` is given. Posting the same
/// form twice makes one comment.
#[server]
pub async fn post_comment(
    slug: String,
    subject: String,
    parent_id: Option<i64>,
    submission_key: String,
    body: String,
    official: Option<String>,
) -> Result<(), AppError> {
    use crate::permissions::{require, Action};
    let crate::permissions::Authorised {
        state,
        landlord,
        person,
        ..
    } = crate::permissions::authorise(&slug, Action::Comment).await?;
    let official = official.as_deref() == Some("yes");
    if official {
        require(Some(&person), Action::PostOfficialResponse, landlord.id)?;
    }
    let body = check_body("body", &body)?;
    if !crate::accounts::tokens::looks_like_token(&submission_key) {
        return Err(AppError::invalid(
            "body",
            "This form is out of date. Please copy your comment, reload the page and try again.",
        ));
    }
    let subject = Subject::parse(&subject).ok_or(AppError::NotFound)?;
    let place = queries::subject(&state.db, &landlord, subject, Some(&person)).await?;
    crate::rate_limit::hit(
        &state.db,
        &format!("comment:{}", person.id),
        crate::rate_limit::COMMENTS_PER_PERSON,
    )
    .await?;
    let id = queries::post(
        &state.db,
        &landlord,
        subject,
        parent_id,
        person.id,
        &submission_key,
        &body,
        official,
    )
    .await?;
    let what = match (official, parent_id.is_some()) {
        (true, _) => "Your official answer is posted.",
        (false, true) => "Your reply is posted.",
        (false, false) => "Your comment is posted.",
    };
    crate::site::confirm(crate::site::Confirmation::new(what).with_link(
        format!("{}#comment-{id}", place.link),
        "See it in the comments",
    ));
    leptos_axum::redirect(&place.link);
    Ok(())
}

/// Everything the page for one comment shows: the comment, where it was
/// posted, and what the reader may do with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentDetail {
    pub landlord: LandlordRef,
    pub comment: CommentView,
    pub subject: String,
    pub subject_title: String,
    pub subject_link: String,
    /// The Markdown as typed, for the edit form.
    pub source: Option<String>,
    /// For the author and moderators: what a hidden comment says.
    pub hidden_html: Option<String>,
    pub edit_until: Option<String>,
    /// For moderators: (when, reason) of each report since it was last kept.
    pub reports: Vec<(String, String)>,
    /// For moderators: earlier versions, oldest first, with when replaced.
    pub earlier_versions: Vec<(String, String)>,
    pub hidden: bool,
    pub reported_by_me: bool,
    pub submission_key: String,
    /// Landlord staff may post their reply as the landlord's official answer.
    pub can_answer_officially: bool,
}

#[server]
pub async fn load_comment(slug: String, id: i64) -> Result<CommentDetail, AppError> {
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    queries::detail(&state.db, &landlord, id, user.as_ref()).await
}

/// The author changes a comment within `EDIT_MINUTES` of posting it.
#[server]
pub async fn edit_comment(
    slug: String,
    id: i64,
    body: String,
    change_reason: Option<String>,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        person,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::Comment).await?;
    let body = check_body("body", &body)?;
    let link = queries::edit(
        &state.db,
        &landlord,
        id,
        person.id,
        &body,
        change_reason.as_deref().unwrap_or_default(),
    )
    .await?;
    // The page opens at its top, where the confirmation is, with a way down.
    let page = link.split('#').next().unwrap_or(&link).to_string();
    crate::site::confirm(
        crate::site::Confirmation::new(
            "Your change is saved. Readers will see that it was changed.",
        )
        .with_link(link, "See it in the comments"),
    );
    leptos_axum::redirect(&page);
    Ok(())
}

/// Tells the moderators a comment breaks the rules. Reporting twice counts once.
#[server]
pub async fn report_comment(slug: String, id: i64, reason: String) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        person,
        actor,
    } = crate::permissions::authorise(&slug, crate::permissions::Action::ReportComment).await?;
    let reason = required_text("reason", &reason, "what is wrong with it", 1000)?;
    crate::rate_limit::hit(
        &state.db,
        &format!("report:person:{}", person.id),
        crate::rate_limit::REPORTS_PER_PERSON,
    )
    .await?;
    queries::report(
        &state.db,
        &state.base_url,
        &landlord,
        id,
        &person,
        &reason,
        &actor.source,
    )
    .await?;
    crate::site::confirm("Thank you: the moderators are told, and will look at it.");
    leptos_axum::redirect(&format!("/landlords/{slug}/comments/{id}"));
    Ok(())
}

/// A moderator's decision: "hide" (with a reason the author is sent),
/// "restore" a hidden comment, or "keep" a reported comment visible.
#[server]
pub async fn moderate_comment(
    slug: String,
    id: i64,
    decision: ModerationChoice,
    reason: Option<String>,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::ModerateComments).await?;
    let decision = match decision {
        ModerationChoice::Hide => queries::Moderation::Hide(required_text(
            "reason",
            reason.as_deref().unwrap_or_default(),
            "the reason, which the author and readers will see",
            500,
        )?),
        ModerationChoice::Restore => queries::Moderation::Restore,
        ModerationChoice::Keep => queries::Moderation::Keep,
    };
    let done = match decision {
        queries::Moderation::Hide(_) => "The comment is hidden, and its author is told why.",
        queries::Moderation::Restore => "The comment is shown again.",
        queries::Moderation::Keep => "The comment stays up, and its reports are cleared.",
    };
    queries::moderate(&state.db, &state.base_url, &landlord, id, &actor, decision).await?;
    crate::site::confirm(done);
    leptos_axum::redirect(&format!("/landlords/{slug}/comments/{id}"));
    Ok(())
}

/// A comment waiting for a moderator, or one that is hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModerationLine {
    pub id: i64,
    pub author: String,
    pub excerpt: String,
    pub subject_title: String,
    pub reports: i64,
    pub when: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModerationQueue {
    pub landlord: LandlordRef,
    pub reported: Vec<ModerationLine>,
    pub reported_paging: Paging,
    pub hidden: Vec<ModerationLine>,
    pub hidden_paging: Paging,
}

/// The moderators' lists; `page` and `hidden_page` as in `?page=2`.
#[server]
pub async fn load_reported(
    slug: String,
    page: Option<String>,
    hidden_page: Option<String>,
) -> Result<ModerationQueue, AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::ModerateComments).await?;
    queries::queue(
        &state.db,
        &landlord,
        page.as_deref(),
        hidden_page.as_deref(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_read_back_what_they_write() {
        let subject = Subject::new(SubjectKind::Recommendation, 42);
        assert_eq!(subject.to_string(), "recommendation:42");
        assert_eq!(Subject::parse("recommendation:42"), Some(subject));
        assert_eq!(Subject::parse("review:42"), None);
        assert_eq!(Subject::parse("proposal:x"), None);
        assert_eq!(Subject::parse("proposal"), None);
    }

    #[test]
    fn comments_must_say_something_and_not_too_much() {
        assert!(check_body("body", "  ").is_err());
        assert!(check_body("body", &"a".repeat(MAX_COMMENT_CHARS + 1)).is_err());
        assert_eq!(check_body("body", " Fine. ").unwrap(), "Fine.");
    }
}
