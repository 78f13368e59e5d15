//! The thermal receipt as a picture, `width` dots wide: the same facts as the PDF (header,
//! receipt number, customer, work, parts and totals, signature, QR to the customer's page), set
//! in the CJK font at thermal sizes and kept strictly black and white (text at a coverage
//! threshold, the logo dithered), so the printer gets exactly the dots it will burn.

use std::path::Path;

use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use fixline_core::receipt::{ReceiptFacts, SignOff};
use image::{GrayImage, Luma};
use qrcode::{EcLevel, QrCode};

use crate::PrintError;

/// One bit per dot, rows top to bottom, most significant bit leftmost, rows padded to bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    pub bits: Vec<u8>,
}

impl Bitmap {
    pub fn new(width: u32, height: u32) -> Self {
        Bitmap {
            width,
            height,
            bits: vec![0; (width.div_ceil(8) * height) as usize],
        }
    }

    pub fn bytes_per_row(&self) -> u32 {
        self.width.div_ceil(8)
    }

    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let byte = self.bits[(y * self.bytes_per_row() + x / 8) as usize];
        byte & (0x80 >> (x % 8)) != 0
    }

    pub fn set(&mut self, x: u32, y: u32) {
        if x < self.width && y < self.height {
            let i = (y * self.bytes_per_row() + x / 8) as usize;
            self.bits[i] |= 0x80 >> (x % 8);
        }
    }

    /// A black-and-white picture on paper `width` dots wide, its left edge at `x`.
    pub(crate) fn placed(picture: &GrayImage, width: u32, x: u32) -> Self {
        let mut b = Bitmap::new(width, picture.height());
        for (px, py, p) in picture.enumerate_pixels() {
            if p.0[0] < 128 {
                b.set(x + px, py);
            }
        }
        b
    }

    /// Bytes of each row up to the rightmost black dot of any row (at least one).
    pub(crate) fn ink_width_bytes(&self) -> u32 {
        let stride = self.bytes_per_row() as usize;
        self.bits
            .chunks(stride.max(1))
            .filter_map(|row| row.iter().rposition(|b| *b != 0).map(|i| i as u32 + 1))
            .max()
            .unwrap_or(1)
    }

    /// Black dots.
    pub fn ink(&self) -> usize {
        self.bits.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// As a picture: black dots on white paper.
    pub fn to_gray(&self) -> GrayImage {
        GrayImage::from_fn(self.width, self.height, |x, y| {
            Luma([if self.get(x, y) { 0 } else { 255 }])
        })
    }

    pub fn to_png(&self) -> Vec<u8> {
        let mut png = Vec::new();
        // Encoding an in-memory image into a Vec cannot fail.
        let _ = image::DynamicImage::ImageLuma8(self.to_gray())
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png);
        png
    }

    /// Dots in which two bitmaps of the same size differ.
    pub fn difference(&self, other: &Bitmap) -> usize {
        if (self.width, self.height) != (other.width, other.height) {
            return usize::MAX;
        }
        self.bits
            .iter()
            .zip(&other.bits)
            .map(|(a, b)| (a ^ b).count_ones() as usize)
            .sum()
    }
}

/// The CJK face for printing, from the same font the PDF uses.
#[derive(Debug)]
pub struct RasterFont {
    regular: FontVec,
}

impl RasterFont {
    pub fn load(path: &Path, face: u32) -> Result<Self, PrintError> {
        let bytes = std::fs::read(path)
            .map_err(|e| PrintError::Font(format!("{}: {e}", path.display())))?;
        let face = if bytes.starts_with(b"ttcf") { face } else { 0 };
        let regular = FontVec::try_from_vec_and_index(bytes, face)
            .map_err(|e| PrintError::Font(format!("{}: {e}", path.display())))?;
        Ok(RasterFont { regular })
    }

    /// The system's Noto Sans CJK SC (or `FIXLINE_RECEIPT_FONT`), as for the PDF.
    pub fn system() -> Result<Self, PrintError> {
        let (regular, _) =
            fixline_receipt::fonts::system_paths().map_err(|e| PrintError::Font(e.to_string()))?;
        Self::load(&regular, fixline_receipt::fonts::SC_FACE as u32)
    }
}

