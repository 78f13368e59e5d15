//! Receipts on the server: checking the seal a device made, making (and sealing) a receipt when
//! the engineer works in the browser, and the customer's view of it.

use fixline_core::Timestamp;
use fixline_core::position::Position;
use fixline_core::receipt::{
    ReceiptRecord, ReceiptSources, Seal, SealProblem, SealStatement, SignOff, device_public_key,
    sha256_hex,
};
use fixline_core::role::Actor;
use fixline_core::work_order::{Action, WorkOrder};
use fixline_receipt::RenderOptions;
use rand::RngCore;
use serde::Serialize;

use crate::AppState;
use crate::error::{Error, Result};

/// What the verification page says about a receipt.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Verification {
    /// The PDF here is the one the customer signed for, sealed by a known device (or this
    /// server) at that time and place.
    Verified {
        sealed_by: String,
        sealed_at: chrono::DateTime<chrono::Utc>,
        position: Option<Position>,
    },
    /// The receipt's record arrived but its PDF has not been uploaded yet.
    AwaitingUpload,
    Failed {
        problem: SealProblem,
    },
}

/// Checks a work order's receipt against the PDF held here and the registered device keys.
pub fn verify(state: &AppState, record: &ReceiptRecord) -> Result<Verification> {
    let pdf = match state.blobs().read(&record.pdf_sha256) {
        Ok(pdf) => pdf,
        Err(Error::NotFound { .. }) => return Ok(Verification::AwaitingUpload),
        Err(e) => return Err(e),
    };
    if let Err(problem) = record.seal.verify(&pdf) {
        return Ok(Verification::Failed { problem });
    }
    let key = record.seal.device_key.clone();
    let server_key = device_public_key(&state.seal_secret()?);
    let sealed_by = if key == server_key {
        "Fixline server".to_string()
    } else {
        match state.store().device_key_owner(&key)? {
            Some((_, Some(revoked))) if record.seal.statement.sealed_at >= revoked => {
                return Ok(Verification::Failed {
                    problem: SealProblem::RevokedDevice,
                });
            }
            Some((name, _)) => format!("device of {name}"),
            None => {
                return Ok(Verification::Failed {
                    problem: SealProblem::UnknownDevice,
                });
            }
        }
    };
    Ok(Verification::Verified {
        sealed_by,
        sealed_at: record.seal.statement.sealed_at,
        position: record.seal.statement.position,
    })
}

/// A new customer-link token: 128 random bits as hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The receipt's PDF, rendered from the job as it stands and the sign-off (A4).
pub fn render_for_job(
    state: &AppState,
    job: &WorkOrder,
    engineer_name: &str,
    sign_off: SignOff,
    token: &str,
) -> Result<(fixline_core::receipt::ReceiptFacts, Vec<u8>)> {
    let store = state.store();
    let customer = store.customer_file(job.customer_id)?;
    let settings = &state.receipt_settings(state.zone_of_site(&customer, job.site_id));
    let facts = ReceiptSources {
        job,
        customer: &customer,
        engineer_name,
        settings,
    }
    .facts(sign_off, state.config().receipt_link(token))?;
    let photos: Vec<(String, Vec<u8>)> = facts
        .photos
        .iter()
        .map(|p| Ok((p.sha256.clone(), state.blobs().read(&p.sha256)?)))
        .collect::<Result<_>>()
        .map_err(|_| {
            Error::bad_request(
                "photos_missing",
                "some photos of this job have not reached the server yet; sync and try again",
            )
        })?;
    let options = RenderOptions::a4();
    let pdf = fixline_receipt::render_owned(&facts, &photos, state.receipt_fonts()?, &options)
        .map_err(|e| Error::bad_request("receipt_failed", e.to_string()))?;
    Ok((facts, pdf))
}

/// Makes, seals and stores the receipt for a job completed in the browser, and records the
/// sign-off on the job. Blocking: call it through `spawn_blocking`.
pub fn make_on_server(
    state: &AppState,
    actor: &Actor,
    job: &WorkOrder,
    sign_off: SignOff,
    position: Option<Position>,
    now: Timestamp,
) -> Result<WorkOrder> {
    let token = new_token();
    let (facts, pdf) = render_for_job(state, job, &actor.name, sign_off.clone(), &token)?;
    let pdf_sha256 = state.blobs().put(&pdf)?;
    state
        .store()
        .record_blob_jobs(&pdf_sha256, &[job.id], Some(actor.user), now)?;
    let seal = Seal::sign(
        SealStatement {
            work_order_id: job.id,
            receipt_number: facts.number.clone(),
            pdf_sha256: pdf_sha256.clone(),
            sign_off_sha256: sign_off.digest(),
            sealed_at: now,
            position,
        },
        &state.seal_secret()?,
    );
    let record = ReceiptRecord {
        number: facts.number,
        language: facts.language,
        token,
        pdf_sha256,
        pdf_bytes: pdf.len() as u64,
        total: Some(facts.totals.total),
        sign_off,
        seal,
    };
    debug_assert_eq!(sha256_hex(&pdf), record.pdf_sha256);
    let sign = Action::SignReceipt {
        receipt: Box::new(record),
    };
    crate::ops::work_orders::act(
        state.store().as_ref(),
        state.sla_policy(),
        job.id,
        &crate::ops::work_orders::Step::now(actor, &sign, now),
    )
}

/// A receipt a device sealed is taken only with a key registered to the user who sends it, so
/// a forged or borrowed seal is refused when it arrives. (Receipts the server makes are sealed
/// with its own key and do not come through here.)
pub async fn check_device_seal(
    state: &crate::AppState,
    user: &crate::auth::SignedIn,
    action: &fixline_core::work_order::Action,
) -> Result<()> {
    let fixline_core::work_order::Action::SignReceipt { receipt } = action else {
        return Ok(());
    };
    let key = receipt.seal.device_key.clone();
    let owner = state.run(move |s| s.device_key_user(&key)).await?;
    if owner == Some(user.0.id) {
        return Ok(());
    }
    Err(Error::bad_request_with_status(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        fixline_core::sync::UNKNOWN_DEVICE,
        "the receipt is sealed with a key that is not registered to you; the app registers its key when it syncs",
    ))
}
