//! Fixline's service receipt as a PDF, made wherever the facts are (on the device, offline, or on
//! the server) from [`fixline_core::receipt::ReceiptFacts`].
//!
//! Two layouts: A4 for e-mail and archive, an 80 mm roll for a receipt printer that takes PDF.
//! Text is set in one CJK font (Noto Sans CJK SC covers Latin too) that printpdf subsets, so a
//! receipt carries only the glyphs it uses; photos are scaled down for print; the signature is
//! drawn from its strokes as vector paths and the QR code as vector squares.

mod draw;
pub mod fonts;
mod layout;
pub mod report;
pub mod sample;
mod signature;
mod words;

use fixline_core::receipt::ReceiptFacts;

pub use fonts::{FontError, ReceiptFonts};
pub use signature::signature_png;
pub use words::{Words, words_for};

#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    #[error(transparent)]
    Font(#[from] FontError),
    #[error("photo {sha256} cannot be read: {reason}")]
    Photo { sha256: String, reason: String },
    #[error("photo {0} is listed on the receipt but was not given")]
    MissingPhoto(String),
    #[error("the signature cannot be drawn: {0}")]
    Signature(String),
    #[error("the brand logo cannot be read: {0}")]
    Logo(String),
    #[error("the receipt link cannot be put in a QR code: {0}")]
    Link(String),
    #[error("the receipt is not valid: {0}")]
    Invalid(#[from] fixline_core::Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaperSize {
    #[default]
    A4,
    /// 80 mm thermal roll: one long page.
    Roll80,
}

#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    pub paper: PaperSize,
    /// Longest side of a photo in the PDF, in pixels; 640 keeps four photos well under 400 KB.
    pub photo_edge: u32,
    /// JPEG quality of photos in the PDF, 0–1.
    pub photo_quality: f32,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            paper: PaperSize::A4,
            photo_edge: 640,
            photo_quality: 0.7,
        }
    }
}

impl RenderOptions {
    pub fn a4() -> Self {
        RenderOptions {
            paper: PaperSize::A4,
            ..Default::default()
        }
    }
}

/// [`render`] with the photos as owned (SHA-256, JPEG) pairs, as stores hand them out.
pub fn render_owned(
    facts: &ReceiptFacts,
    photos: &[(String, Vec<u8>)],
    fonts: &ReceiptFonts,
    options: &RenderOptions,
) -> Result<Vec<u8>, ReceiptError> {
    let given: Vec<PhotoBytes<'_>> = photos
        .iter()
        .map(|(s, b)| (s.as_str(), b.as_slice()))
        .collect();
    render(facts, &given, fonts, options)
}

/// A photo named on the receipt with its JPEG bytes.
pub type PhotoBytes<'a> = (&'a str, &'a [u8]);

/// Renders the receipt. `photos` gives the bytes of every photo the facts list, by SHA-256.
pub fn render(
    facts: &ReceiptFacts,
    photos: &[PhotoBytes<'_>],
    fonts: &ReceiptFonts,
    options: &RenderOptions,
) -> Result<Vec<u8>, ReceiptError> {
    facts.sign_off.validate()?;
    facts.bill.validate()?;
    let mut pictures = Vec::with_capacity(facts.photos.len());
    for p in &facts.photos {
        p.validate()?;
        let bytes = photos
            .iter()
            .find(|(sha, _)| *sha == p.sha256)
            .map(|(_, b)| *b)
            .ok_or_else(|| ReceiptError::MissingPhoto(p.sha256.clone()))?;
        pictures.push(draw::Picture::decode(p, bytes, options)?);
    }
    let logo = draw::decode_logo(&facts.brand.logo_png)?;
    layout::receipt(facts, &pictures, logo.as_ref(), fonts, options)
}
