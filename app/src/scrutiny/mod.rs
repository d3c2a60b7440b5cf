//! Scrutiny topics: residents propose them, the panel screens them, residents
//! vote in rounds, and the panel chair records which topics the panel takes
//! on. One resident, one vote per topic is enforced by the database. The
//! panel's review of a chosen topic is the `reviews` sub-slice.
mod pages;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod reminders;
pub mod reviews;

pub use pages::{NewRoundPage, ProposalPage, ProposePage, RoundPage, ScrutinyPage};

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, performance::LandlordRef, validation::required_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    Submitted,
    PutForward,
    Merged,
    Declined,
    InVote,
    Chosen,
    NotChosen,
}

impl ProposalStatus {
    pub const ALL: [ProposalStatus; 7] = [
        ProposalStatus::Submitted,
        ProposalStatus::PutForward,
        ProposalStatus::Merged,
        ProposalStatus::Declined,
        ProposalStatus::InVote,
        ProposalStatus::Chosen,
        ProposalStatus::NotChosen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Submitted => "submitted",
            ProposalStatus::PutForward => "put_forward",
            ProposalStatus::Merged => "merged",
            ProposalStatus::Declined => "declined",
            ProposalStatus::InVote => "in_vote",
            ProposalStatus::Chosen => "chosen",
            ProposalStatus::NotChosen => "not_chosen",
        }
    }

    pub fn parse(text: &str) -> Option<ProposalStatus> {
        ProposalStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            ProposalStatus::Submitted => "Waiting for the panel",
            ProposalStatus::PutForward => "Put forward for the next vote",
            ProposalStatus::Merged => "Merged with a similar proposal",
            ProposalStatus::Declined => "Not taken forward",
            ProposalStatus::InVote => "In a vote",
            ProposalStatus::Chosen => "Chosen for scrutiny",
            ProposalStatus::NotChosen => "Not chosen this time",
        }
    }

    /// Whether the panel may still screen it.
    pub fn can_be_screened(self) -> bool {
        matches!(self, ProposalStatus::Submitted | ProposalStatus::PutForward)
    }
}

/// Where a voting round stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoundState {
    Upcoming,
    Open,
    Closed,
}

impl RoundState {
    /// Open from `opens_at` (included) until `closes_at` (excluded).
    pub fn at(now: i64, opens_at: i64, closes_at: i64) -> RoundState {
        if now < opens_at {
            RoundState::Upcoming
        } else if now < closes_at {
            RoundState::Open
        } else {
            RoundState::Closed
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RoundState::Upcoming => "Not open yet",
            RoundState::Open => "Open for voting",
            RoundState::Closed => "Closed",
        }
    }
}

