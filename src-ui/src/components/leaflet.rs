//! What every Leaflet map in the UI shares: whether Leaflet loaded, a map with the service's
//! tiles (or a plain background when none are configured), labelled circle markers, and fitting
//! the view to a set of points. Leaflet comes from npm and is served with the UI.

use fixline_core::board::MapTiles;
use leaflet::{CircleMarker, LatLng, LatLngBounds, Map, MapOptions, PathOptions, TileLayer};
use wasm_bindgen::{JsCast, JsValue};

/// Where a map with nothing on it starts: the demo's service area (Hangzhou).
pub const FALLBACK_CENTRE: (f64, f64) = (30.27, 120.15);

/// Leaflet's global, present when its script loaded.
pub fn loaded() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("L")).ok())
        .is_some_and(|l| !l.is_undefined())
}

/// A map in `el` centred on `centre`, with the tiles if any are configured.
pub fn map(
    el: &web_sys::HtmlElement,
    centre: (f64, f64),
    zoom: f64,
    tiles: &MapTiles,
) -> Option<Map> {
    let map = Map::new_with_element(el, &MapOptions::new()).ok()?;
    // Leaflet refuses layers before the map has a view.
    map.set_view(&LatLng::new(centre.0, centre.1), zoom);
    if !tiles.tiles.is_empty() {
        let options = leaflet::TileLayerOptions::new();
        options.set_attribution(tiles.attribution.clone());
        TileLayer::new_options(&tiles.tiles, &options).add_to(&map);
    }
    Some(map)
}

/// A circle marker with a class (for tests and styling), a colour and a tooltip.
pub fn marker(at: (f64, f64), class: &str, colour: &str, radius: f64, label: &str) -> CircleMarker {
    let options = PathOptions::new();
    options.set_class_name(class.to_owned());
    options.set_color(colour.to_owned());
    options.set_fill_color(colour.to_owned());
    options.set_fill_opacity(0.8);
    options.set_weight(2.0);
    let m = CircleMarker::new_with_options(&LatLng::new(at.0, at.1), &options);
    m.set_radius(radius);
    // `bindTooltip(text)`: the crate's `bind_tooltip_with_content` names a method Leaflet
    // does not have, so it is called by name.
    if !label.is_empty()
        && let Ok(bind) = js_sys::Reflect::get(&m, &JsValue::from_str("bindTooltip"))
        && let Ok(bind) = bind.dyn_into::<js_sys::Function>()
    {
        let _ = bind.call1(&m, &JsValue::from_str(label));
    }
    m
}

/// Fits the view to the points, without animation (the screen may go before one would end,
/// and Leaflet's frame then finds its map gone).
pub fn fit(map: &Map, points: &[(f64, f64)]) {
    let Some(first) = points.first() else { return };
    let bounds = LatLngBounds::new(
        &LatLng::new(first.0, first.1),
        &LatLng::new(first.0, first.1),
    );
    for p in points {
        bounds.extend(&LatLng::new(p.0, p.1));
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(
        &options,
        &"padding".into(),
        &js_sys::Array::of2(&20.into(), &20.into()),
    );
    let _ = js_sys::Reflect::set(&options, &"maxZoom".into(), &15.into());
    let _ = js_sys::Reflect::set(&options, &"animate".into(), &false.into());
    map.fit_bounds_with_options(&bounds, &options);
}
