//! `fixline-server`: serve the dispatch API, add users, migrate the database.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use fixline_core::ids::EngineerId;
use fixline_core::role::Role;
use fixline_server::store;
use fixline_server::{AppState, Config, demo};

#[derive(Parser)]
#[command(name = "fixline-server", version, about = "Fixline dispatch server")]
struct Cli {
    /// TOML settings file; environment variables FIXLINE__SECTION__KEY override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// The database (overrides the settings): a SQLite file, or a `postgres://` URL for
    /// several servers over one PostgreSQL.
    #[arg(long, global = true)]
    db: Option<String>,
    /// Log lines as JSON objects (for a log collector) instead of text; also FIXLINE_LOG_FORMAT.
    #[arg(
        long,
        global = true,
        value_enum,
        env = "FIXLINE_LOG_FORMAT",
        default_value = "text"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (and, with --demo, load demo data first).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free one).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Load deterministic demo data around Hangzhou into an empty database and print the logins.
        #[arg(long)]
        demo: bool,
        /// Serve the built UI from this folder at /app/ (e.g. src-ui/dist).
        #[arg(long)]
        ui: Option<std::path::PathBuf>,
    },
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Move a SQLite database into a new PostgreSQL database, every table compared after the
    /// copy (all or nothing). Stop the servers on the file first: what they write later stays
    /// behind.
    MigrateStore {
        /// The SQLite database file.
        #[arg(long)]
        from: PathBuf,
        /// The PostgreSQL database: `postgres://user:password@host:port/database`.
        #[arg(long)]
        to: String,
    },
    /// Print the API's OpenAPI document (the one served at /api/openapi.json).
    Openapi,
    /// Copy the database to a new file while the server runs (SQLite's online backup; on
    /// PostgreSQL, use its own tools).
    Backup { to: PathBuf },
    /// Replace the database with a backup (stop the server first); the backup is checked first.
    Restore { from: PathBuf },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a login. The password is read from FIXLINE_PASSWORD or asked for on standard input.
    Add {
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: Option<String>,
        /// For engineers: the engineer record this login acts as.
        #[arg(long)]
        engineer: Option<EngineerId>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=warn".into());
    match cli.log_format {
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init(),
    }
    let mut config = Config::load(cli.config.as_deref()).context("reading settings")?;
    if let Some(db) = &cli.db {
        config.database.set(db);
    }
    let shown = config.database.describe();
    match cli.command {
        Command::Backup { .. } | Command::Restore { .. } if config.database.url.is_some() => {
            anyhow::bail!(
                "backup and restore are for a SQLite file; back up PostgreSQL with its own tools \
                 (pg_dump, or the host's backups)"
            )
        }
        Command::Backup { to } => {
            fixline_server::store::sqlite::backup::backup(&config.database.path, &to)
                .with_context(|| format!("backing up {}", config.database.path.display()))?;
            println!(
                "backed up {} to {}",
                config.database.path.display(),
                to.display()
            );
            Ok(())
        }
        Command::Restore { from } => {
            fixline_server::store::sqlite::backup::restore(&from, &config.database.path)
                .with_context(|| format!("restoring {}", from.display()))?;
            println!(
                "restored {} from {}",
                config.database.path.display(),
                from.display()
            );
            Ok(())
        }
        Command::MigrateStore { from, to } => {
            if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
                anyhow::bail!("--to takes a postgres:// URL; --from a SQLite file");
            }
            let mut target = config.database.clone();
            target.set(&to);
            let moved = store::postgres::moving::move_sqlite(&from, &to)
                .with_context(|| format!("moving {} into {}", from.display(), target.describe()))?;
            for table in &moved {
                println!("{:>8}  {}", table.rows, table.table);
            }
            println!(
                "moved {} rows in {} tables into {}; every table compared after the copy",
                moved.iter().map(|t| t.rows).sum::<usize>(),
                moved.len(),
                target.describe()
            );
            Ok(())
        }
        Command::Openapi => {
            println!(
                "{}",
                serde_json::to_string_pretty(&fixline_server::openapi())?
            );
            Ok(())
        }
        Command::Migrate => {
            store::open(&config.database).with_context(|| format!("migrating {shown}"))?;
            println!("{shown} is up to date");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    name,
                    engineer,
                },
        } => {
            let role = Role::parse(&role).with_context(|| format!("unknown role {role:?}; one of engineer, dispatcher, service_manager, complaint_handler, admin"))?;
            let password = match std::env::var("FIXLINE_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprint!("password for {username}: ");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let store =
                store::open(&config.database).with_context(|| format!("opening {shown}"))?;
            let new = fixline_server::NewUser {
                display_name: name.unwrap_or_else(|| username.clone()),
                username,
                password,
                role,
                engineer_id: engineer,
            };
            let user = fixline_server::create_user(store.as_ref(), new)?;
            println!("added {} ({})", user.username, user.role);
            Ok(())
        }
        Command::Serve {
            listen,
            demo: with_demo,
            ui,
        } => {
            if let Some(listen) = listen {
                config.server.listen = listen;
            }
            if ui.is_some() {
                config.server.ui_dir = ui;
            }
            tokio::runtime::Runtime::new()?.block_on(serve(config, with_demo))
        }
    }
}

