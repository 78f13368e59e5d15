//! One UI, two backends behind one trait: in the Tauri app every call goes to the device (its
//! SQLite store and sync engine, offline first); in a browser it goes to the server's API
//! directly (online only). Components call [`backend()`] and never build URLs or invoke strings.

mod device;
mod server;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use fixline_core::board::{Board, PlacementAssessment, PlacementCheck, PoolJob, Scenario};
use fixline_core::customer::CustomerFile;
use fixline_core::device::{
    DeviceUser, FoundPrinter, LocalJob, OutboxItem, PrintJob, PrinterChoice, SyncReport, SyncStatus,
};
use fixline_core::ids::{EngineerId, WorkOrderId};
use fixline_core::knowledge::Article;
use fixline_core::position::Position;
use fixline_core::receipt::{PhotoTag, ReceiptSettings, SignOff};
use fixline_core::sync::{Colleague, SyncConflict};
use fixline_core::work_order::{Action, PlannedSlot};

/// An error as the backends report it: a stable code and a message for people, the same
/// `{code, message}` the server and the device answer.
pub use fixline_api::ErrorBody as UiError;
pub use fixline_api::app::JobDetail;
pub use fixline_api::dispatch::{LeftOut, ProposedPlan, ProposedVisit};

pub type Answer<T> = Pin<Box<dyn Future<Output = Result<T, UiError>>>>;

/// An assignment the dispatcher makes: a job, an engineer and, if chosen, the visit's time.
pub type Placement = (WorkOrderId, EngineerId, Option<PlannedSlot>);

/// Everything the UI asks of the world.
pub trait Backend {
    /// Whether work is kept on the device (the app) or done on the server (a browser).
    fn offline_capable(&self) -> bool;
    /// The server address to show on the sign-in screen, if fixed.
    fn fixed_server(&self) -> Option<String>;
    fn status(&self) -> Answer<SyncStatus>;
    /// The backend's now and the zone of the user's service area.
    fn clock(&self) -> Answer<fixline_core::clock::ServiceClock>;
    fn sign_in(&self, server: String, username: String, password: String) -> Answer<DeviceUser>;
    fn sign_out(&self) -> Answer<()>;
    fn jobs(&self) -> Answer<Vec<LocalJob>>;
    fn job(&self, id: WorkOrderId) -> Answer<JobDetail>;
    fn act(&self, id: WorkOrderId, action: Action) -> Answer<LocalJob>;
    /// The knowledge base searched (offline in the app); no words and a model: the articles
    /// about that model.
    fn find_articles(&self, query: String, model: Option<String>) -> Answer<Vec<Article>>;
    fn article(&self, id: fixline_core::ids::ArticleId) -> Answer<Article>;
    /// Beside a job: articles that may help and how the same fault was fixed before.
    fn job_help(&self, id: WorkOrderId) -> Answer<fixline_api::knowledge::JobHelp>;
    /// A URL an `<img>` can show an article's image from.
    fn article_image_src(&self, sha256: String) -> Answer<String>;
    fn colleagues(&self) -> Answer<Vec<Colleague>>;
    fn outbox(&self) -> Answer<Vec<OutboxItem>>;
    fn conflicts(&self) -> Answer<Vec<SyncConflict>>;
    fn sync_now(&self) -> Answer<SyncReport>;

    // On-site capture and the receipt.
    /// Adds a photo (the raw file from the camera or the picker) to a job.
    fn add_photo(
        &self,
        id: WorkOrderId,
        bytes: Vec<u8>,
        tag: PhotoTag,
        caption: String,
    ) -> Answer<LocalJob>;
    /// A URL an `<img>` can show the photo's thumbnail from.
    fn photo_src(&self, sha256: String) -> Answer<String>;
    fn receipt_settings(&self) -> Answer<ReceiptSettings>;
    /// The parts list to pick from.
    fn parts(&self) -> Answer<Vec<fixline_core::billing::Part>>;
    /// The fault, cause and resolution codes a completion is coded with.
    fn code_book(&self) -> Answer<fixline_core::fault_code::CodeBook>;
    /// The customer signed or refused: make, seal and keep the receipt.
    fn make_receipt(
        &self,
        id: WorkOrderId,
        sign_off: SignOff,
        position: Option<Position>,
    ) -> Answer<LocalJob>;
    /// A URL the receipt's PDF opens from.
    fn receipt_src(&self, id: WorkOrderId) -> Answer<String>;
    /// E-mails the receipt (to the customer's address on file when `to` is `None`); online
    /// only. Answers the address it went to.
    fn email_receipt(&self, id: WorkOrderId, to: Option<String>) -> Answer<String>;

