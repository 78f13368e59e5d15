//! The printer screen (app only): the default printer — a Bluetooth printer found nearby, or a
//! network printer by address and port, with its profile — and the print queue, where a failed
//! or interrupted job is reprinted.

use fixline_core::device::{FoundPrinter, PrintJob, PrintState, PrinterAddress, PrinterChoice};
use fixline_core::ids::WorkOrderId;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{UiError, backend, sleep};
use crate::format;
use crate::i18n::{Lang, Text, lang, tr};
use crate::shell::shell;

/// A network printer's profile until the engineer picks another.
const NETWORK_PROFILE: &str = "80mm-network";

fn state_text(job: &PrintJob, lang: Lang) -> &'static str {
    match job.state {
        PrintState::Queued => Text::Queued.in_lang(lang),
        PrintState::Sending => Text::Sending.in_lang(lang),
        PrintState::Printed => Text::Printed.in_lang(lang),
        PrintState::Failed => Text::PrintFailed.in_lang(lang),
        PrintState::Interrupted => Text::MayBeIncomplete.in_lang(lang),
    }
}

/// Whether a job of `work_order` is still queued or going to the printer.
pub(crate) fn under_way(jobs: &[PrintJob], work_order: WorkOrderId) -> Option<&PrintJob> {
    jobs.iter().find(|j| {
        j.work_order == work_order && matches!(j.state, PrintState::Queued | PrintState::Sending)
    })
}

/// Runs a print command and, while it is under way (a Bluetooth job takes tens of seconds),
/// refreshes `jobs` every second so the queue shows how far the printer has got.
pub(crate) async fn while_printing(
    jobs: RwSignal<Vec<PrintJob>>,
    command: impl std::future::Future<Output = Result<Vec<PrintJob>, UiError>>,
) -> Result<Vec<PrintJob>, UiError> {
    let done = std::rc::Rc::new(std::cell::Cell::new(false));
    let watching = done.clone();
    spawn_local(async move {
        while !watching.get() {
            sleep(1000).await;
            if let Ok(list) = backend().print_jobs().await {
                // The command's own answer is newer than a poll that lands after it; a screen
                // left meanwhile has no list to update.
                if !watching.get() && jobs.try_set(list).is_some() {
                    return;
                }
            }
        }
    });
    let answer = command.await;
    done.set(true);
    if let Ok(list) = &answer {
        let _ = jobs.try_set(list.clone());
    }
    answer
}

/// Loads the queue into `jobs`, and keeps it fresh while `work_order` has a job under way: a
/// screen drawn while a print runs shows its progress too.
pub(crate) fn follow_queue(jobs: RwSignal<Vec<PrintJob>>, work_order: WorkOrderId) {
    spawn_local(async move {
        while let Ok(list) = backend().print_jobs().await {
            let going = under_way(&list, work_order).is_some();
            if jobs.try_set(list).is_some() || !going {
                return;
            }
            sleep(1000).await;
        }
    });
}

/// The printer profiles to choose from, `chosen()` selected.
fn profile_options(
    names: Vec<String>,
    chosen: impl Fn() -> String + Clone + Send + Sync + 'static,
) -> impl IntoView {
    names
        .into_iter()
        .map(|name| {
            let (value, label, chosen) = (name.clone(), name.clone(), chosen.clone());
            view! { <option value=name selected=move || chosen() == value>{label}</option> }
        })
        .collect_view()
}

/// Where a printer is, in a few words.
fn address_text(address: &PrinterAddress) -> String {
    match address {
        PrinterAddress::Tcp { host, port } => format!("{host}:{port}"),
        PrinterAddress::File { path } => path.clone(),
        PrinterAddress::Ble { device, .. } => format!("Bluetooth LE {device}"),
        PrinterAddress::Spp { device } => format!("Bluetooth {device}"),
    }
}

