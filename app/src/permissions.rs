//! The one place that answers "may this person do this action at this
//! landlord?". Every server function asks here before it reads anything
//! private or changes anything; hiding a button is never the protection.
//!
//! Reading what is published needs no permission and no account.
use serde::{Deserialize, Serialize};

use crate::{
    error::AppError,
    identity::{CurrentUser, Role},
};

/// Something a person may try to do within one landlord's part of the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// Comment and reply. Anyone signed in, including people whose request
    /// to join is still waiting.
    Comment,
    /// Ask to join as a resident: signed in and not yet a member there.
    RequestToJoin,
    /// Propose a scrutiny topic: verified tenants (residents and panel).
    Propose,
    /// Vote in a scrutiny round: verified tenants (residents and panel).
    Vote,
    /// See and decide requests to join.
    ReviewJoinRequests,
    /// Invite someone by email into this role.
    Invite(Role),
    /// See the people who belong to the landlord and their roles.
    SeeMembers,
    /// Change someone's role or remove them.
    ManageMembers,
    /// Read the landlord's security audit log.
    SeeAuditLog,
    /// Import and correct results and targets, add local measures, and set
    /// how close to target counts as "close".
    EditPerformance,
    /// Adopt charters and edit their commitments.
    EditCharter,
    /// Record the landlord's own verdict on a commitment.
    AssessAsLandlord,
    /// Record the tenant panel's verdict on a commitment.
    AssessAsPanel,
    /// Screen proposed topics: put forward for the vote, merge or decline.
    ScreenProposals,
    /// Open voting rounds and record which topics the panel takes on.
    RunVotingRounds,
    /// Read scrutiny reviews before their report is published.
    SeeDraftReviews,
    /// Start a review, set its scope, log evidence, write recommendations.
    WorkOnReviews,
    /// Publish a review's report, which starts the landlord's deadline.
    PublishReports,
    /// Answer recommendations and report progress on them.
    RespondToRecommendations,
    /// Set how many weeks the landlord has to answer a published report.
    SetResponseDeadline,
    /// Mark a comment as the landlord's official response.
    PostOfficialResponse,
    /// Tell the moderators that a comment breaks the rules.
    ReportComment,
    /// Hide comments with a reason, restore them, or keep reported ones.
    ModerateComments,
    /// Start a year's annual review, arrange its sections, invite staff to
    /// write, and ask for sign-off.
    RunAnnualReview,
    /// Write an annual review's sections: the panel, and landlord staff the
    /// chair invited onto that review (see `may_write_annual_review`).
    WriteAnnualReview,
    /// Sign an annual review off, or record a dissent: the panel.
    SignOffAnnualReview,
    /// Write the landlord's response to a signed-off annual review and
    /// publish the two together.
    RespondToAnnualReview,
}

impl Action {
    /// Every action, for the test that walks them all against every role.
    pub fn all() -> Vec<Action> {
        let mut all = vec![
            Action::Comment,
            Action::RequestToJoin,
            Action::Propose,
            Action::Vote,
            Action::ReviewJoinRequests,
        ];
        all.extend(Role::ALL.map(Action::Invite));
        all.extend([
            Action::SeeMembers,
            Action::ManageMembers,
            Action::SeeAuditLog,
            Action::EditPerformance,
            Action::EditCharter,
            Action::AssessAsLandlord,
            Action::AssessAsPanel,
            Action::ScreenProposals,
            Action::RunVotingRounds,
            Action::SeeDraftReviews,
            Action::WorkOnReviews,
            Action::PublishReports,
            Action::RespondToRecommendations,
            Action::SetResponseDeadline,
            Action::PostOfficialResponse,
            Action::ReportComment,
            Action::ModerateComments,
            Action::RunAnnualReview,
            Action::WriteAnnualReview,
            Action::SignOffAnnualReview,
            Action::RespondToAnnualReview,
        ]);
        all
    }
}

