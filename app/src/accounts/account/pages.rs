//! The account page and the pages around it (confirming a new address,
//! after deleting), apart from the server functions they call.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    my_account, AccountDetails, ChangeEmail, ChangeName, ConfirmEmailChange, DeleteAccount,
    RemovePassword, SetPassword,
};
use crate::{
    accounts::sign_in::SignOutEverywhere,
    identity::Role,
    site::{
        forms::{last_error, ErrorSummary, Field, PostForm},
        ErrorPage,
    },
};

#[component]
pub fn AccountPage() -> impl IntoView {
    let actions = AccountActions {
        name: ServerAction::new(),
        email: ServerAction::new(),
        password: ServerAction::new(),
        remove_password: ServerAction::new(),
    };
    // Asked again after each change, since the page shows the result.
    let account = Resource::new(
        move || {
            actions.name.version().get()
                + actions.password.version().get()
                + actions.remove_password.version().get()
        },
        |_| my_account(),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(details) => view! { <AccountView details actions/> }.into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct AccountActions {
    name: ServerAction<ChangeName>,
    email: ServerAction<ChangeEmail>,
    password: ServerAction<SetPassword>,
    remove_password: ServerAction<RemovePassword>,
}

#[component]
fn AccountView(details: AccountDetails, actions: AccountActions) -> impl IntoView {
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let delete = ServerAction::<DeleteAccount>::new();
    let name_error = Signal::derive(move || last_error(actions.name.value().get()));
    let email_error = Signal::derive(move || last_error(actions.email.value().get()));
    let password_error = Signal::derive(move || {
        last_error(actions.password.value().get())
            .or_else(|| last_error(actions.remove_password.value().get()))
    });
    let delete_error = Signal::derive(move || last_error(delete.value().get()));
    let AccountDetails { user, has_password } = details;
    view! {
        <Title text="Your account"/>
        <h1>"Your account"</h1>

        <h2>"Your landlords"</h2>
        {if user.memberships.is_empty() {
            view! {
                <p>"You are not part of any landlord yet. Choose yours from the "<a href="/">"list of landlords"</a>" and ask to join as a resident."</p>
            }.into_any()
        } else {
            view! {
                <ul class="card-list">
                    {user.memberships.into_iter().map(|membership| {
                        let staff = matches!(membership.role, Role::LandlordStaff | Role::LandlordAdmin);
                        view! {
                            <li class="card">
                                <h3><a href=format!("/landlords/{}", membership.slug)>{membership.organisation_name.clone()}</a></h3>
                                <p>{membership.role.label()}</p>
                                {staff.then(|| view! {
                                    <p><a href=format!("/landlords/{}/people", membership.slug)>{format!("People and requests to join at {}", membership.organisation_name)}</a></p>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}

        <h2>"Your name"</h2>
        <ErrorSummary form="name" error=name_error/>
        <PostForm action=actions.name>
            <Field form="name" name="name" label="Name" hint="Shown beside your comments and proposals." autocomplete="name" value=user.name.clone() error=name_error/>
            <button type="submit" class="button secondary">"Save name"</button>
        </PostForm>

        <p>"Changing your email address or password needs a recent sign-in (in the last 10 minutes), and signs you out on every other device."</p>
        <h2>"Your email address"</h2>
        <p>{format!("Emails go to {}.", user.email)}</p>
        <ErrorSummary form="email" error=email_error/>
        <PostForm action=actions.email>
            <Field form="email" name="email" label="New email address" hint="We send a link to the new address; it changes when you use the link." kind="email" autocomplete="email" error=email_error/>
            <button type="submit" class="button secondary">"Change email address"</button>
        </PostForm>

        <h2>"Password"</h2>
        <p>{if has_password {
            "You can sign in with your password or with an emailed link."
        } else {
            "You sign in with emailed links. You can add a password if you prefer one."
        }}</p>
        <ErrorSummary form="new-password" error=password_error/>
        <PostForm action=actions.password>
            <Field form="new-password" name="password" label=if has_password { "New password" } else { "Password" } hint="At least 10 characters. Three or four ordinary words make a strong password." kind="password" autocomplete="new-password" error=password_error/>
            <Field form="new-password" name="password_again" label="Type it again" kind="password" autocomplete="new-password" error=password_error/>
            <button type="submit" class="button secondary">{if has_password { "Change password" } else { "Add password" }}</button>
        </PostForm>
        {has_password.then(|| view! {
            <PostForm action=actions.remove_password>
                <button type="submit" class="button secondary">"Remove password"</button>
            </PostForm>
        })}

        <h2>"Your data"</h2>
        <p><a href="/api/account/export" download="tenant-voice-my-data.json">"Download everything Tenant Voice holds about you"</a>" (a JSON file)."</p>

        <h2>"Signing out"</h2>
        <p>"If you signed in on a computer or phone you no longer use, or one that is shared, you can sign out everywhere at once, including here."</p>
        <PostForm action=everywhere>
            <button type="submit" class="button secondary">"Sign out of every device"</button>
        </PostForm>

        <h2>"Delete your account"</h2>
        <p>"Your name, email address, password and memberships are deleted. Comments, proposals and votes you made stay, shown as by \u{201c}Former resident\u{201d}. This cannot be undone."</p>
        <ErrorSummary form="delete" error=delete_error/>
        <PostForm action=delete>
            <div class="field checkbox" class:field-invalid=move || delete_error.get().is_some()>
                <input type="checkbox" id="delete-understood" name="understood" value="yes"/>
                <label for="delete-understood">"I understand that deleting my account cannot be undone"</label>
            </div>
            <button type="submit" class="button danger">"Delete my account"</button>
        </PostForm>
    }
}

/// `/account/confirm-email?token=…`: one button to confirm the new address.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let action = ServerAction::<ConfirmEmailChange>::new();
    let error = Signal::derive(move || last_error(action.value().get()));
    view! {
        <Title text="Confirm your new email address"/>
        <h1>"Confirm your new email address"</h1>
        {move || error.get().map(|error| view! {
            <div class="error-summary" role="alert">
                <h2>"This link did not work"</h2>
                <p>{error.to_string()}</p>
            </div>
        })}
        <PostForm action>
            <input type="hidden" name="token" value=token/>
            <button type="submit" class="button">"Use this email address"</button>
        </PostForm>
    }
}

#[component]
pub fn AccountDeletedPage() -> impl IntoView {
    view! {
        <Title text="Your account was deleted"/>
        <h1>"Your account was deleted"</h1>
        <p>"Your details are gone. Thank you for taking part. You can still read everything that is published."</p>
    }
}
