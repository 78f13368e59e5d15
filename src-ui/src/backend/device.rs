//! The Tauri backend: each call is one `#[tauri::command]` of the app shell, which calls into
//! `fixline-device`. Arguments and answers cross as JSON.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use fixline_core::board::PoolJob;
use fixline_core::ids::WorkOrderId;
use fixline_core::position::Position;
use fixline_core::receipt::{PhotoTag, ReceiptSettings, SignOff};
use fixline_core::work_order::Action;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use wasm_bindgen::prelude::*;

use super::{Answer, Backend, UiError};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI__", "core"], js_name = invoke)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

/// Inside the Tauri app (`withGlobalTauri` puts `__TAURI__` on the window).
pub fn available() -> bool {
    web_sys::window()
        .is_some_and(|w| js_sys::Reflect::has(&w, &JsValue::from_str("__TAURI__")).unwrap_or(false))
}

#[derive(Debug)]
pub struct Device;

fn to_js(v: &impl Serialize) -> Result<JsValue, UiError> {
    let text =
        serde_json::to_string(v).map_err(|e| UiError::new("invalid_input", e.to_string()))?;
    js_sys::JSON::parse(&text).map_err(|_| UiError::new("invalid_input", "cannot pass arguments"))
}

fn from_js<T: DeserializeOwned>(v: &JsValue) -> Result<T, UiError> {
    let text: String = js_sys::JSON::stringify(v)
        .map(String::from)
        .unwrap_or_else(|_| "null".to_owned());
    serde_json::from_str(&text)
        .map_err(|e| UiError::new("bad_answer", format!("unreadable answer from the app: {e}")))
}

fn call<T: DeserializeOwned + 'static>(cmd: &'static str, args: serde_json::Value) -> Answer<T> {
    Box::pin(async move {
        match tauri_invoke(cmd, to_js(&args)?).await {
            Ok(v) => from_js(&v),
            Err(e) => Err(from_js::<UiError>(&e).unwrap_or_else(|_| {
                UiError::new(
                    "app_error",
                    e.as_string().unwrap_or_else(|| format!("{e:?}")),
                )
            })),
        }
    })
}

impl Backend for Device {
    fn offline_capable(&self) -> bool {
        true
    }

    fn fixed_server(&self) -> Option<String> {
        None
    }

    fn status(&self) -> Answer<fixline_core::device::SyncStatus> {
        call("status", json!({}))
    }

    fn clock(&self) -> Answer<fixline_core::clock::ServiceClock> {
        call("clock", json!({}))
    }

    fn sign_in(
        &self,
        server: String,
        username: String,
        password: String,
    ) -> Answer<fixline_core::device::DeviceUser> {
        call(
            "sign_in",
            json!({"server": server, "username": username, "password": password}),
        )
    }

    fn sign_out(&self) -> Answer<()> {
        call("sign_out", json!({}))
    }

    fn jobs(&self) -> Answer<Vec<fixline_core::device::LocalJob>> {
        call("jobs", json!({}))
    }

    fn job(&self, id: WorkOrderId) -> Answer<super::JobDetail> {
        call("job", json!({ "id": id }))
    }

    fn act(&self, id: WorkOrderId, action: Action) -> Answer<fixline_core::device::LocalJob> {
        call("act", json!({ "id": id, "action": action }))
    }

    fn guides(&self, model: Option<String>) -> Answer<Vec<fixline_core::guide::Guide>> {
        call("guides", json!({ "model": model }))
    }

    fn colleagues(&self) -> Answer<Vec<fixline_core::sync::Colleague>> {
        call("colleagues", json!({}))
    }

    fn outbox(&self) -> Answer<Vec<fixline_core::device::OutboxItem>> {
        call("outbox", json!({}))
    }

    fn conflicts(&self) -> Answer<Vec<fixline_core::sync::SyncConflict>> {
        call("conflicts", json!({}))
    }

    fn sync_now(&self) -> Answer<fixline_core::device::SyncReport> {
        call("sync_now", json!({}))
    }

    fn add_photo(
        &self,
        id: WorkOrderId,
        bytes: Vec<u8>,
        tag: PhotoTag,
        caption: String,
    ) -> Answer<fixline_core::device::LocalJob> {
        let data = BASE64.encode(bytes);
        call(
            "add_photo",
            json!({ "id": id, "tag": tag, "caption": caption, "data": data }),
        )
    }

    fn photo_src(&self, sha256: String) -> Answer<String> {
        call("photo", json!({ "sha256": sha256 }))
    }

    fn receipt_settings(&self) -> Answer<ReceiptSettings> {
        call("receipt_settings", json!({}))
    }

    fn parts(&self) -> Answer<Vec<fixline_core::billing::Part>> {
        call("parts", json!({}))
    }

    fn make_receipt(
        &self,
        id: WorkOrderId,
        sign_off: SignOff,
        position: Option<Position>,
    ) -> Answer<fixline_core::device::LocalJob> {
        call(
            "make_receipt",
            json!({ "id": id, "signOff": sign_off, "position": position }),
        )
    }

    fn printer(&self) -> Answer<Option<fixline_core::device::PrinterChoice>> {
        call("printer", json!({}))
    }

    fn set_printer(&self, printer: fixline_core::device::PrinterChoice) -> Answer<()> {
        call("set_printer", json!({ "printer": printer }))
    }

    fn pair_printer(&self, device: String, pin: String) -> Answer<()> {
        call("pair_printer", json!({ "device": device, "pin": pin }))
    }

    fn printer_profiles(&self) -> Answer<Vec<String>> {
        call("printer_profiles", json!({}))
    }

    fn print_jobs(&self) -> Answer<Vec<fixline_core::device::PrintJob>> {
        call("print_jobs", json!({}))
    }

    fn print_receipt(&self, id: WorkOrderId) -> Answer<Vec<fixline_core::device::PrintJob>> {
        call("print_receipt", json!({ "id": id }))
    }

    fn reprint(&self, job: String) -> Answer<Vec<fixline_core::device::PrintJob>> {
        call("reprint", json!({ "job": job }))
    }

    fn print_test_page(&self) -> Answer<Vec<fixline_core::device::PrintJob>> {
        call("print_test_page", json!({}))
    }

    fn email_receipt(&self, id: WorkOrderId, to: Option<String>) -> Answer<String> {
        call("email_receipt", json!({ "id": id, "to": to }))
    }

    fn find_printers(&self) -> Answer<Vec<fixline_core::device::FoundPrinter>> {
        call("find_printers", json!({}))
    }

    fn pool(&self) -> Answer<Vec<PoolJob>> {
        call("pool", json!({}))
    }

    fn pick(&self, id: WorkOrderId) -> Answer<()> {
        call("pick", json!({ "id": id }))
    }

    fn receipt_src(&self, id: WorkOrderId) -> Answer<String> {
        let pdf: Answer<String> = call("receipt_pdf", json!({ "id": id }));
        Box::pin(async move {
            let bytes = BASE64
                .decode(pdf.await?.as_bytes())
                .map_err(|e| UiError::new("bad_answer", e.to_string()))?;
            super::object_url(&bytes, "application/pdf")
        })
    }
}
