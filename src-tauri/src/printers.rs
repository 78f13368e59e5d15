//! The printer links and printer discovery this platform has. Desktop: network and file links,
//! Bluetooth LE and, on Linux, Bluetooth Classic (RFCOMM), all from `fixline-bluetooth`.
//! Phones: Bluetooth LE through the same code (blec, whose Android backend `tauri-plugin-blec`
//! sets up); on Android Bluetooth Classic through the Kotlin plugin under `mobile/spp-printer`
//! (registered here, carried by `fixline_bluetooth::bridge`). iOS reaches only BLE printers, and
//! a Classic printer gets a plain "not supported on this device".

use std::time::Duration;

use fixline_core::device::FoundPrinter;
use fixline_print::link::{Address, PrinterLink};
use fixline_print::{PrintError, Profile};

/// How long the pairing screen listens for printers.
pub const SCAN: Duration = Duration::from_secs(6);

/// How long a printer has to finish pairing (the engineer may have to press its button).
pub const PAIRING: Duration = Duration::from_secs(30);

#[cfg(desktop)]
pub fn open(
    _app: &tauri::AppHandle,
    address: &Address,
    _profile: &Profile,
    timeout: Duration,
) -> Result<Box<dyn PrinterLink>, PrintError> {
    fixline_bluetooth::open(address, timeout)
}

#[cfg(desktop)]
pub fn find(_app: &tauri::AppHandle) -> Result<Vec<FoundPrinter>, PrintError> {
    fixline_bluetooth::scan(SCAN)
}

#[cfg(mobile)]
pub use phone::{find, open, plugins};

/// Written for the Android build, which cannot be made on the machines this project is built
/// on (no Android SDK or NDK); reviewed, not compiled. See `mobile/spp-printer/README.md`.
#[cfg(mobile)]
mod phone {
    use std::time::Duration;

    use fixline_bluetooth::bridge::{BridgeLink, PluginJob, PluginPrinted, PrinterPlugin};
    use fixline_core::device::{FoundPrinter, PrinterAddress};
    use fixline_print::link::{Address, PrinterLink};
    use fixline_print::{PrintError, Profile};
    use serde::Deserialize;
    use tauri::plugin::{PluginHandle, TauriPlugin};
    use tauri::{Manager, Wry};

    /// The Kotlin plugin's handle.
    #[derive(Clone)]
    pub struct SppPlugin(PluginHandle<Wry>);

    impl PrinterPlugin for SppPlugin {
        fn print(&self, job: &PluginJob) -> Result<PluginPrinted, String> {
            self.0
                .run_mobile_plugin("print", job.clone())
                .map_err(|e| e.to_string())
        }
    }

    /// The BLE plugin (blec's Android backend, iOS permissions) and the Classic printer plugin
    /// (`cn.fixline.printer.SppPrinterPlugin`, Android).
    pub fn plugins(builder: tauri::Builder<Wry>) -> tauri::Builder<Wry> {
        builder.plugin(tauri_plugin_blec::init()).plugin(spp())
    }

    fn spp() -> TauriPlugin<Wry> {
        tauri::plugin::Builder::<Wry>::new("spp-printer")
            .setup(|app, api| {
                #[cfg(target_os = "android")]
                {
                    let handle =
                        api.register_android_plugin("cn.fixline.printer", "SppPrinterPlugin")?;
                    app.manage(SppPlugin(handle));
                }
                #[cfg(not(target_os = "android"))]
                let _ = (app, api);
                Ok(())
            })
            .build()
    }

    pub fn open(
        app: &tauri::AppHandle,
        address: &Address,
        profile: &Profile,
        timeout: Duration,
    ) -> Result<Box<dyn PrinterLink>, PrintError> {
        match (address, app.try_state::<SppPlugin>()) {
            (Address::Spp { device }, Some(plugin)) => Ok(Box::new(BridgeLink::new(
                plugin.inner().clone(),
                device,
                profile,
                timeout,
            ))),
            // Network and file printers; BLE and (on iOS) Classic say plainly what is missing.
            _ => fixline_bluetooth::open(address, timeout),
        }
    }

    #[derive(Deserialize)]
    struct Paired {
        printers: Vec<PairedPrinter>,
    }

    #[derive(Deserialize, Clone)]
    struct PairedPrinter {
        name: String,
        device: String,
    }

    /// BLE printers advertising nearby, and (Android) the Classic printers paired in the
    /// system's Bluetooth settings.
    pub fn find(app: &tauri::AppHandle) -> Result<Vec<FoundPrinter>, PrintError> {
        let ble = fixline_bluetooth::scan(super::SCAN);
        let paired = match app.try_state::<SppPlugin>() {
            None => Ok(Vec::new()),
            Some(plugin) => plugin
                .0
                .run_mobile_plugin::<Paired>("pairedPrinters", ())
                .map(|p| p.printers)
                .map_err(|e| PrintError::Printer(e.to_string())),
        };
        let mut found: Vec<FoundPrinter> = paired
            .as_ref()
            .map(|list| {
                list.iter()
                    .map(|p| FoundPrinter {
                        name: p.name.clone(),
                        address: PrinterAddress::Spp {
                            device: p.device.clone(),
                        },
                        rssi: None,
                        paired: true,
                        profile: "80mm-spp".into(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        match (ble, paired) {
            (Err(e), Err(_)) => Err(e),
            (ble, _) => {
                found.extend(ble.unwrap_or_default());
                Ok(found)
            }
        }
    }
}
