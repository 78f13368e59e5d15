//! Receipt → ESC/POS → decoder → paper: what a printer would print is what was laid out, at 58
//! and 80 mm, in raster and GB18030 text modes; the links chunk, pace and fail clearly; the
//! virtual printer prints a job sent over TCP.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use fixline_core::customer::Language;
use fixline_print::decode::{Command as Cmd, DecodeError, decode};
use fixline_print::link::{Address, FakeLink, send_job};
use fixline_print::{CodePage, Mode, PrintError, Profile, RasterFont, encode};
use fixline_receipt::sample;

fn font() -> RasterFont {
    RasterFont::system().expect("Noto Sans CJK (fonts-noto-cjk) is installed")
}

fn facts() -> fixline_core::receipt::ReceiptFacts {
    let mut f = sample::facts(Language::ZhCn, vec![]);
    f.brand.logo_png = sample::logo_png_base64();
    f
}

fn keep(name: &str, png: &[u8]) {
    let dir = Path::new(
        &std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../../tests/artifacts/print");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(name), png);
    }
}

fn qr_codes(paper: &fixline_print::Bitmap) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare(paper.to_gray());
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect()
}

#[test]
fn raster_receipts_decode_to_exactly_the_laid_out_dots_at_58_and_80_mm() {
    let font = font();
    let facts = facts();
    for name in ["58mm-ble-raster", "80mm-spp"] {
        let profile = Profile::named(name).unwrap();
        assert_eq!(profile.mode, Mode::Raster);
        let job = encode(&facts, &profile, &font).unwrap();
        let laid_out = job.bitmap.clone().expect("raster mode keeps the picture");
        assert_eq!(laid_out.width, profile.width_dots);
        let printed = decode(&job.bytes, profile.width_dots, CodePage::Ascii, None).unwrap();
        keep(&format!("raster-{name}.png"), &printed.paper.to_png());
        // The paper starts with the laid-out receipt, dot for dot, then the feed before the cut.
        let mut top = fixline_print::Bitmap::new(laid_out.width, laid_out.height);
        for y in 0..laid_out.height {
            for x in 0..laid_out.width {
                if printed.paper.get(x, y) {
                    top.set(x, y);
                }
            }
        }
        assert_eq!(
            top.difference(&laid_out),
            0,
            "{name}: the paper is the layout"
        );
        assert!(
            printed.paper.height > laid_out.height,
            "paper fed before the cut"
        );
        assert_eq!(
            printed
                .commands
                .iter()
                .filter(|c| matches!(c, Cmd::Cut))
                .count(),
            usize::from(profile.cuts)
        );
        assert_eq!(
            qr_codes(&printed.paper),
            vec![facts.customer_link.clone()],
            "{name}"
        );
        // Blank bands travel as paper feed, not as white dots.
        assert!(
            printed
                .commands
                .iter()
                .any(|c| matches!(c, Cmd::Feed(n) if *n > 0))
        );
        let raw_bits = (laid_out.bytes_per_row() * laid_out.height) as usize;
        assert!(
            job.bytes.len() < raw_bits,
            "{name}: {} bytes for {raw_bits} of raster",
            job.bytes.len()
        );
    }
}

#[test]
fn text_mode_sends_gb18030_lines_a_native_qr_and_the_signature_dots() {
    let font = font();
    let facts = facts();
    let profile = Profile::named("80mm-gb18030-text").unwrap();
    let job = encode(&facts, &profile, &font).unwrap();
    assert_eq!(job.mode, Mode::Text);
    // GB18030 on the wire: 服 is 0xB7 0xFE, not UTF-8.
    assert!(job.bytes.windows(2).any(|w| w == [0xB7, 0xFE]));
    assert!(!job.bytes.windows(3).any(|w| w == "服".as_bytes()));
    let printed = decode(
        &job.bytes,
        profile.width_dots,
        CodePage::Gb18030,
        Some(&font),
    )
    .unwrap();
    keep("text-80mm-gb18030.png", &printed.paper.to_png());
    let text = printed.text().join("\n");
    for expected in [
        "服务回执",
        "R-WO-000123-1",
        "鲜丰超市（静安店）",
        "￥369.18",
        "陈静",
    ] {
        assert!(text.contains(expected), "{expected:?} not in\n{text}");
    }
    assert_eq!(printed.qr_codes(), vec![facts.customer_link.clone()]);
    assert!(
        printed
            .commands
            .iter()
            .any(|c| matches!(c, Cmd::Raster { .. })),
        "signature as dots"
    );
    assert!(
        printed.paper.ink() > 5_000,
        "text drawn on the decoded paper"
    );
    let raster = encode(&facts, &Profile::named("80mm-spp").unwrap(), &font).unwrap();
    assert!(
        job.bytes.len() * 3 < raster.bytes.len(),
        "text mode is far smaller"
    );
}

