//! Where jobs are assigned automatically (自动派单), switched per category and region by the
//! service manager: one line a rule (a blank category or region means every one; the most
//! specific rule that fits a job decides), and the most open jobs anyone may hold and still be
//! given one. Dispatchers see the rules; only managers and admins change them.

use fixline_core::auto_assign::{AutoAssignPolicy, AutoAssignRule};
use fixline_core::role::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{UiError, backend};
use crate::i18n::{Text, lang, tr};
use crate::shell::shell;

/// One rule as typed.
#[derive(Clone, Copy)]
struct Line {
    category: RwSignal<String>,
    region: RwSignal<String>,
    enabled: RwSignal<bool>,
}

impl Line {
    fn of(r: &AutoAssignRule) -> Line {
        Line {
            category: RwSignal::new(r.category.clone().unwrap_or_default()),
            region: RwSignal::new(r.region.clone().unwrap_or_default()),
            enabled: RwSignal::new(r.enabled),
        }
    }

    fn rule(&self) -> AutoAssignRule {
        let text = |s: RwSignal<String>| Some(s.get_untracked()).filter(|t| !t.trim().is_empty());
        AutoAssignRule {
            category: text(self.category),
            region: text(self.region),
            enabled: self.enabled.get_untracked(),
        }
    }
}

#[component]
pub fn Settings() -> impl IntoView {
    let shell = shell();
    let lines = RwSignal::new(Vec::<Line>::new());
    let max = RwSignal::new(String::new());
    let version = RwSignal::new(None::<u64>);
    let failed = RwSignal::new(None::<UiError>);
    let may_change = shell
        .status
        .get_untracked()
        .and_then(|s| s.signed_in)
        .is_some_and(|u| matches!(u.role, Role::ServiceManager | Role::Admin));
    let load = move || {
        spawn_local(async move {
            match backend().auto_assign_settings().await {
                Ok(s) => {
                    lines.set(s.policy.rules.iter().map(Line::of).collect());
                    max.set(s.policy.max_open_jobs.to_string());
                    version.set(Some(s.version));
                }
                Err(e) => failed.set(Some(e)),
            }
        });
    };
    load();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(at) = version.get_untracked() else {
            return;
        };
        let Ok(max_open_jobs) = max.get_untracked().trim().parse() else {
            let l = lang().get_untracked();
            return shell.fail(&UiError::new(
                "invalid_input",
                format!(
                    "{}: {}",
                    Text::MaxOpenJobs.in_lang(l),
                    Text::NotANumber.in_lang(l)
                ),
            ));
        };
        let policy = AutoAssignPolicy {
            rules: lines.get_untracked().iter().map(Line::rule).collect(),
            max_open_jobs,
        };
        spawn_local(async move {
            match backend().save_auto_assign(at, policy).await {
                Ok(saved) => {
                    version.set(Some(saved.version));
                    shell.tell(Text::Saved.in_lang(lang().get_untracked()));
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    view! {
        <section class="settings">
            <h1>{tr(Text::AutoAssign)}</h1>
            <p class="muted">{tr(Text::AutoAssignExplained)}</p>
            {move || failed.get().map(|e| view! { <p class="message error">{crate::shell::said(&e)}</p> })}
            <form class="card" id="auto-assign-form" on:submit=save>
                <table class="orders-table">
                    <thead><tr>
                        <th>{tr(Text::Category)}</th><th>{tr(Text::Region)}</th><th>{tr(Text::On)}</th><th></th>
                    </tr></thead>
                    <tbody>
                        {move || lines.get().into_iter().enumerate().map(|(i, l)| view! {
                            <tr class="rule">
                                <td><label><span class="sr-only">{tr(Text::Category)}</span>
                                    <input class="rule-category" placeholder=tr(Text::Every) bind:value=l.category disabled=!may_change/></label></td>
                                <td><label><span class="sr-only">{tr(Text::Region)}</span>
                                    <input class="rule-region" placeholder=tr(Text::Every) bind:value=l.region disabled=!may_change/></label></td>
                                <td><label class="switch"><input class="rule-on" type="checkbox" bind:checked=l.enabled disabled=!may_change/>
                                    <span class="sr-only">{tr(Text::On)}</span></label></td>
                                <td>{may_change.then(|| view! {
                                    <button type="button" class="rule-remove" aria-label=tr(Text::Remove)
                                        on:click=move |_| lines.update(|v| { v.remove(i); })>"✕"</button>
                                })}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <label>{tr(Text::MaxOpenJobs)}<input id="auto-assign-max" type="number" min="1" max="50" bind:value=max disabled=!may_change/></label>
                {may_change.then(|| view! {
                    <div class="row">
                        <button type="button" id="rule-add" on:click=move |_| lines.update(|v| v.push(Line::of(&AutoAssignRule {
                            category: None,
                            region: None,
                            enabled: true,
                        })))>{tr(Text::AddRule)}</button>
                        <button type="submit" class="primary" id="auto-assign-save">{tr(Text::SaveSchedule)}</button>
                    </div>
                })}
            </form>
        </section>
        <super::codes::CodeLists/>
        <super::wording::Wording/>
        <super::integrations::Integrations/>
        {may_change.then(|| view! { <super::dashboard::Targets/> })}
    }
}
