//! Tenant Voice: the Leptos application shared by the server (feature `ssr`)
//! and the browser (feature `hydrate`). Code is organised by what people do:
//! `site` is the page shell and site-wide pages, `landlords` lists and shows
//! the landlords hosted here, `accounts` is people, sign-in and roles,
//! `charter` is what each landlord promised, `annual_reviews` is the yearly
//! review the panel writes with staff, `performance` is how it is doing,
//! `scrutiny` is the topics residents propose and vote on, `comments` is the
//! discussion under them, and `permissions` is the one place that says who
//! may do what.
#![recursion_limit = "256"]

pub mod accounts;
pub mod annual_reviews;
#[cfg(feature = "ssr")]
pub mod audit;
pub mod charter;
pub mod comments;
pub mod error;
pub mod html;
pub mod identity;
pub mod landlords;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod markdown;
#[cfg(feature = "ssr")]
pub mod network;
#[cfg(feature = "ssr")]
pub mod open_data;
pub mod performance;
pub mod permissions;
#[cfg(feature = "ssr")]
pub mod rate_limit;
pub mod routes;
pub mod scrutiny;
pub mod site;
pub mod time;
pub mod validation;

#[cfg(feature = "ssr")]
pub mod state;

pub use routes::{shell, App};

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are rendered on the server only; just the islands (the few
    // components that need the browser) come to life here.
    leptos::mount::hydrate_islands();
}
