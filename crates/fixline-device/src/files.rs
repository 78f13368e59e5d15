//! The file half of a sync: register the device's seal key, fetch the receipt settings,
//! upload photos and receipts in resumable chunks, and check each job's manifest on the server
//! against what the device holds.

use fixline_api::files::{BlobStatus, DeviceKey, EmailRequest, EmailSent, Manifest, ManifestEntry};
use fixline_core::device::SyncReport;
use fixline_core::fault_code::CodeBookSettings;
use fixline_core::receipt::{ReceiptSettings, device_public_key};

use crate::client::ServerLink;
use crate::error::{Error, Result};
use crate::store::DeviceStore;

/// Bytes per upload request: small enough to finish on a weak mobile link, large enough that
/// request overhead stays small.
pub const CHUNK: u64 = 256 * 1024;

/// Photos and receipts, after the actions that name them (the key was registered before the
/// push): settings and the parts list, uploads, manifests. A server without file support (an
/// older version, which did not take the key) is left alone.
pub(crate) async fn sync_files(
    store: &DeviceStore,
    link: &ServerLink,
    report: &mut SyncReport,
) -> Result<()> {
    let user = signed_in_user(store)?;
    if store.device_secret()?.1.as_deref() != Some(user.as_str()) {
        // A server without file support (an older version) did not take the key.
        return Ok(());
    }
    refresh_settings(store, link).await?;
    upload(store, link, report).await?;
    check_manifests(store, link, report).await?;
    fetch_article_images(store, link).await
}

/// The images the device's articles show and it does not hold yet. One the server no longer
/// has (its article changed since) is skipped; the next pull brings the article as it is now.
async fn fetch_article_images(store: &DeviceStore, link: &ServerLink) -> Result<()> {
    for image in store.missing_article_images()? {
        let path = format!("/api/v1/articles/images/{}", image.sha256);
        match link.get_bytes(&path).await {
            Ok(bytes) => store.store_article_image(&image, &bytes)?,
            Err(Error::Server { status: 404, .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn signed_in_user(store: &DeviceStore) -> Result<String> {
    Ok(store
        .session()?
        .ok_or(Error::NotSignedIn)?
        .user
        .id
        .to_string())
}

/// Registers this device's public seal key for the signed-in user, once per user. A server
/// without file support (an older version, answering 404) is left alone.
pub(crate) async fn register_key(store: &DeviceStore, link: &ServerLink) -> Result<()> {
    let user = signed_in_user(store)?;
    let (secret, registered) = store.device_secret()?;
    if registered.as_deref() == Some(user.as_str()) {
        return Ok(());
    }
    let send = |secret: &[u8; 32]| DeviceKey {
        public_key: device_public_key(secret),
        name: "Fixline engineer app".to_owned(),
    };
    match link.post_empty("/api/v1/devices", &send(&secret)).await {
        Err(Error::Server { status: 404, .. }) => return Ok(()),
        // An administrator revoked this device's key: make a new one and register that.
        Err(Error::Server { code, .. }) if code == "device_key_revoked" => {
            store.renew_device_key()?;
            let (secret, _) = store.device_secret()?;
            link.post_empty("/api/v1/devices", &send(&secret)).await?;
        }
        other => other?,
    }
    store.device_key_registered(&user)?;
    store.reseal_pending_receipts()?;
    Ok(())
}

async fn refresh_settings(store: &DeviceStore, link: &ServerLink) -> Result<()> {
    let settings: ReceiptSettings = link.get("/api/v1/receipt-settings").await?;
    store.store_receipt_settings(&settings)?;
    let parts: Vec<fixline_core::billing::Part> = link.get("/api/v1/parts").await?;
    store.store_parts(&parts)?;
    match link
        .get::<CodeBookSettings>("/api/v1/settings/fault-codes")
        .await
    {
        Ok(codes) => store.store_code_book(&codes.book),
        // A server from before editable codes: the lists built into the app hold.
        Err(Error::Server { status: 404, .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Uploads every file the server does not have all of, resuming where the server says it is.
async fn upload(store: &DeviceStore, link: &ServerLink, report: &mut SyncReport) -> Result<()> {
    for file in store.uploads()? {
        let path = format!("/api/v1/blobs/{}", file.sha256);
        let status: BlobStatus = match link.get(&path).await {
            Ok(status) => status,
            // No job of this engineer on the server names the file (the action that attached
            // it met a conflict, or the job was taken away): it stays on the device, and the
            // other files go on.
            Err(Error::Server {
                status: 403 | 404, ..
            }) => continue,
            Err(e) => return Err(e),
        };
        let mut offset = status.received;
        let mut complete = status.complete;
        let mut restarted = false;
        while !complete {
            let len = CHUNK.min(file.size.saturating_sub(offset));
            let chunk = store.chunk(&file.sha256, offset, len)?;
            let url = format!("{path}?offset={offset}&total={}", file.size);
            match link.put_bytes::<BlobStatus>(&url, chunk).await {
                Ok(status) => {
                    report.uploaded_bytes += status.received.saturating_sub(offset);
                    offset = status.received;
                    complete = status.complete;
                    store.mark_uploaded(&file.sha256, offset)?;
                }
                // Someone (an earlier, cut-off attempt) got further or less far: ask and resume.
                Err(Error::Server { code, .. }) if code == "wrong_offset" => {
                    offset = link.get::<BlobStatus>(&path).await?.received;
                }
                // The server dropped a corrupt upload: start once more from the beginning.
                Err(Error::Server { code, .. }) if code == "hash_mismatch" && !restarted => {
                    restarted = true;
                    offset = 0;
                }
                Err(e) => return Err(e),
            }
        }
        store.mark_uploaded(&file.sha256, file.size)?;
        report.uploaded_files += 1;
    }
    Ok(())
}

/// Asks the server which of each job's files it holds; what it lacks is uploaded next time and
/// counted in the report.
async fn check_manifests(
    store: &DeviceStore,
    link: &ServerLink,
    report: &mut SyncReport,
) -> Result<()> {
    for job in store.unconfirmed_jobs()? {
        let manifest: Manifest = match link
            .get(&format!("/api/v1/work-orders/{job}/manifest"))
            .await
        {
            Ok(m) => m,
            // The job is no longer ours (or was removed): nothing to compare.
            Err(Error::Server { status: 404, .. }) => continue,
            Err(e) => return Err(e),
        };
        let (stored, missing): (Vec<_>, Vec<_>) = manifest
            .photos
            .into_iter()
            .chain(manifest.receipt)
            .partition(|e| e.on_server);
        let names = |v: Vec<ManifestEntry>| v.into_iter().map(|e| e.sha256).collect::<Vec<_>>();
        report.files_missing += missing.len() as u32;
        store.apply_manifest(&names(stored), &names(missing))?;
    }
    Ok(())
}

/// Asks the server to e-mail a job's receipt (online only; the PDF must have been uploaded).
/// Answers the address it went to.
pub async fn email_receipt(
    store: &DeviceStore,
    job: fixline_core::ids::WorkOrderId,
    to: Option<String>,
) -> Result<String> {
    let session = store.session()?.ok_or(Error::NotSignedIn)?;
    let link = ServerLink::for_session(&session)?;
    let sent: EmailSent = link
        .post_json(
            &format!("/api/v1/work-orders/{job}/receipt/email"),
            &EmailRequest { to },
        )
        .await?;
    Ok(sent.to)
}
