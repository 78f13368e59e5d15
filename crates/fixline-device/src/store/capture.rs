//! On-site capture on the device: photos, the receipt the customer signs, and the files the
//! sync engine uploads. Each capture writes its file and its work-order action in one
//! transaction, so a photo or receipt is never recorded without its bytes, or the reverse.

use fixline_core::billing::Part;
use fixline_core::device::FileCheck;
use fixline_core::position::Position;
use fixline_core::receipt::{
    PhotoRef, PhotoTag, ReceiptRecord, ReceiptSettings, ReceiptSources, Seal, SealStatement,
    SignOff, sha256_hex,
};
use fixline_core::work_order::ActionKind;
use fixline_receipt::{ReceiptFonts, RenderOptions};
use rand::RngCore;

use super::*;

/// A file the server does not have all of yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Upload {
    pub sha256: String,
    pub size: u64,
    pub uploaded: u64,
}

fn insert_blob(
    tx: &Transaction<'_>,
    sha256: &str,
    job: WorkOrderId,
    kind: &str,
    bytes: &[u8],
    thumbnail: Option<&[u8]>,
    at: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO blobs (sha256, work_order_id, kind, bytes, thumbnail, size, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![sha256, job.to_string(), kind, bytes, thumbnail, bytes.len() as i64, ts(at)],
    )?;
    Ok(())
}

fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl DeviceStore {
    /// Processes a photo from the camera or a file (upright, resized, JPEG), keeps it and
    /// attaches it to the job. A photo taken twice is kept once.
    pub fn add_photo(
        &self,
        job: WorkOrderId,
        raw: &[u8],
        tag: PhotoTag,
        caption: &str,
        action_id: ActionId,
        at: Timestamp,
    ) -> Result<LocalJob> {
        let photo = fixline_photo::process(raw, &fixline_photo::PhotoSettings::default())
            .map_err(|e| Error::Invalid(e.to_string()))?;
        // A camera without an offset keeps the device's local time.
        let zone = self.receipt_settings()?.time_zone;
        let photo_ref = PhotoRef {
            sha256: photo.sha256.clone(),
            tag,
            caption: caption.trim().to_owned(),
            taken_at: photo.taken_at.map(|t| t.instant(zone)),
            bytes: photo.jpeg.len() as u64,
        };
        self.write(|tx| {
            insert_blob(
                tx,
                &photo.sha256,
                job,
                "photo",
                &photo.jpeg,
                Some(&photo.thumbnail),
                at,
            )?;
            self.perform_in(
                tx,
                job,
                Action::AttachPhoto { photo: photo_ref },
                action_id,
                at,
            )
        })?;
        self.job(job)
    }

    /// A photo's thumbnail (JPEG), for the job screen.
    pub fn thumbnail(&self, sha256: &str) -> Result<Vec<u8>> {
        let conn = self.lock();
        conn.query_row(
            "SELECT coalesce(thumbnail, bytes) FROM blobs WHERE sha256 = ?1",
            [sha256],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("photo {sha256}")))
    }

    pub fn blob(&self, sha256: &str) -> Result<Vec<u8>> {
        let conn = self.lock();
        conn.query_row("SELECT bytes FROM blobs WHERE sha256 = ?1", [sha256], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("file {sha256}")))
    }

    /// The server's receipt settings as last synced (defaults before the first sync).
    pub fn receipt_settings(&self) -> Result<ReceiptSettings> {
        Ok(single_doc(&self.lock(), "receipt_settings")?.unwrap_or_default())
    }

    /// The device's now and the zone its days are in (the engineer's region's, from the last
    /// sync), for the UI.
    pub fn clock(&self) -> Result<fixline_core::clock::ServiceClock> {
        Ok(fixline_core::clock::ServiceClock {
            now: self.now(),
            time_zone: self.receipt_settings()?.time_zone,
        })
    }

    pub(crate) fn store_receipt_settings(&self, settings: &ReceiptSettings) -> Result<()> {
        put_single_doc(&self.lock(), "receipt_settings", settings)
    }

    /// The fault, cause and resolution codes as last synced (else built in), for the
    /// completion form.
    pub fn code_book(&self) -> Result<fixline_core::fault_code::CodeBook> {
        code_book(&self.lock())
    }

    pub(crate) fn store_code_book(&self, book: &fixline_core::fault_code::CodeBook) -> Result<()> {
        put_single_doc(&self.lock(), "code_book", book)
    }

    /// The parts list as last synced.
    pub fn parts(&self) -> Result<Vec<Part>> {
        let conn = self.lock();
        docs(&conn, "SELECT doc FROM parts ORDER BY part_number", [])
    }

    /// Replaces the parts list with the server's.
    pub(crate) fn store_parts(&self, parts: &[Part]) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM parts", [])?;
            for part in parts {
                tx.execute(
                    "INSERT OR REPLACE INTO parts (part_number, doc) VALUES (?1, ?2)",
                    params![part.part_number, to_json(part)?],
                )?;
            }
            Ok(())
        })
    }

    /// This device's seal secret, made on first use. It never leaves the device.
    pub(crate) fn device_secret(&self) -> Result<([u8; 32], Option<String>)> {
        self.write(|tx| {
            let mut fresh = [0u8; 32];
            rand::rng().fill_bytes(&mut fresh);
            tx.execute(
                "INSERT OR IGNORE INTO device_key (id, secret) VALUES (1, ?1)",
                [fresh.as_slice()],
            )?;
            let (secret, registered): (Vec<u8>, Option<String>) = tx.query_row(
                "SELECT secret, registered_for FROM device_key WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let secret = secret
                .try_into()
                .map_err(|_| Error::Invalid("the device key is damaged".into()))?;
            Ok((secret, registered))
        })
    }

    /// A new seal key, after an administrator revoked the old one: receipts from now on are
    /// sealed with it (once registered).
    pub(crate) fn renew_device_key(&self) -> Result<()> {
        let mut fresh = [0u8; 32];
        rand::rng().fill_bytes(&mut fresh);
        self.lock().execute(
            "UPDATE device_key SET secret = ?1, registered_for = NULL WHERE id = 1",
            [fresh.as_slice()],
        )?;
        Ok(())
    }

    /// The server no longer knows this device's key as the user's (revoked, say): the next
    /// sync registers it again, or a new one.
    pub(crate) fn forget_key_registration(&self) -> Result<()> {
        self.lock().execute(
            "UPDATE device_key SET registered_for = NULL WHERE id = 1",
            [],
        )?;
        Ok(())
    }

    /// Seals again, with this device's current key, every receipt still waiting to be sent
    /// under an earlier key of this device (an administrator revoked it before the receipt got
    /// across). The statement, and so the time and place the customer signed, stays as it was;
    /// the new key vouches for it. Returns how many were sealed again; they are due at once.
    pub(crate) fn reseal_pending_receipts(&self) -> Result<usize> {
        let (secret, _) = self.device_secret()?;
        let key = fixline_core::receipt::device_public_key(&secret);
        self.write(|tx| {
            let user = session(tx)?.ok_or(Error::NotSignedIn)?.user;
            let pending: Vec<DeviceAction> = docs(
                tx,
                "SELECT doc FROM outbox WHERE state = 'pending' ORDER BY seq",
                [],
            )?;
            let mut resealed = 0;
            for mut action in pending {
                let Action::SignReceipt { receipt } = &mut action.action else {
                    continue;
                };
                if receipt.seal.device_key == key {
                    continue;
                }
                receipt.seal = Seal::sign(receipt.seal.statement.clone(), &secret);
                tx.execute(
                    "UPDATE outbox SET doc = ?1, next_attempt_at = NULL WHERE id = ?2",
                    params![to_json(&action)?, action.id.to_string()],
                )?;
                self.reshow(tx, &user, action.work_order)?;
                resealed += 1;
            }
            Ok(resealed)
        })
    }

    pub(crate) fn device_key_registered(&self, user: &str) -> Result<()> {
        self.lock().execute(
            "UPDATE device_key SET registered_for = ?1 WHERE id = 1",
            [user],
        )?;
        Ok(())
    }

    /// Makes the receipt for a completed job on the device, offline: renders the PDF, seals it
    /// with this device's key at `at` and `position`, and records the sign-off. The customer's
    /// link works once the next sync has uploaded it.
    pub fn make_receipt(
        &self,
        id: WorkOrderId,
        sign_off: SignOff,
        position: Option<Position>,
        fonts: &ReceiptFonts,
        action_id: ActionId,
        at: Timestamp,
    ) -> Result<LocalJob> {
        let session = self.session()?.ok_or(Error::NotSignedIn)?;
        let job = self.job(id)?.work_order;
        job.check(ActionKind::SignReceipt, &session.user.actor())?;
        let token = random_hex::<16>();
        let facts = self.receipt_facts(&job, sign_off.clone(), &token)?;
        let photos = facts
            .photos
            .iter()
            .map(|p| Ok((p.sha256.clone(), self.blob(&p.sha256)?)))
            .collect::<Result<Vec<_>>>()?;
        let options = RenderOptions::a4();
        let pdf = fixline_receipt::render_owned(&facts, &photos, fonts, &options)
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let pdf_sha256 = sha256_hex(&pdf);
        let (secret, _) = self.device_secret()?;
        let seal = Seal::sign(
            SealStatement {
                work_order_id: id,
                receipt_number: facts.number.clone(),
                pdf_sha256: pdf_sha256.clone(),
                sign_off_sha256: sign_off.digest(),
                sealed_at: at,
                position,
            },
            &secret,
        );
        let record = ReceiptRecord {
            number: facts.number,
            language: facts.language,
            token,
            pdf_sha256: pdf_sha256.clone(),
            pdf_bytes: pdf.len() as u64,
            total: Some(facts.totals.total),
            sign_off,
            seal,
        };
        self.write(|tx| {
            insert_blob(tx, &pdf_sha256, id, "receipt", &pdf, None, at)?;
            self.perform_in(
                tx,
                id,
                Action::SignReceipt {
                    receipt: Box::new(record),
                },
                action_id,
                at,
            )
        })?;
        self.job(id)
    }

    /// A job's receipt facts as the device knows them, for the PDF and the printer.
    pub(crate) fn receipt_facts(
        &self,
        job: &WorkOrder,
        sign_off: SignOff,
        token: &str,
    ) -> Result<fixline_core::receipt::ReceiptFacts> {
        let session = self.session()?.ok_or(Error::NotSignedIn)?;
        let customer = self.customer_file(job.customer_id)?;
        let settings = self.receipt_settings()?;
        let base = match settings.link_base.trim() {
            "" => session.server_url.trim_end_matches('/').to_owned(),
            base => base.trim_end_matches('/').to_owned(),
        };
        Ok(ReceiptSources {
            job,
            customer: &customer,
            engineer_name: &session.user.display_name,
            settings: &settings,
        }
        .facts(sign_off, format!("{base}/r/{token}"))?)
    }

    /// The job's receipt PDF as kept on this device.
    pub fn receipt_pdf(&self, id: WorkOrderId) -> Result<Vec<u8>> {
        let job = self.job(id)?.work_order;
        let receipt = job
            .receipt
            .ok_or_else(|| Error::NotFound(format!("a receipt for {}", job.number)))?;
        self.blob(&receipt.pdf_sha256)
    }

    /// A job's files (or all jobs') and how many the server has not confirmed yet.
    pub fn files(&self, job: Option<WorkOrderId>) -> Result<FileCheck> {
        let conn = self.lock();
        let job = job.map(|j| j.to_string());
        let (total, missing, bytes): (u32, u32, i64) = conn.query_row(
            "SELECT count(*), coalesce(sum(confirmed = 0), 0), coalesce(sum(size - uploaded), 0)
             FROM blobs WHERE ?1 IS NULL OR work_order_id = ?1",
            [job],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(FileCheck {
            total,
            not_on_server: missing,
            bytes_to_upload: bytes.max(0) as u64,
        })
    }

    pub(crate) fn uploads(&self) -> Result<Vec<Upload>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT sha256, size, uploaded FROM blobs WHERE uploaded < size ORDER BY created_at",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Upload {
                sha256: r.get(0)?,
                size: r.get::<_, i64>(1)?.max(0) as u64,
                uploaded: r.get::<_, i64>(2)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(crate) fn chunk(&self, sha256: &str, offset: u64, len: u64) -> Result<Vec<u8>> {
        let conn = self.lock();
        // substr on a BLOB counts bytes, from 1.
        Ok(conn.query_row(
            "SELECT substr(bytes, ?2, ?3) FROM blobs WHERE sha256 = ?1",
            params![sha256, offset as i64 + 1, len as i64],
            |r| r.get(0),
        )?)
    }

    pub(crate) fn mark_uploaded(&self, sha256: &str, received: u64) -> Result<()> {
        self.lock().execute(
            "UPDATE blobs SET uploaded = min(size, ?2) WHERE sha256 = ?1",
            params![sha256, received as i64],
        )?;
        Ok(())
    }

    /// Jobs with files the server has not confirmed.
    pub(crate) fn unconfirmed_jobs(&self) -> Result<Vec<WorkOrderId>> {
        let conn = self.lock();
        let mut stmt =
            conn.prepare_cached("SELECT DISTINCT work_order_id FROM blobs WHERE confirmed = 0")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|id| {
            id?.parse()
                .map_err(|_| Error::Invalid("bad job id among files".into()))
        })
        .collect()
    }

    /// Marks as confirmed the files the server's manifest lists as stored; a file it lists as
    /// missing is uploaded again.
    pub(crate) fn apply_manifest(&self, stored: &[String], missing: &[String]) -> Result<()> {
        self.write(|tx| {
            for sha in stored {
                tx.execute("UPDATE blobs SET confirmed = 1 WHERE sha256 = ?1", [sha])?;
            }
            for sha in missing {
                tx.execute(
                    "UPDATE blobs SET confirmed = 0, uploaded = 0 WHERE sha256 = ?1 AND uploaded = size",
                    [sha],
                )?;
            }
            Ok(())
        })
    }
}