/// A canvas that grows downwards, kept black (0) and white (255).
struct Canvas<'f> {
    img: GrayImage,
    y: u32,
    font: &'f RasterFont,
}

const MARGIN: u32 = 4;

impl<'f> Canvas<'f> {
    fn new(width: u32, font: &'f RasterFont) -> Self {
        Canvas {
            img: GrayImage::from_pixel(width, 1600, Luma([255])),
            y: 8,
            font,
        }
    }

    fn width(&self) -> u32 {
        self.img.width()
    }

    fn ensure(&mut self, bottom: u32) {
        if bottom >= self.img.height() {
            let mut taller = GrayImage::from_pixel(
                self.width(),
                (bottom + 800).max(self.img.height() * 2),
                Luma([255]),
            );
            image::imageops::replace(&mut taller, &self.img, 0, 0);
            self.img = taller;
        }
    }

    fn measure(&self, text: &str, px: f32) -> f32 {
        let font = self.font.regular.as_scaled(PxScale::from(px));
        text.chars().map(|c| font.h_advance(font.glyph_id(c))).sum()
    }

    fn wrap(&self, text: &str, px: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.lines() {
            let mut line = String::new();
            for c in paragraph.chars() {
                let mut candidate = line.clone();
                candidate.push(c);
                if self.measure(&candidate, px) <= width || line.is_empty() {
                    line = candidate;
                } else {
                    lines.push(std::mem::replace(&mut line, c.to_string()));
                }
            }
            lines.push(line);
        }
        lines
    }

    /// Draws one line with its top at `y`; black where glyph coverage is at least half.
    fn text_at(&mut self, x: f32, y: u32, text: &str, px: f32, bold: bool) {
        let baseline = y as f32 + self.font.regular.as_scaled(PxScale::from(px)).ascent();
        self.ensure(y + px as u32 * 2);
        let mut caret = x;
        for c in text.chars() {
            caret += self.glyph_at(caret, baseline, c, px, bold);
        }
    }

    /// Draws one character with its origin at (`x`, `baseline`); returns its advance.
    fn glyph_at(&mut self, x: f32, baseline: f32, c: char, px: f32, bold: bool) -> f32 {
        let font = self.font.regular.as_scaled(PxScale::from(px));
        let mut glyph = font.scaled_glyph(c);
        glyph.position = ab_glyph::point(x, baseline);
        let advance = font.h_advance(glyph.id);
        let Some(outlined) = self.font.regular.outline_glyph(glyph) else {
            return advance;
        };
        let bounds = outlined.px_bounds();
        let img = &mut self.img;
        outlined.draw(|gx, gy, coverage| {
            if coverage < 0.5 {
                return;
            }
            let px_x = bounds.min.x as i32 + gx as i32;
            let px_y = bounds.min.y as i32 + gy as i32;
            for dx in 0..=i32::from(bold) {
                let (xx, yy) = (px_x + dx, px_y);
                if xx >= 0 && yy >= 0 && (xx as u32) < img.width() && (yy as u32) < img.height() {
                    img.put_pixel(xx as u32, yy as u32, Luma([0]));
                }
            }
        });
        advance
    }

    fn line_height(px: f32) -> u32 {
        (px * 1.3).ceil() as u32
    }

    fn paragraph(&mut self, x: f32, width: f32, text: &str, px: f32, bold: bool) {
        for line in self.wrap(text, px, width) {
            let y = self.y;
            self.text_at(x, y, &line, px, bold);
            self.y += Self::line_height(px);
        }
    }

    fn centred(&mut self, text: &str, px: f32, bold: bool) {
        for line in self.wrap(text, px, (self.width() - 2 * MARGIN) as f32) {
            let x = (self.width() as f32 - self.measure(&line, px)) / 2.0;
            let y = self.y;
            self.text_at(x.max(0.0), y, &line, px, bold);
            self.y += Self::line_height(px);
        }
    }

    fn right(&mut self, right: f32, y: u32, text: &str, px: f32, bold: bool) {
        let x = right - self.measure(text, px);
        self.text_at(x.max(0.0), y, text, px, bold);
    }

    fn rule(&mut self, dashed: bool) {
        self.y += 4;
        self.ensure(self.y + 4);
        for x in MARGIN..self.width() - MARGIN {
            if !dashed || (x / 6) % 2 == 0 {
                self.img.put_pixel(x, self.y, Luma([0]));
                self.img.put_pixel(x, self.y + 1, Luma([0]));
            }
        }
        self.y += 8;
    }

