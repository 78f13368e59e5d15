//! Printing on site from the device: the signed receipt goes through the print queue to a
//! network printer and decodes to the same receipt (QR to the customer's page included); a job
//! cut off by the app stopping is offered for reprint, not resent silently or lost; a printer
//! that hangs up mid-job leaves a failed job that says how far it got; a Bluetooth Classic
//! printer on a phone gets the whole job through the platform plugin's bridge.

use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{TimeDelta, Utc};
use fixline_bluetooth::bridge::{BridgeLink, PluginJob, PluginPrinted, PrinterPlugin};
use fixline_core::device::{PrintState, PrinterAddress, PrinterChoice};
use fixline_core::ids::{ActionId, WorkOrderId};
use fixline_core::receipt::{SignOff, Signature};
use fixline_core::work_order::{Action, ResolutionType};
use fixline_device::printing::{network_links, queue_receipt, run_queue};
use fixline_device::{DeviceStore, sync};
use fixline_print::decode::decode;
use fixline_print::link::PrinterLink;
use fixline_print::{Profile, RasterFont};
use fixline_receipt::ReceiptFonts;
use fixline_tests::printer::TestPrinter;
use fixline_tests::{chens_job, crew, signed_in_device};
use uuid::Uuid;

fn new_id() -> ActionId {
    ActionId::from_uuid(Uuid::now_v7())
}

