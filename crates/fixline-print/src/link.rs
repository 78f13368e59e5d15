//! Links to printers. A job is sent in the profile's chunk size with its pacing, then the link
//! waits until the printer answers a status request — closing earlier is how jobs get cut short
//! when the printer is still draining its buffer.
//!
//! Built here: raw TCP (port 9100, network printers and the virtual printer), a file sink, and a
//! fake link for tests of chunking, pacing and failures. Bluetooth LE and Classic SPP links live
//! in `fixline-bluetooth` behind the same trait (this crate stays free of platform stacks, so it
//! builds for every target the app ships on).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::{PrintError, Profile};

/// DLE EOT 1: "send printer status".
pub const STATUS_REQUEST: [u8; 3] = [0x10, 0x04, 0x01];

/// Where a printer is (the type lives in core so the UI and the device share it).
pub use fixline_core::device::PrinterAddress as Address;

/// A connection that takes bytes and can tell when the printer has taken them.
pub trait PrinterLink {
    /// A link that hands the job to something that chunks and paces it itself (a platform
    /// plugin) takes it in one piece, without pauses here.
    fn takes_whole_job(&self) -> bool {
        false
    }
    fn send(&mut self, chunk: &[u8]) -> std::io::Result<()>;
    /// Waits until the printer has everything (its status answer), or fails.
    fn drain(&mut self) -> Result<(), PrintError>;
}

/// Opens a network or file link. Bluetooth addresses are refused with a plain error here;
/// `fixline_bluetooth::open` opens those.
pub fn open(address: &Address, timeout: Duration) -> Result<Box<dyn PrinterLink>, PrintError> {
    match address {
        Address::Tcp { host, port } => Ok(Box::new(TcpLink::connect(host, *port, timeout)?)),
        Address::File { path } => Ok(Box::new(FileLink::create(std::path::Path::new(path))?)),
        Address::Ble { .. } | Address::Spp { .. } => Err(PrintError::Unsupported(
            "Bluetooth printers are opened by fixline-bluetooth, not by this link".into(),
        )),
    }
}

/// Sends a whole job in `profile`-sized chunks with its pacing, then waits for the printer.
/// `progress` hears the bytes sent so far.
pub fn send_job(
    link: &mut dyn PrinterLink,
    bytes: &[u8],
    profile: &Profile,
    mut progress: impl FnMut(usize),
) -> Result<(), PrintError> {
    let total = bytes.len();
    let mut sent = 0;
    let (chunk_bytes, pace) = match link.takes_whole_job() {
        true => (total.max(1), Duration::ZERO),
        false => (
            profile.chunk_bytes.max(1),
            Duration::from_millis(profile.pace_ms),
        ),
    };
    for chunk in bytes.chunks(chunk_bytes) {
        link.send(chunk).map_err(|e| PrintError::Link {
            sent,
            total,
            reason: e.to_string(),
        })?;
        sent += chunk.len();
        progress(sent);
        if !pace.is_zero() {
            std::thread::sleep(pace);
        }
    }
    link.drain()
}

/// Connects (retrying a failed connection up to `attempts` times, with a growing pause — a
/// Bluetooth printer waking up often refuses the first one) and sends the job. Once any byte
/// has gone out the job is not retried here: half a receipt printed twice is worse than asking
/// the engineer to reprint.
pub fn connect_and_send(
    mut connect: impl FnMut() -> Result<Box<dyn PrinterLink>, PrintError>,
    attempts: u32,
    bytes: &[u8],
    profile: &Profile,
    progress: impl FnMut(usize),
) -> Result<(), PrintError> {
    let mut pause = Duration::from_millis(200);
    let mut last = None;
    for _ in 0..attempts.max(1) {
        match connect() {
            Ok(mut link) => return send_job(link.as_mut(), bytes, profile, progress),
            Err(e) => last = Some(e),
        }
        std::thread::sleep(pause);
        pause *= 2;
    }
    Err(last.unwrap_or_else(|| PrintError::Printer("no connection attempt was made".into())))
}

