//! The scrutiny pages: what residents proposed, the votes, and the forms
//! residents, the panel and its chair use.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    load_new_round, load_proposal, load_propose, load_round, load_scrutiny, CastVote, DecideRound,
    NewRoundData, OpenRound, ProposalDetail, ProposalStatus, Propose, ProposeData, RoundDetail,
    RoundState, ScreenProposal, ScrutinyOverview, SetVoteEmails, SupportProposal,
};
use crate::{
    comments::{comment_thread, CommentThread, Subject, SubjectKind, ThreadHandle},
    performance::LandlordRef,
    site::{
        forms::{last_error, successes, ErrorSummary, Field, PostForm, Select, TextArea},
        loaded,
        paging::grouped,
    },
};

fn slug_param() -> impl Fn() -> String + Copy {
    let params = use_params_map();
    move || params.read().get("slug").unwrap_or_default()
}

fn id_param(name: &'static str) -> impl Fn() -> Option<i64> + Copy {
    let params = use_params_map();
    move || params.read().get(name).and_then(|id| id.parse().ok())
}

#[component]
pub(super) fn Crumbs(
    landlord: LandlordRef,
    #[prop(optional)] current: Option<String>,
) -> impl IntoView {
    let mut trail = vec![(
        format!("/landlords/{}", landlord.slug),
        landlord.name.clone(),
    )];
    let current = match current {
        Some(current) => {
            trail.push((
                format!("/landlords/{}/scrutiny", landlord.slug),
                "Scrutiny".to_string(),
            ));
            current
        }
        None => "Scrutiny".to_string(),
    };
    view! { <crate::site::Breadcrumb trail current/> }
}

/// `/landlords/:slug/scrutiny`
#[component]
pub fn ScrutinyPage() -> impl IntoView {
    let slug = slug_param();
    let emails = ServerAction::<SetVoteEmails>::new();
    let changed = successes(emails);
    let query = use_query_map();
    let data = Resource::new(
        move || (slug(), query.read().get("page"), changed.get()),
        |(slug, page, _)| load_scrutiny(slug, page),
    );
    loaded(data, move |data| view! { <ScrutinyView data emails/> })
}

