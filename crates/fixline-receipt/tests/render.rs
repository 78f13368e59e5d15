//! The receipt rendered back with poppler: the words, numbers and link a customer reads, the
//! photos and the signature on the page, and the size of what gets e-mailed.

use std::path::Path;
use std::process::Command;

use fixline_core::customer::Language;
use fixline_core::receipt::{PhotoRef, PhotoTag, ReceiptFacts, SignOff, sha256_hex};
use fixline_receipt::{PaperSize, ReceiptError, ReceiptFonts, RenderOptions, render, sample};

fn fonts() -> ReceiptFonts {
    ReceiptFonts::system().expect("Noto Sans CJK (Debian fonts-noto-cjk) is installed")
}

struct Photos {
    jpegs: Vec<(String, Vec<u8>)>,
    refs: Vec<PhotoRef>,
}

fn photos(n: u8) -> Photos {
    let jpegs: Vec<(String, Vec<u8>)> = (0..n)
        .map(|i| {
            let j = sample::photo_jpeg(i, 1600, 1200);
            (sha256_hex(&j), j)
        })
        .collect();
    let refs = jpegs
        .iter()
        .enumerate()
        .map(|(i, (sha, j))| PhotoRef {
            sha256: sha.clone(),
            tag: PhotoTag::ALL[i % 4],
            caption: format!("照片 photo {}", i + 1),
            taken_at: None,
            bytes: j.len() as u64,
        })
        .collect();
    Photos { jpegs, refs }
}

fn rendered(facts: &ReceiptFacts, photos: &Photos, paper: PaperSize) -> Vec<u8> {
    let given: Vec<(&str, &[u8])> = photos
        .jpegs
        .iter()
        .map(|(s, b)| (s.as_str(), b.as_slice()))
        .collect();
    let options = RenderOptions {
        paper,
        ..Default::default()
    };
    render(facts, &given, &fonts(), &options).expect("the receipt renders")
}

