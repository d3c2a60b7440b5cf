use sqlx::Error;

use crate::error::AppError;

use super::Landlord;
use crate::state::Db;

pub async fn all(db: &Db) -> Result<Vec<Landlord>, Error> {
    sqlx::query_as("SELECT slug, name, summary FROM organisations ORDER BY name")
        .fetch_all(db.pool())
        .await
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Landlord>, Error> {
    sqlx::query_as("SELECT slug, name, summary FROM organisations WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db.pool())
        .await
}

/// A landlord's id and name from its slug; an unknown or malformed slug is
/// "not found".
pub async fn identify(db: &Db, slug: &str) -> Result<(i64, String), crate::error::AppError> {
    if !super::is_valid_slug(slug) {
        return Err(crate::error::AppError::NotFound);
    }
    sqlx::query_as("SELECT id, name FROM organisations WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db.pool())
        .await?
        .ok_or(crate::error::AppError::NotFound)
}

/// A landlord with what pages and permission checks need.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LandlordRecord {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub close_within: i64,
}

pub async fn record(db: &Db, slug: &str) -> Result<LandlordRecord, AppError> {
    if !super::is_valid_slug(slug) {
        return Err(AppError::NotFound);
    }
    sqlx::query_as("SELECT id, slug, name, close_within FROM organisations WHERE slug = $1")
        .bind(slug)
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::NotFound)
}
