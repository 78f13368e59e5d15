//! Pairing a Bluetooth Classic printer from the pairing screen (Linux: BlueZ). Thermal printers
//! pair with a fixed PIN, nearly always `0000` or `1234`, printed in their manual; the app
//! answers BlueZ's PIN or passkey request for that one printer with the engineer's PIN and
//! confirms "just works" pairing for it, nothing else. Phones pair in the system settings.

use std::time::Duration;

use fixline_print::PrintError;

/// A printer's PIN: 1 to 16 digits (legacy pairing allows 16 characters; printers use digits).
pub fn check_pin(pin: &str) -> Result<&str, PrintError> {
    let pin = pin.trim();
    if (1..=16).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(pin)
    } else {
        Err(PrintError::before_job(format!(
            "{pin:?} is not a printer PIN: 1 to 16 digits, usually 0000 or 1234"
        )))
    }
}

/// Pairs the Classic printer at `device` (`AA:BB:CC:DD:EE:FF`, optionally `@channel`) with
/// `pin`, within `timeout`. Already paired: nothing to do.
#[cfg(target_os = "linux")]
pub fn pair(device: &str, pin: &str, timeout: Duration) -> Result<(), PrintError> {
    use bluer::agent::{Agent, ReqError};

    let pin = check_pin(pin)?.to_owned();
    let (address, _) = crate::spp::parse(device)?;
    let no_bluetooth =
        |e: bluer::Error| crate::unreachable(format!("Bluetooth is not available: {e}"));
    let fail = |e: bluer::Error| {
        crate::unreachable(format!("cannot pair with the printer {address}: {e}"))
    };
    crate::runtime().block_on(async {
        let session = bluer::Session::new().await.map_err(no_bluetooth)?;
        let adapter = session.default_adapter().await.map_err(no_bluetooth)?;
        let printer = adapter.device(address).map_err(fail)?;
        if printer.is_paired().await.unwrap_or(false) {
            return Ok(());
        }
        // Answers only for this printer; any other device asking is refused.
        let ours = move |asking: bluer::Address| {
            if asking == address {
                Ok(())
            } else {
                Err(ReqError::Rejected)
            }
        };
        let (pin_code, passkey) = (pin.clone(), pin.parse::<u32>().ok());
        let agent = Agent {
            request_pin_code: Some(Box::new(move |r| {
                let answer = ours(r.device).map(|()| pin_code.clone());
                Box::pin(async move { answer })
            })),
            request_passkey: Some(Box::new(move |r| {
                let answer = ours(r.device)
                    .and_then(|()| passkey.filter(|p| *p <= 999_999).ok_or(ReqError::Rejected));
                Box::pin(async move { answer })
            })),
            request_confirmation: Some(Box::new(move |r| {
                let answer = ours(r.device);
                Box::pin(async move { answer })
            })),
            request_authorization: Some(Box::new(move |r| {
                let answer = ours(r.device);
                Box::pin(async move { answer })
            })),
            authorize_service: Some(Box::new(move |r| {
                let answer = ours(r.device);
                Box::pin(async move { answer })
            })),
            ..Default::default()
        };
        // Kept registered until the pairing is over.
        let _agent = session.register_agent(agent).await.map_err(fail)?;
        tokio::time::timeout(timeout, printer.pair())
            .await
            .map_err(|_| {
                crate::unreachable(format!(
                    "the printer {address} did not finish pairing in time: is it switched on and near?"
                ))
            })?
            .map_err(fail)
    })
}

#[cfg(not(target_os = "linux"))]
pub fn pair(_device: &str, pin: &str, _timeout: Duration) -> Result<(), PrintError> {
    check_pin(pin)?;
    Err(PrintError::Unsupported(
        "pair the printer in this device's Bluetooth settings, then choose it here".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_is_one_to_sixteen_digits() {
        assert_eq!(check_pin(" 0000 ").unwrap(), "0000");
        assert_eq!(check_pin("1234").unwrap(), "1234");
        for bad in ["", "12a4", "12345678901234567", "00 00"] {
            let err = check_pin(bad).unwrap_err().to_string();
            assert!(err.contains("not a printer PIN"), "{bad:?}: {err}");
        }
    }
}