fn poppler(tool: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (Debian poppler-utils) runs: {e}"));
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Writes the PDF for poppler, and a copy under `tests/artifacts/receipts/` for people to look at.
fn save(dir: &Path, name: &str, pdf: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, pdf).unwrap();
    let keep = Path::new(
        &std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../../tests/artifacts/receipts");
    if std::fs::create_dir_all(&keep).is_ok() {
        let _ = std::fs::write(keep.join(name), pdf);
    }
    path.display().to_string()
}

fn text_of(pdf: &str) -> String {
    String::from_utf8(poppler("pdftotext", &["-layout", pdf, "-"])).unwrap()
}

/// Page `page` (from 1) as an image at `dpi`.
fn page_image(pdf: &str, dpi: u32, page: u32, dir: &Path) -> image::RgbImage {
    let stem = dir.join("page");
    let stem = stem.to_str().unwrap();
    let page = page.to_string();
    poppler(
        "pdftoppm",
        &[
            "-png",
            "-r",
            &dpi.to_string(),
            "-f",
            &page,
            "-l",
            &page,
            "-singlefile",
            pdf,
            stem,
        ],
    );
    image::open(format!("{stem}.png")).unwrap().into_rgb8()
}

/// Top edge (in points) of the first word on page 1 equal to `word`, from `pdftotext -bbox`.
fn word_top(pdf: &str, word: &str) -> Option<f32> {
    let html = String::from_utf8(poppler(
        "pdftotext",
        &["-bbox", "-f", "1", "-l", "1", pdf, "-"],
    ))
    .unwrap();
    html.lines()
        .find(|l| l.contains(&format!(">{word}<")))
        .and_then(|l| {
            let y = l.split("yMin=\"").nth(1)?.split('"').next()?;
            y.parse().ok()
        })
}

#[test]
fn a4_chinese_receipt_reads_back_with_totals_photos_signature_and_link() {
    let dir = tempfile::tempdir().unwrap();
    let photos = photos(4);
    let mut facts = sample::facts(Language::ZhCn, photos.refs.clone());
    facts.brand.logo_png = sample::logo_png_base64();
    let pdf = rendered(&facts, &photos, PaperSize::A4);
    assert!(
        pdf.len() <= 400 * 1024,
        "four photos, signature and CJK text fit in 400 KB, got {} KB",
        pdf.len() / 1024
    );
    let path = save(dir.path(), "receipt.pdf", &pdf);
    let text = text_of(&path);
    for expected in [
        "服务回执",
        "R-WO-000123-1",
        "鲜丰超市（静安店）",
        "上海市静安区南京西路1266号",
        "HC650-88123",
        "压缩机启动继电器",
        "SR2026110071",
        "合计",
        "保修减免",
        "上门维修",
        "王建国",
        "陈静",
        "2026-11-25 11:15",
        "一次修好",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // Exact totals from core: parts 186.00 + labour 1.25 h × 120 + VAT 24.18 + 9.00.
    assert_eq!(facts.totals.total.to_string(), "¥369.18");
    // What the warranty covered is told, not subtracted a second time: the lines add up.
    assert!(
        text.contains("¥369.18") && text.contains("¥91.00") && !text.contains("-¥91.00"),
        "{text}"
    );
    let t = &facts.totals;
    assert_eq!(
        t.parts
            .checked_add(t.labour)
            .unwrap()
            .checked_add(t.tax)
            .unwrap(),
        t.total
    );

    // Photos follow the signature on page 2: only they are in colour, the rest is black on white.
    let photos_page = page_image(&path, 100, 2, dir.path());
    let colourful = photos_page
        .pixels()
        .filter(|p| p.0.iter().max().unwrap() - p.0.iter().min().unwrap() > 60)
        .count();
    assert!(
        colourful > 4 * 30_000,
        "four photos on page 2: {colourful} colour pixels"
    );

    let page = page_image(&path, 100, 1, dir.path());
    // The logo, top right: the brand's blue.
    let blue = (page.width() * 3 / 4..page.width())
        .flat_map(|x| (0..page.height() / 8).map(move |y| (x, y)))
        .filter(|&(x, y)| {
            let [r, g, b] = page.get_pixel(x, y).0;
            b > 120 && r < 60 && g > 60 && g < 140
        })
        .count();
    assert!(
        blue > 300,
        "the logo is printed top right: {blue} blue pixels"
    );
    // The signature strokes are drawn between the "客户签名" label and the signer line.
    let label = word_top(&path, "客户签名").expect("signature label on page 1");
    let signer = word_top(&path, "签字人").expect("signer line on page 1");
    let (top, bottom) = (
        (label / 72.0 * 100.0) as u32 + 15,
        (signer / 72.0 * 100.0) as u32 - 5,
    );
    let ink = (top..bottom)
        .flat_map(|y| (0..page.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| page.get_pixel(x, y).0[0] < 100)
        .count();
    assert!(
        ink > 300,
        "signature ink between the label and signer: {ink} dark pixels"
    );

    // The QR code leads to the customer's page.
    let scan = page_image(&path, 150, 1, dir.path());
    let luma = image::DynamicImage::ImageRgb8(scan).into_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(luma);
    let links: Vec<String> = prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect();
    assert!(
        links.contains(&facts.customer_link),
        "QR code decodes to the customer link, found {links:?}"
    );
}

#[test]
fn english_receipt_uses_english_wording() {
    let dir = tempfile::tempdir().unwrap();
    let photos = photos(1);
    let facts = sample::facts(Language::En, photos.refs.clone());
    let path = save(
        dir.path(),
        "en.pdf",
        &rendered(&facts, &photos, PaperSize::A4),
    );
    let text = text_of(&path);
    for expected in [
        "Service receipt",
        "Customer signature",
        "Total",
        "Covered by warranty",
        "On-site repair",
        "Scan to view",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(!text.contains("服务回执"));
}

#[test]
fn roll_receipt_is_one_80_mm_page() {
    let dir = tempfile::tempdir().unwrap();
    let photos = photos(2);
    let facts = sample::facts(Language::ZhCn, photos.refs.clone());
    let path = save(
        dir.path(),
        "roll.pdf",
        &rendered(&facts, &photos, PaperSize::Roll80),
    );
    let info = String::from_utf8(poppler("pdfinfo", &[&path])).unwrap();
    let pages = info.lines().find(|l| l.starts_with("Pages:")).unwrap();
    assert_eq!(pages.split_whitespace().nth(1), Some("1"), "{info}");
    let size = info.lines().find(|l| l.starts_with("Page size:")).unwrap();
    assert!(size.contains("226.77"), "80 mm wide: {size}");
    let text = text_of(&path);
    assert!(
        text.contains("¥369.18") && text.contains("R-WO-000123-1"),
        "{text}"
    );
}

#[test]
fn refused_signature_is_printed_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut facts = sample::facts(Language::ZhCn, vec![]);
    facts.sign_off = SignOff::Refused {
        signer_name: "陈静".into(),
        reason: "店长不在，无权签字".into(),
        at: facts.finished_at,
    };
    let path = save(
        dir.path(),
        "refused.pdf",
        &rendered(&facts, &photos(0), PaperSize::A4),
    );
    let text = text_of(&path);
    assert!(
        text.contains("客户拒签") && text.contains("店长不在，无权签字"),
        "{text}"
    );
}

#[test]
fn text_only_receipt_is_small_because_the_font_is_subset() {
    let facts = sample::facts(Language::ZhCn, vec![]);
    let pdf = rendered(&facts, &photos(0), PaperSize::A4);
    assert!(
        pdf.len() < 120 * 1024,
        "subset fonts keep it small: {} KB",
        pdf.len() / 1024
    );
}

#[test]
fn a_broken_logo_is_a_clear_error() {
    let mut facts = sample::facts(Language::ZhCn, vec![]);
    facts.brand.logo_png = "bm90IGEgcG5n".into();
    let err = render(&facts, &[], &fonts(), &RenderOptions::default()).unwrap_err();
    assert!(matches!(err, ReceiptError::Logo(_)), "{err}");
}

#[test]
fn missing_or_broken_photos_are_clear_errors() {
    let mut listed = photos(1);
    let facts = sample::facts(Language::ZhCn, listed.refs.clone());
    let options = RenderOptions::default();
    let err = render(&facts, &[], &fonts(), &options).unwrap_err();
    assert!(matches!(err, ReceiptError::MissingPhoto(_)), "{err}");

    listed.jpegs[0].1 = b"not a jpeg".to_vec();
    let given = [(listed.jpegs[0].0.as_str(), listed.jpegs[0].1.as_slice())];
    let err = render(&facts, &given, &fonts(), &options).unwrap_err();
    assert!(matches!(err, ReceiptError::Photo { .. }), "{err}");
    assert!(err.to_string().contains(&listed.jpegs[0].0));
}

#[test]
fn the_signature_png_is_drawn_from_the_strokes() {
    let facts = sample::facts(Language::ZhCn, vec![]);
    let SignOff::Signed(signature) = &facts.sign_off else {
        unreachable!("the sample is signed")
    };
    let png = fixline_receipt::signature_png(signature, 800).unwrap();
    let image = image::load_from_memory(&png).unwrap().into_rgba8();
    assert_eq!((image.width(), image.height()), (800, 300));
    let ink = image.pixels().filter(|p| p.0[3] > 128).count();
    assert!(ink > 2000, "strokes are drawn: {ink} opaque pixels");
    // Where the first stroke starts (20, 100 on the 400-wide pad) there is ink.
    assert!(image.get_pixel(40, 200).0[3] > 0);
    // A corner far from every stroke stays clear.
    assert_eq!(image.get_pixel(790, 290).0[3], 0);
}