/// What a status byte (DLE EOT 1 answer) says. Its fixed bits are 0xx1xx10; anything else is
/// not an ESC/POS printer answering.
pub fn read_status(byte: u8) -> Result<(), PrintError> {
    if byte & 0b1001_0011 != 0b0001_0010 {
        return Err(PrintError::Printer(format!(
            "an unknown reply 0x{byte:02x} to a status request; is this an ESC/POS printer?"
        )));
    }
    if byte & 0b0000_1000 != 0 {
        return Err(PrintError::Printer(
            "the printer is offline (cover open or paper out)".into(),
        ));
    }
    Ok(())
}

#[derive(Debug)]
pub struct TcpLink {
    stream: TcpStream,
}

impl TcpLink {
    pub fn connect(host: &str, port: u16, timeout: Duration) -> Result<Self, PrintError> {
        let unreachable = |e: String| {
            PrintError::before_job(format!("cannot reach the printer at {host}:{port}: {e}"))
        };
        let addr = (host, port)
            .to_socket_addrs()
            .map_err(|e| unreachable(e.to_string()))?
            .next()
            .ok_or_else(|| unreachable("no address".into()))?;
        let stream =
            TcpStream::connect_timeout(&addr, timeout).map_err(|e| unreachable(e.to_string()))?;
        let _ = stream.set_write_timeout(Some(timeout));
        let _ = stream.set_read_timeout(Some(timeout));
        let _ = stream.set_nodelay(true);
        Ok(TcpLink { stream })
    }
}

impl PrinterLink for TcpLink {
    fn send(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(chunk)
    }

    fn drain(&mut self) -> Result<(), PrintError> {
        let failed =
            |e: std::io::Error| PrintError::Printer(format!("no answer to a status request: {e}"));
        self.stream.write_all(&STATUS_REQUEST).map_err(failed)?;
        self.stream.flush().map_err(failed)?;
        let mut byte = [0u8; 1];
        match self.stream.read(&mut byte) {
            Ok(1) => read_status(byte[0]),
            Ok(_) => Err(PrintError::Printer(
                "the printer closed the connection".into(),
            )),
            Err(e) => Err(failed(e)),
        }
    }
}

#[derive(Debug)]
pub struct FileLink {
    file: std::fs::File,
}

impl FileLink {
    pub fn create(path: &std::path::Path) -> Result<Self, PrintError> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| PrintError::before_job(format!("{}: {e}", path.display())))?;
        Ok(FileLink { file })
    }
}

impl PrinterLink for FileLink {
    fn send(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.file.write_all(chunk)
    }

    fn drain(&mut self) -> Result<(), PrintError> {
        self.file
            .sync_all()
            .map_err(|e| PrintError::Printer(e.to_string()))
    }
}

/// A link for tests: records each write, can drop after some bytes (the printer switched off),
/// and answers status requests with a chosen byte.
#[derive(Debug, Default)]
pub struct FakeLink {
    pub writes: Vec<Vec<u8>>,
    /// The link breaks once this many bytes have been written.
    pub drop_after: Option<usize>,
    /// The status byte the "printer" answers with; `None`: no answer.
    pub status: Option<u8>,
    pub largest_write_allowed: usize,
}

impl FakeLink {
    pub fn printer(mtu: usize) -> Self {
        FakeLink {
            status: Some(0x12),
            largest_write_allowed: mtu,
            ..Default::default()
        }
    }

    pub fn received(&self) -> Vec<u8> {
        self.writes.concat()
    }
}

impl PrinterLink for FakeLink {
    fn send(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        if chunk.len() > self.largest_write_allowed {
            return Err(std::io::Error::other(format!(
                "a {}-byte write on a link that takes {}",
                chunk.len(),
                self.largest_write_allowed
            )));
        }
        let so_far: usize = self.writes.iter().map(Vec::len).sum();
        if self
            .drop_after
            .is_some_and(|limit| so_far + chunk.len() > limit)
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "the printer went away",
            ));
        }
        self.writes.push(chunk.to_vec());
        Ok(())
    }

    fn drain(&mut self) -> Result<(), PrintError> {
        match self.status {
            Some(byte) => read_status(byte),
            None => Err(PrintError::Printer("no answer to a status request".into())),
        }
    }
}
