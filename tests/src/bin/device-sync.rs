//! Syncs a device database with its server over and over, until killed. The kill test runs it
//! as a child process and SIGKILLs it at random points to prove nothing is lost or doubled.

use std::path::PathBuf;

use anyhow::Context;
use fixline_device::DeviceStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let path: PathBuf = std::env::args_os()
        .nth(1)
        .context("usage: device-sync DEVICE.db")?
        .into();
    let store = DeviceStore::open(&path)?;
    // The test's clock for its kill starts here, not at the process start: on a loaded machine
    // starting up can take longer than the whole kill window.
    println!("ready");
    loop {
        // Errors (e.g. a busy database) are what a real app would retry too.
        let _ = fixline_device::sync(&store, true, |_| {}).await;
    }
}
