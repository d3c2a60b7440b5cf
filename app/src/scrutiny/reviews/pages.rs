//! The review page (the panel's working space, then the published report
//! with the landlord's answers) and "what happened next".
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{
    load_recommendation, load_review, load_what_happened_next, AddEvidence, AddProgress,
    AddRecommendation, Answer, AnswerRecommendation, NextLine, PublishReport, Recommendation,
    RecommendationDetail, ReviewDetail, SaveReviewText, SetResponseWeeks, StartReview,
    WhatHappenedNext, DOCUMENT_HINT,
};
use crate::{
    comments::{comment_thread, CommentThread, Subject, SubjectKind, ThreadHandle},
    scrutiny::pages::Crumbs,
    site::{
        forms::{last_error, successes, ErrorSummary, Field, PostForm, Select, TextArea},
        history::ChangeHistory,
        loaded,
    },
};

/// `/landlords/:slug/scrutiny/reviews/:id`
#[component]
pub fn ReviewPage() -> impl IntoView {
    let params = use_params_map();
    let text = ServerAction::<SaveReviewText>::new();
    let evidence = ServerAction::<AddEvidence>::new();
    let recommend = ServerAction::<AddRecommendation>::new();
    let publish = ServerAction::<PublishReport>::new();
    let answer = ServerAction::<AnswerRecommendation>::new();
    let progress = ServerAction::<AddProgress>::new();
    let changes = [
        successes(text),
        successes(evidence),
        successes(recommend),
        successes(publish),
        successes(answer),
        successes(progress),
    ];
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                params
                    .read()
                    .get("id")
                    .and_then(|id| id.parse::<i64>().ok()),
                changes.iter().map(|c| c.get()).sum::<usize>(),
            )
        },
        |(slug, id, _)| async move {
            match id {
                Some(id) => load_review(slug, id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let actions = ReviewActions {
        text,
        evidence,
        recommend,
        publish,
        answer,
        progress,
    };
    loaded(data, move |data| view! { <ReviewView data actions/> })
}

#[derive(Clone, Copy)]
struct ReviewActions {
    text: ServerAction<SaveReviewText>,
    evidence: ServerAction<AddEvidence>,
    recommend: ServerAction<AddRecommendation>,
    publish: ServerAction<PublishReport>,
    answer: ServerAction<AnswerRecommendation>,
    progress: ServerAction<AddProgress>,
}

#[component]
fn ReviewView(data: ReviewDetail, actions: ReviewActions) -> impl IntoView {
    let slug = data.landlord.slug.clone();
    let id = data.id;
    let status = match (&data.published_on, &data.answers_due_on) {
        (Some(on), Some(due)) => format!("Report published on {on}. The landlord's answers are due by {due}."),
        _ => "Draft: the panel is still working on this review. Only the panel and the landlord's staff can see it.".to_string(),
    };
    let working = data.can_work.then(|| {
        view! { <WorkForms slug=slug.clone() id scope=data.scope.clone() summary=data.summary.clone() actions/> }
    });
    let publish_error = Signal::derive(move || last_error(actions.publish.value().get()));
    let publish_form = data.can_publish.then(|| {
        let slug = slug.clone();
        view! {
            <section class="staff-tools" aria-labelledby="publish-heading">
                <h2 id="publish-heading">"Publish the report"</h2>
                <p>"Publishing makes the report public and starts the landlord's time to answer. It cannot be changed afterwards."</p>
                <ErrorSummary form="publish" error=publish_error/>
                <PostForm action=actions.publish>
                    <input type="hidden" name="slug" value=slug/>
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="button">"Publish the report"</button>
                </PostForm>
            </section>
        }
    });
    let answering = data.can_respond.then(|| {
        view! { <AnswerForms slug=slug.clone() review_id=id recommendations=data.recommendations.clone() actions/> }
    });
    view! {
        <Title text=data.title.clone()/>
        <Crumbs landlord=data.landlord.clone() current="Review".to_string()/>
        <h1>{data.title.clone()}</h1>
        <p class="lead">{status}</p>
        {data.from_proposal.clone().map(|(proposal, title)| view! {
            <p>"Chosen by residents: "<a href=format!("/landlords/{slug}/scrutiny/proposals/{proposal}")>{title}</a></p>
        })}
        <h2>"Scope"</h2>
        {if data.scope.is_empty() {
            view! { <p class="empty">"Not written yet."</p> }.into_any()
        } else {
            view! { <p class="prose">{data.scope.clone()}</p> }.into_any()
        }}
        {(!data.summary.is_empty()).then(|| view! {
            <h2>"What the panel found"</h2>
            <p class="prose">{data.summary.clone()}</p>
        })}
        <h2>"Recommendations"</h2>
        {if data.recommendations.is_empty() {
            view! { <p class="empty">"No recommendations yet."</p> }.into_any()
        } else {
            view! {
                <ol class="recommendations">
                    {data.recommendations.clone().into_iter().map(|r| {
                        let link = format!("/landlords/{slug}/scrutiny/recommendations/{}", r.id);
                        view! { <RecommendationItem recommendation=r link/> }
                    }).collect_view()}
                </ol>
            }.into_any()
        }}
        <h2 id="evidence">"Evidence"</h2>
        {if data.evidence.is_empty() {
            view! { <p class="empty">"No evidence has been logged yet."</p> }.into_any()
        } else {
            view! {
                <ul class="evidence-log">
                    {data.evidence.clone().into_iter().map(|e| view! {
                        <li>
                            <p><strong>{match (e.kind.as_str(), &e.held_on) {
                                ("meeting", Some(day)) => format!("Meeting on {day}: "),
                                (kind, _) => format!("{}: ", match kind { "link" => "Link", "meeting" => "Meeting", "document" => "Document", _ => "Note" }),
                            }}</strong>
                            {match e.url.clone() {
                                // Documents download from the server, not through the page router.
                                Some(url) if e.kind == "document" => view! { <a href=url download="" rel="external">{e.title.clone()}</a> }.into_any(),
                                Some(url) => view! { <a href=url rel="nofollow noopener">{e.title.clone()}</a> }.into_any(),
                                None => view! { <span>{e.title.clone()}</span> }.into_any(),
                            }}</p>
                            {(!e.body.is_empty()).then(|| view! { <p class="prose">{e.body.clone()}</p> })}
                            <p class="byline">{format!("Added by {} on {}", e.added_by, e.added_on)}</p>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        {answering}
        {working}
        {publish_form}
    }
}

/// The landlord's forms: answer a recommendation, report progress on one.
/// One form each, with the recommendation chosen in it, so an error shows
/// once, by the form it belongs to.
#[component]
fn AnswerForms(
    slug: String,
    review_id: i64,
    recommendations: Vec<Recommendation>,
    actions: ReviewActions,
) -> impl IntoView {
    use super::Standing;
    let answer_error = Signal::derive(move || last_error(actions.answer.value().get()));
    let progress_error = Signal::derive(move || last_error(actions.progress.value().get()));
    let choice = |r: &Recommendation| {
        let text: String = r.text.chars().take(80).collect();
        (r.id.to_string(), format!("{}. {text}", r.number))
    };
    let open: Vec<(String, String)> = recommendations
        .iter()
        .filter(|r| !matches!(r.standing, Standing::Done(_)))
        .map(choice)
        .collect();
    let in_progress: Vec<(String, String)> = recommendations
        .iter()
        .filter(|r| {
            matches!(
                r.standing,
                Standing::InProgress(_) | Standing::ActionOverdue(_)
            )
        })
        .map(choice)
        .collect();
    let answers: Vec<(String, String)> = Answer::ALL
        .iter()
        .map(|a| (a.as_str().to_string(), a.label().to_string()))
        .collect();
    let (a, b) = (slug.clone(), slug);
    view! {
        <section class="staff-tools" aria-labelledby="answer-heading">
            <h2 id="answer-heading">"The landlord's answers"</h2>
            {(!open.is_empty()).then(move || view! {
                <h3>"Answer a recommendation"</h3>
                <p>"Answers are published straight away, and the tenant panel is told."</p>
                <ErrorSummary form="answer" error=answer_error/>
                <PostForm action=actions.answer>
                    <input type="hidden" name="slug" value=a.clone()/>
                    <input type="hidden" name="review_id" value=review_id/>
                    <Select form="answer" name="recommendation_id" label="Recommendation to answer" choices=open.clone() error=answer_error/>
                    <Select form="answer" name="answer" label="The landlord's answer" choices=answers.clone() error=answer_error/>
                    <TextArea form="answer" name="reason" label="Why" rows=3 error=answer_error/>
                    <TextArea form="answer" name="action" label="What will be done" hint="Not needed when the recommendation is not accepted." required=false rows=3 error=answer_error/>
                    <Field form="answer" name="owner" label="Who is responsible" required=false error=answer_error/>
                    <Field form="answer" name="due_on" label="Due by" kind="date" required=false error=answer_error/>
                    <TextArea form="answer" name="change_reason" label="Why the answer is changing" hint="Needed only to change an answer already published. The earlier answer stays on the public record with this reason." required=false rows=2 error=answer_error/>
                    <button type="submit" class="button">"Publish the answer"</button>
                </PostForm>
            })}
            {(!in_progress.is_empty()).then(move || view! {
                <h3>"Report progress"</h3>
                <ErrorSummary form="progress" error=progress_error/>
                <PostForm action=actions.progress>
                    <input type="hidden" name="slug" value=b.clone()/>
                    <input type="hidden" name="review_id" value=review_id/>
                    <Select form="progress" name="recommendation_id" label="Recommendation to report on" choices=in_progress.clone() error=progress_error/>
                    <TextArea form="progress" name="progress" label="What has happened" rows=3 error=progress_error/>
                    <div class="field checkbox">
                        <input type="checkbox" id="progress-done" name="done" value="yes"/>
                        <label for="progress-done">"This completes the action"</label>
                    </div>
                    <button type="submit" class="button secondary">"Publish the update"</button>
                </PostForm>
            })}
        </section>
    }
}

#[component]
fn WorkForms(
    slug: String,
    id: i64,
    scope: String,
    summary: String,
    actions: ReviewActions,
) -> impl IntoView {
    let text_error = Signal::derive(move || last_error(actions.text.value().get()));
    let evidence_error = Signal::derive(move || last_error(actions.evidence.value().get()));
    let recommend_error = Signal::derive(move || last_error(actions.recommend.value().get()));
    let kinds = vec![
        ("note".to_string(), "A note".to_string()),
        (
            "link".to_string(),
            "A link to a document or page".to_string(),
        ),
        ("meeting".to_string(), "A meeting".to_string()),
    ];
    let (a, b, c, d) = (slug.clone(), slug.clone(), slug.clone(), slug);
    view! {
        <section class="staff-tools" aria-labelledby="work-heading">
            <h2 id="work-heading">"The panel's work"</h2>
            <h3>"Scope and findings"</h3>
            <ErrorSummary form="review" error=text_error/>
            <PostForm action=actions.text>
                <input type="hidden" name="slug" value=a/>
                <input type="hidden" name="id" value=id/>
                <TextArea form="review" name="scope" label="Scope" hint="What the panel will look at, and what it will not." required=false value=scope error=text_error/>
                <TextArea form="review" name="summary" label="What the panel found" hint="The report's summary, published with the recommendations." required=false value=summary error=text_error/>
                <button type="submit" class="button secondary">"Save"</button>
            </PostForm>
            <h3>"Log evidence"</h3>
            <ErrorSummary form="evidence" error=evidence_error/>
            <PostForm action=actions.evidence>
                <input type="hidden" name="slug" value=b/>
                <input type="hidden" name="id" value=id/>
                <Select form="evidence" name="kind" label="What kind" choices=kinds error=evidence_error/>
                <Field form="evidence" name="title" label="Title" error=evidence_error/>
                <TextArea form="evidence" name="body" label="Notes" required=false rows=3 error=evidence_error/>
                <Field form="evidence" name="url" label="Web address, for a link" kind="url" required=false error=evidence_error/>
                <Field form="evidence" name="held_on" label="Date, for a meeting" kind="date" hint="The day the meeting was held." required=false error=evidence_error/>
                <button type="submit" class="button secondary">"Add to the evidence log"</button>
            </PostForm>
            <h3>"Upload a document"</h3>
            // A plain form: files go to the server's upload address, with or
            // without JavaScript, and a refusal comes back as a page.
            <form method="post" action=format!("/landlords/{d}/scrutiny/reviews/{id}/documents") enctype="multipart/form-data">
                <div class="field">
                    <label for="document-title">"Title"</label>
                    <input id="document-title" name="title" type="text" required/>
                </div>
                <div class="field">
                    <label for="document-file">"Document"</label>
                    <p class="hint" id="document-file-hint">{DOCUMENT_HINT}</p>
                    <input id="document-file" name="file" type="file" required aria-describedby="document-file-hint"/>
                </div>
                <button type="submit" class="button secondary">"Upload the document"</button>
            </form>
            <h3>"Add a recommendation"</h3>
            <ErrorSummary form="recommendation" error=recommend_error/>
            <PostForm action=actions.recommend>
                <input type="hidden" name="slug" value=c/>
                <input type="hidden" name="id" value=id/>
                <TextArea form="recommendation" name="text" label="Recommendation" hint="One clear thing the landlord should do. It gets the next number." rows=3 error=recommend_error/>
                <button type="submit" class="button secondary">"Add recommendation"</button>
            </PostForm>
        </section>
    }
}

/// A recommendation with the landlord's answer and progress; `link` goes
/// to its own page, where people comment on it.
#[component]
fn RecommendationItem(
    recommendation: Recommendation,
    #[prop(optional)] link: Option<String>,
) -> impl IntoView {
    let r = recommendation;
    let number = r.number;
    view! {
        <li class="recommendation" value=r.number>
            <p class="recommendation-text">{r.text.clone()}</p>
            {link.map(|link| view! {
                <p><a href=link>"Comments on recommendation "{number}</a></p>
            })}
            <p class=r.standing.class()><strong>{r.standing.label()}</strong></p>
            {r.answered_late.clone().map(|late| view! { <p class="standing standing-overdue">{late}</p> })}
            {r.answer.map(|_| view! {
                <dl class="facts">
                    <dt>"Why"</dt><dd>{r.reason.clone()}</dd>
                    {(!r.action.is_empty()).then(|| view! {
                        <dt>"What will be done"</dt><dd>{r.action.clone()}</dd>
                        <dt>"Responsible"</dt><dd>{r.owner.clone()}</dd>
                        <dt>"Due by"</dt><dd>{r.due_on.clone().unwrap_or_default()}</dd>
                    })}
                </dl>
            })}
            <ChangeHistory changes=r.changes.clone()/>
            {(!r.updates.is_empty()).then(|| view! {
                <ul class="updates">
                    {r.updates.clone().into_iter().map(|u| view! {
                        <li>
                            <p>{u.body}</p>
                            <p class="byline">{format!("{}{}, {}", if u.marks_done { "Done. " } else { "" }, u.by, u.on)}</p>
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </li>
    }
}

/// `/landlords/:slug/scrutiny/recommendations/:id`: one recommendation,
/// where it stands, and the comments on it.
#[component]
pub fn RecommendationPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                params
                    .read()
                    .get("id")
                    .and_then(|id| id.parse::<i64>().ok()),
            )
        },
        |(slug, id)| async move {
            match id {
                Some(id) => load_recommendation(slug, id).await,
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
                .map(|id| Subject::new(SubjectKind::Recommendation, id)),
        )
    });
    loaded(
        data,
        move |data| view! { <RecommendationView data thread/> },
    )
}

#[component]
fn RecommendationView(data: RecommendationDetail, thread: ThreadHandle) -> impl IntoView {
    let slug = data.landlord.slug.clone();
    let number = data.recommendation.number;
    let title = format!("Recommendation {number}: {}", data.review_title);
    view! {
        <Title text=title.clone()/>
        <Crumbs landlord=data.landlord.clone() current=format!("Recommendation {number}")/>
        <h1>{format!("Recommendation {number}")}</h1>
        <p class="lead">"From the panel's review "
            <a href=format!("/landlords/{slug}/scrutiny/reviews/{}", data.review_id)>{data.review_title.clone()}</a>
            {(!data.published).then_some(" (a draft: only the panel and the landlord's staff can see it)")}
        </p>
        <ol class="recommendations">
            <RecommendationItem recommendation=data.recommendation.clone()/>
        </ol>
        <CommentThread thread/>
    }
}

/// `/landlords/:slug/scrutiny/what-happened-next`
#[component]
pub fn WhatHappenedNextPage() -> impl IntoView {
    let params = use_params_map();
    let start = ServerAction::<StartReview>::new();
    let deadline = ServerAction::<SetResponseWeeks>::new();
    let saved = successes(deadline);
    let data = Resource::new(
        move || (params.read().get("slug").unwrap_or_default(), saved.get()),
        |(slug, _)| load_what_happened_next(slug),
    );
    loaded(
        data,
        move |data| view! { <WhatHappenedNextView data start deadline/> },
    )
}

#[component]
fn WhatHappenedNextView(
    data: WhatHappenedNext,
    start: ServerAction<StartReview>,
    deadline: ServerAction<SetResponseWeeks>,
) -> impl IntoView {
    let deadline_error = Signal::derive(move || last_error(deadline.value().get()));
    let deadline_form = data.can_set_deadline.then(|| {
        let slug = data.landlord.slug.clone();
        view! {
            <section class="staff-tools" aria-labelledby="deadline-heading">
                <h2 id="deadline-heading">"Time to answer a report"</h2>
                <ErrorSummary form="deadline" error=deadline_error/>
                <PostForm action=deadline>
                    <input type="hidden" name="slug" value=slug/>
                    <Field form="deadline" name="weeks" label="Weeks the landlord has to answer a published report" kind="number"
                        hint="Usually set in the panel's terms of reference. Reports already published keep their deadline."
                        value=data.response_weeks.to_string() error=deadline_error/>
                    <button type="submit" class="button secondary">"Save"</button>
                </PostForm>
            </section>
        }
    });
    let slug = data.landlord.slug.clone();
    let title = "What happened next".to_string();
    let start_error = Signal::derive(move || last_error(start.value().get()));
    let overdue = data
        .lines
        .iter()
        .filter(|l| l.standing.is_overdue())
        .count();
    let start_form = data.can_start.then(|| {
        let slug = slug.clone();
        view! {
            <section class="staff-tools" aria-labelledby="start-heading">
                <h2 id="start-heading">"Start a review"</h2>
                <p>"Reviews of topics residents chose start from the topic's page. Here the panel can start one of its own."</p>
                <ErrorSummary form="start" error=start_error/>
                <PostForm action=start>
                    <input type="hidden" name="slug" value=slug/>
                    <Field form="start" name="title" label="Title of the review" error=start_error/>
                    <button type="submit" class="button secondary">"Start the review"</button>
                </PostForm>
            </section>
        }
    });
    view! {
        <Title text=title.clone()/>
        <Crumbs landlord=data.landlord.clone() current=title.clone()/>
        <h1>{title}</h1>
        <p class="lead">{format!(
            "Every recommendation the tenant panel has made to {}, the landlord's answer, and what has been done.",
            data.landlord.name
        )}</p>
        {(overdue > 0).then(|| view! {
            <p class="notice"><strong>{format!("{overdue} overdue.")}</strong>" The landlord has missed a deadline it set or was given."</p>
        })}
        {if data.lines.is_empty() {
            view! { <p class="empty">"No report has been published yet."</p> }.into_any()
        } else {
            let slug = slug.clone();
            view! {
                <RecommendationsTable slug lines=data.lines caption="Recommendations and where they stand"/>
            }.into_any()
        }}
        {(!data.drafts.is_empty()).then(|| view! {
            <h2>"Reviews in progress"</h2>
            <ul class="link-list">
                {data.drafts.iter().map(|(id, title)| view! {
                    <li><a href=format!("/landlords/{slug}/scrutiny/reviews/{id}")>{title.clone()}</a></li>
                }).collect_view()}
            </ul>
        })}
        {start_form}
        {deadline_form}
    }
}

/// Recommendations of published reports, each with where it stands and the
/// landlord's action; also shown in the annual review that follows them up.
#[component]
pub fn RecommendationsTable(
    slug: String,
    lines: Vec<NextLine>,
    caption: &'static str,
) -> impl IntoView {
    view! {
        <div class="table-wrap" role="region" aria-label=caption tabindex="0">
            <table>
                <caption>{caption}</caption>
                <thead><tr>
                    <th scope="col">"Recommendation"</th>
                    <th scope="col">"Where it stands"</th>
                    <th scope="col">"Action and due date"</th>
                </tr></thead>
                <tbody>
                    {lines.into_iter().map(|line| view! {
                        <tr>
                            <th scope="row">
                                <a href=format!("/landlords/{slug}/scrutiny/reviews/{}", line.review_id)>{format!("{}, recommendation {}", line.review_title, line.number)}</a>
                                <span class="series">{line.text}</span>
                            </th>
                            <td><span class=line.standing.class()>{line.standing.label()}</span></td>
                            <td>{line.action}{line.due_on.map(|due| view! { <span class="series">{format!("Due by {due}")}</span> })}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
