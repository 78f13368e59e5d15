//! The photo pipeline: upright for all eight EXIF orientations, resize bounds, a decompression
//! bomb refused cheaply, unsupported files named, the hash stable, the camera's time kept.

use fixline_photo::{PhotoError, PhotoSettings, process};
use image::{DynamicImage, Rgb, RgbImage};

/// 80×40, red in the top-left quarter as stored, blue elsewhere.
fn stored() -> RgbImage {
    RgbImage::from_fn(80, 40, |x, y| {
        if x < 40 && y < 20 {
            Rgb([230, 20, 20])
        } else {
            Rgb([20, 20, 230])
        }
    })
}

fn jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
        .encode_image(&DynamicImage::ImageRgb8(img.clone()))
        .unwrap();
    out
}

/// An EXIF APP1 segment (big-endian TIFF) with the orientation and, optionally, the time taken.
fn with_exif(jpeg: &[u8], orientation: u16, taken: Option<&str>) -> Vec<u8> {
    let mut entries: Vec<[u8; 12]> = Vec::new();
    let mut extra = Vec::new();
    let mut e = [0u8; 12];
    e[0..2].copy_from_slice(&0x0112u16.to_be_bytes());
    e[2..4].copy_from_slice(&3u16.to_be_bytes());
    e[4..8].copy_from_slice(&1u32.to_be_bytes());
    e[8..10].copy_from_slice(&orientation.to_be_bytes());
    entries.push(e);
    let count = if taken.is_some() { 2 } else { 1 };
    // IFD0 at 8: 2 + 12n + 4 bytes; the Exif IFD (with DateTimeOriginal) follows.
    let ifd0_end = 8 + 2 + 12 * count + 4;
    if let Some(t) = taken {
        let mut p = [0u8; 12];
        p[0..2].copy_from_slice(&0x8769u16.to_be_bytes()); // Exif IFD pointer
        p[2..4].copy_from_slice(&4u16.to_be_bytes());
        p[4..8].copy_from_slice(&1u32.to_be_bytes());
        p[8..12].copy_from_slice(&(ifd0_end as u32).to_be_bytes());
        entries.push(p);
        let text_at = ifd0_end + 2 + 12 + 4;
        extra.extend_from_slice(&1u16.to_be_bytes());
        extra.extend_from_slice(&0x9003u16.to_be_bytes()); // DateTimeOriginal
        extra.extend_from_slice(&2u16.to_be_bytes()); // ASCII
        extra.extend_from_slice(&20u32.to_be_bytes());
        extra.extend_from_slice(&(text_at as u32).to_be_bytes());
        extra.extend_from_slice(&0u32.to_be_bytes());
        extra.extend_from_slice(t.as_bytes());
        extra.push(0);
    }
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&(entries.len() as u16).to_be_bytes());
    for e in &entries {
        tiff.extend_from_slice(e);
    }
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(&extra);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn is_red(p: &Rgb<u8>) -> bool {
    p[0] > 150 && p[2] < 100
}

#[test]
fn every_exif_orientation_comes_out_upright() {
    let source = jpeg(&stored());
    // Where the stored top-left (red) corner shows, by orientation, and whether sides swap.
    let cases = [
        (1, "top-left", false),
        (2, "top-right", false),
        (3, "bottom-right", false),
        (4, "bottom-left", false),
        (5, "top-left", true),
        (6, "top-right", true),
        (7, "bottom-right", true),
        (8, "bottom-left", true),
    ];
    for (orientation, corner, swapped) in cases {
        let photo = process(
            &with_exif(&source, orientation, None),
            &PhotoSettings::default(),
        )
        .unwrap_or_else(|e| panic!("orientation {orientation}: {e}"));
        let (w, h) = if swapped { (40, 80) } else { (80, 40) };
        assert_eq!(
            (photo.width, photo.height),
            (w, h),
            "orientation {orientation}"
        );
        let shown = image::load_from_memory(&photo.jpeg).unwrap().to_rgb8();
        let (x, y) = match corner {
            "top-left" => (5, 5),
            "top-right" => (w - 6, 5),
            "bottom-right" => (w - 6, h - 6),
            _ => (5, h - 6),
        };
        assert!(
            is_red(shown.get_pixel(x, y)),
            "orientation {orientation}: red not at {corner}"
        );
        let (ox, oy) = (w - 1 - x, h - 1 - y);
        assert!(
            !is_red(shown.get_pixel(ox, oy)),
            "orientation {orientation}: red also opposite"
        );
    }
}

