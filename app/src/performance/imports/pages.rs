//! The import pages: the upload form (the portal's one island), the guide
//! to the file, and a checked file's problems or preview.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{
    load_import, load_import_page, Change, DiscardImport, ImportDetails, ImportPageData,
    ImportState, PublishImport, MAX_UPLOAD_MEGABYTES,
};
use crate::{
    error::AppError,
    performance::{
        model::{Figure, Unit},
        LandlordRef,
    },
    site::forms::{last_error, successes, ErrorSummary, PostForm, TextArea},
};

/// `/landlords/:slug/performance/import`: upload a file.
#[component]
pub fn ImportPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("slug").unwrap_or_default(),
        load_import_page,
    );
    crate::site::loaded(data, move |data| view! { <ImportView data/> })
}

#[component]
fn Crumbs(landlord: LandlordRef, current: &'static str) -> impl IntoView {
    let trail = vec![
        (
            format!("/landlords/{}", landlord.slug),
            landlord.name.clone(),
        ),
        (
            format!("/landlords/{}/performance", landlord.slug),
            "Performance".to_string(),
        ),
    ];
    view! { <crate::site::Breadcrumb trail current=current.to_string()/> }
}

/// The upload form, the portal's one island. A plain form post, so it
/// works the same with and without JavaScript; with it, the button stops a
/// second press and a progress bar shows while a large file is sent and
/// checked. (`IslandScripts` must be on the same page.)
#[island]
fn UploadForm(slug: String, max_megabytes: usize) -> impl IntoView {
    let (sending, set_sending) = signal(false);
    let form = NodeRef::<leptos::html::Form>::new();
    // Tells tests (and curious readers of the page) that the island is alive.
    Effect::new(move |_| {
        if let Some(form) = form.get() {
            let _ = form.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <form
            node_ref=form
            class="upload"
            method="post"
            enctype="multipart/form-data"
            action=format!("/landlords/{slug}/performance/import")
            on:submit=move |_| set_sending.set(true)
        >
            <div class="field">
                <label for="import-file">"CSV file of results and targets"</label>
                <p class="hint" id="import-file-hint">{format!("Up to {max_megabytes} MB, saved as CSV UTF-8.")}</p>
                <input id="import-file" name="file" type="file" accept=".csv,text/csv" required aria-describedby="import-file-hint"/>
            </div>
            <button type="submit" class="button" disabled=move || sending.get()>"Upload and check"</button>
            <div role="status" aria-live="polite" class="progress">
                {move || sending.get().then(|| view! {
                    <label for="import-progress">"Sending and checking your file…"</label>
                    <progress id="import-progress"></progress>
                })}
            </div>
        </form>
    }
}

#[component]
fn ImportView(data: ImportPageData) -> impl IntoView {
    let ImportPageData {
        landlord,
        measures,
        guide,
        recent,
        max_megabytes,
    } = data;
    let slug = landlord.slug.clone();
    view! {
        <Title text="Import results"/>
        <Crumbs landlord=landlord.clone() current="Import"/>
        <h1>"Import results and targets"</h1>
        <p class="lead">"Upload a spreadsheet saved as CSV. The portal checks the whole file and shows you what would change. Nothing is published until you say so."</p>
        <p><a href="/help/import-template.csv" download="">"Download a template file"</a>" with the right columns and example rows. The example rows' notes start with “EXAMPLE:”: replace them with your own figures or delete them, as the check refuses them unchanged."</p>
        <UploadForm slug=slug.clone() max_megabytes/>
        <crate::site::IslandScripts/>
        <h2>"How to lay out the file"</h2>
        <p>"The first line names the columns, in any order. One line per measure, part, tenure and period."</p>
        <div class="table-wrap" role="region" aria-label="Columns" tabindex="0">
            <table>
                <caption>"Columns of the file"</caption>
                <thead><tr><th scope="col">"Column"</th><th scope="col">"Needed?"</th><th scope="col">"What to write"</th></tr></thead>
                <tbody>
                    {guide.into_iter().map(|(column, required, about)| view! {
                        <tr><th scope="row"><code>{column}</code></th><td>{if required { "Yes" } else { "No" }}</td><td>{about}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <details>
            <summary>"Measure codes and parts"</summary>
            <ul class="link-list">
                {measures.into_iter().map(|(code, title, parts)| {
                    let parts = if parts.is_empty() { String::new() } else { format!(" (parts: {})", parts.join(", ")) };
                    view! { <li><code>{code}</code>" "{title}{parts}</li> }
                }).collect_view()}
            </ul>
        </details>
        <h2>"Recent imports"</h2>
        {if recent.is_empty() {
            view! { <p>"No files have been imported yet."</p> }.into_any()
        } else {
            view! {
                <ul class="link-list">
                    {recent.into_iter().map(|import| view! {
                        <li>
                            <a href=format!("/landlords/{slug}/performance/import/{}", import.id)>{import.file_name}</a>
                            {format!(": {} by {} on {}", status_word(&import.status), import.uploaded_by, import.uploaded_on)}
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

fn status_word(status: &str) -> &'static str {
    match status {
        "rejected" => "had problems",
        "checked" => "checked, waiting to be published",
        "published" => "published",
        _ => "set aside",
    }
}

/// `/landlords/:slug/performance/import/:id`: problems, or the preview.
#[component]
pub fn ImportResultPage() -> impl IntoView {
    let params = use_params_map();
    let publish = ServerAction::<PublishImport>::new();
    let discard = ServerAction::<DiscardImport>::new();
    let publish_saved = successes(publish);
    let discard_saved = successes(discard);
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                params
                    .read()
                    .get("id")
                    .and_then(|id| id.parse::<i64>().ok()),
                publish_saved.get() + discard_saved.get(),
            )
        },
        |(slug, id, _)| async move {
            match id {
                Some(id) => load_import(slug, id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    crate::site::loaded(
        data,
        move |data| view! { <ImportResultView data publish discard/> },
    )
}

fn figure_change(unit: Unit, change: Option<Change>) -> String {
    let show = |v: i64| unit.format(Figure(v));
    match change {
        None => "No change".into(),
        Some(Change { old: None, new }) => format!("New: {}", show(new)),
        Some(Change {
            old: Some(old),
            new,
        }) => format!("{} → {}", show(old), show(new)),
    }
}

fn responses_change(change: Option<Change>) -> String {
    match change {
        None => "No change".into(),
        Some(Change { old: None, new }) => format!("New: {new}"),
        Some(Change {
            old: Some(old),
            new,
        }) => format!("{old} → {new}"),
    }
}

#[component]
fn ImportResultView(
    data: ImportDetails,
    publish: ServerAction<PublishImport>,
    discard: ServerAction<DiscardImport>,
) -> impl IntoView {
    let ImportDetails {
        landlord,
        id,
        file_name,
        uploaded_by,
        uploaded_on,
        state,
    } = data;
    let slug = landlord.slug.clone();
    let about = format!("{file_name}, uploaded by {uploaded_by} on {uploaded_on}.");
    let body = match state {
        ImportState::Rejected { problems, more } => {
            let count = problems.len() + more;
            view! {
                <div class="error-summary" role="alert" tabindex="-1">
                    <h2>{if count == 1 { "There is a problem with the file".to_string() } else { format!("There are {count} problems with the file") }}</h2>
                    <p>"Nothing has been published. Correct the file and upload it again."</p>
                </div>
                <div class="table-wrap" role="region" aria-label="Problems" tabindex="0">
                    <table>
                        <caption>"Problems found"</caption>
                        <thead><tr><th scope="col">"Line"</th><th scope="col">"Column"</th><th scope="col">"Problem"</th></tr></thead>
                        <tbody>
                            {problems.into_iter().map(|p| view! {
                                <tr>
                                    <td>{p.line.map(|l| l.to_string()).unwrap_or_else(|| "Whole file".into())}</td>
                                    <td>{p.column.unwrap_or_default()}</td>
                                    <td>{p.message}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                {(more > 0).then(|| view! { <p>{format!("And {more} more problems not listed here.")}</p> })}
                <h2>"Upload a corrected file"</h2>
                <UploadForm slug=slug.clone() max_megabytes=MAX_UPLOAD_MEGABYTES/>
                <crate::site::IslandScripts/>
            }
            .into_any()
        }
        ImportState::Checked(preview) => {
            let error = Signal::derive(move || last_error(publish.value().get()).or_else(|| last_error(discard.value().get())));
            let needs_reason = preview.corrected_rows > 0;
            let nothing = preview.new_rows + preview.corrected_rows == 0;
            let (publish_slug, discard_slug) = (slug.clone(), slug.clone());
            let corrections: Vec<String> = preview
                .changes
                .iter()
                .filter(|row| row.is_correction())
                .map(|row| {
                    let mut what = Vec::new();
                    if let Some(Change { old: Some(_), .. }) = row.result {
                        what.push(format!("result {}", figure_change(row.unit, row.result)));
                    }
                    if let Some(Change { old: Some(_), .. }) = row.target {
                        what.push(format!("target {}", figure_change(row.unit, row.target)));
                    }
                    if let Some(Change { old: Some(_), .. }) = row.responses {
                        what.push(format!("survey responses {}", responses_change(row.responses)));
                    }
                    format!("Line {}: {}, {}, {}: {}", row.line, row.code, row.series_label, row.period, what.join("; "))
                })
                .collect();
            let publish_words = match preview.corrected_rows {
                _ if nothing => "Record this file (nothing changes)".to_string(),
                0 => "Publish these figures".to_string(),
                1 => "Publish, and correct 1 published figure".to_string(),
                n => format!("Publish, and correct {n} published figures"),
            };
            view! {
                <div class="notice" role="status">
                    <h2>"The file has no problems"</h2>
                    <p>{preview.summary()}"."</p>
                </div>
                <ErrorSummary form="publish" error/>
                {(!preview.changes.is_empty()).then(|| view! {
                    <div class="table-wrap" role="region" aria-label="What would change" tabindex="0">
                        <table>
                            <caption>"What publishing would change"</caption>
                            <thead><tr>
                                <th scope="col">"Line"</th>
                                <th scope="col">"Measure"</th>
                                <th scope="col">"Period"</th>
                                <th scope="col">"Result"</th>
                                <th scope="col">"Target"</th>
                                <th scope="col">"Survey responses"</th>
                            </tr></thead>
                            <tbody>
                                {preview.changes.into_iter().map(|row| view! {
                                    <tr class:correction=row.is_correction()>
                                        <td>{row.line}</td>
                                        <th scope="row">{row.code.clone()}<span class="series">{row.series_label.clone()}</span></th>
                                        <td>{row.period.to_string()}</td>
                                        <td>{figure_change(row.unit, row.result)}</td>
                                        <td>{figure_change(row.unit, row.target)}</td>
                                        <td>{responses_change(row.responses)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                })}
                {(!corrections.is_empty()).then(|| view! {
                    <section class="warning" aria-labelledby="corrections-warning">
                        <h2 id="corrections-warning">"This import changes figures already published"</h2>
                        <p>"Everyone can already see these figures. Publishing replaces them, and shows the old ones beside them as corrections with your reason. If you did not mean to change them, set this file aside."</p>
                        <ul>{corrections.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
                    </section>
                })}
                <PostForm action=publish>
                    <input type="hidden" name="slug" value=publish_slug/>
                    <input type="hidden" name="id" value=id/>
                    {if needs_reason {
                        view! {
                            <TextArea form="publish" name="reason" label="Why are published figures being corrected?"
                                hint="Shown to everyone beside each correction, for example: the survey contractor re-weighted the results." error/>
                        }.into_any()
                    } else {
                        view! { <input type="hidden" name="reason" value=""/> }.into_any()
                    }}
                    <button type="submit" class="button">{publish_words}</button>
                </PostForm>
                <PostForm action=discard>
                    <input type="hidden" name="slug" value=discard_slug/>
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="button secondary">"Set this file aside"</button>
                </PostForm>
            }
            .into_any()
        }
        ImportState::Published { summary, on } => view! {
            <div class="notice" role="status">
                <h2>{format!("Published on {on}")}</h2>
                <p>{summary}"."</p>
            </div>
            <p><a href=format!("/landlords/{slug}/performance")>"See the performance pages"</a></p>
        }
        .into_any(),
        ImportState::Discarded => view! {
            <div class="notice" role="status"><p>"This file was set aside. Nothing in it was published."</p></div>
            <p><a href=format!("/landlords/{slug}/performance/import")>"Upload another file"</a></p>
        }
        .into_any(),
    };
    view! {
        <Title text="Checked file"/>
        <Crumbs landlord=landlord.clone() current="Checked file"/>
        <h1>"Your file"</h1>
        <p>{about}</p>
        {body}
    }
}