#[test]
fn text_mode_sends_only_what_the_code_page_holds_and_prints_the_same_paper_in_any() {
    let font = font();
    let mut chinese = sample::facts(Language::ZhCn, vec![]);
    chinese.brand.logo_png = sample::logo_png_base64();
    // English wording with a Hong Kong customer's name in traditional characters.
    let mut hong_kong = sample::facts(Language::En, vec![]);
    hong_kong.brand.logo_png = sample::logo_png_base64();
    hong_kong.customer_name = "鮮豐超市（銅鑼灣店）".into();
    for (facts, who) in [(&chinese, "zh"), (&hong_kong, "hk")] {
        for name in ["58mm-ble", "80mm-spp-ascii-text"] {
            let ascii = Profile::named(name).unwrap();
            assert_eq!((ascii.mode, ascii.code_page), (Mode::Text, CodePage::Ascii));
            // The reference: the same printer with a GB18030 font that draws QR codes.
            let gb = Profile {
                code_page: CodePage::Gb18030,
                native_qr: true,
                ..ascii.clone()
            };
            let reference = decode(
                &encode(facts, &gb, &font).unwrap().bytes,
                gb.width_dots,
                CodePage::Gb18030,
                Some(&font),
            )
            .unwrap()
            .paper;
            assert_eq!(qr_codes(&reference), vec![facts.customer_link.clone()]);
            for page in [CodePage::Ascii, CodePage::Gb18030, CodePage::Big5] {
                let profile = Profile {
                    code_page: page,
                    ..ascii.clone()
                };
                let job = encode(facts, &profile, &font).unwrap();
                let printed = decode(&job.bytes, profile.width_dots, page, Some(&font)).unwrap();
                keep(
                    &format!("text-{name}-{page:?}-{who}.png").to_lowercase(),
                    &printed.paper.to_png(),
                );
                let text = printed.text();
                // Only what the font has travels as text, in the matching character mode.
                assert!(text.iter().all(|t| page.encode(t).is_some()), "{text:?}");
                assert!(
                    printed
                        .commands
                        .contains(&Cmd::ChineseMode(page.double_byte()))
                );
                assert!(
                    printed
                        .commands
                        .contains(&Cmd::Unknown(vec![0x1B, b'R', 0]))
                );
                assert!(text.iter().any(|t| t.starts_with("-----")), "{text:?}");
                // Everything else is drawn on the grid the printer's font uses: the paper is
                // dot for dot the same whatever the code page.
                assert_eq!(
                    (printed.paper.width, printed.paper.height),
                    (reference.width, reference.height),
                    "{name} {page:?} {who}"
                );
                assert_eq!(
                    printed.paper.difference(&reference),
                    0,
                    "{name} {page:?} {who}"
                );
                assert_eq!(qr_codes(&printed.paper), vec![facts.customer_link.clone()]);
                // Never more bytes than the whole receipt as a picture.
                let raster = Profile {
                    mode: Mode::Raster,
                    ..profile.clone()
                };
                assert!(job.bytes.len() < encode(facts, &raster, &font).unwrap().bytes.len());
            }
        }
        // The traditional name goes as Big5 text; simplified Chinese never does.
        let big5 = Profile::named("80mm-big5-text").unwrap();
        let printed = decode(
            &encode(facts, &big5, &font).unwrap().bytes,
            576,
            CodePage::Big5,
            Some(&font),
        )
        .unwrap();
        let has_name = printed
            .text()
            .iter()
            .any(|t| t.contains("鮮豐超市（銅鑼灣店）"));
        assert_eq!(has_name, who == "hk", "{:?}", printed.text());
    }
    // An all-ASCII receipt in ASCII text mode is a fraction of its raster.
    let plain = sample::english_facts();
    for name in ["58mm-ble", "80mm-spp-ascii-text"] {
        let text = Profile::named(name).unwrap();
        let raster = Profile {
            mode: Mode::Raster,
            ..text.clone()
        };
        let (text_bytes, raster_bytes) = (
            encode(&plain, &text, &font).unwrap().bytes.len(),
            encode(&plain, &raster, &font).unwrap().bytes.len(),
        );
        assert!(
            text_bytes * 3 < raster_bytes,
            "{name}: text {text_bytes} vs raster {raster_bytes}"
        );
    }
}

#[test]
fn chunks_fit_the_link_and_a_dropped_link_says_how_far_it_got() {
    let font = font();
    let profile = Profile::named("58mm-ble").unwrap();
    let job = encode(&facts(), &profile, &font).unwrap();

    let mut link = FakeLink::printer(profile.chunk_bytes);
    let mut progress = Vec::new();
    let fast = Profile {
        pace_ms: 0,
        ..profile.clone()
    };
    send_job(&mut link, &job.bytes, &fast, |n| progress.push(n)).unwrap();
    assert!(link.writes.iter().all(|w| w.len() <= profile.chunk_bytes));
    assert_eq!(link.received(), job.bytes, "every byte, in order");
    assert_eq!(progress.last(), Some(&job.bytes.len()));

    let mut dropping = FakeLink::printer(profile.chunk_bytes);
    dropping.drop_after = Some(1000);
    let err = send_job(&mut dropping, &job.bytes, &fast, |_| {}).unwrap_err();
    match err {
        PrintError::Link { sent, total, .. } => {
            assert!(
                sent <= 1000 && sent > 0 && total == job.bytes.len(),
                "{sent}/{total}"
            )
        }
        other => panic!("expected a link error, got {other}"),
    }

    let mut stranger = FakeLink::printer(profile.chunk_bytes);
    stranger.status = Some(0xFF);
    let err = send_job(&mut stranger, &job.bytes, &fast, |_| {}).unwrap_err();
    assert!(err.to_string().contains("unknown reply"), "{err}");

    let mut offline = FakeLink::printer(profile.chunk_bytes);
    offline.status = Some(0x1A);
    let err = send_job(&mut offline, &job.bytes, &fast, |_| {}).unwrap_err();
    assert!(err.to_string().contains("offline"), "{err}");
}