/// A topic's place in the results: equal counts share a rank and are
/// shown as a tie. Returns (rank, tied) for each count, in the same order.
pub fn ranks(counts: &[i64]) -> Vec<(usize, bool)> {
    counts
        .iter()
        .map(|&count| {
            let rank = 1 + counts.iter().filter(|&&other| other > count).count();
            let tied = counts.iter().filter(|&&other| other == count).count() > 1;
            (rank, tied)
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalSummary {
    pub id: i64,
    pub title: String,
    pub status: ProposalStatus,
    pub supporters: i64,
    pub proposed_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundSummary {
    pub id: i64,
    pub title: String,
    pub state: RoundState,
    pub when: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScrutinyOverview {
    pub landlord: LandlordRef,
    pub rounds: Vec<RoundSummary>,
    /// One page of the proposals, newest first.
    pub proposals: Vec<ProposalSummary>,
    pub proposals_paging: crate::site::paging::Paging,
    pub can_propose: bool,
    pub can_run_rounds: bool,
    pub can_moderate: bool,
    /// For people who may vote: whether they get vote emails.
    pub vote_emails: Option<bool>,
    pub signed_in: bool,
    /// Signed in but with no role at this landlord: may ask to join.
    pub may_ask_to_join: bool,
}

/// The scrutiny page; `page` is the page of proposals, as in `?page=2`.
#[server]
pub async fn load_scrutiny(
    slug: String,
    page: Option<String>,
) -> Result<ScrutinyOverview, AppError> {
    use crate::permissions::{allows, Action};
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    let (proposals, proposals_paging) =
        queries::proposals(&state.db, landlord.id, page.as_deref()).await?;
    Ok(ScrutinyOverview {
        rounds: queries::rounds(&state.db, landlord.id).await?,
        proposals,
        proposals_paging,
        can_propose: allows(user.as_ref(), Action::Propose, landlord.id),
        can_run_rounds: allows(user.as_ref(), Action::RunVotingRounds, landlord.id),
        can_moderate: allows(user.as_ref(), Action::ModerateComments, landlord.id),
        vote_emails: match &user {
            Some(user) if allows(Some(user), Action::Vote, landlord.id) => {
                Some(reminders::vote_emails(&state.db, landlord.id, user.id).await?)
            }
            _ => None,
        },
        signed_in: user.is_some(),
        may_ask_to_join: allows(user.as_ref(), Action::RequestToJoin, landlord.id),
        landlord: LandlordRef {
            slug: landlord.slug,
            name: landlord.name,
        },
    })
}

/// Turns on or off the emails when a vote opens and the day before it closes.
#[server]
pub async fn set_vote_emails(slug: String, wanted: Option<String>) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        person,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::Vote).await?;
    reminders::set_vote_emails(
        &state.db,
        landlord.id,
        person.id,
        wanted.as_deref() == Some("yes"),
    )
    .await?;
    crate::site::confirm(if wanted.as_deref() == Some("yes") {
        "We will email you when a vote opens and the day before it closes."
    } else {
        "We will not email you about votes."
    });
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny"));
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposeData {
    pub landlord: LandlordRef,
    /// A fresh key for this form, so posting it twice makes one proposal.
    pub submission_key: String,
    /// ("", "Nothing in particular"), ("measure:TP01", "TP01 …"), ("commitment:3", "…").
    pub concerns: Vec<(String, String)>,
}

#[server]
pub async fn load_propose(slug: String) -> Result<ProposeData, AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::Propose).await?;
    let concerns = queries::concerns(&state.db, landlord.id).await?;
    Ok(ProposeData {
        landlord: LandlordRef {
            slug: landlord.slug,
            name: landlord.name,
        },
        submission_key: crate::accounts::tokens::new_token(),
        concerns,
    })
}

/// What a proposal says, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalText {
    pub title: String,
    pub problem: String,
    pub why_it_matters: String,
}

pub fn check_proposal(title: &str, problem: &str, why: &str) -> Result<ProposalText, AppError> {
    Ok(ProposalText {
        title: required_text("title", title, "a short title", 150)?,
        problem: required_text("problem", problem, "what the problem is", 4000)?,
        why_it_matters: required_text("why_it_matters", why, "why it matters", 4000)?,
    })
}

#[server]
pub async fn propose(
    slug: String,
    submission_key: String,
    title: String,
    problem: String,
    why_it_matters: String,
    concerns: String,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        person,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::Propose).await?;
    let text = check_proposal(&title, &problem, &why_it_matters)?;
    if !crate::accounts::tokens::looks_like_token(&submission_key) {
        return Err(AppError::invalid(
            "title",
            "This form is out of date. Please reload the page and try again.",
        ));
    }
    crate::rate_limit::hit(
        &state.db,
        &format!("propose:person:{}", person.id),
        crate::rate_limit::PROPOSALS_PER_PERSON,
    )
    .await?;
    let id = queries::propose(&state.db, &actor, &submission_key, &text, &concerns).await?;
    crate::site::confirm(format!(
        "Your proposal “{}” is sent. Other residents can now support it, and the tenant panel will look at it.",
        text.title
    ));
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny/proposals/{id}"));
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalDetail {
    pub landlord: LandlordRef,
    pub id: i64,
    pub title: String,
    pub problem: String,
    pub why_it_matters: String,
    /// The measure or commitment it concerns: (label, link).
    pub concerns: Option<(String, String)>,
    pub status: ProposalStatus,
    pub decline_reason: Option<String>,
    pub merged_into: Option<(i64, String)>,
    pub supporters: i64,
    pub proposed_by: String,
    pub proposed_on: String,
    pub can_support: bool,
    pub supports: bool,
    pub can_screen: bool,
    /// Other proposals this one could be merged into.
    pub merge_targets: Vec<(i64, String)>,
    /// The review it became, once started.
    pub review: Option<i64>,
    pub can_start_review: bool,
}

#[server]
pub async fn load_proposal(slug: String, id: i64) -> Result<ProposalDetail, AppError> {
    use crate::permissions::{allows, Action};
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    let mut detail =
        queries::proposal(&state.db, &landlord, id, user.as_ref().map(|u| u.id)).await?;
    detail.can_support =
        allows(user.as_ref(), Action::Propose, landlord.id) && detail.status.can_be_screened();
    detail.can_screen = allows(user.as_ref(), Action::ScreenProposals, landlord.id)
        && detail.status.can_be_screened();
    if !detail.can_screen {
        detail.merge_targets.clear();
    }
    detail.can_start_review = detail.status == ProposalStatus::Chosen
        && detail.review.is_none()
        && allows(user.as_ref(), Action::WorkOnReviews, landlord.id);
    Ok(detail)
}

/// Adds or removes the person's support for a proposal.
#[server]
pub async fn support_proposal(slug: String, id: i64, support: bool) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        person,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::Propose).await?;
    queries::support(&state.db, landlord.id, id, person.id, support).await?;
    let title = queries::proposal_title(&state.db, landlord.id, id).await?;
    crate::site::confirm(if support {
        format!("You support “{title}”. Thank you.")
    } else {
        format!("You no longer support “{title}”.")
    });
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny/proposals/{id}"));
    Ok(())
}

