//! What goes where on the receipt. One column on a roll; on A4 the same order with wider
//! tables and photos two abreast.

use chrono::{DateTime, Utc};
use fixline_core::billing::Bill;
use fixline_core::receipt::{ReceiptFacts, SignOff};
use printpdf::RawImage;
use qrcode::{EcLevel, QrCode};
use rust_decimal::Decimal;

use crate::draw::{Picture, Sheet, Weight};
use crate::words::{Word, photo_tag, resolution, word};
use crate::{PaperSize, ReceiptError, ReceiptFonts, RenderOptions};

/// Type sizes and spacing for one paper size.
struct Scale {
    base: f32,
    small: f32,
    title: f32,
    gap: f32,
    photos_abreast: usize,
    qr_mm: f32,
}

pub(crate) fn receipt(
    facts: &ReceiptFacts,
    pictures: &[Picture],
    logo: Option<&RawImage>,
    fonts: &ReceiptFonts,
    options: &RenderOptions,
) -> Result<Vec<u8>, ReceiptError> {
    let (mut sheet, scale) = match options.paper {
        PaperSize::A4 => (
            Sheet::new(&facts.number, 210.0, Some(297.0), 15.0, fonts),
            Scale {
                base: 10.0,
                small: 8.0,
                title: 18.0,
                gap: 4.0,
                photos_abreast: 2,
                qr_mm: 30.0,
            },
        ),
        PaperSize::Roll80 => (
            Sheet::new(&facts.number, 80.0, None, 4.0, fonts),
            Scale {
                base: 8.0,
                small: 6.5,
                title: 13.0,
                gap: 2.5,
                photos_abreast: 1,
                qr_mm: 32.0,
            },
        ),
    };
    let lang = facts.language;
    let w = |x| word(lang, x);
    let when = |t: DateTime<Utc>| facts.local_time(t);
    let (left, width) = (sheet.margin, sheet.inner_width());

    // Brand header, the logo at the top right.
    let logo_w = if logo.is_some() {
        scale.title * 1.1
    } else {
        0.0
    };
    if let Some(logo) = logo {
        sheet.raw_image(logo, left + width - logo_w, logo_w);
    }
    let width_beside_logo = width - logo_w - if logo.is_some() { 3.0 } else { 0.0 };
    let top = sheet.y;
    sheet.paragraph(
        left,
        width_beside_logo,
        &facts.brand.name,
        scale.title,
        Weight::Bold,
    );
    for line in [&facts.brand.slogan, &facts.brand.phone] {
        if !line.is_empty() {
            sheet.paragraph(left, width_beside_logo, line, scale.small, Weight::Regular);
        }
    }
    // The logo is square-ish; keep the rule below it.
    sheet.y = sheet
        .y
        .max(top + logo_w * logo.map_or(0.0, |l| l.height as f32 / l.width.max(1) as f32));
    sheet.y += scale.gap / 2.0;
    sheet.rule(0.0, 0.5);
    sheet.y += scale.gap;
    let title = format!("{} · {}", w(Word::Title), facts.number);
    sheet.paragraph(left, width, &title, scale.base * 1.3, Weight::Bold);
    sheet.y += scale.gap / 2.0;

    // Who and what.
    let mut rows = vec![
        (w(Word::ReceiptNo), facts.number.clone()),
        (w(Word::Customer), facts.customer_name.clone()),
        (w(Word::Site), facts.site_address.clone()),
    ];
    if let Some(asset) = &facts.asset {
        rows.push((
            w(Word::Asset),
            format!("{} · {} {}", asset.model, w(Word::Serial), asset.serial),
        ));
    }
    rows.push((w(Word::Symptom), facts.symptom.clone()));
    rows.push((
        w(Word::Resolution),
        resolution(lang, facts.resolution).to_string(),
    ));
    rows.push((w(Word::WorkPerformed), facts.work_performed.clone()));
    rows.push((w(Word::Engineer), facts.engineer_name.clone()));
    if let Some(arrived) = facts.arrived_at {
        rows.push((w(Word::Arrived), when(arrived)));
    }
    rows.push((w(Word::Finished), when(facts.finished_at)));
    let label_width = rows
        .iter()
        .map(|(label, _)| sheet.measure(label, scale.base, Weight::Bold))
        .fold(0.0, f32::max)
        + 3.0;
    for (label, value) in rows {
        let lines = sheet.wrap(&value, scale.base, Weight::Regular, width - label_width);
        let line_h = scale.base * 1.4 * 25.4 / 72.0;
        sheet.keep(line_h * lines.len() as f32);
        sheet.text_at(left, label, scale.base, Weight::Bold);
        for line in lines {
            sheet.y += sheet.text_at(left + label_width, &line, scale.base, Weight::Regular);
        }
    }
    sheet.y += scale.gap;

    bill_table(&mut sheet, facts, &scale);
    // What the customer signed for first; photos are the appendix.
    sign_off(&mut sheet, facts, &scale, &when);
    qr(&mut sheet, facts, &scale)?;
    sheet.y += scale.gap;
    photos(&mut sheet, facts, pictures, &scale);
    Ok(sheet.finish(options.photo_quality))
}

