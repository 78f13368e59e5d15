//! The complaint handler's inbox and one complaint: deadline countdowns (overdue first), the
//! escalation level, the history, and a button for every step core allows the signed-in role,
//! each with the fields it needs (a root cause and what was done to resolve, a reason to reopen
//! or escalate, the customer's answer).

use fixline_api::complaints::ComplaintView;
use fixline_core::complaint::{
    ComplaintAction, ComplaintActionKind, ComplaintChannel, ComplaintRequest, ComplaintStatus,
    EscalationLevel, RootCause, Severity,
};
use fixline_core::ids::{ComplaintId, CustomerId, WorkOrderId};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::backend;
use crate::format;
use crate::i18n::{Lang, Text, lang, tr};
use crate::routes::Screen;
use crate::shell::shell;

fn pick(l: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if l == Lang::Zh { zh } else { en }
}

fn status_word(s: ComplaintStatus, l: Lang) -> &'static str {
    match s {
        ComplaintStatus::Received => pick(l, "已受理", "Received"),
        ComplaintStatus::Acknowledged => pick(l, "已回应", "Acknowledged"),
        ComplaintStatus::Investigating => pick(l, "调查中", "Investigating"),
        ComplaintStatus::Resolved => pick(l, "已解决", "Resolved"),
        ComplaintStatus::Confirmed => pick(l, "客户已确认", "Confirmed"),
        ComplaintStatus::Closed => pick(l, "已关闭", "Closed"),
    }
}

fn severity_word(s: Severity, l: Lang) -> &'static str {
    match s {
        Severity::Low => pick(l, "一般", "Low"),
        Severity::Medium => pick(l, "较重", "Medium"),
        Severity::High => pick(l, "严重", "High"),
        Severity::Critical => pick(l, "特急", "Critical"),
    }
}

fn channel_word(c: ComplaintChannel, l: Lang) -> &'static str {
    match c {
        ComplaintChannel::Phone => pick(l, "电话", "Phone"),
        ComplaintChannel::Web => pick(l, "网页", "Web"),
        ComplaintChannel::Survey => pick(l, "回访问卷", "Survey"),
        ComplaintChannel::Email => pick(l, "邮件", "E-mail"),
        ComplaintChannel::Wechat => pick(l, "微信", "WeChat"),
        ComplaintChannel::Social => pick(l, "社交媒体", "Social media"),
    }
}

fn level_word(e: EscalationLevel, l: Lang) -> &'static str {
    match e {
        EscalationLevel::Handler => pick(l, "投诉专员", "Complaint handler"),
        EscalationLevel::Manager => pick(l, "服务经理", "Service manager"),
        EscalationLevel::Admin => pick(l, "管理员", "Administrator"),
    }
}

fn cause_word(c: RootCause, l: Lang) -> &'static str {
    match c {
        RootCause::ProductDefect => pick(l, "产品缺陷", "Product defect"),
        RootCause::Workmanship => pick(l, "维修质量", "Workmanship"),
        RootCause::Parts => pick(l, "配件", "Parts"),
        RootCause::Logistics => pick(l, "物流", "Logistics"),
        RootCause::Communication => pick(l, "沟通", "Communication"),
        RootCause::Policy => pick(l, "政策", "Policy"),
    }
}

fn action_word(a: ComplaintActionKind, l: Lang) -> &'static str {
    use ComplaintActionKind as K;
    match a {
        K::Acknowledge => pick(l, "回应客户", "Acknowledge"),
        K::Investigate => pick(l, "开始调查", "Investigate"),
        K::Assign => pick(l, "指派", "Assign"),
        K::Resolve => pick(l, "解决", "Resolve"),
        K::RecordVerdict => pick(l, "记录客户意见", "Record the customer's answer"),
        K::Close => pick(l, "关闭", "Close"),
        K::Reopen => pick(l, "重新打开", "Reopen"),
        K::Escalate => pick(l, "升级", "Escalate"),
        K::ChangeSeverity => pick(l, "调整严重程度", "Change severity"),
        K::LinkWorkOrder => pick(l, "关联工单", "Link a work order"),
        K::AddNote => pick(l, "添加备注", "Add a note"),
    }
}

