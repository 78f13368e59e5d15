//! `cargo xtask bench print`: the standard receipt, in Chinese and in plain English, for each
//! printer profile — bytes sent, encode time, and how long the bytes take over a Bluetooth link at 9600 baud (960 bytes/s, a
//! typical BLE printer's real throughput) with the profile's pacing.

use std::time::{Duration, Instant};

use fixline_core::customer::Language;
use fixline_print::{Mode, Profile, RasterFont, encode};
use fixline_receipt::sample;

const BLE_BYTES_PER_SECOND: f64 = 960.0;

fn main() {
    let font = RasterFont::system().expect("Noto Sans CJK (fonts-noto-cjk) is installed");
    let mut chinese = sample::facts(Language::ZhCn, vec![]);
    chinese.brand.logo_png = sample::logo_png_base64();
    let mut english = sample::english_facts();
    english.brand.logo_png = sample::logo_png_base64();
    for (title, facts) in [
        ("Chinese receipt", chinese),
        ("English receipt, US dollars (all ASCII)", english),
    ] {
        println!("{title} (logo, 3 bill lines, signature, QR), per printer profile:");
        println!(
            "  {:<22} {:>14} {:>9} {:>11} {:>16}",
            "profile", "mode", "bytes", "encode ms", "at 9600 baud s"
        );
        let mut raster_bytes = std::collections::HashMap::new();
        for profile in Profile::builtin() {
            let job = encode(&facts, &profile, &font).expect("encodes");
            let mut runs: Vec<Duration> = (0..10)
                .map(|_| {
                    let start = Instant::now();
                    std::hint::black_box(encode(&facts, &profile, &font).expect("encodes"));
                    start.elapsed()
                })
                .collect();
            runs.sort();
            let chunks = job.bytes.len().div_ceil(profile.chunk_bytes.max(1));
            let seconds = job.bytes.len() as f64 / BLE_BYTES_PER_SECOND
                + chunks as f64 * profile.pace_ms as f64 / 1000.0;
            let ratio = match raster_bytes.get(&profile.width_dots) {
                Some(&raster) if profile.mode != Mode::Raster => {
                    format!(
                        "  {:.1}× fewer bytes than raster",
                        raster as f64 / job.bytes.len() as f64
                    )
                }
                _ => String::new(),
            };
            println!(
                "  {:<22} {:>14} {:>9} {:>11.1} {:>16.1}{ratio}",
                profile.name,
                profile.describe(),
                job.bytes.len(),
                runs[5].as_secs_f64() * 1000.0,
                seconds
            );
            if profile.mode == Mode::Raster {
                raster_bytes
                    .entry(profile.width_dots)
                    .or_insert(job.bytes.len());
            }
        }
    }
}
