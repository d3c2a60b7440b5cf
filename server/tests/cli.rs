//! The `tenant-voice` binary itself: configuration errors, commands, and a
//! real serve that answers and shuts down gracefully on SIGTERM.
// Like every test, this stops at the first surprise: unwrap is how it says so.
#![allow(clippy::unwrap_used)]
use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

const SETTINGS: [&str; 7] = [
    "DATABASE_URL",
    "LEPTOS_SITE_ADDR",
    "BASE_URL",
    "SMTP_URL",
    "RUST_LOG",
    "DEMO",
    "LEPTOS_SITE_ROOT",
];

/// The binary with none of our settings inherited from the test's environment.
fn tenant_voice(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tenant-voice"));
    for setting in SETTINGS {
        command.env_remove(setting);
    }
    command.current_dir(dir).env("RUST_LOG", "info");
    command
}

fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().expect("run tenant-voice");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_bad_setting_stops_the_start_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("LEPTOS_SITE_ADDR", "nonsense", "LEPTOS_SITE_ADDR (--addr)"),
        (
            "DATABASE_URL",
            "mysql://localhost/x",
            "DATABASE_URL (--database-url)",
        ),
        ("DEMO", "perhaps", "DEMO (--demo)"),
        ("BASE_URL", "ftp://example.org", "BASE_URL (--base-url)"),
        ("RUST_LOG", "info,[", "RUST_LOG (--log)"),
        (
            "SMTP_URL",
            "http://mail.example.org",
            "SMTP_URL (--smtp-url)",
        ),
    ];
    for (setting, value, named) in cases {
        let (code, stdout, stderr) = run(tenant_voice(dir.path()).env(setting, value).arg("serve"));
        assert_eq!(code, 2, "{setting}: {stderr}");
        assert_eq!(stdout, "");
        assert_eq!(
            stderr.lines().count(),
            1,
            "{setting} should give one line, got: {stderr}"
        );
        assert!(
            stderr.starts_with("tenant-voice: configuration error: "),
            "{stderr}"
        );
        assert!(stderr.contains(named), "{stderr} should name {named}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // The flag means the same as the variable.
    let (code, _, stderr) = run(tenant_voice(dir.path()).args(["--addr", "nonsense", "migrate"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("LEPTOS_SITE_ADDR (--addr)"));
    assert!(!dir.path().join("data").exists(), "nothing was created");
}

#[test]
fn serve_without_a_built_site_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(tenant_voice(dir.path())
        .env("LEPTOS_SITE_ROOT", dir.path().join("missing"))
        .arg("serve"));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("LEPTOS_SITE_ROOT") && stderr.contains("missing"),
        "{stderr}"
    );
}

#[test]
fn commands_create_the_default_database_load_the_demo_and_make_an_admin() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(tenant_voice(dir.path()).arg("migrate"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("up to date"));
    assert!(
        dir.path().join("data/tenant-voice.db").is_file(),
        "the embedded default is ./data/tenant-voice.db"
    );

    let (code, stdout, _) = run(tenant_voice(dir.path()).arg("demo"));
    assert_eq!(code, 0);
    assert!(stdout.contains("Demo data loaded"), "{stdout}");
    let (code, stdout, _) = run(tenant_voice(dir.path()).arg("demo"));
    assert_eq!(code, 0);
    assert!(stdout.contains("already loaded"), "{stdout}");

    let (code, stdout, _) =
        run(tenant_voice(dir.path()).args(["admin", "create", "--email", "Chief@Example.org"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("Platform administrator created"),
        "{stdout}"
    );
    let (code, _, stderr) =
        run(tenant_voice(dir.path()).args(["admin", "create", "--email", "nobody"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--email: Enter an email address"),
        "{stderr}"
    );

    // A database with real data is never given the demo set.
    let real = dir.path().join("real.db");
    let real_url = format!("sqlite://{}", real.display());
    let (code, _, _) = run(tenant_voice(dir.path())
        .env("DATABASE_URL", &real_url)
        .args(["admin", "create", "--email", "a@example.org"]));
    assert_eq!(code, 0);
    let (code, _, stderr) = run(tenant_voice(dir.path())
        .env("DATABASE_URL", &real_url)
        .arg("demo"));
    assert_eq!(code, 1);
    assert!(stderr.contains("already holds real data"), "{stderr}");
}

#[test]
fn serve_answers_logs_each_request_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, address) = serve(tenant_voice(dir.path()));

    let response = http_get(&address, "/healthz");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let health_id = request_id_of(&response);
    let response = http_get(&address, "/no-such-page?token=secret");
    assert!(response.starts_with("HTTP/1.1 404"), "{response}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(
        exit.success(),
        "SIGTERM should end the server cleanly, got {exit}"
    );
    let logs = logs_of(&mut child);
    let request_lines: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("request"))
        .collect();
    assert!(
        request_lines.iter().any(|l| l.contains("method=GET")
            && l.contains("path=\"/healthz\"")
            && l.contains("status=200")
            && l.contains("duration_ms=")
            && l.contains(&format!("request{{id={health_id}}}"))),
        "the request's line carries the id its answer named ({health_id}): {logs}"
    );
    assert!(
        request_lines.iter().any(|l| l.contains("status=404")),
        "{logs}"
    );
    assert!(!logs.contains("secret"), "query strings are never logged");
    assert!(logs.contains("shutting down"), "{logs}");
}

/// The `x-request-id` an answer names.
fn request_id_of(response: &str) -> String {
    response
        .lines()
        .find_map(|line| line.strip_prefix("x-request-id: "))
        .unwrap_or_else(|| panic!("no x-request-id in: {response}"))
        .trim()
        .to_string()
}

#[test]
fn an_error_reference_leads_to_the_request_that_met_it_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (child, address) = serve(tenant_voice(dir.path()));

    // Take the landlords' table away under the running server: the home
    // page's list of landlords then fails inside the page's own data load.
    let database = dir.path().join("data/tenant-voice.db");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::Connection;
        let mut connection =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", database.display()))
                .await
                .unwrap();
        sqlx::query("ALTER TABLE organisations RENAME TO organisations_gone")
            .execute(&mut connection)
            .await
            .unwrap();
    });
    let response = http_get(&address, "/");
    let id = request_id_of(&response);
    let reference = response
        .split("please quote reference ")
        .nth(1)
        .and_then(|rest| rest.get(..8))
        .unwrap_or_else(|| panic!("no reference on the page: {response}"))
        .to_string();

    let logs = stop(child);
    let error_line = logs
        .lines()
        .find(|line| line.contains("internal error") && line.contains(&reference))
        .unwrap_or_else(|| panic!("no error line with reference {reference}: {logs}"));
    assert!(
        error_line.contains(&id),
        "the error line names the request ({id}): {error_line}"
    );
}

