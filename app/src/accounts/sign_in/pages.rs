//! The sign-in, registration and signed-out pages, the page a sign-in
//! link leads to, and the header's sign-out button.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    sign_in_link_account, Register, RequestSignInLink, SignInWithPassword, SignOut, UseSignInLink,
    LINK_MINUTES,
};
use crate::site::forms::{last_error, ErrorSummary, Field, PostForm};

/// The address of the sign-in page's second way in: the password step.
pub const PASSWORD_STEP: &str = "/sign-in?with=password";

/// Signing in, one way at a time: the emailed link first (no password to
/// remember), and on a step of its own, for those who added one, the
/// password.
#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let with_password = query.read_untracked().get("with").as_deref() == Some("password");
    if with_password {
        view! { <PasswordStep/> }.into_any()
    } else {
        view! { <LinkStep/> }.into_any()
    }
}

#[component]
fn LinkStep() -> impl IntoView {
    let action = ServerAction::<RequestSignInLink>::new();
    let error = Signal::derive(move || last_error(action.value().get()));
    view! {
        <Title text="Sign in"/>
        <h1>"Sign in"</h1>
        <p>"Enter your email address and we will email you a link that signs you in. You do not need a password."</p>
        <ErrorSummary form="sign-in" error/>
        <PostForm action>
            <Field form="sign-in" name="email" label="Email address" kind="email" autocomplete="email" error/>
            <button type="submit" class="button">"Email me a sign-in link"</button>
        </PostForm>
        <h2>"Added a password to your account?"</h2>
        <p><a href=PASSWORD_STEP>"Sign in with your password instead"</a></p>
        <h2>"New to Tenant Voice?"</h2>
        <p><a href="/register">"Create an account"</a>" to comment, and to ask your landlord to verify you as a resident so you can propose topics and vote."</p>
    }
}

#[component]
fn PasswordStep() -> impl IntoView {
    let action = ServerAction::<SignInWithPassword>::new();
    let error = Signal::derive(move || last_error(action.value().get()));
    view! {
        <Title text="Sign in with your password"/>
        <h1>"Sign in with your password"</h1>
        <p>"This is for people who added a password on their account page. Everyone else signs in with an emailed link."</p>
        <ErrorSummary form="password" error/>
        <PostForm action signs_in=true>
            <Field form="password" name="email" label="Email address" kind="email" autocomplete="username" error/>
            <Field form="password" name="password" label="Password" kind="password" autocomplete="current-password" error/>
            <SharedComputer id="password-shared"/>
            <button type="submit" class="button">"Sign in with password"</button>
        </PostForm>
        <p><a href="/sign-in">"No password, or forgotten it? Get an emailed link instead"</a></p>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    let error = Signal::derive(move || last_error(action.value().get()));
    view! {
        <Title text="Create an account"/>
        <h1>"Create an account"</h1>
        <p>"We will email you a link to confirm your address. After that you can ask your landlord to verify you as a resident."</p>
        <ErrorSummary form="register" error/>
        <PostForm action>
            <Field form="register" name="name" label="Your name" hint="Shown beside your comments and proposals." autocomplete="name" error/>
            <Field form="register" name="email" label="Email address" kind="email" autocomplete="email" error/>
            <button type="submit" class="button">"Create my account"</button>
        </PostForm>
        <p>"Already have an account? "<a href="/sign-in">"Sign in"</a></p>
    }
}

#[component]
pub fn CheckEmailPage() -> impl IntoView {
    view! {
        <Title text="Check your email"/>
        <h1>"Check your email"</h1>
        <p>{format!("If that address has an account, we have sent it a link to sign in. The link works once, for the next {LINK_MINUTES} minutes.")}</p>
        <p>"It can take a few minutes to arrive. If it does not, look in your junk or spam folder, or "<a href="/sign-in">"ask for another link"</a>"."</p>
    }
}

/// "This is a shared computer": the session's cookie then ends when the
/// browser closes, instead of lasting for days.
#[component]
fn SharedComputer(id: &'static str) -> impl IntoView {
    view! {
        <div class="field checkbox">
            <input type="checkbox" id=id name="shared" value="yes"/>
            <label for=id>"This is a shared computer (sign me out when the browser closes)"</label>
        </div>
    }
}

/// Where a sign-in link leads: whom it signs in, and one button to finish.
#[component]
pub fn SignInLinkPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let account = Resource::new(token, sign_in_link_account);
    let action = ServerAction::<UseSignInLink>::new();
    let error = Signal::derive(move || last_error(action.value().get()));
    view! {
        <Title text="Finish signing in"/>
        <h1>"Finish signing in"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    // A link that failed would fail again: offer a new one instead.
                    Ok(_) if error.get_untracked().is_some() => view! {
                        <LinkDidNotWork message=error.get_untracked().map(|e| e.to_string()).unwrap_or_default()/>
                    }.into_any(),
                    Ok(account) => view! {
                        <p class="notice">"You are signing in as "<strong>{account.name}</strong>" at "<strong>{account.email}</strong>"."</p>
                        <p>"If that is not you, do not go on: close this page. Someone may have sent you a link to their account."</p>
                        <PostForm action signs_in=true>
                            <input type="hidden" name="token" value=token/>
                            <SharedComputer id="link-shared"/>
                            <button type="submit" class="button">"Sign in to Tenant Voice"</button>
                        </PostForm>
                    }.into_any(),
                    Err(error) => view! { <LinkDidNotWork message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A sign-in link that was used, has expired or was never ours: why, and
/// the one thing to do next.
#[component]
fn LinkDidNotWork(message: String) -> impl IntoView {
    view! {
        <div class="error-summary" role="alert">
            <h2>"This link did not work"</h2>
            <p>{message}</p>
        </div>
        <p>{format!("Each link works once, for {LINK_MINUTES} minutes. Ask for a new one and use the newest email.")}</p>
        <p><a class="button" href="/sign-in">"Email me a new sign-in link"</a></p>
    }
}

#[component]
pub fn SignedOutPage() -> impl IntoView {
    view! {
        <Title text="You are signed out"/>
        <h1>"You are signed out"</h1>
        <p>"You can still read everything that is published. "<a href="/sign-in">"Sign in again"</a></p>
    }
}

/// The sign-out button in the header: a form, so it works without JavaScript.
#[component]
pub fn SignOutButton() -> impl IntoView {
    let action = ServerAction::<SignOut>::new();
    view! {
        <PostForm action attr:class="inline-form">
            <button type="submit" class="link-button">"Sign out"</button>
        </PostForm>
    }
}