/// "2小时05分 to acknowledge" or "overdue by 10 min", in the user's words.
fn countdown(v: &ComplaintView, l: Lang) -> Option<(String, &'static str)> {
    let seconds = v.seconds_to_deadline?;
    let which = match v.complaint.acknowledged_at {
        None => pick(l, "回应", "acknowledge"),
        Some(_) => pick(l, "解决", "resolve"),
    };
    let span = format::duration(chrono::TimeDelta::seconds(seconds), l);
    Some(if seconds < 0 || v.overdue.is_some() {
        let text = match l {
            Lang::Zh => format!("{which}已超时 {span}"),
            Lang::En => format!("{which}: overdue by {span}"),
        };
        (text, "deadline overdue")
    } else {
        let text = match l {
            Lang::Zh => format!("距{which}期限 {span}"),
            Lang::En => format!("{span} to {which}"),
        };
        (text, "deadline")
    })
}

/// A list to choose one of an enum's values, in the user's words; `class` names it for tests
/// and styles (`#id` when it starts with `#`).
fn choice<T>(
    name: &'static str,
    all: &'static [T],
    chosen: RwSignal<T>,
    word: fn(T, Lang) -> &'static str,
) -> impl IntoView
where
    T: Copy + PartialEq + std::fmt::Debug + Send + Sync + 'static,
{
    let (id, class) = match name.strip_prefix('#') {
        Some(id) => (Some(id), None),
        None => (None, Some(name)),
    };
    view! {
        <select id=id class=class on:change=move |ev| {
            let v = event_target_value(&ev);
            if let Some(t) = all.iter().copied().find(|t| format!("{t:?}") == v) {
                chosen.set(t)
            }
        }>
            {all.iter().copied().map(|t| view! {
                <option value=format!("{t:?}") selected=move || chosen.get() == t>{move || word(t, lang().get())}</option>
            }).collect_view()}
        </select>
    }
}

