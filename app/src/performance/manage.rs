//! Staff add the landlord's own measures beside the built-in ones, and set
//! how close to a target counts as "close".
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use super::{
    model::{Direction, Unit},
    LandlordRef, MeasureInfo,
};
use crate::{
    error::AppError,
    site::forms::{last_error, successes, ErrorSummary, Field, PostForm, Select, TextArea},
};

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
    let crate::permissions::Authorised {
        state,
        landlord,
        person: user,
    } = crate::permissions::authorise(&slug, crate::permissions::Action::EditPerformance).await?;
    let code = check_code(&code)?;
    let title = check_text("title", &title, "a title", 200, true)?;
    let about = check_text("about", &about, "what it counts", 1000, true)?;
    let unit = Unit::parse(&unit).ok_or_else(|| AppError::invalid("unit", "Choose a unit"))?;
    let direction = Direction::parse(&direction)
        .ok_or_else(|| AppError::invalid("direction", "Choose which way is better"))?;
    let mut tx = state.db.begin_write().await?;
    let taken: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM local_measures WHERE organisation_id = $1 AND code = $2",
    )
    .bind(landlord.id)
    .bind(&code)
    .fetch_optional(&mut *tx)
    .await?;
    if taken.is_some() {
        return Err(AppError::invalid(
            "code",
            format!("You already have a measure called {code}. Choose another code."),
        ));
    }
    sqlx::query(
        "INSERT INTO local_measures (organisation_id, code, title, about, unit, direction, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(landlord.id)
    .bind(&code)
    .bind(&title)
    .bind(&about)
    .bind(unit.as_str())
    .bind(direction.as_str())
    .bind(crate::time::Timestamp::now())
    .execute(&mut *tx)
    .await?;
    crate::audit::by_person(
        &mut *tx,
        user.id,
        landlord.id,
        "performance.local_measure_added",
        format!("measure:{code}"),
        &crate::accounts::session::client_address().await,
    )
    .await?;
    tx.commit().await?;
    leptos_axum::redirect(&format!("/landlords/{slug}/performance/manage"));
    Ok(())
}

/// Sets the "close to target" margin, as a per cent of the target (0 to 50).
#[server]
pub async fn set_close_margin(slug: String, close_within: String) -> Result<(), AppError> {
    let crate::permissions::Authorised {
        state,
        landlord,
        person: user,
    } = crate::permissions::authorise(&slug, crate::permissions::Action::EditPerformance).await?;
    let margin = super::model::Figure::parse(&close_within)
        .map_err(|error| AppError::invalid("close_within", error.to_string()))?;
    if margin < super::model::Figure(0) || margin > super::model::Figure::from_whole(50) {
        return Err(AppError::invalid(
            "close_within",
            "Enter a number from 0 to 50",
        ));
    }
    let mut tx = state.db.begin_write().await?;
    sqlx::query("UPDATE organisations SET close_within = $1 WHERE id = $2")
        .bind(margin.thousandths())
        .bind(landlord.id)
        .execute(&mut *tx)
        .await?;
    crate::audit::by_person(
        &mut *tx,
        user.id,
        landlord.id,
        "performance.close_margin_set",
        format!("margin:{margin}%"),
        &crate::accounts::session::client_address().await,
    )
    .await?;
    tx.commit().await?;
    leptos_axum::redirect(&format!("/landlords/{slug}/performance/manage"));
    Ok(())
}

/// `/landlords/:slug/performance/manage`
#[component]
pub fn ManagePage() -> impl IntoView {
    let params = use_params_map();
    let add = ServerAction::<AddLocalMeasure>::new();
    let margin = ServerAction::<SetCloseMargin>::new();
    let add_saved = successes(add);
    let margin_saved = successes(margin);
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                add_saved.get() + margin_saved.get(),
            )
        },
        |(slug, _)| load_manage(slug),
    );
    crate::site::loaded(data, move |data| view! { <ManageView data add margin/> })
}

#[component]
fn ManageView(
    data: ManageData,
    add: ServerAction<AddLocalMeasure>,
    margin: ServerAction<SetCloseMargin>,
) -> impl IntoView {
    let ManageData {
        landlord,
        local,
        close_within,
    } = data;
    let slug = landlord.slug.clone();
    let (add_slug, margin_slug) = (slug.clone(), slug.clone());
    let add_error = Signal::derive(move || last_error(add.value().get()));
    let margin_error = Signal::derive(move || last_error(margin.value().get()));
    let units: Vec<(String, String)> = Unit::ALL
        .iter()
        .map(|u| (u.as_str().to_string(), capitalise(u.label())))
        .collect();
    let directions: Vec<(String, String)> = Direction::ALL
        .iter()
        .map(|d| (d.as_str().to_string(), d.label().to_string()))
        .collect();
    view! {
        <Title text="Local measures and settings"/>
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <ol>
                <li><a href="/">"All landlords"</a></li>
                <li><a href=format!("/landlords/{slug}")>{landlord.name.clone()}</a></li>
                <li><a href=format!("/landlords/{slug}/performance")>"Performance"</a></li>
                <li aria-current="page">"Local measures and settings"</li>
            </ol>
        </nav>
        <h1>"Local measures and settings"</h1>
        <h2>"Your own measures"</h2>
        {if local.is_empty() {
            view! { <p>"You have not added any measures of your own yet."</p> }.into_any()
        } else {
            view! {
                <ul class="link-list">
                    {local.into_iter().map(|m| view! {
                        <li><a href=format!("/landlords/{slug}/performance/{}", m.code)>{format!("{} {}", m.code, m.title)}</a>{format!(" ({}; {})", m.unit.label(), m.direction.label().to_lowercase())}</li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <h3>"Add a measure"</h3>
        <ErrorSummary form="measure" error=add_error/>
        <PostForm action=add>
            <input type="hidden" name="slug" value=add_slug/>
            <Field form="measure" name="code" label="Code" hint="2 to 12 letters and numbers, such as DM01. You use it in import files." error=add_error/>
            <Field form="measure" name="title" label="Title" hint="For example: Average days to fix damp and mould reports" error=add_error/>
            <TextArea form="measure" name="about" label="What it counts" rows=3 error=add_error/>
            <Select form="measure" name="unit" label="Unit" choices=units error=add_error/>
            <Select form="measure" name="direction" label="Which way is better" choices=directions error=add_error/>
            <button type="submit" class="button">"Add measure"</button>
        </PostForm>
        <h2>"When is a result close to target?"</h2>
        <ErrorSummary form="margin" error=margin_error/>
        <PostForm action=margin>
            <input type="hidden" name="slug" value=margin_slug/>
            <Field form="margin" name="close_within" label="Close means short of target by no more than this per cent of the target"
                hint="For example 5: with a target of 80%, a result of 76% or more is close. 0 means anything short is missed."
                value=close_within error=margin_error/>
            <button type="submit" class="button">"Save"</button>
        </PostForm>
    }
}
