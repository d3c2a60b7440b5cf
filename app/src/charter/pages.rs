//! The public commitments pages, with the staff's and panel's forms on them.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    load_commitment, load_commitments, AddCommitment, AddLaterView, AdoptTemplate, Assessment,
    CharterSummary, CommitmentDetail, CommitmentSummary, CommitmentsData, CreateCharter,
    EditCommitment, MeasureStanding, Rating, RecordAssessment, Side,
};
use crate::{
    comments::{comment_thread, CommentThread, Subject, SubjectKind, ThreadHandle},
    performance::{model::Period, YearLinks},
    site::{
        forms::{last_error, successes, ErrorSummary, Field, PostForm, Select, TextArea},
        history::ChangeHistory,
    },
};

/// `/landlords/:slug/commitments`
#[component]
pub fn CommitmentsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let adopt = ServerAction::<AdoptTemplate>::new();
    let create = ServerAction::<CreateCharter>::new();
    let add = ServerAction::<AddCommitment>::new();
    let adopt_saved = successes(adopt);
    let create_saved = successes(create);
    let add_saved = successes(add);
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                query.read().get("year"),
                adopt_saved.get() + create_saved.get() + add_saved.get(),
            )
        },
        |(slug, year, _)| load_commitments(slug, year),
    );
    crate::site::loaded(
        data,
        move |data| view! { <CommitmentsView data adopt create add/> },
    )
}

