//! Who changed what in a customer file, newest first: each edit with its time (in the service
//! area's zone), the person (or "Fixline" for the geocoder and the demo data), the record, and
//! each field before and after, in the user's language.

use fixline_core::customer::history::{FieldChange, FileEdit, FileRecord};
use fixline_core::customer::{ContractTier, CustomerFile};
use leptos::prelude::*;

use crate::backend::backend;
use crate::format;
use crate::i18n::{Lang, Text, lang, tr};

#[component]
pub fn FileHistory(file: CustomerFile) -> impl IntoView {
    let id = file.customer.id;
    let edits = crate::shell::reloading(move || backend().file_history(id));
    view! {
        <h2>{tr(Text::FileChanges)}</h2>
        <ul class="timeline" id="customer-history">
            {move || match edits.get() {
                None => view! { <li class="muted">"…"</li> }.into_any(),
                Some(Err(e)) => view! { <li class="message error">{crate::shell::said(&e)}</li> }.into_any(),
                Some(Ok(list)) => {
                    let file = file.clone();
                    list.into_iter()
                        .map(|edit| view! { <Edit edit=edit file=file.clone()/> })
                        .collect_view()
                        .into_any()
                }
            }}
        </ul>
    }
}

#[component]
fn Edit(edit: FileEdit, file: CustomerFile) -> impl IntoView {
    let who = edit.actor.as_ref().map(|a| a.name.clone());
    let record = match edit.record {
        FileRecord::Customer => Text::Customer,
        FileRecord::Contact => Text::Contact,
        FileRecord::Site => Text::Site,
        FileRecord::Asset => Text::Equipment,
    };
    let changes = edit.changes.clone();
    view! {
        <li class="file-edit" data-record=edit.record_id.to_string()>
            {format::time(edit.at)}" · "
            <strong class="edit-by">{move || who.clone().unwrap_or_else(|| Text::ByFixline.in_lang(lang().get()).to_owned())}</strong>" · "
            {tr(record)}" "{edit.label.clone()}
            {edit.added.then(|| view! { " · "{tr(Text::AddedRecord)} })}
            <ul class="edit-fields">
                {move || {
                    let l = lang().get();
                    changes.iter().map(|c| view! { <li class="edit-field">{field_line(c, &file, l)}</li> }).collect_view()
                }}
            </ul>
        </li>
    }
}

/// `Address: 文三路 398 号 → 文三路 400 号`, with the field's name and known values in words.
fn field_line(c: &FieldChange, file: &CustomerFile, l: Lang) -> String {
    let value = |v: &Option<String>| match v.as_deref() {
        None => "—".to_owned(),
        Some(v) => value_text(&c.field, v, file, l),
    };
    let name = field_text(&c.field).map_or_else(|| c.field.clone(), |t| t.in_lang(l).to_owned());
    format!("{name}: {} → {}", value(&c.before), value(&c.after))
}

fn field_text(field: &str) -> Option<Text> {
    Some(match field {
        "name" => Text::PartName,
        "phone" => Text::Phone,
        "email" => Text::Email,
        "title" => Text::Role,
        "primary" => Text::MainContact,
        "tier" => Text::Tier,
        "notes" => Text::Notes,
        "kind" => Text::CustomerKind,
        "language" => Text::CustomerLanguage,
        "address" => Text::Address,
        "city" => Text::City,
        "region" => Text::Region,
        "position" => Text::Position,
        "access_notes" => Text::AccessNotes,
        "site_id" => Text::Site,
        "model" => Text::Model,
        "serial" => Text::Serial,
        "category" => Text::Category,
        "install_date" => Text::InstallDate,
        "warranty_end" => Text::WarrantyEnds,
        _ => return None,
    })
}

/// A value in words where it names something: a site by its name, a category, a tier.
fn value_text(field: &str, v: &str, file: &CustomerFile, l: Lang) -> String {
    match field {
        "site_id" => file
            .sites
            .iter()
            .find(|s| s.id.to_string() == v)
            .map_or_else(|| v.to_owned(), |s| s.details.name.clone()),
        "category" => format::category(v, l),
        "tier" => match serde_json::from_value::<ContractTier>(serde_json::Value::from(v)) {
            Ok(t) => super::customers::tier_text(t).in_lang(l).to_owned(),
            Err(_) => v.to_owned(),
        },
        "primary" => Text::Yes.in_lang(l).to_owned(),
        _ => v.to_owned(),
    }
}
