//! The service receipt: what the customer signs for at the end of a visit, and the seal that makes
//! any later change to it visible.
//!
//! The receipt's facts are gathered once here and rendered twice elsewhere (PDF by
//! `fixline-receipt`, thermal paper by the printer adapter), so both always say the same thing.
//! The seal is computed on the device when the customer signs, offline: a SHA-256 of the rendered
//! PDF and of the signature, with the time and position, signed with the device's Ed25519 key.
//! The server checks it on upload and again whenever someone opens the verification page.

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature as EdSignature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Error;
use crate::billing::{Bill, LabourRule, TaxRates, Totals, labour_from_visits};
use crate::customer::{CustomerFile, Language};
use crate::ids::WorkOrderId;
use crate::money::Money;
use crate::position::Position;
use crate::text;
use crate::work_order::{ActionKind, ResolutionType, WorkOrder};
use crate::zone::ServiceZone;

/// What a photo shows; the receipt groups and captions photos by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PhotoTag {
    Before,
    After,
    Fault,
    SerialPlate,
}

impl PhotoTag {
    pub const ALL: [PhotoTag; 4] = [
        PhotoTag::Before,
        PhotoTag::After,
        PhotoTag::Fault,
        PhotoTag::SerialPlate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PhotoTag::Before => "before",
            PhotoTag::After => "after",
            PhotoTag::Fault => "fault",
            PhotoTag::SerialPlate => "serial_plate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A photo attached to a job, named by its content hash so it is stored and sent once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoRef {
    /// Hex SHA-256 of the processed JPEG.
    pub sha256: String,
    pub tag: PhotoTag,
    #[serde(default)]
    pub caption: String,
    #[serde(default)]
    pub taken_at: Option<DateTime<Utc>>,
    pub bytes: u64,
}

impl PhotoRef {
    pub fn validate(&self) -> Result<(), Error> {
        if !is_sha256_hex(&self.sha256) {
            return Err(Error::invalid("photo.sha256", "must be 64 hex digits"));
        }
        if !self.caption.is_empty() {
            text::line("photo.caption", &self.caption, text::LINE_MAX)?;
        }
        Ok(())
    }
}

pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Most strokes a signature may have, and points per stroke: far above any real signature,
/// low enough that a hostile payload stays small.
pub const MAX_STROKES: usize = 200;
pub const MAX_POINTS: usize = 4000;

/// A customer's handwritten signature, kept as vectors (crisp and small in the PDF). Points are
/// in the pad's own units, `width` × `height`, origin top left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signature {
    pub signer_name: String,
    pub signed_at: DateTime<Utc>,
    pub width: f32,
    pub height: f32,
    pub strokes: Vec<Vec<[f32; 2]>>,
}

/// How the customer took the receipt: signed, or refused with a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignOff {
    Signed(Signature),
    Refused {
        signer_name: String,
        reason: String,
        at: DateTime<Utc>,
    },
}

impl SignOff {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            SignOff::Signed(s) => s.signed_at,
            SignOff::Refused { at, .. } => *at,
        }
    }

    pub fn signer_name(&self) -> &str {
        match self {
            SignOff::Signed(s) => &s.signer_name,
            SignOff::Refused { signer_name, .. } => signer_name,
        }
    }

    pub fn validate(&self) -> Result<(), Error> {
        text::line("sign_off.signer_name", self.signer_name(), 80)?;
        match self {
            SignOff::Refused { reason, .. } => {
                text::line("sign_off.reason", reason, text::LINE_MAX)?;
            }
            SignOff::Signed(s) => {
                let pad_ok = |v: f32| v.is_finite() && v > 0.0 && v <= 10_000.0;
                if !pad_ok(s.width) || !pad_ok(s.height) {
                    return Err(Error::invalid("signature.size", "pad size out of range"));
                }
                let points: usize = s.strokes.iter().map(Vec::len).sum();
                if points < 2 {
                    return Err(Error::invalid(
                        "signature.strokes",
                        "the signature is empty",
                    ));
                }
                if s.strokes.len() > MAX_STROKES || s.strokes.iter().any(|k| k.len() > MAX_POINTS) {
                    return Err(Error::invalid("signature.strokes", "too many points"));
                }
                let inside = |p: &[f32; 2]| {
                    p[0].is_finite()
                        && p[1].is_finite()
                        && (0.0..=s.width).contains(&p[0])
                        && (0.0..=s.height).contains(&p[1])
                };
                if !s.strokes.iter().flatten().all(inside) {
                    return Err(Error::invalid(
                        "signature.strokes",
                        "a point is off the pad",
                    ));
                }
            }
        }
        Ok(())
    }

    /// SHA-256 of the sign-off as sent (canonical JSON), for the seal.
    pub fn digest(&self) -> String {
        sha256_hex(&serde_json::to_vec(self).unwrap_or_default())
    }
}

