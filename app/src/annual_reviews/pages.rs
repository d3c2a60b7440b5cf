//! The annual review pages: the list of years, a review's sections, a
//! section's writing page (with the overlap view when two people changed
//! the same words), and a section's history with the difference between
//! any two revisions.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    load_annual_review, load_annual_reviews, load_section, load_section_history, merge::Change,
    AddSection, AddSectionNote, AnnualReviewsData, ArrangeSection, AskSignOff, Followup,
    InviteAuthor, PublishAnnualReview, PublishedSection, Quorum, ReopenReview, ResolveSectionNote,
    RespondToReview, RespondToSection, ReviewDetail, SaveSection, SectionDetail, SectionHistory,
    SectionState, SetSectionState, SignReview, StartAnnualReview,
};
use crate::{
    error::AppError,
    performance::LandlordRef,
    scrutiny::reviews::RecommendationsTable,
    site::{
        forms::{last_error, successes, ErrorSummary, Field, PostForm, Select, TextArea},
        loaded, Breadcrumb,
    },
};

fn param(name: &'static str) -> impl Fn() -> String + Copy + Send + Sync {
    let params = use_params_map();
    move || params.read().get(name).unwrap_or_default()
}

fn number(name: &'static str) -> impl Fn() -> Option<i64> + Copy + Send + Sync {
    let params = use_params_map();
    move || params.read().get(name).and_then(|v| v.parse().ok())
}

