//! Settings come from environment variables, each with a command-line flag of
//! the same meaning. clap only collects the raw text; `Settings::from_raw`
//! checks every value so a mistake stops the start with one line naming the
//! setting and what is wrong with it.
use std::{fmt, net::SocketAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/tenant-voice.db";
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";
pub const DEFAULT_OUTBOX_DIR: &str = "data/outbox";
/// A week.
pub const DEFAULT_SESSION_IDLE_MINUTES: &str = "10080";

#[derive(Debug, Parser)]
#[command(
    name = "tenant-voice",
    version,
    about = "Tenant Voice: a tenant voice and scrutiny portal for social housing"
)]
pub struct Cli {
    #[command(flatten)]
    pub raw: RawSettings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand, Clone, PartialEq, Eq)]
pub enum Command {
    /// Migrate the database and serve the portal (the default).
    Serve,
    /// Create or update the database tables, then stop.
    Migrate,
    /// Load the invented demo landlords and people into an empty database.
    Demo,
    /// Manage platform administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand, Clone, PartialEq, Eq)]
pub enum AdminCommand {
    /// Create a platform administrator, or make an existing person one.
    Create {
        #[arg(long)]
        email: String,
        /// The name shown to others; defaults to the part of the email before the @.
        #[arg(long)]
        name: Option<String>,
    },
}

/// The settings as typed, before they are checked.
#[derive(Debug, Args, Clone, Default)]
pub struct RawSettings {
    /// Database to use: sqlite://path/to/file.db or postgres://user@host/database.
    #[arg(long, env = "DATABASE_URL", global = true, default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Address and port to listen on.
    #[arg(long = "addr", env = "LEPTOS_SITE_ADDR", global = true, default_value = DEFAULT_ADDR)]
    pub addr: String,
    /// The address people use to reach the portal, used in links in emails
    /// (default: http:// and the listen address).
    #[arg(long, env = "BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// Mail server, such as smtps://user:password@mail.example.org:465. Unset:
    /// emails are written as files under ./data/outbox/.
    #[arg(long, env = "SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// The sender of the portal's emails, such as "Tenant Voice <noreply@voice.example.org>"
    /// (default: Tenant Voice at noreply@ the base URL's host).
    #[arg(long, env = "MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// Folder for emails written as .eml files when SMTP_URL is unset.
    #[arg(long, env = "OUTBOX_DIR", global = true, default_value = DEFAULT_OUTBOX_DIR)]
    pub outbox_dir: PathBuf,
    /// Log the link in each email written to a file (true or false; default
    /// false, except in demo mode). A sign-in link in a log lets anyone who
    /// reads the log sign in.
    #[arg(long, env = "LOG_EMAIL_LINKS", global = true)]
    pub log_email_links: Option<String>,
    /// Minutes without a request after which a signed-in session ends.
    #[arg(long, env = "SESSION_IDLE_MINUTES", global = true, default_value = DEFAULT_SESSION_IDLE_MINUTES)]
    pub session_idle_minutes: String,
    /// Log filter, such as info or tenant_voice=debug,info.
    #[arg(long = "log", env = "RUST_LOG", global = true, default_value = "info")]
    pub log: String,
    /// Demo mode: marks the portal as a demo (true or false).
    #[arg(long, env = "DEMO", global = true, num_args = 0..=1, default_missing_value = "true", default_value = "false")]
    pub demo: String,
    /// Folder holding the built site (pkg/ with the CSS, JavaScript and WebAssembly).
    /// Default: the `site` folder beside the binary's target folder, else ./target/site.
    #[arg(long, env = "LEPTOS_SITE_ROOT", global = true)]
    pub site_root: Option<PathBuf>,
    /// Proxies in front of the portal whose X-Forwarded-For header is
    /// believed: comma-separated addresses or ranges, such as 127.0.0.1,10.0.0.0/8,fd00::/8.
    /// Unset: the header is ignored.
    #[arg(long, env = "TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub addr: SocketAddr,
    /// None: http:// and the address actually listened on.
    pub base_url: Option<String>,
    pub smtp_url: Option<url::Url>,
    pub mail_from: Option<lettre::message::Mailbox>,
    pub outbox_dir: PathBuf,
    pub session_idle: std::time::Duration,
    pub log: String,
    pub demo: bool,
    /// Whether emails written to files have their link logged.
    pub log_email_links: bool,
    pub site_root: PathBuf,
    pub trusted_proxies: app::network::TrustedProxies,
}

/// A setting that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub setting: &'static str,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {}: {}", self.setting, self.problem)
    }
}

impl std::error::Error for ConfigError {}

fn error(setting: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        setting,
        problem: problem.into(),
    }
}

