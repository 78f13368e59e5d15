//! On-site capture on the job screen: photos, parts (labour comes from the visit times), the
//! customer's signature or refusal, and the receipt that results.

use fixline_core::billing::{Bill, Part, PartLine, labour_from_visits};
use fixline_core::device::{LocalJob, PrintState};
use fixline_core::money::Money;
use fixline_core::receipt::{PhotoTag, ReceiptSettings, SignOff, Signature};
use fixline_core::work_order::{Action, ActionKind, Status, WorkOrder};
use leptos::prelude::*;
use leptos::task::spawn_local;
use rust_decimal::Decimal;
use wasm_bindgen::JsCast;

use crate::backend::{UiError, backend, now};
use crate::drafts;
use crate::geo::current_position;
use crate::i18n::{Lang, Text, lang, tr};
use crate::pages::printer::{follow_queue, under_way, while_printing};
use crate::shell::shell;

/// The signature pad's drawing size; strokes are kept in these units.
const PAD_W: f64 = 600.0;
const PAD_H: f64 = 220.0;

#[component]
pub fn Capture(
    job: LocalJob,
    customer: Option<fixline_core::customer::CustomerFile>,
    can: Vec<ActionKind>,
) -> impl IntoView {
    let wo = job.work_order.clone();
    let files = job.files;
    let shows = matches!(
        wo.status,
        Status::OnSite | Status::Paused | Status::Completed | Status::Confirmed | Status::Closed
    ) || !wo.photos.is_empty();
    let can_photo = can.contains(&ActionKind::AttachPhoto);
    let can_bill = can.contains(&ActionKind::RecordBill);
    let can_sign = can.contains(&ActionKind::SignReceipt);
    shows.then(|| {
        view! {
            <div class="grid capture">
                <Photos work_order=wo.clone() editable=can_photo/>
                <Parts work_order=wo.clone() editable=can_bill/>
                {can_sign.then(|| view! { <SignOffForm work_order=wo.clone() customer=customer.clone()/> })}
                {wo.receipt.is_some().then(|| view! { <ReceiptCard work_order=wo.clone()/> })}
                {(files.total > 0).then(|| view! {
                    <p class="muted" id="files-status" data-missing=files.not_on_server>
                        {move || files_text(files.not_on_server, files.total, lang().get())}
                    </p>
                })}
            </div>
        }
    })
}

fn files_text(missing: u32, total: u32, lang: Lang) -> String {
    match (missing, lang) {
        (0, Lang::Zh) => format!("全部 {total} 个文件已在服务器上"),
        (0, Lang::En) => format!("All {total} files are on the server"),
        (m, Lang::Zh) => format!("{total} 个文件中有 {m} 个还未上传到服务器"),
        (m, Lang::En) => format!("{m} of {total} files not on the server yet"),
    }
}

fn tag_text(tag: PhotoTag, lang: Lang) -> &'static str {
    let (zh, en) = match tag {
        PhotoTag::Before => ("维修前", "Before"),
        PhotoTag::After => ("维修后", "After"),
        PhotoTag::Fault => ("故障", "Fault"),
        PhotoTag::SerialPlate => ("铭牌", "Serial plate"),
    };
    if lang == Lang::Zh { zh } else { en }
}

