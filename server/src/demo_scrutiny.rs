//! Demo scrutiny: proposals in every state, a closed vote with results and
//! the panel's choice, an open vote with some votes cast, and two proposals
//! put forward for the next vote. All through the same code residents, the
//! panel and its chair use.
use app::{
    error::AppError,
    landlords::queries::record,
    scrutiny::{
        queries::{self, Screening},
        ProposalText,
    },
    state::Db,
    time::Timestamp,
};

/// The demo people who take part, by their user ids.
pub struct Cast {
    pub residents: Vec<i64>,
    pub panel_member: i64,
    pub chair: i64,
    pub staff: i64,
}

const DAY: i64 = 24 * 3600 * 1000;

const TOPICS: &[(&str, &str, &str)] = &[
    ("Repairs that need a second visit", "Many repairs are not finished on the first visit, and the second appointment takes weeks.", "Residents take time off work twice and the problem gets worse in the meantime."),
    ("Communal cleaning in tower blocks", "Stairwells and lifts are cleaned less often than the service charge says.", "People pay for a service they do not get, and dirty stairs are a risk for older residents."),
    ("Letters that are hard to understand", "Rent and service charge letters use jargon and small print.", "Residents who read English as a second language cannot tell what they owe."),
    ("Damp and mould in older flats", "Reports of black mould come back every winter in the 1960s blocks.", "Mould harms children's and older people's health."),
    ("Noise from the new bin store", "The bin store by block C is emptied at 5am.", "People on night shifts cannot sleep."),
    ("Hard-to-reach repairs line", "Calls to the repairs line wait more than 20 minutes at busy times.", "People give up and problems go unreported."),
    ("Parking on estate roads", "Cars block the roads so emergency vehicles cannot pass.", "An ambulance could not reach a resident last month."),
    ("Help for residents online", "Many residents cannot use the new online account.", "They miss updates and cannot report repairs out of hours."),
    ("Bathrooms without extractor fans", "Many bathrooms have no fan, so condensation builds up every winter.", "Condensation leads to mould, damaged walls and health problems."),
    ("Street lighting", "The council's street lights on the high road are broken.", "It feels unsafe walking home."),
    ("Black mould in bathrooms", "Black mould grows on bathroom ceilings with no ventilation.", "Mould makes asthma worse."),
];

fn text(n: usize) -> ProposalText {
    let (title, problem, why) = TOPICS[n];
    ProposalText {
        title: title.into(),
        problem: problem.into(),
        why_it_matters: why.into(),
    }
}

pub async fn load(db: &Db, landlord_index: usize, slug: &str, cast: &Cast) -> Result<(), AppError> {
    let landlord = record(db, slug).await?;
    let now = Timestamp::now().millis();
    let mut ids = Vec::new();
    for n in 0..TOPICS.len() {
        let proposer = cast.residents[n % cast.residents.len()];
        let key = format!("{:064x}", (landlord_index as u128) << 64 | n as u128);
        ids.push(queries::propose(db, &by(landlord.id, proposer), &key, &text(n), "").await?);
    }
    for (&id, &supporter) in ids.iter().zip(cast.residents.iter().cycle().skip(1)) {
        queries::support(db, landlord.id, id, supporter, true).await?;
    }
    let panel_member = by(landlord.id, cast.panel_member);
    let screen = |id: i64, decision: Screening| {
        queries::screen(db, "", &landlord, id, &panel_member, decision)
    };

    // A vote that closed six weeks ago; the panel took on the winner.
    for &id in &ids[0..3] {
        screen(id, Screening::PutForward).await?;
    }
    let (opens, closes) = (now - 60 * DAY, now - 46 * DAY);
    let closed = queries::open_round(
        db,
        &by(landlord.id, cast.chair),
        "Autumn topics",
        (opens, closes),
        2,
        false,
    )
    .await?;
    let during = opens + DAY;
    for (n, &voter) in cast.residents.iter().enumerate() {
        queries::vote(db, landlord.id, closed, ids[0], voter, during).await?;
        queries::vote(db, landlord.id, closed, ids[1 + n % 2], voter, during).await?;
    }
    queries::decide(db, &by(landlord.id, cast.chair), closed, Some(ids[0]), true).await?;

    // A vote open now, with running totals hidden until it closes.
    for &id in &ids[3..6] {
        screen(id, Screening::PutForward).await?;
    }
    let open = queries::open_round(
        db,
        &by(landlord.id, cast.chair),
        "Spring topics",
        (now - 3 * DAY, now + 11 * DAY),
        2,
        false,
    )
    .await?;
    // The panel has voted already; other residents have not, so a
    // newcomer trying one of them can.
    for voter in [cast.panel_member, cast.chair] {
        queries::vote(db, landlord.id, open, ids[3], voter, now).await?;
    }

    // Put forward for the next vote, waiting for the panel, declined, merged.
    screen(ids[6], Screening::PutForward).await?;
    screen(ids[7], Screening::PutForward).await?;
    screen(
        ids[9],
        Screening::Decline("Street lights belong to the council. We have passed your report to them and will share their answer.".into()),
    )
    .await?;
    screen(ids[10], Screening::Merge(ids[8])).await?;

    report(db, &landlord, ids[0], cast, now).await?;
    conversations(db, &landlord, &ids, cast, now).await?;
    Ok(())
}

