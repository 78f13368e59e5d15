//! Bluetooth LE through btleplug: find the printer by address (or name), connect, pick the
//! write and status characteristics, write each chunk, and before disconnecting wait for the
//! status answer (or, for a printer with no status channel, for it to print what it buffered).

use std::time::{Duration, Instant};

use btleplug::api::{
    Central, CharPropFlags, Characteristic, Manager as _, Peripheral as _, ScanFilter, WriteType,
};
use btleplug::platform::{Adapter, Manager, Peripheral};
use fixline_print::PrintError;
use fixline_print::link::{PrinterLink, STATUS_REQUEST, read_status};
use futures::StreamExt;
use tokio::runtime::Runtime;
use uuid::Uuid;

use crate::gatt::{GattCharacteristic, choose_channels, quiet_drain};
use crate::{runtime, unreachable};

pub(crate) struct BleLink {
    rt: Runtime,
    peripheral: Peripheral,
    write: Characteristic,
    write_type: WriteType,
    notify: Option<Characteristic>,
    sent: usize,
    timeout: Duration,
}

/// The first adapter, or why there is none.
pub(crate) async fn adapter() -> Result<Adapter, PrintError> {
    let manager = Manager::new()
        .await
        .map_err(|e| unreachable(format!("Bluetooth is not available: {e}")))?;
    manager
        .adapters()
        .await
        .map_err(|e| unreachable(format!("Bluetooth is not available: {e}")))?
        .into_iter()
        .next()
        .ok_or_else(|| unreachable("this computer has no Bluetooth adapter"))
}

fn matches(p_id: &str, p_address: &str, name: Option<&str>, wanted: &str) -> bool {
    p_id.eq_ignore_ascii_case(wanted)
        || p_address.eq_ignore_ascii_case(wanted)
        || name.is_some_and(|n| n == wanted)
}

async fn find(
    adapter: &Adapter,
    device: &str,
    timeout: Duration,
) -> Result<Peripheral, PrintError> {
    adapter
        .start_scan(ScanFilter::default())
        .await
        .map_err(|e| unreachable(format!("cannot scan for the printer: {e}")))?;
    let deadline = Instant::now() + timeout;
    loop {
        for p in adapter.peripherals().await.unwrap_or_default() {
            let name = p
                .properties()
                .await
                .ok()
                .flatten()
                .and_then(|props| props.local_name);
            if matches(
                &p.id().to_string(),
                &p.address().to_string(),
                name.as_deref(),
                device,
            ) {
                let _ = adapter.stop_scan().await;
                return Ok(p);
            }
        }
        if Instant::now() >= deadline {
            let _ = adapter.stop_scan().await;
            return Err(unreachable(format!(
                "the printer {device} was not found; is it on and near?"
            )));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn describe(c: &Characteristic) -> GattCharacteristic {
    GattCharacteristic {
        service: c.service_uuid,
        uuid: c.uuid,
        write: c.properties.contains(CharPropFlags::WRITE),
        write_without_response: c.properties.contains(CharPropFlags::WRITE_WITHOUT_RESPONSE),
        notify: c.properties.contains(CharPropFlags::NOTIFY),
    }
}

impl BleLink {
    pub(crate) fn connect(
        device: &str,
        characteristic: &str,
        timeout: Duration,
    ) -> Result<Self, PrintError> {
        let rt = runtime()?;
        let named = Uuid::parse_str(characteristic).ok();
        let (peripheral, write, write_type, notify) = rt.block_on(async {
            let adapter = adapter().await?;
            let peripheral = find(&adapter, device, timeout).await?;
            tokio::time::timeout(timeout, peripheral.connect())
                .await
                .map_err(|_| unreachable("the printer did not accept the connection in time"))?
                .map_err(|e| unreachable(format!("cannot connect to the printer: {e}")))?;
            peripheral
                .discover_services()
                .await
                .map_err(|e| unreachable(format!("cannot read the printer's services: {e}")))?;
            let all: Vec<Characteristic> = peripheral.characteristics().into_iter().collect();
            let described: Vec<GattCharacteristic> = all.iter().map(describe).collect();
            let channels = choose_channels(&described, named).ok_or_else(|| {
                unreachable("this Bluetooth device takes no writes; it is not a printer")
            })?;
            let find_char = |c: GattCharacteristic| {
                all.iter()
                    .find(|a| a.uuid == c.uuid && a.service_uuid == c.service)
                    .cloned()
            };
            let write = find_char(channels.write)
                .ok_or_else(|| unreachable("the printer's write channel vanished"))?;
            let notify = channels.notify.and_then(find_char);
            if let Some(n) = &notify {
                // No status channel is better than a failed job: print without it.
                if peripheral.subscribe(n).await.is_err() {
                    return Ok((peripheral, write, channels.without_response, None));
                }
            }
            Ok::<_, PrintError>((peripheral, write, channels.without_response, notify))
        })?;
        Ok(BleLink {
            rt,
            peripheral,
            write,
            write_type: match write_type {
                true => WriteType::WithoutResponse,
                false => WriteType::WithResponse,
            },
            notify,
            sent: 0,
            timeout,
        })
    }
}

impl PrinterLink for BleLink {
    fn send(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.rt
            .block_on(self.peripheral.write(&self.write, chunk, self.write_type))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        self.sent += chunk.len();
        Ok(())
    }

    fn drain(&mut self) -> Result<(), PrintError> {
        let outcome = self.rt.block_on(async {
            let Some(notify) = &self.notify else {
                tokio::time::sleep(quiet_drain(self.sent)).await;
                return Ok(());
            };
            let mut answers = self
                .peripheral
                .notifications()
                .await
                .map_err(|e| PrintError::Printer(format!("no status channel: {e}")))?;
            self.peripheral
                .write(&self.write, &STATUS_REQUEST, self.write_type)
                .await
                .map_err(|e| PrintError::Printer(format!("no answer to a status request: {e}")))?;
            let wait = async {
                while let Some(n) = answers.next().await {
                    if n.uuid == notify.uuid
                        && let Some(byte) = n.value.first()
                    {
                        return read_status(*byte);
                    }
                }
                Err(PrintError::Printer(
                    "the printer closed the connection".into(),
                ))
            };
            tokio::time::timeout(self.timeout, wait)
                .await
                .map_err(|_| {
                    PrintError::Printer(
                    "the printer did not answer after the job; it may not have printed everything"
                        .into(),
                )
                })?
        });
        let _ = self.rt.block_on(self.peripheral.disconnect());
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn a_printer_is_found_by_address_id_or_name() {
        assert!(matches(
            "hci0/dev_66_22",
            "66:22:E2:4C:1A:07",
            None,
            "66:22:e2:4c:1a:07"
        ));
        assert!(matches(
            "hci0/dev_66_22",
            "66:22:E2:4C:1A:07",
            Some("MPT-II"),
            "MPT-II"
        ));
        assert!(!matches(
            "hci0/dev_66_22",
            "66:22:E2:4C:1A:07",
            Some("MPT-II"),
            "MPT-III"
        ));
    }
}
