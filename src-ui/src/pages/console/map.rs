//! The map: engineers where they last reported (or their base) and open jobs at their sites,
//! coloured by status, drawn with Leaflet. Leaflet comes from npm and is served with the UI
//! (`cargo xtask ui` copies it in), never from a CDN. Tiles come from the server's settings; with
//! none configured the markers are drawn on a plain background, so the console works offline.

use fixline_core::board::Board;
use fixline_core::engineer::EngineerStatus;
use fixline_core::work_order::Status;
use leaflet::{LayerGroup, Map};
use leptos::html::Div;
use leptos::prelude::*;

use crate::components::leaflet::{fit, loaded as leaflet_loaded, marker};

use wasm_bindgen::JsCast;

use super::Desk;
use crate::i18n::{Lang, Text, lang, tr};

fn job_colour(status: Status) -> &'static str {
    match status {
        Status::New | Status::Triaged => "#d64545",
        Status::Assigned | Status::Accepted => "#3867d6",
        Status::EnRoute => "#f39c12",
        Status::OnSite | Status::Paused => "#20a060",
        _ => "#888888",
    }
}

/// An engineer's status in words.
fn engineer_status(status: EngineerStatus, lang: Lang) -> &'static str {
    let (zh, en) = match status {
        EngineerStatus::Available => ("空闲", "Available"),
        EngineerStatus::Busy => ("工作中", "Busy"),
        EngineerStatus::OnBreak => ("休息", "On a break"),
        EngineerStatus::OffShift => ("下班", "Off shift"),
        EngineerStatus::Unavailable => ("不可派", "Unavailable"),
    };
    if lang == Lang::Zh { zh } else { en }
}

/// What the colours mean: (colour, zh, en), jobs first, then engineers.
const LEGEND: [(&str, &str, &str); 8] = [
    ("#d64545", "待派工单", "Job waiting"),
    ("#3867d6", "已派工单", "Job assigned"),
    ("#f39c12", "在途", "On the way"),
    ("#20a060", "在现场", "On site"),
    ("#20a060", "工程师 空闲", "Engineer available"),
    ("#3867d6", "工程师 工作中", "Engineer busy"),
    ("#f39c12", "工程师 休息", "Engineer on a break"),
    ("#888888", "下班 / 其他", "Off shift / other"),
];

fn engineer_colour(status: EngineerStatus) -> &'static str {
    match status {
        EngineerStatus::Available => "#20a060",
        EngineerStatus::Busy => "#3867d6",
        EngineerStatus::OnBreak => "#f39c12",
        EngineerStatus::OffShift | EngineerStatus::Unavailable => "#888888",
    }
}

/// Redraws every marker from the board; the first time, fits the view to them.
fn draw(map: &Map, layer: &LayerGroup, board: &Board, fit: bool, lang: Lang) {
    layer.clear_layers();
    let mut points = Vec::new();
    for e in &board.engineers {
        let p = e
            .engineer
            .last_position
            .map_or(e.engineer.details.home_base, |fix| fix.position);
        let class = format!("marker-engineer status-{:?}", e.engineer.status).to_lowercase();
        let m = marker(
            (p.lat, p.lon),
            &class,
            engineer_colour(e.engineer.status),
            9.0,
            &format!(
                "{} · {} · {}",
                e.engineer.details.name,
                e.engineer.details.region,
                engineer_status(e.engineer.status, lang)
            ),
        );
        layer.add_layer(&m);
        points.push((p.lat, p.lon));
    }
    for j in &board.jobs {
        let Some(p) = j.position else { continue };
        let w = &j.work_order;
        let class = format!("marker-job status-{}", w.status.as_str());
        let label = format!(
            "{} · {} · {}",
            w.number,
            j.customer,
            crate::format::status(w.status, lang)
        );
        let m = marker((p.lat, p.lon), &class, job_colour(w.status), 6.0, &label);
        layer.add_layer(&m);
        points.push((p.lat, p.lon));
    }
    if fit {
        self::fit(map, &points);
    }
}

#[component]
pub fn DeskMap() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let node = NodeRef::<Div>::new();
    let drawn = StoredValue::new_local(None::<(Map, LayerGroup)>);
    let tiles = Memo::new(move |_| match desk.board.get() {
        Some(Ok(b)) => b.map.tiles.clone(),
        _ => String::new(),
    });
    Effect::new(move |_| {
        let board = desk.board.get();
        // The markers' words follow the language.
        let lang = lang().get();
        let (Some(Ok(board)), Some(el)) = (board, node.get()) else {
            return;
        };
        if !leaflet_loaded() {
            return;
        }
        let first = drawn.with_value(Option::is_none);
        if first {
            // Start on the first engineer; the markers then fit the view.
            let centre =
                board
                    .engineers
                    .first()
                    .map_or(crate::components::leaflet::FALLBACK_CENTRE, |e| {
                        (
                            e.engineer.details.home_base.lat,
                            e.engineer.details.home_base.lon,
                        )
                    });
            let Some(map) =
                crate::components::leaflet::map(el.unchecked_ref(), centre, 12.0, &board.map)
            else {
                return;
            };
            let layer = LayerGroup::new();
            layer.add_to(&map);
            drawn.set_value(Some((map, layer)));
        }
        drawn.with_value(|d| {
            if let Some((map, layer)) = d {
                draw(map, layer, &board, first, lang);
            }
        });
    });
    on_cleanup(move || {
        if let Some((map, _)) = drawn.try_update_value(Option::take).flatten() {
            map.remove();
        }
    });
    view! {
        <section class="map-panel">
            <h2>{tr(Text::Map)}</h2>
            {move || (!leaflet_loaded()).then(|| view! { <p class="muted">{tr(Text::MapUnavailable)}</p> })}
            {move || tiles.get().is_empty().then(|| view! { <p class="muted no-tiles">{tr(Text::NoTiles)}</p> })}
            <div id="map" class="map" node_ref=node></div>
            <ul class="map-legend" id="map-legend">
                {LEGEND.iter().map(|(colour, zh, en)| view! {
                    <li><span class="swatch" style=format!("background:{colour}")></span>
                        {move || if lang().get() == Lang::Zh { *zh } else { *en }}</li>
                }).collect_view()}
            </ul>
        </section>
    }
}