/// Whether `person` (None when signed out) may do `action` at the landlord
/// with id `organisation_id`.
pub fn allows(person: Option<&CurrentUser>, action: Action, organisation_id: i64) -> bool {
    let Some(person) = person else {
        return false;
    };
    let role = person.role_at(organisation_id);
    let tenant = matches!(
        role,
        Some(Role::Resident | Role::PanelMember | Role::PanelChair)
    );
    let staff = matches!(role, Some(Role::LandlordStaff | Role::LandlordAdmin));
    let admin = role == Some(Role::LandlordAdmin) || person.is_platform_admin;
    let panel = matches!(role, Some(Role::PanelMember | Role::PanelChair));
    match action {
        Action::Comment | Action::ReportComment => true,
        Action::RequestToJoin => role.is_none(),
        Action::Propose | Action::Vote => tenant,
        Action::ReviewJoinRequests | Action::SeeMembers => staff || admin,
        // Staff invite into any role but the one above their own, so nobody
        // can hand out more power than they hold.
        Action::Invite(Role::LandlordAdmin) => admin,
        Action::Invite(_) => staff || admin,
        Action::ManageMembers | Action::SeeAuditLog | Action::SetResponseDeadline => admin,
        Action::EditPerformance | Action::EditCharter => staff || admin,
        // Verdicts speak for one side: the landlord's own people, or the
        // panel. A platform administrator speaks for neither.
        Action::AssessAsLandlord => staff,
        Action::AssessAsPanel | Action::ScreenProposals | Action::SignOffAnnualReview => panel,
        Action::RunVotingRounds | Action::PublishReports | Action::RunAnnualReview => {
            role == Some(Role::PanelChair)
        }
        Action::WriteAnnualReview => panel || staff,
        Action::SeeDraftReviews => panel || staff || admin,
        Action::WorkOnReviews => panel,
        // The landlord answers for itself.
        Action::RespondToRecommendations
        | Action::PostOfficialResponse
        | Action::RespondToAnnualReview => staff,
        // The tenants' own moderator, the landlord's administrator, and the
        // platform's.
        Action::ModerateComments => role == Some(Role::PanelChair) || admin,
    }
}

/// Whether `person` may write one annual review: the panel always; the
/// landlord's staff only once the chair has invited them onto it.
pub fn may_write_annual_review(
    person: Option<&CurrentUser>,
    organisation_id: i64,
    invited: bool,
) -> bool {
    let panel = matches!(
        person.and_then(|p| p.role_at(organisation_id)),
        Some(Role::PanelMember | Role::PanelChair)
    );
    panel || (invited && allows(person, Action::WriteAnnualReview, organisation_id))
}

/// `allows`, as the error a server function returns when the answer is no:
/// "sign in" for people who are signed out, "not allowed" for the rest.
pub fn require(
    person: Option<&CurrentUser>,
    action: Action,
    organisation_id: i64,
) -> Result<(), AppError> {
    match (allows(person, action, organisation_id), person) {
        (true, _) => Ok(()),
        (false, None) => Err(AppError::NotSignedIn),
        (false, Some(_)) => Err(AppError::Forbidden),
    }
}

/// `require` for what must not be seen to exist (a draft, say): "sign in"
/// for people who are signed out, "not found" for the rest.
pub fn require_or_hide(
    person: Option<&CurrentUser>,
    action: Action,
    organisation_id: i64,
) -> Result<(), AppError> {
    require(person, action, organisation_id).map_err(|error| match error {
        AppError::Forbidden => AppError::NotFound,
        other => other,
    })
}

/// What an action has once the person may do it at the landlord: the
/// application, the landlord, the person, and the one value passed down to
/// the writes (who, where, from where).
#[cfg(feature = "ssr")]
pub struct Authorised {
    pub state: crate::state::AppState,
    pub landlord: crate::landlords::queries::LandlordRecord,
    pub person: CurrentUser,
    pub actor: crate::identity::Actor,
}

