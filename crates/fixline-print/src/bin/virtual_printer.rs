//! A network receipt printer without the hardware: listens on TCP (port 9100 by default),
//! answers status requests like an online printer, and writes each job as the bytes received
//! and a PNG of the paper that would come out.
//!
//! `virtual-printer [--listen 127.0.0.1:9100] [--out DIR] [--width 576] [--code-page gb18030]`
//! (the font's code page: `ascii`, `gb18030` or `big5`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use fixline_print::decode::decode;
use fixline_print::link::STATUS_REQUEST;
use fixline_print::{CodePage, RasterFont};

/// Online, no error: the fixed bits of a status byte and nothing else.
const ONLINE: u8 = 0x12;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let listen = arg(&args, "--listen").unwrap_or_else(|| "127.0.0.1:9100".into());
    let out = PathBuf::from(arg(&args, "--out").unwrap_or_else(|| "printed".into()));
    let width: u32 = arg(&args, "--width")
        .and_then(|w| w.parse().ok())
        .unwrap_or(576);
    let code_page_name = arg(&args, "--code-page").unwrap_or_else(|| "gb18030".into());
    let Some(code_page) = CodePage::named(&code_page_name) else {
        eprintln!("--code-page {code_page_name}: one of ascii, gb18030, big5");
        std::process::exit(2);
    };
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("cannot write to {}: {e}", out.display());
        std::process::exit(1);
    }
    let listener = match TcpListener::bind(&listen) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {listen}: {e}");
            std::process::exit(1);
        }
    };
    let model = Model {
        width,
        code_page,
        font: RasterFont::system().ok(),
    };
    println!(
        "virtual printer on {}  ({width} dots, jobs written to {})",
        listener
            .local_addr()
            .map_or(listen.clone(), |a| a.to_string()),
        out.display()
    );
    let jobs = AtomicUsize::new(0);
    for stream in listener.incoming().flatten() {
        let n = jobs.fetch_add(1, Ordering::Relaxed) + 1;
        match serve(stream) {
            Ok(bytes) if bytes.is_empty() => {}
            Ok(bytes) => write_job(&out, n, &bytes, &model),
            Err(e) => eprintln!("job {n}: connection failed: {e}"),
        }
    }
}

/// Reads one job until the sender closes (or goes quiet), answering status requests.
fn serve(mut stream: TcpStream) -> std::io::Result<Vec<u8>> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut job = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => break,
            // A sender that closes hard still sent what arrived: print it, as a printer would.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset && !job.is_empty() => break,
            Err(e) => return Err(e),
        };
        job.extend_from_slice(&buf[..n]);
        // A sender asks for status when it has sent everything and waits; the same three bytes
        // inside raster data are not a question.
        if job.ends_with(&STATUS_REQUEST) {
            stream.write_all(&[ONLINE])?;
        }
    }
    Ok(job)
}

/// The printer being imitated: how wide its paper is and what its font has.
struct Model {
    width: u32,
    code_page: CodePage,
    font: Option<RasterFont>,
}

fn write_job(out: &Path, n: usize, bytes: &[u8], model: &Model) {
    let stem = out.join(format!("job-{n:04}"));
    let _ = std::fs::write(stem.with_extension("bin"), bytes);
    match decode(bytes, model.width, model.code_page, model.font.as_ref()) {
        Ok(printout) => {
            let png = printout.paper.to_png();
            match std::fs::write(stem.with_extension("png"), png) {
                Ok(()) => println!(
                    "job {n}: {} bytes, {} commands → {}",
                    bytes.len(),
                    printout.commands.len(),
                    stem.with_extension("png").display()
                ),
                Err(e) => eprintln!("job {n}: cannot write the image: {e}"),
            }
        }
        Err(e) => eprintln!("job {n}: {} bytes that do not decode: {e}", bytes.len()),
    }
}
