//! The public performance pages: the dashboard, a page per measure, and the
//! comparison across landlords. Every chart comes with a table of the same
//! figures, and every table can be downloaded.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    charts::{self, Bar, BarChart},
    load_comparison, load_dashboard, load_measure,
    model::{measure_name, Figure, Period, Status, Trend, Unit},
    Comparison, Dashboard, DashboardRow, MeasureHistory, Point, Series,
};
use crate::site::{Breadcrumb, ErrorPage};

fn param(name: &'static str) -> impl Fn() -> String {
    let params = use_params_map();
    move || params.read().get(name).unwrap_or_default()
}

fn query(name: &'static str) -> impl Fn() -> Option<String> {
    let query = use_query_map();
    move || query.read().get(name)
}

/// A figure with its unit, or a dash read out as "none".
fn figure_text(unit: Unit, figure: Option<Figure>) -> AnyView {
    match figure {
        Some(figure) => view! { {unit.format(figure)} }.into_any(),
        None => {
            view! { <span aria-hidden="true">"–"</span><span class="visually-hidden">"none"</span> }
                .into_any()
        }
    }
}

#[component]
fn StatusText(status: Option<Status>) -> impl IntoView {
    match status {
        Some(status) => view! {
            <span class=format!("status status-{}", status.as_str())>{status.label()}</span>
        }
        .into_any(),
        None => view! { <span class="status">"No target"</span> }.into_any(),
    }
}

#[component]
fn TrendText(trend: Option<Trend>) -> impl IntoView {
    match trend {
        Some(trend) => view! {
            <span class=format!("trend trend-{}", trend.as_str())>{trend.short()}</span>
        }
        .into_any(),
        None => view! { <span class="trend">"Not known"</span> }.into_any(),
    }
}

/// The links that download a table as CSV and as JSON.
#[component]
fn Downloads(path: String, what: &'static str) -> impl IntoView {
    view! {
        <p class="downloads">
            "Download "{what}": "
            <a href=format!("{path}.csv") download="">"CSV"<span class="visually-hidden">" spreadsheet file"</span></a>
            " · "
            <a href=format!("{path}.json") download="">"JSON"<span class="visually-hidden">" data file"</span></a>
        </p>
    }
}

/// Links to the other years, when there are any; the current one is marked.
#[component]
pub fn YearLinks(years: Vec<i32>, current: Option<i32>, base: String) -> impl IntoView {
    (years.len() > 1).then(|| {
        view! {
            <nav aria-label="Years" class="year-links">
                <p>"Choose a year:"</p>
                <ul>
                    {years.into_iter().map(|y| {
                        let label = Period::year(y).year_label();
                        let href = format!("{base}?year={label}");
                        view! {
                            <li><a href=href aria-current=(Some(y) == current).then_some("page")>{label}</a></li>
                        }
                    }).collect_view()}
                </ul>
            </nav>
        }
    })
}

/// Bar charts drawn by `charts::bar_charts_by_unit`, as (title, markup).
#[component]
pub fn BarCharts(charts: Vec<(String, String)>) -> impl IntoView {
    charts
        .into_iter()
        .map(|(title, html)| view! { <Chart html caption=title/> })
        .collect_view()
}

/// A chart drawn on the server under its title; the table after it
/// carries the same figures.
#[component]
pub fn Chart(html: String, caption: String) -> impl IntoView {
    view! {
        <figure class="chart">
            <figcaption>{caption}<span class="chart-table-note">" The table below has the same figures."</span></figcaption>
            <div class="chart-image" inner_html=html></div>
        </figure>
    }
}

/// `/landlords/:slug/performance`: the dashboard.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let slug = param("slug");
    let year = query("year");
    let data = Resource::new(
        move || (slug(), year()),
        |(slug, year)| load_dashboard(slug, year),
    );
    crate::site::loaded(data, move |data| view! { <DashboardView data/> })
}

