//! The wording of customer notices (统一话术), kept by the service manager: pick an event, the
//! customer's language and the channel, change the words, preview them with a sample job, and
//! save; or go back to the built-in wording. The server refuses a template that does not
//! render. Dispatchers read the wording; only managers and admins change it.

use fixline_api::notices::{NoticeTemplate, RenderedNotice, TemplateInForce};
use fixline_core::customer::Language;
use fixline_core::notify::{Channel, NoticeEvent};
use fixline_core::role::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{UiError, backend};
use crate::i18n::{Text, lang, tr};
use crate::shell::shell;

/// What a template may name.
const FACTS: &str = "{{ brand }} {{ phone }} {{ customer }} {{ number }} {{ symptom }} {{ engineer }} {{ window }} {{ eta }} {{ link }} {{ track }} {{ deadline }} {{ resolution }}";

#[component]
pub fn Wording() -> impl IntoView {
    let shell = shell();
    let all = RwSignal::new(Vec::<TemplateInForce>::new());
    let version = RwSignal::new(None::<u64>);
    let failed = RwSignal::new(None::<UiError>);
    let event = RwSignal::new(NoticeEvent::OnTheWay);
    let language = RwSignal::new(Language::ZhCn);
    let channel = RwSignal::new(Channel::Email);
    let subject = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let preview = RwSignal::new(None::<RenderedNotice>);
    let may_change = shell
        .status
        .get_untracked()
        .and_then(|s| s.signed_in)
        .is_some_and(|u| matches!(u.role, Role::ServiceManager | Role::Admin));
    let slot = move || NoticeTemplate {
        event: event.get_untracked(),
        language: language.get_untracked(),
        channel: channel.get_untracked(),
        subject: subject.get_untracked(),
        body: body.get_untracked(),
    };
    let shown = move || {
        let wanted = (event.get(), language.get(), channel.get());
        all.with(|all| {
            all.iter()
                .find(|t| (t.template.event, t.template.language, t.template.channel) == wanted)
                .cloned()
        })
    };
    // Picking another template puts its words in the editor.
    Effect::new(move |_| {
        if let Some(t) = shown() {
            subject.set(t.template.subject);
            body.set(t.template.body);
            preview.set(None);
        }
    });
    let loaded = move |t: fixline_api::notices::NoticeTemplates| {
        version.set(Some(t.version));
        all.set(t.templates);
    };
    spawn_local(async move {
        match backend().notice_templates().await {
            Ok(t) => loaded(t),
            Err(e) => failed.set(Some(e)),
        }
    });
    let do_preview = move |_| {
        spawn_local(async move {
            match backend().preview_notice(slot()).await {
                Ok(p) => preview.set(Some(p)),
                Err(e) => shell.fail(&e),
            }
        });
    };
    // Saves the admin's wording with this slot as edited (`keep`) or back to built in.
    let save_with = move |keep: bool| {
        let Some(at) = version.get_untracked() else {
            return;
        };
        let edited = slot();
        let mut changed: Vec<NoticeTemplate> = all.with_untracked(|all| {
            all.iter()
                .filter(|t| t.customised && !t.template.same_slot(&edited))
                .map(|t| t.template.clone())
                .collect()
        });
        if keep {
            changed.push(edited);
        }
        spawn_local(async move {
            match backend().save_notice_templates(at, changed).await {
                Ok(saved) => {
                    loaded(saved);
                    shell.tell(Text::Saved.in_lang(lang().get_untracked()));
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save_with(true);
    };
    let l = move || lang().get();
    view! {
        <section class="settings" id="notice-wording">
            <h1>{tr(Text::NoticeWording)}</h1>
            <p class="muted">{tr(Text::NoticeWordingExplained)}</p>
            {move || failed.get().map(|e| view! { <p class="message error">{crate::shell::said(&e)}</p> })}
            <form class="card form-grid" id="wording-form" on:submit=save>
                <label>{tr(Text::NoticeEvent)}
                    <select id="wording-event" on:change=move |ev| {
                        let picked = event_target_value(&ev);
                        if let Some(e) = NoticeEvent::ALL.into_iter().find(|e| e.as_str() == picked) {
                            event.set(e);
                        }
                    }>
                        {move || NoticeEvent::ALL.map(|e| view! {
                            <option value=e.as_str() selected=event.get_untracked() == e>
                                {super::notifications::event_text(e, l())}
                            </option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{tr(Text::NoticeLanguageLabel)}
                    <select id="wording-language" on:change=move |ev| language.set(
                        if event_target_value(&ev) == "en" { Language::En } else { Language::ZhCn })>
                        <option value="zh-CN" selected=move || language.get() == Language::ZhCn>"中文"</option>
                        <option value="en" selected=move || language.get() == Language::En>"English"</option>
                    </select>
                </label>
                <label>{tr(Text::NoticeChannelLabel)}
                    <select id="wording-channel" on:change=move |ev| channel.set(
                        if event_target_value(&ev) == "sms" { Channel::Sms } else { Channel::Email })>
                        <option value="email" selected=move || channel.get() == Channel::Email>{tr(Text::NoticeByEmail)}</option>
                        <option value="sms" selected=move || channel.get() == Channel::Sms>{tr(Text::NoticeByText)}</option>
                    </select>
                </label>
                {move || shown().filter(|t| t.customised).map(|_| view! {
                    <span class="badge" id="wording-customised">{tr(Text::NoticeCustomised)}</span>
                })}
                {move || (channel.get() == Channel::Email).then(|| view! {
                    <label class="wide">{tr(Text::NoticeSubject)}
                        <input id="wording-subject" bind:value=subject disabled=!may_change/></label>
                })}
                <label class="wide">{tr(Text::NoticeBody)}
                    <textarea id="wording-body" rows="7" bind:value=body disabled=!may_change></textarea></label>
                <p class="muted wide">{tr(Text::NoticeCanUse)}": "<code>{FACTS}</code></p>
                <div class="row wide">
                    <button type="button" id="wording-preview" on:click=do_preview>{tr(Text::NoticePreview)}</button>
                    {may_change.then(|| view! {
                        <button type="submit" class="primary" id="wording-save">{tr(Text::Save)}</button>
                        <button type="button" id="wording-reset" on:click=move |_| save_with(false)>{tr(Text::NoticeBuiltIn)}</button>
                    })}
                </div>
            </form>
            {move || preview.get().map(|p| view! {
                <article class="card" id="wording-rendered">
                    {(!p.subject.is_empty()).then(|| view! { <h3 id="wording-rendered-subject">{p.subject.clone()}</h3> })}
                    <pre id="wording-rendered-body">{p.body.clone()}</pre>
                </article>
            })}
        </section>
    }
}
