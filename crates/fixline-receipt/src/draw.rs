//! A sheet laid out top-down in millimetres, turned into printpdf pages at the end (PDF counts
//! from the bottom, and a roll's length is only known when everything is placed).

use fixline_core::receipt::PhotoRef;
use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle,
    PdfPage, Point, Pt, RawImage, Rect, TextItem, XObjectId, XObjectTransform,
};

use crate::{ReceiptError, ReceiptFonts, RenderOptions};

const PT_PER_MM: f32 = 72.0 / 25.4;

/// A photo decoded and scaled for print.
#[derive(Debug)]
pub(crate) struct Picture {
    pub(crate) photo: PhotoRef,
    pub(crate) image: RawImage,
}

impl Picture {
    pub(crate) fn decode(
        photo: &PhotoRef,
        jpeg: &[u8],
        options: &RenderOptions,
    ) -> Result<Self, ReceiptError> {
        let bad = |reason: String| ReceiptError::Photo {
            sha256: photo.sha256.clone(),
            reason,
        };
        let decoded = image::load_from_memory(jpeg).map_err(|e| bad(e.to_string()))?;
        let edge = options.photo_edge.max(16);
        let scaled = if decoded.width().max(decoded.height()) > edge {
            decoded.thumbnail(edge, edge)
        } else {
            decoded
        };
        let image =
            RawImage::from_dynamic_image(image::DynamicImage::ImageRgb8(scaled.into_rgb8()))
                .map_err(bad)?;
        Ok(Picture {
            photo: photo.clone(),
            image,
        })
    }

    /// Height over width.
    pub(crate) fn aspect(&self) -> f32 {
        self.image.height as f32 / self.image.width.max(1) as f32
    }
}

/// The brand logo from its base64 PNG; `None` when there is none.
pub(crate) fn decode_logo(base64_png: &str) -> Result<Option<RawImage>, ReceiptError> {
    use base64::Engine;
    if base64_png.trim().is_empty() {
        return Ok(None);
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64_png.trim())
        .map_err(|e| ReceiptError::Logo(e.to_string()))?;
    let decoded = image::load_from_memory(&bytes).map_err(|e| ReceiptError::Logo(e.to_string()))?;
    // Printed at most ~20 mm wide: 300 px is plenty.
    let decoded = if decoded.width().max(decoded.height()) > 300 {
        decoded.thumbnail(300, 300)
    } else {
        decoded
    };
    RawImage::from_dynamic_image(decoded)
        .map(Some)
        .map_err(ReceiptError::Logo)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

#[derive(Debug)]
enum Mark {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        weight: Weight,
        text: String,
    },
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        grey: f32,
    },
    Stroke {
        points: Vec<(f32, f32)>,
        width: f32,
    },
    Image {
        id: XObjectId,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        px_w: usize,
    },
}

/// The document being written: pages of marks, a cursor, and the fonts to measure with.
#[derive(Debug)]
pub(crate) struct Sheet<'f> {
    pub(crate) width: f32,
    /// `None` for a roll: one page as long as its content.
    page_height: Option<f32>,
    pub(crate) margin: f32,
    /// Distance from the top of the current page, in mm.
    pub(crate) y: f32,
    pages: Vec<Vec<Mark>>,
    fonts: &'f ReceiptFonts,
    doc: PdfDocument,
    regular: FontId,
    bold: FontId,
}

impl<'f> Sheet<'f> {
    pub(crate) fn new(
        title: &str,
        width: f32,
        page_height: Option<f32>,
        margin: f32,
        fonts: &'f ReceiptFonts,
    ) -> Self {
        let mut doc = PdfDocument::new(title);
        let regular = doc.add_font(&fonts.regular);
        let bold = doc.add_font(&fonts.bold);
        Sheet {
            width,
            page_height,
            margin,
            y: margin,
            pages: vec![Vec::new()],
            fonts,
            doc,
            regular,
            bold,
        }
    }

    pub(crate) fn inner_width(&self) -> f32 {
        self.width - 2.0 * self.margin
    }

