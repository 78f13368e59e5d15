//! The receipt as lines in the printer's own character grid (12 × 24-dot cells, two for a CJK
//! character), for text mode: each line goes as text where the printer's code page holds it,
//! as dots on the same grid where not. The same facts as the raster layout and the PDF.

use fixline_core::billing::Bill;
use fixline_core::customer::Language;
use fixline_core::receipt::{ReceiptFacts, SignOff};

use crate::PrintError;
use crate::raster::{Bitmap, logo_bitmap, signature_bitmap};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Centre,
}

impl Align {
    /// The `ESC a` argument.
    pub(crate) fn code(self) -> u8 {
        match self {
            Align::Left => 0,
            Align::Centre => 1,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Line {
    Text {
        text: String,
        align: Align,
        bold: bool,
        /// Double width and height.
        double: bool,
    },
    /// A picture on paper-wide rows, already in place (logo, signature).
    Picture(Bitmap),
    /// The customer's page, as a QR code.
    Qr(String),
}

/// Display columns of a string in the printer's font: anything not ASCII is a double-width
/// (GB18030 two-byte) character.
pub(crate) fn columns(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// Splits `text` into lines of at most `width` columns: after the last space when the line
/// would end inside a word of Latin letters, anywhere between Chinese characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for c in paragraph.chars() {
            if !line.is_empty() && columns(&line) + columns(c.encode_utf8(&mut [0; 4])) > width {
                let carry = match line.rfind(' ') {
                    Some(space)
                        if c != ' '
                            && space > 0
                            && line[space + 1..].chars().all(|w| w.is_ascii_graphic()) =>
                    {
                        line.split_off(space + 1)
                    }
                    _ => String::new(),
                };
                lines.push(line.trim_end().to_owned());
                line = carry;
                if c == ' ' && line.is_empty() {
                    continue;
                }
            }
            line.push(c);
        }
        lines.push(line);
    }
    lines
}

fn two_columns(left: &str, right: &str, width: usize) -> String {
    let gap = width.saturating_sub(columns(left) + columns(right)).max(1);
    format!("{left}{}{right}", " ".repeat(gap))
}

/// Chinese printer fonts cover GB2312 and GBK; the yuan sign U+00A5 is a four-byte GB18030
/// code many of them lack, the full-width ￥ is in GB2312.
fn printable(text: &str) -> String {
    text.replace('¥', "￥")
}

struct Lines {
    out: Vec<Line>,
    columns: usize,
    colon: &'static str,
}

impl Lines {
    fn text(&mut self, text: &str, align: Align, bold: bool, double: bool) {
        let width = if double {
            self.columns / 2
        } else {
            self.columns
        };
        for text in wrap(&printable(text), width) {
            self.out.push(Line::Text {
                text,
                align,
                bold,
                double,
            });
        }
    }

    fn plain(&mut self, text: &str) {
        self.text(text, Align::Left, false, false);
    }

    fn labelled(&mut self, label: &str, value: &str) {
        self.plain(&format!("{label}{}{value}", self.colon));
    }

    fn amount(&mut self, left: &str, right: &str, bold: bool) {
        let line = two_columns(&printable(left), &printable(right), self.columns);
        self.text(&line, Align::Left, bold, false);
    }

