//! Reads an ESC/POS byte stream back: the commands, and the paper that would come out (a
//! raster image, with text drawn in the printer's font size and QR codes drawn from their data).
//! Used by the tests and by the virtual printer.

use image::GrayImage;

use crate::CodePage;
use crate::raster::{Bitmap, LINE_PITCH, RasterFont};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Init,
    Align(u8),
    Bold(bool),
    /// GS ! n: width and height multipliers.
    Size {
        width: u8,
        height: u8,
    },
    ChineseMode(bool),
    /// A line of text, decoded in the printer's code page.
    Text(String),
    /// ESC J / ESC d / LF: paper fed by this many dots.
    Feed(u32),
    Raster {
        width_bytes: u32,
        rows: u32,
    },
    Qr {
        data: String,
        module: u8,
    },
    Cut,
    StatusRequest(u8),
    /// Bytes this decoder does not know, kept so a test can see them.
    Unknown(Vec<u8>),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("the job ends inside a command at byte {0}")]
    Truncated(usize),
    #[error(
        "a raster band at byte {at} is {rows} rows of {width_bytes} bytes, more than a printer takes"
    )]
    TooLarge {
        at: usize,
        width_bytes: u32,
        rows: u32,
    },
    #[error("the job runs to more than {MAX_PAPER_ROWS} dot rows of paper (12 m) by byte {0}")]
    TooLong(usize),
}

/// The paper as printed, and what produced it.
#[derive(Debug, Clone)]
pub struct Printout {
    pub commands: Vec<Command>,
    pub paper: Bitmap,
}