    // Printing on site (the app only: a browser cannot reach a Bluetooth or network printer).
    fn printer(&self) -> Answer<Option<PrinterChoice>> {
        app_only()
    }
    fn set_printer(&self, _printer: PrinterChoice) -> Answer<()> {
        app_only()
    }
    /// Pairs a Bluetooth Classic printer found nearby, with its PIN.
    fn pair_printer(&self, _device: String, _pin: String) -> Answer<()> {
        app_only()
    }
    /// The printer profiles the app knows (width, text or raster, code page, pacing).
    fn printer_profiles(&self) -> Answer<Vec<String>> {
        app_only()
    }
    fn print_jobs(&self) -> Answer<Vec<PrintJob>> {
        app_only()
    }
    /// Prints the job's signed receipt on the default printer; answers the queue.
    fn print_receipt(&self, _id: WorkOrderId) -> Answer<Vec<PrintJob>> {
        app_only()
    }
    fn reprint(&self, _job: String) -> Answer<Vec<PrintJob>> {
        app_only()
    }
    fn print_test_page(&self) -> Answer<Vec<PrintJob>> {
        app_only()
    }
    /// Bluetooth printers nearby (and paired ones), for the pairing screen.
    fn find_printers(&self) -> Answer<Vec<FoundPrinter>> {
        app_only()
    }

    /// The work-order pool: jobs the desk released that this engineer may pick (online only).
    fn pool(&self) -> Answer<Vec<PoolJob>>;
    /// Takes a job from the pool; it becomes this engineer's, accepted.
    fn pick(&self, id: WorkOrderId) -> Answer<()>;
    /// Where the engineer is while a job of theirs is on the way: kept for the next sync in the
    /// app, sent at once in a browser; either only when it moved or aged enough (core's
    /// `tracking::worth_reporting`). Answers whether it was kept (or sent).
    fn report_position(&self, fix: fixline_core::position::PositionFix) -> Answer<bool>;

