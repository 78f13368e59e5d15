//! The people and machines in a customer file: each contact (tap to call) and each asset (with
//! its warranty) is shown, changed at the version shown, or added, with one form for both.

use fixline_core::customer::{Asset, AssetDetails, Contact, ContactDetails, CustomerFile, Site};
use fixline_core::ids::CustomerId;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{Answer, UiError, backend};
use crate::format;
use crate::i18n::{Text, lang, tr};
use crate::shell::shell;

/// Sends a change of the file; on success the file reloads (and the form with it), on failure
/// the message says why and what was typed stays.
fn send<T: 'static>(answer: Answer<T>, done: impl FnOnce() + 'static) {
    let shell = shell();
    spawn_local(async move {
        match answer.await {
            Ok(_) => {
                done();
                shell.changed();
            }
            Err(e) => shell.fail(&e),
        }
    });
}

/// A `tel:` link with the number as dialled.
pub fn tel(phone: String) -> impl IntoView {
    view! { <a class="tel" href=format!("tel:{}", phone.replace(' ', ""))>{phone.clone()}</a> }
}

#[component]
pub fn Contacts(file: CustomerFile) -> impl IntoView {
    let customer = file.customer.id;
    let blank = ContactDetails {
        name: String::new(),
        title: None,
        phone: None,
        email: None,
        primary: file.contacts.is_empty(),
    };
    view! {
        <ul class="contacts">
            {file.contacts.into_iter().map(|c| view! { <ContactItem contact=c/> }).collect_view()}
        </ul>
        <ContactForm initial=blank class="row contact-form" button=Text::AddContact
            save=Callback::new(move |d| send(backend().add_contact(customer, d), || ()))/>
    }
}

#[component]
fn ContactItem(contact: Contact) -> impl IntoView {
    let editing = RwSignal::new(false);
    let (id, version) = (contact.id, contact.version);
    let d = contact.details.clone();
    view! {
        <li class="contact" data-contact=id.to_string()>
            <strong class="contact-shown">{d.name.clone()}</strong>" "{d.title.clone().unwrap_or_default()}" "
            {d.primary.then(|| view! { <span class="badge">{tr(Text::MainContact)}</span> })}" "
            {d.phone.clone().map(tel)}" "{d.email.clone().unwrap_or_default()}" "
            <button class="contact-edit" on:click=move |_| editing.set(true)>{tr(Text::Edit)}</button>
            {move || editing.get().then(|| view! {
                <ContactForm initial=contact.details.clone() class="form-grid contact-edit-form" button=Text::Save
                    save=Callback::new(move |d| send(backend().update_contact(id, version, d), move || {
                        editing.try_set(false);
                    }))
                    cancel=Callback::new(move |()| editing.set(false))/>
            })}
        </li>
    }
}

/// A contact's fields; `save` gets them as typed (the server checks them).
#[component]
fn ContactForm(
    initial: ContactDetails,
    class: &'static str,
    button: Text,
    save: Callback<ContactDetails>,
    #[prop(optional)] cancel: Option<Callback<()>>,
) -> impl IntoView {
    let name = RwSignal::new(initial.name.clone());
    let title = RwSignal::new(initial.title.clone().unwrap_or_default());
    let phone = RwSignal::new(initial.phone.clone().unwrap_or_default());
    let email = RwSignal::new(initial.email.clone().unwrap_or_default());
    let primary = RwSignal::new(initial.primary);
    let given = |s: RwSignal<String>| Some(s.get_untracked()).filter(|t| !t.trim().is_empty());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.run(ContactDetails {
            name: name.get_untracked(),
            title: given(title),
            phone: given(phone),
            email: given(email),
            primary: primary.get_untracked(),
        });
    };
    view! {
        <form class=class on:submit=submit>
            <label>{tr(Text::PartName)}<input class="contact-name" bind:value=name required/></label>
            <label>{tr(Text::Role)}<input class="contact-title" bind:value=title/></label>
            <label>{tr(Text::Phone)}<input class="contact-phone" type="tel" bind:value=phone/></label>
            <label>{tr(Text::Email)}<input class="contact-email" type="email" bind:value=email/></label>
            <label class="check"><input class="contact-primary" type="checkbox" bind:checked=primary/>{tr(Text::MainContact)}</label>
            <div class="row">
                <button class="contact-save primary" type="submit">{tr(button)}</button>
                {cancel.map(|c| view! { <button type="button" on:click=move |_| c.run(())>{tr(Text::Cancel)}</button> })}
            </div>
        </form>
    }
}

#[component]
pub fn Assets(file: CustomerFile) -> impl IntoView {
    let customer: CustomerId = file.customer.id;
    let sites = file.sites.clone();
    let blank = AssetDetails {
        site_id: match sites.first() {
            Some(s) => s.id,
            None => return view! { <p class="muted">{tr(Text::ChooseSite)}</p> }.into_any(),
        },
        model: String::new(),
        serial: String::new(),
        category: String::new(),
        install_date: None,
        warranty_end: None,
        tier: None,
    };
    view! {
        <ul class="assets">
            {file.assets.into_iter().map(|a| view! { <AssetItem asset=a sites=sites.clone()/> }).collect_view()}
        </ul>
        <AssetForm initial=blank sites=sites.clone() class="form-grid asset-form" button=Text::AddAsset
            save=Callback::new(move |d| send(backend().add_asset(customer, d), || ()))/>
    }
    .into_any()
}

