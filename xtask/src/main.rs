//! Fixline's automation, as `cargo xtask <command>`: the README's two commands (`demo`, `test`),
//! the benchmarks and the setup they share. Each command installs what it needs and is safe to
//! run again.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command>

  demo [--listen ADDR] [--db PATH]   build and run the dispatch server with demo data
                                     (default http://127.0.0.1:8080, database ./fixline-demo.db)
  test                               every check CI runs: fmt, clippy, core on wasm, all tests
  bench api                          HTTP throughput against the demo data vs axum hello-world
  setup                              install the toolchain parts the above need
";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root()?;
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("demo") => demo(&args[1..]),
        Some("test") => test(),
        Some("bench") => bench(&args[1..]),
        Some("setup") => setup(),
        _ => {
            eprint!("{USAGE}");
            bail!("unknown or missing command")
        }
    }
}

fn workspace_root() -> Result<PathBuf> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .context("xtask lives inside the workspace")
}

/// Runs a command, echoing it, and fails with its exit status.
fn run(program: &str, args: &[&str]) -> Result<()> {
    eprintln!("\n$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .status()
        .with_context(|| format!("starting {program}"))?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

fn output(program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .with_context(|| format!("starting {program}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Toolchain parts: rustfmt and clippy, and the wasm target the domain crate must build for.
fn setup() -> Result<()> {
    let components = output("rustup", &["component", "list", "--installed"])?;
    for component in ["rustfmt", "clippy"] {
        if !components.lines().any(|l| l.starts_with(component)) {
            run("rustup", &["component", "add", component])?;
        }
    }
    let targets = output("rustup", &["target", "list", "--installed"])?;
    if !targets
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        run("rustup", &["target", "add", "wasm32-unknown-unknown"])?;
    }
    Ok(())
}

fn demo(args: &[String]) -> Result<()> {
    setup()?;
    let mut listen = "127.0.0.1:8080".to_owned();
    let mut db = "fixline-demo.db".to_owned();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--listen" => listen = it.next().context("--listen needs an address")?.clone(),
            "--db" => db = it.next().context("--db needs a path")?.clone(),
            other => bail!("unknown demo option {other:?}\n{USAGE}"),
        }
    }
    run(
        "cargo",
        &[
            "run",
            "--release",
            "--package",
            "fixline-server",
            "--",
            "--db",
            &db,
            "serve",
            "--demo",
            "--listen",
            &listen,
        ],
    )
}

fn test() -> Result<()> {
    setup()?;
    run("cargo", &["fmt", "--all", "--check"])?;
    run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    // The domain crate is shared with the wasm UI: it must build there.
    run(
        "cargo",
        &[
            "check",
            "--package",
            "fixline-core",
            "--target",
            "wasm32-unknown-unknown",
        ],
    )?;
    run("cargo", &["test", "--workspace", "--no-fail-fast"])?;
    eprintln!("\nAll checks and tests passed.");
    Ok(())
}

fn bench(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("api") => run(
            "cargo",
            &["bench", "--package", "fixline-server", "--bench", "api"],
        ),
        _ => bail!("bench what? one of: api\n{USAGE}"),
    }
}
