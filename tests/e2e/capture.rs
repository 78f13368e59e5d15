//! On-site capture on the device, offline, then synced: photos and the sealed receipt are kept
//! on the device with their actions, uploaded in resumable chunks when the server is back
//! (resuming a cut-off upload), confirmed against the server's manifest, and the customer's
//! link verifies the device's seal.

use std::process::Command;

use chrono::{TimeDelta, Utc};
use fixline_core::ids::{ActionId, WorkOrderId};
use fixline_core::receipt::{PhotoTag, SignOff, Signature, sha256_hex};
use fixline_core::work_order::{Action, ResolutionType, Status};
use fixline_device::{UPLOAD_CHUNK, sync};
use fixline_receipt::{ReceiptFonts, sample};
use fixline_tests::{TestServer, chens_job, signed_in_device};
use reqwest::{Method, StatusCode};
use uuid::Uuid;

fn new_id() -> ActionId {
    ActionId::from_uuid(Uuid::now_v7())
}

fn offline_story(config: &mut fixline_server::Config) {
    config.server.max_clock_skew_secs = 3 * 3600;
}

#[tokio::test]
async fn photos_and_a_sealed_receipt_made_offline_reach_the_server_whole_and_verify() {
    // The visit is dated from 90 minutes back, on a job the test makes now: device clocks may
    // be that far off here, or work dated before its job would be refused.
    let mut crew = fixline_tests::crew_configured(offline_story).await;
    let (job, _) = chens_job(&crew, "SC650-CAPT").await;
    let (s, _) = crew
        .desk
        .put(
            "/api/v1/parts/SEAL-18",
            None,
            serde_json::json!({"part_number": "SEAL-18", "name": "门封条", "unit_price": {"amount": "45.50"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let job: WorkOrderId = job.parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let device = signed_in_device(&crew.server, dir.path(), "chen").await;
    sync(&device, false, |_| {}).await.unwrap();
    let parts = device.parts().unwrap();
    assert_eq!(
        parts.len(),
        1,
        "the parts list is on the device for offline picking"
    );

    // The server goes away; the engineer works on.
    let addr = crew.server.addr.to_string();
    let db = crew.server.db_path.clone();
    let _kept = crew.server.stop().await;
    let t0 = Utc::now() - TimeDelta::minutes(90);
    for (minutes, action) in [
        (0, Action::Accept),
        (5, Action::StartTravel),
        (30, Action::Arrive { position: None }),
    ] {
        device
            .perform(job, action, new_id(), t0 + TimeDelta::minutes(minutes))
            .unwrap();
    }
    let at = t0 + TimeDelta::minutes(40);
    device
        .add_photo(
            job,
            &sample::photo_jpeg(1, 3200, 2400),
            PhotoTag::Before,
            "压缩机",
            new_id(),
            at,
        )
        .unwrap();
    let shown = device
        .add_photo(
            job,
            &sample::photo_jpeg(2, 3200, 2400),
            PhotoTag::After,
            "",
            new_id(),
            at,
        )
        .unwrap();
    assert_eq!(shown.work_order.photos.len(), 2);
    assert!(
        device
            .thumbnail(&shown.work_order.photos[0].sha256)
            .unwrap()
            .len()
            < 60_000,
        "thumbnails are small"
    );
    let err = device
        .add_photo(job, b"not an image", PhotoTag::Fault, "", new_id(), at)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input", "{err}");
    device
        .perform(
            job,
            Action::Complete {
                resolution: ResolutionType::OnSiteRepair,
                summary: "更换启动继电器，柜温恢复 4°C".into(),
                position: None,
                fault_code: None,
                cause_code: None,
                resolution_code: None,
            },
            new_id(),
            t0 + TimeDelta::minutes(75),
        )
        .unwrap();
    let fonts = ReceiptFonts::system().expect("Noto Sans CJK installed");
    let sign_off = SignOff::Signed(Signature {
        signer_name: "陈静".into(),
        signed_at: t0 + TimeDelta::minutes(76),
        width: 600.0,
        height: 220.0,
        strokes: vec![vec![
            [20.0, 150.0],
            [80.0, 40.0],
            [140.0, 170.0],
            [260.0, 60.0],
        ]],
    });
    let signed = device
        .make_receipt(
            job,
            sign_off,
            None,
            &fonts,
            new_id(),
            t0 + TimeDelta::minutes(76),
        )
        .unwrap();
    assert_eq!(
        signed.work_order.status,
        Status::Confirmed,
        "signed offline"
    );
    assert_eq!(signed.files.total, 3);
    assert_eq!(signed.files.not_on_server, 3);
    let receipt = signed.work_order.receipt.clone().unwrap();
    let pdf = device.receipt_pdf(job).unwrap();
    assert_eq!(sha256_hex(&pdf), receipt.pdf_sha256);
    assert!(sync(&device, true, |_| {}).await.is_err(), "still offline");

    // Back online. An earlier attempt got the actions and the first part of the receipt
    // across, then the link dropped. (The server takes a file only for a job of the engineer's
    // that names it, so the actions go first.)
    let cut = (pdf.len() / 2).min(UPLOAD_CHUNK as usize);
    crew.server = TestServer::start_with(&db, &addr, offline_story).await;
    let chen = crew.server.login("chen").await;
    let mut actions: Vec<_> = device
        .outbox()
        .unwrap()
        .into_iter()
        .filter(|o| o.state == fixline_core::device::OutboxState::Pending)
        .map(|o| o.action)
        .collect();
    actions.reverse();
    let (s, pushed) = chen
        .post(
            "/api/v1/sync/push",
            serde_json::json!({ "actions": actions }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{pushed}");
    assert!(
        pushed["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["outcome"] == "applied"),
        "{pushed}"
    );
    let first = chen
        .request(
            Method::PUT,
            &format!(
                "/api/v1/blobs/{}?offset=0&total={}",
                receipt.pdf_sha256,
                pdf.len()
            ),
        )
        .body(pdf[..cut].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);

    let report = sync(&device, true, |_| {}).await.unwrap();
    assert_eq!(report.uploaded_files, 3, "{report:?}");
    let photo_bytes: u64 = signed.work_order.photos.iter().map(|p| p.bytes).sum();
    assert_eq!(
        report.uploaded_bytes,
        photo_bytes + (pdf.len() - cut) as u64,
        "the part that got across before the cut is not sent again"
    );
    assert_eq!(report.files_missing, 0);
    let after = device.job(job).unwrap();
    assert_eq!(
        after.files.not_on_server, 0,
        "the server's manifest lists every file"
    );
    assert_eq!(after.work_order.status, Status::Confirmed);
    assert_eq!(device.status().unwrap().files.not_on_server, 0);

    let (s, manifest) = chen
        .get(&format!("/api/v1/work-orders/{job}/manifest"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(manifest["missing"], 0, "{manifest}");

    // The customer's link: sealed by chen's device, and the PDF is the device's.
    let customer = crew.server.anonymous();
    let (_, verdict) = customer
        .get(&format!("/r/{}/verification", receipt.token))
        .await;
    assert_eq!(verdict["state"], "verified", "{verdict}");
    assert!(verdict["sealed_by"].as_str().unwrap().contains("chen"));
    let served = customer
        .bytes(&format!("/r/{}/receipt.pdf", receipt.token))
        .await;
    assert_eq!(served, pdf);
    let path = dir.path().join("receipt.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&receipt.number) && text.contains("陈静"),
        "{text}"
    );
    // Labour came from the visit: 45 minutes on site, billed as 45.
    assert!(text.contains("0.75"), "{text}");
}

/// An administrator revokes the tablet's key while a receipt it sealed is still waiting to be
/// sent: the next sync registers a new key, seals the waiting receipt again with it, and sends
/// it, so the device is never stuck and the customer's link verifies.
#[tokio::test]
async fn a_receipt_waiting_when_the_device_key_is_revoked_is_sealed_again_and_verifies() {
    let crew = fixline_tests::crew_configured(offline_story).await;
    let (job, _) = chens_job(&crew, "SC650-REVK").await;
    let job: WorkOrderId = job.parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let device = signed_in_device(&crew.server, dir.path(), "chen").await;
    sync(&device, false, |_| {}).await.unwrap();
    let (_, devices) = crew.admin.get("/api/v1/devices").await;
    let old_key = devices[0]["public_key"].as_str().unwrap().to_owned();

    let t0 = Utc::now() - TimeDelta::minutes(60);
    for (minutes, action) in [
        (0, Action::Accept),
        (5, Action::StartTravel),
        (20, Action::Arrive { position: None }),
    ] {
        device
            .perform(job, action, new_id(), t0 + TimeDelta::minutes(minutes))
            .unwrap();
    }
    for (n, tag) in [(1, PhotoTag::Before), (2, PhotoTag::After)] {
        device
            .add_photo(
                job,
                &sample::photo_jpeg(n, 800, 600),
                tag,
                "",
                new_id(),
                t0 + TimeDelta::minutes(25),
            )
            .unwrap();
    }
    device
        .perform(
            job,
            Action::Complete {
                resolution: ResolutionType::OnSiteRepair,
                summary: "更换温控器".into(),
                position: None,
                fault_code: None,
                cause_code: None,
                resolution_code: None,
            },
            new_id(),
            t0 + TimeDelta::minutes(40),
        )
        .unwrap();
    // The tablet's key is revoked (the tablet went missing, then turned up) before it syncs.
    let (s, _) = crew
        .admin
        .post(
            &format!("/api/v1/devices/{old_key}/revoke"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let sign_off = SignOff::Signed(Signature {
        signer_name: "陈静".into(),
        signed_at: t0 + TimeDelta::minutes(41),
        width: 600.0,
        height: 220.0,
        strokes: vec![vec![[20.0, 150.0], [140.0, 170.0], [260.0, 60.0]]],
    });
    let fonts = ReceiptFonts::system().expect("Noto Sans CJK installed");
    let signed = device
        .make_receipt(
            job,
            sign_off,
            None,
            &fonts,
            new_id(),
            t0 + TimeDelta::minutes(41),
        )
        .unwrap();
    let sealed = signed.work_order.receipt.unwrap();
    assert_eq!(
        sealed.seal.device_key, old_key,
        "sealed with the key it had"
    );

    let report = sync(&device, false, |_| {}).await.unwrap();
    assert_eq!(report.rejected, 0, "{report:?}");
    assert_eq!(
        report.postponed, 1,
        "the first try met the revoked key: {report:?}"
    );
    let now = device.job(job).unwrap();
    assert_eq!(now.work_order.status, Status::Confirmed);
    let receipt = now.work_order.receipt.unwrap();
    assert_ne!(
        receipt.seal.device_key, old_key,
        "sealed again with a new key"
    );
    assert_eq!(
        receipt.seal.statement, sealed.seal.statement,
        "what the customer signed, when and where, is unchanged"
    );
    assert!(
        device
            .outbox()
            .unwrap()
            .iter()
            .all(|o| o.state == fixline_core::device::OutboxState::Applied),
        "nothing is left waiting"
    );
    let (_, devices) = crew.admin.get("/api/v1/devices").await;
    let keys: Vec<_> = devices
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["public_key"].as_str().unwrap(), d["revoked_at"].is_null()))
        .collect();
    assert!(keys.contains(&(old_key.as_str(), false)), "{devices}");
    assert!(
        keys.contains(&(receipt.seal.device_key.as_str(), true)),
        "{devices}"
    );

    let (_, verdict) = crew
        .server
        .anonymous()
        .get(&format!("/r/{}/verification", receipt.token))
        .await;
    assert_eq!(verdict["state"], "verified", "{verdict}");
    assert!(
        verdict["sealed_by"].as_str().unwrap().contains("chen"),
        "{verdict}"
    );
}