    fn rule(&mut self) {
        self.plain(&"-".repeat(self.columns));
    }
}

/// The receipt for a printer `width_dots` wide, in its font's lines.
pub(crate) fn receipt_lines(
    facts: &ReceiptFacts,
    width_dots: u32,
) -> Result<Vec<Line>, PrintError> {
    let words = fixline_receipt::words_for(facts.language);
    let mut l = Lines {
        out: Vec::new(),
        columns: (width_dots / 12) as usize,
        colon: match facts.language {
            Language::ZhCn => "：",
            Language::En => ": ",
        },
    };
    let when = |t| facts.local_time(t);

    if let Some(logo) = logo_bitmap(&facts.brand.logo_png, width_dots) {
        l.out.push(Line::Picture(logo));
    }
    l.text(&facts.brand.name, Align::Centre, true, true);
    for extra in [&facts.brand.slogan, &facts.brand.phone] {
        if !extra.is_empty() {
            l.text(extra, Align::Centre, false, false);
        }
    }
    l.text(
        &format!("{} {}", words.title, facts.number),
        Align::Centre,
        true,
        false,
    );
    l.rule();
    l.labelled(words.customer, &facts.customer_name);
    l.labelled(words.site, &facts.site_address);
    if let Some(a) = &facts.asset {
        l.labelled(words.asset, &format!("{} {}", a.model, a.serial));
    }
    l.labelled(words.symptom, &facts.symptom);
    l.labelled(words.work, &facts.work_performed);
    l.labelled(words.engineer, &facts.engineer_name);
    l.labelled(words.finished, &when(facts.finished_at));
    l.rule();

    for p in &facts.bill.parts {
        let mut name = format!("{} {}", p.part_number, p.name);
        if p.under_warranty {
            name.push_str(&format!(" ({})", words.warranty));
        }
        l.plain(&name);
        if !p.serials.is_empty() {
            l.plain(&format!("  SN {}", p.serials.join(", ")));
        }
        let amount = Bill::part_charge(p)
            .map(|m| m.to_string())
            .unwrap_or_default();
        let each = format!("  {} x {}", p.quantity.normalize(), p.unit_price);
        l.amount(&each, &amount, false);
    }
    for labour in &facts.bill.labour {
        let mut name = labour.description.clone();
        if labour.under_warranty {
            name.push_str(&format!(" ({})", words.warranty));
        }
        l.plain(&name);
        let amount = Bill::labour_charge(labour)
            .map(|m| m.to_string())
            .unwrap_or_default();
        let each = format!("  {} min x {}", labour.minutes, labour.hourly_rate);
        l.amount(&each, &amount, false);
    }
    l.rule();
    let t = &facts.totals;
    l.amount(words.parts, &t.parts.to_string(), false);
    l.amount(words.labour, &t.labour.to_string(), false);
    l.amount(words.tax, &t.tax.to_string(), false);
    l.amount(words.total, &t.total.to_string(), true);
    // Already out of the lines above: told, not subtracted again.
    if !t.warranty_covered.amount.is_zero() {
        l.amount(
            words.warranty_covered,
            &t.warranty_covered.to_string(),
            false,
        );
    }
    l.rule();

    match &facts.sign_off {
        SignOff::Signed(s) => {
            l.labelled(words.signature, &s.signer_name);
            // The handwriting itself only prints as dots.
            l.out
                .push(Line::Picture(signature_bitmap(s, width_dots * 3 / 5)?));
            l.plain(&when(s.signed_at));
        }
        SignOff::Refused {
            signer_name,
            reason,
            ..
        } => l.labelled(words.refused, &format!("{signer_name} - {reason}")),
    }
    l.rule();
    l.out.push(Line::Qr(facts.customer_link.clone()));
    l.text(words.scan, Align::Centre, false, false);
    Ok(l.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_counts_chinese_as_two_columns() {
        assert_eq!(wrap("ab服务cd", 4), vec!["ab服", "务cd"]);
        assert_eq!(wrap("", 4), Vec::<String>::new());
        assert_eq!(wrap("服", 1), vec!["服"], "a character wider than the line");
        assert_eq!(
            wrap("Scan to view this receipt", 12),
            vec!["Scan to view", "this receipt"]
        );
        assert_eq!(wrap("short-cycling now", 10), vec!["short-cycl", "ing now"]);
        assert_eq!(wrap("  SN A1 B2", 6), vec!["  SN", "A1 B2"]);
        assert_eq!(two_columns("Tax", "¥1.00", 12), "Tax   ¥1.00");
        assert_eq!(printable("¥369.18"), "￥369.18");
    }
}
