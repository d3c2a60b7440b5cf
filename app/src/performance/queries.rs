//! Reading measures and figures from the database.
use super::{
    build_series, catalogue, model::Period, Comparison, ComparisonRow, FigureChange, FigureRow,
    LandlordRef, MeasureInfo,
};
use crate::{error::AppError, landlords::queries::LandlordRecord, state::Db};

pub async fn landlord_count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM organisations")
        .fetch_one(db.pool())
        .await
}

/// The built-in measures in catalogue order.
pub fn built_in() -> Vec<MeasureInfo> {
    catalogue::TSMS
        .iter()
        .map(|m| MeasureInfo {
            code: m.code.into(),
            title: m.title.into(),
            about: m.about.into(),
            unit: m.unit,
            direction: m.direction,
            survey: m.survey,
            parts: m
                .parts
                .iter()
                .map(|(key, label)| ((*key).into(), (*label).into()))
                .collect(),
            local: false,
        })
        .collect()
}

/// Every measure the landlord reports: the built-in ones, then its own.
pub async fn measures_for(db: &Db, organisation_id: i64) -> Result<Vec<MeasureInfo>, AppError> {
    let local: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT code, title, about, unit, direction FROM local_measures \
         WHERE organisation_id = $1 ORDER BY code",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await?;
    let mut measures = built_in();
    for (code, title, about, unit, direction) in local {
        let (Some(unit), Some(direction)) = (
            super::model::Unit::parse(&unit),
            super::model::Direction::parse(&direction),
        ) else {
            return Err(AppError::internal(
                "reading local measures",
                format!("bad unit or direction on {code}"),
            ));
        };
        measures.push(MeasureInfo {
            code,
            title,
            about,
            unit,
            direction,
            survey: false,
            parts: Vec::new(),
            local: true,
        });
    }
    Ok(measures)
}

const FIGURE_COLUMNS: &str =
    "measure_code, part, tenure, year, quarter, result, target, responses, method_note";

/// The landlord's figures, for one measure or all.
pub async fn figures_for(
    db: &Db,
    organisation_id: i64,
    code: Option<&str>,
) -> Result<Vec<FigureRow>, sqlx::Error> {
    match code {
        Some(code) => {
            sqlx::query_as(&format!(
            "SELECT {FIGURE_COLUMNS} FROM figures WHERE organisation_id = $1 AND measure_code = $2"
        ))
            .bind(organisation_id)
            .bind(code)
            .fetch_all(db.pool())
            .await
        }
        None => {
            sqlx::query_as(&format!(
                "SELECT {FIGURE_COLUMNS} FROM figures WHERE organisation_id = $1"
            ))
            .bind(organisation_id)
            .fetch_all(db.pool())
            .await
        }
    }
}

/// Changes to results and targets that had already been published, newest
/// first. First publication is not a correction, so it is not listed.
pub async fn corrections(
    db: &Db,
    organisation_id: i64,
    code: &str,
) -> Result<Vec<FigureChange>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.part, c.tenure, c.year, c.quarter, c.field, c.old_value, c.new_value, c.reason, \
                COALESCE(u.display_name, 'Someone whose account has gone') AS changed_by, c.changed_at \
         FROM figure_changes c LEFT JOIN users u ON u.id = c.changed_by \
         WHERE c.organisation_id = $1 AND c.measure_code = $2 AND c.old_value IS NOT NULL \
         ORDER BY c.changed_at DESC, c.id DESC",
    )
    .bind(organisation_id)
    .bind(code)
    .fetch_all(db.pool())
    .await
}

/// One built-in measure across every landlord, for one year (the latest
/// with any result unless asked).
pub async fn comparison(db: &Db, code: &str, year: Option<i32>) -> Result<Comparison, AppError> {
    let measure = built_in()
        .into_iter()
        .find(|m| m.code == code)
        .ok_or(AppError::NotFound)?;
    let landlords: Vec<LandlordRecord> =
        sqlx::query_as("SELECT id, slug, name, close_within FROM organisations ORDER BY name")
            .fetch_all(db.pool())
            .await?;
    let mut years: Vec<i32> = sqlx::query_scalar::<_, i64>(
        "SELECT DISTINCT year FROM figures WHERE measure_code = $1 AND quarter = 0 AND result IS NOT NULL",
    )
    .bind(code)
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .map(|y| y as i32)
    .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    let year = year
        .filter(|y| years.contains(y))
        .or(years.first().copied());
    let mut rows = Vec::new();
    if let Some(year) = year {
        for landlord in landlords {
            let figures = figures_for(db, landlord.id, Some(code)).await?;
            for series in build_series(&measure, &figures, landlord.close_within) {
                if let Some(point) = series.at(Period::year(year)).filter(|p| p.result.is_some()) {
                    rows.push(ComparisonRow {
                        landlord: LandlordRef {
                            slug: landlord.slug.clone(),
                            name: landlord.name.clone(),
                        },
                        series_label: series.label(),
                        point: point.clone(),
                    });
                }
            }
        }
    }
    Ok(Comparison {
        measure,
        years,
        year,
        rows,
    })
}
