//! The conversation under a proposal, recommendation or commitment, the page
//! for one comment (reply, change, report, moderate), and the moderators'
//! list of reported comments.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use super::{
    load_comment, load_reported, load_thread, CommentDetail, CommentView, EditComment,
    ModerateComment, ModerationLine, ModerationQueue, PostComment, ReportComment, Subject, Thread,
};
use crate::{
    error::AppError,
    performance::LandlordRef,
    site::{
        forms::{last_error, successes, ErrorSummary, PostForm, TextArea},
        loaded,
        paging::pager,
        Breadcrumb,
    },
};

const MARKDOWN_HINT: &str = "Leave a blank line between paragraphs. You can write *emphasis*, **bold**, lists starting with \"- \" and web addresses.";

/// The comments on a subject and the action that posts a new one. Pages
/// make it when they are set up, not inside their loaded content, so that
/// its resource is numbered the same on the server and in the browser and
/// hydration finds the data it expects.
#[derive(Clone, Copy)]
pub struct ThreadHandle {
    data: Resource<Result<Thread, AppError>>,
    post: ServerAction<PostComment>,
}

/// The thread for the subject `place` gives: (landlord slug, subject, if
/// the address names one).
pub fn comment_thread(
    place: impl Fn() -> (String, Option<Subject>) + Send + Sync + 'static,
) -> ThreadHandle {
    let post = ServerAction::<PostComment>::new();
    let posted = successes(post);
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let (slug, subject) = place();
            (
                slug,
                subject.map(|s| s.to_string()),
                query.read().get("comments_page"),
                posted.get(),
            )
        },
        |(slug, subject, page, _)| async move {
            match subject {
                Some(subject) => load_thread(slug, subject, page).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    ThreadHandle { data, post }
}

/// The comments, with the form for a new one.
#[component]
pub fn CommentThread(thread: ThreadHandle) -> impl IntoView {
    let ThreadHandle { data, post } = thread;
    view! {
        <section class="comments" aria-labelledby="comments-heading">
            <Suspense fallback=|| view! { <h2 id="comments-heading">"Comments"</h2><p>"Loading the comments…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(thread) => view! { <ThreadView thread post/> }.into_any(),
                        Err(error) => view! {
                            <h2 id="comments-heading">"Comments"</h2>
                            <p class="empty">{error.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ThreadView(thread: Thread, post: ServerAction<PostComment>) -> impl IntoView {
    let error = Signal::derive(move || last_error(post.value().get()));
    let slug = thread.landlord.slug.clone();
    let heading = match thread.count {
        0 => "Comments".to_string(),
        1 => "1 comment".to_string(),
        n => format!("{n} comments"),
    };
    let form = if thread.can_comment {
        let official = thread.can_post_official.then(|| {
            let landlord = thread.landlord.name.clone();
            view! {
                <div class="field checkbox">
                    <input type="checkbox" id="comment-official" name="official" value="yes"/>
                    <label for="comment-official">{format!("Post as the official answer from {landlord}")}</label>
                </div>
            }
        });
        view! {
            <h3 id="new-comment">"Add a comment"</h3>
            <ErrorSummary form="comment" error/>
            <PostForm action=post>
                <input type="hidden" name="slug" value=thread.landlord.slug.clone()/>
                <input type="hidden" name="subject" value=thread.subject.clone()/>
                <input type="hidden" name="submission_key" value=thread.submission_key.clone()/>
                <TextArea form="comment" name="body" label="Your comment" hint=MARKDOWN_HINT rows=4 error/>
                {official}
                <button type="submit" class="button">"Post my comment"</button>
            </PostForm>
        }
        .into_any()
    } else if thread.signed_in {
        view! { <p>"You cannot comment here."</p> }.into_any()
    } else {
        view! { <p><a href="/sign-in">"Sign in"</a>" to comment."</p> }.into_any()
    };
    let comments = thread.comments.clone();
    let path = use_location().pathname.get_untracked();
    let pages = pager(thread.paging, "comments", move |n| {
        format!("{path}?comments_page={n}#comments-heading")
    });
    let answers = (!thread.official_answers.is_empty()).then(|| {
        let landlord = thread.landlord.name.clone();
        let slug = slug.clone();
        view! {
            <h3 id="official-answers">{format!("Official answers from {landlord}")}</h3>
            <ul class="official-answers">
                {thread.official_answers.clone().into_iter().map(|answer| {
                    let said = match &answer.answers {
                        Some(author) => format!("{}, answering {author}", answer.posted),
                        None => answer.posted.clone(),
                    };
                    view! {
                        <li>
                            <a href=format!("/landlords/{slug}/comments/{}", answer.id)>{said}</a>
                            ": "{answer.beginning}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    });
    view! {
        <h2 id="comments-heading">{heading}</h2>
        {answers}
        {(thread.paging.pages > 1).then(|| view! { <p>{thread.paging.showing("comments")}</p> })}
        {if comments.is_empty() {
            view! { <p class="empty">"No comments yet."</p> }.into_any()
        } else {
            view! {
                <ol class="comment-list">
                    {comments.into_iter().map(|comment| {
                        let slug = slug.clone();
                        view! { <CommentItem slug comment/> }
                    }).collect_view()}
                </ol>
            }.into_any()
        }}
        {pages}
        {form}
    }
}

/// One comment in a thread, with its replies.
#[component]
fn CommentItem(slug: String, comment: CommentView) -> impl IntoView {
    let replies = comment.replies.clone();
    let reply_list = (!replies.is_empty()).then(|| {
        let slug = slug.clone();
        view! {
            <ol class="comment-list replies">
                {replies.into_iter().map(|reply| {
                    let slug = slug.clone();
                    view! { <CommentItem slug comment=reply/> }
                }).collect_view()}
            </ol>
        }
        .into_any()
    });
    let (id, official) = (comment.id, comment.official);
    view! {
        <li id=format!("comment-{id}") class="comment" class:official=official>
            <CommentBody comment=comment.clone()/>
            <CommentLinks slug comment/>
            {reply_list}
        </li>
    }
}

/// Who wrote a comment, when, and what it says (or the note that replaced it).
#[component]
fn CommentBody(comment: CommentView) -> impl IntoView {
    let role = comment
        .author_role
        .clone()
        .map(|role| view! { <span class="comment-role">{format!(" ({role})")}</span> });
    view! {
        <article class="comment-card" aria-label=format!("Comment by {}", comment.author)>
            {comment.official.then(|| view! { <p class="official-label">{if comment.is_reply { "Official answer to this comment" } else { "Official answer" }}</p> })}
            <p class="comment-meta">
                <strong>{comment.author.clone()}</strong>{role}
                " \u{2014} "{comment.posted.clone()}
                {comment.edited.then(|| view! { <span class="comment-edited">" (edited)"</span> })}
            </p>
            {match (comment.html.clone(), comment.hidden_note.clone()) {
                (Some(html), _) => view! { <div class="comment-text" inner_html=html></div> }.into_any(),
                (None, note) => view! { <p class="comment-hidden">{note.unwrap_or_default()}</p> }.into_any(),
            }}
            <crate::site::history::ChangeHistory changes=comment.changes.clone()/>
        </article>
    }
}

/// Links to what the reader may do with a comment, each saying whose it is
/// for screen readers.
#[component]
fn CommentLinks(slug: String, comment: CommentView) -> impl IntoView {
    let page = format!("/landlords/{slug}/comments/{}", comment.id);
    let whose = format!(" {}\u{2019}s comment", comment.author);
    let links: Vec<(String, &str)> = [
        (comment.can_reply, "#reply", "Reply to"),
        (comment.can_edit, "#edit", "Change"),
        (comment.can_report, "#report", "Report"),
        (comment.can_moderate, "#moderate", "Moderate"),
    ]
    .into_iter()
    .filter(|(allowed, _, _)| *allowed)
    .map(|(_, anchor, label)| (format!("{page}{anchor}"), label))
    .collect();
    (!links.is_empty()).then(|| {
        view! {
            <p class="comment-actions">
                {links.into_iter().map(|(href, label)| {
                    let (shown, hidden) = match label {
                        "Reply to" => ("Reply", format!(" to{whose}")),
                        other => (other, whose.clone()),
                    };
                    view! { <a href=href>{shown}<span class="visually-hidden">{hidden}</span></a> }
                }).collect_view()}
            </p>
        }
    })
}

fn slug_param() -> impl Fn() -> String + Copy {
    let params = use_params_map();
    move || params.read().get("slug").unwrap_or_default()
}

/// `/landlords/:slug/comments/:id`
#[component]
pub fn CommentPage() -> impl IntoView {
    let slug = slug_param();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let reply = ServerAction::<PostComment>::new();
    let edit = ServerAction::<EditComment>::new();
    let report = ServerAction::<ReportComment>::new();
    let moderate = ServerAction::<ModerateComment>::new();
    let (replied, edited, reported, moderated) = (
        successes(reply),
        successes(edit),
        successes(report),
        successes(moderate),
    );
    let data = Resource::new(
        move || {
            (
                slug(),
                id(),
                replied.get() + edited.get() + reported.get() + moderated.get(),
            )
        },
        |(slug, id, _)| async move {
            match id {
                Some(id) => load_comment(slug, id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    loaded(data, move |data| {
        view! { <CommentDetailView data reply edit report moderate/> }
    })
}

#[component]
fn CommentDetailView(
    data: CommentDetail,
    reply: ServerAction<PostComment>,
    edit: ServerAction<EditComment>,
    report: ServerAction<ReportComment>,
    moderate: ServerAction<ModerateComment>,
) -> impl IntoView {
    let slug = data.landlord.slug.clone();
    let comment = data.comment.clone();
    let id = comment.id;
    let title = format!("Comment by {}", comment.author);
    let reply_form = comment.can_reply.then(|| {
        let error = Signal::derive(move || last_error(reply.value().get()));
        let (official, landlord) = (data.can_answer_officially, data.landlord.name.clone());
        let (slug, subject, key) = (
            slug.clone(),
            data.subject.clone(),
            data.submission_key.clone(),
        );
        view! {
            <section aria-labelledby="reply">
                <h2 id="reply">"Reply"</h2>
                <ErrorSummary form="reply" error/>
                <PostForm action=reply>
                    <input type="hidden" name="slug" value=slug/>
                    <input type="hidden" name="subject" value=subject/>
                    <input type="hidden" name="parent_id" value=id/>
                    <input type="hidden" name="submission_key" value=key/>
                    <TextArea form="reply" name="body" label="Your reply" hint=MARKDOWN_HINT rows=4 error/>
                    {official.then(|| view! {
                        <div class="field checkbox">
                            <input type="checkbox" id="reply-official" name="official" value="yes"/>
                            <label for="reply-official">{format!("Post as the official answer from {landlord}")}</label>
                        </div>
                    })}
                    <button type="submit" class="button">"Post my reply"</button>
                </PostForm>
            </section>
        }
    });
    let official = data.comment.official;
    let edit_form = data.source.clone().map(|source| {
        let error = Signal::derive(move || last_error(edit.value().get()));
        let slug = slug.clone();
        let until = data.edit_until.clone().unwrap_or_default();
        view! {
            <section aria-labelledby="edit">
                <h2 id="edit">"Change your comment"</h2>
                <p>{format!("You can change it until {until}. Readers will see that it was changed.")}</p>
                <ErrorSummary form="edit" error/>
                <PostForm action=edit>
                    <input type="hidden" name="slug" value=slug/>
                    <input type="hidden" name="id" value=id/>
                    <TextArea form="edit" name="body" label="Your comment" hint=MARKDOWN_HINT rows=6 value=source error/>
                    {official.then(|| view! {
                        <TextArea form="edit" name="change_reason" label="Why the response is changing" hint="This is an official response, already public: its earlier wording stays on the record with this reason." rows=2 error/>
                    })}
                    <button type="submit" class="button">"Save the change"</button>
                </PostForm>
            </section>
        }
    });
    let report_form = comment.can_report.then(|| {
        let error = Signal::derive(move || last_error(report.value().get()));
        let slug = slug.clone();
        if data.reported_by_me {
            view! {
                <section aria-labelledby="report">
                    <h2 id="report">"Report"</h2>
                    <p class="notice" role="status">"Thank you. You have reported this comment, and the moderators have been told."</p>
                </section>
            }
            .into_any()
        } else {
            view! {
                <section aria-labelledby="report">
                    <h2 id="report">"Report this comment"</h2>
                    <p>"If it is abusive, shares someone's private details or breaks the rules in another way, tell the moderators (the panel chair and the landlord's administrator)."</p>
                    <ErrorSummary form="report" error/>
                    <PostForm action=report>
                        <input type="hidden" name="slug" value=slug/>
                        <input type="hidden" name="id" value=id/>
                        <TextArea form="report" name="reason" label="What is wrong with it?" rows=3 error/>
                        <button type="submit" class="button secondary">"Report it"</button>
                    </PostForm>
                </section>
            }
            .into_any()
        }
    });
    let moderation = comment
        .can_moderate
        .then(|| view! { <ModerationTools data=data.clone() moderate/> });
    let hidden_text = data.hidden_html.clone().map(|html| {
        view! {
            <h2>"What the hidden comment says"</h2>
            <p class="hint">"Only its author and the moderators see this."</p>
            <div class="comment-card comment-text" inner_html=html></div>
        }
    });
    let trail = vec![
        (format!("/landlords/{slug}"), data.landlord.name.clone()),
        (data.subject_link.clone(), data.subject_title.clone()),
    ];
    view! {
        <Title text=crate::site::inert_title(&title)/>
        <Breadcrumb trail current="Comment".to_string()/>
        <h1>{title}</h1>
        <p>"On "<a href=data.subject_link.clone()>{data.subject_title.clone()}</a>
           {comment.is_reply.then_some(" (a reply)")}</p>
        <CommentBody comment=comment.clone()/>
        {hidden_text}
        {reply_form}
        {edit_form}
        {report_form}
        {moderation}
    }
}

#[component]
fn ModerationTools(data: CommentDetail, moderate: ServerAction<ModerateComment>) -> impl IntoView {
    let error = Signal::derive(move || last_error(moderate.value().get()));
    let slug = data.landlord.slug.clone();
    let id = data.comment.id;
    let reports = (!data.reports.is_empty()).then(|| {
        view! {
            <h3>"Reports"</h3>
            <ul>
                {data.reports.iter().map(|(when, reason)| view! {
                    <li>{format!("{when}: {reason}")}</li>
                }).collect_view()}
            </ul>
        }
    });
    let earlier = (!data.earlier_versions.is_empty()).then(|| {
        view! {
            <h3>"Before it was changed"</h3>
            <ul>
                {data.earlier_versions.iter().map(|(when, body)| view! {
                    <li><span class="series">{format!("Replaced {when}:")}</span><span class="prose">{body.clone()}</span></li>
                }).collect_view()}
            </ul>
        }
    });
    let (a, b, c) = (slug.clone(), slug.clone(), slug.clone());
    let actions = if data.hidden {
        view! {
            <PostForm action=moderate>
                <input type="hidden" name="slug" value=a/>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="decision" value="restore"/>
                <button type="submit" class="button">"Show it again"</button>
            </PostForm>
        }
        .into_any()
    } else {
        let keep = (!data.reports.is_empty()).then(move || {
            view! {
                <h3>"Keep it visible"</h3>
                <PostForm action=moderate>
                    <input type="hidden" name="slug" value=b.clone()/>
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="decision" value="keep"/>
                    <button type="submit" class="button secondary">"It breaks no rules: keep it visible"</button>
                </PostForm>
            }
        });
        view! {
            {keep}
            <h3>"Hide it"</h3>
            <PostForm action=moderate>
                <input type="hidden" name="slug" value=c/>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="decision" value="hide"/>
                <TextArea form="moderate" name="reason" label="Why are you hiding it?" hint="Readers see this reason in its place, and its author is sent it." rows=3 error/>
                <button type="submit" class="button danger">"Hide the comment"</button>
            </PostForm>
        }
        .into_any()
    };
    view! {
        <section class="staff-tools" aria-labelledby="moderate">
            <h2 id="moderate">"Moderate"</h2>
            <p>"Every decision is recorded in the audit log, and hiding can be undone."</p>
            <ErrorSummary form="moderate" error/>
            {reports}
            {earlier}
            {actions}
            <p><a href=format!("/landlords/{slug}/comments/reported")>"All reported and hidden comments"</a></p>
        </section>
    }
}

/// `/landlords/:slug/comments/reported`
#[component]
pub fn ReportedCommentsPage() -> impl IntoView {
    let slug = slug_param();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                slug(),
                query.read().get("page"),
                query.read().get("hidden_page"),
            )
        },
        |(slug, page, hidden_page)| load_reported(slug, page, hidden_page),
    );
    loaded(data, |data| view! { <ReportedView data/> })
}

#[component]
fn ReportedView(data: ModerationQueue) -> impl IntoView {
    let ModerationQueue {
        landlord,
        reported,
        reported_paging,
        hidden,
        hidden_paging,
    } = data;
    // Each list's links keep the other list on the page it is showing.
    let address = {
        let slug = landlord.slug.clone();
        move |reported: i64, hidden: i64| {
            format!("/landlords/{slug}/comments/reported?page={reported}&hidden_page={hidden}")
        }
    };
    let reported_pager = {
        let address = address.clone();
        pager(reported_paging, "reported comments", move |n| {
            address(n, hidden_paging.page)
        })
    };
    let hidden_pager = pager(hidden_paging, "hidden comments", move |n| {
        address(reported_paging.page, n)
    });
    let list = |landlord: &LandlordRef, lines: Vec<ModerationLine>, empty: &'static str| {
        if lines.is_empty() {
            return view! { <p class="empty">{empty}</p> }.into_any();
        }
        let slug = landlord.slug.clone();
        view! {
            <ul class="link-list">
                {lines.into_iter().map(|line| {
                    let about = if line.reports > 0 {
                        format!("On {}; {} {}, latest {}", line.subject_title, line.reports,
                            if line.reports == 1 { "report" } else { "reports" }, line.when)
                    } else {
                        format!("On {}; hidden {}", line.subject_title, line.when)
                    };
                    view! {
                        <li>
                            <a href=format!("/landlords/{slug}/comments/{}", line.id)>{format!("{}: \u{201c}{}\u{201d}", line.author, line.excerpt)}</a>
                            <span class="series">{about}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <Title text="Reported comments"/>
        <Breadcrumb trail=vec![(format!("/landlords/{}", landlord.slug), landlord.name.clone())] current="Reported comments".to_string()/>
        <h1>"Reported comments"</h1>
        <p class="lead">"Comments people have reported, waiting for a decision, and the comments that are hidden."</p>
        <h2>"Waiting for a decision"</h2>
        {(reported_paging.pages > 1).then(|| view! { <p>{reported_paging.showing("reported comments")}</p> })}
        {list(&landlord, reported, "Nothing is waiting.")}
        {reported_pager}
        <h2>"Hidden comments"</h2>
        {(hidden_paging.pages > 1).then(|| view! { <p>{hidden_paging.showing("hidden comments")}</p> })}
        {list(&landlord, hidden, "No comments are hidden.")}
        {hidden_pager}
    }
}
