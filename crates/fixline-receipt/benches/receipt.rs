//! `cargo xtask bench receipt`: how long the device takes to make the service receipt (four
//! photos, a signature, CJK text) beside headless Chromium printing the same receipt as HTML to
//! PDF, and the photo pipeline on a 12-megapixel JPEG beside libvips' `vipsthumbnail`. Prints
//! medians and ratios; needs `chromium` and `libvips-tools` (Debian), installed by `cargo xtask
//! setup`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fixline_core::customer::Language;
use fixline_core::receipt::{PhotoRef, PhotoTag, SignOff, sha256_hex};
use fixline_receipt::{ReceiptFonts, RenderOptions, render, sample};

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time<T>(n: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..n)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;")
}

/// The same receipt as an HTML page, the way a web stack would make it.
fn html(facts: &fixline_core::receipt::ReceiptFacts, photos: &[String]) -> String {
    let rows: String = facts
        .bill
        .parts
        .iter()
        .map(|p| {
            format!(
                "<tr><td>{} {}</td><td>{}</td><td>{}</td></tr>",
                escape(&p.part_number),
                escape(&p.name),
                p.quantity,
                p.unit_price
            )
        })
        .collect();
    let signature = match &facts.sign_off {
        SignOff::Signed(s) => s
            .strokes
            .iter()
            .map(|k| {
                let pts: Vec<String> = k.iter().map(|[x, y]| format!("{x},{y}")).collect();
                format!(
                    r#"<polyline points="{}" fill="none" stroke="black"/>"#,
                    pts.join(" ")
                )
            })
            .collect::<String>(),
        SignOff::Refused { .. } => String::new(),
    };
    let imgs: String = photos
        .iter()
        .map(|p| format!(r#"<img src="file://{p}" style="width:48%">"#))
        .collect();
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><style>body{{font-family:"Noto Sans CJK SC"}}</style></head><body>
<h1>{brand}</h1><h2>服务回执 {number}</h2><p>{customer}<br>{site}</p><p>{symptom}</p><p>{work}</p>
<table>{rows}</table><p>合计 {total}</p><svg width="400" height="150">{signature}</svg><div>{imgs}</div><p>{link}</p></body></html>"#,
        brand = escape(&facts.brand.name),
        number = facts.number,
        customer = escape(&facts.customer_name),
        site = escape(&facts.site_address),
        symptom = escape(&facts.symptom),
        work = escape(&facts.work_performed),
        total = facts.totals.total,
        link = facts.customer_link,
    )
}

fn chromium_print(html: &Path, pdf: &Path, profile: &Path) -> bool {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .is_ok_and(|o| o.status.success() && pdf.exists())
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let start = Instant::now();
    let fonts = ReceiptFonts::system().expect("Noto Sans CJK (fonts-noto-cjk) is installed");
    let font_load = start.elapsed();

    // Four photos as the pipeline leaves them: 1600 px long edge, JPEG q80.
    let jpegs: Vec<Vec<u8>> = (0..4).map(|i| sample::photo_jpeg(i, 1600, 1200)).collect();
    let refs: Vec<PhotoRef> = jpegs
        .iter()
        .enumerate()
        .map(|(i, j)| PhotoRef {
            sha256: sha256_hex(j),
            tag: PhotoTag::ALL[i],
            caption: format!("照片 {}", i + 1),
            taken_at: None,
            bytes: j.len() as u64,
        })
        .collect();
    let facts = sample::facts(Language::ZhCn, refs.clone());
    let given: Vec<(&str, &[u8])> = refs
        .iter()
        .zip(&jpegs)
        .map(|(r, j)| (r.sha256.as_str(), j.as_slice()))
        .collect();
    let options = RenderOptions::default();
    let pdf = render(&facts, &given, &fonts, &options).expect("renders");
    let ours = time(10, || render(&facts, &given, &fonts, &options));

    println!("Receipt: A4, 4 photos (1600×1200), vector signature, QR code, subset Noto Sans CJK");
    println!(
        "  font load (once per app start)   {:>8.1} ms",
        ms(font_load)
    );
    println!(
        "  fixline-receipt render           {:>8.1} ms   {:>4} KB",
        ms(ours),
        pdf.len() / 1024
    );

    let photo_paths: Vec<String> = jpegs
        .iter()
        .enumerate()
        .map(|(i, j)| {
            let p = dir.path().join(format!("photo{i}.jpg"));
            std::fs::write(&p, j).expect("write photo");
            p.display().to_string()
        })
        .collect();
    let page = dir.path().join("receipt.html");
    std::fs::write(&page, html(&facts, &photo_paths)).expect("write html");
    let printed = dir.path().join("chromium.pdf");
    if chromium_print(&page, &printed, &dir.path().join("warm")) {
        let chromium = time(3, || {
            let profile = tempfile::tempdir().expect("profile");
            chromium_print(&page, &printed, profile.path())
        });
        let size = std::fs::metadata(&printed).map_or(0, |m| m.len());
        println!(
            "  headless Chromium print-to-pdf   {:>8.1} ms   {:>4} KB",
            ms(chromium),
            size / 1024
        );
        println!(
            "  ratio: Chromium takes {:.1}× as long",
            chromium.as_secs_f64() / ours.as_secs_f64()
        );
    } else {
        println!("  headless Chromium: not available (install Debian's chromium)");
    }

    // The photo pipeline on a 12-megapixel camera JPEG.
    let camera = sample::photo_jpeg(7, 4000, 3000);
    let input = dir.path().join("camera.jpg");
    std::fs::write(&input, &camera).expect("write camera photo");
    let settings = fixline_photo::PhotoSettings::default();
    let ours = time(5, || {
        fixline_photo::process(&camera, &settings).expect("processes")
    });
    println!();
    println!(
        "Photo pipeline: 4000×3000 JPEG ({} KB) → {} px long edge, JPEG q{}, thumbnail, SHA-256",
        camera.len() / 1024,
        settings.long_edge,
        settings.quality
    );
    println!("  fixline-photo                    {:>8.1} ms", ms(ours));
    let out = dir.path().join("vips.jpg");
    let vips = |_: ()| {
        Command::new("vipsthumbnail")
            .arg(&input)
            .args(["--size", &settings.long_edge.to_string()])
            .arg("-o")
            .arg(format!("{}[Q={}]", out.display(), settings.quality))
            .status()
            .is_ok_and(|s| s.success())
    };
    if vips(()) {
        let theirs = time(5, || vips(()));
        println!("  vipsthumbnail (process included) {:>8.1} ms", ms(theirs));
        println!(
            "  ratio: fixline-photo takes {:.2}× the time of vipsthumbnail (which skips EXIF time, thumbnail and hash)",
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
    } else {
        println!("  vipsthumbnail: not available (install Debian's libvips-tools)");
    }
}
