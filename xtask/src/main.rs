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
                                     (with the browser and app end-to-end tests)
  ui                                 build the Leptos UI into src-ui/dist
  app                                build and start the engineer app (Tauri, desktop); sign in
                                     to the demo server at http://127.0.0.1:8080 as eng01
  bench api                          HTTP throughput against the demo data vs axum hello-world
  bench sync                         first and incremental device sync vs SQLite's own insert time
  bench dispatch                     the optimiser vs PyVRP on VRPTW instances of 100-1,000 jobs
  bench live                         live-stream fan-out: pings/s and delivery latency to consoles
  bench receipt                      the PDF receipt vs Chromium print-to-pdf; photos vs vipsthumbnail
  bench print                        thermal receipt bytes, encode time, time over Bluetooth
  bench kpi                          the KPI dashboard over 1M jobs vs a plain SQLite GROUP BY
  bench kb                           knowledge search: 50k articles on the device vs the raw FTS5 query
  setup                              install the toolchain parts and system packages the above need
";

/// The Android target the pure crates are compile-checked for.
const ANDROID: &str = "aarch64-linux-android";

/// The wasm-bindgen CLI must match the `wasm-bindgen` crate in Cargo.lock exactly.
const WASM_BINDGEN: &str = "0.2.130";

/// tauri-driver, which drives the app for its end-to-end test, at a version that builds with
/// rustc 1.95.
const TAURI_DRIVER: &str = "2.1.0";

/// Debian packages: what Tauri builds against on Linux, Xvfb and WebKitWebDriver for the app's
/// end-to-end test, Chromium and its driver for the browser variant's.
const PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libxdo-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "webkit2gtk-driver",
    "xvfb",
    "xauth",
    "chromium",
    "chromium-driver",
    "fonts-noto-cjk",
    // Receipts are rendered back to text and images in tests; libvips anchors the photo bench.
    "poppler-utils",
    "libvips-tools",
    // Bluetooth printer links (btleplug, bluer) talk to BlueZ over D-Bus.
    "libdbus-1-dev",
    // PostgreSQL: tests start throwaway clusters of their own (never the system's).
    "postgresql",
];

/// Leaflet, copied into the UI from npm (never loaded from a CDN).
const LEAFLET: &str = "1.9.4";
/// axe-core, which the browser tests run on the main screens (accessibility checks).
const AXE_CORE: &str = "4.14.1";
/// The OpenAPI document's checker and the API fuzzer that holds the server to it (PyPI), in a
/// virtualenv of their own under the cache.
const OPENAPI_SPEC_VALIDATOR: &str = "0.9.0";
const SCHEMATHESIS: &str = "4.32.5";
/// moto's S3 server: the bucket the blob-store test keeps photos in.
const MOTO: &str = "5.2.6";
/// The best open VRPTW solver, run beside Fixline by `bench dispatch`.
const PYVRP: &str = "0.14.1";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root()?;
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("demo") => demo(&args[1..]),
        Some("test") => test(),
        Some("bench") => bench(&args[1..]),
        Some("setup") => setup(),
        Some("ui") => {
            setup()?;
            build_ui()
        }
        Some("app") => {
            setup()?;
            build_ui()?;
            run("cargo", &["run", "--package", "fixline-app"])
        }
        _ => {
            eprint!("{USAGE}");
            bail!("unknown or missing command")
        }
    }
}

fn workspace_root() -> Result<PathBuf> {
    // `cargo run` says where this checkout is; the path baked in at build time may be another
    // clone's when clones share one target dir (CI's does).
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .context("xtask lives inside the workspace")
}

/// Runs a command, echoing it, and fails with its exit status.
fn run(program: &str, args: &[&str]) -> Result<()> {
    run_with(program, args, &[])
}

