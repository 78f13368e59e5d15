//! The customer file at the desk: find a customer by what a caller says, then one page with
//! their details and contract tier, contacts to call, sites (on a map, with map links, and
//! placed by hand on the map where the address could not be found), machines with their warranty, and every
//! work order, newest first, each opening in the side panel. Details, sites and contacts are
//! edited here; an edit made on a stale copy is refused, not merged blindly.

use fixline_core::customer::{ContractTier, CustomerDetails, CustomerFile, Site, SiteDetails};
use fixline_core::ids::{CustomerId, WorkOrderId};
use fixline_core::notify::QuietHours;
use fixline_core::position::Position;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::orders::OrderPanel;
use crate::backend::{UiError, backend};
use crate::components::site_map::SiteMap;
use crate::format;
use crate::i18n::{Text, lang, tr};
use crate::shell::shell;

#[component]
pub fn Customers(open: Option<CustomerId>) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Result<Vec<fixline_core::customer::Customer>, UiError>>);
    let open = RwSignal::new(open);
    // The open customer is in the address: a reload or a shared link opens the file again.
    Effect::new(move |_| {
        crate::routes::record(&crate::routes::Screen::Customers(open.get()), false)
    });
    let find = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = search.get_untracked();
        spawn_local(async move { found.set(Some(backend().customers(q).await)) });
    };
    view! {
        <section class="customers">
            <h1>{tr(Text::Customers)}</h1>
            <form class="row" on:submit=find>
                <label class="grow"><span class="sr-only">{tr(Text::FindCaller)}</span>
                    <input id="customer-search" type="search" placeholder=tr(Text::FindCaller) bind:value=search/>
                </label>
                <button id="customer-find" type="submit">{tr(Text::Find)}</button>
            </form>
            {move || match found.get() {
                None => None,
                Some(Err(e)) => Some(view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any()),
                Some(Ok(list)) if list.is_empty() => Some(view! { <p class="muted">{tr(Text::NoMatch)}</p> }.into_any()),
                Some(Ok(list)) => Some(view! {
                    <ul class="call-matches">
                        {list.into_iter().map(|c| {
                            let id = c.id;
                            view! {
                                <li><button class="call-match customer-open" data-customer=id.to_string()
                                    class:selected=move || open.get() == Some(id)
                                    on:click=move |_| open.set(Some(id))>
                                    <strong>{c.details.name.clone()}</strong>" · "{c.details.phone.clone().unwrap_or_default()}
                                </button></li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()),
            }}
            {move || open.get().map(|id| view! { <File id=id/> })}
        </section>
    }
}

pub(super) fn tier_text(t: ContractTier) -> Text {
    match t {
        ContractTier::Premium => Text::TierPremium,
        ContractTier::Standard => Text::TierStandard,
        ContractTier::Basic => Text::TierBasic,
    }
}

/// One customer's file; reloads after every change.
#[component]
fn File(id: CustomerId) -> impl IntoView {
    let file = crate::shell::reloading(move || backend().customer_file(id));
    let job = RwSignal::new(None::<WorkOrderId>);
    move || {
        match file.get() {
        None => view! { <p class="muted">"…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
        Some(Ok(f)) => view! {
            <article class="card customer-file" id="customer-file" data-customer=id.to_string()>
                <Details file=f.clone()/>
                <h2>{tr(Text::Contacts)}</h2>
                <super::file_records::Contacts file=f.clone()/>
                <h2>{tr(Text::Sites)}</h2>
                {
                    let placed: Vec<_> = f.sites.iter()
                        .filter_map(|s| Some((s.details.name.clone(), s.details.position?)))
                        .collect();
                    (!placed.is_empty()).then(|| view! { <SiteMap sites=placed/> })
                }
                {f.sites.iter().map(|s| view! { <SiteCard site=s.clone()/> }).collect_view()}
                <h2>{tr(Text::Assets)}</h2>
                <super::file_records::Assets file=f.clone()/>
                <h2>{tr(Text::WorkOrders)}</h2>
                <ul class="timeline" id="customer-jobs">
                    {f.work_orders.iter().map(|w| {
                        let wid = w.id;
                        let status = w.status;
                        view! {
                            <li>
                                <button class="link customer-job" data-number=w.number.clone() on:click=move |_| job.set(Some(wid))>{w.number.clone()}</button>
                                " "{format::time(w.created_at)}" · "{move || format::status(status, lang().get())}" · "{w.symptom.clone()}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <super::complaints::FileComplaint customer=id
                    jobs=f.work_orders.iter().map(|w| (w.id, w.number.clone())).collect()/>
                <super::file_history::FileHistory file=f.clone()/>
            </article>
            {move || job.get().map(|wid| view! { <OrderPanel id=wid close=move || job.set(None)/> })}
        }.into_any(),
    }
    }
}

/// The customer's own details, shown and (on "edit") changed at the version shown.
#[component]
fn Details(file: CustomerFile) -> impl IntoView {
    let shell = shell();
    let c = file.customer.clone();
    let editing = RwSignal::new(false);
    let name = RwSignal::new(c.details.name.clone());
    let phone = RwSignal::new(c.details.phone.clone().unwrap_or_default());
    let tier = RwSignal::new(c.details.tier);
    let hhmm = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
    let quiet_from = RwSignal::new(
        c.details
            .quiet_hours
            .map(|q| hhmm(q.start))
            .unwrap_or_default(),
    );
    let quiet_until = RwSignal::new(
        c.details
            .quiet_hours
            .map(|q| hhmm(q.end))
            .unwrap_or_default(),
    );
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let time = |s: &str| chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M").ok();
        let quiet_hours = match (quiet_from.get_untracked(), quiet_until.get_untracked()) {
            (from, until) if from.trim().is_empty() && until.trim().is_empty() => None,
            (from, until) => match (time(&from), time(&until)) {
                (Some(start), Some(end)) => Some(QuietHours { start, end }),
                _ => {
                    let text = Text::QuietHoursInvalid.in_lang(lang().get_untracked());
                    return shell.fail(&UiError::new("invalid_input", text));
                }
            },
        };
        let details = CustomerDetails {
            name: name.get_untracked(),
            phone: Some(phone.get_untracked()).filter(|p| !p.trim().is_empty()),
            tier: tier.get_untracked(),
            quiet_hours,
            ..c.details.clone()
        };
        let (id, version) = (c.id, c.version);
        spawn_local(async move {
            match backend().update_customer(id, version, details).await {
                Ok(_) => {
                    editing.set(false);
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    let shown = file.customer.clone();
    view! {
        <header class="row">
            <h2 id="customer-name">{shown.details.name.clone()}</h2>
            <span class="badge">{tr(tier_text(shown.details.tier))}</span>
            {shown.details.phone.clone().map(super::file_records::tel)}
            {shown.details.quiet_hours.map(|q| view! {
                <span class="badge" id="customer-quiet">{tr(Text::QuietHoursShown)}" "{hhmm(q.start)}"–"{hhmm(q.end)}</span>
            })}
            <button id="customer-edit" on:click=move |_| editing.set(true)>{tr(Text::Edit)}</button>
        </header>
        {move || {
            let save = save.clone();
            editing.get().then(move || view! {
            <form class="form-grid" id="customer-form" on:submit=save>
                <label>{tr(Text::CallerName)}<input id="customer-name-input" bind:value=name required/></label>
                <label>{tr(Text::Phone)}<input id="customer-phone" type="tel" bind:value=phone/></label>
                <label>{tr(Text::Tier)}
                    <select id="customer-tier" on:change=move |ev| tier.set(match event_target_value(&ev).as_str() {
                        "premium" => ContractTier::Premium,
                        "basic" => ContractTier::Basic,
                        _ => ContractTier::Standard,
                    })>
                        {[ContractTier::Premium, ContractTier::Standard, ContractTier::Basic].map(|t| {
                            let value = match t { ContractTier::Premium => "premium", ContractTier::Standard => "standard", ContractTier::Basic => "basic" };
                            view! { <option value=value selected=tier.get_untracked() == t>{tr(tier_text(t))}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>{tr(Text::QuietFrom)}<input id="customer-quiet-from" type="time" bind:value=quiet_from/></label>
                <label>{tr(Text::QuietUntil)}<input id="customer-quiet-until" type="time" bind:value=quiet_until/></label>
                <div class="row">
                    <button class="primary" id="customer-save" type="submit">{tr(Text::Save)}</button>
                    <button type="button" on:click=move |_| editing.set(false)>{tr(Text::Cancel)}</button>
                </div>
            </form>
            })
        }}
    }
}

/// A site: where it is, how to get in, a map link; edited at the version shown. A site the
/// address search could not place is placed by a click on the map (or its position typed).
#[component]
fn SiteCard(site: Site) -> impl IntoView {
    let shell = shell();
    let d = site.details.clone();
    let editing = RwSignal::new(false);
    let (name, address, city, region) = (
        RwSignal::new(d.name.clone()),
        RwSignal::new(d.address.clone()),
        RwSignal::new(d.city.clone()),
        RwSignal::new(d.region.clone()),
    );
    let notes = RwSignal::new(d.access_notes.clone().unwrap_or_default());
    let (lat, lon) = (
        RwSignal::new(d.position.map(|p| p.lat.to_string()).unwrap_or_default()),
        RwSignal::new(d.position.map(|p| p.lon.to_string()).unwrap_or_default()),
    );
    let (id, version) = (site.id, site.version);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = lang().get_untracked();
        let position = match (lat.get_untracked().trim(), lon.get_untracked().trim()) {
            ("", "") => None,
            (a, o) => match (a.parse::<f64>(), o.parse::<f64>()) {
                (Ok(a), Ok(o)) => match Position::new(a, o) {
                    Ok(p) => Some(p),
                    Err(e) => return shell.fail(&UiError::new("invalid_input", e.to_string())),
                },
                _ => {
                    return shell.fail(&UiError::new(
                        "invalid_input",
                        Text::PositionInvalid.in_lang(l),
                    ));
                }
            },
        };
        let details = SiteDetails {
            name: name.get_untracked(),
            address: address.get_untracked(),
            city: city.get_untracked(),
            region: region.get_untracked(),
            position,
            access_notes: Some(notes.get_untracked()).filter(|n| !n.trim().is_empty()),
        };
        spawn_local(async move {
            match backend().update_site(id, version, details).await {
                Ok(_) => {
                    editing.set(false);
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    let links = d.position.map(|p| {
        (
            fixline_core::map_link::amap(p, &d.name),
            fixline_core::map_link::baidu(p, &d.name),
        )
    });
    view! {
        <div class="site" data-site=id.to_string()>
            <p><strong>{d.name.clone()}</strong>" · "<span class="site-address">{d.address.clone()}</span>" · "{d.city.clone()}" "{d.region.clone()}</p>
            {d.access_notes.clone().map(|n| view! { <p class="muted">{n}</p> })}
            <div class="row">
                {match links {
                    Some((amap, baidu)) => view! {
                        <a class="map" href=amap target="_blank" rel="noopener">{tr(Text::OpenMap)}" (高德)"</a>
                        <a class="map" href=baidu target="_blank" rel="noopener">{tr(Text::OpenMap)}" (百度)"</a>
                    }.into_any(),
                    None => view! {
                        <span class="warn no-position">{tr(Text::SiteUnplaced)}</span>
                        <button class="site-locate" on:click=move |_| {
                            spawn_local(async move {
                                match backend().locate_site(id).await {
                                    Ok(_) => shell.changed(),
                                    Err(e) => shell.fail(&e),
                                }
                            });
                        }>{tr(Text::Locate)}</button>
                    }.into_any(),
                }}
                <button class="site-edit" on:click=move |_| editing.set(true)>{tr(Text::Edit)}</button>
            </div>
            {move || editing.get().then(|| view! {
                <form class="form-grid site-form" on:submit=save>
                    <label>{tr(Text::SiteName)}<input class="site-name" bind:value=name required/></label>
                    <label>{tr(Text::Address)}<input class="site-address-input" bind:value=address required/></label>
                    <label>{tr(Text::City)}<input class="site-city" bind:value=city required/></label>
                    <label>{tr(Text::Region)}<input class="site-region" bind:value=region required/></label>
                    <label>{tr(Text::Latitude)}<input class="site-lat" inputmode="decimal" bind:value=lat/></label>
                    <label>{tr(Text::Longitude)}<input class="site-lon" inputmode="decimal" bind:value=lon/></label>
                    <label>{tr(Text::AccessNotes)}<input class="site-notes" bind:value=notes/></label>
                    <SiteMap sites=d.position.map(|p| (d.name.clone(), p)).into_iter().collect() pick=(lat, lon)/>
                    <div class="row">
                        <button class="primary site-save" type="submit">{tr(Text::Save)}</button>
                        <button type="button" on:click=move |_| editing.set(false)>{tr(Text::Cancel)}</button>
                    </div>
                </form>
            })}
        </div>
    }
}
