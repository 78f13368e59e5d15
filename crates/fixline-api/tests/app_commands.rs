//! The app shell's commands are listed once, in `fixline_api::app::COMMANDS`. Tauri needs the
//! same names in four places that cannot read it; each is checked here, so a command added to
//! one and forgotten in another fails this test instead of failing on a tablet ("command not
//! allowed", or a button that does nothing).

use std::collections::BTreeSet;
use std::path::PathBuf;

use fixline_api::app::COMMANDS;

fn repo_file(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn listed() -> BTreeSet<String> {
    let names: BTreeSet<String> = COMMANDS.iter().map(|c| c.to_string()).collect();
    assert_eq!(names.len(), COMMANDS.len(), "a command is listed twice");
    names
}

/// The text between `open` and the next `close` after it.
fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).unwrap_or_else(|| panic!("no {open:?}")) + open.len();
    let end = text[start..]
        .find(close)
        .unwrap_or_else(|| panic!("no {close:?} after {open:?}"));
    &text[start..start + end]
}

/// Every `"…"` string in `text`.
fn quoted(text: &str) -> BTreeSet<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn build_rs_declares_a_permission_for_each_command() {
    let build = repo_file("src-tauri/build.rs");
    assert_eq!(quoted(between(&build, "let commands = &[", "];")), listed());
}

#[test]
fn the_capability_grants_each_command_and_nothing_else() {
    let capability: serde_json::Value =
        serde_json::from_str(&repo_file("src-tauri/capabilities/main.json")).unwrap();
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| {
            let p = p.as_str().expect("a permission by name");
            p.strip_prefix("allow-")
                .unwrap_or_else(|| panic!("{p}: only the app's own commands are granted"))
                .replace('-', "_")
        })
        .collect();
    assert_eq!(granted, listed());
}

#[test]
fn the_shell_handles_each_command_and_defines_no_other() {
    let shell = repo_file("src-tauri/src/lib.rs");
    let handled: BTreeSet<String> = between(&shell, "generate_handler![", "]")
        .split(',')
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect();
    assert_eq!(handled, listed());
    // Every `#[tauri::command]` function, in the shell and its printer module.
    let mut defined = BTreeSet::new();
    for source in [shell, repo_file("src-tauri/src/printers.rs")] {
        // The attribute at the start of a line (not in a comment that mentions it).
        for after in source.split("\n#[tauri::command").skip(1) {
            let signature = after
                .lines()
                .skip(1)
                .find(|l| l.contains("fn "))
                .expect("a function after the attribute");
            let name = between(signature, "fn ", "(");
            defined.insert(name.trim().to_owned());
        }
    }
    assert_eq!(defined, listed());
}

#[test]
fn the_ui_invokes_only_listed_commands_and_each_of_them() {
    let device = repo_file("src-ui/src/backend/device.rs");
    let mut invoked = BTreeSet::new();
    for call in ["call(\"", "call_with(\n            \"", "call_with(\""] {
        for after in device.split(call).skip(1) {
            invoked.insert(after.split('"').next().unwrap().to_owned());
        }
    }
    assert_eq!(invoked, listed());
}