impl Settings {
    pub fn from_raw(raw: &RawSettings) -> Result<Self, ConfigError> {
        let database_url = parse_database_url(&raw.database_url)?;
        let addr: SocketAddr = raw.addr.trim().parse().map_err(|_| {
            error(
                "LEPTOS_SITE_ADDR (--addr)",
                format!(
                    "'{}' is not an address and port such as 127.0.0.1:3000",
                    raw.addr
                ),
            )
        })?;
        let base_url = match &raw.base_url {
            Some(text) if !text.trim().is_empty() => Some(parse_base_url(text)?),
            _ => None,
        };
        let smtp_url = match &raw.smtp_url {
            Some(text) if !text.trim().is_empty() => Some(parse_smtp_url(text)?),
            _ => None,
        };
        let mail_from = match &raw.mail_from {
            Some(text) if !text.trim().is_empty() => {
                Some(text.trim().parse::<lettre::message::Mailbox>().map_err(|_| {
                    error(
                        "MAIL_FROM (--mail-from)",
                        format!("'{text}' is not a sender such as Tenant Voice <noreply@example.org>"),
                    )
                })?)
            }
            _ => None,
        };
        let session_idle = raw
            .session_idle_minutes
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|minutes| (5..=525_600).contains(minutes))
            .map(|minutes| std::time::Duration::from_secs(minutes * 60))
            .ok_or_else(|| {
                error(
                    "SESSION_IDLE_MINUTES (--session-idle-minutes)",
                    format!(
                        "'{}' is not a whole number of minutes from 5 to 525600 (a year)",
                        raw.session_idle_minutes
                    ),
                )
            })?;
        tracing_subscriber::EnvFilter::try_new(&raw.log).map_err(|e| {
            error(
                "RUST_LOG (--log)",
                format!(
                    "'{}' is not a log filter such as info or debug: {e}",
                    raw.log
                ),
            )
        })?;
        let demo = parse_bool(&raw.demo).ok_or_else(|| {
            error(
                "DEMO (--demo)",
                format!("'{}' is not true or false", raw.demo),
            )
        })?;
        let log_email_links = match raw.log_email_links.as_deref().map(str::trim) {
            None | Some("") => demo,
            Some(text) => parse_bool(text).ok_or_else(|| {
                error(
                    "LOG_EMAIL_LINKS (--log-email-links)",
                    format!("'{text}' is not true or false"),
                )
            })?,
        };
        let site_root = raw.site_root.clone().unwrap_or_else(default_site_root);
        let trusted_proxies =
            app::network::TrustedProxies::parse(raw.trusted_proxies.as_deref().unwrap_or(""))
                .map_err(|part| {
                    error(
                        "TRUSTED_PROXIES (--trusted-proxies)",
                        format!(
                            "'{part}' is not an address or range such as 10.0.0.0/8 or fd00::/8"
                        ),
                    )
                })?;
        Ok(Self {
            database_url,
            addr,
            base_url,
            smtp_url,
            mail_from,
            outbox_dir: raw.outbox_dir.clone(),
            session_idle,
            log: raw.log.clone(),
            demo,
            log_email_links,
            site_root,
            trusted_proxies,
        })
    }

    /// `serve` also needs the built site; the other commands do not.
    pub fn check_site_root(&self, output_name: &str) -> Result<(), ConfigError> {
        // `tenant_voice.js`, or `tenant_voice.<hash>.js` from a release build.
        let built = std::fs::read_dir(self.site_root.join("pkg"))
            .map(|files| {
                files.filter_map(|file| file.ok()).any(|file| {
                    let name = file.file_name().to_string_lossy().into_owned();
                    name.starts_with(output_name) && name.ends_with(".js")
                })
            })
            .unwrap_or(false);
        if built {
            Ok(())
        } else {
            Err(error(
                "LEPTOS_SITE_ROOT (--site-root)",
                format!(
                    "'{}' does not hold the built site (no pkg/{output_name}.js); build it with `cargo leptos build --release` or point LEPTOS_SITE_ROOT at it",
                    self.site_root.display()
                ),
            ))
        }
    }
}

fn parse_database_url(text: &str) -> Result<String, ConfigError> {
    let text = text.trim();
    const SETTING: &str = "DATABASE_URL (--database-url)";
    if let Some(path) = text
        .strip_prefix("sqlite://")
        .or_else(|| text.strip_prefix("sqlite:"))
    {
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() {
            return Err(error(
                SETTING,
                "a SQLite address needs a file, such as sqlite://data/tenant-voice.db",
            ));
        }
        Ok(text.to_string())
    } else if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        url::Url::parse(text).map_err(|e| {
            error(
                SETTING,
                format!("the PostgreSQL address cannot be read: {e}"),
            )
        })?;
        Ok(text.to_string())
    } else {
        Err(error(
            SETTING,
            "must start with sqlite:// (a file on this machine) or postgres:// (a PostgreSQL server)",
        ))
    }
}

