pub mod leaflet;
pub mod my_notices;
pub mod site_map;
pub mod status_line;

/// The files picked in the file input a `change` event came from; the input is emptied, so
/// picking the same file again is a new pick.
pub fn picked_files(ev: &leptos::ev::Event) -> Vec<web_sys::File> {
    use wasm_bindgen::JsCast;
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return Vec::new();
    };
    let files = input
        .files()
        .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
        .unwrap_or_default();
    input.set_value("");
    files
}

/// A picked file's bytes; a file the browser cannot read is refused by its name.
pub async fn file_bytes(file: &web_sys::File) -> Result<Vec<u8>, crate::backend::UiError> {
    match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
        Ok(buffer) => Ok(js_sys::Uint8Array::new(&buffer).to_vec()),
        Err(_) => Err(crate::backend::UiError::new("invalid_input", file.name())),
    }
}
pub mod codes;