fn printer(port: u16) -> PrinterChoice {
    PrinterChoice {
        name: "柜台打印机".into(),
        address: PrinterAddress::Tcp {
            host: "127.0.0.1".into(),
            port,
        },
        profile: "80mm-network".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_receipt_prints_survives_an_app_stop_and_reports_a_dead_printer() {
    let crew = crew().await;
    let (job, _) = chens_job(&crew, "SC650-PRNT").await;
    let job: WorkOrderId = job.parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chen.db");
    let device = signed_in_device(&crew.server, dir.path(), "chen").await;
    sync(&device, false, |_| {}).await.unwrap();
    let t0 = Utc::now() - TimeDelta::minutes(60);
    for (m, action) in [
        (0, Action::Accept),
        (5, Action::StartTravel),
        (20, Action::Arrive { position: None }),
        (
            50,
            Action::Complete {
                resolution: ResolutionType::OnSiteRepair,
                summary: "更换启动继电器".into(),
                position: None,
                fault_code: None,
                cause_code: None,
                resolution_code: None,
            },
        ),
    ] {
        device
            .perform(job, action, new_id(), t0 + TimeDelta::minutes(m))
            .unwrap();
    }
    let fonts = ReceiptFonts::system().unwrap();
    let signed = device
        .make_receipt(
            job,
            SignOff::Signed(Signature {
                signer_name: "陈静".into(),
                signed_at: t0 + TimeDelta::minutes(51),
                width: 600.0,
                height: 220.0,
                strokes: vec![vec![[20.0, 150.0], [90.0, 40.0], [160.0, 170.0]]],
            }),
            None,
            &fonts,
            new_id(),
            t0 + TimeDelta::minutes(51),
        )
        .unwrap();
    let token = signed.work_order.receipt.unwrap().token;
    let font = RasterFont::system().unwrap();

    // No printer chosen yet: a clear refusal.
    let err = queue_receipt(&device, job, &font).unwrap_err();
    assert_eq!(err.code(), "printer", "{err}");

    // Printed on the counter's network printer, and it is the receipt.
    let counter = TestPrinter::start(None);
    device.set_printer(&printer(counter.port)).unwrap();
    queue_receipt(&device, job, &font).unwrap();
    let jobs = tokio::task::block_in_place(|| run_queue(&device, &network_links)).unwrap();
    assert_eq!(jobs[0].state, PrintState::Printed, "{jobs:?}");
    assert_eq!(jobs[0].sent, jobs[0].total);
    assert_eq!(jobs[0].attempts, 1, "progress is not an attempt");
    let bytes = counter.jobs.recv().unwrap();
    let printout = decode(&bytes, 576, fixline_print::CodePage::Ascii, None).unwrap();
    let links = fixline_tests::qr_codes(printout.paper.to_gray());
    assert!(
        links.iter().any(|l| l.ends_with(&format!("/r/{token}"))),
        "the printed QR leads to the customer's page: {links:?}"
    );

    // The test page prints on the same printer.
    fixline_device::printing::queue_test_page(&device, &font).unwrap();
    let jobs = tokio::task::block_in_place(|| run_queue(&device, &network_links)).unwrap();
    assert_eq!(jobs[0].state, PrintState::Printed, "{jobs:?}");
    let test_page = decode(
        &counter.jobs.recv().unwrap(),
        576,
        fixline_print::CodePage::Ascii,
        None,
    )
    .unwrap();
    assert!(test_page.paper.ink() > 10_000);

    // The app stops while a reprint is being sent; on restart the job asks to be reprinted.
    let second = queue_receipt(&device, job, &font).unwrap();
    device.mark_sending_for_test(&second).unwrap();
    drop(device);
    let device = DeviceStore::open(&db).unwrap();
    let jobs = device.print_jobs().unwrap();
    let cut = jobs.iter().find(|j| j.id == second).unwrap();
    assert_eq!(cut.state, PrintState::Interrupted);
    assert!(cut.error.as_deref().unwrap().contains("may be incomplete"));
    device.requeue_print(&second, Utc::now()).unwrap();
    let jobs = tokio::task::block_in_place(|| run_queue(&device, &network_links)).unwrap();
    assert_eq!(
        jobs.iter().find(|j| j.id == second).unwrap().state,
        PrintState::Printed
    );
    assert_eq!(
        counter.jobs.recv().unwrap(),
        bytes,
        "the reprint is the same receipt"
    );

    // A printer switched off mid-job: failed, with how far it got, ready for a retry.
    let flaky = TestPrinter::start(Some(2000));
    device.set_printer(&printer(flaky.port)).unwrap();
    let third = queue_receipt(&device, job, &font).unwrap();
    let jobs = tokio::task::block_in_place(|| run_queue(&device, &network_links)).unwrap();
    let failed = jobs.iter().find(|j| j.id == third).unwrap();
    assert_eq!(failed.state, PrintState::Failed, "{failed:?}");
    assert!(failed.error.is_some(), "{failed:?}");
    assert!(failed.sent < failed.total);

    // A Bluetooth Classic printer on a phone: the job goes whole to the platform plugin with
    // the profile's chunk size and pacing (the plugin chunks, paces and waits for the status).
    let plugin = FakePlugin::default();
    let phone_links = |address: &PrinterAddress, profile: &Profile, timeout| match address {
        PrinterAddress::Spp { device } => {
            Ok(
                Box::new(BridgeLink::new(plugin.clone(), device, profile, timeout))
                    as Box<dyn PrinterLink>,
            )
        }
        other => network_links(other, profile, timeout),
    };
    let pocket = PrinterChoice {
        name: "随身打印机".into(),
        address: PrinterAddress::Spp {
            device: "66:22:E2:4C:1A:07".into(),
        },
        profile: "80mm-spp".into(),
    };
    device.set_printer(&pocket).unwrap();
    let fourth = queue_receipt(&device, job, &font).unwrap();
    let jobs = tokio::task::block_in_place(|| run_queue(&device, &phone_links)).unwrap();
    assert_eq!(
        jobs.iter().find(|j| j.id == fourth).unwrap().state,
        PrintState::Printed
    );
    let handed = plugin.jobs.lock().unwrap().remove(0);
    assert_eq!(
        (handed.device.as_str(), handed.chunk_bytes, handed.pace_ms),
        ("66:22:E2:4C:1A:07", 1024, 5)
    );
    // The whole job, and the same receipt on paper as the network printer printed.
    let handed_paper = decode(
        &BASE64.decode(&handed.data).unwrap(),
        576,
        fixline_print::CodePage::Ascii,
        None,
    )
    .unwrap();
    assert!(
        handed_paper.paper.to_gray() == printout.paper.to_gray(),
        "the plugin got a different receipt"
    );

    // The plugin's refusal (printer offline) is the job's reason, for the engineer to act on.
    *plugin.refuse.lock().unwrap() =
        Some("The printer is offline: cover open or paper out.".into());
    let fifth = queue_receipt(&device, job, &font).unwrap();
    let jobs = tokio::task::block_in_place(|| run_queue(&device, &phone_links)).unwrap();
    let offline = jobs.iter().find(|j| j.id == fifth).unwrap();
    assert_eq!(offline.state, PrintState::Failed);
    assert!(
        offline.error.as_deref().unwrap().contains("cover open"),
        "{offline:?}"
    );
}

/// Stands in for the Android plugin: keeps each job, answers like the printer did.
#[derive(Clone, Default)]
struct FakePlugin {
    jobs: Arc<Mutex<Vec<PluginJob>>>,
    refuse: Arc<Mutex<Option<String>>>,
}

impl PrinterPlugin for FakePlugin {
    fn print(&self, job: &PluginJob) -> Result<PluginPrinted, String> {
        if let Some(message) = self.refuse.lock().unwrap().clone() {
            return Err(message);
        }
        let sent = BASE64.decode(&job.data).map_err(|e| e.to_string())?.len();
        self.jobs.lock().unwrap().push(job.clone());
        Ok(PluginPrinted { sent })
    }
}