/// The panel's screening decision: "put_forward", "merge" (into
/// `merge_into`) or "decline" (with a reason the proposer is sent).
#[server]
pub async fn screen_proposal(
    slug: String,
    id: i64,
    decision: String,
    merge_into: Option<i64>,
    reason: Option<String>,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::ScreenProposals).await?;
    let decision = match decision.as_str() {
        "put_forward" => queries::Screening::PutForward,
        "merge" => queries::Screening::Merge(merge_into.ok_or_else(|| {
            AppError::invalid("merge_into", "Choose the proposal to merge it with")
        })?),
        "decline" => queries::Screening::Decline(required_text(
            "reason",
            reason.as_deref().unwrap_or_default(),
            "the reason, which the proposer will see",
            1000,
        )?),
        _ => {
            return Err(AppError::invalid(
                "decision",
                "Choose what to do with the proposal",
            ))
        }
    };
    let done = match &decision {
        queries::Screening::PutForward => {
            "is put forward: residents can vote for it in the next vote."
        }
        queries::Screening::Merge(_) => {
            "is merged into the other proposal, and its supporters now support that one."
        }
        queries::Screening::Decline(_) => "is declined. The person who proposed it is told why.",
    };
    queries::screen(&state.db, &state.base_url, &landlord, id, &actor, decision).await?;
    let title = queries::proposal_title(&state.db, landlord.id, id).await?;
    crate::site::confirm(format!("“{title}” {done}"));
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny/proposals/{id}"));
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRoundData {
    pub landlord: LandlordRef,
    pub put_forward: Vec<(i64, String)>,
    /// Suggested dates, as "2026-12-01".
    pub suggested_open: String,
    pub suggested_close: String,
    pub suggested_votes: i64,
}

/// Votes each resident is offered by default: fewer than the topics, so a
/// vote is a choice (with 2 topics, 1 vote), and at most 3.
pub fn suggested_votes(topics: usize) -> i64 {
    i64::try_from(topics)
        .unwrap_or(i64::MAX)
        .saturating_sub(1)
        .clamp(1, 3)
}

#[server]
pub async fn load_new_round(slug: String) -> Result<NewRoundData, AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::RunVotingRounds).await?;
    let put_forward = queries::put_forward(&state.db, landlord.id).await?;
    let (suggested_open, suggested_close) = queries::suggested_dates();
    Ok(NewRoundData {
        landlord: LandlordRef {
            slug: landlord.slug,
            name: landlord.name,
        },
        suggested_votes: suggested_votes(put_forward.len()),
        put_forward,
        suggested_open,
        suggested_close,
    })
}

