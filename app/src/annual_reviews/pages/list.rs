//! The list of a landlord's annual reviews, by year.
use leptos::prelude::*;
use leptos_meta::Title;

use super::parts::param;
use crate::annual_reviews::{load_annual_reviews, AnnualReviewsData, StartAnnualReview};
use crate::site::{
    forms::{last_error, ErrorSummary, PostForm, Select},
    loaded, Breadcrumb,
};

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
    let may_start = !data.startable.is_empty();
    let start_form = (!data.startable.is_empty()).then(|| {
        let slug = slug.clone();
        view! {
            <section class="staff-tools" aria-labelledby="start-heading">
                <h2 id="start-heading">"Start a review"</h2>
                <p>"The review starts with a section for each commitment, showing its measures for the year and the year before, and sections for what tenants said and for recommendations."</p>
                <ErrorSummary form="start" error/>
                <PostForm action=start>
                    <input type="hidden" name="slug" value=slug/>
                    <Select form="start" name="year" label="The year to review" hint="Most reviews look back at the year just ended (April to March), once its figures are in." choices=data.startable.clone() error/>
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
            let next = if !may_start {
                "The tenant panel's chair starts each year's review, usually after the year ends on 31 March, once its figures are in. It shows here from then, and everyone can read it once it is published."
            } else {
                "As the panel's chair, you start each year's review below, usually after the year ends on 31 March, once its figures are in."
            };
            view! {
                <p class="empty">"No annual reviews yet."</p>
                <p>{next}</p>
            }.into_any()
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
