//! On-site photos, from whatever the camera or file picker gives to what the job keeps: decoded
//! within limits (a small file claiming a huge canvas is refused before any pixel is allocated),
//! turned upright by its EXIF orientation, resized to a long edge, re-encoded as JPEG with a
//! thumbnail, and named by the SHA-256 of the result so a photo is stored (and uploaded) once.
//!
//! Pure: bytes in, bytes out; the capture time comes from EXIF when the camera wrote one.

use std::io::Cursor;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta, Utc};
use fast_image_resize::{ResizeAlg, ResizeOptions, Resizer};
use fixline_core::zone::ServiceZone;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbImage};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhotoSettings {
    /// The longer side after resizing, in pixels (smaller photos are not enlarged).
    pub long_edge: u32,
    pub thumbnail_edge: u32,
    /// JPEG quality, 1–100.
    pub quality: u8,
    /// Largest file accepted.
    pub max_input_bytes: usize,
    /// Largest canvas accepted (width × height).
    pub max_pixels: u64,
}

impl Default for PhotoSettings {
    fn default() -> Self {
        PhotoSettings {
            long_edge: 1600,
            thumbnail_edge: 320,
            quality: 80,
            max_input_bytes: 40 * 1024 * 1024,
            max_pixels: 80_000_000,
        }
    }
}

/// A photo ready to keep: upright, resized, JPEG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub thumbnail: Vec<u8>,
    /// Hex SHA-256 of `jpeg`: the photo's name on the device and the server.
    pub sha256: String,
    /// When the camera took it, by its own clock, if it said.
    pub taken_at: Option<CameraTime>,
}

/// The camera's capture time: EXIF `DateTimeOriginal` is the camera's local wall-clock time,
/// with no zone; `OffsetTimeOriginal` (EXIF 2.31) says its offset where the camera wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CameraTime {
    pub local: NaiveDateTime,
    pub offset: Option<FixedOffset>,
}

impl CameraTime {
    /// The instant: by the camera's own offset where it gave one, else as local time in the
    /// device's zone (a phone's camera keeps the phone's local time).
    pub fn instant(&self, zone: ServiceZone) -> DateTime<Utc> {
        match self.offset {
            Some(offset) => {
                (self.local - TimeDelta::seconds(i64::from(offset.local_minus_utc()))).and_utc()
            }
            None => zone.at(self.local),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("the file is {size} bytes; photos up to {max} bytes are accepted")]
    FileTooLarge { size: usize, max: usize },
    #[error("the picture is {width}×{height} pixels; at most {max} pixels are accepted")]
    TooManyPixels { width: u32, height: u32, max: u64 },
    #[error(
        "this file type cannot be read here (HEIC photos: set the camera to \"most compatible\" / JPEG)"
    )]
    Unsupported,
    #[error("the photo could not be read: {0}")]
    Unreadable(String),
    #[error("the photo could not be saved: {0}")]
    Encode(String),
}

/// Processes one photo.
pub fn process(bytes: &[u8], settings: &PhotoSettings) -> Result<Photo, PhotoError> {
    if bytes.len() > settings.max_input_bytes {
        return Err(PhotoError::FileTooLarge {
            size: bytes.len(),
            max: settings.max_input_bytes,
        });
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
    if reader.format().is_none() {
        return Err(PhotoError::Unsupported);
    }
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > settings.max_pixels {
        return Err(PhotoError::TooManyPixels {
            width,
            height,
            max: settings.max_pixels,
        });
    }
    // Belt and braces: the decoder itself refuses to allocate more than the canvas allows.
    let mut limits = Limits::default();
    limits.max_alloc = Some(settings.max_pixels.saturating_mul(4) + (16 << 20));
    decoder.set_limits(limits).map_err(unreadable)?;
    let orientation = decoder.orientation().map_err(unreadable)?;
    let taken_at = decoder
        .exif_metadata()
        .ok()
        .flatten()
        .and_then(|raw| exif_time(&raw));
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    picture.apply_orientation(orientation);
    let picture = DynamicImage::ImageRgb8(picture.to_rgb8());

    let full = fit(&picture, settings.long_edge)?;
    let thumb = fit(&full, settings.thumbnail_edge)?;
    let jpeg = encode(&full, settings.quality)?;
    let thumbnail = encode(&thumb, settings.quality.min(75))?;
    let sha256 = Sha256::digest(&jpeg)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Photo {
        width: full.width(),
        height: full.height(),
        jpeg,
        thumbnail,
        sha256,
        taken_at,
    })
}

fn unreadable(e: image::ImageError) -> PhotoError {
    match e {
        image::ImageError::Unsupported(_) => PhotoError::Unsupported,
        image::ImageError::Limits(_) => PhotoError::Unreadable("it is larger than allowed".into()),
        other => PhotoError::Unreadable(other.to_string()),
    }
}

/// The picture scaled down so its longer side is at most `edge` (never scaled up).
fn fit(picture: &DynamicImage, edge: u32) -> Result<DynamicImage, PhotoError> {
    let (w, h) = (picture.width(), picture.height());
    let long = w.max(h);
    if long <= edge {
        return Ok(picture.clone());
    }
    let scale = f64::from(edge) / f64::from(long);
    let nw = ((f64::from(w) * scale).round() as u32).max(1);
    let nh = ((f64::from(h) * scale).round() as u32).max(1);
    let mut out = DynamicImage::ImageRgb8(RgbImage::new(nw, nh));
    Resizer::new()
        .resize(
            picture,
            &mut out,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(
                fast_image_resize::FilterType::Lanczos3,
            )),
        )
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(out)
}

fn encode(picture: &DynamicImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
        .encode_image(picture)
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(out)
}

/// EXIF DateTimeOriginal ("2026:11:25 10:02:33") and OffsetTimeOriginal ("+08:00"), if present
/// and sane.
fn exif_time(raw: &[u8]) -> Option<CameraTime> {
    let exif = exif::Reader::new().read_raw(raw.to_vec()).ok()?;
    let text = |tag| {
        exif.get_field(tag, exif::In::PRIMARY).map(|f| {
            f.display_value()
                .to_string()
                .trim()
                .trim_matches('"')
                .to_owned()
        })
    };
    let taken = text(exif::Tag::DateTimeOriginal)?;
    let local = NaiveDateTime::parse_from_str(&taken, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(&taken, "%Y:%m:%d %H:%M:%S"))
        .ok()?;
    let offset = text(exif::Tag::OffsetTimeOriginal).and_then(|o| offset(&o));
    Some(CameraTime { local, offset })
}

/// An EXIF offset, `+08:00` or `-05:30`.
fn offset(text: &str) -> Option<FixedOffset> {
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = text.get(1..)?.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}