#[component]
pub fn Printer() -> impl IntoView {
    let shell = shell();
    let name = RwSignal::new(String::new());
    let host = RwSignal::new(String::new());
    let port = RwSignal::new("9100".to_owned());
    let profile = RwSignal::new(NETWORK_PROFILE.to_owned());
    let profiles = RwSignal::new(vec![NETWORK_PROFILE.to_owned()]);
    let jobs = RwSignal::new(Vec::<PrintJob>::new());
    let current = RwSignal::new(None::<PrinterChoice>);
    let found = RwSignal::new(None::<Vec<FoundPrinter>>);
    let searching = RwSignal::new(false);
    spawn_local(async move {
        if let Ok(Some(p)) = backend().printer().await {
            current.set(Some(p.clone()));
            name.set(p.name);
            profile.set(p.profile);
            if let PrinterAddress::Tcp { host: h, port: n } = p.address {
                host.set(h);
                port.set(n.to_string());
            }
        }
        if let Ok(list) = backend().print_jobs().await {
            jobs.set(list);
        }
        if let Ok(list) = backend().printer_profiles().await {
            profiles.set(list);
        }
    });
    let choose = move |choice: PrinterChoice| {
        spawn_local(async move {
            match backend().set_printer(choice.clone()).await {
                Ok(()) => {
                    current.set(Some(choice));
                    shell.tell(Text::SavePrinter.in_lang(lang().get_untracked()));
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    let find = move |_| {
        searching.set(true);
        spawn_local(async move {
            match backend().find_printers().await {
                Ok(list) => found.set(Some(list)),
                Err(e) => shell.fail(&e),
            }
            searching.set(false);
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(port_number) = port.get().trim().parse::<u16>() else {
            return shell.fail(&crate::backend::UiError::new(
                "invalid_input",
                Text::PrinterPort.in_lang(lang().get_untracked()),
            ));
        };
        let choice = PrinterChoice {
            name: name.get().trim().to_owned(),
            address: PrinterAddress::Tcp {
                host: host.get().trim().to_owned(),
                port: port_number,
            },
            profile: profile.get(),
        };
        choose(choice);
    };
    let reprint = move |id: String| {
        spawn_local(async move {
            if let Err(e) = while_printing(jobs, backend().reprint(id)).await {
                shell.fail(&e);
            }
        });
    };
    view! {
        <section class="printer">
            <h1>{tr(Text::Printer)}</h1>
            <p id="current-printer">{tr(Text::CurrentPrinter)}": "
                {move || current.get().map(|p| format!("{} · {} · {}", p.name, address_text(&p.address), p.profile))}
            </p>
            // A printer found over Bluetooth comes with a guess at its profile (58 mm, ASCII
            // text); its paper width and font are changed here.
            {move || current.get().map(|printer| {
                let chosen = printer.profile.clone();
                view! {
                    <label>{tr(Text::PrinterProfile)}
                        <select id="current-profile" on:change=move |ev| {
                            choose(PrinterChoice { profile: event_target_value(&ev), ..printer.clone() })
                        }>
                            {profile_options(profiles.get(), move || chosen.clone())}
                        </select>
                    </label>
                }
            })}
            <article class="card" id="bluetooth-printers">
                <button id="find-printers" class="big" disabled=move || searching.get() on:click=find>
                    {move || if searching.get() { tr(Text::Searching)() } else { tr(Text::FindPrinters)() }}
                </button>
                {move || found.get().map(|list| {
                    if list.is_empty() {
                        return view! { <p class="muted">{tr(Text::NoPrintersFound)}</p> }.into_any();
                    }
                    view! {
                        <ul class="receipt-list">
                            {list.into_iter().map(|p| {
                                let choice = PrinterChoice { name: p.name.clone(), address: p.address.clone(), profile: p.profile.clone() };
                                let paired = RwSignal::new(p.paired);
                                // A Classic printer pairs with the PIN from its manual first.
                                let classic = match &p.address {
                                    PrinterAddress::Spp { device } => Some(device.clone()),
                                    _ => None,
                                };
                                let pin = RwSignal::new("0000".to_owned());
                                let pairing = RwSignal::new(false);
                                view! {
                                    <li class="found-printer">
                                        <strong>{p.name.clone()}</strong>" · "{address_text(&p.address)}
                                        {move || paired.get().then(|| view! { " · "{tr(Text::Paired)} })}
                                        {p.rssi.map(|r| format!(" · {r} dBm"))}
                                        {classic.map(|device| view! {
                                            <span class="pairing" hidden=move || paired.get()>
                                                <label>{tr(Text::PrinterPin)}<input class="printer-pin" inputmode="numeric" bind:value=pin/></label>
                                                <button class="pair-printer" disabled=move || pairing.get() on:click=move |_| {
                                                    let device = device.clone();
                                                    pairing.set(true);
                                                    spawn_local(async move {
                                                        match backend().pair_printer(device, pin.get_untracked()).await {
                                                            Ok(()) => paired.set(true),
                                                            Err(e) => shell.fail(&e),
                                                        }
                                                        pairing.set(false);
                                                    });
                                                }>{tr(Text::Pair)}</button>
                                            </span>
                                        })}
                                        <button class="use-printer" on:click=move |_| choose(choice.clone())>{tr(Text::UsePrinter)}</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </article>
            <form class="card" id="printer-form" on:submit=save>
                <h2>{tr(Text::NetworkPrinter)}</h2>
                <label>{tr(Text::PrinterName)}<input id="printer-name" bind:value=name required/></label>
                <div class="row">
                    <label>{tr(Text::PrinterHost)}<input id="printer-host" bind:value=host required/></label>
                    <label>{tr(Text::PrinterPort)}<input id="printer-port" inputmode="numeric" bind:value=port required/></label>
                </div>
                <label>{tr(Text::PrinterProfile)}
                    <select id="printer-profile" on:change=move |ev| profile.set(event_target_value(&ev))>
                        {move || profile_options(profiles.get(), move || profile.get())}
                    </select>
                </label>
                <div class="row">
                    <button id="save-printer" class="primary big" type="submit">{tr(Text::SavePrinter)}</button>
                    <button id="print-test-page" class="big" type="button" on:click=move |_| {
                        spawn_local(async move {
                            if let Err(e) = while_printing(jobs, backend().print_test_page()).await {
                                shell.fail(&e);
                            }
                        });
                    }>{tr(Text::TestPage)}</button>
                </div>
            </form>
            <article class="card">
                <h2>{tr(Text::PrintQueue)}</h2>
                <ul id="print-queue" class="receipt-list">
                    {move || jobs.get().into_iter().map(|job| {
                        let id = job.id.clone();
                        let state = match job.state {
                            PrintState::Printed => "printed",
                            PrintState::Failed => "failed",
                            PrintState::Interrupted => "interrupted",
                            PrintState::Sending => "sending",
                            PrintState::Queued => "queued",
                        };
                        let again = matches!(job.state, PrintState::Failed | PrintState::Interrupted | PrintState::Printed);
                        let label = job.clone();
                        view! {
                            <li class="receipt" data-state=state data-job=job.id.clone()>
                                <strong>{move || state_text(&label, lang().get())}</strong>" · "{job.printer.clone()}" · "
                                {format::time(job.updated_at)}" · "{job.sent}"/"{job.total}" B"
                                {job.error.clone().map(|e| view! { <br/><span class="muted">{e}</span> })}
                                {again.then(|| view! {
                                    <button class="reprint big" on:click=move |_| reprint(id.clone())>{tr(Text::Reprint)}</button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </article>
        </section>
    }
}
