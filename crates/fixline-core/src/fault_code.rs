//! Fault and resolution codes (故障代码 / 处理代码): what the engineer found and what they did,
//! from a fixed list per product category, so the top faults per model and period can be
//! counted (the feedback to R&D) and similar past fixes found. Shipped with the app, so the
//! completion form offers them offline; a code outside the job's category's list is refused.

use serde::Serialize;

use crate::Error;

/// One code with its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Code {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

impl Code {
    pub const fn new(code: &'static str, zh: &'static str, en: &'static str) -> Code {
        Code { code, zh, en }
    }
}

/// The faults an engineer can find on a category's machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CategoryFaults {
    pub category: &'static str,
    pub faults: &'static [Code],
}

/// What was done, the same for every category.
pub const RESOLUTIONS: &[Code] = &[
    Code::new("R01", "更换配件", "Part replaced"),
    Code::new("R02", "调整或校准", "Adjusted or calibrated"),
    Code::new("R03", "清洁保养", "Cleaned and serviced"),
    Code::new("R04", "补充或更换制冷剂", "Refrigerant recharged"),
    Code::new("R05", "软件或参数复位", "Software or settings reset"),
    Code::new("R06", "指导客户正确使用", "Customer shown how to use it"),
    Code::new("R07", "未发现故障", "No fault found"),
    Code::new("R08", "更换整机", "Whole unit replaced"),
];

/// The faults per category.
pub const FAULTS: &[CategoryFaults] = &[
    CategoryFaults {
        category: "refrigeration",
        faults: &[
            Code::new("RF01", "不制冷或制冷差", "Not cooling, or cooling poorly"),
            Code::new("RF02", "压缩机不启动", "Compressor does not start"),
            Code::new("RF03", "制冷剂泄漏", "Refrigerant leak"),
            Code::new("RF04", "温控器故障", "Thermostat fault"),
            Code::new("RF05", "结霜或化霜异常", "Icing or defrost fault"),
            Code::new("RF06", "风机故障", "Fan fault"),
            Code::new("RF07", "门封漏冷", "Door seal leaking"),
            Code::new("RF08", "异响", "Noise"),
        ],
    },
    CategoryFaults {
        category: "air_conditioning",
        faults: &[
            Code::new("AC01", "不制冷", "Not cooling"),
            Code::new("AC02", "不制热", "Not heating"),
            Code::new("AC03", "漏水", "Water leak"),
            Code::new("AC04", "显示故障码", "Shows an error code"),
            Code::new("AC05", "异响", "Noise"),
            Code::new("AC06", "控制板或遥控故障", "Control board or remote fault"),
        ],
    },
    CategoryFaults {
        category: "water_purifier",
        faults: &[
            Code::new("WP01", "不出水", "No water"),
            Code::new("WP02", "漏水", "Leak"),
            Code::new("WP03", "水质异常或滤芯到期", "Water quality, or filter due"),
            Code::new("WP04", "增压泵故障", "Booster pump fault"),
        ],
    },
    CategoryFaults {
        category: "dishwasher",
        faults: &[
            Code::new("DW01", "不进水", "Does not fill"),
            Code::new("DW02", "不排水", "Does not drain"),
            Code::new("DW03", "洗不干净", "Does not clean"),
            Code::new("DW04", "不加热", "Does not heat"),
            Code::new("DW05", "漏水", "Leak"),
        ],
    },
    CategoryFaults {
        category: "coffee_machine",
        faults: &[
            Code::new("CM01", "不出咖啡", "No coffee"),
            Code::new("CM02", "研磨器故障", "Grinder fault"),
            Code::new("CM03", "温度异常", "Temperature fault"),
            Code::new("CM04", "漏水", "Leak"),
            Code::new("CM05", "需要除垢", "Needs descaling"),
        ],
    },
    CategoryFaults {
        category: "laundry",
        faults: &[
            Code::new("LD01", "不排水或不脱水", "Does not drain or spin"),
            Code::new("LD02", "不进水", "Does not fill"),
            Code::new("LD03", "异响或震动", "Noise or shaking"),
            Code::new("LD04", "不加热", "Does not heat"),
            Code::new("LD05", "门锁故障", "Door lock fault"),
        ],
    },
    CategoryFaults {
        category: "elevators",
        faults: &[
            Code::new("EL01", "困人", "Passengers trapped"),
            Code::new("EL02", "平层不准", "Stops off level"),
            Code::new("EL03", "门机故障", "Door operator fault"),
            Code::new("EL04", "异响或抖动", "Noise or judder"),
            Code::new("EL05", "控制柜故障", "Controller fault"),
        ],
    },
    CategoryFaults {
        category: "general",
        faults: &[
            Code::new("GN01", "无法开机", "Does not power on"),
            Code::new("GN02", "其他故障", "Other fault"),
        ],
    },
];

/// The faults a category's jobs are coded with; empty for a category without a list.
pub fn faults(category: &str) -> &'static [Code] {
    FAULTS
        .iter()
        .find(|c| c.category == category)
        .map_or(&[], |c| c.faults)
}

/// The code's entry in a list.
pub fn find(list: &'static [Code], code: &str) -> Option<&'static Code> {
    list.iter().find(|c| c.code == code)
}

/// Checks a completion's codes against the job's category: each one given must be on its list.
pub fn check(category: &str, fault: Option<&str>, resolution: Option<&str>) -> Result<(), Error> {
    if let Some(f) = fault
        && find(faults(category), f).is_none()
    {
        return Err(Error::invalid(
            "fault_code",
            format!("{f} is not a fault code for {category}"),
        ));
    }
    if let Some(r) = resolution
        && find(RESOLUTIONS, r).is_none()
    {
        return Err(Error::invalid(
            "resolution_code",
            format!("{r} is not a resolution code"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_checked_against_the_category() {
        let mut all: Vec<&str> = FAULTS
            .iter()
            .flat_map(|c| c.faults.iter().map(|f| f.code))
            .chain(RESOLUTIONS.iter().map(|r| r.code))
            .collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "a code is listed twice");
        assert!(check("refrigeration", Some("RF03"), Some("R04")).is_ok());
        assert!(check("refrigeration", None, None).is_ok());
        assert!(
            check("laundry", Some("RF03"), None).is_err(),
            "another category's fault"
        );
        assert!(check("refrigeration", None, Some("R99")).is_err());
        assert!(
            check("custom_kiosks", Some("RF01"), None).is_err(),
            "a category without a list takes no fault code"
        );
        assert!(check("custom_kiosks", None, Some("R01")).is_ok());
    }
}
