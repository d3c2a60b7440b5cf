//! Staff add the landlord's own measures beside the built-in ones, and set
//! how close to a target counts as "close".
mod pages;
#[cfg(feature = "ssr")]
pub mod queries;

pub use pages::ManagePage;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::model::{Direction, Unit};
use super::{LandlordRef, MeasureInfo};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManageData {
    pub landlord: LandlordRef,
    pub local: Vec<MeasureInfo>,
    /// The "close" margin as people write it: "5".
    pub close_within: String,
}

#[server]
pub async fn load_manage(slug: String) -> Result<ManageData, AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::EditPerformance).await?;
    let local = super::queries::measures_for(&state.db, landlord.id)
        .await?
        .into_iter()
        .filter(|m| m.local)
        .collect();
    Ok(ManageData {
        landlord: LandlordRef {
            slug: landlord.slug,
            name: landlord.name,
        },
        local,
        close_within: super::model::Figure(landlord.close_within).to_string(),
    })
}

/// Checks a new local measure's code: 2 to 12 letters and digits, not one
/// of the built-in codes.
pub fn check_code(text: &str) -> Result<String, AppError> {
    let code = text.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Err(AppError::invalid(
            "code",
            "Enter a short code, such as DM01",
        ));
    }
    if !(2..=12).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AppError::invalid(
            "code",
            "A code has 2 to 12 letters and numbers, such as DM01",
        ));
    }
    if super::catalogue::TSMS.iter().any(|m| m.code == code) {
        return Err(AppError::invalid(
            "code",
            format!("{code} is a Tenant Satisfaction Measure already. Choose another code."),
        ));
    }
    Ok(code)
}

#[cfg(feature = "ssr")]
fn check_text(
    field: &str,
    text: &str,
    what: &str,
    max: usize,
    required: bool,
) -> Result<String, AppError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(AppError::invalid(field, format!("Enter {what}")));
    }
    if text.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("{} must be {max} characters or fewer", capitalise(what)),
        ));
    }
    Ok(text.to_string())
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[server]
pub async fn add_local_measure(
    slug: String,
    code: String,
    title: String,
    about: String,
    unit: String,
    direction: String,
) -> Result<(), AppError> {
    let crate::permissions::Authorised { state, actor, .. } =
        crate::permissions::authorise(&slug, crate::permissions::Action::EditPerformance).await?;
    let code = check_code(&code)?;
    let title = check_text("title", &title, "a title", 200, true)?;
    let about = check_text("about", &about, "what it counts", 1000, true)?;
    let unit = Unit::parse(&unit).ok_or_else(|| AppError::invalid("unit", "Choose a unit"))?;
    let direction = Direction::parse(&direction)
        .ok_or_else(|| AppError::invalid("direction", "Choose which way is better"))?;
    queries::add_local_measure(&state.db, &actor, &code, &title, &about, unit, direction).await?;
    crate::site::confirm(format!(
        "The measure “{title}” ({code}) is added. You can now import its results."
    ));
    leptos_axum::redirect(&format!("/landlords/{slug}/performance/manage"));
    Ok(())
}

/// Sets the "close to target" margin, as a per cent of the target (0 to 50).
#[server]
pub async fn set_close_margin(slug: String, close_within: String) -> Result<(), AppError> {
    let crate::permissions::Authorised { state, actor, .. } =
        crate::permissions::authorise(&slug, crate::permissions::Action::EditPerformance).await?;
    let margin = super::model::Figure::parse(&close_within)
        .map_err(|error| AppError::invalid("close_within", error.to_string()))?;
    if margin < super::model::Figure(0) || margin > super::model::Figure::from_whole(50) {
        return Err(AppError::invalid(
            "close_within",
            "Enter a number from 0 to 50",
        ));
    }
    queries::set_close_margin(&state.db, &actor, margin).await?;
    crate::site::confirm(format!(
        "Saved. A result within {close_within}% of its target is now shown as “close to target”.",
        close_within = close_within.trim()
    ));
    leptos_axum::redirect(&format!("/landlords/{slug}/performance/manage"));
    Ok(())
}
