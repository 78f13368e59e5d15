//! The signature as a PNG, drawn from its strokes: for screens, the thermal printer and anyone
//! who wants a picture rather than vectors. The strokes stay the source of truth.

use fixline_core::receipt::Signature;
use tiny_skia::{LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke, Transform};

use crate::ReceiptError;

/// Largest PNG width; a hostile pad size cannot make a huge image.
const MAX_WIDTH: u32 = 2000;

/// Renders the strokes black on transparent, `width` pixels wide (height by the pad's shape).
pub fn signature_png(signature: &Signature, width: u32) -> Result<Vec<u8>, ReceiptError> {
    let bad = |why: &str| ReceiptError::Signature(why.to_owned());
    if !(signature.width > 0.0 && signature.height > 0.0) {
        return Err(bad("the pad has no size"));
    }
    let width = width.clamp(16, MAX_WIDTH);
    let scale = width as f32 / signature.width;
    let height = ((signature.height * scale).ceil() as u32).clamp(1, MAX_WIDTH);
    let mut pixmap = Pixmap::new(width, height).ok_or_else(|| bad("cannot allocate the image"))?;
    let mut paint = Paint::default();
    paint.set_color_rgba8(0, 0, 0, 255);
    paint.anti_alias = true;
    let stroke = Stroke {
        width: (3.0 * scale).max(1.5),
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..Stroke::default()
    };
    for points in &signature.strokes {
        let mut path = PathBuilder::new();
        for (i, [x, y]) in points.iter().enumerate() {
            if i == 0 {
                path.move_to(*x, *y);
            } else {
                path.line_to(*x, *y);
            }
        }
        // A single tap is a dot.
        if points.len() == 1 {
            let [x, y] = points[0];
            path.line_to(x + 0.01, y);
        }
        if let Some(path) = path.finish() {
            pixmap.stroke_path(
                &path,
                &paint,
                &stroke,
                Transform::from_scale(scale, scale),
                None,
            );
        }
    }
    pixmap.encode_png().map_err(|e| bad(&e.to_string()))
}
