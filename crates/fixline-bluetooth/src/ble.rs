//! Bluetooth LE through blec (btleplug on Linux, macOS, Windows and iOS; its own backend on
//! Android, set up by the app's `tauri-plugin-blec`): connect to the printer by address, pick
//! the write and status characteristics, write each chunk, and before disconnecting wait for
//! the status answer (or, for a printer with no status channel, for it to print what it
//! buffered).

use std::sync::mpsc;
use std::time::Duration;

use blec::models::{CharProps, Service, WriteType};
use blec::{Connection, Handler, OnDisconnectHandler};
use fixline_print::PrintError;
use fixline_print::link::{PrinterLink, STATUS_REQUEST, read_status};
use uuid::Uuid;

use crate::gatt::{GattCharacteristic, choose_channels, quiet_drain};
use crate::{runtime, unreachable};

pub(crate) struct BleLink {
    connection: Connection,
    write: GattCharacteristic,
    write_type: WriteType,
    /// Status bytes the printer notifies, if it has a status channel.
    answers: Option<mpsc::Receiver<Vec<u8>>>,
    sent: usize,
    timeout: Duration,
}

/// The BLE handler (one per process), or why Bluetooth cannot be used.
pub(crate) fn handler() -> Result<&'static Handler, PrintError> {
    runtime()
        .block_on(blec::init())
        .map_err(|e| unreachable(format!("Bluetooth is not available: {e}")))
}

/// What discovery says, in the shape [`choose_channels`] reads.
fn describe(services: &[Service]) -> Vec<GattCharacteristic> {
    services
        .iter()
        .flat_map(|s| {
            s.characteristics.iter().map(|c| GattCharacteristic {
                service: s.uuid,
                uuid: c.uuid,
                write: c.properties.contains(CharProps::Write),
                write_without_response: c.properties.contains(CharProps::WriteWithoutResponse),
                notify: c.properties.contains(CharProps::Notify),
            })
        })
        .collect()
}

impl BleLink {
    pub(crate) fn connect(
        device: &str,
        characteristic: &str,
        timeout: Duration,
    ) -> Result<Self, PrintError> {
        let handler = handler()?;
        let named = Uuid::parse_str(characteristic).ok();
        let rt = runtime();
        let connection = rt
            .block_on(async {
                tokio::time::timeout(
                    timeout,
                    handler.connect(device, OnDisconnectHandler::None, false),
                )
                .await
            })
            .map_err(|_| unreachable(format!("the printer {device} did not answer in time")))?
            .map_err(|e| unreachable(format!("cannot connect to the printer {device}: {e}")))?;
        let services = rt
            .block_on(connection.services())
            .map_err(|e| unreachable(format!("cannot read the printer's services: {e}")))?;
        let Some(channels) = choose_channels(&describe(&services), named) else {
            let _ = rt.block_on(connection.disconnect());
            return Err(unreachable(
                "this Bluetooth device takes no writes; it is not a printer",
            ));
        };
        // No status channel is better than a failed job: print without it.
        let answers = channels.notify.and_then(|n| {
            let (tx, rx) = mpsc::channel();
            let tx = std::sync::Mutex::new(tx);
            let subscribed = rt.block_on(connection.subscribe(
                n.uuid,
                Some(n.service),
                move |value: Vec<u8>| {
                    let _ = tx.lock().map(|tx| tx.send(value));
                },
            ));
            subscribed.ok().map(|()| rx)
        });
        Ok(BleLink {
            connection,
            write: channels.write,
            write_type: match channels.without_response {
                true => WriteType::WithoutResponse,
                false => WriteType::WithResponse,
            },
            answers,
            sent: 0,
            timeout,
        })
    }

    fn write(&self, bytes: &[u8]) -> Result<(), String> {
        runtime()
            .block_on(self.connection.send_data(
                self.write.uuid,
                Some(self.write.service),
                bytes,
                self.write_type,
            ))
            .map_err(|e| e.to_string())
    }
}

impl PrinterLink for BleLink {
    fn send(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.write(chunk).map_err(std::io::Error::other)?;
        self.sent += chunk.len();
        Ok(())
    }

    fn drain(&mut self) -> Result<(), PrintError> {
        let outcome = match &self.answers {
            None => {
                std::thread::sleep(quiet_drain(self.sent));
                Ok(())
            }
            Some(answers) => {
                // Stale notifications (a status sent earlier) are not this job's answer.
                while answers.try_recv().is_ok() {}
                self.write(&STATUS_REQUEST).map_err(|e| {
                    PrintError::Printer(format!("no answer to a status request: {e}"))
                })?;
                match answers.recv_timeout(self.timeout) {
                    Ok(value) => match value.first() {
                        Some(byte) => read_status(*byte),
                        None => Err(PrintError::Printer("the printer sent an empty status".into())),
                    },
                    Err(_) => Err(PrintError::Printer(
                        "the printer did not answer after the job; it may not have printed everything"
                            .into(),
                    )),
                }
            }
        };
        let _ = runtime().block_on(self.connection.disconnect());
        outcome
    }
}
