//! A throwaway PostgreSQL for a test: Debian's `postgresql` (installed by `cargo xtask test`),
//! a cluster made in a temporary directory, listening on a free port of 127.0.0.1, stopped
//! and removed when dropped. `FIXLINE_TEST_POSTGRES` (a `postgres://` URL) uses an existing
//! server instead. Run as root (CI), the cluster is made and run as the `postgres` user, since
//! PostgreSQL refuses to run as root.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The PostgreSQL to run the end-to-end suite on, if it runs on PostgreSQL
/// (`FIXLINE_TEST_STORE=postgres`): `FIXLINE_TEST_POSTGRES`.
pub fn for_the_suite() -> Option<String> {
    if std::env::var("FIXLINE_TEST_STORE").ok()? != "postgres" {
        return None;
    }
    Some(std::env::var("FIXLINE_TEST_POSTGRES").expect(
        "FIXLINE_TEST_STORE=postgres needs FIXLINE_TEST_POSTGRES, a postgres:// URL to make databases on",
    ))
}

/// A new, empty database on the server at `url`; answers its URL.
pub async fn fresh_database(url: &str) -> String {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connecting to the test PostgreSQL");
    let connected = tokio::spawn(connection);
    let name = format!("fixline_{}", uuid::Uuid::now_v7().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("a test database");
    drop(client);
    let _ = connected.await;
    let (base, _) = url.rsplit_once('/').expect("a URL with a database name");
    format!("{base}/{name}")
}

pub struct ThrowawayPostgres {
    /// Where to connect: `postgres://fixline@127.0.0.1:<port>/postgres`.
    pub url: String,
    cluster: Option<Cluster>,
}

struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    as_postgres: bool,
    _dir: tempfile::TempDir,
}

impl ThrowawayPostgres {
    pub fn start() -> ThrowawayPostgres {
        if let Ok(url) = std::env::var("FIXLINE_TEST_POSTGRES") {
            return ThrowawayPostgres { url, cluster: None };
        }
        let bin = server_binaries();
        let dir = tempfile::tempdir().expect("temp dir");
        let as_postgres = running_as_root();
        if as_postgres {
            // The postgres user must own the cluster's directory (and reach it).
            own(dir.path(), "postgres");
        }
        let data = dir.path().join("data");
        let port = free_port();
        let cluster = Cluster {
            bin,
            data,
            as_postgres,
            _dir: dir,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                path(&cluster.data),
                "-U",
                "fixline",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        let log = cluster.data.join("server.log");
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c max_connections=400 -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            path(&cluster.data)
        );
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                path(&cluster.data),
                "-l",
                path(&log),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
        ThrowawayPostgres {
            url: format!("postgres://fixline@127.0.0.1:{port}/postgres"),
            cluster: Some(cluster),
        }
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        if let Some(cluster) = &self.cluster {
            let _ = cluster
                .command(
                    "pg_ctl",
                    &["-D", path(&cluster.data), "-m", "immediate", "stop"],
                )
                .output();
        }
    }
}

impl Cluster {
    fn command(&self, tool: &str, args: &[&str]) -> Command {
        let program = self.bin.join(tool);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program).args(args);
            c
        } else {
            let mut c = Command::new(program);
            c.args(args);
            c
        }
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self
            .command(tool, args)
            .output()
            .unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

/// The newest installed server's programs (`/usr/lib/postgresql/<version>/bin`).
fn server_binaries() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (Debian's postgresql; cargo xtask test installs it)")
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().expect("a PostgreSQL server with initdb").1
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn own(dir: &Path, user: &str) {
    let status = Command::new("chown")
        .arg(user)
        .arg(dir)
        .status()
        .expect("chown");
    assert!(status.success(), "chown {user} {}", dir.display());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}
