//! Demo annual review: the year just ended at Fernhill Vale, being written,
//! with sections in every state and a revision history that includes two
//! people's changes merged. Written through the same code the panel uses.
use app::{
    accounts::session::load_user,
    annual_reviews::{queries, SectionState},
    charter::queries::last_full_year,
    error::AppError,
    landlords::queries::record,
    state::Db,
};

pub async fn load(db: &Db, slug: &str, chair: i64, panel_member: i64) -> Result<(), AppError> {
    let landlord = record(db, slug).await?;
    let year = last_full_year();
    queries::start(db, &landlord, year, chair, "demo").await?;
    let person = |id: i64| async move {
        load_user(db, id)
            .await?
            .map(|(user, _)| user)
            .ok_or_else(|| AppError::internal("demo review", "a demo person is missing"))
    };
    let (chair, member) = (person(chair).await?, person(panel_member).await?);
    let review = queries::review(db, &landlord, year, Some(&chair)).await?;
    let ids: Vec<i64> = review.sections.iter().map(|s| s.id).collect();
    let (intro, first_commitment, told_us) = (ids[0], ids[1], ids[ids.len() - 3]);

    let draft = "This is the tenant panel's review of the year, written with the landlord's frontline staff.\n\nWe met eleven times. We visited every estate.";
    queries::save(db, &landlord, year, intro, &chair, 0, draft).await?;
    // Two people change different sentences from the same revision: merged.
    queries::save(
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
    queries::save(
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
    queries::set_state(
        db,
        &landlord,
        year,
        intro,
        &chair,
        SectionState::Agreed,
        Some(chair.id),
    )
    .await?;

    queries::save(db, &landlord, year, first_commitment, &member, 0, "Satisfaction rose a little, but still short of the target.\n\n- Repairs were the most common complaint.\n- Residents want clearer letters.").await?;
    queries::set_state(
        db,
        &landlord,
        year,
        first_commitment,
        &chair,
        SectionState::Ready,
        Some(member.id),
    )
    .await?;

    queries::save(
        db,
        &landlord,
        year,
        told_us,
        &member,
        0,
        "Notes from the summer drop-in sessions (to be written up).",
    )
    .await?;
    queries::set_state(
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
