//! The engineer app's Tauri 2 shell: one window with the Leptos UI, and one `#[tauri::command]`
//! per thing the UI asks, each a thin call into `fixline-device` (the device store and sync
//! engine, which know nothing of Tauri). Errors cross as `{code, message}`.
//!
//! Knows Tauri and nothing else; the same commands run on desktop, Android and iOS.

mod printers;

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use fixline_api::app::{
    ActArgs, AddPhotoArgs, ArticleArgs, EmailReceiptArgs, FindArticlesArgs, JobDetail,
    MakeReceiptArgs, PairPrinterArgs, PhotoArgs, ReportPositionArgs, ReprintArgs, SetPrinterArgs,
    SignInArgs, WorkOrderArgs,
};
use fixline_core::billing::Part;
use fixline_core::board::PoolJob;
use fixline_core::device::{DeviceUser, LocalJob, OutboxItem, SyncReport, SyncStatus};
use fixline_core::device::{FoundPrinter, PrintJob, PrinterChoice};
use fixline_core::ids::ActionId;
use fixline_core::knowledge::Article;
use fixline_core::receipt::ReceiptSettings;
use fixline_core::sync::{Colleague, SyncConflict};
use fixline_device::{DeviceStore, ErrorBody, PrintRunner, Printing, ServerLink, SyncScheduler};
use fixline_receipt::ReceiptFonts;
use tauri::{Manager, State};

/// The device's store, when it syncs, and how it prints; each command is one call on these.
struct Device {
    store: DeviceStore,
    sync: SyncScheduler,
    printing: PrintRunner,
    /// The receipt font, parsed on the first receipt (`FIXLINE_RECEIPT_FONT`, else the system's
    /// Noto Sans CJK; the mobile builds bundle it as a resource).
    fonts: std::sync::OnceLock<Result<ReceiptFonts, String>>,
}

impl Device {
    fn fonts(&self) -> Answer<&ReceiptFonts> {
        loaded(&self.fonts, || {
            ReceiptFonts::system().map_err(|e| e.to_string())
        })
    }
}

type Answer<T> = Result<T, ErrorBody>;

/// A font loaded on first use and kept; a missing font stays an error that names the fix.
fn loaded<T>(
    cell: &std::sync::OnceLock<Result<T, String>>,
    load: impl FnOnce() -> Result<T, String>,
) -> Answer<&T> {
    cell.get_or_init(load)
        .as_ref()
        .map_err(|message| ErrorBody::new("no_font", message.clone()))
}

fn fail(e: fixline_device::Error) -> ErrorBody {
    ErrorBody::from(&e)
}

#[tauri::command]
fn status(device: State<'_, Device>) -> Answer<SyncStatus> {
    let mut status = device.store.status().map_err(fail)?;
    status.progress = device.sync.progress();
    Ok(status)
}

#[tauri::command]
async fn sign_in(device: State<'_, Device>, args: SignInArgs) -> Answer<DeviceUser> {
    let session = ServerLink::new(&args.server)
        .map_err(fail)?
        .sign_in(&args.username, &args.password)
        .await
        .map_err(fail)?;
    device.store.sign_in(&session).map_err(fail)?;
    Ok(session.user)
}

#[tauri::command]
fn sign_out(device: State<'_, Device>) -> Answer<()> {
    device.store.sign_out().map_err(fail)
}

#[tauri::command]
fn jobs(device: State<'_, Device>) -> Answer<Vec<LocalJob>> {
    device.store.jobs(device.store.now()).map_err(fail)
}

#[tauri::command]
fn job(device: State<'_, Device>, args: WorkOrderArgs) -> Answer<JobDetail> {
    let job = device.store.job(args.id).map_err(fail)?;
    let customer = device.store.customer_file(job.work_order.customer_id).ok();
    Ok(JobDetail { job, customer })
}

