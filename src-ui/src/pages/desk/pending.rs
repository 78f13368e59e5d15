//! Requests held for the desk: from the public web form or a partner's API, they matched a
//! customer on file, so nothing was filed yet. The desk compares what the caller wrote with the
//! customer it matched, then files it to one of that customer's sites, to a new customer, or
//! turns it down.

use fixline_core::customer::CustomerFile;
use fixline_core::intake::{Filing, PendingIntake};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{UiError, backend};
use crate::format;
use crate::i18n::{Text, tr};
use crate::shell::shell;

#[component]
pub fn PendingIntakes() -> impl IntoView {
    let list = crate::shell::reloading(|| backend().pending_intakes());
    move || match list.get() {
        Some(Ok(items)) if !items.is_empty() => Some(
            view! {
                <section class="card pending" id="pending-intakes">
                    <h2>{tr(Text::HeldRequests)}" ("{items.len()}")"</h2>
                    <p class="muted">{tr(Text::HeldExplained)}</p>
                    {items.into_iter().map(|p| view! { <Held pending=p/> }).collect_view()}
                </section>
            }
            .into_any(),
        ),
        Some(Err(e)) => {
            Some(view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any())
        }
        _ => None,
    }
}

#[component]
fn Held(pending: PendingIntake) -> impl IntoView {
    let shell = shell();
    let id = pending.id;
    let file = RwSignal::new(None::<CustomerFile>);
    let customer = pending.matched_customer;
    spawn_local(async move {
        if let Ok(f) = backend().customer_file(customer).await {
            file.set(Some(f));
        }
    });
    let site = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let asset = pending.matched_asset;
    let send = move |filing: Filing| {
        busy.set(true);
        spawn_local(async move {
            match backend().file_pending(id, filing).await {
                Ok(_) => shell.changed(),
                Err(e) => shell.fail(&e),
            }
            busy.set(false);
        });
    };
    let to_customer = move |_| {
        let chosen = site.get_untracked();
        let Some(site_id) = file.with_untracked(|f| {
            let f = f.as_ref()?;
            // The asset's site when the serial matched, else the one chosen (or the only one).
            asset
                .and_then(|a| f.assets.iter().find(|x| x.id == a))
                .map(|a| a.details.site_id)
                .or_else(|| {
                    f.sites
                        .iter()
                        .find(|s| s.id.to_string() == chosen)
                        .map(|s| s.id)
                })
                .or_else(|| (f.sites.len() == 1).then(|| f.sites[0].id))
        }) else {
            return shell.fail(&UiError::new(
                "invalid_input",
                Text::ChooseSite.in_lang(crate::i18n::lang().get_untracked()),
            ));
        };
        send(Filing::Customer {
            customer_id: customer,
            site_id,
            asset_id: asset,
        });
    };
    let reject = move |_| {
        send(Filing::Reject {
            reason: reason.get_untracked(),
        })
    };
    let r = pending.request.clone();
    let caller = r.caller.clone();
    view! {
        <article class="held" data-pending=id.to_string()>
            <div class="held-compare">
                <div>
                    <h3>{tr(Text::CallerWrote)}</h3>
                    {caller.map(|c| view! {
                        <p><strong>{c.name}</strong>" · "<a href=format!("tel:{}", c.phone)>{c.phone.clone()}</a></p>
                        <p>{c.address}" · "{c.city}" "{c.region}</p>
                    })}
                    {r.serial.clone().map(|s| view! { <p>{tr(Text::Serial)}": "{s}</p> })}
                    <p class="muted">{r.symptom.clone()}</p>
                    <p class="muted">{format::time(pending.received_at)}" · "{format::channel(pending.channel, crate::i18n::lang().get_untracked())}</p>
                </div>
                <div>
                    <h3>{tr(Text::OnFile)}</h3>
                    {move || file.get().map(|f| {
                        let sites = f.sites.clone();
                        view! {
                            <p class="matched-customer"><strong>{f.customer.details.name.clone()}</strong>" · "{f.customer.details.phone.clone().unwrap_or_default()}</p>
                            <label>{tr(Text::Site)}
                                <select class="pending-site" on:change=move |ev| site.set(event_target_value(&ev))>
                                    <option value="">"—"</option>
                                    {sites.into_iter().map(|s| view! {
                                        <option value=s.id.to_string()>{s.details.name.clone()}" · "{s.details.address.clone()}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                        }
                    })}
                </div>
            </div>
            <div class="row">
                <button class="primary pending-file" disabled=move || busy.get() on:click=to_customer>{tr(Text::FileToCustomer)}</button>
                <button class="pending-new" disabled=move || busy.get() on:click=move |_| send(Filing::NewCustomer)>{tr(Text::NewCustomer)}</button>
                <label class="grow"><span class="sr-only">{tr(Text::Reason)}</span>
                    <input class="pending-reason" placeholder=tr(Text::Reason) bind:value=reason/>
                </label>
                <button class="danger pending-reject" disabled=move || busy.get() || reason.get().trim().is_empty() on:click=reject>{tr(Text::TurnDown)}</button>
            </div>
        </article>
    }
}