#[test]
fn truncated_or_oversized_jobs_are_refused_by_the_decoder() {
    let profile = Profile::named("80mm-spp").unwrap();
    let job = encode(&facts(), &profile, &font()).unwrap();
    let cut = &job.bytes[..job.bytes.len() / 2];
    assert!(matches!(
        decode(cut, 576, CodePage::Ascii, None),
        Err(DecodeError::Truncated(_))
    ));
    let huge = [0x1D, b'v', b'0', 0, 0xFF, 0x7F, 0xFF, 0x7F];
    assert!(matches!(
        decode(&huge, 576, CodePage::Ascii, None),
        Err(DecodeError::TooLarge { .. })
    ));
    // Paper feed without end, or one endless line of text: refused, not drawn for ever.
    let endless_feed = [0x1B, b'J', 255].repeat(1000);
    assert!(matches!(
        decode(&endless_feed, 576, CodePage::Ascii, None),
        Err(DecodeError::TooLong(_))
    ));
    let mut endless_line = vec![b'x'; 200_000];
    endless_line.push(b'\n');
    let printed = decode(&endless_line, 384, CodePage::Ascii, None);
    assert!(
        matches!(printed, Err(DecodeError::TooLong(_))),
        "{:?}",
        printed.map(|p| p.paper.height)
    );
    // A long line wraps at the paper's edge, as on a printer: 40 characters on 32 columns.
    let wrapped = decode(
        &[vec![b'x'; 40], vec![b'\n']].concat(),
        384,
        CodePage::Ascii,
        Some(&font()),
    )
    .unwrap();
    assert_eq!(wrapped.paper.height, 2 * 30);
    // Bluetooth is not in this build: a clear refusal, not a silent failure.
    let err = fixline_print::link::open(
        &Address::Spp {
            device: "00:11:22:33:44:55".into(),
        },
        Duration::from_secs(1),
    )
    .err()
    .unwrap();
    assert!(matches!(err, PrintError::Unsupported(_)), "{err}");
}

#[test]
fn the_virtual_printer_prints_a_job_sent_over_tcp() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_virtual-printer"))
        .args(["--listen", "127.0.0.1:0", "--out"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // The printer's output lines, with a deadline so a broken printer fails the test.
    let (tx, lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let next = || {
        lines
            .recv_timeout(Duration::from_secs(20))
            .expect("the printer answers")
    };
    let banner = next();
    let addr = banner.split_whitespace().nth(3).unwrap().to_owned();
    let (host, port) = addr.rsplit_once(':').unwrap();
    let profile = Profile::named("80mm-network").unwrap();
    let job = encode(&facts(), &profile, &font()).unwrap();
    let mut link = fixline_print::link::open(
        &Address::Tcp {
            host: host.into(),
            port: port.parse().unwrap(),
        },
        Duration::from_secs(5),
    )
    .unwrap();
    send_job(link.as_mut(), &job.bytes, &profile, |_| {}).unwrap();
    drop(link);
    let done = next();
    assert!(done.contains("job 1"), "{done}");
    let png = std::fs::read(dir.path().join("job-0001.png")).unwrap();
    let paper = image::load_from_memory(&png).unwrap().into_luma8();
    assert_eq!(paper.width(), 576);
    assert!(paper.height() > job.bitmap.unwrap().height);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_refused_connection_is_retried_but_a_started_job_is_not() {
    use fixline_print::link::{PrinterLink, connect_and_send};
    let profile = Profile {
        pace_ms: 0,
        ..Profile::named("58mm-ble").unwrap()
    };
    let bytes = vec![0x1B, b'@', b'h', b'i', b'\n'];
    // The printer refuses twice (waking up), then takes the job.
    let mut tries = 0;
    connect_and_send(
        || {
            tries += 1;
            if tries < 3 {
                Err(PrintError::before_job("refused"))
            } else {
                Ok(Box::new(FakeLink::printer(180)) as Box<dyn PrinterLink>)
            }
        },
        3,
        &bytes,
        &profile,
        |_| {},
    )
    .unwrap();
    assert_eq!(tries, 3);
    // A link that drops mid-job is connected once only.
    let mut connects = 0;
    let err = connect_and_send(
        || {
            connects += 1;
            let mut link = FakeLink::printer(2);
            link.drop_after = Some(2);
            Ok(Box::new(link) as Box<dyn PrinterLink>)
        },
        3,
        &bytes,
        &profile,
        |_| {},
    )
    .unwrap_err();
    assert_eq!(connects, 1, "{err}");
}