/// Parts and labour lines, then the totals block.
fn bill_table(sheet: &mut Sheet<'_>, facts: &ReceiptFacts, scale: &Scale) {
    let lang = facts.language;
    let w = |x| word(lang, x);
    let (left, width) = (sheet.margin, sheet.inner_width());
    let right = left + width;
    // Columns from the right: amount, unit price, quantity.
    let amount_col = right;
    let price_col = right - width * 0.22;
    let qty_col = right - width * 0.44;
    let size = scale.base;
    let line_h = size * 1.4 * 25.4 / 72.0;
    let Bill { parts, labour, .. } = &facts.bill;
    if parts.is_empty() && labour.is_empty() {
        return;
    }
    sheet.keep(line_h * 3.0);
    sheet.rule(0.6, 0.2);
    sheet.y += 1.0;
    sheet.text_at(left, w(Word::Item), size, Weight::Bold);
    sheet.text_right(qty_col, w(Word::Qty), size, Weight::Bold);
    sheet.text_right(price_col, w(Word::UnitPrice), size, Weight::Bold);
    sheet.text_right(amount_col, w(Word::Amount), size, Weight::Bold);
    sheet.y += line_h;
    sheet.rule(0.6, 0.2);
    sheet.y += 1.0;

    let row = |sheet: &mut Sheet<'_>, name: String, qty: String, price: String, amount: String| {
        // The item text stops short of the quantity, however wide that is.
        let item_width = qty_col - sheet.measure(&qty, size, Weight::Regular) - 2.0 - left;
        let lines = sheet.wrap(&name, size, Weight::Regular, item_width);
        sheet.keep(line_h * lines.len() as f32);
        sheet.text_right(qty_col, &qty, size, Weight::Regular);
        sheet.text_right(price_col, &price, size, Weight::Regular);
        sheet.text_right(amount_col, &amount, size, Weight::Regular);
        for line in lines {
            sheet.y += sheet.text_at(left, &line, size, Weight::Regular);
        }
    };
    let warranty = |covered: bool| {
        if covered {
            format!(" ({})", w(Word::Warranty))
        } else {
            String::new()
        }
    };
    for p in parts {
        let mut name = format!("{} {}{}", p.part_number, p.name, warranty(p.under_warranty));
        if !p.serials.is_empty() {
            name.push_str(&format!("\n{} {}", w(Word::Serial), p.serials.join(", ")));
        }
        let amount = Bill::part_charge(p)
            .map(|m| m.to_string())
            .unwrap_or_default();
        row(
            sheet,
            name,
            p.quantity.normalize().to_string(),
            p.unit_price.to_string(),
            amount,
        );
    }
    for l in labour {
        let hours = (Decimal::from(l.minutes) / Decimal::from(60))
            .round_dp(2)
            .normalize();
        let name = format!("{}{}", l.description, warranty(l.under_warranty));
        let amount = Bill::labour_charge(l)
            .map(|m| m.to_string())
            .unwrap_or_default();
        row(
            sheet,
            name,
            format!("{hours} {}", w(Word::Hours)),
            l.hourly_rate.to_string(),
            amount,
        );
    }
    sheet.rule(0.6, 0.2);
    sheet.y += 1.0;

    let t = &facts.totals;
    // The lines add up as printed: parts + labour + tax = total; what the warranty covered is
    // already out of them, and told after the total.
    let totals = vec![
        (w(Word::Parts), t.parts.to_string()),
        (w(Word::Labour), t.labour.to_string()),
        (w(Word::Tax), t.tax.to_string()),
    ];
    sheet.keep(line_h * (totals.len() + 2) as f32);
    for (label, value) in totals {
        sheet.text_right(price_col, label, size, Weight::Regular);
        sheet.text_right(amount_col, &value, size, Weight::Regular);
        sheet.y += line_h;
    }
    let big = size * 1.25;
    sheet.text_right(price_col, w(Word::Total), big, Weight::Bold);
    sheet.text_right(amount_col, &t.total.to_string(), big, Weight::Bold);
    sheet.y += big * 1.4 * 25.4 / 72.0;
    if !t.warranty_covered.amount.is_zero() {
        sheet.text_right(price_col, w(Word::WarrantyCovered), size, Weight::Regular);
        sheet.text_right(
            amount_col,
            &t.warranty_covered.to_string(),
            size,
            Weight::Regular,
        );
        sheet.y += line_h;
    }
    sheet.y += scale.gap;
}