fn trail(landlord: &LandlordRef, year: Option<(i32, String)>) -> Vec<(String, String)> {
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

/// `/landlords/:slug/annual-reviews`
#[component]
pub fn AnnualReviewsPage() -> impl IntoView {
    let slug = param("slug");
    let start = ServerAction::<StartAnnualReview>::new();
    let data = Resource::new(slug, load_annual_reviews);
    loaded(data, move |data| view! { <AnnualReviewsView data start/> })
}

#[component]
fn AnnualReviewsView(
    data: AnnualReviewsData,
    start: ServerAction<StartAnnualReview>,
) -> impl IntoView {
    let error = Signal::derive(move || last_error(start.value().get()));
    let slug = data.landlord.slug.clone();
    let start_form = (!data.startable.is_empty()).then(|| {
        let slug = slug.clone();
        view! {
            <section class="staff-tools" aria-labelledby="start-heading">
                <h2 id="start-heading">"Start a review"</h2>
                <p>"The review starts with a section for each commitment, showing its measures for the year and the year before, and sections for what tenants said and for recommendations."</p>
                <ErrorSummary form="start" error/>
                <PostForm action=start>
                    <input type="hidden" name="slug" value=slug/>
                    <Select form="start" name="year" label="The year to review" choices=data.startable.clone() error/>
                    <button type="submit" class="button">"Start the review"</button>
                </PostForm>
            </section>
        }
    });
    view! {
        <Title text="Annual reviews"/>
        <Breadcrumb trail=vec![(format!("/landlords/{slug}"), data.landlord.name.clone())] current="Annual reviews".to_string()/>
        <h1>"Annual reviews"</h1>
        <p class="lead">"Each year the tenant panel and the landlord's frontline staff review the landlord's progress together, and the landlord answers on the record."</p>
        {if data.reviews.is_empty() {
            view! { <p class="empty">"No annual reviews yet."</p> }.into_any()
        } else {
            view! {
                <ul class="link-list">
                    {data.reviews.iter().map(|r| view! {
                        <li>
                            <a href=format!("/landlords/{slug}/annual-reviews/{}", r.year)>{r.label.clone()}</a>
                            <span class="series">{r.stage.clone()}</span>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        {start_form}
    }
}

/// `/landlords/:slug/annual-reviews/:year`
#[component]
pub fn AnnualReviewPage() -> impl IntoView {
    let slug = param("slug");
    let year = number("year");
    let add = ServerAction::<AddSection>::new();
    let arrange = ServerAction::<ArrangeSection>::new();
    let invite = ServerAction::<InviteAuthor>::new();
    let steps = Steps {
        ask: ServerAction::new(),
        reopen: ServerAction::new(),
        sign: ServerAction::new(),
        respond: ServerAction::new(),
        publish: ServerAction::new(),
    };
    let changes = [
        successes(add),
        successes(arrange),
        successes(invite),
        successes(steps.ask),
        successes(steps.reopen),
        successes(steps.sign),
        successes(steps.respond),
        successes(steps.publish),
    ];
    let data = Resource::new(
        move || {
            (
                slug(),
                year(),
                changes.iter().map(|c| c.get()).sum::<usize>(),
            )
        },
        |(slug, year, _)| async move {
            match year {
                Some(year) => load_annual_review(slug, year as i32).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    loaded(
        data,
        move |data| view! { <ReviewView data add arrange invite steps/> },
    )
}

/// The actions from writing to publishing.
#[derive(Clone, Copy)]
struct Steps {
    ask: ServerAction<AskSignOff>,
    reopen: ServerAction<ReopenReview>,
    sign: ServerAction<SignReview>,
    respond: ServerAction<RespondToReview>,
    publish: ServerAction<PublishAnnualReview>,
}

#[component]
fn ReviewView(
    data: ReviewDetail,
    add: ServerAction<AddSection>,
    arrange: ServerAction<ArrangeSection>,
    invite: ServerAction<InviteAuthor>,
    steps: Steps,
) -> impl IntoView {
    let slug = data.landlord.slug.clone();
    let year = data.year;
    let sign_off = view! { <SignOff data=data.clone() steps/> };
    let document = data.published.clone().map(|sections| {
        let (followup, slug) = (data.followup.clone(), slug.clone());
        view! { <PublishedReview sections followup slug year/> }
    });
    let last_year = data.last_year.map(|last| view! {
        <p><a href=format!("/landlords/{slug}/annual-reviews/{last}")>{format!("Last year's review, and what became of its recommendations: {}", super::label(last))}</a></p>
    });
    let add_error = Signal::derive(move || last_error(add.value().get()));
    let arrange_error = Signal::derive(move || last_error(arrange.value().get()));
    let invite_error = Signal::derive(move || last_error(invite.value().get()));
    let can_run = data.can_run;
    let last = data.sections.len();
    let sections = data
        .sections
        .clone()
        .into_iter()
        .enumerate()
        .map(|(index, s)| {
            let slug = slug.clone();
            let link = format!("/landlords/{slug}/annual-reviews/{year}/sections/{}", s.id);
            let shown_title = s.title.clone();
            let tools = can_run.then(|| {
                let button = |change: &'static str, label: String| {
                    let slug = slug.clone();
                    let id = s.id;
                    view! {
                        <PostForm action=arrange attr:class="inline-form">
                            <input type="hidden" name="slug" value=slug/>
                            <input type="hidden" name="year" value=year/>
                            <input type="hidden" name="section_id" value=id/>
                            <input type="hidden" name="change" value=change/>
                            <button type="submit" class="button secondary small">{label}</button>
                        </PostForm>
                    }
                };
                let title = s.title.clone();
                view! {
                    <div class="section-tools">
                        {(index > 0).then(|| button("up", format!("Move \u{201c}{title}\u{201d} up")))}
                        {(index + 1 < last).then(|| button("down", format!("Move \u{201c}{title}\u{201d} down")))}
                        {button("remove", format!("Remove \u{201c}{title}\u{201d}"))}
                        <details>
                            <summary>{format!("Rename \u{201c}{title}\u{201d}")}</summary>
                            <PostForm action=arrange>
                                <input type="hidden" name="slug" value=slug.clone()/>
                                <input type="hidden" name="year" value=year/>
                                <input type="hidden" name="section_id" value=s.id/>
                                <input type="hidden" name="change" value="rename"/>
                                <div class="field">
                                    <label for=format!("rename-{}", s.id)>"New title"</label>
                                    <input id=format!("rename-{}", s.id) name="title" type="text" required value=s.title.clone()/>
                                </div>
                                <button type="submit" class="button secondary">"Rename"</button>
                            </PostForm>
                        </details>
                    </div>
                }
            });
            view! {
                <li>
                    <a href=link>{shown_title}</a>
                    <span class="series">{format!("{}{}; revision {}",
                        s.state.label(),
                        s.assignee.as_ref().map(|a| format!(", written by {a}")).unwrap_or_default(),
                        s.revision)}</span>
                    {tools}
                </li>
            }
        })
        .collect_view();
    let chair_tools = can_run.then(|| {
        let (a, b) = (slug.clone(), slug.clone());
        let staff = data.inviteable.clone();
        view! {
            <section class="staff-tools" aria-labelledby="arrange-heading">
                <h2 id="arrange-heading">"Arrange the review"</h2>
                <ErrorSummary form="arrange" error=arrange_error/>
                <h3>"Add a section"</h3>
                <ErrorSummary form="section" error=add_error/>
                <PostForm action=add>
                    <input type="hidden" name="slug" value=a/>
                    <input type="hidden" name="year" value=year/>
                    <Field form="section" name="title" label="Title of the new section" error=add_error/>
                    <button type="submit" class="button secondary">"Add the section"</button>
                </PostForm>
                {(!staff.is_empty()).then(move || view! {
                    <h3>"Invite frontline staff to write"</h3>
                    <ErrorSummary form="invite" error=invite_error/>
                    <PostForm action=invite>
                        <input type="hidden" name="slug" value=b.clone()/>
                        <input type="hidden" name="year" value=year/>
                        <Select form="invite" name="user_id" label="Member of staff" choices=staff.clone() error=invite_error/>
                        <button type="submit" class="button secondary">"Invite"</button>
                    </PostForm>
                })}
            </section>
        }
    });
    view! {
        <Title text=data.label.clone()/>
        <Breadcrumb trail=trail(&data.landlord, None) current=data.label.clone()/>
        <h1>{data.label.clone()}</h1>
        {(!data.authors.is_empty()).then(|| view! {
            <p>{format!("Written by the tenant panel with {}.", data.authors.join(", "))}</p>
        })}
        {last_year}
        {match document {
            Some(document) => document.into_any(),
            None => view! {
                <h2>"Sections"</h2>
                <ol class="link-list sections">{sections}</ol>
            }.into_any(),
        }}
        {sign_off}
        {chair_tools}
    }
}

/// The published review: contents, every section with its figures.
#[component]
fn PublishedReview(
    sections: Vec<PublishedSection>,
    followup: Option<Followup>,
    slug: String,
    year: i32,
) -> impl IntoView {
    view! {
        <nav aria-labelledby="contents-heading" class="contents">
            <h2 id="contents-heading">"Contents"</h2>
            <ol>
                {sections.iter().map(|s| view! {
                    <li><a href=format!("#section-{}", s.id)>{s.title.clone()}</a></li>
                }).collect_view()}
                <li><a href="#sign-off">"Sign-off and dissents"</a></li>
                <li><a href="#response">"The landlord's response"</a></li>
            </ol>
        </nav>
        {sections.into_iter().map(|s| {
            let figures = (!s.snapshot.is_empty()).then(|| view! {
                <Figures rows=s.snapshot.clone() caption="The measures, as they stood when the review began".to_string() year id=s.id/>
            });
            let followup = followup.clone().filter(|_| s.kind == "progress").map(|followup| view! {
                <FollowupView followup slug=slug.clone() level=3/>
            });
            let response = (!s.response_html.is_empty()).then(|| view! {
                <div class="landlord-response">
                    <h3>"The landlord\u{2019}s response to this section"</h3>
                    <div class="section-text" inner_html=s.response_html.clone()></div>
                </div>
            });
            view! {
                <section class="review-section" aria-labelledby=format!("section-{}", s.id)>
                    <h2 id=format!("section-{}", s.id)>{s.title.clone()}</h2>
                    {figures}
                    {followup}
                    <div class="section-text" inner_html=s.html.clone()></div>
                    {response}
                </section>
            }
        }).collect_view()}
    }
}

/// A commitment's measures as they stood: a bar chart for each unit (the
/// year before and the year, each against its target), then the table of
/// this year, target, status and the year before.
#[component]
fn Figures(rows: Vec<super::SnapshotRow>, caption: String, year: i32, id: i64) -> impl IntoView {
    use crate::performance::{
        charts::{bar_charts_by_unit, Bar},
        model::Period,
        BarCharts,
    };
    let (this, before) = (
        Period::year(year).to_string(),
        Period::year(year - 1).to_string(),
    );
    // A bar for the year before and one for the year, each with its target.
    let bars = rows
        .iter()
        .flat_map(|row| {
            let name = format!("{} {}", row.code, row.series);
            [
                row.last_result.map(|result| Bar {
                    label: format!("{name}, {before}"),
                    result,
                    target: row.last_target,
                    status: None,
                }),
                row.result.map(|result| Bar {
                    label: format!("{name}, {this}"),
                    result,
                    target: row.target,
                    status: row.status,
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
                                <th scope="row">{format!("{} {}: {}", row.code, row.title, row.series)}</th>
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
fn heading(level: u8, text: String) -> AnyView {
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
fn FollowupView(followup: Followup, slug: String, level: u8) -> impl IntoView {
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
                <p><a href=link>{format!("\u{201c}{}\u{201d} in {}", last.title, super::label(last.year))}</a></p>
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
fn SectionResponse(data: SectionDetail, respond: ServerAction<RespondToSection>) -> impl IntoView {
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

/// Sign-off, dissents and the landlord's response, with the forms for
/// whoever acts next.
#[component]
fn SignOff(data: ReviewDetail, steps: Steps) -> impl IntoView {
    let progress = data.progress.clone();
    let slug = data.landlord.slug.clone();
    let year = data.year;
    let sign_error = Signal::derive(move || last_error(steps.sign.value().get()));
    let ask_error = Signal::derive(move || last_error(steps.ask.value().get()));
    let respond_error = Signal::derive(move || last_error(steps.respond.value().get()));
    let publish_error = Signal::derive(move || last_error(steps.publish.value().get()));
    let stage = match (&progress.signed_off_on, progress.asked) {
        (Some(on), _) => format!("Signed off on {on} by {} of the panel's {} members.", progress.signed.len(), progress.panel_size),
        (None, true) => format!(
            "The panel is signing off: {} of {} have signed. It is signed off when {} of the panel {} signed.",
            progress.signed.len(),
            progress.panel_size,
            progress.quorum.label(),
            if progress.quorum == Quorum::All { "has" } else { "have" }
        ),
        (None, false) => "Being written. When every section is agreed, the panel chair asks the panel to sign it off.".to_string(),
    };
    let (a, b, c, d, e, f) = (
        slug.clone(),
        slug.clone(),
        slug.clone(),
        slug.clone(),
        slug.clone(),
        slug.clone(),
    );
    let quorums: Vec<(String, String)> = Quorum::ALL
        .iter()
        .map(|q| {
            let label = match q {
                Quorum::Majority => "More than half of the panel (the usual rule)",
                Quorum::TwoThirds => "At least two-thirds of the panel",
                Quorum::All => "Every member of the panel",
            };
            (q.as_str().to_string(), label.to_string())
        })
        .collect();
    let ask = progress.may_ask.then(|| {
        view! {
            <ErrorSummary form="ask" error=ask_error/>
            <PostForm action=steps.ask>
                <input type="hidden" name="slug" value=a/>
                <input type="hidden" name="year" value=year/>
                <Select form="ask" name="quorum" label="It is signed off when it has been signed by" choices=quorums error=ask_error/>
                <button type="submit" class="button">"Ask the panel to sign off"</button>
            </PostForm>
        }
    });
    let reopen = progress.may_reopen.then(|| view! {
        <PostForm action=steps.reopen>
            <input type="hidden" name="slug" value=b/>
            <input type="hidden" name="year" value=year/>
            <button type="submit" class="button secondary">"Reopen the review for changes"</button>
        </PostForm>
    });
    let sign = progress.may_sign.then(|| view! {
        {progress.my_decision.clone().map(|decision| view! {
            <p class="notice" role="status">{if decision == "signed" { "You have signed it off. You can change your mind until it is signed off." } else { "You have recorded a dissent. You can change your mind until it is signed off." }}</p>
        })}
        <ErrorSummary form="sign" error=sign_error/>
        <PostForm action=steps.sign>
            <input type="hidden" name="slug" value=c/>
            <input type="hidden" name="year" value=year/>
            <input type="hidden" name="decision" value="signed"/>
            <button type="submit" class="button">"I sign off this review"</button>
        </PostForm>
        <h3>"Or record a dissent"</h3>
        <PostForm action=steps.sign>
            <input type="hidden" name="slug" value=d/>
            <input type="hidden" name="year" value=year/>
            <input type="hidden" name="decision" value="dissent"/>
            <TextArea form="sign" name="note" label="Why you dissent" hint="Your name and these words are published with the review." rows=4 error=sign_error/>
            <button type="submit" class="button secondary">"Record my dissent"</button>
        </PostForm>
    });
    let due = progress.response_due_on.clone().map(|due| {
        let overdue = progress.response_overdue || progress.published_late;
        let text = match &progress.published_on {
            Some(on) if progress.published_late => {
                format!("The landlord's response was due by {due}; it was published late, on {on}.")
            }
            Some(on) => format!("Published on {on}, within the time to respond."),
            None if overdue => format!("The landlord's response was due by {due} and is overdue."),
            None => format!("The landlord's response is due by {due}."),
        };
        view! { <p class:standing-overdue=overdue>{text}</p> }
    });
    let respond = progress.may_respond.then(|| {
        let response = progress.response.clone().unwrap_or_default();
        let responded = progress.responded;
        view! {
            <ErrorSummary form="respond" error=respond_error/>
            <PostForm action=steps.respond>
                <input type="hidden" name="slug" value=e/>
                <input type="hidden" name="year" value=year/>
                <TextArea form="respond" name="response" label="The landlord's response" hint="Published with the review. Leave a blank line between paragraphs. To answer one section as well, open it from the list of sections." rows=10 value=response error=respond_error/>
                <button type="submit" class="button secondary">"Save the response"</button>
            </PostForm>
            {responded.then(|| view! {
                <ErrorSummary form="publish" error=publish_error/>
                <PostForm action=steps.publish>
                    <input type="hidden" name="slug" value=f/>
                    <input type="hidden" name="year" value=year/>
                    <button type="submit" class="button">"Publish the review with this response"</button>
                </PostForm>
            })}
        }
    });
    let dissents = (!progress.dissents.is_empty()).then(|| view! {
        <h3>"Dissents"</h3>
        <ul>
            {progress.dissents.iter().map(|(who, note)| view! {
                <li><strong>{who.clone()}</strong>": "<span class="prose">{note.clone()}</span></li>
            }).collect_view()}
        </ul>
    });
    let published_response = (progress.published_on.is_some()).then(|| {
        view! {
            <div class="section-text" inner_html=progress.response_html.clone()></div>
        }
    });
    view! {
        <section aria-labelledby="sign-off" class="sign-off">
            <h2 id="sign-off">"Sign-off"</h2>
            <p>{stage}</p>
            {(!progress.signed.is_empty()).then(|| view! { <p>{format!("Signed by: {}.", progress.signed.join(", "))}</p> })}
            {dissents}
            {ask}
            {sign}
            {reopen}
        </section>
        {(progress.signed_off_on.is_some()).then(|| view! {
            <section aria-labelledby="response" class="response">
                <h2 id="response">"The landlord's response"</h2>
                {due}
                {published_response}
                {respond}
            </section>
        })}
    }
}

/// `/landlords/:slug/annual-reviews/:year/sections/:id`
#[component]
pub fn SectionPage() -> impl IntoView {
    let slug = param("slug");
    let year = number("year");
    let id = number("id");
    let save = ServerAction::<SaveSection>::new();
    let set_state = ServerAction::<SetSectionState>::new();
    let respond = ServerAction::<RespondToSection>::new();
    let responded = successes(respond);
    let notes = Notes {
        add: ServerAction::new(),
        resolve: ServerAction::new(),
    };
    let saved = successes(save);
    let state_set = successes(set_state);
    let (noted, resolved) = (successes(notes.add), successes(notes.resolve));
    // An overlapping save is kept as a draft: reload to show it beside the
    // current text.
    let overlaps = Memo::new(move |previous: Option<&usize>| {
        let count = previous.copied().unwrap_or(0);
        if save
            .value()
            .with(|value| matches!(value, Some(Err(AppError::Conflict(_)))))
        {
            count + 1
        } else {
            count
        }
    });
    let data = Resource::new(
        move || {
            (
                slug(),
                year(),
                id(),
                saved.get()
                    + state_set.get()
                    + overlaps.get()
                    + noted.get()
                    + resolved.get()
                    + responded.get(),
            )
        },
        |(slug, year, id, _)| async move {
            match (year, id) {
                (Some(year), Some(id)) => load_section(slug, year as i32, id).await,
                _ => Err(AppError::NotFound),
            }
        },
    );
    loaded(
        data,
        move |data| view! { <SectionView data save set_state notes respond/> },
    )
}

#[component]
fn SectionView(
    data: SectionDetail,
    save: ServerAction<SaveSection>,
    set_state: ServerAction<SetSectionState>,
    notes: Notes,
    respond: ServerAction<RespondToSection>,
) -> impl IntoView {
    let query = use_query_map();
    let notes_view = view! { <NotesView data=data.clone() notes/> };
    let notice = move || {
        let query = query.read();
        if let Some(n) = query.get("saved") {
            Some(format!("Saved as revision {n}."))
        } else if let Some(n) = query.get("merged") {
            Some(format!(
                "Saved as revision {n}. Someone else had saved changes to other parts while you were writing; both are kept."
            ))
        } else if let Some(n) = query.get("replaced") {
            Some(format!(
                "Saved as revision {n}, in place of the version saved before it. That version is kept in the history, and we have emailed the other people who wrote it to say so."
            ))
        } else if query.get("responded").is_some() {
            Some("The response to this section is saved.".to_string())
        } else {
            query
                .get("unchanged")
                .map(|_| "Nothing had changed, so no new revision was made.".to_string())
        }
    };
    let save_error = Signal::derive(move || last_error(save.value().get()));
    let state_error = Signal::derive(move || last_error(set_state.value().get()));
    let slug = data.landlord.slug.clone();
    let (year, id) = (data.year, data.id);
    let snapshot = (!data.snapshot.is_empty()).then(|| {
        let caption = format!(
            "The measures, as they stood when the review began ({} and the year before)",
            crate::performance::model::Period::year(data.year)
        );
        view! { <Figures rows=data.snapshot.clone() caption year=data.year id=data.id/> }
    });
    let writing = data.can_write.then(|| {
        let (a, b) = (slug.clone(), slug.clone());
        let (text, overlap) = match data.my_draft.clone() {
            Some((draft, _)) => (draft, true),
            None => (data.body.clone(), false),
        };
        let states: Vec<(String, String)> = SectionState::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), s.label().to_string()))
            .collect();
        let mut people = vec![(String::new(), "Nobody yet".to_string())];
        people.extend(data.assignable.clone());
        let assignee_value = data
            .assignable
            .iter()
            .find(|(_, name)| Some(name) == data.assignee.as_ref())
            .map(|(id, _)| id.clone())
            .unwrap_or_default();
        // Beside a kept-aside draft, saving it over the newer text is its
        // own button, saying what it does; the ordinary save is for a
        // combined text (the server refuses the draft unchanged).
        let submit = if overlap {
            let (whom, when) = data
                .draft_replaces
                .clone()
                .unwrap_or_else(|| ("someone else".into(), "the date shown".into()));
            view! {
                <div class="overlap-choices">
                    <button type="submit" name="replace" value="no" class="button">"Save the combined text"</button>
                    <p id="replace-explained" class="hint">{format!(
                        "This puts your version in place of the one saved by {whom} on {when}. Their words will be kept only in the history, and we will email them to say so."
                    )}</p>
                    <button type="submit" name="replace" value="yes" class="button secondary" aria-describedby="replace-explained">"Replace their version with mine"</button>
                </div>
            }
            .into_any()
        } else {
            view! { <button type="submit" class="button">"Save this section"</button> }.into_any()
        };
        view! {
            <section aria-labelledby="write-heading">
                <h2 id="write-heading">"Write this section"</h2>
                {overlap.then(|| view! {
                    <div class="notice" role="status">
                        <h3>"Your changes overlap someone else's"</h3>
                        <p>"Your version is in the box below, and the version saved since is beside it. Combine the two in the box, then press \u{201c}Save the combined text\u{201d}."</p>
                    </div>
                    <div class="side-by-side">
                        <div>
                            <h3>"Saved since you started"</h3>
                            <p class="hint">{data.last_saved.clone().unwrap_or_default()}</p>
                            <pre class="current-version">{data.body.clone()}</pre>
                        </div>
                    </div>
                })}
                <ErrorSummary form="section" error=save_error/>
                <PostForm action=save>
                    <input type="hidden" name="slug" value=a/>
                    <input type="hidden" name="year" value=year/>
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="base_revision" value=data.revision/>
                    <TextArea form="section" name="body" label="Text of the section" hint="Leave a blank line between paragraphs. Lists start with \"- \"; *emphasis* and **bold** work too." rows=14 required=false value=text error=save_error/>
                    {submit}
                </PostForm>
                <h3>"Where it stands"</h3>
                <ErrorSummary form="state" error=state_error/>
                <PostForm action=set_state>
                    <input type="hidden" name="slug" value=b/>
                    <input type="hidden" name="year" value=year/>
                    <input type="hidden" name="id" value=id/>
                    <Select form="state" name="state" label="State" choices=states value=data.state.as_str().to_string() error=state_error/>
                    <Select form="state" name="assignee" label="Who is writing it" choices=people value=assignee_value error=state_error/>
                    <button type="submit" class="button secondary">"Save where it stands"</button>
                </PostForm>
            </section>
        }
    });
    let followup = data.followup.clone().map(|followup| {
        let slug = slug.clone();
        view! { <FollowupView followup slug level=2/> }
    });
    let response = view! { <SectionResponse data=data.clone() respond/> };
    let crumbs = trail(&data.landlord, Some((data.year, data.label.clone())));
    view! {
        <Title text=data.title.clone()/>
        <Breadcrumb trail=crumbs current=data.title.clone()/>
        <p class="byline">{data.label.clone()}</p>
        <h1>{data.title.clone()}</h1>
        <p>{format!("{}{}", data.state.label(), data.assignee.as_ref().map(|a| format!(", written by {a}")).unwrap_or_default())}</p>
        {move || notice().map(|text| view! { <p class="notice" role="status">{text}</p> })}
        {snapshot}
        {followup}
        <h2>"The section as saved"</h2>
        {match data.last_saved.clone() {
            Some(saved) => view! {
                <p class="hint">{saved}{data.can_see_history.then(|| view! {
                    " "<a href=format!("/landlords/{slug}/annual-reviews/{year}/sections/{id}/history")>"See every revision"</a>
                })}</p>
                <div class="section-text" inner_html=data.html.clone()></div>
            }.into_any(),
            None => view! { <p class="empty">"Nothing has been written yet."</p> }.into_any(),
        }}
        {writing}
        {response}
        {notes_view}
    }
}

/// The actions on authors' notes.
#[derive(Clone, Copy)]
struct Notes {
    add: ServerAction<AddSectionNote>,
    resolve: ServerAction<ResolveSectionNote>,
}

/// The authors' notes on a section, with a form to add one and a button to
/// mark each resolved; for the people writing the review.
#[component]
fn NotesView(data: SectionDetail, notes: Notes) -> impl IntoView {
    let error = Signal::derive(move || last_error(notes.add.value().get()));
    let (slug, year, id) = (data.landlord.slug.clone(), data.year, data.id);
    let can_write = data.can_write;
    let all = data.notes.clone();
    let none = all.is_empty();
    (can_write || !none).then(move || {
        let list = all
            .into_iter()
            .map(|note| {
                let slug = slug.clone();
                let (note_id, label) = (note.id, format!("Mark {}\u{2019}s note resolved", note.by));
                let resolve = (can_write && note.resolved.is_none()).then(move || view! {
                    <PostForm action=notes.resolve attr:class="inline-form">
                        <input type="hidden" name="slug" value=slug/>
                        <input type="hidden" name="year" value=year/>
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="note_id" value=note_id/>
                        <button type="submit" class="button secondary small">{label}</button>
                    </PostForm>
                });
                let resolved = note.resolved.is_some();
                view! {
                    <li class:resolved=resolved>
                        <p class="byline">{format!("{}, {}", note.by, note.on)}</p>
                        <p class="prose">{note.body}</p>
                        {note.resolved.map(|text| view! { <p class="hint">{text}</p> })}
                        {resolve}
                    </li>
                }
            })
            .collect_view();
        let form = can_write.then(|| {
            let slug = slug.clone();
            view! {
                <ErrorSummary form="note" error/>
                <PostForm action=notes.add>
                    <input type="hidden" name="slug" value=slug/>
                    <input type="hidden" name="year" value=year/>
                    <input type="hidden" name="id" value=id/>
                    <TextArea form="note" name="note" label="Add a note for the other authors" hint="Notes are not published." rows=3 error/>
                    <button type="submit" class="button secondary">"Add the note"</button>
                </PostForm>
            }
        });
        view! {
            <section aria-labelledby="notes" class="section-notes">
                <h2 id="notes">"Notes for the authors"</h2>
                {if none {
                    view! { <p class="empty">"No notes yet."</p> }.into_any()
                } else {
                    view! { <ul class="updates">{list}</ul> }.into_any()
                }}
                {form}
            </section>
        }
    })
}

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
            super::label(year),
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
