//! Reads `tauri.conf.json` and the capabilities at compile time. The app's own commands are
//! declared so each gets an `allow-…` permission, and the capability grants exactly those.

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let commands = &[
        "status",
        "sign_in",
        "sign_out",
        "jobs",
        "job",
        "act",
        "add_photo",
        "photo",
        "clock",
        "receipt_settings",
        "parts",
        "code_book",
        "make_receipt",
        "receipt_pdf",
        "email_receipt",
        "pool",
        "pick",
        "find_printers",
        "pair_printer",
        "printer",
        "printer_profiles",
        "set_printer",
        "print_jobs",
        "print_receipt",
        "print_test_page",
        "reprint",
        "find_articles",
        "article",
        "job_help",
        "article_image",
        "colleagues",
        "outbox",
        "conflicts",
        "sync_now",
        "report_position",
        "scorecard",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("src-tauri/capabilities/*.json")
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri-build: tauri.conf.json and src-tauri/capabilities must be valid");
}
