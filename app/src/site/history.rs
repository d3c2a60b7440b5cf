//! The public record's memory: a published answer that changes keeps its
//! earlier wording and the reason for the change, shown wherever the answer
//! is ("Changed on 3 March 2027"). One shape and one view for every kind of
//! answer: recommendations, official responses and verdicts.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One change to a published answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub on: String,
    pub by: String,
    /// What the answer said before, as (label, text) pairs.
    pub earlier: Vec<(String, String)>,
    pub reason: String,
    /// A due date that moved: from, to ("no date" when there was none).
    pub due_moved: Option<(String, String)>,
}

/// The form field that carries the reason for changing a published answer.
pub const REASON_FIELD: &str = "change_reason";

/// Checks the reason given for changing a published answer: it is required.
pub fn required_reason(text: &str) -> Result<String, AppError> {
    if text.trim().is_empty() {
        return Err(AppError::invalid(
            REASON_FIELD,
            "Say why you are changing this answer. It has been published, so the earlier wording stays on the record with your reason.",
        ));
    }
    crate::validation::optional_text(REASON_FIELD, text, "the reason for the change", 2000)
}

/// Earlier versions of an answer, oldest first; nothing when it never changed.
#[component]
pub fn ChangeHistory(changes: Vec<Change>) -> impl IntoView {
    (!changes.is_empty()).then(|| {
        view! {
            <ul class="changes">
                {changes.into_iter().map(|c| view! {
                    <li>
                        <p><strong>{format!("Changed on {}", c.on)}</strong>{format!(" by {}", c.by)}</p>
                        <p>{format!("Reason: {}", c.reason)}</p>
                        {c.due_moved.map(|(from, to)| view! {
                            <p>{format!("Due date moved from {from} to {to}")}</p>
                        })}
                        <p class="hint">"Before the change:"</p>
                        <dl class="facts earlier">
                            {c.earlier.into_iter().map(|(label, text)| view! {
                                <dt>{label}</dt><dd>{text}</dd>
                            }).collect_view()}
                        </dl>
                    </li>
                }).collect_view()}
            </ul>
        }
    })
}

#[cfg(feature = "ssr")]
pub mod store {
    use super::Change;
    use crate::{
        state::Db,
        time::{format_date, Timestamp},
    };

    /// What kind of answer changed.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Kind {
        Recommendation,
        Comment,
        Assessment,
    }

    impl Kind {
        fn as_str(self) -> &'static str {
            match self {
                Kind::Recommendation => "recommendation",
                Kind::Comment => "comment",
                Kind::Assessment => "assessment",
            }
        }
    }

    /// A change about to be recorded, in the writing transaction.
    pub struct NewChange<'a> {
        pub organisation_id: i64,
        pub kind: Kind,
        pub subject_id: i64,
        pub part: &'a str,
        pub earlier: Vec<(&'a str, String)>,
        pub reason: &'a str,
        /// The due date before and after, when it moved.
        pub due: Option<(Option<i64>, Option<i64>)>,
        pub by: i64,
        pub at: i64,
    }

    pub async fn record(
        conn: &mut sqlx::AnyConnection,
        change: NewChange<'_>,
    ) -> Result<(), sqlx::Error> {
        let earlier: Vec<(&str, &str)> = change
            .earlier
            .iter()
            .map(|(label, text)| (*label, text.as_str()))
            .collect();
        let earlier = serde_json::to_string(&earlier).unwrap_or_default();
        let (due_from, due_to) = change.due.unwrap_or((None, None));
        sqlx::query(
            "INSERT INTO answer_changes (organisation_id, subject_kind, subject_id, part, earlier, reason, \
             due_from, due_to, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(change.organisation_id)
        .bind(change.kind.as_str())
        .bind(change.subject_id)
        .bind(change.part)
        .bind(earlier)
        .bind(change.reason)
        .bind(due_from)
        .bind(due_to)
        .bind(change.by)
        .bind(change.at)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// A recorded change with what it belongs to: (subject id, part, change).
    pub type Owned = (i64, String, Change);

    /// The changes to the answers `subject_ids` of one kind, oldest first.
    pub async fn load(
        db: &Db,
        organisation_id: i64,
        kind: Kind,
        subject_ids: &[i64],
    ) -> Result<Vec<Owned>, sqlx::Error> {
        if subject_ids.is_empty() {
            return Ok(Vec::new());
        }
        let places: Vec<String> = (0..subject_ids.len())
            .map(|i| format!("${}", i + 3))
            .collect();
        let sql = format!(
            "SELECT c.subject_id, c.part, c.earlier, c.reason, c.due_from, c.due_to, u.display_name, c.changed_at \
             FROM answer_changes c LEFT JOIN users u ON u.id = c.changed_by \
             WHERE c.organisation_id = $1 AND c.subject_kind = $2 AND c.subject_id IN ({}) \
             ORDER BY c.changed_at, c.id",
            places.join(", ")
        );
        let mut query = sqlx::query_as::<
            _,
            (
                i64,
                String,
                String,
                String,
                Option<i64>,
                Option<i64>,
                Option<String>,
                i64,
            ),
        >(&sql)
        .bind(organisation_id)
        .bind(kind.as_str());
        for id in subject_ids {
            query = query.bind(*id);
        }
        let rows = query.fetch_all(db.pool()).await?;
        let day = |at: Option<i64>| at.map(format_date).unwrap_or_else(|| "no date".into());
        Ok(rows
            .into_iter()
            .map(
                |(subject, part, earlier, reason, due_from, due_to, by, at)| {
                    let moved = (due_from != due_to).then(|| (day(due_from), day(due_to)));
                    (
                        subject,
                        part,
                        Change {
                            on: format_date(Timestamp(at)),
                            by: by.unwrap_or_else(|| "Someone whose account has gone".into()),
                            earlier: serde_json::from_str(&earlier).unwrap_or_default(),
                            reason,
                            due_moved: moved,
                        },
                    )
                },
            )
            .collect())
    }
}