/// Runs a program with extra environment variables.
fn run_with(program: &str, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Result<()> {
    eprintln!("\n$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
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
    // wasm for the UI; Android to compile-check the pure crates the phone app ships (no NDK
    // can be had here, so nothing with C in it is checked for Android).
    for target in ["wasm32-unknown-unknown", ANDROID] {
        if !targets.lines().any(|l| l.trim() == target) {
            run("rustup", &["target", "add", target])?;
        }
    }
    let bindgen = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if !bindgen.contains(WASM_BINDGEN) {
        // Not --locked: the CLI's lock file pins a yanked pre-release (see README).
        run(
            "cargo",
            &["install", "wasm-bindgen-cli", "--version", WASM_BINDGEN],
        )?;
    }
    install_packages(PACKAGES)?;
    python_tools()?;
    // tauri-driver has no --version: ask cargo what it installed.
    let installed = output("cargo", &["install", "--list"]).unwrap_or_default();
    if !installed.contains(&format!("tauri-driver v{TAURI_DRIVER}:")) {
        run(
            "cargo",
            &[
                "install",
                "tauri-driver",
                "--version",
                TAURI_DRIVER,
                "--locked",
            ],
        )?;
    }
    Ok(())
}

/// The virtualenv the Python tools of the tests live in.
fn venv() -> PathBuf {
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".cache/fixline/venv")
}

/// openapi-spec-validator, schemathesis and moto (a local S3 server), pinned, in their own
/// virtualenv (never the system's Python).
fn python_tools() -> Result<()> {
    let venv = venv();
    let pip = venv.join("bin/pip");
    let pinned = [
        format!("openapi-spec-validator=={OPENAPI_SPEC_VALIDATOR}"),
        format!("schemathesis=={SCHEMATHESIS}"),
        format!("moto[server]=={MOTO}"),
    ];
    let frozen = output(pip.to_str().context("UTF-8 cache path")?, &["freeze"]).unwrap_or_default();
    let tools =
        ["openapi-spec-validator", "st", "moto_server"].map(|tool| venv.join("bin").join(tool));
    // `pip freeze` names moto without its extra.
    let installed = |p: &String| frozen.contains(p.replace("[server]", "").as_str());
    if tools.iter().all(|t| t.exists()) && pinned.iter().all(installed) {
        return Ok(());
    }
    install_in_venv(&venv, &pinned)
}

/// Creates (or reuses) the virtualenv and installs the pinned packages into it.
fn install_in_venv(venv: &Path, pinned: &[String]) -> Result<()> {
    run(
        "python3",
        &["-m", "venv", venv.to_str().context("UTF-8 cache path")?],
    )?;
    let pip = venv.join("bin/pip");
    let mut args = vec!["install", "--quiet", "--disable-pip-version-check"];
    args.extend(pinned.iter().map(String::as_str));
    run(pip.to_str().context("UTF-8 cache path")?, &args)
}

/// PyVRP, the dispatch benchmark's yardstick, pinned, in a virtualenv of its own; returns its
/// Python.
fn pyvrp() -> Result<PathBuf> {
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    let venv = home.join(".cache/fixline/pyvrp");
    let python = venv.join("bin/python");
    let pip = venv.join("bin/pip");
    let pinned = format!("pyvrp=={PYVRP}");
    let frozen = output(pip.to_str().context("UTF-8 cache path")?, &["freeze"]).unwrap_or_default();
    if !python.exists() || !frozen.lines().any(|l| l == pinned) {
        install_in_venv(&venv, &[pinned])?;
    }
    Ok(python)
}

/// Installs the Debian packages not yet installed (as root, or through sudo).
fn install_packages(packages: &[&str]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root = output("id", &["-u"])?.trim() == "0";
    let (program, prefix): (&str, &[&str]) = if root {
        ("apt-get", &[])
    } else {
        ("sudo", &["apt-get"])
    };
    let mut update = prefix.to_vec();
    update.extend(["update", "-qq"]);
    run(program, &update)?;
    let mut install = prefix.to_vec();
    install.extend(["install", "-y", "-qq", "--no-install-recommends"]);
    install.extend(&missing);
    run(program, &install)
}

/// The cargo target directory (honours `CARGO_TARGET_DIR`).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// Builds the Leptos UI to wasm and binds it into `src-ui/dist`, which the server serves at
/// `/app/` and the Tauri app embeds.
fn build_ui() -> Result<()> {
    run(
        "cargo",
        &[
            "build",
            "--release",
            "--package",
            "fixline-ui",
            "--target",
            "wasm32-unknown-unknown",
        ],
    )?;
    let wasm = target_dir().join("wasm32-unknown-unknown/release/fixline_ui.wasm");
    let dist = Path::new("src-ui/dist");
    std::fs::create_dir_all(dist.join("pkg"))?;
    run(
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--no-typescript",
            "--out-dir",
            "src-ui/dist/pkg",
            wasm.to_str().context("UTF-8 target path")?,
        ],
    )?;
    for file in ["index.html", "style.css"] {
        std::fs::copy(Path::new("src-ui").join(file), dist.join(file))
            .with_context(|| format!("copying {file}"))?;
    }
    vendor_leaflet(&dist.join("vendor/leaflet"))
}

/// Copies Leaflet's script, style, marker images and licence from the npm package (installed
/// once into the cache; npm checks the package's integrity) into the UI.
fn vendor_leaflet(to: &Path) -> Result<()> {
    let package = npm_package("leaflet", LEAFLET, "dist/leaflet.js")?;
    std::fs::create_dir_all(to.join("images"))?;
    for file in ["leaflet.js", "leaflet.css"] {
        std::fs::copy(package.join("dist").join(file), to.join(file))
            .with_context(|| format!("copying leaflet {file}"))?;
    }
    for image in std::fs::read_dir(package.join("dist/images"))? {
        let image = image?;
        std::fs::copy(image.path(), to.join("images").join(image.file_name()))?;
    }
    std::fs::copy(package.join("LICENSE"), to.join("LICENSE"))?;
    Ok(())
}