    /// Pastes a grey picture, dithered to black and white.
    fn dithered(&mut self, picture: &GrayImage, x: u32) {
        self.paste(&dither(picture), x);
    }

    /// Pastes a black-and-white picture at `x` and moves below it.
    fn paste(&mut self, picture: &GrayImage, x: u32) {
        let h = picture.height();
        self.ensure(self.y + h);
        for (xx, yy, p) in picture.enumerate_pixels() {
            if p.0[0] < 128 && x + xx < self.width() {
                self.img.put_pixel(x + xx, self.y + yy, Luma([0]));
            }
        }
        self.y += h;
    }

    fn into_bitmap(self) -> Bitmap {
        let height = self.y + 8;
        let mut bitmap = Bitmap::new(self.width(), height);
        for y in 0..height.min(self.img.height()) {
            for x in 0..self.width() {
                if self.img.get_pixel(x, y).0[0] < 128 {
                    bitmap.set(x, y);
                }
            }
        }
        bitmap
    }
}

/// Lays out the thermal receipt `width` dots wide.
pub fn render(facts: &ReceiptFacts, width: u32, font: &RasterFont) -> Result<Bitmap, PrintError> {
    if !(128..=2048).contains(&width) {
        return Err(PrintError::Layout(format!(
            "{width} dots is not a printer width"
        )));
    }
    let words = fixline_receipt::words_for(facts.language);
    let narrow = width < 500;
    let (big, body, small) = if narrow {
        (30.0, 22.0, 20.0)
    } else {
        (40.0, 26.0, 22.0)
    };
    let mut c = Canvas::new(width, font);
    let inner = (width - 2 * MARGIN) as f32;
    let left = MARGIN as f32;

    if let Some(logo) = logo(&facts.brand.logo_png, logo_size(width)) {
        let x = (width - logo.width()) / 2;
        c.dithered(&logo, x);
        c.y += 6;
    }
    c.centred(&facts.brand.name, big, true);
    for line in [&facts.brand.slogan, &facts.brand.phone] {
        if !line.is_empty() {
            c.centred(line, small, false);
        }
    }
    c.rule(false);
    c.centred(
        &format!("{} {}", words.title, facts.number),
        body * 1.15,
        true,
    );
    c.rule(true);

    let when = |t: chrono::DateTime<chrono::Utc>| facts.local_time(t);
    let mut rows = vec![
        (words.customer, facts.customer_name.clone()),
        (words.site, facts.site_address.clone()),
    ];
    if let Some(a) = &facts.asset {
        rows.push((words.asset, format!("{} {}", a.model, a.serial)));
    }
    rows.push((words.symptom, facts.symptom.clone()));
    rows.push((words.work, facts.work_performed.clone()));
    rows.push((words.engineer, facts.engineer_name.clone()));
    rows.push((words.finished, when(facts.finished_at)));
    for (label, value) in rows {
        c.paragraph(left, inner, &format!("{label}：{value}"), small, false);
    }
    c.rule(true);

    // Parts and labour: the name on its own line, quantity × price = amount under it.
    let right = (width - MARGIN) as f32;
    for p in &facts.bill.parts {
        let mut name = format!("{} {}", p.part_number, p.name);
        if p.under_warranty {
            name.push_str(&format!("（{}）", words.warranty));
        }
        c.paragraph(left, inner, &name, small, false);
        if !p.serials.is_empty() {
            c.paragraph(
                left + 16.0,
                inner - 16.0,
                &format!("SN {}", p.serials.join(", ")),
                small,
                false,
            );
        }
        let amount = fixline_core::billing::Bill::part_charge(p)
            .map(|m| m.to_string())
            .unwrap_or_default();
        let y = c.y;
        c.text_at(
            left + 16.0,
            y,
            &format!("{} × {}", p.quantity.normalize(), p.unit_price),
            small,
            false,
        );
        c.right(right, y, &amount, small, false);
        c.y += Canvas::line_height(small);
    }
    for l in &facts.bill.labour {
        let mut name = l.description.clone();
        if l.under_warranty {
            name.push_str(&format!("（{}）", words.warranty));
        }
        c.paragraph(left, inner, &name, small, false);
        let amount = fixline_core::billing::Bill::labour_charge(l)
            .map(|m| m.to_string())
            .unwrap_or_default();
        let y = c.y;
        c.text_at(
            left + 16.0,
            y,
            &format!("{} min × {}", l.minutes, l.hourly_rate),
            small,
            false,
        );
        c.right(right, y, &amount, small, false);
        c.y += Canvas::line_height(small);
    }
    c.rule(true);
    let t = &facts.totals;
    // Parts + labour + tax = total as printed; the warranty's share follows the total.
    let totals = vec![
        (words.parts, t.parts.to_string()),
        (words.labour, t.labour.to_string()),
        (words.tax, t.tax.to_string()),
    ];
    for (label, value) in totals {
        let y = c.y;
        c.text_at(left, y, label, small, false);
        c.right(right, y, &value, small, false);
        c.y += Canvas::line_height(small);
    }
    let y = c.y;
    c.text_at(left, y, words.total, big * 0.8, true);
    c.right(right, y, &t.total.to_string(), big * 0.8, true);
    c.y += Canvas::line_height(big * 0.8);
    if !t.warranty_covered.amount.is_zero() {
        let y = c.y;
        c.text_at(left, y, words.warranty_covered, small, false);
        c.right(right, y, &t.warranty_covered.to_string(), small, false);
        c.y += Canvas::line_height(small);
    }
    c.rule(false);

    // The signature, drawn from its strokes, or the refusal.
    match &facts.sign_off {
        SignOff::Signed(s) => {
            c.paragraph(left, inner, words.signature, small, true);
            let png = fixline_receipt::signature_png(s, (width as f32 * 0.8) as u32)
                .map_err(|e| PrintError::Layout(e.to_string()))?;
            let rgba = image::load_from_memory(&png)
                .map_err(|e| PrintError::Layout(e.to_string()))?
                .into_rgba8();
            let grey = GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
                Luma([255 - rgba.get_pixel(x, y).0[3]])
            });
            c.dithered(&grey, MARGIN);
            c.paragraph(
                left,
                inner,
                &format!("{} · {}", s.signer_name, when(s.signed_at)),
                small,
                false,
            );
        }
        SignOff::Refused {
            signer_name,
            reason,
            ..
        } => {
            c.paragraph(
                left,
                inner,
                &format!("{}：{signer_name} — {reason}", words.refused),
                small,
                true,
            );
        }
    }
    c.rule(true);

    // The customer's page as a QR code, and the words under it.
    let link = &facts.customer_link;
    let qr = qr_picture(link, qr_module(link, width)?)
        .ok_or_else(|| PrintError::Layout(format!("no QR code holds {link:?}")))?;
    c.paste(&qr, width.saturating_sub(qr.width()) / 2);
    c.centred(words.scan, small, false);
    Ok(c.into_bitmap())
}