/// Does an action on the device now; it syncs in the background when the server is reachable.
#[tauri::command]
fn act(app: tauri::AppHandle, device: State<'_, Device>, args: ActArgs) -> Answer<LocalJob> {
    let ActArgs { id, action } = args;
    let action_id = ActionId::from_uuid(uuid::Uuid::now_v7());
    let job = device
        .store
        .perform(id, action, action_id, device.store.now())
        .map_err(fail)?;
    sync_soon(app);
    Ok(job)
}

/// Keeps the engineer's position for the next sync while a job is on the way (the UI watches the
/// location service only then); answers whether it was worth keeping. A kept one (at most every
/// 250 m or 3 minutes) syncs now, so the customer's map follows the engineer.
#[tauri::command]
fn report_position(
    app: tauri::AppHandle,
    device: State<'_, Device>,
    args: ReportPositionArgs,
) -> Answer<bool> {
    let kept = device.store.note_position(args.fix).map_err(fail)?;
    if kept {
        sync_soon(app);
    }
    Ok(kept)
}

/// Starts a background sync; it does nothing when offline, and the next one retries.
fn sync_soon(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        let device = app.state::<Device>();
        let _ = device.sync.sync_soon(&device.store).await;
    });
}

/// Adds a photo from the camera or a file (base64, as it crosses from the webview).
#[tauri::command(async)]
fn add_photo(
    app: tauri::AppHandle,
    device: State<'_, Device>,
    args: AddPhotoArgs,
) -> Answer<LocalJob> {
    let AddPhotoArgs {
        id,
        tag,
        caption,
        data,
    } = args;
    let bytes = BASE64.decode(data.as_bytes()).map_err(|e| ErrorBody {
        code: "invalid_input".into(),
        message: format!("the photo did not arrive whole: {e}"),
    })?;
    let action_id = ActionId::from_uuid(uuid::Uuid::now_v7());
    let job = device
        .store
        .add_photo(id, &bytes, tag, &caption, action_id, device.store.now())
        .map_err(fail)?;
    sync_soon(app);
    Ok(job)
}

/// A photo's thumbnail as a `data:` URL for an `<img>`.
#[tauri::command]
fn photo(device: State<'_, Device>, args: PhotoArgs) -> Answer<String> {
    let jpeg = device.store.thumbnail(&args.sha256).map_err(fail)?;
    Ok(format!("data:image/jpeg;base64,{}", BASE64.encode(jpeg)))
}

#[tauri::command]
fn parts(device: State<'_, Device>) -> Answer<Vec<Part>> {
    device.store.parts().map_err(fail)
}

#[tauri::command]
fn code_book(device: State<'_, Device>) -> Answer<fixline_core::fault_code::CodeBook> {
    device.store.code_book().map_err(fail)
}

#[tauri::command]
fn clock(device: State<'_, Device>) -> Answer<fixline_core::clock::ServiceClock> {
    device.store.clock().map_err(fail)
}

#[tauri::command]
fn receipt_settings(device: State<'_, Device>) -> Answer<ReceiptSettings> {
    device.store.receipt_settings().map_err(fail)
}

/// The customer signed (or refused): make, seal and keep the receipt, offline.
#[tauri::command(async)]
fn make_receipt(
    app: tauri::AppHandle,
    device: State<'_, Device>,
    args: MakeReceiptArgs,
) -> Answer<LocalJob> {
    let MakeReceiptArgs {
        id,
        sign_off,
        position,
    } = args;
    let fonts = device.fonts()?;
    let action_id = ActionId::from_uuid(uuid::Uuid::now_v7());
    let job = device
        .store
        .make_receipt(id, sign_off, position, fonts, action_id, device.store.now())
        .map_err(fail)?;
    sync_soon(app);
    Ok(job)
}

/// Has the server e-mail the receipt; needs a connection.
#[tauri::command]
async fn email_receipt(device: State<'_, Device>, args: EmailReceiptArgs) -> Answer<String> {
    fixline_device::email_receipt(&device.store, args.id, args.to)
        .await
        .map_err(fail)
}