/// Ctrl-C, or SIGTERM (how a service manager or a container runtime asks a server to stop):
/// no new connections, requests under way finish.
async fn stop_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    tracing::info!("stopping: finishing the requests under way");
}

async fn serve(mut config: Config, with_demo: bool) -> anyhow::Result<()> {
    for skipped in config.read_holiday_files().map_err(anyhow::Error::msg)? {
        tracing::warn!("holiday file event not read: {skipped}");
    }
    // A month ahead, so next year's file is added before its first holiday.
    let soon =
        config.service_area.time_zone.local_day(chrono::Utc::now()) + chrono::TimeDelta::days(31);
    match config.sla.calendar.holidays_known_through() {
        Some(through) if through >= soon => {}
        through => tracing::warn!(
            "the SLA calendar has no public holidays for {} (known through {}): business-hours \
             clocks will count them as working days; add the year's iCalendar file to holiday_files",
            chrono::Datelike::year(&soon),
            through.map_or("never".to_owned(), |d| d.to_string())
        ),
    }
    let database = config.database.clone();
    let store = tokio::task::spawn_blocking(move || store::open(&database))
        .await?
        .with_context(|| format!("opening {}", config.database.describe()))?;
    let logins = if with_demo {
        let s = Arc::clone(&store);
        let zone = config.service_area.time_zone;
        let blobs = fixline_server::blobs::BlobStore::configured(&config)?;
        println!("Loading demo data (first run only)…");
        Some(
            tokio::task::spawn_blocking(move || {
                demo::load(
                    s.as_ref(),
                    &|bytes: &[u8]| blobs.put(bytes),
                    demo::DemoSize::default(),
                    chrono::Utc::now(),
                    zone,
                )
            })
            .await??,
        )
    } else {
        None
    };
    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("listening on {}", config.server.listen))?;
    let addr = listener.local_addr()?;
    // Receipt links need an address customers can open; without a configured one, this one.
    if config.receipts.public_url.is_none() {
        config.receipts.public_url = Some(format!("http://{addr}"));
    }
    println!(
        "Fixline dispatch server on http://{addr}/  (database {})",
        config.database.describe()
    );
    println!(
        "  API description: http://{addr}/api/openapi.json   public request form: http://{addr}/intake"
    );
    if config.server.ui_dir.is_some() {
        println!("  Engineer app in the browser: http://{addr}/app/");
    }
    if let Some(logins) = logins {
        println!("Demo logins (password: {}):", demo::DEMO_PASSWORD);
        for l in logins.iter().filter(|l| l.role != Role::Engineer) {
            println!(
                "  {:<12} {:<18} {}",
                l.username,
                l.role.as_str(),
                l.display_name
            );
        }
        let engineers: Vec<_> = logins.iter().filter(|l| l.role == Role::Engineer).collect();
        if let (Some(first), Some(last)) = (engineers.first(), engineers.last()) {
            println!(
                "  {} … {}  engineers ({} logins)",
                first.username,
                last.username,
                engineers.len()
            );
        }
    }
    println!("Press Ctrl-C to stop.");
    let state = AppState::new(store, config)?;
    fixline_server::serve(listener, state, stop_signal()).await?;
    println!("Stopped.");
    Ok(())
}