/// Comments on the chosen topic (with replies, the landlord's official
/// response and one comment hidden by the chair), on a topic in the open
/// vote, and on a recommendation; posted through the same code people use,
/// then dated over the past weeks.
async fn conversations(
    db: &Db,
    landlord: &app::landlords::queries::LandlordRecord,
    ids: &[i64],
    cast: &Cast,
    now: i64,
) -> Result<(), AppError> {
    use app::comments::{
        queries::{self as comments, Moderation},
        Subject, SubjectKind,
    };
    let resident = |n: usize| cast.residents[n % cast.residents.len()];
    let chosen = Subject::new(SubjectKind::Proposal, ids[0]);
    let first_recommendation: i64 = sqlx::query_scalar(
        "SELECT r.id FROM recommendations r JOIN scrutiny_reviews v ON v.id = r.review_id \
         WHERE v.proposal_id = $1 AND r.number = 1",
    )
    .bind(ids[0])
    .fetch_one(db.pool())
    .await?;
    let mut key = 0u32;
    let mut say = |subject: Subject,
                   parent: Option<i64>,
                   author: i64,
                   body: &'static str,
                   official: bool,
                   days_ago: i64| {
        key += 1;
        let key = format!("{:064x}", (landlord.id as u128) << 32 | key as u128);
        async move {
            let id =
                comments::post(db, landlord, subject, parent, author, &key, body, official).await?;
            sqlx::query("UPDATE comments SET created_at = $1 WHERE id = $2")
                .bind(now - days_ago * DAY)
                .bind(id)
                .execute(db.pool())
                .await?;
            Ok::<i64, AppError>(id)
        }
    };
    let first = say(chosen, None, resident(0), "This happened to me twice last winter. The plumber came without the part, and **the second visit took three weeks**.", false, 70).await?;
    say(
        chosen,
        Some(first),
        resident(3),
        "Same here. I had to take two days off work for one tap.",
        false,
        69,
    )
    .await?;
    say(chosen, Some(first), cast.staff, "Thank you both, and we are sorry. We are changing how second visits are booked: see the panel's report and our answers to it. If your repair is still open, call the repairs line and say *second visit*.", true, 65).await?;
    say(chosen, None, cast.panel_member, "The panel is looking into this now. Please add what happened to you here:\n\n- when you reported the repair\n- how many visits it took\n- what you were told\n\nIt all goes into our evidence.", false, 80).await?;
    let hidden = say(
        chosen,
        None,
        resident(3),
        "The plumber who came to number 14 was rude, and everyone knows his name is Gary.",
        false,
        75,
    )
    .await?;
    comments::moderate(db,
        "",
        landlord,
        hidden, &by(landlord.id, cast.chair),
        Moderation::Hide("It names a member of staff. Please tell us what happened without naming anyone, and we will look into it.".into()))
    .await?;
    say(
        Subject::new(SubjectKind::Proposal, ids[3]),
        None,
        resident(0),
        "Please vote for this one. My son's asthma is worse every winter because of the mould.",
        false,
        2,
    )
    .await?;
    say(Subject::new(SubjectKind::Recommendation, first_recommendation), None, resident(3), "Please make sure the times offered include evenings; not everyone can be in during the day.", false, 40).await?;
    Ok(())
}

const RECOMMENDATIONS: &[&str] = &[
    "Book the second visit before the operative leaves, at a time the resident chooses.",
    "Give operatives a van stock list for the ten most common parts.",
    "Stop closing a repair until the resident confirms it is fixed.",
    "Publish first-visit fix rates every quarter, by contractor.",
    "Train call handlers to ask the questions that identify the right trade.",
    "Set up a repairs panel of residents to check the changes every six months.",
];

