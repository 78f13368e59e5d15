//! Bluetooth Classic's serial port profile on Linux: an RFCOMM stream through BlueZ. The
//! printer must be paired (the pairing screen lists paired printers); most listen on channel 1.
//! The stream answers like TCP, so the status request after the job works the same way.

use std::time::Duration;

use bluer::Address;
use bluer::rfcomm::{SocketAddr, Stream};
use fixline_print::PrintError;
use fixline_print::link::{PrinterLink, STATUS_REQUEST, read_status};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{runtime, unreachable};

/// The RFCOMM channel thermal printers put their serial port on.
const CHANNEL: u8 = 1;

pub(crate) struct SppLink {
    stream: Stream,
    timeout: Duration,
}

/// `AA:BB:CC:DD:EE:FF`, optionally `@channel`.
pub(crate) fn parse(device: &str) -> Result<(Address, u8), PrintError> {
    let (address, channel) = match device.split_once('@') {
        Some((a, c)) => (
            a,
            c.parse::<u8>()
                .ok()
                .filter(|c| (1..=30).contains(c))
                .ok_or_else(|| unreachable(format!("{c} is not an RFCOMM channel (1–30)")))?,
        ),
        None => (device, CHANNEL),
    };
    let address = address
        .trim()
        .parse::<Address>()
        .map_err(|_| unreachable(format!("{address} is not a Bluetooth address")))?;
    Ok((address, channel))
}

impl SppLink {
    pub(crate) fn connect(device: &str, timeout: Duration) -> Result<Self, PrintError> {
        let (address, channel) = parse(device)?;
        let stream = runtime().block_on(async {
            tokio::time::timeout(timeout, Stream::connect(SocketAddr::new(address, channel)))
                .await
                .map_err(|_| unreachable(format!("the printer {address} did not answer in time")))?
                .map_err(|e| unreachable(format!("cannot connect to the printer {address}: {e}")))
        })?;
        Ok(SppLink { stream, timeout })
    }
}

impl PrinterLink for SppLink {
    fn send(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        runtime().block_on(self.stream.write_all(chunk))
    }

    fn drain(&mut self) -> Result<(), PrintError> {
        let failed =
            |e: std::io::Error| PrintError::Printer(format!("no answer to a status request: {e}"));
        runtime().block_on(async {
            self.stream
                .write_all(&STATUS_REQUEST)
                .await
                .map_err(failed)?;
            self.stream.flush().await.map_err(failed)?;
            let mut byte = [0u8; 1];
            match tokio::time::timeout(self.timeout, self.stream.read(&mut byte)).await {
                Ok(Ok(1)) => read_status(byte[0]),
                Ok(Ok(_)) => Err(PrintError::Printer(
                    "the printer closed the connection".into(),
                )),
                Ok(Err(e)) => Err(failed(e)),
                Err(_) => Err(PrintError::Printer(
                    "the printer did not answer after the job; it may not have printed everything"
                        .into(),
                )),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn addresses_and_channels_are_checked() {
        let (a, c) = parse("66:22:E2:4C:1A:07").unwrap();
        assert_eq!((a.to_string(), c), ("66:22:E2:4C:1A:07".to_owned(), 1));
        assert_eq!(parse("66:22:E2:4C:1A:07@3").unwrap().1, 3);
        assert!(
            parse("66:22:E2:4C:1A:07@0")
                .unwrap_err()
                .to_string()
                .contains("RFCOMM channel")
        );
        assert!(
            parse("printer")
                .unwrap_err()
                .to_string()
                .contains("not a Bluetooth address")
        );
    }
}
