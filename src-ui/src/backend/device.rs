//! The Tauri backend: each call is one `#[tauri::command]` of the app shell, which calls into
//! `fixline-device`. Arguments (typed, from `fixline_api::app`) and answers cross as JSON.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use fixline_api::app::{
    ActArgs, AddPhotoArgs, ArticleArgs, EmailReceiptArgs, FindArticlesArgs, MakeReceiptArgs,
    PairPrinterArgs, PhotoArgs, ReportPositionArgs, ReprintArgs, SetPrinterArgs, SignInArgs,
    WorkOrderArgs,
};
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

/// A command without arguments.
fn call<T: DeserializeOwned + 'static>(cmd: &'static str) -> Answer<T> {
    invoke(cmd, json!({}))
}

/// A command with its typed arguments (`fixline_api::app`), passed as its one `args`.
fn call_with<T: DeserializeOwned + 'static>(cmd: &'static str, args: impl Serialize) -> Answer<T> {
    match serde_json::to_value(args) {
        Ok(args) => invoke(cmd, json!({ "args": args })),
        Err(e) => Box::pin(async move { Err(UiError::new("invalid_input", e.to_string())) }),
    }
}

fn invoke<T: DeserializeOwned + 'static>(cmd: &'static str, args: serde_json::Value) -> Answer<T> {
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
        call("status")
    }

    fn clock(&self) -> Answer<fixline_core::clock::ServiceClock> {
        call("clock")
    }

    fn sign_in(
        &self,
        server: String,
        username: String,
        password: String,
    ) -> Answer<fixline_core::device::DeviceUser> {
        call_with(
            "sign_in",
            SignInArgs {
                server,
                username,
                password,
            },
        )
    }

    fn sign_out(&self) -> Answer<()> {
        call("sign_out")
    }

    fn jobs(&self) -> Answer<Vec<fixline_core::device::LocalJob>> {
        call("jobs")
    }

    fn job(&self, id: WorkOrderId) -> Answer<super::JobDetail> {
        call_with("job", WorkOrderArgs { id })
    }

    fn act(&self, id: WorkOrderId, action: Action) -> Answer<fixline_core::device::LocalJob> {
        call_with("act", ActArgs { id, action })
    }

    fn find_articles(
        &self,
        query: String,
        model: Option<String>,
    ) -> Answer<Vec<fixline_core::knowledge::Article>> {
        call_with("find_articles", FindArticlesArgs { query, model })
    }

    fn article(
        &self,
        id: fixline_core::ids::ArticleId,
    ) -> Answer<fixline_core::knowledge::Article> {
        call_with("article", ArticleArgs { id })
    }

    fn job_help(&self, id: WorkOrderId) -> Answer<fixline_api::knowledge::JobHelp> {
        call_with("job_help", WorkOrderArgs { id })
    }

    fn article_image_src(&self, sha256: String) -> Answer<String> {
        call_with("article_image", PhotoArgs { sha256 })
    }

    fn colleagues(&self) -> Answer<Vec<fixline_core::sync::Colleague>> {
        call("colleagues")
    }

    fn outbox(&self) -> Answer<Vec<fixline_core::device::OutboxItem>> {
        call("outbox")
    }

    fn conflicts(&self) -> Answer<Vec<fixline_core::sync::SyncConflict>> {
        call("conflicts")
    }

    fn sync_now(&self) -> Answer<fixline_core::device::SyncReport> {
        call("sync_now")
    }

    fn add_photo(
        &self,
        id: WorkOrderId,
        bytes: Vec<u8>,
        tag: PhotoTag,
        caption: String,
    ) -> Answer<fixline_core::device::LocalJob> {
        let data = BASE64.encode(bytes);
        call_with(
            "add_photo",
            AddPhotoArgs {
                id,
                tag,
                caption,
                data,
            },
        )
    }

    fn photo_src(&self, sha256: String) -> Answer<String> {
        call_with("photo", PhotoArgs { sha256 })
    }

    fn receipt_settings(&self) -> Answer<ReceiptSettings> {
        call("receipt_settings")
    }

    fn parts(&self) -> Answer<Vec<fixline_core::billing::Part>> {
        call("parts")
    }

    fn code_book(&self) -> Answer<fixline_core::fault_code::CodeBook> {
        call("code_book")
    }

    fn make_receipt(
        &self,
        id: WorkOrderId,
        sign_off: SignOff,
        position: Option<Position>,
    ) -> Answer<fixline_core::device::LocalJob> {
        call_with(
            "make_receipt",
            MakeReceiptArgs {
                id,
                sign_off,
                position,
            },
        )
    }

    fn printer(&self) -> Answer<Option<fixline_core::device::PrinterChoice>> {
        call("printer")
    }

    fn set_printer(&self, printer: fixline_core::device::PrinterChoice) -> Answer<()> {
        call_with("set_printer", SetPrinterArgs { printer })
    }

    fn pair_printer(&self, device: String, pin: String) -> Answer<()> {
        call_with("pair_printer", PairPrinterArgs { device, pin })
    }

    fn printer_profiles(&self) -> Answer<Vec<String>> {
        call("printer_profiles")
    }

    fn print_jobs(&self) -> Answer<Vec<fixline_core::device::PrintJob>> {
        call("print_jobs")
    }

    fn print_receipt(&self, id: WorkOrderId) -> Answer<Vec<fixline_core::device::PrintJob>> {
        call_with("print_receipt", WorkOrderArgs { id })
    }

    fn reprint(&self, job: String) -> Answer<Vec<fixline_core::device::PrintJob>> {
        call_with("reprint", ReprintArgs { job })
    }

    fn print_test_page(&self) -> Answer<Vec<fixline_core::device::PrintJob>> {
        call("print_test_page")
    }

    fn email_receipt(&self, id: WorkOrderId, to: Option<String>) -> Answer<String> {
        call_with("email_receipt", EmailReceiptArgs { id, to })
    }

    fn find_printers(&self) -> Answer<Vec<fixline_core::device::FoundPrinter>> {
        call("find_printers")
    }

    fn pool(&self) -> Answer<Vec<PoolJob>> {
        call("pool")
    }

    fn my_scorecard(&self) -> Answer<fixline_api::kpi::KpiTable> {
        call("scorecard")
    }

    fn pick(&self, id: WorkOrderId) -> Answer<()> {
        call_with("pick", WorkOrderArgs { id })
    }

    fn report_position(&self, fix: fixline_core::position::PositionFix) -> Answer<bool> {
        call_with("report_position", ReportPositionArgs { fix })
    }

    fn receipt_src(&self, id: WorkOrderId) -> Answer<String> {
        let pdf: Answer<String> = call_with("receipt_pdf", WorkOrderArgs { id });
        Box::pin(async move {
            let bytes = BASE64
                .decode(pdf.await?.as_bytes())
                .map_err(|e| UiError::new("bad_answer", e.to_string()))?;
            super::object_url(&bytes, "application/pdf")
        })
    }
}