/// An npm package at a pinned version, installed once into the cache (npm checks its
/// integrity); its folder. `marker` is a file inside that shows the install finished.
fn npm_package(name: &str, version: &str, marker: &str) -> Result<PathBuf> {
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    let prefix = home.join(format!(".cache/fixline/npm/{name}-{version}"));
    let package = prefix.join("node_modules").join(name);
    if !package.join(marker).exists() {
        // Node may come from elsewhere (e.g. NodeSource, whose nodejs carries npm); only
        // without any npm is Debian's asked for.
        if output("npm", &["--version"]).is_err() {
            install_packages(&["npm"])?;
        }
        std::fs::create_dir_all(&prefix)?;
        run(
            "npm",
            &[
                "install",
                "--prefix",
                prefix.to_str().context("UTF-8 cache path")?,
                "--no-save",
                "--no-audit",
                "--no-fund",
                &format!("{name}@{version}"),
            ],
        )?;
    }
    Ok(package)
}

fn demo(args: &[String]) -> Result<()> {
    setup()?;
    build_ui()?;
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
            "--ui",
            "src-ui/dist",
        ],
    )
}

fn test() -> Result<()> {
    setup()?;
    prune_stale_test_binaries();
    bound_target_dir();
    run("cargo", &["fmt", "--all", "--check"])?;
    // The app embeds the built UI, and the end-to-end tests drive it: build it first.
    build_ui()?;
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
    // The domain crate and the wire types are shared with the wasm UI, and the optimiser may run
    // in the browser: all must build there.
    run(
        "cargo",
        &[
            "check",
            "--package",
            "fixline-api",
            "--package",
            "fixline-core",
            "--package",
            "fixline-dispatch",
            "--target",
            "wasm32-unknown-unknown",
        ],
    )?;
    // Photos, receipts, printing and the plugin bridge run on the phone: they must build for it.
    run(
        "cargo",
        &[
            "check",
            "--package",
            "fixline-photo",
            "--package",
            "fixline-receipt",
            "--package",
            "fixline-print",
            "--package",
            "fixline-bluetooth",
            "--target",
            ANDROID,
        ],
    )?;
    run("cargo", &["build", "--package", "fixline-app"])?;
    // A virtual display for the app's end-to-end test under tauri-driver; the Python checker
    // of the API document, from setup()'s virtualenv.
    let validator = venv().join("bin/openapi-spec-validator");
    let schemathesis = venv().join("bin/st");
    let moto = venv().join("bin/moto_server");
    let axe = npm_package("axe-core", AXE_CORE, "axe.min.js")?.join("axe.min.js");
    run_with(
        "xvfb-run",
        &[
            "-a",
            "-s",
            "-screen 0 1280x1024x24",
            "cargo",
            "test",
            "--workspace",
            "--no-fail-fast",
            "--",
            // The browser and app tests are ignored by plain `cargo test` (they need Chromium,
            // tauri-driver and a display, which setup() has installed): run them too.
            "--include-ignored",
        ],
        &[
            ("FIXLINE_OPENAPI_VALIDATOR", validator.as_os_str()),
            ("FIXLINE_SCHEMATHESIS", schemathesis.as_os_str()),
            ("FIXLINE_MOTO", moto.as_os_str()),
            ("FIXLINE_AXE", axe.as_os_str()),
        ],
    )?;
    // The server's end-to-end suite again on PostgreSQL (#19): a throwaway cluster, a fresh
    // database for each server the tests start. Left out: the tests that already run both
    // stores side by side, move one into the other or start their own. `with-postgres` was built with the
    // tests above, and `--workspace` keeps the features those builds were made with, so
    // nothing is compiled again.
    let cluster = target_dir().join("debug/with-postgres");
    run_with(
        "xvfb-run",
        &[
            "-a",
            "-s",
            "-screen 0 1280x1024x24",
            cluster.to_str().context("a UTF-8 target dir")?,
            "cargo",
            "test",
            "--workspace",
            "--test",
            "e2e",
            "--",
            "--include-ignored",
            "--skip",
            "two_stores::",
            "--skip",
            "postgres_log::",
            "--skip",
            "move_store::",
            "--skip",
            "failover::",
        ],
        &[
            ("FIXLINE_OPENAPI_VALIDATOR", validator.as_os_str()),
            ("FIXLINE_SCHEMATHESIS", schemathesis.as_os_str()),
            ("FIXLINE_MOTO", moto.as_os_str()),
            ("FIXLINE_AXE", axe.as_os_str()),
        ],
    )?;
    eprintln!(
        "\nAll checks and tests passed, on SQLite and on PostgreSQL. Screenshots of the main \
         screens: tests/artifacts/screenshots/"
    );
    Ok(())
}