fn photos(sheet: &mut Sheet<'_>, facts: &ReceiptFacts, pictures: &[Picture], scale: &Scale) {
    if pictures.is_empty() {
        return;
    }
    let lang = facts.language;
    let (left, width) = (sheet.margin, sheet.inner_width());
    let line_h = scale.small * 1.4 * 25.4 / 72.0;
    let gap = 4.0;
    let abreast = scale.photos_abreast.max(1);
    let cell = (width - gap * (abreast - 1) as f32) / abreast as f32;
    // The heading stays with the first row of photos.
    let first_row = pictures
        .iter()
        .take(abreast)
        .map(|p| cell * p.aspect())
        .fold(0.0, f32::max);
    sheet.keep(first_row + line_h * 4.0);
    sheet.paragraph(
        left,
        width,
        word(lang, Word::Photos),
        scale.base,
        Weight::Bold,
    );
    for chunk in pictures.chunks(abreast) {
        let tallest = chunk.iter().map(|p| cell * p.aspect()).fold(0.0, f32::max);
        sheet.keep(tallest + line_h * 2.0);
        let top = sheet.y;
        let mut bottom = top;
        for (i, picture) in chunk.iter().enumerate() {
            let x = left + i as f32 * (cell + gap);
            sheet.y = top;
            sheet.image(picture, x, cell);
            sheet.y = top + cell * picture.aspect() + 1.0;
            let caption = match picture.photo.caption.as_str() {
                "" => photo_tag(lang, picture.photo.tag).to_string(),
                c => format!("{}: {c}", photo_tag(lang, picture.photo.tag)),
            };
            sheet.paragraph(x, cell, &caption, scale.small, Weight::Regular);
            bottom = f32::max(bottom, sheet.y);
        }
        sheet.y = bottom + gap;
    }
}

fn sign_off(
    sheet: &mut Sheet<'_>,
    facts: &ReceiptFacts,
    scale: &Scale,
    when: &dyn Fn(DateTime<Utc>) -> String,
) {
    let lang = facts.language;
    let w = |x| word(lang, x);
    let (left, width) = (sheet.margin, sheet.inner_width());
    match &facts.sign_off {
        SignOff::Signed(sig) => {
            let box_w = width.min(80.0);
            let box_h = box_w * (sig.height / sig.width);
            sheet.keep(box_h + 15.0);
            sheet.paragraph(
                left,
                width,
                w(Word::CustomerSignature),
                scale.base,
                Weight::Bold,
            );
            let top = sheet.y;
            let k = box_w / sig.width;
            for stroke in &sig.strokes {
                let points: Vec<(f32, f32)> = stroke
                    .iter()
                    .map(|[x, y]| (left + x * k, top + y * k))
                    .collect();
                if points.len() > 1 {
                    sheet.stroke(points, 0.5);
                }
            }
            sheet.y = top + box_h;
            sheet.rule(0.3, 0.2);
            sheet.y += 1.0;
            let signer = format!(
                "{} {} · {}",
                w(Word::Signer),
                sig.signer_name,
                when(sig.signed_at)
            );
            sheet.paragraph(left, width, &signer, scale.small, Weight::Regular);
        }
        SignOff::Refused {
            signer_name,
            reason,
            at,
        } => {
            sheet.keep(15.0);
            sheet.paragraph(left, width, w(Word::Refused), scale.base, Weight::Bold);
            let text = format!("{signer_name}: {reason} · {}", when(*at));
            sheet.paragraph(left, width, &text, scale.base, Weight::Regular);
        }
    }
    sheet.y += scale.gap;
}

/// The customer link as a QR code drawn from squares, with the link printed beside it.
fn qr(sheet: &mut Sheet<'_>, facts: &ReceiptFacts, scale: &Scale) -> Result<(), ReceiptError> {
    let code = QrCode::with_error_correction_level(facts.customer_link.as_bytes(), EcLevel::M)
        .map_err(|e| ReceiptError::Link(e.to_string()))?;
    let n = code.width();
    let quiet = 2.0;
    let module = scale.qr_mm / (n as f32 + 2.0 * quiet);
    let (left, width) = (sheet.margin, sheet.inner_width());
    sheet.keep(scale.qr_mm + 12.0);
    let top = sheet.y;
    let colors = code.to_colors();
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = ((i % n) as f32 + quiet, (i / n) as f32 + quiet);
            // A hair of overlap so viewers do not show seams between modules.
            sheet.fill(
                left + x * module,
                top + y * module,
                module + 0.02,
                module + 0.02,
            );
        }
    }
    let lang = facts.language;
    if scale.photos_abreast > 1 {
        // A4: the words beside the code.
        let x = left + scale.qr_mm + 4.0;
        let text_w = width - scale.qr_mm - 4.0;
        sheet.y = top + 6.0;
        sheet.paragraph(
            x,
            text_w,
            word(lang, Word::ScanToView),
            scale.base,
            Weight::Regular,
        );
        sheet.paragraph(
            x,
            text_w,
            &facts.customer_link,
            scale.small,
            Weight::Regular,
        );
        sheet.y = sheet.y.max(top + scale.qr_mm);
    } else {
        sheet.y = top + scale.qr_mm;
        sheet.paragraph(
            left,
            width,
            word(lang, Word::ScanToView),
            scale.small,
            Weight::Regular,
        );
        sheet.paragraph(
            left,
            width,
            &facts.customer_link,
            scale.small,
            Weight::Regular,
        );
    }
    Ok(())
}
