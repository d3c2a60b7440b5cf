//! Demo annual reviews at Fernhill Vale: the year before last, published
//! with the landlord's response and one dissent; and the year just ended,
//! being written, with sections in every state and a revision history that
//! includes two people's changes merged. Written through the same code the
//! panel and staff use.
use crate::demo_scrutiny::by;
use app::{
    annual_reviews::{queries, Quorum, SectionState},
    charter::queries::last_full_year,
    error::AppError,
    identity::session::load_user,
    landlords::queries::record,
    state::Db,
};

pub async fn load(
    db: &Db,
    slug: &str,
    chair: i64,
    panel_member: i64,
    staff: i64,
) -> Result<(), AppError> {
    let landlord = record(db, slug).await?;
    published(db, &landlord, chair, staff).await?;
    let year = last_full_year();
    queries::review::start(db, &landlord, year, &by(landlord.id, chair)).await?;
    let person = |id: i64| async move {
        load_user(db, id)
            .await?
            .map(|(user, _)| user)
            .ok_or_else(|| AppError::internal("demo review", "a demo person is missing"))
    };
    let (chair, member) = (person(chair).await?, person(panel_member).await?);
    let review = queries::review::review(db, &landlord, year, Some(&chair)).await?;
    let ids: Vec<i64> = review.sections.iter().map(|s| s.id).collect();
    let (intro, first_commitment, told_us) = (ids[0], ids[1], ids[ids.len() - 3]);
    let progress = ids[ids.len() - 2];

    let draft = "This is the tenant panel's review of the year, written with the landlord's frontline staff.\n\nWe met eleven times. We visited every estate.";
    queries::revisions::save(db, &landlord, year, intro, &chair, 0, draft).await?;
    // Two people change different sentences from the same revision: merged.
    queries::revisions::save(
        db,
        &landlord,
        year,
        intro,
        &member,
        1,
        &draft.replace(
            "frontline staff.",
            "frontline staff from repairs, housing and customer services.",
        ),
    )
    .await?;
    queries::revisions::save(
        db,
        &landlord,
        year,
        intro,
        &chair,
        1,
        &draft.replace(
            "We visited every estate.",
            "We visited every estate and spoke to 140 residents.",
        ),
    )
    .await?;
    queries::sections::set_state(
        db,
        &landlord,
        year,
        intro,
        &chair,
        SectionState::Agreed,
        Some(chair.id),
    )
    .await?;

    queries::revisions::save(db, &landlord, year, first_commitment, &member, 0, "Satisfaction rose a little, but still short of the target.\n\n- Repairs were the most common complaint.\n- Residents want clearer letters.").await?;
    queries::sections::set_state(
        db,
        &landlord,
        year,
        first_commitment,
        &chair,
        SectionState::Ready,
        Some(member.id),
    )
    .await?;

    queries::revisions::save(
        db,
        &landlord,
        year,
        told_us,
        &member,
        0,
        "Notes from the summer drop-in sessions (to be written up).",
    )
    .await?;
    queries::revisions::save(
        db,
        &landlord,
        year,
        progress,
        &member,
        0,
        "Letters: most are now answered within ten working days. Second visits: dates are given at the first visit on two estates out of five. Complaint figures: published for the first two quarters.",
    )
    .await?;
    queries::sections::set_state(
        db,
        &landlord,
        year,
        told_us,
        &member,
        SectionState::Drafting,
        Some(member.id),
    )
    .await?;
    Ok(())
}

/// What last year's review asked of the landlord; this year's review
/// follows it up.
const RECOMMENDATIONS: &str = "- Answer every letter within ten working days.\n- Give the date of a second repair visit before the first visit ends.\n- Publish complaint figures every quarter, not once a year.";

/// Last year's review: written, agreed, signed off by two of the three
/// panel members with the third dissenting, answered and published.
async fn published(
    db: &Db,
    landlord: &app::landlords::queries::LandlordRecord,
    chair: i64,
    staff: i64,
) -> Result<(), AppError> {
    let year = last_full_year() - 1;
    queries::review::start(db, landlord, year, &by(landlord.id, chair)).await?;
    let chair_user = load_user(db, chair)
        .await?
        .map(|(user, _)| user)
        .ok_or_else(|| AppError::internal("demo review", "the chair is missing"))?;
    let review = queries::review::review(db, landlord, year, Some(&chair_user)).await?;
    for section in &review.sections {
        let text = match section.kind.as_str() {
            "introduction" => "The panel met ten times this year and read every complaint the landlord closed in March.".to_string(),
            "commitment" => format!(
                "The panel looked at \u{201c}{}\u{201d} with the figures above.\n\n- What went well: residents saw the changes.\n- What did not: letters still use jargon.",
                section.title
            ),
            "recommendations" => RECOMMENDATIONS.to_string(),
            _ => format!("{}: the panel's findings are summarised in the sections above.", section.title),
        };
        queries::revisions::save(db, landlord, year, section.id, &chair_user, 0, &text).await?;
        queries::sections::set_state(
            db,
            landlord,
            year,
            section.id,
            &chair_user,
            SectionState::Agreed,
            None,
        )
        .await?;
    }
    queries::sign_off::ask_sign_off(
        db,
        "",
        landlord,
        year,
        Quorum::Majority,
        &by(landlord.id, chair),
    )
    .await?;
    let members: Vec<i64> = sqlx::query_scalar(
        "SELECT user_id FROM memberships WHERE organisation_id = $1 AND role = 'panel_member' ORDER BY user_id",
    )
    .bind(landlord.id)
    .fetch_all(db.pool())
    .await?;
    queries::sign_off::sign(db, landlord, year, &by(landlord.id, chair), None).await?;
    if let Some(&dissenter) = members.last() {
        queries::sign_off::sign(db, landlord, year, &by(landlord.id, dissenter), Some("The section on repairs is too generous: the second-visit problem was not fixed this year.")).await?;
    }
    if let Some(&member) = members.first() {
        queries::sign_off::sign(db, landlord, year, &by(landlord.id, member), None).await?;
    }
    // The landlord also answers two sections on their own.
    for (kind, answer) in [
        ("commitment", "We agree that our letters still use jargon. We will rewrite every standard letter with the panel by September."),
        ("recommendations", "We accept all three. Letters will be answered within ten working days from June, the second visit date will be given at the first, and complaint figures will be published every quarter."),
    ] {
        if let Some(section) = review.sections.iter().find(|s| s.kind == kind) {
            queries::follow_up::respond_to_section(db, landlord, year, section.id, &by(landlord.id, staff), answer).await?;
        }
    }
    queries::follow_up::respond(
        db,
        landlord,
        year,
        staff,
        "We thank the panel for a careful review. We accept its findings, including the dissent on repairs: the second-visit changes start in the spring, and we will report on them at the panel's June meeting.",
    )
    .await?;
    queries::follow_up::publish(db, landlord, year, &by(landlord.id, staff)).await?;
    Ok(())
}