/// One side's verdict for a year, its earlier versions, and any later
/// views added once the year was closed.
#[component]
fn Verdict(
    side: Side,
    assessment: Option<Assessment>,
    #[prop(optional)] later: Vec<Assessment>,
) -> impl IntoView {
    view! {
        <div class=format!("verdict verdict-{}", side.as_str())>
            <h4>{side.label()}</h4>
            {match assessment {
                Some(a) => view! {
                    <p class=format!("rating rating-{}", a.rating.as_str())>{a.rating.label()}</p>
                    <p class="evidence">{a.evidence}</p>
                    <p class="byline">{format!("{}, {}", a.by, a.on)}</p>
                    <ChangeHistory changes=a.changes/>
                }.into_any(),
                None => view! { <p class="empty">"Not given yet."</p> }.into_any(),
            }}
            {(!later.is_empty()).then(|| view! {
                <ul class="later-views">
                    {later.into_iter().map(|v| view! {
                        <li>
                            <p><strong>{format!("Later view, added on {}", v.on)}</strong>{format!(" by {}", v.by)}</p>
                            <p class=format!("rating rating-{}", v.rating.as_str())>{v.rating.label()}</p>
                            <p class="evidence">{v.evidence}</p>
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}

#[component]
fn Standings(measures: Vec<MeasureStanding>, slug: String) -> impl IntoView {
    (!measures.is_empty()).then(|| {
        view! {
            <ul class="standings">
                {measures.into_iter().map(|m| {
                    let href = format!("/landlords/{slug}/performance/{}", m.code);
                    view! {
                        <li>
                            <a href=href>{crate::performance::model::measure_name(&m.title, &m.code)}</a>
                            {if m.results.is_empty() {
                                view! { <span class="series">"No result for this year"</span> }.into_any()
                            } else {
                                m.results.into_iter().map(|(text, status)| view! {
                                    <span class="series">
                                        {text}
                                        {status.map(|s| view! { " " <span class=format!("status status-{}", s.as_str())>{s.label()}</span> })}
                                    </span>
                                }).collect_view().into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    })
}

#[component]
fn CommitmentCard(commitment: CommitmentSummary, slug: String) -> impl IntoView {
    let href = format!("/landlords/{slug}/commitments/{}", commitment.id);
    let heading_id = format!("commitment-{}", commitment.id);
    let labelled_by = heading_id.clone();
    view! {
        <li class="commitment" aria-labelledby=labelled_by>
            <h3 id=heading_id>
                <a href=href>{format!("{}. {}", commitment.position, commitment.title)}</a>
            </h3>
            <p class="expectation">{commitment.expectation}</p>
            {(!commitment.responsible_team.is_empty()).then(|| view! {
                <p class="byline">{format!("Responsible: {}", commitment.responsible_team)}</p>
            })}
            <Standings measures=commitment.measures slug=slug.clone()/>
            <div class="verdicts">
                <Verdict side=Side::Landlord assessment=commitment.landlord/>
                <Verdict side=Side::Panel assessment=commitment.panel/>
            </div>
        </li>
    }
}

#[component]
fn CommitmentsView(
    data: CommitmentsData,
    adopt: ServerAction<AdoptTemplate>,
    create: ServerAction<CreateCharter>,
    add: ServerAction<AddCommitment>,
) -> impl IntoView {
    let CommitmentsData {
        landlord,
        charters,
        year,
        years,
        can_edit,
        has_template,
    } = data;
    let slug = landlord.slug.clone();
    let title = format!("What {} promised", landlord.name);
    let year_links = view! {
        <YearLinks years=years.clone() current=Some(year) base=format!("/landlords/{slug}/commitments")/>
    };
    let empty = charters.is_empty();
    let editing = can_edit.then(|| {
        view! { <CharterForms slug=slug.clone() charters=charters.clone() has_template adopt create add/> }
    });
    view! {
        <Title text=title.clone()/>
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <ol>
                <li><a href="/">"All landlords"</a></li>
                <li><a href=format!("/landlords/{slug}")>{landlord.name.clone()}</a></li>
                <li aria-current="page">"Commitments"</li>
            </ol>
        </nav>
        <h1>{title}</h1>
        <p class="lead">{format!(
            "Each commitment, the measures that show whether it is kept, and two verdicts side by side: the landlord's own and the tenant panel's. Shown for {}.",
            Period::year(year)
        )}</p>
        {year_links}
        {empty.then(|| view! { <p class="empty">"No charter has been published yet."</p> })}
        {charters.into_iter().map(|charter| view! { <CharterSection charter slug=slug.clone()/> }).collect_view()}
        <p class="downloads">
            "Download the commitments and verdicts: "
            <a href=format!("/landlords/{slug}/open-data/commitments.csv") download="">"CSV"<span class="visually-hidden">" spreadsheet file"</span></a>
            " · "
            <a href=format!("/landlords/{slug}/open-data/commitments.json") download="">"JSON"<span class="visually-hidden">" data file"</span></a>
        </p>
        {editing}
    }
}

#[component]
fn CharterSection(charter: CharterSummary, slug: String) -> impl IntoView {
    let heading_id = format!("charter-{}", charter.id);
    let labelled_by = heading_id.clone();
    view! {
        <section class="charter" aria-labelledby=labelled_by>
            <h2 id=heading_id>{charter.title}</h2>
            <p>{charter.about}</p>
            {if charter.commitments.is_empty() {
                view! { <p class="empty">"This charter has no commitments yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="commitments">
                        {charter.commitments.into_iter().map(|commitment| view! { <CommitmentCard commitment slug=slug.clone()/> }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn CharterForms(
    slug: String,
    charters: Vec<CharterSummary>,
    has_template: bool,
    adopt: ServerAction<AdoptTemplate>,
    create: ServerAction<CreateCharter>,
    add: ServerAction<AddCommitment>,
) -> impl IntoView {
    let adopt_error = Signal::derive(move || last_error(adopt.value().get()));
    let create_error = Signal::derive(move || last_error(create.value().get()));
    let add_error = Signal::derive(move || last_error(add.value().get()));
    let charter_choices: Vec<(String, String)> = charters
        .iter()
        .map(|c| (c.id.to_string(), c.title.clone()))
        .collect();
    let adopt_slug = slug.clone();
    let add_slug = slug.clone();
    view! {
        <section class="staff-tools" aria-labelledby="edit-charters">
            <h2 id="edit-charters">"Edit charters"</h2>
            {(!has_template).then(move || view! {
                <h3>"Adopt the Together with Tenants charter"</h3>
                <p>"The National Housing Federation's six commitments, linked to the measures that show them. You can edit every commitment afterwards."</p>
                <ErrorSummary form="adopt" error=adopt_error/>
                <PostForm action=adopt>
                    <input type="hidden" name="slug" value=adopt_slug.clone()/>
                    <button type="submit" class="button">"Adopt the charter"</button>
                </PostForm>
            })}
            <h3>"Start a charter of your own"</h3>
            <ErrorSummary form="charter" error=create_error/>
            <PostForm action=create>
                <input type="hidden" name="slug" value=slug.clone()/>
                <Field form="charter" name="charter_title" label="Name of the charter" error=create_error/>
                <TextArea form="charter" name="charter_about" label="What it is about" required=false rows=3 error=create_error/>
                <button type="submit" class="button">"Start the charter"</button>
            </PostForm>
            {(!charter_choices.is_empty()).then(move || view! {
                <h3>"Add a commitment"</h3>
                <ErrorSummary form="commitment" error=add_error/>
                <PostForm action=add>
                    <input type="hidden" name="slug" value=add_slug.clone()/>
                    <Select form="commitment" name="charter_id" label="Charter" choices=charter_choices.clone() error=add_error/>
                    <Field form="commitment" name="title" label="Title" error=add_error/>
                    <TextArea form="commitment" name="expectation" label="What tenants can expect" hint="In plain words, as a promise to tenants." error=add_error/>
                    <Field form="commitment" name="responsible_team" label="Responsible team" required=false error=add_error/>
                    <Field form="commitment" name="measure_codes" label="Measures that show whether it is kept" hint="Codes separated by commas, such as TP01, TP06" required=false error=add_error/>
                    <button type="submit" class="button">"Add the commitment"</button>
                </PostForm>
            })}
        </section>
    }
}

/// `/landlords/:slug/commitments/:id`
#[component]
pub fn CommitmentPage() -> impl IntoView {
    let params = use_params_map();
    let edit = ServerAction::<EditCommitment>::new();
    let assess = ServerAction::<RecordAssessment>::new();
    let later = ServerAction::<AddLaterView>::new();
    let later_saved = successes(later);
    let edit_saved = successes(edit);
    let assess_saved = successes(assess);
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                params
                    .read()
                    .get("id")
                    .and_then(|id| id.parse::<i64>().ok()),
                edit_saved.get() + assess_saved.get() + later_saved.get(),
            )
        },
        |(slug, id, _)| async move {
            match id {
                Some(id) => load_commitment(slug, id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let thread = comment_thread(move || {
        let params = params.read();
        (
            params.get("slug").unwrap_or_default(),
            params
                .get("id")
                .and_then(|id| id.parse::<i64>().ok())
                .map(|id| Subject::new(SubjectKind::Commitment, id)),
        )
    });
    crate::site::loaded(
        data,
        move |data| view! { <CommitmentView data edit assess later thread/> },
    )
}

#[component]
fn CommitmentView(
    data: CommitmentDetail,
    edit: ServerAction<EditCommitment>,
    assess: ServerAction<RecordAssessment>,
    later: ServerAction<AddLaterView>,
    thread: ThreadHandle,
) -> impl IntoView {
    let slug = data.landlord.slug.clone();
    let mut years: Vec<i32> = data
        .assessments
        .iter()
        .chain(data.later_views.iter())
        .map(|a| a.year)
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let verdict_rows = years
        .into_iter()
        .map(|year| {
            let find = |side: Side| {
                data.assessments
                    .iter()
                    .find(|a| a.year == year && a.side == side)
                    .cloned()
            };
            let later = |side: Side| -> Vec<Assessment> {
                data.later_views
                    .iter()
                    .filter(|a| a.year == year && a.side == side)
                    .cloned()
                    .collect()
            };
            let closed = data.closed_years.contains(&year);
            view! {
                <section class="verdict-year" aria-label=Period::year(year).to_string()>
                    <h3>{Period::year(year).to_string()}</h3>
                    {closed.then(|| view! { <p class="hint">"This year's annual review is published, so these verdicts are closed. Later views are added below them, dated."</p> })}
                    <div class="verdicts">
                        <Verdict side=Side::Landlord assessment=find(Side::Landlord) later=later(Side::Landlord)/>
                        <Verdict side=Side::Panel assessment=find(Side::Panel) later=later(Side::Panel)/>
                    </div>
                </section>
            }
        })
        .collect_view();
    let edit_error = Signal::derive(move || last_error(edit.value().get()));
    let assess_error = Signal::derive(move || last_error(assess.value().get()));
    let edit_form = data.can_edit.then(|| {
        let slug = slug.clone();
        let (title, expectation, team, codes) = (
            data.title.clone(),
            data.expectation.clone(),
            data.responsible_team.clone(),
            data.measure_codes.clone(),
        );
        view! {
            <section class="staff-tools" aria-labelledby="edit-heading">
                <h2 id="edit-heading">"Edit this commitment"</h2>
                <p>"Every change is kept and shown in the history below, with your name and your reason."</p>
                <ErrorSummary form="edit" error=edit_error/>
                <PostForm action=edit>
                    <input type="hidden" name="slug" value=slug.clone()/>
                    <input type="hidden" name="id" value=data.id/>
                    <input type="hidden" name="version" value=data.version/>
                    <Field form="edit" name="title" label="Title" value=title error=edit_error/>
                    <TextArea form="edit" name="expectation" label="What tenants can expect" value=expectation error=edit_error/>
                    <Field form="edit" name="responsible_team" label="Responsible team" required=false value=team error=edit_error/>
                    <Field form="edit" name="measure_codes" label="Measures that show whether it is kept" hint="Codes separated by commas, such as TP01, TP06" required=false value=codes error=edit_error/>
                    <TextArea form="edit" name="reason" label="What changed and why" rows=2 error=edit_error/>
                    <button type="submit" class="button">"Save a new version"</button>
                </PostForm>
            </section>
        }
    });
    let assess_form = data.can_assess_as.map(|side| {
        let slug = slug.clone();
        let ratings = rating_choices();
        let years = year_choices((0..5).map(|back| data.year - back));
        view! {
            <section class="staff-tools" aria-labelledby="assess-heading">
                <h2 id="assess-heading">{format!("Record {}", side.label().to_lowercase())}</h2>
                <p>"Giving a verdict again for the same year replaces it, but the earlier one stays on the record with your reason. Once a year's annual review is published its verdicts are closed: add a later view instead."</p>
                <ErrorSummary form="assess" error=assess_error/>
                <PostForm action=assess>
                    <input type="hidden" name="slug" value=slug.clone()/>
                    <input type="hidden" name="id" value=data.id/>
                    <Select form="assess" name="year" label="Year" choices=years error=assess_error/>
                    <Select form="assess" name="rating" label="Is the commitment being kept?" choices=ratings error=assess_error/>
                    <TextArea form="assess" name="evidence" label="Evidence" hint="What you saw, heard or measured that supports the verdict." error=assess_error/>
                    <TextArea form="assess" name="change_reason" label="Why the verdict is changing" hint="Needed only to replace a verdict already given." required=false rows=2 error=assess_error/>
                    <button type="submit" class="button">"Record the verdict"</button>
                </PostForm>
            </section>
        }
    });
    let later_error = Signal::derive(move || last_error(later.value().get()));
    let later_form = data.can_assess_as.filter(|_| !data.closed_years.is_empty()).map(|side| {
        let slug = slug.clone();
        let ratings = rating_choices();
        let years = year_choices(data.closed_years.iter().copied());
        view! {
            <section class="staff-tools" aria-labelledby="later-heading">
                <h2 id="later-heading">{format!("Add a later view: {}", side.label().to_lowercase())}</h2>
                <p>"For a year whose annual review is published. It is shown, dated, after the published verdict, which stays as it was."</p>
                <ErrorSummary form="later" error=later_error/>
                <PostForm action=later>
                    <input type="hidden" name="slug" value=slug.clone()/>
                    <input type="hidden" name="id" value=data.id/>
                    <Select form="later" name="year" label="Year" choices=years error=later_error/>
                    <Select form="later" name="rating" label="Is the commitment being kept, as you see it now?" choices=ratings error=later_error/>
                    <TextArea form="later" name="evidence" label="What you see now" error=later_error/>
                    <button type="submit" class="button secondary">"Add the later view"</button>
                </PostForm>
            </section>
        }
    });
    let heading = data.title.clone();
    view! {
        <Title text=heading.clone()/>
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <ol>
                <li><a href="/">"All landlords"</a></li>
                <li><a href=format!("/landlords/{slug}")>{data.landlord.name.clone()}</a></li>
                <li><a href=format!("/landlords/{slug}/commitments")>"Commitments"</a></li>
                <li aria-current="page">{heading.clone()}</li>
            </ol>
        </nav>
        <p class="byline">{data.charter_title.clone()}</p>
        <h1>{heading}</h1>
        <p class="lead">{data.expectation.clone()}</p>
        {(!data.responsible_team.is_empty()).then(|| view! { <p>{format!("Responsible: {}", data.responsible_team)}</p> })}
        <h2>{format!("The measures, {}", Period::year(data.year))}</h2>
        {if data.measures.is_empty() {
            view! { <p class="empty">"No measures are linked to this commitment."</p> }.into_any()
        } else {
            view! { <Standings measures=data.measures.clone() slug=slug.clone()/> }.into_any()
        }}
        <h2>"Verdicts, year by year"</h2>
        {if data.assessments.is_empty() {
            view! { <p class="empty">"No verdicts have been given yet."</p> }.into_any()
        } else {
            verdict_rows.into_any()
        }}
        <CommentThread thread/>
        {assess_form}
        {later_form}
        {edit_form}
        <section aria-labelledby="history-heading">
            <h2 id="history-heading">"History of this commitment"</h2>
            <ol class="history" reversed>
                {data.versions.into_iter().map(|v| view! {
                    <li>
                        <p><strong>{format!("Version {}", v.version)}</strong>{format!(", {} by {}: {}", v.on, v.by, v.reason)}</p>
                        <details>
                            <summary>{format!("What version {} said", v.version)}</summary>
                            <dl class="facts">
                                <dt>"Title"</dt><dd>{v.title}</dd>
                                <dt>"What tenants can expect"</dt><dd>{v.expectation}</dd>
                                <dt>"Responsible team"</dt><dd>{if v.responsible_team.is_empty() { "Not named".to_string() } else { v.responsible_team }}</dd>
                                <dt>"Measures"</dt><dd>{if v.measure_codes.is_empty() { "None".to_string() } else { v.measure_codes }}</dd>
                            </dl>
                        </details>
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// The verdicts to choose from, as (value, label).
fn rating_choices() -> Vec<(String, String)> {
    Rating::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), r.label().to_string()))
        .collect()
}

/// Years to choose from, each as its label ("2025/26") both ways.
fn year_choices(years: impl Iterator<Item = i32>) -> Vec<(String, String)> {
    years
        .map(|year| {
            let label = Period::year(year).year_label();
            (label.clone(), label)
        })
        .collect()
}