#[component]
fn Photos(work_order: WorkOrder, editable: bool) -> impl IntoView {
    let shell = shell();
    let id = work_order.id;
    // The tag chosen stays for the next photo (a redraw after each one must not reset it to
    // "before" while the engineer photographs the fault).
    let tag = drafts::kept(id, "photo-tag", || PhotoTag::Before);
    let caption = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let pick = move |ev: leptos::ev::Event| {
        let files = crate::components::picked_files(&ev);
        busy.set(true);
        spawn_local(async move {
            for file in files {
                let bytes = match crate::components::file_bytes(&file).await {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        shell.fail(&e);
                        continue;
                    }
                };
                let added = backend()
                    .add_photo(id, bytes, tag.get_untracked(), caption.get_untracked())
                    .await;
                if let Err(e) = added {
                    shell.fail(&e);
                }
            }
            caption.set(String::new());
            busy.set(false);
            shell.changed();
        });
    };
    let photos = work_order.photos.clone();
    view! {
        <article class="card photos">
            <h2>{tr(Text::Photos)}" ("{photos.len()}")"</h2>
            <ul class="thumbs" id="photo-list">
                {photos.into_iter().map(|p| {
                    let src = RwSignal::new(String::new());
                    let sha = p.sha256.clone();
                    spawn_local(async move {
                        if let Ok(url) = backend().photo_src(sha).await {
                            src.set(url);
                        }
                    });
                    let remove = {
                        let sha = p.sha256.clone();
                        move |_| {
                            let action = Action::RemovePhoto { sha256: sha.clone() };
                            spawn_local(async move {
                                match backend().act(id, action).await {
                                    Ok(_) => shell.changed(),
                                    Err(e) => shell.fail(&e),
                                }
                            });
                        }
                    };
                    view! {
                        <li class="thumb" data-sha256=p.sha256.clone()>
                            <img src=move || src.get() alt=p.caption.clone()/>
                            <span>{move || tag_text(p.tag, lang().get())}" "{p.caption.clone()}</span>
                            {editable.then(|| view! { <button class="link remove-photo" on:click=remove>"×"</button> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {editable.then(|| view! {
                <div class="row">
                    <select id="photo-tag" aria-label=tr(Text::PhotoKind) on:change=move |ev| {
                        if let Some(t) = PhotoTag::parse(&event_target_value(&ev)) { tag.set(t) }
                    }>
                        {PhotoTag::ALL.into_iter().map(|t| view! {
                            <option value=t.as_str() selected=move || tag.get() == t>{move || tag_text(t, lang().get())}</option>
                        }).collect_view()}
                    </select>
                    <input id="photo-caption" placeholder=move || tr(Text::Caption)() bind:value=caption/>
                </div>
                // A label opens the camera by pointer and touch; Enter or Space on it by keyboard.
                <label id="take-photo" class="button big" tabindex="0" role="button"
                    on:keydown=move |ev| {
                        if crate::format::activates(&ev) && let Some(input) = file_input.get_untracked() {
                            input.click()
                        }
                    }>
                    {move || if busy.get() { "…".to_owned() } else { tr(Text::TakePhoto)().to_owned() }}
                    <input id="photo-input" node_ref=file_input type="file" accept="image/*" capture="environment" multiple hidden on:change=pick/>
                </label>
            })}
        </article>
    }
}

/// One part line as typed.
#[derive(Debug, Clone, Default, PartialEq)]
struct PartDraft {
    number: String,
    name: String,
    quantity: String,
    price: String,
    serials: String,
    warranty: bool,
    serial_tracked: bool,
}

impl PartDraft {
    fn from_line(p: &PartLine) -> Self {
        PartDraft {
            number: p.part_number.clone(),
            name: p.name.clone(),
            quantity: p.quantity.normalize().to_string(),
            price: p.unit_price.amount.to_string(),
            serials: p.serials.join(", "),
            warranty: p.under_warranty,
            serial_tracked: p.serial_tracked,
        }
    }

    /// A part number picked from the list brings its name, price and serial rule.
    fn pick(&mut self, number: String, list: &[Part]) {
        if let Some(part) = list.iter().find(|p| p.part_number == number.trim()) {
            self.name = part.name.clone();
            self.price = part.unit_price.amount.to_string();
            self.serial_tracked = part.serial_tracked;
        }
        self.number = number;
    }

    fn line(&self) -> Result<PartLine, UiError> {
        let number = |s: &str, what: &str| {
            s.trim()
                .parse::<Decimal>()
                .map_err(|_| UiError::new("invalid_input", format!("{what}: {s:?}")))
        };
        Ok(PartLine {
            part_number: self.number.trim().to_owned(),
            name: self.name.trim().to_owned(),
            quantity: number(&self.quantity, "quantity")?,
            unit_price: Money::cny(number(&self.price, "price")?),
            serials: self
                .serials
                .split([',', '，', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            under_warranty: self.warranty,
            serial_tracked: self.serial_tracked,
        })
    }
}

#[component]
fn Parts(work_order: WorkOrder, editable: bool) -> impl IntoView {
    let shell = shell();
    let id = work_order.id;
    let settings = RwSignal::new(ReceiptSettings::default());
    spawn_local(async move {
        if let Ok(s) = backend().receipt_settings().await {
            settings.set(s);
        }
    });
    let catalogue = RwSignal::new(Vec::<Part>::new());
    spawn_local(async move {
        if let Ok(list) = backend().parts().await {
            catalogue.set(list);
        }
    });
    let bill = work_order.bill.clone();
    let drafts = drafts::kept(id, "parts", move || {
        bill.map(|b| b.parts.iter().map(PartDraft::from_line).collect::<Vec<_>>())
            .unwrap_or_default()
    });
    let visits = work_order.visits.clone();
    let labour = move || {
        let s = settings.get();
        labour_from_visits(&visits, s.labour_rule, s.hourly_rate, false, s.time_zone)
    };
    let save = move |_| {
        let parts: Result<Vec<PartLine>, UiError> =
            drafts.get().iter().map(PartDraft::line).collect();
        let parts = match parts {
            Ok(p) => p,
            Err(e) => return shell.fail(&e),
        };
        let bill = Bill {
            parts,
            ..Default::default()
        };
        spawn_local(async move {
            match backend().act(id, Action::RecordBill { bill }).await {
                Ok(_) => {
                    drafts::forget(id, &["parts"]);
                    shell.tell(Text::PartsSaved.in_lang(lang().get_untracked()));
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    let field = move |i: usize, set: fn(&mut PartDraft, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            drafts.update(|d| {
                if let Some(p) = d.get_mut(i) {
                    set(p, v)
                }
            });
        }
    };
    view! {
        <article class="card parts">
            <h2>{tr(Text::PartsAndLabour)}</h2>
            <table id="parts">
                <thead><tr><th>{tr(Text::PartNumber)}</th><th>{tr(Text::PartName)}</th><th>{tr(Text::Quantity)}</th><th>{tr(Text::UnitPrice)}</th><th>{tr(Text::Serials)}</th><th>{tr(Text::Warranty)}</th></tr></thead>
                <tbody>
                    {move || drafts.get().into_iter().enumerate().map(|(i, p)| view! {
                        <tr class="part">
                            <td data-label=tr(Text::PartNumber)><input class="part-number" aria-label=tr(Text::PartNumber) list="parts-list" value=p.number disabled=!editable
                                on:change=move |ev| { let v = event_target_value(&ev); drafts.update(|d| if let Some(p) = d.get_mut(i) { p.pick(v, &catalogue.get_untracked()) }) }/></td>
                            <td data-label=tr(Text::PartName)><input class="part-name" aria-label=tr(Text::PartName) value=p.name disabled=!editable on:change=field(i, |p, v| p.name = v)/></td>
                            <td data-label=tr(Text::Quantity)><input class="part-qty" aria-label=tr(Text::Quantity) inputmode="decimal" value=p.quantity disabled=!editable on:change=field(i, |p, v| p.quantity = v)/></td>
                            <td data-label=tr(Text::UnitPrice)><input class="part-price" aria-label=tr(Text::UnitPrice) inputmode="decimal" value=p.price disabled=!editable on:change=field(i, |p, v| p.price = v)/></td>
                            <td data-label=tr(Text::Serials)><input class="part-serials" aria-label=tr(Text::Serials) value=p.serials disabled=!editable required=p.serial_tracked
                                placeholder=if p.serial_tracked { "SN…" } else { "" } on:change=field(i, |p, v| p.serials = v)/></td>
                            <td data-label=tr(Text::Warranty)><label class="check"><input class="part-warranty" aria-label=tr(Text::Warranty) type="checkbox" checked=p.warranty disabled=!editable
                                on:change=move |ev| { let on = event_target_checked(&ev); drafts.update(|d| if let Some(p) = d.get_mut(i) { p.warranty = on }) }/></label></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <datalist id="parts-list">
                {move || catalogue.get().into_iter().map(|p| view! {
                    <option value=p.part_number.clone()>{p.name.clone()}" · "{p.unit_price.to_string()}</option>
                }).collect_view()}
            </datalist>
            <ul class="labour" id="labour">
                {move || labour().into_iter().map(|l| view! {
                    <li>{l.description}" · "{crate::format::minutes(l.minutes as f64, lang().get())}" · "{l.hourly_rate.to_string()}{tr(Text::PerHour)}</li>
                }).collect_view()}
            </ul>
            <p class="muted">{tr(Text::LabourFromVisits)}</p>
            {editable.then(|| view! {
                <div class="row">
                    <button id="add-part" class="big" on:click=move |_| drafts.update(|d| d.push(PartDraft { quantity: "1".into(), ..Default::default() }))>{tr(Text::AddPart)}</button>
                    <button id="save-parts" class="primary big" on:click=save>{tr(Text::SaveParts)}</button>
                </div>
            })}
        </article>
    }
}

#[component]
fn SignOffForm(
    work_order: WorkOrder,
    customer: Option<fixline_core::customer::CustomerFile>,
) -> impl IntoView {
    let shell = shell();
    let id = work_order.id;
    // What the customer has signed so far survives a redraw of the screen (see `drafts`).
    let kept_strokes: Vec<Vec<[f32; 2]>> = drafts::restore(id, "strokes").unwrap_or_default();
    let drawn = RwSignal::new(kept_strokes.len());
    let strokes = StoredValue::new_local(kept_strokes);
    Effect::new(move |_| {
        drawn.track();
        drafts::keep(id, "strokes", strokes.get_value());
    });
    let drawing = StoredValue::new_local(false);
    let signer = drafts::kept(id, "signer", String::new);
    let refuse = drafts::kept(id, "refuse", || false);
    let reason = drafts::kept(id, "refuse-reason", String::new);
    let busy = RwSignal::new(false);
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    // What the customer signs for, worked out as the receipt will print it.
    let totals = RwSignal::new(None::<fixline_core::billing::Totals>);
    {
        let job = work_order.clone();
        spawn_local(async move {
            let (Ok(settings), Some(file)) = (backend().receipt_settings().await, customer) else {
                return;
            };
            let sources = fixline_core::receipt::ReceiptSources {
                job: &job,
                customer: &file,
                engineer_name: "",
                settings: &settings,
            };
            if let Ok(t) = sources.bill().and_then(|b| b.totals(&settings.tax)) {
                let _ = totals.try_set(Some(t));
            }
        });
    }

    let context = move || -> Option<web_sys::CanvasRenderingContext2d> {
        canvas.get()?.get_context("2d").ok()??.dyn_into().ok()
    };
    let redraw = move || {
        let Some(ctx) = context() else { return };
        ctx.clear_rect(0.0, 0.0, PAD_W, PAD_H);
        ctx.set_line_width(3.0);
        ctx.set_line_cap("round");
        ctx.set_line_join("round");
        strokes.with_value(|all| {
            for stroke in all {
                ctx.begin_path();
                for (i, [x, y]) in stroke.iter().enumerate() {
                    if i == 0 {
                        ctx.move_to(f64::from(*x), f64::from(*y));
                    } else {
                        ctx.line_to(f64::from(*x), f64::from(*y));
                    }
                }
                ctx.stroke();
            }
        });
    };
    // The strokes so far, drawn whenever the pad (re)appears: after a redraw of the screen, or
    // after "refuses to sign" was ticked and unticked.
    Effect::new(move |_| {
        if canvas.get().is_some() {
            redraw();
        }
    });
    // Pointer position in pad units, whatever size the canvas is shown at.
    let at = move |ev: &web_sys::PointerEvent| -> Option<[f32; 2]> {
        let c = canvas.get()?;
        let rect = c.get_bounding_client_rect();
        let x = (f64::from(ev.client_x()) - rect.left()) * PAD_W / rect.width().max(1.0);
        let y = (f64::from(ev.client_y()) - rect.top()) * PAD_H / rect.height().max(1.0);
        Some([x.clamp(0.0, PAD_W) as f32, y.clamp(0.0, PAD_H) as f32])
    };
    let down = move |ev: web_sys::PointerEvent| {
        ev.prevent_default();
        if let Some(c) = canvas.get() {
            let _ = c.set_pointer_capture(ev.pointer_id());
        }
        if let Some(p) = at(&ev) {
            drawing.set_value(true);
            strokes.update_value(|s| s.push(vec![p]));
        }
    };
    let moved = move |ev: web_sys::PointerEvent| {
        if !drawing.get_value() {
            return;
        }
        if let Some(p) = at(&ev) {
            strokes.update_value(|s| {
                if let Some(last) = s.last_mut() {
                    last.push(p);
                }
            });
            redraw();
        }
    };
    let up = move |_: web_sys::PointerEvent| {
        if drawing.get_value() {
            drawing.set_value(false);
            drawn.set(strokes.with_value(|s| s.len()));
            redraw();
        }
    };
    let clear = move |_| {
        strokes.set_value(Vec::new());
        drawn.set(0);
        redraw();
    };
    let undo = move |_| {
        strokes.update_value(|s| {
            s.pop();
        });
        drawn.set(strokes.with_value(|s| s.len()));
        redraw();
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let at = now();
        let sign_off = if refuse.get() {
            SignOff::Refused {
                signer_name: signer.get(),
                reason: reason.get(),
                at,
            }
        } else {
            SignOff::Signed(Signature {
                signer_name: signer.get(),
                signed_at: at,
                width: PAD_W as f32,
                height: PAD_H as f32,
                strokes: strokes.get_value(),
            })
        };
        if let Err(e) = sign_off.validate() {
            return shell.fail(&UiError::new("invalid_input", e.to_string()));
        }
        busy.set(true);
        spawn_local(async move {
            let position = current_position().await;
            match backend().make_receipt(id, sign_off, position).await {
                Ok(_) => {
                    drafts::forget(id, &["strokes", "signer", "refuse", "refuse-reason"]);
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card sign-off" id="sign-off" on:submit=submit>
            <h2>{tr(Text::CustomerSignature)}</h2>
            {move || totals.get().map(|t| view! {
                <p class="sign-total" id="sign-total">{tr(Text::ToPay)}" "<strong>{t.total.to_string()}</strong></p>
                {(!t.warranty_covered.amount.is_zero()).then(|| view! {
                    <p class="muted" id="sign-warranty">{tr(Text::WarrantyCoveredNote)}": "{t.warranty_covered.to_string()}</p>
                })}
            })}
            <label>{tr(Text::SignerName)}<input id="signer-name" bind:value=signer required/></label>
            <label class="inline"><input id="refuse" type="checkbox" bind:checked=refuse/>{tr(Text::CustomerRefuses)}</label>
            {move || if refuse.get() {
                view! { <label>{tr(Text::Reason)}<input id="refuse-reason" bind:value=reason required/></label> }.into_any()
            } else {
                view! {
                    <canvas id="signature-pad" class="signature-pad" width=PAD_W height=PAD_H node_ref=canvas data-strokes=move || drawn.get()
                        on:pointerdown=down on:pointermove=moved on:pointerup=up on:pointercancel=up on:pointerleave=up></canvas>
                    <div class="row">
                        <button id="sig-undo" type="button" class="big" on:click=undo disabled=move || drawn.get() == 0>{tr(Text::Undo)}</button>
                        <button id="sig-clear" type="button" class="big" on:click=clear disabled=move || drawn.get() == 0>{tr(Text::Clear)}</button>
                    </div>
                }.into_any()
            }}
            <button id="make-receipt" class="primary big" type="submit" disabled=move || busy.get()>{tr(Text::MakeReceipt)}</button>
        </form>
    }
}

#[component]
fn ReceiptCard(work_order: WorkOrder) -> impl IntoView {
    let shell = shell();
    let id = work_order.id;
    let Some(receipt) = work_order.receipt.clone() else {
        return ().into_any();
    };
    let open = move |_| {
        spawn_local(async move {
            match backend().receipt_src(id).await {
                Ok(url) => {
                    if let Some(w) = web_sys::window() {
                        let _ = w.open_with_url_and_target(&url, "_blank");
                    }
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    let refused = matches!(receipt.sign_off, SignOff::Refused { .. });
    // The print queue, for this receipt's progress. A second tap while the printer is busy
    // would print the receipt twice: the button waits while a job of this order is under way
    // (also one started before this card was drawn).
    let jobs = RwSignal::new(Vec::new());
    let tapped = RwSignal::new(false);
    let printing = Memo::new(move |_| tapped.get() || jobs.with(|j| under_way(j, id).is_some()));
    if backend().offline_capable() {
        follow_queue(jobs, id);
    }
    let to = RwSignal::new(String::new());
    let email = move |_| {
        let address = Some(to.get()).filter(|t| !t.trim().is_empty());
        spawn_local(async move {
            match backend().email_receipt(id, address).await {
                Ok(sent) => shell.tell(format!(
                    "{} {sent}",
                    Text::EmailSent.in_lang(lang().get_untracked())
                )),
                Err(e) => shell.fail(&e),
            }
        });
    };
    view! {
        <article class="card receipt" id="receipt" data-number=receipt.number.clone() data-token=receipt.token.clone()>
            <h2>{tr(Text::Receipt)}" "{receipt.number.clone()}</h2>
            <p>{move || if refused { tr(Text::CustomerRefuses)() } else { tr(Text::SignedBy)() }}" "{receipt.sign_off.signer_name().to_owned()}</p>
            <button id="view-receipt" class="primary big" on:click=open>{tr(Text::ViewReceipt)}</button>
            {backend().offline_capable().then(|| view! {
                <button id="print-receipt" class="big" disabled=move || printing.get() on:click=move |_| {
                    tapped.set(true);
                    spawn_local(async move {
                        match while_printing(jobs, backend().print_receipt(id)).await {
                            Ok(jobs) => match jobs.first() {
                                Some(j) if j.state == PrintState::Printed => {
                                    shell.tell(Text::Printed.in_lang(lang().get_untracked()))
                                }
                                Some(j) => shell.fail(&UiError::new("printer", j.error.clone().unwrap_or_default())),
                                None => {}
                            },
                            Err(e) => shell.fail(&e),
                        }
                        let _ = tapped.try_set(false);
                    });
                }>{tr(Text::PrintReceipt)}</button>
                <p id="print-progress" class="muted">{move || jobs.with(|j| {
                    under_way(j, id).map(|j| format!("{} {}/{} B", Text::Sending.in_lang(lang().get()), j.sent, j.total))
                })}</p>
            })}
            <div class="row">
                <input id="email-to" type="email" placeholder="name@example.cn" bind:value=to/>
                <button id="email-receipt" class="big" on:click=email>{tr(Text::EmailReceipt)}</button>
            </div>
        </article>
    }
    .into_any()
}