#[test]
fn photos_are_resized_to_the_long_edge_and_never_enlarged() {
    let big = RgbImage::from_fn(3000, 2000, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let photo = process(&jpeg(&big), &PhotoSettings::default()).unwrap();
    assert_eq!((photo.width, photo.height), (1600, 1067));
    let thumb = image::load_from_memory(&photo.thumbnail).unwrap();
    assert_eq!(thumb.width().max(thumb.height()), 320);
    let small = process(&jpeg(&stored()), &PhotoSettings::default()).unwrap();
    assert_eq!((small.width, small.height), (80, 40));
}

#[test]
fn a_decompression_bomb_is_refused_before_decoding() {
    // A PNG of a few dozen bytes claiming 100 000 × 100 000 pixels (40 GB decoded).
    let mut header = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    header.extend_from_slice(&13u32.to_be_bytes());
    header.extend_from_slice(&ihdr);
    header.extend_from_slice(&crc(&ihdr).to_be_bytes());
    // A few bytes of image data (one stored zlib block), then the end.
    let mut idat = b"IDAT".to_vec();
    idat.extend_from_slice(&[
        0x78, 0x01, 0x01, 0x01, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x01, 0x00, 0x01,
    ]);
    header.extend_from_slice(&((idat.len() - 4) as u32).to_be_bytes());
    header.extend_from_slice(&idat);
    header.extend_from_slice(&crc(&idat).to_be_bytes());
    header.extend_from_slice(&0u32.to_be_bytes());
    header.extend_from_slice(b"IEND");
    header.extend_from_slice(&crc(b"IEND").to_be_bytes());
    match process(&header, &PhotoSettings::default()) {
        Err(PhotoError::TooManyPixels { width, height, .. }) => {
            assert_eq!((width, height), (100_000, 100_000))
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let huge = vec![0u8; 41 * 1024 * 1024];
    assert!(matches!(
        process(&huge, &PhotoSettings::default()),
        Err(PhotoError::FileTooLarge { .. })
    ));
}

fn crc(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[test]
fn unsupported_files_get_a_clear_message() {
    // The start of a HEIC file (an ISO-BMFF `ftyp` box with brand heic).
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    let e = process(&heic, &PhotoSettings::default()).unwrap_err();
    assert!(matches!(e, PhotoError::Unsupported), "{e:?}");
    assert!(e.to_string().contains("HEIC"));
    let e = process(b"not a picture at all", &PhotoSettings::default()).unwrap_err();
    assert!(matches!(
        e,
        PhotoError::Unsupported | PhotoError::Unreadable(_)
    ));
}

#[test]
fn the_same_photo_gets_the_same_name_and_keeps_the_camera_time() {
    let source = with_exif(&jpeg(&stored()), 1, Some("2026:11:25 10:02:33"));
    let a = process(&source, &PhotoSettings::default()).unwrap();
    let b = process(&source, &PhotoSettings::default()).unwrap();
    assert_eq!(a.sha256, b.sha256);
    assert_eq!(a.sha256.len(), 64);
    assert_eq!(
        a.taken_at.map(|t| t.local.to_string()).as_deref(),
        Some("2026-11-25 10:02:33")
    );
    let other = process(&jpeg(&RgbImage::new(80, 40)), &PhotoSettings::default()).unwrap();
    assert_ne!(other.sha256, a.sha256);
}

/// A JPEG with an EXIF segment holding these ASCII fields, written by kamadak-exif's writer.
fn with_exif_fields(jpeg: &[u8], fields: &[(exif::Tag, &str)]) -> Vec<u8> {
    let fields: Vec<exif::Field> = fields
        .iter()
        .map(|(tag, text)| exif::Field {
            tag: *tag,
            ifd_num: exif::In::PRIMARY,
            value: exif::Value::Ascii(vec![text.as_bytes().to_vec()]),
        })
        .collect();
    let mut writer = exif::experimental::Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    let tiff = tiff.into_inner();
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn a_camera_time_without_an_offset_is_local_time_in_the_devices_zone() {
    use chrono::{DateTime, Utc};
    use fixline_core::zone::ServiceZone;
    let utc = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    let source = with_exif_fields(
        &jpeg(&stored()),
        &[(exif::Tag::DateTimeOriginal, "2026:11:25 14:00:00")],
    );
    let taken = process(&source, &PhotoSettings::default())
        .unwrap()
        .taken_at
        .expect("camera time");
    assert_eq!(taken.offset, None);
    // 14:00 in Hangzhou is 06:00 UTC, not 14:00 UTC.
    assert_eq!(
        taken.instant(ServiceZone::SHANGHAI),
        utc("2026-11-25T06:00:00Z")
    );
    let berlin = ServiceZone::parse("Europe/Berlin").unwrap();
    assert_eq!(taken.instant(berlin), utc("2026-11-25T13:00:00Z"));

    // The camera says its offset (EXIF 2.31): that wins over the device's zone.
    let source = with_exif_fields(
        &jpeg(&stored()),
        &[
            (exif::Tag::DateTimeOriginal, "2026:11:25 14:00:00"),
            (exif::Tag::OffsetTimeOriginal, "+02:00"),
        ],
    );
    let taken = process(&source, &PhotoSettings::default())
        .unwrap()
        .taken_at
        .expect("camera time");
    assert_eq!(
        taken.instant(ServiceZone::SHANGHAI),
        utc("2026-11-25T12:00:00Z")
    );
    // A nonsense offset is ignored, not trusted.
    let source = with_exif_fields(
        &jpeg(&stored()),
        &[
            (exif::Tag::DateTimeOriginal, "2026:11:25 14:00:00"),
            (exif::Tag::OffsetTimeOriginal, "+99:00"),
        ],
    );
    let taken = process(&source, &PhotoSettings::default())
        .unwrap()
        .taken_at
        .unwrap();
    assert_eq!(taken.offset, None);
}