#[component]
fn AssetItem(asset: Asset, sites: Vec<Site>) -> impl IntoView {
    let editing = RwSignal::new(false);
    let (id, version) = (asset.id, asset.version);
    let d = asset.details.clone();
    let l = lang().get_untracked();
    let warranty = match asset.warranty_state(crate::clock::today()) {
        fixline_core::customer::WarrantyState::InWarranty { ends, .. } => {
            format!("{} ({ends})", Text::InWarranty.in_lang(l))
        }
        fixline_core::customer::WarrantyState::Expired { ended } => {
            format!("{} ({ended})", Text::OutOfWarranty.in_lang(l))
        }
        fixline_core::customer::WarrantyState::Unknown => "—".to_owned(),
    };
    let site_name = sites
        .iter()
        .find(|s| s.id == d.site_id)
        .map(|s| s.details.name.clone())
        .unwrap_or_default();
    view! {
        <li class="asset" data-asset=id.to_string()>
            <strong>{d.model.clone()}</strong>" · "<span class="asset-serial-shown">{d.serial.clone()}</span>" · "
            {format::category(&d.category, l)}" · "{site_name}" · "<span class="asset-warranty-shown">{warranty}</span>" "
            <button class="asset-edit" on:click=move |_| editing.set(true)>{tr(Text::Edit)}</button>
            {move || editing.get().then(|| view! {
                <AssetForm initial=asset.details.clone() sites=sites.clone() class="form-grid asset-edit-form" button=Text::Save
                    save=Callback::new(move |d| send(backend().update_asset(id, version, d), move || {
                        editing.try_set(false);
                    }))
                    cancel=Callback::new(move |()| editing.set(false))/>
            })}
        </li>
    }
}

/// An asset's fields: the site it stands at, model, serial, category, installation and
/// warranty dates.
#[component]
fn AssetForm(
    initial: AssetDetails,
    sites: Vec<Site>,
    class: &'static str,
    button: Text,
    save: Callback<AssetDetails>,
    #[prop(optional)] cancel: Option<Callback<()>>,
) -> impl IntoView {
    let site = RwSignal::new(initial.site_id.to_string());
    let model = RwSignal::new(initial.model.clone());
    let serial = RwSignal::new(initial.serial.clone());
    let category = RwSignal::new(initial.category.clone());
    let date =
        |d: Option<chrono::NaiveDate>| RwSignal::new(d.map(|d| d.to_string()).unwrap_or_default());
    let (installed, warranty) = (date(initial.install_date), date(initial.warranty_end));
    let choices = sites.clone();
    // The known categories, and the asset's own if it is another.
    let mut categories: Vec<String> = format::CATEGORIES
        .iter()
        .map(|(k, _, _)| (*k).to_owned())
        .collect();
    if !initial.category.is_empty() && !categories.contains(&initial.category) {
        categories.push(initial.category.clone());
    }
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = lang().get_untracked();
        let Some(site_id) = sites
            .iter()
            .find(|s| s.id.to_string() == site.get_untracked())
            .map(|s| s.id)
        else {
            return shell().fail(&UiError::new("invalid_input", Text::ChooseSite.in_lang(l)));
        };
        save.run(AssetDetails {
            site_id,
            model: model.get_untracked(),
            serial: serial.get_untracked(),
            category: category.get_untracked(),
            install_date: installed.get_untracked().parse().ok(),
            warranty_end: warranty.get_untracked().parse().ok(),
            tier: initial.tier,
        });
    };
    view! {
        <form class=class on:submit=submit>
            <label>{tr(Text::Site)}
                <select class="asset-site" on:change=move |ev| site.set(event_target_value(&ev))>
                    {choices.into_iter().map(|s| {
                        let value = s.id.to_string();
                        let chosen = site.get_untracked() == value;
                        view! { <option value=value selected=chosen>{s.details.name.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>{tr(Text::Model)}<input class="asset-model" bind:value=model required/></label>
            <label>{tr(Text::Serial)}<input class="asset-serial" bind:value=serial required/></label>
            <label>{tr(Text::Category)}
                <select class="asset-category" required on:change=move |ev| category.set(event_target_value(&ev))>
                    <option value="" selected=category.get_untracked().is_empty()>"—"</option>
                    {categories.into_iter().map(|key| {
                        let chosen = category.get_untracked() == key;
                        let value = key.clone();
                        view! { <option value=value selected=chosen>{move || format::category(&key, lang().get())}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>{tr(Text::InstallDate)}<input class="asset-installed" type="date" bind:value=installed/></label>
            <label>{tr(Text::WarrantyEnds)}<input class="asset-warranty" type="date" bind:value=warranty/></label>
            <div class="row">
                <button class="asset-save primary" type="submit">{tr(button)}</button>
                {cancel.map(|c| view! { <button type="button" on:click=move |_| c.run(())>{tr(Text::Cancel)}</button> })}
            </div>
        </form>
    }
}
