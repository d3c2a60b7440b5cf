//! The page where staff add local measures and set the close-to-target margin.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{capitalise, load_manage, AddLocalMeasure, ManageData, SetCloseMargin};
use crate::{
    performance::model::{Direction, Unit},
    site::forms::{last_error, successes, ErrorSummary, Field, PostForm, Select, TextArea},
};

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
                        <li><a href=format!("/landlords/{slug}/performance/{}", m.code)>{crate::performance::model::measure_name(&m.title, &m.code)}</a>{format!(": {}; {}", m.unit.label(), m.direction.label().to_lowercase())}</li>
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
