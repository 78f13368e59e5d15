//! Repair guides, readable offline: the guides for one equipment model, or all on the device.

use base64::Engine as _;
use fixline_core::guide::Guide;
use leptos::prelude::*;

use crate::backend::backend;
use crate::i18n::{Text, tr};
use crate::routes::Screen;
use crate::shell::shell;

#[component]
pub fn Guides(model: Option<String>) -> impl IntoView {
    let shell = shell();
    let wanted = model.clone();
    let guides = crate::shell::reloading(move || backend().guides(wanted.clone()));
    view! {
        <section class="guides">
            <button class="back" on:click=move |_| shell.go(Screen::Jobs)>"← "{tr(Text::Back)}</button>
            <h1>{tr(Text::Guides)}{model.map(|m| format!(" · {m}"))}</h1>
            {move || match guides.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="empty">{tr(Text::NoGuides)}</p> }.into_any(),
                Some(Ok(list)) => list.into_iter().map(|g| view! { <GuideCard guide=g/> }).collect_view().into_any(),
            }}
        </section>
    }
}

#[component]
fn GuideCard(guide: Guide) -> impl IntoView {
    view! {
        <article class="card guide">
            <h2>{guide.details.title.clone()}</h2>
            <p class="muted">{guide.details.model.clone()}</p>
            <div class="guide-body">{guide.details.body.clone()}</div>
            {guide.details.images.iter().filter_map(|img| {
                // Only images the guide says are images; the data stays on the device.
                base64::engine::general_purpose::STANDARD.decode(&img.data_base64).ok()?;
                let src = format!("data:{};base64,{}", img.media_type, img.data_base64);
                Some(view! { <figure><img src=src alt=img.caption.clone()/><figcaption>{img.caption.clone()}</figcaption></figure> })
            }).collect_view()}
        </article>
    }
}
