//! The server over a database (a SQLite file or a `postgres://` URL), run as a child process:
//! the outbox kill test SIGKILLs it between the commit of a change and the send of its notice,
//! then starts it again over the same database; the periodic-work test runs three over one
//! database and kills the one at work. `outbox-server DB START SMTP_PORT`: the clock reads
//! START (an RFC 3339 instant) when it starts; SMTP_PORT 0 keeps the notification worker off.

use anyhow::Context;
use fixline_core::role::Role;
use fixline_server::config::{MailConfig, MailSecurity};
use fixline_server::{AppState, Config, NewUser};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: outbox-server DB START SMTP_PORT";
    let db = args.next().context(usage)?;
    let start: chrono::DateTime<chrono::Utc> = args.next().context(usage)?.parse()?;
    let smtp_port: u16 = args.next().context(usage)?.parse()?;
    // Settings from `FIXLINE__…` in the environment, as the real server reads them.
    let mut config = Config::load(None).map_err(|e| anyhow::anyhow!("{e}"))?;
    config.database.set(&db);
    if config.database.url.is_some() {
        // Blobs beside no file: a folder of this database's own.
        let name = db.rsplit('/').next().unwrap_or("fixline");
        config.storage.blob_dir = Some(std::env::temp_dir().join("fixline-test-blobs").join(name));
    }
    let store = fixline_server::store::open(&config.database)?;
    if store.user_with_password("admin")?.is_none() {
        fixline_server::create_user(
            store.as_ref(),
            NewUser {
                username: "admin".into(),
                display_name: "Admin".into(),
                password: fixline_tests::PASSWORD.into(),
                role: Role::Admin,
                engineer_id: None,
            },
        )?;
    }
    config.notify.enabled = smtp_port != 0;
    config.notify.poll_secs = 1;
    config.mail = (smtp_port != 0).then(|| MailConfig {
        smtp_host: "127.0.0.1".into(),
        smtp_port,
        from: "鑫诚售后 <service@fixline.test>".into(),
        security: MailSecurity::None,
        username: None,
        password: None,
        ca_file: None,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("ready {}", listener.local_addr()?);
    let state = AppState::new(store, config)
        .expect("the server starts")
        .with_clock(fixline_server::clock::Clock::starting_at(start));
    fixline_server::serve(listener, state, std::future::pending()).await?;
    Ok(())
}