/// The start of every server function that changes a landlord's things:
/// `authorise_caller` for the request being run.
#[cfg(feature = "ssr")]
pub async fn authorise(slug: &str, action: Action) -> Result<Authorised, AppError> {
    let state = crate::state::app_state()?;
    let caller = crate::identity::session::Caller::current().await?;
    authorise_caller(&state, &caller, slug, action).await
}

/// The one authorisation step, for server functions and axum handlers
/// alike: finds the landlord at `slug` and the signed-in person, and
/// checks that they may do `action` there.
#[cfg(feature = "ssr")]
pub async fn authorise_caller(
    state: &crate::state::AppState,
    caller: &crate::identity::session::Caller,
    slug: &str,
    action: Action,
) -> Result<Authorised, AppError> {
    Ok(authorise_first_of(state, caller, slug, &[action]).await?.0)
}

/// `authorise` for something two roles do on behalf of different sides
/// (a verdict is the landlord's or the panel's): the first of `actions`
/// the person may do, or the refusal of the last.
#[cfg(feature = "ssr")]
pub async fn authorise_one_of(
    slug: &str,
    actions: &[Action],
) -> Result<(Authorised, Action), AppError> {
    let state = crate::state::app_state()?;
    let caller = crate::identity::session::Caller::current().await?;
    authorise_first_of(&state, &caller, slug, actions).await
}