/// The work-order pool (online only).
#[tauri::command]
async fn pool(device: State<'_, Device>) -> Answer<Vec<PoolJob>> {
    fixline_device::pool::pool(&device.store)
        .await
        .map_err(fail)
}

/// The engineer's own KPIs (online only).
#[tauri::command]
async fn scorecard(device: State<'_, Device>) -> Answer<fixline_api::kpi::KpiTable> {
    fixline_device::scorecard::scorecard(&device.store)
        .await
        .map_err(fail)
}

/// Picks a job from the pool, then syncs so it is on the device.
#[tauri::command]
async fn pick(app: tauri::AppHandle, device: State<'_, Device>, args: WorkOrderArgs) -> Answer<()> {
    fixline_device::pool::pick(&device.store, args.id)
        .await
        .map_err(fail)?;
    let (report, asked_meanwhile) = device.sync.sync_now(&device.store).await;
    if asked_meanwhile {
        sync_soon(app);
    }
    report.map(drop).map_err(fail)
}

#[tauri::command]
fn printer(device: State<'_, Device>) -> Answer<Option<PrinterChoice>> {
    device.store.printer().map_err(fail)
}

#[tauri::command]
fn set_printer(device: State<'_, Device>, args: SetPrinterArgs) -> Answer<()> {
    device.store.set_printer(&args.printer).map_err(fail)
}

/// The printer profiles this build knows, for the printer screen's choice.
#[tauri::command]
fn printer_profiles() -> Vec<String> {
    fixline_print::Profile::builtin()
        .into_iter()
        .map(|p| p.name)
        .collect()
}

#[tauri::command]
fn print_jobs(device: State<'_, Device>) -> Answer<Vec<PrintJob>> {
    device.store.print_jobs().map_err(fail)
}

/// Queues the job's signed receipt and prints the queue, off the UI thread.
#[tauri::command]
async fn print_receipt(app: tauri::AppHandle, args: WorkOrderArgs) -> Answer<Vec<PrintJob>> {
    print_in_background(app, Printing::Receipt(args.id)).await
}

/// Prints the sample receipt on the default printer, to check it works.
#[tauri::command]
async fn print_test_page(app: tauri::AppHandle) -> Answer<Vec<PrintJob>> {
    print_in_background(app, Printing::TestPage).await
}

/// Sends a printed, failed or interrupted job again.
#[tauri::command]
async fn reprint(
    app: tauri::AppHandle,
    device: State<'_, Device>,
    args: ReprintArgs,
) -> Answer<Vec<PrintJob>> {
    device
        .store
        .requeue_print(&args.job, device.store.now())
        .map_err(fail)?;
    print_in_background(app, Printing::Queue).await
}

async fn print_in_background(app: tauri::AppHandle, what: Printing) -> Answer<Vec<PrintJob>> {
    tauri::async_runtime::spawn_blocking(move || {
        let device = app.state::<Device>();
        let open =
            |address: &_, profile: &_, timeout| printers::open(&app, address, profile, timeout);
        device
            .printing
            .print(&device.store, what, &open)
            .map_err(fail)
    })
    .await
    .map_err(|e| ErrorBody {
        code: "app_error".into(),
        message: e.to_string(),
    })?
}

/// The job's receipt PDF, base64.
#[tauri::command(async)]
fn receipt_pdf(device: State<'_, Device>, args: WorkOrderArgs) -> Answer<String> {
    Ok(BASE64.encode(device.store.receipt_pdf(args.id).map_err(fail)?))
}

#[tauri::command]
fn find_articles(device: State<'_, Device>, args: FindArticlesArgs) -> Answer<Vec<Article>> {
    device
        .store
        .find_articles(&args.query, args.model.as_deref())
        .map_err(fail)
}

#[tauri::command]
fn article(device: State<'_, Device>, args: ArticleArgs) -> Answer<Article> {
    device.store.article(args.id).map_err(fail)
}

