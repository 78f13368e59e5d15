//! The device's position from the webview's geolocation, for the arrival check-in. No answer
//! within a few seconds (no fix indoors, permission refused) means no position, never a hang.

use fixline_core::position::{Position, PositionFix};
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

/// Reads a `GeolocationPosition` (its coordinates and the time it was measured).
fn fix_of(pos: &JsValue) -> Option<PositionFix> {
    let coords = js_sys::Reflect::get(pos, &"coords".into()).ok()?;
    let read = |of: &JsValue, key: &str| js_sys::Reflect::get(of, &key.into()).ok()?.as_f64();
    let position = Position::new(read(&coords, "latitude")?, read(&coords, "longitude")?).ok()?;
    let measured = chrono::DateTime::from_timestamp_millis(read(pos, "timestamp")? as i64)?;
    Some(PositionFix {
        position,
        at: crate::clock::on_backend_clock(measured),
    })
}

/// The location service watched while a job is on the way; stops watching when dropped.
pub struct Watch {
    id: i32,
    // Kept alive as long as the browser may call them.
    _on_fix: Closure<dyn FnMut(JsValue)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(geolocation) = web_sys::window().and_then(|w| w.navigator().geolocation().ok())
        {
            geolocation.clear_watch(self.id);
        }
    }
}

/// Watches the device's position, calling `on_fix` with each new one. `None` where there is no
/// location service; a refused permission or no fix just calls nothing.
pub fn watch(on_fix: impl Fn(PositionFix) + 'static) -> Option<Watch> {
    let geolocation = web_sys::window()?.navigator().geolocation().ok()?;
    let on_fix = Closure::<dyn FnMut(JsValue)>::new(move |pos: JsValue| {
        if let Some(fix) = fix_of(&pos) {
            on_fix(fix);
        }
    });
    let on_error = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
    let options = web_sys::PositionOptions::new();
    options.set_enable_high_accuracy(true);
    options.set_maximum_age(30_000);
    let id = geolocation
        .watch_position_with_error_callback_and_options(
            on_fix.as_ref().unchecked_ref(),
            Some(on_error.as_ref().unchecked_ref()),
            &options,
        )
        .ok()?;
    Some(Watch {
        id,
        _on_fix: on_fix,
        _on_error: on_error,
    })
}
