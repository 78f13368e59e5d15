//! The receipt's typeface. Noto Sans CJK (SIL Open Font License: free to embed and
//! redistribute) from Debian's `fonts-noto-cjk`; face 2 of the collection is Simplified Chinese.

use std::path::{Path, PathBuf};

use printpdf::ParsedFont;

/// Where the font is looked for when no path is configured (Debian, then Fedora/Arch names).
const SYSTEM_FONTS: [(&str, &str); 2] = [
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    ),
    (
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
    ),
];

/// Simplified Chinese in the Noto Sans CJK collections.
pub const SC_FACE: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error(
        "no CJK font found (looked in {0}); install Debian's fonts-noto-cjk or set FIXLINE_RECEIPT_FONT"
    )]
    NotFound(String),
    #[error("font {path} cannot be read: {reason}")]
    Unreadable { path: String, reason: String },
}

/// Regular and bold faces, parsed once and reused for every receipt.
#[derive(Debug, Clone)]
pub struct ReceiptFonts {
    pub(crate) regular: ParsedFont,
    pub(crate) bold: ParsedFont,
}

impl ReceiptFonts {
    /// Loads the faces from files (`.ttc` collections use `face`, plain `.otf`/`.ttf` face 0).
    pub fn load(regular: &Path, bold: &Path, face: usize) -> Result<Self, FontError> {
        Ok(ReceiptFonts {
            regular: parse(regular, face)?,
            bold: parse(bold, face)?,
        })
    }

    /// `FIXLINE_RECEIPT_FONT` (regular; bold beside it as `…-Bold…`, else the regular face again),
    /// then the system's Noto Sans CJK.
    pub fn system() -> Result<Self, FontError> {
        if let Some(regular) = std::env::var_os("FIXLINE_RECEIPT_FONT").map(PathBuf::from) {
            let bold = bold_beside(&regular).filter(|b| b.exists());
            let bold = bold.as_deref().unwrap_or(&regular);
            return Self::load(&regular, bold, SC_FACE);
        }
        let found = SYSTEM_FONTS
            .iter()
            .find(|(regular, bold)| Path::new(regular).exists() && Path::new(bold).exists());
        match found {
            Some((regular, bold)) => Self::load(Path::new(regular), Path::new(bold), SC_FACE),
            None => Err(FontError::NotFound(SYSTEM_FONTS.map(|(r, _)| r).join(", "))),
        }
    }
}

/// Where the regular and bold faces are: `FIXLINE_RECEIPT_FONT` (bold beside it as
/// `…-Bold…`, else the regular face again), then the system's Noto Sans CJK.
pub fn system_paths() -> Result<(PathBuf, PathBuf), FontError> {
    if let Some(regular) = std::env::var_os("FIXLINE_RECEIPT_FONT").map(PathBuf::from) {
        let bold = bold_beside(&regular)
            .filter(|b| b.exists())
            .unwrap_or_else(|| regular.clone());
        return Ok((regular, bold));
    }
    SYSTEM_FONTS
        .iter()
        .find(|(regular, bold)| Path::new(regular).exists() && Path::new(bold).exists())
        .map(|(r, b)| (PathBuf::from(r), PathBuf::from(b)))
        .ok_or_else(|| FontError::NotFound(SYSTEM_FONTS.map(|(r, _)| r).join(", ")))
}

fn bold_beside(regular: &Path) -> Option<PathBuf> {
    let name = regular.file_name()?.to_str()?;
    Some(regular.with_file_name(name.replace("Regular", "Bold")))
}

fn parse(path: &Path, face: usize) -> Result<ParsedFont, FontError> {
    let unreadable = |reason: String| FontError::Unreadable {
        path: path.display().to_string(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
    let face = if bytes.starts_with(b"ttcf") { face } else { 0 };
    ParsedFont::from_bytes(&bytes, face, &mut Vec::new())
        .ok_or_else(|| unreadable("not an OpenType font".into()))
}