#[tauri::command]
fn job_help(
    device: State<'_, Device>,
    args: WorkOrderArgs,
) -> Answer<fixline_api::knowledge::JobHelp> {
    device.store.job_help(args.id).map_err(fail)
}

/// An article's image as a `data:` URL for an `<img>`.
#[tauri::command]
fn article_image(device: State<'_, Device>, args: PhotoArgs) -> Answer<String> {
    let (media_type, bytes) = device.store.article_image(&args.sha256).map_err(fail)?;
    Ok(format!("data:{media_type};base64,{}", BASE64.encode(bytes)))
}

#[tauri::command]
fn colleagues(device: State<'_, Device>) -> Answer<Vec<Colleague>> {
    device.store.colleagues().map_err(fail)
}

#[tauri::command]
fn outbox(device: State<'_, Device>) -> Answer<Vec<OutboxItem>> {
    device.store.outbox().map_err(fail)
}

#[tauri::command]
fn conflicts(device: State<'_, Device>) -> Answer<Vec<SyncConflict>> {
    device.store.conflicts().map_err(fail)
}

/// "Sync now": ignores the retry back-off.
#[tauri::command]
async fn sync_now(app: tauri::AppHandle, device: State<'_, Device>) -> Answer<SyncReport> {
    let (report, asked_meanwhile) = device.sync.sync_now(&device.store).await;
    // A background sync asked for meanwhile found this one running and left it to us.
    if asked_meanwhile {
        sync_soon(app);
    }
    report.map_err(fail)
}

/// The device database: `FIXLINE_DEVICE_DB` if set (tests, several users on one desktop),
/// else `fixline-device.db` in the app's data folder.
fn database_path(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(path) = std::env::var_os("FIXLINE_DEVICE_DB") {
        return Ok(PathBuf::from(path));
    }
    let dir = app.path().app_data_dir()?;
    std::fs::create_dir_all(&dir)?;
    Ok(dir.join("fixline-device.db"))
}

/// Bluetooth and other printers nearby, for the pairing screen (a few seconds of scanning).
#[tauri::command]
async fn find_printers(app: tauri::AppHandle) -> Answer<Vec<FoundPrinter>> {
    on_printer_thread(move || printers::find(&app)).await
}

/// Pairs a Bluetooth Classic printer with the PIN from its manual (Linux; phones pair in
/// their own settings and say so).
#[tauri::command]
async fn pair_printer(args: PairPrinterArgs) -> Answer<()> {
    on_printer_thread(move || fixline_bluetooth::pair(&args.device, &args.pin, printers::PAIRING))
        .await
}

/// Runs blocking Bluetooth work off the UI's thread; its failures are the printer's.
async fn on_printer_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, fixline_print::PrintError> + Send + 'static,
) -> Answer<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| ErrorBody {
            code: "app_error".into(),
            message: e.to_string(),
        })?
        .map_err(|e| ErrorBody {
            code: "printer".into(),
            message: e.to_string(),
        })
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let builder = tauri::Builder::default();
    #[cfg(mobile)]
    let builder = printers::plugins(builder);
    let app = builder
        .setup(|app| {
            let store = DeviceStore::open(&database_path(app)?)?;
            app.manage(Device {
                store,
                sync: SyncScheduler::new(),
                printing: PrintRunner::new(),
                fonts: std::sync::OnceLock::new(),
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            status,
            sign_in,
            sign_out,
            jobs,
            job,
            act,
            add_photo,
            photo,
            clock,
            receipt_settings,
            parts,
            code_book,
            make_receipt,
            receipt_pdf,
            email_receipt,
            pool,
            pick,
            scorecard,
            find_printers,
            pair_printer,
            printer,
            set_printer,
            print_jobs,
            printer_profiles,
            print_receipt,
            print_test_page,
            reprint,
            find_articles,
            article,
            job_help,
            article_image,
            colleagues,
            outbox,
            conflicts,
            sync_now,
            report_position
        ])
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => eprintln!("Fixline could not start: {e}"),
    }
}
