//! A new request while the caller is on the line: find them by what they say (name, phone,
//! address or the serial on the machine), every match shown; pick the customer, the site and
//! the machine, or take a new caller's details (or a new site of a known customer) in the same
//! form; then the symptom, category, priority and the window they want. A known caller takes a
//! search, two clicks and the symptom.

use chrono::NaiveTime;
use fixline_core::customer::{Customer, CustomerFile, SiteDetails};
use fixline_core::intake::{Caller, DeskIntake, IntakeRequest};
use fixline_core::work_order::{IntakeChannel, Priority, TimeWindow};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{UiError, backend};
use crate::i18n::{Text, lang, tr};
use crate::shell::shell;

/// New place details typed for a new caller or a new site.
#[derive(Clone, Copy)]
struct Place {
    address: RwSignal<String>,
    city: RwSignal<String>,
    region: RwSignal<String>,
}

impl Place {
    fn new() -> Self {
        Place {
            address: RwSignal::new(String::new()),
            city: RwSignal::new(String::new()),
            region: RwSignal::new(String::new()),
        }
    }

    fn site(&self) -> SiteDetails {
        let address = self.address.get_untracked();
        SiteDetails {
            name: address.clone(),
            address,
            city: self.city.get_untracked(),
            region: self.region.get_untracked(),
            position: None,
            access_notes: None,
        }
    }
}

#[component]
fn PlaceFields(place: Place) -> impl IntoView {
    view! {
        <div class="form-grid">
            <label>{tr(Text::Address)}<input id="call-address" bind:value=place.address required/></label>
            <label>{tr(Text::City)}<input id="call-city" bind:value=place.city required/></label>
            <label>{tr(Text::Region)}<input id="call-region" bind:value=place.region required/></label>
        </div>
    }
}

