use std::{io::IsTerminal, process::ExitCode};

use clap::Parser;
use tenant_voice::{
    admin::{self, AdminOutcome},
    config::{AdminCommand, Cli, Command, Settings},
    database,
    demo::{self, DemoOutcome},
    serve,
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_raw(&cli.raw) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("tenant-voice: {error}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&settings.log))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let command = cli.command.unwrap_or(Command::Serve);
    if command == Command::Serve {
        if let Err(error) = settings.check_site_root(tenant_voice::OUTPUT_NAME) {
            eprintln!("tenant-voice: {error}");
            return ExitCode::from(2);
        }
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tenant-voice: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tenant-voice: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        Command::Serve => serve::serve(settings).await,
        Command::Migrate => {
            let db = database::connect(&settings.database_url).await?;
            database::migrate(&db).await?;
            println!("The database is up to date.");
            Ok(())
        }
        Command::Demo => {
            let db = database::connect(&settings.database_url).await?;
            database::migrate(&db).await?;
            match demo::load(&db).await? {
                DemoOutcome::Loaded => println!(
                    "Demo data loaded: {} invented landlords and their people.",
                    demo::LANDLORDS.len()
                ),
                DemoOutcome::AlreadyLoaded => {
                    println!("The demo data is already loaded; nothing changed.")
                }
            }
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Create { email, name },
        } => {
            let db = database::connect(&settings.database_url).await?;
            database::migrate(&db).await?;
            let message = match admin::create_admin(&db, &email, name.as_deref()).await? {
                AdminOutcome::Created => "Platform administrator created.",
                AdminOutcome::Promoted => {
                    "That person already had an account and is now a platform administrator."
                }
                AdminOutcome::AlreadyAdmin => {
                    "That person is already a platform administrator; nothing changed."
                }
            };
            println!("{message}");
            Ok(())
        }
    }
}
