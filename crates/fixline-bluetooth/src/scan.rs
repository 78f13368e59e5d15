//! Finding printers for the pairing screen: BLE devices advertising nearby, and Bluetooth
//! Classic devices this computer knows (paired ones first) or discovers, that offer a serial
//! port or say they are printers.

use std::time::Duration;

use fixline_core::device::FoundPrinter;
use fixline_print::PrintError;

/// Scans for `timeout` and lists what was found, paired printers first, then by signal. Fails
/// only when neither Bluetooth LE nor Classic can be used at all, saying why.
pub fn scan(timeout: Duration) -> Result<Vec<FoundPrinter>, PrintError> {
    let (ble, classic) =
        crate::runtime().block_on(async { futures::join!(ble(timeout), classic(timeout)) });
    let mut found = match (ble, classic) {
        (Err(e), Err(_)) => return Err(e),
        (ble, classic) => {
            let mut all = ble.unwrap_or_default();
            all.extend(classic.unwrap_or_default());
            all
        }
    };
    found.sort_by(|a, b| {
        b.paired
            .cmp(&a.paired)
            .then(b.rssi.unwrap_or(i16::MIN).cmp(&a.rssi.unwrap_or(i16::MIN)))
            .then(a.name.cmp(&b.name))
    });
    Ok(found)
}

async fn ble(timeout: Duration) -> Result<Vec<FoundPrinter>, PrintError> {
    let handler = blec::init()
        .await
        .map_err(|e| crate::unreachable(format!("Bluetooth is not available: {e}")))?;
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let millis = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    handler
        .discover(Some(tx), millis, blec::models::ScanFilter::None, false)
        .await
        .map_err(|e| crate::unreachable(format!("cannot scan for Bluetooth printers: {e}")))?;
    // Each update lists every device seen so far: the last one is the answer.
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + timeout;
    while let Ok(Some(devices)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        seen = devices;
    }
    let _ = handler.stop_scan().await;
    Ok(seen
        .into_iter()
        // Unnamed advertisers are beacons and phones, not printers an engineer can pick.
        .filter(|d| !d.name.trim().is_empty())
        .map(|d| FoundPrinter {
            name: d.name,
            address: fixline_core::device::PrinterAddress::Ble {
                device: d.address,
                characteristic: String::new(),
            },
            rssi: d.rssi,
            paired: d.is_bonded,
            profile: "58mm-ble".into(),
        })
        .collect())
}

#[cfg(target_os = "linux")]
async fn classic(timeout: Duration) -> Result<Vec<FoundPrinter>, PrintError> {
    use futures::StreamExt;
    /// The serial port profile.
    const SPP: uuid::Uuid = uuid::Uuid::from_u128(0x00001101_0000_1000_8000_00805F9B34FB);
    /// Class of device, major class "imaging" (printers, scanners, cameras).
    const IMAGING: u32 = 0x06;
    let fail =
        |e: bluer::Error| crate::unreachable(format!("Bluetooth Classic is not available: {e}"));
    let session = bluer::Session::new().await.map_err(fail)?;
    let adapter = session.default_adapter().await.map_err(fail)?;
    // Discovery for the given time adds the printers in pairing mode to the known ones.
    if let Ok(events) = adapter.discover_devices().await {
        let _ = tokio::time::timeout(timeout, events.collect::<Vec<_>>()).await;
    }
    let mut found = Vec::new();
    for address in adapter.device_addresses().await.map_err(fail)? {
        let Ok(device) = adapter.device(address) else {
            continue;
        };
        let serial = device
            .uuids()
            .await
            .ok()
            .flatten()
            .is_some_and(|u| u.contains(&SPP));
        let imaging = device
            .class()
            .await
            .ok()
            .flatten()
            .is_some_and(|c| (c >> 8) & 0x1F == IMAGING);
        if !serial && !imaging {
            continue;
        }
        found.push(FoundPrinter {
            name: device
                .name()
                .await
                .ok()
                .flatten()
                .unwrap_or_else(|| address.to_string()),
            address: fixline_core::device::PrinterAddress::Spp {
                device: address.to_string(),
            },
            rssi: device.rssi().await.ok().flatten(),
            paired: device.is_paired().await.unwrap_or(false),
            profile: "80mm-spp".into(),
        });
    }
    Ok(found)
}

#[cfg(not(target_os = "linux"))]
async fn classic(_: Duration) -> Result<Vec<FoundPrinter>, PrintError> {
    Err(PrintError::Unsupported(
        "Bluetooth Classic printers are found through the system's pairing on this device".into(),
    ))
}