#[component]
fn DashboardView(data: Dashboard) -> impl IntoView {
    let Dashboard {
        landlord,
        years,
        year,
        rows,
        can_edit,
        close_within,
    } = data;
    let title = format!("How {} is doing", landlord.name);
    let base = format!("/landlords/{}/performance", landlord.slug);
    let year_links = view! {
        <YearLinks years=years.clone() current=year base=base.clone()/>
    };
    let staff_links = can_edit.then(|| {
        let base = base.clone();
        view! {
            <p class="staff-links">
                <a class="button" href=format!("{base}/import")>"Import results"</a>
                " "
                <a class="button secondary" href=format!("{base}/manage")>"Local measures and settings"</a>
            </p>
        }
    });
    let margin = Figure(close_within).to_string();
    let body = match year {
        None => view! {
            <p class="empty">"No results have been published yet."</p>
        }
        .into_any(),
        Some(year) => {
            let period = Period::year(year);
            let summary = dashboard_summary(&rows, period);
            let mut groups: Vec<(String, Vec<DashboardRow>)> = Vec::new();
            for row in rows {
                match groups.iter_mut().find(|(name, _)| *name == row.group) {
                    Some((_, rows)) => rows.push(row),
                    None => groups.push((row.group.clone(), vec![row])),
                }
            }
            view! {
                <p class="summary">{summary}</p>
                <p>
                    {format!("Results for {period} (April {} to March {}). ", year, year + 1)}
                    {format!("“Close to target” means a result fell short of its target by no more than {margin}% of the target.")}
                </p>
                <Downloads path=format!("/landlords/{}/open-data/performance", landlord.slug) what="every result and target"/>
                {groups.into_iter().enumerate().map(|(index, (group, rows))| {
                    view! { <DashboardGroup index group rows period slug=landlord.slug.clone()/> }
                }).collect_view()}
            }
            .into_any()
        }
    };
    view! {
        <Title text=title.clone()/>
        <Breadcrumb trail=vec![(format!("/landlords/{}", landlord.slug), landlord.name.clone())] current="Performance".into()/>
        <h1>{title}</h1>
        <p class="lead">"The Tenant Satisfaction Measures every landlord reports to the Regulator of Social Housing, and the landlord's own measures, against the targets it set."</p>
        {staff_links}
        {year_links}
        {body}
        <p><a href="/compare">"Compare landlords on each measure"</a></p>
    }
}

/// A dashboard row's measure by name; a rented-homes row is only named so
/// when a shared-ownership row of the same measure is beside it.
fn row_name(rows: &[DashboardRow], row: &DashboardRow) -> String {
    let name = measure_name(&row.title, &row.code);
    let shared = rows
        .iter()
        .any(|other| other.code == row.code && other.series_label != row.series_label);
    if shared {
        format!("{name}: {}", row.series_label)
    } else {
        name
    }
}

/// The year in a few plain sentences, before any chart: how many results
/// met their target, and which were missed, by name.
fn dashboard_summary(rows: &[DashboardRow], period: Period) -> String {
    let judged: Vec<&DashboardRow> = rows.iter().filter(|r| r.point.status.is_some()).collect();
    let count = |status: Status| {
        judged
            .iter()
            .filter(|r| r.point.status == Some(status))
            .count()
    };
    let results = |n: usize| {
        if n == 1 {
            "1 result".to_string()
        } else {
            format!("{n} results")
        }
    };
    let unjudged = rows.iter().filter(|r| r.point.result.is_some()).count() - judged.len();
    let mut summary = if judged.is_empty() {
        format!(
            "No result for {} has a target to judge it by.",
            period.year_label()
        )
    } else {
        let (met, close) = (count(Status::Met), count(Status::Close));
        let mut text = format!(
            "{} of {} with a target met it in {}",
            met,
            results(judged.len()),
            period.year_label()
        );
        if close > 0 {
            text.push_str(&format!(
                "; {} {} close",
                close,
                if close == 1 { "was" } else { "were" }
            ));
        }
        let missed: Vec<String> = judged
            .iter()
            .filter(|r| r.point.status == Some(Status::Missed))
            .map(|r| row_name(rows, r))
            .collect();
        match missed.as_slice() {
            [] => text.push_str("; none was missed."),
            [one] => text.push_str(&format!("; 1 was missed: {one}.")),
            [init @ .., last] => text.push_str(&format!(
                "; {} were missed: {} and {last}.",
                missed.len(),
                init.join(", ")
            )),
        }
        text
    };
    if unjudged > 0 && !judged.is_empty() {
        summary.push_str(&format!(
            " {} no target to judge by.",
            if unjudged == 1 {
                "1 more has".to_string()
            } else {
                format!("{unjudged} more have")
            }
        ));
    }
    summary
}

