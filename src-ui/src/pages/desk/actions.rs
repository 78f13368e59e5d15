//! The desk's lifecycle buttons for one job: exactly the actions core says the signed-in role may
//! take now (`WorkOrder::available_actions`), each with the fields it needs — triage with the
//! job's requirements, assign, confirm, close, cancel and reopen with a reason, pause and resume,
//! release to the pool, a note, and resolving it on the phone by remote guidance. Scheduling has its own editor on the board.

use fixline_core::ids::EngineerId;
use fixline_core::work_order::{
    Action, ActionKind, PauseReason, Priority, Requirements, WorkOrder,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{UiError, backend};
use crate::drafts;
use crate::i18n::{Text, lang, tr};
use crate::shell::shell;

/// An action that needs fields before it can be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Triage,
    Assign,
    Confirm,
    Cancel,
    Reopen,
    Pause,
    Note,
    Remote,
}

impl Form {
    fn kind(self) -> ActionKind {
        match self {
            Form::Triage => ActionKind::Triage,
            Form::Assign => ActionKind::Assign,
            Form::Confirm => ActionKind::Confirm,
            Form::Cancel => ActionKind::Cancel,
            Form::Reopen => ActionKind::Reopen,
            Form::Pause => ActionKind::Pause,
            Form::Note => ActionKind::AddNote,
            Form::Remote => ActionKind::ResolveRemotely,
        }
    }
}

/// What the triage form holds, as typed.
#[derive(Clone, Copy)]
struct TriageFields {
    category: RwSignal<String>,
    priority: RwSignal<String>,
    skill: RwSignal<String>,
    level: RwSignal<String>,
    certification: RwSignal<String>,
    minutes: RwSignal<String>,
}

/// The drafts the panel keeps per job, so a live redraw of the board loses nothing typed.
const DRAFTS: [&str; 9] = [
    "desk.form",
    "desk.reason",
    "desk.engineer",
    "desk.category",
    "desk.priority",
    "desk.skill",
    "desk.level",
    "desk.certification",
    "desk.minutes",
];

impl TriageFields {
    fn from(wo: &WorkOrder) -> Self {
        let r = wo.requirements.clone();
        let id = wo.id;
        let (category, priority) = (wo.category.clone(), wo.priority.as_str().to_owned());
        TriageFields {
            category: drafts::kept(id, DRAFTS[3], || category),
            priority: drafts::kept(id, DRAFTS[4], || priority),
            skill: drafts::kept(id, DRAFTS[5], || r.skill.clone().unwrap_or_default()),
            level: drafts::kept(id, DRAFTS[6], || {
                r.level.map(|l| l.to_string()).unwrap_or_default()
            }),
            certification: drafts::kept(id, DRAFTS[7], || {
                r.certification.clone().unwrap_or_default()
            }),
            minutes: drafts::kept(id, DRAFTS[8], || {
                r.minutes.map(|m| m.to_string()).unwrap_or_default()
            }),
        }
    }

    /// The triage action, or which field is not a number.
    fn action(&self) -> Result<Action, Text> {
        let number = |s: RwSignal<String>, bad: Text| -> Result<Option<u32>, Text> {
            match s.get_untracked().trim() {
                "" => Ok(None),
                t => t.parse().map(Some).map_err(|_| bad),
            }
        };
        let level = number(self.level, Text::Level)?
            .map(|l| u8::try_from(l).map_err(|_| Text::Level))
            .transpose()?;
        let text = |s: RwSignal<String>| Some(s.get_untracked()).filter(|t| !t.trim().is_empty());
        Ok(Action::Triage {
            category: text(self.category),
            priority: Priority::parse(&self.priority.get_untracked()),
            requirements: Some(Requirements {
                skill: text(self.skill),
                level,
                certification: text(self.certification),
                minutes: number(self.minutes, Text::Minutes)?,
            }),
        })
    }
}