#[cfg(feature = "ssr")]
async fn authorise_first_of(
    state: &crate::state::AppState,
    caller: &crate::identity::session::Caller,
    slug: &str,
    actions: &[Action],
) -> Result<(Authorised, Action), AppError> {
    let landlord = crate::landlords::queries::record(&state.db, slug).await?;
    let person = caller.person(&state.db).await?;
    let mut refusal = AppError::NotSignedIn;
    for &action in actions {
        match require(person.as_ref(), action, landlord.id) {
            Ok(()) => {
                let person = person.ok_or(AppError::NotSignedIn)?;
                let actor = crate::identity::Actor {
                    user_id: person.id,
                    organisation_id: landlord.id,
                    source: caller.source.clone(),
                };
                let authorised = Authorised {
                    state: state.clone(),
                    landlord,
                    person,
                    actor,
                };
                return Ok((authorised, action));
            }
            Err(error) => refusal = error,
        }
    }
    Err(refusal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Membership;

    const OWN: i64 = 1;
    const OTHER: i64 = 2;

    /// Who is asking: signed out, signed in with no role, each role at
    /// landlord OWN, and a platform administrator with no role anywhere.
    fn people() -> Vec<(&'static str, Option<CurrentUser>)> {
        let person = |role: Option<Role>, platform: bool| CurrentUser {
            id: 7,
            name: "Test".into(),
            email: "test@example.org".into(),
            is_platform_admin: platform,
            memberships: role
                .map(|role| Membership {
                    organisation_id: OWN,
                    slug: "own".into(),
                    organisation_name: "Own".into(),
                    role,
                })
                .into_iter()
                .collect(),
        };
        vec![
            ("signed out", None),
            ("no role", Some(person(None, false))),
            ("resident", Some(person(Some(Role::Resident), false))),
            ("panel member", Some(person(Some(Role::PanelMember), false))),
            ("panel chair", Some(person(Some(Role::PanelChair), false))),
            ("staff", Some(person(Some(Role::LandlordStaff), false))),
            ("admin", Some(person(Some(Role::LandlordAdmin), false))),
            ("platform admin", Some(person(None, true))),
        ]
    }

    /// The permission table, at the person's own landlord. Columns follow
    /// `people()`: signed out, no role, resident, panel member, panel chair,
    /// staff, admin, platform admin. Y = allowed.
    fn expected(action: Action) -> &'static str {
        match action {
            Action::Comment => ".YYYYYYY",
            Action::RequestToJoin => ".Y.....Y",
            Action::Propose => "..YYY...",
            Action::Vote => "..YYY...",
            Action::ReviewJoinRequests => ".....YYY",
            Action::Invite(Role::LandlordAdmin) => "......YY",
            Action::Invite(_) => ".....YYY",
            Action::SeeMembers => ".....YYY",
            Action::ManageMembers => "......YY",
            Action::SeeAuditLog => "......YY",
            Action::EditPerformance => ".....YYY",
            Action::EditCharter => ".....YYY",
            Action::AssessAsLandlord => ".....YY.",
            Action::AssessAsPanel => "...YY...",
            Action::ScreenProposals => "...YY...",
            Action::RunVotingRounds => "....Y...",
            Action::SeeDraftReviews => "...YYYYY",
            Action::WorkOnReviews => "...YY...",
            Action::PublishReports => "....Y...",
            Action::RespondToRecommendations => ".....YY.",
            Action::SetResponseDeadline => "......YY",
            Action::PostOfficialResponse => ".....YY.",
            Action::ReportComment => ".YYYYYYY",
            Action::ModerateComments => "....Y.YY",
            Action::RunAnnualReview => "....Y...",
            Action::WriteAnnualReview => "...YYYY.",
            Action::SignOffAnnualReview => "...YY...",
            Action::RespondToAnnualReview => ".....YY.",
        }
    }

    #[test]
    fn every_action_against_every_role_at_their_own_landlord_and_another() {
        let people = people();
        let mut mismatches = Vec::new();
        for action in Action::all() {
            let own: Vec<bool> = expected(action).chars().map(|c| c == 'Y').collect();
            assert_eq!(own.len(), people.len());
            for (column, (who, person)) in people.iter().enumerate() {
                // At another landlord a role counts for nothing: everyone
                // is as someone with no role there, except platform admins.
                let other = match *who {
                    "signed out" | "platform admin" => own[column],
                    _ => own[1],
                };
                for (organisation, want) in [(OWN, own[column]), (OTHER, other)] {
                    let got = allows(person.as_ref(), action, organisation);
                    if got != want {
                        mismatches.push(format!(
                            "{action:?} by {who} at {}: expected {want}, got {got}",
                            if organisation == OWN {
                                "own landlord"
                            } else {
                                "another landlord"
                            }
                        ));
                    }
                }
            }
        }
        assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    }

    #[test]
    fn staff_write_an_annual_review_only_once_invited() {
        let people = people();
        for (who, person) in &people {
            let panel = matches!(*who, "panel member" | "panel chair");
            let staff = matches!(*who, "staff" | "admin");
            for invited in [false, true] {
                assert_eq!(
                    may_write_annual_review(person.as_ref(), OWN, invited),
                    panel || (staff && invited),
                    "{who}, invited: {invited}"
                );
                assert!(
                    !may_write_annual_review(person.as_ref(), OTHER, invited),
                    "{who} elsewhere"
                );
            }
        }
    }

    #[test]
    fn hidden_things_do_not_exist_for_those_who_may_not_see_them() {
        assert_eq!(
            require_or_hide(None, Action::SeeDraftReviews, OWN),
            Err(AppError::NotSignedIn)
        );
        let people = people();
        let resident = people[2].1.as_ref();
        assert_eq!(
            require_or_hide(resident, Action::SeeDraftReviews, OWN),
            Err(AppError::NotFound)
        );
        let staff = people[5].1.as_ref();
        assert_eq!(require_or_hide(staff, Action::SeeDraftReviews, OWN), Ok(()));
    }

    #[test]
    fn refusals_ask_signed_out_people_to_sign_in() {
        assert_eq!(
            require(None, Action::Comment, OWN),
            Err(AppError::NotSignedIn)
        );
        let people = people();
        let resident = people[2].1.as_ref();
        assert_eq!(
            require(resident, Action::SeeAuditLog, OWN),
            Err(AppError::Forbidden)
        );
        assert_eq!(require(resident, Action::Vote, OWN), Ok(()));
    }
}
