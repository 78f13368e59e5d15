//! The Bluetooth links against this machine's real stack. Build and CI machines have no
//! Bluetooth adapter (often no BlueZ at all): every call must come back in bounded time with a
//! plain error an engineer can act on — never a panic, a hang or a silent success.

use std::time::{Duration, Instant};

use fixline_bluetooth::{PrinterAddress, open, pair, scan};

fn bounded<T>(what: &str, limit: Duration, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    assert!(
        started.elapsed() < limit,
        "{what} took {:?}, more than {limit:?}",
        started.elapsed()
    );
    out
}

fn plain(message: &str) {
    assert!(
        ["Bluetooth", "printer", "adapter"]
            .iter()
            .any(|w| message.contains(w)),
        "not a message for people: {message}"
    );
}

#[test]
fn a_ble_printer_that_cannot_be_reached_fails_plainly() {
    let address = PrinterAddress::Ble {
        device: "66:22:E2:4C:1A:07".into(),
        characteristic: String::new(),
    };
    let result = bounded("opening a BLE printer", Duration::from_secs(30), || {
        open(&address, Duration::from_secs(2))
    });
    let Err(e) = result else {
        panic!("a printer that is not there was opened");
    };
    plain(&e.to_string());
}

#[test]
fn a_classic_printer_that_cannot_be_reached_fails_plainly() {
    let address = PrinterAddress::Spp {
        device: "66:22:E2:4C:1A:07".into(),
    };
    let result = bounded("opening an SPP printer", Duration::from_secs(30), || {
        open(&address, Duration::from_secs(2))
    });
    let Err(e) = result else {
        panic!("a printer that is not there was opened");
    };
    plain(&e.to_string());
    // A malformed address is bad input, said as such, before any radio is touched.
    let bad = PrinterAddress::Spp {
        device: "printer-1".into(),
    };
    let e = open(&bad, Duration::from_secs(2))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("not a Bluetooth address"), "{e}");
}

#[test]
fn pairing_a_printer_that_is_not_there_fails_plainly() {
    let result = bounded("pairing a Classic printer", Duration::from_secs(30), || {
        pair("66:22:E2:4C:1A:07", "0000", Duration::from_secs(2))
    });
    let Err(e) = result else {
        panic!("a printer that is not there was paired");
    };
    plain(&e.to_string());
    // Bad input is said as such before any radio is touched.
    let e = pair("66:22:E2:4C:1A:07", "pin", Duration::from_secs(2))
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a printer PIN"), "{e}");
    let e = pair("printer-1", "0000", Duration::from_secs(2))
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a Bluetooth address"), "{e}");
}

#[test]
fn scanning_without_bluetooth_says_so_or_finds_nothing_that_is_not_named() {
    match bounded("scanning", Duration::from_secs(30), || {
        scan(Duration::from_secs(1))
    }) {
        Err(e) => {
            let e = e.to_string();
            assert!(
                e.contains("Bluetooth"),
                "the engineer is told it is Bluetooth: {e}"
            );
        }
        Ok(found) => assert!(found.iter().all(|p| !p.name.is_empty())),
    }
}

#[test]
fn network_printers_still_open_through_the_same_call() {
    let address = PrinterAddress::Tcp {
        host: "127.0.0.1".into(),
        port: 9,
    };
    let e = open(&address, Duration::from_secs(2))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("cannot reach the printer at 127.0.0.1:9"), "{e}");
}
