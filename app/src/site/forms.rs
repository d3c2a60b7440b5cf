//! Pieces every form uses, so that each one reads and behaves the same: a
//! labelled field with its hint and error, and the error summary at the top.
//!
//! Forms are `ActionForm`s posting to server functions, so they work without
//! JavaScript; errors then come back in the address and show the same way,
//! and what the person typed comes back too (see `TYPED_COOKIE`).
use leptos::prelude::*;

use crate::error::AppError;

/// Without JavaScript, a refused form post is answered with a redirect back
/// to the form. The server then keeps what was typed (never passwords or
/// tokens) in this short-lived cookie, and the form's fields read it, so
/// nothing typed is lost. The cookie is cleared as soon as it is read.
pub const TYPED_COOKIE: &str = "tenant_voice_typed";

/// What was typed into a refused form: the server function's path and the
/// fields, as the server stores them in `TYPED_COOKIE`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TypedFields {
    pub path: String,
    pub fields: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
impl TypedFields {
    pub fn encode(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(text: &str) -> Option<Self> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// The value typed into `name` in the form post that was just refused, when
/// this page is the answer to it. Only on the server; the browser's own form
/// keeps what was typed when JavaScript runs.
fn typed_value(name: &str) -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        let parts = use_context::<http::request::Parts>()?;
        let failed_path = parts.uri.query().and_then(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| key == "__path")
                .map(|(_, value)| value.into_owned())
        })?;
        let typed = parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(key, _)| *key == TYPED_COOKIE)
            .and_then(|(_, value)| TypedFields::decode(value))?;
        // Only the form that was refused gets its text back: two forms on
        // one page may share a field name.
        let this_form = use_context::<FormPath>().map(|form| form.0);
        if typed.path != failed_path || this_form.is_some_and(|path| path != failed_path) {
            return None;
        }
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(clear) = http::HeaderValue::from_str(&format!(
                "{TYPED_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
            )) {
                response.append_header(http::header::SET_COOKIE, clear);
            }
        }
        typed
            .fields
            .into_iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value)
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = name;
        None
    }
}

/// The hidden field in which every form names its own page, so that a
/// refusal finds its way back there even from a browser that sends no
/// Referer (the server puts it in its place; see `server::router`).
pub const PAGE_FIELD: &str = "__page";

/// The hidden field holding each drawn form's one-time key, so that the
/// same form sent twice is done once (see the server's `repeated_posts`).
pub const ONCE_FIELD: &str = "__once";

/// A new key for a form being drawn. Only the server draws forms.
fn once_key() -> String {
    #[cfg(feature = "ssr")]
    {
        format!("{:032x}", rand::random::<u128>())
    }
    #[cfg(not(feature = "ssr"))]
    {
        String::new()
    }
}

/// The server function a `PostForm` posts to, for its fields to find what
/// was typed into it (and not into another form on the page).
#[derive(Clone, Copy)]
// Only the server reads it: in the browser, the form itself keeps what was typed.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
struct FormPath(&'static str);

/// A form posting to a server function: an `ActionForm` (so it works with
/// and without JavaScript) that also carries `PAGE_FIELD`. Every form in the
/// portal is one of these.
#[component]
pub fn PostForm<ServFn, OutputProtocol>(
    action: ServerAction<ServFn>,
/// A form whose answer signs someone in carries no one-time key: a
/// replayed answer could not carry the new session's cookie.
    #[prop(optional)]
    signs_in: bool,
    children: Children,
) -> impl IntoView
where
    ServFn: serde::de::DeserializeOwned
        + leptos::server_fn::ServerFn<
            Protocol = leptos::server_fn::Http<leptos::server_fn::codec::PostUrl, OutputProtocol>,
        > + Clone
        + Send
        + Sync
        + 'static,
    <<ServFn::Client as leptos::server_fn::client::Client<ServFn::Error>>::Request as leptos::server_fn::request::ClientReq<
        ServFn::Error,
    >>::FormData: From<leptos::web_sys::FormData>,
    ServFn::Output: Send + Sync + 'static,
    ServFn::Error: Send + Sync + 'static,
    <ServFn as leptos::server_fn::ServerFn>::Client:
        leptos::server_fn::client::Client<<ServFn as leptos::server_fn::ServerFn>::Error>,
{
    provide_context(FormPath(ServFn::PATH));
    let location = leptos_router::hooks::use_location();
    let page = own_page(
        &location.pathname.get_untracked(),
        &location.search.get_untracked(),
    );
    view! {
        <ActionForm action>
            <input type="hidden" name=PAGE_FIELD value=page/>
            {(!signs_in).then(|| view! { <input type="hidden" name=ONCE_FIELD value=once_key()/> })}
            {children()}
        </ActionForm>
    }
}

/// The page's path and query, without the error a refusal added to it.
fn own_page(path: &str, search: &str) -> String {
    let query: Vec<&str> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| {
            !pair.is_empty() && !pair.starts_with("__err=") && !pair.starts_with("__path=")
        })
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

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
    let value = typed_value(name).or(value);
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

/// The error message for `name`, when the last submission failed on it.
fn field_message(error: Signal<Option<AppError>>, name: &'static str) -> Option<String> {
    match error.get() {
        Some(AppError::Invalid { field, message }) if field == name => Some(message),
        _ => None,
    }
}

/// The label, hint and error every kind of field shows above its control.
#[component]
fn FieldFrame(
    id: String,
    name: &'static str,
    #[prop(into)] label: String,
    hint: Option<&'static str>,
    error: Signal<Option<AppError>>,
    children: Children,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field-invalid=move || field_message(error, name).is_some()>
            <label for=id>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            {move || field_message(error, name).map(|message| view! {
                <p class="field-error" id=error_id.clone()>
                    <span class="visually-hidden">"Error: "</span>{message}
                </p>
            })}
            {children()}
        </div>
    }
}