    // The dispatcher's console (browser only: the app is the engineer's).
    fn desk_board(&self, _day: chrono::NaiveDate) -> Answer<Board> {
        console_only()
    }
    /// The desk's work-order list; `query` is the list's query string (`q=…&status=…`).
    fn work_orders(
        &self,
        _query: String,
    ) -> Answer<Vec<fixline_core::work_order::WorkOrderSummary>> {
        console_only()
    }
    /// Requests held for the desk because they matched a customer on file.
    fn pending_intakes(&self) -> Answer<Vec<fixline_core::intake::PendingIntake>> {
        console_only()
    }
    /// Files a held request (to a customer, a new customer, or not at all).
    fn file_pending(
        &self,
        _id: fixline_core::ids::PendingIntakeId,
        _filing: fixline_core::intake::Filing,
    ) -> Answer<fixline_core::intake::PendingIntake> {
        console_only()
    }
    fn customer_file(&self, _id: fixline_core::ids::CustomerId) -> Answer<CustomerFile> {
        console_only()
    }
    /// Who did what to a job, oldest first.
    fn history(&self, _id: WorkOrderId) -> Answer<Vec<fixline_core::work_order::HistoryEntry>> {
        console_only()
    }
    /// Customers a caller's words fit (name, phone, address, serial).
    fn customers(&self, _q: String) -> Answer<Vec<fixline_core::customer::Customer>> {
        console_only()
    }
    fn add_site(
        &self,
        _customer: fixline_core::ids::CustomerId,
        _site: fixline_core::customer::SiteDetails,
    ) -> Answer<fixline_core::customer::Site> {
        console_only()
    }
    /// Changes a customer's details, at the version shown.
    fn update_customer(
        &self,
        _id: fixline_core::ids::CustomerId,
        _version: u64,
        _details: fixline_core::customer::CustomerDetails,
    ) -> Answer<fixline_core::customer::Customer> {
        console_only()
    }
    /// Changes a site, at the version shown.
    fn update_site(
        &self,
        _id: fixline_core::ids::SiteId,
        _version: u64,
        _details: fixline_core::customer::SiteDetails,
    ) -> Answer<fixline_core::customer::Site> {
        console_only()
    }
    /// Finds the site's position from its address (the server's geocoding service).
    fn locate_site(&self, _id: fixline_core::ids::SiteId) -> Answer<fixline_core::customer::Site> {
        console_only()
    }
    fn add_contact(
        &self,
        _customer: fixline_core::ids::CustomerId,
        _details: fixline_core::customer::ContactDetails,
    ) -> Answer<fixline_core::customer::Contact> {
        console_only()
    }
    fn add_asset(
        &self,
        _customer: fixline_core::ids::CustomerId,
        _details: fixline_core::customer::AssetDetails,
    ) -> Answer<fixline_core::customer::Asset> {
        console_only()
    }
    /// Changes a contact, at the version shown.
    fn update_contact(
        &self,
        _id: fixline_core::ids::ContactId,
        _version: u64,
        _details: fixline_core::customer::ContactDetails,
    ) -> Answer<fixline_core::customer::Contact> {
        console_only()
    }
    /// Changes an asset, at the version shown.
    fn update_asset(
        &self,
        _id: fixline_core::ids::AssetId,
        _version: u64,
        _details: fixline_core::customer::AssetDetails,
    ) -> Answer<fixline_core::customer::Asset> {
        console_only()
    }
    /// Who changed what in a customer's file, newest first.
    fn file_history(
        &self,
        _id: fixline_core::ids::CustomerId,
    ) -> Answer<Vec<fixline_core::customer::history::FileEdit>> {
        console_only()
    }
    fn auto_assign_settings(&self) -> Answer<fixline_core::auto_assign::AutoAssignSettings> {
        console_only()
    }
    /// Every login (administrators).
    fn users(&self) -> Answer<Vec<fixline_core::security::User>> {
        console_only()
    }
    /// The customer's tracking link of a request (desk roles).
    fn tracking_link(&self, _id: WorkOrderId) -> Answer<fixline_api::work_orders::TrackingLink> {
        console_only()
    }
    /// The customer's answer after the job (desk roles); `not_found` while there is none.
    fn survey(&self, _id: WorkOrderId) -> Answer<fixline_core::survey::Survey> {
        console_only()
    }
    /// Finished jobs due a return call.
    fn return_visits(&self) -> Answer<Vec<fixline_api::return_visits::DueCall>> {
        console_only()
    }
    /// Records a return call and what follows from it.
    fn return_call(
        &self,
        _id: WorkOrderId,
        _call: fixline_api::return_visits::ReturnCallRequest,
    ) -> Answer<fixline_api::return_visits::ReturnCallDone> {
        console_only()
    }
    /// The week's QA sample (service managers).
    fn qa_sample(&self, _week: String) -> Answer<Vec<fixline_api::quality::QaCase>> {
        console_only()
    }
    /// A job's QA scorecard.
    fn qa_review(
        &self,
        _id: WorkOrderId,
        _review: fixline_api::quality::QaReviewRequest,
    ) -> Answer<fixline_core::quality::QaReview> {
        console_only()
    }
    /// Every engineer's QA results.
    fn qa_results(&self) -> Answer<Vec<fixline_api::quality::EngineerQa>> {
        console_only()
    }
    /// The KPI dashboard's figures (service managers, admins).
    fn kpis(&self, _q: fixline_api::kpi::KpiQuery) -> Answer<fixline_api::kpi::KpiTable> {
        console_only()
    }
    /// The jobs behind a slice's figures.
    fn kpi_jobs(
        &self,
        _q: fixline_api::kpi::KpiQuery,
        _page: u32,
    ) -> Answer<fixline_api::kpi::KpiJobs> {
        console_only()
    }
    /// One KPI drawn over twelve months and per slice.
    fn kpi_charts(
        &self,
        _q: fixline_api::kpi::KpiQuery,
        _kpi: fixline_core::kpi::Kpi,
        _lang: &'static str,
    ) -> Answer<fixline_api::kpi::KpiCharts> {
        console_only()
    }
    fn kpi_targets(&self) -> Answer<fixline_api::kpi::KpiTargets> {
        console_only()
    }
    fn save_kpi_targets(
        &self,
        _targets: std::collections::BTreeMap<fixline_core::kpi::Kpi, f64>,
        _version: u64,
    ) -> Answer<fixline_api::kpi::KpiTargets> {
        console_only()
    }
    /// A KPI file: the review pack of a month or quarter (`review?period=…`), or an export of
    /// the table or the jobs behind it (`export?…`); the bytes as the server sent them.
    fn kpi_file(&self, _path_and_query: String) -> Answer<Vec<u8>> {
        console_only()
    }
    fn improvement_actions(&self) -> Answer<Vec<fixline_core::improvement::ImprovementAction>> {
        console_only()
    }
    /// A new improvement action, or (with its id and version) a change to one.
    fn save_improvement_action(
        &self,
        _id: Option<(fixline_core::ids::ImprovementId, u64)>,
        _details: fixline_core::improvement::ActionDetails,
    ) -> Answer<fixline_core::improvement::ImprovementAction> {
        console_only()
    }
    /// The desk's list of articles, drafts too; `query` is a query string (`q=…&kind=…`).
    fn list_articles(&self, _query: String) -> Answer<fixline_api::Page<Article>> {
        console_only()
    }
    /// A new article (a draft).
    fn create_article(&self, _content: fixline_core::knowledge::ArticleContent) -> Answer<Article> {
        console_only()
    }
    /// Saves a draft, publishes or withdraws, at the version the author saw.
    fn edit_article(
        &self,
        _id: fixline_core::ids::ArticleId,
        _version: u64,
        _edit: fixline_core::knowledge::ArticleEdit,
    ) -> Answer<Article> {
        console_only()
    }
    /// Stores an image file for articles.
    fn upload_article_image(
        &self,
        _bytes: Vec<u8>,
    ) -> Answer<fixline_api::knowledge::ArticleImageStored> {
        console_only()
    }
    fn article_stats(&self) -> Answer<Vec<fixline_api::knowledge::ArticleReadStats>> {
        console_only()
    }
    /// The signed-in engineer's own figures by month (online only).
    fn my_scorecard(&self) -> Answer<fixline_api::kpi::KpiTable> {
        console_only()
    }
    /// Creates a login (administrators).
    fn add_user(
        &self,
        _new: fixline_api::session::NewUser,
    ) -> Answer<fixline_core::security::User> {
        console_only()
    }
    /// Disables, enables, resets the password of, signs out or gives another role to a login
    /// (administrators).
    fn change_access(
        &self,
        _user: fixline_core::ids::UserId,
        _change: fixline_core::security::AccessChange,
    ) -> Answer<fixline_core::security::User> {
        console_only()
    }
    /// The security log, newest first (administrators).
    fn security_events(&self) -> Answer<Vec<fixline_core::security::SecurityEvent>> {
        console_only()
    }
    /// The complaint inbox (complaint staff): open ones, overdue first; `all` adds closed ones.
    fn complaints(&self, _all: bool) -> Answer<Vec<fixline_api::complaints::ComplaintView>> {
        console_only()
    }
    fn complaint(
        &self,
        _id: fixline_core::ids::ComplaintId,
    ) -> Answer<fixline_api::complaints::ComplaintView> {
        console_only()
    }
    /// Files a complaint (the desk and complaint staff).
    fn file_complaint(
        &self,
        _request: fixline_core::complaint::ComplaintRequest,
    ) -> Answer<fixline_api::complaints::ComplaintView> {
        console_only()
    }
    /// One step of a complaint's lifecycle.
    fn complaint_step(
        &self,
        _id: fixline_core::ids::ComplaintId,
        _action: fixline_core::complaint::ComplaintAction,
    ) -> Answer<fixline_api::complaints::ComplaintView> {
        console_only()
    }
    /// Registered device keys (administrators).
    fn device_keys(&self) -> Answer<Vec<fixline_core::security::RegisteredDevice>> {
        console_only()
    }
    fn revoke_device_key(&self, _public_key: String) -> Answer<()> {
        console_only()
    }
    /// The intake channels' keys, without secrets (administrators).
    fn intake_keys(&self) -> Answer<Vec<fixline_core::security::IntakeKeyInfo>> {
        console_only()
    }
    fn revoke_intake_key(&self, _id: String) -> Answer<()> {
        console_only()
    }
    /// One table of the customer file as CSV, as an object URL to save (administrators).
    fn export_table(&self, _table: fixline_api::transfer::FileTable) -> Answer<String> {
        console_only()
    }
    /// Files a CSV's rows into the customer file; says what it did with each.
    fn import_table(
        &self,
        _table: fixline_api::transfer::FileTable,
        _csv: Vec<u8>,
    ) -> Answer<fixline_api::transfer::ImportReport> {
        console_only()
    }
    /// Saves where jobs are assigned automatically, over the version shown.
    fn save_auto_assign(
        &self,
        _version: u64,
        _policy: fixline_core::auto_assign::AutoAssignPolicy,
    ) -> Answer<fixline_core::auto_assign::AutoAssignSettings> {
        console_only()
    }
    /// Notices to customers, newest first; only the dead ones if `dead_only`.
    fn notifications(&self, _dead_only: bool) -> Answer<Vec<fixline_core::notify::Delivery>> {
        console_only()
    }
    /// Sends a dead notice again.
    fn resend_notification(&self, _id: String) -> Answer<fixline_core::notify::Delivery> {
        console_only()
    }
    /// The code lists in force, with their version, for the settings screen.
    fn code_book_settings(&self) -> Answer<fixline_core::fault_code::CodeBookSettings> {
        console_only()
    }
    /// Saves the code lists over the version shown (service manager or admin).
    fn save_code_book(
        &self,
        _version: u64,
        _book: fixline_core::fault_code::CodeBook,
    ) -> Answer<fixline_core::fault_code::CodeBookSettings> {
        console_only()
    }
    /// The wording of every customer notice in force.
    fn notice_templates(&self) -> Answer<fixline_api::notices::NoticeTemplates> {
        console_only()
    }
    /// Saves the changed wording over the version shown (service manager or admin).
    fn save_notice_templates(
        &self,
        _version: u64,
        _changed: Vec<fixline_api::notices::NoticeTemplate>,
    ) -> Answer<fixline_api::notices::NoticeTemplates> {
        console_only()
    }
    /// The signed-in user's own notices (the bell); the app has none (the job list is its).
    fn my_notices(&self) -> Answer<Vec<fixline_core::notify::StaffNotice>> {
        console_only()
    }
    /// Marks one of the user's notices read, or all of them.
    fn read_my_notices(&self, _id: Option<uuid::Uuid>) -> Answer<()> {
        console_only()
    }
    /// The integrations' webhooks (admin).
    fn webhooks(&self) -> Answer<fixline_api::notices::WebhookSettings> {
        console_only()
    }
    /// Adds a webhook; its secret is in the answer, once.
    fn add_webhook(
        &self,
        _draft: fixline_api::notices::WebhookDraft,
    ) -> Answer<fixline_api::notices::CreatedWebhook> {
        console_only()
    }
    /// Changes (pauses, resumes) a webhook over the version shown.
    fn change_webhook(
        &self,
        _id: uuid::Uuid,
        _version: u64,
        _draft: fixline_api::notices::WebhookDraft,
    ) -> Answer<fixline_api::notices::WebhookSettings> {
        console_only()
    }
    /// What was sent to one webhook, newest first.
    fn webhook_log(&self, _id: uuid::Uuid) -> Answer<Vec<fixline_core::notify::Delivery>> {
        console_only()
    }
    /// A template rendered with a sample job.
    fn preview_notice(
        &self,
        _template: fixline_api::notices::NoticeTemplate,
    ) -> Answer<fixline_api::notices::RenderedNotice> {
        console_only()
    }
    /// Opens the job for a request the desk took.
    fn take_call(
        &self,
        _intake: fixline_core::intake::DeskIntake,
    ) -> Answer<fixline_core::intake::IntakeReceipt> {
        console_only()
    }
    /// What a drop would break, before it is made.
    fn check_placement(&self, _check: PlacementCheck) -> Answer<PlacementAssessment> {
        console_only()
    }
    /// Gives jobs to engineers (triaging new ones first), with their times if chosen; returns
    /// the refusals.
    fn assign(&self, _assignments: Vec<Placement>) -> Answer<Vec<fixline_api::dispatch::Applied>> {
        console_only()
    }
    /// The map tiles the service draws its maps on (none: a plain background).
    fn map_tiles(&self) -> Answer<fixline_core::board::MapTiles> {
        console_only()
    }
    /// The part of a day's board some live changes touched.
    fn board_update(
        &self,
        _request: fixline_core::board::BoardUpdateRequest,
    ) -> Answer<fixline_core::board::BoardUpdate> {
        console_only()
    }
    fn propose(
        &self,
        _day: chrono::NaiveDate,
        _scenario: Option<Scenario>,
    ) -> Answer<ProposedPlan> {
        console_only()
    }
    /// Calls `changed` with each change the server reports (`None`: one it could not read);
    /// returns a handle that stops it.
    fn follow_live(
        &self,
        _changed: Box<dyn Fn(Option<fixline_api::live::Change>)>,
    ) -> Option<Box<dyn FnOnce()>> {
        None
    }
}