/// Brand lines printed at the top of every receipt, from the server's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Brand {
    pub name: String,
    #[serde(default)]
    pub slogan: String,
    /// Service hotline, printed under the slogan.
    #[serde(default)]
    pub phone: String,
    /// The logo as a base64 PNG, printed at the top right; empty: no logo.
    #[serde(default)]
    pub logo_png: String,
}

impl Default for Brand {
    fn default() -> Self {
        Brand {
            name: "Fixline 售后服务".into(),
            slogan: String::new(),
            phone: String::new(),
            logo_png: String::new(),
        }
    }
}

/// What the server tells devices about receipts: the brand, taxes and labour pricing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptSettings {
    pub brand: Brand,
    pub tax: TaxRates,
    pub labour_rule: LabourRule,
    pub hourly_rate: Money,
    /// The zone receipts print their times in, and the device's local days.
    #[serde(default)]
    pub time_zone: ServiceZone,
    /// The zone's offset now, minutes east of UTC, for app versions that predate `time_zone`.
    pub utc_offset_minutes: i32,
    /// Where customers open receipts (`https://…`); the server fills it in for devices.
    #[serde(default)]
    pub link_base: String,
}

impl Default for ReceiptSettings {
    fn default() -> Self {
        ReceiptSettings {
            brand: Brand::default(),
            tax: TaxRates::default(),
            labour_rule: LabourRule::default(),
            hourly_rate: Money::cny(rust_decimal::Decimal::from(120)),
            time_zone: ServiceZone::SHANGHAI,
            utc_offset_minutes: 480,
            link_base: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetLine {
    pub model: String,
    pub serial: String,
}

/// Everything a receipt says. Built from the work order, customer file and bill; rendered as PDF
/// and as thermal paper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptFacts {
    pub work_order_id: WorkOrderId,
    /// `R-` + the work order number + visit, e.g. `R-WO-000123-1`.
    pub number: String,
    pub language: Language,
    pub brand: Brand,
    pub customer_name: String,
    pub site_address: String,
    pub asset: Option<AssetLine>,
    pub symptom: String,
    pub work_performed: String,
    pub resolution: ResolutionType,
    pub bill: Bill,
    pub totals: Totals,
    pub photos: Vec<PhotoRef>,
    pub sign_off: SignOff,
    pub engineer_name: String,
    pub arrived_at: Option<DateTime<Utc>>,
    pub finished_at: DateTime<Utc>,
    /// The customer's page: receipt, verification and the satisfaction survey.
    pub customer_link: String,
    /// Times are printed in this zone. Receipts made before zones were named have none and
    /// were made in mainland China.
    #[serde(default)]
    pub time_zone: ServiceZone,
    /// The zone's offset when the job finished, for readers that predate `time_zone`.
    #[serde(default = "china_time")]
    pub utc_offset_minutes: i32,
}

fn china_time() -> i32 {
    480
}

impl ReceiptFacts {
    /// A time as the receipt prints it: local, in the receipt's zone.
    pub fn local_time(&self, t: DateTime<Utc>) -> String {
        self.time_zone.format(t, "%Y-%m-%d %H:%M")
    }
}

pub fn receipt_number(work_order_number: &str, visit: u32) -> String {
    format!("R-{work_order_number}-{visit}")
}

/// What the device signs when the customer signs. Field order is the canonical order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealStatement {
    pub work_order_id: WorkOrderId,
    pub receipt_number: String,
    /// SHA-256 of the PDF exactly as rendered on the device.
    pub pdf_sha256: String,
    /// SHA-256 of the sign-off (signature strokes or refusal).
    pub sign_off_sha256: String,
    pub sealed_at: DateTime<Utc>,
    pub position: Option<Position>,
}

impl SealStatement {
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // serde_json keeps struct field order; a struct of plain fields cannot fail to serialise.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A sealed statement: the statement, the device's public key, and its signature over it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Seal {
    pub statement: SealStatement,
    /// Hex Ed25519 public key of the device that sealed.
    pub device_key: String,
    /// Hex Ed25519 signature over `statement.canonical_bytes()`.
    pub signature: String,
}

/// The signed receipt as the work order keeps it: the PDF is a blob named by its hash, the
/// customer reaches it by the unguessable token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptRecord {
    pub number: String,
    pub language: Language,
    /// The customer link's secret part: 32 lowercase hex digits (128 random bits).
    pub token: String,
    pub pdf_sha256: String,
    pub pdf_bytes: u64,
    /// The total to pay as printed on the receipt.
    #[serde(default)]
    pub total: Option<Money>,
    pub sign_off: SignOff,
    pub seal: Seal,
}