/// The ids that describe a control: its hint, and its error when it has one.
fn described_by(
    id: &str,
    hint: bool,
    error: Signal<Option<AppError>>,
    name: &'static str,
) -> impl Fn() -> Option<String> + Send + Sync + 'static {
    let hint_id = hint.then(|| format!("{id}-hint"));
    let error_id = format!("{id}-error");
    move || {
        let mut ids: Vec<String> = hint_id.iter().cloned().collect();
        if field_message(error, name).is_some() {
            ids.push(error_id.clone());
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// The text to put inside a `<textarea>`. The server writes a textarea's
/// children without escaping them (tachys 0.2.19 treats it as raw text, like
/// `<script>`), so typed text holding `</textarea><script>` would end the box
/// and run. Escaped here, the browser decodes it back to exactly what was
/// typed. In the browser, text is set through the DOM and needs nothing.
fn textarea_text(text: &str) -> String {
    #[cfg(feature = "ssr")]
    {
        crate::html::escape(text)
    }
    #[cfg(not(feature = "ssr"))]
    {
        text.to_string()
    }
}

/// A labelled multi-line text box, like `Field`: the only place the portal
/// draws a `<textarea>`, so the escaping in `textarea_text` covers them all.
#[component]
pub fn TextArea(
    form: &'static str,
    name: &'static str,
    #[prop(into)] label: String,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(default = true)] required: bool,
    #[prop(default = 5)] rows: u32,
    /// In place of the usual id, for a form drawn once per item in a list.
    #[prop(optional, into)]
    id: Option<String>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let value = textarea_text(&typed_value(name).or(value).unwrap_or_default());
    let id = id.unwrap_or_else(|| field_id(form, name));
    let describe = described_by(&id, hint.is_some(), error, name);
    view! {
        <FieldFrame id=id.clone() name label hint error>
            <textarea
                id=id.clone()
                name=name
                rows=rows
                required=required
                aria-invalid=move || field_message(error, name).is_some().then_some("true")
                aria-describedby=describe
            >{value.clone()}</textarea>
        </FieldFrame>
    }
}

/// A labelled drop-down list of (value, label) choices, like `Field`.
#[component]
pub fn Select(
    form: &'static str,
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    choices: Vec<(String, String)>,
    #[prop(optional, into)] value: Option<String>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let value = typed_value(name).or(value).unwrap_or_default();
    let id = field_id(form, name);
    let describe = described_by(&id, hint.is_some(), error, name);
    view! {
        <FieldFrame id=id.clone() name label hint error>
            <select
                id=id.clone()
                name=name
                aria-invalid=move || field_message(error, name).is_some().then_some("true")
                aria-describedby=describe
            >
                {choices.clone().into_iter().map(|(choice, text)| {
                    let selected = choice == value;
                    view! { <option value=choice selected=selected>{text}</option> }
                }).collect_view()}
            </select>
        </FieldFrame>
    }
}

/// A count that goes up each time `action` succeeds. Pages reload their data
/// on it, not on every submission, so a refused form keeps what was typed.
pub fn successes<S>(action: ServerAction<S>) -> Memo<usize>
where
    S: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    Memo::new(move |previous: Option<&usize>| {
        let count = previous.copied().unwrap_or(0);
        if action.value().with(|value| matches!(value, Some(Ok(_)))) {
            count + 1
        } else {
            count
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_names_its_page_without_the_last_refusal() {
        assert_eq!(own_page("/a", ""), "/a");
        assert_eq!(own_page("/a", "?saved=2"), "/a?saved=2");
        assert_eq!(own_page("/a", "x=1&__path=%2Fapi%2Ff&__err=abc"), "/a?x=1");
    }
}
