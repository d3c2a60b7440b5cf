//! Pieces every form uses, so that each one reads and behaves the same: a
//! labelled field with its hint and error, and the error summary at the top.
//!
//! Forms are `ActionForm`s posting to server functions, so they work without
//! JavaScript; errors then come back in the address and show the same way.
use leptos::prelude::*;

use crate::error::AppError;

/// The error of the last submission, if it failed.
pub fn last_error<T>(value: Option<Result<T, AppError>>) -> Option<AppError> {
    value.and_then(|result| result.err())
}

/// The id of the input for `field`, so the summary can link to it.
pub fn field_id(form: &str, field: &str) -> String {
    format!("{form}-{field}")
}

/// A box at the top of the form that says what went wrong. For a problem
/// with one field it links to that field.
#[component]
pub fn ErrorSummary(form: &'static str, error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|error| {
            let message = error.to_string();
            let body = match &error {
                AppError::Invalid { field, .. } => view! {
                    <a href=format!("#{}", field_id(form, field))>{message}</a>
                }
                .into_any(),
                _ => view! { <span>{message}</span> }.into_any(),
            };
            view! {
                <div class="error-summary" role="alert" tabindex="-1">
                    <h2>"There is a problem"</h2>
                    <p>{body}</p>
                </div>
            }
        })
    }
}

/// A labelled input with an optional hint; shows its error beside it and
/// marks itself invalid when the last submission failed on this field.
#[component]
pub fn Field(
    form: &'static str,
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(default = true)] required: bool,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = field_id(form, name);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let message = move || match error.get() {
        Some(AppError::Invalid { field, message }) if field == name => Some(message),
        _ => None,
    };
    let described_by = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            {
                let error_id = error_id.clone();
                move || message().map(|message| view! {
                    <p class="field-error" id=error_id.clone()>
                        <span class="visually-hidden">"Error: "</span>{message}
                    </p>
                })
            }
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                required=required
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=described_by
            />
        </div>
    }
}
