//! Which GATT characteristics of a BLE printer carry the job and its status. Printers do not
//! share one service: most Chinese models use 0x18F0/0x2AF1, others a vendor "transparent
//! UART" (ISSC/Microchip, 0xFF00, …). Known ones are preferred; otherwise any characteristic that
//! takes writes (without response first: it is what the printers are built for).

use std::time::Duration;

use uuid::Uuid;

/// What discovery says about one characteristic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GattCharacteristic {
    pub service: Uuid,
    pub uuid: Uuid,
    pub write: bool,
    pub write_without_response: bool,
    pub notify: bool,
}

/// Where the job goes and where the status comes back (if the printer has such a channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterChannels {
    pub write: GattCharacteristic,
    pub without_response: bool,
    pub notify: Option<GattCharacteristic>,
}

/// A 16-bit Bluetooth SIG UUID in full.
const fn short(id: u16) -> Uuid {
    Uuid::from_u128(((id as u128) << 96) | 0x0000_0000_0000_1000_8000_0080_5F9B_34FB)
}

/// Write characteristics of printers seen in the field, with their status (notify) partner.
const KNOWN: &[(Uuid, Option<Uuid>)] = &[
    // Most 58/80 mm Chinese printers.
    (short(0x2AF1), Some(short(0x2AF0))),
    // ISSC / Microchip transparent UART.
    (
        Uuid::from_u128(0x49535343_8841_43F4_A8D4_ECBE34729BB3),
        Some(Uuid::from_u128(0x49535343_1E4D_4BD9_BA61_23C647249616)),
    ),
    // Vendor 0xFF00 service.
    (short(0xFF02), Some(short(0xFF01))),
    // A write-and-notify characteristic used by several brands.
    (
        Uuid::from_u128(0xE7810A71_73AE_499D_8C15_FAA9AEF0C3F2),
        Some(Uuid::from_u128(0xE7810A71_73AE_499D_8C15_FAA9AEF0C3F2)),
    ),
];

fn writable(c: &GattCharacteristic) -> bool {
    c.write || c.write_without_response
}

/// Picks the write and status characteristics: the one the printer choice names, else a known
/// printer characteristic, else the first that takes writes without response, else any that
/// takes writes. `None`: nothing on the device takes writes (not a printer).
pub fn choose_channels(
    found: &[GattCharacteristic],
    named: Option<Uuid>,
) -> Option<PrinterChannels> {
    let known_partner = |write: &GattCharacteristic| {
        KNOWN
            .iter()
            .find(|(w, _)| *w == write.uuid)
            .and_then(|(_, n)| *n)
    };
    let write = named
        .and_then(|n| found.iter().find(|c| c.uuid == n && writable(c)))
        .or_else(|| {
            KNOWN
                .iter()
                .find_map(|(w, _)| found.iter().find(|c| c.uuid == *w && writable(c)))
        })
        .or_else(|| found.iter().find(|c| c.write_without_response))
        .or_else(|| found.iter().find(|c| c.write))?;
    let notify = known_partner(write)
        .and_then(|n| found.iter().find(|c| c.uuid == n && c.notify))
        .or_else(|| {
            found
                .iter()
                .find(|c| c.service == write.service && c.notify)
        })
        .copied();
    Some(PrinterChannels {
        write: *write,
        without_response: write.write_without_response,
        notify,
    })
}

/// How long to stay connected after the last byte when the printer has no status channel:
/// long enough for it to print what it buffered (about 16 KB a second for a raster at 50 mm/s),
/// never more than 20 seconds.
pub fn quiet_drain(bytes: usize) -> Duration {
    let ms = 500 + (bytes as u64).saturating_mul(1000) / 16_000;
    Duration::from_millis(ms.min(20_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(service: u16, uuid: Uuid, w: bool, wnr: bool, n: bool) -> GattCharacteristic {
        GattCharacteristic {
            service: short(service),
            uuid,
            write: w,
            write_without_response: wnr,
            notify: n,
        }
    }

    #[test]
    fn the_common_printer_service_is_found_with_its_status_channel() {
        let found = [
            ch(0x180A, short(0x2A29), false, false, false),
            ch(0xFFE0, short(0xFFE1), true, true, true),
            ch(0x18F0, short(0x2AF0), false, false, true),
            ch(0x18F0, short(0x2AF1), true, true, false),
        ];
        let c = choose_channels(&found, None).unwrap();
        assert_eq!(c.write.uuid, short(0x2AF1));
        assert!(c.without_response);
        assert_eq!(c.notify.map(|n| n.uuid), Some(short(0x2AF0)));
    }

    #[test]
    fn the_named_characteristic_wins_and_unknown_printers_still_print() {
        let found = [
            ch(0xFFE0, short(0xFFE1), true, false, true),
            ch(0x18F0, short(0x2AF1), true, true, false),
        ];
        let named = choose_channels(&found, Some(short(0xFFE1))).unwrap();
        assert_eq!(named.write.uuid, short(0xFFE1));
        assert!(!named.without_response);
        assert_eq!(named.notify.map(|n| n.uuid), Some(short(0xFFE1)));
        // A name that is not writable is ignored.
        let fallback = choose_channels(&found, Some(short(0x2A29))).unwrap();
        assert_eq!(fallback.write.uuid, short(0x2AF1));
        // Nothing known: the first write-without-response characteristic.
        let odd = [
            ch(0xAAAA, short(0xAAA1), true, false, false),
            ch(0xBBBB, short(0xBBB1), false, true, false),
        ];
        let c = choose_channels(&odd, None).unwrap();
        assert_eq!((c.write.uuid, c.notify), (short(0xBBB1), None));
        // Nothing writable: not a printer.
        assert_eq!(
            choose_channels(&[ch(0x180A, short(0x2A29), false, false, true)], None),
            None
        );
    }

    #[test]
    fn a_silent_printer_gets_time_to_print_what_it_buffered() {
        assert_eq!(quiet_drain(0), Duration::from_millis(500));
        assert_eq!(quiet_drain(64_000), Duration::from_millis(4_500));
        assert_eq!(quiet_drain(10_000_000), Duration::from_secs(20));
    }
}
