//! Staff publish results and targets by uploading a CSV file. The whole
//! file is checked first and kept as an import: either its problems, each
//! naming line and column, or a preview of what would change. Nothing is
//! written to the published figures until staff publish the preview, and
//! then all of it is written in one transaction or none of it.
#[cfg(feature = "ssr")]
pub mod check;
mod pages;
#[cfg(feature = "ssr")]
pub mod queries;

pub use pages::{ImportPage, ImportResultPage};

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    model::{Period, Unit},
    LandlordRef,
};
use crate::error::AppError;

/// The largest file accepted, as people read it; the checker's byte limit
/// is the same (a test holds them together).
pub const MAX_UPLOAD_MEGABYTES: usize = 2;

/// A figure before and after publishing; `old` is None for a first figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub old: Option<i64>,
    pub new: i64,
}

impl Change {
    pub fn is_correction(&self) -> bool {
        self.old.is_some()
    }
}

/// A row of the file that would change what is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub line: usize,
    pub code: String,
    pub series_label: String,
    pub period: Period,
    pub unit: Unit,
    pub result: Option<Change>,
    pub target: Option<Change>,
    pub responses: Option<Change>,
}

impl PreviewRow {
    pub fn is_correction(&self) -> bool {
        [self.result, self.target, self.responses]
            .iter()
            .flatten()
            .any(Change::is_correction)
    }
}

/// What a file would do: counts, and the rows that change something.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    pub rows: usize,
    pub new_rows: usize,
    pub corrected_rows: usize,
    pub unchanged_rows: usize,
    pub changes: Vec<PreviewRow>,
}

impl Preview {
    pub fn summary(&self) -> String {
        let rows = |n: usize| {
            if n == 1 {
                "1 row".to_string()
            } else {
                format!("{n} rows")
            }
        };
        let parts: Vec<String> = [
            (self.new_rows, "with new figures"),
            (self.corrected_rows, "correcting published figures"),
            (self.unchanged_rows, "unchanged"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            rows(self.rows)
        } else {
            format!("{}: {}", rows(self.rows), parts.join(", "))
        }
    }
}

/// A problem found in an uploaded file, as shown to staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemView {
    pub line: Option<usize>,
    pub column: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportState {
    Rejected {
        problems: Vec<ProblemView>,
        more: usize,
    },
    Checked(Preview),
    Published {
        summary: String,
        on: String,
    },
    Discarded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportDetails {
    pub landlord: LandlordRef,
    pub id: i64,
    pub file_name: String,
    pub uploaded_by: String,
    pub uploaded_on: String,
    pub state: ImportState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentImport {
    pub id: i64,
    pub file_name: String,
    pub status: String,
    pub uploaded_by: String,
    pub uploaded_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPageData {
    pub landlord: LandlordRef,
    /// (code, title, part keys) of every measure this landlord may report.
    pub measures: Vec<(String, String, Vec<String>)>,
    pub guide: Vec<(String, bool, String)>,
    pub recent: Vec<RecentImport>,
    pub max_megabytes: usize,
}

/// The import page: how to lay out the file, and the last imports.
#[server]
pub async fn load_import_page(slug: String) -> Result<ImportPageData, AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::EditPerformance).await?;
    let measures = crate::performance::queries::measures_for(&state.db, landlord.id)
        .await?
        .into_iter()
        .map(|m| {
            let parts = m.parts.iter().map(|(key, _)| key.clone()).collect();
            (m.code, m.title, parts)
        })
        .collect();
    let recent = queries::recent(&state.db, landlord.id).await?;
    Ok(ImportPageData {
        landlord: LandlordRef {
            slug: landlord.slug,
            name: landlord.name,
        },
        measures,
        guide: check::template::column_guide()
            .into_iter()
            .map(|(column, required, about)| (column.into(), required, about.into()))
            .collect(),
        recent,
        max_megabytes: MAX_UPLOAD_MEGABYTES,
    })
}

/// One import: its problems, or a preview of what publishing would change.
#[server]
pub async fn load_import(slug: String, id: i64) -> Result<ImportDetails, AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::EditPerformance).await?;
    queries::details(&state.db, &landlord, id).await
}

/// Publishes a checked import. A reason is needed when it corrects figures
/// already published; it is shown beside each correction.
#[server]
pub async fn publish_import(slug: String, id: i64, reason: String) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        actor,
        ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::EditPerformance).await?;
    queries::publish(&state.db, &landlord, id, &actor, reason.trim()).await?;
    leptos_axum::redirect(&format!(
        "/landlords/{}/performance/import/{id}",
        landlord.slug
    ));
    Ok(())
}

/// Sets a checked import aside without publishing anything.
#[server]
pub async fn discard_import(slug: String, id: i64) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state, landlord, ..
    } = crate::permissions::authorise(&slug, crate::permissions::Action::EditPerformance).await?;
    queries::discard(&state.db, landlord.id, id).await?;
    leptos_axum::redirect(&format!(
        "/landlords/{}/performance/import/{id}",
        landlord.slug
    ));
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[test]
    fn the_limit_people_read_is_the_limit_the_checker_applies() {
        assert_eq!(
            super::MAX_UPLOAD_MEGABYTES * 1024 * 1024,
            super::check::MAX_FILE_BYTES
        );
    }
}
