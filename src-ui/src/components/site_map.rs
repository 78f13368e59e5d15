//! The customer file's map: every site placed on it, and, while a site is edited, a map to
//! place it by hand (a click sets its latitude and longitude) for an address the geocoder
//! could not find. The stored position is WGS-84, as Leaflet's.

use fixline_core::board::MapTiles;
use fixline_core::position::Position;
use leaflet::{CircleMarker, LatLng, Map};
use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::leaflet::{FALLBACK_CENTRE, fit, loaded, map, marker};
use crate::backend::backend;
use crate::i18n::{Text, tr};

/// `sites`: (name, position) of the sites placed. `pick`: the latitude and longitude fields a
/// click on the map fills in (their text is parsed again when the form is saved).
#[component]
pub fn SiteMap(
    sites: Vec<(String, Position)>,
    #[prop(optional)] pick: Option<(RwSignal<String>, RwSignal<String>)>,
) -> impl IntoView {
    let node = NodeRef::<Div>::new();
    let tiles = RwSignal::new(None::<MapTiles>);
    spawn_local(async move {
        // Without the settings the map still works, on a plain background.
        let answer = backend().map_tiles().await.unwrap_or_default();
        tiles.try_set(Some(answer));
    });
    let drawn = StoredValue::new_local(None::<Map>);
    // The map exists (it is made once the tiles are known).
    let ready = RwSignal::new(false);
    let picked = StoredValue::new_local(None::<CircleMarker>);
    let points: Vec<(f64, f64)> = sites.iter().map(|(_, p)| (p.lat, p.lon)).collect();
    Effect::new(move |_| {
        let (Some(tiles), Some(el)) = (tiles.get(), node.get()) else {
            return;
        };
        if !loaded() || drawn.with_value(Option::is_some) {
            return;
        }
        let centre = points.first().copied().unwrap_or(FALLBACK_CENTRE);
        let Some(m) = map(el.unchecked_ref(), centre, 15.0, &tiles) else {
            return;
        };
        for (name, p) in &sites {
            marker((p.lat, p.lon), "marker-site", "#3867d6", 8.0, name).add_to(&m);
        }
        if points.len() > 1 {
            fit(&m, &points);
        }
        if let Some((lat, lon)) = pick {
            m.on_mouse_click(Box::new(move |ev: leaflet::MouseEvent| {
                let at = ev.lat_lng();
                lat.set(format!("{:.6}", at.lat()));
                lon.set(format!("{:.6}", at.lng()));
            }));
        }
        drawn.set_value(Some(m));
        ready.set(true);
    });
    // The position picked so far, drawn as it is typed or clicked.
    Effect::new(move |_| {
        let Some((lat, lon)) = pick else { return };
        if !ready.get() {
            return;
        }
        let at = match (
            lat.get().trim().parse::<f64>(),
            lon.get().trim().parse::<f64>(),
        ) {
            (Ok(a), Ok(o)) if Position::new(a, o).is_ok() => (a, o),
            _ => return,
        };
        drawn.with_value(|m| {
            let Some(m) = m else { return };
            picked.update_value(|p| match p {
                Some(p) => p.set_lat_lng(&LatLng::new(at.0, at.1)),
                None => {
                    let new = marker(at, "marker-picked", "#d64545", 9.0, "");
                    new.add_to(m);
                    *p = Some(new);
                }
            });
        });
    });
    on_cleanup(move || {
        if let Some(m) = drawn.try_update_value(Option::take).flatten() {
            m.remove();
        }
    });
    let hint = pick.is_some();
    view! {
        <div class="site-map-box">
            {hint.then(|| view! { <p class="muted map-hint">{tr(Text::PlaceOnMapHint)}</p> })}
            <div class="map site-map" node_ref=node role="application" aria-label=tr(Text::Map)></div>
        </div>
    }
}