    /// Starts a new page unless `height` mm still fit on this one.
    pub(crate) fn keep(&mut self, height: f32) {
        if let Some(page) = self.page_height
            && self.y + height > page - self.margin
            && self.y > self.margin
        {
            self.pages.push(Vec::new());
            self.y = self.margin;
        }
    }

    fn mark(&mut self, m: Mark) {
        if let Some(page) = self.pages.last_mut() {
            page.push(m);
        }
    }

    /// Width of `text` in mm at `size` pt.
    pub(crate) fn measure(&self, text: &str, size: f32, weight: Weight) -> f32 {
        let font = match weight {
            Weight::Regular => &self.fonts.regular,
            Weight::Bold => &self.fonts.bold,
        };
        let upem = f32::from(font.pdf_font_metrics.units_per_em.max(1));
        let units: u32 = text
            .chars()
            .map(|c| {
                font.lookup_glyph_index(c as u32)
                    .map(|g| u32::from(font.get_horizontal_advance(g)))
                    .unwrap_or(upem as u32 / 2)
            })
            .sum();
        units as f32 / upem * size / PT_PER_MM
    }

    /// Breaks `text` into lines no wider than `width` mm: at spaces where the text has them,
    /// between any two characters in CJK runs.
    pub(crate) fn wrap(&self, text: &str, size: f32, weight: Weight, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.lines() {
            let mut line = String::new();
            for c in paragraph.chars() {
                let mut candidate = line.clone();
                candidate.push(c);
                if self.measure(&candidate, size, weight) <= width || line.is_empty() {
                    line = candidate;
                    continue;
                }
                match line.rfind(' ').filter(|_| c != ' ' && c.is_ascii()) {
                    Some(space) => {
                        let rest = line[space + 1..].to_string();
                        lines.push(line[..space].to_string());
                        line = rest;
                        line.push(c);
                    }
                    None => {
                        lines.push(std::mem::take(&mut line));
                        if c != ' ' {
                            line.push(c);
                        }
                    }
                }
            }
            lines.push(line);
        }
        lines
    }

    /// One line of text with its top at the cursor's `y`; returns the line height in mm.
    pub(crate) fn text_at(&mut self, x: f32, text: &str, size: f32, weight: Weight) -> f32 {
        let line = size * 1.4 / PT_PER_MM;
        self.mark(Mark::Text {
            x,
            baseline: self.y + size * 1.05 / PT_PER_MM,
            size,
            weight,
            text: text.to_string(),
        });
        line
    }

    /// A wrapped paragraph from `x` to `x + width`; moves the cursor below it.
    pub(crate) fn paragraph(&mut self, x: f32, width: f32, text: &str, size: f32, weight: Weight) {
        for line in self.wrap(text, size, weight, width) {
            let h = size * 1.4 / PT_PER_MM;
            self.keep(h);
            self.y += self.text_at(x, &line, size, weight);
        }
    }

    pub(crate) fn text_right(&mut self, right: f32, text: &str, size: f32, weight: Weight) {
        let x = right - self.measure(text, size, weight);
        self.text_at(x, text, size, weight);
    }

    pub(crate) fn rule(&mut self, grey: f32, thickness: f32) {
        let (x, y, w) = (self.margin, self.y, self.inner_width());
        self.mark(Mark::Fill {
            x,
            y,
            w,
            h: thickness,
            grey,
        });
    }

    pub(crate) fn fill(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.fill_grey(x, y, w, h, 0.0);
    }

    /// A rectangle in a shade of grey (0 black, 1 white).
    pub(crate) fn fill_grey(&mut self, x: f32, y: f32, w: f32, h: f32, grey: f32) {
        self.mark(Mark::Fill { x, y, w, h, grey });
    }

    pub(crate) fn stroke(&mut self, points: Vec<(f32, f32)>, width: f32) {
        self.mark(Mark::Stroke { points, width });
    }

    pub(crate) fn image(&mut self, picture: &Picture, x: f32, w: f32) {
        self.raw_image(&picture.image, x, w);
    }