/// The review of last autumn's chosen topic, published ten weeks ago, with
/// answers in every state (one never answered, so overdue), and a second
/// review still in draft.
async fn report(
    db: &Db,
    landlord: &app::landlords::queries::LandlordRecord,
    chosen: i64,
    cast: &Cast,
    now: i64,
) -> Result<(), AppError> {
    use app::scrutiny::reviews::{
        queries::{answers, report},
        Answer,
    };
    let id = report::start(db, &by(landlord.id, cast.chair), TOPICS[0].0, Some(chosen)).await?;
    report::save_text(
        db,
        landlord.id,
        id,
        "How repairs are booked, how often a second visit is needed and why, and what residents are told. Not in scope: planned works.",
        "One repair in three needed a second visit. Most second visits were for parts the operative did not carry, and residents were rarely offered a time that suited them.",
    )
    .await?;
    let met_on = chrono::DateTime::from_timestamp_millis(now - 90 * DAY)
        .unwrap_or_default()
        .date_naive()
        .to_string();
    for (kind, title, body, url) in [
        (
            "meeting",
            "Meeting with the repairs manager",
            "Went through six months of repair records with the repairs manager.",
            None,
        ),
        (
            "note",
            "Mystery shopping: six calls to the repairs line",
            "Four of six callers were not asked which room or what kind of tap.",
            None,
        ),
        (
            "link",
            "The landlord's repairs policy",
            "",
            Some("https://example.org/repairs-policy"),
        ),
    ] {
        report::add_evidence(
            db,
            landlord.id,
            id,
            cast.panel_member,
            kind,
            title,
            body,
            url,
            (kind == "meeting").then_some(met_on.as_str()),
        )
        .await?;
    }
    let mut numbers = Vec::new();
    for text in RECOMMENDATIONS {
        numbers.push(report::add_recommendation(db, landlord.id, id, text).await?);
    }
    report::publish(
        db,
        landlord,
        id,
        &by(landlord.id, cast.chair),
        now - 10 * 7 * DAY,
    )
    .await?;
    let recommendation = |number: i64| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT id FROM recommendations WHERE review_id = $1 AND number = $2",
        )
        .bind(id)
        .bind(number)
        .fetch_one(db.pool())
        .await
    };
    let staff = cast.staff;
    let plan =
        |action: &str, due: i64| Some((action.to_string(), "Head of repairs".to_string(), due));
    // (recommendation number, answer, reason, the plan: action and due date)
    type Plan = Option<(String, String, i64)>;
    let answers: [(i64, Answer, &str, Plan); 5] = [
        (1, Answer::Accepted, "Residents should not wait weeks for a second visit.", plan("Operatives will book the second visit on a handheld device before leaving.", now + 60 * DAY)),
        (2, Answer::PartlyAccepted, "Van space is limited, so the list will cover the five most common parts.", plan("Stock the five most common parts on every van.", now + 30 * DAY)),
        (3, Answer::NotAccepted, "Some residents cannot be reached for weeks; we will text them instead, and close the job after 14 days without an answer.", None),
        (5, Answer::Accepted, "Call handlers need better questions.", plan("Training for every call handler, with a new script.", now - 5 * DAY)),
        (6, Answer::Accepted, "A good way to check the changes.", plan("Recruit six residents to a repairs panel.", now - 20 * DAY)),
    ];
    for (number, answer, reason, plan) in answers {
        let recommendation_id = recommendation(number).await?;
        answers::answer(
            db,
            "",
            landlord,
            id,
            recommendation_id,
            &by(landlord.id, staff),
            answer,
            reason,
            plan,
            "",
        )
        .await?;
    }
    let second = recommendation(2).await?;
    answers::progress(
        db,
        landlord.id,
        id,
        second,
        staff,
        "Parts lists agreed with both contractors.",
        false,
    )
    .await?;
    let sixth = recommendation(6).await?;
    answers::progress(
        db,
        landlord.id,
        id,
        sixth,
        staff,
        "Six residents recruited; the first meeting was held in October.",
        true,
    )
    .await?;
    // Recommendation 4 is never answered: its answer is overdue.
    debug_assert_eq!(numbers.len(), RECOMMENDATIONS.len());

    let draft = report::start(
        db,
        &by(landlord.id, cast.panel_member),
        "Communal cleaning",
        None,
    )
    .await?;
    report::add_evidence(
        db,
        landlord.id,
        draft,
        cast.panel_member,
        "note",
        "Walkabout of three blocks",
        "Stairwells in two blocks had not been cleaned that week.",
        None,
        None,
    )
    .await?;
    Ok(())
}

/// Who did something in the demo data: a person of the cast at a landlord,
/// recorded in the audit log as coming from "demo".
pub fn by(organisation_id: i64, user_id: i64) -> app::identity::Actor {
    app::identity::Actor {
        user_id,
        organisation_id,
        source: "demo".into(),
    }
}
