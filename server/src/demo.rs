//! The demo data set: invented landlords and people in every role, so a
//! newcomer has something real to click through. It goes only into an empty
//! database, and never touches one that holds real data.
use app::{
    audit::{self, AuditEntry},
    identity::Role,
    state::Db,
    time::Timestamp,
};
use sqlx::{Any, Transaction};

const MARKER: &str = "demo_data";

pub struct DemoLandlord {
    pub slug: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub people: &'static [(&'static str, &'static str, Role)],
}

/// Every name here is invented; addresses use the reserved example.org domain.
pub const LANDLORDS: &[DemoLandlord] = &[
    DemoLandlord {
        slug: "brackenmoor-homes",
        name: "Brackenmoor Homes",
        summary: "A housing association with about 8,400 homes across the towns and villages of the Brackenmoor valley.",
        people: &[
            ("Aisha Rahman", "aisha.rahman@example.org", Role::Resident),
            ("Tom Whitfield", "tom.whitfield@example.org", Role::PanelMember),
            ("Margaret Oyelaran", "margaret.oyelaran@example.org", Role::PanelChair),
            ("Priya Shah", "priya.shah@example.org", Role::LandlordStaff),
            ("David Kerr", "david.kerr@example.org", Role::LandlordAdmin),
            ("Sam Okafor", "sam.okafor@example.org", Role::Resident),
        ],
    },
    DemoLandlord {
        slug: "fernhill-vale-housing",
        name: "Fernhill Vale Housing",
        summary: "A council housing service looking after about 3,100 homes in and around Fernhill Vale.",
        people: &[
            ("Grace Mensah", "grace.mensah@example.org", Role::Resident),
            ("Stan Kowalski", "stan.kowalski@example.org", Role::PanelMember),
            ("Eileen Doherty", "eileen.doherty@example.org", Role::PanelChair),
            ("Lewis Grant", "lewis.grant@example.org", Role::LandlordStaff),
            ("Ruth Adebayo", "ruth.adebayo@example.org", Role::LandlordAdmin),
            // The same person can hold different roles at different landlords.
            ("Sam Okafor", "sam.okafor@example.org", Role::PanelMember),
        ],
    },
];

pub const PLATFORM_ADMIN: (&str, &str) = ("Portal Administrator", "admin@example.org");

#[derive(Debug, PartialEq, Eq)]
pub enum DemoOutcome {
    Loaded,
    AlreadyLoaded,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "this database already holds real data ({0}), so the demo data was not loaded; \
         point DATABASE_URL at a new database to try the demo"
    )]
    HoldsRealData(String),
    #[error("cannot load the demo data: {0}")]
    Database(#[from] sqlx::Error),
    #[error(
        "the demo data was only partly loaded ({0}); delete the database file and run the demo command again"
    )]
    Incomplete(String),
}

pub async fn load(db: &Db) -> Result<DemoOutcome, DemoError> {
    let mut tx = db.pool().begin().await?;
    let marker: Option<String> =
        sqlx::query_scalar("SELECT value FROM installation WHERE key = $1")
            .bind(MARKER)
            .fetch_optional(&mut *tx)
            .await?;
    if marker.is_some() {
        return Ok(DemoOutcome::AlreadyLoaded);
    }
    let organisations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organisations")
        .fetch_one(&mut *tx)
        .await?;
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *tx)
        .await?;
    if organisations > 0 || users > 0 {
        return Err(DemoError::HoldsRealData(format!(
            "{organisations} landlords, {users} people"
        )));
    }

    let now = Timestamp::now();
    let admin_id = insert_user(&mut tx, PLATFORM_ADMIN.0, PLATFORM_ADMIN.1, true, now).await?;
    for landlord in LANDLORDS {
        let organisation_id: i64 = sqlx::query_scalar(
            "INSERT INTO organisations (slug, name, summary, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(landlord.slug)
        .bind(landlord.name)
        .bind(landlord.summary)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for (name, email, role) in landlord.people {
            let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(*email)
                .fetch_optional(&mut *tx)
                .await?;
            let user_id = match existing {
                Some(id) => id,
                None => insert_user(&mut tx, name, email, false, now).await?,
            };
            sqlx::query(
                "INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(user_id)
            .bind(organisation_id)
            .bind(role.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    audit::record(
        &mut *tx,
        AuditEntry {
            actor_user_id: Some(admin_id),
            organisation_id: None,
            action: "demo.loaded",
            subject: String::new(),
            source: "cli",
        },
    )
    .await?;
    tx.commit().await?;

    // Figures, charters and verdicts go through the same code staff and
    // panels use, each step in its own transaction.
    for (index, landlord) in LANDLORDS.iter().enumerate() {
        let person = |role: Role| {
            landlord
                .people
                .iter()
                .find(|(_, _, r)| *r == role)
                .map(|(_, email, _)| *email)
                .unwrap_or_default()
        };
        let staff_id = user_id(db, person(Role::LandlordStaff)).await?;
        let chair_id = user_id(db, person(Role::PanelChair)).await?;
        crate::demo_performance::load(db, index, landlord.slug, staff_id, chair_id)
            .await
            .map_err(|error| DemoError::Incomplete(error.to_string()))?;
        let mut residents = Vec::new();
        for (_, email, role) in landlord.people {
            if matches!(role, Role::Resident | Role::PanelMember | Role::PanelChair) {
                residents.push(user_id(db, email).await?);
            }
        }
        let cast = crate::demo_scrutiny::Cast {
            residents,
            panel_member: user_id(db, person(Role::PanelMember)).await?,
            chair: chair_id,
            staff: staff_id,
        };
        crate::demo_scrutiny::load(db, index, landlord.slug, &cast)
            .await
            .map_err(|error| DemoError::Incomplete(error.to_string()))?;
        // One annual review in progress, at the landlord whose reviews the
        // browser tests leave alone.
        if index == 1 {
            crate::demo_reviews::load(db, landlord.slug, cast.chair, cast.panel_member, cast.staff)
                .await
                .map_err(|error| DemoError::Incomplete(error.to_string()))?;
        }
    }
    // Reminders the demo's past would have sent are marked sent, so a
    // newcomer's first minutes are not a burst of them.
    app::scrutiny::reminders::send_due(db, "", Timestamp::now().millis())
        .await
        .map_err(|error| DemoError::Incomplete(error.to_string()))?;
    // The demo's own emails are not for sending.
    sqlx::query("DELETE FROM outbox").execute(db.pool()).await?;
    sqlx::query("INSERT INTO installation (key, value) VALUES ($1, $2)")
        .bind(MARKER)
        .bind("loaded")
        .execute(db.pool())
        .await?;
    Ok(DemoOutcome::Loaded)
}

async fn user_id(db: &Db, email: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(db.pool())
        .await
}

async fn insert_user(
    tx: &mut Transaction<'_, Any>,
    name: &str,
    email: &str,
    platform_admin: bool,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (email, display_name, is_platform_admin, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(i64::from(platform_admin))
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}