/// The lifecycle panel. `engineers` are the choices for "assign" (id, name and region); `skip`
/// names actions the surrounding view offers its own way (the board's checked placement).
#[component]
pub fn DeskActions(
    work_order: WorkOrder,
    engineers: Vec<(EngineerId, String)>,
    #[prop(optional)] skip: Vec<ActionKind>,
) -> impl IntoView {
    let shell = shell();
    let id = work_order.id;
    let available: Vec<ActionKind> = shell
        .status
        .get_untracked()
        .and_then(|s| s.signed_in)
        .map(|u| work_order.available_actions(&u.actor()))
        .unwrap_or_default()
        .into_iter()
        .filter(|k| !skip.contains(k))
        .collect();
    let form = drafts::kept(id, DRAFTS[0], || None::<Form>);
    // A form kept from before shows again only while its action can still be taken.
    if form
        .get_untracked()
        .is_some_and(|f| !available.contains(&f.kind()))
    {
        form.set(None);
    }
    let triage = TriageFields::from(&work_order);
    let reason = drafts::kept(id, DRAFTS[1], String::new);
    let engineer = drafts::kept(id, DRAFTS[2], String::new);
    let pause = RwSignal::new("awaiting_parts".to_owned());
    let busy = RwSignal::new(false);
    let send = move |action: Action| {
        busy.set(true);
        spawn_local(async move {
            match backend().act(id, action).await {
                Ok(_) => {
                    drafts::forget(id, &DRAFTS);
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
            busy.set(false);
        });
    };
    let has = |k: ActionKind| available.contains(&k);
    let open = move |f: Form| move |_| form.set(Some(f));
    let tap = move |action: Action| move |_| send(action.clone());
    let buttons = view! {
        <div class="row desk-actions" id="desk-actions">
            {has(ActionKind::Triage).then(|| view! { <button id="desk-triage" on:click=open(Form::Triage)>{tr(Text::Triage)}</button> })}
            {has(ActionKind::Assign).then(|| view! { <button id="desk-assign" on:click=open(Form::Assign)>{tr(Text::AssignTo)}</button> })}
            {has(ActionKind::ReleaseToPool).then(|| view! { <button id="desk-release" disabled=move || busy.get() on:click=tap(Action::ReleaseToPool)>{tr(Text::ReleaseToPool)}</button> })}
            {has(ActionKind::Pause).then(|| view! { <button id="desk-pause" on:click=open(Form::Pause)>{tr(Text::Pause)}</button> })}
            {has(ActionKind::Resume).then(|| view! { <button id="desk-resume" disabled=move || busy.get() on:click=tap(Action::Resume)>{tr(Text::Resume)}</button> })}
            {has(ActionKind::ResolveRemotely).then(|| view! { <button id="desk-remote" on:click=open(Form::Remote)>{tr(Text::ResolveRemotely)}</button> })}
            {has(ActionKind::Confirm).then(|| view! { <button id="desk-confirm" class="primary" on:click=open(Form::Confirm)>{tr(Text::ConfirmFix)}</button> })}
            {has(ActionKind::Close).then(|| view! { <button id="desk-close" class="primary" disabled=move || busy.get() on:click=tap(Action::Close)>{tr(Text::CloseJob)}</button> })}
            {has(ActionKind::Reopen).then(|| view! { <button id="desk-reopen" on:click=open(Form::Reopen)>{tr(Text::Reopen)}</button> })}
            {has(ActionKind::Cancel).then(|| view! { <button id="desk-cancel" class="danger" on:click=open(Form::Cancel)>{tr(Text::CancelJob)}</button> })}
            {has(ActionKind::AddNote).then(|| view! { <button id="desk-note" on:click=open(Form::Note)>{tr(Text::AddNote)}</button> })}
        </div>
    };
    let engineers = StoredValue::new(engineers);
    let form_view = move || {
        let f = form.get()?;
        let submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let text = reason.get_untracked();
            let action = match f {
                Form::Triage => match triage.action() {
                    Ok(a) => a,
                    Err(field) => {
                        let l = lang().get_untracked();
                        return shell.fail(&UiError::new(
                            "invalid_input",
                            format!("{}: {}", field.in_lang(l), Text::NotANumber.in_lang(l)),
                        ));
                    }
                },
                Form::Assign => match engineer.get_untracked().parse() {
                    Ok(engineer) => Action::Assign { engineer },
                    Err(_) => {
                        return shell.fail(&UiError::new(
                            "invalid_input",
                            Text::ChooseEngineer.in_lang(lang().get_untracked()),
                        ));
                    }
                },
                Form::Confirm => Action::Confirm {
                    note: Some(text).filter(|t| !t.trim().is_empty()),
                },
                Form::Cancel => Action::Cancel { reason: text },
                Form::Reopen => Action::Reopen { reason: text },
                Form::Pause => Action::Pause {
                    reason: match pause.get_untracked().as_str() {
                        "awaiting_customer" => PauseReason::AwaitingCustomer,
                        _ => PauseReason::AwaitingParts,
                    },
                    note: Some(text).filter(|t| !t.trim().is_empty()),
                },
                Form::Note => Action::AddNote { text },
                Form::Remote => Action::ResolveRemotely { summary: text },
            };
            send(action);
        };
        let needs_reason = matches!(f, Form::Cancel | Form::Reopen | Form::Note | Form::Remote);
        let reason_label = match f {
            Form::Note => Text::Notes,
            Form::Remote => Text::Summary,
            Form::Confirm | Form::Pause => Text::NoteOptional,
            _ => Text::Reason,
        };
        Some(view! {
            <form class="card action-form" id="desk-form" on:submit=submit>
                {(f == Form::Triage).then(|| view! {
                    <div class="form-grid">
                        <label>{tr(Text::Category)}<input id="triage-category" bind:value=triage.category required/></label>
                        <label>{tr(Text::Priority)}
                            <select id="triage-priority" on:change=move |ev| triage.priority.set(event_target_value(&ev))>
                                {["P1", "P2", "P3", "P4"].map(|p| view! {
                                    <option value=p selected=triage.priority.get_untracked() == p>{p}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <label>{tr(Text::RequiredSkill)}<input id="triage-skill" bind:value=triage.skill/></label>
                        <label>{tr(Text::Level)}<input id="triage-level" type="number" min="1" max="5" bind:value=triage.level/></label>
                        <label>{tr(Text::Certification)}<input id="triage-certification" bind:value=triage.certification/></label>
                        <label>{tr(Text::Minutes)}<input id="triage-minutes" type="number" min="5" max="720" step="5" bind:value=triage.minutes/></label>
                    </div>
                })}
                {(f == Form::Assign).then(|| view! {
                    <label>{tr(Text::Engineer)}
                        <select id="desk-engineer" required on:change=move |ev| engineer.set(event_target_value(&ev))>
                            <option value="">"—"</option>
                            {engineers.get_value().into_iter().map(|(id, name)| view! {
                                <option value=id.to_string() selected=engineer.get_untracked() == id.to_string()>{name}</option>
                            }).collect_view()}
                        </select>
                    </label>
                })}
                {(f == Form::Pause).then(|| view! {
                    <label>{tr(Text::Reason)}
                        <select id="desk-pause-reason" on:change=move |ev| pause.set(event_target_value(&ev))>
                            <option value="awaiting_parts" selected>{tr(Text::PauseParts)}</option>
                            <option value="awaiting_customer">{tr(Text::PauseCustomer)}</option>
                        </select>
                    </label>
                })}
                {matches!(f, Form::Confirm | Form::Cancel | Form::Reopen | Form::Pause | Form::Note | Form::Remote).then(|| view! {
                    <label>{tr(reason_label)}<input id="desk-reason" bind:value=reason required=needs_reason/></label>
                })}
                <div class="row">
                    <button id="desk-submit" class="primary" type="submit" disabled=move || busy.get()>{tr(Text::Confirm)}</button>
                    <button type="button" on:click=move |_| form.set(None)>{tr(Text::Cancel)}</button>
                </div>
            </form>
        })
    };
    view! {
        {buttons}
        {form_view}
    }
}