#[component]
fn ScrutinyView(data: ScrutinyOverview, emails: ServerAction<SetVoteEmails>) -> impl IntoView {
    let ScrutinyOverview {
        landlord,
        rounds,
        proposals,
        proposals_paging,
        can_propose,
        can_run_rounds,
        can_moderate,
        vote_emails,
        signed_in,
        may_ask_to_join,
    } = data;
    let email_choice = vote_emails.map(|wanted| {
        let slug = landlord.slug.clone();
        view! {
            <PostForm action=emails attr:class="inline-form">
                <input type="hidden" name="slug" value=slug/>
                {if wanted {
                    view! {
                        <p>"We email you when a vote opens and the day before it closes."</p>
                        <button type="submit" class="button secondary">"Stop these emails"</button>
                    }.into_any()
                } else {
                    view! {
                        <input type="hidden" name="wanted" value="yes"/>
                        <p>"Would you like an email when a vote opens, and a reminder the day before it closes?"</p>
                        <button type="submit" class="button secondary">"Email me about votes"</button>
                    }.into_any()
                }}
            </PostForm>
        }
    });
    let slug = landlord.slug.clone();
    let title = format!("Scrutiny at {}", landlord.name);
    let how_to_take_part = if can_propose {
        view! {
            <p><a class="button" href=format!("/landlords/{slug}/scrutiny/propose")>"Propose a topic"</a></p>
        }
        .into_any()
    } else if may_ask_to_join {
        view! {
            <p>"Residents of this landlord can propose topics and vote. "
            <a href=format!("/landlords/{slug}/join")>"Ask to join as a resident"</a>"."</p>
        }
        .into_any()
    } else if signed_in {
        view! { <p>"Residents and the tenant panel propose topics and vote."</p> }.into_any()
    } else {
        view! {
            <p><a href="/sign-in">"Sign in"</a>" to propose topics and vote."</p>
        }
        .into_any()
    };
    let groups = [
        ("Waiting for the panel", vec![ProposalStatus::Submitted]),
        (
            "Put forward for the next vote",
            vec![ProposalStatus::PutForward],
        ),
        ("In a vote", vec![ProposalStatus::InVote]),
        ("Chosen for scrutiny", vec![ProposalStatus::Chosen]),
        (
            "Not taken forward, merged or not chosen",
            vec![
                ProposalStatus::Declined,
                ProposalStatus::Merged,
                ProposalStatus::NotChosen,
            ],
        ),
    ];
    let proposals_pager = {
        let slug = slug.clone();
        crate::site::paging::pager(proposals_paging, "proposed topics", move |n| {
            format!("/landlords/{slug}/scrutiny?page={n}")
        })
    };
    let proposal_groups = groups
        .into_iter()
        .filter_map(|(heading, statuses)| {
            let list: Vec<_> = proposals
                .iter()
                .filter(|p| statuses.contains(&p.status))
                .cloned()
                .collect();
            (!list.is_empty()).then(|| {
                let slug = slug.clone();
                view! {
                    <h3>{heading}</h3>
                    <ul class="link-list">
                        {list.into_iter().map(|p| view! {
                            <li>
                                <a href=format!("/landlords/{slug}/scrutiny/proposals/{}", p.id)>{p.title}</a>
                                <span class="series">
                                    {format!("{}; proposed {}; {} {}", p.status.label(), p.proposed_on, grouped(p.supporters),
                                        if p.supporters == 1 { "supporter" } else { "supporters" })}
                                </span>
                            </li>
                        }).collect_view()}
                    </ul>
                }
            })
        })
        .collect_view();
    view! {
        <Title text=title.clone()/>
        <Crumbs landlord=landlord.clone()/>
        <h1>{title}</h1>
        <p class="lead">"Residents propose what the tenant panel should look into, and vote on which topics it takes on."</p>
        <details class="explain">
            <summary>"What does scrutiny mean, and how is a topic chosen?"</summary>
            <p>"Scrutiny is when the tenant panel, a group of residents, looks closely at one of the landlord's services, such as repairs or complaints. It finds out how the service works for residents and recommends changes. The landlord must answer each recommendation in public, and say what it will do and by when."</p>
            <ol>
                <li>"A resident proposes a topic. Other residents can support it."</li>
                <li>"The panel reads each proposal. It puts forward the ones residents can vote on, joins proposals about the same thing, or says why it will not take one forward."</li>
                <li>"Residents vote on the topics put forward."</li>
                <li>"The panel takes on the topics with the most votes, and publishes what it found."</li>
            </ol>
        </details>
        {how_to_take_part}
        <p><a href=format!("/landlords/{slug}/scrutiny/what-happened-next")>"What happened next: every recommendation and the landlord's answers"</a></p>
        {can_moderate.then(|| view! {
            <p><a href=format!("/landlords/{slug}/comments/reported")>"Reported and hidden comments"</a></p>
        })}
        <h2>"Votes"</h2>
        {email_choice}
        {can_run_rounds.then(|| view! {
            <p><a class="button secondary" href=format!("/landlords/{slug}/scrutiny/rounds/new")>"Open a vote"</a></p>
        })}
        {if rounds.is_empty() {
            view! { <p class="empty">"There have been no votes yet."</p> }.into_any()
        } else {
            view! {
                <ul class="link-list">
                    {rounds.into_iter().map(|r| view! {
                        <li>
                            <a href=format!("/landlords/{slug}/scrutiny/rounds/{}", r.id)>{r.title}</a>
                            <span class="series">{format!("{}. {}", r.state.label(), r.when)}</span>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <h2>"Proposed topics"</h2>
        {(proposals_paging.pages > 1).then(|| view! { <p>{proposals_paging.showing("proposed topics, newest first")}</p> })}
        {if proposals.is_empty() {
            view! { <p class="empty">"Nobody has proposed a topic yet."</p> }.into_any()
        } else {
            proposal_groups.into_any()
        }}
        {proposals_pager}
    }
}

/// `/landlords/:slug/scrutiny/propose`
#[component]
pub fn ProposePage() -> impl IntoView {
    let slug = slug_param();
    let action = ServerAction::<Propose>::new();
    let data = Resource::new(slug, load_propose);
    loaded(data, move |data| view! { <ProposeView data action/> })
}

#[component]
fn ProposeView(data: ProposeData, action: ServerAction<Propose>) -> impl IntoView {
    let error = Signal::derive(move || last_error(action.value().get()));
    view! {
        <Title text="Propose a topic"/>
        <Crumbs landlord=data.landlord.clone() current="Propose a topic".to_string()/>
        <h1>"Propose a topic for scrutiny"</h1>
        <p class="lead">"Tell the tenant panel about something that is not working. The panel reads every proposal and tells you what it decides."</p>
        <ErrorSummary form="propose" error/>
        <PostForm action>
            <input type="hidden" name="slug" value=data.landlord.slug.clone()/>
            <input type="hidden" name="submission_key" value=data.submission_key.clone()/>
            <Field form="propose" name="title" label="A short title" hint="For example: Damp and mould in older flats" error/>
            <TextArea form="propose" name="problem" label="What is the problem?" hint="What happens, where, and to whom." error/>
            <TextArea form="propose" name="why_it_matters" label="Why does it matter?" hint="How it affects residents, and what you would like to change." error/>
            <Select form="propose" name="concerns" label="Is it about one of the landlord's commitments or measures?" choices=data.concerns.clone() error/>
            <button type="submit" class="button">"Send my proposal"</button>
        </PostForm>
    }
}

/// `/landlords/:slug/scrutiny/proposals/:id`
#[component]
pub fn ProposalPage() -> impl IntoView {
    let slug = slug_param();
    let id = id_param("id");
    let support = ServerAction::<SupportProposal>::new();
    let screen = ServerAction::<ScreenProposal>::new();
    let start = ServerAction::<super::reviews::StartReview>::new();
    let supported = successes(support);
    let screened = successes(screen);
    let data = Resource::new(
        move || (slug(), id(), supported.get() + screened.get()),
        |(slug, id, _)| async move {
            match id {
                Some(id) => load_proposal(slug, id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let thread = comment_thread(move || {
        (
            slug(),
            id().map(|id| Subject::new(SubjectKind::Proposal, id)),
        )
    });
    loaded(
        data,
        move |data| view! { <ProposalView data support screen start thread/> },
    )
}

#[component]
fn ProposalView(
    data: ProposalDetail,
    support: ServerAction<SupportProposal>,
    screen: ServerAction<ScreenProposal>,
    start: ServerAction<super::reviews::StartReview>,
    thread: ThreadHandle,
) -> impl IntoView {
    let start_error = Signal::derive(move || last_error(start.value().get()));
    let (start_slug, start_title) = (data.landlord.slug.clone(), data.title.clone());
    let review = match (data.review, data.can_start_review) {
        (Some(review), _) => Some(view! {
            <p><a href=format!("/landlords/{}/scrutiny/reviews/{review}", data.landlord.slug)>"Read the panel's review of this topic"</a></p>
        }.into_any()),
        (None, true) => Some(view! {
            <ErrorSummary form="start" error=start_error/>
            <PostForm action=start>
                <input type="hidden" name="slug" value=start_slug/>
                <input type="hidden" name="title" value=start_title/>
                <input type="hidden" name="proposal_id" value=data.id/>
                <button type="submit" class="button">"Start the scrutiny review"</button>
            </PostForm>
        }.into_any()),
        (None, false) => None,
    };
    let slug = data.landlord.slug.clone();
    let support_error = Signal::derive(move || last_error(support.value().get()));
    let screen_error = Signal::derive(move || last_error(screen.value().get()));
    let outcome = match data.status {
        ProposalStatus::Declined => data.decline_reason.clone().map(|reason| {
            view! { <p>"The panel's reason: "{reason}</p> }.into_any()
        }),
        ProposalStatus::Merged => data.merged_into.clone().map(|(id, title)| {
            view! {
                <p>"Merged into "<a href=format!("/landlords/{slug}/scrutiny/proposals/{id}")>{title}</a>", with its supporters."</p>
            }
            .into_any()
        }),
        _ => None,
    };
    let support_form = data.can_support.then(|| {
        let slug = slug.clone();
        view! {
            <ErrorSummary form="support" error=support_error/>
            <PostForm action=support>
                <input type="hidden" name="slug" value=slug/>
                <input type="hidden" name="id" value=data.id/>
                <input type="hidden" name="support" value=(!data.supports).to_string()/>
                <button type="submit" class="button secondary">
                    {if data.supports { "Take back my support" } else { "Support this proposal" }}
                </button>
            </PostForm>
        }
    });
    let screen_form = data.can_screen.then(|| {
        let (a, b, c) = (slug.clone(), slug.clone(), slug.clone());
        let targets: Vec<(String, String)> = data
            .merge_targets
            .iter()
            .map(|(id, title)| (id.to_string(), title.clone()))
            .collect();
        view! {
            <section class="staff-tools" aria-labelledby="screen-heading">
                <h2 id="screen-heading">"The panel's decision"</h2>
                <ErrorSummary form="screen" error=screen_error/>
                {(data.status == ProposalStatus::Submitted).then(move || view! {
                    <PostForm action=screen>
                        <input type="hidden" name="slug" value=a.clone()/>
                        <input type="hidden" name="id" value=data.id/>
                        <input type="hidden" name="decision" value="put_forward"/>
                        <p class="hint">"Residents can then vote for it in the next vote."</p>
                        <button type="submit" class="button">"Put forward for the next vote"</button>
                    </PostForm>
                })}
                {(!targets.is_empty()).then(move || view! {
                    <h3>"Merge with a similar proposal"</h3>
                    <PostForm action=screen>
                        <input type="hidden" name="slug" value=b.clone()/>
                        <input type="hidden" name="id" value=data.id/>
                        <input type="hidden" name="decision" value="merge"/>
                        <Select form="screen" name="merge_into" label="Merge into" hint="For two proposals about the same thing: this one closes, and the people who supported it become supporters of the one you choose." choices=targets.clone() error=screen_error/>
                        <button type="submit" class="button secondary">"Merge, and move its supporters across"</button>
                    </PostForm>
                })}
                <h3>"Do not take it forward"</h3>
                <PostForm action=screen>
                    <input type="hidden" name="slug" value=c/>
                    <input type="hidden" name="id" value=data.id/>
                    <input type="hidden" name="decision" value="decline"/>
                    <TextArea form="screen" name="reason" label="Why not?" hint="The proposer is sent this reason, and it is shown on this page." rows=3 error=screen_error/>
                    <button type="submit" class="button danger">"Decline"</button>
                </PostForm>
            </section>
        }
    });
    view! {
        <Title text=data.title.clone()/>
        <Crumbs landlord=data.landlord.clone() current="Proposal".to_string()/>
        <p class="byline">{format!("Proposed by {} on {}", data.proposed_by, data.proposed_on)}</p>
        <h1>{data.title.clone()}</h1>
        <p class=format!("proposal-status status-{}", data.status.as_str())><strong>{data.status.label()}</strong></p>
        {outcome}
        <h2>"What is the problem?"</h2>
        <p class="prose">{data.problem.clone()}</p>
        <h2>"Why does it matter?"</h2>
        <p class="prose">{data.why_it_matters.clone()}</p>
        {data.concerns.clone().map(|(label, href)| view! { <p>"About: "<a href=href>{label}</a></p> })}
        <p>{format!("{} {}", grouped(data.supporters), if data.supporters == 1 { "resident supports this proposal." } else { "residents support this proposal." })}</p>
        {review}
        {support_form}
        {screen_form}
        <CommentThread thread/>
    }
}

/// `/landlords/:slug/scrutiny/rounds/new`
#[component]
pub fn NewRoundPage() -> impl IntoView {
    let slug = slug_param();
    let action = ServerAction::<OpenRound>::new();
    let data = Resource::new(slug, load_new_round);
    loaded(data, move |data| view! { <NewRoundView data action/> })
}

#[component]
fn NewRoundView(data: NewRoundData, action: ServerAction<OpenRound>) -> impl IntoView {
    let error = Signal::derive(move || last_error(action.value().get()));
    let count = data.put_forward.len();
    view! {
        <Title text="Open a vote"/>
        <Crumbs landlord=data.landlord.clone() current="Open a vote".to_string()/>
        <h1>"Open a vote"</h1>
        <p class="lead">{format!("Every proposal the panel has put forward goes into the vote: {count} at the moment.")}</p>
        <ul class="link-list">
            {data.put_forward.iter().map(|(_, title)| view! { <li>{title.clone()}</li> }).collect_view()}
        </ul>
        <ErrorSummary form="round" error/>
        <PostForm action>
            <input type="hidden" name="slug" value=data.landlord.slug.clone()/>
            <Field form="round" name="title" label="Name of the vote" hint="For example: Choose our topics for spring 2027" error/>
            <Field form="round" name="opens_on" label="Opens on" kind="date" hint="Voting opens at the start of this day, UK time." value=data.suggested_open.clone() error/>
            <Field form="round" name="closes_on" label="Closes on" kind="date" hint="Voting closes at the end of this day, UK time." value=data.suggested_close.clone() error/>
            <Field form="round" name="votes_per_resident" label="Votes each resident has" kind="number" hint="At most one vote per topic." value=data.suggested_votes.to_string() error/>
            <div class="field checkbox">
                <input type="checkbox" id="round-show_running_totals" name="show_running_totals" value="yes"/>
                <label for="round-show_running_totals">"Show the running totals while the vote is open"</label>
            </div>
            <button type="submit" class="button">"Open the vote"</button>
        </PostForm>
    }
}

/// `/landlords/:slug/scrutiny/rounds/:id`
#[component]
pub fn RoundPage() -> impl IntoView {
    let slug = slug_param();
    let id = id_param("id");
    let vote = ServerAction::<CastVote>::new();
    let decide = ServerAction::<DecideRound>::new();
    let voted = successes(vote);
    let decided = successes(decide);
    let data = Resource::new(
        move || (slug(), id(), voted.get() + decided.get()),
        |(slug, id, _)| async move {
            match id {
                Some(id) => load_round(slug, id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    loaded(data, move |data| view! { <RoundView data vote decide/> })
}

#[component]
fn RoundView(
    data: RoundDetail,
    vote: ServerAction<CastVote>,
    decide: ServerAction<DecideRound>,
) -> impl IntoView {
    let slug = data.landlord.slug.clone();
    let vote_error = Signal::derive(move || last_error(vote.value().get()));
    let decide_error = Signal::derive(move || last_error(decide.value().get()));
    let allowance = match data.votes_used {
        Some(used) if data.can_vote => Some(format!(
            "You have used {used} of your {} votes. You can change them until the vote closes.",
            data.votes_per_resident
        )),
        _ => None,
    };
    let voters = grouped(data.voters);
    let totals_note = match data.state {
        RoundState::Closed if data.voters == 1 => "Final results: 1 resident voted.".to_string(),
        RoundState::Closed => format!("Final results: {voters} residents voted."),
        _ if data.show_running_totals && data.voters == 1 => {
            "Running totals so far: 1 resident has voted.".to_string()
        }
        _ if data.show_running_totals => {
            format!("Running totals so far: {voters} residents have voted.")
        }
        _ => "The totals are shown when the vote closes.".to_string(),
    };
    let round_id = data.id;
    // Before the counts may be shown, the note above the table says so once,
    // rather than on every row.
    let counts_shown = data.topics.iter().any(|topic| topic.votes.is_some());
    let rows = data
        .topics
        .iter()
        .cloned()
        .map(|topic| {
            let slug = slug.clone();
            let (vote_slug, decide_slug) = (slug.clone(), slug.clone());
            let (vote_title, decide_title) = (topic.title.clone(), topic.title.clone());
            let vote_form = data.can_vote.then(move || {
                let label = if topic.mine { "Take back my vote" } else { "Vote for this topic" };
                view! {
                    <PostForm action=vote>
                        <input type="hidden" name="slug" value=vote_slug/>
                        <input type="hidden" name="round_id" value=round_id/>
                        <input type="hidden" name="proposal_id" value=topic.proposal_id/>
                        <input type="hidden" name="vote" value=(!topic.mine).to_string()/>
                        <button type="submit" class=if topic.mine { "button secondary small" } else { "button small" }>
                            {label}<span class="visually-hidden">{format!(": {vote_title}")}</span>
                        </button>
                    </PostForm>
                }
            });
            let decide_form = (data.can_decide && !topic.chosen).then(move || view! {
                <PostForm action=decide>
                    <input type="hidden" name="slug" value=decide_slug/>
                    <input type="hidden" name="round_id" value=round_id/>
                    <input type="hidden" name="proposal_id" value=topic.proposal_id/>
                    <button type="submit" class="button small">
                        "The panel takes this on"<span class="visually-hidden">{format!(": {decide_title}")}</span>
                    </button>
                </PostForm>
            });
            view! {
                <tr>
                    <th scope="row">
                        <a href=format!("/landlords/{slug}/scrutiny/proposals/{}", topic.proposal_id)>{topic.title.clone()}</a>
                        {topic.mine.then(|| view! { <span class="series">"You voted for this"</span> })}
                        {topic.chosen.then(|| view! { <span class="series"><strong>"Chosen for scrutiny"</strong></span> })}
                    </th>
                    {counts_shown.then(|| view! {
                        <td>{match (topic.votes, topic.rank) {
                            (Some(votes), Some(rank)) => format!("{} ({}{rank})", grouped(votes), if topic.tied { "tied " } else { "" }),
                            _ => "Not counted yet".to_string(),
                        }}</td>
                    })}
                    <td>{vote_form}{decide_form}</td>
                </tr>
            }
        })
        .collect_view();
    let finish_form = data.can_decide.then(|| {
        view! {
            <PostForm action=decide>
                <input type="hidden" name="slug" value=slug.clone()/>
                <input type="hidden" name="round_id" value=round_id/>
                <input type="hidden" name="finish" value="yes"/>
                <button type="submit" class="button secondary">"Finish: the rest are not chosen this time"</button>
            </PostForm>
        }
    });
    view! {
        <Title text=data.title.clone()/>
        <Crumbs landlord=data.landlord.clone() current="Vote".to_string()/>
        <h1>{data.title.clone()}</h1>
        <p class="lead">{format!("{}. {}.", data.state.label(), data.when)}</p>
        <p>{match data.votes_per_resident {
            1 => "Each resident has 1 vote.".to_string(),
            n => format!("Each resident has {n} votes, at most one per topic."),
        }}</p>
        {allowance.map(|text| view! { <p class="notice" role="status">{text}</p> })}
        <ErrorSummary form="vote" error=vote_error/>
        <ErrorSummary form="decide" error=decide_error/>
        <p>{totals_note}</p>
        <div class="table-wrap" role="region" aria-label="Topics in this vote" tabindex="0">
            <table>
                <caption>"Topics"</caption>
                <thead><tr>
                    <th scope="col">"Topic"</th>
                    {counts_shown.then(|| view! { <th scope="col">"Votes"</th> })}
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {data.decided.then(|| view! { <p class="notice">"The panel has recorded which topics it takes on."</p> })}
        {finish_form}
    }
}
