//! The byte stream for the printer. Raster mode: `GS v 0` in bands, each as narrow as the ink
//! allows and blank bands sent as paper feed, so a slow Bluetooth link carries no more than it
//! must. Text mode: the printer's Chinese font in GB18030, with a native QR code.

use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};
use fixline_core::receipt::{ReceiptFacts, SignOff};
use std::cell::RefCell;
use std::rc::Rc;

use crate::raster::{Bitmap, RasterFont, render, signature_bitmap};
use crate::{Mode, PrintError, Profile};

/// The escpos crate writes to a driver; this one keeps the bytes.
#[derive(Debug, Clone, Default)]
struct Memory(Rc<RefCell<Vec<u8>>>);

impl Driver for Memory {
    fn name(&self) -> String {
        "memory".into()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// What goes to the printer, and what it will print (raster mode).
#[derive(Debug, Clone)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub mode: Mode,
    /// The picture sent, in raster mode.
    pub bitmap: Option<Bitmap>,
}

fn command(e: escpos::errors::PrinterError) -> PrintError {
    PrintError::Command(e.to_string())
}

pub fn encode(
    facts: &ReceiptFacts,
    profile: &Profile,
    font: &RasterFont,
) -> Result<Encoded, PrintError> {
    match profile.mode {
        Mode::Raster => {
            let bitmap = render(facts, profile.width_dots, font)?;
            let bytes = raster_job(&bitmap, profile)?;
            Ok(Encoded {
                bytes,
                mode: Mode::Raster,
                bitmap: Some(bitmap),
            })
        }
        Mode::Gb18030Text => Ok(Encoded {
            bytes: text_job(facts, profile)?,
            mode: Mode::Gb18030Text,
            bitmap: None,
        }),
    }
}

/// `GS v 0 0 xL xH yL yH` + data for rows `top..top+rows`, `bytes` wide.
fn band(bitmap: &Bitmap, top: u32, rows: u32, bytes: u32) -> Vec<u8> {
    let mut out = vec![
        0x1D,
        b'v',
        b'0',
        0,
        (bytes & 0xFF) as u8,
        (bytes >> 8) as u8,
        (rows & 0xFF) as u8,
        (rows >> 8) as u8,
    ];
    let stride = bitmap.bytes_per_row();
    for y in top..top + rows {
        let start = (y * stride) as usize;
        out.extend_from_slice(&bitmap.bits[start..start + bytes as usize]);
    }
    out
}

/// Runs of inked rows as bands of at most `rows` rows, `used` bytes wide; every run of blank
/// rows (the space between lines of text) becomes paper feed instead of white dots.
fn push_bands(
    printer: &mut Printer<Memory>,
    bitmap: &Bitmap,
    rows: u32,
    used: u32,
) -> Result<(), PrintError> {
    let stride = bitmap.bytes_per_row();
    let max_rows = rows.clamp(8, 255);
    let blank = |y: u32| {
        bitmap.bits[(y * stride) as usize..((y + 1) * stride) as usize]
            .iter()
            .all(|b| *b == 0)
    };
    let mut y = 0;
    while y < bitmap.height {
        let start = y;
        if blank(y) {
            while y < bitmap.height && blank(y) && y - start < 255 {
                y += 1;
            }
            // ESC J n: feed n dots.
            printer
                .custom(&[0x1B, b'J', (y - start) as u8])
                .map_err(command)?;
        } else {
            while y < bitmap.height && !blank(y) && y - start < max_rows {
                y += 1;
            }
            printer
                .custom(&band(bitmap, start, y - start, used.min(stride)))
                .map_err(command)?;
        }
    }
    Ok(())
}

/// The bytes of a raster job: init, bands, feed, cut.
pub fn raster_job(bitmap: &Bitmap, profile: &Profile) -> Result<Vec<u8>, PrintError> {
    let memory = Memory::default();
    let mut printer = Printer::new(memory.clone(), Protocol::default(), None);
    printer.init().map_err(command)?;
    let stride = bitmap.bytes_per_row();
    // Trim the right margin: the widest ink of all rows decides the band width.
    let used = (0..bitmap.height)
        .filter_map(|y| {
            let row = &bitmap.bits[(y * stride) as usize..((y + 1) * stride) as usize];
            row.iter().rposition(|b| *b != 0).map(|i| i as u32 + 1)
        })
        .max()
        .unwrap_or(1);
    push_bands(&mut printer, bitmap, profile.band_rows, used)?;
    printer.feeds(4).map_err(command)?;
    if profile.cuts {
        printer.partial_cut().map_err(command)?;
    }
    printer.print().map_err(command)?;
    Ok(memory.0.take())
}

fn gb18030(text: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(text).0.into_owned()
}

/// Display columns of a string in the printer's font: CJK characters take two.
fn columns(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn two_columns(left: &str, right: &str, width: usize) -> String {
    let gap = width.saturating_sub(columns(left) + columns(right)).max(1);
    format!("{left}{}{right}", " ".repeat(gap))
}

/// The bytes of a text job, for printers with a GB18030 font.
pub fn text_job(facts: &ReceiptFacts, profile: &Profile) -> Result<Vec<u8>, PrintError> {
    let words = fixline_receipt::words_for(facts.language);
    let width = profile.text_columns();
    let memory = Memory::default();
    let mut p = Printer::new(memory.clone(), Protocol::default(), None);
    let line = |p: &mut Printer<Memory>, text: &str| -> Result<(), PrintError> {
        let mut bytes = gb18030(text);
        bytes.push(b'\n');
        p.custom(&bytes).map_err(command).map(drop)
    };
    p.init().map_err(command)?;
    // FS &: Chinese (double-byte) character mode.
    p.custom(&[0x1C, b'&']).map_err(command)?;
    p.justify(JustifyMode::CENTER).map_err(command)?;
    p.bold(true).map_err(command)?;
    p.size(2, 2).map_err(command)?;
    line(&mut p, &facts.brand.name)?;
    p.reset_size().map_err(command)?;
    p.bold(false).map_err(command)?;
    for extra in [&facts.brand.slogan, &facts.brand.phone] {
        if !extra.is_empty() {
            line(&mut p, extra)?;
        }
    }
    p.bold(true).map_err(command)?;
    line(&mut p, &format!("{} {}", words.title, facts.number))?;
    p.bold(false).map_err(command)?;
    p.justify(JustifyMode::LEFT).map_err(command)?;
    line(&mut p, &"-".repeat(width))?;
    line(
        &mut p,
        &format!("{}：{}", words.customer, facts.customer_name),
    )?;
    line(&mut p, &format!("{}：{}", words.site, facts.site_address))?;
    if let Some(a) = &facts.asset {
        line(
            &mut p,
            &format!("{}：{} {}", words.asset, a.model, a.serial),
        )?;
    }
    line(&mut p, &format!("{}：{}", words.work, facts.work_performed))?;
    line(
        &mut p,
        &format!("{}：{}", words.engineer, facts.engineer_name),
    )?;
    line(&mut p, &"-".repeat(width))?;
    for part in &facts.bill.parts {
        line(&mut p, &format!("{} {}", part.part_number, part.name))?;
        let amount = fixline_core::billing::Bill::part_total(part)
            .map(|m| m.to_string())
            .unwrap_or_default();
        let qty = format!("  {} x {}", part.quantity.normalize(), part.unit_price);
        line(&mut p, &two_columns(&qty, &amount, width))?;
    }
    for l in &facts.bill.labour {
        line(&mut p, &l.description)?;
        let amount = fixline_core::billing::Bill::labour_total(l)
            .map(|m| m.to_string())
            .unwrap_or_default();
        line(
            &mut p,
            &two_columns(&format!("  {} min", l.minutes), &amount, width),
        )?;
    }
    line(&mut p, &"-".repeat(width))?;
    let t = &facts.totals;
    line(&mut p, &two_columns(words.tax, &t.tax.to_string(), width))?;
    p.bold(true).map_err(command)?;
    line(
        &mut p,
        &two_columns(words.total, &t.total.to_string(), width),
    )?;
    p.bold(false).map_err(command)?;
    match &facts.sign_off {
        SignOff::Signed(s) => {
            line(&mut p, &format!("{}：{}", words.signature, s.signer_name))?;
            // The handwriting itself only prints as dots.
            let strokes = signature_bitmap(s, profile.width_dots * 3 / 5)?;
            let width = strokes.bytes_per_row();
            push_bands(&mut p, &strokes, profile.band_rows, width)?;
        }
        SignOff::Refused { reason, .. } => line(&mut p, &format!("{}：{reason}", words.refused))?,
    }
    p.justify(JustifyMode::CENTER).map_err(command)?;
    p.qrcode_option(
        &facts.customer_link,
        QRCodeOption::new(QRCodeModel::Model2, 6, QRCodeCorrectionLevel::M),
    )
    .map_err(command)?;
    line(&mut p, words.scan)?;
    p.feeds(4).map_err(command)?;
    if profile.cuts {
        p.partial_cut().map_err(command)?;
    }
    p.print().map_err(command)?;
    Ok(memory.0.take())
}