#[component]
pub fn Complaints(open: Option<ComplaintId>) -> impl IntoView {
    let shell = shell();
    let list = crate::shell::reloading(|| backend().complaints(false));
    // The manager's (and the admin's) escalations: the complaints at their level.
    let my_role = shell
        .status
        .get_untracked()
        .and_then(|s| s.signed_in)
        .map(|u| u.role);
    let mine = RwSignal::new(false);
    view! {
        <section class="complaints" id="complaints">
            <h2>{tr(Text::Complaints)}</h2>
            <label class="check">
                <input type="checkbox" id="complaints-mine" prop:checked=move || mine.get()
                    on:change=move |ev| mine.set(event_target_checked(&ev))/>
                {tr(Text::EscalatedToMe)}
            </label>
            {move || match list.get().map(|r| r.map(|items| {
                let only_mine = mine.get();
                items
                    .into_iter()
                    .filter(|v| !only_mine || Some(v.complaint.escalation.role()) == my_role)
                    .collect::<Vec<_>>()
            })) {
                Some(Ok(items)) if items.is_empty() => view! { <p class="muted">{tr(Text::NoComplaints)}</p> }.into_any(),
                Some(Ok(items)) => view! {
                    <ul class="complaint-list">
                        {items.into_iter().map(|v| {
                            let id = v.complaint.id;
                            let l = lang().get();
                            let (left, class) = countdown(&v, l).unwrap_or_default();
                            view! {
                                <li class="complaint" data-complaint=v.complaint.number.clone()>
                                    <button class="complaint-open" on:click=move |_| shell.go(Screen::Complaints(Some(id)))>
                                        <strong>{v.complaint.number.clone()}</strong>
                                        " · "<span class="complaint-severity">{severity_word(v.complaint.severity, l)}</span>
                                        " · "<span class="complaint-status">{status_word(v.complaint.status, l)}</span>
                                        " · "<span class="complaint-level">{level_word(v.complaint.escalation, l)}</span>
                                        <span class=class>{left}</span>
                                        <span class="muted">{v.complaint.summary.clone()}</span>
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                None => view! { <p class="muted">"…"</p> }.into_any(),
            }}
            {open.map(|id| view! { <ComplaintPanel id=id/> })}
        </section>
    }
}

#[component]
fn ComplaintPanel(id: ComplaintId) -> impl IntoView {
    let one = crate::shell::reloading(move || backend().complaint(id));
    move || match one.get() {
        Some(Ok(v)) => view! { <ComplaintPage view=v/> }.into_any(),
        Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
        None => view! { <p class="muted">"…"</p> }.into_any(),
    }
}

#[component]
fn ComplaintPage(view: ComplaintView) -> impl IntoView {
    let l = lang().get_untracked();
    let c = view.complaint.clone();
    let (left, class) = countdown(&view, l).unwrap_or_default();
    // Linking a further job needs a picker of its own (next); assigning is "take it" here: to
    // someone else needs the list of logins, which only administrators may read.
    let me = shell()
        .status
        .get_untracked()
        .and_then(|s| s.signed_in)
        .map(|u| u.id);
    let actions: Vec<ComplaintActionKind> = view
        .available_actions
        .iter()
        .copied()
        .filter(|a| match a {
            ComplaintActionKind::LinkWorkOrder => false,
            ComplaintActionKind::Assign => me.is_some() && c.owner != me,
            _ => true,
        })
        .collect();
    view! {
        <article class="card complaint-page" id="complaint" data-complaint=c.number.clone()
            data-status=c.status.as_str()>
            <h3>{c.number.clone()}" · "{severity_word(c.severity, l)}</h3>
            <p class="complaint-state">
                <span class="complaint-status">{status_word(c.status, l)}</span>
                " · "<span class="complaint-level">{level_word(c.escalation, l)}</span>
                " "<span class=class>{left}</span>
            </p>
            <p>{c.summary.clone()}</p>
            <dl>
                <dt>{tr(Text::AcknowledgeBy)}</dt><dd>{format::time(c.deadlines.acknowledge_by)}</dd>
                <dt>{tr(Text::ResolveBy)}</dt><dd>{format::time(c.deadlines.resolve_by)}</dd>
                {c.root_cause.map(|r| view! { <dt>{tr(Text::RootCause)}</dt><dd class="complaint-cause">{cause_word(r, l)}</dd> })}
                {c.resolution.clone().map(|r| view! { <dt>{tr(Text::ComplaintResolution)}</dt><dd>{r}</dd> })}
            </dl>
            {(!c.work_orders.is_empty()).then(|| view! { <LinkedJobs jobs=c.work_orders.clone()/> })}
            <ol class="complaint-history">
                {c.history.iter().map(|s| view! {
                    <li data-action=format!("{:?}", s.action)>
                        {format::time(s.at)}" · "{s.by_name.clone()}" · "{action_word(s.action, l)}
                        {s.note.clone().map(|n| view! { <span class="muted">" — "{n}</span> })}
                    </li>
                }).collect_view()}
            </ol>
            <ComplaintSteps id=c.id actions=actions me=me/>
        </article>
    }
}

/// The jobs the complaint is about, each with where it stands and what the customer answered
/// in its survey (a complaint a survey raised shows the answer that raised it).
#[component]
fn LinkedJobs(jobs: Vec<WorkOrderId>) -> impl IntoView {
    let lines = RwSignal::new(Vec::new());
    spawn_local(async move {
        let mut found = Vec::new();
        for id in jobs {
            let Ok(job) = backend().job(id).await else {
                continue;
            };
            let survey = backend().survey(id).await.ok();
            found.push((job.job.work_order, survey));
        }
        lines.try_set(found);
    });
    let lang = lang();
    view! {
        <section class="complaint-jobs" id="complaint-jobs">
            <h4>{tr(Text::WorkOrders)}</h4>
            <ul>
                {move || lines.get().into_iter().map(|(wo, survey)| view! {
                    <li class="complaint-job" data-number=wo.number.clone()>
                        <strong>{wo.number.clone()}</strong>" · "{move || format::status(wo.status, lang.get())}
                        {survey.map(|s| {
                            let a = s.answer;
                            view! {
                                " · "{tr(Text::SurveyTitle)}": "{format!("{}/5 · {}/10 · {}/7", a.csat, a.nps, a.effort)}
                                " · "{if a.fixed { tr(Text::SurveyFixed) } else { tr(Text::SurveyNotFixed) }}
                                {a.comment.map(|c| view! { " · “"{c}"”" })}
                            }
                        })}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// The fields an action needs, shown once its button is pressed.
#[component]
fn ComplaintSteps(
    id: ComplaintId,
    actions: Vec<ComplaintActionKind>,
    me: Option<fixline_core::ids::UserId>,
) -> impl IntoView {
    let shell = shell();
    let chosen = RwSignal::new(None::<ComplaintActionKind>);
    let text = RwSignal::new(String::new());
    let corrective = RwSignal::new(String::new());
    let cause = RwSignal::new(RootCause::Workmanship);
    let severity = RwSignal::new(Severity::Medium);
    let accepted = RwSignal::new(true);
    let busy = RwSignal::new(false);
    let optional = move || {
        let t = text.get_untracked();
        (!t.trim().is_empty()).then_some(t)
    };
    let send = move |action: ComplaintAction| {
        busy.set(true);
        spawn_local(async move {
            match backend().complaint_step(id, action).await {
                Ok(_) => {
                    let _ = chosen.try_set(None);
                    let _ = text.try_set(String::new());
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
            let _ = busy.try_set(false);
        });
    };
    let submit = move |_| {
        use ComplaintActionKind as K;
        let Some(kind) = chosen.get_untracked() else {
            return;
        };
        let action = match kind {
            K::Acknowledge => ComplaintAction::Acknowledge { note: optional() },
            K::Investigate => ComplaintAction::Investigate,
            K::Resolve => ComplaintAction::Resolve {
                root_cause: cause.get_untracked(),
                resolution: text.get_untracked(),
                corrective_action: {
                    let c = corrective.get_untracked();
                    (!c.trim().is_empty()).then_some(c)
                },
            },
            K::RecordVerdict => ComplaintAction::RecordVerdict {
                accepted: accepted.get_untracked(),
                comment: optional(),
            },
            K::Close => ComplaintAction::Close { note: optional() },
            K::Reopen => ComplaintAction::Reopen {
                reason: text.get_untracked(),
            },
            K::Escalate => ComplaintAction::Escalate {
                reason: text.get_untracked(),
                breach: None,
            },
            K::ChangeSeverity => ComplaintAction::ChangeSeverity {
                severity: severity.get_untracked(),
            },
            K::AddNote => ComplaintAction::AddNote {
                text: text.get_untracked(),
            },
            K::Assign | K::LinkWorkOrder => return,
        };
        send(action);
    };
    // "Take it": assigning goes to the signed-in handler at once, with nothing to fill in.
    let choose = move |a: ComplaintActionKind| match (a, me) {
        (ComplaintActionKind::Assign, Some(owner)) => send(ComplaintAction::Assign { owner }),
        _ => chosen.set(Some(a)),
    };
    view! {
        <div class="row complaint-actions">
            {actions.into_iter().map(|a| view! {
                <button class="complaint-action" data-action=format!("{a:?}")
                    aria-pressed=move || (chosen.get() == Some(a)).to_string()
                    on:click=move |_| choose(a)>
                    {move || match a {
                        ComplaintActionKind::Assign => pick(lang().get(), "我来处理", "Take it"),
                        _ => action_word(a, lang().get()),
                    }}
                </button>
            }).collect_view()}
        </div>
        {move || chosen.get().map(|kind| {
            use ComplaintActionKind as K;
            let l = lang().get();
            let label = match kind {
                K::Resolve => tr(Text::ComplaintResolution)().to_owned(),
                K::Reopen | K::Escalate => tr(Text::Reason)().to_owned(),
                K::RecordVerdict => pick(l, "客户原话", "The customer's words").to_owned(),
                _ => pick(l, "备注", "Note").to_owned(),
            };
            view! {
                <div class="complaint-form" data-action=format!("{kind:?}")>
                    {(kind == K::Resolve).then(|| view! {
                        <label>{tr(Text::RootCause)}
                            {choice("complaint-cause-pick", &RootCause::ALL, cause, cause_word)}
                        </label>
                    })}
                    {(kind == K::ChangeSeverity).then(|| view! {
                        <label>{tr(Text::Severity)}
                            {choice("complaint-severity-pick", &Severity::ALL, severity, severity_word)}
                        </label>
                    })}
                    {(kind == K::RecordVerdict).then(|| view! {
                        <label class="check">
                            <input type="checkbox" class="complaint-accepted" prop:checked=move || accepted.get()
                                on:change=move |ev| accepted.set(event_target_checked(&ev))/>
                            {pick(l, "客户接受处理结果", "The customer accepts the resolution")}
                        </label>
                    })}
                    {(kind != K::Investigate && kind != K::ChangeSeverity).then(|| view! {
                        <label>{label}
                            <textarea class="complaint-text" bind:value=text></textarea>
                        </label>
                    })}
                    {(kind == K::Resolve).then(|| view! {
                        <label>{tr(Text::CorrectiveAction)}
                            <textarea class="complaint-corrective" bind:value=corrective></textarea>
                        </label>
                    })}
                    <button class="primary complaint-submit" disabled=move || busy.get() on:click=submit>
                        {move || action_word(kind, lang().get())}
                    </button>
                </div>
            }
        })}
    }
}

/// "File a complaint" on the customer's page: the desk takes the call, picks the job it is
/// about, and the complaint goes to the handlers' inbox with its deadlines running.
#[component]
pub fn FileComplaint(customer: CustomerId, jobs: Vec<(WorkOrderId, String)>) -> impl IntoView {
    let shell = shell();
    let open = RwSignal::new(false);
    let channel = RwSignal::new(ComplaintChannel::Phone);
    let severity = RwSignal::new(Severity::Medium);
    let category = RwSignal::new(String::new());
    let summary = RwSignal::new(String::new());
    let job = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let work_orders = job
            .get_untracked()
            .parse::<WorkOrderId>()
            .ok()
            .into_iter()
            .collect();
        let request = ComplaintRequest {
            customer_id: customer,
            work_orders,
            channel: channel.get_untracked(),
            category: category.get_untracked(),
            severity: severity.get_untracked(),
            summary: summary.get_untracked(),
        };
        busy.set(true);
        spawn_local(async move {
            match backend().file_complaint(request).await {
                Ok(v) => {
                    let _ = open.try_set(false);
                    let _ = summary.try_set(String::new());
                    let text = match lang().get_untracked() {
                        Lang::Zh => format!("已登记投诉 {}", v.complaint.number),
                        Lang::En => format!("Complaint {} filed", v.complaint.number),
                    };
                    shell.tell(text);
                }
                Err(e) => shell.fail(&e),
            }
            let _ = busy.try_set(false);
        });
    };
    view! {
        <section class="file-complaint">
            <button id="complaint-new" on:click=move |_| open.update(|o| *o = !*o)>{tr(Text::FileComplaint)}</button>
            <Show when=move || open.get()>
                <form class="form-grid" id="complaint-form" on:submit=submit>
                    <label>{tr(Text::Channel)}
                        {choice("#complaint-channel", &ComplaintChannel::ALL, channel, channel_word)}
                    </label>
                    <label>{tr(Text::Severity)}
                        {choice("#complaint-severity", &Severity::ALL, severity, severity_word)}
                    </label>
                    <label>{tr(Text::ComplaintCategory)}<input id="complaint-category" bind:value=category required/></label>
                    <label>{tr(Text::RelatedJob)}
                        <select id="complaint-job" on:change=move |ev| job.set(event_target_value(&ev))>
                            <option value="">"—"</option>
                            {jobs.iter().map(|(id, number)| view! {
                                <option value=id.to_string()>{number.clone()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="wide">{tr(Text::CustomerWords)}<textarea id="complaint-summary" bind:value=summary required></textarea></label>
                    <button class="primary" id="complaint-file" type="submit" disabled=move || busy.get()>{tr(Text::FileComplaint)}</button>
                </form>
            </Show>
        </section>
    }
}