fn app_only<T: 'static>() -> Answer<T> {
    Box::pin(async {
        Err(UiError::new(
            "app_only",
            "printing works in the engineer app on a tablet or phone",
        ))
    })
}

fn console_only<T: 'static>() -> Answer<T> {
    Box::pin(async {
        Err(UiError::new(
            "console_only",
            "the dispatch console runs in the browser",
        ))
    })
}

thread_local! {
    static BACKEND: RefCell<Option<Rc<dyn Backend>>> = const { RefCell::new(None) };
}

/// The backend of this run: the device inside the Tauri app, the server in a browser.
pub fn backend() -> Rc<dyn Backend> {
    BACKEND.with(|b| {
        b.borrow_mut()
            .get_or_insert_with(|| {
                if device::available() {
                    Rc::new(device::Device) as Rc<dyn Backend>
                } else {
                    Rc::new(server::Server::from_location())
                }
            })
            .clone()
    })
}

pub fn storage_get(key: &str) -> Option<String> {
    web_sys::window()?
        .local_storage()
        .ok()??
        .get_item(key)
        .ok()?
}

pub fn storage_set(key: &str, value: Option<&str>) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = match value {
            Some(v) => storage.set_item(key, v),
            None => storage.remove_item(key),
        };
    }
}

pub use crate::clock::now;

/// An object URL for bytes, so `<img>` and new windows can show them.
pub fn object_url(bytes: &[u8], mime: &str) -> Result<String, UiError> {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .and_then(|blob| web_sys::Url::create_object_url_with_blob(&blob))
        .map_err(|_| UiError::new("invalid_input", "cannot show the file"))
}

/// Waits `ms` milliseconds without blocking the page.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A KPI question as a query string, each value percent-encoded.
pub fn kpi_query(q: &fixline_api::kpi::KpiQuery) -> String {
    let mut parts = vec![format!("by={}", q.by.as_str())];
    let mut add = |name: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            parts.push(format!("{name}={}", js_sys::encode_uri_component(&v)));
        }
    };
    add("from", q.from.map(|d| d.to_string()));
    add("to", q.to.map(|d| d.to_string()));
    add("engineer", q.engineer.map(|e| e.to_string()));
    add("region", q.region.clone());
    add("category", q.category.clone());
    add("model", q.model.clone());
    add("channel", q.channel.clone());
    add("key", q.key.clone());
    parts.join("&")
}
