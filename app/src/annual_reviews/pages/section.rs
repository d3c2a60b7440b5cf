//! A section's writing page, with the overlap view when two people
//! changed the same words, and the authors' notes.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::parts::{number, param, trail, Figures, FollowupView, SectionResponse};
use crate::annual_reviews::{
    load_section, AddSectionNote, ResolveSectionNote, RespondToSection, SaveSection, SectionDetail,
    SectionState, SetSectionState,
};
use crate::{
    error::AppError,
    site::{
        forms::{last_error, successes, ErrorSummary, PostForm, Select, TextArea},
        loaded, Breadcrumb,
    },
};

/// The actions on authors' notes.
#[derive(Clone, Copy)]
struct Notes {
    add: ServerAction<AddSectionNote>,
    resolve: ServerAction<ResolveSectionNote>,
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
