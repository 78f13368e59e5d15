//! Blobs in an S3-compatible bucket, what several servers share: a local S3 server (moto, from
//! PyPI; `cargo xtask test` installs it and names it in `FIXLINE_MOTO`) is started here. A
//! device's photo goes up in resumable chunks into the bucket, a server that never saw the
//! upload serves it, and the bucket holds it under the same name as the folder store would.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use chrono::{TimeDelta, Utc};
use fixline_core::ids::{ActionId, WorkOrderId};
use fixline_core::receipt::{PhotoTag, sha256_hex};
use fixline_core::work_order::Action;
use fixline_device::sync;
use fixline_receipt::sample;
use fixline_server::blobs::S3Bucket;
use fixline_tests::{TestServer, chens_job, signed_in_device};
use reqwest::StatusCode;
use uuid::Uuid;

const BUCKET: &str = "fixline-blobs";

/// moto's S3 server on a port of its own, stopped when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    fn start() -> Moto {
        let moto = std::env::var_os("FIXLINE_MOTO")
            .expect("FIXLINE_MOTO names moto's `moto_server` (cargo xtask test sets it)");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("moto_server starts");
        // Flask says where it listens once it does: no polling, no sleeping.
        let stderr = child.stderr.take().expect("moto's stderr");
        let mut said = String::new();
        for line in BufReader::new(stderr).lines() {
            let line = line.expect("moto's output");
            said.push_str(&line);
            said.push('\n');
            if line.contains("Running on") {
                break;
            }
        }
        assert!(said.contains("Running on"), "moto did not start:\n{said}");
        Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    fn bucket(&self) -> S3Bucket {
        S3Bucket {
            endpoint: Some(self.url.clone()),
            bucket: BUCKET.into(),
            region: "us-east-1".into(),
            access_key_id: "fixline-test".into(),
            secret_access_key: "fixline-test-secret".into(),
            path_style: true,
        }
    }

    /// The keys in the bucket, as S3's own listing says.
    async fn keys(&self) -> String {
        reqwest::get(format!("{}/{BUCKET}?list-type=2", self.url))
            .await
            .expect("list the bucket")
            .text()
            .await
            .expect("the listing")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto's S3 server (cargo xtask test installs it)"]
async fn a_photo_uploaded_to_one_server_is_served_by_another_from_the_bucket() {
    let moto = Moto::start();
    let made = reqwest::Client::new()
        .put(format!("{}/{BUCKET}", moto.url))
        .send()
        .await
        .expect("create the bucket");
    assert!(made.status().is_success(), "{}", made.status());
    let bucket = moto.bucket();
    let first_dir = tempfile::tempdir().unwrap();
    let first = first_dir.path().to_path_buf();
    let mut crew = fixline_tests::crew_configured(|c| {
        c.storage.s3 = Some(bucket.clone());
        c.storage.blob_dir = Some(first.clone());
    })
    .await;
    let (job, _) = chens_job(&crew, "SC650-S3").await;
    let job: WorkOrderId = job.parse().unwrap();
    let device_dir = tempfile::tempdir().unwrap();
    let device = signed_in_device(&crew.server, device_dir.path(), "chen").await;
    sync(&device, false, |_| {}).await.unwrap();
    // Dated from now on: work is never dated before its job.
    let t0 = Utc::now();
    for (seconds, action) in [
        (0, Action::Accept),
        (1, Action::StartTravel),
        (2, Action::Arrive { position: None }),
    ] {
        let at = t0 + TimeDelta::seconds(seconds);
        device
            .perform(job, action, ActionId::from_uuid(Uuid::now_v7()), at)
            .unwrap();
    }
    let at = t0 + TimeDelta::seconds(3);
    let shown = device
        .add_photo(
            job,
            &sample::photo_jpeg(3, 3200, 2400),
            PhotoTag::Before,
            "铭牌",
            ActionId::from_uuid(Uuid::now_v7()),
            at,
        )
        .unwrap();
    let photo = shown.work_order.photos[0].sha256.clone();
    let report = sync(&device, false, |_| {}).await.unwrap();
    assert_eq!(report.applied, 4, "{report:?}");
    let listing = moto.keys().await;
    assert!(
        listing.contains(&format!("<Key>{}/{photo}</Key>", &photo[..2])),
        "the photo is in the bucket under its name:\n{listing}"
    );
    assert!(
        !listing.contains("<Key>partial/"),
        "no chunk is left behind:\n{listing}"
    );
    assert!(
        std::fs::read_dir(&first).unwrap().next().is_none(),
        "nothing was kept on this server's disk"
    );

    // Another server over the same records, with a disk of its own that is empty.
    let addr = crew.server.addr.to_string();
    let db = crew.server.db_path.clone();
    let _kept = crew.server.stop().await;
    let second = tempfile::tempdir().unwrap();
    let second_dir = second.path().to_path_buf();
    let _server = TestServer::start_with(&db, &addr, |c| {
        c.storage.s3 = Some(bucket.clone());
        c.storage.blob_dir = Some(second_dir);
    })
    .await;
    let served = crew
        .desk
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/blobs/{photo}/content"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    let bytes = served.bytes().await.unwrap();
    assert_eq!(sha256_hex(&bytes), photo, "the same bytes, whole");
    let (s, manifest) = crew
        .desk
        .get(&format!("/api/v1/work-orders/{job}/manifest"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(manifest["missing"], 0, "{manifest}");
}
