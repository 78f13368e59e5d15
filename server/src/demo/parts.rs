//! The demo parts list: the spares engineers carry for the demo's equipment categories.

use fixline_core::Timestamp;
use fixline_core::billing::Part;
use fixline_core::money::Money;
use rust_decimal::Decimal;

use crate::error::Result;
use crate::store::Store;

/// Part number, name, price in fen, serial-tracked.
const PARTS: &[(&str, &str, i64, bool)] = &[
    (
        "CMP-220",
        "压缩机启动继电器 Compressor start relay",
        18600,
        true,
    ),
    ("CAP-35", "启动电容 35µF Start capacitor", 3850, false),
    ("SEAL-18", "门封条 1.8 m Door gasket", 4550, false),
    ("FAN-120", "冷凝风机 120 mm Condenser fan", 22800, true),
    ("THM-06", "温控器 Thermostat", 16500, true),
    ("SNS-NTC", "NTC 温度传感器 Temperature sensor", 4200, false),
    ("FLT-AC", "空调滤网 Air filter", 6800, false),
    ("PCB-MAIN", "主控板 Main control board", 98000, true),
    ("VLV-EXP", "电子膨胀阀 Expansion valve", 45600, true),
    ("R404A-1", "R404A 制冷剂 1 kg Refrigerant", 12800, false),
    ("BRG-6203", "轴承 6203 Bearing", 2600, false),
    ("PMP-DRN", "排水泵 Drain pump", 18900, true),
];

pub(super) fn seed(store: &dyn Store, at: Timestamp) -> Result<usize> {
    for (number, name, fen, tracked) in PARTS {
        store.put_part(
            &Part {
                part_number: (*number).to_owned(),
                name: (*name).to_owned(),
                unit_price: Money::cny(Decimal::new(*fen, 2)),
                serial_tracked: *tracked,
            },
            at,
        )?;
    }
    Ok(PARTS.len())
}
