pub mod leaflet;
pub mod my_notices;
pub mod site_map;
pub mod status_line;

/// The file input an `input`/`change` event came from.
pub fn file_input(ev: &leptos::ev::Event) -> Option<web_sys::HtmlInputElement> {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
}
pub mod codes;
