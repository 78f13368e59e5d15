//! The byte stream for the printer. Raster mode: `GS v 0` in bands, each as narrow as the ink
//! allows and blank bands sent as paper feed, so a slow Bluetooth link carries no more than it
//! must. Text mode: each line its code page holds in the printer's own font, every other line
//! as dots on the same character grid; the QR code native where the printer draws one.

use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{
    CharacterSet, JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption,
};
use fixline_core::receipt::ReceiptFacts;
use std::cell::RefCell;
use std::rc::Rc;

use crate::lines::{Align, Line, receipt_lines};
use crate::raster::{Bitmap, LINE_PITCH, RasterFont, grid_line, qr_module, qr_picture, render};
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
        Mode::Text => Ok(Encoded {
            bytes: printer_font_job(facts, profile, font)?,
            mode: Mode::Text,
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
    // Trim the right margin: the widest ink of all rows decides the band width.
    let used = bitmap.ink_width_bytes();
    push_bands(&mut printer, bitmap, profile.band_rows, used)?;
    printer.feeds(4).map_err(command)?;
    if profile.cuts {
        printer.partial_cut().map_err(command)?;
    }
    printer.print().map_err(command)?;
    Ok(memory.0.take())
}

/// The bytes of a job in the printer's own font: a line the profile's code page holds goes as
/// text — GB18030 or Big5 in double-byte mode, plain ASCII (USA set, single-byte mode) on any
/// printer — and any other line as dots on the same character grid, so a missing character is
/// never printed wrong. The QR code is native where the printer draws one, else dots.
pub fn printer_font_job(
    facts: &ReceiptFacts,
    profile: &Profile,
    font: &RasterFont,
) -> Result<Vec<u8>, PrintError> {
    let code_page = profile.code_page;
    let memory = Memory::default();
    let mut p = Printer::new(memory.clone(), Protocol::default(), None);
    p.init().map_err(command)?;
    p.character_set(CharacterSet::USA).map_err(command)?;
    // FS & / FS .: Chinese (double-byte) character mode on or off.
    let double_byte = if code_page.double_byte() { b'&' } else { b'.' };
    p.custom(&[0x1C, double_byte]).map_err(command)?;
    p.line_spacing(LINE_PITCH as u8).map_err(command)?;
    let picture = |p: &mut Printer<Memory>, bitmap: &Bitmap| -> Result<(), PrintError> {
        p.justify(JustifyMode::LEFT).map_err(command)?;
        push_bands(p, bitmap, profile.band_rows, bitmap.ink_width_bytes())
    };
    for line in receipt_lines(facts, profile.width_dots)? {
        match line {
            Line::Text {
                text,
                align,
                bold,
                double,
            } => {
                let scale = if double { 2 } else { 1 };
                match code_page.encode(&text) {
                    Some(mut bytes) => {
                        p.custom(&[0x1B, b'a', align.code()]).map_err(command)?;
                        p.bold(bold).map_err(command)?;
                        p.size(scale, scale).map_err(command)?;
                        bytes.push(b'\n');
                        p.custom(&bytes).map_err(command)?;
                        p.reset_size().map_err(command)?;
                        p.bold(false).map_err(command)?;
                    }
                    None => {
                        let drawn = grid_line(font, &text, u32::from(scale), bold);
                        let x = match align {
                            Align::Left => 0,
                            Align::Centre => profile.width_dots.saturating_sub(drawn.width()) / 2,
                        };
                        picture(&mut p, &Bitmap::placed(&drawn, profile.width_dots, x))?;
                    }
                }
            }
            Line::Picture(bitmap) => picture(&mut p, &bitmap)?,
            Line::Qr(link) if profile.native_qr => {
                p.justify(JustifyMode::CENTER).map_err(command)?;
                p.qrcode_option(
                    &link,
                    QRCodeOption::new(
                        QRCodeModel::Model2,
                        qr_module(&link, profile.width_dots)?,
                        QRCodeCorrectionLevel::M,
                    ),
                )
                .map_err(command)?;
            }
            Line::Qr(link) => {
                let drawn = qr_picture(&link, qr_module(&link, profile.width_dots)?)
                    .ok_or_else(|| PrintError::Layout(format!("no QR code holds {link:?}")))?;
                let x = profile.width_dots.saturating_sub(drawn.width()) / 2;
                picture(&mut p, &Bitmap::placed(&drawn, profile.width_dots, x))?;
            }
        }
    }
    p.feeds(4).map_err(command)?;
    if profile.cuts {
        p.partial_cut().map_err(command)?;
    }
    p.print().map_err(command)?;
    Ok(memory.0.take())
}
