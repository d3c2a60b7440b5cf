//! Pieces more than one annual review page draws: the address's parts,
//! the breadcrumb trail, a section's frozen figures, what became of earlier
//! recommendations, and the landlord's response to a section.
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::annual_reviews::{Followup, RespondToSection, SectionDetail};
use crate::{
    performance::LandlordRef,
    scrutiny::reviews::RecommendationsTable,
    site::forms::{last_error, ErrorSummary, PostForm, TextArea},
};

pub(super) fn param(name: &'static str) -> impl Fn() -> String + Copy + Send + Sync {
    let params = use_params_map();
    move || params.read().get(name).unwrap_or_default()
}

pub(super) fn number(name: &'static str) -> impl Fn() -> Option<i64> + Copy + Send + Sync {
    let params = use_params_map();
    move || params.read().get(name).and_then(|v| v.parse().ok())
}

pub(super) fn trail(landlord: &LandlordRef, year: Option<(i32, String)>) -> Vec<(String, String)> {
    let mut trail = vec![
        (
            format!("/landlords/{}", landlord.slug),
            landlord.name.clone(),
        ),
        (
            format!("/landlords/{}/annual-reviews", landlord.slug),
            "Annual reviews".to_string(),
        ),
    ];
    if let Some((year, label)) = year {
        trail.push((
            format!("/landlords/{}/annual-reviews/{year}", landlord.slug),
            label,
        ));
    }
    trail
}

/// A commitment's measures as they stood: a bar chart for each unit (the
/// year before and the year, each against its target), then the table of
/// this year, target, status and the year before.
#[component]
pub(super) fn Figures(
    rows: Vec<crate::annual_reviews::SnapshotRow>,
    caption: String,
    year: i32,
    id: i64,
) -> impl IntoView {
    use crate::performance::{
        charts::{bar_charts_by_unit, Bar},
        model::{measure_name, Period},
        BarCharts,
    };
    let (this, before) = (
        Period::year(year).to_string(),
        Period::year(year - 1).to_string(),
    );
    // Under each measure's name, a grey bar for the year before and one for
    // the year, each with its target.
    let bars = rows
        .iter()
        .flat_map(|row| {
            let group = Some(format!(
                "{}: {}",
                measure_name(&row.title, &row.code),
                row.series
            ));
            [
                row.last_result.map(|result| Bar {
                    earlier: true,
                    group: group.clone(),
                    ..Bar::new(before.clone(), result, row.last_target, None)
                }),
                row.result.map(|result| Bar {
                    group: group.clone(),
                    ..Bar::new(this.clone(), result, row.target, row.status)
                }),
            ]
            .into_iter()
            .flatten()
            .map(|bar| (row.unit, bar))
        })
        .collect();
    let charts = bar_charts_by_unit(
        &format!("section-{id}-chart"),
        |unit| format!("Results in {before} and {this} ({})", unit.label()),
        bars,
    );
    view! {
        <BarCharts charts/>
        <div class="table-wrap" role="region" aria-label="The measures for this commitment" tabindex="0">
            <table>
                <caption>{caption}</caption>
                <thead><tr>
                    <th scope="col">"Measure"</th><th scope="col">"This year"</th>
                    <th scope="col">"Target"</th><th scope="col">"Status"</th>
                    <th scope="col">"Year before"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let show = |figure: Option<crate::performance::model::Figure>| {
                            figure.map(|f| row.unit.format(f)).unwrap_or_else(|| "Not reported".into())
                        };
                        view! {
                            <tr>
                                <th scope="row">{format!("{}: {}", measure_name(&row.title, &row.code), row.series)}</th>
                                <td>{show(row.result)}</td>
                                <td>{show(row.target)}</td>
                                <td>{row.status.map(|s| s.label().to_string()).unwrap_or_default()}</td>
                                <td>{show(row.last_result)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// A heading at the level its place on the page needs.
pub(super) fn heading(level: u8, text: String) -> AnyView {
    match level {
        2 => view! { <h2>{text}</h2> }.into_any(),
        3 => view! { <h3>{text}</h3> }.into_any(),
        _ => view! { <h4>{text}</h4> }.into_any(),
    }
}

/// What became of the recommendations made before this year: last year's
/// review's, with the landlord's response to them, and the scrutiny
/// panel's that were open during the year, with where each stands now.
#[component]
pub(super) fn FollowupView(followup: Followup, slug: String, level: u8) -> impl IntoView {
    let last = match followup.last_review {
        Some(last) => {
            let link = format!(
                "/landlords/{slug}/annual-reviews/{}#section-{}",
                last.year, last.section_id
            );
            let text = if last.html.is_empty() {
                view! { <p class="empty">"Nothing was written in that section."</p> }.into_any()
            } else {
                view! { <blockquote class="section-text" inner_html=last.html></blockquote> }.into_any()
            };
            view! {
                {heading(level + 1, "Last year\u{2019}s recommendations".to_string())}
                <p><a href=link>{format!("\u{201c}{}\u{201d} in {}", last.title, crate::annual_reviews::label(last.year))}</a></p>
                {text}
                {(!last.response_html.is_empty()).then(|| view! {
                    <p><strong>"The landlord\u{2019}s response to them then:"</strong></p>
                    <blockquote class="section-text" inner_html=last.response_html></blockquote>
                })}
            }
            .into_any()
        }
        None => view! { <p class="empty">"There is no published review of the year before to follow up."</p> }.into_any(),
    };
    let scrutiny = if followup.scrutiny.is_empty() {
        view! { <p class="empty">"No scrutiny recommendations were open during the year."</p> }
            .into_any()
    } else {
        view! {
            <RecommendationsTable slug lines=followup.scrutiny caption="The scrutiny panel\u{2019}s recommendations, and where they stand now"/>
        }
        .into_any()
    };
    view! {
        <div class="followup">
            {heading(level, "What became of earlier recommendations".to_string())}
            {last}
            {heading(level + 1, "Scrutiny recommendations open during the year".to_string())}
            {scrutiny}
        </div>
    }
}

/// The landlord's optional response to one section: shown once there is
/// one, and written by staff between sign-off and publishing.
#[component]
pub(super) fn SectionResponse(
    data: SectionDetail,
    respond: ServerAction<RespondToSection>,
) -> impl IntoView {
    let error = Signal::derive(move || last_error(respond.value().get()));
    let shown = (!data.response_html.is_empty()).then(|| {
        view! {
            <div class="section-text" inner_html=data.response_html.clone()></div>
        }
    });
    let form = data.may_respond.then(|| view! {
        <ErrorSummary form="respond" error/>
        <PostForm action=respond>
            <input type="hidden" name="slug" value=data.landlord.slug.clone()/>
            <input type="hidden" name="year" value=data.year/>
            <input type="hidden" name="id" value=data.id/>
            <TextArea form="respond" name="response" label="The landlord\u{2019}s response to this section (optional)" hint="Published under the section. Leave the box empty for no response." rows=6 required=false value=data.response.clone() error/>
            <button type="submit" class="button secondary">"Save the response to this section"</button>
        </PostForm>
    });
    (shown.is_some() || form.is_some()).then(|| {
        view! {
            <section aria-labelledby="response" class="response">
                <h2 id="response">"The landlord\u{2019}s response to this section"</h2>
                {shown}
                {form}
            </section>
        }
    })
}