impl ReceiptRecord {
    pub fn validate(&self) -> Result<(), Error> {
        text::line("receipt.number", &self.number, 64)?;
        if self.token.len() != 32
            || !self
                .token
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(Error::invalid(
                "receipt.token",
                "must be 32 lowercase hex digits",
            ));
        }
        // 128 random bits never come out as one digit repeated (all zeros, say): such a link
        // is guessable, so the device that made it is broken.
        if self.token.bytes().all(|b| b == self.token.as_bytes()[0]) {
            return Err(Error::invalid(
                "receipt.token",
                "is not random (one digit repeated)",
            ));
        }
        if !is_sha256_hex(&self.pdf_sha256) {
            return Err(Error::invalid(
                "receipt.pdf_sha256",
                "must be 64 hex digits",
            ));
        }
        self.sign_off.validate()?;
        let s = &self.seal.statement;
        if s.pdf_sha256 != self.pdf_sha256 || s.receipt_number != self.number {
            return Err(Error::invalid(
                "receipt.seal",
                "the seal is for another document",
            ));
        }
        if s.sign_off_sha256 != self.sign_off.digest() {
            return Err(Error::invalid(
                "receipt.seal",
                "the seal is for another signature",
            ));
        }
        // Checked when it arrives, not only when the customer opens the page later.
        self.seal.verify_signature().map_err(|problem| {
            Error::invalid(
                "receipt.seal",
                match problem {
                    SealProblem::Malformed => "the key or the signature is not well formed",
                    _ => "the signature does not verify with the device's key",
                },
            )
        })?;
        Ok(())
    }
}

/// Why a receipt does not verify, in words a customer can read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SealProblem {
    /// The document's bytes are not the ones that were signed.
    DocumentChanged,
    /// The seal itself was altered or was not made by this key.
    BadSignature,
    /// The key is not a device key registered for the engineer.
    UnknownDevice,
    /// The key was revoked before this receipt was sealed.
    RevokedDevice,
    Malformed,
}

impl Seal {
    /// Seals `statement` with the device key (32 secret bytes).
    pub fn sign(statement: SealStatement, device_secret: &[u8; 32]) -> Seal {
        let key = SigningKey::from_bytes(device_secret);
        let signature = key.sign(&statement.canonical_bytes());
        Seal {
            statement,
            device_key: hex(key.verifying_key().as_bytes()),
            signature: hex(&signature.to_bytes()),
        }
    }

    /// Checks the signature and that `pdf` is the document that was sealed.
    pub fn verify(&self, pdf: &[u8]) -> Result<(), SealProblem> {
        self.verify_signature()?;
        if sha256_hex(pdf) != self.statement.pdf_sha256 {
            return Err(SealProblem::DocumentChanged);
        }
        Ok(())
    }
}

impl Seal {
    /// Checks that the statement was signed by `device_key` (strictly: no weak keys, no
    /// malleable signatures).
    pub fn verify_signature(&self) -> Result<(), SealProblem> {
        let key: [u8; 32] = unhex(&self.device_key).ok_or(SealProblem::Malformed)?;
        let sig: [u8; 64] = unhex(&self.signature).ok_or(SealProblem::Malformed)?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| SealProblem::Malformed)?;
        key.verify_strict(
            &self.statement.canonical_bytes(),
            &EdSignature::from_bytes(&sig),
        )
        .map_err(|_| SealProblem::BadSignature)
    }
}

