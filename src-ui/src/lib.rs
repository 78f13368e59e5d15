//! Fixline's UI: the engineer app's screens, client-side rendered to wasm with Leptos. The same
//! bundle runs in the Tauri shell (talking to the device, offline first) and in a browser served
//! by the dispatch server (talking to its API, online only); see [`backend`].
//!
//! Knows the DOM and nothing else: rules come from `fixline-core`, storage and sync from the
//! backend.

mod app;
pub mod backend;
mod clock;
mod components;
mod drafts;
mod format;
mod geo;
pub mod i18n;
mod on_the_way;
mod pages;
mod routes;
mod shell;

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(start)]
pub fn start() {
    // A panic is a bug: say where in the console (the webview's devtools) instead of dying mute.
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
