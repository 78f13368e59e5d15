//! The build script of `fixline-server` and `fixline-device`: embeds the SQL files of
//! `migrations/server/` or `migrations/device/` (by the package being built) in file-name
//! order, so adding a migration is adding a file and none can be forgotten. The server also
//! gets `migrations/postgres/` as `POSTGRES_MIGRATIONS`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let package = env::var("CARGO_PKG_NAME").expect("cargo sets CARGO_PKG_NAME");
    let which = package.strip_prefix("fixline-").expect("a fixline package");
    let mut out = embed(which, "MIGRATIONS");
    // The server also runs on PostgreSQL, whose schema has its own files.
    if which == "server" {
        out.push_str(&embed("postgres", "POSTGRES_MIGRATIONS"));
    }
    fs::write(
        PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("migrations.rs"),
        out,
    )
    .expect("write migrations.rs");
}

/// `const {name}`: (file name, SQL) of every file of `migrations/{dir}/`, in order.
fn embed(dir_name: &str, name: &str) -> String {
    let manifest =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    // Relative to the package, so two checkouts sharing one target dir (CI's copy and a
    // working tree) each rerun this when their own files change.
    let up = manifest
        .ancestors()
        .position(|d| d.join("migrations").is_dir())
        .expect("the workspace has migrations/");
    let relative = PathBuf::from("../".repeat(up))
        .join("migrations")
        .join(dir_name);
    let dir = manifest.join(&relative);
    println!("cargo:rerun-if-changed={}", relative.display());
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("readable migrations dir").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    // Numbered 0001, 0002, … with no gap and no repeat: a migration cannot be skipped or doubled.
    for (i, f) in files.iter().enumerate() {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let number = name.split_once('_').map(|(n, _)| n).unwrap_or_default();
        assert!(
            number.len() == 4 && number.parse::<usize>().ok() == Some(i + 1),
            "{}: migration {name} should be numbered {:04}_….sql",
            dir.display(),
            i + 1
        );
    }
    let mut out = format!(
        "/// (file name, SQL) of every migration, in order.\npub const {name}: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        let file = f.file_name().expect("a file name");
        println!("cargo:rerun-if-changed={}", relative.join(file).display());
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .expect("UTF-8 file name");
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            f.canonicalize().expect("canonical path").display()
        )
        .expect("write to String");
    }
    out.push_str("];\n");
    out
}
