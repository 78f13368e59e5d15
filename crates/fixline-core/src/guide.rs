//! Repair guides: how to diagnose and fix one equipment model, readable offline on the device.
//! They are what raises the first-time-fix rate, so they travel with the engineer's jobs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::customer::Language;
use crate::ids::GuideId;
use crate::text;

/// The most a guide may carry in images, so a day's sync stays small.
pub const IMAGE_MAX_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuideImage {
    pub caption: String,
    /// `image/png`, `image/jpeg`, `image/webp` or `image/svg+xml`.
    pub media_type: String,
    /// The image itself, base64 (standard alphabet).
    pub data_base64: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuideDetails {
    /// The equipment model the guide is for, as written on the asset.
    pub model: String,
    pub language: Language,
    pub title: String,
    /// Plain text; paragraphs separated by blank lines, steps as lines starting with a number.
    pub body: String,
    #[serde(default)]
    pub images: Vec<GuideImage>,
}

const MEDIA_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/webp", "image/svg+xml"];

impl GuideDetails {
    pub fn validated(self) -> Result<Self, Error> {
        let mut total = 0;
        for image in &self.images {
            if !MEDIA_TYPES.contains(&image.media_type.as_str()) {
                return Err(Error::invalid(
                    "images",
                    format!("{:?} is not a supported image type", image.media_type),
                ));
            }
            total += image.data_base64.len();
        }
        if total > IMAGE_MAX_BYTES * 4 / 3 {
            return Err(Error::invalid(
                "images",
                format!(
                    "a guide may carry at most {} KB of images",
                    IMAGE_MAX_BYTES / 1024
                ),
            ));
        }
        Ok(GuideDetails {
            model: text::line("model", &self.model, 64)?,
            title: text::line("title", &self.title, text::LINE_MAX)?,
            body: text::paragraph("body", &self.body)?,
            ..self
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Guide {
    pub id: GuideId,
    #[serde(flatten)]
    pub details: GuideDetails,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}