fn logo(base64_png: &str, size: u32) -> Option<GrayImage> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64_png.trim())
        .ok()?;
    let img = image::load_from_memory(&bytes)
        .ok()?
        .thumbnail(size, size)
        .into_rgba8();
    // Transparent is paper.
    Some(GrayImage::from_fn(img.width(), img.height(), |x, y| {
        let [r, g, b, a] = img.get_pixel(x, y).0;
        let luma = (u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000;
        let a = u32::from(a);
        Luma([((luma * a + 255 * (255 - a)) / 255) as u8])
    }))
}

/// Rows one line of the printer's font takes at `scale` (24-dot characters, 6 dots apart).
pub(crate) const LINE_PITCH: u32 = 30;

/// One line as the printer's own font prints it: a grid of 12 × 24-dot cells at `scale`, a
/// CJK character (anything not ASCII) taking two. The decoder draws text lines with it and text
/// mode sends the lines its code page lacks drawn with it, so both come out on the same grid.
pub(crate) fn grid_line(font: &RasterFont, line: &str, scale: u32, bold: bool) -> GrayImage {
    let scale = scale.clamp(1, 8);
    let cell = 12 * scale;
    let cols = crate::lines::columns(line) as u32;
    let mut c = Canvas::new((cols * cell).max(1), font);
    c.y = 0;
    let px = (24 * scale) as f32;
    // Ideographs fill the 24-dot cell when the baseline sits at 7/8 of it.
    let baseline = (21 * scale) as f32;
    let mut col = 0;
    for ch in line.chars() {
        let span = if ch.is_ascii() { 1 } else { 2 };
        let width = (span * cell) as f32;
        let advance = c
            .font
            .regular
            .as_scaled(PxScale::from(px))
            .h_advance(c.font.regular.glyph_id(ch));
        let x = (col * cell) as f32 + (width - advance) / 2.0;
        c.glyph_at(x, baseline, ch, px, bold);
        col += span;
    }
    image::imageops::crop_imm(&c.img, 0, 0, c.width(), LINE_PITCH * scale).to_image()
}

