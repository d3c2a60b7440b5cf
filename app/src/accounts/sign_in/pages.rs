//! The sign-in, registration and signed-out pages, the page a sign-in
//! link leads to, and the header's sign-out button.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    sign_in_link_account, Register, RequestSignInLink, SignInWithPassword, SignOut, UseSignInLink,
};
use crate::site::forms::{last_error, ErrorSummary, Field, PostForm};

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<RequestSignInLink>::new();
    let error = Signal::derive(move || last_error(action.value().get()));
    let with_password = ServerAction::<SignInWithPassword>::new();
    let password_error = Signal::derive(move || last_error(with_password.value().get()));
    view! {
        <Title text="Sign in"/>
        <h1>"Sign in"</h1>
        <p>"Enter your email address and we will email you a link that signs you in. You do not need a password."</p>
        <ErrorSummary form="sign-in" error/>
        <PostForm action>
            <Field form="sign-in" name="email" label="Email address" kind="email" autocomplete="email" error/>
            <button type="submit" class="button">"Email me a sign-in link"</button>
        </PostForm>
        <h2>"Or use your password"</h2>
        <p>"If you added a password on your account page, you can use it instead."</p>
        <ErrorSummary form="password" error=password_error/>
        <PostForm action=with_password signs_in=true>
            <Field form="password" name="email" label="Email address" kind="email" autocomplete="username" error=password_error/>
            <Field form="password" name="password" label="Password" kind="password" autocomplete="current-password" error=password_error/>
            <SharedComputer id="password-shared"/>
            <button type="submit" class="button secondary">"Sign in with password"</button>
        </PostForm>
        <h2>"New to Tenant Voice?"</h2>
        <p><a href="/register">"Create an account"</a>" to comment, and to ask your landlord to verify you as a resident so you can propose topics and vote."</p>
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
        <p>"If that address has an account, we have sent it a link to sign in. The link works once, for the next 15 minutes."</p>
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
                    Ok(account) => view! {
                        {move || error.get().map(|error| view! {
                            <div class="error-summary" role="alert">
                                <h2>"This link did not work"</h2>
                                <p>{error.to_string()}</p>
                                <p><a href="/sign-in">"Ask for a new sign-in link"</a></p>
                            </div>
                        })}
                        <p class="notice">"You are signing in as "<strong>{account.name}</strong>" at "<strong>{account.email}</strong>"."</p>
                        <p>"If that is not you, do not go on: close this page. Someone may have sent you a link to their account."</p>
                        <PostForm action signs_in=true>
                            <input type="hidden" name="token" value=token/>
                            <SharedComputer id="link-shared"/>
                            <button type="submit" class="button">"Sign in to Tenant Voice"</button>
                        </PostForm>
                    }.into_any(),
                    Err(error) => view! {
                        <div class="error-summary" role="alert">
                            <h2>"This link did not work"</h2>
                            <p>{error.to_string()}</p>
                            <p><a href="/sign-in">"Ask for a new sign-in link"</a></p>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
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
