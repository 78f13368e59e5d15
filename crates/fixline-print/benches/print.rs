//! `cargo xtask bench print`: the standard receipt for each printer profile — bytes sent, encode
//! time, and how long the bytes take over a Bluetooth link at 9600 baud (960 bytes/s, a
//! typical BLE printer's real throughput) with the profile's pacing.

use std::time::{Duration, Instant};

use fixline_core::customer::Language;
use fixline_print::{Profile, RasterFont, encode};
use fixline_receipt::sample;

const BLE_BYTES_PER_SECOND: f64 = 960.0;

fn main() {
    let font = RasterFont::system().expect("Noto Sans CJK (fonts-noto-cjk) is installed");
    let mut facts = sample::facts(Language::ZhCn, vec![]);
    facts.brand.logo_png = sample::logo_png_base64();
    println!("Standard receipt (logo, 3 bill lines, signature, QR), per printer profile:");
    println!(
        "  {:<20} {:>9} {:>12} {:>16}",
        "profile", "bytes", "encode ms", "at 9600 baud s"
    );
    let mut raster_bytes = 0;
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
        println!(
            "  {:<20} {:>9} {:>12.1} {:>16.1}",
            profile.name,
            job.bytes.len(),
            runs[5].as_secs_f64() * 1000.0,
            seconds
        );
        if profile.name == "80mm-spp" {
            raster_bytes = job.bytes.len();
        }
        if profile.name == "80mm-gb18030-text" && raster_bytes > 0 {
            println!(
                "  text mode sends {:.1}× fewer bytes than raster at 80 mm",
                raster_bytes as f64 / job.bytes.len() as f64
            );
        }
    }
}