#[component]
pub fn Call() -> impl IntoView {
    let shell = shell();
    let search = RwSignal::new(String::new());
    let matches = RwSignal::new(None::<Result<Vec<Customer>, UiError>>);
    let chosen = RwSignal::new(None::<CustomerFile>);
    let new_caller = RwSignal::new(false);
    let (name, phone) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let place = Place::new();
    let (site, asset) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let (symptom, category) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let priority = RwSignal::new("P3".to_owned());
    let (window_day, window_from, window_to) = (
        RwSignal::new(String::new()),
        RwSignal::new("09:00".to_owned()),
        RwSignal::new("12:00".to_owned()),
    );
    let busy = RwSignal::new(false);
    let find = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = search.get_untracked();
        if q.trim().is_empty() {
            return;
        }
        spawn_local(async move { matches.set(Some(backend().customers(q).await)) });
    };
    let pick = move |id| {
        spawn_local(async move {
            match backend().customer_file(id).await {
                Ok(file) => {
                    // One site or one machine: already chosen.
                    site.set(match file.sites.as_slice() {
                        [only] => only.id.to_string(),
                        _ => String::new(),
                    });
                    asset.set(match file.assets.as_slice() {
                        [only] => only.id.to_string(),
                        _ => String::new(),
                    });
                    new_caller.set(false);
                    chosen.set(Some(file));
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = lang().get_untracked();
        let window = match window_day.get_untracked().parse::<chrono::NaiveDate>() {
            Err(_) => None,
            Ok(day) => {
                let time = |s: RwSignal<String>| {
                    NaiveTime::parse_from_str(&s.get_untracked(), "%H:%M").ok()
                };
                match (time(window_from), time(window_to)) {
                    (Some(from), Some(to)) if from < to => {
                        let zone = crate::clock::zone();
                        Some(TimeWindow {
                            start: zone.at_day(day, from),
                            end: zone.at_day(day, to),
                        })
                    }
                    _ => {
                        return shell.fail(&UiError::new(
                            "invalid_input",
                            Text::WindowInvalid.in_lang(l),
                        ));
                    }
                }
            }
        };
        let mut request = IntakeRequest {
            serial: None,
            customer_id: None,
            site_id: None,
            asset_id: None,
            caller: None,
            category: Some(category.get_untracked()).filter(|c| !c.trim().is_empty()),
            priority: Priority::parse(&priority.get_untracked()),
            symptom: symptom.get_untracked(),
            requested_window: window,
            wechat_openid: None,
        };
        let file = chosen.get_untracked();
        let new_site = site.get_untracked() == "new";
        match &file {
            Some(f) if !new_caller.get_untracked() => {
                request.customer_id = Some(f.customer.id);
                request.site_id = f
                    .sites
                    .iter()
                    .find(|s| s.id.to_string() == site.get_untracked())
                    .map(|s| s.id);
                request.asset_id = f
                    .assets
                    .iter()
                    .find(|a| a.id.to_string() == asset.get_untracked())
                    .map(|a| a.id);
                if request.site_id.is_none() && !new_site {
                    return shell.fail(&UiError::new("invalid_input", Text::ChooseSite.in_lang(l)));
                }
            }
            _ => {
                let site = place.site();
                request.caller = Some(Caller {
                    name: name.get_untracked(),
                    phone: phone.get_untracked(),
                    address: site.address,
                    city: site.city,
                    region: site.region,
                });
            }
        }
        busy.set(true);
        spawn_local(async move {
            // A known customer's new site is added first, then the job goes there.
            if let (true, Some(f)) = (new_site, &file) {
                match backend().add_site(f.customer.id, place.site()).await {
                    Ok(s) => request.site_id = Some(s.id),
                    Err(e) => {
                        busy.set(false);
                        return shell.fail(&e);
                    }
                }
            }
            let intake = DeskIntake {
                channel: IntakeChannel::Phone,
                request,
            };
            match backend().take_call(intake).await {
                Ok(receipt) => {
                    shell.tell(format!(
                        "{} {}",
                        Text::RequestOpened.in_lang(lang().get_untracked()),
                        receipt.number.unwrap_or_default()
                    ));
                    // Ready for the next call.
                    for s in [
                        search, name, phone, symptom, category, site, asset, window_day,
                    ] {
                        s.set(String::new());
                    }
                    for s in [place.address, place.city, place.region] {
                        s.set(String::new());
                    }
                    chosen.set(None);
                    matches.set(None);
                    new_caller.set(false);
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="call">
            <h1>{tr(Text::NewRequest)}</h1>
            <form class="row" on:submit=find>
                <label class="grow"><span class="sr-only">{tr(Text::FindCaller)}</span>
                    <input id="call-search" type="search" placeholder=tr(Text::FindCaller) bind:value=search/>
                </label>
                <button id="call-find" type="submit">{tr(Text::Find)}</button>
                <button id="call-new" type="button" on:click=move |_| { chosen.set(None); new_caller.set(true); }>{tr(Text::NewCustomer)}</button>
            </form>
            {move || match matches.get() {
                None => None,
                Some(Err(e)) => Some(view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any()),
                Some(Ok(list)) if list.is_empty() => Some(view! { <p class="muted" id="call-none">{tr(Text::NoMatch)}</p> }.into_any()),
                Some(Ok(list)) => Some(view! {
                    <ul class="call-matches" id="call-matches">
                        {list.into_iter().map(|c| {
                            let id = c.id;
                            view! {
                                <li>
                                    <button class="call-match" data-customer=id.to_string()
                                        class:selected=move || chosen.with(|f| f.as_ref().is_some_and(|f| f.customer.id == id))
                                        on:click=move |_| pick(id)>
                                        <strong>{c.details.name.clone()}</strong>" · "{c.details.phone.clone().unwrap_or_default()}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()),
            }}
            <form class="card" id="call-form" on:submit=submit>
                {move || match (chosen.get(), new_caller.get()) {
                    (Some(f), false) => {
                        let sites = f.sites.clone();
                        let assets = f.assets.clone();
                        view! {
                            <h2 id="call-customer">{f.customer.details.name.clone()}" · "{f.customer.details.phone.clone().unwrap_or_default()}</h2>
                            <div class="form-grid">
                                <label>{tr(Text::Site)}
                                    <select id="call-site" required on:change=move |ev| site.set(event_target_value(&ev))>
                                        <option value="">"—"</option>
                                        {sites.into_iter().map(|s| {
                                            let value = s.id.to_string();
                                            let selected = site.get_untracked() == value;
                                            view! { <option value=value selected=selected>{s.details.name.clone()}" · "{s.details.address.clone()}</option> }
                                        }).collect_view()}
                                        <option value="new">{tr(Text::NewSite)}</option>
                                    </select>
                                </label>
                                <label>{tr(Text::Equipment)}
                                    <select id="call-asset" on:change=move |ev| asset.set(event_target_value(&ev))>
                                        <option value="">"—"</option>
                                        {assets.into_iter().map(|a| {
                                            let value = a.id.to_string();
                                            let selected = asset.get_untracked() == value;
                                            view! { <option value=value selected=selected>{a.details.model.clone()}" · "{a.details.serial.clone()}</option> }
                                        }).collect_view()}
                                    </select>
                                </label>
                            </div>
                            {move || (site.get() == "new").then(|| view! { <PlaceFields place=place/> })}
                        }.into_any()
                    }
                    (_, true) => view! {
                        <h2>{tr(Text::NewCustomer)}</h2>
                        <div class="form-grid">
                            <label>{tr(Text::CallerName)}<input id="call-name" bind:value=name required/></label>
                            <label>{tr(Text::Phone)}<input id="call-phone" type="tel" bind:value=phone required/></label>
                        </div>
                        <PlaceFields place=place/>
                    }.into_any(),
                    _ => view! { <p class="muted">{tr(Text::FindCallerFirst)}</p> }.into_any(),
                }}
                <label>{tr(Text::Symptom)}<textarea id="call-symptom" rows="3" bind:value=symptom required></textarea></label>
                <div class="form-grid">
                    <label>{tr(Text::Category)}
                        // Blank: the machine's own category.
                        <select id="call-category" on:change=move |ev| category.set(event_target_value(&ev))>
                            <option value="" selected=move || category.get().is_empty()>{tr(Text::CategoryFromMachine)}</option>
                            {crate::format::CATEGORIES.iter().map(|(key, _, _)| {
                                let key = *key;
                                view! { <option value=key selected=move || category.get() == key>{move || crate::format::category(key, lang().get())}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <label>{tr(Text::Priority)}
                        <select id="call-priority" on:change=move |ev| priority.set(event_target_value(&ev))>
                            {["P1", "P2", "P3", "P4"].map(|p| view! { <option value=p selected=p == "P3">{p}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>{tr(Text::WindowDay)}<input id="call-window-day" type="date" bind:value=window_day/></label>
                    <label>{tr(Text::WindowFrom)}<input id="call-window-from" type="time" step="900" bind:value=window_from/></label>
                    <label>{tr(Text::WindowTo)}<input id="call-window-to" type="time" step="900" bind:value=window_to/></label>
                </div>
                <button id="call-submit" class="primary big" type="submit"
                    disabled=move || busy.get() || (chosen.get().is_none() && !new_caller.get())>{tr(Text::OpenRequest)}</button>
            </form>
            <crate::pages::knowledge::PhoneAnswers symptom=symptom/>
        </section>
    }
}
