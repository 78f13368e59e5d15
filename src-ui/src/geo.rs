//! The device's position from the webview's geolocation, for the arrival check-in. No answer
//! within a few seconds (no fix indoors, permission refused) means no position, never a hang.

use fixline_core::position::Position;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

pub async fn current_position() -> Option<Position> {
    let geolocation = web_sys::window()?.navigator().geolocation().ok()?;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let on_fix = resolve.clone();
        let ok = Closure::once_into_js(move |pos: JsValue| {
            let _ = on_fix.call1(&JsValue::NULL, &pos);
        });
        let failed = Closure::once_into_js(move |_: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::NULL);
        });
        let options = web_sys::PositionOptions::new();
        options.set_timeout(8000);
        options.set_maximum_age(60_000);
        options.set_enable_high_accuracy(true);
        let _ = geolocation.get_current_position_with_error_callback_and_options(
            ok.unchecked_ref(),
            Some(failed.unchecked_ref()),
            &options,
        );
    });
    let fix = JsFuture::from(promise).await.ok()?;
    let coords = js_sys::Reflect::get(&fix, &"coords".into()).ok()?;
    let lat = js_sys::Reflect::get(&coords, &"latitude".into())
        .ok()?
        .as_f64()?;
    let lon = js_sys::Reflect::get(&coords, &"longitude".into())
        .ok()?
        .as_f64()?;
    Position::new(lat, lon).ok()
}