fn parse_base_url(text: &str) -> Result<String, ConfigError> {
    const SETTING: &str = "BASE_URL (--base-url)";
    let url = url::Url::parse(text.trim())
        .map_err(|e| error(SETTING, format!("'{text}' is not a web address: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(error(
            SETTING,
            format!("'{text}' must start with http:// or https://"),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(error(SETTING, format!("'{text}' must not contain ? or #")));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

fn parse_smtp_url(text: &str) -> Result<url::Url, ConfigError> {
    const SETTING: &str = "SMTP_URL (--smtp-url)";
    // Never echo the address back: it may hold a password.
    let url = url::Url::parse(text.trim()).map_err(|e| {
        error(
            SETTING,
            format!("the mail server address cannot be read: {e}"),
        )
    })?;
    if !matches!(url.scheme(), "smtp" | "smtps") {
        return Err(error(SETTING, "must start with smtp:// or smtps://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(error(SETTING, "names no mail server host"));
    }
    Ok(url)
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

/// The built site beside the binary (target/release/tenant-voice -> target/site),
/// so the binary finds it from any working directory; else ./target/site.
fn default_site_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(|target| target.join("site")))
        .filter(|site| site.is_dir())
        .unwrap_or_else(|| PathBuf::from("target/site"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawSettings {
        RawSettings {
            database_url: DEFAULT_DATABASE_URL.into(),
            addr: DEFAULT_ADDR.into(),
            log: "info".into(),
            demo: "false".into(),
            outbox_dir: DEFAULT_OUTBOX_DIR.into(),
            session_idle_minutes: DEFAULT_SESSION_IDLE_MINUTES.into(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_are_valid() {
        let settings = Settings::from_raw(&raw()).unwrap();
        assert_eq!(settings.addr.to_string(), "127.0.0.1:3000");
        assert!(settings.base_url.is_none());
        assert!(!settings.demo);
        assert!(settings.smtp_url.is_none());
    }

    #[test]
    fn each_bad_value_names_its_setting() {
        type Spoil = fn(&mut RawSettings);
        let cases: Vec<(Spoil, &str)> = vec![
            (|r| r.database_url = "mysql://x".into(), "DATABASE_URL"),
            (|r| r.database_url = "sqlite://".into(), "DATABASE_URL"),
            (|r| r.addr = "localhost".into(), "LEPTOS_SITE_ADDR"),
            (
                |r| r.base_url = Some("ftp://example.org".into()),
                "BASE_URL",
            ),
            (|r| r.base_url = Some("not a url".into()), "BASE_URL"),
            (
                |r| r.smtp_url = Some("http://mail.example.org".into()),
                "SMTP_URL",
            ),
            (|r| r.log = "info,[".into(), "RUST_LOG"),
            (|r| r.demo = "maybe".into(), "DEMO"),
            (
                |r| r.trusted_proxies = Some("10.0.0.1, proxy.local".into()),
                "TRUSTED_PROXIES",
            ),
            (|r| r.mail_from = Some("not an address".into()), "MAIL_FROM"),
            (
                |r| r.session_idle_minutes = "0".into(),
                "SESSION_IDLE_MINUTES",
            ),
            (
                |r| r.session_idle_minutes = "a week".into(),
                "SESSION_IDLE_MINUTES",
            ),
        ];
        for (spoil, setting) in cases {
            let mut settings = raw();
            spoil(&mut settings);
            let error = Settings::from_raw(&settings).expect_err(setting);
            assert!(
                error.setting.starts_with(setting),
                "{error} should name {setting}"
            );
            assert!(!error.to_string().contains('\n'));
        }
    }

    #[test]
    fn smtp_errors_never_repeat_the_password() {
        let mut settings = raw();
        settings.smtp_url = Some("http://user:hunter2@mail.example.org".into());
        let error = Settings::from_raw(&settings).unwrap_err();
        assert!(!error.to_string().contains("hunter2"));
    }

    #[test]
    fn base_url_loses_its_trailing_slash_and_demo_accepts_yes() {
        let mut settings = raw();
        settings.base_url = Some("https://voice.example.org/".into());
        settings.demo = "yes".into();
        let settings = Settings::from_raw(&settings).unwrap();
        assert_eq!(
            settings.base_url.as_deref(),
            Some("https://voice.example.org")
        );
        assert!(settings.demo);
    }
}