/// The public key for a device secret, hex, as registered with the server.
pub fn device_public_key(device_secret: &[u8; 32]) -> String {
    hex(SigningKey::from_bytes(device_secret)
        .verifying_key()
        .as_bytes())
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != N * 2 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

/// Gathers a completed job's receipt from the job, its customer file and the sign-off, the same
/// way on the device and on the server.
#[derive(Debug, Clone, Copy)]
pub struct ReceiptSources<'a> {
    pub job: &'a WorkOrder,
    pub customer: &'a CustomerFile,
    pub engineer_name: &'a str,
    pub settings: &'a ReceiptSettings,
}

impl ReceiptSources<'_> {
    /// The bill the receipt will carry: the parts recorded, and the labour typed in or, where
    /// none was, the time on site (free while the equipment is in warranty). The customer is
    /// shown its totals before signing; the receipt prints the same.
    pub fn bill(&self) -> Result<Bill, Error> {
        let job = self.job;
        let Some(resolution) = job.resolution.as_ref() else {
            return Err(Error::Requirement {
                action: ActionKind::SignReceipt,
                requirement: "the job is not completed yet".to_owned(),
            });
        };
        let asset = job
            .asset_id
            .and_then(|id| self.customer.assets.iter().find(|a| a.id == id));
        let mut bill = job.bill.clone().unwrap_or_default();
        if bill.labour.is_empty() {
            // Labour not typed in is the time on site, free while the equipment is in warranty.
            let covered = asset.is_some_and(|a| {
                matches!(
                    a.warranty_state(self.settings.time_zone.local_day(resolution.at)),
                    crate::customer::WarrantyState::InWarranty { .. }
                )
            });
            let s = self.settings;
            bill.labour = labour_from_visits(
                &job.visits,
                s.labour_rule,
                s.hourly_rate,
                covered,
                s.time_zone,
            );
            let language = self.customer.customer.details.language;
            for (line, visit) in bill
                .labour
                .iter_mut()
                .zip(job.visits.iter().filter(|v| !v.is_open()))
            {
                line.description = match language {
                    Language::ZhCn => format!("第 {} 次上门工时", visit.number),
                    Language::En => format!("Labour, visit {}", visit.number),
                };
            }
        }
        Ok(bill)
    }

    pub fn facts(&self, sign_off: SignOff, customer_link: String) -> Result<ReceiptFacts, Error> {
        let job = self.job;
        let requirement = |what: &str| Error::Requirement {
            action: ActionKind::SignReceipt,
            requirement: what.to_owned(),
        };
        let resolution = job
            .resolution
            .as_ref()
            .ok_or_else(|| requirement("the job is not completed yet"))?;
        sign_off.validate()?;
        let site = self.customer.sites.iter().find(|s| s.id == job.site_id);
        let asset = job
            .asset_id
            .and_then(|id| self.customer.assets.iter().find(|a| a.id == id));
        let bill = self.bill()?;
        let totals = bill.totals(&self.settings.tax)?;
        let visit = job.visits.last();
        Ok(ReceiptFacts {
            work_order_id: job.id,
            number: receipt_number(&job.number, visit.map_or(1, |v| v.number)),
            language: self.customer.customer.details.language,
            brand: self.settings.brand.clone(),
            customer_name: self.customer.customer.details.name.clone(),
            site_address: site
                .map(|s| format!("{}{}", s.details.city, s.details.address))
                .unwrap_or_default(),
            asset: asset.map(|a| AssetLine {
                model: a.details.model.clone(),
                serial: a.details.serial.clone(),
            }),
            symptom: job.symptom.clone(),
            work_performed: resolution.summary.clone(),
            resolution: resolution.kind,
            bill,
            totals,
            photos: job.photos.clone(),
            sign_off,
            engineer_name: self.engineer_name.to_string(),
            arrived_at: visit.map(|v| v.checked_in_at),
            finished_at: resolution.at,
            customer_link,
            time_zone: self.settings.time_zone,
            utc_offset_minutes: self.settings.time_zone.offset_minutes(resolution.at),
        })
    }
}