/// Starts `tenant-voice serve` on a free port, from `command` (made by
/// `tenant_voice`, with any settings of the test), and waits for the address
/// it prints. `serve` checks that the built site is there; a stand-in script
/// is enough because these tests never load it in a browser (end2end does).
fn serve(mut command: Command) -> (Child, String) {
    let site = command
        .get_current_dir()
        .expect("tenant_voice sets the folder")
        .join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/tenant_voice.js"), "").unwrap();
    let mut child = command
        .env("LEPTOS_SITE_ROOT", &site)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut ready = String::new();
    stdout.read_line(&mut ready).unwrap();
    let address = ready
        .split_whitespace()
        .find_map(|word| word.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("no address in: {ready}"))
        .to_string();
    (child, address)
}

/// Stops the server with SIGTERM and returns what it logged.
fn stop(mut child: Child) -> String {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    logs_of(&mut child)
}

/// Everything a stopped server wrote to its log.
fn logs_of(child: &mut Child) -> String {
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    logs
}

fn http_get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// Serves with no SMTP_URL, asks for a sign-in link through HTTP, waits for
/// the email file, stops, and returns (logs, the email file's text).
fn serve_and_ask_for_a_link(database_url: Option<&str>, demo: bool) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let with_database = |command: &mut Command| {
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
    };
    let mut admin = tenant_voice(dir.path());
    with_database(&mut admin);
    let (code, _, stderr) = run(admin.args(["admin", "create", "--email", "chief@example.org"]));
    assert_eq!(code, 0, "{stderr}");

    let mut command = tenant_voice(dir.path());
    with_database(&mut command);
    command.env("DEMO", if demo { "true" } else { "false" });
    let (child, address) = serve(command);
    let body = "email=chief%40example.org";
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST {} HTTP/1.1\r\nHost: {address}\r\nOrigin: http://{address}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        <app::accounts::sign_in::RequestSignInLink as leptos::server_fn::ServerFn>::PATH,
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let outbox = dir.path().join("data/outbox");
    let mut email = None;
    for _ in 0..100 {
        if let Some(file) = std::fs::read_dir(&outbox)
            .ok()
            .and_then(|mut files| files.next())
        {
            email = Some(std::fs::read_to_string(file.unwrap().path()).unwrap());
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let email = email.expect("the email worker should write the email to a file");
    let logs = stop(child);
    (logs, email)
}

/// `databases` gives a fresh database URL each call (None: the default SQLite file).
fn sign_in_links_are_kept_out_of_the_logs_and_file_mail_is_announced(
    databases: impl Fn() -> Option<String>,
) {
    let (logs, email) = serve_and_ask_for_a_link(databases().as_deref(), false);
    assert!(email.contains("token="), "the file holds the link: {email}");
    assert!(!logs.contains("token="), "no live link in the logs: {logs}");
    let warning = logs
        .lines()
        .find(|line| line.contains("WARN") && line.contains("SMTP_URL is not set"))
        .unwrap_or_else(|| panic!("a warning at start that mail goes to files: {logs}"));
    assert!(warning.contains("written to files"), "{warning}");
    // In demo mode the link is logged, as a developer expects.
    let (logs, _) = serve_and_ask_for_a_link(databases().as_deref(), true);
    assert!(logs.contains("token="), "{logs}");
    assert!(!logs.contains("SMTP_URL is not set"), "{logs}");
}

#[test]
fn sign_in_links_stay_out_of_the_logs_outside_demo_mode_on_sqlite() {
    sign_in_links_are_kept_out_of_the_logs_and_file_mail_is_announced(|| None);
}

#[test]
fn sign_in_links_stay_out_of_the_logs_outside_demo_mode_on_postgres() {
    let admin = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let run_sql = |sql: &str| {
        let status = Command::new("psql")
            .args([admin.as_str(), "-qc", sql])
            .status()
            .expect("psql");
        assert!(status.success(), "{sql}");
    };
    let names = std::cell::RefCell::new(Vec::new());
    sign_in_links_are_kept_out_of_the_logs_and_file_mail_is_announced(|| {
        let name = format!(
            "tv_cli_links_{}_{}",
            std::process::id(),
            names.borrow().len()
        );
        run_sql(&format!("DROP DATABASE IF EXISTS {name}"));
        run_sql(&format!("CREATE DATABASE {name}"));
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&name);
        names.borrow_mut().push(name);
        Some(url.to_string())
    });
    for name in names.borrow().iter() {
        run_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}