/// Opens a round on every proposal put forward. Dates are UK days: the
/// round opens at the start of `opens_on` and closes at the end of `closes_on`.
#[server]
pub async fn open_round(
    slug: String,
    title: String,
    opens_on: String,
    closes_on: String,
    votes_per_resident: String,
    show_running_totals: Option<String>,
) -> Result<(), AppError> {
    let crate::permissions::Authorised { state, actor, .. } =
        crate::permissions::authorise(&slug, crate::permissions::Action::RunVotingRounds).await?;
    let title = required_text("title", &title, "a name for the round", 150)?;
    let window = queries::window(&opens_on, &closes_on)?;
    let votes: i64 = votes_per_resident
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=20).contains(n))
        .ok_or_else(|| {
            AppError::invalid("votes_per_resident", "Enter a whole number from 1 to 20")
        })?;
    let id = queries::open_round(
        &state.db,
        &actor,
        &title,
        window,
        votes,
        show_running_totals.as_deref() == Some("yes"),
    )
    .await?;
    crate::site::confirm(format!(
        "The vote “{title}” is set up. It runs {}.",
        queries::window_text(window.0, window.1).replacen("From", "from", 1)
    ));
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny/rounds/{id}"));
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicLine {
    pub proposal_id: i64,
    pub title: String,
    /// None while totals are hidden.
    pub votes: Option<i64>,
    pub rank: Option<usize>,
    pub tied: bool,
    pub mine: bool,
    pub chosen: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundDetail {
    pub landlord: LandlordRef,
    pub id: i64,
    pub title: String,
    pub state: RoundState,
    pub when: String,
    pub votes_per_resident: i64,
    pub show_running_totals: bool,
    pub topics: Vec<TopicLine>,
    /// How many votes the person has used, when they may vote.
    pub votes_used: Option<i64>,
    pub can_vote: bool,
    pub can_decide: bool,
    pub decided: bool,
    pub voters: i64,
}

#[server]
pub async fn load_round(slug: String, id: i64) -> Result<RoundDetail, AppError> {
    use crate::permissions::{allows, Action};
    let state = crate::state::app_state()?;
    let landlord = crate::landlords::queries::record(&state.db, &slug).await?;
    let user = crate::identity::session::current_user().await?;
    let may_vote = allows(user.as_ref(), Action::Vote, landlord.id);
    let may_decide = allows(user.as_ref(), Action::RunVotingRounds, landlord.id);
    queries::round(
        &state.db,
        &landlord,
        id,
        user.as_ref().filter(|_| may_vote).map(|u| u.id),
        may_decide,
    )
    .await
}

/// Adds the person's vote for a topic, or takes it back (`vote` false).
/// Voting twice for the same topic counts once.
#[server]
pub async fn cast_vote(
    slug: String,
    round_id: i64,
    proposal_id: i64,
    vote: bool,
) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        person,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::Vote).await?;
    let now = crate::time::Timestamp::now().millis();
    if vote {
        queries::vote(
            &state.db,
            landlord.id,
            round_id,
            proposal_id,
            person.id,
            now,
        )
        .await?;
    } else {
        queries::withdraw(
            &state.db,
            landlord.id,
            round_id,
            proposal_id,
            person.id,
            now,
        )
        .await?;
    }
    let topic = queries::proposal_title(&state.db, landlord.id, proposal_id).await?;
    let left = queries::votes_left(&state.db, landlord.id, round_id, person.id).await?;
    let left = match left {
        0 => "You have no votes left.".to_string(),
        1 => "You have 1 vote left.".to_string(),
        n => format!("You have {n} votes left."),
    };
    crate::site::confirm(if vote {
        format!("You voted for “{topic}”. {left}")
    } else {
        format!("You took back your vote for “{topic}”. {left}")
    });
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny/rounds/{round_id}"));
    Ok(())
}

/// After the round closes, the chair records a topic the panel takes on;
/// `finish` marks the rest "not chosen this time".
#[server]
pub async fn decide_round(
    slug: String,
    round_id: i64,
    proposal_id: Option<i64>,
    finish: Option<String>,
) -> Result<(), AppError> {
    let crate::permissions::Authorised { state, actor, .. } =
        crate::permissions::authorise(&slug, crate::permissions::Action::RunVotingRounds).await?;
    queries::decide(&state.db, &actor, round_id, proposal_id, finish.is_some()).await?;
    match (finish.is_some(), proposal_id) {
        (true, _) => crate::site::confirm(
            "The panel's choice is recorded. The other topics are marked “not chosen this time”.",
        ),
        (false, Some(topic)) => {
            let topic = queries::proposal_title(&state.db, actor.organisation_id, topic).await?;
            crate::site::confirm(format!(
                "“{topic}” is recorded as a topic the panel takes on."
            ));
        }
        (false, None) => {}
    }
    leptos_axum::redirect(&format!("/landlords/{slug}/scrutiny/rounds/{round_id}"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residents_are_offered_fewer_votes_than_topics() {
        assert_eq!([0, 1, 2, 3, 4, 9].map(suggested_votes), [1, 1, 1, 2, 3, 3]);
    }

    #[test]
    fn equal_counts_share_a_rank_and_show_as_a_tie() {
        assert_eq!(
            ranks(&[10, 7, 10, 3, 7, 1]),
            [
                (1, true),
                (3, true),
                (1, true),
                (5, false),
                (3, true),
                (6, false)
            ]
        );
        assert_eq!(ranks(&[0, 0]), [(1, true), (1, true)]);
        assert!(ranks(&[]).is_empty());
    }

    #[test]
    fn rounds_are_open_from_opening_until_closing() {
        assert_eq!(RoundState::at(99, 100, 200), RoundState::Upcoming);
        assert_eq!(RoundState::at(100, 100, 200), RoundState::Open);
        assert_eq!(RoundState::at(199, 100, 200), RoundState::Open);
        assert_eq!(RoundState::at(200, 100, 200), RoundState::Closed);
    }

    #[test]
    fn proposals_need_every_part_within_limits() {
        assert!(check_proposal("Damp", "Mould in flats", "Health").is_ok());
        let error = check_proposal("Damp", " ", "Health").unwrap_err();
        assert!(matches!(error, AppError::Invalid { ref field, .. } if field == "problem"));
        let error = check_proposal(&"x".repeat(151), "a", "b").unwrap_err();
        assert!(matches!(error, AppError::Invalid { ref field, .. } if field == "title"));
        let text = check_proposal("  Damp  ", "a", "b").unwrap();
        assert_eq!(text.title, "Damp");
    }
}