#[component]
fn DashboardGroup(
    index: usize,
    group: String,
    rows: Vec<DashboardRow>,
    period: Period,
    slug: String,
) -> impl IntoView {
    let heading_id = format!("group-{index}");
    let bars = rows
        .iter()
        .filter_map(|row| {
            let bar = Bar::new(
                row_name(&rows, row),
                row.point.result?,
                row.point.target,
                row.point.status,
            );
            Some((row.unit, bar))
        })
        .collect();
    let chart_title = format!("{group}, {}", period.year_label());
    let charts =
        charts::bar_charts_by_unit(&format!("chart-{index}"), |_| chart_title.clone(), bars);
    let charts_view = view! { <BarCharts charts/> };
    let labelled_by = heading_id.clone();
    view! {
        <section class="measure-group" aria-labelledby=labelled_by>
            <h2 id=heading_id>{group.clone()}</h2>
            {charts_view}
            <div class="table-wrap" role="region" aria-label=format!("{group}: table") tabindex="0">
                <table>
                    <caption>{format!("{group}, {period}")}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Measure"</th>
                            <th scope="col">"Result"</th>
                            <th scope="col">"Target"</th>
                            <th scope="col">"Against target"</th>
                            <th scope="col">"Since last year"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().map(|row| {
                            let href = format!("/landlords/{slug}/performance/{}", row.code);
                            let responses = row.point.responses.map(|n| format!("{n} survey responses"));
                            view! {
                                <tr>
                                    <th scope="row">
                                        <a href=href>{measure_name(&row.title, &row.code)}</a>
                                        <span class="series">{row.series_label.clone()}</span>
                                        {responses.map(|text| view! { <span class="series">{text}</span> })}
                                    </th>
                                    <td>{figure_text(row.unit, row.point.result)}</td>
                                    <td>{figure_text(row.unit, row.point.target)}</td>
                                    <td><StatusText status=row.point.status/></td>
                                    <td>
                                        <TrendText trend=row.point.trend/>
                                        {row.previous.map(|previous| view! {
                                            <span class="series">{format!("was {}", row.unit.format(previous))}</span>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// `/landlords/:slug/performance/:code`: one measure's whole history.
#[component]
pub fn MeasurePage() -> impl IntoView {
    let slug = param("slug");
    let code = param("code");
    let data = Resource::new(
        move || (slug(), code()),
        |(slug, code)| load_measure(slug, code),
    );
    crate::site::loaded(data, move |data| view! { <MeasureView data/> })
}

#[component]
fn MeasureView(data: MeasureHistory) -> impl IntoView {
    let MeasureHistory {
        landlord,
        measure,
        series,
        corrections,
        comparable,
        close_within,
    } = data;
    let title = measure_name(&measure.title, &measure.code);
    let close = format!(
        "A result that falls short of its target by no more than {}% of the target.",
        Figure(close_within)
    );
    let kind = if measure.local {
        "A measure of the landlord's own."
    } else if measure.survey {
        "A Tenant Satisfaction Measure, from the landlord's survey of its tenants."
    } else {
        "A Tenant Satisfaction Measure, from the landlord's own records."
    };
    let unit = measure.unit;
    let series_views = series
        .into_iter()
        .enumerate()
        .map(|(index, one)| view! { <SeriesView index series=one title=title.clone() unit/> })
        .collect_view();
    view! {
        <Title text=title.clone()/>
        <Breadcrumb trail=vec![(format!("/landlords/{}", landlord.slug), landlord.name.clone())] current=measure.title.clone()/>
        <p><a href=format!("/landlords/{}/performance", landlord.slug)>"Back to all measures"</a></p>
        <h1>{title.clone()}</h1>
        <p class="lead">{measure.about.clone()}</p>
        <dl class="facts">
            <dt>"What kind"</dt><dd>{kind}</dd>
            <dt>"Unit"</dt><dd>{unit.label()}</dd>
            <dt>"Which way is better"</dt><dd>{measure.direction.label()}</dd>
            <dt>"Code"</dt><dd>{measure.code.clone()}" (the regulator's or the landlord's short name for it)"</dd>
            <dt>"“Close to target”"</dt><dd>{close}</dd>
        </dl>
        <Downloads path=format!("/landlords/{}/open-data/measure-{}", landlord.slug, measure.code) what="this measure's history"/>
        {comparable.then(|| view! {
            <p><a href=format!("/compare/{}", measure.code)>"Compare this measure across landlords"</a></p>
        })}
        {if series_views.is_empty() {
            view! { <p class="empty">"No results have been published for this measure yet."</p> }.into_any()
        } else {
            series_views.into_any()
        }}
        <section aria-labelledby="corrections-heading">
            <h2 id="corrections-heading">"Corrections"</h2>
            {if corrections.is_empty() {
                view! { <p>"No published figure for this measure has been changed."</p> }.into_any()
            } else {
                view! {
                    <p>"Figures changed after they were published, with who changed them and why."</p>
                    <div class="table-wrap" role="region" aria-label="Corrections table" tabindex="0">
                        <table>
                            <caption>"Corrections to published figures"</caption>
                            <thead><tr>
                                <th scope="col">"When"</th>
                                <th scope="col">"Figure"</th>
                                <th scope="col">"Was"</th>
                                <th scope="col">"Now"</th>
                                <th scope="col">"By"</th>
                                <th scope="col">"Why"</th>
                            </tr></thead>
                            <tbody>
                                {corrections.into_iter().map(|change| {
                                    let period = Period { year: change.year as i32, quarter: change.quarter as u8 };
                                    let part = measure.part_label(&change.part);
                                    let tenure = super::model::Tenure::parse(&change.tenure).map(|t| t.label()).unwrap_or_default();
                                    let what = [change.field.replace('_', " "), part, tenure.to_lowercase(), period.to_string()]
                                        .into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ");
                                    let show = |value: Option<i64>| match (change.field.as_str(), value) {
                                        ("responses", Some(n)) => n.to_string(),
                                        (_, Some(v)) => unit.format(Figure(v)),
                                        (_, None) => "none".into(),
                                    };
                                    view! {
                                        <tr>
                                            <td>{crate::time::format_date(change.changed_at)}</td>
                                            <td>{what}</td>
                                            <td>{show(change.old_value)}</td>
                                            <td>{show(change.new_value)}</td>
                                            <td>{change.changed_by}</td>
                                            <td>{change.reason}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn SeriesView(index: usize, series: Series, title: String, unit: Unit) -> impl IntoView {
    let label = series.label();
    let heading_id = format!("series-{index}");
    // Oldest first, so the years read down the page in order.
    let years: Vec<Bar> = series
        .points
        .iter()
        .filter(|p| !p.period.is_quarter())
        .filter_map(|p| {
            Some(Bar::new(
                p.period.to_string(),
                p.result?,
                p.target,
                p.status,
            ))
        })
        .collect();
    let chart = (!years.is_empty()).then(|| {
        let html = charts::bar_chart(&BarChart {
            id: &format!("trend-{index}"),
            unit,
            bars: &years,
        });
        view! { <Chart html caption=format!("{title}: {label}, year by year")/> }
    });
    let newest_first: Vec<Point> = series.points.iter().rev().cloned().collect();
    let labelled_by = heading_id.clone();
    view! {
        <section aria-labelledby=labelled_by>
            <h2 id=heading_id>{label.clone()}</h2>
            {chart}
            <div class="table-wrap" role="region" aria-label=format!("{label}: table") tabindex="0">
                <table>
                    <caption>{format!("{label}: every period")}</caption>
                    <thead><tr>
                        <th scope="col">"Period"</th>
                        <th scope="col">"Result"</th>
                        <th scope="col">"Target"</th>
                        <th scope="col">"Against target"</th>
                        <th scope="col">"Since the period before"</th>
                        <th scope="col">"How it was measured"</th>
                    </tr></thead>
                    <tbody>
                        {newest_first.into_iter().map(|point| {
                            let method = match (point.responses, point.method_note.is_empty()) {
                                (Some(n), true) => format!("{n} survey responses"),
                                (Some(n), false) => format!("{n} survey responses. {}", point.method_note),
                                (None, _) => point.method_note.clone(),
                            };
                            view! {
                                <tr>
                                    <th scope="row">{point.period.to_string()}</th>
                                    <td>{figure_text(unit, point.result)}</td>
                                    <td>{figure_text(unit, point.target)}</td>
                                    <td>{point.result.map(|_| view! { <StatusText status=point.status/> })}</td>
                                    <td>{point.result.map(|_| view! { <TrendText trend=point.trend/> })}</td>
                                    <td>{method}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// `/compare` and `/compare/:code`: one measure across every landlord here.
#[component]
pub fn ComparePage() -> impl IntoView {
    let code = param("code");
    let year = query("year");
    let data = Resource::new(
        move || (code(), year()),
        |(code, year)| async move {
            if code.is_empty() {
                Ok(None)
            } else {
                load_comparison(code, year).await.map(Some)
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(data)) => view! { <ComparisonView data/> }.into_any(),
                    Ok(None) => view! { <CompareIndex/> }.into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CompareIndex() -> impl IntoView {
    view! {
        <Title text="Compare landlords"/>
        <h1>"Compare landlords"</h1>
        <p class="lead">"Choose a Tenant Satisfaction Measure to see every landlord on this portal side by side."</p>
        <ul class="link-list">
            {super::catalogue::TSMS.iter().map(|m| view! {
                <li><a href=format!("/compare/{}", m.code)>{measure_name(m.title, m.code)}</a></li>
            }).collect_view()}
        </ul>
    }
}

#[component]
fn ComparisonView(data: Comparison) -> impl IntoView {
    let Comparison {
        measure,
        years,
        year,
        rows,
    } = data;
    let title = format!(
        "{}: landlords compared",
        measure_name(&measure.title, &measure.code)
    );
    let unit = measure.unit;
    let year_links = view! {
        <YearLinks years=years.clone() current=year base=format!("/compare/{}", measure.code)/>
    };
    let body = match year {
        None => {
            view! { <p class="empty">"No landlord has published results for this measure yet."</p> }
                .into_any()
        }
        Some(year) => {
            let period = Period::year(year);
            let bars: Vec<Bar> = rows
                .iter()
                .filter_map(|row| {
                    let label = if measure.parts.is_empty() && row.series_label == "Rented homes" {
                        row.landlord.name.clone()
                    } else {
                        format!("{}: {}", row.landlord.name, row.series_label)
                    };
                    Some(Bar::new(
                        label,
                        row.point.result?,
                        row.point.target,
                        row.point.status,
                    ))
                })
                .collect();
            let chart_title = format!(
                "{}, {}, each landlord against its own target",
                measure_name(&measure.title, &measure.code),
                period.year_label()
            );
            let html = charts::bar_chart(&BarChart {
                id: "compare",
                unit,
                bars: &bars,
            });
            view! {
                <Chart html caption=chart_title/>
                <div class="table-wrap" role="region" aria-label="Comparison table" tabindex="0">
                    <table>
                        <caption>{format!("{} by landlord, {period}", measure.title)}</caption>
                        <thead><tr>
                            <th scope="col">"Landlord"</th>
                            <th scope="col">"Result"</th>
                            <th scope="col">"Its target"</th>
                            <th scope="col">"Against target"</th>
                            <th scope="col">"Survey responses"</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|row| view! {
                                <tr>
                                    <th scope="row">
                                        <a href=format!("/landlords/{}/performance/{}", row.landlord.slug, measure.code)>{row.landlord.name.clone()}</a>
                                        <span class="series">{row.series_label.clone()}</span>
                                    </th>
                                    <td>{figure_text(unit, row.point.result)}</td>
                                    <td>{figure_text(unit, row.point.target)}</td>
                                    <td><StatusText status=row.point.status/></td>
                                    <td>{row.point.responses.map(|n| n.to_string()).unwrap_or_else(|| "Not a survey measure".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }
    };
    view! {
        <Title text=title.clone()/>
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <ol>
                <li><a href="/">"All landlords"</a></li>
                <li><a href="/compare">"Compare landlords"</a></li>
                <li aria-current="page">{measure.title.clone()}</li>
            </ol>
        </nav>
        <h1>{title}</h1>
        <p class="lead">{measure.about.clone()}</p>
        <p>"Landlords set their own targets and survey their own tenants, so compare with care: the number of survey responses shows how much each result rests on."</p>
        <Downloads path=format!("/open-data/compare/{}", measure.code) what="this comparison for every year"/>
        {year_links}
        {body}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::performance::model::Direction;

    fn row(code: &str, series: &str, result: Option<&str>, status: Option<Status>) -> DashboardRow {
        DashboardRow {
            code: code.into(),
            title: format!("Measure {code}"),
            group: "Satisfaction".into(),
            unit: Unit::Percent,
            direction: Direction::HigherIsBetter,
            series_label: series.into(),
            point: Point {
                period: Period::year(2025),
                result: result.map(|r| Figure::parse(r).unwrap()),
                target: None,
                responses: None,
                method_note: String::new(),
                status,
                trend: None,
            },
            previous: None,
        }
    }

    #[test]
    fn the_summary_counts_and_names_what_was_missed() {
        let rows = [
            row("TP01", "Rented homes", Some("80"), Some(Status::Met)),
            row("TP01", "Shared ownership", Some("60"), Some(Status::Missed)),
            row("TP02", "Rented homes", Some("70"), Some(Status::Close)),
            row("TP03", "Rented homes", Some("50"), Some(Status::Missed)),
            row("TP04", "Rented homes", Some("50"), None),
        ];
        assert_eq!(
            dashboard_summary(&rows, Period::year(2025)),
            "1 of 4 results with a target met it in 2025/26; 1 was close; 2 were missed: \
             Measure TP01 (TP01): Shared ownership and Measure TP03 (TP03). 1 more has no target to judge by."
        );
        assert_eq!(
            dashboard_summary(&rows[..1], Period::year(2025)),
            "1 of 1 result with a target met it in 2025/26; none was missed."
        );
        assert_eq!(
            dashboard_summary(&rows[4..], Period::year(2025)),
            "No result for 2025/26 has a target to judge it by."
        );
    }
}
