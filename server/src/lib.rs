//! The `tenant-voice` server: configuration, database, the HTTP router and the
//! commands of the binary. `main.rs` only parses arguments and calls in here,
//! so tests build exactly the router the binary serves.
pub mod admin;
pub mod config;
pub mod database;
pub mod demo;
mod demo_performance;
mod demo_reviews;
mod demo_scrutiny;
pub mod mail;
pub mod page_cache;
pub mod plain_pages;
pub mod reminders;
pub mod repeated_posts;
pub mod router;
pub mod serve;
pub mod sessions;
pub mod uploads;

/// Must match `output-name` in the workspace's leptos metadata.
pub const OUTPUT_NAME: &str = "tenant_voice";