/// `cargo ARGS` with a throwaway PostgreSQL cluster up (`FIXLINE_TEST_POSTGRES` names it).
fn with_postgres(args: &[&str]) -> Result<()> {
    run(
        "cargo",
        &[
            "build",
            "--package",
            "fixline-tests",
            "--bin",
            "with-postgres",
        ],
    )?;
    let program = target_dir().join("debug/with-postgres");
    let mut all = vec!["cargo"];
    all.extend_from_slice(args);
    run(program.to_str().context("a UTF-8 target dir")?, &all)
}

/// A reused target dir keeps every earlier build's test executables (`deps/<name>-<hash>`),
/// hundreds of MB each; on a long-lived runner they fill the disk. Keeps the two newest of
/// each name (a crate's binary and its test harness share a name) and removes the rest.
fn prune_stale_test_binaries() {
    use std::collections::HashMap;
    use std::os::unix::fs::PermissionsExt;
    let Ok(entries) = std::fs::read_dir(target_dir().join("debug/deps")) else {
        return;
    };
    let mut by_name: HashMap<String, Vec<(std::time::SystemTime, PathBuf)>> = HashMap::new();
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        // Executables only: libraries (.rlib, .rmeta, .so, .d) are inputs to other builds.
        if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 || name.contains('.') {
            continue;
        }
        let Some((stem, _hash)) = name.rsplit_once('-') else {
            continue;
        };
        let modified = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
        by_name
            .entry(stem.to_owned())
            .or_default()
            .push((modified, entry.path()));
    }
    for mut builds in by_name.into_values() {
        builds.sort_by_key(|b| std::cmp::Reverse(b.0));
        for (_, path) in builds.into_iter().skip(2) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Each build configuration (features, `--workspace` or one package, clippy or test) keeps its
/// own copy of every library in a reused target dir, so it still grows after the pruning above.
/// When it passes 40 GiB, or leaves the disk under 12 GiB free, the debug builds are removed and
/// this run builds from scratch (slower once, rather than a full disk mid-run).
fn bound_target_dir() {
    const MAX_TARGET: u64 = 40 << 30;
    const MIN_FREE: u64 = 12 << 30;
    let debug = target_dir().join("debug");
    let size = size_of(&target_dir());
    let free = free_space(&target_dir());
    if size > MAX_TARGET || free.is_some_and(|free| free < MIN_FREE) {
        eprintln!(
            "target dir {} GiB, {} GiB free: removing {} to build from scratch",
            size >> 30,
            free.map_or("?".to_owned(), |f| (f >> 30).to_string()),
            debug.display()
        );
        let _ = std::fs::remove_dir_all(&debug);
    }
}

/// Bytes in the files under `dir` (symbolic links not followed).
fn size_of(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => size_of(&entry.path()),
            Ok(kind) if kind.is_file() => entry.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

/// Free bytes on the file system holding `dir`, from POSIX `df -Pk`.
fn free_space(dir: &Path) -> Option<u64> {
    let out = Command::new("df").arg("-Pk").arg(dir).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let kib: u64 = text
        .lines()
        .nth(1)?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()?;
    Some(kib * 1024)
}

fn bench(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        // Beside SQLite, one and three servers on a throwaway PostgreSQL.
        Some("api") => with_postgres(&["bench", "--package", "fixline-server", "--bench", "api"]),
        Some("sync") => run(
            "cargo",
            &["bench", "--package", "fixline-tests", "--bench", "sync"],
        ),
        Some("live") => with_postgres(&["bench", "--package", "fixline-tests", "--bench", "live"]),
        Some("dispatch") => {
            let python = pyvrp()?;
            run_with(
                "cargo",
                &[
                    "bench",
                    "--package",
                    "fixline-dispatch",
                    "--bench",
                    "dispatch",
                ],
                &[("FIXLINE_PYVRP", python.as_os_str())],
            )
        }
        Some("receipt") => run(
            "cargo",
            &[
                "bench",
                "--package",
                "fixline-receipt",
                "--bench",
                "receipt",
            ],
        ),
        Some("print") => run(
            "cargo",
            &["bench", "--package", "fixline-print", "--bench", "print"],
        ),
        Some("kpi") => run(
            "cargo",
            &["bench", "--package", "fixline-server", "--bench", "kpi"],
        ),
        Some("kb") => run(
            "cargo",
            &["bench", "--package", "fixline-device", "--bench", "kb"],
        ),
        _ => {
            bail!("bench what? one of: api, sync, dispatch, live, receipt, print, kpi, kb\n{USAGE}")
        }
    }
}
