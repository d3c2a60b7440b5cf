//! Landlords hosted on this portal: the home page, which lists them, and each
//! landlord's own home page, which later features fill with commitments,
//! performance, scrutiny and reviews.
mod pages;
#[cfg(feature = "ssr")]
pub mod queries;

pub use pages::{HomePage, LandlordList, LandlordPage};

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Landlord {
    pub slug: String,
    pub name: String,
    pub summary: String,
}

/// Slugs are short lower-case names used in addresses, such as `brackenmoor-homes`.
pub fn is_valid_slug(slug: &str) -> bool {
    (2..=60).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
}

#[server]
pub async fn list_landlords() -> Result<Vec<Landlord>, AppError> {
    let state = crate::state::app_state()?;
    Ok(queries::all(&state.db).await?)
}

#[server]
pub async fn find_landlord(slug: String) -> Result<Landlord, AppError> {
    if !is_valid_slug(&slug) {
        return Err(AppError::NotFound);
    }
    let state = crate::state::app_state()?;
    queries::by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::is_valid_slug;

    #[test]
    fn slugs_are_plain_lower_case_words_joined_by_hyphens() {
        for good in ["brackenmoor-homes", "fernhill-vale", "ab", "homes-2026"] {
            assert!(is_valid_slug(good), "{good} should be accepted");
        }
        for bad in [
            "",
            "a",
            "Brackenmoor",
            "-start",
            "end-",
            "two--hyphens",
            "with space",
            "../etc",
            "é-homes",
        ] {
            assert!(!is_valid_slug(bad), "{bad} should be refused");
        }
        assert!(!is_valid_slug(&"a".repeat(61)));
    }
}
