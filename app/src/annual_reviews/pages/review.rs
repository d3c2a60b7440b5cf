//! One year's review: its sections while it is written, sign-off, the
//! landlord's response, and the published review.
use leptos::prelude::*;
use leptos_meta::Title;

use super::parts::{number, param, trail, Figures, FollowupView};
use crate::annual_reviews::{
    load_annual_review, AddSection, ArrangeSection, AskSignOff, Followup, InviteAuthor,
    PublishAnnualReview, PublishedSection, Quorum, ReopenReview, RespondToReview, ReviewDetail,
    SignReview,
};
use crate::{
    error::AppError,
    site::{
        forms::{last_error, successes, ErrorSummary, Field, PostForm, Select, TextArea},
        loaded, Breadcrumb,
    },
};

/// The actions from writing to publishing.
#[derive(Clone, Copy)]
struct Steps {
    ask: ServerAction<AskSignOff>,
    reopen: ServerAction<ReopenReview>,
    sign: ServerAction<SignReview>,
    respond: ServerAction<RespondToReview>,
    publish: ServerAction<PublishAnnualReview>,
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
        <p><a href=format!("/landlords/{slug}/annual-reviews/{last}")>{format!("Last year's review, and what became of its recommendations: {}", crate::annual_reviews::label(last))}</a></p>
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