impl Printout {
    /// Text lines in order (text mode).
    pub fn text(&self) -> Vec<String> {
        self.commands
            .iter()
            .filter_map(|c| match c {
                Command::Text(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn qr_codes(&self) -> Vec<String> {
        self.commands
            .iter()
            .filter_map(|c| match c {
                Command::Qr { data, .. } => Some(data.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Paper being printed on: rows appended as the printer advances.
struct Paper<'f> {
    width: u32,
    rows: Vec<Vec<bool>>,
    font: Option<&'f RasterFont>,
}

impl Paper<'_> {
    fn feed(&mut self, dots: u32) {
        for _ in 0..dots {
            self.rows.push(vec![false; self.width as usize]);
        }
    }

    fn stamp(&mut self, img: &GrayImage, align: u8) {
        let x0 = match align {
            1 => self.width.saturating_sub(img.width()) / 2,
            2 => self.width.saturating_sub(img.width()),
            _ => 0,
        };
        for y in 0..img.height() {
            let mut row = vec![false; self.width as usize];
            for x in 0..img.width() {
                if x0 + x < self.width && img.get_pixel(x, y).0[0] < 128 {
                    row[(x0 + x) as usize] = true;
                }
            }
            self.rows.push(row);
        }
    }

    fn into_bitmap(self) -> Bitmap {
        let mut b = Bitmap::new(self.width, self.rows.len() as u32);
        for (y, row) in self.rows.iter().enumerate() {
            for (x, on) in row.iter().enumerate() {
                if *on {
                    b.set(x as u32, y as u32);
                }
            }
        }
        b
    }
}

/// Largest raster band accepted (a 576-dot printer takes 72 bytes a row).
const MAX_WIDTH_BYTES: u32 = 256;
const MAX_ROWS: u32 = 4096;
/// Longest paper a job may print (12 m at 203 dpi): a receipt is well under 1 m.
const MAX_PAPER_ROWS: usize = 96_000;

/// Decodes `bytes` for a printer `width` dots wide whose font has `code_page`. `font` draws text
/// lines; without it text is listed but leaves the paper blank.
pub fn decode(
    bytes: &[u8],
    width: u32,
    code_page: CodePage,
    font: Option<&RasterFont>,
) -> Result<Printout, DecodeError> {
    let mut commands = Vec::new();
    let mut paper = Paper {
        width,
        rows: Vec::new(),
        font,
    };
    let (mut align, mut bold, mut size, mut chinese) = (0u8, false, (1u8, 1u8), false);
    let mut text: Vec<u8> = Vec::new();
    let mut qr_data: Option<String> = None;
    let mut qr_module = 3u8;
    let mut i = 0;
    let need = |i: usize, n: usize| {
        if i + n <= bytes.len() {
            Ok(())
        } else {
            Err(DecodeError::Truncated(i))
        }
    };
    macro_rules! flush_text {
        () => {
            if !text.is_empty() {
                let line = code_page.decode(&text);
                draw_text(&mut paper, &line, align, bold, size);
                commands.push(Command::Text(line));
                text.clear();
            }
        };
    }
    while i < bytes.len() {
        if paper.rows.len() > MAX_PAPER_ROWS {
            return Err(DecodeError::TooLong(i));
        }
        match bytes[i] {
            b'\n' => {
                if text.is_empty() {
                    paper.feed(LINE_PITCH);
                }
                flush_text!();
                commands.push(Command::Feed(0));
                i += 1;
            }
            0x1B => {
                need(i, 2)?;
                match bytes[i + 1] {
                    b'@' => {
                        commands.push(Command::Init);
                        (align, bold, size) = (0, false, (1, 1));
                        i += 2;
                    }
                    b'a' => {
                        need(i, 3)?;
                        align = bytes[i + 2] % 48;
                        commands.push(Command::Align(align));
                        i += 3;
                    }
                    b'E' => {
                        need(i, 3)?;
                        bold = bytes[i + 2] & 1 == 1;
                        commands.push(Command::Bold(bold));
                        i += 3;
                    }
                    b'J' => {
                        need(i, 3)?;
                        let dots = u32::from(bytes[i + 2]);
                        paper.feed(dots);
                        commands.push(Command::Feed(dots));
                        i += 3;
                    }
                    b'd' => {
                        need(i, 3)?;
                        let dots = u32::from(bytes[i + 2]) * LINE_PITCH;
                        flush_text!();
                        paper.feed(dots);
                        commands.push(Command::Feed(dots));
                        i += 3;
                    }
                    b't' | b'M' | b'-' | b'G' | b'!' | b'R' | b'3' => {
                        need(i, 3)?;
                        commands.push(Command::Unknown(bytes[i..i + 3].to_vec()));
                        i += 3;
                    }
                    _ => {
                        commands.push(Command::Unknown(bytes[i..i + 2].to_vec()));
                        i += 2;
                    }
                }
            }
            0x1C => {
                need(i, 2)?;
                match bytes[i + 1] {
                    b'&' => chinese = true,
                    b'.' => chinese = false,
                    _ => {}
                }
                commands.push(Command::ChineseMode(chinese));
                i += 2;
            }
            0x10 => {
                need(i, 3)?;
                commands.push(Command::StatusRequest(bytes[i + 2]));
                i += 3;
            }
            0x1D => {
                need(i, 2)?;
                match bytes[i + 1] {
                    b'!' => {
                        need(i, 3)?;
                        let n = bytes[i + 2];
                        size = ((n >> 4) + 1, (n & 0x0F) + 1);
                        commands.push(Command::Size {
                            width: size.0,
                            height: size.1,
                        });
                        i += 3;
                    }
                    b'V' => {
                        need(i, 3)?;
                        // GS V m, and GS V 65/66 n.
                        let len = if bytes[i + 2] >= 65 { 4 } else { 3 };
                        need(i, len)?;
                        commands.push(Command::Cut);
                        i += len;
                    }
                    b'v' => {
                        need(i, 8)?;
                        let width_bytes = u32::from(bytes[i + 4]) | u32::from(bytes[i + 5]) << 8;
                        let rows = u32::from(bytes[i + 6]) | u32::from(bytes[i + 7]) << 8;
                        if width_bytes > MAX_WIDTH_BYTES || rows > MAX_ROWS {
                            return Err(DecodeError::TooLarge {
                                at: i,
                                width_bytes,
                                rows,
                            });
                        }
                        let len = (width_bytes * rows) as usize;
                        need(i + 8, len)?;
                        let data = &bytes[i + 8..i + 8 + len];
                        for y in 0..rows {
                            let mut row = vec![false; paper.width as usize];
                            for x in 0..(width_bytes * 8).min(paper.width) {
                                let byte = data[(y * width_bytes + x / 8) as usize];
                                row[x as usize] = byte & (0x80 >> (x % 8)) != 0;
                            }
                            paper.rows.push(row);
                        }
                        commands.push(Command::Raster { width_bytes, rows });
                        i += 8 + len;
                    }
                    b'(' => {
                        // GS ( k pL pH cn fn [params]: 2D codes.
                        need(i, 5)?;
                        let len = usize::from(bytes[i + 3]) | usize::from(bytes[i + 4]) << 8;
                        need(i + 5, len)?;
                        let body = &bytes[i + 5..i + 5 + len];
                        if bytes[i + 2] == b'k' && body.len() >= 2 && body[0] == 49 {
                            match body[1] {
                                67 if body.len() >= 3 => qr_module = body[2],
                                80 if body.len() >= 3 => {
                                    qr_data = Some(String::from_utf8_lossy(&body[3..]).into_owned())
                                }
                                81 => {
                                    if let Some(data) = qr_data.take() {
                                        draw_qr(&mut paper, &data, qr_module, align);
                                        commands.push(Command::Qr {
                                            data,
                                            module: qr_module,
                                        });
                                    }
                                }
                                _ => {}
                            }
                        } else {
                            commands.push(Command::Unknown(bytes[i..i + 5 + len].to_vec()));
                        }
                        i += 5 + len;
                    }
                    _ => {
                        commands.push(Command::Unknown(bytes[i..i + 2].to_vec()));
                        i += 2;
                    }
                }
            }
            b => {
                text.push(b);
                i += 1;
            }
        }
    }
    flush_text!();
    if paper.rows.len() > MAX_PAPER_ROWS {
        return Err(DecodeError::TooLong(bytes.len()));
    }
    let _ = chinese;
    Ok(Printout {
        commands,
        paper: paper.into_bitmap(),
    })
}

/// A text line in the printer's 24-dot font, scaled by GS !; wrapped where the paper ends, as a
/// printer does.
fn draw_text(paper: &mut Paper<'_>, line: &str, align: u8, bold: bool, size: (u8, u8)) {
    let scale = u32::from(size.1.max(1));
    let fits = (paper.width / (12 * scale)).max(2) as usize;
    let mut rest: Vec<char> = line.chars().collect();
    while !rest.is_empty() && paper.rows.len() <= MAX_PAPER_ROWS {
        let mut cols = 0;
        let take = rest
            .iter()
            .take_while(|c| {
                cols += if c.is_ascii() { 1 } else { 2 };
                cols <= fits
            })
            .count()
            .max(1);
        let piece: String = rest.drain(..take).collect();
        match paper.font {
            Some(font) => paper.stamp(&crate::raster::grid_line(font, &piece, scale, bold), align),
            None => paper.feed(LINE_PITCH * scale),
        }
    }
}

fn draw_qr(paper: &mut Paper<'_>, data: &str, module: u8, align: u8) {
    if let Some(img) = crate::raster::qr_picture(data, module) {
        paper.stamp(&img, align);
    }
}