    /// Places an image `w` mm wide with its top at the cursor.
    pub(crate) fn raw_image(&mut self, image: &RawImage, x: f32, w: f32) {
        let id = self.doc.add_image(image);
        let aspect = image.height as f32 / image.width.max(1) as f32;
        let (y, px_w, h) = (self.y, image.width, w * aspect);
        self.mark(Mark::Image {
            id,
            x,
            y,
            w,
            h,
            px_w,
        });
    }

    /// Writes the PDF.
    pub(crate) fn finish(mut self, photo_quality: f32) -> Vec<u8> {
        let roll_height = self.y + self.margin;
        let height = self.page_height.unwrap_or(roll_height);
        let (regular, bold) = (self.regular.clone(), self.bold.clone());
        let pages = std::mem::take(&mut self.pages)
            .into_iter()
            .map(|marks| {
                let ops = marks
                    .into_iter()
                    .flat_map(|m| ops(m, height, &regular, &bold))
                    .collect();
                PdfPage::new(Mm(self.width), Mm(height), ops)
            })
            .collect();
        let options = printpdf::PdfSaveOptions {
            image_optimization: Some(printpdf::ImageOptimizationOptions {
                quality: Some(photo_quality.clamp(0.1, 1.0)),
                format: Some(printpdf::ImageCompression::Jpeg),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.doc.with_pages(pages).save(&options, &mut Vec::new())
    }
}

fn pt(mm: f32) -> Pt {
    Pt(mm * PT_PER_MM)
}

fn point(x: f32, y_top: f32, height: f32) -> Point {
    Point {
        x: pt(x),
        y: pt(height - y_top),
    }
}

fn black(grey: f32) -> Color {
    Color::Greyscale(Greyscale::new(grey, None))
}

fn ops(mark: Mark, height: f32, regular: &FontId, bold: &FontId) -> Vec<Op> {
    match mark {
        Mark::Text {
            x,
            baseline,
            size,
            weight,
            text,
        } => {
            let font = match weight {
                Weight::Regular => regular.clone(),
                Weight::Bold => bold.clone(),
            };
            vec![
                Op::StartTextSection,
                Op::SetFillColor { col: black(0.0) },
                Op::SetFont {
                    font: PdfFontHandle::External(font),
                    size: Pt(size),
                },
                Op::SetTextCursor {
                    pos: point(x, baseline, height),
                },
                Op::ShowText {
                    items: vec![TextItem::Text(text)],
                },
                Op::EndTextSection,
            ]
        }
        Mark::Fill { x, y, w, h, grey } => vec![
            Op::SetFillColor { col: black(grey) },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: pt(x),
                    y: pt(height - y - h),
                    width: pt(w),
                    height: pt(h),
                    mode: Some(PaintMode::Fill),
                    winding_order: None,
                },
            },
        ],
        Mark::Stroke { points, width } => vec![
            Op::SetOutlineColor { col: black(0.0) },
            Op::SetOutlineThickness { pt: pt(width) },
            Op::SetLineCapStyle {
                cap: printpdf::LineCapStyle::Round,
            },
            Op::SetLineJoinStyle {
                join: printpdf::LineJoinStyle::Round,
            },
            Op::DrawLine {
                line: Line {
                    points: points
                        .into_iter()
                        .map(|(x, y)| LinePoint {
                            p: point(x, y, height),
                            bezier: false,
                        })
                        .collect(),
                    is_closed: false,
                },
            },
        ],
        Mark::Image {
            id,
            x,
            y,
            w,
            h,
            px_w,
        } => {
            // At 72 dpi one pixel is one point; scale to the wanted width.
            let scale = pt(w).0 / px_w.max(1) as f32;
            vec![Op::UseXobject {
                id,
                transform: XObjectTransform {
                    translate_x: Some(pt(x)),
                    translate_y: Some(pt(height - y - h)),
                    scale_x: Some(scale),
                    scale_y: Some(scale),
                    dpi: Some(72.0),
                    ..Default::default()
                },
            }]
        }
    }
}