/// Floyd–Steinberg: a grey picture as black (0) and white (255) dots.
fn dither(picture: &GrayImage) -> GrayImage {
    let (w, h) = picture.dimensions();
    let mut err: Vec<f32> = picture.pixels().map(|p| f32::from(p.0[0])).collect();
    let mut out = GrayImage::from_pixel(w, h, Luma([255]));
    for yy in 0..h {
        for xx in 0..w {
            let i = (yy * w + xx) as usize;
            let old = err[i];
            let new = if old < 128.0 { 0.0 } else { 255.0 };
            let e = old - new;
            let mut spread = |dx: i32, dy: u32, f: f32| {
                let nx = xx as i32 + dx;
                if nx >= 0 && (nx as u32) < w && yy + dy < h {
                    err[((yy + dy) * w + nx as u32) as usize] += e * f;
                }
            };
            spread(1, 0, 7.0 / 16.0);
            spread(-1, 1, 3.0 / 16.0);
            spread(0, 1, 5.0 / 16.0);
            spread(1, 1, 1.0 / 16.0);
            if new == 0.0 {
                out.put_pixel(xx, yy, Luma([0]));
            }
        }
    }
    out
}

/// Logo sizes: 96 dots on 58 mm paper, 128 on 80 mm.
fn logo_size(width: u32) -> u32 {
    if width < 500 { 96 } else { 128 }
}

/// The brand's logo dithered and centred on paper `width` dots wide; `None` without a logo.
pub(crate) fn logo_bitmap(base64_png: &str, width: u32) -> Option<Bitmap> {
    let picture = dither(&logo(base64_png, logo_size(width))?);
    let x = width.saturating_sub(picture.width()) / 2;
    Some(Bitmap::placed(&picture, width, x))
}

/// Dots a QR module for `data`: the code, quiet zone included, at most half the paper and
/// 200 dots (25 mm, plenty for a phone camera) wide, every extra dot row costing link time.
pub(crate) fn qr_module(data: &str, width: u32) -> Result<u8, PrintError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| PrintError::Layout(format!("no QR code holds {data:?}: {e}")))?;
    let side = code.width() as u32 + 8;
    Ok(((width / 2).min(200) / side).clamp(2, 16) as u8)
}

/// A QR code as the printer draws `GS ( k`: `module` dots a module, a 4-module quiet zone.
pub(crate) fn qr_picture(data: &str, module: u8) -> Option<GrayImage> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).ok()?;
    let n = code.width() as u32;
    let dot = u32::from(module.max(1));
    let side = (n + 8) * dot;
    let colors = code.to_colors();
    Some(GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = ((x / dot) as i64 - 4, (y / dot) as i64 - 4);
        let dark = mx >= 0
            && my >= 0
            && (mx as u32) < n
            && (my as u32) < n
            && colors[(my as u32 * n + mx as u32) as usize] == qrcode::Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    }))
}

/// The signature alone, `width` dots wide, black where the strokes are.
pub fn signature_bitmap(
    signature: &fixline_core::receipt::Signature,
    width: u32,
) -> Result<Bitmap, PrintError> {
    let png = fixline_receipt::signature_png(signature, width)
        .map_err(|e| PrintError::Layout(e.to_string()))?;
    let rgba = image::load_from_memory(&png)
        .map_err(|e| PrintError::Layout(e.to_string()))?
        .into_rgba8();
    let mut b = Bitmap::new(rgba.width(), rgba.height());
    for (x, y, p) in rgba.enumerate_pixels() {
        if p.0[3] >= 128 {
            b.set(x, y);
        }
    }
    Ok(b)
}
