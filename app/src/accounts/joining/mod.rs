//! Asking to join a landlord as a resident, and its staff deciding.
//!
//! Until a request is approved the person can read and comment, but cannot
//! propose topics or vote. A decline carries a reason the person sees.
mod pages;
#[cfg(feature = "ssr")]
pub mod queries;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use pages::JoinPage;

use crate::{error::AppError, identity::Role};

/// Where the signed-in person stands with one landlord.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JoinStatus {
    SignedOut,
    Member(Role),
    Pending {
        tenancy_reference: String,
    },
    /// The last request was declined; the person may ask again.
    Declined {
        reason: String,
    },
    CanAsk,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinPageData {
    pub landlord_name: String,
    pub slug: String,
    pub status: JoinStatus,
}

/// Checks a tenancy reference as typed: letters, digits, spaces, / and -.
pub fn check_tenancy_reference(text: &str) -> Result<String, AppError> {
    let reference = text.trim();
    if reference.is_empty() {
        return Err(AppError::invalid(
            "tenancy_reference",
            "Enter your tenancy reference. It is on your tenancy agreement and rent statements.",
        ));
    }
    if reference.chars().count() > 40
        || !reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '/' | '-'))
    {
        return Err(AppError::invalid(
            "tenancy_reference",
            "A tenancy reference has up to 40 letters, numbers, spaces, / or -",
        ));
    }
    Ok(reference.to_string())
}

#[server]
pub async fn join_page(slug: String) -> Result<JoinPageData, AppError> {
    let state = crate::state::app_state()?;
    let (organisation_id, landlord_name) =
        crate::landlords::queries::identify(&state.db, &slug).await?;
    let status = match crate::identity::session::current_user().await? {
        None => JoinStatus::SignedOut,
        Some(user) => queries::status(&state.db, user.id, organisation_id).await?,
    };
    Ok(JoinPageData {
        landlord_name,
        slug,
        status,
    })
}

#[server]
pub async fn request_to_join(slug: String, tenancy_reference: String) -> Result<(), AppError> {
    use crate::permissions::{authorise, Action, Authorised};
    let Authorised {
        state,
        person: user,
        actor,
        ..
    } = authorise(&slug, Action::RequestToJoin).await?;
    let reference = check_tenancy_reference(&tenancy_reference)?;
    crate::rate_limit::hit(
        &state.db,
        &format!("join:person:{}", user.id),
        crate::rate_limit::JOIN_REQUESTS_PER_PERSON,
    )
    .await?;
    queries::create_request(&state.db, &actor, &reference).await?;
    crate::site::confirm(
        "Your request to join is sent. Staff will check your tenancy reference, and we will email you their answer.",
    );
    leptos_axum::redirect(&format!("/landlords/{slug}/join"));
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequestView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub tenancy_reference: String,
    pub asked_on: String,
}

/// Whether staff approve or decline a request to join, as the form's
/// buttons send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinDecision {
    Approve,
    Decline,
}

/// Approves or declines a request; a decline needs a reason, which the
/// person is sent.
#[server]
pub async fn decide_join_request(
    slug: String,
    request_id: i64,
    decision: JoinDecision,
    reason: Option<String>,
) -> Result<(), AppError> {
    use crate::permissions::{authorise, Action, Authorised};
    let Authorised { state, actor, .. } = authorise(&slug, Action::ReviewJoinRequests).await?;
    let decision = match decision {
        JoinDecision::Approve => queries::Decision::Approve,
        JoinDecision::Decline => {
            let reason = reason.unwrap_or_default();
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(AppError::invalid(
                    "reason",
                    "Say why you are declining: the person will be told",
                ));
            }
            if reason.chars().count() > 1000 {
                return Err(AppError::invalid(
                    "reason",
                    "The reason must be 1,000 characters or fewer",
                ));
            }
            queries::Decision::Decline(reason.to_string())
        }
    };
    let done = match &decision {
        queries::Decision::Approve => {
            "The request is approved: they are now a resident here, and we have emailed them."
        }
        queries::Decision::Decline(_) => {
            "The request is declined, and we have emailed them your reason."
        }
    };
    queries::decide(&state, &actor, request_id, decision).await?;
    crate::site::confirm(done);
    leptos_axum::redirect(&format!("/landlords/{slug}/people"));
    Ok(())
}
