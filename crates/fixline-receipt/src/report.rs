//! A report as a PDF in the receipts' font and sheet: a title, then sections of tables, bar
//! charts and notes. The service review pack is one; whoever fills it chooses the words and the
//! language, this module only lays them out (A4, top down, a new page when a block would not
//! fit).

use crate::draw::{Sheet, Weight};
use crate::{ReceiptError, ReceiptFonts};

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub title: String,
    pub subtitle: String,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A table: the first column takes what the others leave.
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Bars over labelled points (a gap where there is no value), with the target as a line.
    Chart {
        title: String,
        points: Vec<(String, Option<f64>)>,
        target: Option<f64>,
    },
    Note(String),
}

const A4: (f32, f32) = (210.0, 297.0);
const MARGIN: f32 = 16.0;
const BODY: f32 = 9.0;
const ROW: f32 = 5.2;

/// Lays the report out on A4 pages.
pub fn render_report(report: &Report, fonts: &ReceiptFonts) -> Result<Vec<u8>, ReceiptError> {
    let mut sheet = Sheet::new(&report.title, A4.0, Some(A4.1), MARGIN, fonts);
    let width = sheet.inner_width();
    sheet.paragraph(MARGIN, width, &report.title, 16.0, Weight::Bold);
    sheet.paragraph(MARGIN, width, &report.subtitle, BODY, Weight::Regular);
    sheet.y += 2.0;
    sheet.rule(0.0, 0.4);
    sheet.y += 3.0;
    for section in &report.sections {
        sheet.keep(20.0);
        sheet.y += 2.0;
        sheet.paragraph(MARGIN, width, &section.heading, 12.0, Weight::Bold);
        sheet.y += 1.0;
        for block in &section.blocks {
            match block {
                Block::Table { columns, rows } => table(&mut sheet, columns, rows),
                Block::Chart {
                    title,
                    points,
                    target,
                } => chart(&mut sheet, title, points, *target),
                Block::Note(text) => sheet.paragraph(MARGIN, width, text, BODY, Weight::Regular),
            }
            sheet.y += 3.0;
        }
    }
    Ok(sheet.finish(0.8))
}

/// Shortens `text` with "…" to fit `width` mm.
fn fit(sheet: &Sheet<'_>, text: &str, width: f32, weight: Weight) -> String {
    if sheet.measure(text, BODY, weight) <= width {
        return text.to_owned();
    }
    let mut out: String = text.to_owned();
    while !out.is_empty() && sheet.measure(&format!("{out}…"), BODY, weight) > width {
        out.pop();
    }
    format!("{out}…")
}

fn table(sheet: &mut Sheet<'_>, columns: &[String], rows: &[Vec<String>]) {
    let width = sheet.inner_width();
    let others = columns.len().saturating_sub(1);
    let narrow = if others == 0 {
        0.0
    } else {
        (width * 0.55 / others as f32).min(28.0)
    };
    let first = width - narrow * others as f32;
    let x_of = |i: usize| {
        if i == 0 {
            MARGIN
        } else {
            MARGIN + first + narrow * (i - 1) as f32
        }
    };
    let line = |sheet: &mut Sheet<'_>, cells: &[String], weight: Weight| {
        sheet.keep(ROW);
        for (i, cell) in cells.iter().enumerate() {
            let w = if i == 0 { first } else { narrow } - 2.0;
            let text = fit(sheet, cell, w, weight);
            sheet.text_at(x_of(i), &text, BODY, weight);
        }
        sheet.y += ROW;
    };
    line(sheet, columns, Weight::Bold);
    sheet.rule(0.5, 0.2);
    sheet.y += 0.8;
    for row in rows {
        line(sheet, row, Weight::Regular);
    }
}

fn chart(
    sheet: &mut Sheet<'_>,
    title: &str,
    points: &[(String, Option<f64>)],
    target: Option<f64>,
) {
    let height = 40.0;
    sheet.keep(height + 16.0);
    sheet.text_at(MARGIN, title, BODY, Weight::Bold);
    sheet.y += ROW + 1.0;
    let top = sheet.y;
    let width = sheet.inner_width();
    let hi = points
        .iter()
        .filter_map(|(_, v)| *v)
        .chain(target)
        .fold(0.0f64, f64::max)
        .max(1.0)
        * 1.1;
    let scale = |v: f64| (v.max(0.0) / hi) as f32 * height;
    let n = points.len().max(1) as f32;
    let slot = width / n;
    for (i, (label, value)) in points.iter().enumerate() {
        let x = MARGIN + slot * i as f32;
        if let Some(v) = value {
            let h = scale(*v);
            sheet.fill_grey(x + slot * 0.15, top + height - h, slot * 0.7, h, 0.55);
            sheet.y = top + height - h - 4.0;
            sheet.text_at(x + slot * 0.15, &format!("{v:.0}"), 7.0, Weight::Regular);
        }
        sheet.y = top + height + 1.0;
        let text = fit(sheet, label, slot - 1.0, Weight::Regular);
        sheet.text_at(x + 0.5, &text, 7.0, Weight::Regular);
    }
    // The axis, and the target across.
    sheet.fill_grey(MARGIN, top + height, width, 0.3, 0.0);
    if let Some(t) = target {
        let y = top + height - scale(t);
        sheet.stroke(vec![(MARGIN, y), (MARGIN + width, y)], 0.4);
    }
    sheet.y = top + height + 6.0;
}
