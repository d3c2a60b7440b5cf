//! A section's history, with the difference between any two revisions.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::parts::{number, param};
use crate::annual_reviews::{load_section_history, merge::Change, SectionHistory};
use crate::{
    error::AppError,
    site::{loaded, Breadcrumb},
};

/// `/landlords/:slug/annual-reviews/:year/sections/:id/history`
#[component]
pub fn SectionHistoryPage() -> impl IntoView {
    let slug = param("slug");
    let year = number("year");
    let id = number("id");
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let query = query.read();
            (
                slug(),
                year(),
                id(),
                query.get("from").and_then(|v| v.parse::<i64>().ok()),
                query.get("to").and_then(|v| v.parse::<i64>().ok()),
            )
        },
        |(slug, year, id, from, to)| async move {
            match (year, id) {
                (Some(year), Some(id)) => {
                    load_section_history(slug, year as i32, id, from, to).await
                }
                _ => Err(AppError::NotFound),
            }
        },
    );
    loaded(data, |data| view! { <HistoryView data/> })
}

#[component]
fn HistoryView(data: SectionHistory) -> impl IntoView {
    let slug = data.landlord.slug.clone();
    let (year, id) = (data.year, data.id);
    let mut choices: Vec<(String, String)> = data
        .revisions
        .iter()
        .map(|r| {
            (
                r.number.to_string(),
                format!("Revision {} by {}", r.number, r.by),
            )
        })
        .collect();
    choices.push(("0".into(), "Before anything was written".into()));
    let (default_to, default_from) = match data.revisions.as_slice() {
        [newest, next, ..] => (newest.number.to_string(), next.number.to_string()),
        [only] => (only.number.to_string(), "0".to_string()),
        [] => (String::new(), String::new()),
    };
    let (from_value, to_value) = match &data.comparison {
        Some((from, to, _)) => (from.to_string(), to.to_string()),
        None => (default_from, default_to),
    };
    let option = |choices: &Vec<(String, String)>, chosen: &str| {
        choices
            .iter()
            .map(|(value, label)| {
                view! { <option value=value.clone() selected=value == chosen>{label.clone()}</option> }
            })
            .collect_view()
    };
    let comparison = data.comparison.clone().map(|(from, to, changes)| {
        view! {
            <h2>{format!("From revision {from} to revision {to}")}</h2>
            <p class="hint">"Removed text is struck through; added text is underlined."</p>
            <div class="diff">
                {changes.into_iter().map(|change| match change {
                    Change::Same(text) => view! { <span>{text}</span> }.into_any(),
                    Change::Removed(text) => view! { <del><span class="visually-hidden">"Removed: "</span>{text}</del> }.into_any(),
                    Change::Added(text) => view! { <ins><span class="visually-hidden">"Added: "</span>{text}</ins> }.into_any(),
                }).collect_view()}
            </div>
        }
    });
    let crumbs = vec![
        (format!("/landlords/{slug}"), data.landlord.name.clone()),
        (
            format!("/landlords/{slug}/annual-reviews/{year}"),
            crate::annual_reviews::label(year),
        ),
        (
            format!("/landlords/{slug}/annual-reviews/{year}/sections/{id}"),
            data.title.clone(),
        ),
    ];
    view! {
        <Title text=format!("History: {}", data.title)/>
        <Breadcrumb trail=crumbs current="History".to_string()/>
        <h1>{format!("History: {}", data.title)}</h1>
        {if data.revisions.is_empty() {
            view! { <p class="empty">"Nothing has been saved yet."</p> }.into_any()
        } else {
            view! {
                <form method="get" class="compare-form">
                    <div class="field">
                        <label for="from">"Compare"</label>
                        <select id="from" name="from">{option(&choices, &from_value)}</select>
                    </div>
                    <div class="field">
                        <label for="to">"with"</label>
                        <select id="to" name="to">{option(&choices, &to_value)}</select>
                    </div>
                    <button type="submit" class="button secondary">"Show the differences"</button>
                </form>
                {comparison}
                <h2>"Every revision"</h2>
                <ol class="link-list" reversed>
                    {data.revisions.iter().map(|r| view! {
                        <li value=r.number>
                            {format!("Revision {} by {}, {}; {} characters", r.number, r.by, r.on, r.characters)}
                            {r.merged.then(|| format!(" (combined with changes saved since revision {})", r.based_on))}
                            {r.replaced.clone().map(|(n, who)| view! {
                                <br/><strong>{format!("Replaced {who}\u{2019}s version (revision {n})")}</strong>
                            })}
                        </li>
                    }).collect_view()}
                </ol>
            }.into_any()
        }}
    }
}
